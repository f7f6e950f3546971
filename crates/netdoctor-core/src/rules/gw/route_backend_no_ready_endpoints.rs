use super::{backend_refs, route_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::{no_ready_endpoints, resolve_backend};

pub static RULE: Rule = Rule {
    code: "GW007",
    area: crate::rules::Area::Gw,
    name: "route-backend-no-ready-endpoints",
    severity: Severity::Error,
    summary: "a route backend Service exists and has the port, but no ready endpoints: its share of requests gets 503",
    doc: r#"## What it checks
For each backendRef that resolves to an existing Service port, whether the Service has at
least one ready endpoint (EndpointSlice endpoints with `ready` true, or ready pods matching
its selector when no slice is in the input). Backends with weight 0 receive no traffic and
are not reported.

## Why it breaks traffic
The Gateway has nowhere to send the request and answers 503 (Service Unavailable) for that
backend's share; with a single backend every request fails.

## How to fix
Fix the pods behind the Service, not the route: `kubectl get endpointslices -n NS -l
kubernetes.io/service-name=NAME` and `kubectl describe pod` for the reason (crash loop,
failing readiness probe, Pending). The SVC rules give the per-pod reason.

## Example
```
error[GW007] route-backend-no-ready-endpoints: apps/httproute/store
  HTTPRoute apps/store backend Service apps/store port 8080 has no ready endpoints (2 not
  ready): the Gateway answers 503 for 100% of the rule's requests
```

## References
- HTTPRoute backendRefs: https://gateway-api.sigs.k8s.io/api-types/httproute/#backendrefs
- EndpointSlice conditions: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (r, b) in backend_refs(cluster) {
        if b.weight == 0 {
            continue;
        }
        let Ok((svc, sp)) = resolve_backend(cluster, r, b) else {
            continue;
        };
        let Some(why) = no_ready_endpoints(cluster, svc, sp) else {
            continue;
        };
        out.push(
            Finding::new(
                &RULE,
                route_object(r),
                format!(
                    "{} {}/{} backend Service {}/{} port {} has no ready endpoints ({why}): the Gateway answers 503 for the requests sent to it",
                    r.kind.as_str(),
                    r.namespace,
                    r.name,
                    svc.namespace,
                    svc.name,
                    sp.port,
                ),
            )
            .with_fix(
                Fix::new("Make the Service's pods ready (the SVC findings give each pod's reason)")
                    .command(format!(
                        "kubectl get endpointslices -n {} -l kubernetes.io/service-name={}",
                        svc.namespace, svc.name
                    ))
                    .command(format!("netdoctor doctor {}/service/{}", svc.namespace, svc.name)),
            ),
        );
    }
}

use super::ingress_ref;
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::ingress::{backend_state, lookup_port, service_backends, PortLookup};

pub static RULE: Rule = Rule {
    code: "ING006",
    area: crate::rules::Area::Ing,
    name: "ingress-backend-no-ready-endpoints",
    severity: Severity::Error,
    summary: "the backend Service has no ready endpoints (503), with the SVC reason",
    doc: r#"## What it checks
For every Ingress backend whose Service and port exist, whether the port has at least one
ready endpoint, computed as the EndpointSlice controller does (pods matching the selector,
Running, Ready; or the Service's own EndpointSlices when it has no selector). The message
carries the reason from the Services checks: the selector matches no pod (SVC001), the
workload is scaled to zero (SVC002), or each pod's reason for not being ready (SVC003:
CrashLoopBackOff with restarts, failing readiness probe, Pending, ImagePullBackOff,
terminating).

A port whose pods are ready but whose named targetPort does not resolve is reported by
SVC005 (the request gets 502 from `netdoctor ingress route`), not here.

## Why it breaks traffic
The controller has an upstream with no servers: ingress-nginx answers `503 Service
Temporarily Unavailable` for every request the path matches.

## How to fix
Fix the pods (see the reason), or the Service's selector; `kubectl get endpointslices -l
kubernetes.io/service-name=NAME` shows what the controller sees.

## Example
```
error[ING006] ingress-backend-no-ready-endpoints: production/ingress/shop-ingress
  Ingress production/shop-ingress routes shop.example.com/checkout (Prefix) to checkout:80,
  which has no ready endpoints: production/checkout-7d4b9-x2x4q: container checkout is in
  CrashLoopBackOff: restarted 14 times, last exit code 1 (Error): those requests get 503
```

## References
- EndpointSlices: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
- Debugging Services: https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for ing in &cluster.ingresses {
        let backends = service_backends(ing);
        let mut seen: Vec<(&str, u16)> = Vec::new();
        for (_, name, port) in &backends {
            let Some(svc) = cluster.service(&ing.namespace, name) else {
                continue;
            };
            let sp = match lookup_port(svc, port) {
                PortLookup::Found(sp) | PortLookup::FoundByTargetPort(sp) => sp,
                _ => continue,
            };
            if seen.contains(&(name, sp.port)) {
                continue;
            }
            seen.push((name, sp.port));
            let state = backend_state(cluster, svc, sp);
            if state.ready > 0 || !state.unresolved.is_empty() || state.external_name.is_some() {
                continue;
            }
            let places: Vec<&str> = backends
                .iter()
                .filter(|(_, n, p)| n == name && lookup_port(svc, p).port() == Some(sp.port))
                .map(|(w, _, _)| w.as_str())
                .collect();
            let why = state
                .empty_reason
                .clone()
                .unwrap_or_else(|| state.not_ready.join("; "));
            let mut f = Finding::new(
                &RULE,
                ingress_ref(ing),
                format!(
                    "Ingress {}/{} routes {} to {name}:{}, which has no ready endpoints: {why}: those requests get 503",
                    ing.namespace,
                    ing.name,
                    places.join(", "),
                    sp.port
                ),
            );
            for line in &state.not_ready {
                f = f.with_evidence(line.clone());
            }
            out.push(
                f.with_fix(
                    Fix::new(format!("Make the pods behind Service {name} ready (see the reason), or fix its selector"))
                        .command(format!(
                            "kubectl -n {} get endpointslices -l kubernetes.io/service-name={name} -o wide",
                            ing.namespace
                        ))
                        .command(format!("netdoctor doctor {}/service/{name}", ing.namespace)),
                ),
            );
        }
    }
}

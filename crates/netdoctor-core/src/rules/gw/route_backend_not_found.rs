use super::{backend_refs, parent_condition, resource, route_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::{describe_condition, resolve_backend, BackendProblem};

pub static RULE: Rule = Rule {
    code: "GW004",
    area: crate::rules::Area::Gw,
    name: "route-backend-not-found",
    severity: Severity::Error,
    summary: "a route backendRef names a Service that does not exist, gives no port or a port the Service does not have (BackendNotFound), or names an unsupported kind (InvalidKind): its share of requests gets 500",
    doc: r#"## What it checks
Every `backendRefs[]` entry of an HTTPRoute or GRPCRoute. By default a backendRef is a core
`Service` (group `""`, kind `Service`) in the route's namespace; it must exist, and `port`
(required for a Service) must be one of the Service's ports (the Service `port`, not the
`targetPort`). A backendRef of another group/kind (a typo such as `group: core`, or a kind
the controller does not implement) is reported as `InvalidKind`.

## Why it breaks traffic
The Gateway API specifies that requests a rule would send to an invalid backend are
answered with HTTP 500 by the Gateway. With weights, only that backend's share fails, which
shows up as intermittent 500s. The controller sets `ResolvedRefs: False` on the route.

## How to fix
Correct the backendRef name, namespace or port (`kubectl get svc NAME -n NS` shows the
ports), or create the Service. Leave `group` and `kind` out for a Service.

## Example
```
error[GW004] route-backend-not-found: apps/httproute/store
  HTTPRoute apps/store backendRef apps/store-v2 port 8080: Service apps/store-v2 does not
  exist (BackendNotFound); its share of requests (100%) gets 500
```

## References
- BackendRef: https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref
- HTTPRoute backendRefs: https://gateway-api.sigs.k8s.io/api-types/httproute/#backendrefs
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("Service") {
        return;
    }
    for (r, b) in backend_refs(cluster) {
        let Err((problem, detail)) = resolve_backend(cluster, r, b) else {
            continue;
        };
        if problem == BackendProblem::RefNotPermitted {
            continue;
        }
        // A partial input (no Service at all in that namespace) while the controller reports
        // the references resolved: trust the controller.
        let resolved = !r.status.is_empty()
            && r.status.iter().all(|s| {
                crate::model::condition(&s.conditions, "ResolvedRefs").is_some_and(|c| c.is_true())
            });
        if problem == BackendProblem::ServiceNotFound
            && resolved
            && !cluster.services.iter().any(|s| s.namespace == b.namespace)
        {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            route_object(r),
            format!(
                "{} {}/{} backendRef {}/{}{}: {detail}; the Gateway answers 500 for the requests sent to it{}",
                r.kind.as_str(),
                r.namespace,
                r.name,
                b.namespace,
                b.name,
                b.port.map(|p| format!(" port {p}")).unwrap_or_default(),
                if b.weight == 0 { " (weight 0: none today)" } else { "" }
            ),
        );
        for p in &r.parents {
            if let Some(c) = parent_condition(r, p, "ResolvedRefs").filter(|c| !c.is_true()) {
                f = f.with_evidence(format!("controller status: {}", describe_condition(c)));
            }
        }
        let fix = match problem {
            BackendProblem::InvalidKind => Fix::new("Reference a Service: drop group/kind (they default to the core Service)")
                .yaml(format!("backendRefs:\n- name: {}\n  port: PORT\n", b.name)),
            BackendProblem::ServiceNotFound => Fix::new("Create the Service or correct the backendRef name/namespace")
                .command(format!("kubectl get svc -n {}", b.namespace)),
            _ => Fix::new("Set backendRef port to one of the Service's ports (the Service port, not the targetPort)")
                .command(format!("kubectl get svc {} -n {} -o jsonpath='{{.spec.ports}}'", b.name, b.namespace)),
        };
        out.push(f.with_fix(fix.command(format!(
            "kubectl edit {} {} -n {}",
            resource(r),
            r.name,
            r.namespace
        ))));
    }
}

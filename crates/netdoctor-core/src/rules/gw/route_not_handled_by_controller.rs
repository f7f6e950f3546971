use super::{attachments, has_status, resource, route_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "GW008",
    area: crate::rules::Area::Gw,
    name: "route-not-handled-by-controller",
    severity: Severity::Warning,
    summary: "a route has no status.parents entry for a Gateway whose controller is running (the Gateway has status): no controller has processed the route",
    doc: r#"## What it checks
A controller that processes a route writes one `status.parents[]` entry per parentRef it
owns, with `Accepted` and `ResolvedRefs` conditions. The rule fires when a route refers to
an existing Gateway that carries status (so the input is from a live cluster and the
Gateway's controller is at work) but the route has no status entry for it, and the
attachment itself looks valid (otherwise GW002/GW003/GW006 explain it). Plain manifests,
whose Gateways have no status, are not checked.

## Why it breaks traffic
An empty `status.parents` means no controller has handled the route: it is not programmed
and its requests get 404. Common causes: the route's parentRef names the Gateway with a
wrong group/kind, the controller lacks RBAC to watch the route's namespace or kind (a
GRPCRoute CRD installed after the controller started), or the controller is crash-looping.

## How to fix
Check the controller's logs for the route, that the route's CRD version is one the
controller supports, and that the controller watches the namespace.

## Example
```
warning[GW008] route-not-handled-by-controller: apps/httproute/store
  HTTPRoute apps/store has no status for Gateway infra/public: no controller has processed it
```

## References
- Route status: https://gateway-api.sigs.k8s.io/reference/spec/#routestatus
- Troubleshooting: https://gateway-api.sigs.k8s.io/guides/troubleshooting/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (r, p, res) in attachments(cluster) {
        if res.is_err() || r.status_for(p).is_some() {
            continue;
        }
        // Some controllers write the parentRef without the defaulted fields; match on name.
        if r.status
            .iter()
            .any(|s| s.parent.name == p.name && s.parent.namespace == p.namespace)
        {
            continue;
        }
        let Some(gw) = cluster.gateway(&p.namespace, &p.name) else {
            continue;
        };
        if !has_status(gw) {
            continue;
        }
        let class_ok = cluster
            .gateway_class(&gw.class_name)
            .is_some_and(|c| c.accepted().is_none_or(|a| a.is_true()));
        if !class_ok {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                route_object(r),
                format!(
                    "{} {}/{} has no status for Gateway {}/{} ({}): no controller has processed the route, so it is not programmed and its requests get 404",
                    r.kind.as_str(),
                    r.namespace,
                    r.name,
                    p.namespace,
                    p.name,
                    if r.status.is_empty() {
                        "status.parents is empty".to_string()
                    } else {
                        format!("status.parents has {} other entries", r.status.len())
                    }
                ),
            )
            .with_fix(
                Fix::new("Check that the Gateway's controller watches this route (logs, RBAC, CRD version)")
                    .command(format!(
                        "kubectl get {} {} -n {} -o yaml",
                        resource(r),
                        r.name,
                        r.namespace
                    ))
                    .command(format!("kubectl describe gateway {} -n {}", gw.name, gw.namespace)),
            ),
        );
    }
}

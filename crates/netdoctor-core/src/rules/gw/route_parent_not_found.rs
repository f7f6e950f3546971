use super::{attachments, parent_condition, resource, route_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::AttachError;

pub static RULE: Rule = Rule {
    code: "GW002",
    area: crate::rules::Area::Gw,
    name: "route-parent-not-found",
    severity: Severity::Error,
    summary: "an HTTPRoute/GRPCRoute parentRef names a Gateway that does not exist, or a sectionName/port that matches none of its listeners (NoMatchingParent)",
    doc: r#"## What it checks
Each `parentRefs[]` entry of an HTTPRoute or GRPCRoute that refers to a Gateway (the default
group and kind): the Gateway must exist in the parentRef's namespace (the route's own when
`namespace` is not set), and when `sectionName` or `port` is given, a listener of that Gateway
must have that name and/or port.

## Why it breaks traffic
A route only receives traffic through the listeners it is attached to. With no such Gateway
or listener the route is attached nowhere: requests for its hostnames get 404 from the
Gateway (or never reach one). Controllers report this as `Accepted: False` with reason
`NoMatchingParent`; when the Gateway is missing, no controller writes any status at all.

## How to fix
Correct `parentRefs[].name`/`namespace` to an existing Gateway, and `sectionName` to one of
its listener names (`kubectl get gateway NAME -n NS -o jsonpath='{.spec.listeners[*].name}'`).
Remember that a parentRef without `namespace` means the route's own namespace.

## Example
```
error[GW002] route-parent-not-found: apps/httproute/store
  HTTPRoute apps/store parentRef infra/public (listener https) matches no listener: Gateway
  infra/public has no listener matching sectionName "https"; its listeners are: http (port 80)
```

## References
- HTTPRoute parentRefs: https://gateway-api.sigs.k8s.io/api-types/httproute/#parentrefs
- ParentReference: https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("Gateway") {
        return;
    }
    for (r, p, res) in attachments(cluster) {
        let message = match res {
            Err(AttachError::GatewayNotFound) => {
                // A controller accepted it: the Gateway exists but is not in the input.
                if parent_condition(r, p, "Accepted").is_some_and(|c| c.is_true()) {
                    continue;
                }
                let existing: Vec<String> = cluster
                    .gateways
                    .iter()
                    .map(|g| format!("{}/{}", g.namespace, g.name))
                    .collect();
                format!(
                    "{} {}/{} parentRef names Gateway {}/{}, which does not exist ({}); the route is attached nowhere and its requests get 404",
                    r.kind.as_str(),
                    r.namespace,
                    r.name,
                    p.namespace,
                    p.name,
                    if existing.is_empty() {
                        "no Gateway in the input".to_string()
                    } else {
                        format!("Gateways: {}", existing.join(", "))
                    }
                )
            }
            Err(AttachError::NoMatchingParent(d)) => format!(
                "{} {}/{} parentRef {} matches no listener (NoMatchingParent): {d}",
                r.kind.as_str(),
                r.namespace,
                r.name,
                p.display()
            ),
            _ => continue,
        };
        out.push(
            Finding::new(&RULE, route_object(r), message).with_fix(
                Fix::new("Point parentRefs at an existing Gateway and one of its listener names")
                    .command(format!("kubectl get gateway -n {} -o wide", p.namespace))
                    .command(format!(
                        "kubectl edit {} {} -n {}",
                        resource(r),
                        r.name,
                        r.namespace
                    )),
            ),
        );
    }
}

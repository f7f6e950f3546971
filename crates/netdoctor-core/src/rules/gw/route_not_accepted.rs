use super::{attachments, parent_condition, resource, route_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::{describe_condition, AttachError};

pub static RULE: Rule = Rule {
    code: "GW003",
    area: crate::rules::Area::Gw,
    name: "route-not-accepted",
    severity: Severity::Error,
    summary: "a route is not accepted by its Gateway: no listener allows its namespace or kind (NotAllowedByListeners), or the controller reports Accepted=False with another reason, decoded in plain words",
    doc: r#"## What it checks
For each Gateway a route names in `parentRefs`, whether the Gateway's listeners allow it:
`allowedRoutes.namespaces.from` is `Same` by default (only routes in the Gateway's own
namespace), `All`, or `Selector` (the route's Namespace labels must match), and
`allowedRoutes.kinds` (by default the kinds the protocol carries: HTTPRoute and GRPCRoute
for HTTP/HTTPS) must include the route's kind. It also reads the route's
`status.parents[].conditions` and reports an `Accepted` condition that is `False` with any
reason not covered by a more specific rule (GW002 for NoMatchingParent, GW006 for
NoMatchingListenerHostname), in plain words: `NotAllowedByListeners`, `UnsupportedValue`,
`Pending`, …

## Why it breaks traffic
A route that is not accepted is not programmed into the Gateway: requests for its hostnames
and paths get 404 (or reach another route). The route object itself looks fine, which is why
this is hard to see without reading its status.

## How to fix
For `NotAllowedByListeners`: move the route into an allowed namespace, or widen the listener
(`allowedRoutes.namespaces.from: All`, or `Selector` with a label the route's namespace
carries), or add the route kind to `allowedRoutes.kinds`. For other reasons, read the
condition's message: `kubectl get httproute NAME -n NS -o jsonpath='{.status.parents}'`.

## Example
```
error[GW003] route-not-accepted: apps/httproute/store
  HTTPRoute apps/store is not accepted by Gateway infra/public (NotAllowedByListeners): listener
  http allows routes from namespaces: Same and the route is in namespace apps
```

## References
- Cross-namespace routing: https://gateway-api.sigs.k8s.io/guides/multiple-ns/
- AllowedRoutes: https://gateway-api.sigs.k8s.io/reference/spec/#allowedroutes
- RouteConditionReason: https://gateway-api.sigs.k8s.io/reference/spec/#routeconditionreason
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (r, p, res) in attachments(cluster) {
        let status = parent_condition(r, p, "Accepted").filter(|c| c.status == "False");
        let computed = res.as_ref().err();
        let message = match (computed, status) {
            (Some(AttachError::Conflicted(d)), _) => format!(
                "{} {}/{} is not accepted by Gateway {}/{} (conflict): {d}",
                r.kind.as_str(),
                r.namespace,
                r.name,
                p.namespace,
                p.name
            ),
            (Some(AttachError::NotAllowedByListeners(d)), _) => {
                let mut m = format!(
                    "{} {}/{} is not accepted by Gateway {}/{} (NotAllowedByListeners): {d}",
                    r.kind.as_str(),
                    r.namespace,
                    r.name,
                    p.namespace,
                    p.name
                );
                if let Some(s) = status {
                    if s.reason == "NotAllowedByListeners" {
                        if !s.message.is_empty() {
                            m.push_str(&format!("; the controller agrees: {:?}", s.message));
                        }
                    } else {
                        m.push_str(&format!("; controller status: {}", describe_condition(s)));
                    }
                }
                m
            }
            (computed, Some(s)) => {
                // Covered by GW002/GW006 when the computation finds the same reason.
                if computed.is_some_and(|e| e.reason() == s.reason) {
                    continue;
                }
                if computed.is_some()
                    && (s.reason == "NoMatchingParent" || s.reason == "NoMatchingListenerHostname")
                {
                    continue;
                }
                format!(
                    "{} {}/{} is not accepted by Gateway {}/{}: {}",
                    r.kind.as_str(),
                    r.namespace,
                    r.name,
                    p.namespace,
                    p.name,
                    describe_condition(s)
                )
            }
            _ => continue,
        };
        out.push(
            Finding::new(&RULE, route_object(r), message).with_fix(
                Fix::new("Allow the route on a listener (allowedRoutes), or move it to an allowed namespace")
                    .command(format!(
                        "kubectl get {} {} -n {} -o jsonpath='{{.status.parents}}'",
                        resource(r),
                        r.name,
                        r.namespace
                    ))
                    .yaml(format!(
                        "# in Gateway {}/{}, on the listener:\nallowedRoutes:\n  namespaces:\n    from: Selector\n    selector:\n      matchLabels:\n        kubernetes.io/metadata.name: {}\n",
                        p.namespace, p.name, r.namespace
                    )),
            ),
        );
    }
}

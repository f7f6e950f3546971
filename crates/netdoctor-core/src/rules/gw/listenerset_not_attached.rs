use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::{set_state, SetProblem};

pub static RULE: Rule = Rule {
    code: "GW010",
    area: crate::rules::Area::Gw,
    name: "listenerset-not-allowed-by-gateway",
    severity: Severity::Error,
    summary: "a ListenerSet's parent Gateway does not exist, or its `allowedListeners` does not admit the ListenerSet's namespace (NotAllowed; the default admits none): none of its listeners is programmed",
    doc: r#"## What it checks
For each ListenerSet (gateway.networking.k8s.io/v1), whether `spec.parentRef` names an
existing Gateway and that Gateway's `spec.allowedListeners.namespaces.from` admits the
ListenerSet's namespace: `None` (the default, when `allowedListeners` is absent) admits no
ListenerSet, `Same` only the Gateway's namespace, `Selector` the namespaces whose labels
match, `All` every namespace.

## Why it breaks traffic
A ListenerSet the Gateway does not allow is `Accepted: False` with reason `NotAllowed`; its
listeners are not merged into the Gateway and nothing listens for their hostnames and ports.
Routes whose `parentRefs` name the ListenerSet are not attached: requests for their hostnames
get no answer from that listener (404 from another listener on the port, or the connection
is refused).

## How to fix
Allow the ListenerSet on the Gateway, for example:
```yaml
spec:
  allowedListeners:
    namespaces:
      from: Selector
      selector: {matchLabels: {kubernetes.io/metadata.name: team-a}}
```
or point `spec.parentRef` at the Gateway that is meant to carry the listeners.

## Example
```
error[GW010] listenerset-not-allowed-by-gateway: team-a/listenerset/team-a-listeners
  ListenerSet team-a/team-a-listeners is not attached (NotAllowed): Gateway infra/shared
  allows ListenerSets from None (the default: no ListenerSet may attach) and ListenerSet
  team-a/team-a-listeners is in namespace team-a
```

## References
- ListenerSet: https://gateway-api.sigs.k8s.io/api-types/listenerset/
- GEP-1713: https://gateway-api.sigs.k8s.io/geps/gep-1713/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for set in cluster.listener_sets() {
        let (gw, state) = set_state(cluster, set);
        let Err(problem) = state else {
            continue;
        };
        if matches!(problem, SetProblem::ListenersNotValid(_)) {
            // Conflicts are GW011's.
            continue;
        }
        let object = ObjectRef::namespaced("ListenerSet", &set.namespace, &set.name);
        let fix = match (gw, &problem) {
            (Some(g), SetProblem::NotAllowed(_)) => Fix::new(format!(
                "Allow ListenerSets from namespace {} on Gateway {}/{} (spec.allowedListeners.namespaces.from: Same, Selector or All)",
                set.namespace, g.namespace, g.name
            ))
            .command(format!(
                "kubectl patch gateway {} -n {} --type merge -p '{{\"spec\":{{\"allowedListeners\":{{\"namespaces\":{{\"from\":\"All\"}}}}}}}}'",
                g.name, g.namespace
            )),
            _ => Fix::new("Point spec.parentRef at an existing Gateway").command(format!(
                "kubectl get gateways -A; kubectl edit listenerset {} -n {}",
                set.name, set.namespace
            )),
        };
        out.push(
            Finding::new(
                &RULE,
                object,
                format!(
                    "ListenerSet {} is not attached ({}): {}; its listeners ({}) are not programmed",
                    set.id(),
                    problem.reason(),
                    problem.detail(),
                    set.listeners
                        .iter()
                        .map(|l| format!("{} :{}", l.name, l.port))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_fix(fix),
        );
    }
}

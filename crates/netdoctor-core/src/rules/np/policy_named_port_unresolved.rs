use super::short_list;
use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, Peer, PortRef, Selector};
use crate::rules::Rule;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: "NP004",
    area: crate::rules::Area::Np,
    name: "policy-named-port-unresolved",
    severity: Severity::Warning,
    summary: "a named port in a rule exists on none of the pods it applies to",
    doc: r#"## What it checks
A NetworkPolicy port given by name (`port: metrics`) is resolved against the container ports
of the destination pod, with the same protocol: for an ingress rule, the pods the policy
selects; for an egress rule, the pods its `to` peers select (every pod when it lists none).
The rule fires when none of those pods declares a container port with that name and
protocol.

## Why it breaks traffic
A name that resolves on no pod admits nothing: the port entry is dead, and the connection it
was written for is dropped by the policy's isolation. Typical causes: the container port is
named differently (`http-metrics`), the name is declared with another protocol (`dns` on
UDP, the policy says TCP by default), or the container port is not declared at all (it is
optional for traffic, but required for a name to resolve).

## How to fix
Use the port number, or name the container port in the pod template exactly as the policy
does, with the same protocol.

## Example
```
warning[NP004] policy-named-port-unresolved: production/networkpolicy/allow-metrics
  spec.ingress[0].ports[0]: named port "metrics" (TCP) is declared by none of the 3 pods the
  policy selects (their ports: http=8080/TCP)
```

## References
- Network policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/
- NetworkPolicyPort: https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
"#,
    check,
};

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if c.pods.is_empty() || !c.can_read("Pod") {
        return;
    }
    for p in &c.policies {
        for (field, rules) in [("ingress", &p.ingress), ("egress", &p.egress)] {
            for (ri, rule) in rules.iter().enumerate() {
                if !rule
                    .ports
                    .iter()
                    .any(|pp| matches!(pp.port, Some(PortRef::Name(_))))
                {
                    continue;
                }
                let (targets, who): (Vec<usize>, &str) = if field == "ingress" {
                    (
                        c.pods_matching(&p.namespace, &p.pod_selector),
                        "the policy selects",
                    )
                } else if rule.peers.is_empty() {
                    ((0..c.pods.len()).collect(), "in the cluster")
                } else {
                    let mut t = Vec::new();
                    for peer in &rule.peers {
                        if let Peer::Pods { namespaces, pods } = peer {
                            for n in &c.namespaces {
                                let ns_ok = match namespaces {
                                    None => n.name == p.namespace,
                                    Some(s) => s.matches(&n.labels),
                                };
                                if !ns_ok {
                                    continue;
                                }
                                match pods {
                                    Some(s) => t.extend(c.pods_matching(&n.name, s)),
                                    None => {
                                        t.extend(c.pods_matching(&n.name, &Selector::default()))
                                    }
                                }
                            }
                        }
                    }
                    t.sort_unstable();
                    t.dedup();
                    (t, "the rule's peers select")
                };
                let targets: Vec<usize> = targets
                    .into_iter()
                    .filter(|&i| !c.pods[i].host_network)
                    .collect();
                if targets.is_empty() {
                    continue;
                }
                for (k, pp) in rule.ports.iter().enumerate() {
                    let Some(PortRef::Name(name)) = &pp.port else {
                        continue;
                    };
                    if targets
                        .iter()
                        .any(|&i| c.pods[i].resolve_named_port(name, pp.protocol).is_some())
                    {
                        continue;
                    }
                    let declared: BTreeSet<String> = targets
                        .iter()
                        .take(200)
                        .flat_map(|&i| c.pods[i].ports())
                        .map(|cp| match &cp.name {
                            Some(n) => format!("{n}={}/{}", cp.port, cp.protocol.as_str()),
                            None => format!("{}/{}", cp.port, cp.protocol.as_str()),
                        })
                        .collect();
                    let declared: Vec<String> = declared.into_iter().collect();
                    let other_proto = targets.iter().find_map(|&i| {
                        c.pods[i]
                            .ports()
                            .find(|cp| cp.name.as_deref() == Some(name.as_str()))
                            .map(|cp| cp.protocol)
                    });
                    let mut message = format!(
                        "spec.{field}[{ri}].ports[{k}]: named port {name:?} ({}) is declared by none of the {} pod{} {who} (their ports: {})",
                        pp.protocol.as_str(),
                        targets.len(),
                        if targets.len() == 1 { "" } else { "s" },
                        if declared.is_empty() {
                            "none declared".to_string()
                        } else {
                            short_list(&declared, 8)
                        }
                    );
                    if let Some(op) = other_proto {
                        message.push_str(&format!(
                            "; {name:?} exists with protocol {}, the policy entry says {}",
                            op.as_str(),
                            pp.protocol.as_str()
                        ));
                    }
                    message.push_str(", so this entry admits nothing");
                    out.push(
                        Finding::new(
                            &RULE,
                            ObjectRef::namespaced("NetworkPolicy", &p.namespace, &p.name),
                            message,
                        )
                        .with_fix(
                            Fix::new(format!(
                                "Use the port number, or name the container port {name:?} ({}) in the pod template",
                                pp.protocol.as_str()
                            ))
                            .command(format!(
                                "kubectl edit networkpolicy {} -n {}",
                                p.name, p.namespace
                            )),
                        ),
                    );
                }
            }
        }
    }
}

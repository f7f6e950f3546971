use super::{indent, match_labels_yaml, pod_label, short_list};
use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, Labels, Peer, PolicyRule, PortRef};
use crate::rules::Rule;
use crate::sim::netpol::{rule_conns, Direction, Engine};
use std::collections::{BTreeSet, HashMap};

pub static RULE: Rule = Rule {
    code: "NP006",
    area: crate::rules::Area::Np,
    name: "service-isolated-from-all-clients",
    severity: Severity::Warning,
    summary: "a Service's pods are ingress-isolated and no policy admits any peer on any of its target ports",
    doc: r#"## What it checks
For every Service with a selector, its pods are looked up and each Service port is resolved to
the target port on each pod. When every pod is isolated for ingress and no ingress rule of
the policies that select it admits anyone (a peer that matches at least one pod, an ipBlock,
or no peer list at all) on any of those target ports, the Service can be reached by no client.
A peer whose answer the input cannot give counts as admitting someone: a `namespaceSelector`
on labels other than `kubernetes.io/metadata.name` when the Namespace objects are not in the
input, and a `podSelector` when the input holds custom resources an operator may create pods
from.

## Why it breaks traffic
A default-deny ingress policy closes every pod of the namespace; only the allow rules written
next to it open them again. A Service whose pods were never given an allow rule (a new
workload, a renamed label, a rule on the Service port instead of the container port) answers
nobody: every client's connection times out, though the Service, its endpoints and its pods
are all healthy.

## How to fix
Add an ingress rule for the Service's pods that admits its clients on the target port (the
container port, not the Service port: policies are evaluated after DNAT).

## Example
```
warning[NP006] service-isolated-from-all-clients: production/service/reports
  2 pods of reports (production/reports[Deployment]) are isolated by
  production/default-deny-ingress and no rule admits any client on TCP 8080
```

## References
- Network policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/
- Service targetPort: https://kubernetes.io/docs/concepts/services-networking/service/
"#,
    check,
};

/// Whether a rule admits at least one possible peer.
fn admits_someone(c: &Cluster, policy_ns: &str, rule: &PolicyRule) -> bool {
    if rule.peers.is_empty() {
        return true;
    }
    let pods_known = !c.pods.is_empty() && c.can_read("Pod");
    // As NP003: namespace labels are known only when Namespace objects are in the input.
    let namespaces_known = c.namespaces.iter().any(|n| n.defined) && c.can_read("Namespace");
    rule.peers.iter().any(|peer| match peer {
        Peer::IpBlock { .. } => true,
        Peer::Pods { .. } if !pods_known => true,
        Peer::Pods {
            namespaces: Some(sel),
            ..
        } if !namespaces_known && !names_only(sel) => true,
        // Pods an operator creates from custom resources may match: unknown, not "nobody".
        Peer::Pods { pods: Some(s), .. }
            if c.pods_may_come_from_custom_resources(
                s.match_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .is_some() =>
        {
            true
        }
        Peer::Pods { namespaces, pods } => c.namespaces.iter().any(|n| {
            let ns_ok = match namespaces {
                None => n.name == policy_ns,
                Some(s) => s.matches(&n.labels),
            };
            ns_ok
                && match pods {
                    Some(s) => !c.pods_matching(&n.name, s).is_empty(),
                    None => c.pods_in(&n.name).next().is_some(),
                }
        }),
    })
}

/// A namespaceSelector that only asks for `kubernetes.io/metadata.name` (which the API server
/// sets on every namespace), or nothing (every namespace): decided without the Namespace
/// objects.
fn names_only(sel: &crate::model::Selector) -> bool {
    const NAME: &str = "kubernetes.io/metadata.name";
    sel.expressions.is_empty() && sel.match_labels.iter().all(|(k, _)| k == NAME)
}

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if !c.policies.iter().any(|p| p.isolates_ingress) {
        return;
    }
    let engine = Engine::new(c);
    let mut admits: HashMap<(usize, usize), bool> = HashMap::new();
    for svc in &c.services {
        let Some(sel) = svc.selector() else { continue };
        if svc.ports.is_empty() {
            continue;
        }
        let pods: Vec<usize> = c
            .pods_matching(&svc.namespace, &sel)
            .into_iter()
            .filter(|&i| !c.pods[i].host_network)
            .collect();
        if pods.is_empty() {
            continue;
        }
        let mut reachable = false;
        let mut policies: BTreeSet<String> = BTreeSet::new();
        let mut targets: BTreeSet<String> = BTreeSet::new();
        let mut checked_groups = BTreeSet::new();
        let mut service_port_hint: BTreeSet<String> = BTreeSet::new();
        for &pod in &pods {
            let g = engine.group_of(pod);
            let p = &c.pods[pod];
            let pols = engine.policies_of_pod(pod, Direction::Ingress);
            if pols.is_empty() {
                reachable = true;
                break;
            }
            if !checked_groups.insert((g, p.workload)) {
                continue;
            }
            let mut allowed = crate::sim::netpol::ConnSet::empty();
            for &pi in pols {
                let pol = &c.policies[pi];
                policies.insert(format!("{}/{}", pol.namespace, pol.name));
                for (ri, rule) in pol.ingress.iter().enumerate() {
                    let ok = *admits
                        .entry((pi, ri))
                        .or_insert_with(|| admits_someone(c, &pol.namespace, rule));
                    if ok {
                        allowed.union_with(&rule_conns(rule, Some(p)));
                    }
                }
            }
            for sp in &svc.ports {
                let target = match &sp.target_port {
                    PortRef::Number(n) => Some(*n),
                    PortRef::Name(n) => p.resolve_named_port(n, sp.protocol),
                };
                let Some(t) = target else { continue };
                targets.insert(format!("{} {t}", sp.protocol.as_str()));
                if allowed.contains(sp.protocol, t) {
                    reachable = true;
                } else if sp.port != t && allowed.contains(sp.protocol, sp.port) {
                    service_port_hint.insert(format!("{} {}", sp.protocol.as_str(), sp.port));
                }
            }
            if reachable {
                break;
            }
        }
        if reachable || targets.is_empty() {
            continue;
        }
        let workloads: BTreeSet<String> = pods.iter().map(|&i| pod_label(&c.pods[i])).collect();
        let workloads: Vec<String> = workloads.into_iter().collect();
        let policies: Vec<String> = policies.into_iter().collect();
        let targets: Vec<String> = targets.into_iter().collect();
        let selector: Labels = svc.selector.clone().unwrap_or_default();
        let ports_yaml: String = targets
            .iter()
            .filter_map(|t| t.split_once(' '))
            .map(|(proto, port)| format!("    - protocol: {proto}\n      port: {port}\n"))
            .collect();
        let yaml = format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-clients-to-{}\n  namespace: {}\nspec:\n  podSelector:\n{}\n  policyTypes:\n  - Ingress\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          app: CLIENT-APP   # the clients of {}\n    ports:\n{}",
            svc.name,
            svc.namespace,
            indent(&match_labels_yaml(&selector), 4),
            svc.name,
            ports_yaml
        );
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::namespaced("Service", &svc.namespace, &svc.name),
                format!(
                    "the {} pod{} of {} ({}) {} isolated for ingress by {} and no rule admits any client on {}: every connection to the Service times out",
                    pods.len(),
                    if pods.len() == 1 { "" } else { "s" },
                    svc.name,
                    short_list(&workloads, 3),
                    if pods.len() == 1 { "is" } else { "are" },
                    short_list(&policies, 4),
                    targets.join(", ")
                ) + &if service_port_hint.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (a rule admits {}, the Service port; policies see the target port after DNAT)",
                        service_port_hint.into_iter().collect::<Vec<_>>().join(", ")
                    )
                },
            )
            .with_fix(
                Fix::new(format!(
                    "Add an ingress rule admitting {}'s clients on the target port ({})",
                    svc.name,
                    targets.join(", ")
                ))
                .command(format!("kubectl apply -n {} -f allow-clients.yaml", svc.namespace))
                .yaml(yaml),
            ),
        );
    }
}

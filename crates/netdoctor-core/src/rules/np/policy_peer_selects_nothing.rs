use super::policy_selects_no_pods::{near_miss, with_custom_resource_note};
use super::{indent, short_list, yaml_scalar};
use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{format_labels, Cluster, NetworkPolicy, Peer, Selector};
use crate::rules::Rule;
use crate::sim::netpol::Engine;

pub static RULE: Rule = Rule {
    code: "NP003",
    area: crate::rules::Area::Np,
    name: "policy-peer-selects-nothing",
    severity: Severity::Warning,
    summary: "a from/to peer matches no namespace or no pod (e.g. `namespaceSelector: {name: monitoring}` when the namespace only has `kubernetes.io/metadata.name`); the fix names the label that would match",
    doc: r#"## What it checks
Every `from`/`to` peer with a `namespaceSelector` is matched against the labels of the
namespaces, and every `podSelector` against the pods of the namespaces the peer covers (the
policy's own namespace when there is no `namespaceSelector`). The rule fires when a peer
matches no namespace, or no pod. When the input holds custom resources an operator may
create pods from (`Prometheus`, ...), a peer that matches no pod may still match the
operator's pods: the message says so, at info when the selector names such a kind.
When another label of a namespace carries the value the
selector looks for (typically `kubernetes.io/metadata.name`, which the API server sets on
every namespace), the fix names that label.

## Why it breaks traffic
A peer that selects nothing admits nobody: the rule it belongs to is dead, and the traffic
it was written for is dropped by the isolation the policy creates. The classic case is
`namespaceSelector: {matchLabels: {name: monitoring}}`: namespaces do not carry a `name`
label unless someone adds it, so Prometheus's scrapes time out.

## How to fix
Select on a label the namespace has: `kubernetes.io/metadata.name: <namespace>` is set on
every namespace by the API server (Kubernetes 1.21+). Or add the label the policy expects
(`kubectl label namespace monitoring name=monitoring`).

## Example
```
warning[NP003] policy-peer-selects-nothing: production/networkpolicy/allow-from-other-ns
  spec.ingress[0].from[0]: namespaceSelector name=monitoring matches no namespace; namespace
  monitoring has kubernetes.io/metadata.name=monitoring
```

## References
- Network policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/
- Automatic labelling of namespaces: https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-namespace-by-its-name
"#,
    check,
};

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    let namespaces_known = c.namespaces.iter().any(|n| n.defined) && c.can_read("Namespace");
    let pods_known = !c.pods.is_empty() && c.can_read("Pod");
    let mut engine: Option<Engine<'_>> = None;
    for p in &c.policies {
        for (field, peer_field, rules) in
            [("ingress", "from", &p.ingress), ("egress", "to", &p.egress)]
        {
            for (ri, rule) in rules.iter().enumerate() {
                for (k, peer) in rule.peers.iter().enumerate() {
                    let Peer::Pods { namespaces, pods } = peer else {
                        continue;
                    };
                    let path = format!("spec.{field}[{ri}].{peer_field}[{k}]");
                    let matched_ns: Vec<&str> = match namespaces {
                        None => vec![p.namespace.as_str()],
                        Some(sel) => c
                            .namespaces
                            .iter()
                            .filter(|n| sel.matches(&n.labels))
                            .map(|n| n.name.as_str())
                            .collect(),
                    };
                    if let Some(sel) = namespaces {
                        if matched_ns.is_empty() && namespaces_known {
                            out.push(no_namespace(c, p, &path, sel, pods.as_ref()));
                            continue;
                        }
                    }
                    let Some(pod_sel) = pods else { continue };
                    if !pods_known || matched_ns.is_empty() {
                        continue;
                    }
                    let engine = engine.get_or_insert_with(|| Engine::new(c));
                    let any = matched_ns
                        .iter()
                        .any(|ns| engine.any_pod_matching(ns, pod_sel));
                    if any {
                        continue;
                    }
                    let hints: Vec<String> = matched_ns
                        .iter()
                        .take(3)
                        .map(|ns| format!("in {ns}: {}", near_miss(c, ns, pod_sel)))
                        .collect();
                    let scope = if namespaces.is_none() {
                        format!("namespace {}", p.namespace)
                    } else {
                        format!(
                            "namespaces {}",
                            short_list(
                                &matched_ns.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                                5
                            )
                        )
                    };
                    let (message, severity) = with_custom_resource_note(
                        c,
                        pod_sel,
                        format!(
                            "{path}: podSelector {pod_sel} matches no pod in {scope} ({}), so this peer admits nobody",
                            hints.join("; ")
                        ),
                    );
                    out.push(
                        Finding::new(
                            &RULE,
                            ObjectRef::namespaced("NetworkPolicy", &p.namespace, &p.name),
                            message,
                        )
                        .with_severity(severity)
                        .with_fix(
                            Fix::new(
                                "Correct the peer's podSelector to labels the intended pods have",
                            )
                            .command(format!(
                                "kubectl get pods -n {} --show-labels",
                                matched_ns.first().copied().unwrap_or(&p.namespace)
                            )),
                        ),
                    );
                }
            }
        }
    }
}

/// A namespaceSelector that matches no namespace; suggests the label that would.
fn no_namespace(
    c: &Cluster,
    p: &NetworkPolicy,
    path: &str,
    sel: &Selector,
    pods: Option<&Selector>,
) -> Finding {
    // For each wanted key=value, the namespaces that carry the value under another key.
    let mut evidence = Vec::new();
    let mut suggestion: Vec<(String, String)> = Vec::new();
    let mut target_ns: Option<String> = None;
    let mut complete = sel.expressions.is_empty();
    for (key, value) in &sel.match_labels {
        let holders: Vec<(&str, &str)> = c
            .namespaces
            .iter()
            .flat_map(|n| {
                n.labels
                    .iter()
                    .filter(|(k, v)| *v == value && *k != key)
                    .map(move |(k, _)| (n.name.as_str(), k.as_str()))
            })
            .collect();
        // Prefer the automatic name label: it is on every namespace and cannot drift.
        let best = holders
            .iter()
            .find(|(_, k)| *k == "kubernetes.io/metadata.name")
            .or_else(|| holders.first());
        match best {
            Some((ns, k)) => {
                suggestion.push((k.to_string(), value.clone()));
                target_ns.get_or_insert_with(|| ns.to_string());
                if let Some(n) = c.namespace(ns) {
                    evidence.push(format!(
                        "namespace {ns} has labels {}",
                        format_labels(&n.labels)
                    ));
                }
            }
            None => complete = false,
        }
    }
    let mut message = format!("{path}: namespaceSelector {sel} matches no namespace");
    match (
        &target_ns,
        c.namespace(target_ns.as_deref().unwrap_or_default()),
    ) {
        (Some(ns), Some(n)) => message.push_str(&format!(
            "; namespace {ns} has the labels {} but no {} label",
            format_labels(&n.labels),
            sel.match_labels
                .iter()
                .filter(|(k, _)| !n.labels.contains_key(k))
                .map(|(k, _)| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => {
            let all: Vec<String> = c.namespaces.iter().map(|n| n.name.clone()).collect();
            message.push_str(&format!(" (namespaces: {})", short_list(&all, 8)));
        }
    }
    message.push_str(", so this peer admits nobody");
    let mut fix = if complete && !suggestion.is_empty() {
        let mut labels = String::new();
        for (k, v) in &suggestion {
            labels.push_str(&format!("      {k}: {}\n", yaml_scalar(v)));
        }
        let mut peer = format!("- namespaceSelector:\n    matchLabels:\n{labels}");
        if let Some(ps) = pods {
            if ps.expressions.is_empty() {
                if ps.match_labels.is_empty() {
                    peer.push_str("  podSelector: {}\n");
                } else {
                    peer.push_str("  podSelector:\n    matchLabels:\n");
                    for (k, v) in &ps.match_labels {
                        peer.push_str(&format!("      {k}: {}\n", yaml_scalar(v)));
                    }
                }
            }
        }
        let names: Vec<String> = suggestion
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        Fix::new(format!(
            "Select the namespace by the label it has: {}",
            names.join(", ")
        ))
        .yaml(format!(
            "# {path} of NetworkPolicy {}/{}\n{}",
            p.namespace,
            p.name,
            indent(peer.trim_end(), 0)
        ))
        .command(format!(
            "kubectl edit networkpolicy {} -n {}",
            p.name, p.namespace
        ))
    } else {
        Fix::new("Select namespaces by labels they have (kubernetes.io/metadata.name is on every namespace)")
            .command("kubectl get namespaces --show-labels")
    };
    if let Some(ns) = &target_ns {
        let labels: Vec<String> = sel
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !labels.is_empty() {
            fix = fix.command(format!(
                "kubectl label namespace {ns} {}   # alternative: give the namespace the label the policy expects",
                labels.join(" ")
            ));
        }
    }
    let mut f = Finding::new(
        &RULE,
        ObjectRef::namespaced("NetworkPolicy", &p.namespace, &p.name),
        message,
    )
    .with_fix(fix);
    for e in evidence {
        f = f.with_evidence(e);
    }
    f
}

#[cfg(test)]
mod tests {
    use crate::load::load_paths;
    use crate::model::{BuildOptions, Cluster};
    use std::path::Path;

    #[test]
    fn seed_allow_from_other_ns_names_the_metadata_name_label() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed-cluster");
        let c = Cluster::build(load_paths(&[p]).expect("seed"), &BuildOptions::default());
        let mut out = Vec::new();
        super::check(&c, &mut out);
        assert_eq!(out.len(), 1, "{out:#?}");
        let f = &out[0];
        assert_eq!(f.object.name, "allow-from-other-ns");
        assert!(f.message.contains("name=monitoring"), "{}", f.message);
        let fix = f.fix.as_ref().expect("fix");
        assert!(
            fix.title
                .contains("kubernetes.io/metadata.name: monitoring"),
            "{}",
            fix.title
        );
        assert!(
            fix.yaml
                .as_deref()
                .unwrap_or_default()
                .contains("kubernetes.io/metadata.name: monitoring"),
            "{fix:?}"
        );
    }
}

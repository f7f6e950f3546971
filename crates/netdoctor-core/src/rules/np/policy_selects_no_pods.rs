use super::short_list;
use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, Selector};
use crate::rules::Rule;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: "NP002",
    area: crate::rules::Area::Np,
    name: "policy-selects-no-pods",
    severity: Severity::Warning,
    summary: "a policy's podSelector matches no pod in its namespace",
    doc: r#"## What it checks
Every NetworkPolicy's `spec.podSelector` is matched against the labels of the pods in the
policy's namespace (including pods netdoctor derives from workload templates). The rule
fires when no pod matches, and names the values the selected keys really have. When the
input holds custom resources an operator may create pods from (`Prometheus`, ...), the
message says the pods may exist; it is info when the selector names such a kind.

## Why it breaks traffic
A policy applies only to the pods it selects. A selector with a typo (`app: web-fronted`)
or a stale label protects nothing: the pods it was written for stay open (or stay closed,
when the policy was meant to allow traffic under a default deny), while the manifest looks
right in review.

## How to fix
Compare the selector with the pods' labels (`kubectl get pods -n NS --show-labels`) and
correct the selector, or the pod template's labels. Delete the policy if its workload is gone.

## Example
```
warning[NP002] policy-selects-no-pods: production/networkpolicy/allow-api
  podSelector app=api-svc matches none of the 12 pods in production (app has the values
  api-service, web-frontend, postgres)
```

## References
- Network policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/
- Labels and selectors: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
"#,
    check,
};

/// The values the selector's keys take on the pods of `ns`: `app has the values a, b`.
pub(crate) fn near_miss(c: &Cluster, ns: &str, sel: &Selector) -> String {
    let mut parts = Vec::new();
    for key in sel.keys().collect::<BTreeSet<_>>() {
        let values: BTreeSet<String> = c
            .label_groups_in(ns)
            .filter_map(|g| g.labels.get(key).cloned())
            .collect();
        let values: Vec<String> = values.into_iter().collect();
        if values.is_empty() {
            parts.push(format!("no pod has the label {key}"));
        } else {
            parts.push(format!("{key} has the values {}", short_list(&values, 6)));
        }
    }
    parts.join("; ")
}

/// A "no pod has these labels" message, completed when the input holds custom resources an
/// operator may create pods from: the pods may exist, so it is not stated as fact. The
/// severity stays a warning, or becomes info when the selector names such a kind (the pods are
/// then most likely the operator's).
pub(crate) fn with_custom_resource_note(
    c: &Cluster,
    sel: &Selector,
    message: String,
) -> (String, Severity) {
    let pairs = sel
        .match_labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()));
    match c.pods_may_come_from_custom_resources(pairs) {
        None => (message, Severity::Warning),
        Some(note) => {
            let severity = if note.named.is_empty() {
                Severity::Warning
            } else {
                Severity::Info
            };
            (format!("{message}; but {}", note.text), severity)
        }
    }
}

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if c.pods.is_empty() || !c.can_read("Pod") {
        return;
    }
    for p in &c.policies {
        if !c.pods_matching(&p.namespace, &p.pod_selector).is_empty() {
            continue;
        }
        let count = c.pods_in(&p.namespace).count();
        let message = if count == 0 {
            format!(
                "podSelector {} selects nothing: namespace {} has no pods",
                p.pod_selector, p.namespace
            )
        } else {
            format!(
                "podSelector {} matches none of the {count} pod{} in {} ({})",
                p.pod_selector,
                if count == 1 { "" } else { "s" },
                p.namespace,
                near_miss(c, &p.namespace, &p.pod_selector)
            )
        };
        let (message, severity) = with_custom_resource_note(c, &p.pod_selector, message);
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::namespaced("NetworkPolicy", &p.namespace, &p.name),
                message,
            )
            .with_severity(severity)
            .with_fix(
                Fix::new(if severity == Severity::Info {
                    "Check that the pods the operator creates carry these labels; correct spec.podSelector only if they do not"
                } else {
                    "Correct spec.podSelector to the labels of the pods it is meant for"
                })
                    .command(format!("kubectl get pods -n {} --show-labels", p.namespace))
                    .command(format!(
                        "kubectl edit networkpolicy {} -n {}",
                        p.name, p.namespace
                    )),
            ),
        );
    }
}

//! NP — NetworkPolicy. The rules evaluate policies with `sim::netpol::Engine`.

pub mod egress_policy_blocks_dns;
pub mod ingress_controller_blocked_by_policy;
pub mod policy_named_port_unresolved;
pub mod policy_peer_selects_nothing;
pub mod policy_selects_no_pods;
pub mod service_isolated_from_all_clients;

use crate::model::{Cluster, Ingress, Labels, NetworkPolicy, Pod};

/// `ns/name` of a workload or pod for messages, e.g. `production/web-frontend[Deployment]`.
pub(crate) fn pod_label(p: &Pod) -> String {
    crate::sim::netpol::workload_name(p)
}

/// A short, bounded list: `a, b, c and 4 more`.
pub(crate) fn short_list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        return items.join(", ");
    }
    format!("{} and {} more", items[..max].join(", "), items.len() - max)
}

/// Indents a YAML block.
pub(crate) fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `matchLabels` YAML lines for labels.
pub(crate) fn match_labels_yaml(labels: &Labels) -> String {
    if labels.is_empty() {
        return "{}".to_string();
    }
    let mut s = String::from("matchLabels:\n");
    for (k, v) in labels {
        s.push_str(&format!("  {k}: {}\n", yaml_scalar(v)));
    }
    s.trim_end().to_string()
}

pub(crate) fn yaml_scalar(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && v.parse::<f64>().is_err()
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

/// The pod selector of a policy as YAML (`{}` when empty).
pub(crate) fn pod_selector_yaml(p: &NetworkPolicy) -> String {
    let sel = &p.pod_selector;
    if sel.is_empty() {
        return "{}".to_string();
    }
    if sel.expressions.is_empty() {
        let labels: Labels = sel.match_labels.iter().cloned().collect();
        return match_labels_yaml(&labels);
    }
    let mut s = String::new();
    if !sel.match_labels.is_empty() {
        s.push_str("matchLabels:\n");
        for (k, v) in &sel.match_labels {
            s.push_str(&format!("  {k}: {}\n", yaml_scalar(v)));
        }
    }
    s.push_str("matchExpressions:\n");
    for r in &sel.expressions {
        s.push_str(&format!(
            "- key: {}\n  operator: {}\n",
            r.key,
            r.operator.as_str()
        ));
        if !r.values.is_empty() {
            s.push_str("  values:\n");
            for v in &r.values {
                s.push_str(&format!("  - {}\n", yaml_scalar(v)));
            }
        }
    }
    s.trim_end().to_string()
}

/// The pods of the ingress controller that serves `ing`; kept for `sim::trace`, which will
/// call `crate::sim::ingress::ingress_controller_pods` (the one identification) directly.
pub(crate) fn ingress_controller_pods(c: &Cluster, ing: &Ingress) -> Vec<usize> {
    crate::sim::ingress::ingress_controller_pods(c, ing)
}

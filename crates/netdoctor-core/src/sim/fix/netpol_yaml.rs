//! NetworkPolicy manifests for fixes: the one place that writes label values, selectors and
//! allow policies as YAML, for `trace`'s "allow exactly this flow" and the NP rules' fixes.

use crate::model::{Labels, NetworkPolicy, Protocol};
use std::net::IpAddr;

/// A label value as a YAML scalar: plain when YAML reads it back as the same string; quoted
/// when it is empty, a number, or one of YAML 1.1's booleans and null (in any case).
pub fn yaml_scalar(v: &str) -> String {
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

/// Indents a YAML block (empty lines stay empty).
pub fn indent(s: &str, n: usize) -> String {
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
pub fn match_labels_yaml(labels: &Labels) -> String {
    if labels.is_empty() {
        return "{}".to_string();
    }
    let mut s = String::from("matchLabels:\n");
    for (k, v) in labels {
        s.push_str(&format!("  {k}: {}\n", yaml_scalar(v)));
    }
    s.trim_end().to_string()
}

/// The pod selector of a policy as YAML (`{}` when empty).
pub fn pod_selector_yaml(p: &NetworkPolicy) -> String {
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

/// Which traffic of the selected pods a policy admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    Ingress,
    Egress,
}

/// The other end of an allowed flow.
#[derive(Debug, Clone, Copy)]
pub enum Peer<'a> {
    /// Pods with these labels; in another namespace when `namespace` is given.
    Pods {
        labels: &'a Labels,
        namespace: Option<&'a str>,
    },
    /// One address (a `/32` or `/128` ipBlock).
    Address(IpAddr),
}

/// A NetworkPolicy that admits exactly one peer on one port, into (`Ingress`) or out of
/// (`Egress`) the pods it selects: added beside existing policies, it opens nothing else.
#[derive(Debug, Clone, Copy)]
pub struct AllowPolicy<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub pod_labels: &'a Labels,
    pub policy_type: PolicyType,
    pub peer: Peer<'a>,
    pub protocol: Protocol,
    pub port: u16,
}

impl AllowPolicy<'_> {
    pub fn to_yaml(&self) -> String {
        let (type_, field, peers_field) = match self.policy_type {
            PolicyType::Ingress => ("Ingress", "ingress", "from"),
            PolicyType::Egress => ("Egress", "egress", "to"),
        };
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  podSelector:\n{selector}\n  policyTypes:\n  - {type_}\n  {field}:\n  - {peers_field}:\n{peer}\n    ports:\n    - protocol: {proto}\n      port: {port}\n",
            name = self.name,
            ns = yaml_scalar(self.namespace),
            selector = indent(&match_labels_yaml(self.pod_labels), 4),
            peer = self.peer_yaml(),
            proto = self.protocol,
            port = self.port,
        )
    }

    fn peer_yaml(&self) -> String {
        match self.peer {
            Peer::Pods { labels, namespace } => {
                let mut s = format!(
                    "    - podSelector:\n{}",
                    indent(&match_labels_yaml(labels), 8)
                );
                if let Some(ns) = namespace {
                    s.push_str(&format!(
                        "\n      namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: {}",
                        yaml_scalar(ns)
                    ));
                }
                s
            }
            Peer::Address(ip) => {
                let prefix = if ip.is_ipv4() { 32 } else { 128 };
                format!("    - ipBlock:\n        cidr: {ip}/{prefix}")
            }
        }
    }
}

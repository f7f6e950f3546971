//! NP — NetworkPolicy. The rules evaluate policies with `sim::netpol::Engine`.

pub mod egress_policy_blocks_dns;
pub mod ingress_controller_blocked_by_policy;
pub mod policy_named_port_unresolved;
pub mod policy_peer_selects_nothing;
pub mod policy_selects_no_pods;
pub mod service_isolated_from_all_clients;

use crate::model::{Cluster, Ingress, Pod};
/// The fixes' YAML comes from the one NetworkPolicy builder in `sim::fix`.
pub(crate) use crate::sim::fix::netpol_yaml::{
    indent, match_labels_yaml, pod_selector_yaml, yaml_scalar,
};

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

/// The pods of the ingress controller that serves `ing`: the IngressClass named by
/// `ingressClassName` (or the old annotation, or the default class), its `spec.controller`
/// (`k8s.io/ingress-nginx` → `ingress-nginx`) matched against the pods' `app.kubernetes.io/name`
/// or `app` label; pods labelled `app.kubernetes.io/component: controller` are preferred.
/// Empty when the class or its pods are unknown (ING001 / ING002 report that).
pub(crate) fn ingress_controller_pods(c: &Cluster, ing: &Ingress) -> Vec<usize> {
    let class = match (&ing.class_name, &ing.class_annotation) {
        (Some(n), _) => c.ingress_class(n),
        (None, Some(a)) => c.ingress_class(a),
        (None, None) => c.ingress_classes.iter().find(|k| k.is_default),
    };
    let controller_name = match (class, &ing.class_annotation) {
        (Some(k), _) => k
            .controller
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string(),
        // The old annotation names the controller ("nginx") without an IngressClass object.
        (None, Some(a)) if ing.class_name.is_none() => a.clone(),
        _ => return Vec::new(),
    };
    if controller_name.is_empty() {
        return Vec::new();
    }
    let names = [
        controller_name.clone(),
        format!("ingress-{controller_name}"),
    ];
    let candidates: Vec<usize> = c
        .pods
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            [
                "app.kubernetes.io/name",
                "app",
                "app.kubernetes.io/instance",
            ]
            .iter()
            .any(|k| p.labels.get(*k).is_some_and(|v| names.contains(v)))
        })
        .map(|(i, _)| i)
        .collect();
    let controllers: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| {
            c.pods[i]
                .labels
                .get("app.kubernetes.io/component")
                .is_some_and(|v| v == "controller")
        })
        .collect();
    if controllers.is_empty() {
        candidates
    } else {
        controllers
    }
}

//! NP — NetworkPolicy. The rules evaluate policies with `sim::netpol::Engine`.

pub mod egress_policy_blocks_dns;
pub mod ingress_controller_blocked_by_policy;
pub mod policy_kind_not_modelled;
pub mod policy_named_port_unresolved;
pub mod policy_peer_selects_nothing;
pub mod policy_selects_no_pods;
pub mod service_isolated_from_all_clients;

use crate::model::Pod;
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

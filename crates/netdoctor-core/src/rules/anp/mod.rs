//! ANP — AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy
//! (`model::cluster_policy`, evaluated by `sim::netpol` through its tiers). The rules find
//! the mistakes administrators make with them; NP001 and NP005 report DNS and the ingress
//! controller blocked by any tier.

pub mod admin_pass_falls_to_default_allow;
pub mod admin_policies_share_priority;
pub mod admin_rule_shadowed;
pub mod baseline_policy_not_named_default;
pub mod cluster_policy_selects_nothing;

use crate::model::cluster_policy::PodSet;
use crate::model::Cluster;
use crate::sim::netpol::Engine;

/// The label groups a pod set selects, as a bit set over `Cluster::label_groups`.
pub(crate) fn podset_groups(engine: &Engine<'_>, set: &PodSet) -> Vec<u64> {
    let c = engine.cluster;
    let mut bits = vec![0u64; c.label_groups().len().div_ceil(64)];
    let all = crate::model::Selector::default();
    for ns in c.namespaces().iter() {
        if !set.namespaces.matches(&ns.labels) {
            continue;
        }
        for g in engine.groups_matching(&ns.name, set.pods.as_ref().unwrap_or(&all)) {
            bits[g / 64] |= 1 << (g % 64);
        }
    }
    bits
}

/// The label groups each cluster policy's subject selects (bit sets), from the engine's
/// index.
pub(crate) fn subject_groups(engine: &Engine<'_>) -> Vec<Vec<u64>> {
    let c = engine.cluster;
    let n = c.label_groups().len();
    let mut out = vec![vec![0u64; n.div_ceil(64)]; c.cluster_policies().len()];
    for g in 0..n {
        for &pi in engine.cluster_policies_of_group(g) {
            out[pi as usize][g / 64] |= 1 << (g % 64);
        }
    }
    out
}

pub(crate) fn is_empty(bits: &[u64]) -> bool {
    bits.iter().all(|w| *w == 0)
}

pub(crate) fn is_subset(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

/// The first group of a bit set.
pub(crate) fn first(bits: &[u64]) -> Option<usize> {
    bits.iter()
        .enumerate()
        .find(|(_, w)| **w != 0)
        .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
}

/// `ns/pod` of the first pod of a label group, for messages.
pub(crate) fn example_pod(c: &Cluster, g: usize) -> String {
    c.label_groups()
        .get(g)
        .and_then(|grp| grp.pods.first())
        .and_then(|&p| c.pods().get(p))
        .map(crate::rules::np::pod_label)
        .unwrap_or_default()
}

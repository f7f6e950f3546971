//! The indexes every lookup of `Cluster` goes through, built once after conversion.

use super::workload::WorkloadIndex;
use crate::model::labels::Labels;
use crate::model::{Cluster, Index, LabelGroup};
use std::collections::{HashMap, HashSet};

/// Rule codes silenced per object (kind, namespace, name).
pub(super) type Ignored = HashMap<(String, Option<String>, String), Vec<String>>;

pub(super) fn build(c: &Cluster, workload: WorkloadIndex, ignored: Ignored) -> Index {
    let mut idx = Index {
        workload,
        ignored,
        ..Index::default()
    };
    for (i, n) in c.namespaces.iter().enumerate() {
        idx.namespace.insert(n.name.clone(), i);
    }
    index_pods(c, &mut idx);
    for (i, s) in c.services.iter().enumerate() {
        idx.service.insert((s.namespace.clone(), s.name.clone()), i);
    }
    index_endpoint_slices(c, &mut idx);
    for (i, p) in c.policies.iter().enumerate() {
        idx.policies_by_ns
            .entry(p.namespace.clone())
            .or_default()
            .push(i);
    }
    for (i, s) in c.secrets.iter().enumerate() {
        idx.secret.insert((s.namespace.clone(), s.name.clone()), i);
    }
    for (i, g) in c.gateways.iter().enumerate() {
        idx.gateway.insert((g.namespace.clone(), g.name.clone()), i);
    }
    for (i, g) in c.reference_grants.iter().enumerate() {
        idx.grants_by_ns
            .entry(g.namespace.clone())
            .or_default()
            .push(i);
    }
    idx
}

/// Pods by namespace, name, IP and workload, and grouped by identical labels.
fn index_pods(c: &Cluster, idx: &mut Index) {
    let mut group_of: HashMap<(String, Labels), usize> = HashMap::new();
    for (i, p) in c.pods.iter().enumerate() {
        idx.pods_by_ns
            .entry(p.namespace.clone())
            .or_default()
            .push(i);
        idx.pod.insert((p.namespace.clone(), p.name.clone()), i);
        if !p.host_network {
            for ip in &p.ips {
                idx.pod_by_ip.entry(*ip).or_default().push(i);
            }
        }
        if let Some(w) = p.workload {
            idx.pods_by_workload.entry(w).or_default().push(i);
        }
        let gk = (p.namespace.clone(), p.labels.clone());
        let g = *group_of.entry(gk).or_insert_with(|| {
            idx.label_groups.push(LabelGroup {
                namespace: p.namespace.clone(),
                labels: p.labels.clone(),
                pods: Vec::new(),
            });
            idx.label_groups.len() - 1
        });
        idx.label_groups[g].pods.push(i);
    }
    for (g, group) in idx.label_groups.iter().enumerate() {
        idx.groups_by_ns
            .entry(group.namespace.clone())
            .or_default()
            .push(g);
    }
}

fn index_endpoint_slices(c: &Cluster, idx: &mut Index) {
    let mut has_slices: HashSet<(String, String)> = HashSet::new();
    for s in c.endpoint_slices.iter().filter(|s| !s.legacy) {
        if let Some(svc) = &s.service {
            has_slices.insert((s.namespace.clone(), svc.clone()));
        }
    }
    for (i, s) in c.endpoint_slices.iter().enumerate() {
        let Some(svc) = &s.service else { continue };
        let k = (s.namespace.clone(), svc.clone());
        // Legacy Endpoints only count for Services that have no EndpointSlice.
        if s.legacy && has_slices.contains(&k) {
            continue;
        }
        idx.slices_by_service.entry(k).or_default().push(i);
    }
}

//! DNS: cluster DNS deployment, Corefile, and the DNS settings of pods.

pub mod cluster_dns_not_running;
pub mod cluster_dns_service_unreachable;
pub mod corefile_misconfigured;
pub mod externalname_target_missing;
pub mod host_network_pod_uses_node_dns;
pub mod pod_dns_bypasses_cluster_dns;

use crate::finding::ObjectRef;
use crate::model::{Cluster, Pod};
use crate::sim::dns::ClusterDns;
use std::collections::{BTreeMap, BTreeSet};

/// The object a pod-level finding is reported on: its owning workload, else the pod.
pub(crate) fn owner_ref(pod: &Pod) -> ObjectRef {
    match &pod.owner {
        Some(o) => ObjectRef::namespaced(&o.kind, &pod.namespace, &o.name),
        None => ObjectRef::namespaced("Pod", &pod.namespace, &pod.name),
    }
}

/// Pods grouped by the object they are reported on, deterministic order.
pub(crate) fn group_by_owner<'a>(
    pods: impl Iterator<Item = &'a Pod>,
) -> BTreeMap<ObjectRef, Vec<&'a Pod>> {
    let mut out: BTreeMap<ObjectRef, Vec<&Pod>> = BTreeMap::new();
    for p in pods {
        out.entry(owner_ref(p)).or_default().push(p);
    }
    out
}

/// Pods that serve DNS themselves (CoreDNS/kube-dns, NodeLocal DNSCache): they resolve
/// through the node on purpose.
pub(crate) fn dns_server_pods(cluster: &Cluster, dns: &ClusterDns) -> BTreeSet<(String, String)> {
    let mut out: BTreeSet<(String, String)> = dns
        .pods
        .iter()
        .map(|&i| {
            (
                cluster.pods[i].namespace.clone(),
                cluster.pods[i].name.clone(),
            )
        })
        .collect();
    for p in &cluster.pods {
        let app = p
            .labels
            .get("k8s-app")
            .or_else(|| p.labels.get("app.kubernetes.io/name"))
            .map(String::as_str);
        let owner = p.owner.as_ref().map(|o| o.name.as_str());
        if matches!(app, Some("kube-dns" | "coredns" | "node-local-dns"))
            || matches!(owner, Some("coredns" | "kube-dns" | "node-local-dns"))
        {
            out.insert((p.namespace.clone(), p.name.clone()));
        }
    }
    out
}

/// `ns/name (pod, pod, …)` for evidence lines, at most five names.
pub(crate) fn pod_list(pods: &[&Pod]) -> String {
    let mut names: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let more = names.len().saturating_sub(5);
    names.truncate(5);
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

//! The cluster domain when `--cluster-domain` is not given: kubelet configuration, then the
//! CoreDNS Corefile.

use crate::model::Cluster;

/// `--cluster-domain`; else kubelet-config's `clusterDomain`, else the CoreDNS Corefile's
/// `kubernetes` zone, else `cluster.local`.
pub(super) fn cluster_domain(c: &Cluster, given: Option<&str>) -> String {
    given
        .map(str::to_string)
        .or_else(|| kubelet_cluster_domain(c))
        .or_else(|| corefile_cluster_domain(c))
        .unwrap_or_else(|| "cluster.local".into())
}

/// `clusterDomain` of the kubelet configuration (`kube-system/kubelet-config`, key `kubelet`):
/// what kubelet writes into pods' search paths.
fn kubelet_cluster_domain(c: &Cluster) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Kubelet {
        cluster_domain: Option<String>,
    }
    let cm = c
        .config_maps
        .iter()
        .find(|m| m.namespace == "kube-system" && m.name == "kubelet-config")?;
    let k: Kubelet = serde_saphyr::from_str(cm.data.get("kubelet")?).ok()?;
    k.cluster_domain
        .map(|d| d.trim_end_matches('.').to_string())
        .filter(|d| !d.is_empty())
}

/// The cluster domain from the Corefile's `kubernetes` plugin (its first zone that is not a
/// reverse zone), parsed by `load::corefile`.
fn corefile_cluster_domain(c: &Cluster) -> Option<String> {
    let cm = c
        .config_maps
        .iter()
        .find(|m| m.namespace == "kube-system" && m.name == "coredns")?;
    let corefile = cm.data.get("Corefile")?;
    corefile_kubernetes_zone(corefile)
}

/// The one call into the Corefile parser, kept alone so that moving the parser only changes
/// this line.
fn corefile_kubernetes_zone(corefile: &str) -> Option<String> {
    crate::load::corefile::parse(corefile)
        .kubernetes()?
        .cluster_domain()
}

//! What `dns check` reports about cluster DNS besides the findings: its Service and
//! addresses, its pods' readiness, what its Corefile configures, NodeLocal DNSCache.

use super::cluster_dns::{ClusterDns, NodeLocal};
use crate::model::Cluster;
use serde::Serialize;

/// Cluster DNS at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ClusterDnsSummary {
    pub domain: String,
    /// `namespace/name` of the kube-dns Service.
    pub service: Option<String>,
    pub service_ips: Vec<String>,
    /// The nameservers ClusterFirst pods get.
    pub nameservers: Vec<String>,
    pub pods_ready: usize,
    pub pods_total: usize,
    pub corefile: CorefileSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodelocal: Option<NodeLocal>,
    /// The input shows no cluster DNS: what is assumed instead (the kubeadm default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed: Option<String>,
}

/// What the Corefile configures, as far as answers depend on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CorefileSummary {
    /// The snapshot has the Corefile (otherwise the kubeadm default is assumed).
    pub present: bool,
    pub kubernetes_zones: Vec<String>,
    /// `pods` mode of the `kubernetes` plugin.
    pub pods: Option<&'static str>,
    /// `FROM -> TO…` of every `forward`.
    pub forward: Vec<String>,
    #[serde(rename = "loop")]
    pub has_loop: bool,
    /// What netdoctor could not read or CoreDNS would refuse.
    pub not_understood: Vec<String>,
}

impl ClusterDnsSummary {
    pub fn of(cluster: &Cluster, d: &ClusterDns) -> ClusterDnsSummary {
        ClusterDnsSummary {
            domain: d.domain.clone(),
            service: d
                .service
                .as_ref()
                .map(|(ns, n)| format!("{ns}/{n}"))
                .or_else(|| {
                    d.assumed.then(|| {
                        format!(
                            "{}/{}",
                            super::ASSUMED_DNS_NAMESPACE,
                            super::ASSUMED_DNS_SERVICE
                        )
                    })
                }),
            service_ips: d.service_ips.iter().map(|i| i.to_string()).collect(),
            nameservers: d.nameservers(),
            pods_ready: d.ready_pods(cluster).len(),
            pods_total: d.pods.len(),
            corefile: CorefileSummary::of(d),
            nodelocal: d.nodelocal.clone(),
            assumed: d.assumption(),
        }
    }
}

impl CorefileSummary {
    fn of(d: &ClusterDns) -> CorefileSummary {
        let k = d.servers.iter().find_map(|s| s.kubernetes.as_ref());
        CorefileSummary {
            present: d.corefile.is_some(),
            kubernetes_zones: k.map(|k| k.zones.clone()).unwrap_or_default(),
            pods: k.map(|k| k.pods.as_str()),
            forward: d
                .servers
                .iter()
                .flat_map(|s| s.forward.iter())
                .map(|f| format!("{} -> {}", f.from, f.to.join(" ")))
                .collect(),
            has_loop: d.servers.iter().any(|s| s.has_loop),
            not_understood: d
                .corefile
                .as_ref()
                .map(|c| c.all_problems().iter().map(|p| p.to_string()).collect())
                .unwrap_or_default(),
        }
    }
}

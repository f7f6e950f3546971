//! How cluster DNS is deployed: the kube-dns Service, the CoreDNS pods, their Corefile, the
//! kubelet's `clusterDNS`, and NodeLocal DNSCache when the snapshot shows it.

use super::assumed::ASSUMED_DNS_IP;
use crate::load::corefile::{self, in_zone, Corefile, ServerConfig};
use crate::model::{Cluster, Pod, PortRef, Protocol, Service};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The address NodeLocal DNSCache listens on unless its Corefile says otherwise.
pub const NODELOCAL_DEFAULT_IP: &str = "169.254.20.10";

/// NodeLocal DNSCache, when the snapshot shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NodeLocal {
    /// The addresses it binds (`169.254.20.10`, often also the kube-dns ClusterIP).
    pub addresses: Vec<String>,
    /// `kube-system/daemonset/node-local-dns` or the pods seen.
    pub evidence: String,
}

/// How cluster DNS is deployed: its Service, its pods, its Corefile.
#[derive(Debug, Clone)]
pub struct ClusterDns {
    pub domain: String,
    /// `kube-system/kube-dns` (or the Service selecting the DNS pods).
    pub service: Option<(String, String)>,
    pub service_ips: Vec<IpAddr>,
    /// `clusterDNS` of the kubelet configuration (kube-system/kubelet-config), when present.
    pub kubelet_cluster_dns: Vec<String>,
    pub kubelet_cluster_domain: Option<String>,
    pub nodelocal: Option<NodeLocal>,
    /// Indexes of the cluster DNS pods (CoreDNS / kube-dns).
    pub pods: Vec<usize>,
    pub corefile: Option<Corefile>,
    pub servers: Vec<ServerConfig>,
    /// No Corefile in the snapshot: the kubeadm default is assumed.
    pub corefile_assumed: bool,
    /// The port CoreDNS receives the pods' queries on: the kube-dns Service's targetPort
    /// for 53/UDP (53 unless the Service maps it elsewhere).
    pub listen_port: u16,
    /// The input shows no cluster DNS (no kube-dns Service, no DNS pods, no kubelet
    /// `clusterDNS`) and is not a read of a whole cluster: the kubeadm default is assumed
    /// (`sim::dns::assumed`), `service_ips` holds its address.
    pub assumed: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct KubeletConfig {
    #[serde(rename = "clusterDNS")]
    cluster_dns: Vec<String>,
    cluster_domain: Option<String>,
}

fn is_dns_label(pod: &Pod) -> bool {
    pod.namespace == "kube-system"
        && matches!(
            pod.labels.get("k8s-app").map(String::as_str),
            Some("kube-dns") | Some("coredns")
        )
}

/// The kube-dns Service: `kube-system/kube-dns`, else a kube-system Service selecting
/// `k8s-app=kube-dns`, else one named like CoreDNS serving port 53.
pub fn dns_service(cluster: &Cluster) -> Option<&Service> {
    cluster.service("kube-system", "kube-dns").or_else(|| {
        let in_ks = || {
            cluster
                .services
                .iter()
                .filter(|s| s.namespace == "kube-system")
        };
        in_ks()
            .find(|s| {
                s.selector
                    .as_ref()
                    .is_some_and(|sel| sel.get("k8s-app").map(String::as_str) == Some("kube-dns"))
            })
            .or_else(|| {
                in_ks().find(|s| {
                    s.name.contains("dns")
                        && !s.name.contains("node-local")
                        && s.ports.iter().any(|p| p.port == 53)
                })
            })
    })
}

impl ClusterDns {
    pub fn of(cluster: &Cluster) -> ClusterDns {
        let svc = dns_service(cluster);
        let mut pods: BTreeSet<usize> = BTreeSet::new();
        for i in cluster
            .pods_in("kube-system")
            .filter(|p| is_dns_label(p))
            .filter_map(|p| cluster.pod_index(&p.namespace, &p.name))
        {
            pods.insert(i);
        }
        if let Some(sel) = svc.and_then(|s| s.selector()) {
            if !sel.is_empty() {
                pods.extend(cluster.pods_matching("kube-system", &sel));
            }
        }
        let kubelet: KubeletConfig = cluster
            .config_map("kube-system", "kubelet-config")
            .and_then(|cm| cm.data.get("kubelet"))
            .and_then(|t| serde_saphyr::from_str(t).ok())
            .unwrap_or_default();
        let corefile = cluster
            .config_map("kube-system", "coredns")
            .and_then(|cm| cm.data.get("Corefile"))
            .map(|t| corefile::parse(t));
        let domain = cluster.cluster_domain.clone();
        let (servers, corefile_assumed) = match &corefile {
            Some(c) => (c.configs(&mut Vec::new()), false),
            None => (
                corefile::parse(&default_corefile(&domain)).configs(&mut Vec::new()),
                true,
            ),
        };
        let listen_port = svc
            .and_then(|s| s.port_by_number(53, Protocol::Udp))
            .and_then(|p| match &p.target_port {
                PortRef::Number(0) => None,
                PortRef::Number(n) => Some(*n),
                PortRef::Name(name) => pods
                    .iter()
                    .find_map(|&i| cluster.pods[i].resolve_named_port(name, Protocol::Udp)),
            })
            .unwrap_or(53);
        let assumed = svc.is_none()
            && pods.is_empty()
            && kubelet.cluster_dns.is_empty()
            && !crate::sim::ingress::input_covers_cluster(cluster);
        let service_ips = match svc {
            Some(s) => s.cluster_ips.clone(),
            None if assumed => ASSUMED_DNS_IP.parse().into_iter().collect(),
            None => Vec::new(),
        };
        ClusterDns {
            listen_port,
            assumed,
            service: svc.map(|s| (s.namespace.clone(), s.name.clone())),
            service_ips,
            kubelet_cluster_dns: kubelet.cluster_dns,
            kubelet_cluster_domain: kubelet.cluster_domain,
            nodelocal: nodelocal(cluster),
            pods: pods.into_iter().collect(),
            corefile,
            servers,
            corefile_assumed,
            domain,
        }
    }

    /// The nameservers kubelet gives ClusterFirst pods: its `clusterDNS` when the snapshot
    /// has the kubelet configuration, else the kube-dns Service's ClusterIP.
    pub fn nameservers(&self) -> Vec<String> {
        if !self.kubelet_cluster_dns.is_empty() {
            return self.kubelet_cluster_dns.clone();
        }
        self.service_ips.iter().map(|ip| ip.to_string()).collect()
    }

    /// Whether queries sent to `ns` reach cluster DNS.
    pub fn is_cluster_nameserver(&self, ns: &str) -> bool {
        self.service_ips.iter().any(|ip| ip.to_string() == ns)
            || self.kubelet_cluster_dns.iter().any(|k| k == ns)
            || self
                .nodelocal
                .as_ref()
                .is_some_and(|n| n.addresses.iter().any(|a| a == ns))
    }

    /// Ready endpoints of the kube-dns Service: from its EndpointSlices, else from the ready
    /// pods its selector matches. `None`: no Service, or one without a selector (managed by
    /// hand; not judged).
    pub fn service_ready_endpoints(&self, cluster: &Cluster) -> Option<usize> {
        let (ns, name) = self.service.as_ref()?;
        let svc = cluster.service(ns, name)?;
        let mut slices = cluster.slices_of(ns, name).peekable();
        if slices.peek().is_some() {
            return Some(
                slices
                    .flat_map(|s| s.endpoints.iter())
                    .filter(|e| e.ready || svc.publish_not_ready_addresses)
                    .count(),
            );
        }
        let sel = svc.selector().filter(|s| !s.is_empty())?;
        Some(
            cluster
                .pods_matching(ns, &sel)
                .into_iter()
                .filter(|&i| cluster.pods[i].ready)
                .count(),
        )
    }

    /// Ready cluster DNS pods (derived template pods count as ready).
    pub fn ready_pods<'a>(&self, cluster: &'a Cluster) -> Vec<&'a Pod> {
        self.pods
            .iter()
            .map(|&i| &cluster.pods[i])
            .filter(|p| p.ready && !p.terminating)
            .collect()
    }

    /// The server block a query for `name` reaches on the port CoreDNS receives pods'
    /// queries on (most specific zone).
    pub fn server_for(&self, name: &str) -> Option<&ServerConfig> {
        self.servers
            .iter()
            .filter(|s| s.port == self.listen_port)
            .flat_map(|s| s.zones.iter().map(move |z| (z, s)))
            .filter(|(z, _)| in_zone(name, z))
            .max_by_key(|(z, _)| if z.as_str() == "." { 0 } else { z.len() })
            .map(|(_, s)| s)
    }
}

/// The Corefile kubeadm installs.
pub fn default_corefile(domain: &str) -> String {
    format!(
        ".:53 {{\n errors\n health {{\n lameduck 5s\n }}\n ready\n kubernetes {domain} in-addr.arpa ip6.arpa {{\n pods insecure\n fallthrough in-addr.arpa ip6.arpa\n ttl 30\n }}\n prometheus :9153\n forward . /etc/resolv.conf {{\n max_concurrent 1000\n }}\n cache 30\n loop\n reload\n loadbalance\n}}\n"
    )
}

fn nodelocal(cluster: &Cluster) -> Option<NodeLocal> {
    let ds = cluster.workload("DaemonSet", "kube-system", "node-local-dns");
    let pods = cluster
        .pods_in("kube-system")
        .filter(|p| p.labels.get("k8s-app").map(String::as_str) == Some("node-local-dns"))
        .count();
    if ds.is_none() && pods == 0 {
        return None;
    }
    let mut addresses = Vec::new();
    if let Some(text) = cluster
        .config_map("kube-system", "node-local-dns")
        .and_then(|cm| cm.data.get("Corefile"))
    {
        for s in &corefile::parse(text).servers {
            for d in s.plugins.iter().filter(|d| d.name == "bind") {
                for a in &d.args {
                    if a.parse::<IpAddr>().is_ok() && !addresses.contains(a) {
                        addresses.push(a.clone());
                    }
                }
            }
        }
    }
    if addresses.is_empty() {
        addresses.push(NODELOCAL_DEFAULT_IP.to_string());
    }
    Some(NodeLocal {
        addresses,
        evidence: if ds.is_some() {
            "kube-system/daemonset/node-local-dns".into()
        } else {
            format!("{pods} node-local-dns pod(s) in kube-system")
        },
    })
}

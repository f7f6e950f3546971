//! Cluster DNS: the resolv.conf kubelet writes for a pod, the queries the pod's C library
//! sends for a name (glibc and musl separately), and what cluster DNS (CoreDNS with its
//! `kubernetes` plugin) answers to each, per the Kubernetes DNS-Based Service Discovery
//! specification.

use super::corefile::{self, fqdn, in_zone, Corefile, KubernetesPlugin, PodMode, ServerConfig};
use crate::model::{Cluster, Pod, Service, ServiceType};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The address NodeLocal DNSCache listens on unless its Corefile says otherwise.
pub const NODELOCAL_DEFAULT_IP: &str = "169.254.20.10";
/// `dns-version` TXT record of the Kubernetes DNS specification.
pub const DNS_SCHEMA_VERSION: &str = "1.1.0";

/// kubelet's limits (validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars).
pub const MAX_NAMESERVERS: usize = 3;
pub const MAX_SEARCH_PATHS: usize = 32;
pub const MAX_SEARCH_CHARS: usize = 2048;
/// Longer search domains are dropped by kubelet (DNS-1123 subdomain length).
pub const MAX_SEARCH_DOMAIN_LEN: usize = 253;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Glibc,
    Musl,
}

impl Libc {
    pub fn parse(s: &str) -> Option<Libc> {
        match s.to_ascii_lowercase().as_str() {
            "glibc" | "gnu" => Some(Libc::Glibc),
            "musl" | "alpine" => Some(Libc::Musl),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum QType {
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "SRV")]
    Srv,
    #[serde(rename = "PTR")]
    Ptr,
    #[serde(rename = "CNAME")]
    Cname,
    #[serde(rename = "TXT")]
    Txt,
}

impl QType {
    pub fn parse(s: &str) -> Option<QType> {
        match s.to_ascii_uppercase().as_str() {
            "A" => Some(QType::A),
            "AAAA" => Some(QType::Aaaa),
            "SRV" => Some(QType::Srv),
            "PTR" => Some(QType::Ptr),
            "CNAME" => Some(QType::Cname),
            "TXT" => Some(QType::Txt),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::Aaaa => "AAAA",
            QType::Srv => "SRV",
            QType::Ptr => "PTR",
            QType::Cname => "CNAME",
            QType::Txt => "TXT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rcode {
    #[serde(rename = "NOERROR")]
    NoError,
    #[serde(rename = "NXDOMAIN")]
    NxDomain,
    #[serde(rename = "SERVFAIL")]
    ServFail,
    /// Outside the cluster zones: cluster DNS forwards it upstream; the answer is unknown.
    #[serde(rename = "FORWARDED")]
    Forwarded,
}

impl Rcode {
    pub fn as_str(self) -> &'static str {
        match self {
            Rcode::NoError => "NOERROR",
            Rcode::NxDomain => "NXDOMAIN",
            Rcode::ServFail => "SERVFAIL",
            Rcode::Forwarded => "FORWARDED",
        }
    }
}

/// What a DNS server answers to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub rcode: Rcode,
    pub answers: Vec<String>,
    /// Why (which plugin, which object, what is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// No reply at all (the server is down): the client times out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timeout: bool,
}

impl Answer {
    fn new(rcode: Rcode, answers: Vec<String>, note: impl Into<String>) -> Answer {
        Answer {
            rcode,
            answers,
            note: Some(note.into()),
            timeout: false,
        }
    }
    fn nx(note: impl Into<String>) -> Answer {
        Answer::new(Rcode::NxDomain, Vec::new(), note)
    }
    fn nodata(note: impl Into<String>) -> Answer {
        Answer::new(Rcode::NoError, Vec::new(), note)
    }
    fn records(answers: Vec<String>, note: impl Into<String>) -> Answer {
        Answer::new(Rcode::NoError, answers, note)
    }
    /// NOERROR with records, or a forwarded name (presumed to answer).
    pub fn answered(&self) -> bool {
        (self.rcode == Rcode::NoError && !self.answers.is_empty()) || self.rcode == Rcode::Forwarded
    }
}

// ---------------------------------------------------------------------------------------
// Cluster DNS as deployed

/// NodeLocal DNSCache, when the snapshot shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
            .and_then(|s| s.port_by_number(53, crate::model::Protocol::Udp))
            .and_then(|p| match &p.target_port {
                crate::model::PortRef::Number(0) => None,
                crate::model::PortRef::Number(n) => Some(*n),
                crate::model::PortRef::Name(name) => pods.iter().find_map(|&i| {
                    cluster.pods[i].resolve_named_port(name, crate::model::Protocol::Udp)
                }),
            })
            .unwrap_or(53);
        ClusterDns {
            listen_port,
            service: svc.map(|s| (s.namespace.clone(), s.name.clone())),
            service_ips: svc.map(|s| s.cluster_ips.clone()).unwrap_or_default(),
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

// ---------------------------------------------------------------------------------------
// resolv.conf

/// Where the pod's queries go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResolverKind {
    /// The cluster DNS nameserver (ClusterFirst, ClusterFirstWithHostNet).
    ClusterDns,
    /// The node's resolv.conf (Default, or ClusterFirst with hostNetwork): not in the snapshot.
    Node,
    /// Only what `dnsConfig` gives (None).
    PodConfig,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvConf {
    pub nameservers: Vec<String>,
    pub search: Vec<String>,
    pub ndots: u32,
    pub options: Vec<String>,
    /// The pod's dnsPolicy and the one kubelet applies (`ClusterFirst` on hostNetwork
    /// applies as `Default`).
    pub dns_policy: String,
    pub effective_policy: String,
    pub resolver: ResolverKind,
    /// The node's own nameservers/search domains are part of this file but not in the snapshot.
    pub node_part_unknown: bool,
    pub notes: Vec<String>,
}

impl ResolvConf {
    /// The file as kubelet writes it.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if !self.search.is_empty() {
            s.push_str(&format!("search {}\n", self.search.join(" ")));
        }
        for n in &self.nameservers {
            s.push_str(&format!("nameserver {n}\n"));
        }
        if !self.options.is_empty() {
            s.push_str(&format!("options {}\n", self.options.join(" ")));
        }
        s
    }
}

fn omit_duplicates(v: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    v.into_iter().filter(|x| seen.insert(x.clone())).collect()
}

/// The pod's resolv.conf, as kubelet's `GetPodDNS` composes it.
pub fn resolv_conf(cluster: &Cluster, dns: &ClusterDns, pod: &Pod) -> ResolvConf {
    let domain = &dns.domain;
    let mut notes = Vec::new();
    let policy = pod.dns_policy.clone();
    let effective = match policy.as_str() {
        "None" => "None",
        "ClusterFirstWithHostNet" => "ClusterFirst",
        "ClusterFirst" if pod.host_network => {
            notes.push(
                "hostNetwork with dnsPolicy ClusterFirst: kubelet falls back to Default (the node's resolver); use ClusterFirstWithHostNet to resolve Service names"
                    .into(),
            );
            "Default"
        }
        "ClusterFirst" => "ClusterFirst",
        "Default" => "Default",
        other => {
            notes.push(format!(
                "dnsPolicy {other:?} is not valid; the API server would reject it (treated as ClusterFirst)"
            ));
            "ClusterFirst"
        }
    };
    let (mut nameservers, mut search, mut options, resolver, mut node_unknown) = match effective {
        "ClusterFirst" => {
            let ns = dns.nameservers();
            if ns.is_empty() {
                notes.push(
                    "no kube-dns Service in the snapshot: the cluster DNS nameserver is unknown"
                        .into(),
                );
            }
            (
                ns,
                vec![
                    format!("{}.svc.{domain}", pod.namespace),
                    format!("svc.{domain}"),
                    domain.clone(),
                ],
                vec!["ndots:5".to_string()],
                ResolverKind::ClusterDns,
                true,
            )
        }
        "Default" => {
            notes.push(
                "dnsPolicy Default: nameservers, search domains and options come from the node's resolv.conf (kubelet --resolv-conf), which the snapshot does not contain"
                    .into(),
            );
            (Vec::new(), Vec::new(), Vec::new(), ResolverKind::Node, true)
        }
        _ => (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            ResolverKind::PodConfig,
            false,
        ),
    };
    if let Some(cfg) = &pod.dns_config {
        nameservers.extend(cfg.nameservers.iter().cloned());
        nameservers = omit_duplicates(nameservers);
        search.extend(cfg.searches.iter().cloned());
        search = omit_duplicates(search);
        // mergeDNSOptions: by name, the pod's value wins.
        let mut merged: Vec<(String, String)> = options
            .iter()
            .map(|o| match o.split_once(':') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (o.to_string(), String::new()),
            })
            .collect();
        for o in &cfg.options {
            let v = o.value.clone().unwrap_or_default();
            match merged.iter_mut().find(|(n, _)| *n == o.name) {
                Some(e) => e.1 = v,
                None => merged.push((o.name.clone(), v)),
            }
        }
        options = merged
            .into_iter()
            .map(|(n, v)| if v.is_empty() { n } else { format!("{n}:{v}") })
            .collect();
        if resolver == ResolverKind::PodConfig && !cfg.nameservers.is_empty() {
            node_unknown = false;
        }
    } else if effective == "None" {
        notes.push("dnsPolicy None without dnsConfig: the resolv.conf is empty".into());
    }
    if nameservers.len() > MAX_NAMESERVERS {
        notes.push(format!(
            "{} nameservers: kubelet keeps the first {MAX_NAMESERVERS} ({} dropped)",
            nameservers.len(),
            nameservers[MAX_NAMESERVERS..].join(", ")
        ));
        nameservers.truncate(MAX_NAMESERVERS);
    }
    let before = search.len();
    search.retain(|s| s.len() <= MAX_SEARCH_DOMAIN_LEN);
    if search.len() != before {
        notes.push(format!(
            "search domains longer than {MAX_SEARCH_DOMAIN_LEN} characters dropped by kubelet"
        ));
    }
    let line_len = search.join(" ").len();
    if line_len > MAX_SEARCH_CHARS {
        let mut len = line_len;
        while len > MAX_SEARCH_CHARS {
            if let Some(last) = search.pop() {
                len -= last.len() + 1;
            } else {
                break;
            }
        }
        notes.push(format!(
            "search line of {line_len} characters exceeds kubelet's {MAX_SEARCH_CHARS}: trailing domains dropped"
        ));
    }
    if search.len() > MAX_SEARCH_PATHS {
        notes.push(format!(
            "{} search domains: kubelet keeps the first {MAX_SEARCH_PATHS}",
            search.len()
        ));
        search.truncate(MAX_SEARCH_PATHS);
    }
    let ndots = options
        .iter()
        .rev()
        .find_map(|o| o.strip_prefix("ndots:"))
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(1, |n| n.min(15));
    if let Some(nl) = &dns.nodelocal {
        let uses = nameservers
            .iter()
            .any(|n| nl.addresses.iter().any(|a| a == n));
        notes.push(format!(
            "NodeLocal DNSCache detected ({}), listening on {}{}",
            nl.evidence,
            nl.addresses.join(", "),
            if uses {
                ": this pod's queries go to the cache on its node, which forwards cluster names to CoreDNS"
            } else {
                ""
            }
        ));
    }
    if resolver == ResolverKind::ClusterDns && node_unknown {
        notes.push(
            "kubelet appends the node's search domains (not in the snapshot) after the cluster ones"
                .into(),
        );
    }
    let _ = cluster;
    ResolvConf {
        nameservers,
        search,
        ndots,
        options,
        dns_policy: policy,
        effective_policy: effective.to_string(),
        resolver,
        node_part_unknown: node_unknown,
        notes,
    }
}

// ---------------------------------------------------------------------------------------
// Cluster DNS answers

/// A reverse name (`4.3.2.1.in-addr.arpa.`) as an address.
pub fn reverse_to_ip(name: &str) -> Option<IpAddr> {
    let n = fqdn(name);
    if let Some(rest) = n.strip_suffix(".in-addr.arpa.") {
        let mut parts: Vec<&str> = rest.split('.').collect();
        if parts.len() != 4 {
            return None;
        }
        parts.reverse();
        return parts.join(".").parse().ok();
    }
    if let Some(rest) = n.strip_suffix(".ip6.arpa.") {
        let nibbles: Vec<&str> = rest.split('.').collect();
        if nibbles.len() != 32 || nibbles.iter().any(|x| x.len() != 1) {
            return None;
        }
        let hex: String = nibbles.iter().rev().copied().collect();
        let groups: Vec<&str> = (0..8).map(|i| &hex[i * 4..i * 4 + 4]).collect();
        return groups.join(":").parse().ok();
    }
    None
}

/// The PTR name of an address.
pub fn ip_to_reverse(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::new();
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s.push_str("ip6.arpa.");
            s
        }
    }
}

/// One endpoint of a Service as CoreDNS sees it: a ready address with its ports.
struct DnsEndpoint {
    ip: IpAddr,
    hostname: String,
    /// (name, port, protocol); empty: no ports (CoreDNS keeps a sentinel).
    ports: Vec<(String, u16, String)>,
}

fn endpoint_hostname(
    hostname: Option<&str>,
    pod: Option<&str>,
    ip: IpAddr,
    pod_names: bool,
) -> String {
    if let Some(h) = hostname.filter(|h| !h.is_empty()) {
        return h.to_string();
    }
    if pod_names {
        if let Some(p) = pod {
            return p.to_string();
        }
    }
    ip.to_string().replace(['.', ':'], "-")
}

/// Ready endpoints of a Service, from its EndpointSlices (or, when the snapshot has none and
/// the Service has a selector, from the ready pods it selects).
fn service_endpoints(cluster: &Cluster, svc: &Service, pod_names: bool) -> Vec<DnsEndpoint> {
    let mut out = Vec::new();
    let mut any_slice = false;
    for slice in cluster.slices_of(&svc.namespace, &svc.name) {
        any_slice = true;
        let ports: Vec<(String, u16, String)> = slice
            .ports
            .iter()
            .filter_map(|p| {
                p.port.map(|n| {
                    (
                        p.name.clone().unwrap_or_default(),
                        n,
                        p.protocol.as_str().to_string(),
                    )
                })
            })
            .collect();
        for ep in &slice.endpoints {
            if !(ep.ready || svc.publish_not_ready_addresses) {
                continue;
            }
            for a in &ep.addresses {
                let Ok(ip) = a.parse::<IpAddr>() else {
                    continue;
                };
                out.push(DnsEndpoint {
                    ip,
                    hostname: endpoint_hostname(
                        ep.hostname.as_deref(),
                        ep.pod.as_ref().map(|(_, n)| n.as_str()),
                        ip,
                        pod_names,
                    ),
                    ports: ports.clone(),
                });
            }
        }
    }
    if any_slice {
        return out;
    }
    let Some(sel) = svc.selector() else {
        return out;
    };
    if sel.is_empty() {
        return out;
    }
    for i in cluster.pods_matching(&svc.namespace, &sel) {
        let p = &cluster.pods[i];
        if !(p.ready || svc.publish_not_ready_addresses)
            || !p.is_serving_candidate()
            || p.host_network && p.ips.is_empty()
        {
            continue;
        }
        let hostname = if p.subdomain.as_deref() == Some(svc.name.as_str()) {
            p.hostname.clone()
        } else {
            None
        };
        let ports = svc
            .ports
            .iter()
            .filter_map(|sp| {
                let n = match &sp.target_port {
                    crate::model::PortRef::Number(n) => Some(*n),
                    crate::model::PortRef::Name(name) => p.resolve_named_port(name, sp.protocol),
                }?;
                Some((
                    sp.name.clone().unwrap_or_default(),
                    n,
                    sp.protocol.as_str().to_string(),
                ))
            })
            .collect();
        for ip in &p.ips {
            out.push(DnsEndpoint {
                ip: *ip,
                hostname: endpoint_hostname(hostname.as_deref(), Some(&p.name), *ip, pod_names),
                ports: Vec::clone(&ports),
            });
        }
    }
    out
}

fn family_filter(ips: impl Iterator<Item = IpAddr>, qtype: QType) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ip in ips {
        let keep = match qtype {
            QType::A => ip.is_ipv4(),
            QType::Aaaa => ip.is_ipv6(),
            _ => false,
        };
        let s = ip.to_string();
        if keep && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn matches_port(want: &str, have: &str) -> bool {
    want.is_empty() || want.eq_ignore_ascii_case(have)
}

fn srv_answers(targets: Vec<(u16, String)>) -> Vec<String> {
    let n = targets.len().max(1);
    let weight = 100 / n;
    let mut out: Vec<String> = Vec::new();
    for (port, target) in targets {
        let s = format!("0 {weight} {port} {target}");
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn namespace_exposed(cluster: &Cluster, k: &KubernetesPlugin, ns: &str) -> bool {
    (k.namespaces.is_empty() || k.namespaces.iter().any(|n| n == ns))
        && cluster.namespace(ns).is_some()
}

/// The `kubernetes` plugin's answer for a name inside one of its zones.
fn kubernetes_answer(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    zone: &str,
    name: &str,
    qtype: QType,
    depth: usize,
) -> Answer {
    let primary = k
        .zones
        .iter()
        .find(|z| !z.ends_with(".arpa."))
        .cloned()
        .unwrap_or_else(|| zone.to_string());
    if zone.ends_with(".arpa.") {
        let Some(ip) = reverse_to_ip(name) else {
            return Answer::nx(format!("{name} is not a complete reverse name"));
        };
        let mut names: Vec<String> = Vec::new();
        if let Some(s) = cluster.service_by_cluster_ip(ip) {
            names.push(format!("{}.{}.svc.{primary}", s.name, s.namespace));
        } else {
            for slice in &cluster.endpoint_slices {
                let Some(svc) = slice.service.as_deref() else {
                    continue;
                };
                for ep in &slice.endpoints {
                    if !ep.ready
                        || !ep
                            .addresses
                            .iter()
                            .any(|a| a.parse::<IpAddr>().ok() == Some(ip))
                    {
                        continue;
                    }
                    let h = endpoint_hostname(
                        ep.hostname.as_deref(),
                        ep.pod.as_ref().map(|(_, n)| n.as_str()),
                        ip,
                        k.endpoint_pod_names,
                    );
                    let n = format!("{h}.{svc}.{}.svc.{primary}", slice.namespace);
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
            }
        }
        if names.is_empty() {
            return Answer::nx(format!(
                "no Service ClusterIP or ready endpoint has the address {ip}"
            ));
        }
        return if qtype == QType::Ptr {
            let note = format!(
                "{ip} belongs to {}",
                names_join(&cluster_objects_for(&names))
            );
            Answer::records(names, note)
        } else {
            Answer::nodata(format!("{name} exists only as a PTR record"))
        };
    }

    let base = name.strip_suffix(zone).unwrap_or("").trim_end_matches('.');
    if base == "dns-version" {
        return if qtype == QType::Txt {
            Answer::records(
                vec![format!("\"{DNS_SCHEMA_VERSION}\"")],
                "the schema version of the Kubernetes DNS specification",
            )
        } else {
            Answer::nx("dns-version only has a TXT record")
        };
    }
    let segs: Vec<&str> = if base.is_empty() {
        Vec::new()
    } else {
        base.split('.').collect()
    };
    let Some((&kind, rest)) = segs.split_last() else {
        return Answer::nodata(format!("{zone} is the zone apex (SOA and NS only)"));
    };
    if kind != "svc" && kind != "pod" {
        return Answer::nx(format!(
            "{name}: names in {zone} are <service>.<namespace>.svc or <ip>.<namespace>.pod"
        ));
    }
    let Some((&ns, rest)) = rest.split_last() else {
        return Answer::nodata(format!("{name} has names below it but no records"));
    };
    if !namespace_exposed(cluster, k, ns) {
        return Answer::nx(
            if k.namespaces.is_empty() || k.namespaces.iter().any(|n| n == ns) {
                format!("namespace {ns} does not exist")
            } else {
                format!(
                    "namespace {ns} is not exposed (kubernetes plugin: namespaces {})",
                    k.namespaces.join(" ")
                )
            },
        );
    }
    let Some((&first, rest)) = rest.split_last() else {
        return Answer::nodata(format!(
            "namespace {ns} exists; {name} itself has no records"
        ));
    };
    let (endpoint, port, proto) = match rest {
        [] => ("", "", ""),
        [e] => (*e, "", ""),
        [p, pr] => ("", p.trim_start_matches('_'), pr.trim_start_matches('_')),
        _ => {
            return Answer::nx(format!(
                "{name} has too many labels for the Kubernetes DNS schema"
            ))
        }
    };

    if kind == "pod" {
        if k.pods == PodMode::Disabled {
            return Answer::nx(
                "pod records are disabled (the kubernetes plugin has no `pods insecure|verified`)",
            );
        }
        let ip_text = if first.matches('-').count() == 3 && !first.contains("--") {
            first.replace('-', ".")
        } else {
            first.replace('-', ":")
        };
        let Ok(ip) = ip_text.parse::<IpAddr>() else {
            return Answer::nx(format!("{first} is not a dashed IP address"));
        };
        if k.pods == PodMode::Verified && !cluster.pods_by_ip(ip).any(|p| p.namespace == ns) {
            return Answer::nx(format!("pods verified: no pod in {ns} has the IP {ip}"));
        }
        let a = family_filter(std::iter::once(ip), qtype);
        return if a.is_empty() {
            Answer::nodata(format!("pod record {ip} has no {} record", qtype.as_str()))
        } else {
            Answer::records(a, format!("pod record (pods {})", k.pods.as_str()))
        };
    }

    let Some(svc) = cluster.service(ns, first) else {
        return Answer::nx(format!("no Service {first} in namespace {ns}"));
    };
    let svc_name = format!("{}.{}.svc.{zone}", svc.name, svc.namespace);
    if svc.type_ == ServiceType::ExternalName {
        let Some(target) = svc.external_name.as_deref().filter(|t| !t.is_empty()) else {
            return Answer::nx(format!(
                "ExternalName Service {ns}/{first} has no externalName"
            ));
        };
        if !endpoint.is_empty() {
            return Answer::nx("an ExternalName Service has no endpoints");
        }
        let target = fqdn(target);
        return match qtype {
            QType::Cname => Answer::records(vec![target.clone()], format!("ExternalName Service {ns}/{first}")),
            QType::A | QType::Aaaa if in_zone(&target, zone) && depth < 8 => {
                let next = kubernetes_answer(cluster, k, zone, &target, qtype, depth + 1);
                if next.rcode == Rcode::NoError && !next.answers.is_empty() {
                    let mut a = vec![target.clone()];
                    a.extend(next.answers);
                    Answer::records(a, format!("ExternalName Service {ns}/{first}: CNAME {target}, resolved inside the cluster zone"))
                } else {
                    Answer::nodata(format!(
                        "ExternalName Service {ns}/{first} points to {target}, which has no {} record ({}); CoreDNS drops the CNAME and answers with no records",
                        qtype.as_str(),
                        next.note.unwrap_or_else(|| next.rcode.as_str().to_string())
                    ))
                }
            }
            QType::A | QType::Aaaa => Answer::records(
                vec![target.clone()],
                format!("ExternalName Service {ns}/{first}: CNAME {target}; CoreDNS resolves the target through its upstream (FORWARDED)"),
            ),
            _ => Answer::nodata(format!("ExternalName Service {ns}/{first} only has a CNAME")),
        };
    }

    if svc.headless || !endpoint.is_empty() {
        let eps = service_endpoints(cluster, svc, k.endpoint_pod_names);
        let mut addrs = Vec::new();
        let mut srv = Vec::new();
        for ep in &eps {
            if !endpoint.is_empty() && !ep.hostname.eq_ignore_ascii_case(endpoint) {
                continue;
            }
            if ep.ports.is_empty() {
                if port.is_empty() && proto.is_empty() {
                    addrs.push(ep.ip);
                }
                continue;
            }
            for (pn, pnum, pp) in &ep.ports {
                if matches_port(port, pn) && matches_port(proto, pp) {
                    addrs.push(ep.ip);
                    srv.push((*pnum, format!("{}.{svc_name}", ep.hostname)));
                }
            }
        }
        if addrs.is_empty() {
            return Answer::nx(if !endpoint.is_empty() {
                format!("Service {ns}/{first} has no ready endpoint with hostname {endpoint}")
            } else if !port.is_empty() {
                format!(
                    "headless Service {ns}/{first} has no ready endpoint with port {port}/{proto}"
                )
            } else {
                format!("headless Service {ns}/{first} has no ready endpoints")
            });
        }
        let what = if endpoint.is_empty() {
            format!(
                "headless Service {ns}/{first}: {} ready endpoint(s)",
                eps.len()
            )
        } else {
            format!("endpoint {endpoint} of Service {ns}/{first}")
        };
        return match qtype {
            QType::A | QType::Aaaa => {
                let a = family_filter(addrs.into_iter(), qtype);
                if a.is_empty() {
                    Answer::nodata(format!("{what}; none has an {} address", qtype.as_str()))
                } else {
                    Answer::records(a, what)
                }
            }
            QType::Srv if !srv.is_empty() => Answer::records(srv_answers(srv), what),
            _ => Answer::nodata(format!("{what}; no {} record", qtype.as_str())),
        };
    }

    // ClusterIP Service (also NodePort, LoadBalancer).
    let ports: Vec<_> = svc
        .ports
        .iter()
        .filter(|p| {
            matches_port(port, p.name.as_deref().unwrap_or(""))
                && matches_port(proto, p.protocol.as_str())
        })
        .collect();
    if ports.is_empty() {
        return Answer::nx(format!(
            "Service {ns}/{first} has no port named {port} with protocol {proto}"
        ));
    }
    let eps = service_endpoints(cluster, svc, k.endpoint_pod_names);
    if k.ignore_empty_service && eps.is_empty() {
        return Answer::nx(format!("Service {ns}/{first} has no ready endpoints and the kubernetes plugin has `ignore empty_service`"));
    }
    let what = if eps.is_empty() {
        format!(
            "ClusterIP of Service {ns}/{first} (it has no ready endpoints: connections to it fail)"
        )
    } else {
        format!("ClusterIP of Service {ns}/{first}")
    };
    match qtype {
        QType::A | QType::Aaaa => {
            let a = family_filter(svc.cluster_ips.iter().copied(), qtype);
            if a.is_empty() {
                Answer::nodata(format!(
                    "Service {ns}/{first} has no {} ClusterIP",
                    if qtype == QType::A { "IPv4" } else { "IPv6" }
                ))
            } else {
                Answer::records(a, what)
            }
        }
        QType::Srv => {
            let mut t = Vec::new();
            for p in &ports {
                for _ in &svc.cluster_ips {
                    t.push((p.port, svc_name.clone()));
                }
            }
            Answer::records(srv_answers(t), format!("port(s) of Service {ns}/{first}"))
        }
        _ => Answer::nodata(format!(
            "Service {ns}/{first} has no {} record",
            qtype.as_str()
        )),
    }
}

fn cluster_objects_for(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| n.trim_end_matches('.').to_string())
        .collect()
}

fn names_join(v: &[String]) -> String {
    v.join(", ")
}

/// What cluster DNS (CoreDNS, as its Corefile configures it) answers to one question.
pub fn cluster_answer(cluster: &Cluster, dns: &ClusterDns, name: &str, qtype: QType) -> Answer {
    let name = fqdn(name);
    let Some(server) = dns.server_for(&name) else {
        return Answer::new(
            Rcode::ServFail,
            Vec::new(),
            format!(
                "no server block of the Corefile serves {name} on port {} (REFUSED)",
                dns.listen_port
            ),
        );
    };
    let mut qname = name.clone();
    let mut notes = Vec::new();
    for r in &server.rewrites {
        if let Some(n) = r.apply(&qname) {
            notes.push(format!("rewritten to {n} (Corefile line {})", r.line));
            qname = n;
            break;
        }
    }
    fn add_notes(notes: &[String], mut a: Answer) -> Answer {
        if !notes.is_empty() {
            let mut n = notes.join("; ");
            if let Some(x) = a.note.take() {
                n = format!("{n}; {x}");
            }
            a.note = Some(n);
        }
        a
    }
    if let Some(h) = &server.hosts {
        if h.zones.iter().any(|z| in_zone(&qname, z)) {
            let ips: Vec<IpAddr> = h
                .entries
                .iter()
                .filter(|(_, names)| names.contains(&qname))
                .map(|(ip, _)| *ip)
                .collect();
            if !ips.is_empty() {
                let a = family_filter(ips.into_iter(), qtype);
                return add_notes(
                    &notes,
                    if a.is_empty() {
                        Answer::nodata(format!(
                            "hosts plugin (Corefile line {}) has {qname} without an {} address",
                            h.line,
                            qtype.as_str()
                        ))
                    } else {
                        Answer::records(a, format!("hosts plugin (Corefile line {})", h.line))
                    },
                );
            }
            if !h.fallthrough.as_ref().is_some_and(|f| f.covers(&qname)) {
                return add_notes(&notes, Answer::new(
                    Rcode::ServFail,
                    Vec::new(),
                    format!(
                        "the hosts plugin (Corefile line {}) answers SERVFAIL for names in its zones that its entries do not list (no fallthrough)",
                        h.line
                    ),
                ));
            }
        }
    }
    if let Some(k) = &server.kubernetes {
        let zone = k
            .zones
            .iter()
            .filter(|z| in_zone(&qname, z))
            .max_by_key(|z| z.len());
        if let Some(zone) = zone {
            let a = kubernetes_answer(cluster, k, zone, &qname, qtype, 0);
            let falls = a.rcode == Rcode::NxDomain
                && k.fallthrough.as_ref().is_some_and(|f| f.covers(&qname));
            if !falls {
                return add_notes(&notes, a);
            }
            notes.push(format!(
                "kubernetes plugin has no record and falls through ({})",
                a.note.unwrap_or_default()
            ));
        }
    }
    if let Some(f) = server.forward.iter().find(|f| f.handles(&qname)) {
        return add_notes(
            &notes,
            Answer::new(
                Rcode::Forwarded,
                Vec::new(),
                format!(
                    "outside the cluster zones: forwarded to {} (Corefile line {})",
                    f.to.join(" "),
                    f.line
                ),
            ),
        );
    }
    add_notes(
        &notes,
        Answer::new(
            Rcode::ServFail,
            Vec::new(),
            format!(
                "no plugin of the server block on Corefile line {} answers {qname}",
                server.line
            ),
        ),
    )
}

// ---------------------------------------------------------------------------------------
// The client's resolver

/// What the client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// getaddrinfo with AF_UNSPEC: A and AAAA in parallel for each candidate name.
    Addresses,
    /// One record type (getaddrinfo AF_INET/AF_INET6 for A/AAAA; res_search otherwise).
    Type(QType),
}

impl Request {
    pub fn label(self) -> &'static str {
        match self {
            Request::Addresses => "A+AAAA",
            Request::Type(t) => t.as_str(),
        }
    }
    fn qtypes(self) -> Vec<QType> {
        match self {
            Request::Addresses => vec![QType::A, QType::Aaaa],
            Request::Type(t) => vec![t],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Query {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: QType,
    pub rcode: Rcode,
    pub answers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Sent for a candidate name that did not produce the result.
    pub wasted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultView {
    pub rcode: Rcode,
    pub answers: Vec<String>,
    /// The nameserver never replied (cluster DNS down or unreachable): the client sees a
    /// timeout (`EAI_AGAIN`, "Temporary failure in name resolution").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timeout: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvConfView {
    pub nameservers: Vec<String>,
    pub search: Vec<String>,
    pub ndots: u32,
    pub options: Vec<String>,
    pub dns_policy: String,
    pub effective_policy: String,
    pub notes: Vec<String>,
}

/// The answer to `dns resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: String,
    pub from: String,
    pub libc: Libc,
    pub resolv_conf: ResolvConfView,
    pub queries: Vec<Query>,
    pub result: ResultView,
    /// Queries sent for candidate names that did not produce the result.
    pub wasted: usize,
    /// The algorithm's steps, in order (why each candidate was tried, why it stopped).
    pub steps: Vec<String>,
}

/// The candidate names a resolver would try, in order, and whether it searches at all.
pub fn candidates(name: &str, rc: &ResolvConf, libc: Libc, request: Request) -> Vec<String> {
    let dots = name.matches('.').count() as u32;
    let trailing = name.ends_with('.');
    let bare = fqdn(name);
    if trailing {
        return vec![bare];
    }
    // musl's res_search is res_query: no search list for non-address lookups.
    if libc == Libc::Musl
        && !matches!(
            request,
            Request::Addresses | Request::Type(QType::A) | Request::Type(QType::Aaaa)
        )
    {
        return vec![bare];
    }
    let search: Vec<String> = match libc {
        Libc::Glibc => rc.search.clone(),
        // musl reads at most 255 bytes of the search line.
        Libc::Musl => {
            let line = rc.search.join(" ");
            let cut: String = line.chars().take(255).collect();
            cut.split_whitespace().map(str::to_string).collect()
        }
    };
    let with = |d: &String| fqdn(&format!("{}.{}", name, d.trim_end_matches('.')));
    let mut out = Vec::new();
    match libc {
        Libc::Glibc => {
            let as_is_first = dots >= rc.ndots;
            if as_is_first {
                out.push(bare.clone());
            }
            out.extend(search.iter().map(with));
            // `options no-tld-query`: a single-label name is never sent as-is.
            let no_tld = dots == 0 && rc.options.iter().any(|o| o == "no-tld-query");
            if !as_is_first && !no_tld {
                out.push(bare);
            }
        }
        Libc::Musl => {
            if dots < rc.ndots {
                out.extend(search.iter().map(with));
            }
            out.push(bare);
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|n| seen.insert(n.clone()));
    out
}

/// What the pod's nameserver answers (cluster DNS, or a resolver outside the model).
fn server_answer(
    cluster: &Cluster,
    dns: &ClusterDns,
    rc: &ResolvConf,
    name: &str,
    qtype: QType,
) -> Answer {
    let Some(first) = rc.nameservers.first() else {
        return outside_answer(dns, name, "the node's resolver");
    };
    if !dns.is_cluster_nameserver(first) {
        return outside_answer(dns, name, &format!("nameserver {first}"));
    }
    let down = if !dns.pods.is_empty() && dns.ready_pods(cluster).is_empty() {
        Some(format!("no cluster DNS pod is ready behind {first}"))
    } else if dns.service_ips.iter().any(|ip| ip.to_string() == *first)
        && dns.service_ready_endpoints(cluster) == Some(0)
    {
        Some(format!("the Service behind {first} has no ready endpoints"))
    } else {
        None
    };
    if let Some(why) = down {
        return Answer {
            rcode: Rcode::ServFail,
            answers: Vec::new(),
            note: Some(format!(
                "no reply: {why}; the query times out (the client sees EAI_AGAIN / SERVFAIL)"
            )),
            timeout: true,
        };
    }
    cluster_answer(cluster, dns, name, qtype)
}

fn outside_answer(dns: &ClusterDns, name: &str, who: &str) -> Answer {
    let single = fqdn(name).trim_end_matches('.').split('.').count() <= 1;
    if in_zone(name, &dns.domain) || single {
        Answer::nx(format!(
            "sent to {who}, not cluster DNS: it does not serve {} names (NXDOMAIN assumed)",
            if single {
                "single-label".to_string()
            } else {
                dns.domain.clone()
            }
        ))
    } else {
        Answer::new(
            Rcode::Forwarded,
            Vec::new(),
            format!("sent to {who}, outside the model: answer unknown"),
        )
    }
}

/// Whether a name forwarded upstream is presumed to exist there: at least two labels and a
/// last label that is neither a namespace of the cluster (`api.production.` is a Service
/// name typed with too few labels) nor a private suffix.
pub fn presumed_public(cluster: &Cluster, name: &str) -> bool {
    let n = fqdn(name);
    let labels: Vec<&str> = n.trim_end_matches('.').split('.').collect();
    let Some(last) = labels.last() else {
        return false;
    };
    labels.len() >= 2
        && cluster.namespace(last).is_none()
        && !matches!(
            *last,
            "local" | "internal" | "localdomain" | "lan" | "home" | "corp" | "svc" | "cluster"
        )
}

/// The candidate's combined outcome, as the libc sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    NxDomain,
    NoData,
    ServFail,
    Timeout,
}

/// The queries the pod sends for `name` and what it gets.
pub fn resolve(
    cluster: &Cluster,
    dns: &ClusterDns,
    pod: &Pod,
    name: &str,
    request: Request,
    libc: Libc,
) -> Resolution {
    let rc = resolv_conf(cluster, dns, pod);
    let mut steps = Vec::new();
    let mut queries: Vec<Query> = Vec::new();
    let from = format!("{}/{}", pod.namespace, pod.name);
    let view = ResolvConfView {
        nameservers: rc.nameservers.clone(),
        search: rc.search.clone(),
        ndots: rc.ndots,
        options: rc.options.clone(),
        dns_policy: rc.dns_policy.clone(),
        effective_policy: rc.effective_policy.clone(),
        notes: rc.notes.clone(),
    };
    let name = name.trim();
    let mut qname = name.to_string();
    let mut request = request;
    // A PTR lookup of an address: its reverse name, absolute.
    if let Ok(ip) = name.trim_end_matches('.').parse::<IpAddr>() {
        if matches!(request, Request::Type(QType::Ptr)) || matches!(request, Request::Addresses) {
            qname = ip_to_reverse(ip);
            request = Request::Type(QType::Ptr);
            steps.push(format!(
                "{name} is an address: the PTR name {qname} is queried as-is"
            ));
        }
    }
    // /etc/hosts written by kubelet answers before DNS for address lookups.
    if matches!(
        request,
        Request::Addresses | Request::Type(QType::A) | Request::Type(QType::Aaaa)
    ) {
        let hostname = pod.hostname.clone().unwrap_or_else(|| pod.name.clone());
        let short = name.trim_end_matches('.').to_ascii_lowercase();
        let mut host_names = vec!["localhost".to_string(), hostname.clone()];
        if let Some(sub) = &pod.subdomain {
            host_names.push(format!(
                "{hostname}.{sub}.{}.svc.{}",
                pod.namespace, dns.domain
            ));
        }
        if host_names.contains(&short) {
            let answers: Vec<String> = if short == "localhost" {
                vec!["127.0.0.1".into(), "::1".into()]
            } else {
                pod.ips.iter().map(|i| i.to_string()).collect()
            };
            steps.push(format!(
                "{name} is in the pod's /etc/hosts (written by kubelet): answered without DNS"
            ));
            return Resolution {
                name: name.to_string(),
                qtype: request.label().to_string(),
                from,
                libc,
                resolv_conf: view,
                queries,
                result: ResultView {
                    rcode: Rcode::NoError,
                    answers,
                    timeout: false,
                },
                wasted: 0,
                steps,
            };
        }
    }
    let dots = qname.matches('.').count();
    let cands = candidates(&qname, &rc, libc, request);
    if qname.ends_with('.') {
        steps.push(format!(
            "{qname} ends with a dot: absolute, queried once as-is, no search"
        ));
    } else {
        match libc {
            Libc::Glibc => steps.push(format!(
                "glibc: {dots} dot(s) {} ndots {}: {}",
                if dots as u32 >= rc.ndots { ">=" } else { "<" },
                rc.ndots,
                if dots as u32 >= rc.ndots {
                    "the name as-is first, then the search list"
                } else {
                    "the search list first, then the name as-is"
                }
            )),
            Libc::Musl => {
                if !matches!(
                    request,
                    Request::Addresses | Request::Type(QType::A) | Request::Type(QType::Aaaa)
                ) {
                    steps.push(
                        "musl: res_search does not use the search list; the name is queried as-is"
                            .into(),
                    );
                } else {
                    steps.push(format!(
                        "musl: {dots} dot(s) {} ndots {}: {}",
                        if dots as u32 >= rc.ndots { ">=" } else { "<" },
                        rc.ndots,
                        if dots as u32 >= rc.ndots {
                            "no search at all, only the name as-is"
                        } else {
                            "the search list, then the name as-is; stops at the first answer that is not NXDOMAIN"
                        }
                    ))
                }
            }
        }
    }
    if matches!(request, Request::Addresses) {
        steps.push(format!(
            "{}: getaddrinfo(AF_UNSPEC) sends A and AAAA in parallel for each candidate",
            libc.as_str()
        ));
    }
    if dns.servers.iter().any(|s| s.autopath)
        && rc
            .nameservers
            .first()
            .is_some_and(|n| dns.is_cluster_nameserver(n))
    {
        steps.push(
            "the Corefile enables autopath: CoreDNS may answer the first search-domain query itself with a CNAME to the name it finds (not simulated; the client-side sequence is shown)"
                .into(),
        );
    }
    let bare = fqdn(&qname);
    let qtypes = request.qtypes();
    let mut result: Option<(Rcode, Vec<String>, usize)> = None; // (rcode, answers, first query index of the winner)
    let mut got_nodata = false;
    let mut got_servfail = false;
    let mut as_is_outcome: Option<Outcome> = None;
    let mut last_outcome = Outcome::NxDomain;
    for (ci, cand) in cands.iter().enumerate() {
        let start = queries.len();
        let mut answers = Vec::new();
        let mut outcomes = Vec::new();
        for &t in &qtypes {
            let mut a = server_answer(cluster, dns, &rc, cand, t);
            // A forwarded candidate built from a search domain: upstream almost always
            // answers NXDOMAIN for it; the bare name is presumed to resolve.
            let presumed_nx =
                a.rcode == Rcode::Forwarded && (*cand != bare || !presumed_public(cluster, cand));
            if presumed_nx {
                a.note = Some(format!(
                    "{} ({}: NXDOMAIN upstream assumed)",
                    a.note.unwrap_or_default(),
                    if *cand != bare {
                        "a search-domain candidate"
                    } else {
                        "a single label, or its last label is a namespace or a private suffix"
                    }
                ));
            }
            let outcome = if a.timeout {
                Outcome::Timeout
            } else {
                match a.rcode {
                    Rcode::Forwarded if presumed_nx => Outcome::NxDomain,
                    Rcode::Forwarded => Outcome::Success,
                    Rcode::NoError if !a.answers.is_empty() => Outcome::Success,
                    Rcode::NoError => Outcome::NoData,
                    Rcode::NxDomain => Outcome::NxDomain,
                    Rcode::ServFail => Outcome::ServFail,
                }
            };
            outcomes.push((outcome, a.rcode));
            for x in &a.answers {
                if !answers.contains(x) {
                    answers.push(x.clone());
                }
            }
            queries.push(Query {
                name: cand.clone(),
                qtype: t,
                rcode: a.rcode,
                answers: a.answers,
                note: a.note,
                wasted: false,
            });
        }
        // Combine A and AAAA as the libc does.
        let combined = if outcomes.iter().any(|(o, _)| *o == Outcome::Success) {
            Outcome::Success
        } else if outcomes.iter().any(|(o, _)| *o == Outcome::Timeout) {
            Outcome::Timeout
        } else {
            match libc {
                // glibc: the first answer's rcode unless it is NOERROR, then the second's.
                Libc::Glibc => {
                    if outcomes.len() > 1 && outcomes[0].1 == Rcode::NoError {
                        outcomes[1].0
                    } else {
                        outcomes[0].0
                    }
                }
                // musl: any NXDOMAIN → try the next name; SERVFAIL → EAI_AGAIN.
                Libc::Musl => {
                    if outcomes.iter().any(|(o, _)| *o == Outcome::ServFail) {
                        Outcome::ServFail
                    } else if outcomes.iter().any(|(o, _)| *o == Outcome::NxDomain) {
                        Outcome::NxDomain
                    } else {
                        Outcome::NoData
                    }
                }
            }
        };
        last_outcome = combined;
        let rcode_of = |o: Outcome| match o {
            Outcome::NoData | Outcome::Success => Rcode::NoError,
            Outcome::NxDomain => Rcode::NxDomain,
            Outcome::ServFail | Outcome::Timeout => Rcode::ServFail,
        };
        if combined == Outcome::Success {
            let rcode = if queries[start..].iter().any(|q| q.rcode == Rcode::Forwarded)
                && answers.is_empty()
            {
                Rcode::Forwarded
            } else {
                Rcode::NoError
            };
            if answers.is_empty() {
                steps.push(format!(
                    "{cand}: forwarded upstream (answer outside the model, presumed to exist), lookup ends"
                ));
            } else {
                steps.push(format!(
                    "{cand}: answered ({}), lookup done",
                    answers.join(", ")
                ));
            }
            result = Some((rcode, answers, start));
            break;
        }
        let is_as_is = *cand == bare;
        if is_as_is && ci == 0 && cands.len() > 1 {
            as_is_outcome = Some(combined);
        }
        let stop = match (libc, combined) {
            (_, Outcome::Timeout) => Some("no reply (timeout): the resolver gives up"),
            (Libc::Musl, Outcome::NoData) => {
                Some("musl stops at NOERROR without records (EAI_NODATA)")
            }
            (Libc::Musl, Outcome::ServFail) => Some("musl stops at SERVFAIL (EAI_AGAIN)"),
            _ => None,
        };
        match combined {
            Outcome::NoData => got_nodata = true,
            Outcome::ServFail => got_servfail = true,
            _ => {}
        }
        steps.push(format!(
            "{cand}: {}{}",
            match combined {
                Outcome::NxDomain => "NXDOMAIN",
                Outcome::NoData => "NOERROR without records (NODATA)",
                Outcome::ServFail => "SERVFAIL",
                Outcome::Timeout => "no reply",
                Outcome::Success => "answered",
            },
            match stop {
                Some(s) => format!(", {s}"),
                None if ci + 1 < cands.len() => ", next candidate".to_string(),
                None => String::new(),
            }
        ));
        if stop.is_some() {
            let _ = rcode_of;
            break;
        }
    }
    let result = match result {
        Some((rcode, answers, start)) => {
            for q in &mut queries[..start] {
                q.wasted = true;
            }
            ResultView {
                rcode,
                answers,
                timeout: false,
            }
        }
        None => {
            for q in &mut queries {
                q.wasted = true;
            }
            let final_outcome = match libc {
                Libc::Glibc => as_is_outcome.unwrap_or(if got_nodata {
                    Outcome::NoData
                } else if got_servfail {
                    Outcome::ServFail
                } else {
                    last_outcome
                }),
                Libc::Musl => last_outcome,
            };
            ResultView {
                timeout: final_outcome == Outcome::Timeout,
                rcode: match final_outcome {
                    Outcome::NoData | Outcome::Success => Rcode::NoError,
                    Outcome::NxDomain => Rcode::NxDomain,
                    Outcome::ServFail | Outcome::Timeout => Rcode::ServFail,
                },
                answers: Vec::new(),
            }
        }
    };
    let wasted = queries.iter().filter(|q| q.wasted).count();
    Resolution {
        name: name.to_string(),
        qtype: request.label().to_string(),
        from,
        libc,
        resolv_conf: view,
        queries,
        result,
        wasted,
        steps,
    }
}

#[cfg(test)]
#[path = "dns_tests.rs"]
mod tests;

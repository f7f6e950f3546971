//! The resolv.conf kubelet writes for a pod (`GetPodDNS`): the dnsPolicy applied, the pod's
//! `dnsConfig` merged in, kubelet's limits enforced.

use super::cluster_dns::ClusterDns;
use super::search::{without_repeats, SearchRules};
use crate::model::DnsConfig;
use crate::model::{Cluster, Pod};
use serde::Serialize;

/// kubelet's limits (validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars).
pub const MAX_NAMESERVERS: usize = 3;
pub const MAX_SEARCH_PATHS: usize = 32;
pub const MAX_SEARCH_CHARS: usize = 2048;
/// Longer search domains are dropped by kubelet (DNS-1123 subdomain length).
pub const MAX_SEARCH_DOMAIN_LEN: usize = 253;

/// Where the pod's queries go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ResolverKind {
    /// The cluster DNS nameserver (ClusterFirst, ClusterFirstWithHostNet).
    ClusterDns,
    /// The node's resolv.conf (Default, or ClusterFirst with hostNetwork): not in the snapshot.
    Node,
    /// Only what `dnsConfig` gives (None).
    PodConfig,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
    /// What the resolver's search-list expansion reads from this file.
    pub fn search_rules(&self) -> SearchRules<'_> {
        SearchRules::new(&self.search, self.ndots, &self.options)
    }

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

/// The pod's resolv.conf, as kubelet's `GetPodDNS` composes it.
pub fn resolv_conf(cluster: &Cluster, dns: &ClusterDns, pod: &Pod) -> ResolvConf {
    let _ = cluster;
    let mut notes = Vec::new();
    let effective = effective_policy(pod, &mut notes);
    let mut rc = policy_defaults(dns, pod, effective, notes);
    match &pod.dns_config {
        Some(cfg) => merge_dns_config(&mut rc, cfg),
        None if effective == "None" => rc
            .notes
            .push("dnsPolicy None without dnsConfig: the resolv.conf is empty".into()),
        None => {}
    }
    apply_kubelet_limits(&mut rc);
    rc.ndots = ndots_of(&rc.options);
    note_nodelocal(&mut rc, dns);
    if rc.resolver == ResolverKind::ClusterDns && rc.node_part_unknown {
        rc.notes.push(
            "kubelet appends the node's search domains (not in the snapshot) after the cluster ones"
                .into(),
        );
    }
    rc
}

/// The dnsPolicy kubelet applies: `ClusterFirst` on hostNetwork falls back to `Default`,
/// `ClusterFirstWithHostNet` is `ClusterFirst`, an invalid policy is treated as `ClusterFirst`.
fn effective_policy(pod: &Pod, notes: &mut Vec<String>) -> &'static str {
    match pod.dns_policy.as_str() {
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
    }
}

/// What the applied policy alone puts in the file, before the pod's `dnsConfig`.
fn policy_defaults(
    dns: &ClusterDns,
    pod: &Pod,
    effective: &'static str,
    mut notes: Vec<String>,
) -> ResolvConf {
    let domain = &dns.domain;
    let (nameservers, search, options, resolver, node_part_unknown) = match effective {
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
    ResolvConf {
        nameservers,
        search,
        ndots: 1,
        options,
        dns_policy: pod.dns_policy.clone(),
        effective_policy: effective.to_string(),
        resolver,
        node_part_unknown,
        notes,
    }
}

/// The pod's `dnsConfig` appended: nameservers and searches without duplicates, options
/// merged by name with the pod's value winning (kubelet's `mergeDNSOptions`).
fn merge_dns_config(rc: &mut ResolvConf, cfg: &DnsConfig) {
    rc.nameservers.extend(cfg.nameservers.iter().cloned());
    rc.nameservers = without_repeats(std::mem::take(&mut rc.nameservers));
    rc.search.extend(cfg.searches.iter().cloned());
    rc.search = without_repeats(std::mem::take(&mut rc.search));
    let mut merged: Vec<(String, String)> = rc
        .options
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
    rc.options = merged
        .into_iter()
        .map(|(n, v)| if v.is_empty() { n } else { format!("{n}:{v}") })
        .collect();
    if rc.resolver == ResolverKind::PodConfig && !cfg.nameservers.is_empty() {
        rc.node_part_unknown = false;
    }
}

/// kubelet's limits: at most 3 nameservers, search domains of at most 253 characters, a
/// search line of at most 2048 characters, at most 32 search domains.
fn apply_kubelet_limits(rc: &mut ResolvConf) {
    let (nameservers, search, notes) = (&mut rc.nameservers, &mut rc.search, &mut rc.notes);
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
}

/// `options ndots:N`: the last one wins, capped at 15; 1 when absent.
fn ndots_of(options: &[String]) -> u32 {
    options
        .iter()
        .rev()
        .find_map(|o| o.strip_prefix("ndots:"))
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(1, |n| n.min(15))
}

fn note_nodelocal(rc: &mut ResolvConf, dns: &ClusterDns) {
    let Some(nl) = &dns.nodelocal else {
        return;
    };
    let uses = rc
        .nameservers
        .iter()
        .any(|n| nl.addresses.iter().any(|a| a == n));
    rc.notes.push(format!(
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

//! Cluster DNS: the resolv.conf kubelet writes for a pod, the queries the pod's C library
//! sends for a name (glibc and musl separately), and what cluster DNS (CoreDNS with its
//! `kubernetes` plugin) answers to each, per the Kubernetes DNS-Based Service Discovery
//! specification.
//!
//! - `cluster_dns`: how cluster DNS is deployed (Service, pods, Corefile, NodeLocal DNSCache)
//! - `assumed`: the kubeadm default assumed when the input does not show cluster DNS
//! - `resolv_conf`: the pod's resolv.conf, as kubelet composes it
//! - `search`: the search-list expansion of glibc and musl (shared with the live probe)
//! - `answers`: what CoreDNS answers, plugin by plugin; `kubernetes_plugin` and `endpoints`
//!   for the records of the Kubernetes DNS schema
//! - `resolver`: the client's whole lookup, query by query
//! - `summary`: cluster DNS at a glance, for `dns check`

mod answers;
mod assumed;
mod cluster_dns;
mod endpoints;
pub use endpoints::{unknown_address, unknown_address_pod};
mod kubernetes_plugin;
mod records;
mod resolv_conf;
mod resolver;
mod search;
mod suggest;
mod summary;

pub use answers::cluster_answer;
pub use assumed::{
    assumed_dns_labels, assumed_dns_pod, check_to_assumed_dns, dns_reachable, ASSUMED_DNS_IP,
    ASSUMED_DNS_LABEL, ASSUMED_DNS_NAMESPACE, ASSUMED_DNS_SERVICE,
};
pub use cluster_dns::{default_corefile, dns_service, ClusterDns, NodeLocal, NODELOCAL_DEFAULT_IP};
pub use records::{ip_to_reverse, reverse_to_ip, Answer, QType, Rcode};
pub use resolv_conf::{
    resolv_conf, ResolvConf, ResolverKind, MAX_NAMESERVERS, MAX_SEARCH_CHARS,
    MAX_SEARCH_DOMAIN_LEN, MAX_SEARCH_PATHS,
};
pub use resolver::{
    candidates, placeholder_note, presumed_public, resolve, Query, Request, Resolution,
    ResolvConfView, ResultView,
};
pub use search::{search_order, Libc, LookupCall, SearchOrder, SearchRules};
pub use suggest::name_suggestion;
pub use summary::{ClusterDnsSummary, CorefileSummary};

/// `dns-version` TXT record of the Kubernetes DNS specification.
pub const DNS_SCHEMA_VERSION: &str = "1.1.0";

#[cfg(test)]
mod tests;

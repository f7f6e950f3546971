//! The network half of the per-pod emergency report (`doctor NS/POD`): the guide's debug
//! script as one answer. Its IPs, the resolv.conf kubelet writes for it, whether cluster DNS
//! is up and reachable from it, the policies that select it in each direction, and what it
//! can reach and what can reach it.

use super::dns::{self, ClusterDns, Libc, Request};
use super::netpol::{
    connectivity_map, policy_id, workload_name, Direction, Endpoint, Engine, MapOptions,
};
use crate::model::{Cluster, Protocol};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ResolvConfSummary {
    pub nameservers: Vec<String>,
    pub search: Vec<String>,
    pub ndots: u32,
    pub dns_policy: String,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsHealth {
    /// Cluster DNS pods ready / found.
    pub ready_pods: usize,
    pub pods: usize,
    /// The pod's egress policies let UDP 53 through to a cluster DNS pod.
    pub reachable_from_pod: bool,
    /// `kubernetes.default.svc.<domain>` from this pod, as the guide's script checks.
    pub kubernetes_default: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// The other end: a workload `ns/name[Kind]` or an external range.
    pub peer: String,
    pub conn: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PodNetwork {
    pub ips: Vec<String>,
    pub host_ip: Option<String>,
    pub host_network: bool,
    pub resolv_conf: ResolvConfSummary,
    pub dns: DnsHealth,
    /// Policies selecting the pod for ingress / egress (`ns/name`); empty: not isolated.
    pub ingress_policies: Vec<String>,
    pub egress_policies: Vec<String>,
    /// AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies whose
    /// subject selects the pod, in evaluation order (docs/cluster-policies.md).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_policies: Vec<String>,
    /// Every workload and external range the pod may open connections to, and from which
    /// connections to it are allowed.
    pub can_reach: Vec<Flow>,
    pub reachable_from: Vec<Flow>,
}

pub fn pod_network(cluster: &Cluster, pod: usize) -> PodNetwork {
    let p = &cluster.pods[pod];
    let cdns = ClusterDns::of(cluster);
    let rc = dns::resolv_conf(cluster, &cdns, p);
    let engine = Engine::new(cluster);
    let ready = cdns.ready_pods(cluster);
    let reachable_from_pod = p.host_network
        || ready.iter().any(|d| {
            cluster.pod_index(&d.namespace, &d.name).is_some_and(|di| {
                engine
                    .check(Endpoint::Pod(pod), Endpoint::Pod(di), 53, Protocol::Udp)
                    .allowed
            })
        });
    let kd = dns::resolve(
        cluster,
        &cdns,
        p,
        &format!("kubernetes.default.svc.{}", cluster.cluster_domain),
        Request::Type(dns::QType::A),
        Libc::Glibc,
    );
    let kubernetes_default = if !reachable_from_pod && !ready.is_empty() {
        "times out: egress policy drops DNS".to_string()
    } else if kd.result.answers.is_empty() {
        kd.result.rcode.as_str().to_string()
    } else {
        format!(
            "{} {}",
            kd.result.rcode.as_str(),
            kd.result.answers.join(",")
        )
    };
    let me = workload_name(p);
    let map = connectivity_map(
        &engine,
        &MapOptions {
            namespaces: vec![p.namespace.clone()],
            no_ingress_controller: false,
        },
    );
    let mut can_reach = Vec::new();
    let mut reachable_from = Vec::new();
    for c in &map {
        if c.src == me && c.dst != me {
            can_reach.push(Flow {
                peer: c.dst.clone(),
                conn: c.conn.to_string(),
            });
        }
        if c.dst == me && c.src != me {
            reachable_from.push(Flow {
                peer: c.src.clone(),
                conn: c.conn.to_string(),
            });
        }
    }
    let policies = |dir| {
        engine
            .policies_of_pod(pod, dir)
            .iter()
            .map(|&i| policy_id(&cluster.policies[i]))
            .collect::<Vec<_>>()
    };
    PodNetwork {
        ips: p.ips.iter().map(|i| i.to_string()).collect(),
        host_ip: p.host_ip.map(|i| i.to_string()),
        host_network: p.host_network,
        resolv_conf: ResolvConfSummary {
            nameservers: rc.nameservers.clone(),
            search: rc.search.clone(),
            ndots: rc.ndots,
            dns_policy: rc.effective_policy.clone(),
            notes: rc.notes.clone(),
        },
        dns: DnsHealth {
            ready_pods: ready.len(),
            pods: cdns.pods.len(),
            reachable_from_pod,
            kubernetes_default,
        },
        ingress_policies: policies(Direction::Ingress),
        egress_policies: policies(Direction::Egress),
        cluster_policies: engine
            .cluster_policies_of_pod(pod)
            .iter()
            .map(|&i| cluster.cluster_policies()[i as usize].display())
            .collect(),
        can_reach,
        reachable_from,
    }
}

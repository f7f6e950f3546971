//! `policy check`: is a connection between two ends allowed, where an end is a pod, the
//! pods of a workload (one representative per label group), an address, or (as destination)
//! a Service evaluated after DNAT against each backend pod on its target port. Returns every
//! evaluated pair and the deciding one.

use super::{Endpoint, Engine, FlowVerdict, SideVerdict, Verdict};
use crate::model::{Cluster, Pod, PortRef, Protocol, Service};
use crate::sim::service::pod_display;
use serde::Serialize;
use std::collections::HashSet;
use std::net::IpAddr;

impl<'a> Engine<'a> {
    /// Checks a connection to a Service after DNAT: one verdict per backend pod, on the
    /// target port the Service port resolves to for that pod. Errors name what is missing.
    pub fn check_service(
        &self,
        src: Endpoint,
        ns: &str,
        name: &str,
        port: u16,
        proto: Protocol,
    ) -> Result<Vec<ServiceBackendVerdict>, String> {
        let svc = self
            .cluster
            .service(ns, name)
            .ok_or_else(|| format!("Service {ns}/{name} does not exist"))?;
        let sp = svc.port_by_number(port, proto).ok_or_else(|| {
            format!(
                "Service {ns}/{name} has no {}/{port} port (it has {})",
                proto.as_str(),
                svc.ports
                    .iter()
                    .map(|p| format!("{}/{}", p.port, p.protocol.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let mut backends: Vec<usize> = match svc.selector() {
            Some(sel) => self.cluster.pods_matching(ns, &sel),
            None => self
                .cluster
                .slices_of(ns, name)
                .flat_map(|s| s.endpoints.iter())
                .filter_map(|e| e.pod.as_ref())
                .filter_map(|(pns, pn)| self.cluster.pod_index(pns, pn))
                .collect(),
        };
        backends.sort_unstable();
        backends.dedup();
        let mut out = Vec::new();
        for b in backends {
            let pod = &self.cluster.pods[b];
            let target = match &sp.target_port {
                PortRef::Number(n) => Some(*n),
                PortRef::Name(n) => pod.resolve_named_port(n, proto),
            };
            let Some(target) = target else {
                out.push(ServiceBackendVerdict {
                    pod: b,
                    target_port: None,
                    verdict: None,
                });
                continue;
            };
            out.push(ServiceBackendVerdict {
                pod: b,
                target_port: Some(target),
                verdict: Some(self.check(src, Endpoint::Pod(b), target, proto)),
            });
        }
        Ok(out)
    }
}

/// The verdict for one backend of a Service.
#[derive(Debug, Clone)]
pub struct ServiceBackendVerdict {
    pub pod: usize,
    /// None: the named target port does not resolve on this pod.
    pub target_port: Option<u16>,
    pub verdict: Option<Verdict>,
}

/// What an address stands for as a connection end.
#[derive(Debug, Clone, Copy)]
pub enum AddressOwner<'c> {
    /// A ClusterIP, as a destination: the connection is to the Service (DNAT).
    Service(&'c Service),
    /// The IP of a pod.
    Pod(&'c Pod),
    /// Neither: an address outside the pod network.
    Unknown,
}

/// An IP that belongs to a pod is that pod; as a destination, a ClusterIP is its Service.
pub fn address_owner(cluster: &Cluster, ip: IpAddr, as_destination: bool) -> AddressOwner<'_> {
    if as_destination {
        if let Some(svc) = cluster.service_by_cluster_ip(ip) {
            return AddressOwner::Service(svc);
        }
    }
    match cluster.pods_by_ip(ip).next() {
        Some(p) => AddressOwner::Pod(p),
        None => AddressOwner::Unknown,
    }
}

/// The pods of a workload collapse to one representative per label group: pods with the
/// same labels get the same verdicts.
pub fn representatives(engine: &Engine<'_>, pods: Vec<usize>) -> Vec<Endpoint> {
    let mut seen = HashSet::new();
    pods.into_iter()
        .filter(|&p| seen.insert(engine.group_of(p)))
        .map(Endpoint::Pod)
        .collect()
}

/// `ns/name` of a pod end, or the address.
pub fn endpoint_display(cluster: &Cluster, e: Endpoint) -> String {
    match e {
        Endpoint::Pod(i) => pod_display(&cluster.pods[i]),
        Endpoint::Ip(ip) => ip.to_string(),
    }
}

/// One evaluated pair (a representative pod of each side; a Service backend).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CheckedPair {
    pub from: String,
    pub to: String,
    /// The port the destination pod receives (the Service's target port after DNAT).
    pub target_port: Option<u16>,
    /// Set when the pair could not be evaluated (named target port unresolved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// Why a connection to a Service cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceCheckError {
    /// The Service or its port does not exist (the text says which).
    Unresolvable(String),
    /// The Service has no backend pod to connect to.
    NoBackends,
}

/// Every source against every backend of Service `ns/name` after DNAT, one pair per backend
/// label group and target port.
pub fn check_pairs_to_service(
    engine: &Engine<'_>,
    sources: &[Endpoint],
    ns: &str,
    name: &str,
    port: u16,
    proto: Protocol,
) -> Result<Vec<CheckedPair>, ServiceCheckError> {
    let c = engine.cluster;
    let mut pairs = Vec::new();
    for &src in sources {
        let backends = engine
            .check_service(src, ns, name, port, proto)
            .map_err(ServiceCheckError::Unresolvable)?;
        if backends.is_empty() {
            return Err(ServiceCheckError::NoBackends);
        }
        let mut seen = HashSet::new();
        for b in backends {
            if !seen.insert((engine.group_of(b.pod), b.target_port)) {
                continue;
            }
            pairs.push(CheckedPair {
                from: endpoint_display(c, src),
                to: pod_display(&c.pods[b.pod]),
                target_port: b.target_port,
                problem: b.target_port.is_none().then(|| {
                    format!(
                        "the Service's targetPort does not resolve to a {} container port of this pod",
                        proto.as_str()
                    )
                }),
                verdict: b.verdict,
            });
        }
    }
    Ok(pairs)
}

/// Every source against every destination on `port`.
pub fn check_pairs(
    engine: &Engine<'_>,
    sources: &[Endpoint],
    dests: &[Endpoint],
    port: u16,
    proto: Protocol,
) -> Vec<CheckedPair> {
    let c = engine.cluster;
    let mut pairs = Vec::new();
    for &src in sources {
        for &dst in dests {
            pairs.push(CheckedPair {
                from: endpoint_display(c, src),
                to: endpoint_display(c, dst),
                target_port: Some(port),
                problem: None,
                verdict: Some(engine.check(src, dst, port, proto)),
            });
        }
    }
    pairs
}

/// The answer over all pairs: allowed when every pair is, denied when one is (or cannot be
/// evaluated), else unknown when a policy kind netdoctor does not model governs one; with
/// the sides of the deciding pair (the first denied one, else the first unknown one, else
/// the first evaluated one).
#[derive(Debug, Clone)]
pub struct Decision {
    pub allowed: bool,
    pub verdict: FlowVerdict,
    /// Why the verdict is unknown: every pair's reasons, each once.
    pub unknown_reasons: Vec<String>,
    pub egress: SideVerdict,
    pub ingress: SideVerdict,
}

/// See [`Decision`]. With no evaluated pair, both sides are empty and the answer is denied.
pub fn decide(pairs: &[CheckedPair]) -> Decision {
    let of = |p: &CheckedPair| {
        p.verdict
            .as_ref()
            .map_or(FlowVerdict::Denied, |v| v.verdict)
    };
    let verdict = if pairs.is_empty() || pairs.iter().any(|p| of(p) == FlowVerdict::Denied) {
        FlowVerdict::Denied
    } else if pairs.iter().any(|p| of(p) == FlowVerdict::Unknown) {
        FlowVerdict::Unknown
    } else {
        FlowVerdict::Allowed
    };
    let decider = pairs
        .iter()
        .find(|p| {
            p.verdict
                .as_ref()
                .is_some_and(|v| v.verdict == FlowVerdict::Denied)
        })
        .or_else(|| {
            pairs.iter().find(|p| {
                p.verdict
                    .as_ref()
                    .is_some_and(|v| v.verdict != FlowVerdict::Allowed)
            })
        })
        .or_else(|| pairs.iter().find(|p| p.verdict.is_some()));
    let mut unknown_reasons: Vec<String> = Vec::new();
    if verdict == FlowVerdict::Unknown {
        for r in pairs.iter().filter_map(|p| p.verdict.as_ref()) {
            for reason in &r.unknown_reasons {
                if !unknown_reasons.contains(reason) {
                    unknown_reasons.push(reason.clone());
                }
            }
        }
    }
    let empty_side = SideVerdict {
        subject_to_policies: false,
        isolated: false,
        allowed: false,
        policies: Vec::new(),
        allowed_by: Vec::new(),
        explanation: Vec::new(),
        not_modelled: Vec::new(),
        ..Default::default()
    };
    let (egress, ingress) = match decider.and_then(|p| p.verdict.as_ref()) {
        Some(v) => (v.egress.clone(), v.ingress.clone()),
        None => (empty_side.clone(), empty_side),
    };
    Decision {
        allowed: verdict == FlowVerdict::Allowed,
        verdict,
        unknown_reasons,
        egress,
        ingress,
    }
}

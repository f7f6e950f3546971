//! Addresses in a snapshot's EndpointSlices that no longer belong to a selected pod (SVC009).

use super::{is_finished, pod_address, pod_display};
use crate::model::{format_labels, Cluster, Service, ServiceType};
use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// Why an EndpointSlice address is stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Staleness {
    /// The slice's `targetRef` names a pod that is not in the snapshot.
    PodGone { pod: String },
    /// The pod exists but its labels no longer match the Service's selector.
    NoLongerSelected { pod: String, labels: String },
    /// The pod has finished (phase Succeeded or Failed).
    PodFinished { pod: String, phase: String },
    /// The pod exists and matches, but has another IP now.
    AddressChanged { pod: String, current: String },
    /// No `targetRef`, and no selected pod has this IP.
    UnknownAddress,
}

impl fmt::Display for Staleness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Staleness::PodGone { pod } => write!(f, "pod {pod} no longer exists"),
            Staleness::NoLongerSelected { pod, labels } => {
                write!(
                    f,
                    "pod {pod} no longer matches the selector, its labels are {labels}"
                )
            }
            Staleness::PodFinished { pod, phase } => {
                write!(f, "pod {pod} has finished (phase {phase})")
            }
            Staleness::AddressChanged { pod, current } => {
                write!(f, "pod {pod} now has IP {current}")
            }
            Staleness::UnknownAddress => f.write_str("no selected pod has this IP"),
        }
    }
}

/// One stale address in one EndpointSlice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleAddress {
    pub slice: String,
    pub address: String,
    pub reason: Staleness,
}

/// Addresses in the Service's EndpointSlices that do not correspond to a selected pod (only
/// for Services with a selector, whose slices the controller owns; only when the snapshot
/// holds real pods of that namespace, since a manifest-only input cannot tell).
pub fn stale_slice_addresses(cluster: &Cluster, svc: &Service) -> Vec<StaleAddress> {
    let mut out = Vec::new();
    let Some(selector) = svc.selector() else {
        return out;
    };
    if svc.type_ == ServiceType::ExternalName {
        return out;
    }
    let has_real_pods = cluster
        .pods_in(&svc.namespace)
        .any(|p| !p.derived && !p.assumed);
    if !has_real_pods {
        return out;
    }
    for slice in cluster.slices_of(&svc.namespace, &svc.name) {
        for ep in &slice.endpoints {
            for addr in &ep.addresses {
                let reason = match &ep.pod {
                    Some((ns, name)) => match cluster.pod(ns, name) {
                        None => Some(Staleness::PodGone {
                            pod: format!("{ns}/{name}"),
                        }),
                        Some(p) if p.namespace != svc.namespace || !selector.matches(&p.labels) => {
                            Some(Staleness::NoLongerSelected {
                                pod: pod_display(p),
                                labels: format_labels(&p.labels),
                            })
                        }
                        Some(p) if is_finished(p) => Some(Staleness::PodFinished {
                            pod: pod_display(p),
                            phase: p.phase.clone(),
                        }),
                        Some(p) => {
                            let ips: Vec<String> = p
                                .ips
                                .iter()
                                .chain(p.host_network.then_some(p.host_ip).flatten().iter())
                                .map(|i| i.to_string())
                                .collect();
                            match addr.parse::<IpAddr>() {
                                Ok(ip)
                                    if !ips.is_empty()
                                        && !ips.iter().any(|x| *x == ip.to_string()) =>
                                {
                                    Some(Staleness::AddressChanged {
                                        pod: pod_display(p),
                                        current: ips.join(","),
                                    })
                                }
                                _ => None,
                            }
                        }
                    },
                    None => match addr.parse::<IpAddr>() {
                        Ok(ip) => {
                            let owned = cluster.pods_by_ip(ip).any(|p| {
                                p.namespace == svc.namespace && selector.matches(&p.labels)
                            }) || cluster.pods_in(&svc.namespace).any(|p| {
                                p.host_network
                                    && pod_address(p) == Some(ip)
                                    && selector.matches(&p.labels)
                            });
                            (!owned).then_some(Staleness::UnknownAddress)
                        }
                        Err(_) => None,
                    },
                };
                if let Some(reason) = reason {
                    out.push(StaleAddress {
                        slice: slice.name.clone(),
                        address: addr.clone(),
                        reason,
                    });
                }
            }
        }
    }
    out
}

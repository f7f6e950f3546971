//! A Service's endpoints as CoreDNS's `kubernetes` plugin sees them: ready addresses, each
//! with the hostname its records use and its ports.

use crate::model::{Cluster, PortRef, Service};
use std::net::IpAddr;

/// The answer standing for the address of a pod not created yet (`<pod NS/NAME>`); the
/// trace reads it back with [`unknown_address_pod`].
pub fn unknown_address(pod: &str) -> String {
    format!("<pod {pod}>")
}

/// The pod (`NS/NAME`) an [`unknown_address`] answer stands for.
pub fn unknown_address_pod(answer: &str) -> Option<(&str, &str)> {
    answer
        .strip_prefix("<pod ")?
        .strip_suffix('>')?
        .split_once('/')
}

/// One endpoint of a Service as CoreDNS sees it: a ready address with its ports.
pub(super) struct DnsEndpoint {
    /// None: a pod derived from a workload's template (not created yet), whose address is
    /// assigned when it starts.
    pub ip: Option<IpAddr>,
    /// `namespace/name` of the pod behind it, when known.
    pub pod: Option<String>,
    pub hostname: String,
    /// (name, port, protocol); empty: no ports (CoreDNS keeps a sentinel).
    pub ports: Vec<(String, u16, String)>,
}

/// The hostname of an endpoint's records: its own, else (with `endpoint_pod_names`) its
/// pod's name, else its address with dashes.
pub(super) fn endpoint_hostname(
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
pub(super) fn service_endpoints(
    cluster: &Cluster,
    svc: &Service,
    pod_names: bool,
) -> Vec<DnsEndpoint> {
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
                    ip: Some(ip),
                    pod: ep.pod.as_ref().map(|(ns, n)| format!("{ns}/{n}")),
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
                    PortRef::Number(n) => Some(*n),
                    PortRef::Name(name) => p.resolve_named_port(name, sp.protocol),
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
                ip: Some(*ip),
                pod: Some(format!("{}/{}", p.namespace, p.name)),
                hostname: endpoint_hostname(hostname.as_deref(), Some(&p.name), *ip, pod_names),
                ports: Vec::clone(&ports),
            });
        }
        if p.ips.is_empty() && p.derived {
            // Not created yet: its record exists once it runs, with the address it gets
            // then; without a hostname the record is named after that address (unknown).
            out.push(DnsEndpoint {
                ip: None,
                pod: Some(format!("{}/{}", p.namespace, p.name)),
                hostname: hostname
                    .clone()
                    .or_else(|| pod_names.then(|| p.name.clone()))
                    .unwrap_or_default(),
                ports,
            });
        }
    }
    out
}

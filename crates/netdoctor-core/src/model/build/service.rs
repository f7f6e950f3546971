//! Services and their endpoints (EndpointSlices and legacy Endpoints).

use super::{parse_port, Builder};
use crate::load::{api, Origin};
use crate::model::types::*;
use crate::model::ObjectRef;
use std::net::IpAddr;

/// Where the placeholder virtual IPs of Services given without `spec.clusterIP` come from:
/// 198.18.0.0/15, reserved for benchmarking (RFC 2544), which no cluster uses as its Service
/// range. A ClusterIP in this range was not in the input: it is assumed.
pub const PLACEHOLDER_CLUSTER_IP_RANGE: &str = "198.18.0.0/15";
const PLACEHOLDER_BASE: u32 = 0xc612_0000;

/// Whether a Service's ClusterIP is a placeholder (the input had no `spec.clusterIP`).
pub fn is_placeholder_cluster_ip(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v4) if u32::from(v4) & 0xfffe_0000 == PLACEHOLDER_BASE)
}

impl Builder {
    pub(super) fn service(
        &mut self,
        ns: String,
        name: String,
        s: api::Service,
        origin: &Origin,
    ) -> Option<Service> {
        let object = ObjectRef::namespaced("Service", &ns, &name);
        let type_ = match s.spec.type_.as_deref() {
            None | Some("") | Some("ClusterIP") => ServiceType::ClusterIp,
            Some("NodePort") => ServiceType::NodePort,
            Some("LoadBalancer") => ServiceType::LoadBalancer,
            Some("ExternalName") => ServiceType::ExternalName,
            Some(other) => {
                self.invalid(
                    object,
                    format!("spec.type {other:?} is not ClusterIP, NodePort, LoadBalancer or ExternalName"),
                    "skipped",
                    origin,
                );
                return None;
            }
        };
        let headless = s.spec.cluster_ip.as_deref() == Some("None");
        let mut cluster_ips: Vec<IpAddr> = s
            .spec
            .cluster_ips
            .iter()
            .filter_map(|i| i.parse().ok())
            .collect();
        if cluster_ips.is_empty() {
            cluster_ips.extend(
                s.spec
                    .cluster_ip
                    .as_deref()
                    .and_then(|i| i.parse::<IpAddr>().ok()),
            );
        }
        if cluster_ips.is_empty() && !headless && type_ != ServiceType::ExternalName {
            cluster_ips.push(self.placeholder_cluster_ip());
        }
        let mut ports = Vec::new();
        for (i, p) in s.spec.ports.iter().enumerate() {
            let protocol = match p.protocol.as_deref() {
                None | Some("") => Some(Protocol::Tcp),
                Some(x) => Protocol::parse(x),
            };
            let Some(protocol) = protocol else {
                self.invalid(
                    object.clone(),
                    format!(
                        "spec.ports[{i}].protocol {:?} is not TCP, UDP or SCTP",
                        p.protocol
                    ),
                    "repaired: the port is ignored",
                    origin,
                );
                continue;
            };
            let Some(port) = parse_port(p.port) else {
                self.invalid(
                    object.clone(),
                    format!("spec.ports[{i}].port {} is outside 1-65535", p.port),
                    "repaired: the port is ignored",
                    origin,
                );
                continue;
            };
            let target_port = match &p.target_port {
                None => PortRef::Number(port),
                Some(api::IntOrString::Int(0)) => PortRef::Number(port),
                Some(api::IntOrString::Int(n)) => match parse_port(*n) {
                    Some(n) => PortRef::Number(n),
                    None => {
                        self.invalid(
                            object.clone(),
                            format!("spec.ports[{i}].targetPort {n} is outside 1-65535"),
                            "repaired: the port is ignored",
                            origin,
                        );
                        continue;
                    }
                },
                Some(api::IntOrString::String(s)) if s.is_empty() => PortRef::Number(port),
                Some(api::IntOrString::String(s)) => match s.parse::<u16>() {
                    // The API stores a quoted number as a string, and kube-proxy treats an
                    // all-digit string as that number.
                    Ok(n) if n > 0 => PortRef::Number(n),
                    _ => PortRef::Name(s.clone()),
                },
            };
            ports.push(ServicePort {
                name: p.name.clone().filter(|n| !n.is_empty()),
                protocol,
                port,
                target_port,
                node_port: p.node_port.and_then(parse_port),
                app_protocol: p.app_protocol.clone(),
            });
        }
        Some(Service {
            namespace: ns,
            name,
            labels: s.metadata.labels,
            annotations: s.metadata.annotations,
            // An empty selector map is the same as none: the controller manages no endpoints.
            selector: s.spec.selector.filter(|m| !m.is_empty()),
            type_,
            cluster_ips,
            headless,
            external_name: s.spec.external_name,
            ports,
            publish_not_ready_addresses: s.spec.publish_not_ready_addresses,
            load_balancer: s
                .status
                .load_balancer
                .ingress
                .iter()
                .filter_map(|i| i.ip.clone().or_else(|| i.hostname.clone()))
                .collect(),
            origin: Some(origin.clone()),
        })
    }

    /// A placeholder virtual IP for a Service given without `spec.clusterIP` (an unapplied
    /// manifest): the API server allocates one when the Service is created. Unique within
    /// the input, taken from [`PLACEHOLDER_CLUSTER_IP_RANGE`].
    fn placeholder_cluster_ip(&self) -> IpAddr {
        let used = |ip: &IpAddr| self.c.services.iter().any(|s| s.cluster_ips.contains(ip));
        let mut n = self.c.services.len() as u32 + 1;
        loop {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(PLACEHOLDER_BASE + (n % 0x1_fffe)));
            if !used(&ip) {
                return ip;
            }
            n += 1;
        }
    }

    pub(super) fn slice(
        &mut self,
        ns: String,
        name: String,
        s: api::EndpointSlice,
        origin: &Origin,
    ) -> EndpointSlice {
        EndpointSlice {
            service: s.metadata.labels.get("kubernetes.io/service-name").cloned(),
            address_type: s.address_type.unwrap_or_else(|| "IPv4".into()),
            endpoints: s
                .endpoints
                .into_iter()
                .map(|e| {
                    let terminating = e.conditions.terminating.unwrap_or(false);
                    let ready = e.conditions.ready.unwrap_or(true);
                    Endpoint {
                        addresses: e.addresses,
                        ready,
                        serving: e.conditions.serving.unwrap_or(ready),
                        terminating,
                        hostname: e.hostname,
                        node_name: e.node_name,
                        pod: pod_target(e.target_ref.as_ref(), &ns),
                    }
                })
                .collect(),
            ports: s.ports.iter().map(endpoint_port).collect(),
            legacy: false,
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        }
    }
}

fn pod_target(r: Option<&api::ObjectReference>, ns: &str) -> Option<(String, String)> {
    let r = r?;
    if r.kind.as_deref().is_some_and(|k| k != "Pod") {
        return None;
    }
    Some((
        r.namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| ns.to_string()),
        r.name.clone()?,
    ))
}

fn endpoint_port(p: &api::EndpointPort) -> EndpointPort {
    EndpointPort {
        name: p.name.clone().filter(|n| !n.is_empty()),
        port: p.port.and_then(parse_port),
        protocol: p
            .protocol
            .as_deref()
            .and_then(Protocol::parse)
            .unwrap_or(Protocol::Tcp),
    }
}

pub(super) fn legacy_endpoints(
    ns: String,
    name: String,
    e: api::Endpoints,
    origin: &Origin,
) -> EndpointSlice {
    let mut endpoints = Vec::new();
    let mut ports = Vec::new();
    for subset in &e.subsets {
        for p in &subset.ports {
            ports.push(endpoint_port(p));
        }
        for (addr, ready) in subset
            .addresses
            .iter()
            .map(|a| (a, true))
            .chain(subset.not_ready_addresses.iter().map(|a| (a, false)))
        {
            endpoints.push(Endpoint {
                addresses: vec![addr.ip.clone()],
                ready,
                serving: ready,
                terminating: false,
                hostname: addr.hostname.clone(),
                node_name: addr.node_name.clone(),
                pod: pod_target(addr.target_ref.as_ref(), &ns),
            });
        }
    }
    EndpointSlice {
        service: Some(name.clone()),
        address_type: "IPv4".into(),
        endpoints,
        ports,
        legacy: true,
        namespace: ns,
        name,
        origin: Some(origin.clone()),
    }
}

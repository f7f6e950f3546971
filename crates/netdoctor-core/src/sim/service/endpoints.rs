//! The endpoints of a Service as the EndpointSlice controller computes them (see the
//! module docs of `sim::service`), and the predicates they rest on.

use super::resolve_target_port;
use crate::model::{
    Cluster, EndpointPort, EndpointSlice, Pod, Protocol, Service, ServicePort, ServiceType,
};
use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// Where a Service's endpoints come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndpointSource {
    /// Computed from the pods that match the Service's selector.
    Selector,
    /// The Service has no selector: its EndpointSlices (or Endpoints) are read as they are.
    Slices,
    /// `type: ExternalName`: a DNS alias, no endpoints.
    ExternalName,
}

/// One address behind one Service port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backend {
    /// Index into `Cluster::pods` (None for a slice address with no pod behind it).
    pub pod: Option<usize>,
    /// `ns/name` of the pod, for display (None without a pod).
    pub pod_name: Option<String>,
    /// The pod IP (the node IP for a hostNetwork pod). None for a template-derived pod.
    pub ip: Option<IpAddr>,
    /// The resolved target port (None when a slice lists no port for it).
    pub target_port: Option<u16>,
    /// What kube-proxy uses: only ready backends receive traffic (serving terminating ones
    /// only as a fallback when none is ready).
    pub ready: bool,
    /// The pod's Ready condition, regardless of termination.
    pub serving: bool,
    pub terminating: bool,
}

/// Why a selected pod is not an endpoint at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Exclusion {
    /// Phase `Succeeded` or `Failed`.
    Terminal { phase: String },
    /// The pod has no IP yet (not scheduled, or the sandbox is not created).
    NoIp { phase: String },
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::Terminal { phase } => {
                write!(f, "phase {phase}: finished pods are never endpoints")
            }
            Exclusion::NoIp { phase } => write!(f, "no pod IP yet (phase {phase})"),
        }
    }
}

/// A selected pod that is not an endpoint, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcludedPod {
    pub pod: usize,
    pub pod_name: String,
    pub reason: Exclusion,
}

/// A pod left out of one Service port because its named `targetPort` does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnresolvedPort {
    pub pod: usize,
    pub pod_name: String,
    /// Plain words: which ports the pod declares instead.
    pub reason: String,
}

/// The endpoints behind one Service port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortEndpoints {
    pub port: ServicePortInfo,
    pub backends: Vec<Backend>,
    /// Pods that are endpoint candidates but are left out of this port.
    pub unresolved: Vec<UnresolvedPort>,
}

impl PortEndpoints {
    pub fn ready_backends(&self) -> impl Iterator<Item = &Backend> {
        self.backends.iter().filter(|b| b.ready)
    }

    pub fn ready_count(&self) -> usize {
        self.ready_backends().count()
    }
}

/// A serialisable copy of a Service port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePortInfo {
    pub name: Option<String>,
    pub port: u16,
    pub protocol: String,
    pub target_port: String,
}

impl From<&ServicePort> for ServicePortInfo {
    fn from(p: &ServicePort) -> Self {
        ServicePortInfo {
            name: p.name.clone(),
            port: p.port,
            protocol: p.protocol.as_str().to_string(),
            target_port: p.target_port.to_string(),
        }
    }
}

impl fmt::Display for ServicePortInfo {
    /// `http 8080/TCP → http` (name, port, protocol, target port).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            write!(f, "{n} ")?;
        }
        write!(f, "{}/{} → {}", self.port, self.protocol, self.target_port)
    }
}

/// A Service's endpoints: per port the backends, and the selected pods that are not endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceEndpoints {
    pub namespace: String,
    pub service: String,
    pub source: EndpointSource,
    /// Every pod whose labels match the selector (indexes into `Cluster::pods`, sorted),
    /// including those left out. Empty for Services without a selector.
    pub selected: Vec<usize>,
    /// One entry per Service port, in the Service's order.
    pub ports: Vec<PortEndpoints>,
    /// Selected pods that are not endpoints at all (finished, or without an IP).
    pub excluded: Vec<ExcludedPod>,
}

impl ServiceEndpoints {
    /// Whether any port has a ready backend (traffic to the Service can go somewhere).
    pub fn has_ready_endpoint(&self) -> bool {
        self.ports.iter().any(|p| p.ready_count() > 0)
    }

    /// The endpoints of one Service port, found by the Service port's number and protocol.
    pub fn port(&self, port: u16, protocol: Protocol) -> Option<&PortEndpoints> {
        self.ports
            .iter()
            .find(|p| p.port.port == port && p.port.protocol == protocol.as_str())
    }

    /// The endpoints of one Service port, found by the Service port's name.
    pub fn port_named(&self, name: &str) -> Option<&PortEndpoints> {
        self.ports
            .iter()
            .find(|p| p.port.name.as_deref() == Some(name))
    }

    /// Pods that are endpoint candidates (selected, not excluded), sorted.
    pub fn candidates(&self) -> Vec<usize> {
        self.selected
            .iter()
            .copied()
            .filter(|i| !self.excluded.iter().any(|e| e.pod == *i))
            .collect()
    }

    /// The backend of pod `pod` on any port, if it has one.
    pub fn backends_of(&self, pod: usize) -> impl Iterator<Item = (&PortEndpoints, &Backend)> {
        self.ports.iter().flat_map(move |p| {
            p.backends
                .iter()
                .filter(move |b| b.pod == Some(pod))
                .map(move |b| (p, b))
        })
    }
}

/// `ns/name` of a pod.
pub fn pod_display(pod: &Pod) -> String {
    format!("{}/{}", pod.namespace, pod.name)
}

/// The pods in the Service's namespace whose labels match its selector (sorted indexes).
/// Empty for a Service without a selector.
pub fn selected_pods(cluster: &Cluster, svc: &Service) -> Vec<usize> {
    match svc.selector() {
        Some(sel) => cluster.pods_matching(&svc.namespace, &sel),
        None => Vec::new(),
    }
}

/// The address the EndpointSlice controller lists for a pod: its first pod IP, or for a
/// hostNetwork pod (whose pod IP is the node IP) the host IP when the pod IP is not given.
pub fn pod_address(pod: &Pod) -> Option<IpAddr> {
    pod.ips
        .first()
        .copied()
        .or_else(|| pod.host_network.then_some(pod.host_ip).flatten())
}

/// Whether the pod's Ready condition counts as true (template-derived and status-less pods
/// are assumed ready).
pub fn pod_is_ready(pod: &Pod) -> bool {
    pod.ready || pod.derived || pod.assumed
}

/// Phase `Succeeded` or `Failed`: finished pods are never endpoints.
pub fn is_finished(pod: &Pod) -> bool {
    pod.phase == "Succeeded" || pod.phase == "Failed"
}

/// Why the EndpointSlice controller leaves a selected pod out of the endpoints altogether
/// (finished, or no IP yet), or None when it lists the pod. Template-derived and status-less
/// pods are listed without an IP.
pub fn exclusion(pod: &Pod) -> Option<Exclusion> {
    let phase = pod.phase.clone();
    if is_finished(pod) {
        Some(Exclusion::Terminal { phase })
    } else if pod_address(pod).is_none() && !(pod.derived || pod.assumed) {
        Some(Exclusion::NoIp { phase })
    } else {
        None
    }
}

/// Whether a listed pod is listed as ready: its Ready condition and not terminating, or
/// always when the Service sets `publishNotReadyAddresses`.
fn ready_when_listed(svc: &Service, pod: &Pod) -> bool {
    svc.publish_not_ready_addresses || (pod_is_ready(pod) && !pod.terminating)
}

/// Does this pod serve this Service: it is listed in the endpoints (not finished, has an IP
/// or is a template pod) and listed as ready, so kube-proxy sends it traffic. Selection and
/// `targetPort` resolution are the caller's concern ([`selected_pods`],
/// [`resolve_target_port`]).
pub fn pod_serves(svc: &Service, pod: &Pod) -> bool {
    exclusion(pod).is_none() && ready_when_listed(svc, pod)
}

/// The endpoints of a Service, as the EndpointSlice controller would write them (Service with
/// a selector) or as its EndpointSlices say (Service without a selector). See the module docs.
pub fn endpoints(cluster: &Cluster, svc: &Service) -> ServiceEndpoints {
    let mut out = ServiceEndpoints {
        namespace: svc.namespace.clone(),
        service: svc.name.clone(),
        source: EndpointSource::Selector,
        selected: Vec::new(),
        ports: svc
            .ports
            .iter()
            .map(|p| PortEndpoints {
                port: p.into(),
                backends: Vec::new(),
                unresolved: Vec::new(),
            })
            .collect(),
        excluded: Vec::new(),
    };
    if svc.type_ == ServiceType::ExternalName {
        out.source = EndpointSource::ExternalName;
        out.ports.clear();
        return out;
    }
    if svc.selector.is_none() {
        out.source = EndpointSource::Slices;
        from_slices(cluster, svc, &mut out);
        return out;
    }
    out.selected = selected_pods(cluster, svc);
    for &pi in &out.selected {
        let pod = &cluster.pods[pi];
        if let Some(reason) = exclusion(pod) {
            out.excluded.push(ExcludedPod {
                pod: pi,
                pod_name: pod_display(pod),
                reason,
            });
            continue;
        }
        let ip = pod_address(pod);
        let serving = pod_is_ready(pod);
        let ready = ready_when_listed(svc, pod);
        for (sp, pe) in svc.ports.iter().zip(out.ports.iter_mut()) {
            match resolve_target_port(pod, sp) {
                Ok(port) => pe.backends.push(Backend {
                    pod: Some(pi),
                    pod_name: Some(pod_display(pod)),
                    ip,
                    target_port: Some(port),
                    ready,
                    serving,
                    terminating: pod.terminating,
                }),
                Err(reason) => pe.unresolved.push(UnresolvedPort {
                    pod: pi,
                    pod_name: pod_display(pod),
                    reason,
                }),
            }
        }
    }
    out
}

/// A Service port matches a slice port by name (both unnamed, or the same name) and protocol.
fn slice_port_for<'a>(slice: &'a EndpointSlice, sp: &ServicePort) -> Option<&'a EndpointPort> {
    slice
        .ports
        .iter()
        .find(|p| p.name == sp.name && p.protocol == sp.protocol)
}

fn from_slices(cluster: &Cluster, svc: &Service, out: &mut ServiceEndpoints) {
    for slice in cluster.slices_of(&svc.namespace, &svc.name) {
        for (sp, pe) in svc.ports.iter().zip(out.ports.iter_mut()) {
            let Some(port) = slice_port_for(slice, sp) else {
                continue;
            };
            for ep in &slice.endpoints {
                let pod = ep
                    .pod
                    .as_ref()
                    .and_then(|(ns, name)| cluster.pod_index(ns, name));
                for addr in &ep.addresses {
                    let Ok(ip) = addr.parse::<IpAddr>() else {
                        continue;
                    };
                    pe.backends.push(Backend {
                        pod,
                        pod_name: ep.pod.as_ref().map(|(ns, n)| format!("{ns}/{n}")),
                        ip: Some(ip),
                        target_port: port.port,
                        ready: ep.ready,
                        serving: ep.serving,
                        terminating: ep.terminating,
                    });
                }
            }
        }
    }
}

/// The Services (in the pod's namespace) whose selector matches the pod.
pub fn services_selecting<'a>(cluster: &'a Cluster, pod: &Pod) -> Vec<&'a Service> {
    let mut out: Vec<&Service> = cluster
        .services
        .iter()
        .filter(|s| s.namespace == pod.namespace && s.type_ != ServiceType::ExternalName)
        .filter(|s| s.selector().is_some_and(|sel| sel.matches(&pod.labels)))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

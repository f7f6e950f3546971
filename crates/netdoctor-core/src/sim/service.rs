//! Services and their endpoints, as the EndpointSlice controller computes them.
//!
//! The entry points:
//! - [`endpoints`]: the endpoints of a Service computed from the model (for a Service with a
//!   selector), or read from its EndpointSlices (for a Service without one): per Service port
//!   the backends (pod, IP, target port, ready) and the pods left out, each with the reason.
//! - [`pod_not_ready_reason`]: why a pod is not ready, in plain words from its status.
//! - [`stale_slice_addresses`]: addresses in the snapshot's EndpointSlices that belong to pods
//!   that no longer exist or no longer match the selector (SVC009).
//! - [`resolve_target_port`]: one Service port's `targetPort` resolved against one pod.
//! - [`services_selecting`]: the Services whose selector matches a pod.
//!
//! What the controller does (pkg/controller/endpointslice and endpointutil in Kubernetes):
//! a pod is listed when its labels match the selector, it is in the Service's namespace, its
//! phase is not terminal (`Succeeded`/`Failed`) and it has an IP. `ready` is the pod's Ready
//! condition, never true while the pod is terminating, and always true when the Service sets
//! `publishNotReadyAddresses`. Terminating pods stay listed with `ready: false`,
//! `terminating: true` and `serving` = their Ready condition. A hostNetwork pod's IP is its
//! node's IP. Each Service port's `targetPort` is resolved per pod: a number is used as is; a
//! name is looked up among that pod's container ports with the Service port's protocol, and a
//! pod whose containers do not declare it is left out of that port.
//!
//! Pods derived from a workload template (and manifests without status) count as running and
//! ready; they have no IP yet, so their backends carry `ip: None`.

use crate::model::{
    Cluster, EndpointSlice, Labels, Pod, PortRef, Protocol, Service, ServicePort, ServiceType,
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

/// Resolves one Service port's `targetPort` for one pod: a number as is; a name among the
/// pod's container ports with the same protocol. `Err` says in words why the name does not
/// resolve (what the pod declares instead).
pub fn resolve_target_port(pod: &Pod, sp: &ServicePort) -> Result<u16, String> {
    match &sp.target_port {
        PortRef::Number(n) => Ok(*n),
        PortRef::Name(name) => {
            if let Some(p) = pod.resolve_named_port(name, sp.protocol) {
                return Ok(p);
            }
            if let Some(other) = pod
                .ports()
                .find(|p| p.name.as_deref() == Some(name.as_str()))
            {
                return Err(format!(
                    "declares {name} as {}/{}, not {}",
                    other.port, other.protocol, sp.protocol
                ));
            }
            Err(format!("declares {}", describe_ports(pod)))
        }
    }
}

/// `http-grpc:50051/TCP, metrics:9090/TCP`, or `no container ports`.
pub fn describe_ports(pod: &Pod) -> String {
    let ports: Vec<String> = pod
        .ports()
        .map(|p| match &p.name {
            Some(n) => format!("{n}:{}/{}", p.port, p.protocol),
            None => format!("{}/{}", p.port, p.protocol),
        })
        .collect();
    if ports.is_empty() {
        "no container ports".into()
    } else {
        format!("container ports {}", ports.join(", "))
    }
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
        let template = pod.derived || pod.assumed;
        if pod.phase == "Succeeded" || pod.phase == "Failed" {
            out.excluded.push(ExcludedPod {
                pod: pi,
                pod_name: pod_display(pod),
                reason: Exclusion::Terminal {
                    phase: pod.phase.clone(),
                },
            });
            continue;
        }
        let ip = pod_address(pod);
        if ip.is_none() && !template {
            out.excluded.push(ExcludedPod {
                pod: pi,
                pod_name: pod_display(pod),
                reason: Exclusion::NoIp {
                    phase: pod.phase.clone(),
                },
            });
            continue;
        }
        let serving = pod_is_ready(pod);
        let ready = svc.publish_not_ready_addresses || (serving && !pod.terminating);
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
fn slice_port_for<'a>(
    slice: &'a EndpointSlice,
    sp: &ServicePort,
) -> Option<&'a crate::model::EndpointPort> {
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

/// The Services (in the pod's namespace) whose selector misses the pod by one close label
/// (see [`label_near_miss`]), closest first: "why does this Service not select my pod".
pub fn services_nearly_selecting<'a>(
    cluster: &'a Cluster,
    pod: &Pod,
) -> Vec<(&'a Service, LabelMiss)> {
    let mut out: Vec<(&Service, LabelMiss, usize)> = cluster
        .services
        .iter()
        .filter(|s| s.namespace == pod.namespace && s.type_ != ServiceType::ExternalName)
        .filter_map(|s| {
            let sel = s.selector.as_ref()?;
            label_near_miss(sel, &pod.labels).map(|(m, score)| (s, m, score))
        })
        .collect();
    out.sort_by(|a, b| (a.2, &a.0.name).cmp(&(b.2, &b.0.name)));
    out.into_iter().map(|(s, m, _)| (s, m)).collect()
}

// ------------------------------------------------------------------ readiness reasons

fn probe_target(probe: &crate::load::api::Probe) -> String {
    use crate::load::api::IntOrString;
    let port = |p: &Option<IntOrString>| match p {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "?".into(),
    };
    if let Some(h) = &probe.http_get {
        format!(
            "httpGet {} on port {}",
            h.path.as_deref().unwrap_or("/"),
            port(&h.port)
        )
    } else if let Some(t) = &probe.tcp_socket {
        format!("tcpSocket on port {}", port(&t.port))
    } else if let Some(g) = &probe.grpc {
        format!("grpc on port {}", g.port)
    } else if probe.exec.is_some() {
        "exec command".into()
    } else {
        "probe".into()
    }
}

fn condition<'a>(pod: &'a Pod, type_: &str) -> Option<&'a crate::load::api::Condition> {
    pod.conditions.iter().find(|c| c.type_ == type_)
}

fn reason_message(reason: Option<&str>, message: Option<&str>) -> String {
    match (
        reason.filter(|s| !s.is_empty()),
        message.filter(|s| !s.is_empty()),
    ) {
        (Some(r), Some(m)) => format!("{r}: {m}"),
        (Some(r), None) => r.to_string(),
        (None, Some(m)) => m.to_string(),
        (None, None) => String::new(),
    }
}

fn with_detail(base: String, detail: String) -> String {
    if detail.is_empty() {
        base
    } else {
        format!("{base} ({detail})")
    }
}

/// Why a pod is not ready, in plain words from its status: CrashLoopBackOff with the restart
/// count and last exit code, a failing readiness probe (with its path/port), Pending and why
/// (unschedulable, image pull, containers being created), terminating, finished. A ready pod
/// gives "ready".
pub fn pod_not_ready_reason(pod: &Pod) -> String {
    if pod.terminating {
        return "terminating (deletionTimestamp is set): it no longer receives new connections"
            .into();
    }
    match pod.phase.as_str() {
        "Succeeded" => return "phase Succeeded: the pod has finished".into(),
        "Failed" => {
            return with_detail(
                "phase Failed".into(),
                reason_message(pod.status_reason.as_deref(), pod.status_message.as_deref()),
            )
        }
        _ => {}
    }
    if pod_is_ready(pod) {
        return "ready".into();
    }
    // A container that is waiting or crash-looping explains most cases, whatever the phase.
    for cs in pod
        .init_container_statuses
        .iter()
        .map(|c| (c, true))
        .chain(pod.container_statuses.iter().map(|c| (c, false)))
    {
        let (cs, init) = cs;
        let what = if init { "init container" } else { "container" };
        if let Some(w) = &cs.state.waiting {
            let reason = w.reason.as_deref().unwrap_or("");
            match reason {
                "CrashLoopBackOff" => {
                    let last = cs.last_state.terminated.as_ref();
                    let exit = match last {
                        Some(t) => format!(
                            ", last exit code {}{}",
                            t.exit_code.map(|c| c.to_string()).unwrap_or("?".into()),
                            t.reason
                                .as_deref()
                                .map(|r| format!(" ({r})"))
                                .unwrap_or_default()
                        ),
                        None => String::new(),
                    };
                    return format!(
                        "{what} {} is in CrashLoopBackOff: restarted {} times{exit}",
                        cs.name, cs.restart_count
                    );
                }
                "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" | "ErrImageNeverPull" => {
                    let image = cs
                        .image
                        .as_deref()
                        .map(|i| format!(" {i}"))
                        .unwrap_or_default();
                    return with_detail(
                        format!(
                            "{}{what} {} cannot pull its image{image} ({reason})",
                            if pod.phase == "Pending" {
                                "Pending: "
                            } else {
                                ""
                            },
                            cs.name
                        ),
                        w.message.clone().unwrap_or_default(),
                    );
                }
                "ContainerCreating" | "PodInitializing" => {
                    return format!(
                        "Pending: {what} {} is being created ({reason}); it has not started yet",
                        cs.name
                    );
                }
                "" => {}
                other => {
                    return with_detail(
                        format!("{what} {} is waiting ({other})", cs.name),
                        w.message.clone().unwrap_or_default(),
                    );
                }
            }
        }
        if init {
            if let Some(t) = &cs.state.terminated {
                if t.exit_code.unwrap_or(0) != 0 {
                    return format!(
                        "init container {} failed with exit code {}{}",
                        cs.name,
                        t.exit_code.unwrap_or_default(),
                        t.reason
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    );
                }
            }
            continue;
        }
        if let Some(t) = &cs.state.terminated {
            return format!(
                "container {} has terminated with exit code {}{} (restarted {} times)",
                cs.name,
                t.exit_code.map(|c| c.to_string()).unwrap_or("?".into()),
                t.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                cs.restart_count
            );
        }
        if cs.state.running.is_some() && !cs.ready {
            let probe = pod
                .containers
                .iter()
                .find(|c| c.name == cs.name)
                .and_then(|c| c.readiness_probe.as_ref());
            if cs.started == Some(false) {
                return format!(
                    "container {} is running but has not passed its startup probe yet (restarted {} times)",
                    cs.name, cs.restart_count
                );
            }
            return match probe {
                Some(p) => format!(
                    "container {} is running but failing its readiness probe ({}; restarted {} times)",
                    cs.name,
                    probe_target(p),
                    cs.restart_count
                ),
                None => format!(
                    "container {} is running but not ready (restarted {} times)",
                    cs.name, cs.restart_count
                ),
            };
        }
    }
    if pod.phase == "Pending" {
        if let Some(c) = condition(pod, "PodScheduled").filter(|c| c.status == "False") {
            return with_detail(
                "Pending: not scheduled to any node".into(),
                reason_message(c.reason.as_deref(), c.message.as_deref()),
            );
        }
        if pod.node_name.is_none() {
            return "Pending: not scheduled to any node yet".into();
        }
        return with_detail(
            "Pending: containers have not started".into(),
            reason_message(pod.status_reason.as_deref(), pod.status_message.as_deref()),
        );
    }
    if let Some(c) = condition(pod, "Ready").filter(|c| c.status != "True") {
        return with_detail(
            format!("phase {}, Ready condition {}", pod.phase, c.status),
            reason_message(c.reason.as_deref(), c.message.as_deref()),
        );
    }
    format!("phase {}, not ready", pod.phase)
}

// ------------------------------------------------------------------ stale slices

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
                                labels: crate::model::format_labels(&p.labels),
                            })
                        }
                        Some(p) if p.phase == "Succeeded" || p.phase == "Failed" => {
                            Some(Staleness::PodFinished {
                                pod: pod_display(p),
                                phase: p.phase.clone(),
                            })
                        }
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

// ------------------------------------------------------------------ selector near-misses

/// How a set of labels misses a selector by exactly one label (see [`label_near_miss`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LabelMiss {
    /// The key is there with another value.
    Value {
        key: String,
        want: String,
        have: String,
    },
    /// The value is there under another key.
    Key {
        want: String,
        have: String,
        value: String,
    },
    /// The key is absent (only for selectors of two labels or more).
    Missing { key: String, want: String },
}

impl LabelMiss {
    /// `has app=payments instead of app=payment`.
    pub fn describe(&self) -> String {
        match self {
            LabelMiss::Value { key, want, have } => {
                format!("has {key}={have} instead of {key}={want}")
            }
            LabelMiss::Key { want, have, value } => {
                format!("has {have}={value} but not {want}={value} (the key differs)")
            }
            LabelMiss::Missing { key, want } => {
                format!("matches every other label but has no {key} label (selector wants {key}={want})")
            }
        }
    }
}

/// Keys that name the same thing in common labelling conventions.
fn similar_keys(a: &str, b: &str) -> bool {
    let base = |k: &str| -> String {
        let k = k.rsplit('/').next().unwrap_or(k);
        match k {
            "app" | "k8s-app" | "name" => "name".into(),
            other => other.to_string(),
        }
    };
    base(a) == base(b) || edit_distance(a, b) <= 2
}

fn value_close(want: &str, have: &str) -> Option<usize> {
    let d = edit_distance(want, have);
    let longest = want.chars().count().max(have.chars().count());
    let prefix =
        !want.is_empty() && !have.is_empty() && (want.contains(have) || have.contains(want));
    (d <= 2.max(longest / 3) || prefix).then_some(d)
}

/// The one way `labels` fails a map selector, with a closeness score (lower is closer), when
/// it fails in one label only and that label is close: the value differs by a small edit
/// (`payment` vs `payments`; any value when the selector has other labels that match), the
/// value is there under another key (`app` vs `app.kubernetes.io/name`), or, for a selector
/// of two labels or more, one key is missing. `None` when it matches or misses by more.
pub fn label_near_miss(selector: &Labels, labels: &Labels) -> Option<(LabelMiss, usize)> {
    let mut miss = None;
    for (k, v) in selector {
        if labels.get(k) == Some(v) {
            continue;
        }
        if miss.is_some() {
            return None;
        }
        let m = if let Some(have) = labels.get(k) {
            match value_close(v, have) {
                Some(d) => (
                    LabelMiss::Value {
                        key: k.clone(),
                        want: v.clone(),
                        have: have.clone(),
                    },
                    d,
                ),
                // A different value in a multi-label selector where the rest matches.
                None if selector.len() > 1 => (
                    LabelMiss::Value {
                        key: k.clone(),
                        want: v.clone(),
                        have: have.clone(),
                    },
                    20 + edit_distance(v, have),
                ),
                None => return None,
            }
        } else if let Some((k2, _)) = labels
            .iter()
            .filter(|(k2, v2)| *v2 == v && !selector.contains_key(*k2))
            .min_by_key(|(k2, _)| (!similar_keys(k, k2), edit_distance(k, k2)))
        {
            let score = if similar_keys(k, k2) { 1 } else { 6 };
            (
                LabelMiss::Key {
                    want: k.clone(),
                    have: k2.clone(),
                    value: v.clone(),
                },
                score,
            )
        } else if selector.len() > 1 {
            (
                LabelMiss::Missing {
                    key: k.clone(),
                    want: v.clone(),
                },
                10,
            )
        } else {
            return None;
        };
        miss = Some(m);
    }
    miss
}

/// Levenshtein distance (characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;

//! Why a Service does (or does not) serve a pod, as `doctor` shows it: for a Service its
//! selected pods with readiness and resolved ports, its endpoints and slices; for a pod the
//! Services that select it, whether it is in their endpoints and why not, and the Services
//! that miss it by one label.

use super::{
    endpoints, pod_address, pod_is_ready, pod_not_ready_reason, pod_serves, resolve_target_port,
    services_nearly_selecting, services_selecting, stale_slice_addresses, ServiceEndpoints,
    ServicePortInfo, StaleAddress,
};
use crate::model::{format_labels, Cluster, EndpointSlice, Pod, Service};
use serde::Serialize;

/// One selected pod as the Service sees it.
#[derive(Debug, Serialize)]
pub struct SelectedPod {
    pub name: String,
    /// `ns/name[Kind]`.
    pub workload: String,
    pub phase: String,
    pub ip: Option<String>,
    pub node: Option<String>,
    /// Ready as an endpoint of this Service (publishNotReadyAddresses counts).
    pub ready: bool,
    /// "ready", or why not in plain words.
    pub status: String,
    /// Per Service port: the resolved target port, or why it does not resolve.
    pub ports: Vec<ResolvedPort>,
    /// Derived from a workload template (the input had no pods for it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub template: bool,
}

#[derive(Debug, Serialize)]
pub struct ResolvedPort {
    pub port: ServicePortInfo,
    pub target_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One EndpointSlice of the snapshot, summarised.
#[derive(Debug, Serialize)]
pub struct SliceSummary {
    pub name: String,
    pub legacy: bool,
    pub ports: Vec<String>,
    pub addresses: Vec<SliceAddress>,
}

#[derive(Debug, Serialize)]
pub struct SliceAddress {
    pub address: String,
    pub ready: bool,
    pub pod: Option<String>,
}

/// `doctor NS/service/NAME`.
#[derive(Debug, Serialize)]
pub struct ServiceReport {
    pub namespace: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub cluster_ips: Vec<String>,
    pub headless: bool,
    /// `app=web` (kubectl syntax), or null for a Service without selector.
    pub selector: Option<String>,
    pub external_name: Option<String>,
    pub publish_not_ready_addresses: bool,
    pub ports: Vec<ServicePortInfo>,
    pub pods: Vec<SelectedPod>,
    /// The endpoints as the EndpointSlice controller computes them from the pods.
    pub endpoints: ServiceEndpoints,
    /// The EndpointSlices in the input.
    pub slices: Vec<SliceSummary>,
    pub stale: Vec<StaleAddress>,
}

/// One Service that selects the pod, for `doctor NS/POD`.
#[derive(Debug, Serialize)]
pub struct PodService {
    /// `ns/name`.
    pub service: String,
    pub selector: String,
    /// The pod is listed in the Service's endpoints (on at least one port).
    pub in_endpoints: bool,
    /// It is listed as ready (receives traffic).
    pub ready: bool,
    pub ports: Vec<ResolvedPort>,
    /// Why the pod gets no traffic from this Service; null when it does.
    pub why_not: Option<String>,
}

/// The pod part of `doctor NS/POD`.
#[derive(Debug, Serialize)]
pub struct PodSummary {
    pub namespace: String,
    pub name: String,
    pub workload: Option<String>,
    pub phase: String,
    pub ip: Option<String>,
    pub node: Option<String>,
    pub ready: bool,
    pub status: String,
    pub labels: String,
    /// Derived from a workload's template (the input has no such pod): `phase`, `ip` and
    /// `node` describe nothing real, and `status` says so.
    pub derived: bool,
}

/// A Service that would select the pod but for one label.
#[derive(Debug, Serialize)]
pub struct NearMissService {
    /// `ns/name`.
    pub service: String,
    pub selector: String,
    /// `has app=payments instead of app=payment`.
    pub differs: String,
}

/// Each Service port's `targetPort` for this pod, or why it does not resolve.
fn resolved_ports(svc: &Service, pod: &Pod) -> Vec<ResolvedPort> {
    svc.ports
        .iter()
        .map(|sp| match resolve_target_port(pod, sp) {
            Ok(p) => ResolvedPort {
                port: sp.into(),
                target_port: Some(p),
                error: None,
            },
            Err(e) => ResolvedPort {
                port: sp.into(),
                target_port: None,
                error: Some(format!(
                    "targetPort {} does not resolve: the pod {e}",
                    sp.target_port
                )),
            },
        })
        .collect()
}

/// `doctor NS/service/NAME`: the Service, its selected pods, endpoints, slices and stale
/// addresses.
pub fn service_report(cluster: &Cluster, svc: &Service) -> ServiceReport {
    let ep = endpoints(cluster, svc);
    let pods = ep
        .selected
        .iter()
        .map(|&i| selected_pod(svc, &cluster.pods[i]))
        .collect();
    let slices = cluster
        .slices_of(&svc.namespace, &svc.name)
        .map(slice_summary)
        .collect();
    ServiceReport {
        namespace: svc.namespace.clone(),
        name: svc.name.clone(),
        type_: svc.type_.as_str().to_string(),
        cluster_ips: svc.cluster_ips.iter().map(|i| i.to_string()).collect(),
        headless: svc.headless,
        selector: svc.selector().map(|s| s.to_string()),
        external_name: svc.external_name.clone(),
        publish_not_ready_addresses: svc.publish_not_ready_addresses,
        ports: svc.ports.iter().map(ServicePortInfo::from).collect(),
        pods,
        stale: stale_slice_addresses(cluster, svc),
        endpoints: ep,
        slices,
    }
}

fn selected_pod(svc: &Service, pod: &Pod) -> SelectedPod {
    let ready = pod_serves(svc, pod);
    SelectedPod {
        name: pod.name.clone(),
        workload: pod.group(),
        phase: pod.phase.clone(),
        ip: pod_address(pod).map(|i| i.to_string()),
        node: pod.node_name.clone(),
        ready,
        status: if ready && !pod_is_ready(pod) {
            format!(
                "published although not ready (publishNotReadyAddresses): {}",
                pod_not_ready_reason(pod)
            )
        } else {
            pod_not_ready_reason(pod)
        },
        ports: resolved_ports(svc, pod),
        template: pod.derived,
    }
}

fn slice_summary(s: &EndpointSlice) -> SliceSummary {
    SliceSummary {
        name: s.name.clone(),
        legacy: s.legacy,
        ports: s
            .ports
            .iter()
            .map(|p| {
                format!(
                    "{}{}/{}",
                    p.name
                        .as_deref()
                        .map(|n| format!("{n} "))
                        .unwrap_or_default(),
                    p.port.map(|n| n.to_string()).unwrap_or("*".into()),
                    p.protocol
                )
            })
            .collect(),
        addresses: s
            .endpoints
            .iter()
            .flat_map(|e| {
                e.addresses.iter().map(move |a| SliceAddress {
                    address: a.clone(),
                    ready: e.ready,
                    pod: e.pod.as_ref().map(|(ns, n)| format!("{ns}/{n}")),
                })
            })
            .collect(),
    }
}

/// The Services that select the pod, and whether (and why not) it gets their traffic.
pub fn pod_services(
    cluster: &Cluster,
    pod_index: usize,
) -> (PodSummary, Vec<PodService>, Vec<NearMissService>) {
    let pod = &cluster.pods[pod_index];
    let services = services_selecting(cluster, pod)
        .into_iter()
        .map(|svc| pod_service(cluster, svc, pod_index))
        .collect();
    let near = services_nearly_selecting(cluster, pod)
        .into_iter()
        .map(|(svc, miss)| NearMissService {
            service: format!("{}/{}", svc.namespace, svc.name),
            selector: svc.selector().map(|s| s.to_string()).unwrap_or_default(),
            differs: format!("the pod {}", miss.describe()),
        })
        .collect();
    (pod_summary(pod), services, near)
}

fn pod_summary(pod: &Pod) -> PodSummary {
    if pod.derived {
        let from = pod
            .owner
            .as_ref()
            .map(|o| format!("{} {}/{}", o.kind, pod.namespace, o.name))
            .unwrap_or_else(|| "a workload".into());
        return PodSummary {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
            workload: pod.owner.as_ref().map(|_| pod.group()),
            phase: "not created yet".into(),
            ip: None,
            node: None,
            ready: pod_is_ready(pod),
            status: format!(
                "not created yet: derived from {from}'s template (the input has no such pod), so it has no IP and no node"
            ),
            labels: format_labels(&pod.labels),
            derived: true,
        };
    }
    PodSummary {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
        workload: pod.owner.as_ref().map(|_| pod.group()),
        phase: pod.phase.clone(),
        ip: pod_address(pod).map(|i| i.to_string()),
        node: pod.node_name.clone(),
        ready: pod_is_ready(pod),
        status: pod_not_ready_reason(pod),
        labels: format_labels(&pod.labels),
        derived: false,
    }
}

/// One Service that selects the pod: is the pod in its endpoints, ready, and if not, why.
fn pod_service(cluster: &Cluster, svc: &Service, pod_index: usize) -> PodService {
    let pod = &cluster.pods[pod_index];
    let ep = endpoints(cluster, svc);
    let listed = ep.backends_of(pod_index).next().is_some();
    let ready = ep.backends_of(pod_index).any(|(_, b)| b.ready);
    let ports = resolved_ports(svc, pod);
    let why_not = if ready {
        left_out_ports(&ports)
    } else if let Some(e) = ep.excluded.iter().find(|e| e.pod == pod_index) {
        Some(format!("not an endpoint: {}", e.reason))
    } else if !listed {
        Some(format!(
            "not in any port of the endpoints: {}",
            ports
                .iter()
                .filter_map(|p| p.error.clone())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    } else {
        Some(format!(
            "listed as not ready, receives no traffic: {}",
            pod_not_ready_reason(pod)
        ))
    };
    PodService {
        service: format!("{}/{}", svc.namespace, svc.name),
        selector: svc.selector().map(|s| s.to_string()).unwrap_or_default(),
        in_endpoints: listed,
        ready,
        ports,
        why_not,
    }
}

/// A ready pod can still be left out of the ports whose named `targetPort` it lacks.
fn left_out_ports(ports: &[ResolvedPort]) -> Option<String> {
    let unresolved: Vec<String> = ports
        .iter()
        .filter_map(|p| p.error.as_ref().map(|e| format!("port {}: {e}", p.port)))
        .collect();
    (!unresolved.is_empty()).then(|| {
        format!(
            "ready, but left out of some ports: {}",
            unresolved.join("; ")
        )
    })
}

//! The Service part of `doctor`: `doctor NS/service/NAME` (selector, selected pods with
//! readiness and resolved ports, endpoints, slices) and, for `doctor NS/POD`, which Services
//! select the pod, whether it is in their endpoints and why not.
//!
//! JSON: the doctor report (`findings`, `summary`) plus `service` or `pod` + `services`.

use crate::output::{findings_markdown, findings_table, style, to_json, to_yaml, OutputFormat};
use crate::CliError;
use netdoctor_core::model::{format_labels, Cluster, Pod, Service};
use netdoctor_core::sim::pod_report::{Flow, PodNetwork};
use netdoctor_core::sim::service::{
    endpoints, pod_address, pod_not_ready_reason, resolve_target_port, services_nearly_selecting,
    services_selecting, stale_slice_addresses, EndpointSource, ServiceEndpoints, ServicePortInfo,
    StaleAddress,
};
use netdoctor_core::{Finding, Summary};
use serde::Serialize;
use std::fmt::Write as _;

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
}

#[derive(Serialize)]
struct ServiceJson<'a> {
    findings: &'a [Finding],
    summary: Summary,
    service: &'a ServiceReport,
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

#[derive(Serialize)]
struct PodJson<'a> {
    findings: &'a [Finding],
    summary: Summary,
    pod: &'a PodSummary,
    services: &'a [PodService],
    near_miss_services: &'a [NearMissService],
    network: &'a PodNetwork,
}

fn ready_for(svc: &Service, pod: &Pod) -> bool {
    let terminal = pod.phase == "Succeeded" || pod.phase == "Failed";
    let has_ip = pod_address(pod).is_some() || pod.derived || pod.assumed;
    !terminal
        && has_ip
        && (svc.publish_not_ready_addresses
            || ((pod.ready || pod.derived || pod.assumed) && !pod.terminating))
}

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

fn workload_of(pod: &Pod) -> String {
    pod.group()
}

pub fn service_report(cluster: &Cluster, svc: &Service) -> ServiceReport {
    let ep = endpoints(cluster, svc);
    let pods = ep
        .selected
        .iter()
        .map(|&i| {
            let pod = &cluster.pods[i];
            let ready = ready_for(svc, pod);
            SelectedPod {
                name: pod.name.clone(),
                workload: workload_of(pod),
                phase: pod.phase.clone(),
                ip: pod_address(pod).map(|i| i.to_string()),
                node: pod.node_name.clone(),
                ready,
                status: if ready && !(pod.ready || pod.derived || pod.assumed) {
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
        })
        .collect();
    let slices = cluster
        .slices_of(&svc.namespace, &svc.name)
        .map(|s| SliceSummary {
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
        })
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

/// The Services that select the pod, and whether (and why not) it gets their traffic.
pub fn pod_services(
    cluster: &Cluster,
    pod_index: usize,
) -> (PodSummary, Vec<PodService>, Vec<NearMissService>) {
    let pod = &cluster.pods[pod_index];
    let summary = PodSummary {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
        workload: pod.owner.as_ref().map(|_| pod.group()),
        phase: pod.phase.clone(),
        ip: pod_address(pod).map(|i| i.to_string()),
        node: pod.node_name.clone(),
        ready: pod.ready || pod.derived || pod.assumed,
        status: pod_not_ready_reason(pod),
        labels: format_labels(&pod.labels),
    };
    let services = services_selecting(cluster, pod)
        .into_iter()
        .map(|svc| {
            let ep = endpoints(cluster, svc);
            let listed = ep.backends_of(pod_index).next().is_some();
            let ready = ep.backends_of(pod_index).any(|(_, b)| b.ready);
            let ports = resolved_ports(svc, pod);
            let excluded = ep.excluded.iter().find(|e| e.pod == pod_index);
            let why_not = if ready {
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
            } else if let Some(e) = excluded {
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
        })
        .collect();
    let near = services_nearly_selecting(cluster, pod)
        .into_iter()
        .map(|(svc, miss)| NearMissService {
            service: format!("{}/{}", svc.namespace, svc.name),
            selector: svc.selector().map(|s| s.to_string()).unwrap_or_default(),
            differs: format!("the pod {}", miss.describe()),
        })
        .collect();
    (summary, services, near)
}

fn service_text(r: &ServiceReport) -> String {
    let mut s = String::new();
    let ips = if r.headless {
        "headless".to_string()
    } else if r.cluster_ips.is_empty() {
        "no ClusterIP".to_string()
    } else {
        r.cluster_ips.join(", ")
    };
    let _ = writeln!(
        s,
        "{} {}/{} ({}, {ips})",
        style::paint(style::BOLD, "Service"),
        r.namespace,
        r.name,
        r.type_
    );
    if let Some(x) = &r.external_name {
        let _ = writeln!(s, "  externalName: {x} (a DNS alias: no endpoints)");
    }
    if r.external_name.is_none() {
        let _ = writeln!(
            s,
            "  selector:  {}",
            r.selector.as_deref().unwrap_or(
                "none (endpoints come from EndpointSlices written by hand or by another controller)"
            )
        );
    }
    if r.publish_not_ready_addresses {
        let _ = writeln!(
            s,
            "  publishNotReadyAddresses: true (not-ready pods receive traffic)"
        );
    }
    let ports: Vec<String> = r.ports.iter().map(|p| p.to_string()).collect();
    let _ = writeln!(
        s,
        "  ports:     {}",
        if ports.is_empty() {
            "none".into()
        } else {
            ports.join(", ")
        }
    );
    if r.endpoints.source == EndpointSource::Selector {
        if r.pods.is_empty() {
            let _ = writeln!(s, "  pods:      none match the selector");
        } else {
            let ready = r.pods.iter().filter(|p| p.ready).count();
            let _ = writeln!(s, "  pods:      {} selected, {ready} ready", r.pods.len());
            for p in &r.pods {
                let mark = if p.ready {
                    style::paint(style::GOOD, "ready    ")
                } else {
                    style::paint(style::ERROR, "not ready")
                };
                let ports: Vec<String> = p
                    .ports
                    .iter()
                    .map(|rp| match rp.target_port {
                        Some(t) => format!("{} → {t}", rp.port.target_port),
                        None => format!("{} → unresolved", rp.port.target_port),
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "    {mark} {}{}  {}  {}  [{}]",
                    p.name,
                    if p.template { " (template)" } else { "" },
                    p.ip.as_deref().unwrap_or("-"),
                    p.node.as_deref().unwrap_or("-"),
                    ports.join(", ")
                );
                if !p.ready || p.status.starts_with("published") {
                    let _ = writeln!(s, "              {}", p.status);
                }
                for rp in p.ports.iter().filter_map(|rp| rp.error.as_ref()) {
                    let _ = writeln!(s, "              {rp}");
                }
            }
        }
    }
    if r.endpoints.source != EndpointSource::ExternalName {
        let _ = writeln!(s, "  endpoints:");
        for pe in &r.endpoints.ports {
            let addrs: Vec<String> = pe
                .backends
                .iter()
                .map(|b| {
                    let addr = match (b.ip, b.target_port) {
                        (Some(ip), Some(p)) => format!("{ip}:{p}"),
                        (None, Some(p)) => format!("<template>:{p}"),
                        (Some(ip), None) => ip.to_string(),
                        (None, None) => "?".into(),
                    };
                    if b.ready {
                        addr
                    } else {
                        format!("{addr} (not ready)")
                    }
                })
                .collect();
            let _ = writeln!(
                s,
                "    {}: {}",
                pe.port,
                if addrs.is_empty() {
                    style::paint(style::ERROR, "none")
                } else {
                    format!(
                        "{} ready of {}: {}",
                        pe.ready_count(),
                        addrs.len(),
                        addrs.join(", ")
                    )
                }
            );
        }
        for e in &r.endpoints.excluded {
            let _ = writeln!(s, "    left out: {} ({})", e.pod_name, e.reason);
        }
        if r.slices.is_empty() {
            let _ = writeln!(s, "  slices:    none in the input");
        } else {
            for sl in &r.slices {
                let addrs: Vec<String> = sl
                    .addresses
                    .iter()
                    .map(|a| {
                        if a.ready {
                            a.address.clone()
                        } else {
                            format!("{} (not ready)", a.address)
                        }
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "  slice {}{}: ports [{}], addresses [{}]",
                    sl.name,
                    if sl.legacy { " (Endpoints)" } else { "" },
                    sl.ports.join(", "),
                    addrs.join(", ")
                );
            }
        }
    }
    s.push('\n');
    s
}

fn pod_text(p: &PodSummary, services: &[PodService], near: &[NearMissService]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}/{} ({}, {} on {}{})",
        style::paint(style::BOLD, "Pod"),
        p.namespace,
        p.name,
        p.phase,
        p.ip.as_deref().unwrap_or("no IP"),
        p.node.as_deref().unwrap_or("no node"),
        p.workload
            .as_deref()
            .map(|w| format!(", {w}"))
            .unwrap_or_default()
    );
    let _ = writeln!(s, "  status:   {}", p.status);
    let _ = writeln!(s, "  labels:   {}", p.labels);
    if services.is_empty() {
        let _ = writeln!(s, "  services: no Service selects this pod");
    } else {
        let _ = writeln!(s, "  services selecting it:");
        for svc in services {
            let state = if svc.ready {
                style::paint(style::GOOD, "receives traffic")
            } else if svc.in_endpoints {
                style::paint(style::ERROR, "listed, not ready")
            } else {
                style::paint(style::ERROR, "not an endpoint")
            };
            let _ = writeln!(s, "    {} ({}): {state}", svc.service, svc.selector);
            if let Some(w) = &svc.why_not {
                let _ = writeln!(s, "      {w}");
            }
        }
    }
    for n in near {
        let _ = writeln!(
            s,
            "  {} {} selects {}, which misses this pod by one label: {}",
            style::paint(style::WARNING, "near miss:"),
            n.service,
            n.selector,
            n.differs
        );
    }
    s.push('\n');
    s
}

/// Renders the Service report and its findings.
pub fn render_service(
    format: OutputFormat,
    report: &ServiceReport,
    findings: &[Finding],
) -> Result<String, CliError> {
    let json = ServiceJson {
        findings,
        summary: Summary::of(findings),
        service: report,
    };
    match format {
        OutputFormat::Json => to_json(&json),
        OutputFormat::Yaml => to_yaml(&json),
        OutputFormat::Md => Ok(format!(
            "```\n{}```\n\n{}",
            style_free(&service_text(report)),
            findings_markdown(findings)
        )),
        OutputFormat::Table | OutputFormat::Txt => Ok(format!(
            "{}{}",
            service_text(report),
            findings_table(findings)
        )),
        other => Err(other.unsupported("doctor NS/service/NAME")),
    }
}

/// Renders the pod's Service section and the findings.
pub fn render_pod(
    format: OutputFormat,
    pod: &PodSummary,
    services: &[PodService],
    near: &[NearMissService],
    network: &PodNetwork,
    findings: &[Finding],
) -> Result<String, CliError> {
    let json = PodJson {
        findings,
        summary: Summary::of(findings),
        pod,
        services,
        near_miss_services: near,
        network,
    };
    match format {
        OutputFormat::Json => to_json(&json),
        OutputFormat::Yaml => to_yaml(&json),
        OutputFormat::Md => Ok(format!(
            "```\n{}```\n\n{}",
            style_free(&(pod_text(pod, services, near) + &network_text(network))),
            findings_markdown(findings)
        )),
        OutputFormat::Table | OutputFormat::Txt => Ok(format!(
            "{}{}",
            pod_text(pod, services, near) + &network_text(network),
            findings_table(findings)
        )),
        other => Err(other.unsupported("doctor NS/POD")),
    }
}

fn style_free(s: &str) -> String {
    style::plain(s)
}

/// The network half of the emergency report: addresses, resolv.conf, DNS health, policies
/// both ways, and the flows NetworkPolicy allows to and from the pod's workload.
fn network_text(n: &PodNetwork) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  network:  IPs {}{}{}",
        if n.ips.is_empty() {
            "none".to_string()
        } else {
            n.ips.join(", ")
        },
        n.host_ip
            .as_deref()
            .map(|h| format!(", node {h}"))
            .unwrap_or_default(),
        if n.host_network { " (hostNetwork)" } else { "" }
    );
    let rc = &n.resolv_conf;
    let _ = writeln!(
        s,
        "  resolv.conf ({}): nameserver {}; search {}; ndots:{}",
        rc.dns_policy,
        rc.nameservers.join(" "),
        if rc.search.is_empty() {
            "-".to_string()
        } else {
            rc.search.join(" ")
        },
        rc.ndots
    );
    for note in &rc.notes {
        let _ = writeln!(s, "    {note}");
    }
    let dns_state = if n.dns.ready_pods == 0 {
        style::paint(style::ERROR, "cluster DNS has no ready pod")
    } else if !n.dns.reachable_from_pod {
        style::paint(
            style::ERROR,
            "cluster DNS is blocked by this pod's egress policy",
        )
    } else {
        style::paint(style::GOOD, "cluster DNS reachable")
    };
    let _ = writeln!(
        s,
        "  dns:      {dns_state} ({}/{} DNS pods ready); kubernetes.default → {}",
        n.dns.ready_pods, n.dns.pods, n.dns.kubernetes_default
    );
    let list = |v: &[String]| {
        if v.is_empty() {
            "none (not isolated)".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        s,
        "  policies: ingress {}; egress {}",
        list(&n.ingress_policies),
        list(&n.egress_policies)
    );
    let flows = |v: &[Flow]| {
        if v.is_empty() {
            return " nothing".to_string();
        }
        v.iter()
            .map(|f| format!("\n    {} ({})", f.peer, f.conn))
            .collect::<String>()
    };
    let _ = writeln!(s, "  can reach:{}", flows(&n.can_reach));
    let _ = writeln!(s, "  reachable from:{}", flows(&n.reachable_from));
    s.push('\n');
    s
}

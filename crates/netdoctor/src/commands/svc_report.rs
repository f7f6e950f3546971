//! Rendering the Service part of `doctor`: `doctor NS/service/NAME` (selector, selected pods
//! with readiness and resolved ports, endpoints, slices) and, for `doctor NS/POD`, which
//! Services select the pod, whether it is in their endpoints and why not. The analysis is
//! `sim::service::{service_report, pod_services}`.
//!
//! JSON: the doctor report (`findings`, `summary`) plus `service` or `pod` + `services`.

use crate::output::{
    findings_markdown, findings_table, style, suppressed_line, to_json, to_yaml, DocumentMeta,
    OutputFormat,
};
use crate::CliError;
use netdoctor_core::rules::SuppressedCounts;
use netdoctor_core::sim::pod_report::{Flow, PodNetwork};
use netdoctor_core::sim::service::{
    EndpointSource, NearMissService, PodService, PodSummary, ServiceReport,
};
use netdoctor_core::text::escape::markdown_fence;
use netdoctor_core::{Finding, Summary};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct ServiceJson<'a> {
    findings: &'a [Finding],
    summary: Summary,
    service: &'a ServiceReport,
    suppressed: SuppressedCounts,
    #[serde(flatten)]
    meta: &'a DocumentMeta,
}

#[derive(Serialize)]
struct PodJson<'a> {
    findings: &'a [Finding],
    summary: Summary,
    pod: &'a PodSummary,
    services: &'a [PodService],
    near_miss_services: &'a [NearMissService],
    network: &'a PodNetwork,
    suppressed: SuppressedCounts,
    #[serde(flatten)]
    meta: &'a DocumentMeta,
}

/// What every findings output adds: the suppressed counts and the document's metadata.
pub struct Extras<'a> {
    pub suppressed: SuppressedCounts,
    pub meta: &'a DocumentMeta,
}

/// `doctor NS/service/NAME` as text: the Service's head, its selected pods, its endpoints
/// and slices.
fn service_text(r: &ServiceReport) -> String {
    let mut s = String::new();
    service_head(&mut s, r);
    if r.endpoints.source == EndpointSource::Selector {
        selected_pods_text(&mut s, r);
    }
    if r.endpoints.source != EndpointSource::ExternalName {
        endpoints_text(&mut s, r);
        slices_text(&mut s, r);
    }
    s.push('\n');
    s
}

/// Type, addresses, selector (or external name), publishNotReadyAddresses, ports.
fn service_head(s: &mut String, r: &ServiceReport) {
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
}

/// The pods the selector matches, each with readiness, address, node and resolved ports.
fn selected_pods_text(s: &mut String, r: &ServiceReport) {
    if r.pods.is_empty() {
        let _ = writeln!(s, "  pods:      none match the selector");
        return;
    }
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

/// Per Service port the backend addresses, then the pods left out.
fn endpoints_text(s: &mut String, r: &ServiceReport) {
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
}

/// The EndpointSlices (and Endpoints) of the input, as they are.
fn slices_text(s: &mut String, r: &ServiceReport) {
    if r.slices.is_empty() {
        let _ = writeln!(s, "  slices:    none in the input");
        return;
    }
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

fn pod_text(p: &PodSummary, services: &[PodService], near: &[NearMissService]) -> String {
    let mut s = String::new();
    if p.derived {
        let _ = writeln!(
            s,
            "{} {}/{} ({})",
            style::paint(style::BOLD, "Pod"),
            p.namespace,
            p.name,
            p.status
        );
    } else {
        pod_heading(&mut s, p);
    }
    pod_body(&mut s, p, services, near);
    s
}

fn pod_heading(s: &mut String, p: &PodSummary) {
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
}

fn pod_body(s: &mut String, p: &PodSummary, services: &[PodService], near: &[NearMissService]) {
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
}

/// Renders the Service report and its findings.
pub fn render_service(
    format: OutputFormat,
    report: &ServiceReport,
    findings: &[Finding],
    extras: &Extras<'_>,
) -> Result<String, CliError> {
    let json = ServiceJson {
        findings,
        summary: Summary::of(findings),
        service: report,
        suppressed: extras.suppressed,
        meta: extras.meta,
    };
    let tail = suppressed_line(&extras.suppressed);
    match format {
        OutputFormat::Json => to_json(&json),
        OutputFormat::Yaml => to_yaml(&json),
        OutputFormat::Md => Ok(format!(
            "{}\n\n{}{tail}",
            md_block(&service_text(report)),
            findings_markdown(findings)
        )),
        OutputFormat::Table | OutputFormat::Txt => Ok(format!(
            "{}{}{tail}",
            service_text(report),
            findings_table(findings)
        )),
        other => Err(other.unsupported("doctor NS/service/NAME")),
    }
}

/// A human section as a fenced block that its text (names from the input) cannot close.
fn md_block(text: &str) -> String {
    let plain = style_free(text);
    markdown_fence("", plain.strip_suffix('\n').unwrap_or(&plain))
}

/// Renders the pod's Service section and the findings.
pub fn render_pod(
    format: OutputFormat,
    pod: &PodSummary,
    services: &[PodService],
    near: &[NearMissService],
    network: &PodNetwork,
    findings: &[Finding],
    extras: &Extras<'_>,
) -> Result<String, CliError> {
    let json = PodJson {
        findings,
        summary: Summary::of(findings),
        pod,
        services,
        near_miss_services: near,
        network,
        suppressed: extras.suppressed,
        meta: extras.meta,
    };
    let tail = suppressed_line(&extras.suppressed);
    match format {
        OutputFormat::Json => to_json(&json),
        OutputFormat::Yaml => to_yaml(&json),
        OutputFormat::Md => Ok(format!(
            "{}\n\n{}{tail}",
            md_block(&(pod_text(pod, services, near) + &network_text(network))),
            findings_markdown(findings)
        )),
        OutputFormat::Table | OutputFormat::Txt => Ok(format!(
            "{}{}{tail}",
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
    if !n.cluster_policies.is_empty() {
        let _ = writeln!(
            s,
            "  cluster policies (in evaluation order): {}",
            n.cluster_policies.join(", ")
        );
    }
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

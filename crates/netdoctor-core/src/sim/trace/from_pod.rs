//! From a pod: the name through DNS, then a Service (its port, its endpoints) or pods
//! directly, or an address outside the cluster.

use super::dns_hop::resolve_name;
use super::policy_hops::to_pods;
use super::target::{classify_ip, Destination};
use super::to_outside;
use super::{Builder, FindingFix, HopFailure, Source, Target, Trace};
use crate::model::{PortRef, Protocol, Service, ServicePort, ServiceType};
use crate::sim::fix::Fix;
use crate::sim::path::Symptom;
use crate::sim::service::{self, PortEndpoints, ServiceEndpoints};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub(super) fn from_pod(mut b: Builder<'_>, pod: usize, target: &Target) -> Trace {
    let dst = match target.ip() {
        Some(ip) => {
            b.skip("dns", format!("{ip} is an address: no lookup"));
            classify_ip(b.cluster, ip)
        }
        None => match resolve_name(&mut b, pod, target) {
            Ok(d) => d,
            Err((step, detail, symptom, fix)) => return b.fail(step, detail, symptom, fix),
        },
    };
    match dst {
        Destination::Service(svc, ip) => to_service(b, pod, svc, ip, target),
        Destination::Pods(pods, ip) => {
            b.skip(
                "service",
                match ip {
                    Some(ip) => format!("{ip} is a pod address (a headless Service or a pod IP): no kube-proxy, no Service port"),
                    None => "the name leads to pod addresses (a headless Service): no kube-proxy, no Service port".to_string(),
                },
            );
            to_pods(b, Source::Pod(pod), &pods, target.port, None)
        }
        Destination::External(ip) => {
            b.skip("service", "the destination is outside the cluster");
            match ip {
                Some(ip) => to_outside::to_address(b, pod, ip, target.port),
                None => to_outside::to_upstream_name(b, pod, &target.host, target.port),
            }
        }
    }
}

fn to_service(mut b: Builder<'_>, src: usize, svc: &Service, ip: IpAddr, target: &Target) -> Trace {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let svc_ref = [("Service", svc.namespace.as_str(), svc.name.as_str())];
    if svc.type_ == ServiceType::ExternalName {
        b.pass(
            "service",
            format!("{}/{} is an ExternalName alias", svc.namespace, svc.name),
        );
        return b.ok();
    }
    b.pass(
        "service",
        format!(
            "{ip} is the ClusterIP of Service {}/{} ({})",
            svc.namespace,
            svc.name,
            svc.type_.as_str()
        ),
    );
    let Some(sp) = svc.port_by_number(target.port, proto) else {
        let (step, detail, symptom, fix) = missing_service_port(svc, target.port, proto);
        return b.fail(step, detail, symptom, fix);
    };
    b.pass(
        "service-port",
        format!(
            "port {}{}/{} → targetPort {}",
            sp.name
                .as_deref()
                .map(|n| format!("{n} "))
                .unwrap_or_default(),
            sp.port,
            sp.protocol,
            sp.target_port
        ),
    );
    let eps = service::endpoints(cluster, svc);
    let Some(port_eps) = eps.port(sp.port, sp.protocol) else {
        return b.fail(
            "endpoints",
            "the Service port has no endpoints".to_string(),
            Symptom::ConnectionRefused,
            None,
        );
    };
    let ready: Vec<(usize, u16)> = port_eps
        .ready_backends()
        .filter_map(|be| Some((be.pod?, be.target_port?)))
        .collect();
    let not_ready = port_eps.backends.len() - port_eps.ready_count();
    if ready.is_empty() {
        b.want_findings(
            &svc_ref,
            &["SVC001", "SVC002", "SVC003", "SVC005", "SVC007"],
        );
        let (step, detail, symptom, fix) = no_ready_endpoint(&mut b, svc, sp, &eps, port_eps);
        return b.fail(step, detail, symptom, fix);
    }
    if not_ready > 0 {
        b.want_findings(&svc_ref, &["SVC004"]);
        b.warn(
            "endpoints",
            format!(
                "{} ready endpoint(s); {not_ready} not ready (they receive no traffic)",
                ready.len()
            ),
        );
    } else {
        b.pass("endpoints", format!("{} ready endpoint(s)", ready.len()));
    }
    let pods: Vec<usize> = ready.iter().map(|(p, _)| *p).collect();
    let ports: BTreeMap<usize, u16> = ready.into_iter().collect();
    to_pods(b, Source::Pod(src), &pods, target.port, Some(&ports))
}

/// The Service has no port the client dials: kube-proxy has no rule for it, the packets are
/// dropped.
fn missing_service_port(svc: &Service, port: u16, proto: Protocol) -> HopFailure {
    let has = svc
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.port, p.protocol))
        .collect::<Vec<_>>()
        .join(", ");
    let detail = format!(
        "Service {}/{} has no port {}/{} (it has {}): kube-proxy has no rule for it and the packets are dropped",
        svc.namespace,
        svc.name,
        port,
        proto,
        if has.is_empty() { "none".to_string() } else { has }
    );
    let fix = match svc.ports.first() {
        Some(p) if svc.ports.len() == 1 => {
            let target_port = match &p.target_port {
                PortRef::Number(n) => n.to_string(),
                PortRef::Name(n) => format!("\"{n}\""),
            };
            Fix::new(format!(
                "Connect to port {} (the Service's port), or add port {port} to the Service",
                p.port
            ))
            .command(add_port_command(svc, port, &target_port, proto))
        }
        _ => Fix::new(format!(
            "Add port {port} to the Service, or connect to one of its ports"
        ))
        .command(add_port_command(svc, port, &port.to_string(), proto)),
    };
    (
        "service-port",
        detail,
        Symptom::ConnectionTimeout,
        Some(fix),
    )
}

/// `kubectl patch` adding `port` to the Service, forwarding to `target_port` (a JSON value).
fn add_port_command(svc: &Service, port: u16, target_port: &str, proto: Protocol) -> String {
    format!(
        "kubectl -n {} patch service {} --type=json -p '[{{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{{\"name\":\"port-{port}\",\"port\":{port},\"targetPort\":{target_port},\"protocol\":\"{proto}\"}}}}]'",
        svc.namespace, svc.name
    )
}

/// No ready endpoint behind the Service port: kube-proxy rejects the connection. The rule
/// that found why (SVC001…) names the cause better than a count, when it fires.
fn no_ready_endpoint(
    b: &mut Builder<'_>,
    svc: &Service,
    sp: &ServicePort,
    eps: &ServiceEndpoints,
    port_eps: &PortEndpoints,
) -> HopFailure {
    let not_ready = port_eps.backends.len() - port_eps.ready_count();
    let unresolved = !port_eps.unresolved.is_empty() && port_eps.backends.is_empty();
    let why = if unresolved {
        format!(
            "targetPort {} resolves on none of the selected pods ({}): kube-proxy rejects the connection",
            sp.target_port,
            port_eps
                .unresolved
                .iter()
                .map(|u| format!("{} {}", u.pod_name, u.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )
    } else {
        b.trace.evidence.failing_detail = Some((
            "no ready endpoint: ".into(),
            "; kube-proxy rejects the connection".into(),
        ));
        if eps.selected.is_empty() && svc.selector.is_some() {
            "no pod matches the Service's selector; kube-proxy rejects the connection".to_string()
        } else {
            format!("no ready endpoint ({not_ready} not ready); kube-proxy rejects the connection")
        }
    };
    let step = if unresolved {
        "target-port"
    } else {
        "endpoints"
    };
    b.trace.evidence.fix_from = Some(FindingFix::First);
    (step, why, Symptom::ConnectionRefused, None)
}

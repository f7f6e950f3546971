//! The hops of a routed request after the rule: TLS, the backend Service, its port and
//! endpoints, and NetworkPolicy between the controller and the backend pods.

use super::backends::{backend_state, close_services, describe_port, describe_service_ports};
use super::backends::{lookup_port, BackendState, PortLookup};
use super::ing_key;
use super::matching::host_matches;
use super::nginx::{Server, ServerKey};
use crate::model::ServiceType;
use crate::model::{Cluster, Ingress, IngressBackend, PortRef, Protocol, Service, ServicePort};
use crate::sim::http::HttpRequest;
use crate::sim::netpol::{Endpoint, Engine, FlowVerdict, Verdict};
use crate::sim::path::{Hop, HopStatus, Route, RouteBackend, Symptom};

/// The certificate the server presents for https (or the redirect plain http gets).
pub(super) fn tls_hop(
    cluster: &Cluster,
    server: &Server,
    req: &HttpRequest,
    _notes: &mut Vec<String>,
) -> Option<Hop> {
    let host = match &server.key {
        ServerKey::Host(h) => h.clone(),
        ServerKey::CatchAll => String::new(),
    };
    // The oldest member Ingress with a tls section decides the certificate; the catch-all
    // server always presents the controller's default certificate.
    let source = match server.key {
        ServerKey::Host(_) => server.members.iter().find(|i| !i.tls.is_empty()),
        ServerKey::CatchAll => None,
    };
    let entry = source.and_then(|ing| {
        ing.tls
            .iter()
            .find(|t| {
                t.hosts.iter().any(|h| h.eq_ignore_ascii_case(&host))
                    || t.hosts.iter().any(|h| host_matches(Some(h), &req.host))
            })
            .map(|t| (ing, t))
    });
    if req.scheme != "https" {
        // The redirect plain http gets is an outcome (see `outcome`).
        return None;
    }
    const FAKE: &str = "its self-signed \"Kubernetes Ingress Controller Fake Certificate\": clients that verify certificates reject the connection";
    Some(match entry {
        None => Hop::new(
            "tls",
            HopStatus::Warn,
            if host.is_empty() {
                format!("no Ingress names host {}: the controller presents {FAKE}", req.host)
            } else {
                format!("no tls entry of host {host} lists it: the controller presents {FAKE}")
            },
        ),
        Some((ing, t)) => match t.secret_name.as_deref().filter(|s| !s.is_empty()) {
            None => Hop::new(
                "tls",
                HopStatus::Warn,
                format!(
                    "Ingress {} lists {host} under tls without secretName: the controller presents {FAKE}",
                    ing_key(ing)
                ),
            ),
            Some(secret) => match cluster.secret(&ing.namespace, secret) {
                Some(_) => Hop::new(
                    "tls",
                    HopStatus::Pass,
                    format!(
                        "certificate for {host} from Secret {}/{secret} (Ingress {})",
                        ing.namespace,
                        ing_key(ing)
                    ),
                ),
                None if !cluster.can_read("Secret") => Hop::new(
                    "tls",
                    HopStatus::Skip,
                    format!(
                        "Secret {}/{secret} not checked: reading Secrets was forbidden",
                        ing.namespace
                    ),
                ),
                None => Hop::new(
                    "tls",
                    HopStatus::Warn,
                    format!(
                        "Secret {}/{secret} (tls of Ingress {}) does not exist: the controller presents {FAKE}",
                        ing.namespace,
                        ing_key(ing)
                    ),
                ),
            },
        },
    })
}

/// The backend hops: the Service, its port, its endpoints, the target port, and NetworkPolicy
/// between the controller and the backend pods.
pub(super) fn backend_hops(
    cluster: &Cluster,
    ing: &Ingress,
    backend: &IngressBackend,
    controller_pods: &[usize],
    r: &mut Route,
) {
    let Some((svc, sp)) = service_port_hops(cluster, ing, backend, r) else {
        return;
    };
    let Some(state) = endpoint_hops(cluster, svc, sp, r) else {
        return;
    };
    policy_hops(cluster, controller_pods, &state, r);
}

/// `ingress-backend` and `service-port`: the Service the backend names and its port; None
/// when the request goes no further (missing, ExternalName, resource backend).
fn service_port_hops<'c>(
    cluster: &'c Cluster,
    ing: &Ingress,
    backend: &IngressBackend,
    r: &mut Route,
) -> Option<(&'c Service, &'c ServicePort)> {
    let (name, port) = match backend {
        IngressBackend::Service { name, port } => (name, port),
        IngressBackend::Resource { kind, name } => {
            r.hops.push(Hop::new(
                "ingress-backend",
                HopStatus::Skip,
                format!("resource backend {kind}/{name}: not a Service, not followed"),
            ));
            return None;
        }
    };
    r.backend = Some(RouteBackend {
        service: name.clone(),
        port: port.to_string(),
    });
    let ns = &ing.namespace;
    let Some(svc) = cluster.service(ns, name) else {
        r.hops.push(Hop::new(
            "ingress-backend",
            HopStatus::Fail,
            format!(
                "Service {ns}/{name} does not exist{}; ingress-nginx answers 503 Service Temporarily Unavailable",
                close_services(cluster, ns, name)
            ),
        ));
        r.symptom = Symptom::Http503;
        return None;
    };
    r.hops.push(Hop::new(
        "ingress-backend",
        HopStatus::Pass,
        format!("Service {ns}/{name} exists ({})", svc.type_.as_str()),
    ));
    if svc.type_ == ServiceType::ExternalName {
        r.hops.push(Hop::new(
            "service-port",
            HopStatus::Skip,
            format!(
                "ExternalName Service: the controller proxies to {} port {port}",
                svc.external_name.clone().unwrap_or_default()
            ),
        ));
        r.hops.push(Hop::new(
            "endpoints",
            HopStatus::Skip,
            "ExternalName Service: no endpoints; the external name's reachability is not modelled",
        ));
        return None;
    }
    let sp = match lookup_port(svc, port) {
        PortLookup::Found(sp) => {
            r.hops.push(Hop::new(
                "service-port",
                HopStatus::Pass,
                format!(
                    "port {port} is {} → targetPort {}",
                    describe_port(sp),
                    sp.target_port
                ),
            ));
            sp
        }
        PortLookup::FoundByTargetPort(sp) => {
            r.hops.push(Hop::new(
                "service-port",
                HopStatus::Warn,
                format!(
                    "Service {name} has no port {port} (it has {}); ingress-nginx still routes it because {port} is the targetPort of port {}, other controllers answer 503",
                    describe_service_ports(svc),
                    sp.port
                ),
            ));
            sp
        }
        PortLookup::Missing | PortLookup::Unset => {
            r.hops.push(Hop::new(
                "service-port",
                HopStatus::Fail,
                format!(
                    "Service {name} has no port {} (it has {}); ingress-nginx answers 503",
                    if matches!(port, PortRef::Number(0)) {
                        "(none given)".to_string()
                    } else {
                        port.to_string()
                    },
                    describe_service_ports(svc)
                ),
            ));
            r.symptom = Symptom::Http503;
            return None;
        }
    };
    Some((svc, sp))
}

/// `endpoints` and `target-port`: the ready endpoints of the port; None when there are none
/// (503) or the named targetPort resolves on none (502).
fn endpoint_hops(
    cluster: &Cluster,
    svc: &Service,
    sp: &ServicePort,
    r: &mut Route,
) -> Option<BackendState> {
    let name = &svc.name;
    let state = backend_state(cluster, svc, sp);
    if state.ready == 0 && !state.unresolved.is_empty() {
        r.hops.push(Hop::new(
            "endpoints",
            HopStatus::Pass,
            format!(
                "{} ready pod(s) match the selector{}",
                state.unresolved.len(),
                not_ready_suffix(&state)
            ),
        ));
        r.hops.push(Hop::new(
            "target-port",
            HopStatus::Fail,
            format!(
                "targetPort {} of port {} does not resolve: {}; the pods are left out of the port and the controller gets 502 Bad Gateway",
                sp.target_port,
                sp.port,
                state.unresolved.join("; ")
            ),
        ));
        r.symptom = Symptom::Http502;
        return None;
    }
    if state.ready == 0 {
        let why = state
            .empty_reason
            .clone()
            .unwrap_or_else(|| format!("no endpoint is ready: {}", state.not_ready.join("; ")));
        r.hops.push(Hop::new(
            "endpoints",
            HopStatus::Fail,
            format!(
                "Service {name} port {} has no ready endpoints ({why}); ingress-nginx answers 503",
                sp.port
            ),
        ));
        r.symptom = Symptom::Http503;
        return None;
    }
    r.hops.push(Hop::new(
        "endpoints",
        if state.not_ready.is_empty() {
            HopStatus::Pass
        } else {
            HopStatus::Warn
        },
        format!(
            "{} ready endpoint(s){}",
            state.ready,
            not_ready_suffix(&state)
        ),
    ));
    let detail = match &sp.target_port {
        PortRef::Name(n) => format!("named targetPort {n} resolves on the ready pods"),
        PortRef::Number(n) => format!("targetPort {n}"),
    };
    let mut hop = Hop::new("target-port", HopStatus::Pass, detail);
    if !state.unresolved.is_empty() {
        hop.status = HopStatus::Warn;
        hop.detail = format!(
            "{}; left out on {}",
            hop.detail,
            state.unresolved.join("; ")
        );
    }
    r.hops.push(hop);
    Some(state)
}

/// NetworkPolicy between the controller's pods and the backend's ready pods: when no
/// controller pod may open a connection to any ready backend pod, the controller's connect
/// times out and the client gets 504. A backend pod no controller replica is known to reach
/// while a policy kind netdoctor does not model governs the path is unknown; when no pod is
/// known reachable, the whole answer is unknown (never "served").
fn policy_hops(cluster: &Cluster, controller_pods: &[usize], state: &BackendState, r: &mut Route) {
    if state.ready_pods.is_empty() {
        return;
    }
    let Some(&first_ctl) = controller_pods.first() else {
        r.hops.push(Hop::new(
            "ingress-policy",
            HopStatus::Skip,
            "the controller's pods are not known: NetworkPolicy between controller and backend not checked",
        ));
        return;
    };
    if cluster.policies.is_empty() && cluster.foreign_policies.is_empty() {
        r.hops.push(Hop::new(
            "ingress-policy",
            HopStatus::Pass,
            "no NetworkPolicy in the cluster: the controller reaches the backend pods",
        ));
        return;
    }
    let reach = controller_reach(cluster, controller_pods, state);
    let ctl = &cluster.pods[first_ctl];
    let total = state.ready_pods.len();
    if let Some((pod, port, v)) = &reach.first_block {
        let (step, why) = block_reason(cluster, first_ctl, *pod, *port, v);
        if reach.allowed == 0 && reach.unknown_reasons.is_empty() {
            r.hops.push(Hop::new(
                step,
                HopStatus::Fail,
                format!("{why}; no ready backend pod is reachable, the controller's connection times out: 504 Gateway Timeout"),
            ));
            r.symptom = Symptom::Http504;
            return;
        }
        r.hops.push(Hop::new(
            step,
            HopStatus::Warn,
            format!("{} of {total} ready backend pod(s) unreachable: {why}; requests balanced to them time out (504)", reach.blocked),
        ));
    }
    if !reach.unknown_reasons.is_empty() {
        let more = match reach.unknown_reasons.len() {
            0 | 1 => String::new(),
            n => format!(" (and {} more reasons)", n - 1),
        };
        let detail = format!(
            "{} of {total} ready backend pod(s): {}{more}",
            reach.unknown, reach.unknown_reasons[0]
        );
        if reach.allowed == 0 {
            r.hops.push(Hop::new(
                "ingress-policy",
                HopStatus::Warn,
                format!("{detail}: whether the controller reaches them is unknown"),
            ));
            r.symptom = Symptom::Unknown;
            r.unknown_reasons = reach.unknown_reasons;
        } else {
            r.hops.push(Hop::new(
                "ingress-policy",
                HopStatus::Warn,
                format!("{detail}: requests balanced to them may time out (504)"),
            ));
        }
        return;
    }
    if reach.first_block.is_none() {
        r.hops.push(Hop::new(
            "ingress-policy",
            HopStatus::Pass,
            format!(
                "NetworkPolicy lets the controller ({}/{}) reach the {} ready backend pod(s)",
                ctl.namespace, ctl.name, reach.allowed
            ),
        ));
    }
}

/// What the controller's replicas may reach of the ready backend pods.
struct ControllerReach {
    /// Backend pods some replica is known to reach.
    allowed: usize,
    /// Backend pods no replica reaches for sure, some maybe (a policy not modelled).
    unknown: usize,
    unknown_reasons: Vec<String>,
    /// Backend pods every replica is denied.
    blocked: usize,
    /// The first denied pod, its port and the first replica's verdict.
    first_block: Option<(usize, u16, Verdict)>,
}

fn controller_reach(
    cluster: &Cluster,
    controller_pods: &[usize],
    state: &BackendState,
) -> ControllerReach {
    let engine = Engine::new(cluster);
    let mut reach = ControllerReach {
        allowed: 0,
        unknown: 0,
        unknown_reasons: Vec::new(),
        blocked: 0,
        first_block: None,
    };
    for &(pod, port) in &state.ready_pods {
        let verdicts: Vec<Verdict> = controller_pods
            .iter()
            .map(|&c| engine.check(Endpoint::Pod(c), Endpoint::Pod(pod), port, Protocol::Tcp))
            .collect();
        // Any controller replica that gets through is enough for this backend pod.
        if verdicts.iter().any(|v| v.verdict == FlowVerdict::Allowed) {
            reach.allowed += 1;
        } else if let Some(v) = verdicts.iter().find(|v| !v.verdict.is_known()) {
            reach.unknown += 1;
            for reason in &v.unknown_reasons {
                if !reach.unknown_reasons.contains(reason) {
                    reach.unknown_reasons.push(reason.clone());
                }
            }
        } else {
            reach.blocked += 1;
            if reach.first_block.is_none() {
                if let Some(v) = verdicts.into_iter().next() {
                    reach.first_block = Some((pod, port, v));
                }
            }
        }
    }
    reach
}

/// The hop step and the sentence of a denied controller → backend connection.
fn block_reason(
    cluster: &Cluster,
    ctl: usize,
    pod: usize,
    port: u16,
    v: &Verdict,
) -> (&'static str, String) {
    let (ctl, backend) = (&cluster.pods[ctl], &cluster.pods[pod]);
    if !v.egress.allowed {
        (
            "egress-policy",
            format!(
                "egress of the controller {}/{} is isolated by {} and no rule allows {}/{} port {port}/TCP",
                ctl.namespace,
                ctl.name,
                v.egress.policies.join(", "),
                backend.namespace,
                backend.name
            ),
        )
    } else {
        (
            "ingress-policy",
            format!(
                "ingress of {}/{} is isolated by {} and no rule admits the controller {}/{} on port {port}/TCP",
                backend.namespace,
                backend.name,
                v.ingress.policies.join(", "),
                ctl.namespace,
                ctl.name
            ),
        )
    }
}

fn not_ready_suffix(state: &BackendState) -> String {
    if state.not_ready.is_empty() {
        String::new()
    } else {
        format!(
            "; {} not ready: {}",
            state.not_ready.len(),
            state.not_ready.join("; ")
        )
    }
}

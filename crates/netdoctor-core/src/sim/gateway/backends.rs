//! A rule's backends: resolving each backendRef to a Service port (or the `ResolvedRefs`
//! reason why not), its endpoints, and how the rule's traffic splits across them.

use super::route::{BackendOut, GwRouteResult};
use crate::model::{BackendRef, Cluster, GwRoute, RouteKind, Service, ServicePort};
use crate::sim::ingress::{backend_state, describe_service_ports};
use crate::sim::path::{Hop, HopStatus, Symptom, WeightedBackend};

/// Why a backendRef cannot be used, as the `ResolvedRefs: False` reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendProblem {
    InvalidKind,
    RefNotPermitted,
    ServiceNotFound,
    PortMissing,
    PortNotFound,
}

impl BackendProblem {
    pub fn reason(&self) -> &'static str {
        match self {
            BackendProblem::InvalidKind => "InvalidKind",
            BackendProblem::RefNotPermitted => "RefNotPermitted",
            _ => "BackendNotFound",
        }
    }
}

/// Resolves a backendRef of a route to its Service and port.
pub fn resolve_backend<'a>(
    cluster: &'a Cluster,
    route: &GwRoute,
    b: &BackendRef,
) -> Result<(&'a Service, &'a ServicePort), (BackendProblem, String)> {
    if !b.is_service() {
        return Err((
            BackendProblem::InvalidKind,
            format!(
                "backendRef {}/{} is of kind {:?} in group {:?}; only core Services are supported by the Gateway API core (InvalidKind)",
                b.namespace, b.name, b.kind, b.group
            ),
        ));
    }
    if b.namespace != route.namespace
        && !cluster.reference_granted(
            route.kind.as_str(),
            &route.namespace,
            "",
            "Service",
            &b.namespace,
            &b.name,
        )
    {
        return Err((
            BackendProblem::RefNotPermitted,
            format!(
                "backendRef Service {}/{} is in another namespace than the {} ({}) and no ReferenceGrant in {} allows {} from {} to refer to it (RefNotPermitted)",
                b.namespace,
                b.name,
                route.kind.as_str(),
                route.namespace,
                b.namespace,
                route.kind.as_str(),
                route.namespace
            ),
        ));
    }
    let Some(svc) = cluster.service(&b.namespace, &b.name) else {
        return Err((
            BackendProblem::ServiceNotFound,
            format!(
                "Service {}/{} does not exist (BackendNotFound)",
                b.namespace, b.name
            ),
        ));
    };
    let Some(port) = b.port else {
        return Err((
            BackendProblem::PortMissing,
            format!(
                "backendRef Service {}/{} gives no port; a Service backendRef must name one (BackendNotFound)",
                b.namespace, b.name
            ),
        ));
    };
    match svc
        .ports
        .iter()
        .find(|p| p.port == port && p.protocol == crate::model::Protocol::Tcp)
    {
        Some(sp) => Ok((svc, sp)),
        None => Err((
            BackendProblem::PortNotFound,
            format!(
                "Service {}/{} has no TCP port {port} (its ports: {}) (BackendNotFound)",
                b.namespace,
                b.name,
                describe_ports(svc)
            ),
        )),
    }
}

pub fn describe_ports(svc: &Service) -> String {
    if svc.ports.is_empty() {
        return "none".into();
    }
    describe_service_ports(svc)
}

/// Why a Service port has no ready endpoint, in words (`None`: it has at least one, or
/// it is an ExternalName Service the controller proxies to by name). The endpoint model
/// is `sim::service`'s, as for Ingress backends: EndpointSlices when the input has them,
/// the pods the selector matches otherwise, and each not-ready pod's reason.
pub fn no_ready_endpoints(cluster: &Cluster, svc: &Service, sp: &ServicePort) -> Option<String> {
    let st = backend_state(cluster, svc, sp);
    if st.external_name.is_some() || st.ready > 0 {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(e) = st.empty_reason {
        parts.push(e);
    }
    if !st.not_ready.is_empty() {
        let n = st.not_ready.len();
        let shown: Vec<&str> = st.not_ready.iter().take(3).map(String::as_str).collect();
        parts.push(format!(
            "{n} not ready: {}{}",
            shown.join("; "),
            if n > 3 {
                format!("; and {} more", n - 3)
            } else {
                String::new()
            }
        ));
    }
    if !st.unresolved.is_empty() {
        parts.push(format!(
            "targetPort {} does not resolve on the ready pods ({})",
            sp.target_port,
            st.unresolved.join("; ")
        ));
    }
    if parts.is_empty() {
        parts.push("no endpoints".into());
    }
    Some(parts.join("; "))
}

/// The rule's backendRefs: each one's share of the requests and what it sees; the hops of
/// the first failing share (or, when all work, of the first share) follow `ingress-rule`.
pub(super) fn evaluate_backends(
    cluster: &Cluster,
    route: &GwRoute,
    backends: &[BackendRef],
    r: &mut GwRouteResult,
) {
    let total: i64 = backends.iter().map(|b| b.weight).sum();
    if backends.is_empty() || total == 0 {
        r.hops.push(Hop::new(
            "ingress-backend",
            HopStatus::Fail,
            if backends.is_empty() {
                "the rule has no backendRefs: the Gateway answers 500".to_string()
            } else {
                "every backendRef of the rule has weight 0: no backend receives traffic and the Gateway answers 500".to_string()
            },
        ));
        r.symptom = Symptom::Http500;
        return;
    }
    let mut out = Vec::new();
    // The first failing share decides the hops shown after ingress-backend; when every
    // share works, the largest share's chain is shown.
    let mut chain: Option<(usize, Vec<Hop>)> = None;
    for (bi, b) in backends.iter().enumerate() {
        let percent = if total > 0 {
            (b.weight as f64) * 100.0 / (total as f64)
        } else {
            0.0
        };
        let name = format!("{}/{}", b.namespace, b.name);
        let (hops, symptom, detail) = backend_share(cluster, route, b, &name, percent);
        if b.weight > 0 {
            let replace = match &chain {
                None => true,
                Some((ci, _)) => {
                    let cur_ok = out
                        .get(*ci)
                        .is_none_or(|w: &WeightedBackend| w.symptom == Symptom::Ok);
                    cur_ok && symptom != Symptom::Ok
                }
            };
            if replace {
                chain = Some((bi, hops));
            }
        }
        out.push(WeightedBackend {
            service: name,
            port: b.port,
            weight: b.weight,
            percent,
            symptom,
            detail,
        });
    }
    summarize_shares(route, backends, out, chain, r);
}

/// One backendRef: its hops, the symptom its share of requests sees, and that in words.
fn backend_share(
    cluster: &Cluster,
    route: &GwRoute,
    b: &BackendRef,
    name: &str,
    percent: f64,
) -> (Vec<Hop>, Symptom, String) {
    let mut hops = Vec::new();
    let (svc, sp) = match resolve_backend(cluster, route, b) {
        Err((_, msg)) => {
            hops.push(Hop::new("ingress-backend", HopStatus::Fail, msg.clone()));
            return (hops, Symptom::Http500, msg);
        }
        Ok(found) => found,
    };
    hops.push(Hop::new(
        "ingress-backend",
        HopStatus::Pass,
        format!(
            "backendRef Service {name} port {} (weight {}, {percent:.0}% of requests)",
            sp.port, b.weight
        ),
    ));
    hops.push(Hop::new(
        "service-port",
        HopStatus::Pass,
        format!(
            "Service {name} port {} → targetPort {}",
            sp.port, sp.target_port
        ),
    ));
    let st = backend_state(cluster, svc, sp);
    if let Some(ext) = &st.external_name {
        let d = format!("Service {name} is ExternalName {ext}: the Gateway proxies to that name (not all controllers support it)");
        hops.push(Hop::new("endpoints", HopStatus::Warn, d.clone()));
        return (hops, Symptom::Ok, d);
    }
    if let Some(why) = no_ready_endpoints(cluster, svc, sp) {
        let d = format!(
            "Service {name} port {} has no ready endpoints ({why}): the Gateway answers 503",
            sp.port
        );
        hops.push(Hop::new("endpoints", HopStatus::Fail, d.clone()));
        return (hops, Symptom::Http503, d);
    }
    hops.push(Hop::new(
        "endpoints",
        HopStatus::Pass,
        format!(
            "{} ready endpoint(s){}",
            st.ready,
            if st.not_ready.is_empty() {
                String::new()
            } else {
                format!(", {} not ready", st.not_ready.len())
            }
        ),
    ));
    hops.push(Hop::new(
        "target-port",
        if st.unresolved.is_empty() {
            HopStatus::Pass
        } else {
            HopStatus::Warn
        },
        if st.unresolved.is_empty() {
            format!("targetPort {}", sp.target_port)
        } else {
            format!(
                "targetPort {} does not resolve on some pods: {}",
                sp.target_port,
                st.unresolved.join("; ")
            )
        },
    ));
    (hops, Symptom::Ok, format!("{} ready endpoints", st.ready))
}

/// The result of the shares: the chain shown, the symptom, and notes on a split.
fn summarize_shares(
    route: &GwRoute,
    backends: &[BackendRef],
    out: Vec<WeightedBackend>,
    chain: Option<(usize, Vec<Hop>)>,
    r: &mut GwRouteResult,
) {
    if route.kind == RouteKind::Grpc && out.iter().any(|w| w.weight > 0 && w.symptom != Symptom::Ok)
    {
        r.notes.push(
            "for a GRPCRoute the failing share gets gRPC status UNAVAILABLE (14) rather than an HTTP error page"
                .into(),
        );
    }
    let failing: f64 = out
        .iter()
        .filter(|w| w.weight > 0 && w.symptom != Symptom::Ok)
        .map(|w| w.percent)
        .sum();
    if let Some((ci, hops)) = chain {
        let w = &out[ci];
        r.backend = Some(BackendOut {
            service: backends[ci].name.clone(),
            port: backends[ci].port.map(|p| p.to_string()).unwrap_or_default(),
        });
        r.symptom = w.symptom;
        r.hops.extend(hops);
        if failing > 0.0 && failing < 100.0 {
            r.notes.push(format!(
                "{failing:.0}% of requests fail ({}), the rest succeed: intermittent errors",
                w.symptom
            ));
        }
    }
    if out.len() > 1 {
        let split: Vec<String> = out
            .iter()
            .map(|w| format!("{} {:.0}% ({})", w.service, w.percent, w.symptom))
            .collect();
        r.notes.push(format!("traffic split: {}", split.join(", ")));
    }
    r.backends = out;
}

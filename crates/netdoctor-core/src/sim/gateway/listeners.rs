//! A Gateway's listeners: which Gateways and listeners serve a request's scheme, port and
//! host, their certificates, and the routes that name a host without reaching it.

use super::attach::{attach, targets_gateway};
use super::certificates::{describe_cert, listener_certificates, CertState, ListenerCerts};
use super::conditions::{describe_condition, listener_condition};
use super::hostnames::hostname_matches;
use super::listenersets::live_listeners;
use super::route::GwRouteResult;
use crate::model::{Cluster, Gateway, Listener};
use crate::sim::http::HttpRequest;
use crate::sim::path::{Hop, HopStatus, Symptom};
use std::cmp::Reverse;

/// Whether a listener's protocol serves the request's scheme.
pub(super) fn protocol_serves(l: &Listener, scheme: &str) -> bool {
    match l.protocol.as_str() {
        "HTTP" => scheme == "http",
        "HTTPS" => scheme == "https",
        // TLS passthrough/terminate carry TLSRoutes, not HTTP routing.
        _ => false,
    }
}

/// The listener specificity for a host: exact hostname, then the longest wildcard, then
/// a listener without hostname.
pub(super) fn listener_rank(l: &Listener, host: &str) -> Option<(u8, Reverse<usize>)> {
    match &l.hostname {
        None => Some((2, Reverse(0))),
        Some(h) if !h.starts_with("*.") => (h == host).then_some((0, Reverse(h.len()))),
        Some(h) => hostname_matches(h, host).then_some((1, Reverse(h.len()))),
    }
}

/// Gateways that name the host, best first: a route attached to one of its listeners (of
/// the request's scheme) names the host, or a listener's own hostname matches it; a
/// listener on the request's port, an attached route, and a more specific listener hostname
/// rank higher. A Gateway whose listeners and routes name no hostname at all (a catch-all)
/// is not counted: it would claim every host, Ingress ones included.
pub fn gateways_for_host<'a>(cluster: &'a Cluster, req: &HttpRequest) -> Vec<&'a Gateway> {
    // (gateway, port matches, a route names the host, best listener rank)
    type Score = (bool, bool, Option<(u8, Reverse<usize>)>);
    let mut scored: Vec<(&Gateway, Score)> = Vec::new();
    let mut bump = |g: &'a Gateway, port_ok: bool, by_route: bool, rank| {
        let new: Score = (port_ok, by_route, rank);
        match scored.iter_mut().find(|(x, _)| std::ptr::eq(*x, g)) {
            Some((_, old)) => {
                let better = (new.0, new.1, Reverse(new.2)) > (old.0, old.1, Reverse(old.2));
                if better {
                    *old = new;
                }
            }
            None => scored.push((g, new)),
        }
    };
    for g in &cluster.gateways {
        for l in live_listeners(cluster, g)
            .into_iter()
            .filter(|l| protocol_serves(l, &req.scheme))
        {
            if l.hostname
                .as_deref()
                .is_some_and(|h| hostname_matches(h, &req.host))
            {
                bump(g, l.port == req.port, false, listener_rank(l, &req.host));
            }
        }
    }
    for r in &cluster.routes {
        for p in r
            .parents
            .iter()
            .filter(|p| p.is_gateway() || p.is_listener_set())
        {
            let Ok(att) = attach(cluster, r, p) else {
                continue;
            };
            for al in &att.listeners {
                if protocol_serves(al.listener, &req.scheme)
                    && al.hostnames.iter().any(|h| hostname_matches(h, &req.host))
                {
                    bump(
                        att.gateway,
                        al.listener.port == req.port,
                        true,
                        listener_rank(al.listener, &req.host),
                    );
                }
            }
        }
    }
    scored.sort_by(|(ga, a), (gb, b)| {
        (
            Reverse(a.0),
            Reverse(a.1),
            a.2,
            &ga.created,
            &ga.namespace,
            &ga.name,
        )
            .cmp(&(
                Reverse(b.0),
                Reverse(b.1),
                b.2,
                &gb.created,
                &gb.namespace,
                &gb.name,
            ))
    });
    scored.into_iter().map(|(g, _)| g).collect()
}

/// The listener that receives the request: one of the request's protocol on its port (or,
/// when the URL gave no port, on any port), then the most specific hostname; None (with a
/// failing hop) when there is none or it is not programmed. An HTTPS listener adds its
/// `tls` hop.
pub(super) fn select_listener<'g>(
    cluster: &'g Cluster,
    gw: &'g Gateway,
    req: &HttpRequest,
    r: &mut GwRouteResult,
) -> Option<&'g Listener> {
    let live = live_listeners(cluster, gw);
    let on_port: Vec<&Listener> = live
        .iter()
        .copied()
        .filter(|l| protocol_serves(l, &req.scheme) && l.port == req.port)
        .collect();
    let on_port = if on_port.is_empty() && !req.explicit_port {
        let any: Vec<&Listener> = live
            .iter()
            .copied()
            .filter(|l| protocol_serves(l, &req.scheme))
            .collect();
        if !any.is_empty() {
            r.notes.push(format!(
                "no {} listener on port {}; assuming the Gateway's address maps it to listener port {}",
                req.scheme.to_ascii_uppercase(),
                req.port,
                any[0].port
            ));
        }
        any
    } else {
        on_port
    };
    if on_port.is_empty() {
        let ls: Vec<String> = live
            .iter()
            .map(|l| format!("{} {}:{}", l.name, l.protocol, l.port))
            .collect();
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "Gateway {}/{} has no {} listener on port {} (listeners: {})",
                gw.namespace,
                gw.name,
                req.scheme.to_ascii_uppercase(),
                req.port,
                ls.join(", ")
            ),
        ));
        r.symptom = Symptom::ConnectionRefused;
        return None;
    }
    let Some(listener) = on_port
        .iter()
        .copied()
        .filter_map(|l| listener_rank(l, &req.host).map(|k| (k, l)))
        .min_by_key(|(k, _)| *k)
        .map(|(_, l)| l)
    else {
        let hs: Vec<String> = on_port
            .iter()
            .map(|l| format!("{}: {}", l.name, l.hostname.as_deref().unwrap_or("*")))
            .collect();
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "no listener of Gateway {}/{} on port {} matches host {} (listener hostnames: {})",
                gw.namespace,
                gw.name,
                req.port,
                req.host,
                hs.join(", ")
            ),
        ));
        r.notes.extend(unattached_routes_for_host(cluster, gw, req));
        r.symptom = Symptom::Http404;
        return None;
    };
    r.listener = Some(listener.name.clone());
    // A listener without a usable certificate is not programmed because of it: say so at
    // the tls hop, with the symptom the client sees.
    let tls = (listener.protocol == "HTTPS").then(|| tls_hop(cluster, gw, listener));
    if let Some(hop) = tls.as_ref().filter(|h| h.status == HopStatus::Fail) {
        r.hops.push(hop.clone());
        r.symptom = Symptom::TlsHandshakeFailure;
        return None;
    }
    if let Some(p) = listener_condition(gw, listener, "Programmed").filter(|c| c.status == "False")
    {
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "listener {} of Gateway {}/{} is not programmed: {}",
                listener.name,
                gw.namespace,
                gw.name,
                describe_condition(p)
            ),
        ));
        r.symptom = Symptom::ConnectionRefused;
        return None;
    }
    if let Some(hop) = tls {
        r.hops.push(hop);
    }

    Some(listener)
}

/// Routes of this Gateway that name the request's host but are not attached (or not to a
/// listener serving the request), each with the reason: why a 404 happens.
pub(super) fn unattached_routes_for_host(
    cluster: &Cluster,
    gw: &Gateway,
    req: &HttpRequest,
) -> Vec<String> {
    let mut out = Vec::new();
    for route in &cluster.routes {
        if !route
            .hostnames
            .iter()
            .any(|h| hostname_matches(h, &req.host))
        {
            continue;
        }
        for p in route
            .parents
            .iter()
            .filter(|p| targets_gateway(cluster, p, gw))
        {
            match attach(cluster, route, p) {
                Err(e) => out.push(format!(
                    "{} {} names host {} but is not attached ({}): {}",
                    route.kind.as_str(),
                    route.id(),
                    req.host,
                    e.reason(),
                    e.detail()
                )),
                Ok(att) => {
                    if !att
                        .listeners
                        .iter()
                        .any(|al| protocol_serves(al.listener, &req.scheme))
                    {
                        let names: Vec<String> = att
                            .listeners
                            .iter()
                            .map(|al| format!("{} ({})", al.listener.name, al.listener.protocol))
                            .collect();
                        out.push(format!(
                            "{} {} names host {} but is attached only to listener(s) {}, none of which serves {}",
                            route.kind.as_str(),
                            route.id(),
                            req.host,
                            names.join(", "),
                            req.scheme
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The HTTPS listener's certificate (see `certificates`): a failing hop when no
/// certificateRef can be used, else what is known about them.
pub(super) fn tls_hop(cluster: &Cluster, gw: &Gateway, l: &Listener) -> Hop {
    let names = || {
        l.certificate_refs
            .iter()
            .map(|c| c.display())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unusable = "the listener has no certificate to present, it is not programmed and the TLS handshake fails";
    let certs = listener_certificates(cluster, gw, l);
    let none_usable = certs.unusable();
    match certs {
        ListenerCerts::NotTerminating => Hop::new(
            "tls",
            HopStatus::Skip,
            format!(
                "listener {} ({}) does not terminate TLS",
                l.name, l.protocol
            ),
        ),
        ListenerCerts::ResolvedByController => Hop::new(
            "tls",
            HopStatus::Pass,
            format!("listener {} terminates TLS with {}", l.name, names()),
        ),
        ListenerCerts::BrokenByController(c) => Hop::new(
            "tls",
            HopStatus::Fail,
            format!(
                "listener {} of Gateway {}/{}: {}: {unusable}",
                l.name,
                gw.namespace,
                gw.name,
                describe_condition(c)
            ),
        ),
        ListenerCerts::Checked(checks) if checks.is_empty() => Hop::new(
            "tls",
            HopStatus::Warn,
            format!("HTTPS listener {} has no certificateRefs", l.name),
        ),
        ListenerCerts::Checked(checks) => {
            let problems: Vec<String> =
                checks.iter().filter_map(|c| describe_cert(gw, c)).collect();
            let broken = checks
                .iter()
                .any(|c| matches!(c.state, CertState::Missing | CertState::NotPermitted));
            let resolved = checks.iter().any(|c| c.state == CertState::Resolved);
            if none_usable {
                Hop::new(
                    "tls",
                    HopStatus::Fail,
                    format!(
                        "listener {} of Gateway {}/{}: {}: {unusable}",
                        l.name,
                        gw.namespace,
                        gw.name,
                        problems.join("; ")
                    ),
                )
            } else if broken {
                Hop::new(
                    "tls",
                    HopStatus::Warn,
                    format!(
                        "listener {}: {} (whether the listener serves with its other certificates is implementation-specific)",
                        l.name,
                        problems.join("; ")
                    ),
                )
            } else if resolved {
                let mut detail = format!("listener {} terminates TLS with {}", l.name, names());
                if !problems.is_empty() {
                    detail.push_str(&format!(" ({})", problems.join("; ")));
                }
                Hop::new("tls", HopStatus::Pass, detail)
            } else {
                Hop::new(
                    "tls",
                    HopStatus::Skip,
                    format!("listener {} certificate {}", l.name, problems.join("; ")),
                )
            }
        }
    }
}

//! Connections rather than requests: TLSRoute (SNI → backend, TLS passthrough or
//! terminated at the Gateway), TCPRoute and UDPRoute (listener port → backend).
//!
//! A `tls://host:port` connection reaches the Gateway's `TLS` listener on that port whose
//! hostname best matches the SNI (exact, then the longest wildcard, then none); the
//! TLSRoutes attached to it whose hostnames (intersected with the listener's) match the SNI
//! compete, the most specific hostname first, then the oldest route, then
//! `namespace/name`. `tcp://` and `udp://` reach the `TCP`/`UDP` listener on the port; its
//! attached TCPRoute/UDPRoute (the oldest, then `namespace/name`, when several attach:
//! which one a controller uses is not defined by the spec, so it is noted) forwards to its
//! backends. A backend that cannot be used (missing, not permitted, no endpoints) makes the
//! Gateway close the connection: the client sees it refused or reset.

use super::attach::{attach, targets_gateway};
use super::backends::evaluate_backends;
use super::hostnames::hostname_matches;
use super::listeners::listener_rank;
use super::listenersets::live_listeners;
use super::route::{gateway_hop, GwRouteOptions, GwRouteResult};
use crate::model::{Cluster, Gateway, GwRoute, Listener, RouteKind};
use crate::sim::http::{normalize_host, HttpRequest};
use crate::sim::path::{Hop, HopStatus, Symptom};

/// A connection: `tls://sni:port`, `tcp://host:port` or `udp://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub url: String,
    /// `tls`, `tcp` or `udp`.
    pub scheme: String,
    /// The SNI (tls) or the name dialled.
    pub host: String,
    pub port: u16,
}

impl Connection {
    /// `None` when the URL is not a connection URL (http, https, grpc).
    pub fn parse(url: &str) -> Option<Result<Connection, String>> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "tls" | "tcp" | "udp") {
            return None;
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let Some((host, port)) = authority.rsplit_once(':') else {
            return Some(Err(format!(
                "{url:?}: a {scheme}:// target needs a port (tls://host:443)"
            )));
        };
        let Ok(port) = port.parse::<u16>() else {
            return Some(Err(format!("{url:?}: port {port:?} is not 1-65535")));
        };
        if host.is_empty() || port == 0 {
            return Some(Err(format!("{url:?}: expected {scheme}://host:port")));
        }
        Some(Ok(Connection {
            url: url.trim().to_string(),
            scheme,
            host: normalize_host(host),
            port,
        }))
    }

    fn protocol(&self) -> &'static str {
        match self.scheme.as_str() {
            "tls" => "TLS",
            "udp" => "UDP",
            _ => "TCP",
        }
    }

    fn kind(&self) -> RouteKind {
        match self.scheme.as_str() {
            "tls" => RouteKind::Tls,
            "udp" => RouteKind::Udp,
            _ => RouteKind::Tcp,
        }
    }

    /// The request form the shared result type carries.
    fn as_request(&self) -> HttpRequest {
        let mut req = HttpRequest::parse(&format!("http://{}:{}/", self.host, self.port))
            .unwrap_or_else(|_| HttpRequest::parse("http://invalid/").expect("static URL"));
        req.url = self.url.clone();
        req
    }
}

/// The routes of the connection's kind attached to this listener that serve the host
/// (TLS: by SNI), best first.
fn candidates<'c>(
    cluster: &'c Cluster,
    gw: &Gateway,
    l: &Listener,
    conn: &Connection,
) -> Vec<(&'c GwRoute, Option<String>)> {
    let kind = conn.kind();
    let mut out: Vec<(&GwRoute, Option<String>)> = Vec::new();
    for route in cluster.routes.iter().filter(|r| r.kind == kind) {
        for p in route
            .parents
            .iter()
            .filter(|p| targets_gateway(cluster, p, gw))
        {
            let Ok(att) = attach(cluster, route, p) else {
                continue;
            };
            let Some(al) = att.listeners.iter().find(|a| std::ptr::eq(a.listener, l)) else {
                continue;
            };
            if kind != RouteKind::Tls {
                out.push((route, None));
                break;
            }
            if al.hostnames.is_empty() {
                out.push((route, None));
                break;
            }
            if let Some(h) = al
                .hostnames
                .iter()
                .filter(|h| hostname_matches(h, &conn.host))
                .max_by_key(|h| (!h.starts_with("*."), h.len()))
            {
                out.push((route, Some(h.clone())));
                break;
            }
        }
    }
    out.sort_by(|(ra, ha), (rb, hb)| {
        let spec = |h: &Option<String>| match h {
            Some(h) if !h.starts_with("*.") => (0u8, std::cmp::Reverse(h.len())),
            Some(h) => (1, std::cmp::Reverse(h.len())),
            None => (2, std::cmp::Reverse(0)),
        };
        (spec(ha), ra.created.is_none(), &ra.created, ra.id()).cmp(&(
            spec(hb),
            rb.created.is_none(),
            &rb.created,
            rb.id(),
        ))
    });
    out
}

/// The Gateway that has a listener of the connection's protocol on its port (and, for TLS,
/// a hostname matching the SNI or a route that names it).
fn find_gateway<'c>(cluster: &'c Cluster, conn: &Connection) -> Option<&'c Gateway> {
    let mut best: Option<(&Gateway, (bool, u8))> = None;
    for g in &cluster.gateways {
        for l in live_listeners(cluster, g) {
            if l.protocol != conn.protocol() || l.port != conn.port {
                continue;
            }
            let Some((rank, _)) = listener_rank(l, &conn.host) else {
                continue;
            };
            let routed = !candidates(cluster, g, l, conn).is_empty();
            let key = (!routed, rank);
            if best.as_ref().is_none_or(|(_, k)| key < *k) {
                best = Some((g, key));
            }
        }
    }
    best.map(|(g, _)| g)
}

/// Routes a connection through a Gateway (the one given, or the one that serves the port).
pub fn route_connection(
    cluster: &Cluster,
    conn: &Connection,
    opts: &GwRouteOptions,
) -> Option<GwRouteResult> {
    let req = conn.as_request();
    let gw = match &opts.gateway {
        Some((ns, name)) => match cluster.gateway(ns, name) {
            Some(g) => g,
            None => {
                let mut r = GwRouteResult::new(&req);
                r.gateway = Some(format!("{ns}/{name}"));
                r.symptom = Symptom::NoAddress;
                r.hops.push(Hop::new(
                    "ingress-class",
                    HopStatus::Fail,
                    format!("Gateway {ns}/{name} does not exist"),
                ));
                return Some(r);
            }
        },
        None => find_gateway(cluster, conn)?,
    };
    let mut r = GwRouteResult::new(&req);
    r.gateway = Some(format!("{}/{}", gw.namespace, gw.name));
    r.class = Some(gw.class_name.clone());
    if !gateway_hop(cluster, gw, &mut r) {
        return Some(r);
    }
    let Some(listener) = select_l4_listener(cluster, gw, conn, &mut r) else {
        return Some(r);
    };
    r.listener = Some(listener.name.clone());
    if conn.scheme == "tls" {
        let mode = listener.tls_mode.as_deref().unwrap_or("Terminate");
        r.hops.push(Hop::new(
            "tls",
            HopStatus::Pass,
            if mode == "Passthrough" {
                format!(
                    "listener {} passes TLS through: the backend terminates it (SNI {})",
                    listener.name, conn.host
                )
            } else {
                format!(
                    "listener {} terminates TLS (mode {mode}) and forwards the stream",
                    listener.name
                )
            },
        ));
    }
    let found = candidates(cluster, gw, listener, conn);
    let kind = conn.kind();
    let Some((route, host)) = found.first() else {
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "listener {} ({} :{}): no {} attached to it serves {}",
                listener.name,
                listener.protocol,
                listener.port,
                kind.as_str(),
                conn.host
            ),
        ));
        r.symptom = if conn.scheme == "tls" {
            Symptom::TlsHandshakeFailure
        } else {
            Symptom::ConnectionRefused
        };
        return Some(r);
    };
    r.route = Some(route.id());
    r.route_kind = Some(route.kind.as_str());
    r.host = host.clone();
    let mut detail = format!(
        "listener {} → {} {}{}",
        listener.name,
        kind.as_str(),
        route.id(),
        host.as_ref()
            .map(|h| format!(" (hostname {h})"))
            .unwrap_or_default()
    );
    if found.len() > 1 {
        detail.push_str(&format!(
            "; chosen over {} other attached route(s)",
            found.len() - 1
        ));
        if kind != RouteKind::Tls {
            r.notes.push(format!(
                "{} {}s attach to listener {}; which one a controller uses is not defined by the spec (the oldest is shown)",
                found.len(),
                kind.as_str(),
                listener.name
            ));
        }
    }
    r.hops
        .push(Hop::new("ingress-rule", HopStatus::Pass, detail));
    if route.rules.len() > 1 {
        r.notes.push(format!(
            "{} {} has {} rules; the first rule's backendRefs are shown",
            kind.as_str(),
            route.id(),
            route.rules.len()
        ));
    }
    let backends = route
        .rules
        .first()
        .map(|rule| rule.backends.clone())
        .unwrap_or_default();
    evaluate_backends(cluster, route, &backends, &mut r);
    if matches!(
        r.symptom,
        Symptom::Http500 | Symptom::Http502 | Symptom::Http503 | Symptom::Http504
    ) {
        r.notes.push(format!(
            "a {} connection has no HTTP status: the Gateway closes it ({} for an HTTP route)",
            conn.scheme, r.symptom
        ));
        r.symptom = Symptom::ConnectionRefused;
    }
    Some(r)
}

/// The listener of the connection's protocol on its port with the most specific hostname;
/// None (with the failing hop) when there is none.
fn select_l4_listener<'c>(
    cluster: &'c Cluster,
    gw: &'c Gateway,
    conn: &Connection,
    r: &mut GwRouteResult,
) -> Option<&'c Listener> {
    let live = live_listeners(cluster, gw);
    let on_port: Vec<&Listener> = live
        .iter()
        .copied()
        .filter(|l| l.protocol == conn.protocol() && l.port == conn.port)
        .collect();
    let Some(listener) = on_port
        .iter()
        .copied()
        .filter_map(|l| listener_rank(l, &conn.host).map(|k| (k, l)))
        .min_by_key(|(k, _)| *k)
        .map(|(_, l)| l)
    else {
        let ls: Vec<String> = live
            .iter()
            .map(|l| {
                format!(
                    "{} {}:{} hostname {}",
                    l.name,
                    l.protocol,
                    l.port,
                    l.hostname.as_deref().unwrap_or("*")
                )
            })
            .collect();
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "Gateway {}/{} has no {} listener on port {} for {} (listeners: {})",
                gw.namespace,
                gw.name,
                conn.protocol(),
                conn.port,
                conn.host,
                ls.join(", ")
            ),
        ));
        r.symptom = if on_port.is_empty() {
            Symptom::ConnectionRefused
        } else {
            Symptom::TlsHandshakeFailure
        };
        return None;
    };
    Some(listener)
}

//! Gateway API routing: which Gateway listener, HTTPRoute/GRPCRoute rule and backends serve
//! a request, and why a route does not work.
//!
//! The semantics are the Gateway API specification's (gateway.networking.k8s.io v1):
//!
//! **Attachment.** A route attaches to a Gateway through a `parentRef` (group
//! `gateway.networking.k8s.io`, kind `Gateway`, namespace the route's unless given). Without
//! `sectionName` and `port` it attaches to every listener that accepts it; `sectionName`
//! names one listener, `port` the listeners on that port (both: the listener must have
//! both). A listener accepts a route when `allowedRoutes.namespaces.from` allows the
//! route's namespace (`Same`, the default: the Gateway's namespace; `All`; `Selector`: the
//! namespace's labels match) and `allowedRoutes.kinds` (default: what the protocol carries,
//! HTTPRoute and GRPCRoute for HTTP/HTTPS) contains the route's kind. Finally, the route's
//! `hostnames` must intersect the listener's `hostname` (either may be absent, meaning any).
//! Failures map to the `Accepted: False` reasons a controller writes: `NoMatchingParent`,
//! `NotAllowedByListeners`, `NoMatchingListenerHostname`.
//!
//! **Hostnames.** Unlike Ingress, a Gateway API wildcard `*.example.com` matches one *or
//! more* labels (`foo.example.com`, `foo.bar.example.com`) but not `example.com` itself.
//! A listener `*.example.com` and a route `foo.bar.example.com` intersect; a listener
//! `*.example.com` and a route `example.com` do not.
//!
//! **Matching.** A match ANDs its path, method, headers (name case-insensitive, value
//! exact) and query parameters (name and value exact); a rule's matches are ORed; a rule
//! without matches is `PathPrefix /`. `Exact` compares the whole path; `PathPrefix` is
//! element-wise, a trailing `/` in the prefix ignored (`/abc` matches `/abc`, `/abc/`,
//! `/abc/def`, not `/abcd`). `RegularExpression` is implementation-specific and not
//! evaluated (reported).
//!
//! **Precedence** across every applicable route, continuing on ties: the most characters in
//! a matching non-wildcard hostname, then in a matching hostname; an `Exact` path; the
//! longest `PathPrefix`; a method match; the most header matches; the most query matches;
//! the oldest route (creationTimestamp); `namespace/name` alphabetically; the first rule in
//! list order. GRPCRoute: hostname as above, then the longest matching service, the longest
//! matching method, the most header matches, then the same route tie-breaks.
//!
//! **Backends.** Traffic is split across `backendRefs` by `weight` (default 1; 0 receives
//! nothing). A backend of a kind the controller does not support (`InvalidKind`), a Service
//! in another namespace without a ReferenceGrant there (`RefNotPermitted`), or a missing
//! Service or port (`BackendNotFound`) gets its share answered with 500; a rule without any
//! usable backend: 500. A Service without ready endpoints: 503. No matching rule: 404.

use crate::model::{
    condition, BackendRef, Cluster, FromNamespaces, Gateway, GwCondition, GwRoute, Listener,
    ParentRef, PathMatchType, RouteKind, RouteMatch, Service, ServicePort,
};
use serde::Serialize;
use std::cmp::Reverse;

// ---------------------------------------------------------------------------------------------
// Result vocabulary (INTERFACE.md): hops and symptoms.

use super::ingress::{backend_state, Route, RouteBackend, RouteVia};
pub use super::ingress::{Hop, HopStatus, Symptom};

fn hop(step: &'static str, status: HopStatus, detail: impl Into<String>) -> Hop {
    Hop {
        step,
        status,
        detail: detail.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Status conditions in plain words.

/// What a route/Gateway/GatewayClass condition reason means, in plain words.
pub fn explain_reason(type_: &str, reason: &str) -> &'static str {
    match (type_, reason) {
        ("Accepted", "NotAllowedByListeners") => {
            "no listener of the Gateway allows this route: its namespace is not in the listener's allowedRoutes.namespaces, or its kind is not in allowedRoutes.kinds"
        }
        ("Accepted", "NoMatchingParent") => {
            "the parentRef matches no listener: the sectionName or port names no listener of the Gateway"
        }
        ("Accepted", "NoMatchingListenerHostname") => {
            "none of the route's hostnames intersects the hostname of a listener it could attach to"
        }
        ("Accepted", "UnsupportedValue") => {
            "the route uses a value (match type, filter, path modifier) the controller does not support"
        }
        ("Accepted", "Pending") => "no controller has processed it yet",
        ("Accepted", "InvalidParameters") => {
            "the GatewayClass parametersRef points to a missing or invalid object"
        }
        ("Accepted", "Unsupported") | ("Accepted", "UnsupportedProtocol") => {
            "the controller does not support something the object asks for"
        }
        ("Accepted", "ListenersNotValid") => "one or more listeners are invalid",
        ("Accepted", "UnsupportedAddress") => "the requested address type is not supported",
        ("ResolvedRefs", "BackendNotFound") => {
            "a backendRef names a Service (or port) that does not exist; its share of requests gets 500"
        }
        ("ResolvedRefs", "RefNotPermitted") => {
            "a backendRef points into another namespace and no ReferenceGrant there allows it; its share of requests gets 500"
        }
        ("ResolvedRefs", "InvalidKind") => {
            "a backendRef names a kind the controller does not support (usually a typo in group/kind); its share of requests gets 500"
        }
        ("ResolvedRefs", "UnsupportedProtocol") => {
            "the backend's appProtocol is not supported by the controller"
        }
        ("ResolvedRefs", "InvalidCertificateRef") => {
            "a listener certificateRef names a missing or invalid Secret"
        }
        ("Programmed", "AddressNotAssigned") | ("Programmed", "AddressNotUsable") => {
            "the Gateway has no usable address yet"
        }
        ("Programmed", "Pending") => "the controller has not configured the data plane yet",
        ("Programmed", "NoResources") => "the controller could not get the resources it needs",
        _ => "",
    }
}

/// `Accepted=False (NotAllowedByListeners: <plain words>; controller says: …)`.
pub fn describe_condition(c: &GwCondition) -> String {
    let mut s = format!("{}={}", c.type_, c.status);
    if !c.reason.is_empty() {
        s.push_str(&format!(" ({}", c.reason));
        let plain = explain_reason(&c.type_, &c.reason);
        if !plain.is_empty() {
            s.push_str(&format!(": {plain}"));
        }
        s.push(')');
    }
    if !c.message.is_empty() {
        s.push_str(&format!("; controller says: {:?}", c.message));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Hostnames.

/// Whether a hostname pattern (`*.example.com` or exact) matches a concrete host. Gateway
/// API wildcards match one or more labels.
pub fn hostname_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => host == pattern,
    }
}

/// The intersection of a listener hostname and a route hostname, the more specific of the
/// two, or `None` when they do not intersect.
pub fn intersect_hostnames<'a>(listener: &'a str, route: &'a str) -> Option<&'a str> {
    let lw = listener.starts_with("*.");
    let rw = route.starts_with("*.");
    match (lw, rw) {
        (false, false) => (listener.eq_ignore_ascii_case(route)).then_some(route),
        (true, false) => hostname_matches(listener, route).then_some(route),
        (false, true) => hostname_matches(route, listener).then_some(listener),
        (true, true) => {
            if listener.eq_ignore_ascii_case(route) || hostname_matches(listener, &route[2..]) {
                Some(route)
            } else if hostname_matches(route, &listener[2..]) {
                Some(listener)
            } else {
                None
            }
        }
    }
}

/// The hostnames through which a route is reachable on a listener (`None` inside: any).
/// `Err(())` when both name hostnames and none intersect.
#[allow(clippy::result_unit_err)]
pub fn effective_hostnames(listener: &Listener, route: &GwRoute) -> Result<Vec<String>, ()> {
    match &listener.hostname {
        None => Ok(route.hostnames.clone()),
        Some(lh) if route.hostnames.is_empty() => Ok(vec![lh.clone()]),
        Some(lh) => {
            let out: Vec<String> = route
                .hostnames
                .iter()
                .filter_map(|rh| intersect_hostnames(lh, rh).map(str::to_string))
                .collect();
            if out.is_empty() {
                Err(())
            } else {
                Ok(out)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Attachment.

/// Why a parentRef does not attach, as the `Accepted: False` reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachError {
    /// The parentRef is not a Gateway (a Service mesh parent, say): not evaluated.
    NotAGateway,
    /// The Gateway does not exist.
    GatewayNotFound,
    /// sectionName/port name no listener.
    NoMatchingParent(String),
    NotAllowedByListeners(String),
    NoMatchingListenerHostname(String),
    /// An HTTPRoute and a GRPCRoute claim intersecting hostnames on the same listener; the
    /// older one (then the first by namespace/name) wins, the other is not accepted.
    Conflicted(String),
}

impl AttachError {
    pub fn reason(&self) -> &'static str {
        match self {
            AttachError::NotAGateway => "NotAGateway",
            AttachError::GatewayNotFound | AttachError::NoMatchingParent(_) => "NoMatchingParent",
            AttachError::NotAllowedByListeners(_) => "NotAllowedByListeners",
            AttachError::NoMatchingListenerHostname(_) => "NoMatchingListenerHostname",
            AttachError::Conflicted(_) => "Conflicted",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            AttachError::NotAGateway => "the parentRef is not a Gateway".into(),
            AttachError::GatewayNotFound => "the Gateway does not exist".into(),
            AttachError::NoMatchingParent(s)
            | AttachError::NotAllowedByListeners(s)
            | AttachError::NoMatchingListenerHostname(s)
            | AttachError::Conflicted(s) => s.clone(),
        }
    }
}

/// A listener a route is attached to, with the hostnames it is reachable under there.
#[derive(Debug, Clone)]
pub struct AttachedListener<'a> {
    pub listener: &'a Listener,
    /// Empty: any hostname.
    pub hostnames: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Attachment<'a> {
    pub gateway: &'a Gateway,
    pub listeners: Vec<AttachedListener<'a>>,
}

fn describe_allowed(l: &Listener) -> String {
    match &l.allowed_from {
        FromNamespaces::Same => "namespaces: Same".into(),
        FromNamespaces::All => "namespaces: All".into(),
        FromNamespaces::Selector(s) => format!("namespaces: Selector {s}"),
    }
}

/// Whether a listener's allowedRoutes.namespaces admits routes from `route_ns`.
pub fn namespace_allowed(cluster: &Cluster, gw: &Gateway, l: &Listener, route_ns: &str) -> bool {
    match &l.allowed_from {
        FromNamespaces::Same => route_ns == gw.namespace,
        FromNamespaces::All => true,
        FromNamespaces::Selector(sel) => cluster
            .namespace(route_ns)
            .is_some_and(|n| sel.matches(&n.labels)),
    }
}

/// Attaches one parentRef of a route, as a Gateway controller would.
pub fn attach<'a>(
    cluster: &'a Cluster,
    route: &GwRoute,
    parent: &ParentRef,
) -> Result<Attachment<'a>, AttachError> {
    let mut att = attach_alone(cluster, route, parent)?;
    // HTTPRoute and GRPCRoute on one listener with intersecting hostnames: exactly one of
    // the two is accepted, the oldest, then the first by namespace/name.
    let mut lost: Vec<String> = Vec::new();
    att.listeners.retain(|al| {
        let winner = cluster
            .routes
            .iter()
            .filter(|o| o.kind != route.kind && route_before(o, route))
            .find(|o| {
                o.parents
                    .iter()
                    .filter(|p| {
                        p.is_gateway()
                            && p.namespace == att.gateway.namespace
                            && p.name == att.gateway.name
                    })
                    .filter_map(|p| attach_alone(cluster, o, p).ok())
                    .flat_map(|a| a.listeners)
                    .filter(|ol| std::ptr::eq(ol.listener, al.listener))
                    .any(|ol| hostnames_intersect(&ol.hostnames, &al.hostnames))
            });
        match winner {
            Some(o) => {
                lost.push(format!(
                    "on listener {} the older {} {} claims the same hostnames; only one of an HTTPRoute and a GRPCRoute with intersecting hostnames is accepted",
                    al.listener.name,
                    o.kind.as_str(),
                    o.id()
                ));
                false
            }
            None => true,
        }
    });
    if att.listeners.is_empty() && !lost.is_empty() {
        return Err(AttachError::Conflicted(lost.join("; ")));
    }
    Ok(att)
}

/// `a` takes precedence over `b`: older creationTimestamp, then namespace/name.
fn route_before(a: &GwRoute, b: &GwRoute) -> bool {
    let key = |r: &GwRoute| {
        (
            r.created.is_none(),
            r.created.clone().unwrap_or_default(),
            r.namespace.clone(),
            r.name.clone(),
        )
    };
    key(a) < key(b)
}

/// Two sets of effective hostnames (empty: any) share at least one host.
fn hostnames_intersect(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return true;
    }
    a.iter()
        .any(|x| b.iter().any(|y| intersect_hostnames(x, y).is_some()))
}

/// Attachment of one parentRef ignoring other routes.
fn attach_alone<'a>(
    cluster: &'a Cluster,
    route: &GwRoute,
    parent: &ParentRef,
) -> Result<Attachment<'a>, AttachError> {
    if !parent.is_gateway() {
        return Err(AttachError::NotAGateway);
    }
    let gw = cluster
        .gateway(&parent.namespace, &parent.name)
        .ok_or(AttachError::GatewayNotFound)?;
    let by_ref: Vec<&Listener> = gw
        .listeners
        .iter()
        .filter(|l| parent.section_name.as_ref().is_none_or(|s| *s == l.name))
        .filter(|l| parent.port.is_none_or(|p| p == l.port))
        .collect();
    if by_ref.is_empty() {
        let names: Vec<String> = gw
            .listeners
            .iter()
            .map(|l| format!("{} (port {})", l.name, l.port))
            .collect();
        let wanted = match (&parent.section_name, parent.port) {
            (Some(s), Some(p)) => format!("sectionName {s:?} with port {p}"),
            (Some(s), None) => format!("sectionName {s:?}"),
            (None, Some(p)) => format!("port {p}"),
            (None, None) => "any listener".into(),
        };
        return Err(AttachError::NoMatchingParent(format!(
            "Gateway {}/{} has no listener matching {wanted}; its listeners are: {}",
            gw.namespace,
            gw.name,
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        )));
    }
    let kind = route.kind.as_str();
    let allowed: Vec<&Listener> = by_ref
        .iter()
        .copied()
        .filter(|l| namespace_allowed(cluster, gw, l, &route.namespace) && l.accepts_kind(kind))
        .collect();
    if allowed.is_empty() {
        let why: Vec<String> = by_ref
            .iter()
            .map(|l| {
                if !l.accepts_kind(kind) {
                    format!(
                        "listener {} ({}) does not accept {kind} (allowedRoutes.kinds: {})",
                        l.name,
                        l.protocol,
                        if l.allowed_kinds.is_empty() {
                            "the protocol's default".to_string()
                        } else {
                            l.allowed_kinds
                                .iter()
                                .map(|k| k.kind.clone())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    )
                } else {
                    format!(
                        "listener {} allows routes from {} and the route is in namespace {}",
                        l.name,
                        describe_allowed(l),
                        route.namespace
                    )
                }
            })
            .collect();
        return Err(AttachError::NotAllowedByListeners(why.join("; ")));
    }
    let mut listeners = Vec::new();
    for l in &allowed {
        if let Ok(hostnames) = effective_hostnames(l, route) {
            listeners.push(AttachedListener {
                listener: l,
                hostnames,
            });
        }
    }
    if listeners.is_empty() {
        let lh: Vec<String> = allowed
            .iter()
            .map(|l| format!("{}: {}", l.name, l.hostname.as_deref().unwrap_or("*")))
            .collect();
        // The classic surprise: a route for the apex under a wildcard listener.
        let apex = allowed.iter().find_map(|l| {
            let suffix = l.hostname.as_deref()?.strip_prefix("*.")?;
            route
                .hostnames
                .iter()
                .any(|h| h == suffix)
                .then(|| format!("; listener hostname *.{suffix} covers sub-domains at any depth but not {suffix} itself"))
        });
        return Err(AttachError::NoMatchingListenerHostname(format!(
            "route hostnames [{}] intersect no listener hostname ({}){}",
            route.hostnames.join(", "),
            lh.join(", "),
            apex.unwrap_or_default()
        )));
    }
    Ok(Attachment {
        gateway: gw,
        listeners,
    })
}

// ---------------------------------------------------------------------------------------------
// Backends.

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
    svc.ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{n} {}/{}", p.port, p.protocol),
            None => format!("{}/{}", p.port, p.protocol),
        })
        .collect::<Vec<_>>()
        .join(", ")
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

/// One backendRef's share of a rule's traffic and what that share sees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightedBackend {
    /// `ns/name` of the backend as referenced.
    pub service: String,
    pub port: Option<u16>,
    pub weight: i64,
    /// Share of the rule's requests, in percent (0 for weight 0).
    pub percent: f64,
    pub symptom: Symptom,
    pub detail: String,
}

// `percent` is a finite share (never NaN), so equality is total.
impl Eq for WeightedBackend {}

// ---------------------------------------------------------------------------------------------
// The request.

/// A request as the Gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GwRequest {
    pub url: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Lower case, no port, no trailing dot.
    pub host: String,
    pub port: u16,
    /// Whether the URL gave the port.
    pub explicit_port: bool,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// A gRPC call (content-type application/grpc or a `grpc://` URL): only GRPCRoutes are
    /// considered, with service and method taken from the `/service/method` path.
    pub grpc: bool,
}

impl GwRequest {
    /// Parses `scheme://host[:port]/path?query`; no scheme is `http`; `grpc://` and
    /// `grpcs://` are gRPC calls over HTTP/2 (cleartext or TLS).
    pub fn parse(url: &str) -> Result<GwRequest, String> {
        let trimmed = url.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), trimmed),
        };
        let (scheme, grpc) = match scheme.as_str() {
            "http" | "https" => (scheme.clone(), false),
            "grpc" => ("http".to_string(), true),
            "grpcs" => ("https".to_string(), true),
            other => {
                return Err(format!(
                    "{url:?}: scheme {other:?} is not http, https, grpc or grpcs"
                ))
            }
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        if authority.is_empty() {
            return Err(format!("{url:?} has no host"));
        }
        let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
            let (h, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("{url:?}: unclosed '[' in the host"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(
                    p.parse::<u16>()
                        .map_err(|_| format!("{url:?}: {p:?} is not a port"))?,
                ),
                None => None,
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') && !h.is_empty() => {
                    let port: u16 = p
                        .parse()
                        .map_err(|_| format!("{url:?}: {p:?} is not a port"))?;
                    (h.to_string(), Some(port))
                }
                _ => (authority.to_string(), None),
            }
        };
        let tail = tail.split('#').next().unwrap_or("");
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, q),
            None => (tail, ""),
        };
        let query = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv.to_string(), String::new()),
            })
            .collect();
        Ok(GwRequest {
            url: trimmed.to_string(),
            scheme,
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port: port.unwrap_or(default_port),
            explicit_port: port.is_some(),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.to_string()
            },
            query,
            method: "GET".into(),
            headers: Vec::new(),
            grpc,
        })
    }

    pub fn with_header(mut self, name: &str, value: &str) -> GwRequest {
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("host") {
            let h = value.rsplit_once(':').map_or(value, |(h, _)| h);
            self.host = h.trim_end_matches('.').to_ascii_lowercase();
        }
        if name.eq_ignore_ascii_case("content-type") && value.starts_with("application/grpc") {
            self.grpc = true;
        }
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_method(mut self, method: &str) -> GwRequest {
        self.method = method.trim().to_ascii_uppercase();
        self
    }

    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a query parameter (name case-sensitive).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(service, method)` of a gRPC call: `/pkg.Service/Method`.
    pub fn grpc_call(&self) -> Option<(&str, &str)> {
        let p = self.path.strip_prefix('/')?;
        let (s, m) = p.split_once('/')?;
        (!s.is_empty() && !m.is_empty() && !m.contains('/')).then_some((s, m))
    }
}

// ---------------------------------------------------------------------------------------------
// Matching.

/// Element-wise path prefix match; a trailing `/` in the prefix is ignored.
pub fn path_prefix_matches(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return path.starts_with('/') || path.is_empty();
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Outcome of one match against a request: `Some(true)` matches, `Some(false)` does not,
/// `None` cannot be evaluated (a regular expression).
pub fn match_request(m: &RouteMatch, req: &GwRequest) -> Option<bool> {
    let mut unknown = false;
    if let Some(p) = &m.path {
        match p.type_ {
            PathMatchType::Exact => {
                if req.path != p.value {
                    return Some(false);
                }
            }
            PathMatchType::PathPrefix => {
                if !path_prefix_matches(&p.value, &req.path) {
                    return Some(false);
                }
            }
            PathMatchType::RegularExpression => unknown = true,
        }
    }
    if let Some(g) = &m.grpc {
        let Some((svc, method)) = req.grpc_call() else {
            return Some(false);
        };
        if g.regex {
            unknown = true;
        } else {
            if g.service.as_deref().is_some_and(|s| s != svc) {
                return Some(false);
            }
            if g.method.as_deref().is_some_and(|s| s != method) {
                return Some(false);
            }
        }
    }
    if let Some(method) = &m.method {
        if *method != req.method {
            return Some(false);
        }
    }
    // Only the first entry of a repeated header/query name counts (the spec).
    let mut seen: Vec<String> = Vec::new();
    for h in &m.headers {
        let lname = h.name.to_ascii_lowercase();
        if seen.contains(&lname) {
            continue;
        }
        seen.push(lname);
        match req.header(&h.name) {
            None => return Some(false),
            Some(_) if h.regex => unknown = true,
            Some(v) if v != h.value => return Some(false),
            Some(_) => {}
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for q in &m.query_params {
        if seen.contains(&q.name.as_str()) {
            continue;
        }
        seen.push(&q.name);
        match req.query_param(&q.name) {
            None => return Some(false),
            Some(_) if q.regex => unknown = true,
            Some(v) if v != q.value => return Some(false),
            Some(_) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

/// A matching (route, rule, match) and the sort key that orders it by the spec's precedence.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub route: &'a GwRoute,
    pub rule: usize,
    pub match_index: usize,
    /// The route hostname (or listener hostname) through which the host matched, if any.
    pub hostname: Option<String>,
    pub listener: &'a Listener,
}

type PrecedenceKey = (
    Reverse<usize>, // characters in a matching non-wildcard hostname
    Reverse<usize>, // characters in a matching hostname
    u8,             // path kind: 0 Exact, 1 PathPrefix, 2 RegularExpression / none
    Reverse<usize>, // prefix length / gRPC service length
    Reverse<usize>, // method present / gRPC method length
    Reverse<usize>, // header matches
    Reverse<usize>, // query matches
    (bool, String), // oldest route (missing timestamps last)
    String,         // namespace/name
    usize,          // rule index
    usize,          // match index
);

/// The spec's precedence key: lower sorts first.
pub fn precedence_key(c: &Candidate) -> PrecedenceKey {
    let m = &c.route.rules[c.rule].matches.get(c.match_index);
    let (exact_len, any_len) = match &c.hostname {
        Some(h) if h.starts_with("*.") => (0, h.len()),
        Some(h) => (h.len(), h.len()),
        None => (0, 0),
    };
    let (path_kind, path_len, method_len) = match m {
        Some(m) => match (&m.path, &m.grpc) {
            (Some(p), _) => (
                match p.type_ {
                    PathMatchType::Exact => 0,
                    PathMatchType::PathPrefix => 1,
                    PathMatchType::RegularExpression => 2,
                },
                p.value.len(),
                usize::from(m.method.is_some()),
            ),
            (None, Some(g)) => (
                1,
                g.service.as_deref().map_or(0, str::len),
                g.method.as_deref().map_or(0, str::len),
            ),
            (None, None) => (2, 0, 0),
        },
        None => (2, 0, 0),
    };
    let headers = m.map_or(0, |m| m.headers.len());
    let queries = m.map_or(0, |m| m.query_params.len());
    (
        Reverse(exact_len),
        Reverse(any_len),
        path_kind,
        Reverse(path_len),
        Reverse(method_len),
        Reverse(headers),
        Reverse(queries),
        match &c.route.created {
            Some(t) => (false, t.clone()),
            None => (true, String::new()),
        },
        c.route.id(),
        c.rule,
        c.match_index,
    )
}

// ---------------------------------------------------------------------------------------------
// The route simulation.

#[derive(Debug, Clone, Default)]
pub struct GwRouteOptions {
    /// `--gateway NS/NAME`: only this Gateway.
    pub gateway: Option<(String, String)>,
}

/// The answer of `ingress route` for a Gateway API route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GwRouteResult {
    pub url: String,
    /// `ns/name` of the Gateway that received the request.
    pub gateway: Option<String>,
    pub listener: Option<String>,
    /// `ns/name` of the route whose rule matched.
    pub route: Option<String>,
    /// `HTTPRoute` or `GRPCRoute`.
    pub route_kind: Option<&'static str>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub path_type: Option<String>,
    /// The backend most requests go to (`service`, `port`), as in the Ingress JSON.
    pub backend: Option<BackendOut>,
    /// Every backendRef of the matched rule with its share and outcome.
    pub backends: Vec<WeightedBackend>,
    pub symptom: Symptom,
    pub hops: Vec<Hop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendOut {
    pub service: String,
    pub port: String,
}

impl GwRouteResult {
    fn new(req: &GwRequest) -> GwRouteResult {
        GwRouteResult {
            url: req.url.clone(),
            gateway: None,
            listener: None,
            route: None,
            route_kind: None,
            host: None,
            path: None,
            path_type: None,
            backend: None,
            backends: Vec::new(),
            symptom: Symptom::Ok,
            hops: Vec::new(),
            class: None,
            controller: None,
            notes: Vec::new(),
        }
    }

    pub fn failing_hop(&self) -> Option<&Hop> {
        self.hops.iter().find(|h| h.status == HopStatus::Fail)
    }

    /// The `ingress route` answer (INTERFACE.md): `gateway`, `listener` and `route` in
    /// place of `ingress`; the weight split goes to the notes.
    pub fn to_route(&self) -> Route {
        Route {
            url: self.url.clone(),
            via: RouteVia::Gateway {
                gateway: self.gateway.clone(),
                listener: self.listener.clone(),
                route: self.route.clone(),
                route_kind: self.route_kind.map(str::to_string),
            },
            host: self.host.clone(),
            path: self.path.clone(),
            path_type: self.path_type.clone(),
            backend: self.backend.as_ref().map(|b| RouteBackend {
                service: b.service.clone(),
                port: b.port.clone(),
            }),
            symptom: self.symptom,
            hops: self.hops.clone(),
            class: self.class.clone(),
            controller: self.controller.clone(),
            notes: self.notes.clone(),
            backends: self.backends.clone(),
        }
    }
}

/// Whether a listener's protocol serves the request's scheme.
fn protocol_serves(l: &Listener, scheme: &str) -> bool {
    match l.protocol.as_str() {
        "HTTP" => scheme == "http",
        "HTTPS" => scheme == "https",
        // TLS passthrough/terminate carry TLSRoutes, not HTTP routing.
        _ => false,
    }
}

/// The listener specificity for a host: exact hostname, then the longest wildcard, then
/// a listener without hostname.
fn listener_rank(l: &Listener, host: &str) -> Option<(u8, Reverse<usize>)> {
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
pub fn gateways_for_host<'a>(cluster: &'a Cluster, req: &GwRequest) -> Vec<&'a Gateway> {
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
        for l in g
            .listeners
            .iter()
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
        for p in r.parents.iter().filter(|p| p.is_gateway()) {
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

/// Routes a request through a Gateway (the one given, or the one whose listener serves the
/// host). `None` when no Gateway serves the host and none was given (Ingress territory).
pub fn route(cluster: &Cluster, req: &GwRequest, opts: &GwRouteOptions) -> Option<GwRouteResult> {
    let gw = match &opts.gateway {
        Some((ns, name)) => match cluster.gateway(ns, name) {
            Some(g) => g,
            None => {
                let mut r = GwRouteResult::new(req);
                r.gateway = Some(format!("{ns}/{name}"));
                r.symptom = Symptom::NoAddress;
                r.hops.push(hop(
                    "ingress-class",
                    HopStatus::Fail,
                    format!("Gateway {ns}/{name} does not exist"),
                ));
                return Some(r);
            }
        },
        None => {
            let found = gateways_for_host(cluster, req);
            *found.first()?
        }
    };
    Some(route_via(cluster, gw, req))
}

fn route_via(cluster: &Cluster, gw: &Gateway, req: &GwRequest) -> GwRouteResult {
    let mut r = GwRouteResult::new(req);
    r.gateway = Some(format!("{}/{}", gw.namespace, gw.name));
    r.class = Some(gw.class_name.clone());

    // 1. GatewayClass and Gateway.
    let class = cluster.gateway_class(&gw.class_name);
    let mut class_detail;
    let mut class_status = HopStatus::Pass;
    match class {
        None => {
            class_status = HopStatus::Fail;
            class_detail = format!(
                "GatewayClass {:?} does not exist; no controller programs Gateway {}/{}",
                gw.class_name, gw.namespace, gw.name
            );
        }
        Some(c) => {
            r.controller = Some(c.controller.clone());
            class_detail = format!("GatewayClass {} (controller {})", c.name, c.controller);
            match c.accepted() {
                Some(a) if a.is_true() => class_detail.push_str(" Accepted"),
                Some(a) => {
                    class_status = HopStatus::Fail;
                    class_detail.push_str(&format!(" not accepted: {}", describe_condition(a)));
                }
                None => class_detail.push_str(" (no status: acceptance not known)"),
            }
        }
    }
    class_detail.push_str(&format!("; Gateway {}/{}", gw.namespace, gw.name));
    if let Some(p) = condition(&gw.conditions, "Programmed") {
        if p.is_true() {
            class_detail.push_str(" Programmed");
        } else if class_status == HopStatus::Pass {
            class_status = HopStatus::Fail;
            class_detail.push_str(&format!(" not programmed: {}", describe_condition(p)));
        }
    }
    if let Some(a) = condition(&gw.conditions, "Accepted").filter(|a| !a.is_true()) {
        if class_status == HopStatus::Pass {
            class_status = HopStatus::Fail;
        }
        class_detail.push_str(&format!(" not accepted: {}", describe_condition(a)));
    }
    if !gw.addresses.is_empty() {
        class_detail.push_str(&format!(", address {}", gw.addresses.join(", ")));
    }
    r.hops
        .push(hop("ingress-class", class_status, class_detail));
    if class_status == HopStatus::Fail {
        r.symptom = if gw.addresses.is_empty() {
            Symptom::NoAddress
        } else {
            Symptom::ConnectionRefused
        };
        return r;
    }

    // 2. The listener: protocol + port, then the most specific hostname.
    let on_port: Vec<&Listener> = gw
        .listeners
        .iter()
        .filter(|l| protocol_serves(l, &req.scheme) && l.port == req.port)
        .collect();
    let on_port = if on_port.is_empty() && !req.explicit_port {
        let any: Vec<&Listener> = gw
            .listeners
            .iter()
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
        let ls: Vec<String> = gw
            .listeners
            .iter()
            .map(|l| format!("{} {}:{}", l.name, l.protocol, l.port))
            .collect();
        r.hops.push(hop(
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
        return r;
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
        r.hops.push(hop(
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
        return r;
    };
    r.listener = Some(listener.name.clone());
    if let Some(p) = listener_condition(gw, listener, "Programmed").filter(|c| c.status == "False")
    {
        r.hops.push(hop(
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
        return r;
    }
    if listener.protocol == "HTTPS" {
        r.hops.push(tls_hop(cluster, gw, listener));
    }

    // 3. Routes attached to this listener whose hostnames match the request.
    let kind = if req.grpc {
        RouteKind::Grpc
    } else {
        RouteKind::Http
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut unevaluated: Vec<String> = Vec::new();
    let mut attached_routes = 0;
    for route in cluster.routes.iter().filter(|rt| rt.kind == kind) {
        for parent in route
            .parents
            .iter()
            .filter(|p| p.is_gateway() && p.namespace == gw.namespace && p.name == gw.name)
        {
            let Ok(att) = attach(cluster, route, parent) else {
                continue;
            };
            let Some(al) = att
                .listeners
                .iter()
                .find(|a| std::ptr::eq(a.listener, listener))
            else {
                continue;
            };
            attached_routes += 1;
            // The request host must be among the hostnames the route is reachable under
            // on this listener (the intersection).
            let reachable = al.hostnames.is_empty()
                || al.hostnames.iter().any(|h| hostname_matches(h, &req.host));
            if !reachable {
                continue;
            }
            // Precedence uses the route's own hostnames, not the intersection (the spec's
            // SHOULD); a route without hostnames counts with the listener's.
            let best = |hs: &mut dyn Iterator<Item = &String>| {
                hs.filter(|h| hostname_matches(h, &req.host))
                    .max_by_key(|h| (!h.starts_with("*."), h.len()))
                    .cloned()
            };
            let hostname = if route.hostnames.is_empty() {
                Some(listener.hostname.clone())
            } else {
                best(&mut route.hostnames.iter()).map(Some)
            };
            let Some(hostname) = hostname else { continue };
            for (ri, rule) in route.rules.iter().enumerate() {
                let matches: Vec<RouteMatch> = if rule.matches.is_empty() {
                    // A GRPCRoute rule without matches matches every call.
                    vec![RouteMatch {
                        path: None,
                        headers: Vec::new(),
                        query_params: Vec::new(),
                        method: None,
                        grpc: None,
                    }]
                } else {
                    rule.matches.clone()
                };
                for (mi, m) in matches.iter().enumerate() {
                    match match_request(m, req) {
                        Some(true) => candidates.push(Candidate {
                            route,
                            rule: ri,
                            match_index: mi,
                            hostname: hostname.clone(),
                            listener,
                        }),
                        Some(false) => {}
                        None => unevaluated.push(format!(
                            "{} {} rule {ri} ({})",
                            route.kind.as_str(),
                            route.id(),
                            m.describe()
                        )),
                    }
                }
            }
            break;
        }
    }
    for u in &unevaluated {
        r.notes.push(format!(
            "{u} uses a regular expression, which is implementation-specific and not evaluated"
        ));
    }
    candidates.sort_by_key(|c| precedence_key(c));
    let listener_desc = format!(
        "listener {} ({} :{}, hostname {})",
        listener.name,
        listener.protocol,
        listener.port,
        listener.hostname.as_deref().unwrap_or("*")
    );
    let Some(best) = candidates.first() else {
        r.hops.push(hop(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "{listener_desc}: no rule of the {attached_routes} {}(s) attached to it matches host {} path {} (404)",
                kind.as_str(),
                req.host,
                req.path
            ),
        ));
        r.notes.extend(unattached_routes_for_host(cluster, gw, req));
        r.symptom = Symptom::Http404;
        return r;
    };
    let route = best.route;
    let rule = &route.rules[best.rule];
    let m = rule.matches.get(best.match_index);
    r.route = Some(route.id());
    r.route_kind = Some(route.kind.as_str());
    r.host = best.hostname.clone();
    if let Some(p) = m.and_then(|m| m.path.as_ref()) {
        r.path = Some(p.value.clone());
        r.path_type = Some(p.type_.as_str().to_string());
    }
    let mut rule_detail = format!(
        "{listener_desc} → {} {} rule {}{} ({})",
        route.kind.as_str(),
        route.id(),
        best.rule,
        rule.name
            .as_ref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default(),
        m.map_or_else(|| "every request".into(), |m| m.describe())
    );
    if candidates.len() > 1 {
        rule_detail.push_str(&format!(
            "; chosen over {} other matching rule(s) by the Gateway API precedence",
            candidates.len() - 1
        ));
    }
    r.hops
        .push(hop("ingress-rule", HopStatus::Pass, rule_detail));
    // The route's own status for this Gateway, when a controller wrote it.
    let status = route
        .status
        .iter()
        .find(|s| s.parent.namespace == gw.namespace && s.parent.name == gw.name);
    if let Some(s) = status {
        for c in &s.conditions {
            if !c.is_true() && (c.type_ == "Accepted" || c.type_ == "ResolvedRefs") {
                r.notes.push(format!(
                    "the controller reports {} {}: {}",
                    route.kind.as_str(),
                    route.id(),
                    describe_condition(c)
                ));
            }
        }
    }

    // 4. Backends and their weights (a redirect answers without calling any).
    if rule.filters.iter().any(|f| f == "RequestRedirect") {
        r.hops.push(hop(
            "ingress-backend",
            HopStatus::Pass,
            "the rule's RequestRedirect filter answers with a redirect; no backend is called",
        ));
        return r;
    }
    evaluate_backends(cluster, route, &rule.backends, &mut r);
    r
}

/// Routes of this Gateway that name the request's host but are not attached (or not to a
/// listener serving the request), each with the reason: why a 404 happens.
fn unattached_routes_for_host(cluster: &Cluster, gw: &Gateway, req: &GwRequest) -> Vec<String> {
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
            .filter(|p| p.is_gateway() && p.namespace == gw.namespace && p.name == gw.name)
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

fn listener_condition<'a>(gw: &'a Gateway, l: &Listener, type_: &str) -> Option<&'a GwCondition> {
    gw.listener_status(&l.name)
        .and_then(|s| condition(&s.conditions, type_))
}

/// The HTTPS listener's certificate: the controller's ResolvedRefs verdict when it wrote
/// one, else whether the Secrets exist (and, across namespaces, a ReferenceGrant allows
/// the Gateway to use them).
fn tls_hop(cluster: &Cluster, gw: &Gateway, l: &Listener) -> Hop {
    if let Some(c) = listener_condition(gw, l, "ResolvedRefs").filter(|c| c.status == "False") {
        return hop(
            "tls",
            HopStatus::Warn,
            format!("listener {} certificate: {}", l.name, describe_condition(c)),
        );
    }
    if l.certificate_refs.is_empty() {
        return hop(
            "tls",
            HopStatus::Warn,
            format!("HTTPS listener {} has no certificateRefs", l.name),
        );
    }
    let mut problems = Vec::new();
    for (ns, name) in &l.certificate_refs {
        if *ns != gw.namespace
            && !cluster.reference_granted("Gateway", &gw.namespace, "", "Secret", ns, name)
        {
            problems.push(format!(
                "Secret {ns}/{name} is in another namespace and no ReferenceGrant there allows Gateways from {}",
                gw.namespace
            ));
        } else if cluster.can_read("Secret")
            && !cluster.secrets.is_empty()
            && cluster.secret(ns, name).is_none()
        {
            problems.push(format!("Secret {ns}/{name} does not exist"));
        }
    }
    if problems.is_empty() {
        let names: Vec<String> = l
            .certificate_refs
            .iter()
            .map(|(ns, n)| format!("{ns}/{n}"))
            .collect();
        hop(
            "tls",
            HopStatus::Pass,
            format!(
                "listener {} terminates TLS with {}",
                l.name,
                names.join(", ")
            ),
        )
    } else {
        hop("tls", HopStatus::Warn, problems.join("; "))
    }
}

fn evaluate_backends(
    cluster: &Cluster,
    route: &GwRoute,
    backends: &[BackendRef],
    r: &mut GwRouteResult,
) {
    let total: i64 = backends.iter().map(|b| b.weight).sum();
    if backends.is_empty() || total == 0 {
        r.hops.push(hop(
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
        let mut hops = Vec::new();
        let (symptom, detail) = match resolve_backend(cluster, route, b) {
            Err((_, msg)) => {
                hops.push(hop("ingress-backend", HopStatus::Fail, msg.clone()));
                (Symptom::Http500, msg)
            }
            Ok((svc, sp)) => {
                hops.push(hop(
                    "ingress-backend",
                    HopStatus::Pass,
                    format!(
                        "backendRef Service {name} port {} (weight {}, {percent:.0}% of requests)",
                        sp.port, b.weight
                    ),
                ));
                hops.push(hop(
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
                    hops.push(hop("endpoints", HopStatus::Warn, d.clone()));
                    (Symptom::Ok, d)
                } else if let Some(why) = no_ready_endpoints(cluster, svc, sp) {
                    let d = format!(
                        "Service {name} port {} has no ready endpoints ({why}): the Gateway answers 503",
                        sp.port
                    );
                    hops.push(hop("endpoints", HopStatus::Fail, d.clone()));
                    (Symptom::Http503, d)
                } else {
                    hops.push(hop(
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
                    hops.push(hop(
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
                    (Symptom::Ok, format!("{} ready endpoints", st.ready))
                }
            }
        };
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

#[cfg(test)]
mod tests;

/// Routes a request the way the cluster's edge would: through the Gateway named in
/// `gateway_opts`, else through a Gateway that names the host when no Ingress rule does
/// (`ingress_class` forces the Ingress path), else through the Ingresses.
pub fn route_edge(
    cluster: &Cluster,
    req: &super::ingress::RouteRequest,
    gw_req: &GwRequest,
    ingress_opts: &super::ingress::RouteOptions,
    gateway_opts: &GwRouteOptions,
) -> Route {
    let ingress = || super::ingress::route(cluster, req, ingress_opts);
    if gateway_opts.gateway.is_some() {
        return match route(cluster, gw_req, gateway_opts) {
            Some(r) => r.to_route(),
            None => ingress(),
        };
    }
    let ing = ingress();
    // A Gateway that names the host wins unless an Ingress rule names it too.
    let ingress_names_host = cluster.ingresses.iter().any(|i| {
        i.rules
            .iter()
            .any(|r| r.host.is_some() && super::ingress::host_matches(r.host.as_deref(), &req.host))
    });
    let gw = if ingress_opts.ingress_class.is_none() && !ingress_names_host {
        route(cluster, gw_req, &GwRouteOptions::default())
    } else {
        None
    };
    match gw {
        Some(g) => {
            let mut r = g.to_route();
            if let Some(i) = ing.ingress() {
                r.notes.push(format!(
                    "Ingress {i} would also serve this host (catch-all or default backend); use --ingress-class to route through it"
                ));
            }
            r
        }
        None => ing,
    }
}

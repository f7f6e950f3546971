//! Gateway API model: GatewayClass, Gateway, HTTPRoute/GRPCRoute and ReferenceGrant, with
//! the API's defaults applied (parentRef group/kind/namespace, backendRef kind/namespace,
//! weight 1, a match-everything `PathPrefix /` for an HTTPRoute rule without matches).

use super::labels::Selector;
use crate::load::Origin;

/// The Gateway API group.
pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// A status condition (`Accepted`, `ResolvedRefs`, `Programmed`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GwCondition {
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    pub message: String,
}

impl GwCondition {
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// The condition of that type, if the controller wrote one.
pub fn condition<'a>(conditions: &'a [GwCondition], type_: &str) -> Option<&'a GwCondition> {
    conditions.iter().find(|c| c.type_ == type_)
}

#[derive(Debug, Clone)]
pub struct GatewayClass {
    pub name: String,
    pub controller: String,
    pub conditions: Vec<GwCondition>,
    pub origin: Option<Origin>,
}

impl GatewayClass {
    pub fn accepted(&self) -> Option<&GwCondition> {
        condition(&self.conditions, "Accepted")
    }
}

/// `allowedRoutes.namespaces.from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromNamespaces {
    /// The Gateway's own namespace (the default).
    Same,
    All,
    Selector(Selector),
}

/// A route kind a listener allows (`allowedRoutes.kinds`), group defaulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteGroupKind {
    pub group: String,
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub name: String,
    /// `None`: every hostname.
    pub hostname: Option<String>,
    pub port: u16,
    /// `HTTP`, `HTTPS`, `TLS`, `TCP`, `UDP` or an implementation's own.
    pub protocol: String,
    pub tls_mode: Option<String>,
    /// `tls.certificateRefs`, defaults applied (group `""`, kind `Secret`, the Gateway's
    /// namespace).
    pub certificate_refs: Vec<CertificateRef>,
    pub allowed_from: FromNamespaces,
    /// As written; empty means the kinds the protocol supports.
    pub allowed_kinds: Vec<RouteGroupKind>,
    /// The ListenerSet that defines this listener (`None`: the Gateway's own).
    pub set: Option<SetRef>,
}

/// A ListenerSet, by namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetRef {
    pub namespace: String,
    pub name: String,
}

/// `spec.allowedListeners.namespaces.from` of a Gateway: which ListenerSets may attach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AllowedListeners {
    /// The default: only the Gateway's own listeners.
    #[default]
    None,
    Same,
    All,
    Selector(Selector),
}

/// A ListenerSet: listeners for a parent Gateway, defined in another object (possibly in
/// another namespace).
#[derive(Debug, Clone)]
pub struct ListenerSet {
    pub namespace: String,
    pub name: String,
    /// `spec.parentRef` with defaults (group gateway.networking.k8s.io, kind Gateway,
    /// namespace the ListenerSet's).
    pub parent: ParentRef,
    /// Its listeners (each with `set` pointing back here).
    pub listeners: Vec<Listener>,
    pub conditions: Vec<GwCondition>,
    pub listener_status: Vec<ListenerStatus>,
    pub created: Option<String>,
    pub origin: Option<Origin>,
}

impl ListenerSet {
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    pub fn set_ref(&self) -> SetRef {
        SetRef {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

impl Listener {
    /// Route kinds this listener accepts: the explicit list, or what its protocol carries
    /// (HTTP: HTTPRoute and GRPCRoute; HTTPS: HTTPRoute and GRPCRoute; TLS: TLSRoute;
    /// TCP: TCPRoute; UDP: UDPRoute).
    pub fn accepts_kind(&self, kind: &str) -> bool {
        if !self.allowed_kinds.is_empty() {
            return self
                .allowed_kinds
                .iter()
                .any(|k| k.kind == kind && k.group == GATEWAY_GROUP);
        }
        match self.protocol.as_str() {
            "HTTP" | "HTTPS" => kind == "HTTPRoute" || kind == "GRPCRoute",
            "TLS" => kind == "TLSRoute",
            "TCP" => kind == "TCPRoute",
            "UDP" => kind == "UDPRoute",
            _ => true,
        }
    }
}

/// A listener's `tls.certificateRefs` entry with the API defaults: group `""` (core), kind
/// `Secret`, namespace the Gateway's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl CertificateRef {
    /// A core `Secret` (the only kind with Core support, and the only one netdoctor reads).
    pub fn is_secret(&self) -> bool {
        self.group.is_empty() && self.kind == "Secret"
    }

    /// `ns/name`, with `group/kind` in front when it is not a core Secret.
    pub fn display(&self) -> String {
        if self.is_secret() {
            format!("{}/{}", self.namespace, self.name)
        } else if self.group.is_empty() {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        } else {
            format!(
                "{}.{} {}/{}",
                self.kind, self.group, self.namespace, self.name
            )
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListenerStatus {
    pub name: String,
    pub attached_routes: Option<i64>,
    pub conditions: Vec<GwCondition>,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub namespace: String,
    pub name: String,
    pub class_name: String,
    pub listeners: Vec<Listener>,
    /// `status.addresses[].value`.
    pub addresses: Vec<String>,
    pub conditions: Vec<GwCondition>,
    pub listener_status: Vec<ListenerStatus>,
    /// Which ListenerSets may attach.
    pub allowed_listeners: AllowedListeners,
    pub created: Option<String>,
    pub origin: Option<Origin>,
}

impl Gateway {
    pub fn listener(&self, name: &str) -> Option<&Listener> {
        self.listeners.iter().find(|l| l.name == name)
    }

    pub fn listener_status(&self, name: &str) -> Option<&ListenerStatus> {
        self.listener_status.iter().find(|l| l.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteKind {
    Http,
    Grpc,
    Tls,
    Tcp,
    Udp,
}

impl RouteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::Http => "HTTPRoute",
            RouteKind::Grpc => "GRPCRoute",
            RouteKind::Tls => "TLSRoute",
            RouteKind::Tcp => "TCPRoute",
            RouteKind::Udp => "UDPRoute",
        }
    }

    /// HTTPRoute or GRPCRoute (routed on requests, not connections).
    pub fn is_http(self) -> bool {
        matches!(self, RouteKind::Http | RouteKind::Grpc)
    }
}

/// A `parentRef` with the API defaults: group `gateway.networking.k8s.io`, kind `Gateway`,
/// namespace the route's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub section_name: Option<String>,
    pub port: Option<u16>,
}

impl ParentRef {
    pub fn is_gateway(&self) -> bool {
        self.group == GATEWAY_GROUP && self.kind == "Gateway"
    }

    pub fn is_listener_set(&self) -> bool {
        self.group == GATEWAY_GROUP && self.kind == "ListenerSet"
    }

    /// `ns/name` plus `/section` or `:port` when given.
    pub fn display(&self) -> String {
        let mut s = format!("{}/{}", self.namespace, self.name);
        if let Some(sec) = &self.section_name {
            s.push_str(&format!(" (listener {sec})"));
        }
        if let Some(p) = self.port {
            s.push_str(&format!(" (port {p})"));
        }
        s
    }

    /// Whether a status entry's parentRef names this parentRef (after defaulting).
    pub fn same_as(&self, other: &ParentRef) -> bool {
        self.group == other.group
            && self.kind == other.kind
            && self.namespace == other.namespace
            && self.name == other.name
            && self.section_name == other.section_name
            && self.port == other.port
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathMatchType {
    Exact,
    PathPrefix,
    RegularExpression,
}

impl PathMatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            PathMatchType::Exact => "Exact",
            PathMatchType::PathPrefix => "PathPrefix",
            PathMatchType::RegularExpression => "RegularExpression",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMatch {
    pub type_: PathMatchType,
    pub value: String,
}

/// A header or query parameter match. `regex: false` is `Exact` (the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueMatch {
    pub regex: bool,
    pub name: String,
    pub value: String,
}

/// A GRPCRoute method match: `service`/`method` (either may be absent), Exact or regex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcMethodMatch {
    pub regex: bool,
    pub service: Option<String>,
    pub method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// HTTPRoute: always set (defaulted to `PathPrefix /`). GRPCRoute: `None`.
    pub path: Option<PathMatch>,
    pub headers: Vec<ValueMatch>,
    pub query_params: Vec<ValueMatch>,
    /// HTTPRoute method (`GET`).
    pub method: Option<String>,
    pub grpc: Option<GrpcMethodMatch>,
}

impl RouteMatch {
    /// The match an HTTPRoute rule without `matches` has: `PathPrefix /`.
    pub fn http_default() -> RouteMatch {
        RouteMatch {
            path: Some(PathMatch {
                type_: PathMatchType::PathPrefix,
                value: "/".into(),
            }),
            headers: Vec::new(),
            query_params: Vec::new(),
            method: None,
            grpc: None,
        }
    }

    /// Short human form: `PathPrefix /api, method GET, header x-env=canary`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.path {
            parts.push(format!("{} {}", p.type_.as_str(), p.value));
        }
        if let Some(g) = &self.grpc {
            parts.push(format!(
                "gRPC {}/{}",
                g.service.as_deref().unwrap_or("*"),
                g.method.as_deref().unwrap_or("*")
            ));
        }
        if let Some(m) = &self.method {
            parts.push(format!("method {m}"));
        }
        for h in &self.headers {
            let op = if h.regex { "~" } else { "=" };
            parts.push(format!("header {}{op}{}", h.name, h.value));
        }
        for q in &self.query_params {
            let op = if q.regex { "~" } else { "=" };
            parts.push(format!("query {}{op}{}", q.name, q.value));
        }
        if parts.is_empty() {
            "every request".into()
        } else {
            parts.join(", ")
        }
    }
}

/// A `backendRef` with defaults: group `""` (core), kind `Service`, namespace the route's,
/// weight 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendRef {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub port: Option<u16>,
    pub weight: i64,
    /// Types of the filters on this backendRef (applied only to its share).
    pub filters: Vec<String>,
}

impl BackendRef {
    pub fn is_service(&self) -> bool {
        self.group.is_empty() && self.kind == "Service"
    }
}

#[derive(Debug, Clone)]
pub struct RouteRule {
    pub name: Option<String>,
    /// Never empty for an HTTPRoute (defaulted); empty for a GRPCRoute rule means every
    /// request.
    pub matches: Vec<RouteMatch>,
    /// The rule's filters, in order.
    pub filters: Vec<RouteFilter>,
    pub backends: Vec<BackendRef>,
}

#[derive(Debug, Clone)]
pub struct RouteParentStatus {
    pub parent: ParentRef,
    pub controller: String,
    pub conditions: Vec<GwCondition>,
}

/// An HTTPRoute or a GRPCRoute.
#[derive(Debug, Clone)]
pub struct GwRoute {
    pub kind: RouteKind,
    pub namespace: String,
    pub name: String,
    pub parents: Vec<ParentRef>,
    /// Lower case, as written (`*.example.com` allowed). Empty: every hostname.
    pub hostnames: Vec<String>,
    pub rules: Vec<RouteRule>,
    pub status: Vec<RouteParentStatus>,
    pub created: Option<String>,
    pub origin: Option<Origin>,
}

impl GwRoute {
    /// `ns/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The status entry a controller wrote for this parentRef.
    pub fn status_for(&self, parent: &ParentRef) -> Option<&RouteParentStatus> {
        self.status.iter().find(|s| s.parent.same_as(parent))
    }
}

/// One `from` entry of a ReferenceGrant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFrom {
    pub group: String,
    pub kind: String,
    pub namespace: String,
}

/// One `to` entry; `name: None` grants every object of the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantTo {
    pub group: String,
    pub kind: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReferenceGrant {
    pub namespace: String,
    pub name: String,
    pub from: Vec<GrantFrom>,
    pub to: Vec<GrantTo>,
}

impl ReferenceGrant {
    /// Whether this grant (in the target's namespace) lets an object of
    /// `from_group/from_kind` in `from_ns` refer to `to_group/to_kind` named `to_name`.
    pub fn permits(
        &self,
        from_group: &str,
        from_kind: &str,
        from_ns: &str,
        to_group: &str,
        to_kind: &str,
        to_name: &str,
    ) -> bool {
        self.from
            .iter()
            .any(|f| f.group == from_group && f.kind == from_kind && f.namespace == from_ns)
            && self.to.iter().any(|t| {
                t.group == to_group
                    && t.kind == to_kind
                    && t.name.as_deref().is_none_or(|n| n == to_name)
            })
    }
}

/// `path` of a RequestRedirect or URLRewrite filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathModifier {
    ReplaceFullPath(String),
    ReplacePrefixMatch(String),
}

/// `set`, `add` and `remove` of a Request/ResponseHeaderModifier filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderModifier {
    pub set: Vec<(String, String)>,
    pub add: Vec<(String, String)>,
    pub remove: Vec<String>,
}

/// A route rule filter, with what it does (HTTPRouteFilter / GRPCRouteFilter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteFilter {
    /// `RequestRedirect`; `status_code` defaulted to 302.
    RequestRedirect {
        scheme: Option<String>,
        hostname: Option<String>,
        path: Option<PathModifier>,
        port: Option<u16>,
        status_code: u16,
    },
    /// `URLRewrite`.
    UrlRewrite {
        hostname: Option<String>,
        path: Option<PathModifier>,
    },
    RequestHeaderModifier(HeaderModifier),
    ResponseHeaderModifier(HeaderModifier),
    /// `RequestMirror`, `CORS`, `ExtensionRef`, … or a filter whose configuration is
    /// missing: its type as written.
    Other(String),
}

impl RouteFilter {
    pub fn type_name(&self) -> &str {
        match self {
            RouteFilter::RequestRedirect { .. } => "RequestRedirect",
            RouteFilter::UrlRewrite { .. } => "URLRewrite",
            RouteFilter::RequestHeaderModifier(_) => "RequestHeaderModifier",
            RouteFilter::ResponseHeaderModifier(_) => "ResponseHeaderModifier",
            RouteFilter::Other(t) => t,
        }
    }
}

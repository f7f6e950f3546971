//! Ingress routing: which Ingress rule and backend serve a URL, and why a request gets
//! 404/502/503 or never reaches a controller.
//!
//! The semantics are the Kubernetes Ingress API's (networking.k8s.io/v1) where the API
//! defines them, and ingress-nginx's (the controller most clusters run) where the API leaves
//! them to the implementation. What is modelled, and where it comes from:
//!
//! **Class.** An Ingress belongs to the IngressClass named by `spec.ingressClassName`; that
//! class must exist (ingress-nginx looks the name up among the IngressClasses whose
//! `spec.controller` is its own, `k8s.io/ingress-nginx`). Without it, the deprecated
//! `kubernetes.io/ingress.class` annotation names the class (ingress-nginx compares it with
//! its `--ingress-class` flag, `nginx` by default, so the annotation works without an
//! IngressClass object). With neither, the API server's DefaultIngressClass admission plugin
//! writes the default IngressClass (`ingressclass.kubernetes.io/is-default-class: "true"`)
//! into `ingressClassName` when the Ingress is created; with more than one default it refuses
//! such Ingresses. We model a manifest as the admission plugin would see it. When both the
//! field and the annotation are set, the field wins (as in ingress-nginx).
//!
//! **Host.** `host` is matched case-insensitively against the request's Host (port stripped).
//! An exact host beats a wildcard; `*.foo.com` matches exactly one extra DNS label
//! (`bar.foo.com`, not `baz.bar.foo.com` nor `foo.com`), which is also what ingress-nginx
//! generates (`~^(?<subdomain>[\w-]+)\.foo\.com$`). A rule without host serves every host that
//! no rule names (ingress-nginx's catch-all server `_`).
//!
//! **Merge.** ingress-nginx merges every Ingress of its class into one nginx server per host,
//! processing Ingresses oldest first (creationTimestamp; equal timestamps in descending
//! `namespace/name` order). The first Ingress to name a host creates the server, and its
//! `defaultBackend` (if any) becomes the server's root location `/`; otherwise the controller's
//! default backend (404) is. A later Ingress adds its paths; a path already present with the
//! same pathType keeps the first (oldest) Ingress's backend, except the root default location,
//! which a rule for `/` (Prefix) replaces. Same path with a different pathType is kept apart.
//!
//! **defaultBackend.** An Ingress's `spec.defaultBackend` serves (a) the unmatched paths of the
//! hosts whose server that Ingress created, and (b) every request of the catch-all server
//! when the Ingress has no rules at all (the first such Ingress wins). It does not serve other
//! hosts nor other Ingresses' hosts. With no match and no such backend, ingress-nginx's own
//! default backend answers 404. Other controllers may use one Ingress's defaultBackend for
//! every unmatched request.
//!
//! **Paths.** `Exact` matches the whole path, case-sensitively. `Prefix` matches element-wise
//! on the `/`-separated path, ignoring a trailing slash (`/foo` matches `/foo`, `/foo/`,
//! `/foo/bar`, not `/foobar`). ingress-nginx realises Prefix `/foo` as `location /foo/` plus
//! `location = /foo` (only `/foo/` when an Exact `/foo` exists); for Prefix `/foo/` it
//! answers a request for `/foo` with a 301 to `/foo/`. `ImplementationSpecific` is, in
//! ingress-nginx (since 0.41, `SetDefaultNGINXPathType`), turned into `Prefix` before anything
//! else, so it matches element-wise too and conflicts with a Prefix path of the same string;
//! older releases emitted a plain nginx prefix location (a string prefix, `/foo` matching
//! `/foobar`), which is also what it becomes under `use-regex`.
//! Precedence: an exact match first, then the longest matching prefix. When any Ingress
//! contributing to a host sets `nginx.ingress.kubernetes.io/use-regex: "true"` or a
//! `rewrite-target`, every location of that host (Exact ones too) becomes a case-insensitive
//! regex `~* "^path"`, tried longest first; the first match wins.
//!
//! **Canary.** Ingresses with `nginx.ingress.kubernetes.io/canary: "true"` create no server;
//! they divert requests of an existing host+path when `canary-by-header` (value `always`, or
//! `canary-by-header-value`) or `canary-by-cookie` (`always`) match; `canary-weight` is reported.
//!
//! **TLS.** For https, the server's certificate comes from the oldest Ingress of that host
//! that has a `tls` section: the entry listing the host (case-insensitive), its `secretName`
//! in the Ingress's namespace. No entry, no secretName, or a missing Secret: ingress-nginx
//! serves its self-signed "Kubernetes Ingress Controller Fake Certificate". A plain http
//! request to a host with TLS gets a 308 redirect to https unless `ssl-redirect: "false"`.
//!
//! **Backend.** The Service must exist in the Ingress's namespace (else 503) and have the
//! port, by number or by name (else 503; ingress-nginx also accepts a number equal to a
//! `targetPort`, which we report). No ready endpoint: 503. Ready pods exist but the
//! Service's named targetPort does not resolve on them: 502.

use crate::model::{
    Cluster, Ingress, IngressBackend, IngressClass, IngressPath, PathType, PortRef, Protocol,
    Service, ServicePort, ServiceType,
};
use serde::Serialize;

/// The controller netdoctor models when the IngressClass names none it knows.
pub const INGRESS_NGINX: &str = "k8s.io/ingress-nginx";
/// ingress-nginx's default `--ingress-class`, which the old annotation is compared with.
const INGRESS_NGINX_DEFAULT_CLASS: &str = "nginx";
const ANNOTATION_CLASS: &str = "kubernetes.io/ingress.class";
const NGINX_PREFIX: &str = "nginx.ingress.kubernetes.io/";

// ---------------------------------------------------------------------------------------------
// Result vocabulary (INTERFACE.md): hops and symptoms, shared with `trace`.

pub use super::path::{Hop, HopStatus, Symptom};

/// The Service and port a request is sent to (`port` as written in the Ingress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteBackend {
    pub service: String,
    pub port: String,
}

/// What served the request: an Ingress, or (filled by the Gateway API engine) a Gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RouteVia {
    Ingress {
        /// `ns/name` of the Ingress whose rule (or defaultBackend) served it; null when none.
        ingress: Option<String>,
    },
    Gateway {
        gateway: Option<String>,
        listener: Option<String>,
        route: Option<String>,
        /// `HTTPRoute` or `GRPCRoute`.
        #[serde(skip_serializing_if = "Option::is_none")]
        route_kind: Option<String>,
    },
}

/// The answer of `ingress route`: which rule and backend serve the URL and each hop's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub url: String,
    #[serde(flatten)]
    pub via: RouteVia,
    /// The rule's host as written (`*.example.com`), null for a rule without host or a
    /// default backend.
    pub host: Option<String>,
    pub path: Option<String>,
    pub path_type: Option<String>,
    pub backend: Option<RouteBackend>,
    pub symptom: Symptom,
    pub hops: Vec<Hop>,
    /// The IngressClass (or GatewayClass) whose controller handles the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// Where the model's controller behaviour may differ from the one in use, and other
    /// remarks (redirects, canaries).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Gateway API: every backendRef of the matched rule with its weight, share of requests
    /// and outcome (empty for Ingress).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<super::gateway::WeightedBackend>,
}

impl Route {
    /// The first hop that failed.
    pub fn failing_hop(&self) -> Option<&Hop> {
        self.hops.iter().find(|h| h.status == HopStatus::Fail)
    }

    pub fn ingress(&self) -> Option<&str> {
        match &self.via {
            RouteVia::Ingress { ingress } => ingress.as_deref(),
            RouteVia::Gateway { .. } => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The request.

/// A request as the client sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRequest {
    /// As given on the command line.
    pub url: String,
    /// `http` or `https`.
    pub scheme: String,
    /// The Host header (lower case, no port, no trailing dot).
    pub host: String,
    pub port: u16,
    /// The path as nginx matches it: percent-decoded, `//` merged, `.`/`..` resolved.
    pub path: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
}

impl RouteRequest {
    /// Parses `scheme://host[:port]/path?query`; a URL without scheme is `http`.
    pub fn parse(url: &str) -> Result<RouteRequest, String> {
        let trimmed = url.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), trimmed),
        };
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            other => return Err(format!("{url:?}: scheme {other:?} is not http or https")),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        if authority.is_empty() {
            return Err(format!("{url:?} has no host"));
        }
        let (host, port) = split_host_port(authority)
            .ok_or_else(|| format!("{url:?}: {authority:?} is not a valid host[:port]"))?;
        let path_part = tail.split(['?', '#']).next().unwrap_or("");
        Ok(RouteRequest {
            url: trimmed.to_string(),
            scheme,
            host: normalize_host(&host),
            port: port.unwrap_or(default_port),
            path: normalize_path(path_part),
            method: "GET".to_string(),
            headers: Vec::new(),
        })
    }

    /// Adds a header; `Host` replaces the host the URL names (as `curl -H 'Host: …'` does).
    pub fn with_header(mut self, name: &str, value: &str) -> RouteRequest {
        let name = name.trim();
        let value = value.trim();
        if name.eq_ignore_ascii_case("host") {
            if let Some((h, _)) = split_host_port(value) {
                self.host = normalize_host(&h);
            }
        }
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_method(mut self, method: &str) -> RouteRequest {
        self.method = method.trim().to_ascii_uppercase();
        self
    }

    /// A header's value (first occurrence, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((h.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h.to_string(), Some(p.parse().ok()?))),
        _ => Some((authority.to_string(), None)),
    }
}

fn normalize_host(h: &str) -> String {
    h.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// What nginx matches locations against: the decoded URI with `//` merged and dot segments
/// resolved (`merge_slashes on`, nginx's URI normalisation).
pub fn normalize_path(raw: &str) -> String {
    let decoded = percent_decode(raw);
    let mut segments: Vec<&str> = Vec::new();
    let trailing = decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if trailing && !segments.is_empty() {
        out.push('/');
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Matching primitives (the API's definitions).

/// Whether an Ingress rule's `host` matches a request host (both compared case-insensitively;
/// the request host without port). `None` (no host) matches every host.
pub fn host_matches(rule_host: Option<&str>, request_host: &str) -> bool {
    let Some(rule) = rule_host else { return true };
    let rule = rule.to_ascii_lowercase();
    let req = normalize_host(request_host);
    match rule.strip_prefix("*.") {
        Some(suffix) => match req.split_once('.') {
            Some((label, rest)) => {
                !label.is_empty()
                    && rest == suffix
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }
            None => false,
        },
        None => rule == req,
    }
}

/// Whether a path of the given type matches a request path, per the Ingress API (and, for
/// ImplementationSpecific, as ingress-nginx without `use-regex` treats it: as Prefix).
pub fn path_matches(path_type: PathType, path: &str, request: &str) -> bool {
    match path_type {
        PathType::Exact => path == request,
        PathType::Prefix => {
            let p = elements(path);
            let r = elements(request);
            p.len() <= r.len() && p.iter().zip(&r).all(|(a, b)| a == b)
        }
        PathType::ImplementationSpecific => path_matches(
            nginx_path_type(PathType::ImplementationSpecific),
            path,
            request,
        ),
    }
}

/// The pathType ingress-nginx works with: `ImplementationSpecific` (and a missing pathType)
/// becomes `Prefix` when the Ingress is read (`SetDefaultNGINXPathType`).
pub fn nginx_path_type(t: PathType) -> PathType {
    match t {
        PathType::ImplementationSpecific => PathType::Prefix,
        other => other,
    }
}

fn elements(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

// ---------------------------------------------------------------------------------------------
// Classes and controllers.

/// How an Ingress's class was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassSource {
    /// `spec.ingressClassName`.
    Field,
    /// The deprecated `kubernetes.io/ingress.class` annotation.
    Annotation,
    /// None given: the default IngressClass (written by the admission plugin).
    Default,
}

/// The IngressClass (and controller) an Ingress belongs to, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassResolution {
    /// The class name (also for the annotation without an IngressClass object).
    pub class: Option<String>,
    /// `spec.controller` of the IngressClass (or the controller the annotation implies).
    pub controller: Option<String>,
    pub source: Option<ClassSource>,
    /// Why no controller picks the Ingress up (ING001), in words.
    pub problem: Option<String>,
}

impl ClassResolution {
    pub fn is_resolved(&self) -> bool {
        self.problem.is_none() && self.class.is_some()
    }
}

fn class_names(cluster: &Cluster) -> String {
    let mut names: Vec<&str> = cluster
        .ingress_classes
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    names.sort_unstable();
    if names.is_empty() {
        "there is no IngressClass at all".into()
    } else {
        format!("existing: {}", names.join(", "))
    }
}

/// The default IngressClasses (sorted by name).
pub fn default_classes(cluster: &Cluster) -> Vec<&IngressClass> {
    let mut d: Vec<&IngressClass> = cluster
        .ingress_classes
        .iter()
        .filter(|c| c.is_default)
        .collect();
    d.sort_by(|a, b| a.name.cmp(&b.name));
    d
}

/// The class of an Ingress, as the API server's admission plugin and ingress-nginx see it.
pub fn resolve_class(cluster: &Cluster, ing: &Ingress) -> ClassResolution {
    if let Some(name) = &ing.class_name {
        return match cluster.ingress_class(name) {
            Some(c) => ClassResolution {
                class: Some(c.name.clone()),
                controller: Some(c.controller.clone()),
                source: Some(ClassSource::Field),
                problem: None,
            },
            None => ClassResolution {
                class: Some(name.clone()),
                controller: None,
                source: Some(ClassSource::Field),
                problem: Some(format!(
                    "ingressClassName {name:?} names no IngressClass ({}), so no controller serves it",
                    class_names(cluster)
                )),
            },
        };
    }
    if let Some(value) = ing.class_annotation.as_deref().filter(|v| !v.is_empty()) {
        let controller = cluster
            .ingress_class(value)
            .map(|c| c.controller.clone())
            .or_else(|| (value == INGRESS_NGINX_DEFAULT_CLASS).then(|| INGRESS_NGINX.to_string()));
        return ClassResolution {
            class: Some(value.to_string()),
            controller,
            source: Some(ClassSource::Annotation),
            problem: None,
        };
    }
    let defaults = default_classes(cluster);
    match defaults.as_slice() {
        [one] => ClassResolution {
            class: Some(one.name.clone()),
            controller: Some(one.controller.clone()),
            source: Some(ClassSource::Default),
            problem: None,
        },
        [] => ClassResolution {
            class: None,
            controller: None,
            source: None,
            problem: Some(format!(
                "it sets no ingressClassName and no {ANNOTATION_CLASS} annotation, and no IngressClass is marked default ({}), so no controller serves it (unless one runs with --watch-ingress-without-class)",
                class_names(cluster)
            )),
        },
        many => ClassResolution {
            class: None,
            controller: None,
            source: Some(ClassSource::Default),
            problem: Some(format!(
                "it sets no ingressClassName and {} IngressClasses are marked default ({}): the DefaultIngressClass admission plugin refuses such Ingresses",
                many.len(),
                many.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            )),
        },
    }
}

/// Well-known controllers and the pod labels their standard installations carry. A pod is a
/// controller pod when it has every label of one of the sets.
/// A set of pod labels (all must match).
type LabelSet = &'static [(&'static str, &'static str)];

const CONTROLLER_PODS: &[(&str, &[LabelSet])] = &[
    (
        INGRESS_NGINX,
        &[
            &[
                ("app.kubernetes.io/name", "ingress-nginx"),
                ("app.kubernetes.io/component", "controller"),
            ],
            // Manifests without the component label (older static manifests).
            &[("app.kubernetes.io/name", "ingress-nginx")],
            // The retired stable/nginx-ingress chart.
            &[("app", "nginx-ingress"), ("component", "controller")],
        ],
    ),
    (
        "nginx.org/ingress-controller",
        &[
            &[("app.kubernetes.io/name", "nginx-ingress")],
            &[("app", "nginx-ingress")],
        ],
    ),
    (
        "traefik.io/ingress-controller",
        &[&[("app.kubernetes.io/name", "traefik")]],
    ),
    (
        "haproxy.org/ingress-controller/haproxy",
        &[&[("app.kubernetes.io/name", "kubernetes-ingress")]],
    ),
    (
        "projectcontour.io/ingress-controller",
        &[
            &[("app.kubernetes.io/name", "contour")],
            &[("app", "contour")],
        ],
    ),
    (
        "ingress-controllers.konghq.com/kong",
        &[&[("app.kubernetes.io/name", "kong")]],
    ),
    (
        "ingress.k8s.aws/alb",
        &[&[("app.kubernetes.io/name", "aws-load-balancer-controller")]],
    ),
    (
        "istio.io/ingress-controller",
        &[&[("app", "istiod")], &[("istio", "ingressgateway")]],
    ),
];

/// Whether a controller's pods were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControllerStatus {
    /// Controller pods found: `running` of them are Running (not terminating).
    Pods {
        running: usize,
        total: usize,
        /// Indexes (into `Cluster::pods`) of the running ones.
        running_pods: Vec<usize>,
        /// `ns/name` of the first few.
        names: Vec<String>,
        /// The label sets looked for, in words.
        looked_for: String,
    },
    /// A controller netdoctor knows, but the input holds no pod of it.
    NoPods { looked_for: String },
    /// A controller whose pods netdoctor cannot recognise (or that runs outside the cluster).
    Unknown,
    /// The input does not describe the whole cluster (no Nodes, nothing in kube-system, not
    /// read live): a missing controller pod proves nothing.
    NotCovered,
}

/// Whether the input describes a whole cluster rather than a few manifests: read live, or it
/// has Node objects, or pods in kube-system.
pub fn input_covers_cluster(cluster: &Cluster) -> bool {
    cluster.live() || !cluster.nodes.is_empty() || cluster.pods_in("kube-system").next().is_some()
}

fn looked_for(sets: &[&[(&str, &str)]]) -> String {
    sets.iter()
        .map(|s| {
            s.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The pods of a controller, found by the well-known labels of its standard installation.
pub fn controller_status(cluster: &Cluster, controller: &str) -> ControllerStatus {
    let Some((_, sets)) = CONTROLLER_PODS.iter().find(|(c, _)| *c == controller) else {
        return ControllerStatus::Unknown;
    };
    if !input_covers_cluster(cluster) {
        return ControllerStatus::NotCovered;
    }
    let mut pods: Vec<usize> = Vec::new();
    for group in cluster.label_groups() {
        if sets.iter().any(|set| {
            set.iter()
                .all(|(k, v)| group.labels.get(*k).map(String::as_str) == Some(*v))
        }) {
            pods.extend(group.pods.iter().copied());
        }
    }
    let looked_for = looked_for(sets);
    if pods.is_empty() {
        return ControllerStatus::NoPods { looked_for };
    }
    let key = |i: &usize| (&cluster.pods[*i].namespace, &cluster.pods[*i].name);
    pods.sort_by(|a, b| key(a).cmp(&key(b)));
    let running: Vec<usize> = pods
        .iter()
        .copied()
        .filter(|&i| {
            let p = &cluster.pods[i];
            (p.phase == "Running" || p.derived || p.assumed) && !p.terminating
        })
        .collect();
    ControllerStatus::Pods {
        running: running.len(),
        total: pods.len(),
        names: pods
            .iter()
            .take(3)
            .map(|&i| format!("{}/{}", cluster.pods[i].namespace, cluster.pods[i].name))
            .collect(),
        running_pods: running,
        looked_for,
    }
}

/// Whether the controller is known to have no running pod (ING002, no-address).
pub fn controller_down(status: &ControllerStatus) -> bool {
    matches!(
        status,
        ControllerStatus::NoPods { .. } | ControllerStatus::Pods { running: 0, .. }
    )
}

fn describe_controller(controller: &str, status: &ControllerStatus) -> String {
    match status {
        ControllerStatus::Pods {
            running,
            total,
            names,
            ..
        } => format!(
            "controller {controller}: {running} of {total} pod(s) running ({}{})",
            names.join(", "),
            if *total > names.len() { ", …" } else { "" }
        ),
        ControllerStatus::NoPods { looked_for } => format!(
            "controller {controller} has no pods (looked for pods labelled {looked_for})"
        ),
        ControllerStatus::Unknown => format!(
            "controller {controller}: netdoctor does not know its pods, not checked"
        ),
        ControllerStatus::NotCovered => format!(
            "controller {controller}: the input holds no whole-cluster state (Nodes, kube-system), controller pods not checked"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Backends: Service, port, endpoints.

/// Whether the Service port an Ingress backend names exists, and which one it is.
pub enum PortLookup<'a> {
    Found(&'a ServicePort),
    /// ingress-nginx accepts a number equal to a port's targetPort (the API does not).
    FoundByTargetPort(&'a ServicePort),
    Missing,
    /// The backend names no port at all.
    Unset,
}

impl PortLookup<'_> {
    /// The Service port number found, if any.
    pub fn port(&self) -> Option<u16> {
        match self {
            PortLookup::Found(p) | PortLookup::FoundByTargetPort(p) => Some(p.port),
            PortLookup::Missing | PortLookup::Unset => None,
        }
    }
}

/// Finds the Service port an Ingress backend names (`port.number` among the TCP ports,
/// `port.name` among the port names).
pub fn lookup_port<'a>(svc: &'a Service, port: &PortRef) -> PortLookup<'a> {
    match port {
        PortRef::Number(0) => PortLookup::Unset,
        PortRef::Number(n) => match svc.port_by_number(*n, Protocol::Tcp) {
            Some(p) => PortLookup::Found(p),
            None => match svc
                .ports
                .iter()
                .find(|p| p.target_port == PortRef::Number(*n) && p.protocol == Protocol::Tcp)
            {
                Some(p) => PortLookup::FoundByTargetPort(p),
                None => PortLookup::Missing,
            },
        },
        PortRef::Name(name) => match svc.port_by_name(name) {
            Some(p) => PortLookup::Found(p),
            None => PortLookup::Missing,
        },
    }
}

/// `http 8080/TCP, metrics 9090/TCP`.
pub fn describe_service_ports(svc: &Service) -> String {
    if svc.ports.is_empty() {
        return "no ports".into();
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

/// The state of one Service port's endpoints, as the ingress controller sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendState {
    /// Ready endpoints of the port.
    pub ready: usize,
    /// The ready endpoints that are pods: (pod index, target port).
    pub ready_pods: Vec<(usize, u16)>,
    /// Endpoints of the port that are not ready, each `pod: reason`.
    pub not_ready: Vec<String>,
    /// Ready pods left out of the port because its named targetPort does not resolve on them
    /// (`pod: what it declares`).
    pub unresolved: Vec<String>,
    /// Why there is no endpoint at all (selector matches nothing, no slices), when so.
    pub empty_reason: Option<String>,
    /// The Service is ExternalName: the controller proxies to a DNS name, no endpoints.
    pub external_name: Option<String>,
}

/// The endpoints behind one port of a Service.
pub fn backend_state(cluster: &Cluster, svc: &Service, sp: &ServicePort) -> BackendState {
    use crate::sim::service;
    let mut state = BackendState::default();
    if svc.type_ == ServiceType::ExternalName {
        state.external_name = Some(svc.external_name.clone().unwrap_or_default());
        return state;
    }
    let eps = service::endpoints(cluster, svc);
    let Some(port) = eps.port(sp.port, sp.protocol) else {
        state.empty_reason = Some("the Service port has no endpoints".into());
        return state;
    };
    for b in &port.backends {
        if b.ready {
            state.ready += 1;
            if let (Some(pod), Some(tp)) = (b.pod, b.target_port) {
                state.ready_pods.push((pod, tp));
            }
        } else {
            let name = b
                .pod_name
                .clone()
                .unwrap_or_else(|| b.ip.map(|ip| ip.to_string()).unwrap_or_else(|| "?".into()));
            let reason = b
                .pod
                .map(|i| service::pod_not_ready_reason(&cluster.pods[i]))
                .unwrap_or_else(|| "not ready in its EndpointSlice".into());
            state.not_ready.push(format!("{name}: {reason}"));
        }
    }
    for u in &port.unresolved {
        let ready = service::pod_is_ready(&cluster.pods[u.pod]);
        if ready {
            state
                .unresolved
                .push(format!("{}: {}", u.pod_name, u.reason));
        } else {
            state.not_ready.push(format!(
                "{}: {}",
                u.pod_name,
                service::pod_not_ready_reason(&cluster.pods[u.pod])
            ));
        }
    }
    for e in &eps.excluded {
        let pod = &cluster.pods[e.pod];
        let reason = if service::pod_is_ready(pod) {
            e.reason.to_string()
        } else {
            service::pod_not_ready_reason(pod)
        };
        state.not_ready.push(format!("{}: {reason}", e.pod_name));
    }
    if state.ready == 0 && state.not_ready.is_empty() && state.unresolved.is_empty() {
        state.empty_reason = Some(match (&svc.selector, eps.selected.is_empty()) {
            (Some(sel), true) => format!(
                "its selector {} matches no pod in {}",
                crate::model::format_labels(sel),
                svc.namespace
            ),
            (Some(_), false) => "none of the pods its selector matches is an endpoint".into(),
            (None, _) => "it has no selector and no EndpointSlice lists an address for it".into(),
        });
    }
    state
}

// ---------------------------------------------------------------------------------------------
// The ingress-nginx server model.

fn annotation<'a>(ing: &'a Ingress, key: &str) -> Option<&'a str> {
    ing.annotations
        .get(&format!("{NGINX_PREFIX}{key}"))
        .map(String::as_str)
}

fn is_canary(ing: &Ingress) -> bool {
    annotation(ing, "canary") == Some("true")
}

fn uses_regex(ing: &Ingress, path: &str) -> bool {
    annotation(ing, "use-regex") == Some("true")
        || annotation(ing, "rewrite-target").is_some_and(|t| !t.is_empty() && t != path)
}

/// Ingresses in ingress-nginx's processing order: oldest first; equal timestamps (or none) in
/// descending `namespace/name` order.
pub fn nginx_order<'a>(ingresses: impl IntoIterator<Item = &'a Ingress>) -> Vec<&'a Ingress> {
    let mut v: Vec<&Ingress> = ingresses.into_iter().collect();
    v.sort_by(|a, b| {
        let ta = a.created.as_deref().unwrap_or("");
        let tb = b.created.as_deref().unwrap_or("");
        ta.cmp(tb)
            .then_with(|| (&b.namespace, &b.name).cmp(&(&a.namespace, &a.name)))
    });
    v
}

/// The server (virtual host) a request host lands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKey {
    /// A rule host, as written (lower case).
    Host(String),
    /// The catch-all server `_`: rules without host, and every unmatched host.
    CatchAll,
}

impl ServerKey {
    fn rule_host_matches(&self, rule_host: Option<&str>) -> bool {
        match (self, rule_host) {
            (ServerKey::CatchAll, None) => true,
            (ServerKey::Host(h), Some(r)) => r.eq_ignore_ascii_case(h),
            _ => false,
        }
    }
}

/// Picks the server for a request host among the hosts of these Ingresses: an exact host
/// first, then a one-label wildcard, else the catch-all.
pub fn select_server(ingresses: &[&Ingress], request_host: &str) -> ServerKey {
    let hosts = || {
        ingresses
            .iter()
            .filter(|i| !is_canary(i))
            .flat_map(|i| i.rules.iter().filter_map(|r| r.host.as_deref()))
    };
    if let Some(h) = hosts().find(|h| !h.starts_with("*.") && host_matches(Some(h), request_host)) {
        return ServerKey::Host(h.to_ascii_lowercase());
    }
    if let Some(h) = hosts().find(|h| h.starts_with("*.") && host_matches(Some(h), request_host)) {
        return ServerKey::Host(h.to_ascii_lowercase());
    }
    ServerKey::CatchAll
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LocKind {
    /// `location = P`.
    Exact,
    /// `location P` (a string prefix): normalised Prefix paths (ending in `/`), regex-mode
    /// paths and the root `/`.
    Prefix,
}

/// One nginx location of a server.
#[derive(Debug, Clone)]
struct Location<'a> {
    /// The nginx location path.
    path: String,
    kind: LocKind,
    /// The Ingress path it comes from (None: the server's root default location).
    source: Option<&'a IngressPath>,
    ingress: Option<&'a Ingress>,
    /// The backend; None: the controller's own default backend (404).
    backend: Option<&'a IngressBackend>,
    /// The root location still holds a default backend (an Ingress's or the controller's).
    default: bool,
}

/// A path that ingress-nginx ignores because an older Ingress already defines the same host,
/// path and pathType (or the same Ingress defines it twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowedPath {
    pub host: Option<String>,
    pub path: String,
    pub path_type: PathType,
    /// `ns/name` of the Ingress whose path is ignored.
    pub loser: String,
    /// `ns/name` of the Ingress that keeps it.
    pub winner: String,
}

/// A server with its locations in nginx terms.
struct Server<'a> {
    key: ServerKey,
    locations: Vec<Location<'a>>,
    regex: bool,
    /// Ingresses (in order) that define rules for this server.
    members: Vec<&'a Ingress>,
    shadowed: Vec<ShadowedPath>,
    skipped_resource_backends: Vec<String>,
}

fn service_backend(b: &IngressBackend) -> bool {
    matches!(b, IngressBackend::Service { .. })
}

fn ing_key(ing: &Ingress) -> String {
    format!("{}/{}", ing.namespace, ing.name)
}

/// Builds the server `key` from the Ingresses of one class, given in nginx order.
fn build_server<'a>(ordered: &[&'a Ingress], key: ServerKey) -> Server<'a> {
    let live: Vec<&'a Ingress> = ordered.iter().copied().filter(|i| !is_canary(i)).collect();
    let members: Vec<&'a Ingress> = live
        .iter()
        .copied()
        .filter(|i| {
            i.rules
                .iter()
                .any(|r| key.rule_host_matches(r.host.as_deref()))
        })
        .collect();
    // The root location's default backend.
    let default_from = match &key {
        ServerKey::Host(_) => members
            .first()
            .copied()
            .filter(|i| i.default_backend.as_ref().is_some_and(service_backend)),
        ServerKey::CatchAll => live.iter().copied().find(|i| {
            i.rules.is_empty() && i.default_backend.as_ref().is_some_and(service_backend)
        }),
    };
    let mut locations = vec![Location {
        path: "/".into(),
        kind: LocKind::Prefix,
        source: None,
        ingress: default_from,
        backend: default_from.and_then(|i| i.default_backend.as_ref()),
        default: true,
    }];
    // Per location: (path, pathType) of the Ingress path, for the merge.
    let mut defined: Vec<(String, PathType, usize)> = vec![("/".into(), PathType::Prefix, 0)];
    let mut shadowed = Vec::new();
    let mut skipped = Vec::new();
    let mut regex = false;
    for ing in &members {
        for rule in ing
            .rules
            .iter()
            .filter(|r| key.rule_host_matches(r.host.as_deref()))
        {
            for p in &rule.paths {
                if !service_backend(&p.backend) {
                    skipped.push(format!(
                        "{} {} ({})",
                        ing_key(ing),
                        p.path,
                        p.path_type.as_str()
                    ));
                    continue;
                }
                if uses_regex(ing, &p.path) {
                    regex = true;
                }
                match defined
                    .iter()
                    .find(|(path, t, _)| *path == p.path && *t == nginx_path_type(p.path_type))
                    .map(|(_, _, i)| *i)
                {
                    Some(i) if locations[i].default => {
                        let loc = &mut locations[i];
                        loc.backend = Some(&p.backend);
                        loc.ingress = Some(ing);
                        loc.source = Some(p);
                        loc.default = false;
                    }
                    Some(i) => shadowed.push(ShadowedPath {
                        host: rule.host.clone(),
                        path: p.path.clone(),
                        path_type: p.path_type,
                        loser: ing_key(ing),
                        winner: locations[i].ingress.map(ing_key).unwrap_or_default(),
                    }),
                    None => {
                        defined.push((
                            p.path.clone(),
                            nginx_path_type(p.path_type),
                            locations.len(),
                        ));
                        locations.push(Location {
                            path: p.path.clone(),
                            kind: if nginx_path_type(p.path_type) == PathType::Exact {
                                LocKind::Exact
                            } else {
                                LocKind::Prefix
                            },
                            source: Some(p),
                            ingress: Some(ing),
                            backend: Some(&p.backend),
                            default: false,
                        });
                    }
                }
            }
        }
    }
    // updateServerLocations: a Prefix path P becomes `P/` plus `= P` (unless an Exact P
    // exists, or the location uses regex/rewrite).
    let exact: Vec<String> = locations
        .iter()
        .filter(|l| l.kind == LocKind::Exact)
        .map(|l| l.path.clone())
        .collect();
    let mut out = Vec::with_capacity(locations.len() * 2);
    for mut loc in locations {
        let is_prefix_path = loc
            .source
            .is_some_and(|s| nginx_path_type(s.path_type) == PathType::Prefix);
        let own_regex = loc
            .ingress
            .zip(loc.source)
            .is_some_and(|(i, s)| uses_regex(i, &s.path));
        if loc.path == "/" || !is_prefix_path || own_regex {
            out.push(loc);
            continue;
        }
        let original = loc.path.clone();
        let normalized = if original.ends_with('/') {
            original.clone()
        } else {
            format!("{original}/")
        };
        if exact.contains(&original) {
            loc.path = normalized;
            out.push(loc);
            continue;
        }
        let mut exact_loc = loc.clone();
        exact_loc.kind = LocKind::Exact;
        loc.path = normalized;
        out.push(loc);
        out.push(exact_loc);
    }
    // ingress-nginx's order: longest path first, then descending path.
    out.sort_by(|a, b| b.path.cmp(&a.path));
    out.sort_by_key(|l| std::cmp::Reverse(l.path.len()));
    Server {
        key,
        locations: out,
        regex,
        members,
        shadowed,
        skipped_resource_backends: skipped,
    }
}

/// The location nginx picks for a request path, and whether a 301 came first.
fn select_location<'s, 'a>(server: &'s Server<'a>, path: &str) -> Option<(&'s Location<'a>, bool)> {
    if server.regex {
        for loc in &server.locations {
            let pattern = format!("(?i)^{}", loc.path);
            if let Ok(re) = regex::Regex::new(&pattern) {
                if re.is_match(path) {
                    return Some((loc, false));
                }
            }
        }
        return None;
    }
    if let Some(loc) = server
        .locations
        .iter()
        .find(|l| l.kind == LocKind::Exact && l.path == path)
    {
        return Some((loc, false));
    }
    // A prefix location `/foo/` with proxy_pass answers `/foo` with 301 → `/foo/` (nginx's
    // auto_redirect), unless another prefix location is exactly `/foo`.
    let with_slash = format!("{path}/");
    let plain_exact = server
        .locations
        .iter()
        .any(|l| l.kind == LocKind::Prefix && l.path == path);
    if !plain_exact && path != "/" {
        if let Some(loc) = server
            .locations
            .iter()
            .find(|l| l.kind == LocKind::Prefix && l.path == with_slash && l.source.is_some())
        {
            return Some((loc, true));
        }
    }
    server
        .locations
        .iter()
        .filter(|l| l.kind == LocKind::Prefix && path.starts_with(l.path.as_str()))
        .max_by_key(|l| l.path.len())
        .map(|l| (l, false))
}

/// Which controller instance serves an Ingress: its controller (`spec.controller` of the
/// class), or the class name when the controller is unknown (annotation without class).
fn serving_key(res: &ClassResolution) -> String {
    serving_key_of(res.class.as_deref().unwrap_or_default(), &res.controller)
}

fn serving_key_of(class: &str, controller: &Option<String>) -> String {
    match controller {
        Some(c) if !c.is_empty() => format!("controller:{c}"),
        _ => format!("class:{class}"),
    }
}

/// Paths that ingress-nginx ignores because an older Ingress of the same class (or an earlier
/// entry of the same Ingress) defines the same host, path and pathType. (ING008)
pub fn shadowed_paths(cluster: &Cluster) -> Vec<ShadowedPath> {
    let mut by_class: std::collections::BTreeMap<String, Vec<&Ingress>> = Default::default();
    for ing in &cluster.ingresses {
        let res = resolve_class(cluster, ing);
        if res.is_resolved() {
            by_class.entry(serving_key(&res)).or_default().push(ing);
        }
    }
    let mut out = Vec::new();
    for ings in by_class.values() {
        let ordered = nginx_order(ings.iter().copied());
        // Ingresses per host (in order), so each server is built from its own members only.
        let mut hosts: std::collections::BTreeMap<Option<String>, Vec<&Ingress>> =
            Default::default();
        for ing in ordered.iter().copied().filter(|i| !is_canary(i)) {
            let mut mine: Vec<Option<String>> = ing
                .rules
                .iter()
                .map(|r| r.host.as_ref().map(|h| h.to_ascii_lowercase()))
                .collect();
            mine.sort();
            mine.dedup();
            for h in mine {
                hosts.entry(h).or_default().push(ing);
            }
        }
        for (host, members) in hosts {
            let server = match host {
                Some(h) => build_server(&members, ServerKey::Host(h)),
                None => build_server(&ordered, ServerKey::CatchAll),
            };
            out.extend(server.shadowed);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Routing.

/// Options of `ingress route`.
#[derive(Debug, Clone, Default)]
pub struct RouteOptions {
    /// Route as the controller of this IngressClass would (default: the class whose Ingresses
    /// name the host, preferring the default class).
    pub ingress_class: Option<String>,
}

struct Resolved<'a> {
    ing: &'a Ingress,
    res: ClassResolution,
}

/// Routes a request through the Ingresses of the cluster. See the module documentation for the
/// semantics.
pub fn route(cluster: &Cluster, req: &RouteRequest, opts: &RouteOptions) -> Route {
    let mut r = Route {
        url: req.url.clone(),
        via: RouteVia::Ingress { ingress: None },
        host: None,
        path: None,
        path_type: None,
        backend: None,
        symptom: Symptom::Ok,
        hops: Vec::new(),
        class: None,
        controller: None,
        notes: Vec::new(),
        backends: Vec::new(),
    };
    let all: Vec<Resolved> = cluster
        .ingresses
        .iter()
        .map(|ing| Resolved {
            ing,
            res: resolve_class(cluster, ing),
        })
        .collect();
    let claims_host = |ing: &Ingress| {
        ing.rules.iter().any(|rule| {
            rule.host
                .as_deref()
                .is_some_and(|h| host_matches(Some(h), &req.host))
        })
    };

    // 1. Which class (controller) answers.
    let class = match &opts.ingress_class {
        Some(c) => {
            let known = cluster.ingress_class(c).is_some()
                || all
                    .iter()
                    .any(|x| x.res.class.as_deref() == Some(c.as_str()));
            if !known {
                r.hops.push(Hop::new(
                    "ingress-class",
                    HopStatus::Fail,
                    format!(
                        "IngressClass {c:?} does not exist and no Ingress names it ({})",
                        class_names(cluster)
                    ),
                ));
                r.symptom = Symptom::NoAddress;
                return r;
            }
            c.clone()
        }
        None => {
            let mut candidates: Vec<String> = Vec::new();
            for x in all
                .iter()
                .filter(|x| x.res.is_resolved() && claims_host(x.ing))
            {
                if let Some(c) = &x.res.class {
                    if !candidates.contains(c) {
                        candidates.push(c.clone());
                    }
                }
            }
            if candidates.is_empty() {
                // An Ingress names the host but no controller serves it: no address.
                if let Some(x) = all
                    .iter()
                    .find(|x| !x.res.is_resolved() && claims_host(x.ing))
                {
                    r.via = RouteVia::Ingress {
                        ingress: Some(ing_key(x.ing)),
                    };
                    r.hops.push(Hop::new(
                        "ingress-class",
                        HopStatus::Fail,
                        format!(
                            "Ingress {} names host {}, but {}; {} has no address",
                            ing_key(x.ing),
                            req.host,
                            x.res.problem.clone().unwrap_or_default(),
                            req.host
                        ),
                    ));
                    r.class = x.res.class.clone();
                    r.symptom = Symptom::NoAddress;
                    return r;
                }
                // Nothing names the host: the catch-all server of the default (or only) class.
                let fallback = all
                    .iter()
                    .filter(|x| x.res.is_resolved())
                    .filter(|x| {
                        x.ing.rules.iter().any(|r| r.host.is_none())
                            || (x.ing.rules.is_empty() && x.ing.default_backend.is_some())
                    })
                    .filter_map(|x| x.res.class.clone())
                    .next()
                    .or_else(|| default_classes(cluster).first().map(|c| c.name.clone()))
                    .or_else(|| match cluster.ingress_classes.as_slice() {
                        [only] => Some(only.name.clone()),
                        _ => None,
                    });
                match fallback {
                    Some(c) => c,
                    None => {
                        r.hops.push(Hop::new(
                            "ingress-class",
                            HopStatus::Fail,
                            format!(
                                "no Ingress serves host {} and no IngressClass could receive the request ({})",
                                req.host,
                                class_names(cluster)
                            ),
                        ));
                        r.symptom = Symptom::NoAddress;
                        return r;
                    }
                }
            } else {
                let defaults = default_classes(cluster);
                let chosen = candidates
                    .iter()
                    .find(|c| defaults.iter().any(|d| &d.name == *c))
                    .cloned()
                    .unwrap_or_else(|| {
                        let mut sorted = candidates.clone();
                        sorted.sort();
                        sorted[0].clone()
                    });
                if candidates.len() > 1 {
                    r.notes.push(format!(
                        "Ingresses of several classes name host {} ({}); routed as class {chosen}: which controller answers depends on the address {} resolves to (use --ingress-class)",
                        req.host,
                        candidates.join(", "),
                        req.host
                    ));
                }
                chosen
            }
        }
    };
    let ic = cluster.ingress_class(&class);
    let controller = ic.map(|c| c.controller.clone()).or_else(|| {
        all.iter()
            .find(|x| x.res.class.as_deref() == Some(class.as_str()))
            .and_then(|x| x.res.controller.clone())
    });
    // A controller serves every IngressClass that names it (ingress-nginx with its default
    // flags watches all classes whose spec.controller is its --controller-class).
    let members: Vec<&Ingress> = all
        .iter()
        .filter(|x| {
            x.res.is_resolved() && serving_key(&x.res) == serving_key_of(&class, &controller)
        })
        .map(|x| x.ing)
        .collect();
    r.class = Some(class.clone());
    r.controller = controller.clone();
    let status = match &controller {
        Some(c) => controller_status(cluster, c),
        None => ControllerStatus::Unknown,
    };
    let controller_name = controller.clone().unwrap_or_else(|| "(unknown)".into());
    if controller_down(&status) {
        r.hops.push(Hop::new(
            "ingress-class",
            HopStatus::Fail,
            format!(
                "IngressClass {class}: {}; nothing answers for {} (the Ingress address stays pending)",
                describe_controller(&controller_name, &status),
                req.host
            ),
        ));
        r.symptom = Symptom::NoAddress;
        return r;
    }
    let addresses: Vec<&str> = {
        let mut a: Vec<&str> = members
            .iter()
            .filter(|i| claims_host(i))
            .flat_map(|i| i.addresses.iter().map(String::as_str))
            .collect();
        a.sort_unstable();
        a.dedup();
        a
    };
    r.hops.push(Hop::new(
        "ingress-class",
        match status {
            ControllerStatus::Pods { .. } | ControllerStatus::NotCovered => HopStatus::Pass,
            _ => HopStatus::Warn,
        },
        format!(
            "IngressClass {class} ({}); {}{}",
            match ic {
                Some(c) if c.is_default => "default class".to_string(),
                Some(_) => "class".to_string(),
                None => "from the kubernetes.io/ingress.class annotation, no IngressClass object"
                    .to_string(),
            },
            describe_controller(&controller_name, &status),
            if addresses.is_empty() {
                String::new()
            } else {
                format!("; address {}", addresses.join(", "))
            }
        ),
    ));
    if controller.as_deref() != Some(INGRESS_NGINX) {
        r.notes.push(format!(
            "controller {controller_name} is routed with ingress-nginx's rules: ImplementationSpecific paths, merging of Ingresses for one host and defaultBackend use may differ"
        ));
    }

    // 2. The server (host) and location (path).
    let ordered = nginx_order(members.iter().copied());
    let key = select_server(&ordered, &req.host);
    let server = build_server(&ordered, key.clone());

    // TLS.
    if let Some(hop) = tls_hop(cluster, &server, req, &mut r.notes) {
        r.hops.push(hop);
    }

    let Some((loc, redirected)) = select_location(&server, &req.path) else {
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "no location of {} matches {}; 404",
                server_name(&server.key),
                req.path
            ),
        ));
        r.symptom = Symptom::Http404;
        return r;
    };
    if redirected {
        r.notes.push(format!(
            "ingress-nginx first answers {} with 301 Moved Permanently to {}/ (location {}), which the client follows",
            req.path, req.path, loc.path
        ));
    }
    if !server.skipped_resource_backends.is_empty() {
        r.notes.push(format!(
            "ingress-nginx ignores paths with a resource backend: {}",
            server.skipped_resource_backends.join("; ")
        ));
    }
    r.via = RouteVia::Ingress {
        ingress: loc.ingress.map(ing_key),
    };
    let host_desc = match &server.key {
        ServerKey::Host(h) => {
            r.host = Some(h.clone());
            if h.starts_with("*.") {
                format!("host {h} (wildcard, matches {})", req.host)
            } else {
                format!("host {h}")
            }
        }
        ServerKey::CatchAll => {
            format!("no rule names host {}, so the rules without host", req.host)
        }
    };
    let Some(backend) = loc.backend else {
        let mut detail = format!(
            "{host_desc}: no path matches {}{}; no defaultBackend applies, so ingress-nginx's default backend answers 404",
            req.path,
            describe_paths(&server)
        );
        if let ServerKey::CatchAll = server.key {
            if server.members.is_empty() {
                detail = format!(
                    "no Ingress of class {class} serves host {} (and none without host or with only a defaultBackend); ingress-nginx's default backend answers 404",
                    req.host
                );
            }
        }
        r.hops
            .push(Hop::new("ingress-rule", HopStatus::Fail, detail));
        r.symptom = Symptom::Http404;
        return r;
    };
    let ing = loc
        .ingress
        .expect("a location with a backend has an Ingress");
    match loc.source {
        Some(p) => {
            r.path = Some(p.path.clone());
            r.path_type = Some(p.path_type.as_str().to_string());
            let how = if server.regex {
                format!(
                    " (use-regex/rewrite-target on this host: every path is a case-insensitive regex ^{})",
                    loc.path
                )
            } else {
                String::new()
            };
            r.hops.push(Hop::new(
                "ingress-rule",
                HopStatus::Pass,
                format!(
                    "Ingress {}: {host_desc}, path {} ({}) matches {}{how}",
                    ing_key(ing),
                    p.path,
                    p.path_type.as_str(),
                    req.path
                ),
            ));
        }
        None => {
            r.hops.push(Hop::new(
                "ingress-rule",
                HopStatus::Pass,
                match &server.key {
                    ServerKey::Host(_) => format!(
                        "{host_desc}: no path matches {}{}; Ingress {} created this host first, so its defaultBackend serves it",
                        req.path,
                        describe_paths(&server),
                        ing_key(ing)
                    ),
                    ServerKey::CatchAll => format!(
                        "{host_desc}: nothing matches {}; Ingress {} has only a defaultBackend, which serves every unmatched request",
                        req.path,
                        ing_key(ing)
                    ),
                },
            ));
        }
    }

    // Canary Ingresses of the same host and path.
    let (backend, backend_ing) =
        canary_backend(&ordered, &server.key, loc, req, &mut r.notes).unwrap_or((backend, ing));
    let controller_pods = match &status {
        ControllerStatus::Pods { running_pods, .. } => running_pods.clone(),
        _ => Vec::new(),
    };
    backend_hops(cluster, backend_ing, backend, &controller_pods, &mut r);
    r
}

fn server_name(key: &ServerKey) -> String {
    match key {
        ServerKey::Host(h) => format!("host {h}"),
        ServerKey::CatchAll => "the catch-all server".into(),
    }
}

fn describe_paths(server: &Server) -> String {
    let mut paths: Vec<String> = server
        .locations
        .iter()
        .filter_map(|l| l.source)
        .map(|p| format!("{} ({})", p.path, p.path_type.as_str()))
        .collect();
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        String::new()
    } else {
        format!(" (paths: {})", paths.join(", "))
    }
}

fn canary_backend<'a>(
    ordered: &[&'a Ingress],
    key: &ServerKey,
    loc: &Location<'a>,
    req: &RouteRequest,
    notes: &mut Vec<String>,
) -> Option<(&'a IngressBackend, &'a Ingress)> {
    let src = loc.source?;
    for ing in ordered.iter().copied().filter(|i| is_canary(i)) {
        for rule in ing
            .rules
            .iter()
            .filter(|r| key.rule_host_matches(r.host.as_deref()))
        {
            for p in rule
                .paths
                .iter()
                .filter(|p| p.path == src.path && p.path_type == src.path_type)
            {
                if let Some(h) = annotation(ing, "canary-by-header") {
                    let want = annotation(ing, "canary-by-header-value");
                    let got = req.header(h);
                    let hit = match (want, got) {
                        (Some(w), Some(g)) => g == w,
                        (None, Some(g)) => g == "always",
                        _ => false,
                    };
                    if hit {
                        notes.push(format!(
                            "header {h} sends the request to canary Ingress {}",
                            ing_key(ing)
                        ));
                        return Some((&p.backend, ing));
                    }
                }
                if let Some(c) = annotation(ing, "canary-by-cookie") {
                    if req.cookie(c) == Some("always") {
                        notes.push(format!(
                            "cookie {c}=always sends the request to canary Ingress {}",
                            ing_key(ing)
                        ));
                        return Some((&p.backend, ing));
                    }
                }
                if let Some(w) = annotation(ing, "canary-weight") {
                    notes.push(format!(
                        "canary Ingress {} takes {w}% of these requests (canary-weight)",
                        ing_key(ing)
                    ));
                }
            }
        }
    }
    None
}

fn tls_hop(
    cluster: &Cluster,
    server: &Server,
    req: &RouteRequest,
    notes: &mut Vec<String>,
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
        if let (Some((ing, _)), false) = (entry, host.is_empty()) {
            if annotation(ing, "ssl-redirect") != Some("false")
                && annotation(ing, "force-ssl-redirect") != Some("false")
            {
                notes.push(format!(
                    "host {host} has TLS (Ingress {}): ingress-nginx answers plain http with 308 Permanent Redirect to https (ssl-redirect)",
                    ing_key(ing)
                ));
            }
        }
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

fn backend_hops(
    cluster: &Cluster,
    ing: &Ingress,
    backend: &IngressBackend,
    controller_pods: &[usize],
    r: &mut Route,
) {
    let (name, port) = match backend {
        IngressBackend::Service { name, port } => (name, port),
        IngressBackend::Resource { kind, name } => {
            r.hops.push(Hop::new(
                "ingress-backend",
                HopStatus::Skip,
                format!("resource backend {kind}/{name}: not a Service, not followed"),
            ));
            return;
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
        return;
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
        return;
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
            return;
        }
    };
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
        return;
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
        return;
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
    policy_hops(cluster, controller_pods, &state, r);
}

/// NetworkPolicy between the controller's pods and the backend's ready pods: when no
/// controller pod may open a connection to any ready backend pod, the controller's connect
/// times out and the client gets 504.
fn policy_hops(cluster: &Cluster, controller_pods: &[usize], state: &BackendState, r: &mut Route) {
    use crate::sim::netpol::{Endpoint, Engine};
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
    if cluster.policies.is_empty() {
        r.hops.push(Hop::new(
            "ingress-policy",
            HopStatus::Pass,
            "no NetworkPolicy in the cluster: the controller reaches the backend pods",
        ));
        return;
    }
    let engine = Engine::new(cluster);
    let mut allowed = 0;
    let mut first_block = None;
    for &(pod, port) in &state.ready_pods {
        // Any controller replica that gets through is enough for this backend pod.
        let mut verdicts = controller_pods
            .iter()
            .map(|&c| engine.check(Endpoint::Pod(c), Endpoint::Pod(pod), port, Protocol::Tcp));
        match verdicts.find(|v| v.allowed) {
            Some(_) => allowed += 1,
            None => {
                if first_block.is_none() {
                    first_block = Some((
                        pod,
                        port,
                        engine.check(
                            Endpoint::Pod(first_ctl),
                            Endpoint::Pod(pod),
                            port,
                            Protocol::Tcp,
                        ),
                    ));
                }
            }
        }
    }
    let ctl = &cluster.pods[first_ctl];
    let Some((pod, port, v)) = first_block else {
        r.hops.push(Hop::new(
            "ingress-policy",
            HopStatus::Pass,
            format!(
                "NetworkPolicy lets the controller ({}/{}) reach the {allowed} ready backend pod(s)",
                ctl.namespace, ctl.name
            ),
        ));
        return;
    };
    let backend = &cluster.pods[pod];
    let blocked = state.ready_pods.len() - allowed;
    let (step, why) = if !v.egress.allowed {
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
    };
    if allowed == 0 {
        r.hops.push(Hop::new(
            step,
            HopStatus::Fail,
            format!("{why}; no ready backend pod is reachable, the controller's connection times out: 504 Gateway Timeout"),
        ));
        r.symptom = Symptom::Http504;
    } else {
        r.hops.push(Hop::new(
            step,
            HopStatus::Warn,
            format!("{blocked} of {} ready backend pod(s) unreachable: {why}; requests balanced to them time out (504)", state.ready_pods.len()),
        ));
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

fn describe_port(sp: &ServicePort) -> String {
    match &sp.name {
        Some(n) => format!("{n} {}/{}", sp.port, sp.protocol),
        None => format!("{}/{}", sp.port, sp.protocol),
    }
}

/// `, did you mean shop-api-v2?` for a near-miss Service name in the namespace.
pub fn close_services(cluster: &Cluster, ns: &str, name: &str) -> String {
    let mut close: Vec<(usize, &str)> = cluster
        .services
        .iter()
        .filter(|s| s.namespace == ns)
        .map(|s| (edit_distance(&s.name, name), s.name.as_str()))
        .filter(|(d, s)| *d <= 3.max(name.len() / 3) || s.contains(name) || name.contains(s))
        .collect();
    close.sort();
    match close.first() {
        Some((_, s)) => format!(" (closest Service in {ns}: {s})"),
        None => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Every Service backend of an Ingress: `(where, service, port)`, `where` being
/// `defaultBackend` or `host/path (Type)`.
pub fn service_backends(ing: &Ingress) -> Vec<(String, &str, &PortRef)> {
    let mut out = Vec::new();
    if let Some(IngressBackend::Service { name, port }) = &ing.default_backend {
        out.push(("defaultBackend".to_string(), name.as_str(), port));
    }
    for rule in &ing.rules {
        for p in &rule.paths {
            if let IngressBackend::Service { name, port } = &p.backend {
                out.push((
                    format!(
                        "{}{} ({})",
                        rule.host.as_deref().unwrap_or("*"),
                        p.path,
                        p.path_type.as_str()
                    ),
                    name.as_str(),
                    port,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------------------------
// What the Ingresses expose: the `{ingress-controller}` peer of the connectivity map.

/// One pod port that an Ingress backend sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressExposure {
    /// `ns/name` of the Ingress.
    pub ingress: String,
    pub service: String,
    /// Index into `Cluster::pods`.
    pub pod: usize,
    /// The pod port the controller connects to (the Service port's targetPort, resolved).
    pub port: u16,
    pub protocol: Protocol,
}

/// The pods and ports the ingress controller connects to for every Service backend of every
/// Ingress (rules and defaultBackend), whatever the class, as netpol-analyzer's
/// `{ingress-controller}` peer models it: the Service must exist and have the port the
/// backend names (number = Service `port`, name = Service port `name`); the pods are those
/// its selector matches, and a named targetPort is resolved on each pod (pods where it does
/// not resolve are left out). Services without a selector and ExternalName Services expose no
/// pod. NetworkPolicies are not applied here.
pub fn ingress_exposures(cluster: &Cluster) -> Vec<IngressExposure> {
    let mut out = Vec::new();
    for ing in &cluster.ingresses {
        for (_, name, port) in service_backends(ing) {
            let Some(svc) = cluster.service(&ing.namespace, name) else {
                continue;
            };
            if svc.type_ == ServiceType::ExternalName {
                continue;
            }
            let PortLookup::Found(sp) = lookup_port(svc, port) else {
                continue;
            };
            let Some(sel) = svc.selector() else { continue };
            for pi in cluster.pods_matching(&svc.namespace, &sel) {
                let pod = &cluster.pods[pi];
                let target = match &sp.target_port {
                    PortRef::Number(n) => Some(*n),
                    PortRef::Name(n) => pod.resolve_named_port(n, sp.protocol),
                };
                if let Some(port) = target {
                    let e = IngressExposure {
                        ingress: ing_key(ing),
                        service: svc.name.clone(),
                        pod: pi,
                        port,
                        protocol: sp.protocol,
                    };
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
        }
    }
    out
}

//! The route simulation: a request through one Gateway, step by step: the GatewayClass and
//! Gateway, the listener, the rule chosen by precedence, then the backends.

use super::attach::{attach, targets_gateway};
use super::backends::evaluate_backends;
use super::conditions::describe_condition;
use super::filters::apply_filters;
use super::hostnames::hostname_matches;
use super::listeners::{gateways_for_host, select_listener, unattached_routes_for_host};
use super::matching::{match_request, precedence_key, Candidate};
use crate::model::{condition, Cluster, Gateway, GwRoute, Listener, RouteKind, RouteMatch};
use crate::sim::http::HttpRequest;
use crate::sim::path::{
    Hop, HopStatus, Outcome, Route, RouteBackend, RouteVia, Symptom, WeightedBackend,
};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct GwRouteOptions {
    /// `--gateway NS/NAME`: only this Gateway.
    pub gateway: Option<(String, String)>,
}

/// The answer of `ingress route` for a Gateway API route.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BackendOut {
    pub service: String,
    pub port: String,
}

impl GwRouteResult {
    pub(super) fn new(req: &HttpRequest) -> GwRouteResult {
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
            outcome: Outcome::default(),
        }
    }

    pub fn failing_hop(&self) -> Option<&Hop> {
        self.hops.iter().find(|h| h.status == HopStatus::Fail)
    }

    /// The `ingress route` answer (docs/interface.md): `gateway`, `listener` and `route` in
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
            unknown_reasons: Vec::new(),
            outcome: self.outcome.clone(),
        }
    }
}

/// Routes a request through a Gateway (the one given, or the one whose listener serves the
/// host). `None` when no Gateway serves the host and none was given (Ingress territory).
pub fn route(cluster: &Cluster, req: &HttpRequest, opts: &GwRouteOptions) -> Option<GwRouteResult> {
    let gw = match &opts.gateway {
        Some((ns, name)) => match cluster.gateway(ns, name) {
            Some(g) => g,
            None => {
                let ids: Vec<String> = cluster
                    .gateways()
                    .iter()
                    .map(|g| format!("{}/{}", g.namespace, g.name))
                    .collect();
                let mut r = GwRouteResult::new(req);
                r.gateway = Some(format!("{ns}/{name}"));
                r.symptom = Symptom::NoAddress;
                r.hops.push(Hop::new(
                    "ingress-class",
                    HopStatus::Fail,
                    format!(
                        "Gateway {ns}/{name} does not exist{}",
                        crate::text::did_you_mean(
                            &format!("{ns}/{name}"),
                            ids.iter().map(String::as_str)
                        )
                    ),
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

fn route_via(cluster: &Cluster, gw: &Gateway, req: &HttpRequest) -> GwRouteResult {
    let mut r = GwRouteResult::new(req);
    r.gateway = Some(format!("{}/{}", gw.namespace, gw.name));
    r.class = Some(gw.class_name.clone());

    // 1. GatewayClass and Gateway.
    if !gateway_hop(cluster, gw, &mut r) {
        return r;
    }
    // 2. The listener: protocol + port, then the most specific hostname.
    let Some(listener) = select_listener(cluster, gw, req, &mut r) else {
        return r;
    };
    // 3. Routes attached to this listener whose hostnames match the request.
    let (mut candidates, unevaluated, attached_routes) =
        matching_candidates(cluster, gw, listener, req);
    for u in &unevaluated {
        r.notes.push(format!(
            "{u} uses a regular expression, which is implementation-specific and not evaluated"
        ));
    }
    candidates.sort_by_key(|c| precedence_key(c));
    if candidates.is_empty() && !unevaluated.is_empty() {
        // Only regular expressions could match: which rule serves (if any) is unknown.
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Warn,
            format!(
                "no rule without a regular expression matches host {} path {}; whether one of the regular expressions matches is implementation-specific and not evaluated",
                req.host, req.sent_path
            ),
        ));
        r.symptom = Symptom::Unknown;
        return r;
    }
    let Some(route) = rule_hop(
        cluster,
        gw,
        listener,
        req,
        &candidates,
        attached_routes,
        &mut r,
    ) else {
        return r;
    };
    route_status_notes(gw, route, &mut r);
    let Some(best) = candidates.first() else {
        return r;
    };
    let rule = &route.rules[best.rule];

    // 4. Filters: a redirect answers without calling any backend; rewrites and header
    // changes are what the backend receives.
    let outcome = apply_filters(
        &rule.filters,
        rule.matches.get(best.match_index),
        req,
        listener,
        &mut r.notes,
    );
    if let Some(red) = &outcome.redirect {
        r.hops.push(Hop::new(
            "ingress-backend",
            HopStatus::Pass,
            format!(
                "the rule's RequestRedirect filter answers with a redirect: {} Location {}; no backend is called",
                red.status_code, red.location
            ),
        ));
        r.symptom = Symptom::redirect(red.status_code);
        r.outcome = outcome;
        return r;
    }
    if let Some(hop) = filter_hop(&outcome) {
        r.hops.push(hop);
    }
    r.outcome = outcome;
    for b in rule.backends.iter().filter(|b| !b.filters.is_empty()) {
        r.notes.push(format!(
            "backendRef {}/{} has its own filters ({}), applied only to its share; not shown above",
            b.namespace,
            b.name,
            b.filters.join(", ")
        ));
    }
    // 5. Backends and their weights.
    evaluate_backends(cluster, route, &rule.backends, &mut r);
    r
}

/// The `filter` hop: what the backend receives when a filter changes the request, and the
/// response headers changed.
fn filter_hop(o: &Outcome) -> Option<Hop> {
    let mut parts = Vec::new();
    if let Some(u) = &o.upstream {
        parts.push(format!(
            "URLRewrite: the backend receives host {} path {}",
            u.host, u.path
        ));
    }
    if !o.request_headers.is_empty() {
        let v: Vec<String> = o.request_headers.iter().map(|h| h.describe()).collect();
        parts.push(format!("request headers: {}", v.join(", ")));
    }
    if !o.response_headers.is_empty() {
        let v: Vec<String> = o.response_headers.iter().map(|h| h.describe()).collect();
        parts.push(format!("response headers: {}", v.join(", ")));
    }
    (!parts.is_empty()).then(|| Hop::new("filter", HopStatus::Pass, parts.join("; ")))
}

/// The `ingress-class` hop: the GatewayClass (accepted?) and the Gateway (programmed?);
/// false (the request stops) when either fails.
pub(super) fn gateway_hop(cluster: &Cluster, gw: &Gateway, r: &mut GwRouteResult) -> bool {
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
        .push(Hop::new("ingress-class", class_status, class_detail));
    if class_status == HopStatus::Fail {
        r.symptom = if gw.addresses.is_empty() {
            Symptom::NoAddress
        } else {
            Symptom::ConnectionRefused
        };
        return false;
    }
    true
}

/// The rules that match the request, among the routes (of the request's kind) attached to
/// this listener and reachable under the request's host; also the matches that cannot be
/// evaluated (regular expressions) and how many routes are attached.
fn matching_candidates<'c>(
    cluster: &'c Cluster,
    gw: &Gateway,
    listener: &'c Listener,
    req: &HttpRequest,
) -> (Vec<Candidate<'c>>, Vec<String>, usize) {
    let kind = route_kind(req);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut unevaluated: Vec<String> = Vec::new();
    let mut attached_routes = 0;
    for route in cluster.routes.iter().filter(|rt| rt.kind == kind) {
        for parent in route
            .parents
            .iter()
            .filter(|p| targets_gateway(cluster, p, gw))
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
    (candidates, unevaluated, attached_routes)
}

/// HTTPRoute, or GRPCRoute for a gRPC call.
fn route_kind(req: &HttpRequest) -> RouteKind {
    if req.grpc {
        RouteKind::Grpc
    } else {
        RouteKind::Http
    }
}

/// The `ingress-rule` hop: the rule chosen by precedence; None (with a 404) when no rule
/// matches.
fn rule_hop<'c>(
    cluster: &Cluster,
    gw: &Gateway,
    listener: &Listener,
    req: &HttpRequest,
    candidates: &[Candidate<'c>],
    attached_routes: usize,
    r: &mut GwRouteResult,
) -> Option<&'c GwRoute> {
    let kind = route_kind(req);
    let listener_desc = format!(
        "listener {} ({} :{}, hostname {})",
        listener.name,
        listener.protocol,
        listener.port,
        listener.hostname.as_deref().unwrap_or("*")
    );
    let Some(best) = candidates.first() else {
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "{listener_desc}: no rule of the {attached_routes} {}(s) attached to it matches host {} path {} (404)",
                kind.as_str(),
                req.host,
                req.sent_path
            ),
        ));
        r.notes.extend(unattached_routes_for_host(cluster, gw, req));
        r.symptom = Symptom::Http404;
        return None;
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
        .push(Hop::new("ingress-rule", HopStatus::Pass, rule_detail));
    Some(route)
}

/// What the controller reports in the route's own status for this Gateway, when it wrote it.
fn route_status_notes(gw: &Gateway, route: &GwRoute, r: &mut GwRouteResult) {
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
}

//! `migrate-check`: do the Gateway API objects serve every URL the Ingresses define the way
//! the Ingresses did?
//!
//! The URLs come from the old state's Ingresses (`urls`): each rule host (a wildcard
//! `*.example.com` as `x.example.com`; a rule without host as a host no rule names) ×
//! each path × a representative of its path type (`Exact`: the path; `Prefix`: the path, a
//! path below it, and the path with characters appended to its last segment, which
//! `Prefix` must not match but a plain string prefix does; `ImplementationSpecific`: the
//! same three, routed as ingress-nginx does), over http and, for a host in a `tls` section,
//! https; each TLS host; and a URL no rule matches when an Ingress has a `defaultBackend`.
//! Regex paths (`use-regex`) are represented by their literal prefix, and said so.
//!
//! Each URL is routed through the Ingresses of the old state (ingress-nginx semantics) and
//! through the Gateway API objects of the new state, and the answers are compared: the
//! status (symptom), the backend Service and port (weights), the redirect and its Location,
//! the host and path the backend receives, and TLS (whether https is answered). Every
//! ingress-nginx annotation is also named with what it becomes in the Gateway API, or that
//! there is no equivalent.

mod annotations;
mod urls;

use crate::model::{Cluster, PortRef};
use crate::sim::gateway::{self, gateways_for_host, GwRouteOptions};
use crate::sim::http::HttpRequest;
use crate::sim::ingress::{self, RouteOptions};
use crate::sim::path::{HopStatus, Route, Symptom};
use serde::Serialize;

pub use annotations::{annotation_notes, AnnotationNote};
pub use urls::{enumerate_urls, ProbeUrl};

/// Which controller/Gateway to compare.
#[derive(Debug, Clone, Default)]
pub struct MigrateOptions {
    /// `--ingress-class`.
    pub ingress: RouteOptions,
    /// `--gateway NS/NAME`; default: the Gateway that serves each host (the only Gateway
    /// when one exists).
    pub gateway: Option<(String, String)>,
}

/// One side's answer, reduced to what a client and the backend see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub symptom: Symptom,
    /// `ns/service:port` with the share in percent when split (`100` alone).
    pub backends: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
    /// `host path` the backend receives when rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    /// The `tls` hop: pass/warn/fail/skip, none for http.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<HopStatus>,
    /// Ingress `ns/name`, or `gateway ns/name listener L route ns/name`.
    pub via: Option<String>,
    /// The failing hop's explanation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One URL and both answers.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub url: String,
    /// Why this URL was enumerated (`Ingress ns/name host h path /p (Prefix)`).
    pub source: String,
    pub ingress: Answer,
    pub gateway: Answer,
    /// What differs (`status`, `backend`, `redirect`, `upstream`, `tls`), empty when equal.
    pub differences: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrateReport {
    pub urls: Vec<Comparison>,
    /// How many URLs differ.
    pub differing: usize,
    pub annotations: Vec<AnnotationNote>,
    /// Remarks on the enumeration (regex paths, hosts the new state has no Gateway for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// `ns/svc:port` with the port as a number when the Service resolves a named port.
fn ingress_backends(old: &Cluster, r: &Route) -> Vec<String> {
    let Some(b) = &r.backend else {
        return Vec::new();
    };
    let ns = r
        .ingress()
        .and_then(|i| i.split_once('/'))
        .map(|(ns, _)| ns.to_string())
        .unwrap_or_default();
    let port = match b.port.parse::<u16>() {
        Ok(n) => n.to_string(),
        Err(_) => old
            .service(&ns, &b.service)
            .and_then(|s| s.port_by_name(&b.port))
            .map(|p| p.port.to_string())
            .unwrap_or_else(|| b.port.clone()),
    };
    vec![format!("{ns}/{}:{port}", b.service)]
}

fn gateway_backends(r: &Route) -> Vec<String> {
    let live: Vec<_> = r.backends.iter().filter(|w| w.weight > 0).collect();
    if live.len() == 1 {
        return vec![format!(
            "{}:{}",
            live[0].service,
            live[0].port.map(|p| p.to_string()).unwrap_or_default()
        )];
    }
    live.iter()
        .map(|w| {
            format!(
                "{}:{} ({:.0}%)",
                w.service,
                w.port.map(|p| p.to_string()).unwrap_or_default(),
                w.percent
            )
        })
        .collect()
}

fn answer(r: &Route, backends: Vec<String>, via: Option<String>) -> Answer {
    Answer {
        symptom: r.symptom,
        // A redirect calls no backend.
        backends: if r.symptom.is_redirect() {
            Vec::new()
        } else {
            backends
        },
        redirect: r
            .outcome
            .redirect
            .as_ref()
            .map(|x| format!("{} {}", x.status_code, x.location)),
        upstream: r
            .outcome
            .upstream
            .as_ref()
            .map(|u| format!("{} {}", u.host, u.path)),
        tls: r.hops.iter().find(|h| h.step == "tls").map(|h| h.status),
        via,
        detail: r.failing_hop().map(|h| h.detail.clone()),
    }
}

/// Routes one URL through the new state's Gateway API objects.
fn route_new(new: &Cluster, req: &HttpRequest, opts: &MigrateOptions) -> Option<Route> {
    let gw = match &opts.gateway {
        Some(g) => Some(g.clone()),
        None => gateways_for_host(new, req)
            .first()
            .map(|g| (g.namespace.clone(), g.name.clone()))
            .or_else(|| match new.gateways() {
                [only] => Some((only.namespace.clone(), only.name.clone())),
                _ => None,
            }),
    }?;
    gateway::route(new, req, &GwRouteOptions { gateway: Some(gw) }).map(|r| r.to_route())
}

fn gateway_via(r: &Route) -> Option<String> {
    match &r.via {
        crate::sim::path::RouteVia::Gateway {
            gateway,
            listener,
            route,
            ..
        } => Some(format!(
            "gateway {} listener {} route {}",
            gateway.as_deref().unwrap_or("-"),
            listener.as_deref().unwrap_or("-"),
            route.as_deref().unwrap_or("-")
        )),
        crate::sim::path::RouteVia::Ingress { ingress } => ingress.clone(),
    }
}

/// The differences between two answers.
fn differences(a: &Answer, b: &Answer) -> Vec<String> {
    let mut d = Vec::new();
    if a.symptom != b.symptom {
        d.push("status".to_string());
    }
    if a.backends != b.backends {
        d.push("backend".into());
    }
    if a.redirect != b.redirect {
        d.push("redirect".into());
    }
    if a.upstream != b.upstream {
        d.push("upstream".into());
    }
    // TLS: answered (a certificate presented) on one side only.
    let answered = |t: Option<HopStatus>| matches!(t, Some(HopStatus::Pass | HopStatus::Warn));
    if answered(a.tls) != answered(b.tls) && !d.contains(&"status".to_string()) {
        d.push("tls".into());
    }
    d
}

/// Compares every enumerated URL of the old state with the new state.
pub fn migrate_check(old: &Cluster, new: &Cluster, opts: &MigrateOptions) -> MigrateReport {
    let (probes, mut notes) = enumerate_urls(old);
    let mut urls = Vec::new();
    for p in probes {
        let Ok(mut req) = HttpRequest::parse(&p.url) else {
            notes.push(format!("{}: not a URL netdoctor can route; skipped", p.url));
            continue;
        };
        if p.grpc {
            req = req.with_header("content-type", "application/grpc");
        }
        let ir = ingress::route(old, &req, &opts.ingress);
        let ia = answer(
            &ir,
            ingress_backends(old, &ir),
            ir.ingress().map(str::to_string),
        );
        let ga = match route_new(new, &req, opts) {
            Some(gr) => answer(&gr, gateway_backends(&gr), gateway_via(&gr)),
            None => Answer {
                symptom: Symptom::NoAddress,
                backends: Vec::new(),
                redirect: None,
                upstream: None,
                tls: None,
                via: None,
                detail: Some(format!(
                    "no Gateway of the new state serves host {}",
                    req.host
                )),
            },
        };
        let differences = differences(&ia, &ga);
        urls.push(Comparison {
            url: p.url,
            source: p.source,
            ingress: ia,
            gateway: ga,
            differences,
        });
    }
    let differing = urls.iter().filter(|c| !c.differences.is_empty()).count();
    MigrateReport {
        urls,
        differing,
        annotations: annotation_notes(old),
        notes,
    }
}

/// A named Service port's number, for tests and callers that compare ports.
pub fn port_number(cluster: &Cluster, ns: &str, svc: &str, port: &PortRef) -> Option<u16> {
    let s = cluster.service(ns, svc)?;
    match port {
        PortRef::Number(n) => Some(*n),
        PortRef::Name(name) => s.port_by_name(name).map(|p| p.port),
    }
}

//! The cluster's edge: whether a request from outside is served by the Ingresses or by the
//! Gateway API, decided in one place for `ingress route` and `trace`.

use super::gateway::{self, GwRouteOptions};
use super::http::HttpRequest;
use super::ingress::{self, RouteOptions};
use super::path::Route;
use crate::model::Cluster;

/// How to route: force an IngressClass, or a Gateway.
#[derive(Debug, Clone, Default)]
pub struct EdgeOptions {
    /// `--ingress-class`: route through that class's controller (never a Gateway).
    pub ingress: RouteOptions,
    /// `--gateway NS/NAME`: route through that Gateway.
    pub gateway: GwRouteOptions,
}

/// Routes a request the way the cluster's edge would: through the Gateway named in the
/// options, else through a Gateway that names the host when no Ingress rule does
/// (`--ingress-class` forces the Ingress path), else through the Ingresses.
pub fn route(cluster: &Cluster, req: &HttpRequest, opts: &EdgeOptions) -> Route {
    let mut r = route_edge(cluster, req, opts);
    if req.grpc {
        r.outcome.grpc_status = r.symptom.grpc_status();
    }
    if let Some(f) = follow_redirect(cluster, req, &r, opts) {
        r.notes.push(format!(
            "a client that follows the redirect to {} gets {}{}",
            f.url,
            f.symptom,
            f.failing_hop()
                .map(|h| format!(" ({}: {})", h.step, h.detail))
                .unwrap_or_default()
        ));
    }
    r
}

/// The answer to the request a client sends after a redirect to the same host (http to
/// https, a moved path), routed once (a redirect there is not followed again); None when
/// the answer is not a redirect or it leaves the host.
pub fn follow_redirect(
    cluster: &Cluster,
    req: &HttpRequest,
    r: &Route,
    opts: &EdgeOptions,
) -> Option<Route> {
    if !r.symptom.is_redirect() {
        return None;
    }
    let loc = &r.outcome.redirect.as_ref()?.location;
    let next = HttpRequest::parse(loc).ok()?;
    if !next.host.eq_ignore_ascii_case(&req.host) {
        return None;
    }
    let mut next = next.with_method(&req.method);
    for (k, v) in req
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
    {
        next = next.with_header(k, v);
    }
    Some(route_edge(cluster, &next, opts))
}

fn route_edge(cluster: &Cluster, req: &HttpRequest, opts: &EdgeOptions) -> Route {
    let through_ingress = || ingress::route(cluster, req, &opts.ingress);
    if opts.gateway.gateway.is_some() {
        return match gateway::route(cluster, req, &opts.gateway) {
            Some(r) => r.to_route(),
            None => through_ingress(),
        };
    }
    let ing = through_ingress();
    // A Gateway that names the host wins unless an Ingress rule names it too.
    let ingress_names_host = cluster.ingresses.iter().any(|i| {
        i.rules
            .iter()
            .any(|r| r.host.is_some() && ingress::host_matches(r.host.as_deref(), &req.host))
    });
    let gw = if opts.ingress.ingress_class.is_none() && !ingress_names_host {
        gateway::route(cluster, req, &GwRouteOptions::default())
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

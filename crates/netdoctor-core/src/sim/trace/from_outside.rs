//! From outside the cluster: to an address (a node port, a LoadBalancer, a pod IP), or by
//! name through whatever serves the host at the edge (an Ingress or a Gateway API route).

use super::fix::{allow_flow, dropping_side};
use super::policy_hops::to_pods;
use super::target::{classify_ip, Destination};
use super::{Builder, FindingFix, Source, Target, Trace};
use crate::model::Protocol;
use crate::sim::edge::{self, EdgeOptions};
use crate::sim::fix::Fix;
use crate::sim::http::HttpRequest;
use crate::sim::ingress;
use crate::sim::netpol::Endpoint;
use crate::sim::path::Symptom;
use crate::sim::service;
use std::net::IpAddr;

pub(super) fn from_outside(mut b: Builder<'_>, ip: IpAddr, target: &Target) -> Trace {
    let cluster = b.cluster;
    if target.scheme.is_none() && target.ip().is_some() {
        // An address: a node port or a LoadBalancer IP, or a pod IP reached directly.
        let dst_ip = target.ip().unwrap_or(ip);
        b.skip("dns", "an address: no lookup");
        return match classify_ip(cluster, dst_ip) {
            Destination::Pods(pods, _) => {
                to_pods(b, Source::External(ip), &pods, target.port, None)
            }
            Destination::Service(svc, _) => {
                let svc_ip = dst_ip;
                // From outside, a ClusterIP is not routable.
                b.fail(
                    "service",
                    format!(
                        "{svc_ip} is the ClusterIP of {}/{}: it is reachable only inside the cluster",
                        svc.namespace, svc.name
                    ),
                    Symptom::ConnectionTimeout,
                    Some(Fix::new("Expose the Service through an Ingress, a Gateway, or type LoadBalancer/NodePort")),
                )
            }
            Destination::External(_) => b.fail(
                "service",
                format!("{dst_ip} is not an address of the cluster in the snapshot"),
                Symptom::ConnectionTimeout,
                None,
            ),
        };
    }
    let scheme = target.scheme.clone().unwrap_or_else(|| {
        if target.port == 443 {
            "https".into()
        } else {
            "http".into()
        }
    });
    let url = format!(
        "{scheme}://{}:{}{}",
        target.host.trim_end_matches('.'),
        target.port,
        target.path
    );
    let req = match HttpRequest::parse(&url) {
        Ok(r) => r,
        Err(e) => return b.fail("ingress-rule", e, Symptom::Http404, None),
    };
    // Through whatever serves the host at the edge: an Ingress, or a Gateway API route.
    let first = edge::route(cluster, &req, &EdgeOptions::default());
    // A redirect to the same host (http to https): the client follows it, and the answer
    // there decides.
    let route = match edge::follow_redirect(cluster, &req, &first, &EdgeOptions::default()) {
        Some(next) => {
            for h in &first.hops {
                b.trace.hops.push(h.clone());
            }
            b.trace.notes.push(format!(
                "{} answers {}; the client follows it to {}",
                first.url, first.symptom, next.url
            ));
            next
        }
        None => first,
    };
    let served = route.symptom.is_answered();
    for h in &route.hops {
        b.trace.hops.push(h.clone());
    }
    b.trace.notes.extend(route.notes.iter().cloned());
    if let Some(ing) = route.ingress() {
        if let Some((ns, name)) = ing.split_once('/') {
            b.want_findings(
                &[("Ingress", ns, name)],
                &["ING001", "ING002", "ING004", "ING005", "ING006", "ING007"],
            );
        }
    }
    if let crate::sim::path::RouteVia::Gateway {
        gateway: Some(gw), ..
    } = &route.via
    {
        if let Some((ns, name)) = gw.split_once('/') {
            // The listener's certificate (the tls hop).
            b.want_findings(&[("Gateway", ns, name)], &["GW009"]);
        }
    }
    if route.symptom == Symptom::Unknown {
        // A policy kind netdoctor does not model decides whether the controller reaches
        // the backend pods.
        return b.unknown(route.unknown_reasons.clone());
    }
    if !served {
        let policy_hop = route
            .failing_hop()
            .is_some_and(|h| h.step == "ingress-policy" || h.step == "egress-policy");
        b.trace.reachable = false;
        b.trace.symptom = route.symptom;
        if policy_hop {
            b.trace.fix = controller_policy_fix(&mut b, &route);
        } else {
            // The Ingress rules know what is wrong with the route and how to fix it.
            b.trace.evidence.fix_from = Some(FindingFix::First);
        }
        return b.trace;
    }
    b.ok()
}

/// The routed request's controller cannot reach the backend pods: the NetworkPolicy that
/// admits the controller's pods on the backend's target port (on the side that drops it).
fn controller_policy_fix(b: &mut Builder<'_>, route: &ingress::Route) -> Option<Fix> {
    let cluster = b.cluster;
    let ing_id = route.ingress()?;
    let ing = cluster
        .ingresses
        .iter()
        .find(|i| format!("{}/{}", i.namespace, i.name) == ing_id)?;
    let controllers = crate::sim::ingress::ingress_controller_pods(cluster, ing);
    let backend = route.backend.as_ref()?;
    let svc = cluster.service(&ing.namespace, &backend.service)?;
    let sp = match backend.port.parse::<u16>() {
        Ok(n) => svc.ports.iter().find(|p| p.port == n),
        Err(_) => svc.port_by_name(&backend.port),
    }?;
    let &ctl = controllers.first()?;
    let eps = service::endpoints(cluster, svc);
    let pe = eps.port(sp.port, sp.protocol)?;
    b.want_findings(&[("Ingress", &ing.namespace, &ing.name)], &["NP005"]);
    let fix = pe.ready_backends().find_map(|be| {
        let (pi, tp) = (be.pod?, be.target_port?);
        let v = b
            .engine
            .check(Endpoint::Pod(ctl), Endpoint::Pod(pi), tp, Protocol::Tcp);
        if v.allowed {
            return None;
        }
        let dst = &cluster.pods[pi];
        Some(allow_flow(
            cluster,
            Source::Pod(ctl),
            dst,
            dropping_side(&v),
            tp,
            Protocol::Tcp,
        ))
    });
    fix
}

//! GW: Gateway API (GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant).

pub mod gatewayclass_missing_or_not_accepted;
pub mod listener_certificate_missing;
pub mod listener_conflicted;
pub mod listenerset_not_attached;
pub mod route_backend_no_ready_endpoints;
pub mod route_backend_not_found;
pub mod route_backend_reference_not_permitted;
pub mod route_hostname_matches_no_listener;
pub mod route_not_accepted;
pub mod route_not_handled_by_controller;
pub mod route_parent_not_found;

use crate::finding::ObjectRef;
use crate::model::{condition, Cluster, Gateway, GwCondition, GwRoute, ParentRef};
use crate::sim::gateway::{attach, AttachError};

pub(crate) fn route_object(r: &GwRoute) -> ObjectRef {
    ObjectRef::namespaced(r.kind.as_str(), &r.namespace, &r.name)
}

/// `kubectl` resource name of a route kind.
pub(crate) fn resource(r: &GwRoute) -> &'static str {
    match r.kind {
        crate::model::RouteKind::Http => "httproute",
        crate::model::RouteKind::Grpc => "grpcroute",
        crate::model::RouteKind::Tls => "tlsroute",
        crate::model::RouteKind::Tcp => "tcproute",
        crate::model::RouteKind::Udp => "udproute",
    }
}

/// The condition of `type_` the controller wrote for this parentRef.
pub(crate) fn parent_condition<'a>(
    r: &'a GwRoute,
    p: &ParentRef,
    type_: &str,
) -> Option<&'a GwCondition> {
    r.status_for(p)
        .and_then(|s| condition(&s.conditions, type_))
}

/// The Gateway carries status written by a controller (the input is a dump of a live
/// cluster, not plain manifests).
pub(crate) fn has_status(gw: &Gateway) -> bool {
    !gw.conditions.is_empty() || !gw.listener_status.is_empty() || !gw.addresses.is_empty()
}

/// Every (route, Gateway parentRef, attachment result) in the cluster.
pub(crate) fn attachments(
    cluster: &Cluster,
) -> impl Iterator<Item = (&GwRoute, &ParentRef, Result<(), AttachError>)> {
    cluster.routes.iter().flat_map(move |r| {
        r.parents
            .iter()
            .filter(|p| p.is_gateway())
            .map(move |p| (r, p, attach(cluster, r, p).map(|_| ())))
    })
}

/// Every distinct backendRef of every route (the same backend in several rules once).
pub(crate) fn backend_refs(
    cluster: &Cluster,
) -> impl Iterator<Item = (&GwRoute, &crate::model::BackendRef)> {
    cluster.routes.iter().flat_map(|r| {
        let mut seen: Vec<&crate::model::BackendRef> = Vec::new();
        let mut out = Vec::new();
        for b in r.rules.iter().flat_map(|rule| rule.backends.iter()) {
            if seen.iter().any(|s| {
                s.name == b.name
                    && s.namespace == b.namespace
                    && s.port == b.port
                    && s.kind == b.kind
                    && s.group == b.group
            }) {
                continue;
            }
            seen.push(b);
            out.push((r, b));
        }
        out
    })
}

#[cfg(test)]
mod tests;

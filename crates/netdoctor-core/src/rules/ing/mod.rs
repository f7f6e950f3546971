//! ING — Ingress: class and controller, backends, TLS, conflicting rules.
//!
//! The routing semantics (class resolution, ingress-nginx's merge order, endpoints) live in
//! `sim::ingress`; these rules report what that model finds, one problem per finding.

pub mod ingress_annotation_for_other_controller;
pub mod ingress_backend_no_ready_endpoints;
pub mod ingress_backend_port_missing;
pub mod ingress_backend_service_missing;
pub mod ingress_class_missing;
pub mod ingress_controller_not_running;
pub mod ingress_no_address;
pub mod ingress_rule_shadowed;
pub mod ingress_tls_secret_missing;

use crate::finding::ObjectRef;
use crate::model::Ingress;

pub(crate) fn ingress_ref(ing: &Ingress) -> ObjectRef {
    ObjectRef::namespaced("Ingress", &ing.namespace, &ing.name)
}

/// `shop.example.com, api.example.com` or `all hosts`.
pub(crate) fn hosts(ing: &Ingress) -> String {
    let mut h: Vec<&str> = ing.rules.iter().filter_map(|r| r.host.as_deref()).collect();
    h.dedup();
    if h.is_empty() {
        "all hosts".into()
    } else {
        h.join(", ")
    }
}

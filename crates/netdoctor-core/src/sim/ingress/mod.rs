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

// Where each part lives: `class` (which IngressClass and controller), `controllers` (the
// controller's pods), `matching` (host and path as the API defines them), `nginx` (the
// merged server and its locations), `route` (the steps of a request), `hops` (TLS, backend,
// endpoints, policy), `backends` (Service ports and endpoints), `exposures` (what the
// Ingresses expose, for the connectivity map).

mod backends;
mod class;
mod controllers;
mod exposures;
mod hops;
mod matching;
mod nginx;
mod outcome;
mod route;

pub use backends::{
    backend_state, close_services, describe_service_ports, lookup_port, service_backends,
    BackendState, PortLookup,
};
pub use class::{default_classes, resolve_class, ClassResolution, ClassSource};
pub use controllers::{
    controller_down, controller_pod_selectors, controller_pods, controller_status,
    ingress_controller_pods, input_covers_cluster, ControllerStatus,
};
pub use exposures::{ingress_exposures, IngressExposure};
pub use matching::{host_matches, nginx_path_type, path_matches};
pub use nginx::{nginx_order, select_server, shadowed_paths, ServerKey, ShadowedPath};
pub use route::{route, RouteOptions};

// The result vocabulary (docs/interface.md), shared with the Gateway API engine and `trace`.
pub use crate::sim::path::{Hop, HopStatus, Route, RouteBackend, RouteVia, Symptom};
// The request, which `trace` still names this way.
pub use crate::sim::http::normalize_path;

use crate::model::Ingress;

/// The controller netdoctor models when the IngressClass names none it knows.
pub const INGRESS_NGINX: &str = "k8s.io/ingress-nginx";

/// `ns/name` of an Ingress.
fn ing_key(ing: &Ingress) -> String {
    format!("{}/{}", ing.namespace, ing.name)
}

#[cfg(test)]
mod tests;

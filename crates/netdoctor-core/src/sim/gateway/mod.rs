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

// Where each part lives: `conditions` (status in words), `hostnames`, `attach` (routes to
// listeners), `certificates` (a listener's certificateRefs), `listeners` (which Gateway and listener serve a request), `matching` (rule
// matches and precedence), `route` (the steps of a request), `backends` (backendRefs and
// the traffic split).

mod attach;
mod backends;
mod certificates;
mod conditions;
mod filters;
mod hostnames;
mod l4;
mod listeners;
mod listenersets;
mod matching;
mod route;

pub use attach::{
    attach, namespace_allowed, parent_gateway, targets_gateway, AttachError, AttachedListener,
    Attachment,
};
pub use backends::{describe_ports, no_ready_endpoints, resolve_backend, BackendProblem};
pub use certificates::{
    certificate_checks, describe_cert, listener_certificates, terminates_tls, CertCheck, CertState,
    ListenerCerts,
};
pub use conditions::{describe_condition, explain_reason};
pub use filters::{apply_filters, replace_prefix};
pub use hostnames::{effective_hostnames, hostname_matches, intersect_hostnames};
pub use l4::{route_connection, Connection};
pub use listeners::gateways_for_host;
pub use listenersets::{
    live_listeners, merged_listeners, set_allowed, set_listeners, set_parent, set_state,
    MergedListener, SetProblem,
};
pub use matching::{match_request, path_prefix_matches, precedence_key, Candidate};
pub use route::{route, BackendOut, GwRouteOptions, GwRouteResult};

// The result vocabulary (docs/interface.md), shared with the Ingress engine and `trace`.
pub use crate::sim::path::{Hop, HopStatus, Symptom, WeightedBackend};
// The request, under the name the Gateway engine gave it.

#[cfg(test)]
mod tests;

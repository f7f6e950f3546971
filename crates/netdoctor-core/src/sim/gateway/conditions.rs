//! Status conditions (Accepted, Programmed, ResolvedRefs) in plain words.

use crate::model::{condition, Gateway, GwCondition, Listener};

/// What a route/Gateway/GatewayClass condition reason means, in plain words.
pub fn explain_reason(type_: &str, reason: &str) -> &'static str {
    match (type_, reason) {
        ("Accepted", "NotAllowedByListeners") => {
            "no listener of the Gateway allows this route: its namespace is not in the listener's allowedRoutes.namespaces, or its kind is not in allowedRoutes.kinds"
        }
        ("Accepted", "NoMatchingParent") => {
            "the parentRef matches no listener: the sectionName or port names no listener of the Gateway"
        }
        ("Accepted", "NoMatchingListenerHostname") => {
            "none of the route's hostnames intersects the hostname of a listener it could attach to"
        }
        ("Accepted", "UnsupportedValue") => {
            "the route uses a value (match type, filter, path modifier) the controller does not support"
        }
        ("Accepted", "Pending") => "no controller has processed it yet",
        ("Accepted", "InvalidParameters") => {
            "the GatewayClass parametersRef points to a missing or invalid object"
        }
        ("Accepted", "Unsupported") | ("Accepted", "UnsupportedProtocol") => {
            "the controller does not support something the object asks for"
        }
        ("Accepted", "ListenersNotValid") | ("Programmed", "ListenersNotValid") => {
            "one or more listeners are invalid (for a ListenerSet: every listener is invalid or conflicted)"
        }
        ("Accepted", "NotAllowed") | ("Programmed", "NotAllowed") => {
            "the parent Gateway's allowedListeners does not admit this ListenerSet's namespace (the default admits none)"
        }
        ("Accepted", "ParentNotAccepted") => "the ListenerSet's parent Gateway is not accepted",
        ("Programmed", "ParentNotProgrammed") => {
            "the ListenerSet's parent Gateway is not programmed"
        }
        ("Conflicted", "HostnameConflict") => {
            "another listener on the same port with the same protocol has the same hostname and takes precedence"
        }
        ("Conflicted", "ProtocolConflict") => {
            "another listener on the same port uses a different protocol and takes precedence"
        }
        ("Accepted", "TooManyListeners") => {
            "the implementation rejects the listener: the Gateway has more listeners than it supports"
        }
        ("Accepted", "UnsupportedAddress") => "the requested address type is not supported",
        ("ResolvedRefs", "BackendNotFound") => {
            "a backendRef names a Service (or port) that does not exist; its share of requests gets 500"
        }
        ("ResolvedRefs", "RefNotPermitted") => {
            "a backendRef points into another namespace and no ReferenceGrant there allows it; its share of requests gets 500"
        }
        ("ResolvedRefs", "InvalidKind") => {
            "a backendRef names a kind the controller does not support (usually a typo in group/kind); its share of requests gets 500"
        }
        ("ResolvedRefs", "UnsupportedProtocol") => {
            "the backend's appProtocol is not supported by the controller"
        }
        ("ResolvedRefs", "InvalidCertificateRef") => {
            "a listener certificateRef names a missing or invalid Secret"
        }
        ("Programmed", "AddressNotAssigned") | ("Programmed", "AddressNotUsable") => {
            "the Gateway has no usable address yet"
        }
        ("Programmed", "Pending") => "the controller has not configured the data plane yet",
        ("Programmed", "NoResources") => "the controller could not get the resources it needs",
        _ => "",
    }
}

/// `Accepted=False (NotAllowedByListeners: <plain words>; controller says: …)`.
pub fn describe_condition(c: &GwCondition) -> String {
    let mut s = format!("{}={}", c.type_, c.status);
    if !c.reason.is_empty() {
        s.push_str(&format!(" ({}", c.reason));
        let plain = explain_reason(&c.type_, &c.reason);
        if !plain.is_empty() {
            s.push_str(&format!(": {plain}"));
        }
        s.push(')');
    }
    if !c.message.is_empty() {
        s.push_str(&format!("; controller says: {:?}", c.message));
    }
    s
}

/// A condition of a listener's status (a Gateway's own listener; a ListenerSet listener's
/// status is in the ListenerSet, not read here).
pub(super) fn listener_condition<'a>(
    gw: &'a Gateway,
    l: &Listener,
    type_: &str,
) -> Option<&'a GwCondition> {
    if l.set.is_some() {
        return None;
    }
    gw.listener_status(&l.name)
        .and_then(|s| condition(&s.conditions, type_))
}

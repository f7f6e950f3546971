//! Gateway API hostnames: wildcard matching and the intersection of a listener's hostname
//! with a route's.

use crate::model::{GwRoute, Listener};

/// Whether a hostname pattern (`*.example.com` or exact) matches a concrete host. Gateway
/// API wildcards match one or more labels.
pub fn hostname_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => host == pattern,
    }
}

/// The intersection of a listener hostname and a route hostname, the more specific of the
/// two, or `None` when they do not intersect.
pub fn intersect_hostnames<'a>(listener: &'a str, route: &'a str) -> Option<&'a str> {
    let lw = listener.starts_with("*.");
    let rw = route.starts_with("*.");
    match (lw, rw) {
        (false, false) => (listener.eq_ignore_ascii_case(route)).then_some(route),
        (true, false) => hostname_matches(listener, route).then_some(route),
        (false, true) => hostname_matches(route, listener).then_some(listener),
        (true, true) => {
            if listener.eq_ignore_ascii_case(route) || hostname_matches(listener, &route[2..]) {
                Some(route)
            } else if hostname_matches(route, &listener[2..]) {
                Some(listener)
            } else {
                None
            }
        }
    }
}

/// The hostnames through which a route is reachable on a listener (`None` inside: any).
/// `Err(())` when both name hostnames and none intersect.
#[allow(clippy::result_unit_err)]
pub fn effective_hostnames(listener: &Listener, route: &GwRoute) -> Result<Vec<String>, ()> {
    match &listener.hostname {
        None => Ok(route.hostnames.clone()),
        Some(lh) if route.hostnames.is_empty() => Ok(vec![lh.clone()]),
        Some(lh) => {
            let out: Vec<String> = route
                .hostnames
                .iter()
                .filter_map(|rh| intersect_hostnames(lh, rh).map(str::to_string))
                .collect();
            if out.is_empty() {
                Err(())
            } else {
                Ok(out)
            }
        }
    }
}

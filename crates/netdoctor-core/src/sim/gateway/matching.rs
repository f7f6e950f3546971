//! Matching a request against a route rule's matches, and the spec's precedence between
//! the rules that match.

use crate::model::{GwRoute, Listener, PathMatchType, RouteMatch};
use crate::sim::http::HttpRequest;
use std::cmp::Reverse;

/// Element-wise path prefix match; a trailing `/` in the prefix is ignored.
pub fn path_prefix_matches(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return path.starts_with('/') || path.is_empty();
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Outcome of one match against a request: `Some(true)` matches, `Some(false)` does not,
/// `None` cannot be evaluated (a regular expression).
pub fn match_request(m: &RouteMatch, req: &HttpRequest) -> Option<bool> {
    let mut unknown = false;
    if let Some(p) = &m.path {
        match p.type_ {
            PathMatchType::Exact => {
                if req.sent_path != p.value {
                    return Some(false);
                }
            }
            PathMatchType::PathPrefix => {
                if !path_prefix_matches(&p.value, &req.sent_path) {
                    return Some(false);
                }
            }
            PathMatchType::RegularExpression => unknown = true,
        }
    }
    if let Some(g) = &m.grpc {
        let Some((svc, method)) = req.grpc_call() else {
            return Some(false);
        };
        if g.regex {
            unknown = true;
        } else {
            if g.service.as_deref().is_some_and(|s| s != svc) {
                return Some(false);
            }
            if g.method.as_deref().is_some_and(|s| s != method) {
                return Some(false);
            }
        }
    }
    if let Some(method) = &m.method {
        if *method != req.method {
            return Some(false);
        }
    }
    // Only the first entry of a repeated header/query name counts (the spec).
    let mut seen: Vec<String> = Vec::new();
    for h in &m.headers {
        let lname = h.name.to_ascii_lowercase();
        if seen.contains(&lname) {
            continue;
        }
        seen.push(lname);
        match req.header(&h.name) {
            None => return Some(false),
            Some(_) if h.regex => unknown = true,
            Some(v) if v != h.value => return Some(false),
            Some(_) => {}
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for q in &m.query_params {
        if seen.contains(&q.name.as_str()) {
            continue;
        }
        seen.push(&q.name);
        match req.query_param(&q.name) {
            None => return Some(false),
            Some(_) if q.regex => unknown = true,
            Some(v) if v != q.value => return Some(false),
            Some(_) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

/// A matching (route, rule, match) and the sort key that orders it by the spec's precedence.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub route: &'a GwRoute,
    pub rule: usize,
    pub match_index: usize,
    /// The route hostname (or listener hostname) through which the host matched, if any.
    pub hostname: Option<String>,
    pub listener: &'a Listener,
}

type PrecedenceKey = (
    Reverse<usize>, // characters in a matching non-wildcard hostname
    Reverse<usize>, // characters in a matching hostname
    u8,             // path kind: 0 Exact, 1 PathPrefix, 2 RegularExpression / none
    Reverse<usize>, // prefix length / gRPC service length
    Reverse<usize>, // method present / gRPC method length
    Reverse<usize>, // header matches
    Reverse<usize>, // query matches
    (bool, String), // oldest route (missing timestamps last)
    String,         // namespace/name
    usize,          // rule index
    usize,          // match index
);

/// The spec's precedence key: lower sorts first.
pub fn precedence_key(c: &Candidate) -> PrecedenceKey {
    let m = &c.route.rules[c.rule].matches.get(c.match_index);
    let (exact_len, any_len) = match &c.hostname {
        Some(h) if h.starts_with("*.") => (0, h.len()),
        Some(h) => (h.len(), h.len()),
        None => (0, 0),
    };
    let (path_kind, path_len, method_len) = match m {
        Some(m) => match (&m.path, &m.grpc) {
            (Some(p), _) => (
                match p.type_ {
                    PathMatchType::Exact => 0,
                    PathMatchType::PathPrefix => 1,
                    PathMatchType::RegularExpression => 2,
                },
                p.value.len(),
                usize::from(m.method.is_some()),
            ),
            (None, Some(g)) => (
                1,
                g.service.as_deref().map_or(0, str::len),
                g.method.as_deref().map_or(0, str::len),
            ),
            (None, None) => (2, 0, 0),
        },
        None => (2, 0, 0),
    };
    let headers = m.map_or(0, |m| m.headers.len());
    let queries = m.map_or(0, |m| m.query_params.len());
    (
        Reverse(exact_len),
        Reverse(any_len),
        path_kind,
        Reverse(path_len),
        Reverse(method_len),
        Reverse(headers),
        Reverse(queries),
        match &c.route.created {
            Some(t) => (false, t.clone()),
            None => (true, String::new()),
        },
        c.route.id(),
        c.rule,
        c.match_index,
    )
}

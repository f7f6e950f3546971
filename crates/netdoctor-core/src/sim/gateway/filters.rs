//! A rule's filters as outcomes (HTTPRouteFilter, GRPCRouteFilter):
//!
//! - `RequestRedirect` answers the request itself with `statusCode` (default 302) and a
//!   `Location` built from the request: `scheme` (default the request's), `hostname`
//!   (default the request's host), `path` (`ReplaceFullPath`, or `ReplacePrefixMatch`
//!   replacing the matched `PathPrefix`; default unchanged) and `port`. Without `port` the
//!   port is the scheme's well-known one when `scheme` is given (http 80, https 443), else
//!   the listener's port; the port is left out of the Location for http on 80 and https
//!   on 443 (the spec, as `HTTPRouteRedirectPortAndScheme` checks).
//! - `URLRewrite` changes the host (`hostname`) and path the backend receives.
//! - `RequestHeaderModifier` / `ResponseHeaderModifier` set, add and remove headers.
//! - Other filters (`RequestMirror`, `CORS`, `ExtensionRef`, …) do not change which answer
//!   the client gets in a way the objects decide; they are named in the notes.

use crate::model::{
    HeaderModifier, Listener, PathMatchType, PathModifier, RouteFilter, RouteMatch,
};
use crate::sim::http::HttpRequest;
use crate::sim::path::{HeaderChange, Outcome, Redirect, Upstream};

/// `ReplacePrefixMatch`: the matched prefix (element-wise, a trailing `/` ignored) replaced,
/// the rest of the path kept; an empty result is `/` (the table in the spec's
/// HTTPPathModifier documentation).
pub fn replace_prefix(path: &str, prefix: &str, replacement: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    let rest = path.get(prefix.len()..).unwrap_or("");
    let out = format!("{}{rest}", replacement.trim_end_matches('/'));
    if out.is_empty() {
        "/".into()
    } else if out.starts_with('/') {
        out
    } else {
        format!("/{out}")
    }
}

/// The path after a path modifier; `Err` when `ReplacePrefixMatch` is used without a
/// `PathPrefix` match (the API makes such a rule invalid).
fn modify_path(
    path: &str,
    m: Option<&RouteMatch>,
    modifier: &PathModifier,
) -> Result<String, String> {
    match modifier {
        PathModifier::ReplaceFullPath(p) => Ok(if p.is_empty() { "/".into() } else { p.clone() }),
        PathModifier::ReplacePrefixMatch(rep) => {
            match m.and_then(|m| m.path.as_ref()) {
                Some(pm) if pm.type_ == PathMatchType::PathPrefix => {
                    Ok(replace_prefix(path, &pm.value, rep))
                }
                _ => Err("ReplacePrefixMatch is only valid with a PathPrefix match; the rule is invalid and not applied as written".into()),
            }
        }
    }
}

fn header_changes(h: &HeaderModifier) -> Vec<HeaderChange> {
    let mut out = Vec::new();
    for (n, v) in &h.set {
        out.push(HeaderChange {
            op: "set",
            name: n.clone(),
            value: Some(v.clone()),
        });
    }
    for (n, v) in &h.add {
        out.push(HeaderChange {
            op: "add",
            name: n.clone(),
            value: Some(v.clone()),
        });
    }
    for n in &h.remove {
        out.push(HeaderChange {
            op: "remove",
            name: n.clone(),
            value: None,
        });
    }
    out
}

fn well_known_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// The filters of the chosen rule applied to the request through `listener`; notes for
/// what is not modelled.
pub fn apply_filters(
    filters: &[RouteFilter],
    m: Option<&RouteMatch>,
    req: &HttpRequest,
    listener: &Listener,
    notes: &mut Vec<String>,
) -> Outcome {
    let mut out = Outcome::default();
    let mut path = req.sent_path.clone();
    let mut host = req.host.clone();
    let mut rewritten = false;
    for f in filters {
        match f {
            RouteFilter::RequestRedirect {
                scheme,
                hostname,
                path: pmod,
                port,
                status_code,
            } => {
                let sch = scheme.clone().unwrap_or_else(|| req.scheme.clone());
                let port = match (port, scheme) {
                    (Some(p), _) => *p,
                    (None, Some(s)) => well_known_port(s).unwrap_or(listener.port),
                    (None, None) => listener.port,
                };
                let rhost = hostname.clone().unwrap_or_else(|| req.host.clone());
                let rpath = match pmod {
                    Some(pm) => match modify_path(&req.sent_path, m, pm) {
                        Ok(p) => p,
                        Err(e) => {
                            notes.push(e);
                            req.sent_path.clone()
                        }
                    },
                    None => req.sent_path.clone(),
                };
                let port_part = if well_known_port(&sch) == Some(port) {
                    String::new()
                } else {
                    format!(":{port}")
                };
                let query = if req.query.is_empty() {
                    String::new()
                } else {
                    let q: Vec<String> = req
                        .query
                        .iter()
                        .map(|(k, v)| {
                            if v.is_empty() {
                                k.clone()
                            } else {
                                format!("{k}={v}")
                            }
                        })
                        .collect();
                    format!("?{}", q.join("&"))
                };
                out.redirect = Some(Redirect {
                    status_code: *status_code,
                    location: format!("{sch}://{rhost}{port_part}{rpath}{query}"),
                });
            }
            RouteFilter::UrlRewrite {
                hostname,
                path: pmod,
            } => {
                if let Some(h) = hostname {
                    host = h.clone();
                    rewritten = true;
                }
                if let Some(pm) = pmod {
                    match modify_path(&path, m, pm) {
                        Ok(p) => {
                            path = p;
                            rewritten = true;
                        }
                        Err(e) => notes.push(e),
                    }
                }
            }
            RouteFilter::RequestHeaderModifier(h) => out.request_headers.extend(header_changes(h)),
            RouteFilter::ResponseHeaderModifier(h) => {
                out.response_headers.extend(header_changes(h))
            }
            RouteFilter::Other(t) => notes.push(format!(
                "filter {t} is not evaluated (it does not decide which backend or status answers, or is implementation-specific)"
            )),
        }
    }
    if rewritten && out.redirect.is_none() {
        out.upstream = Some(Upstream { host, path });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::replace_prefix;

    #[test]
    fn replace_prefix_follows_the_spec_table() {
        // HTTPPathModifier's documented table (apis/v1/httproute_types.go).
        let table = [
            ("/foo/bar", "/foo", "/xyz", "/xyz/bar"),
            ("/foo/bar", "/foo", "/xyz/", "/xyz/bar"),
            ("/foo/bar", "/foo/", "/xyz", "/xyz/bar"),
            ("/foo/bar", "/foo/", "/xyz/", "/xyz/bar"),
            ("/foo", "/foo", "/xyz", "/xyz"),
            ("/foo/", "/foo", "/xyz", "/xyz/"),
            ("/foo/bar", "/foo", "", "/bar"),
            ("/foo/", "/foo", "", "/"),
            ("/foo", "/foo", "", "/"),
            ("/foo/", "/foo", "/", "/"),
            ("/foo", "/foo", "/", "/"),
        ];
        for (path, prefix, rep, want) in table {
            assert_eq!(
                replace_prefix(path, prefix, rep),
                want,
                "{path} {prefix} {rep}"
            );
        }
    }
}

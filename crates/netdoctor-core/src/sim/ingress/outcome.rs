//! ingress-nginx annotations that change the answer, as outcomes:
//!
//! - `temporal-redirect` / `permanent-redirect` (codes `temporal-redirect-code`, default
//!   302, and `permanent-redirect-code`, default 301): the location answers with that
//!   redirect and the URL as written, without calling the backend. Both are nginx `return`
//!   directives of the location, which run in nginx's rewrite phase before the Lua code
//!   that does the ssl redirect, so they win over it; when both are set the
//!   annotation parser takes `temporal-redirect` first.
//! - `ssl-redirect` (default true) on a host with TLS, or `force-ssl-redirect: "true"`:
//!   plain http gets `308 Permanent Redirect` (the controller's default `http-redirect-code`)
//!   to `https://<host><request URI>`.
//! - `rewrite-target`: the location's regex (`(?i)^<path>`) is rewritten to the target
//!   with `$1`… substituted: the path the backend receives. `upstream-vhost`: the Host it
//!   receives.

use super::matching::host_matches;
use super::nginx::{annotation, Location, Server, ServerKey};
use crate::model::Ingress;
use crate::sim::http::HttpRequest;
use crate::sim::path::{Outcome, Redirect, Upstream};

fn code(ing: &Ingress, key: &str, default: u16) -> u16 {
    annotation(ing, key)
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|c| (300..=308).contains(c))
        .unwrap_or(default)
}

/// Whether the server presents a certificate for the host (an Ingress of it lists the
/// host under `tls`); the catch-all server never redirects.
fn host_has_tls(server: &Server, req: &HttpRequest) -> bool {
    let ServerKey::Host(host) = &server.key else {
        return false;
    };
    server.members.iter().any(|i| {
        i.tls.iter().any(|t| {
            t.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
                || t.hosts.iter().any(|h| host_matches(Some(h), &req.host))
        })
    })
}

/// The request URI as sent (path and query).
fn request_uri(req: &HttpRequest) -> String {
    if req.query.is_empty() {
        return req.path.clone();
    }
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
    format!("{}?{}", req.path, q.join("&"))
}

/// The outcome of the location's annotations for this request.
pub(super) fn nginx_outcome(
    server: &Server,
    loc: &Location,
    ing: &Ingress,
    req: &HttpRequest,
    notes: &mut Vec<String>,
) -> Outcome {
    let mut out = Outcome::default();
    let temporal = annotation(ing, "temporal-redirect").filter(|u| !u.trim().is_empty());
    let permanent = annotation(ing, "permanent-redirect").filter(|u| !u.trim().is_empty());
    if temporal.is_some() && permanent.is_some() {
        notes.push(
            "both temporal-redirect and permanent-redirect are set; ingress-nginx uses temporal-redirect".into(),
        );
    }
    if let Some(url) = temporal {
        out.redirect = Some(Redirect {
            status_code: code(ing, "temporal-redirect-code", 302),
            location: url.trim().to_string(),
        });
        return out;
    }
    if let Some(url) = permanent {
        out.redirect = Some(Redirect {
            status_code: code(ing, "permanent-redirect-code", 301),
            location: url.trim().to_string(),
        });
        return out;
    }
    if req.scheme == "http" {
        let force = annotation(ing, "force-ssl-redirect") == Some("true");
        let ssl = annotation(ing, "ssl-redirect") != Some("false") && host_has_tls(server, req);
        if force || ssl {
            out.redirect = Some(Redirect {
                status_code: 308,
                location: format!("https://{}{}", req.host, request_uri(req)),
            });
            notes.push(format!(
                "ingress-nginx redirects plain http to https ({}); the controller's ConfigMap (ssl-redirect, http-redirect-code) can change this globally",
                if force { "force-ssl-redirect" } else { "ssl-redirect, the host has TLS" }
            ));
            return out;
        }
    }
    let mut host = req.host.clone();
    let mut path = req.path.clone();
    let mut changed = false;
    if let Some(target) = annotation(ing, "rewrite-target").filter(|t| !t.is_empty()) {
        let pattern = format!("(?i)^{}", loc.path);
        match regex::Regex::new(&pattern) {
            Ok(re) => {
                if let Some(caps) = re.captures(&req.path) {
                    let mut dst = String::new();
                    caps.expand(&braced_groups(target), &mut dst);
                    path = dst;
                    changed = true;
                }
            }
            Err(_) => notes.push(format!(
                "rewrite-target {target:?}: the path {} is not a regular expression netdoctor can evaluate; the path the backend receives is unknown",
                loc.path
            )),
        }
    }
    if let Some(vhost) = annotation(ing, "upstream-vhost").filter(|v| !v.is_empty()) {
        host = vhost.to_string();
        changed = true;
    }
    if changed {
        out.upstream = Some(Upstream { host, path });
    }
    out
}

/// nginx's `$1` is the regex crate's `${1}` (so `$1abc` is not read as a group name).
fn braced_groups(target: &str) -> String {
    let mut out = String::new();
    let mut chars = target.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            out.push_str(&format!("${{{n}}}"));
        } else if c == '$' {
            out.push_str("$$");
        } else {
            out.push(c);
        }
    }
    out
}

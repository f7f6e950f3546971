//! The URLs an old state's Ingresses define (see the module documentation of `migrate`).

use crate::model::{Cluster, Ingress, PathType};
use std::collections::BTreeSet;

/// A URL to compare and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProbeUrl {
    pub url: String,
    pub source: String,
    /// A gRPC call (the backend speaks gRPC: ingress-nginx `backend-protocol: GRPC`/`GRPCS`,
    /// or the Service is listed in NGINX Inc's `nginx.org/grpc-services`).
    pub grpc: bool,
}

/// Whether the Ingress sends this Service gRPC.
fn grpc_backend(ing: &Ingress, service: Option<&str>) -> bool {
    let proto = ing
        .annotations
        .get("nginx.ingress.kubernetes.io/backend-protocol")
        .map(|p| p.to_ascii_uppercase());
    if matches!(proto.as_deref(), Some("GRPC" | "GRPCS")) {
        return true;
    }
    let listed = ing.annotations.get("nginx.org/grpc-services");
    match (listed, service) {
        (Some(list), Some(svc)) => list.split(',').any(|s| s.trim() == svc),
        _ => false,
    }
}

/// A host no rule names, for rules without host and default backends.
pub const UNNAMED_HOST: &str = "unnamed-host.migrate-check.invalid";

/// The host a client would send for a rule host: a wildcard's one-label instance.
fn concrete_host(h: &str) -> String {
    match h.strip_prefix("*.") {
        Some(rest) => format!("x.{rest}"),
        None => h.to_string(),
    }
}

fn is_regex(ing: &Ingress, path: &str) -> bool {
    let ann = |k: &str| {
        ing.annotations
            .get(&format!("nginx.ingress.kubernetes.io/{k}"))
    };
    let regex_chars = path.chars().any(|c| "^$*+?()[]{}|\\".contains(c));
    (ann("use-regex").map(String::as_str) == Some("true")
        || ann("rewrite-target").is_some_and(|t| !t.is_empty()))
        && regex_chars
}

/// The literal part of a regex path before its first metacharacter (`/api(/|$)(.*)` →
/// `/api`), at least `/`.
fn literal_prefix(path: &str) -> String {
    let end = path
        .find(|c: char| "^$*+?()[]{}|\\.".contains(c))
        .unwrap_or(path.len());
    let p = &path[..end];
    if p.is_empty() {
        "/".into()
    } else {
        p.to_string()
    }
}

/// The representative paths of one Ingress path.
fn representatives(ing: &Ingress, path: &str, t: PathType) -> (Vec<String>, Option<String>) {
    if is_regex(ing, path) {
        let lit = literal_prefix(path);
        let mut v = vec![lit.clone()];
        let below = format!("{}/x", lit.trim_end_matches('/'));
        v.push(below);
        return (
            v,
            Some(format!(
                "Ingress {}/{} path {path:?} is a regular expression: represented by {lit:?} and a path below it",
                ing.namespace, ing.name
            )),
        );
    }
    let p = if path.is_empty() { "/" } else { path };
    match t {
        PathType::Exact => (vec![p.to_string()], None),
        PathType::Prefix | PathType::ImplementationSpecific => {
            let mut v = vec![p.to_string()];
            let base = p.trim_end_matches('/');
            v.push(format!("{base}/x"));
            if !base.is_empty() {
                // Characters appended to the last segment: `Prefix` does not match it.
                v.push(format!("{base}x"));
            }
            (v, None)
        }
    }
}

/// Every URL to compare, and notes on how some were chosen.
pub fn enumerate_urls(old: &Cluster) -> (Vec<ProbeUrl>, Vec<String>) {
    let mut out: BTreeSet<ProbeUrl> = BTreeSet::new();
    let mut notes: Vec<String> = Vec::new();
    let mut seen_urls: BTreeSet<String> = BTreeSet::new();
    let mut push_any = |url: String, source: String, grpc: bool| {
        if seen_urls.insert(url.clone()) {
            out.insert(ProbeUrl { url, source, grpc });
        }
    };
    for ing in &old.ingresses {
        let id = format!("{}/{}", ing.namespace, ing.name);
        let tls_hosts: Vec<&str> = ing
            .tls
            .iter()
            .flat_map(|t| t.hosts.iter().map(String::as_str))
            .collect();
        for rule in &ing.rules {
            let host = rule
                .host
                .as_deref()
                .map(concrete_host)
                .unwrap_or_else(|| UNNAMED_HOST.to_string());
            let has_tls = rule
                .host
                .as_deref()
                .is_some_and(|h| tls_hosts.iter().any(|t| t.eq_ignore_ascii_case(h)));
            for p in &rule.paths {
                let service = match &p.backend {
                    crate::model::IngressBackend::Service { name, .. } => Some(name.as_str()),
                    _ => None,
                };
                let grpc = grpc_backend(ing, service);
                let (mut paths, note) = representatives(ing, &p.path, p.path_type);
                if grpc {
                    // A gRPC client only ever calls /package.Service/Method.
                    paths.truncate(1);
                }
                if let Some(n) = note {
                    if !notes.contains(&n) {
                        notes.push(n);
                    }
                }
                for path in paths {
                    let source = format!(
                        "Ingress {id} host {} path {} ({})",
                        rule.host.as_deref().unwrap_or("(none)"),
                        p.path,
                        p.path_type.as_str()
                    );
                    push_any(format!("http://{host}{path}"), source.clone(), grpc);
                    if has_tls {
                        push_any(format!("https://{host}{path}"), source, grpc);
                    }
                }
            }
            if rule.paths.is_empty() {
                push_any(
                    format!("http://{host}/"),
                    format!(
                        "Ingress {id} host {} without paths",
                        rule.host.as_deref().unwrap_or("(none)")
                    ),
                    false,
                );
            }
        }
        for h in &tls_hosts {
            let host = concrete_host(h);
            push_any(
                format!("https://{host}/"),
                format!("Ingress {id} tls host {h}"),
                false,
            );
        }
        if ing.default_backend.is_some() {
            push_any(
                format!("http://{UNNAMED_HOST}/migrate-check-unmatched"),
                format!("Ingress {id} defaultBackend"),
                false,
            );
            for rule in ing.rules.iter().filter_map(|r| r.host.as_deref()) {
                push_any(
                    format!("http://{}/migrate-check-unmatched", concrete_host(rule)),
                    format!("Ingress {id} defaultBackend (host {rule}, no path matches)"),
                    false,
                );
            }
        }
    }
    (out.into_iter().collect(), notes)
}

//! Host and path matching as the Ingress API defines it (and ingress-nginx reads pathType).

use crate::model::PathType;
use crate::sim::http::normalize_host;

/// Whether an Ingress rule's `host` matches a request host (both compared case-insensitively;
/// the request host without port). `None` (no host) matches every host.
pub fn host_matches(rule_host: Option<&str>, request_host: &str) -> bool {
    let Some(rule) = rule_host else { return true };
    let rule = rule.to_ascii_lowercase();
    let req = normalize_host(request_host);
    match rule.strip_prefix("*.") {
        Some(suffix) => match req.split_once('.') {
            Some((label, rest)) => {
                !label.is_empty()
                    && rest == suffix
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }
            None => false,
        },
        None => rule == req,
    }
}

/// Whether a path of the given type matches a request path, per the Ingress API (and, for
/// ImplementationSpecific, as ingress-nginx without `use-regex` treats it: as Prefix).
pub fn path_matches(path_type: PathType, path: &str, request: &str) -> bool {
    match path_type {
        PathType::Exact => path == request,
        PathType::Prefix => {
            let p = elements(path);
            let r = elements(request);
            p.len() <= r.len() && p.iter().zip(&r).all(|(a, b)| a == b)
        }
        PathType::ImplementationSpecific => path_matches(
            nginx_path_type(PathType::ImplementationSpecific),
            path,
            request,
        ),
    }
}

/// The pathType ingress-nginx works with: `ImplementationSpecific` (and a missing pathType)
/// becomes `Prefix` when the Ingress is read (`SetDefaultNGINXPathType`).
pub fn nginx_path_type(t: PathType) -> PathType {
    match t {
        PathType::ImplementationSpecific => PathType::Prefix,
        other => other,
    }
}

fn elements(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

//! ingress-nginx's server model: every Ingress of a class merged into one nginx server per
//! host (oldest first), its locations in nginx terms, the location a path selects, and the
//! canaries that divert a request.

use super::class::{resolve_class, serving_key};
use super::ing_key;
use super::matching::{host_matches, nginx_path_type};
use crate::model::{Cluster, Ingress, IngressBackend, IngressPath, PathType};
use crate::sim::http::HttpRequest;

const NGINX_PREFIX: &str = "nginx.ingress.kubernetes.io/";

pub(super) fn annotation<'a>(ing: &'a Ingress, key: &str) -> Option<&'a str> {
    ing.annotations
        .get(&format!("{NGINX_PREFIX}{key}"))
        .map(String::as_str)
}

pub(super) fn is_canary(ing: &Ingress) -> bool {
    annotation(ing, "canary") == Some("true")
}

pub(super) fn uses_regex(ing: &Ingress, path: &str) -> bool {
    annotation(ing, "use-regex") == Some("true")
        || annotation(ing, "rewrite-target").is_some_and(|t| !t.is_empty() && t != path)
}

/// Ingresses in ingress-nginx's processing order: oldest first; equal timestamps (or none) in
/// descending `namespace/name` order.
pub fn nginx_order<'a>(ingresses: impl IntoIterator<Item = &'a Ingress>) -> Vec<&'a Ingress> {
    let mut v: Vec<&Ingress> = ingresses.into_iter().collect();
    v.sort_by(|a, b| {
        let ta = a.created.as_deref().unwrap_or("");
        let tb = b.created.as_deref().unwrap_or("");
        ta.cmp(tb)
            .then_with(|| (&b.namespace, &b.name).cmp(&(&a.namespace, &a.name)))
    });
    v
}

/// The server (virtual host) a request host lands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKey {
    /// A rule host, as written (lower case).
    Host(String),
    /// The catch-all server `_`: rules without host, and every unmatched host.
    CatchAll,
}

impl ServerKey {
    fn rule_host_matches(&self, rule_host: Option<&str>) -> bool {
        match (self, rule_host) {
            (ServerKey::CatchAll, None) => true,
            (ServerKey::Host(h), Some(r)) => r.eq_ignore_ascii_case(h),
            _ => false,
        }
    }
}

/// Picks the server for a request host among the hosts of these Ingresses: an exact host
/// first, then a one-label wildcard, else the catch-all.
pub fn select_server(ingresses: &[&Ingress], request_host: &str) -> ServerKey {
    let hosts = || {
        ingresses
            .iter()
            .filter(|i| !is_canary(i))
            .flat_map(|i| i.rules.iter().filter_map(|r| r.host.as_deref()))
    };
    if let Some(h) = hosts().find(|h| !h.starts_with("*.") && host_matches(Some(h), request_host)) {
        return ServerKey::Host(h.to_ascii_lowercase());
    }
    if let Some(h) = hosts().find(|h| h.starts_with("*.") && host_matches(Some(h), request_host)) {
        return ServerKey::Host(h.to_ascii_lowercase());
    }
    ServerKey::CatchAll
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LocKind {
    /// `location = P`.
    Exact,
    /// `location P` (a string prefix): normalised Prefix paths (ending in `/`), regex-mode
    /// paths and the root `/`.
    Prefix,
}

/// One nginx location of a server.
#[derive(Debug, Clone)]
pub(super) struct Location<'a> {
    /// The nginx location path.
    pub(super) path: String,
    pub(super) kind: LocKind,
    /// The Ingress path it comes from (None: the server's root default location).
    pub(super) source: Option<&'a IngressPath>,
    pub(super) ingress: Option<&'a Ingress>,
    /// The backend; None: the controller's own default backend (404).
    pub(super) backend: Option<&'a IngressBackend>,
    /// The root location still holds a default backend (an Ingress's or the controller's).
    pub(super) default: bool,
}

/// A path that ingress-nginx ignores because an older Ingress already defines the same host,
/// path and pathType (or the same Ingress defines it twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowedPath {
    pub host: Option<String>,
    pub path: String,
    pub path_type: PathType,
    /// `ns/name` of the Ingress whose path is ignored.
    pub loser: String,
    /// `ns/name` of the Ingress that keeps it.
    pub winner: String,
}

/// A server with its locations in nginx terms.
pub(super) struct Server<'a> {
    pub(super) key: ServerKey,
    pub(super) locations: Vec<Location<'a>>,
    pub(super) regex: bool,
    /// Ingresses (in order) that define rules for this server.
    pub(super) members: Vec<&'a Ingress>,
    pub(super) shadowed: Vec<ShadowedPath>,
    pub(super) skipped_resource_backends: Vec<String>,
}

fn service_backend(b: &IngressBackend) -> bool {
    matches!(b, IngressBackend::Service { .. })
}

/// Builds the server `key` from the Ingresses of one class, given in nginx order.
pub(super) fn build_server<'a>(ordered: &[&'a Ingress], key: ServerKey) -> Server<'a> {
    let live: Vec<&'a Ingress> = ordered.iter().copied().filter(|i| !is_canary(i)).collect();
    let members: Vec<&'a Ingress> = live
        .iter()
        .copied()
        .filter(|i| {
            i.rules
                .iter()
                .any(|r| key.rule_host_matches(r.host.as_deref()))
        })
        .collect();
    // The root location's default backend.
    let default_from = match &key {
        ServerKey::Host(_) => members
            .first()
            .copied()
            .filter(|i| i.default_backend.as_ref().is_some_and(service_backend)),
        ServerKey::CatchAll => live.iter().copied().find(|i| {
            i.rules.is_empty() && i.default_backend.as_ref().is_some_and(service_backend)
        }),
    };
    let mut locations = vec![Location {
        path: "/".into(),
        kind: LocKind::Prefix,
        source: None,
        ingress: default_from,
        backend: default_from.and_then(|i| i.default_backend.as_ref()),
        default: true,
    }];
    // Per location: (path, pathType) of the Ingress path, for the merge.
    let mut defined: Vec<(String, PathType, usize)> = vec![("/".into(), PathType::Prefix, 0)];
    let mut shadowed = Vec::new();
    let mut skipped = Vec::new();
    let mut regex = false;
    for ing in &members {
        for rule in ing
            .rules
            .iter()
            .filter(|r| key.rule_host_matches(r.host.as_deref()))
        {
            for p in &rule.paths {
                if !service_backend(&p.backend) {
                    skipped.push(format!(
                        "{} {} ({})",
                        ing_key(ing),
                        p.path,
                        p.path_type.as_str()
                    ));
                    continue;
                }
                if uses_regex(ing, &p.path) {
                    regex = true;
                }
                match defined
                    .iter()
                    .find(|(path, t, _)| *path == p.path && *t == nginx_path_type(p.path_type))
                    .map(|(_, _, i)| *i)
                {
                    Some(i) if locations[i].default => {
                        let loc = &mut locations[i];
                        loc.backend = Some(&p.backend);
                        loc.ingress = Some(ing);
                        loc.source = Some(p);
                        loc.default = false;
                    }
                    Some(i) => shadowed.push(ShadowedPath {
                        host: rule.host.clone(),
                        path: p.path.clone(),
                        path_type: p.path_type,
                        loser: ing_key(ing),
                        winner: locations[i].ingress.map(ing_key).unwrap_or_default(),
                    }),
                    None => {
                        defined.push((
                            p.path.clone(),
                            nginx_path_type(p.path_type),
                            locations.len(),
                        ));
                        locations.push(Location {
                            path: p.path.clone(),
                            kind: if nginx_path_type(p.path_type) == PathType::Exact {
                                LocKind::Exact
                            } else {
                                LocKind::Prefix
                            },
                            source: Some(p),
                            ingress: Some(ing),
                            backend: Some(&p.backend),
                            default: false,
                        });
                    }
                }
            }
        }
    }
    let mut out = expand_prefix_locations(locations);
    // ingress-nginx's order: longest path first, then descending path.
    out.sort_by(|a, b| b.path.cmp(&a.path));
    out.sort_by_key(|l| std::cmp::Reverse(l.path.len()));
    Server {
        key,
        locations: out,
        regex,
        members,
        shadowed,
        skipped_resource_backends: skipped,
    }
}

/// updateServerLocations: a Prefix path P becomes `P/` plus `= P` (unless an Exact P exists,
/// or the location uses regex/rewrite).
fn expand_prefix_locations(locations: Vec<Location<'_>>) -> Vec<Location<'_>> {
    let exact: Vec<String> = locations
        .iter()
        .filter(|l| l.kind == LocKind::Exact)
        .map(|l| l.path.clone())
        .collect();
    let mut out = Vec::with_capacity(locations.len() * 2);
    for mut loc in locations {
        let is_prefix_path = loc
            .source
            .is_some_and(|s| nginx_path_type(s.path_type) == PathType::Prefix);
        let own_regex = loc
            .ingress
            .zip(loc.source)
            .is_some_and(|(i, s)| uses_regex(i, &s.path));
        if loc.path == "/" || !is_prefix_path || own_regex {
            out.push(loc);
            continue;
        }
        let original = loc.path.clone();
        let normalized = if original.ends_with('/') {
            original.clone()
        } else {
            format!("{original}/")
        };
        if exact.contains(&original) {
            loc.path = normalized;
            out.push(loc);
            continue;
        }
        let mut exact_loc = loc.clone();
        exact_loc.kind = LocKind::Exact;
        loc.path = normalized;
        out.push(loc);
        out.push(exact_loc);
    }
    out
}

/// The location nginx picks for a request path, and whether a 301 came first.
pub(super) fn select_location<'s, 'a>(
    server: &'s Server<'a>,
    path: &str,
) -> Option<(&'s Location<'a>, bool)> {
    if server.regex {
        for loc in &server.locations {
            let pattern = format!("(?i)^{}", loc.path);
            if let Ok(re) = regex::Regex::new(&pattern) {
                if re.is_match(path) {
                    return Some((loc, false));
                }
            }
        }
        return None;
    }
    if let Some(loc) = server
        .locations
        .iter()
        .find(|l| l.kind == LocKind::Exact && l.path == path)
    {
        return Some((loc, false));
    }
    // A prefix location `/foo/` with proxy_pass answers `/foo` with 301 → `/foo/` (nginx's
    // auto_redirect), unless another prefix location is exactly `/foo`.
    let with_slash = format!("{path}/");
    let plain_exact = server
        .locations
        .iter()
        .any(|l| l.kind == LocKind::Prefix && l.path == path);
    if !plain_exact && path != "/" {
        if let Some(loc) = server
            .locations
            .iter()
            .find(|l| l.kind == LocKind::Prefix && l.path == with_slash && l.source.is_some())
        {
            return Some((loc, true));
        }
    }
    server
        .locations
        .iter()
        .filter(|l| l.kind == LocKind::Prefix && path.starts_with(l.path.as_str()))
        .max_by_key(|l| l.path.len())
        .map(|l| (l, false))
}

/// Paths that ingress-nginx ignores because an older Ingress of the same class (or an earlier
/// entry of the same Ingress) defines the same host, path and pathType. (ING008)
pub fn shadowed_paths(cluster: &Cluster) -> Vec<ShadowedPath> {
    let mut by_class: std::collections::BTreeMap<String, Vec<&Ingress>> = Default::default();
    for ing in &cluster.ingresses {
        let res = resolve_class(cluster, ing);
        if res.is_resolved() {
            by_class.entry(serving_key(&res)).or_default().push(ing);
        }
    }
    let mut out = Vec::new();
    for ings in by_class.values() {
        let ordered = nginx_order(ings.iter().copied());
        // Ingresses per host (in order), so each server is built from its own members only.
        let mut hosts: std::collections::BTreeMap<Option<String>, Vec<&Ingress>> =
            Default::default();
        for ing in ordered.iter().copied().filter(|i| !is_canary(i)) {
            let mut mine: Vec<Option<String>> = ing
                .rules
                .iter()
                .map(|r| r.host.as_ref().map(|h| h.to_ascii_lowercase()))
                .collect();
            mine.sort();
            mine.dedup();
            for h in mine {
                hosts.entry(h).or_default().push(ing);
            }
        }
        for (host, members) in hosts {
            let server = match host {
                Some(h) => build_server(&members, ServerKey::Host(h)),
                None => build_server(&ordered, ServerKey::CatchAll),
            };
            out.extend(server.shadowed);
        }
    }
    out
}

/// A canary Ingress of the same host and path that takes this request (by header or
/// cookie), noting a weighted canary.
pub(super) fn canary_backend<'a>(
    ordered: &[&'a Ingress],
    key: &ServerKey,
    loc: &Location<'a>,
    req: &HttpRequest,
    notes: &mut Vec<String>,
) -> Option<(&'a IngressBackend, &'a Ingress)> {
    let src = loc.source?;
    for ing in ordered.iter().copied().filter(|i| is_canary(i)) {
        for rule in ing
            .rules
            .iter()
            .filter(|r| key.rule_host_matches(r.host.as_deref()))
        {
            for p in rule
                .paths
                .iter()
                .filter(|p| p.path == src.path && p.path_type == src.path_type)
            {
                if let Some(h) = annotation(ing, "canary-by-header") {
                    let want = annotation(ing, "canary-by-header-value");
                    let got = req.header(h);
                    let hit = match (want, got) {
                        (Some(w), Some(g)) => g == w,
                        (None, Some(g)) => g == "always",
                        _ => false,
                    };
                    if hit {
                        notes.push(format!(
                            "header {h} sends the request to canary Ingress {}",
                            ing_key(ing)
                        ));
                        return Some((&p.backend, ing));
                    }
                }
                if let Some(c) = annotation(ing, "canary-by-cookie") {
                    if req.cookie(c) == Some("always") {
                        notes.push(format!(
                            "cookie {c}=always sends the request to canary Ingress {}",
                            ing_key(ing)
                        ));
                        return Some((&p.backend, ing));
                    }
                }
                if let Some(w) = annotation(ing, "canary-weight") {
                    notes.push(format!(
                        "canary Ingress {} takes {w}% of these requests (canary-weight)",
                        ing_key(ing)
                    ));
                }
            }
        }
    }
    None
}

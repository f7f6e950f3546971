//! Routing a request through the Ingresses, step by step: the class whose controller answers,
//! the controller's pods, the nginx server and location, then the backend (`hops`).

use super::class::ClassResolution;
use super::class::{class_names, default_classes, resolve_class, serving_key, serving_key_of};
use super::controllers::{
    controller_down, controller_status, describe_controller, ControllerStatus,
};
use super::hops::{backend_hops, tls_hop};
use super::matching::host_matches;
use super::nginx::{build_server, canary_backend, nginx_order, select_location, select_server};
use super::nginx::{Location, Server, ServerKey};
use super::{ing_key, INGRESS_NGINX};
use crate::model::{Cluster, Ingress, IngressBackend, IngressClass};
use crate::sim::http::HttpRequest;
use crate::sim::path::{Hop, HopStatus, Route, RouteVia, Symptom};

/// Options of `ingress route`.
#[derive(Debug, Clone, Default)]
pub struct RouteOptions {
    /// Route as the controller of this IngressClass would (default: the class whose Ingresses
    /// name the host, preferring the default class).
    pub ingress_class: Option<String>,
}

struct Resolved<'a> {
    ing: &'a Ingress,
    res: ClassResolution,
}

/// The controller that answers for the chosen class, and the Ingresses it serves.
struct Answering<'a> {
    class: String,
    ingress_class: Option<&'a IngressClass>,
    controller: Option<String>,
    /// Every Ingress of a class this controller serves.
    members: Vec<&'a Ingress>,
    status: ControllerStatus,
}

/// Routes a request through the Ingresses of the cluster. See the module documentation for the
/// semantics.
pub fn route(cluster: &Cluster, req: &HttpRequest, opts: &RouteOptions) -> Route {
    let mut r = Route {
        url: req.url.clone(),
        via: RouteVia::Ingress { ingress: None },
        host: None,
        path: None,
        path_type: None,
        backend: None,
        symptom: Symptom::Ok,
        hops: Vec::new(),
        class: None,
        controller: None,
        notes: Vec::new(),
        backends: Vec::new(),
        unknown_reasons: Vec::new(),
        outcome: Default::default(),
    };
    let all: Vec<Resolved> = cluster
        .ingresses
        .iter()
        .map(|ing| Resolved {
            ing,
            res: resolve_class(cluster, ing),
        })
        .collect();

    // 1. Which class (controller) answers, and whether its pods run.
    let Some(class) = choose_class(cluster, req, opts, &all, &mut r) else {
        return r;
    };
    let answering = answering_controller(cluster, class, &all);
    r.class = Some(answering.class.clone());
    r.controller = answering.controller.clone();
    if !class_hop(req, &answering, &mut r) {
        return r;
    }

    // 2. The server (host) and location (path).
    let ordered = nginx_order(answering.members.iter().copied());
    let key = select_server(&ordered, &req.host);
    let server = build_server(&ordered, key);
    if let Some(hop) = tls_hop(cluster, &server, req, &mut r.notes) {
        r.hops.push(hop);
    }
    let Some((loc, backend, ing)) = rule_hop(req, &answering.class, &server, &mut r) else {
        return r;
    };

    // 3. Annotations that answer themselves (redirects) or change what the backend receives.
    let outcome = super::outcome::nginx_outcome(&server, loc, ing, req, &mut r.notes);
    if let Some(red) = &outcome.redirect {
        r.hops.push(Hop::new(
            "ingress-backend",
            HopStatus::Pass,
            format!(
                "Ingress {}: ingress-nginx answers {} with Location {}; no backend is called",
                ing_key(ing),
                red.status_code,
                red.location
            ),
        ));
        r.symptom = Symptom::redirect(red.status_code);
        r.outcome = outcome;
        return r;
    }
    if let Some(u) = &outcome.upstream {
        r.hops.push(Hop::new(
            "filter",
            HopStatus::Pass,
            format!(
                "Ingress {}: the backend receives host {} path {} (rewrite-target/upstream-vhost)",
                ing_key(ing),
                u.host,
                u.path
            ),
        ));
    }
    r.outcome = outcome;

    // 4. Canary Ingresses of the same host and path, then the backend.
    let (backend, backend_ing) =
        canary_backend(&ordered, &server.key, loc, req, &mut r.notes).unwrap_or((backend, ing));
    let controller_pods = match &answering.status {
        ControllerStatus::Pods { running_pods, .. } => running_pods.clone(),
        _ => Vec::new(),
    };
    backend_hops(cluster, backend_ing, backend, &controller_pods, &mut r);
    r
}

/// Whether an Ingress names the request's host in a rule.
fn claims_host(ing: &Ingress, req: &HttpRequest) -> bool {
    ing.rules.iter().any(|rule| {
        rule.host
            .as_deref()
            .is_some_and(|h| host_matches(Some(h), &req.host))
    })
}

/// The IngressClass that receives the request; None (with a failing hop) when none does.
fn choose_class(
    cluster: &Cluster,
    req: &HttpRequest,
    opts: &RouteOptions,
    all: &[Resolved],
    r: &mut Route,
) -> Option<String> {
    match &opts.ingress_class {
        Some(c) => forced_class(cluster, c, all, r),
        None => {
            let mut candidates: Vec<String> = Vec::new();
            for x in all
                .iter()
                .filter(|x| x.res.is_resolved() && claims_host(x.ing, req))
            {
                if let Some(c) = &x.res.class {
                    if !candidates.contains(c) {
                        candidates.push(c.clone());
                    }
                }
            }
            if candidates.is_empty() {
                class_without_host_rule(cluster, req, all, r)
            } else {
                Some(class_among(cluster, req, candidates, r))
            }
        }
    }
}

/// `--ingress-class`: the class must exist or be named by an Ingress.
fn forced_class(cluster: &Cluster, c: &str, all: &[Resolved], r: &mut Route) -> Option<String> {
    let known =
        cluster.ingress_class(c).is_some() || all.iter().any(|x| x.res.class.as_deref() == Some(c));
    if !known {
        r.hops.push(Hop::new(
            "ingress-class",
            HopStatus::Fail,
            format!(
                "IngressClass {c:?} does not exist and no Ingress names it ({})",
                class_names(cluster)
            ),
        ));
        r.symptom = Symptom::NoAddress;
        return None;
    }
    Some(c.to_string())
}

/// Several classes name the host: the default one, else the first by name (noted).
fn class_among(
    cluster: &Cluster,
    req: &HttpRequest,
    candidates: Vec<String>,
    r: &mut Route,
) -> String {
    let defaults = default_classes(cluster);
    let chosen = candidates
        .iter()
        .find(|c| defaults.iter().any(|d| &d.name == *c))
        .cloned()
        .unwrap_or_else(|| {
            let mut sorted = candidates.clone();
            sorted.sort();
            sorted[0].clone()
        });
    if candidates.len() > 1 {
        r.notes.push(format!(
            "Ingresses of several classes name host {} ({}); routed as class {chosen}: which controller answers depends on the address {} resolves to (use --ingress-class)",
            req.host,
            candidates.join(", "),
            req.host
        ));
    }
    chosen
}

/// No served Ingress names the host: an unserved one that does means no address; else the
/// catch-all server of the class with host-less rules, the default class, or the only class.
fn class_without_host_rule(
    cluster: &Cluster,
    req: &HttpRequest,
    all: &[Resolved],
    r: &mut Route,
) -> Option<String> {
    if let Some(x) = all
        .iter()
        .find(|x| !x.res.is_resolved() && claims_host(x.ing, req))
    {
        r.via = RouteVia::Ingress {
            ingress: Some(ing_key(x.ing)),
        };
        r.hops.push(Hop::new(
            "ingress-class",
            HopStatus::Fail,
            format!(
                "Ingress {} names host {}, but {}; {} has no address",
                ing_key(x.ing),
                req.host,
                x.res.problem.clone().unwrap_or_default(),
                req.host
            ),
        ));
        r.class = x.res.class.clone();
        r.symptom = Symptom::NoAddress;
        return None;
    }
    let fallback = all
        .iter()
        .filter(|x| x.res.is_resolved())
        .filter(|x| {
            x.ing.rules.iter().any(|r| r.host.is_none())
                || (x.ing.rules.is_empty() && x.ing.default_backend.is_some())
        })
        .filter_map(|x| x.res.class.clone())
        .next()
        .or_else(|| default_classes(cluster).first().map(|c| c.name.clone()))
        .or_else(|| match cluster.ingress_classes.as_slice() {
            [only] => Some(only.name.clone()),
            _ => None,
        });
    if fallback.is_none() {
        r.hops.push(Hop::new(
            "ingress-class",
            HopStatus::Fail,
            format!(
                "no Ingress serves host {} and no IngressClass could receive the request ({})",
                req.host,
                class_names(cluster)
            ),
        ));
        r.symptom = Symptom::NoAddress;
    }
    fallback
}

/// The class's controller, its pods, and every Ingress it serves: a controller serves every
/// IngressClass that names it (ingress-nginx with its default flags watches all classes whose
/// spec.controller is its --controller-class).
fn answering_controller<'a>(
    cluster: &'a Cluster,
    class: String,
    all: &[Resolved<'a>],
) -> Answering<'a> {
    let ingress_class = cluster.ingress_class(&class);
    let controller = ingress_class.map(|c| c.controller.clone()).or_else(|| {
        all.iter()
            .find(|x| x.res.class.as_deref() == Some(class.as_str()))
            .and_then(|x| x.res.controller.clone())
    });
    let members: Vec<&Ingress> = all
        .iter()
        .filter(|x| {
            x.res.is_resolved() && serving_key(&x.res) == serving_key_of(&class, &controller)
        })
        .map(|x| x.ing)
        .collect();
    // Without an IngressClass object the class name stands for the controller (as in
    // `ingress_controller_pods`, which NP005 uses).
    let status = controller_status(cluster, controller.as_deref().unwrap_or(&class));
    Answering {
        class,
        ingress_class,
        controller,
        members,
        status,
    }
}

/// The `ingress-class` hop; false (the request stops) when the controller has no running pod.
fn class_hop(req: &HttpRequest, a: &Answering, r: &mut Route) -> bool {
    let class = &a.class;
    let controller_name = a.controller.clone().unwrap_or_else(|| "(unknown)".into());
    if controller_down(&a.status) {
        r.hops.push(Hop::new(
            "ingress-class",
            HopStatus::Fail,
            format!(
                "IngressClass {class}: {}; nothing answers for {} (the Ingress address stays pending)",
                describe_controller(&controller_name, &a.status),
                req.host
            ),
        ));
        r.symptom = Symptom::NoAddress;
        return false;
    }
    let mut addresses: Vec<&str> = a
        .members
        .iter()
        .filter(|i| claims_host(i, req))
        .flat_map(|i| i.addresses.iter().map(String::as_str))
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    r.hops.push(Hop::new(
        "ingress-class",
        match a.status {
            ControllerStatus::Pods { .. } | ControllerStatus::NotCovered => HopStatus::Pass,
            _ => HopStatus::Warn,
        },
        format!(
            "IngressClass {class} ({}); {}{}",
            match a.ingress_class {
                Some(c) if c.is_default => "default class".to_string(),
                Some(_) => "class".to_string(),
                None => "from the kubernetes.io/ingress.class annotation, no IngressClass object"
                    .to_string(),
            },
            describe_controller(&controller_name, &a.status),
            if addresses.is_empty() {
                String::new()
            } else {
                format!("; address {}", addresses.join(", "))
            }
        ),
    ));
    if a.controller.as_deref() != Some(INGRESS_NGINX) {
        r.notes.push(format!(
            "controller {controller_name} is routed with ingress-nginx's rules: ImplementationSpecific paths, merging of Ingresses for one host and defaultBackend use may differ"
        ));
    }
    true
}

/// The `ingress-rule` hop: the location the path selects and its backend; None (with a 404)
/// when no location or no backend serves the path.
fn rule_hop<'s, 'a>(
    req: &HttpRequest,
    class: &str,
    server: &'s Server<'a>,
    r: &mut Route,
) -> Option<(&'s Location<'a>, &'a IngressBackend, &'a Ingress)> {
    let Some((loc, redirected)) = select_location(server, &req.path) else {
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "no location of {} matches {}; 404",
                server_name(&server.key),
                req.path
            ),
        ));
        r.symptom = Symptom::Http404;
        return None;
    };
    if redirected {
        r.notes.push(format!(
            "ingress-nginx first answers {} with 301 Moved Permanently to {}/ (location {}), which the client follows",
            req.path, req.path, loc.path
        ));
    }
    if !server.skipped_resource_backends.is_empty() {
        r.notes.push(format!(
            "ingress-nginx ignores paths with a resource backend: {}",
            server.skipped_resource_backends.join("; ")
        ));
    }
    r.via = RouteVia::Ingress {
        ingress: loc.ingress.map(ing_key),
    };
    let host_desc = match &server.key {
        ServerKey::Host(h) => {
            r.host = Some(h.clone());
            if h.starts_with("*.") {
                format!("host {h} (wildcard, matches {})", req.host)
            } else {
                format!("host {h}")
            }
        }
        ServerKey::CatchAll => {
            format!("no rule names host {}, so the rules without host", req.host)
        }
    };
    let (Some(backend), Some(ing)) = (loc.backend, loc.ingress) else {
        r.hops.push(Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            no_backend_detail(req, class, server, &host_desc),
        ));
        r.symptom = Symptom::Http404;
        return None;
    };
    let hop = matched_hop(req, server, loc, ing, &host_desc, r);
    r.hops.push(hop);
    Some((loc, backend, ing))
}

/// Why the controller's default backend answers 404.
fn no_backend_detail(req: &HttpRequest, class: &str, server: &Server, host_desc: &str) -> String {
    if let ServerKey::CatchAll = server.key {
        if server.members.is_empty() {
            return format!(
                "no Ingress of class {class} serves host {} (and none without host or with only a defaultBackend); ingress-nginx's default backend answers 404",
                req.host
            );
        }
    }
    format!(
        "{host_desc}: no path matches {}{}; no defaultBackend applies, so ingress-nginx's default backend answers 404",
        req.path,
        describe_paths(server)
    )
}

/// The passing `ingress-rule` hop: the path that matched, or the defaultBackend that serves.
fn matched_hop(
    req: &HttpRequest,
    server: &Server,
    loc: &Location,
    ing: &Ingress,
    host_desc: &str,
    r: &mut Route,
) -> Hop {
    let Some(p) = loc.source else {
        return Hop::new(
            "ingress-rule",
            HopStatus::Pass,
            match &server.key {
                ServerKey::Host(_) => format!(
                    "{host_desc}: no path matches {}{}; Ingress {} created this host first, so its defaultBackend serves it",
                    req.path,
                    describe_paths(server),
                    ing_key(ing)
                ),
                ServerKey::CatchAll => format!(
                    "{host_desc}: nothing matches {}; Ingress {} has only a defaultBackend, which serves every unmatched request",
                    req.path,
                    ing_key(ing)
                ),
            },
        );
    };
    r.path = Some(p.path.clone());
    r.path_type = Some(p.path_type.as_str().to_string());
    let how = if server.regex {
        format!(
            " (use-regex/rewrite-target on this host: every path is a case-insensitive regex ^{})",
            loc.path
        )
    } else {
        String::new()
    };
    Hop::new(
        "ingress-rule",
        HopStatus::Pass,
        format!(
            "Ingress {}: {host_desc}, path {} ({}) matches {}{how}",
            ing_key(ing),
            p.path,
            p.path_type.as_str(),
            req.path
        ),
    )
}

fn server_name(key: &ServerKey) -> String {
    match key {
        ServerKey::Host(h) => format!("host {h}"),
        ServerKey::CatchAll => "the catch-all server".into(),
    }
}

fn describe_paths(server: &Server) -> String {
    let mut paths: Vec<String> = server
        .locations
        .iter()
        .filter_map(|l| l.source)
        .map(|p| format!("{} ({})", p.path, p.path_type.as_str()))
        .collect();
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        String::new()
    } else {
        format!(" (paths: {})", paths.join(", "))
    }
}

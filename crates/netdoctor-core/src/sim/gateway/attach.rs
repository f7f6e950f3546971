//! Attachment: which listeners of a Gateway accept a route through one of its parentRefs,
//! or the `Accepted: False` reason why none does.

use super::hostnames::{effective_hostnames, intersect_hostnames};
use super::listenersets::{set_listeners, set_parent, set_state};
use crate::model::{Cluster, FromNamespaces, Gateway, GwRoute, Listener, ParentRef};

/// Why a parentRef does not attach, as the `Accepted: False` reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachError {
    /// The parentRef is not a Gateway (a Service mesh parent, say): not evaluated.
    NotAGateway,
    /// The Gateway does not exist.
    GatewayNotFound,
    /// The ListenerSet does not exist, or is not attached to its Gateway.
    ListenerSetNotAttached(String),
    /// sectionName/port name no listener.
    NoMatchingParent(String),
    NotAllowedByListeners(String),
    NoMatchingListenerHostname(String),
    /// An HTTPRoute and a GRPCRoute claim intersecting hostnames on the same listener; the
    /// older one (then the first by namespace/name) wins, the other is not accepted.
    Conflicted(String),
}

impl AttachError {
    pub fn reason(&self) -> &'static str {
        match self {
            AttachError::NotAGateway => "NotAGateway",
            AttachError::GatewayNotFound
            | AttachError::NoMatchingParent(_)
            | AttachError::ListenerSetNotAttached(_) => "NoMatchingParent",
            AttachError::NotAllowedByListeners(_) => "NotAllowedByListeners",
            AttachError::NoMatchingListenerHostname(_) => "NoMatchingListenerHostname",
            AttachError::Conflicted(_) => "Conflicted",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            AttachError::NotAGateway => "the parentRef is not a Gateway".into(),
            AttachError::GatewayNotFound => "the Gateway does not exist".into(),
            AttachError::NoMatchingParent(s)
            | AttachError::ListenerSetNotAttached(s)
            | AttachError::NotAllowedByListeners(s)
            | AttachError::NoMatchingListenerHostname(s)
            | AttachError::Conflicted(s) => s.clone(),
        }
    }
}

/// A listener a route is attached to, with the hostnames it is reachable under there.
#[derive(Debug, Clone)]
pub struct AttachedListener<'a> {
    pub listener: &'a Listener,
    /// Empty: any hostname.
    pub hostnames: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Attachment<'a> {
    pub gateway: &'a Gateway,
    pub listeners: Vec<AttachedListener<'a>>,
}

fn describe_allowed(l: &Listener) -> String {
    match &l.allowed_from {
        FromNamespaces::Same => "namespaces: Same".into(),
        FromNamespaces::All => "namespaces: All".into(),
        FromNamespaces::Selector(s) => format!("namespaces: Selector {s}"),
    }
}

/// The Gateway a parentRef leads to: the Gateway itself, or a ListenerSet's parent Gateway.
pub fn parent_gateway<'a>(cluster: &'a Cluster, p: &ParentRef) -> Option<&'a Gateway> {
    if p.is_gateway() {
        cluster.gateway(&p.namespace, &p.name)
    } else if p.is_listener_set() {
        cluster
            .listener_set(&p.namespace, &p.name)
            .and_then(|s| set_parent(cluster, s))
    } else {
        None
    }
}

/// Whether a parentRef leads to this Gateway (directly or through a ListenerSet).
pub fn targets_gateway(cluster: &Cluster, p: &ParentRef, gw: &Gateway) -> bool {
    parent_gateway(cluster, p).is_some_and(|g| std::ptr::eq(g, gw))
}

/// Whether a listener's allowedRoutes.namespaces admits routes from `route_ns` (`Same`: the
/// namespace of the Gateway, or of the ListenerSet that defines the listener).
pub fn namespace_allowed(cluster: &Cluster, gw: &Gateway, l: &Listener, route_ns: &str) -> bool {
    match &l.allowed_from {
        FromNamespaces::Same => match &l.set {
            Some(s) => route_ns == s.namespace,
            None => route_ns == gw.namespace,
        },
        FromNamespaces::All => true,
        FromNamespaces::Selector(sel) => cluster
            .namespace(route_ns)
            .is_some_and(|n| sel.matches(&n.labels)),
    }
}

/// Attaches one parentRef of a route, as a Gateway controller would.
pub fn attach<'a>(
    cluster: &'a Cluster,
    route: &GwRoute,
    parent: &ParentRef,
) -> Result<Attachment<'a>, AttachError> {
    let mut att = attach_alone(cluster, route, parent)?;
    // HTTPRoute and GRPCRoute on one listener with intersecting hostnames: exactly one of
    // the two is accepted, the oldest, then the first by namespace/name.
    let mut lost: Vec<String> = Vec::new();
    att.listeners.retain(|al| {
        let winner = cluster
            .routes
            .iter()
            .filter(|o| {
                o.kind != route.kind
                    && o.kind.is_http()
                    && route.kind.is_http()
                    && route_before(o, route)
            })
            .find(|o| {
                o.parents
                    .iter()
                    .filter(|p| targets_gateway(cluster, p, att.gateway))
                    .filter_map(|p| attach_alone(cluster, o, p).ok())
                    .flat_map(|a| a.listeners)
                    .filter(|ol| std::ptr::eq(ol.listener, al.listener))
                    .any(|ol| hostnames_intersect(&ol.hostnames, &al.hostnames))
            });
        match winner {
            Some(o) => {
                lost.push(format!(
                    "on listener {} the older {} {} claims the same hostnames; only one of an HTTPRoute and a GRPCRoute with intersecting hostnames is accepted",
                    al.listener.name,
                    o.kind.as_str(),
                    o.id()
                ));
                false
            }
            None => true,
        }
    });
    if att.listeners.is_empty() && !lost.is_empty() {
        return Err(AttachError::Conflicted(lost.join("; ")));
    }
    Ok(att)
}

/// `a` takes precedence over `b`: older creationTimestamp, then namespace/name.
fn route_before(a: &GwRoute, b: &GwRoute) -> bool {
    let key = |r: &GwRoute| {
        (
            r.created.is_none(),
            r.created.clone().unwrap_or_default(),
            r.namespace.clone(),
            r.name.clone(),
        )
    };
    key(a) < key(b)
}

/// Two sets of effective hostnames (empty: any) share at least one host.
fn hostnames_intersect(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return true;
    }
    a.iter()
        .any(|x| b.iter().any(|y| intersect_hostnames(x, y).is_some()))
}

/// Attachment of one parentRef ignoring other routes.
fn attach_alone<'a>(
    cluster: &'a Cluster,
    route: &GwRoute,
    parent: &ParentRef,
) -> Result<Attachment<'a>, AttachError> {
    let (gw, pool, owner) = if parent.is_listener_set() {
        let Some(set) = cluster.listener_set(&parent.namespace, &parent.name) else {
            return Err(AttachError::ListenerSetNotAttached(format!(
                "ListenerSet {}/{} does not exist",
                parent.namespace, parent.name
            )));
        };
        match set_state(cluster, set) {
            (Some(gw), Ok(())) => (
                gw,
                set_listeners(cluster, set),
                format!("ListenerSet {}", set.id()),
            ),
            (_, Err(e)) => {
                return Err(AttachError::ListenerSetNotAttached(format!(
                    "ListenerSet {} is not attached to its Gateway ({}: {})",
                    set.id(),
                    e.reason(),
                    e.detail()
                )))
            }
            (None, Ok(())) => return Err(AttachError::GatewayNotFound),
        }
    } else if parent.is_gateway() {
        let gw = cluster
            .gateway(&parent.namespace, &parent.name)
            .ok_or(AttachError::GatewayNotFound)?;
        // A parentRef to the Gateway attaches to its own listeners only, never to those
        // of its ListenerSets.
        (
            gw,
            gw.listeners.iter().collect::<Vec<_>>(),
            format!("Gateway {}/{}", gw.namespace, gw.name),
        )
    } else {
        return Err(AttachError::NotAGateway);
    };
    let by_ref: Vec<&Listener> = pool
        .iter()
        .copied()
        .filter(|l| parent.section_name.as_ref().is_none_or(|s| *s == l.name))
        .filter(|l| parent.port.is_none_or(|p| p == l.port))
        .collect();
    if by_ref.is_empty() {
        let names: Vec<String> = pool
            .iter()
            .map(|l| format!("{} (port {})", l.name, l.port))
            .collect();
        let wanted = match (&parent.section_name, parent.port) {
            (Some(s), Some(p)) => format!("sectionName {s:?} with port {p}"),
            (Some(s), None) => format!("sectionName {s:?}"),
            (None, Some(p)) => format!("port {p}"),
            (None, None) => "any listener".into(),
        };
        return Err(AttachError::NoMatchingParent(format!(
            "{owner} has no listener matching {wanted}; its listeners are: {}",
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        )));
    }
    let kind = route.kind.as_str();
    let allowed: Vec<&Listener> = by_ref
        .iter()
        .copied()
        .filter(|l| namespace_allowed(cluster, gw, l, &route.namespace) && l.accepts_kind(kind))
        .collect();
    if allowed.is_empty() {
        let why: Vec<String> = by_ref
            .iter()
            .map(|l| {
                if !l.accepts_kind(kind) {
                    format!(
                        "listener {} ({}) does not accept {kind} (allowedRoutes.kinds: {})",
                        l.name,
                        l.protocol,
                        if l.allowed_kinds.is_empty() {
                            "the protocol's default".to_string()
                        } else {
                            l.allowed_kinds
                                .iter()
                                .map(|k| k.kind.clone())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    )
                } else {
                    format!(
                        "listener {} allows routes from {} and the route is in namespace {}",
                        l.name,
                        describe_allowed(l),
                        route.namespace
                    )
                }
            })
            .collect();
        return Err(AttachError::NotAllowedByListeners(why.join("; ")));
    }
    let mut listeners = Vec::new();
    for l in &allowed {
        if let Ok(hostnames) = effective_hostnames(l, route) {
            listeners.push(AttachedListener {
                listener: l,
                hostnames,
            });
        }
    }
    if listeners.is_empty() {
        let lh: Vec<String> = allowed
            .iter()
            .map(|l| format!("{}: {}", l.name, l.hostname.as_deref().unwrap_or("*")))
            .collect();
        // The classic surprise: a route for the apex under a wildcard listener.
        let apex = allowed.iter().find_map(|l| {
            let suffix = l.hostname.as_deref()?.strip_prefix("*.")?;
            route
                .hostnames
                .iter()
                .any(|h| h == suffix)
                .then(|| format!("; listener hostname *.{suffix} covers sub-domains at any depth but not {suffix} itself"))
        });
        return Err(AttachError::NoMatchingListenerHostname(format!(
            "route hostnames [{}] intersect no listener hostname ({}){}",
            route.hostnames.join(", "),
            lh.join(", "),
            apex.unwrap_or_default()
        )));
    }
    Ok(Attachment {
        gateway: gw,
        listeners,
    })
}

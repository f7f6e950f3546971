//! ListenerSets (gateway.networking.k8s.io/v1, GEP-1713): listeners defined outside a
//! Gateway and merged into it.
//!
//! **Attachment.** A ListenerSet names its Gateway in `spec.parentRef`. The Gateway must
//! allow it through `spec.allowedListeners.namespaces.from`: `None` (the default: no
//! ListenerSet), `Same` (the Gateway's namespace), `All`, or `Selector` (the ListenerSet's
//! namespace labels). Otherwise the ListenerSet is `Accepted: False` with reason
//! `NotAllowed`; a parent that does not exist or is not a Gateway: `Accepted: False`.
//!
//! **Merging and conflicts.** The Gateway acts as if it had the merged list of listeners,
//! in this precedence: the Gateway's own, then ListenerSets by creation time (oldest
//! first), then by `namespace/name`. A listener that conflicts with one of higher
//! precedence is `Conflicted` and not programmed: on the same port, a different protocol
//! (`ProtocolConflict`; TCP and UDP differ in transport and do not conflict, HTTPS and TLS
//! sharing a port is implementation-specific and not flagged), or the same protocol and
//! hostname (`HostnameConflict`). A ListenerSet whose every listener is conflicted is not
//! accepted (`ListenersNotValid`).
//!
//! **Routes.** A route attaches to ListenerSet listeners only through a parentRef of kind
//! `ListenerSet` (with `sectionName` naming one of its listeners); a parentRef to the
//! Gateway attaches to the Gateway's own listeners only (`ListenerSetHTTPRouting`).
//! `allowedRoutes.namespaces.from: Same` on a ListenerSet listener means the ListenerSet's
//! namespace.

use crate::model::{AllowedListeners, Cluster, Gateway, Listener, ListenerSet};

/// Why a ListenerSet is not attached, as its `Accepted: False` reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetProblem {
    /// The parentRef is not a Gateway, or the Gateway does not exist.
    ParentNotFound(String),
    /// The Gateway's allowedListeners does not admit the ListenerSet's namespace.
    NotAllowed(String),
    /// Every listener conflicts with one of higher precedence.
    ListenersNotValid(String),
}

impl SetProblem {
    pub fn reason(&self) -> &'static str {
        match self {
            SetProblem::ParentNotFound(_) => "ParentNotFound",
            SetProblem::NotAllowed(_) => "NotAllowed",
            SetProblem::ListenersNotValid(_) => "ListenersNotValid",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            SetProblem::ParentNotFound(s)
            | SetProblem::NotAllowed(s)
            | SetProblem::ListenersNotValid(s) => s,
        }
    }
}

/// A listener of the merged list and, when it lost to one of higher precedence, the
/// conflict (`ProtocolConflict` or `HostnameConflict`, with the winner).
#[derive(Debug, Clone)]
pub struct MergedListener<'a> {
    pub listener: &'a Listener,
    pub set: Option<&'a ListenerSet>,
    pub conflict: Option<(&'static str, String)>,
}

fn describe_allowed(a: &AllowedListeners) -> String {
    match a {
        AllowedListeners::None => "None (the default: no ListenerSet may attach)".into(),
        AllowedListeners::Same => "Same".into(),
        AllowedListeners::All => "All".into(),
        AllowedListeners::Selector(s) => format!("Selector {s}"),
    }
}

/// The Gateway a ListenerSet names, if it exists.
pub fn set_parent<'a>(cluster: &'a Cluster, set: &ListenerSet) -> Option<&'a Gateway> {
    if !set.parent.is_gateway() {
        return None;
    }
    cluster.gateway(&set.parent.namespace, &set.parent.name)
}

/// Whether the Gateway's allowedListeners admits a ListenerSet in `ns`.
pub fn set_allowed(cluster: &Cluster, gw: &Gateway, ns: &str) -> bool {
    match &gw.allowed_listeners {
        AllowedListeners::None => false,
        AllowedListeners::Same => ns == gw.namespace,
        AllowedListeners::All => true,
        AllowedListeners::Selector(sel) => cluster
            .namespace(ns)
            .is_some_and(|n| sel.matches(&n.labels)),
    }
}

/// Whether the ListenerSet attaches to its Gateway (parent and allowedListeners only; see
/// [`set_state`] for the conflicts too).
fn set_admitted<'a>(cluster: &'a Cluster, set: &ListenerSet) -> Result<&'a Gateway, SetProblem> {
    let Some(gw) = set_parent(cluster, set) else {
        return Err(SetProblem::ParentNotFound(format!(
            "spec.parentRef names {} {}/{}, which does not exist",
            set.parent.kind, set.parent.namespace, set.parent.name
        )));
    };
    if !set_allowed(cluster, gw, &set.namespace) {
        return Err(SetProblem::NotAllowed(format!(
            "Gateway {}/{} allows ListenerSets from {} and ListenerSet {} is in namespace {}",
            gw.namespace,
            gw.name,
            describe_allowed(&gw.allowed_listeners),
            set.id(),
            set.namespace
        )));
    }
    Ok(gw)
}

/// The ListenerSets admitted by the Gateway, in precedence order.
fn admitted_sets<'a>(cluster: &'a Cluster, gw: &Gateway) -> Vec<&'a ListenerSet> {
    let mut sets: Vec<&ListenerSet> = cluster
        .listener_sets
        .iter()
        .filter(|s| {
            set_admitted(cluster, s).is_ok_and(|g| g.namespace == gw.namespace && g.name == gw.name)
        })
        .collect();
    sets.sort_by(|a, b| {
        (a.created.is_none(), &a.created, &a.namespace, &a.name).cmp(&(
            b.created.is_none(),
            &b.created,
            &b.namespace,
            &b.name,
        ))
    });
    sets
}

/// Two listeners on one port cannot both be programmed: the conflict reason.
fn conflict(a: &Listener, b: &Listener) -> Option<&'static str> {
    if a.port != b.port {
        return None;
    }
    let transport = |p: &str| if p == "UDP" { "udp" } else { "tcp" };
    if transport(&a.protocol) != transport(&b.protocol) {
        return None;
    }
    if a.protocol != b.protocol {
        let pair = [a.protocol.as_str(), b.protocol.as_str()];
        if pair.contains(&"HTTPS") && pair.contains(&"TLS") {
            return None;
        }
        return Some("ProtocolConflict");
    }
    (a.hostname == b.hostname).then_some("HostnameConflict")
}

fn owner(l: &Listener, gw: &Gateway) -> String {
    match &l.set {
        Some(s) => format!("ListenerSet {}/{}", s.namespace, s.name),
        None => format!("Gateway {}/{}", gw.namespace, gw.name),
    }
}

/// Every listener of the Gateway and of the ListenerSets it admits, in precedence order,
/// with the conflicts.
pub fn merged_listeners<'a>(cluster: &'a Cluster, gw: &'a Gateway) -> Vec<MergedListener<'a>> {
    let mut out: Vec<MergedListener> = gw
        .listeners
        .iter()
        .map(|l| MergedListener {
            listener: l,
            set: None,
            conflict: None,
        })
        .collect();
    for set in admitted_sets(cluster, gw) {
        for l in &set.listeners {
            let lost = out
                .iter()
                .filter(|m| m.conflict.is_none())
                .find_map(|m| conflict(m.listener, l).map(|c| (c, m.listener)));
            out.push(MergedListener {
                listener: l,
                set: Some(set),
                conflict: lost.map(|(c, w)| {
                    (
                        c,
                        format!(
                            "listener {} (port {} {} hostname {}) of {} takes precedence",
                            w.name,
                            w.port,
                            w.protocol,
                            w.hostname.as_deref().unwrap_or("*"),
                            owner(w, gw)
                        ),
                    )
                }),
            });
        }
    }
    out
}

/// The listeners that serve traffic: the merged list without the conflicted ones.
pub fn live_listeners<'a>(cluster: &'a Cluster, gw: &'a Gateway) -> Vec<&'a Listener> {
    merged_listeners(cluster, gw)
        .into_iter()
        .filter(|m| m.conflict.is_none())
        .map(|m| m.listener)
        .collect()
}

/// Whether a ListenerSet is attached to its Gateway, and the Gateway.
pub fn set_state<'a>(
    cluster: &'a Cluster,
    set: &ListenerSet,
) -> (Option<&'a Gateway>, Result<(), SetProblem>) {
    let gw = match set_admitted(cluster, set) {
        Ok(g) => g,
        Err(e) => return (set_parent(cluster, set), Err(e)),
    };
    let merged = merged_listeners(cluster, gw);
    let own: Vec<&MergedListener> = merged
        .iter()
        .filter(|m| m.set.is_some_and(|s| std::ptr::eq(s, set)))
        .collect();
    if !own.is_empty() && own.iter().all(|m| m.conflict.is_some()) {
        let why: Vec<String> = own
            .iter()
            .filter_map(|m| {
                m.conflict
                    .as_ref()
                    .map(|(c, w)| format!("{}: {c}, {w}", m.listener.name))
            })
            .collect();
        return (
            Some(gw),
            Err(SetProblem::ListenersNotValid(format!(
                "every listener conflicts with one of higher precedence ({})",
                why.join("; ")
            ))),
        );
    }
    (Some(gw), Ok(()))
}

/// The listeners of an attached ListenerSet that are not conflicted.
pub fn set_listeners<'a>(cluster: &'a Cluster, set: &'a ListenerSet) -> Vec<&'a Listener> {
    let Ok(gw) = set_admitted(cluster, set) else {
        return Vec::new();
    };
    merged_listeners(cluster, gw)
        .into_iter()
        .filter(|m| m.conflict.is_none() && m.set.is_some_and(|s| std::ptr::eq(s, set)))
        .map(|m| m.listener)
        .collect()
}

//! The `{ingress-controller}` lines of the map, derived from Ingress objects.

use super::{rule_conns, ConnSet, Ctx, Direction};
use crate::model::Peer;
use std::collections::HashMap;

/// Connections from the ingress controller to the backends of every Ingress: the target
/// ports of the backend Services, kept where the destination's ingress policies admit an
/// arbitrary in-cluster source (rules without peers, or a peer selecting every pod of every
/// namespace), since the controller's own pods are not known in general.
pub(super) fn ingress_controller_conns(
    ctx: &Ctx<'_, '_>,
    unit_of_pod: &HashMap<usize, usize>,
) -> Vec<(usize, ConnSet)> {
    use crate::model::{IngressBackend, PortRef, Protocol};
    let c = ctx.engine.cluster;
    let mut per_unit: HashMap<usize, ConnSet> = HashMap::new();
    for ing in &c.ingresses {
        let backends = ing.default_backend.iter().chain(
            ing.rules
                .iter()
                .flat_map(|r| r.paths.iter().map(|p| &p.backend)),
        );
        for b in backends {
            let IngressBackend::Service { name, port } = b else {
                continue;
            };
            let Some(svc) = c.service(&ing.namespace, name) else {
                continue;
            };
            let sp = match port {
                PortRef::Number(n) => svc.ports.iter().find(|p| p.port == *n),
                PortRef::Name(n) => svc.port_by_name(n),
            };
            let Some(sp) = sp.filter(|p| p.protocol == Protocol::Tcp) else {
                continue;
            };
            let Some(sel) = svc.selector() else { continue };
            for pod in c.pods_matching(&ing.namespace, &sel) {
                let Some(&u) = unit_of_pod.get(&pod) else {
                    continue;
                };
                let target = match &sp.target_port {
                    PortRef::Number(n) => Some(*n),
                    PortRef::Name(n) => c.pods[pod].resolve_named_port(n, Protocol::Tcp),
                };
                if let Some(t) = target {
                    per_unit.entry(u).or_default().add(Protocol::Tcp, t, t);
                }
            }
        }
    }
    let mut out: Vec<(usize, ConnSet)> = per_unit
        .into_iter()
        .filter_map(|(u, conns)| {
            let isolated = !ctx
                .engine
                .policies_of_group(ctx.units[u].group, Direction::Ingress)
                .is_empty();
            let allowed = if isolated {
                conns.intersect(&any_cluster_source(ctx, u))
            } else {
                conns
            };
            (!allowed.is_empty()).then_some((u, allowed))
        })
        .collect();
    out.sort_unstable_by_key(|(u, _)| *u);
    out
}

/// What unit `u`'s ingress policies admit from any pod of any namespace.
fn any_cluster_source(ctx: &Ctx<'_, '_>, u: usize) -> ConnSet {
    let c = ctx.engine.cluster;
    let me = ctx.pod(u);
    let mut out = ConnSet::empty();
    for &pi in ctx
        .engine
        .policies_of_group(ctx.units[u].group, Direction::Ingress)
    {
        for rule in &c.policies[pi].ingress {
            let open = rule.peers.is_empty()
                || rule.peers.iter().any(|p| {
                    matches!(p, Peer::Pods { namespaces: Some(ns), pods }
                        if ns.is_empty() && pods.as_ref().is_none_or(|s| s.is_empty()))
                });
            if open {
                out.union_with(&rule_conns(rule, Some(me)));
            }
        }
    }
    out
}

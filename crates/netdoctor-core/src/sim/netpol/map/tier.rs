//! The admin and baseline tiers in the map (`sim::netpol::tier` for one connection): for a
//! unit selected by cluster policies, each pair's side is computed from the rules that match
//! the other end, in order, over interned connection sets. Units no cluster policy selects
//! keep NetworkPolicy's row unchanged, so a cluster without them pays one lookup per pair.

use super::{block_intervals, ConnTable, Ctx, Range, ALL, EMPTY};
use crate::model::cluster_policy::{Action, ClusterPeer, ClusterRule, Tier};
use crate::sim::netpol::tier::{cluster_rule_conns, effective};
use crate::sim::netpol::{Direction, Engine};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;

/// The other end of a side in the map.
#[derive(Clone, Copy)]
pub(super) enum Target {
    Unit(usize),
    Range(Range),
}

/// (policy, ingress?, rule).
type RuleKey = (u32, bool, u32);

/// Per-rule caches of the map.
#[derive(Default)]
pub(super) struct MapTiers {
    /// The units a rule's peers match.
    units: HashMap<RuleKey, Rc<Vec<bool>>>,
    /// The connections of a rule without named ports (interned id).
    conns: HashMap<RuleKey, Option<u32>>,
    subtractions: HashMap<(u32, u32), u32>,
}

/// IPv4 intervals the cluster policies' `networks` and `nodes` peers of `dir` name, so that
/// the external partition separates them.
pub(super) fn partition_cuts(engine: &Engine<'_>, dir: Direction) -> Vec<(u64, u64)> {
    let c = engine.cluster;
    let mut out = Vec::new();
    for p in c.cluster_policies.iter().filter(|p| effective(p)) {
        for r in p.rules(dir == Direction::Ingress) {
            for peer in &r.peers {
                match peer {
                    ClusterPeer::Networks(nets) => {
                        for n in nets {
                            out.extend(block_intervals(n, &[]));
                        }
                    }
                    ClusterPeer::Nodes(sel) => {
                        for n in c.nodes.iter().filter(|n| sel.matches(&n.labels)) {
                            for ip in &n.internal_ips {
                                if let IpAddr::V4(v4) = ip {
                                    let x = u64::from(u32::from(*v4));
                                    out.push((x, x));
                                }
                            }
                        }
                    }
                    ClusterPeer::Pods(_) | ClusterPeer::DomainNames(_) => {}
                }
            }
        }
    }
    out
}

impl ConnTable {
    fn subtract(&mut self, cache: &mut HashMap<(u32, u32), u32>, a: u32, b: u32) -> u32 {
        if b == EMPTY || a == EMPTY {
            return a;
        }
        if a == b || b == ALL {
            return EMPTY;
        }
        if let Some(&r) = cache.get(&(a, b)) {
            return r;
        }
        let c = self.sets[a as usize].subtract(&self.sets[b as usize]);
        let r = self.intern(c);
        cache.insert((a, b), r);
        r
    }
}

impl Ctx<'_, '_> {
    /// What unit `me` allows in `dir` towards `target`, through the tiers; `np` is
    /// NetworkPolicy's answer (None: not isolated).
    pub(super) fn tiered(
        &self,
        t: &mut ConnTable,
        me: usize,
        dir: Direction,
        target: Target,
        np: Option<u32>,
    ) -> u32 {
        let pols = self.engine.tiers.of_group(self.units[me].group);
        if pols.is_empty() {
            return np.unwrap_or(ALL);
        }
        let c = self.engine.cluster;
        let ingress = dir == Direction::Ingress;
        let mut caches = self.tier_caches.borrow_mut();
        let mut st = State {
            undecided: ALL,
            allowed: EMPTY,
            passed: EMPTY,
        };
        let mut k = 0;
        while k < pols.len() {
            let pi = pols[k];
            let p = &c.cluster_policies[pi as usize];
            if p.tier == Tier::Baseline {
                break;
            }
            for (ri, r) in p.rules(ingress).iter().enumerate() {
                let key = (pi, ingress, ri as u32);
                self.apply(t, &mut caches, key, r, me, dir, target, &mut st);
            }
            k += 1;
        }
        let rest = t.union(st.undecided, st.passed);
        match np {
            Some(np) => {
                let keep = t.intersect(rest, np);
                t.union(st.allowed, keep)
            }
            None => {
                st.undecided = rest;
                st.passed = EMPTY;
                for &pi in &pols[k..] {
                    let p = &c.cluster_policies[pi as usize];
                    for (ri, r) in p.rules(ingress).iter().enumerate() {
                        let key = (pi, ingress, ri as u32);
                        self.apply(t, &mut caches, key, r, me, dir, target, &mut st);
                    }
                }
                // Baseline `Pass` and what no rule decided fall to the default: allowed.
                let a = t.union(st.allowed, st.undecided);
                t.union(a, st.passed)
            }
        }
    }

    /// Applies one rule to what is still undecided.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        t: &mut ConnTable,
        caches: &mut MapTiers,
        key: RuleKey,
        r: &ClusterRule,
        me: usize,
        dir: Direction,
        target: Target,
        st: &mut State,
    ) {
        if st.undecided == EMPTY || !self.rule_matches(caches, key, r, target) {
            return;
        }
        let conns = self.rule_conns_id(t, caches, key, r, me, dir, target);
        let rc = t.intersect(conns, st.undecided);
        if rc == EMPTY {
            return;
        }
        match r.action {
            Action::Allow => st.allowed = t.union(st.allowed, rc),
            Action::Pass => st.passed = t.union(st.passed, rc),
            Action::Deny => {}
        }
        st.undecided = t.subtract(&mut caches.subtractions, st.undecided, rc);
    }

    fn rule_matches(
        &self,
        caches: &mut MapTiers,
        key: RuleKey,
        r: &ClusterRule,
        target: Target,
    ) -> bool {
        match target {
            Target::Unit(v) => {
                let m = caches
                    .units
                    .entry(key)
                    .or_insert_with(|| Rc::new(self.rule_units(r)));
                m.get(v).copied().unwrap_or(false)
            }
            Target::Range(range) => {
                let ip = IpAddr::V4(Ipv4Addr::from(range.lo));
                r.peers.iter().any(|p| match p {
                    ClusterPeer::Networks(nets) => nets.iter().any(|n| n.contains(&ip)),
                    ClusterPeer::Nodes(sel) => {
                        range.lo == range.hi
                            && self
                                .engine
                                .cluster
                                .nodes
                                .iter()
                                .any(|n| sel.matches(&n.labels) && n.internal_ips.contains(&ip))
                    }
                    ClusterPeer::Pods(_) | ClusterPeer::DomainNames(_) => false,
                })
            }
        }
    }

    /// The connections of a rule towards the target (named ports resolve against the
    /// destination: `me` for ingress, the target unit for egress).
    #[allow(clippy::too_many_arguments)]
    fn rule_conns_id(
        &self,
        t: &mut ConnTable,
        caches: &mut MapTiers,
        key: RuleKey,
        r: &ClusterRule,
        me: usize,
        dir: Direction,
        target: Target,
    ) -> u32 {
        let fixed = *caches.conns.entry(key).or_insert_with(|| {
            let named = r
                .ports
                .iter()
                .flatten()
                .any(|p| matches!(p, crate::model::cluster_policy::ClusterPort::Named(_)));
            (!named).then(|| t.intern(cluster_rule_conns(r, None)))
        });
        if let Some(f) = fixed {
            return f;
        }
        let dst = match (dir, target) {
            (Direction::Ingress, _) => Some(self.pod(me)),
            (Direction::Egress, Target::Unit(v)) => Some(self.pod(v)),
            (Direction::Egress, Target::Range(_)) => None,
        };
        t.intern(cluster_rule_conns(r, dst))
    }

    /// The units any peer of the rule matches.
    fn rule_units(&self, r: &ClusterRule) -> Vec<bool> {
        let c = self.engine.cluster;
        let mut out = vec![false; self.units.len()];
        for peer in &r.peers {
            match peer {
                ClusterPeer::Pods(set) => {
                    for ns in c
                        .namespaces
                        .iter()
                        .filter(|n| set.namespaces.matches(&n.labels))
                    {
                        for &g in self.groups_by_ns.get(&ns.name).into_iter().flatten() {
                            let labels = &c.label_groups()[g].labels;
                            if set.pods.as_ref().is_none_or(|s| s.matches(labels)) {
                                for &u in self.units_of_group.get(&g).into_iter().flatten() {
                                    out[u] = true;
                                }
                            }
                        }
                    }
                }
                ClusterPeer::Networks(nets) => {
                    for (u, slot) in out.iter_mut().enumerate() {
                        if self
                            .pod(u)
                            .ips
                            .iter()
                            .any(|ip| nets.iter().any(|n| n.contains(ip)))
                        {
                            *slot = true;
                        }
                    }
                }
                ClusterPeer::Nodes(_) | ClusterPeer::DomainNames(_) => {}
            }
        }
        out
    }
}

/// What a side has decided so far (interned ids).
struct State {
    undecided: u32,
    allowed: u32,
    passed: u32,
}

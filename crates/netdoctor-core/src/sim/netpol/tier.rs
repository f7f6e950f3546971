//! The tiers around NetworkPolicy: AdminNetworkPolicy / Admin-tier ClusterNetworkPolicy
//! before it, BaselineAdminNetworkPolicy / Baseline-tier ClusterNetworkPolicy after it
//! (`model::cluster_policy`, `docs/cluster-policies.md`).
//!
//! For one side of a connection (the egress of the source, the ingress of the destination):
//! 1. **Admin tier**: the policies selecting the pod, by ascending priority, each one's rules
//!    in order; the first rule whose peer and port match decides: `Allow` admits, `Deny`
//!    drops, `Pass` skips the rest of the tier.
//! 2. **NetworkPolicy**: when a NetworkPolicy isolates the pod in this direction, it decides.
//! 3. **Baseline tier**: otherwise the first matching baseline rule decides.
//! 4. Otherwise the connection is allowed.
//!
//! Each side is decided on its own; a connection needs both. The index is built once per
//! label group (subjects are evaluated against groups, not pods), so a question looks only at
//! the policies of its two groups.

use super::{ConnSet, Direction, Endpoint, Engine, SideVerdict, Subject};
use crate::model::cluster_policy::{
    Action, ClusterPeer, ClusterPolicy, ClusterPolicyKind, ClusterPort, ClusterRule, Tier,
};
use crate::model::{Pod, Protocol};
use serde::Serialize;
use std::collections::HashMap;

/// Per label group, the cluster policies selecting it (both tiers, in evaluation order).
#[derive(Debug, Default)]
pub(crate) struct TierIndex {
    /// Interned lists of policy indexes (into `Cluster::cluster_policies`); list 0 is empty.
    lists: Vec<Vec<u32>>,
    /// The list of each label group (empty when the cluster has no cluster policy).
    list_of_group: Vec<u32>,
}

/// The cluster policies that take part in evaluation: a BaselineAdminNetworkPolicy not named
/// `default` cannot exist in a cluster (the API server rejects it; ANP004 reports it).
pub fn effective(p: &ClusterPolicy) -> bool {
    p.kind != ClusterPolicyKind::BaselineAdminNetworkPolicy || p.name == "default"
}

/// The admin or baseline rule that decided a side (or passed it on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ClusterRuleMatch {
    /// `admin` or `baseline`.
    pub tier: &'static str,
    pub kind: &'static str,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Index into the policy's `ingress` or `egress` rules.
    pub rule: usize,
    /// The rule's `name` (may be empty).
    pub rule_name: String,
    /// `Allow`, `Deny` or `Pass` (v1alpha2 `Accept` is shown as `Allow`).
    pub action: &'static str,
}

/// Whether a peer matches an end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeerMatch {
    Yes,
    No,
    /// A `domainNames` peer and an address outside the cluster: it may be one of the names.
    Maybe,
}

impl TierIndex {
    pub(crate) fn build(engine: &Engine<'_>) -> TierIndex {
        let c = engine.cluster;
        let groups = c.label_groups();
        let mut order: Vec<usize> = (0..c.cluster_policies.len())
            .filter(|&i| effective(&c.cluster_policies[i]))
            .collect();
        if order.is_empty() {
            return TierIndex {
                lists: vec![Vec::new()],
                list_of_group: Vec::new(),
            };
        }
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&c.cluster_policies[a], &c.cluster_policies[b]);
            (pa.tier, pa.precedence()).cmp(&(pb.tier, pb.precedence()))
        });
        let mut per_group: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
        for pi in order {
            let p = &c.cluster_policies[pi];
            for ns in c.namespaces.iter() {
                if !p.subject.namespaces.matches(&ns.labels) {
                    continue;
                }
                let matched: Vec<usize> = match &p.subject.pods {
                    Some(sel) => engine.groups_matching(&ns.name, sel).collect(),
                    None => engine
                        .groups_matching(&ns.name, &crate::model::Selector::default())
                        .collect(),
                };
                for g in matched {
                    per_group[g].push(pi as u32);
                }
            }
        }
        let mut lists: Vec<Vec<u32>> = vec![Vec::new()];
        let mut ids: HashMap<Vec<u32>, u32> = HashMap::new();
        ids.insert(Vec::new(), 0);
        let list_of_group = per_group
            .into_iter()
            .map(|l| {
                *ids.entry(l).or_insert_with_key(|l| {
                    lists.push(l.clone());
                    (lists.len() - 1) as u32
                })
            })
            .collect();
        TierIndex {
            lists,
            list_of_group,
        }
    }

    /// The cluster policies selecting a group, in evaluation order (Admin tier first).
    pub(crate) fn of_group(&self, g: usize) -> &[u32] {
        let id = self.list_of_group.get(g).copied().unwrap_or(0) as usize;
        self.lists.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether any cluster policy takes part in evaluation.
    pub(crate) fn any(&self) -> bool {
        !self.list_of_group.is_empty()
    }
}

/// The connections a port entry admits towards `dst` (None: an address, against which a
/// named port resolves to nothing).
pub fn cluster_port_conns(p: &ClusterPort, dst: Option<&Pod>) -> ConnSet {
    match p {
        ClusterPort::Range {
            protocol,
            start,
            end,
        } => ConnSet::range(*protocol, *start, *end),
        ClusterPort::Protocol(proto) => ConnSet::protocol(*proto),
        ClusterPort::Named(name) => {
            let mut c = ConnSet::empty();
            for cp in dst.into_iter().flat_map(|d| d.ports()) {
                if cp.name.as_deref() == Some(name.as_str()) {
                    c.add(cp.protocol, cp.port, cp.port);
                }
            }
            c
        }
    }
}

/// The connections a rule admits towards `dst` (every one when it lists no ports).
pub fn cluster_rule_conns(r: &ClusterRule, dst: Option<&Pod>) -> ConnSet {
    match &r.ports {
        None => ConnSet::all(),
        Some(list) => {
            let mut c = ConnSet::empty();
            for p in list {
                c.union_with(&cluster_port_conns(p, dst));
            }
            c
        }
    }
}

fn rule_match(p: &ClusterPolicy, ri: usize, r: &ClusterRule) -> ClusterRuleMatch {
    ClusterRuleMatch {
        tier: p.tier.as_str(),
        kind: p.kind.as_str(),
        policy: p.name.clone(),
        priority: p.priority,
        rule: ri,
        rule_name: r.name.clone(),
        action: r.action.as_str(),
    }
}

/// `AdminNetworkPolicy deny-all (priority 10) egress[0] "deny-dns" (Deny)`.
pub fn describe_match(m: &ClusterRuleMatch, dir: Direction) -> String {
    let prio = m
        .priority
        .map(|p| format!(" (priority {p})"))
        .unwrap_or_default();
    let name = if m.rule_name.is_empty() {
        String::new()
    } else {
        format!(" {:?}", m.rule_name)
    };
    format!(
        "{} {}{prio} {}[{}]{name} ({})",
        m.kind,
        m.policy,
        dir.as_str(),
        m.rule,
        m.action
    )
}

/// Why a side that is not allowed is denied, in words: `denied by AdminNetworkPolicy
/// deny-dns (priority 5) egress[0] "deny" (Deny)`, or `isolated by ns/a, ns/b and no rule
/// allows it` for NetworkPolicy.
pub fn denial_reason(side: &SideVerdict, dir: Direction) -> String {
    match (&side.cluster_rule, &side.passed_by) {
        (Some(m), _) if m.action == "Deny" => format!("denied by {}", describe_match(m, dir)),
        (_, Some(p)) => format!(
            "passed by {} to NetworkPolicy: isolated by {} and no rule allows it",
            describe_match(p, dir),
            side.policies.join(", ")
        ),
        _ => format!(
            "isolated by {} and no rule allows it",
            side.policies.join(", ")
        ),
    }
}

impl<'a> Engine<'a> {
    /// Whether a label group is selected by a cluster policy with rules in `dir`.
    pub fn group_has_cluster_rules(&self, g: usize, dir: Direction) -> bool {
        self.tiers.of_group(g).iter().any(|&pi| {
            !self.cluster.cluster_policies[pi as usize]
                .rules(dir == Direction::Ingress)
                .is_empty()
        })
    }

    /// The cluster policies selecting a label group (indexes into
    /// `Cluster::cluster_policies`), in evaluation order: Admin tier by priority, then the
    /// Baseline tier.
    pub fn cluster_policies_of_group(&self, g: usize) -> &[u32] {
        self.tiers.of_group(g)
    }

    /// The cluster policies selecting a pod (empty for pods pod policies do not govern).
    pub fn cluster_policies_of_pod(&self, pod: usize) -> &[u32] {
        self.cluster_policies_of(Endpoint::Pod(pod))
    }

    /// The cluster policies selecting `me` (a pod subject to policies), in evaluation order.
    pub(crate) fn cluster_policies_of(&self, me: Endpoint) -> &[u32] {
        match me {
            Endpoint::Pod(i) => match (self.cluster.pods.get(i), self.group_of(i)) {
                (Some(p), Some(g)) if self.governed(p) => self.tiers.of_group(g),
                _ => &[],
            },
            Endpoint::Ip(_) => &[],
        }
    }

    /// Whether `peer` of a cluster policy matches `subject`.
    pub(crate) fn cluster_peer_matches(
        &self,
        peer: &ClusterPeer,
        subject: Subject<'_>,
    ) -> PeerMatch {
        let yes = |b: bool| if b { PeerMatch::Yes } else { PeerMatch::No };
        match (peer, subject) {
            (
                ClusterPeer::Pods(set),
                Subject::Pod {
                    ns_labels, labels, ..
                },
            ) => yes(set.matches(ns_labels, labels)),
            (ClusterPeer::Pods(_), Subject::External(_)) => PeerMatch::No,
            (ClusterPeer::Networks(nets), Subject::Pod { ips, .. }) => {
                yes(ips.iter().any(|ip| nets.iter().any(|n| n.contains(ip))))
            }
            (ClusterPeer::Networks(nets), Subject::External(ip)) => {
                yes(ip.is_some_and(|ip| nets.iter().any(|n| n.contains(&ip))))
            }
            (ClusterPeer::Nodes(sel), Subject::External(Some(ip))) => yes(self
                .cluster
                .nodes
                .iter()
                .any(|n| sel.matches(&n.labels) && n.internal_ips.contains(&ip))),
            (ClusterPeer::Nodes(_), _) => PeerMatch::No,
            (ClusterPeer::DomainNames(_), Subject::External(Some(_))) => PeerMatch::Maybe,
            (ClusterPeer::DomainNames(_), _) => PeerMatch::No,
        }
    }

    /// How a rule's peers match `subject`: the best of its peers.
    fn rule_peer_match(&self, r: &ClusterRule, subject: Subject<'_>) -> PeerMatch {
        let mut out = PeerMatch::No;
        for p in &r.peers {
            match self.cluster_peer_matches(p, subject) {
                PeerMatch::Yes => return PeerMatch::Yes,
                PeerMatch::Maybe => out = PeerMatch::Maybe,
                PeerMatch::No => {}
            }
        }
        out
    }

    /// Decides one side through the tiers, given NetworkPolicy's answer in `out` (its
    /// `isolated` and `allowed`): sets `tier`, `cluster_rule`, `passed_by`, `allowed`, and
    /// prepends / appends explanation lines. Sides of clusters without cluster policies are
    /// left as they are. An address outside the cluster `domainNames` may name makes the
    /// side unknown (`tier_unknown`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tiered_side(
        &self,
        dir: Direction,
        me: Endpoint,
        peer: Endpoint,
        dst: Option<&Pod>,
        proto: Protocol,
        port: u16,
        out: &mut SideVerdict,
    ) {
        if !self.tiers.any() {
            return;
        }
        let ingress = dir == Direction::Ingress;
        let subject = self.subject(peer);
        let pols = self.cluster_policies_of(me);
        if pols.is_empty() {
            out.tier = Some(if out.isolated {
                "networkpolicy"
            } else {
                "default"
            });
            return;
        }
        let mut admin_lines = Vec::new();
        let mut found: Option<(Tier, ClusterRuleMatch)> = None;
        let mut passed = false;
        'tiers: for tier in [Tier::Admin, Tier::Baseline] {
            if tier == Tier::Baseline {
                if out.isolated {
                    break;
                }
                if passed {
                    admin_lines.push(format!(
                        "{}: no NetworkPolicy isolates this side: the baseline tier decides",
                        dir.as_str()
                    ));
                }
            }
            for &pi in pols {
                let p = &self.cluster.cluster_policies[pi as usize];
                if p.tier != tier {
                    continue;
                }
                for (ri, r) in p.rules(ingress).iter().enumerate() {
                    let pm = self.rule_peer_match(r, subject);
                    if pm == PeerMatch::No || !cluster_rule_conns(r, dst).contains(proto, port) {
                        continue;
                    }
                    let m = rule_match(p, ri, r);
                    if pm == PeerMatch::Maybe {
                        out.tier_unknown.push(format!(
                            "the {} of this connection may be decided by {}: its peers are domain names netdoctor cannot resolve",
                            dir.as_str(),
                            describe_match(&m, dir)
                        ));
                        admin_lines.push(format!(
                            "{}: may match (domain names)",
                            describe_match(&m, dir)
                        ));
                        continue;
                    }
                    admin_lines.push(format!("{}: matches", describe_match(&m, dir)));
                    if r.action == Action::Pass && tier == Tier::Admin {
                        passed = true;
                        out.passed_by = Some(m);
                        continue 'tiers;
                    }
                    found = Some((tier, m));
                    break 'tiers;
                }
            }
            if tier == Tier::Admin && out.passed_by.is_none() {
                admin_lines.push(format!(
                    "{}: no admin-tier rule matches: NetworkPolicy decides",
                    dir.as_str()
                ));
            }
        }
        let np_lines = std::mem::take(&mut out.explanation);
        match found {
            Some((Tier::Admin, m)) => {
                out.allowed = m.action == "Allow";
                out.tier = Some("admin");
                out.cluster_rule = Some(m);
                out.explanation = admin_lines;
                out.explanation.push(format!(
                    "{}: decided by the admin tier; NetworkPolicy is not consulted",
                    dir.as_str()
                ));
            }
            Some((Tier::Baseline, m)) => {
                // A baseline Pass (ClusterNetworkPolicy) hands over to the default: allowed.
                out.allowed = m.action != "Deny";
                out.tier = Some(if m.action == "Pass" {
                    "default"
                } else {
                    "baseline"
                });
                out.cluster_rule = Some(m);
                out.explanation = np_lines;
                out.explanation.extend(admin_lines);
            }
            None if out.isolated || !out.subject_to_policies => {
                out.tier = Some(if out.isolated {
                    "networkpolicy"
                } else {
                    "default"
                });
                out.explanation = admin_lines;
                out.explanation.extend(np_lines);
            }
            None => {
                out.tier = Some("default");
                out.explanation = admin_lines;
                out.explanation.extend(np_lines);
                if pols
                    .iter()
                    .any(|&pi| self.cluster.cluster_policies[pi as usize].tier == Tier::Baseline)
                {
                    out.explanation.push(format!(
                        "{}: no baseline rule matches: allowed by default",
                        dir.as_str()
                    ));
                }
            }
        }
    }

    /// What one side allows as a set, through the tiers: `np` is what NetworkPolicy allows
    /// (None: no NetworkPolicy isolates the side). A `domainNames` peer is taken to match
    /// no address (the single-connection check says unknown instead).
    pub(super) fn tiered_conns(
        &self,
        dir: Direction,
        me: Endpoint,
        peer: Endpoint,
        dst: Option<&Pod>,
        np: Option<ConnSet>,
    ) -> ConnSet {
        let pols = self.cluster_policies_of(me);
        if pols.is_empty() {
            return np.unwrap_or_else(ConnSet::all);
        }
        let ingress = dir == Direction::Ingress;
        let subject = self.subject(peer);
        let mut undecided = ConnSet::all();
        let mut allowed = ConnSet::empty();
        let mut passed = ConnSet::empty();
        let mut baseline_from = pols.len();
        for (k, &pi) in pols.iter().enumerate() {
            let p = &self.cluster.cluster_policies[pi as usize];
            if p.tier == Tier::Baseline {
                baseline_from = k;
                break;
            }
            apply_rules(
                self,
                p.rules(ingress),
                subject,
                dst,
                &mut undecided,
                &mut allowed,
                &mut passed,
            );
        }
        undecided.union_with(&passed);
        match np {
            Some(np) => {
                allowed.union_with(&undecided.intersect(&np));
                allowed
            }
            None => {
                let mut base_passed = ConnSet::empty();
                for &pi in &pols[baseline_from..] {
                    let p = &self.cluster.cluster_policies[pi as usize];
                    apply_rules(
                        self,
                        p.rules(ingress),
                        subject,
                        dst,
                        &mut undecided,
                        &mut allowed,
                        &mut base_passed,
                    );
                }
                allowed.union_with(&undecided);
                allowed.union_with(&base_passed);
                allowed
            }
        }
    }
}

/// Applies rules in order to what is still undecided.
fn apply_rules(
    engine: &Engine<'_>,
    rules: &[ClusterRule],
    subject: Subject<'_>,
    dst: Option<&Pod>,
    undecided: &mut ConnSet,
    allowed: &mut ConnSet,
    passed: &mut ConnSet,
) {
    for r in rules {
        if undecided.is_empty() {
            return;
        }
        if engine.rule_peer_match(r, subject) != PeerMatch::Yes {
            continue;
        }
        let rc = cluster_rule_conns(r, dst).intersect(undecided);
        if rc.is_empty() {
            continue;
        }
        match r.action {
            Action::Allow => allowed.union_with(&rc),
            Action::Pass => passed.union_with(&rc),
            Action::Deny => {}
        }
        *undecided = undecided.subtract(&rc);
    }
}

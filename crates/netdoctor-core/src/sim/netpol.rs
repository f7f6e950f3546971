//! NetworkPolicy semantics, exactly as the Kubernetes documentation states them.
//!
//! # What is evaluated
//! * **Isolation per direction.** A pod is isolated for ingress (egress) once any policy
//!   whose `policyTypes` contain Ingress (Egress) selects it. `policyTypes` defaulting
//!   (Ingress always, Egress when the policy has egress rules) is done by the model.
//!   A pod that is not isolated in a direction allows everything in that direction.
//! * **Union.** An isolated pod allows what at least one rule of one selecting policy allows.
//! * **Both sides.** A connection is allowed only when the egress side of the source and the
//!   ingress side of the destination both allow it.
//! * **Peers.** `podSelector` alone: pods of the policy's namespace. `namespaceSelector`
//!   alone: every pod of the selected namespaces. Both in one peer: AND. Several peers: OR.
//!   An empty selector selects everything; an absent `from`/`to` (no peers) allows every
//!   source/destination, in-cluster or not; an empty rule `{}` allows everything, while no
//!   rules at all allows nothing.
//! * **ipBlock** (with `except`) matches external addresses and, as the upstream e2e tests
//!   expect when they allow egress to one pod's /32, pod IPs too (see
//!   [`Engine::ipblock_matches_pods`]).
//! * **Ports.** By number, by name (resolved against the *destination* pod's container ports
//!   of the same protocol: for ingress the selected pod, for egress the peer pod), `endPort`
//!   ranges, protocol-only entries; TCP, UDP and SCTP. No ports means every port.
//! * **hostNetwork pods** are not subject to pod policies: as a source or destination they are
//!   treated as their (node) address, i.e. as an external endpoint that only ipBlocks match.
//! * **Services** are evaluated after DNAT: [`Engine::check_service`] checks every backend pod
//!   on its resolved target port.
//!
//! # Speed
//! Selectors are evaluated once per label group (pods of one namespace with identical
//! labels, `Cluster::label_groups`): [`Engine::new`] records, per group, the policies that
//! isolate it in each direction. `check` then only looks at the policies of two groups.
//! [`connectivity_map`] evaluates every peer once against the workloads' groups.
//!
//! # Callers
//! `policy check` and `trace` call [`Engine::check`] (or [`check`] for a one-off question)
//! with a pod index or an IP on each side, and read [`Verdict`]: `allowed`, and for each side
//! whether it is isolated, which policies select it and which rule/peer/port allowed it (or
//! that none did), plus human `explanation` lines.

mod check;
mod connset;
mod diff;
mod diff_format;
mod foreign;
mod map;
mod ranges;
mod side;
mod tier;

/// The connlist name of a pod's workload, kept under its old path for existing callers.
pub use crate::model::connlist_name as workload_name;
pub use check::{
    address_owner, check_pairs, check_pairs_to_service, decide, endpoint_display, representatives,
    AddressOwner, CheckedPair, Decision, ServiceBackendVerdict, ServiceCheckError,
};
pub use connset::{ConnSet, MAX_PORT};
pub use diff::{
    diff_clusters, diff_maps, has_changes, map_workloads, ConnDiff, DiffKind, DiffOptions,
    DiffSide, MapDiff, MapState,
};
pub use diff_format::{diff_csv, diff_dot, diff_md, diff_txt, RefNames};
pub use foreign::{FlowVerdict, MapUnknown};
pub use map::{
    compact_map, connectivity_map, encode_runs, external_partition, format_txt, value_at,
    with_entry, ColumnTable, CompactMap, Connection, MapNode, MapOptions, Range, Run,
    INGRESS_CONTROLLER,
};
pub use tier::{
    cluster_port_conns, cluster_rule_conns, denial_reason, describe_match,
    effective as cluster_policy_effective, ClusterRuleMatch,
};

use crate::model::{
    Cluster, Labels, NetworkPolicy, Peer, Pod, PolicyPort, PolicyRule, PortRef, Protocol,
};
use serde::Serialize;
use std::net::IpAddr;

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// An index into `Cluster::pods`.
    Pod(usize),
    /// An address outside the pod network (or a node).
    Ip(IpAddr),
}

/// Which side of a connection a policy rule governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// A rule that allowed the connection: `rules[rule]` of `policy`, through `peer` (None: the
/// rule lists no peers, so it admits every peer) on `port` (None: the rule lists no ports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RuleMatch {
    pub policy: String,
    pub rule: usize,
    pub peer: Option<usize>,
    pub port: Option<usize>,
}

/// The verdict of one side: the egress of the source or the ingress of the destination.
/// `allowed` is the answer of every tier (admin, NetworkPolicy, baseline); `isolated`,
/// `policies` and `allowed_by` are NetworkPolicy's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
pub struct SideVerdict {
    /// False when the endpoint is not a pod subject to policies (an IP, a hostNetwork pod).
    pub subject_to_policies: bool,
    pub isolated: bool,
    pub allowed: bool,
    /// The policies that select the pod for this direction (`ns/name`), sorted.
    pub policies: Vec<String>,
    /// Every rule that allows the connection (empty when none does or the side is open).
    pub allowed_by: Vec<RuleMatch>,
    /// One line per policy and rule: why it allows or not.
    pub explanation: Vec<String>,
    /// Policies of kinds netdoctor does not model that govern this side (`Kind ns/name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_modelled: Vec<String>,
    /// Only when the cluster has AdminNetworkPolicies, BaselineAdminNetworkPolicies or
    /// ClusterNetworkPolicies: the tier that decided this side, `admin`, `networkpolicy`,
    /// `baseline` or `default` (docs/cluster-policies.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<&'static str>,
    /// The admin or baseline rule that decided the side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_rule: Option<ClusterRuleMatch>,
    /// The admin-tier `Pass` rule that handed the side to NetworkPolicy and the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed_by: Option<ClusterRuleMatch>,
    /// Why the tiers cannot decide the side (a `domainNames` peer and an outside address).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tier_unknown: Vec<String>,
}

/// Whether a connection is allowed, and why. `allowed` is NetworkPolicy's answer (what the
/// rules and the other simulations ask); `verdict` is the whole answer: unknown when a policy
/// kind netdoctor does not model may change it (`unknown_reasons` say which). In JSON,
/// `allowed` is true only when `verdict` is allowed, and `verdict` appears when unknown
/// (docs/interface.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub verdict: FlowVerdict,
    pub unknown_reasons: Vec<String>,
    pub port: u16,
    pub protocol: Protocol,
    pub egress: SideVerdict,
    pub ingress: SideVerdict,
}

impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let unknown = !self.verdict.is_known();
        let mut st = s.serialize_struct("Verdict", 5 + 2 * usize::from(unknown))?;
        st.serialize_field("allowed", &(self.verdict == FlowVerdict::Allowed))?;
        if unknown {
            st.serialize_field("verdict", &self.verdict)?;
            st.serialize_field("unknown_reasons", &self.unknown_reasons)?;
        }
        st.serialize_field("port", &self.port)?;
        st.serialize_field("protocol", self.protocol.as_str())?;
        st.serialize_field("egress", &self.egress)?;
        st.serialize_field("ingress", &self.ingress)?;
        st.end()
    }
}

/// The shape `Verdict` serializes to, for its JSON Schema.
#[derive(Serialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct VerdictShape {
    allowed: bool,
    /// Present (`unknown`) only when the verdict is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<FlowVerdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown_reasons: Option<Vec<String>>,
    port: u16,
    /// `TCP`, `UDP` or `SCTP`.
    protocol: String,
    egress: SideVerdict,
    ingress: SideVerdict,
}

impl schemars::JsonSchema for Verdict {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Verdict".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        VerdictShape::json_schema(generator)
    }
}

/// A candidate peer of a rule.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    Pod {
        ns: &'a str,
        ns_labels: &'a Labels,
        labels: &'a Labels,
        ips: &'a [IpAddr],
    },
    External(Option<IpAddr>),
}

/// The policy index of a cluster: which policies isolate each label group.
#[derive(Debug)]
pub struct Engine<'a> {
    pub cluster: &'a Cluster,
    /// Whether ipBlock peers also match pod IPs (default true, as the upstream e2e tests
    /// expect and as CNI plugins such as Calico and Cilium implement).
    pub ipblock_matches_pods: bool,
    /// Treat hostNetwork pods like other pods (np-guard netpol-analyzer does; Kubernetes
    /// leaves their policy behaviour undefined and CNIs treat them as node traffic).
    /// Default false.
    pub host_network_as_pods: bool,
    group_of_pod: Vec<usize>,
    /// Label groups per namespace.
    groups_by_ns: std::collections::HashMap<&'a str, Vec<usize>>,
    /// Label groups per (namespace, label key, label value): a selector with matchLabels is
    /// evaluated only against the groups that carry its first label.
    groups_by_label: std::collections::HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
    ingress_of_group: Vec<Vec<usize>>,
    egress_of_group: Vec<Vec<usize>>,
    empty_labels: Labels,
    /// The cluster policies of each label group.
    tiers: tier::TierIndex,
}

pub(crate) fn ip_in_block(ip: IpAddr, cidr: &ipnet::IpNet, except: &[ipnet::IpNet]) -> bool {
    cidr.contains(&ip) && !except.iter().any(|e| e.contains(&ip))
}

/// The connections a policy port entry admits towards `dst` (None: an external address,
/// against which a named port resolves to nothing).
pub fn port_conns(entry: &PolicyPort, dst: Option<&Pod>) -> ConnSet {
    match &entry.port {
        None => ConnSet::protocol(entry.protocol),
        Some(PortRef::Number(n)) => {
            ConnSet::range(entry.protocol, *n, entry.end_port.unwrap_or(*n))
        }
        Some(PortRef::Name(name)) => {
            match dst.and_then(|p| p.resolve_named_port(name, entry.protocol)) {
                Some(n) => ConnSet::single(entry.protocol, n),
                None => ConnSet::empty(),
            }
        }
    }
}

/// The connections a rule admits towards `dst` (every port when it lists none).
pub fn rule_conns(rule: &PolicyRule, dst: Option<&Pod>) -> ConnSet {
    if rule.ports.is_empty() {
        return ConnSet::all();
    }
    let mut c = ConnSet::empty();
    for p in &rule.ports {
        c.union_with(&port_conns(p, dst));
    }
    c
}

/// `ns/name` of a policy.
pub fn policy_id(p: &NetworkPolicy) -> String {
    format!("{}/{}", p.namespace, p.name)
}

/// Describes a peer as a short phrase (`podSelector app=web in the policy's namespace`).
pub fn describe_peer(peer: &Peer) -> String {
    match peer {
        Peer::Pods { namespaces, pods } => {
            let ns = match namespaces {
                None => "in the policy's namespace".to_string(),
                Some(s) if s.is_empty() => "in every namespace".to_string(),
                Some(s) => format!("in namespaces with {s}"),
            };
            match pods {
                None => format!("every pod {ns}"),
                Some(s) if s.is_empty() => format!("every pod {ns}"),
                Some(s) => format!("pods with {s} {ns}"),
            }
        }
        Peer::IpBlock { cidr, except } if except.is_empty() => format!("ipBlock {cidr}"),
        Peer::IpBlock { cidr, except } => format!(
            "ipBlock {cidr} except {}",
            except
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl<'a> Engine<'a> {
    /// Indexes the policies of `cluster` per label group.
    pub fn new(cluster: &'a Cluster) -> Engine<'a> {
        let groups = cluster.label_groups();
        let mut group_of_pod = vec![usize::MAX; cluster.pods.len()];
        for (g, group) in groups.iter().enumerate() {
            for &p in &group.pods {
                if let Some(slot) = group_of_pod.get_mut(p) {
                    *slot = g;
                }
            }
        }
        let mut groups_by_ns: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        let mut groups_by_label: std::collections::HashMap<(&str, &str, &str), Vec<usize>> =
            Default::default();
        for (g, group) in groups.iter().enumerate() {
            groups_by_ns
                .entry(group.namespace.as_str())
                .or_default()
                .push(g);
            for (k, v) in &group.labels {
                groups_by_label
                    .entry((group.namespace.as_str(), k.as_str(), v.as_str()))
                    .or_default()
                    .push(g);
            }
        }
        let mut engine = Engine {
            cluster,
            ipblock_matches_pods: true,
            host_network_as_pods: false,
            group_of_pod,
            groups_by_ns,
            groups_by_label,
            ingress_of_group: vec![Vec::new(); groups.len()],
            egress_of_group: vec![Vec::new(); groups.len()],
            empty_labels: Labels::new(),
            tiers: Default::default(),
        };
        for (pi, p) in cluster.policies.iter().enumerate() {
            if !p.isolates_ingress && !p.isolates_egress {
                continue;
            }
            let matched: Vec<usize> = engine
                .groups_matching(&p.namespace, &p.pod_selector)
                .collect();
            for g in matched {
                if p.isolates_ingress {
                    engine.ingress_of_group[g].push(pi);
                }
                if p.isolates_egress {
                    engine.egress_of_group[g].push(pi);
                }
            }
        }
        engine.tiers = tier::TierIndex::build(&engine);
        engine
    }

    /// The label groups of `ns` whose labels `selector` matches, through the label index.
    pub fn groups_matching<'s>(
        &'s self,
        ns: &'s str,
        selector: &'s crate::model::Selector,
    ) -> impl Iterator<Item = usize> + 's {
        let candidates: &[usize] = match selector.match_labels.first() {
            Some((k, v)) => self
                .groups_by_label
                .get(&(ns, k.as_str(), v.as_str()))
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            None => self.groups_by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]),
        };
        let groups = self.cluster.label_groups();
        candidates
            .iter()
            .copied()
            .filter(move |&g| selector.matches(&groups[g].labels))
    }

    /// Whether any pod of `ns` matches `selector`.
    pub fn any_pod_matching(&self, ns: &str, selector: &crate::model::Selector) -> bool {
        self.groups_matching(ns, selector).next().is_some()
    }

    /// Whether pod policies govern this pod (false for hostNetwork pods).
    pub fn governed(&self, p: &Pod) -> bool {
        !p.host_network || self.host_network_as_pods
    }

    /// The label group of a pod.
    pub fn group_of(&self, pod: usize) -> Option<usize> {
        self.group_of_pod
            .get(pod)
            .copied()
            .filter(|&g| g != usize::MAX)
    }

    /// Indexes (into `Cluster::policies`) of the policies that isolate a group in `dir`.
    pub fn policies_of_group(&self, group: usize, dir: Direction) -> &[usize] {
        let v = match dir {
            Direction::Ingress => &self.ingress_of_group,
            Direction::Egress => &self.egress_of_group,
        };
        v.get(group).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Policies isolating a pod in `dir` (empty for hostNetwork pods).
    pub fn policies_of_pod(&self, pod: usize, dir: Direction) -> &[usize] {
        match (self.cluster.pods.get(pod), self.group_of(pod)) {
            (Some(p), Some(g)) if self.governed(p) => self.policies_of_group(g, dir),
            _ => &[],
        }
    }

    /// Whether a pod is isolated in `dir`.
    pub fn isolated(&self, pod: usize, dir: Direction) -> bool {
        !self.policies_of_pod(pod, dir).is_empty()
    }

    pub(crate) fn ns_labels(&self, ns: &str) -> &Labels {
        self.cluster
            .namespace(ns)
            .map(|n| &n.labels)
            .unwrap_or(&self.empty_labels)
    }

    pub(crate) fn subject(&self, e: Endpoint) -> Subject<'_> {
        match e {
            Endpoint::Ip(ip) => Subject::External(Some(ip)),
            Endpoint::Pod(i) => match self.cluster.pods.get(i) {
                Some(p) if !self.governed(p) => {
                    Subject::External(p.ips.first().copied().or(p.host_ip))
                }
                Some(p) => Subject::Pod {
                    ns: &p.namespace,
                    ns_labels: self.ns_labels(&p.namespace),
                    labels: &p.labels,
                    ips: &p.ips,
                },
                None => Subject::External(None),
            },
        }
    }

    /// Whether `peer` of a policy in `policy_ns` matches `subject`.
    pub(crate) fn peer_matches(&self, policy_ns: &str, peer: &Peer, subject: Subject<'_>) -> bool {
        match (peer, subject) {
            (
                Peer::Pods { namespaces, pods },
                Subject::Pod {
                    ns,
                    ns_labels,
                    labels,
                    ..
                },
            ) => {
                let ns_ok = match namespaces {
                    None => ns == policy_ns,
                    Some(sel) => sel.matches(ns_labels),
                };
                ns_ok && pods.as_ref().is_none_or(|s| s.matches(labels))
            }
            (Peer::Pods { .. }, Subject::External(_)) => false,
            (Peer::IpBlock { cidr, except }, Subject::Pod { ips, .. }) => {
                self.ipblock_matches_pods && ips.iter().any(|ip| ip_in_block(*ip, cidr, except))
            }
            (Peer::IpBlock { cidr, except }, Subject::External(ip)) => {
                ip.is_some_and(|ip| ip_in_block(ip, cidr, except))
            }
        }
    }

    fn pod(&self, e: Endpoint) -> Option<&'a Pod> {
        match e {
            Endpoint::Pod(i) => self.cluster.pods.get(i).filter(|p| self.governed(p)),
            Endpoint::Ip(_) => None,
        }
    }

    /// Is `src` allowed to open a `proto` connection to `dst` on `port`?
    pub fn check(&self, src: Endpoint, dst: Endpoint, port: u16, proto: Protocol) -> Verdict {
        let dst_pod = self.pod(dst);
        let mut egress = self.side(Direction::Egress, src, dst, dst_pod, proto, port);
        let mut ingress = self.side(Direction::Ingress, dst, src, dst_pod, proto, port);
        self.tiered_side(
            Direction::Egress,
            src,
            dst,
            dst_pod,
            proto,
            port,
            &mut egress,
        );
        self.tiered_side(
            Direction::Ingress,
            dst,
            src,
            dst_pod,
            proto,
            port,
            &mut ingress,
        );
        let (mut verdict, mut unknown_reasons) =
            self.with_foreign(src, dst, &mut egress, &mut ingress);
        // A `domainNames` peer that may match: unknown, unless the other side denies anyway.
        let (eu, iu) = (
            !egress.tier_unknown.is_empty(),
            !ingress.tier_unknown.is_empty(),
        );
        let known_denied = (!egress.allowed && !eu) || (!ingress.allowed && !iu);
        if (eu || iu) && !(verdict == FlowVerdict::Denied && known_denied) {
            verdict = FlowVerdict::Unknown;
            unknown_reasons.extend(egress.tier_unknown.iter().cloned());
            unknown_reasons.extend(ingress.tier_unknown.iter().cloned());
        }
        Verdict {
            allowed: egress.allowed && ingress.allowed,
            verdict,
            unknown_reasons,
            port,
            protocol: proto,
            egress,
            ingress,
        }
    }

    /// Every connection NetworkPolicy allows from `src` to the pod `dst` (both sides).
    pub fn allowed_conns(&self, src: Endpoint, dst: Endpoint) -> ConnSet {
        let dst_pod = self.pod(dst);
        let e = self.side_conns(Direction::Egress, src, dst, dst_pod);
        if e.is_empty() {
            return e;
        }
        let i = self.side_conns(Direction::Ingress, dst, src, dst_pod);
        e.intersect(&i)
    }

    /// What one side allows, as a set.
    pub fn side_conns(
        &self,
        dir: Direction,
        me: Endpoint,
        peer: Endpoint,
        dst: Option<&Pod>,
    ) -> ConnSet {
        let np = self.np_side_conns(dir, me, peer, dst);
        self.tiered_conns(dir, me, peer, dst, np)
    }

    /// What NetworkPolicy allows on one side (None: no NetworkPolicy isolates it).
    fn np_side_conns(
        &self,
        dir: Direction,
        me: Endpoint,
        peer: Endpoint,
        dst: Option<&Pod>,
    ) -> Option<ConnSet> {
        let Endpoint::Pod(me_idx) = me else {
            return None;
        };
        let pols = self.policies_of_pod(me_idx, dir);
        if pols.is_empty() {
            return None;
        }
        let subject = self.subject(peer);
        let mut c = ConnSet::empty();
        for &pi in pols {
            let p = &self.cluster.policies[pi];
            let rules = match dir {
                Direction::Ingress => &p.ingress,
                Direction::Egress => &p.egress,
            };
            for rule in rules {
                if rule.peers.is_empty()
                    || rule
                        .peers
                        .iter()
                        .any(|pe| self.peer_matches(&p.namespace, pe, subject))
                {
                    c.union_with(&rule_conns(rule, dst));
                }
            }
        }
        Some(c)
    }
}

/// One-off question: builds the index and checks one connection.
pub fn check(
    cluster: &Cluster,
    src: Endpoint,
    dst: Endpoint,
    port: u16,
    proto: Protocol,
) -> Verdict {
    Engine::new(cluster).check(src, dst, port, proto)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tier_tests;

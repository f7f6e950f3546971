//! The semantic difference between two connectivity maps (np-guard netpol-analyzer's `diff`):
//! each state's map is computed by [`connectivity_map`](super::connectivity_map) on its own
//! cluster, then the two lists of lines are compared per (source, destination).
//!
//! External ranges differ between states (each partitions 0.0.0.0/0 by its own ipBlocks), so
//! per workload and direction the two states are compared address by address and the result
//! is cut into maximal contiguous ranges with the same pair of connections, as upstream does
//! (refine both lists by the common partition, then merge ranges with equal connections).
//!
//! A pair is **unknown** in a state when a policy kind netdoctor does not model governs the
//! source's egress or the destination's ingress there ([`MapUnknown`]): its connection there
//! may be other than NetworkPolicy's answer, absent lines included. The diff keeps that
//! state's verdict beside the connection, so an unknown pair is never shown as known.

use super::{connectivity_map, ConnSet, Connection, Engine, MapOptions, MapUnknown};
use crate::model::Cluster;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What happened to a (source, destination) pair between the base and the new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffKind {
    /// Connected in both, on different connections (ports, protocols) or with a different
    /// verdict (known in one state, unknown in the other).
    Changed,
    /// Connected only in the new state.
    Added,
    /// Connected only in the base state.
    Removed,
    /// The same connections in both (kept for graphs; not a change).
    Unchanged,
}

impl DiffKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::Changed => "changed",
            DiffKind::Added => "added",
            DiffKind::Removed => "removed",
            DiffKind::Unchanged => "unchanged",
        }
    }
}

/// One state's side of a pair: its connections (None: no connection) and, when a policy kind
/// netdoctor does not model governs the pair there, why the connections are unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiffSide {
    pub conn: Option<ConnSet>,
    pub unknown_reasons: Vec<String>,
}

impl DiffSide {
    pub fn is_unknown(&self) -> bool {
        !self.unknown_reasons.is_empty()
    }

    /// The connlist form: `TCP 8080`, `All Connections`, `No Connections`, with ` (unknown)`
    /// appended when the state's verdict is unknown.
    pub fn conn_str(&self) -> String {
        let s = match &self.conn {
            Some(c) => c.to_string(),
            None => "No Connections".to_string(),
        };
        if self.is_unknown() {
            format!("{s} (unknown)")
        } else {
            s
        }
    }
}

/// One line of the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnDiff {
    pub kind: DiffKind,
    /// Connlist names (`ns/name[Kind]`, `a.b.c.d-e.f.g.h[External]`, `{ingress-controller}`).
    pub src: String,
    pub dst: String,
    /// The namespace of the src / dst workload (None for an external range or the ingress
    /// controller).
    pub src_namespace: Option<String>,
    pub dst_namespace: Option<String>,
    pub base: DiffSide,
    pub new: DiffSide,
    /// The source (destination) workload exists only in the state that has the connection:
    /// it was added (for an added line) or removed (for a removed line).
    pub src_new_or_removed: bool,
    pub dst_new_or_removed: bool,
}

impl ConnDiff {
    /// Whether a verdict of either state is unknown.
    pub fn is_unknown(&self) -> bool {
        self.base.is_unknown() || self.new.is_unknown()
    }

    /// upstream's `workloads-diff-info`: `workload ns/x[Deployment] added` (empty when both
    /// ends exist in both states).
    pub fn workloads_info(&self) -> String {
        let mut names = Vec::new();
        if self.src_new_or_removed {
            names.push(self.src.as_str());
        }
        if self.dst_new_or_removed {
            names.push(self.dst.as_str());
        }
        if names.is_empty() {
            return String::new();
        }
        format!("workload {} {}", names.join(" and "), self.kind.as_str())
    }
}

/// One state, as the diff reads it: its map lines, its workloads (connlist names, with or
/// without connections) and which of its pairs are unknown.
pub struct MapState<'a> {
    pub conns: &'a [Connection],
    pub workloads: BTreeSet<String>,
    pub unknown: MapUnknown,
}

impl<'a> MapState<'a> {
    /// The state of `engine`'s cluster with its map `conns` (computed by
    /// [`connectivity_map`](super::connectivity_map) with the same engine). Its workloads are
    /// those of every namespace: whether an end of a line is a workload of the other state
    /// does not depend on the scope.
    pub fn new(engine: &Engine<'_>, conns: &'a [Connection]) -> MapState<'a> {
        MapState {
            conns,
            workloads: map_workloads(engine),
            unknown: MapUnknown::new(engine),
        }
    }
}

/// How two clusters are compared.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Namespaces in scope (empty: all), for both states.
    pub namespaces: Vec<String>,
    /// Analyse hostNetwork pods like other pods (np-guard netpol-analyzer's view).
    pub host_network_as_pods: bool,
}

/// The whole difference between two states.
#[derive(Debug, Clone, Default)]
pub struct MapDiff {
    /// Every pair connected in either state, unchanged ones included, sorted by source then
    /// destination.
    pub pairs: Vec<ConnDiff>,
    /// Workloads only the new (base) state has.
    pub workloads_added: Vec<String>,
    pub workloads_removed: Vec<String>,
    /// Per state, one line per workload and direction governed by a policy kind netdoctor
    /// does not model (`base: connections into … are unknown: …`): connections other than
    /// the listed ones may exist there.
    pub unknown: Vec<String>,
}

impl MapDiff {
    /// The added, removed and changed pairs.
    pub fn changes(&self) -> impl Iterator<Item = &ConnDiff> {
        self.pairs.iter().filter(|d| d.kind != DiffKind::Unchanged)
    }

    /// Whether a connection or a workload was added, removed or changed.
    pub fn has_changes(&self) -> bool {
        self.changes().next().is_some()
            || !self.workloads_added.is_empty()
            || !self.workloads_removed.is_empty()
    }

    /// Whether a verdict of either state is unknown (a pair, or a governed workload).
    pub fn has_unknown(&self) -> bool {
        !self.unknown.is_empty() || self.pairs.iter().any(|d| d.is_unknown())
    }

    pub fn count(&self, kind: DiffKind) -> usize {
        self.pairs.iter().filter(|d| d.kind == kind).count()
    }
}

/// The difference between two clusters: one connectivity map per state (the same
/// implementation as `policy map`), compared by [`diff_maps`].
pub fn diff_clusters(base: &Cluster, new: &Cluster, options: &DiffOptions) -> MapDiff {
    let engine = |c| {
        let mut e = Engine::new(c);
        e.host_network_as_pods = options.host_network_as_pods;
        e
    };
    let (eb, en) = (engine(base), engine(new));
    let map_options = MapOptions {
        namespaces: options.namespaces.clone(),
        ..MapOptions::default()
    };
    let (mb, mn) = (
        connectivity_map(&eb, &map_options),
        connectivity_map(&en, &map_options),
    );
    let sb = MapState::new(&eb, &mb);
    let sn = MapState::new(&en, &mn);
    let in_scope = |w: &&String| {
        options.namespaces.is_empty()
            || w.split_once('/')
                .is_some_and(|(ns, _)| options.namespaces.iter().any(|x| x == ns))
    };
    let mut unknown = Vec::new();
    for (label, s) in [("base", &sb), ("new", &sn)] {
        unknown.extend(
            s.unknown
                .summary()
                .into_iter()
                .map(|l| format!("{label}: {l}")),
        );
    }
    MapDiff {
        pairs: diff_maps(&sb, &sn),
        workloads_added: sn
            .workloads
            .difference(&sb.workloads)
            .filter(in_scope)
            .cloned()
            .collect(),
        workloads_removed: sb
            .workloads
            .difference(&sn.workloads)
            .filter(in_scope)
            .cloned()
            .collect(),
        unknown,
    }
}

/// The workloads of the pod network, named as the map names them.
pub fn map_workloads(engine: &Engine<'_>) -> BTreeSet<String> {
    engine
        .cluster
        .pods
        .iter()
        .enumerate()
        .filter(|(i, p)| engine.governed(p) && engine.group_of(*i).is_some())
        .map(|(_, p)| crate::model::connlist_name(p))
        .collect()
}

/// An external range's bounds, from its connlist name `a.b.c.d-e.f.g.h[External]`.
fn external_range(name: &str) -> Option<(u32, u32)> {
    let r = name.strip_suffix("[External]")?;
    let (lo, hi) = r.split_once('-')?;
    let lo: std::net::Ipv4Addr = lo.parse().ok()?;
    let hi: std::net::Ipv4Addr = hi.parse().ok()?;
    (u32::from(lo) <= u32::from(hi)).then_some((u32::from(lo), u32::from(hi)))
}

/// A workload end of lines to or from external ranges: (name, namespace, external is dst).
type RangeKey = (String, Option<String>, bool);
/// Per workload end: the ranges of the base (0) and the new (1) state with their connections.
type RangeLines = BTreeMap<RangeKey, [Vec<(u32, u32, ConnSet)>; 2]>;
/// Pairs of workload names: (src, dst) → (src ns, dst ns, base conn, new conn).
type PairLines = BTreeMap<(String, String), PairEntry>;

#[derive(Default)]
struct PairEntry {
    src_namespace: Option<String>,
    dst_namespace: Option<String>,
    conns: [Option<ConnSet>; 2],
}

/// The difference between the base and the new state, every pair with a connection in
/// either state (unchanged ones included), sorted by source then destination.
pub fn diff_maps(base: &MapState<'_>, new: &MapState<'_>) -> Vec<ConnDiff> {
    let mut pairs: PairLines = BTreeMap::new();
    let mut ranges: RangeLines = BTreeMap::new();
    for (state, s) in [base, new].into_iter().enumerate() {
        for c in s.conns {
            let src_ip = external_range(&c.src);
            let dst_ip = external_range(&c.dst);
            match (src_ip, dst_ip) {
                (Some((lo, hi)), None) => {
                    let key = (c.dst.clone(), c.dst_namespace.clone(), false);
                    ranges.entry(key).or_default()[state].push((lo, hi, c.conn.clone()));
                }
                (None, Some((lo, hi))) => {
                    let key = (c.src.clone(), c.src_namespace.clone(), true);
                    ranges.entry(key).or_default()[state].push((lo, hi, c.conn.clone()));
                }
                _ => {
                    let e = pairs.entry((c.src.clone(), c.dst.clone())).or_default();
                    e.src_namespace = c.src_namespace.clone();
                    e.dst_namespace = c.dst_namespace.clone();
                    let slot = &mut e.conns[state];
                    match slot {
                        Some(existing) => existing.union_with(&c.conn),
                        None => *slot = Some(c.conn.clone()),
                    }
                }
            }
        }
    }
    for ((name, ns, ext_is_dst), lines) in ranges {
        for (lo, hi, conns) in range_runs(&lines) {
            let ext = format!(
                "{}-{}[External]",
                std::net::Ipv4Addr::from(lo),
                std::net::Ipv4Addr::from(hi)
            );
            let (key, src_ns, dst_ns) = if ext_is_dst {
                ((name.clone(), ext), ns.clone(), None)
            } else {
                ((ext, name.clone()), None, ns.clone())
            };
            pairs.insert(
                key,
                PairEntry {
                    src_namespace: src_ns,
                    dst_namespace: dst_ns,
                    conns,
                },
            );
        }
    }
    let mut out: Vec<ConnDiff> = pairs
        .into_iter()
        .filter_map(|((src, dst), e)| pair_diff(base, new, src, dst, e))
        .collect();
    out.sort_by(|a, b| {
        (a.src.as_bytes(), a.dst.as_bytes()).cmp(&(b.src.as_bytes(), b.dst.as_bytes()))
    });
    out
}

fn pair_diff(
    base: &MapState<'_>,
    new: &MapState<'_>,
    src: String,
    dst: String,
    e: PairEntry,
) -> Option<ConnDiff> {
    let [b, n] = e.conns;
    let base_side = DiffSide {
        conn: b.filter(|c| !c.is_empty()),
        unknown_reasons: base.unknown.reasons(&src, &dst),
    };
    let new_side = DiffSide {
        conn: n.filter(|c| !c.is_empty()),
        unknown_reasons: new.unknown.reasons(&src, &dst),
    };
    let kind = match (&base_side.conn, &new_side.conn) {
        (None, None) => return None,
        (Some(_), None) => DiffKind::Removed,
        (None, Some(_)) => DiffKind::Added,
        (Some(x), Some(y)) if x != y => DiffKind::Changed,
        // Known in one state and unknown in the other: the verdict changed.
        (Some(_), Some(_)) if base_side.is_unknown() != new_side.is_unknown() => DiffKind::Changed,
        (Some(_), Some(_)) => DiffKind::Unchanged,
    };
    // A workload is added (removed) when the other state has no such workload; external
    // ranges and the ingress controller are never workloads.
    let other = match kind {
        DiffKind::Added => Some(&base.workloads),
        DiffKind::Removed => Some(&new.workloads),
        _ => None,
    };
    let is_workload = |ns: &Option<String>| ns.is_some();
    let src_new_or_removed =
        other.is_some_and(|w| is_workload(&e.src_namespace) && !w.contains(&src));
    let dst_new_or_removed =
        other.is_some_and(|w| is_workload(&e.dst_namespace) && !w.contains(&dst));
    Some(ConnDiff {
        kind,
        src,
        dst,
        src_namespace: e.src_namespace,
        dst_namespace: e.dst_namespace,
        base: base_side,
        new: new_side,
        src_new_or_removed,
        dst_new_or_removed,
    })
}

/// The maximal contiguous ranges over which the base and new connections are the same pair,
/// leaving out addresses neither state connects.
fn range_runs(lines: &[Vec<(u32, u32, ConnSet)>; 2]) -> Vec<(u32, u32, [Option<ConnSet>; 2])> {
    let mut cuts: Vec<u64> = Vec::new();
    for l in lines.iter().flatten() {
        cuts.push(u64::from(l.0));
        cuts.push(u64::from(l.1) + 1);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let covering = |state: usize, ip: u32| -> Option<ConnSet> {
        let mut found: Option<ConnSet> = None;
        for (lo, hi, c) in &lines[state] {
            if *lo <= ip && ip <= *hi {
                match &mut found {
                    Some(f) => f.union_with(c),
                    None => found = Some(c.clone()),
                }
            }
        }
        found.filter(|c| !c.is_empty())
    };
    let mut runs: Vec<(u32, u32, [Option<ConnSet>; 2])> = Vec::new();
    for w in cuts.windows(2) {
        let (lo, hi) = (w[0] as u32, (w[1] - 1) as u32);
        let val = [covering(0, lo), covering(1, lo)];
        if val[0].is_none() && val[1].is_none() {
            continue;
        }
        match runs.last_mut() {
            Some(last) if u64::from(last.1) + 1 == u64::from(lo) && last.2 == val => last.1 = hi,
            _ => runs.push((lo, hi, val)),
        }
    }
    runs
}

/// Whether the diff holds a change (added, removed or changed pairs).
pub fn has_changes(diff: &[ConnDiff]) -> bool {
    diff.iter().any(|d| d.kind != DiffKind::Unchanged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Protocol;

    fn conn(src: &str, dst: &str, c: ConnSet) -> Connection {
        let ns = |n: &str| {
            (!n.ends_with("[External]") && !n.starts_with('{'))
                .then(|| n.split('/').next().unwrap_or_default().to_string())
        };
        Connection {
            src: src.into(),
            dst: dst.into(),
            src_namespace: ns(src),
            dst_namespace: ns(dst),
            conn: c,
        }
    }

    fn state<'a>(conns: &'a [Connection], workloads: &[&str]) -> MapState<'a> {
        MapState {
            conns,
            workloads: workloads.iter().map(|w| w.to_string()).collect(),
            unknown: MapUnknown::default(),
        }
    }

    #[test]
    fn pairs_are_added_removed_changed_or_unchanged() {
        let tcp = |p| ConnSet::single(Protocol::Tcp, p);
        let base = [
            conn("a/x[Pod]", "a/y[Pod]", tcp(80)),
            conn("a/x[Pod]", "a/z[Pod]", tcp(80)),
            conn("a/y[Pod]", "a/x[Pod]", tcp(80)),
        ];
        let new = [
            conn("a/x[Pod]", "a/y[Pod]", tcp(81)),
            conn("a/y[Pod]", "a/x[Pod]", tcp(80)),
            conn("a/w[Pod]", "a/x[Pod]", ConnSet::all()),
        ];
        let d = diff_maps(
            &state(&base, &["a/x[Pod]", "a/y[Pod]", "a/z[Pod]"]),
            &state(&new, &["a/x[Pod]", "a/y[Pod]", "a/w[Pod]"]),
        );
        let kinds: Vec<(&str, &str, DiffKind, String)> = d
            .iter()
            .map(|d| (d.src.as_str(), d.dst.as_str(), d.kind, d.workloads_info()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    "a/w[Pod]",
                    "a/x[Pod]",
                    DiffKind::Added,
                    "workload a/w[Pod] added".into()
                ),
                ("a/x[Pod]", "a/y[Pod]", DiffKind::Changed, String::new()),
                (
                    "a/x[Pod]",
                    "a/z[Pod]",
                    DiffKind::Removed,
                    "workload a/z[Pod] removed".into()
                ),
                ("a/y[Pod]", "a/x[Pod]", DiffKind::Unchanged, String::new()),
            ]
        );
        assert_eq!(d[1].base.conn_str(), "TCP 80");
        assert_eq!(d[1].new.conn_str(), "TCP 81");
        assert_eq!(d[2].new.conn_str(), "No Connections");
    }

    /// Each state partitions the addresses its own way: the diff compares them address by
    /// address and keeps the largest ranges with the same pair of connections.
    #[test]
    fn external_ranges_are_refined_then_merged() {
        let all = ConnSet::all;
        let base = [conn("0.0.0.0-255.255.255.255[External]", "a/x[Pod]", all())];
        let new = [
            conn("0.0.0.0-9.255.255.255[External]", "a/x[Pod]", all()),
            conn(
                "10.0.0.0-10.255.255.255[External]",
                "a/x[Pod]",
                ConnSet::single(Protocol::Tcp, 80),
            ),
            conn("11.0.0.0-255.255.255.255[External]", "a/x[Pod]", all()),
        ];
        let w = ["a/x[Pod]"];
        let d = diff_maps(&state(&base, &w), &state(&new, &w));
        let lines: Vec<(&str, DiffKind)> = d.iter().map(|d| (d.src.as_str(), d.kind)).collect();
        assert_eq!(
            lines,
            vec![
                ("0.0.0.0-9.255.255.255[External]", DiffKind::Unchanged),
                ("10.0.0.0-10.255.255.255[External]", DiffKind::Changed),
                ("11.0.0.0-255.255.255.255[External]", DiffKind::Unchanged),
            ]
        );
        // Split the same way in both states: one unchanged range.
        let d = diff_maps(&state(&new, &w), &state(&new, &w));
        assert_eq!(d.len(), 3);
        assert!(!has_changes(&d));
    }

    #[test]
    fn an_unknown_state_is_never_shown_as_known() {
        let c = [conn("a/x[Pod]", "a/y[Pod]", ConnSet::all())];
        let base = state(&c, &["a/x[Pod]", "a/y[Pod]"]);
        let mut new = state(&c, &["a/x[Pod]", "a/y[Pod]"]);
        new.unknown
            .ingress
            .insert("a/y[Pod]".into(), vec!["CiliumNetworkPolicy a/p".into()]);
        let d = diff_maps(&base, &new);
        assert_eq!(d[0].kind, DiffKind::Changed);
        assert_eq!(d[0].new.conn_str(), "All Connections (unknown)");
        // Removed where the new state is unknown: the absence is unknown too.
        let d = diff_maps(&base, &state(&[], &["a/x[Pod]", "a/y[Pod]"]));
        assert_eq!(d[0].kind, DiffKind::Removed);
        let mut gone = state(&[], &["a/x[Pod]", "a/y[Pod]"]);
        gone.unknown = new.unknown.clone();
        let d = diff_maps(&base, &gone);
        assert_eq!(d[0].new.conn_str(), "No Connections (unknown)");
        assert!(d[0].is_unknown());
    }
}

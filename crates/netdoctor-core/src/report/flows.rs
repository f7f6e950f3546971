//! The flows of the report's graph, compactly: the map's columns re-encoded over the graph's
//! node order, with connection strings instead of sets. The page decodes a workload's flows
//! when it is clicked; nothing here holds one entry per flow.

use crate::sim::netpol::{encode_runs, ColumnTable, CompactMap, MapUnknown, Run};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What `Flows::column_of` points at: runs flattened to `[start, len, conn, …]`.
pub type FlatRuns = Vec<u32>;

/// The flow `s → d` exists with connection `conns[c]` when `columns[column_of[d]]` has a run
/// `[start, len, c]` with `start ≤ s < start + len`, and `s ≠ d` (a node's own entry in its
/// column means nothing: it repeats a neighbour's so it does not split a run). Node indexes
/// are `Graph::nodes` indexes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Flows {
    /// How many flows there are.
    pub total: usize,
    /// `TCP 8080`, `All Connections`, … (connlist form; `(unknown)` appended where a policy
    /// kind netdoctor does not model governs an end).
    pub conns: Vec<String>,
    /// Distinct columns: who reaches a node, as runs over source nodes.
    pub columns: Vec<FlatRuns>,
    /// Per node: its column.
    pub column_of: Vec<u32>,
}

const NONE: u32 = u32::MAX;

fn flat(runs: &[Run]) -> FlatRuns {
    runs.iter().flat_map(|r| [r.start, r.len, r.conn]).collect()
}

fn runs_of(flat: &[u32]) -> impl Iterator<Item = (usize, usize, u32)> + '_ {
    flat.chunks_exact(3)
        .map(|r| (r[0] as usize, (r[0] + r[1]) as usize, r[2]))
}

/// Connection strings by (map connection id, unknown?).
struct Strings<'m> {
    map: &'m CompactMap,
    ids: HashMap<(u32, bool), u32>,
    list: Vec<String>,
}

impl Strings<'_> {
    fn id(&mut self, conn: u32, unknown: bool) -> u32 {
        if let Some(&i) = self.ids.get(&(conn, unknown)) {
            return i;
        }
        let set = self
            .map
            .conns
            .get(conn as usize)
            .cloned()
            .unwrap_or_default();
        let s = if unknown {
            format!("{set} (unknown)")
        } else {
            set.to_string()
        };
        let i = self.list.len() as u32;
        self.list.push(s);
        self.ids.insert((conn, unknown), i);
        i
    }
}

/// Whether each node of `map` has a flow in or out.
pub(super) fn map_nodes_with_flows(map: &CompactMap) -> Vec<bool> {
    let n = map.nodes.len();
    let mut has = vec![false; n];
    // Sources by difference array: +1 where a run starts, −1 past its end (own entries off).
    let mut diff = vec![0i64; n + 1];
    for (d, &c) in map.column_of.iter().enumerate() {
        for r in map.columns.get(c as usize).into_iter().flatten() {
            let (a, b) = (
                (r.start as usize).min(n),
                ((r.start + r.len) as usize).min(n),
            );
            let own = a <= d && d < b;
            if b - a > usize::from(own) {
                has[d] = true;
            }
            diff[a] += 1;
            diff[b] -= 1;
            if own {
                diff[d] -= 1;
                diff[d + 1] += 1;
            }
        }
    }
    let mut acc = 0i64;
    for (s, h) in has.iter_mut().enumerate() {
        acc += diff[s];
        *h |= acc > 0;
    }
    has
}

/// The flows of `map` over the graph's nodes: `graph_of[map node]` is its graph index (None:
/// not drawn, which only nodes without any flow are), `map_of[graph node]` its map node
/// (None: not in the map).
pub(super) fn flows(
    map: &CompactMap,
    graph_of: &[Option<usize>],
    map_of: &[Option<usize>],
    names: &[&str],
    unknown: &MapUnknown,
) -> Flows {
    let n = map_of.len();
    let governed = |m: &std::collections::BTreeMap<String, Vec<String>>, name: &str| {
        m.get(name).is_some_and(|v| !v.is_empty())
    };
    let egress_unknown: Vec<bool> = names.iter().map(|x| governed(&unknown.egress, x)).collect();
    let mut strings = Strings {
        map,
        ids: HashMap::new(),
        list: Vec::new(),
    };
    let mut table = ColumnTable::default();
    // Per map column, its runs over graph nodes: nodes sharing a map column share these
    // (their own entries apart, which the table settles).
    let mut by_map_column: HashMap<u32, Vec<Run>> = HashMap::new();
    let mut dense = vec![NONE; n];
    let mut column_of = Vec::with_capacity(n);
    for g in 0..n {
        let ingress_unknown = governed(&unknown.ingress, names[g]);
        let Some(m) = map_of[g] else {
            column_of.push(table.add(&[], g as u32));
            continue;
        };
        let mc = map.column_of[m];
        if !ingress_unknown {
            if let Some(runs) = by_map_column.get(&mc) {
                column_of.push(table.add(runs, g as u32));
                continue;
            }
        }
        dense.fill(NONE);
        for r in &map.columns[mc as usize] {
            for s in r.start..r.start + r.len {
                if let Some(gs) = graph_of[s as usize] {
                    dense[gs] = strings.id(r.conn, ingress_unknown || egress_unknown[gs]);
                }
            }
        }
        let runs = encode_runs(&dense, NONE);
        column_of.push(table.add(&runs, g as u32));
        if !ingress_unknown {
            by_map_column.insert(mc, runs);
        }
    }
    let mut f = Flows {
        total: 0,
        conns: strings.list,
        columns: table.columns.iter().map(|c| flat(c)).collect(),
        column_of,
    };
    f.total = f.degrees().iter().map(|d| d.0).sum();
    f
}

impl Flows {
    /// Calls `f(src, dst, conn index)` for every flow: by destination, then source (the order
    /// the page's script decodes them in).
    pub fn each(&self, mut f: impl FnMut(usize, usize, u32)) {
        for (d, &c) in self.column_of.iter().enumerate() {
            let Some(col) = self.columns.get(c as usize) else {
                continue;
            };
            for (a, b, conn) in runs_of(col) {
                for s in a..b {
                    if s != d {
                        f(s, d, conn);
                    }
                }
            }
        }
    }

    /// (flows in, flows out) per node, from the runs alone.
    pub fn degrees(&self) -> Vec<(usize, usize)> {
        let n = self.column_of.len();
        let mut deg = vec![(0usize, 0usize); n];
        // Outgoing counts by difference array: +1 where a run starts, −1 past its end.
        let mut diff = vec![0i64; n + 1];
        for (d, &c) in self.column_of.iter().enumerate() {
            let Some(col) = self.columns.get(c as usize) else {
                continue;
            };
            for (a, b, _) in runs_of(col) {
                let (a, b) = (a.min(n), b.min(n));
                let own = usize::from(a <= d && d < b);
                deg[d].0 += b - a - own;
                diff[a] += 1;
                diff[b] -= 1;
                if own == 1 {
                    diff[d] -= 1;
                    diff[d + 1] += 1;
                }
            }
        }
        let mut acc = 0i64;
        for (s, x) in deg.iter_mut().enumerate() {
            acc += diff[s];
            x.1 = acc.max(0) as usize;
        }
        deg
    }

    /// Per (source group, destination group): (flows, flows with all connections).
    pub fn group_pairs(&self, group_of: &[usize]) -> BTreeMap<(usize, usize), (usize, usize)> {
        let all: Vec<bool> = self.conns.iter().map(|c| c == "All Connections").collect();
        // Per column: (flows, all) per source group, counted once and shared by its nodes.
        let mut per_column: HashMap<u32, BTreeMap<usize, (usize, usize)>> = HashMap::new();
        let mut pairs: BTreeMap<(usize, usize), (usize, usize)> = BTreeMap::new();
        for (d, &c) in self.column_of.iter().enumerate() {
            let Some(col) = self.columns.get(c as usize) else {
                continue;
            };
            let Some(&gd) = group_of.get(d) else {
                continue;
            };
            let counts = per_column.entry(c).or_insert_with(|| {
                let mut m: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
                for (a, b, conn) in runs_of(col) {
                    let is_all = all.get(conn as usize).copied().unwrap_or(false);
                    for &gs in group_of.get(a..b.min(group_of.len())).unwrap_or_default() {
                        let e = m.entry(gs).or_default();
                        e.0 += 1;
                        e.1 += usize::from(is_all);
                    }
                }
                m
            });
            for (&gs, &(k, a)) in counts.iter() {
                let e = pairs.entry((gs, gd)).or_default();
                e.0 += k;
                e.1 += a;
            }
            // The node's own entry is not a flow.
            if let Some((_, _, conn)) = runs_of(col).find(|&(a, b, _)| a <= d && d < b) {
                if let Some(e) = pairs.get_mut(&(gd, gd)) {
                    e.0 -= 1;
                    e.1 -= usize::from(all.get(conn as usize).copied().unwrap_or(false));
                }
            }
        }
        pairs.retain(|_, v| v.0 > 0);
        pairs
    }
}

//! The map in compact form: per destination node, the sources that may reach it as runs of
//! consecutive nodes with one connection set, columns shared by the destinations that have
//! identical ones. A cluster where every workload reaches every other is one column of one
//! run, where the list of its lines has millions of entries.

use super::{ConnSet, Connection, EMPTY};
use std::collections::HashMap;

/// `len` consecutive nodes from `start` with one connection set (an id of `CompactMap::conns`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Run {
    pub start: u32,
    pub len: u32,
    pub conn: u32,
}

/// A peer of the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapNode {
    /// `ns/name[Kind]`, `a.b.c.d-e.f.g.h[External]` or `{ingress-controller}`.
    pub name: String,
    /// The namespace of a workload (None for an external range or the ingress controller).
    pub namespace: Option<String>,
}

/// Every allowed connection of the map, compactly. Nodes are in byte order of their names
/// (the order of the connlist lines). The flow `s → d` exists with connection set `c` when
/// the column of `d` has a run covering `s` with `c`, and `s ≠ d`: a node's own entry in its
/// column means nothing (it holds its neighbour's value, so that columns differing only
/// there are shared). Runs never carry the empty set.
#[derive(Debug, Clone, Default)]
pub struct CompactMap {
    pub nodes: Vec<MapNode>,
    /// Connection sets by id; runs refer to them (some ids are unused intermediate sets).
    pub conns: Vec<ConnSet>,
    /// Distinct columns: runs over source node indexes, ascending and disjoint.
    pub columns: Vec<Vec<Run>>,
    /// Per node: the index of its column in `columns`.
    pub column_of: Vec<u32>,
}

/// The value at `i` of runs (ascending, disjoint), if a run covers it.
pub fn value_at(runs: &[Run], i: u32) -> Option<u32> {
    let k = runs.partition_point(|r| r.start + r.len <= i);
    runs.get(k).filter(|r| r.start <= i).map(|r| r.conn)
}

/// Runs of equal values, leaving out `none`.
pub fn encode_runs(values: &[u32], none: u32) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        if v == none {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.conn == v && (r.start + r.len) as usize == i => r.len += 1,
            _ => runs.push(Run {
                start: i as u32,
                len: 1,
                conn: v,
            }),
        }
    }
    runs
}

/// `runs` with entry `d` set to `v` (None: uncovered), runs merged again.
pub fn with_entry(runs: &[Run], d: u32, v: Option<u32>) -> Vec<Run> {
    let mut pieces: Vec<Run> = Vec::with_capacity(runs.len() + 2);
    let mut put = |r: Run| {
        if r.len == 0 {
            return;
        }
        match pieces.last_mut() {
            Some(l) if l.conn == r.conn && l.start + l.len == r.start => l.len += r.len,
            _ => pieces.push(r),
        }
    };
    let own = v.map(|conn| Run {
        start: d,
        len: 1,
        conn,
    });
    let mut placed = false;
    for &r in runs {
        let end = r.start + r.len;
        if end <= d {
            put(r);
            continue;
        }
        if r.start <= d {
            put(Run {
                len: d - r.start,
                ..r
            });
        }
        if !placed {
            own.into_iter().for_each(&mut put);
            placed = true;
        }
        if r.start <= d {
            put(Run {
                start: d + 1,
                len: end - d - 1,
                conn: r.conn,
            });
        } else {
            put(r);
        }
    }
    if !placed {
        own.into_iter().for_each(&mut put);
    }
    pieces
}

/// Distinct columns, shared by nodes whose columns differ only in their own entries (which
/// mean nothing): a node's own entry is set to what makes its column one already met, or
/// else to what leaves the fewest runs.
#[derive(Debug, Default)]
pub struct ColumnTable {
    pub columns: Vec<Vec<Run>>,
    index: HashMap<Vec<Run>, u32>,
    /// The column of the node added last: neighbours tend to share columns.
    last: Option<u32>,
}

impl ColumnTable {
    /// The id of the column of node `d`, given its runs (whatever they hold at `d`).
    pub fn add(&mut self, runs: &[Run], d: u32) -> u32 {
        let mut candidates = Vec::with_capacity(4);
        if let Some(l) = self.last {
            candidates.push(value_at(&self.columns[l as usize], d));
        }
        if d > 0 {
            candidates.push(value_at(runs, d - 1));
        }
        candidates.push(value_at(runs, d + 1));
        candidates.push(None);
        let mut best: Option<Vec<Run>> = None;
        for v in candidates {
            let r = with_entry(runs, d, v);
            if let Some(&id) = self.index.get(&r) {
                self.last = Some(id);
                return id;
            }
            if best.as_ref().is_none_or(|b| r.len() < b.len()) {
                best = Some(r);
            }
        }
        let r = best.unwrap_or_default();
        let id = self.columns.len() as u32;
        self.index.insert(r.clone(), id);
        self.columns.push(r);
        self.last = Some(id);
        id
    }
}

/// Collects the columns one destination at a time, sharing identical ones.
pub(super) struct Columns {
    /// The column being built, dense over the nodes.
    pub(super) col: Vec<u32>,
    table: ColumnTable,
    column_of: Vec<u32>,
}

impl Columns {
    pub(super) fn new(n: usize) -> Columns {
        Columns {
            col: vec![EMPTY; n],
            table: ColumnTable::default(),
            column_of: Vec::with_capacity(n),
        }
    }

    /// Ends the column of node `d` (the next node in order) and starts the next one.
    pub(super) fn finish(&mut self, d: usize) {
        debug_assert_eq!(self.column_of.len(), d);
        let runs = encode_runs(&self.col, EMPTY);
        self.column_of.push(self.table.add(&runs, d as u32));
        self.col.fill(EMPTY);
    }

    pub(super) fn into_map(self, nodes: Vec<MapNode>, conns: Vec<ConnSet>) -> CompactMap {
        CompactMap {
            nodes,
            conns,
            columns: self.table.columns,
            column_of: self.column_of,
        }
    }
}

impl CompactMap {
    /// Calls `f(src, dst, conn id)` for every flow: by destination, then source.
    pub fn each_flow(&self, mut f: impl FnMut(usize, usize, u32)) {
        for (d, &c) in self.column_of.iter().enumerate() {
            for r in &self.columns[c as usize] {
                for s in r.start as usize..(r.start + r.len) as usize {
                    if s != d {
                        f(s, d, r.conn);
                    }
                }
            }
        }
    }

    /// The lines of the map, sorted by source then destination name.
    pub fn connections(&self) -> Vec<Connection> {
        let n = self.nodes.len();
        // Counted per source, then placed: source order without sorting millions of lines
        // (destinations come in order already).
        let mut first = vec![0usize; n + 1];
        self.each_flow(|s, _, _| first[s + 1] += 1);
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut slots = vec![(0u32, 0u32); first[n]];
        let mut next = first.clone();
        self.each_flow(|s, d, c| {
            slots[next[s]] = (d as u32, c);
            next[s] += 1;
        });
        let mut out = Vec::with_capacity(slots.len());
        for (s, node) in self.nodes.iter().enumerate() {
            for &(d, c) in &slots[first[s]..first[s + 1]] {
                let dst = &self.nodes[d as usize];
                out.push(Connection {
                    src: node.name.clone(),
                    dst: dst.name.clone(),
                    src_namespace: node.namespace.clone(),
                    dst_namespace: dst.namespace.clone(),
                    conn: self.conns[c as usize].clone(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_round_trip_and_own_entries_do_not_split_columns() {
        let v = vec![EMPTY, 1, 1, 2, 2, EMPTY, 3];
        let runs = encode_runs(&v, EMPTY);
        assert_eq!(runs.len(), 3);
        for (i, &x) in v.iter().enumerate() {
            let want = Some(x).filter(|&x| x != EMPTY);
            assert_eq!(value_at(&runs, i as u32), want, "{i}");
        }
        assert_eq!(value_at(&[], 0), None);
        // Setting an entry and setting it back gives the same runs.
        for d in 0..v.len() as u32 {
            for x in [None, Some(1), Some(2), Some(3)] {
                let changed = with_entry(&runs, d, x);
                let mut dense = v.clone();
                dense[d as usize] = x.unwrap_or(EMPTY);
                assert_eq!(changed, encode_runs(&dense, EMPTY), "{d} {x:?}");
                assert_eq!(with_entry(&changed, d, value_at(&runs, d)), runs);
            }
        }
        // Everyone reaching everyone else: one column, one run, whatever the own entries.
        let mut t = ColumnTable::default();
        for d in 0..5usize {
            let mut all = vec![1u32; 5];
            all[d] = EMPTY;
            assert_eq!(t.add(&encode_runs(&all, EMPTY), d as u32), 0);
        }
        assert_eq!(
            t.columns,
            vec![vec![Run {
                start: 0,
                len: 5,
                conn: 1
            }]]
        );
        // Whatever the table picks, a column is the node's own apart from its own entry.
        let mut t = ColumnTable::default();
        let sources: [&[usize]; 4] = [&[1, 2], &[0, 2], &[0], &[0, 2]];
        for (d, xs) in sources.iter().enumerate() {
            let mut c = vec![EMPTY; 4];
            xs.iter().for_each(|&x| c[x] = 1);
            let id = t.add(&encode_runs(&c, EMPTY), d as u32);
            for x in (0..4u32).filter(|&x| x as usize != d) {
                let want = Some(1).filter(|_| xs.contains(&(x as usize)));
                assert_eq!(value_at(&t.columns[id as usize], x), want, "{d} {x}");
            }
        }
        assert!(t.columns.len() < 4, "{:?}", t.columns);
    }
}

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

/// Gives entry `i` (a node's own, which means nothing) its left neighbour's value (the right
/// one's for the first node), so it never splits a run.
pub fn fill_own_entry(values: &mut [u32], i: usize) {
    if values.len() > 1 && i < values.len() {
        values[i] = if i > 0 { values[i - 1] } else { values[1] };
    }
}

/// Collects the columns one destination at a time, sharing identical ones.
pub(super) struct Columns {
    /// The column being built, dense over the nodes.
    pub(super) col: Vec<u32>,
    columns: Vec<Vec<Run>>,
    index: HashMap<Vec<Run>, u32>,
    column_of: Vec<u32>,
}

impl Columns {
    pub(super) fn new(n: usize) -> Columns {
        Columns {
            col: vec![EMPTY; n],
            columns: Vec::new(),
            index: HashMap::new(),
            column_of: Vec::with_capacity(n),
        }
    }

    /// Ends the column of node `d` (the next node in order) and starts the next one.
    pub(super) fn finish(&mut self, d: usize) {
        debug_assert_eq!(self.column_of.len(), d);
        fill_own_entry(&mut self.col, d);
        let runs = encode_runs(&self.col, EMPTY);
        let id = match self.index.get(&runs) {
            Some(&id) => id,
            None => {
                let id = self.columns.len() as u32;
                self.index.insert(runs.clone(), id);
                self.columns.push(runs);
                id
            }
        };
        self.column_of.push(id);
        self.col.fill(EMPTY);
    }

    pub(super) fn into_map(self, nodes: Vec<MapNode>, conns: Vec<ConnSet>) -> CompactMap {
        CompactMap {
            nodes,
            conns,
            columns: self.columns,
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
    fn runs_round_trip_and_own_entries_do_not_split_them() {
        let mut v = vec![EMPTY, 1, 1, 2, 2, EMPTY, 3];
        let runs = encode_runs(&v, EMPTY);
        assert_eq!(runs.len(), 3);
        for (i, &x) in v.iter().enumerate() {
            let want = Some(x).filter(|&x| x != EMPTY);
            assert_eq!(value_at(&runs, i as u32), want, "{i}");
        }
        let mut all = vec![1u32; 5];
        all[2] = EMPTY;
        fill_own_entry(&mut all, 2);
        assert_eq!(encode_runs(&all, EMPTY).len(), 1);
        fill_own_entry(&mut v, 0);
        assert_eq!(v[0], 1);
        assert_eq!(value_at(&[], 0), None);
    }
}

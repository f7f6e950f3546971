//! The map of every allowed connection between workloads and external ranges, in the
//! connlist format (np-guard netpol-analyzer's `list`).

mod compact;
mod ingress_controller;
mod tier;

pub use compact::{encode_runs, value_at, with_entry, ColumnTable, CompactMap, MapNode, Run};

use super::ranges::covered_ranges;
use super::{ip_in_block, rule_conns, ConnSet, Direction, Engine};
use crate::model::{connlist_name, Peer, Pod};
use compact::Columns;
use ingress_controller::ingress_controller_conns;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use tier::Target;

/// One line of the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `ns/name[Kind]` or `a.b.c.d-e.f.g.h[External]`.
    pub src: String,
    pub dst: String,
    /// The namespace of the src / dst workload (None for an external range).
    pub src_namespace: Option<String>,
    pub dst_namespace: Option<String>,
    pub conn: ConnSet,
}

#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    /// Keep only lines whose src or dst workload is in one of these namespaces (empty: all).
    pub namespaces: Vec<String>,
    /// Leave out the `{ingress-controller}` lines derived from Ingress objects.
    pub no_ingress_controller: bool,
}

/// The source name of connections derived from Ingress objects.
pub const INGRESS_CONTROLLER: &str = "{ingress-controller}";

/// A workload node of the map: pods with one owner name and one label group.
struct Unit {
    name: String,
    namespace: String,
    group: usize,
    /// A representative pod (named ports resolve against it).
    pod: usize,
}

/// An IPv4 range `lo..=hi` of the partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub lo: u32,
    pub hi: u32,
}

impl Range {
    pub fn name(&self) -> String {
        format!(
            "{}-{}[External]",
            Ipv4Addr::from(self.lo),
            Ipv4Addr::from(self.hi)
        )
    }
}

fn v4_bounds(n: &ipnet::IpNet) -> Option<(u64, u64)> {
    match n {
        ipnet::IpNet::V4(n) => Some((
            u64::from(u32::from(n.network())),
            u64::from(u32::from(n.broadcast())),
        )),
        ipnet::IpNet::V6(_) => None,
    }
}

/// The IPv4 intervals an ipBlock covers: the CIDR minus its excepts, merged.
pub(super) fn block_intervals(cidr: &ipnet::IpNet, except: &[ipnet::IpNet]) -> Vec<(u64, u64)> {
    let Some((lo, hi)) = v4_bounds(cidr) else {
        return Vec::new();
    };
    let mut ex: Vec<(u64, u64)> = except.iter().filter_map(v4_bounds).collect();
    ex.sort_unstable();
    let mut out = Vec::new();
    let mut cur = lo;
    for (elo, ehi) in ex {
        if elo > cur {
            out.push((cur, elo - 1));
        }
        cur = cur.max(ehi + 1);
    }
    if cur <= hi {
        out.push((cur, hi));
    }
    out
}

/// The partition of 0.0.0.0/0 by every IPv4 ipBlock CIDR and except of `dir`'s rules.
pub fn external_partition(engine: &Engine<'_>, dir: Direction) -> Vec<Range> {
    let mut cuts: Vec<u64> = vec![0, 1 << 32];
    for p in &engine.cluster.policies {
        let rules = match dir {
            Direction::Ingress => &p.ingress,
            Direction::Egress => &p.egress,
        };
        for r in rules {
            for peer in &r.peers {
                if let Peer::IpBlock { cidr, except } = peer {
                    for (lo, hi) in block_intervals(cidr, except) {
                        cuts.push(lo);
                        cuts.push(hi + 1);
                    }
                }
            }
        }
    }
    for (lo, hi) in tier::partition_cuts(engine, dir) {
        cuts.push(lo);
        cuts.push(hi + 1);
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| Range {
            lo: w[0] as u32,
            hi: (w[1] - 1) as u32,
        })
        .collect()
}

/// A hasher for small integer keys (unit indexes): the identity, mixed once.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = n as u64;
    }
}

type IdMap<V> = HashMap<usize, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Interned connection sets with memoized union and intersection: a map of a cluster uses a
/// handful of distinct sets, so rows and pairs carry ids and every set operation is a lookup.
struct ConnTable {
    sets: Vec<ConnSet>,
    ids: HashMap<ConnSet, u32>,
    unions: HashMap<(u32, u32), u32, std::hash::BuildHasherDefault<IdHasher>>,
    inters: HashMap<(u32, u32), u32, std::hash::BuildHasherDefault<IdHasher>>,
}

const EMPTY: u32 = 0;
const ALL: u32 = 1;

impl ConnTable {
    fn new() -> ConnTable {
        let mut t = ConnTable {
            sets: Vec::new(),
            ids: HashMap::new(),
            unions: Default::default(),
            inters: Default::default(),
        };
        t.intern(ConnSet::empty());
        t.intern(ConnSet::all());
        t
    }

    fn intern(&mut self, c: ConnSet) -> u32 {
        if let Some(&i) = self.ids.get(&c) {
            return i;
        }
        let i = self.sets.len() as u32;
        self.sets.push(c.clone());
        self.ids.insert(c, i);
        i
    }

    fn union(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == EMPTY || a == ALL {
            return a;
        }
        if a == EMPTY || b == ALL {
            return b;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.unions.get(&key) {
            return r;
        }
        let mut c = self.sets[a as usize].clone();
        c.union_with(&self.sets[b as usize]);
        let r = self.intern(c);
        self.unions.insert(key, r);
        r
    }

    fn intersect(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == ALL {
            return a;
        }
        if a == ALL {
            return b;
        }
        if a == EMPTY || b == EMPTY {
            return EMPTY;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.inters.get(&key) {
            return r;
        }
        let c = self.sets[a as usize].intersect(&self.sets[b as usize]);
        let r = self.intern(c);
        self.inters.insert(key, r);
        r
    }
}

/// What one side of a unit allows: `any` for every peer, per unit, per external range
/// (ids into the `ConnTable`).
#[derive(Default)]
struct Row {
    any: u32,
    units: IdMap<u32>,
    ext: Vec<u32>,
}

/// A dense per-unit accumulator, reset through the list of touched entries.
struct Dense {
    vals: Vec<u32>,
    touched: Vec<usize>,
}

impl Dense {
    fn new(n: usize) -> Dense {
        Dense {
            vals: vec![EMPTY; n],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, t: &mut ConnTable, v: usize, c: u32) {
        if c == EMPTY {
            return;
        }
        let Some(slot) = self.vals.get_mut(v) else {
            return;
        };
        if *slot == EMPTY {
            self.touched.push(v);
        }
        *slot = t.union(*slot, c);
    }

    fn clear(&mut self) {
        for &v in &self.touched {
            self.vals[v] = EMPTY;
        }
        self.touched.clear();
    }
}

impl Row {
    fn to_unit(&self, t: &mut ConnTable, v: usize) -> u32 {
        match self.units.get(&v) {
            None => self.any,
            Some(&x) => t.union(self.any, x),
        }
    }

    fn to_ext(&self, t: &mut ConnTable, r: usize) -> u32 {
        t.union(self.any, self.ext.get(r).copied().unwrap_or(EMPTY))
    }
}

/// (policy, ingress?, rule, peer) → the units the peer matches.
type PeerCache = HashMap<(usize, bool, usize, usize), std::rc::Rc<Vec<usize>>>;

struct Ctx<'e, 'a> {
    engine: &'e Engine<'a>,
    units: Vec<Unit>,
    units_of_group: HashMap<usize, Vec<usize>>,
    /// Per namespace: its groups.
    groups_by_ns: HashMap<String, Vec<usize>>,
    /// Units matched by (policy, direction, rule, peer), computed once.
    peer_cache: std::cell::RefCell<PeerCache>,
    /// Per-rule caches of the admin and baseline tiers.
    tier_caches: std::cell::RefCell<tier::MapTiers>,
    /// External ranges an ipBlock peer covers, by (policy, direction, rule, peer).
    range_cache: std::cell::RefCell<PeerCache>,
}

impl Ctx<'_, '_> {
    fn pod(&self, u: usize) -> &Pod {
        &self.engine.cluster.pods[self.units[u].pod]
    }

    /// Units a peer of a policy in `policy_ns` matches.
    fn peer_units(&self, policy_ns: &str, peer: &Peer) -> Vec<usize> {
        let c = self.engine.cluster;
        match peer {
            Peer::Pods { namespaces, pods } => {
                let nss: Vec<&str> = match namespaces {
                    None => vec![policy_ns],
                    Some(sel) => c
                        .namespaces
                        .iter()
                        .filter(|n| sel.matches(&n.labels))
                        .map(|n| n.name.as_str())
                        .collect(),
                };
                let mut out = Vec::new();
                for ns in nss {
                    match pods {
                        Some(sel) => {
                            for g in self.engine.groups_matching(ns, sel) {
                                out.extend(
                                    self.units_of_group.get(&g).into_iter().flatten().copied(),
                                );
                            }
                        }
                        None => {
                            for &g in self.groups_by_ns.get(ns).into_iter().flatten() {
                                out.extend(
                                    self.units_of_group.get(&g).into_iter().flatten().copied(),
                                );
                            }
                        }
                    }
                }
                out
            }
            Peer::IpBlock { cidr, except } => {
                if !self.engine.ipblock_matches_pods {
                    return Vec::new();
                }
                (0..self.units.len())
                    .filter(|&u| {
                        self.pod(u)
                            .ips
                            .iter()
                            .any(|ip| ip_in_block(*ip, cidr, except))
                    })
                    .collect()
            }
        }
    }

    /// The row of unit `u` in `dir` (None: not isolated, everything allowed).
    /// Fills `dense` with what unit `u` allows per unit in `dir` (beyond `any`); returns
    /// `(any, per external range)`, or None when `u` is not isolated in `dir`.
    fn row(
        &self,
        t: &mut ConnTable,
        u: usize,
        dir: Direction,
        ranges: &[Range],
        dense: &mut Dense,
    ) -> Option<(u32, Vec<u32>)> {
        let c = self.engine.cluster;
        let pols = self.engine.policies_of_group(self.units[u].group, dir);
        if pols.is_empty() {
            return None;
        }
        let mut row = Row {
            any: EMPTY,
            units: IdMap::default(),
            ext: vec![EMPTY; ranges.len()],
        };
        let me = self.pod(u);
        debug_assert!(dense.touched.is_empty());
        for &pi in pols {
            let p = &c.policies[pi];
            let rules = match dir {
                Direction::Ingress => &p.ingress,
                Direction::Egress => &p.egress,
            };
            for (ri, rule) in rules.iter().enumerate() {
                let has_named = rule
                    .ports
                    .iter()
                    .any(|pp| matches!(pp.port, Some(crate::model::PortRef::Name(_))));
                // Ingress: ports resolve against the selected pod; egress: against the peer.
                let fixed = match dir {
                    Direction::Ingress => Some(t.intern(rule_conns(rule, Some(me)))),
                    Direction::Egress if !has_named => Some(t.intern(rule_conns(rule, None))),
                    Direction::Egress => None,
                };
                let ext_conns = match fixed {
                    Some(f) => f,
                    None => t.intern(rule_conns(rule, None)),
                };
                if rule.peers.is_empty() {
                    match fixed {
                        Some(f) => row.any = t.union(row.any, f),
                        None => {
                            for v in 0..self.units.len() {
                                let cs = t.intern(rule_conns(rule, Some(self.pod(v))));
                                dense.add(t, v, cs);
                            }
                            for e in row.ext.iter_mut() {
                                *e = t.union(*e, ext_conns);
                            }
                        }
                    }
                    continue;
                }
                for (k, peer) in rule.peers.iter().enumerate() {
                    let key = (pi, dir == Direction::Ingress, ri, k);
                    let cached = self.peer_cache.borrow().get(&key).cloned();
                    let matched = match cached {
                        Some(m) => m,
                        None => {
                            let m = std::rc::Rc::new(self.peer_units(&p.namespace, peer));
                            self.peer_cache.borrow_mut().insert(key, m.clone());
                            m
                        }
                    };
                    for &v in matched.iter() {
                        let cs = match fixed {
                            Some(f) => f,
                            None => t.intern(rule_conns(rule, Some(self.pod(v)))),
                        };
                        dense.add(t, v, cs);
                    }
                    if let Peer::IpBlock { cidr, except } = peer {
                        if ext_conns == EMPTY {
                            continue;
                        }
                        let covered = self.range_cache.borrow().get(&key).cloned();
                        let covered = covered.unwrap_or_else(|| {
                            let c = std::rc::Rc::new(covered_ranges(ranges, cidr, except));
                            self.range_cache.borrow_mut().insert(key, c.clone());
                            c
                        });
                        for &ri in covered.iter() {
                            row.ext[ri] = t.union(row.ext[ri], ext_conns);
                        }
                    }
                }
            }
        }
        Some((row.any, row.ext))
    }
}

/// Every allowed connection between workloads (pods grouped by owner, as `Pod::group` names
/// them) and external IPv4 ranges, sorted by src then dst; self pairs and empty connections
/// are left out. hostNetwork pods are not workloads of the pod network and are left out.
pub fn connectivity_map(engine: &Engine<'_>, options: &MapOptions) -> Vec<Connection> {
    compact_map(engine, options).connections()
}

/// The map of `connectivity_map` in compact form (its lines are `CompactMap::connections`):
/// built one destination at a time, without one entry per line.
pub fn compact_map(engine: &Engine<'_>, options: &MapOptions) -> CompactMap {
    let (ctx, unit_of_pod) = units_of_pod_network(engine);
    let in_ranges = external_partition(engine, Direction::Ingress);
    let out_ranges = external_partition(engine, Direction::Egress);
    // Interned names; a node's index is its name's rank in byte order (the lines' order).
    let mut names = Names::default();
    let unit: Vec<u32> = ctx
        .units
        .iter()
        .map(|u| names.id(&u.name, Some(&u.namespace)))
        .collect();
    let in_range: Vec<u32> = in_ranges
        .iter()
        .map(|r| names.id(&r.name(), None))
        .collect();
    let out_range: Vec<u32> = out_ranges
        .iter()
        .map(|r| names.id(&r.name(), None))
        .collect();
    let ic = names.id(INGRESS_CONTROLLER, None);
    let rank = names.ranks();
    let node = |ids: Vec<u32>| -> Vec<u32> { ids.into_iter().map(|i| rank[i as usize]).collect() };
    let ids = LineIds {
        unit: node(unit),
        in_range: node(in_range),
        out_range: node(out_range),
    };
    let n = names.names.len();
    let mut t = ConnTable::new();
    let mut dense = Dense::new(ctx.units.len());
    let e_rows = egress_rows(&ctx, &mut t, &out_ranges, &mut dense);
    let in_scope = |u: usize| {
        options.namespaces.is_empty() || options.namespaces.contains(&ctx.units[u].namespace)
    };
    // What arrives at each node: from its units' ingress rows, at an external range from
    // every unit's egress row, and from the ingress controller.
    let mut units_of_node: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (u, &nd) in ids.unit.iter().enumerate() {
        units_of_node[nd as usize].push(u);
    }
    let mut ranges_of_node: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (ri, &nd) in ids.out_range.iter().enumerate() {
        ranges_of_node[nd as usize].push(ri);
    }
    let mut from_ic: Vec<Vec<u32>> = vec![Vec::new(); n];
    if !options.no_ingress_controller {
        for (d, conn) in ingress_controller_conns(&ctx, &unit_of_pod) {
            if in_scope(d) {
                from_ic[ids.unit[d] as usize].push(t.intern(conn));
            }
        }
    }
    let mut cols = Columns::new(n);
    for nd in 0..n {
        for &d in &units_of_node[nd] {
            ingress_column(
                &ctx,
                &mut t,
                d,
                &in_ranges,
                &e_rows,
                &ids,
                &in_scope,
                &mut dense,
                &mut cols.col,
            );
        }
        for &ri in &ranges_of_node[nd] {
            egress_range_column(
                &ctx,
                &mut t,
                (&e_rows, &out_ranges, ri),
                &ids,
                &in_scope,
                &mut cols.col,
            );
        }
        let ic_node = rank[ic as usize] as usize;
        for &c in &from_ic[nd] {
            cols.col[ic_node] = t.union(cols.col[ic_node], c);
        }
        cols.finish(nd);
    }
    let mut nodes = vec![
        MapNode {
            name: String::new(),
            namespace: None
        };
        n
    ];
    for (i, (name, ns)) in names.names.into_iter().zip(names.namespaces).enumerate() {
        nodes[rank[i] as usize] = MapNode {
            name,
            namespace: ns,
        };
    }
    cols.into_map(nodes, t.sets)
}

/// The workloads of the pod network as units (one per workload name and label group), with
/// the unit of each pod.
fn units_of_pod_network<'e, 'a>(engine: &'e Engine<'a>) -> (Ctx<'e, 'a>, HashMap<usize, usize>) {
    let c = engine.cluster;
    let mut units: Vec<Unit> = Vec::new();
    let mut seen: HashMap<(String, usize), usize> = HashMap::new();
    let mut unit_of_pod: HashMap<usize, usize> = HashMap::new();
    for (i, p) in c.pods.iter().enumerate() {
        if !engine.governed(p) {
            continue;
        }
        let Some(g) = engine.group_of(i) else {
            continue;
        };
        let name = connlist_name(p);
        if let Some(&u) = seen.get(&(name.clone(), g)) {
            unit_of_pod.insert(i, u);
            continue;
        }
        unit_of_pod.insert(i, units.len());
        seen.insert((name.clone(), g), units.len());
        units.push(Unit {
            name,
            namespace: p.namespace.clone(),
            group: g,
            pod: i,
        });
    }
    let mut units_of_group: HashMap<usize, Vec<usize>> = HashMap::new();
    for (u, unit) in units.iter().enumerate() {
        units_of_group.entry(unit.group).or_default().push(u);
    }
    let mut groups_by_ns: HashMap<String, Vec<usize>> = HashMap::new();
    for g in units_of_group.keys() {
        groups_by_ns
            .entry(c.label_groups()[*g].namespace.clone())
            .or_default()
            .push(*g);
    }
    for v in groups_by_ns.values_mut() {
        v.sort_unstable();
    }
    let ctx = Ctx {
        engine,
        units,
        units_of_group,
        groups_by_ns,
        peer_cache: Default::default(),
        tier_caches: Default::default(),
        range_cache: Default::default(),
    };
    (ctx, unit_of_pod)
}

/// Node indexes of the units and of the external ranges of each direction.
struct LineIds {
    unit: Vec<u32>,
    in_range: Vec<u32>,
    out_range: Vec<u32>,
}

/// Egress rows are sparse (few units are egress-isolated): one per unit, None when open.
fn egress_rows(
    ctx: &Ctx<'_, '_>,
    t: &mut ConnTable,
    out_ranges: &[Range],
    dense: &mut Dense,
) -> Vec<Option<Row>> {
    (0..ctx.units.len())
        .map(|u| {
            let r = ctx.row(t, u, Direction::Egress, out_ranges, dense);
            let row = r.map(|(any, ext)| Row {
                any,
                units: dense.touched.iter().map(|&v| (v, dense.vals[v])).collect(),
                ext,
            });
            dense.clear();
            row
        })
        .collect()
}

/// Adds to `col` (by source node) what reaches unit `d` from units and external ranges; the
/// ingress row of `d` is built densely, once.
#[allow(clippy::too_many_arguments)]
fn ingress_column(
    ctx: &Ctx<'_, '_>,
    t: &mut ConnTable,
    d: usize,
    in_ranges: &[Range],
    e_rows: &[Option<Row>],
    ids: &LineIds,
    in_scope: &impl Fn(usize) -> bool,
    dense: &mut Dense,
    col: &mut [u32],
) {
    let ing = ctx.row(t, d, Direction::Ingress, in_ranges, dense);
    let d_node = ids.unit[d];
    let d_in = in_scope(d);
    for (s, e_row) in e_rows.iter().enumerate() {
        let s_node = ids.unit[s];
        if s_node == d_node || !(d_in || in_scope(s)) {
            continue;
        }
        let e = match e_row {
            None => ALL,
            Some(r) => r.to_unit(t, d),
        };
        let e = ctx.tiered(
            t,
            s,
            Direction::Egress,
            Target::Unit(d),
            e_row.as_ref().map(|_| e),
        );
        if e == EMPTY {
            continue;
        }
        let i = match &ing {
            None => ALL,
            Some((any, _)) => t.union(*any, dense.vals[s]),
        };
        let i = ctx.tiered(
            t,
            d,
            Direction::Ingress,
            Target::Unit(s),
            ing.as_ref().map(|_| i),
        );
        let conn = t.intersect(e, i);
        if conn != EMPTY {
            let slot = &mut col[s_node as usize];
            *slot = t.union(*slot, conn);
        }
    }
    dense.clear();
    if d_in {
        for (ri, &r_node) in ids.in_range.iter().enumerate() {
            let conn = match &ing {
                None => ALL,
                Some((any, ext)) => t.union(*any, ext.get(ri).copied().unwrap_or(EMPTY)),
            };
            let target = Target::Range(in_ranges[ri]);
            let conn = ctx.tiered(t, d, Direction::Ingress, target, ing.as_ref().map(|_| conn));
            let slot = &mut col[r_node as usize];
            *slot = t.union(*slot, conn);
        }
    }
}

/// Adds to `col` (by source node) what reaches the external range `out_ranges[ri]`.
fn egress_range_column(
    ctx: &Ctx<'_, '_>,
    t: &mut ConnTable,
    (e_rows, out_ranges, ri): (&[Option<Row>], &[Range], usize),
    ids: &LineIds,
    in_scope: &impl Fn(usize) -> bool,
    col: &mut [u32],
) {
    for (s, e_row) in e_rows.iter().enumerate() {
        if !in_scope(s) {
            continue;
        }
        let conn = match e_row {
            None => ALL,
            Some(row) => row.to_ext(t, ri),
        };
        let target = Target::Range(out_ranges[ri]);
        let conn = ctx.tiered(
            t,
            s,
            Direction::Egress,
            target,
            e_row.as_ref().map(|_| conn),
        );
        let slot = &mut col[ids.unit[s] as usize];
        *slot = t.union(*slot, conn);
    }
}

/// Interned peer names with their namespaces.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    namespaces: Vec<Option<String>>,
    ids: HashMap<String, u32>,
}

impl Names {
    fn id(&mut self, name: &str, ns: Option<&str>) -> u32 {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.namespaces.push(ns.map(str::to_string));
        self.ids.insert(name.to_string(), i);
        i
    }

    /// The rank of each id in byte order of the names.
    fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|a, b| {
            self.names[*a as usize]
                .as_bytes()
                .cmp(self.names[*b as usize].as_bytes())
        });
        let mut rank = vec![0u32; self.names.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        rank
    }
}

/// The connlist txt form: `src => dst : conn`, one per line.
pub fn format_txt(conns: &[Connection]) -> String {
    let mut s = String::new();
    for c in conns {
        s.push_str(&format!("{} => {} : {}\n", c.src, c.dst, c.conn));
    }
    s
}

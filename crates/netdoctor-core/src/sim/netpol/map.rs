//! The map of every allowed connection between workloads and external ranges, in the
//! connlist format (np-guard netpol-analyzer's `list`).

use super::{ip_in_block, rule_conns, ConnSet, Direction, Engine};
use crate::model::{Peer, Pod};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

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
fn block_intervals(cidr: &ipnet::IpNet, except: &[ipnet::IpNet]) -> Vec<(u64, u64)> {
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
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| Range {
            lo: w[0] as u32,
            hi: (w[1] - 1) as u32,
        })
        .collect()
}

/// What one side of a unit allows: `any` for every peer, per unit, per external range.
#[derive(Default)]
struct Row {
    any: ConnSet,
    units: HashMap<usize, ConnSet>,
    ext: Vec<ConnSet>,
}

struct Ctx<'e, 'a> {
    engine: &'e Engine<'a>,
    units: Vec<Unit>,
    units_of_group: HashMap<usize, Vec<usize>>,
    /// Per namespace: its groups.
    groups_by_ns: HashMap<String, Vec<usize>>,
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
                    for &g in self.groups_by_ns.get(ns).into_iter().flatten() {
                        let labels = &c.label_groups()[g].labels;
                        if pods.as_ref().is_none_or(|s| s.matches(labels)) {
                            out.extend(self.units_of_group.get(&g).into_iter().flatten().copied());
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
    fn row(&self, u: usize, dir: Direction, ranges: &[Range]) -> Option<Row> {
        let c = self.engine.cluster;
        let pols = self.engine.policies_of_group(self.units[u].group, dir);
        if pols.is_empty() {
            return None;
        }
        let mut row = Row {
            ext: vec![ConnSet::empty(); ranges.len()],
            ..Row::default()
        };
        let me = self.pod(u);
        for &pi in pols {
            let p = &c.policies[pi];
            let rules = match dir {
                Direction::Ingress => &p.ingress,
                Direction::Egress => &p.egress,
            };
            for rule in rules {
                let has_named = rule
                    .ports
                    .iter()
                    .any(|pp| matches!(pp.port, Some(crate::model::PortRef::Name(_))));
                // Ingress: ports resolve against the selected pod; egress: against the peer.
                let fixed = match dir {
                    Direction::Ingress => Some(rule_conns(rule, Some(me))),
                    Direction::Egress if !has_named => Some(rule_conns(rule, None)),
                    Direction::Egress => None,
                };
                let ext_conns = fixed.clone().unwrap_or_else(|| rule_conns(rule, None));
                if rule.peers.is_empty() {
                    match &fixed {
                        Some(f) => row.any.union_with(f),
                        None => {
                            for v in 0..self.units.len() {
                                let cs = rule_conns(rule, Some(self.pod(v)));
                                if !cs.is_empty() {
                                    row.units.entry(v).or_default().union_with(&cs);
                                }
                            }
                            for e in row.ext.iter_mut() {
                                e.union_with(&ext_conns);
                            }
                        }
                    }
                    continue;
                }
                for peer in &rule.peers {
                    for v in self.peer_units(&p.namespace, peer) {
                        let cs = match &fixed {
                            Some(f) => f.clone(),
                            None => rule_conns(rule, Some(self.pod(v))),
                        };
                        if !cs.is_empty() {
                            row.units.entry(v).or_default().union_with(&cs);
                        }
                    }
                    if let Peer::IpBlock { cidr, except } = peer {
                        if ext_conns.is_empty() {
                            continue;
                        }
                        for (ri, r) in ranges.iter().enumerate() {
                            let ip = IpAddr::V4(Ipv4Addr::from(r.lo));
                            if ip_in_block(ip, cidr, except) {
                                row.ext[ri].union_with(&ext_conns);
                            }
                        }
                    }
                }
            }
        }
        Some(row)
    }
}

impl Row {
    fn to_unit(&self, v: usize) -> ConnSet {
        let mut c = self.any.clone();
        if let Some(x) = self.units.get(&v) {
            c.union_with(x);
        }
        c
    }

    fn to_ext(&self, r: usize) -> ConnSet {
        let mut c = self.any.clone();
        if let Some(x) = self.ext.get(r) {
            c.union_with(x);
        }
        c
    }
}

/// Every allowed connection between workloads (pods grouped by owner, as `Pod::group` names
/// them) and external IPv4 ranges, sorted by src then dst; self pairs and empty connections
/// are left out. hostNetwork pods are not workloads of the pod network and are left out.
pub fn connectivity_map(engine: &Engine<'_>, options: &MapOptions) -> Vec<Connection> {
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
        let name = workload_name(p);
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
    };
    let in_ranges = external_partition(engine, Direction::Ingress);
    let out_ranges = external_partition(engine, Direction::Egress);
    let n = ctx.units.len();
    let in_rows: Vec<Option<Row>> = (0..n)
        .map(|u| ctx.row(u, Direction::Ingress, &in_ranges))
        .collect();
    let in_scope = |u: usize| {
        options.namespaces.is_empty() || options.namespaces.contains(&ctx.units[u].namespace)
    };
    let mut lines: Vec<(usize, usize, ConnSet)> = Vec::new();
    let mut ext_lines: Vec<Connection> = Vec::new();
    for s in 0..n {
        let e_row = ctx.row(s, Direction::Egress, &out_ranges);
        #[allow(clippy::needless_range_loop)]
        for d in 0..n {
            if ctx.units[s].name == ctx.units[d].name || !(in_scope(s) || in_scope(d)) {
                continue;
            }
            let e = match &e_row {
                None => None,
                Some(r) => {
                    let x = r.to_unit(d);
                    if x.is_empty() {
                        continue;
                    }
                    Some(x)
                }
            };
            let i = in_rows[d].as_ref().map(|r| r.to_unit(s));
            let conn = match (e, i) {
                (None, None) => ConnSet::all(),
                (Some(x), None) | (None, Some(x)) => x,
                (Some(x), Some(y)) => x.intersect(&y),
            };
            if !conn.is_empty() {
                lines.push((s, d, conn));
            }
        }
        if in_scope(s) {
            for (ri, r) in out_ranges.iter().enumerate() {
                let conn = match &e_row {
                    None => ConnSet::all(),
                    Some(row) => row.to_ext(ri),
                };
                if !conn.is_empty() {
                    ext_lines.push(Connection {
                        src: ctx.units[s].name.clone(),
                        dst: r.name(),
                        src_namespace: Some(ctx.units[s].namespace.clone()),
                        dst_namespace: None,
                        conn,
                    });
                }
            }
        }
    }
    for (d, in_row) in in_rows.iter().enumerate() {
        if !in_scope(d) {
            continue;
        }
        for (ri, r) in in_ranges.iter().enumerate() {
            let conn = match in_row {
                None => ConnSet::all(),
                Some(row) => row.to_ext(ri),
            };
            if !conn.is_empty() {
                ext_lines.push(Connection {
                    src: r.name(),
                    dst: ctx.units[d].name.clone(),
                    src_namespace: None,
                    dst_namespace: Some(ctx.units[d].namespace.clone()),
                    conn,
                });
            }
        }
    }
    if !options.no_ingress_controller {
        for (d, conn) in ingress_controller_conns(&ctx, &unit_of_pod, &in_rows) {
            if in_scope(d) {
                ext_lines.push(Connection {
                    src: INGRESS_CONTROLLER.to_string(),
                    dst: ctx.units[d].name.clone(),
                    src_namespace: None,
                    dst_namespace: Some(ctx.units[d].namespace.clone()),
                    conn,
                });
            }
        }
    }
    let mut out: Vec<Connection> = lines
        .into_iter()
        .map(|(s, d, conn)| Connection {
            src: ctx.units[s].name.clone(),
            dst: ctx.units[d].name.clone(),
            src_namespace: Some(ctx.units[s].namespace.clone()),
            dst_namespace: Some(ctx.units[d].namespace.clone()),
            conn,
        })
        .collect();
    out.extend(ext_lines);
    out.sort_by(|a, b| {
        (a.src.as_bytes(), a.dst.as_bytes()).cmp(&(b.src.as_bytes(), b.dst.as_bytes()))
    });
    // Units sharing a name (pods of one owner with different labels): union their lines.
    let mut merged: Vec<Connection> = Vec::with_capacity(out.len());
    for l in out {
        match merged.last_mut() {
            Some(last) if last.src == l.src && last.dst == l.dst => last.conn.union_with(&l.conn),
            _ => merged.push(l),
        }
    }
    merged
}

/// Connections from the ingress controller to the backends of every Ingress: the target
/// ports of the backend Services, kept where the destination's ingress policies admit an
/// arbitrary in-cluster source (rules without peers, or a peer selecting every pod of every
/// namespace), since the controller's own pods are not known in general.
fn ingress_controller_conns(
    ctx: &Ctx<'_, '_>,
    unit_of_pod: &HashMap<usize, usize>,
    in_rows: &[Option<Row>],
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
            let allowed = match &in_rows[u] {
                None => conns,
                Some(_) => conns.intersect(&any_cluster_source(ctx, u)),
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

/// The connlist name of a pod's workload: `ns/owner[Kind]` when a workload kind owns it,
/// else `ns/pod[Pod]` (static pods, owned by a Node, are shown as pods).
pub fn workload_name(p: &Pod) -> String {
    const KINDS: [&str; 8] = [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "VirtualMachine",
    ];
    match &p.owner {
        Some(o) if KINDS.contains(&o.kind.as_str()) => p.group(),
        _ => format!("{}/{}[Pod]", p.namespace, p.name),
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

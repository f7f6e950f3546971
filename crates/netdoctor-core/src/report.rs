//! The data of the HTML report (`doctor -o html`, `policy map -o html`): the summary, the
//! findings grouped by namespace and object, and the connectivity graph with its layout.
//!
//! Pure data and geometry; the page itself (HTML, CSS, JS) is rendered by the binary crate.
//! The layout is deterministic: the same cluster gives the same coordinates.

use crate::model::{connlist_name, workload_label, Cluster, WORKLOAD_KINDS};
use crate::rules::Area;
use crate::sim::netpol::{CompactMap, Direction, Engine, MapUnknown, INGRESS_CONTROLLER};
use crate::{Finding, ObjectRef, Severity, Summary};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod flows;
pub use flows::{FlatRuns, Flows};

/// The rule areas, in the order the summary shows them: `Area::ALL`, as their prefixes.
pub const AREAS: [&str; Area::ALL.len()] = {
    let mut prefixes = [""; Area::ALL.len()];
    let mut i = 0;
    while i < prefixes.len() {
        prefixes[i] = Area::ALL[i].as_str();
        i += 1;
    }
    prefixes
};

/// Node geometry (pixels of the SVG user space).
pub const NODE_W: f64 = 180.0;
pub const NODE_H: f64 = 30.0;
const GAP_X: f64 = 14.0;
const GAP_Y: f64 = 12.0;
pub const PAD: f64 = 12.0;
pub const HEADER: f64 = 26.0;
const BOX_GAP: f64 = 64.0;
const MAX_COLS: usize = 6;
const ROW_WIDTH: f64 = 1400.0;
/// Rows of a namespace column before it gets another column.
const ROWS_PER_COL: usize = 12;

/// The name of the group that holds external ranges and the ingress controller (outside the
/// pod network).
pub const OUTSIDE: &str = "external peers";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    /// Present for `doctor`; absent for `policy map` (which has no findings section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<FindingsSection>,
    pub graph: Graph,
    /// The node the page selects when it opens (`doctor NS/POD`: the pod's workload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
    /// `verify -o html`: the model's predictions next to what probes in the pods measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_vs_measured: Option<Vec<crate::sim::verify::Outcome>>,
    /// What was found and not listed, and why (`doctor`: "3 suppressed: …"); absent when
    /// nothing was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingsSection {
    pub summary: ReportSummary,
    pub namespaces: Vec<NamespaceFindings>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub total: usize,
    pub by_severity: Summary,
    /// Every area of `AREAS` (zero included), then any other prefix met.
    pub by_area: Vec<AreaCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaCount {
    pub area: String,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamespaceFindings {
    /// None: cluster-scoped objects and input files.
    pub namespace: Option<String>,
    pub worst: Severity,
    pub count: usize,
    pub objects: Vec<ObjectFindings>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectFindings {
    pub object: ObjectRef,
    /// `production/service/api` as the command line takes it back.
    pub display: String,
    pub worst: Severity,
    pub findings: Vec<ReportFinding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    /// `f1`, `f2`, … in page order (the anchor of the finding).
    pub id: String,
    pub area: String,
    #[serde(flatten)]
    pub finding: Finding,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Graph {
    pub width: f64,
    pub height: f64,
    /// The geometry constants the page's script needs to redraw edges.
    pub node_w: f64,
    pub node_h: f64,
    pub pad: f64,
    pub header: f64,
    pub groups: Vec<GraphGroup>,
    pub nodes: Vec<GraphNode>,
    /// Every allowed flow between the nodes, compactly (decoded on demand by the page).
    pub flows: Flows,
    /// Workloads a policy kind netdoctor does not model governs (one sentence each): their
    /// flows are marked `(unknown)` (docs/interface.md, unknown verdicts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphGroup {
    /// The namespace, or `OUTSIDE`.
    pub name: String,
    pub outside: bool,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Indexes into `Graph::nodes`.
    pub nodes: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphNode {
    /// The connlist name: `ns/name[Kind]`, `a.b.c.d-e.f.g.h[External]`, `{ingress-controller}`.
    pub name: String,
    /// The short label drawn in the box.
    pub label: String,
    /// `Deployment`, `StatefulSet`, `Pod`, …, `External`, `IngressController`.
    pub kind: String,
    pub group: usize,
    /// Top-left corner.
    pub x: f64,
    pub y: f64,
    /// Policies isolating the workload's ingress / egress (`ns/name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ingress_isolated_by: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub egress_isolated_by: Vec<String>,
    /// AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies
    /// selecting the workload (`Kind name (priority N)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_policies: Vec<String>,
    /// Ids of findings about the workload, its pods, Services or policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<Severity>,
}

/// The area of a finding's code: its rule's area (`SVC001` → `SVC`). A code no rule has
/// (a finding from elsewhere) is grouped by its letters.
pub fn area_of(code: &str) -> String {
    match crate::rules::find(code) {
        Some(rule) => rule.area.as_str().to_string(),
        None => code
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect(),
    }
}

fn worst(a: Severity, b: Severity) -> Severity {
    a.max(b)
}

/// Summary and findings grouped by namespace (cluster-scoped first, then by name), then by
/// object (kind, name); within an object most severe first.
pub fn findings_section(findings: &[Finding]) -> FindingsSection {
    let mut by_area: BTreeMap<String, AreaCount> = BTreeMap::new();
    for f in findings {
        let area = area_of(&f.code);
        let e = by_area.entry(area.clone()).or_insert_with(|| AreaCount {
            area,
            error: 0,
            warning: 0,
            info: 0,
        });
        match f.severity {
            Severity::Error => e.error += 1,
            Severity::Warning => e.warning += 1,
            Severity::Info => e.info += 1,
        }
    }
    let mut areas: Vec<AreaCount> = AREAS
        .iter()
        .map(|a| {
            by_area.remove(*a).unwrap_or(AreaCount {
                area: a.to_string(),
                error: 0,
                warning: 0,
                info: 0,
            })
        })
        .collect();
    areas.extend(by_area.into_values());

    type ByObject<'f> = BTreeMap<(String, String), Vec<&'f Finding>>;
    let mut grouped: BTreeMap<Option<String>, ByObject<'_>> = BTreeMap::new();
    for f in findings {
        grouped
            .entry(f.object.namespace.clone())
            .or_default()
            .entry((f.object.kind.clone(), f.object.name.clone()))
            .or_default()
            .push(f);
    }
    let mut next_id = 0usize;
    let mut namespaces = Vec::new();
    for (ns, objects) in grouped {
        let mut out_objects = Vec::new();
        let mut ns_worst = Severity::Info;
        let mut count = 0;
        for (_, mut fs) in objects {
            fs.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let object = fs[0].object.clone();
            let w = fs.iter().map(|f| f.severity).fold(Severity::Info, worst);
            ns_worst = worst(ns_worst, w);
            count += fs.len();
            let findings = fs
                .into_iter()
                .map(|f| {
                    next_id += 1;
                    ReportFinding {
                        id: format!("f{next_id}"),
                        area: area_of(&f.code),
                        finding: f.clone(),
                    }
                })
                .collect();
            out_objects.push(ObjectFindings {
                display: object.to_string(),
                object,
                worst: w,
                findings,
            });
        }
        namespaces.push(NamespaceFindings {
            namespace: ns,
            worst: ns_worst,
            count,
            objects: out_objects,
        });
    }
    FindingsSection {
        summary: ReportSummary {
            total: findings.len(),
            by_severity: Summary::of(findings),
            by_area: areas,
        },
        namespaces,
    }
}

/// The graph nodes (connlist names) a finding concerns: a workload itself, a pod's workload,
/// the workloads a Service or NetworkPolicy selects.
fn finding_nodes(cluster: &Cluster, object: &ObjectRef) -> Vec<String> {
    let Some(ns) = object.namespace.as_deref() else {
        return Vec::new();
    };
    let pods: Vec<usize> = match object.kind.as_str() {
        k if WORKLOAD_KINDS.contains(&k) => {
            return vec![workload_label(ns, &object.name, k)];
        }
        "Pod" => cluster.pod_index(ns, &object.name).into_iter().collect(),
        "Service" => cluster
            .service(ns, &object.name)
            .and_then(|s| s.selector())
            .map(|sel| cluster.pods_matching(ns, &sel))
            .unwrap_or_default(),
        "NetworkPolicy" => cluster
            .policies_in(ns)
            .find(|p| p.name == object.name)
            .map(|p| cluster.pods_matching(ns, &p.pod_selector))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let names: BTreeSet<String> = pods
        .into_iter()
        .filter_map(|i| cluster.pods.get(i))
        .map(connlist_name)
        .collect();
    names.into_iter().collect()
}

/// `10.0.0.0-10.0.0.255[External]` → `10.0.0.0/24`; other ranges as `lo – hi`.
fn external_label(name: &str) -> String {
    let body = name.strip_suffix("[External]").unwrap_or(name);
    let Some((lo, hi)) = body.split_once('-') else {
        return body.to_string();
    };
    let (Ok(lo), Ok(hi)) = (
        lo.parse::<std::net::Ipv4Addr>(),
        hi.parse::<std::net::Ipv4Addr>(),
    ) else {
        return body.to_string();
    };
    let (l, h) = (u64::from(u32::from(lo)), u64::from(u32::from(hi)));
    let size = h.saturating_sub(l) + 1;
    if h >= l && size.is_power_of_two() && l % size == 0 {
        format!("{lo}/{}", 32 - size.trailing_zeros())
    } else {
        format!("{lo} – {hi}")
    }
}

/// Splits a connlist name into (namespace, label, kind).
fn split_name(name: &str) -> (Option<String>, String, String) {
    if name == INGRESS_CONTROLLER {
        return (
            None,
            "ingress controller".into(),
            "IngressController".into(),
        );
    }
    if name.ends_with("[External]") {
        return (None, external_label(name), "External".into());
    }
    let (base, kind) = match name.rfind('[') {
        Some(i) if name.ends_with(']') => (&name[..i], &name[i + 1..name.len() - 1]),
        _ => (name, ""),
    };
    match base.split_once('/') {
        Some((ns, short)) => (Some(ns.to_string()), short.to_string(), kind.to_string()),
        None => (None, base.to_string(), kind.to_string()),
    }
}

struct NodeDraft {
    name: String,
    namespace: Option<String>,
    label: String,
    kind: String,
    ingress: BTreeSet<String>,
    egress: BTreeSet<String>,
    cluster: BTreeSet<String>,
}

/// The graph of `map` (what `compact_map` returned) plus every workload of the namespaces in
/// scope (`namespaces` empty: all), so isolated workloads without any allowed flow still
/// show. `findings` (page order, as `findings_section` numbered them) mark nodes.
pub fn graph(
    engine: &Engine<'_>,
    map: &CompactMap,
    namespaces: &[String],
    findings: Option<&FindingsSection>,
) -> Graph {
    let mut drafts = Drafts::default();
    add_workloads(engine, namespaces, &mut drafts);
    for (node, has) in map.nodes.iter().zip(flows::map_nodes_with_flows(map)) {
        if has {
            drafts.add(&node.name);
        }
    }
    let node_findings = findings
        .map(|sec| findings_by_node(engine.cluster, sec))
        .unwrap_or_default();
    let ordered = ordered_groups(&drafts.nodes);
    let mut graph = layout(&drafts.nodes, ordered, &node_findings);
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let graph_of: Vec<Option<usize>> = map
        .nodes
        .iter()
        .map(|n| index.get(n.name.as_str()).copied())
        .collect();
    let mut map_of = vec![None; graph.nodes.len()];
    for (m, g) in graph_of.iter().enumerate() {
        if let Some(g) = *g {
            map_of[g] = Some(m);
        }
    }
    let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
    let unknown = MapUnknown::new(engine);
    let flows = flows::flows(map, &graph_of, &map_of, &names, &unknown);
    graph.flows = flows;
    graph.unknown = unknown.summary();
    graph
}

/// Graph nodes being collected, each once by name.
#[derive(Default)]
struct Drafts {
    nodes: Vec<NodeDraft>,
    index: HashMap<String, usize>,
}

impl Drafts {
    /// The node of a connlist name, added on first sight.
    fn add(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let (namespace, label, kind) = split_name(name);
        self.nodes.push(NodeDraft {
            name: name.to_string(),
            namespace,
            label,
            kind,
            ingress: BTreeSet::new(),
            egress: BTreeSet::new(),
            cluster: BTreeSet::new(),
        });
        self.index.insert(name.to_string(), self.nodes.len() - 1);
        self.nodes.len() - 1
    }
}

/// Workloads of the pod network in scope, with the policies isolating them.
fn add_workloads(engine: &Engine<'_>, namespaces: &[String], drafts: &mut Drafts) {
    let cluster = engine.cluster;
    for (i, p) in cluster.pods.iter().enumerate() {
        if !engine.governed(p) || engine.group_of(i).is_none() {
            continue;
        }
        if !namespaces.is_empty() && !namespaces.contains(&p.namespace) {
            continue;
        }
        let n = drafts.add(&connlist_name(p));
        for &ci in engine.cluster_policies_of_pod(i) {
            let display = cluster.cluster_policies()[ci as usize].display();
            drafts.nodes[n].cluster.insert(display);
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            for &pi in engine.policies_of_pod(i, dir) {
                if let Some(pol) = cluster.policies.get(pi) {
                    let id = format!("{}/{}", pol.namespace, pol.name);
                    let node = &mut drafts.nodes[n];
                    match dir {
                        Direction::Ingress => node.ingress.insert(id),
                        Direction::Egress => node.egress.insert(id),
                    };
                }
            }
        }
    }
}

/// Finding ids and severities per node name.
fn findings_by_node(
    cluster: &Cluster,
    sec: &FindingsSection,
) -> HashMap<String, Vec<(String, Severity)>> {
    let mut node_findings: HashMap<String, Vec<(String, Severity)>> = HashMap::new();
    for ns in &sec.namespaces {
        for obj in &ns.objects {
            for name in finding_nodes(cluster, &obj.object) {
                let v = node_findings.entry(name).or_default();
                for f in &obj.findings {
                    v.push((f.id.clone(), f.finding.severity));
                }
            }
        }
    }
    node_findings
}

/// Groups: outside first, then namespaces by name; nodes by (external last, label, name).
fn ordered_groups(drafts: &[NodeDraft]) -> Vec<(String, bool, Vec<usize>)> {
    let mut group_names: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut outside: Vec<usize> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        match &d.namespace {
            Some(ns) => group_names.entry(ns.clone()).or_default().push(i),
            None => outside.push(i),
        }
    }
    let mut ordered: Vec<(String, bool, Vec<usize>)> = Vec::new();
    if !outside.is_empty() {
        ordered.push((OUTSIDE.to_string(), true, outside));
    }
    ordered.extend(group_names.into_iter().map(|(n, v)| (n, false, v)));
    for (_, _, members) in ordered.iter_mut() {
        members.sort_by(|&a, &b| {
            let ka = (
                drafts[a].kind == "External",
                &drafts[a].label,
                &drafts[a].name,
            );
            let kb = (
                drafts[b].kind == "External",
                &drafts[b].label,
                &drafts[b].name,
            );
            ka.cmp(&kb)
        });
    }
    ordered
}

/// Box sizes: columns of nodes, so flows between neighbouring boxes fan out instead of
/// running along one line. Per group: (columns, width, height).
fn box_sizes(ordered: &[(String, bool, Vec<usize>)]) -> Vec<(usize, f64, f64)> {
    ordered
        .iter()
        .map(|(_, is_outside, members)| {
            let n = members.len().max(1);
            let cols = if *is_outside {
                1
            } else {
                n.div_ceil(ROWS_PER_COL).clamp(1, MAX_COLS)
            };
            let rows = n.div_ceil(cols);
            let w = PAD * 2.0 + cols as f64 * NODE_W + (cols - 1) as f64 * GAP_X;
            let h = HEADER + PAD + rows as f64 * NODE_H + (rows - 1) as f64 * GAP_Y + PAD;
            (cols, w, h)
        })
        .collect()
}

/// Shelf packing of the group boxes; a grid of nodes inside each box.
fn layout(
    drafts: &[NodeDraft],
    ordered: Vec<(String, bool, Vec<usize>)>,
    node_findings: &HashMap<String, Vec<(String, Severity)>>,
) -> Graph {
    let mut nodes: Vec<GraphNode> = Vec::with_capacity(drafts.len());
    let mut groups: Vec<GraphGroup> = Vec::with_capacity(ordered.len());
    let sizes = box_sizes(&ordered);
    // Shelves about as wide as a square of the boxes' area (a grid of boxes rather than one
    // long row), within [widest box, ROW_WIDTH].
    let area: f64 = sizes
        .iter()
        .map(|(_, w, h)| (w + BOX_GAP) * (h + BOX_GAP))
        .sum();
    let widest = sizes.iter().map(|s| s.1).fold(0.0, f64::max);
    let row_width = (area.sqrt() * 1.5).clamp(widest, ROW_WIDTH.max(widest)) + BOX_GAP;
    let (mut cx, mut cy, mut shelf_h, mut width) = (BOX_GAP / 2.0, BOX_GAP / 2.0, 0.0f64, 0.0f64);
    for (gi, ((name, is_outside, members), (cols, w, h))) in
        ordered.into_iter().zip(sizes).enumerate()
    {
        if cx > BOX_GAP && cx + w > row_width {
            cx = BOX_GAP / 2.0;
            cy += shelf_h + BOX_GAP;
            shelf_h = 0.0;
        }
        let (bx, by) = (cx, cy);
        cx += w + BOX_GAP;
        shelf_h = shelf_h.max(h);
        width = width.max(bx + w);
        let mut idxs = Vec::with_capacity(members.len());
        for (k, di) in members.into_iter().enumerate() {
            let (r, c) = (k / cols, k % cols);
            let d = &drafts[di];
            let fs = node_findings.get(&d.name);
            idxs.push(nodes.len());
            nodes.push(GraphNode {
                name: d.name.clone(),
                label: d.label.clone(),
                kind: d.kind.clone(),
                group: gi,
                x: bx + PAD + c as f64 * (NODE_W + GAP_X),
                y: by + HEADER + PAD + r as f64 * (NODE_H + GAP_Y),
                ingress_isolated_by: d.ingress.iter().cloned().collect(),
                egress_isolated_by: d.egress.iter().cloned().collect(),
                cluster_policies: d.cluster.iter().cloned().collect(),
                findings: fs
                    .map(|v| v.iter().map(|(id, _)| id.clone()).collect())
                    .unwrap_or_default(),
                worst: fs.and_then(|v| v.iter().map(|(_, s)| *s).max()),
            });
        }
        groups.push(GraphGroup {
            name,
            outside: is_outside,
            x: bx,
            y: by,
            w,
            h,
            nodes: idxs,
        });
    }
    Graph {
        node_w: NODE_W,
        node_h: NODE_H,
        pad: PAD,
        header: HEADER,
        width: width + BOX_GAP / 2.0,
        height: cy + shelf_h + BOX_GAP / 2.0,
        groups,
        nodes,
        flows: Flows::default(),
        unknown: Vec::new(),
    }
}

/// A point of the SVG user space.
pub type Point = (f64, f64);

/// Where the segment from a node's centre towards `toward` leaves the node's box.
fn border_point(node: &GraphNode, toward: Point) -> Point {
    let (cx, cy) = (node.x + NODE_W / 2.0, node.y + NODE_H / 2.0);
    let (dx, dy) = (toward.0 - cx, toward.1 - cy);
    if dx == 0.0 && dy == 0.0 {
        return (cx, cy);
    }
    let tx = if dx != 0.0 {
        (NODE_W / 2.0) / dx.abs()
    } else {
        f64::INFINITY
    };
    let ty = if dy != 0.0 {
        (NODE_H / 2.0) / dy.abs()
    } else {
        f64::INFINITY
    };
    let t = tx.min(ty).min(1.0);
    (cx + dx * t, cy + dy * t)
}

/// The path of an edge: a quadratic curve bent to the right of its direction (so the two
/// directions of a pair do not overlap), from border to border. Returns (start, control, end).
/// The page's script computes the same curve when a namespace is collapsed.
pub fn edge_curve(src: &GraphNode, dst: &GraphNode) -> (Point, Point, Point) {
    let a = (src.x + NODE_W / 2.0, src.y + NODE_H / 2.0);
    let b = (dst.x + NODE_W / 2.0, dst.y + NODE_H / 2.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    // Bent enough to pass beside, not under, the nodes between the ends when both sit in
    // one column or one row (a quadratic curve strays half its control offset).
    let bend = if dx.abs() < NODE_W / 2.0 {
        2.0 * (NODE_W / 2.0 + 14.0) + (len * 0.1).min(60.0)
    } else if dy.abs() < NODE_H / 2.0 {
        (len * 0.12).clamp(2.0 * (NODE_H / 2.0 + 8.0), 80.0)
    } else {
        (len * 0.12).min(60.0)
    };
    let ctrl = (
        (a.0 + b.0) / 2.0 - dy / len * bend,
        (a.1 + b.1) / 2.0 + dx / len * bend,
    );
    (border_point(src, ctrl), ctrl, border_point(dst, ctrl))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{self, RunOptions};
    use crate::sim::netpol::{compact_map, connectivity_map, MapOptions};

    fn cluster(yaml: &str) -> Cluster {
        Cluster::build(
            crate::load::load_text("test.yaml", yaml),
            &Default::default(),
        )
    }

    const YAML: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: a
  labels: {app: web}
  ownerReferences: [{kind: ReplicaSet, name: web-5d4f, apiVersion: apps/v1, uid: x, controller: true}]
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: "db</script><b>", namespace: a, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
status: {phase: Running, podIP: 10.0.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
"#;

    #[test]
    fn external_ranges_read_as_cidrs() {
        assert_eq!(
            external_label("0.0.0.0-255.255.255.255[External]"),
            "0.0.0.0/0"
        );
        assert_eq!(
            external_label("10.0.0.0-10.0.0.255[External]"),
            "10.0.0.0/24"
        );
        assert_eq!(
            external_label("10.0.0.0-10.0.0.2[External]"),
            "10.0.0.0 – 10.0.0.2"
        );
        assert_eq!(area_of("SVC001"), "SVC");
        assert_eq!(area_of("NP4"), "NP");
    }

    #[test]
    fn graph_has_every_workload_edge_and_isolation() {
        let c = cluster(YAML);
        let engine = Engine::new(&c);
        let conns = connectivity_map(&engine, &MapOptions::default());
        let findings = rules::run(&c, &RunOptions::default());
        let sec = findings_section(&findings);
        let g = graph(
            &engine,
            &compact_map(&engine, &MapOptions::default()),
            &[],
            Some(&sec),
        );
        assert_eq!(g.flows.total, conns.len());
        let names: BTreeSet<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
        for c in &conns {
            assert!(names.contains(c.src.as_str()) && names.contains(c.dst.as_str()));
        }
        let db = g
            .nodes
            .iter()
            .find(|n| n.label.starts_with("db"))
            .expect("db node");
        assert_eq!(db.ingress_isolated_by, vec!["a/db".to_string()]);
        assert!(db.egress_isolated_by.is_empty());
        // Nodes lie inside their group's box and do not overlap.
        for n in &g.nodes {
            let b = &g.groups[n.group];
            assert!(n.x >= b.x && n.x + NODE_W <= b.x + b.w);
            assert!(n.y >= b.y && n.y + NODE_H <= b.y + b.h);
        }
        for (i, a) in g.nodes.iter().enumerate() {
            for b in &g.nodes[i + 1..] {
                assert!(
                    (a.x - b.x).abs() >= NODE_W || (a.y - b.y).abs() >= NODE_H,
                    "{} overlaps {}",
                    a.name,
                    b.name
                );
            }
        }
        assert!(g.width > 0.0 && g.height > 0.0);
    }

    #[test]
    fn findings_group_by_namespace_then_object() {
        let c = cluster(YAML);
        let findings = rules::run(&c, &RunOptions::default());
        let sec = findings_section(&findings);
        assert_eq!(sec.summary.total, findings.len());
        assert_eq!(
            sec.summary
                .by_area
                .iter()
                .take(AREAS.len())
                .map(|a| a.area.as_str())
                .collect::<Vec<_>>(),
            AREAS
        );
        let n: usize = sec.namespaces.iter().map(|n| n.count).sum();
        assert_eq!(n, findings.len());
        // Ids are unique and in page order.
        let ids: Vec<&str> = sec
            .namespaces
            .iter()
            .flat_map(|n| n.objects.iter())
            .flat_map(|o| o.findings.iter())
            .map(|f| f.id.as_str())
            .collect();
        let expect: Vec<String> = (1..=ids.len()).map(|i| format!("f{i}")).collect();
        assert_eq!(ids, expect);
    }

    #[test]
    fn curves_start_and_end_on_the_boxes() {
        let mk = |x, y| GraphNode {
            name: String::new(),
            label: String::new(),
            kind: String::new(),
            group: 0,
            x,
            y,
            ingress_isolated_by: vec![],
            egress_isolated_by: vec![],
            cluster_policies: vec![],
            findings: vec![],
            worst: None,
        };
        let (a, b) = (mk(0.0, 0.0), mk(400.0, 0.0));
        let (s, _, e) = edge_curve(&a, &b);
        assert!(s.0 > 0.0 && s.0 <= NODE_W + 0.01);
        assert!(e.0 >= 400.0 - 0.01 && e.0 < 400.0 + NODE_W);
        let (s2, _, _) = edge_curve(&b, &a);
        assert_ne!(s2.1, e.1 + 1e9);
    }
}

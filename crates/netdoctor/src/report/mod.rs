//! The HTML report of `doctor -o html` and `policy map -o html`: one self-contained page
//! (inline CSS, JS and SVG; a Content-Security-Policy that forbids every fetch).
//!
//! The data (summary, grouped findings, graph and its layout) comes from
//! `netdoctor_core::report`; this module only writes markup. Every string that came from the
//! cluster goes through `esc` (text and attributes) or `script_json` (the data block).

mod data;
pub mod diff;

use netdoctor_core::model::Cluster;
use netdoctor_core::report::{
    edge_curve, findings_section, graph, FindingsSection, Graph, GraphNode, Report, HEADER, NODE_H,
    NODE_W, PAD,
};
use netdoctor_core::sim::netpol::{compact_map, CompactMap, Engine, MapOptions};
use netdoctor_core::Finding;
use std::fmt::Write as _;

mod verify;

pub(crate) const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// Above this many flows the graph draws none up front; a click draws the flows of one
/// workload (decoded from the data block's compact form).
pub const EDGE_LIMIT: usize = 4000;
/// Up to this many findings, the findings section opens with every namespace unfolded.
const FINDINGS_OPEN_LIMIT: usize = 500;
/// Up to this many flows, port labels are drawn on the edges.
const LABEL_LIMIT: usize = 400;

/// Catches script errors (and console.error) before the main script runs, and writes them
/// into the page so a headless browser's DOM dump shows them.
const ERROR_CAPTURE: &str = r#"window.__errors=[];
window.addEventListener("error",function(e){__errors.push(String(e.message)+" (line "+e.lineno+")")});
window.addEventListener("unhandledrejection",function(e){__errors.push("unhandled rejection: "+String(e.reason))});
(function(){var ce=console.error;console.error=function(){__errors.push(Array.prototype.join.call(arguments," "));return ce.apply(console,arguments)}})();
window.addEventListener("load",function(){var o=document.getElementById("js-errors");if(!o)return;
__errors.forEach(function(m){var li=document.createElement("li");li.textContent=m;o.appendChild(li)});
document.body.dataset.errors=String(__errors.length)});"#;

/// Text and attribute values: `&`, `<`, `>`, `"`, `'` escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside `<script type="application/json">`: no `<`, `>` or `&` (so no
/// `</script>` or `<!--`), and no U+2028/U+2029.
pub fn script_json(json: &str) -> String {
    // One pass: the data block of a big cluster is hundreds of megabytes.
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most one decimal.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// The report data of a cluster: the connectivity map of the scope, and the findings
/// (`doctor`).
pub fn build(cluster: &Cluster, scope: &[String], findings: &[Finding], title: &str) -> Report {
    let engine = Engine::new(cluster);
    let map = compact_map(
        &engine,
        &MapOptions {
            namespaces: scope.to_vec(),
            ..MapOptions::default()
        },
    );
    build_from(&engine, &map, scope, Some(findings), title)
}

/// The report data from a connectivity map already computed (`policy map`).
pub fn build_from(
    engine: &Engine<'_>,
    map: &CompactMap,
    scope: &[String],
    findings: Option<&[Finding]>,
    title: &str,
) -> Report {
    let section = findings.map(findings_section);
    let graph = graph(engine, map, scope, section.as_ref());
    Report {
        title: title.to_string(),
        findings: section,
        graph,
        focus: None,
        model_vs_measured: None,
        suppressed: None,
    }
}

/// The whole page.
pub fn render(report: &Report) -> String {
    let g = &report.graph;
    let drawn = g.flows.total.min(ROW_LIMIT);
    let mut s = String::with_capacity(64 * 1024 + g.nodes.len() * 1024 + drawn * 160);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n<script>\n{ERROR_CAPTURE}\n</script>\n</head>\n<body>\n",
        esc(&report.title)
    );
    let isolated = g
        .nodes
        .iter()
        .filter(|n| !n.ingress_isolated_by.is_empty() || !n.egress_isolated_by.is_empty())
        .count();
    let workloads = g
        .nodes
        .iter()
        .filter(|n| n.kind != "External" && n.kind != "IngressController")
        .count();
    let _ = write!(
        s,
        "<header><h1>{}</h1><p class=\"sub\">netdoctor {} · {} namespaces · {} workloads ({} isolated by a NetworkPolicy) · {} allowed flows</p>{}\n<nav>",
        esc(&report.title),
        env!("CARGO_PKG_VERSION"),
        g.groups.iter().filter(|x| !x.outside).count(),
        workloads,
        isolated,
        g.flows.total,
        report
            .suppressed
            .as_deref()
            .map(|l| format!("<p class=\"sub\">{}</p>", esc(l.trim_end())))
            .unwrap_or_default()
    );
    if report.model_vs_measured.is_some() {
        s.push_str("<a href=\"#model-vs-measured\">Model vs measured</a>");
    }
    if report.findings.is_some() {
        s.push_str("<a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a>");
    }
    s.push_str(
        "<a href=\"#connectivity\">Connectivity</a><a href=\"#flows\">Flows</a></nav></header>\n",
    );
    if let Some(outcomes) = &report.model_vs_measured {
        verify::section(&mut s, outcomes);
    }
    if let Some(f) = &report.findings {
        summary_html(&mut s, f);
        findings_html(&mut s, f);
    }
    graph_html(&mut s, g);
    flows_html(&mut s, g, report.findings.is_none());
    s.push_str("<pre id=\"selftest\" hidden></pre>\n<ol id=\"js-errors\" hidden></ol>\n");
    let page_data = data::PageData {
        title: &report.title,
        findings: report.findings.as_ref().map(data::FindingsIndex::of),
        graph: g,
        focus: report.focus.as_deref(),
        model_vs_measured: report.model_vs_measured.as_deref(),
        suppressed: report.suppressed.as_deref(),
    };
    let json = serde_json::to_string(&page_data).unwrap_or_else(|_| "{}".to_string());
    let _ = write!(
        s,
        "<script type=\"application/json\" id=\"report-data\">{}</script>\n<script>\n{JS}</script>\n</body></html>\n",
        script_json(&json)
    );
    s
}

fn summary_html(s: &mut String, f: &FindingsSection) {
    let sum = &f.summary;
    s.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    if sum.total == 0 {
        s.push_str("<div class=\"card ok\"><b>0</b>No problems found</div>");
    }
    for (class, label, v) in [
        ("error", "errors", sum.by_severity.error),
        ("warning", "warnings", sum.by_severity.warning),
        ("info", "info", sum.by_severity.info),
    ] {
        let _ = write!(
            s,
            "<div class=\"card {class}\" data-count=\"{v}\"><b>{v}</b>{label}</div>"
        );
    }
    s.push_str("</div>\n<table class=\"areas\"><tr><th>area</th><th>errors</th><th>warnings</th><th>info</th><th>total</th></tr>\n");
    for a in &sum.by_area {
        let total = a.error + a.warning + a.info;
        let cell = |v: usize| {
            format!(
                "<td class=\"n{}\">{v}</td>",
                if v == 0 { " zero" } else { "" }
            )
        };
        let _ = writeln!(
            s,
            "<tr data-area=\"{0}\"><td>{0} <span class=\"count\">{1}</span></td>{2}{3}{4}{5}</tr>",
            esc(&a.area),
            area_name(&a.area),
            cell(a.error),
            cell(a.warning),
            cell(a.info),
            cell(total)
        );
    }
    s.push_str("</table></section>\n");
}

fn area_name(area: &str) -> &'static str {
    match area {
        "SVC" => "Services and endpoints",
        "DNS" => "cluster DNS",
        "NP" => "NetworkPolicy",
        "ANP" => "cluster-wide policies (AdminNetworkPolicy, ClusterNetworkPolicy)",
        "ING" => "Ingress",
        "GW" => "Gateway API",
        "INP" => "input",
        _ => "",
    }
}

fn findings_html(s: &mut String, f: &FindingsSection) {
    s.push_str("<section id=\"findings\"><h2>Findings</h2>\n");
    if f.namespaces.is_empty() {
        s.push_str("<p>No problems found.</p>");
    }
    // Laying out thousands of open findings is most of the time a browser takes to open the
    // page: above the limit the namespaces start folded (find in page still opens them).
    let open = f.summary.total <= FINDINGS_OPEN_LIMIT;
    if !open {
        let _ = writeln!(
            s,
            "<p class=\"count\" id=\"findings-folded\">{} findings: each namespace is folded, open one to read its findings.</p>",
            f.summary.total
        );
    }
    for ns in &f.namespaces {
        let name = ns
            .namespace
            .as_deref()
            .map(|n| format!("namespace {}", esc(n)))
            .unwrap_or_else(|| "cluster-scoped objects and input files".to_string());
        let _ = writeln!(
            s,
            "<details class=\"ns\"{}><summary>{name} <span class=\"badge {}\">{}</span> <span class=\"count\">{} finding{}</span></summary><div>",
            if open { " open" } else { "" },
            ns.worst,
            ns.worst,
            ns.count,
            if ns.count == 1 { "" } else { "s" }
        );
        for obj in &ns.objects {
            let _ = writeln!(s, "<div class=\"obj\"><h4>{}</h4>", esc(&obj.display));
            for rf in &obj.findings {
                finding_html(s, &rf.id, &rf.finding);
            }
            s.push_str("</div>\n");
        }
        s.push_str("</div></details>\n");
    }
    s.push_str("</section>\n");
}

pub(crate) fn finding_html(s: &mut String, id: &str, f: &Finding) {
    let _ = write!(
        s,
        "<div class=\"finding {sev}\" id=\"{id}\"><div class=\"head\"><span class=\"badge {sev}\">{sev}</span> <code>{}</code> {}</div><p>{}</p>",
        esc(&f.code),
        esc(&f.rule),
        esc(&f.message),
        sev = f.severity,
        id = esc(id),
    );
    if !f.evidence.is_empty() {
        s.push_str("<ul class=\"evidence\">");
        for e in &f.evidence {
            let _ = write!(s, "<li>{}</li>", esc(e));
        }
        s.push_str("</ul>");
    }
    if let Some(fix) = &f.fix {
        let _ = write!(s, "<div class=\"fix\"><b>Fix:</b> {}", esc(&fix.title));
        if !fix.commands.is_empty() {
            let cmds: Vec<String> = fix
                .commands
                .iter()
                .map(|c| format!("$ {}", esc(c)))
                .collect();
            let _ = write!(s, "<pre class=\"cmd\">{}</pre>", cmds.join("\n"));
        }
        if let Some(y) = &fix.yaml {
            let _ = write!(s, "<pre class=\"yaml\">{}</pre>", esc(y.trim_end()));
        }
        s.push_str("</div>");
    }
    s.push_str("</div>\n");
}

fn kind_tag(kind: &str) -> &str {
    match kind {
        "Deployment" => "deploy",
        "StatefulSet" => "sts",
        "DaemonSet" => "ds",
        "ReplicaSet" => "rs",
        "ReplicationController" => "rc",
        "CronJob" => "cronjob",
        "Job" => "job",
        "Pod" => "pod",
        "VirtualMachine" => "vm",
        "External" => "ip range",
        "IngressController" => "",
        other => other,
    }
}

/// A label cut to fit the node box.
fn fit(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut t: String = label.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// A CSS class token from a kind (letters only).
fn class_token(kind: &str) -> String {
    kind.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn node_svg(s: &mut String, i: usize, node: &GraphNode, has_flow: bool) {
    let mut classes = format!("node k-{}", class_token(&node.kind));
    let iso_in = !node.ingress_isolated_by.is_empty();
    let iso_out = !node.egress_isolated_by.is_empty();
    if iso_in {
        classes.push_str(" iso-in");
    }
    if iso_out {
        classes.push_str(" iso-out");
    }
    if !has_flow {
        classes.push_str(" noflow");
    }
    let mut title = node.name.clone();
    if iso_in {
        title.push_str(&format!(
            "\ningress isolated by {}",
            node.ingress_isolated_by.join(", ")
        ));
    }
    if iso_out {
        title.push_str(&format!(
            "\negress isolated by {}",
            node.egress_isolated_by.join(", ")
        ));
    }
    if !has_flow {
        title.push_str("\nno allowed flow in or out");
    }
    let tag = kind_tag(&node.kind);
    let max = if tag.is_empty() {
        25
    } else {
        24 - tag.len().min(8)
    };
    let _ = write!(
        s,
        "<g class=\"{classes}\" data-i=\"{i}\" transform=\"translate({},{})\"><title>{}</title><rect class=\"b\" width=\"{}\" height=\"{}\" rx=\"5\"/>",
        n(node.x),
        n(node.y),
        esc(&title),
        n(NODE_W),
        n(NODE_H)
    );
    if iso_in {
        let _ = write!(
            s,
            "<rect class=\"iso\" x=\"0\" y=\"0\" width=\"5\" height=\"{}\" rx=\"2\"/>",
            n(NODE_H)
        );
    }
    if iso_out {
        let _ = write!(
            s,
            "<rect class=\"iso\" x=\"{}\" y=\"0\" width=\"5\" height=\"{}\" rx=\"2\"/>",
            n(NODE_W - 5.0),
            n(NODE_H)
        );
    }
    let _ = write!(
        s,
        "<text x=\"10\" y=\"{}\">{}</text>",
        n(NODE_H / 2.0 + 4.0),
        esc(&fit(&node.label, max))
    );
    if !tag.is_empty() {
        let _ = write!(
            s,
            "<text class=\"kind\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            n(NODE_W - 9.0),
            n(NODE_H / 2.0 + 4.0),
            esc(tag)
        );
    }
    if let Some(w) = node.worst {
        let _ = write!(
            s,
            "<circle class=\"dot {w}\" cx=\"{}\" cy=\"0\" r=\"6\"/>",
            n(NODE_W - 4.0)
        );
    }
    s.push_str("</g>\n");
}

fn graph_html(s: &mut String, g: &Graph) {
    s.push_str("<section id=\"connectivity\"><h2>Connectivity</h2>\n");
    if g.nodes.is_empty() {
        s.push_str("<p>No workloads in scope.</p></section>\n");
        return;
    }
    s.push_str(
        "<div class=\"toolbar\"><input id=\"search\" type=\"search\" placeholder=\"Search workloads (Enter selects)\" aria-label=\"Search workloads\"><span id=\"hits\" class=\"count\"></span>\
         <details id=\"nsfilter\"><summary>Namespaces</summary><div id=\"nsfilter-list\"></div></details>\
         <button id=\"collapse-all\">Collapse all</button><button id=\"expand-all\">Expand all</button>\
         <label><input type=\"checkbox\" id=\"hide-all\"> hide unrestricted flows</label>\
         <button id=\"zoom-out\" title=\"Zoom out\">−</button><button id=\"zoom-fit\">Fit</button><button id=\"zoom-in\" title=\"Zoom in\">+</button>\
         <span id=\"status\"></span></div>\n",
    );
    if !g.unknown.is_empty() {
        // Flows of these workloads may differ from the ones drawn (docs/interface.md).
        s.push_str("<div class=\"unknown-note\"><p><b>Unknown:</b> policy kinds netdoctor does not model govern these workloads; their flows are marked (unknown): other flows may exist there and the ones shown may be blocked.</p><ul>");
        for line in &g.unknown {
            let _ = write!(s, "<li>{}</li>", esc(line));
        }
        s.push_str("</ul></div>\n");
    }
    if g.flows.total > EDGE_LIMIT {
        let runs: usize = g.flows.columns.iter().map(|c| c.len() / 3).sum();
        let _ = writeln!(
            s,
            "<p class=\"count\" id=\"flows-stored\">{} allowed flows are too many to draw at once: click a workload to draw its flows. \
             The page does not list them one by one: for each workload it keeps who may reach it as runs of neighbouring workloads with the same ports, \
             and workloads reached the same way share one list ({} list{} of {} run{} in all for {} nodes), from which a click computes the flows.</p>",
            g.flows.total,
            g.flows.columns.len(),
            if g.flows.columns.len() == 1 { "" } else { "s" },
            runs,
            if runs == 1 { "" } else { "s" },
            g.nodes.len()
        );
    }
    let _ = writeln!(
        s,
        "<div class=\"graph-area\"><div id=\"canvas\"><svg id=\"graph\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Allowed flows between workloads\">",
        w = n(g.width),
        h = n(g.height)
    );
    s.push_str("<defs>");
    for id in ["arrow", "arrow-all", "arrow-hl"] {
        let _ = write!(
            s,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker>"
        );
    }
    s.push_str("</defs>\n<g id=\"groups\">\n");
    for (gi, grp) in g.groups.iter().enumerate() {
        let _ = write!(
            s,
            "<g class=\"grp{}\" id=\"grp-{gi}\" data-g=\"{gi}\"><rect class=\"box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/>\
             <text class=\"gname\" x=\"{}\" y=\"{}\"><tspan class=\"tw\">▾ </tspan>{}<tspan class=\"kind\"> {}</tspan></text>",
            if grp.outside { " outside" } else { "" },
            n(grp.x),
            n(grp.y),
            n(grp.w),
            n(grp.h),
            n(grp.x + 10.0),
            n(grp.y + 18.0),
            esc(&fit(&grp.name, ((grp.w - 60.0) / 7.5).max(12.0) as usize)),
            if grp.outside { String::new() } else { format!("({})", grp.nodes.len()) },
        );
        // The node standing for the whole group when it is collapsed.
        let _ = writeln!(
            s,
            "<g class=\"cnode gone\" transform=\"translate({},{})\"><title>{} (collapsed: click to expand)</title><rect width=\"{}\" height=\"{}\" rx=\"5\"/><text x=\"10\" y=\"{}\">{} workload{}</text></g></g>",
            n(grp.x + PAD),
            n(grp.y + HEADER + PAD),
            esc(&grp.name),
            n(NODE_W),
            n(NODE_H),
            n(NODE_H / 2.0 + 4.0),
            grp.nodes.len(),
            if grp.nodes.len() == 1 { "" } else { "s" }
        );
    }
    s.push_str("</g>\n<g id=\"edges\">\n");
    let has_flow: Vec<bool> = g.flows.degrees().iter().map(|&(i, o)| i + o > 0).collect();
    let labels = g.flows.total <= LABEL_LIMIT;
    let mut label_svg = String::new();
    if g.flows.total <= EDGE_LIMIT {
        // In the order the page's script decodes them: `data-i` is the flow's number there.
        let mut i = 0usize;
        g.flows.each(|src, dst, conn| {
            let k = i;
            i += 1;
            let (Some(a), Some(b)) = (g.nodes.get(src), g.nodes.get(dst)) else {
                return;
            };
            let conn = g.flows.conns.get(conn as usize).map_or("", String::as_str);
            let (p, c, q) = edge_curve(a, b);
            let all = if conn == "All Connections" {
                " all"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "<path class=\"edge{all}\" data-i=\"{k}\" d=\"M{},{} Q{},{} {},{}\"><title>{} → {}: {}</title></path>",
                n(p.0),
                n(p.1),
                n(c.0),
                n(c.1),
                n(q.0),
                n(q.1),
                esc(&a.name),
                esc(&b.name),
                esc(conn)
            );
            if labels {
                let m = (
                    0.25 * p.0 + 0.5 * c.0 + 0.25 * q.0,
                    0.25 * p.1 + 0.5 * c.1 + 0.25 * q.1,
                );
                let _ = writeln!(
                    label_svg,
                    "<text class=\"elabel{all}\" data-i=\"{k}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    n(m.0),
                    n(m.1),
                    esc(conn)
                );
            }
        });
    }
    s.push_str("</g>\n<g id=\"nodes\">\n");
    for (i, node) in g.nodes.iter().enumerate() {
        node_svg(s, i, node, has_flow[i]);
    }
    let _ = write!(
        s,
        "</g>\n<g id=\"labels\">\n{label_svg}</g>\n<g id=\"dyn-edges\"></g>\n</svg></div>\n<aside id=\"panel\" hidden></aside></div>\n"
    );
    s.push_str(
        "<p class=\"legend\"><span>▭ workload (deploy, sts, ds, pod…)</span> <span>┆ dashed box: outside the pod network (IP ranges, ingress controller)</span> \
         <span><b style=\"color:var(--iso)\">▌</b> ingress isolated by a policy</span> <span><b style=\"color:var(--iso)\">▐</b> egress isolated</span> \
         <span>dotted red outline: no allowed flow</span> <span>── flow limited to the ports shown</span> <span>- - - all connections</span> \
         <span><b style=\"color:var(--err)\">●</b> has findings</span> <span>Click a workload for what it can reach; click a namespace title to collapse it.</span></p>\n</section>\n",
    );
}

fn flows_html(s: &mut String, g: &Graph, open: bool) {
    let total = g.flows.total;
    let _ = writeln!(
        s,
        "<section id=\"flows\"><details{}><summary><h2 style=\"display:inline\">All allowed flows ({})</h2></summary>",
        if open { " open" } else { "" },
        total
    );
    if total == 0 {
        s.push_str("<p>No connections are allowed.</p>");
    } else if total > ROW_LIMIT {
        namespace_flows_html(s, g);
    } else {
        // In the map's order: by source, then destination name.
        let mut rows: Vec<(&str, &str, &str)> = Vec::with_capacity(total);
        g.flows.each(|src, dst, conn| {
            if let (Some(a), Some(b)) = (g.nodes.get(src), g.nodes.get(dst)) {
                let conn = g.flows.conns.get(conn as usize).map_or("", String::as_str);
                rows.push((&a.name, &b.name, conn));
            }
        });
        rows.sort_unstable_by(|x, y| {
            (x.0.as_bytes(), x.1.as_bytes()).cmp(&(y.0.as_bytes(), y.1.as_bytes()))
        });
        s.push_str("<table><tr><th>src</th><th>dst</th><th>conn</th></tr>\n");
        for (a, b, conn) in rows {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(a),
                esc(b),
                esc(conn)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</details></section>\n");
}

/// Above this many flows the flows section lists namespace-to-namespace summaries, not one
/// row per flow (a click in the graph lists a workload's).
pub const ROW_LIMIT: usize = 20_000;

/// The flows reduced to one row per (source namespace, destination namespace): how many
/// workload pairs may connect, and how many of them with every port. Counted from the runs
/// of the compact form, not flow by flow.
fn namespace_flows_html(s: &mut String, g: &Graph) {
    let group_of: Vec<usize> = g.nodes.iter().map(|x| x.group).collect();
    let pairs = g.flows.group_pairs(&group_of);
    let _ = writeln!(
        s,
        "<p class=\"count\" id=\"flows-reduced\">{} flows are too many to list one by one: this table sums them per source and destination namespace ({} rows). Click a workload in the graph for its own flows.</p>",
        g.flows.total,
        pairs.len()
    );
    s.push_str("<table class=\"nsflows\"><tr><th>src namespace</th><th>dst namespace</th><th>flows</th><th>with all connections</th></tr>\n");
    let name = |gi: usize| g.groups.get(gi).map_or("", |x| x.name.as_str());
    for ((a, b), (n, all)) in pairs {
        let _ = writeln!(
            s,
            "<tr class=\"ns\"><td>{}</td><td>{}</td><td>{n}</td><td>{all}</td></tr>",
            esc(name(a)),
            esc(name(b))
        );
    }
    s.push_str("</table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_script_end() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let j = script_json(r#"{"n":"</script><!-- & "}"#);
        assert!(!j.contains("</script"));
        assert!(!j.contains("<!--"));
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back["n"], "</script><!-- & ");
    }

    #[test]
    fn many_flows_are_listed_per_namespace_pair() {
        use netdoctor_core::report::{Flows, GraphGroup};
        let node = |name: &str, group: usize| GraphNode {
            name: name.to_string(),
            label: name.to_string(),
            kind: "Deployment".to_string(),
            group,
            x: 0.0,
            y: 0.0,
            ingress_isolated_by: Vec::new(),
            egress_isolated_by: Vec::new(),
            cluster_policies: Vec::new(),
            findings: Vec::new(),
            worst: None,
        };
        let group = |name: &str| GraphGroup {
            name: name.to_string(),
            outside: false,
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
            nodes: Vec::new(),
        };
        // 200 workloads of `a<b` reach each other (200 × 199 = 39,800 flows, All
        // Connections); `a<b/0` reaches `c/z` on TCP 80. One shared column, one run each.
        let mut nodes: Vec<GraphNode> = (0..200).map(|i| node(&format!("a<b/{i}"), 0)).collect();
        nodes.push(node("c/z", 1));
        let flows = Flows {
            total: 200 * 199 + 1,
            conns: vec!["All Connections".to_string(), "TCP 80".to_string()],
            columns: vec![vec![0, 200, 0], vec![0, 1, 1]],
            column_of: [vec![0u32; 200], vec![1]].concat(),
        };
        let g = Graph {
            width: 0.0,
            height: 0.0,
            node_w: NODE_W,
            node_h: NODE_H,
            pad: PAD,
            header: HEADER,
            groups: vec![group("a<b"), group("c")],
            nodes,
            flows,
            unknown: Vec::new(),
        };
        let degrees = g.flows.degrees();
        assert_eq!(degrees[0], (199, 200));
        assert_eq!(degrees[200], (1, 0));
        assert_eq!(degrees.iter().map(|d| d.1).sum::<usize>(), g.flows.total);
        let mut s = String::new();
        flows_html(&mut s, &g, true);
        assert!(
            s.contains("39801 flows are too many to list one by one"),
            "{s}"
        );
        assert!(
            s.contains(
                "<tr class=\"ns\"><td>a&lt;b</td><td>a&lt;b</td><td>39800</td><td>39800</td></tr>"
            ),
            "{s}"
        );
        assert!(
            s.contains("<tr class=\"ns\"><td>a&lt;b</td><td>c</td><td>1</td><td>0</td></tr>"),
            "{s}"
        );
        assert!(!s.contains("<tr><td>"), "{s}");
    }

    #[test]
    fn numbers_have_one_decimal_at_most() {
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.345), "12.3");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }
}

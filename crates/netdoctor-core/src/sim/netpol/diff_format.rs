//! np-guard netpol-analyzer's diff formats (`txt`, `csv`, `md`, `dot`), byte for byte: lines
//! grouped changed → added → removed (pairs from the ingress controller after the others),
//! each group sorted as formatted strings. Unknown connections carry ` (unknown)`.

use super::diff::{ConnDiff, DiffKind};
use super::INGRESS_CONTROLLER;
use crate::text::escape::markdown_safe;
use std::collections::{BTreeMap, BTreeSet};

/// The column labels of the two states (upstream: `ref1`, `ref2`).
#[derive(Debug, Clone)]
pub struct RefNames {
    pub base: String,
    pub new: String,
}

impl Default for RefNames {
    fn default() -> Self {
        RefNames {
            base: "ref1".into(),
            new: "ref2".into(),
        }
    }
}

const ORDER: [DiffKind; 3] = [DiffKind::Changed, DiffKind::Added, DiffKind::Removed];

/// Lines of the changes in upstream's order, formatted by `line`.
fn ordered_lines(diff: &[ConnDiff], line: impl Fn(&ConnDiff) -> String) -> Vec<String> {
    let mut out = Vec::new();
    for from_ic in [false, true] {
        for kind in ORDER {
            let mut group: Vec<String> = diff
                .iter()
                .filter(|d| d.kind == kind && (d.src == INGRESS_CONTROLLER) == from_ic)
                .map(&line)
                .collect();
            group.sort_unstable();
            out.extend(group);
        }
    }
    out
}

/// `Connectivity diff:` then one `diff-type: …` line per change; empty when nothing changed.
pub fn diff_txt(diff: &[ConnDiff], names: &RefNames) -> String {
    let lines = ordered_lines(diff, |d| {
        let mut s = format!(
            "diff-type: {}, source: {}, destination: {}, {}: {}, {}: {}",
            d.kind.as_str(),
            d.src,
            d.dst,
            names.base,
            d.base.conn_str(),
            names.new,
            d.new.conn_str()
        );
        let info = d.workloads_info();
        if !info.is_empty() {
            s.push_str(", workloads-diff-info: ");
            s.push_str(&info);
        }
        s
    });
    if lines.is_empty() {
        return String::new();
    }
    let mut s = String::from("Connectivity diff:\n");
    for l in lines {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

/// A CSV field as Go's encoding/csv writes it.
fn csv_field(f: &str) -> String {
    let needs = f == r"\." || f.contains([',', '"', '\r', '\n']) || f.starts_with([' ', '\t']);
    if needs {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

/// A header and one row per change; empty when nothing changed.
pub fn diff_csv(diff: &[ConnDiff], names: &RefNames) -> String {
    // Upstream sorts the rows joined with ';' and splits them again.
    let rows = ordered_lines(diff, |d| {
        [
            d.kind.as_str().to_string(),
            d.src.clone(),
            d.dst.clone(),
            d.base.conn_str(),
            d.new.conn_str(),
            d.workloads_info(),
        ]
        .join(";")
    });
    if rows.is_empty() {
        return String::new();
    }
    let header = [
        "diff-type",
        "source",
        "destination",
        &names.base,
        &names.new,
        "workloads-diff-info",
    ];
    let mut s = header.map(csv_field).join(",");
    s.push('\n');
    for r in rows {
        let fields: Vec<String> = r.split(';').map(csv_field).collect();
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s
}

/// A markdown table (no final newline, as upstream); empty when nothing changed.
pub fn diff_md(diff: &[ConnDiff], names: &RefNames) -> String {
    let rows = ordered_lines(diff, |d| {
        // Text from the input cannot open HTML or a table cell (a no-op for valid names).
        let m = |t: &str| markdown_safe(t).into_owned();
        format!(
            "| {} | {} | {} | {} | {} | {} |",
            d.kind.as_str(),
            m(&d.src),
            m(&d.dst),
            m(&d.base.conn_str()),
            m(&d.new.conn_str()),
            m(&d.workloads_info())
        )
    });
    if rows.is_empty() {
        return String::new();
    }
    let mut lines = vec![
        format!(
            "| diff-type | source | destination | {} | {} | workloads-diff-info |",
            names.base, names.new
        ),
        "|-----------|--------|-------------|------|------|---------------------|".to_string(),
    ];
    lines.extend(rows);
    lines.join("\n")
}

/// A Go `%q` string (the names here hold no control characters; quotes and backslashes are
/// escaped, anything else not printable as `\u`).
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A node line: blue for a peer of both states, green for an added workload, red for a
/// removed one.
fn peer_line(name: &str, label: &str, d: &ConnDiff, new_or_removed: bool) -> String {
    let colour = match (new_or_removed, d.kind) {
        (true, DiffKind::Added) => "#008000",
        (true, DiffKind::Removed) => "red",
        _ => "blue",
    };
    format!(
        "\t{} [label={} color={} fontcolor={}]",
        q(name),
        q(label),
        q(colour),
        q(colour)
    )
}

fn edge_line(d: &ConnDiff, names: &RefNames) -> String {
    let (label, colour) = match d.kind {
        DiffKind::Unchanged => (d.base.conn_str(), "grey"),
        DiffKind::Changed => (
            format!(
                "{} ({}: {})",
                d.new.conn_str(),
                names.base,
                d.base.conn_str()
            ),
            "magenta",
        ),
        DiffKind::Removed => (d.base.conn_str(), "red2"),
        DiffKind::Added => (d.new.conn_str(), "#008000"),
    };
    let weight = if d.src.as_bytes() <= d.dst.as_bytes() {
        "0.5"
    } else {
        "1"
    };
    let style = if d.is_unknown() {
        " style=\"dashed\""
    } else {
        ""
    };
    format!(
        "\t{} -> {} [label={} color={} fontcolor={} weight={weight}{style}]",
        q(&d.src),
        q(&d.dst),
        q(&label),
        q(colour),
        q(colour)
    )
}

const LEGEND: &str = "\tnodesep=0.5
\tsubgraph cluster_legend {
\t\tlabel=\"Legend\"
\t\tfontsize = 10
\t\tmargin=0
\t\ta [style=invis height=0 width=0]
\t\tb [style=invis height=0 width=0]
\t\tc [style=invis height=0 width=0]
\t\td [style=invis height=0 width=0]
\t\te [style=invis height=0 width=0]
\t\tf [style=invis height=0 width=0]
\t\tg [style=invis height=0 width=0]
\t\th [style=invis height=0 width=0]
\t\t{rank=source a b c d}
\t\t{rank=same e f g h}
\t\ta -> b [label=\"added connection\", color=\"#008000\" fontcolor=\"#008000\" fontsize = 10 arrowsize=0.2]
\t\tc -> d [label=\"removed connection\", color=\"red2\" fontcolor=\"red2\" fontsize = 10 arrowsize=0.2]
\t\te -> f [label=\"changed connection\", color=\"magenta\" fontcolor=\"magenta\" fontsize = 10 arrowsize=0.2]
\t\tg -> h [label=\"unchanged connection\", color=\"grey\" fontcolor=\"grey\" fontsize = 10 arrowsize=0.2]
\t\tnp [label=\"new peer\" color=\"#008000\" fontcolor=\"#008000\" fontsize = 10]
\t\tlp [label=\"lost peer\" color=\"red\" fontcolor=\"red\" fontsize = 10]
\t\tpp [label=\"persistent peer\" color=\"blue\" fontcolor=\"blue\" fontsize = 10]
\t\t{rank=sink np lp pp}
\t\tnp->lp [style=invis]
\t\tlp->pp [style=invis]
\t}";

/// Graphviz: one cluster per namespace, every pair of either state as an edge coloured by
/// what happened to it, and upstream's legend; empty when nothing changed.
pub fn diff_dot(diff: &[ConnDiff], names: &RefNames) -> String {
    if !super::diff::has_changes(diff) {
        return String::new();
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut by_ns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut externals: Vec<String> = Vec::new();
    let mut edges: Vec<String> = Vec::new();
    let mut ic_edges: Vec<String> = Vec::new();
    // Peers take the colour of the first category they appear in, in upstream's order.
    for kind in [
        DiffKind::Unchanged,
        DiffKind::Changed,
        DiffKind::Added,
        DiffKind::Removed,
    ] {
        for d in diff.iter().filter(|d| d.kind == kind) {
            for (name, ns, nr) in [
                (&d.src, &d.src_namespace, d.src_new_or_removed),
                (&d.dst, &d.dst_namespace, d.dst_new_or_removed),
            ] {
                if !seen.insert(name.as_str()) {
                    continue;
                }
                match ns {
                    Some(ns) => {
                        let label = name.split_once('/').map_or(name.as_str(), |(_, r)| r);
                        by_ns
                            .entry(format!("{ns}[namespace]"))
                            .or_default()
                            .push(format!("\t{}", peer_line(name, label, d, nr)));
                    }
                    None => externals.push(peer_line(name, name, d, nr)),
                }
            }
            if d.src == INGRESS_CONTROLLER {
                ic_edges.push(edge_line(d, names));
            } else {
                edges.push(edge_line(d, names));
            }
        }
    }
    externals.sort_unstable();
    edges.sort_unstable();
    ic_edges.sort_unstable();
    let mut lines = vec!["digraph {".to_string()];
    for (ns, mut peers) in by_ns {
        peers.sort_unstable();
        lines.push(format!(
            "\tsubgraph \"cluster_{}\" {{",
            ns.replace('-', "_")
        ));
        lines.push("\t\tcolor=\"black\"".into());
        lines.push("\t\tfontcolor=\"black\"".into());
        lines.extend(peers);
        lines.push(format!("\t\tlabel=\"{ns}\""));
        lines.push("\t}".into());
    }
    lines.extend(externals);
    lines.extend(edges);
    lines.extend(ic_edges);
    lines.push(LEGEND.to_string());
    lines.push("}".into());
    lines.join("\n")
}

//! The page of `diff -o html`: one small self-contained document (the report's CSS, no
//! script, a Content-Security-Policy that forbids every fetch). Every string from the input
//! goes through `esc`.

use super::{esc, finding_html, CSS};
use netdoctor_core::rules::diff::FindingsDiff;
use netdoctor_core::sim::netpol::{ConnDiff, DiffKind};
use std::fmt::Write as _;

/// What the page shows.
pub struct DiffPage<'a> {
    pub base: &'a str,
    pub new: &'a str,
    /// The changed pairs (unchanged ones left out).
    pub changes: &'a [&'a ConnDiff],
    pub workloads_added: &'a [String],
    pub workloads_removed: &'a [String],
    pub findings: &'a FindingsDiff,
    pub unknown: &'a [String],
}

const DIFF_CSS: &str = "tr.added td.k{color:var(--ok)}tr.removed td.k{color:var(--err)}tr.changed td.k{color:var(--warn)}\
td.unknown{font-style:italic;color:var(--warn)}";

fn count(p: &DiffPage<'_>, kind: DiffKind) -> usize {
    p.changes.iter().filter(|d| d.kind == kind).count()
}

pub fn render(p: &DiffPage<'_>) -> String {
    let mut s = String::with_capacity(16 * 1024);
    let title = "netdoctor diff";
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{title}</title>\n<style>\n{CSS}{DIFF_CSS}\n</style>\n</head>\n<body>\n\
         <header><h1>{title}</h1><p class=\"sub\">netdoctor {} · base: {} · new: {}</p>\n\
         <nav><a href=\"#connections\">Connections</a><a href=\"#findings\">Findings</a></nav></header>\n",
        env!("CARGO_PKG_VERSION"),
        esc(p.base),
        esc(p.new)
    );
    s.push_str("<section id=\"summary\"><div class=\"cards\">");
    let cards = [
        ("changed", count(p, DiffKind::Changed), "warning"),
        ("added", count(p, DiffKind::Added), "ok"),
        ("removed", count(p, DiffKind::Removed), "error"),
        ("findings appeared", p.findings.appeared.len(), "error"),
        ("findings disappeared", p.findings.disappeared.len(), "ok"),
    ];
    for (label, n, class) in cards {
        let _ = write!(
            s,
            "<div class=\"card {}\"><b>{n}</b>{label}</div>",
            if n == 0 { "" } else { class }
        );
    }
    s.push_str("</div></section>\n<section id=\"connections\"><h2>Connections</h2>\n");
    if p.changes.is_empty() {
        s.push_str("<p>No connection changed.</p>\n");
    } else {
        s.push_str(
            "<table><tr><th>change</th><th>source</th><th>destination</th><th>base</th><th>new</th><th>workloads</th></tr>\n",
        );
        for d in p.changes {
            let cell = |side: &netdoctor_core::sim::netpol::DiffSide| {
                let class = if side.is_unknown() {
                    " class=\"unknown\""
                } else {
                    ""
                };
                format!(
                    "<td{class} title=\"{}\">{}</td>",
                    esc(&side.unknown_reasons.join("; ")),
                    esc(&side.conn_str())
                )
            };
            let _ = writeln!(
                s,
                "<tr class=\"{k}\"><td class=\"k\">{k}</td><td><code>{}</code></td><td><code>{}</code></td>{}{}<td>{}</td></tr>",
                esc(&d.src),
                esc(&d.dst),
                cell(&d.base),
                cell(&d.new),
                esc(&d.workloads_info()),
                k = d.kind.as_str(),
            );
        }
        s.push_str("</table>\n");
    }
    for (label, list) in [
        ("Workloads added", p.workloads_added),
        ("Workloads removed", p.workloads_removed),
    ] {
        if !list.is_empty() {
            let names: Vec<String> = list
                .iter()
                .map(|w| format!("<code>{}</code>", esc(w)))
                .collect();
            let _ = writeln!(s, "<p><b>{label}:</b> {}</p>", names.join(", "));
        }
    }
    if !p.unknown.is_empty() {
        s.push_str("<ul class=\"evidence\">");
        for u in p.unknown {
            let _ = write!(s, "<li>{}</li>", esc(u));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n<section id=\"findings\"><h2>Findings</h2>\n");
    if p.findings.is_empty() {
        s.push_str("<p>No finding appeared or disappeared.</p>\n");
    }
    for (label, id, list) in [
        ("Appeared", "appeared", &p.findings.appeared),
        ("Disappeared", "disappeared", &p.findings.disappeared),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "<h3 id=\"{id}\">{label} ({})</h3>", list.len());
        for (i, f) in list.iter().enumerate() {
            finding_html(&mut s, &format!("{id}-{i}"), f);
        }
    }
    s.push_str("</section>\n</body></html>\n");
    s
}

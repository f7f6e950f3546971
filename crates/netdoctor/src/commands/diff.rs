//! `netdoctor diff --base OLD -f NEW`: what a change does to connectivity (connections added,
//! removed and changed, with the workloads involved) and to the checks (findings that appear
//! and disappear). The contract is in docs/diff.md.

use crate::input::{Input, InputArgs};
use crate::output::{emit, findings_table, structured, style, OutputFormat};
use crate::{CliError, CmdResult};
use clap::Args;
use netdoctor_core::rules::diff::{diff_findings, FindingsDiff};
use netdoctor_core::rules::{self, RunOptions};
use netdoctor_core::sim::netpol::{
    diff_clusters, diff_csv, diff_dot, diff_md, diff_txt, ConnDiff, DiffKind, DiffOptions,
    DiffSide, FlowVerdict, RefNames,
};
use netdoctor_core::text::escape::terminal_safe as safe;
use netdoctor_core::Finding;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The base (old) state: a file or directory, repeatable, `-` for stdin. Without it the
    /// base is the live cluster (--kubeconfig/--context), compared against the -f files.
    #[arg(long = "base", value_name = "PATH")]
    pub base: Vec<PathBuf>,

    /// The new state is read with -f (files or directories); without -f it is the live
    /// cluster, compared against the --base files.
    #[command(flatten)]
    pub input: InputArgs,

    /// Treat hostNetwork pods like other pods (as np-guard netpol-analyzer does); with it
    /// -o txt/csv/md/dot match netpol-analyzer's `diff` byte for byte.
    #[arg(long = "host-network-as-pods")]
    pub host_network_as_pods: bool,

    /// The label of the base state in txt/csv/md/dot (netpol-analyzer's `ref1`).
    #[arg(long = "base-name", value_name = "NAME", default_value = "ref1")]
    pub base_name: String,

    /// The label of the new state in txt/csv/md/dot (netpol-analyzer's `ref2`).
    #[arg(long = "new-name", value_name = "NAME", default_value = "ref2")]
    pub new_name: String,
}

/// Both states, read and analysed.
struct States {
    base: Input,
    new: Input,
    base_roots: Vec<String>,
    new_roots: Vec<String>,
    scope: Vec<String>,
}

fn read_states(args: &DiffArgs, verbose: bool) -> Result<States, CliError> {
    if args.base.is_empty() && args.input.files.is_empty() {
        return Err(CliError::usage(
            "diff compares two states: give the base with --base PATH and the new state with -f PATH (either one may be left out to read the live cluster, not both)",
        ));
    }
    let base_args = InputArgs {
        files: args.base.clone(),
        ..args.input.clone()
    };
    let base = base_args.read(verbose)?;
    let new = args.input.read(verbose)?;
    // A live side without -n/-A is scoped to the context's namespace: compare both states
    // in that scope.
    let scope = if base.scope.is_empty() {
        new.scope.clone()
    } else {
        base.scope.clone()
    };
    let roots = |p: &[PathBuf]| p.iter().map(|x| x.display().to_string()).collect();
    Ok(States {
        base_roots: roots(&args.base),
        new_roots: roots(&args.input.files),
        base,
        new,
        scope,
    })
}

/// One state's side of a changed connection in JSON.
#[derive(Serialize)]
struct SideJson {
    /// The connections (connlist form), null when there is none.
    conn: Option<String>,
    /// `allowed` (a connection), `denied` (none) or `unknown` (a policy kind netdoctor does
    /// not model governs the pair in this state).
    verdict: FlowVerdict,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unknown_reasons: Vec<String>,
}

impl From<&DiffSide> for SideJson {
    fn from(s: &DiffSide) -> Self {
        SideJson {
            conn: s.conn.as_ref().map(|c| c.to_string()),
            verdict: if s.is_unknown() {
                FlowVerdict::Unknown
            } else if s.conn.is_some() {
                FlowVerdict::Allowed
            } else {
                FlowVerdict::Denied
            },
            unknown_reasons: s.unknown_reasons.clone(),
        }
    }
}

#[derive(Serialize)]
struct ConnJson {
    diff_type: DiffKind,
    src: String,
    dst: String,
    base: SideJson,
    new: SideJson,
    /// netpol-analyzer's `workloads-diff-info` (`workload ns/x[Deployment] added`).
    #[serde(skip_serializing_if = "String::is_empty")]
    workloads_diff_info: String,
}

#[derive(Serialize)]
struct WorkloadsJson {
    added: Vec<String>,
    removed: Vec<String>,
}

#[derive(Serialize)]
struct FindingsJson<'a> {
    appeared: &'a [Finding],
    disappeared: &'a [Finding],
}

#[derive(Serialize)]
struct SummaryJson {
    changed: usize,
    added: usize,
    removed: usize,
    findings_appeared: usize,
    findings_disappeared: usize,
    unknown: usize,
}

/// The JSON of `diff` (docs/diff.md).
#[derive(Serialize)]
struct DiffReport<'a> {
    /// True when anything changed (the exit code is then 1).
    changes: bool,
    base: Vec<String>,
    new: Vec<String>,
    connections: Vec<ConnJson>,
    workloads: WorkloadsJson,
    findings: FindingsJson<'a>,
    /// Per state, the workloads whose connections a policy kind netdoctor does not model
    /// governs (connections other than the listed ones may exist there).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unknown: Vec<String>,
    summary: SummaryJson,
}

pub fn run(args: DiffArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    let states = read_states(&args, verbose)?;
    // One implementation of the map (policy map's), called once per state.
    let map_diff = diff_clusters(
        &states.base.cluster,
        &states.new.cluster,
        &DiffOptions {
            namespaces: states.scope.clone(),
            host_network_as_pods: args.host_network_as_pods,
        },
    );
    let diff = &map_diff.pairs;
    let run_options = RunOptions {
        namespaces: states.scope.clone(),
        ..RunOptions::default()
    };
    let findings = diff_findings(
        &rules::run(&states.base.cluster, &run_options),
        &rules::run(&states.new.cluster, &run_options),
        &states.base_roots,
        &states.new_roots,
    );
    let unknown = &map_diff.unknown;
    let changes: Vec<&ConnDiff> = map_diff.changes().collect();
    let changed = map_diff.has_changes() || !findings.is_empty();
    let names = RefNames {
        base: args.base_name.clone(),
        new: args.new_name.clone(),
    };
    let workloads = WorkloadsJson {
        added: map_diff.workloads_added.clone(),
        removed: map_diff.workloads_removed.clone(),
    };
    let notes =
        |prefix: &str| -> String { unknown.iter().map(|l| format!("{prefix}{l}\n")).collect() };
    let text = match format {
        OutputFormat::Txt => diff_txt(diff, &names) + &notes("note: "),
        OutputFormat::Csv => diff_csv(diff, &names),
        OutputFormat::Md if unknown.is_empty() => diff_md(diff, &names),
        OutputFormat::Md => diff_md(diff, &names) + "\n" + &notes("\n- "),
        OutputFormat::Dot => diff_dot(diff, &names),
        // Code scanning: the findings the change brings, located in the new state's files.
        OutputFormat::Sarif => crate::output::to_json(&crate::ci::sarif::render(
            &findings.appeared,
            &crate::ci::sarif::locate_in(&states.new.cluster),
        ))?,
        OutputFormat::Junit => return Err(format.unsupported("diff")),
        OutputFormat::Json | OutputFormat::Yaml => {
            let report = DiffReport {
                changes: changed,
                base: input_names(&states.base_roots),
                new: input_names(&states.new_roots),
                connections: changes
                    .iter()
                    .map(|d| ConnJson {
                        diff_type: d.kind,
                        src: d.src.clone(),
                        dst: d.dst.clone(),
                        base: (&d.base).into(),
                        new: (&d.new).into(),
                        workloads_diff_info: d.workloads_info(),
                    })
                    .collect(),
                summary: SummaryJson {
                    changed: map_diff.count(DiffKind::Changed),
                    added: map_diff.count(DiffKind::Added),
                    removed: map_diff.count(DiffKind::Removed),
                    findings_appeared: findings.appeared.len(),
                    findings_disappeared: findings.disappeared.len(),
                    unknown: diff.iter().filter(|d| d.is_unknown()).count(),
                },
                workloads,
                findings: FindingsJson {
                    appeared: &findings.appeared,
                    disappeared: &findings.disappeared,
                },
                unknown: unknown.clone(),
            };
            structured(format, &report).unwrap_or_else(|| Ok(String::new()))?
        }
        OutputFormat::Html => crate::report::diff::render(&crate::report::diff::DiffPage {
            base: &input_names(&states.base_roots).join(", "),
            new: &input_names(&states.new_roots).join(", "),
            changes: &changes,
            workloads_added: &workloads.added,
            workloads_removed: &workloads.removed,
            findings: &findings,
            unknown,
        }),
        OutputFormat::Table => table(&changes, &workloads, &findings, unknown),
    };
    emit(format, &text)?;
    if matches!(
        format,
        OutputFormat::Txt | OutputFormat::Csv | OutputFormat::Md | OutputFormat::Dot
    ) && !findings.is_empty()
    {
        eprintln!(
            "netdoctor: {} finding(s) appeared and {} disappeared (not part of this format: see the default output, -o json or -o html)",
            findings.appeared.len(),
            findings.disappeared.len()
        );
    }
    // Changes found, or a verdict the diff cannot know: never success.
    Ok(if changed || map_diff.has_unknown() {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    })
}

fn input_names(roots: &[String]) -> Vec<String> {
    if roots.is_empty() {
        vec!["live cluster".to_string()]
    } else {
        roots.to_vec()
    }
}

/// The default output: the changed connections, the workloads added and removed, then the
/// findings that appear and disappear.
fn table(
    changes: &[&ConnDiff],
    workloads: &WorkloadsJson,
    findings: &FindingsDiff,
    unknown: &[String],
) -> String {
    let mut s = String::new();
    let nothing = changes.is_empty()
        && findings.is_empty()
        && workloads.added.is_empty()
        && workloads.removed.is_empty();
    if nothing {
        s.push_str(&style::paint(style::GOOD, "No changes."));
        s.push('\n');
    }
    if !changes.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            style::paint(style::BOLD, "Connections (base → new)")
        );
        let w1 = changes.iter().map(|d| d.src.len()).max().unwrap_or(0);
        let w2 = changes.iter().map(|d| d.dst.len()).max().unwrap_or(0);
        for d in changes {
            let (mark, colour) = match d.kind {
                DiffKind::Added => ("+ added  ", style::GOOD),
                DiffKind::Removed => ("- removed", style::ERROR),
                _ => ("~ changed", style::WARNING),
            };
            let _ = write!(
                s,
                "  {} {:w1$}  →  {:w2$}  {} → {}",
                style::paint(colour, mark),
                safe(&d.src),
                safe(&d.dst),
                safe(&d.base.conn_str()),
                safe(&d.new.conn_str())
            );
            let info = d.workloads_info();
            if !info.is_empty() {
                let _ = write!(s, "  ({})", safe(&info));
            }
            s.push('\n');
        }
        s.push('\n');
    }
    for (label, list) in [
        ("Workloads added", &workloads.added),
        ("Workloads removed", &workloads.removed),
    ] {
        if !list.is_empty() {
            let names: Vec<String> = list.iter().map(|w| safe(w).into_owned()).collect();
            let _ = writeln!(
                s,
                "{}: {}\n",
                style::paint(style::BOLD, label),
                names.join(", ")
            );
        }
    }
    for (label, list) in [
        ("Findings that appear", &findings.appeared),
        ("Findings that disappear", &findings.disappeared),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{} ({})\n", style::paint(style::BOLD, label), list.len());
        let body = findings_table(list);
        // findings_table ends with its summary line: keep the findings only.
        let body = body
            .rsplit_once("\n\n")
            .map(|(f, _)| format!("{f}\n\n"))
            .unwrap_or(body);
        s.push_str(&body);
    }
    for l in unknown {
        let _ = writeln!(s, "note: {}", safe(l));
    }
    let kinds: BTreeSet<DiffKind> = changes.iter().map(|d| d.kind).collect();
    if !changes.is_empty() || !findings.is_empty() {
        let _ = writeln!(
            s,
            "{} connection change(s) ({}), {} finding(s) appeared, {} disappeared",
            changes.len(),
            kinds
                .iter()
                .map(|k| format!(
                    "{} {}",
                    changes.iter().filter(|d| d.kind == *k).count(),
                    k.as_str()
                ))
                .collect::<Vec<_>>()
                .join(", "),
            findings.appeared.len(),
            findings.disappeared.len()
        );
    }
    s
}

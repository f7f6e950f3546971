//! What the integration tests share: reading fixtures and examples from disk (with the
//! binary's own reader: core does no I/O), building the cluster, and rendering findings as
//! they read in a snapshot.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

#[path = "../../../netdoctor/src/files.rs"]
mod reader;

use netdoctor_core::load::{load_bytes, LoadResult};
use netdoctor_core::model::{BuildOptions, Cluster, InputFacts};
use netdoctor_core::rules::{self, Area, RunOptions};
use netdoctor_core::Finding;
use reader::FilesError;
use std::path::{Path, PathBuf};

/// Reads files and directories as `netdoctor -f` does.
pub fn load_paths(paths: &[PathBuf]) -> Result<LoadResult, FilesError> {
    let mut result = LoadResult::default();
    reader::read_each(paths, |name, bytes| result.merge(load_bytes(name, bytes)))?;
    Ok(result)
}

/// A cluster of `examples/` at the repository root (`seed-cluster`, `healthy-cluster`).
pub fn example(dir: &str) -> Cluster {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(dir);
    let loaded = load_paths(&[path]).expect("example readable");
    Cluster::build(loaded, &BuildOptions::default())
}

/// The fixtures of one rule: `tests/fixtures/rules/<CODE>/fires.yaml` and `quiet.yaml`.
pub fn rule_fixture_dir(code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(code)
}

/// Loads a rule fixture. Its first line may say how it was read: `# live` marks the state as
/// read from a live cluster (status is current); `# forbidden: NetworkPolicy,Ingress` names
/// the kinds a live read was forbidden to list (for INP003-style rules).
pub fn load_fixture(path: &Path) -> Cluster {
    let loaded = load_paths(&[path.to_path_buf()]).expect("fixture readable");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let first_line = text.lines().next().unwrap_or_default();
    let input = InputFacts {
        live: first_line.trim() == "# live",
        unreadable_kinds: first_line
            .strip_prefix("# forbidden:")
            .map(|rest| rest.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default(),
        read_namespaces: None,
        ..InputFacts::default()
    };
    Cluster::build(
        loaded,
        &BuildOptions {
            input,
            ..BuildOptions::default()
        },
    )
}

/// Every finding of the rules of one area, as `doctor` orders them.
pub fn findings_of_area(cluster: &Cluster, area: Area) -> Vec<Finding> {
    rules::run(cluster, &RunOptions::default())
        .into_iter()
        .filter(|f| rules::find(&f.code).is_some_and(|r| r.area == area))
        .collect()
}

/// Findings as an incident note reads: `code object message`, then evidence and the fix.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{} {} {}\n", f.code, f.object, f.message));
        render_details(f, &mut out);
    }
    out
}

/// Findings with their severity, as `doctor` prints them: `severity[code] object message`,
/// then evidence and the fix.
pub fn render_with_severity(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}[{}] {} {}\n",
            f.severity, f.code, f.object, f.message
        ));
        render_details(f, &mut out);
    }
    out
}

/// Evidence lines, then the fix: its title, commands and YAML.
fn render_details(f: &Finding, out: &mut String) {
    for e in &f.evidence {
        out.push_str(&format!("  evidence: {e}\n"));
    }
    if let Some(fix) = &f.fix {
        out.push_str(&format!("  fix: {}\n", fix.title));
        for c in &fix.commands {
            out.push_str(&format!("    $ {c}\n"));
        }
        if let Some(y) = &fix.yaml {
            for l in y.lines() {
                out.push_str(&format!("    | {l}\n"));
            }
        }
    }
}

//! The real-world corpus (`tests/realworld/`, issue 16): public installs and examples, taken
//! verbatim upstream, each with expectations written from Kubernetes semantics and the
//! source's own documentation (`expect.yaml`, described in `tests/realworld/README.md`).
//!
//! Every expectation becomes one check run against the real binary. A check that fails must
//! be listed in `tests/realworld/KNOWN_FAILURES.txt` with the reason (what netdoctor still
//! gets wrong); a listed check that now passes fails the test too, so the list only shrinks
//! and never hides a fixed case.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
struct Expect {
    #[serde(default)]
    healthy: Option<bool>,
    #[serde(default)]
    must_report: Vec<FindingExpect>,
    #[serde(default)]
    must_not_report: Vec<FindingExpect>,
    #[serde(default)]
    flows: Vec<FlowExpect>,
    #[serde(default)]
    dns: Vec<DnsExpect>,
    #[serde(default)]
    traces: Vec<TraceExpect>,
}

#[derive(Debug, Deserialize)]
struct FindingExpect {
    code: String,
    object: String,
    #[serde(default)]
    max_severity: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FlowExpect {
    from: String,
    to: String,
    port: String,
    verdict: String,
}

#[derive(Debug, Deserialize)]
struct DnsExpect {
    from: String,
    name: String,
    resolves: bool,
}

#[derive(Debug, Deserialize)]
struct TraceExpect {
    from: String,
    to: String,
    reachable: bool,
    #[serde(default)]
    symptom: Option<String>,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realworld")
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

fn netdoctor(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `-f FILE` for every manifest of a case (not its `expect.yaml`), in name order.
fn manifests(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("case dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name != "expect.yaml"
                && [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
        })
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| ["-f".to_string(), f.to_string_lossy().into_owned()])
        .collect()
}

/// `(check id, Ok or the reason it failed)` for every expectation of one case.
fn check_case(dir: &Path) -> Vec<(String, Result<(), String>)> {
    let text = std::fs::read_to_string(dir.join("expect.yaml")).expect("expect.yaml");
    let expect: Expect = serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: expect.yaml: {e}", dir.display()));
    let input = manifests(dir);
    let input: Vec<&str> = input.iter().map(String::as_str).collect();
    let mut results = Vec::new();
    let doctor = netdoctor(&[&["doctor", "-o", "json"], &input[..]].concat());
    let findings: Vec<&Value> = doctor.json["findings"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let found = |code: &str, object: &str| -> Vec<&str> {
        findings
            .iter()
            .filter(|f| f["code"] == code && object_of(f) == object)
            .map(|f| f["severity"].as_str().unwrap_or_default())
            .collect()
    };
    if expect.healthy == Some(true) {
        let errors: Vec<String> = findings
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| format!("{} {}", f["code"], object_of(f)))
            .collect();
        let verdict = if doctor.json.is_null() {
            Err(format!("doctor printed no JSON: {}", doctor.stderr.trim()))
        } else if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "error findings on a healthy install: {}",
                errors.join(", ")
            ))
        };
        results.push(("healthy".to_string(), verdict));
    }
    for f in &expect.must_report {
        let verdict = if found(&f.code, &f.object).is_empty() {
            Err("not reported".to_string())
        } else {
            Ok(())
        };
        results.push((format!("reports {} {}", f.code, f.object), verdict));
    }
    for f in &expect.must_not_report {
        let severities = found(&f.code, &f.object);
        let allowed = |s: &&str| f.max_severity.as_deref() == Some("info") && *s == "info";
        let verdict = match severities.iter().find(|s| !allowed(s)) {
            Some(s) => Err(format!("reported at {s}")),
            None => Ok(()),
        };
        results.push((format!("does not report {} {}", f.code, f.object), verdict));
    }
    for flow in &expect.flows {
        results.push((
            format!(
                "flow {} -> {} :{} {}",
                flow.from, flow.to, flow.port, flow.verdict
            ),
            check_flow(&input, flow),
        ));
    }
    for d in &expect.dns {
        let args = ["dns", "resolve", &d.name, "--from", &d.from, "-o", "json"];
        let run = netdoctor(&[&args[..], &input[..]].concat());
        let resolves = run.code == 0;
        let verdict = if run.code == 2 {
            Err(format!("usage error: {}", run.stderr.trim()))
        } else if resolves == d.resolves {
            Ok(())
        } else {
            Err(format!("exit {}", run.code))
        };
        results.push((
            format!("dns {} from {} resolves={}", d.name, d.from, d.resolves),
            verdict,
        ));
    }
    for t in &expect.traces {
        results.push((
            format!("trace {} -> {} reachable={}", t.from, t.to, t.reachable),
            check_trace(&input, t),
        ));
    }
    results
}

fn object_of(f: &Value) -> String {
    let o = &f["object"];
    let kind = o["kind"].as_str().unwrap_or_default().to_ascii_lowercase();
    let name = o["name"].as_str().unwrap_or_default();
    match o["namespace"].as_str() {
        Some(ns) => format!("{ns}/{kind}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

fn check_flow(input: &[&str], flow: &FlowExpect) -> Result<(), String> {
    let args = [
        "policy", "check", "--from", &flow.from, "--to", &flow.to, "--port", &flow.port, "-o",
        "json",
    ];
    let run = netdoctor(&[&args[..], input].concat());
    if run.code == 2 || run.json.is_null() {
        return Err(format!("exit {}: {}", run.code, run.stderr.trim()));
    }
    let said = match (run.json["verdict"].as_str(), run.json["allowed"].as_bool()) {
        (Some(v), _) => v.to_string(),
        (None, Some(true)) => "allowed".into(),
        (None, _) => "denied".into(),
    };
    let exit_ok = match flow.verdict.as_str() {
        "allowed" => run.code == 0,
        _ => run.code != 0,
    };
    if said == flow.verdict && exit_ok {
        Ok(())
    } else {
        Err(format!("said {said}, exit {}", run.code))
    }
}

fn check_trace(input: &[&str], t: &TraceExpect) -> Result<(), String> {
    let args = ["trace", "--from", &t.from, "--to", &t.to, "-o", "json"];
    let run = netdoctor(&[&args[..], input].concat());
    if run.code == 2 || run.json.is_null() {
        return Err(format!("exit {}: {}", run.code, run.stderr.trim()));
    }
    let reachable = run.json["reachable"].as_bool() == Some(true) && run.code == 0;
    let symptom = run.json["symptom"].as_str().unwrap_or("none");
    if reachable != t.reachable {
        return Err(format!(
            "reachable={reachable} (exit {}), symptom {symptom}",
            run.code
        ));
    }
    match &t.symptom {
        Some(want) if want != symptom => Err(format!("symptom {symptom}")),
        _ => Ok(()),
    }
}

/// `case<TAB>check id` → reason, from KNOWN_FAILURES.txt.
fn known_failures() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(corpus().join("KNOWN_FAILURES.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let case = parts.next().unwrap_or_default().to_string();
            let check = parts.next().unwrap_or_default().to_string();
            let why = parts.next().unwrap_or_default().to_string();
            ((case, check), why)
        })
        .collect()
}

#[test]
fn every_real_world_case_meets_its_expectations() {
    let known = known_failures();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("tests/realworld")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expect.yaml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 12, "the corpus has {} cases", cases.len());
    let (mut passed, mut failed_known) = (0, 0);
    let mut unexpected = Vec::new();
    let mut now_passing = Vec::new();
    for dir in &cases {
        let case = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for (check, verdict) in check_case(dir) {
            let listed = known.contains_key(&(case.clone(), check.clone()));
            match (verdict, listed) {
                (Ok(()), false) => passed += 1,
                (Ok(()), true) => now_passing.push(format!("{case}\t{check}")),
                (Err(_), true) => failed_known += 1,
                (Err(why), false) => unexpected.push(format!("{case}\t{check}\t{why}")),
            }
        }
    }
    eprintln!("real-world corpus: {passed} checks pass, {failed_known} known failures");
    assert!(
        unexpected.is_empty() && now_passing.is_empty(),
        "failing checks not in KNOWN_FAILURES.txt:\n{}\n\nlisted in KNOWN_FAILURES.txt but passing now (remove them):\n{}",
        unexpected.join("\n"),
        now_passing.join("\n")
    );
}

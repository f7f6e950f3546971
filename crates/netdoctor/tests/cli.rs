//! End-to-end tests of the real binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn netdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn netdoctor_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn doctor_json_follows_the_interface() {
    let o = netdoctor(&["doctor", "-f", "examples/seed-cluster", "-o", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let findings = v["findings"].as_array().expect("findings array");
    assert!(!findings.is_empty());
    for f in findings {
        for field in ["code", "rule", "severity", "message"] {
            assert!(f[field].is_string(), "{field} missing in {f}");
        }
        assert!(f["object"]["kind"].is_string() && f["object"]["name"].is_string());
    }
    let inp = findings
        .iter()
        .find(|f| f["code"] == "INP001")
        .expect("INP001");
    let msg = inp["message"].as_str().unwrap();
    assert!(
        msg.contains("broken.yaml") && msg.contains("document 2") && msg.contains("line 26"),
        "{msg}"
    );
    let sum = &v["summary"];
    assert!(sum["error"].as_u64().unwrap() >= 1);
    assert!(sum["warning"].is_u64() && sum["info"].is_u64());
}

#[test]
fn healthy_cluster_is_clean() {
    let o = netdoctor(&["doctor", "-f", "examples/healthy-cluster"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("No problems found"));
}

#[test]
fn stdin_takes_kubectl_json() {
    let text =
        std::fs::read_to_string(repo().join("examples/healthy-cluster/cluster.yaml")).unwrap();
    // Convert via our own snapshot to JSON, then feed it back on stdin.
    let snap = netdoctor(&["snapshot", "-f", "examples/healthy-cluster", "-o", "json"]);
    assert_eq!(snap.status.code(), Some(0));
    let o = netdoctor_stdin(&["doctor", "-f", "-", "-o", "json"], &snap.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = netdoctor_stdin(&["doctor", "-f", "-"], text.as_bytes());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn snapshot_round_trips_to_the_same_findings() {
    let direct = netdoctor(&[
        "doctor",
        "-f",
        "examples/seed-cluster/cluster.yaml",
        "-o",
        "json",
    ]);
    let snap = netdoctor(&["snapshot", "-f", "examples/seed-cluster/cluster.yaml"]);
    let text = stdout(&snap);
    assert!(
        !text.contains("UExBQ0VIT0xERVI="),
        "secret data leaked into the snapshot"
    );
    let again = netdoctor_stdin(&["doctor", "-f", "-", "-o", "json"], &snap.stdout);
    let strip = |v: serde_json::Value| {
        // Origins (file/line) differ between the two inputs; compare the rest.
        let mut v = v;
        // So does the list of inputs read (a file, then `<stdin>`).
        v.as_object_mut().unwrap().remove("inputs");
        for f in v["findings"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("message");
        }
        v
    };
    assert_eq!(strip(json(&direct)), strip(json(&again)));
}

#[test]
fn missing_path_is_a_usage_error() {
    let o = netdoctor(&["doctor", "-f", "does/not/exist.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does/not/exist.yaml") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn nothing_readable_is_a_usage_error() {
    let o = netdoctor_stdin(&["doctor", "-f", "-"], b"key: [unclosed\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing readable"));
}

#[test]
fn rules_json_lists_the_catalogue() {
    let o = netdoctor(&["rules", "-o", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let rules = v.as_array().unwrap();
    assert!(rules.iter().any(|r| r["code"] == "INP001"));
    for r in rules {
        for field in ["code", "name", "severity", "docs"] {
            assert!(r[field].is_string(), "{field} in {r}");
        }
    }
}

#[test]
fn explain_shows_the_doc_and_rejects_unknown_codes() {
    let o = netdoctor(&["explain", "inp001"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("## How to fix"));
    assert_eq!(netdoctor(&["explain", "XYZ999"]).status.code(), Some(2));
}

#[test]
fn docs_rules_md_is_the_generated_catalogue() {
    let o = netdoctor(&["rules", "-o", "md"]);
    let on_disk = std::fs::read_to_string(repo().join("docs/rules.md")).unwrap_or_default();
    assert!(
        stdout(&o) == on_disk,
        "docs/rules.md is stale: run `cargo run -q -- rules -o md > docs/rules.md`"
    );
}

#[test]
fn doctor_object_filters_to_what_concerns_it() {
    let o = netdoctor(&[
        "doctor",
        "production/service/nope",
        "-f",
        "examples/seed-cluster",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = netdoctor(&[
        "doctor",
        "production/deployment/web-frontend",
        "-f",
        "examples/healthy-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(json(&o)["findings"].as_array().unwrap().is_empty());
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(netdoctor(&["doctor", "--bogus"]).status.code(), Some(2));
    assert_eq!(netdoctor(&["frobnicate"]).status.code(), Some(2));
}

/// Issue 16: what the model assumes beyond the input is said once per run, on stderr (the
/// answer on stdout stays machine-readable): the StatefulSet pods derived up to the cap and
/// the placeholder ClusterIPs of Services given without one.
#[test]
fn model_assumptions_are_said_once_on_stderr() {
    let manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: shop}\nspec:\n  replicas: 100\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: c, image: x}]}\n";
    for args in [
        vec!["doctor", "-f", "-", "-o", "json"],
        vec!["policy", "map", "-f", "-"],
        vec!["trace", "--from", "shop/db-0", "--to", "web:80", "-f", "-"],
    ] {
        let o = netdoctor_stdin(&args, manifest.as_bytes());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            err.matches("netdoctor derives only its first 64 pods (db-0 to db-63)")
                .count(),
            1,
            "{args:?}: {err}"
        );
        assert_eq!(
            err.matches("Service shop/web has no spec.clusterIP")
                .count(),
            1,
            "{args:?}: {err}"
        );
        assert!(err.contains("198.18.0.0/15"), "{err}");
    }
}

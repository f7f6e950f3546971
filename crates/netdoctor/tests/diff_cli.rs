//! `netdoctor diff` end to end (issue 19 item 1): a one-line NetworkPolicy change to
//! `examples/` shows exactly that change; no change exits 0; unknown verdicts (a policy kind
//! netdoctor does not model) are shown as unknown, never as known; findings appear and
//! disappear as doctor's `Finding` values.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs netdoctor in the repository root; (exit code, stdout, stderr).
fn netdoctor(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh directory under the system's temp dir, named after the test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netdoctor-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A copy of `examples/seed-cluster` where `line` (1-based) of cluster.yaml is replaced.
fn seed_with_line(name: &str, line: usize, expect: &str, replacement: &str) -> PathBuf {
    let src = root().join("examples/seed-cluster");
    let dir = scratch(name);
    for entry in std::fs::read_dir(&src).expect("examples") {
        let p = entry.expect("entry").path();
        let text = std::fs::read_to_string(&p).expect("readable");
        let text = if p.file_name().is_some_and(|n| n == "cluster.yaml") {
            let mut lines: Vec<&str> = text.split('\n').collect();
            assert_eq!(lines[line - 1], expect, "examples changed: update the test");
            lines[line - 1] = replacement;
            lines.join("\n")
        } else {
            text
        };
        std::fs::write(dir.join(p.file_name().expect("name")), text).expect("write");
    }
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `allow-api-from-web` admits web-frontend to api-service on 8080; the new state on 9090.
#[test]
fn one_line_policy_change_shows_exactly_that_change() {
    let new = seed_with_line("port", 5534, "      - port: 8080", "      - port: 9090");
    let (code, out, err) = netdoctor(&[
        "diff",
        "--base",
        "examples/seed-cluster",
        "-f",
        s(&new),
        "-o",
        "txt",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "Connectivity diff:\n\
         diff-type: changed, source: production/web-frontend[Deployment], destination: production/api-service[Deployment], ref1: TCP 8080, ref2: TCP 9090\n"
    );
    let (code, out, err) = netdoctor(&[
        "diff",
        "--base",
        "examples/seed-cluster",
        "-f",
        s(&new),
        "-o",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["changes"], true);
    let conns = v["connections"].as_array().expect("connections");
    assert_eq!(conns.len(), 1, "{out}");
    assert_eq!(conns[0]["diff_type"], "changed");
    assert_eq!(conns[0]["src"], "production/web-frontend[Deployment]");
    assert_eq!(conns[0]["dst"], "production/api-service[Deployment]");
    assert_eq!(conns[0]["base"]["conn"], "TCP 8080");
    assert_eq!(conns[0]["base"]["verdict"], "allowed");
    assert_eq!(conns[0]["new"]["conn"], "TCP 9090");
    assert_eq!(v["workloads"]["added"], serde_json::json!([]));
    assert_eq!(v["workloads"]["removed"], serde_json::json!([]));
    // web-frontend can no longer reach api-service's port: doctor reports it in the new
    // state, as the Finding it produces there.
    let appeared = v["findings"]["appeared"].as_array().expect("appeared");
    let (_, doctor, _) = netdoctor(&["doctor", "-f", s(&new), "-o", "json"]);
    let doctor: Value = serde_json::from_str(&doctor).expect("doctor json");
    for f in appeared {
        assert!(
            doctor["findings"]
                .as_array()
                .is_some_and(|all| all.contains(f)),
            "{f} is not a finding doctor reports"
        );
    }
    let _ = std::fs::remove_dir_all(&new);
}

#[test]
fn no_change_exits_zero_with_empty_connlist_formats() {
    for format in ["txt", "csv", "md", "dot"] {
        let (code, out, err) = netdoctor(&[
            "diff",
            "--base",
            "examples/seed-cluster",
            "-f",
            "examples/seed-cluster",
            "-o",
            format,
        ]);
        assert_eq!(code, 0, "{format}: {err}");
        assert_eq!(out, "", "{format}");
    }
    let (code, out, _) = netdoctor(&[
        "diff",
        "--base",
        "examples/healthy-cluster",
        "-f",
        "examples/healthy-cluster",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "No changes.\n");
}

#[test]
fn both_sides_live_is_a_usage_error() {
    let (code, _, err) = netdoctor(&["diff"]);
    assert_eq!(code, 2);
    assert!(err.contains("--base"), "{err}");
}

/// A CiliumNetworkPolicy added in the new state governs deathstar's ingress: the connections
/// into it are unknown there, never shown as known (allowed, unchanged or removed).
#[test]
fn unknown_verdicts_show_as_unknown() {
    let fixtures = root().join("crates/netdoctor/tests/fixtures/foreign_policy");
    let base = scratch("unknown-base");
    let new = scratch("unknown-new");
    let starwars = std::fs::read_to_string(fixtures.join("starwars.yaml")).expect("fixture");
    let cilium = std::fs::read_to_string(fixtures.join("cilium-rule1.yaml")).expect("fixture");
    std::fs::write(base.join("starwars.yaml"), &starwars).expect("write");
    std::fs::write(new.join("starwars.yaml"), &starwars).expect("write");
    std::fs::write(new.join("cilium.yaml"), &cilium).expect("write");
    let (code, out, err) = netdoctor(&["diff", "--base", s(&base), "-f", s(&new), "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let conns = v["connections"].as_array().expect("connections");
    assert!(!conns.is_empty(), "{out}");
    for c in conns {
        assert_eq!(c["diff_type"], "changed", "{c}");
        assert!(
            c["dst"].as_str().is_some_and(|d| d.contains("deathstar")),
            "{c}"
        );
        assert_eq!(c["base"]["verdict"], "allowed", "{c}");
        assert_eq!(c["new"]["verdict"], "unknown", "{c}");
        assert!(c["new"]["unknown_reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("CiliumNetworkPolicy")));
    }
    assert!(v["unknown"].as_array().is_some_and(|u| !u.is_empty()));
    let (_, txt, _) = netdoctor(&["diff", "--base", s(&base), "-f", s(&new), "-o", "txt"]);
    assert!(txt.contains("(unknown)"), "{txt}");
    assert!(txt.contains("note: new: connections into"), "{txt}");
    // The same files on both sides still cannot be proved unchanged.
    let (code, _, _) = netdoctor(&["diff", "--base", s(&new), "-f", s(&new), "-o", "txt"]);
    assert_eq!(code, 1);
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_dir_all(&new);
}

#[test]
fn html_is_one_escaped_page() {
    let new = seed_with_line("html", 5534, "      - port: 8080", "      - port: 9090");
    let (code, out, err) = netdoctor(&[
        "diff",
        "--base",
        "examples/seed-cluster",
        "-f",
        s(&new),
        "-o",
        "html",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.starts_with("<!DOCTYPE html>"));
    assert!(out.contains("Content-Security-Policy"));
    assert!(out.contains("<code>production/web-frontend[Deployment]</code>"));
    assert!(!out.contains("<script"), "no script needed");
    let _ = std::fs::remove_dir_all(&new);
}

/// The netpol-analyzer corpus next to the repository (as the core conformance test finds it).
fn corpus() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(3)
        .map(|a| a.join("shared/conformance/netpol-analyzer"))
        .find(|p| p.join("index.json").exists())
}

/// The binary itself, in upstream-compatible mode, prints netpol-analyzer's expected outputs
/// byte for byte (the whole corpus is checked on the library in netdoctor-core's
/// `netpol_diff_conformance`; this runs a sample through the command line).
#[test]
fn command_line_matches_netpol_analyzer_byte_for_byte() {
    let Some(root) = corpus() else {
        eprintln!("conformance corpus not found next to the repository; skipped");
        return;
    };
    let cases = [
        (
            "onlineboutique_workloads",
            "onlineboutique_workloads_changed_netpols",
            &["txt", "csv", "md", "dot"][..],
        ),
        (
            "onlineboutique_workloads",
            "onlineboutique_workloads_changed_netpols_and_workloads",
            &["txt", "csv", "md", "dot"],
        ),
        (
            "onlineboutique_workloads",
            "onlineboutique_workloads_changed_workloads",
            &["txt", "csv", "md", "dot"],
        ),
        (
            "netpol-analysis-example-minimal",
            "netpol-diff-example-minimal",
            &["txt", "csv", "md", "dot"],
        ),
        (
            "with_end_port_example",
            "with_end_port_example_new",
            &["txt", "csv", "md", "dot"],
        ),
        ("ipblockstest", "ipblockstest_2", &["txt"]),
        (
            "semanticDiff-same-topologies-old3",
            "semanticDiff-same-topologies-new3",
            &["txt"],
        ),
    ];
    for (dir1, dir2, formats) in cases {
        for fmt in formats {
            let base = root.join("tests").join(dir1);
            let new = root.join("tests").join(dir2);
            let (code, out, err) = netdoctor(&[
                "diff",
                "--base",
                s(&base),
                "-f",
                s(&new),
                "--host-network-as-pods",
                "-o",
                fmt,
            ]);
            let expected = root.join(format!(
                "test_outputs/diff/diff_between_{dir2}_and_{dir1}.{fmt}"
            ));
            let want = std::fs::read_to_string(&expected).expect("expected output");
            assert_eq!(out, want, "{dir1} -> {dir2} -o {fmt}: {err}");
            assert_eq!(
                code,
                if want.is_empty() { 0 } else { 1 },
                "{dir1} -> {dir2}"
            );
        }
    }
}

/// `-n NS` keeps the lines touching NS; a workload outside the scope is still a workload of
/// both states, never reported as added or removed.
#[test]
fn scope_keeps_lines_touching_the_namespace() {
    let (code, out, err) = netdoctor(&[
        "diff",
        "--base",
        "examples/seed-cluster",
        "-f",
        "examples/healthy-cluster",
        "-n",
        "production",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let conns = v["connections"].as_array().expect("connections");
    assert!(!conns.is_empty());
    for c in conns {
        let touches = |k: &str| c[k].as_str().is_some_and(|n| n.starts_with("production/"));
        assert!(touches("src") || touches("dst"), "{c}");
        let info = c["workloads_diff_info"].as_str().unwrap_or_default();
        assert!(!info.contains("monitoring/"), "{c}");
        assert!(!info.contains("ingress-nginx/"), "{c}");
    }
    for w in v["workloads"]["removed"].as_array().into_iter().flatten() {
        assert!(
            w.as_str().is_some_and(|n| n.starts_with("production/")),
            "{w}"
        );
    }
}

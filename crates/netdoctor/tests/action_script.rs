//! The GitHub Action's script (`ci/netdoctor-action.sh`, run by `action.yml`) against
//! `examples/`: SARIF written, outputs set, the gate's exit code, a broken gate fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    out: Output,
    outputs: String,
    summary: String,
    sarif: Option<serde_json::Value>,
}

fn run_action(name: &str, env: &[(&str, &str)]) -> Run {
    let dir = std::env::temp_dir().join(format!("netdoctor-action-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sarif = dir.join("out.sarif");
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("ci/netdoctor-action.sh"))
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env("NETDOCTOR_BIN", env!("CARGO_BIN_EXE_netdoctor"))
        .env("NETDOCTOR_SARIF", &sarif)
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary"))
        .env_remove("NETDOCTOR_BASE")
        .env_remove("NETDOCTOR_ARGS")
        .env_remove("NETDOCTOR_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    Run {
        outputs: read("output"),
        summary: read("summary"),
        sarif: std::fs::read_to_string(&sarif)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok()),
        out,
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn findings_are_reported_and_gated_after_the_sarif_is_written() {
    let r = run_action("seed", &[("NETDOCTOR_PATHS", "examples/seed-cluster")]);
    assert_eq!(r.out.status.code(), Some(0), "{}", stderr(&r.out));
    assert!(r.outputs.contains("exit-code=1"), "{}", r.outputs);
    assert!(r.outputs.contains("sarif="), "{}", r.outputs);
    let sarif = r.sarif.expect("SARIF written");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(
        r.summary.contains("## netdoctor") && r.summary.contains("| severity |"),
        "{}",
        r.summary
    );
    assert!(stderr(&r.out).contains("::error title=netdoctor::findings"));
}

#[test]
fn a_clean_input_passes_and_fail_on_none_never_fails() {
    let r = run_action(
        "healthy",
        &[("NETDOCTOR_PATHS", "examples/healthy-cluster")],
    );
    assert_eq!(r.out.status.code(), Some(0), "{}", stderr(&r.out));
    assert!(r.outputs.contains("exit-code=0"), "{}", r.outputs);
    let r = run_action(
        "none",
        &[
            (
                "NETDOCTOR_PATHS",
                "examples/seed-cluster\nexamples/healthy-cluster/cluster.yaml",
            ),
            ("NETDOCTOR_FAIL_ON", "none"),
        ],
    );
    assert!(r.outputs.contains("exit-code=0"), "{}", r.outputs);
    // Extra arguments reach doctor.
    let r = run_action(
        "args",
        &[
            ("NETDOCTOR_PATHS", "examples/seed-cluster"),
            ("NETDOCTOR_ARGS", "--only SVC004"),
            ("NETDOCTOR_FAIL_ON", "error"),
        ],
    );
    assert!(r.outputs.contains("exit-code=0"), "{}", r.outputs);
}

#[test]
fn a_broken_gate_fails_the_step() {
    let r = run_action(
        "typo",
        &[
            ("NETDOCTOR_PATHS", "examples/seed-cluster"),
            ("NETDOCTOR_ARGS", "--only SVC01"),
        ],
    );
    assert_eq!(r.out.status.code(), Some(2), "{}", stderr(&r.out));
    assert!(
        stderr(&r.out).contains("did you mean SVC001"),
        "{}",
        stderr(&r.out)
    );
    assert!(r.outputs.contains("exit-code=2"), "{}", r.outputs);
}

#[test]
fn the_action_runs_the_script() {
    let action = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let v: serde_json::Value = serde_saphyr::from_str(&action).expect("action.yml is YAML");
    assert_eq!(v["runs"]["using"], "composite");
    let steps = v["runs"]["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| s["run"]
        .as_str()
        .is_some_and(|r| r.contains("ci/netdoctor-action.sh"))));
    assert!(steps.iter().any(|s| s["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))));
    for input in ["paths", "fail-on", "base", "config", "args"] {
        assert!(v["inputs"][input].is_object(), "input {input}");
    }
    let hooks = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let h: serde_json::Value = serde_saphyr::from_str(&hooks).unwrap();
    assert_eq!(h[0]["id"], "netdoctor");
}

//! Every command's `-o json` output validates against its published schema in `docs/schema/`
//! (generated from the output types; `src/ci/schema.rs` keeps the files in sync).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator(name: &str) -> jsonschema::Validator {
    let path = repo().join("docs/schema").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn output(args: &[&str]) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .env_remove("KUBECONFIG")
        .output()
        .expect("binary runs");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

fn check(schema: &str, runs: &[&[&str]]) {
    let v = validator(schema);
    for args in runs {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        let doc = output(&args);
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{args:?} against {schema}:\n{}",
            errors.join("\n")
        );
        if doc.is_object() && schema != "rules.json" {
            assert_eq!(doc["schema_version"], 1, "{args:?}");
            assert_eq!(doc["netdoctor_version"], env!("CARGO_PKG_VERSION"));
            assert!(doc["inputs"].is_array(), "{args:?}");
        }
    }
    // The schema is not vacuous: a document without its required fields fails.
    assert!(
        !v.is_valid(&serde_json::json!({"unexpected": true})),
        "{schema}"
    );
}

const SEED: &str = "examples/seed-cluster";
const HEALTHY: &str = "examples/healthy-cluster";

#[test]
fn doctor_json_follows_its_schema() {
    check(
        "doctor.json",
        &[
            &["doctor", "-f", SEED],
            &["doctor", "-f", HEALTHY],
            &[
                "doctor",
                "-f",
                SEED,
                "-n",
                "production",
                "--min-severity",
                "warning",
            ],
            &["doctor", "-f", SEED, "--only", "SVC001,NP001"],
            &["doctor", "monitoring/deployment/prometheus", "-f", SEED],
            &["doctor", "production/ingress/shop-ingress", "-f", SEED],
        ],
    );
}

#[test]
fn trace_json_follows_its_schema() {
    check(
        "trace.json",
        &[
            &[
                "trace",
                "-f",
                SEED,
                "--from",
                "monitoring/deployment/prometheus",
                "--to",
                "api-service.production:8080",
            ],
            &[
                "trace",
                "-f",
                SEED,
                "--from",
                "203.0.113.7",
                "--to",
                "https://shop.example.com/",
            ],
            &[
                "trace",
                "-f",
                HEALTHY,
                "--from",
                "production/deployment/web-frontend",
                "--to",
                "api-service:8080",
            ],
        ],
    );
}

#[test]
fn rules_and_explain_json_follow_their_schemas() {
    check("rules.json", &[&["rules"]]);
    check(
        "explain.json",
        &[
            &["explain", "SVC001"],
            &["explain", "policy-selects-no-pods"],
        ],
    );
}

/// The schema of a command line's JSON (None: a shape not published, such as the pod and
/// Service reports of `doctor OBJECT`, or the Kubernetes objects of `snapshot` and `alerts`).
fn schema_of(args: &[String]) -> Option<&'static str> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["doctor", obj, ..] if !obj.starts_with('-') => {
            let parts: Vec<&str> = obj.split('/').collect();
            match parts.as_slice() {
                [_, kind, _] if !matches!(*kind, "service" | "svc") => Some("doctor.json"),
                _ => None,
            }
        }
        ["doctor", ..] => Some("doctor.json"),
        ["trace", ..] => Some("trace.json"),
        ["explain", ..] => Some("explain.json"),
        ["rules", ..] => Some("rules.json"),
        ["dns", "resolve", ..] => Some("dns-resolve.json"),
        ["dns", "check", ..] => Some("dns-check.json"),
        ["policy", "check", ..] => Some("policy-check.json"),
        ["policy", "map", ..] => Some("policy-map.json"),
        ["ingress", "route", ..] => Some("ingress-route.json"),
        _ => None,
    }
}

#[test]
fn every_json_command_of_the_behaviour_lock_follows_its_schema() {
    let commands = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/commands.txt"),
    )
    .unwrap();
    let mut checked = std::collections::BTreeSet::new();
    for line in commands.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, args)) = line.split_once('\t') else {
            continue;
        };
        let args: Vec<String> = args.split_whitespace().map(str::to_string).collect();
        if !args.windows(2).any(|w| w[0] == "-o" && w[1] == "json") {
            continue;
        }
        let Some(schema) = schema_of(&args) else {
            continue;
        };
        let o = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
            .args(&args)
            .current_dir(repo())
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        if !matches!(o.status.code(), Some(0 | 1)) {
            continue; // a usage error prints no document
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"));
        let v = validator(schema);
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{args:?} against {schema}:\n{}",
            errors.join("\n")
        );
        checked.insert(schema);
    }
    for schema in [
        "doctor.json",
        "trace.json",
        "explain.json",
        "dns-resolve.json",
        "dns-check.json",
        "policy-check.json",
        "policy-map.json",
        "ingress-route.json",
    ] {
        assert!(
            checked.contains(schema),
            "no command of commands.txt checked {schema}"
        );
    }
}

#[test]
fn dns_policy_and_ingress_json_follow_their_schemas() {
    check(
        "dns-resolve.json",
        &[&[
            "dns",
            "resolve",
            "api-service",
            "--from",
            "production/deployment/web-frontend",
            "-f",
            SEED,
        ]],
    );
    check(
        "dns-check.json",
        &[
            &["dns", "check", "-f", SEED],
            &["dns", "check", "-f", HEALTHY],
        ],
    );
    check(
        "policy-check.json",
        &[&[
            "policy",
            "check",
            "--from",
            "production/deployment/web-frontend",
            "--to",
            "production/service/api-service",
            "--port",
            "8080",
            "-f",
            SEED,
        ]],
    );
    check(
        "policy-map.json",
        &[
            &["policy", "map", "-f", SEED],
            &["policy", "map", "-f", HEALTHY, "-n", "production"],
        ],
    );
    check(
        "ingress-route.json",
        &[&[
            "ingress",
            "route",
            "https://app.example.com/api/users",
            "-f",
            SEED,
        ]],
    );
}

#[test]
fn probe_json_follows_its_schema() {
    // A listener that is closed again: the connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{port}");
    check(
        "probe.json",
        &[&[
            "probe",
            "tcp",
            &target,
            "--count",
            "2",
            "--interval",
            "10ms",
            "--timeout",
            "500ms",
        ]],
    );
}

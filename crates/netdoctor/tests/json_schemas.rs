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

//! `netdoctor trace` end to end: JSON of INTERFACE.md and exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn netdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn trace_json_follows_the_interface() {
    let o = netdoctor(&[
        "trace",
        "--from",
        "production/deployment/web-frontend",
        "--to",
        "payments:8080",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert!(v["from"]
        .as_str()
        .unwrap()
        .starts_with("production/web-frontend-"));
    assert_eq!(v["to"], "payments:8080");
    assert_eq!(v["reachable"], false);
    assert_eq!(v["symptom"], "connection-refused");
    let steps = [
        "dns",
        "service",
        "service-port",
        "endpoints",
        "egress-policy",
        "ingress-policy",
        "target-port",
        "ingress-class",
        "ingress-rule",
        "ingress-backend",
        "tls",
    ];
    for h in v["hops"].as_array().unwrap() {
        assert!(steps.contains(&h["step"].as_str().unwrap()), "{h}");
        assert!(["pass", "fail", "warn", "skip"].contains(&h["status"].as_str().unwrap()));
        assert!(h["detail"].is_string());
    }
    let f = &v["findings"][0];
    assert_eq!(f["code"], "SVC001");
    assert_eq!(f["object"]["kind"], "Service");
}

#[test]
fn reachable_trace_exits_0() {
    let o = netdoctor(&[
        "trace",
        "--from",
        "production/deployment/web-frontend",
        "--to",
        "http://api-service:8080/health",
        "-f",
        "examples/healthy-cluster",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("reachable: ok"));
}

#[test]
fn bad_target_is_a_usage_error() {
    let o = netdoctor(&[
        "trace",
        "--from",
        "production/deployment/web-frontend",
        "--to",
        "api-service",
        "-f",
        "examples/healthy-cluster",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = netdoctor(&[
        "trace",
        "--from",
        "production/nope",
        "--to",
        "api:80",
        "-f",
        "examples/healthy-cluster",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

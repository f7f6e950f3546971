//! `netdoctor trace` end to end: JSON of docs/interface.md and exit codes.

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

#[test]
fn doctor_pod_is_the_emergency_report() {
    let snap = netdoctor(&[
        "doctor",
        "monitoring/deployment/prometheus",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(snap.status.code(), Some(1));
    // Find the pod name, then ask for the pod itself.
    let o = netdoctor(&["snapshot", "-f", "examples/seed-cluster/cluster.yaml"]);
    let v = json(&o);
    let pod = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "Pod" && i["metadata"]["namespace"] == "monitoring")
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .unwrap();
    let o = netdoctor(&[
        "doctor",
        &format!("monitoring/{pod}"),
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    let v = json(&o);
    let n = &v["network"];
    assert_eq!(n["dns"]["reachable_from_pod"], false);
    assert_eq!(n["egress_policies"][0], "monitoring/default-deny-egress");
    assert_eq!(n["resolv_conf"]["nameservers"][0], "10.96.0.10");
    assert!(n["can_reach"].as_array().unwrap().is_empty());
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "NP001"));
}

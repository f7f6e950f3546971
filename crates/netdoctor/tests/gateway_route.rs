//! End-to-end tests of `netdoctor ingress route` through a Gateway API Gateway.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(["ingress", "route"])
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn gateway_is_auto_detected_and_json_names_gateway_listener_route() {
    let o = route(&[
        "https://www.example.com/api/users",
        "-f",
        "examples/healthy-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["gateway"], "gateway-system/public-gateway");
    assert_eq!(v["listener"], "https");
    assert_eq!(v["route"], "production/web-frontend");
    assert_eq!(v["route_kind"], "HTTPRoute");
    assert!(v.get("ingress").is_none(), "{v}");
    assert_eq!(v["path"], "/api");
    assert_eq!(v["path_type"], "PathPrefix");
    assert_eq!(v["backend"]["service"], "api-service");
    assert_eq!(v["backend"]["port"], "8080");
    assert_eq!(v["symptom"], "ok");
}

#[test]
fn ingress_hosts_still_route_through_the_ingress() {
    let o = route(&[
        "https://app.example.com/api",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    let v = json(&o);
    assert_eq!(v["ingress"], "production/app-ingress");
    assert!(v.get("gateway").is_none());
}

#[test]
fn explicit_gateway_and_failures_exit_1() {
    let o = route(&[
        "http://metrics.example.com/",
        "--gateway",
        "gateway-system/public-gateway",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["symptom"], "http-500");
    let o = route(&[
        "http://shop.example.org/",
        "--gateway",
        "gateway-system/public-gateway",
        "-f",
        "examples/seed-cluster",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("NoMatchingListenerHostname"), "{text}");
    let o = route(&[
        "http://x/",
        "--gateway",
        "nope",
        "-f",
        "examples/seed-cluster",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = route(&[
        "http://x/",
        "--gateway",
        "gateway-system/missing",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["symptom"], "no-address");
}

//! End-to-end tests of `netdoctor ingress route` on the example clusters.

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

const SEED: &str = "examples/seed-cluster";

#[test]
fn served_request_follows_the_interface_and_exits_0() {
    let o = route(&[
        "https://app.example.com/api/users",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["url"], "https://app.example.com/api/users");
    assert_eq!(v["ingress"], "production/app-ingress");
    assert_eq!(v["host"], "app.example.com");
    assert_eq!(v["path"], "/api");
    assert_eq!(v["path_type"], "Prefix");
    assert_eq!(v["backend"]["service"], "api-service");
    assert_eq!(v["backend"]["port"], "8080");
    assert_eq!(v["symptom"], "ok");
    let steps: Vec<&str> = v["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "ingress-class",
            "tls",
            "ingress-rule",
            "ingress-backend",
            "service-port",
            "endpoints",
            "target-port",
            "ingress-policy"
        ]
    );
    for h in v["hops"].as_array().unwrap() {
        assert!(["pass", "fail", "warn", "skip"].contains(&h["status"].as_str().unwrap()));
        assert!(h["detail"].is_string());
    }
}

#[test]
fn failures_name_the_hop_and_the_status_and_exit_1() {
    for (url, symptom, step) in [
        ("https://shop.example.com/", "http-503", "ingress-backend"),
        (
            "http://shop.example.com/internal/health",
            "http-503",
            "service-port",
        ),
        ("http://legacy.example.com/", "no-address", "ingress-class"),
        ("http://app.example.org/", "http-404", "ingress-rule"),
    ] {
        let o = route(&[url, "-f", SEED, "-o", "json"]);
        assert_eq!(o.status.code(), Some(1), "{url}");
        let v = json(&o);
        assert_eq!(v["symptom"], symptom, "{url}: {v}");
        let failing = v["hops"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["status"] == "fail")
            .unwrap_or_else(|| panic!("{url}: no failing hop in {v}"));
        assert_eq!(failing["step"], step, "{url}");
    }
}

#[test]
fn host_header_and_table_view() {
    let o = route(&[
        "http://192.0.2.100/api/x",
        "-H",
        "Host: app.example.com",
        "-f",
        SEED,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("ingress-rule"), "{text}");
    assert!(text.contains("production/app-ingress"), "{text}");
    assert!(text.contains("api-service:8080"), "{text}");
}

#[test]
fn bad_url_is_a_usage_error() {
    let o = route(&["ftp://x/", "-f", SEED]);
    assert_eq!(o.status.code(), Some(2));
    let o = route(&["http://a.com/", "-H", "no-colon", "-f", SEED]);
    assert_eq!(o.status.code(), Some(2));
}

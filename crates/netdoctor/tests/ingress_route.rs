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
        // https: plain http to this TLS host is first redirected (below).
        (
            "https://shop.example.com/internal/health",
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
    // Plain http to the TLS host: ingress-nginx's ssl-redirect answers 308 (an answer: exit
    // 0), and the note says what the client gets after following it.
    let o = route(&[
        "http://shop.example.com/internal/health",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["symptom"], "http-308", "{v}");
    assert_eq!(
        v["redirect"]["location"],
        "https://shop.example.com/internal/health"
    );
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("gets http-503")),
        "{v}"
    );
}

#[test]
fn host_header_and_table_view() {
    // https: plain http to app.example.com (a TLS host) is redirected by ssl-redirect.
    let o = route(&[
        "https://192.0.2.100/api/x",
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

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

/// Issue 16 item 5: ingress-nginx's own install (the controller Deployment in the input) and
/// the docs' default-deny-ingress in the backend's namespace. The controller cannot open a
/// connection to the http-svc pods, so nginx answers 504 (the upstream times out). `doctor`
/// (NP005), `ingress route` and `trace` from outside must give that one answer, about the
/// same controller pods.
#[test]
fn doctor_ingress_route_and_trace_agree_on_a_blocked_controller() {
    const DIR: &str = "crates/netdoctor/tests/realworld/ingress-nginx-default-deny";
    let files: Vec<String> = [
        "deploy.yaml",
        "http-svc.yaml",
        "affinity-cookie-ingress.yaml",
        "network-policy-default-deny-ingress.yaml",
    ]
    .iter()
    .flat_map(|f| ["-f".to_string(), format!("{DIR}/{f}")])
    .collect();
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .map(|s| s.to_string())
            .chain(files.iter().cloned())
            .chain(["-o".to_string(), "json".to_string()])
            .collect()
    };
    let call = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    };
    const URL: &str = "http://stickyingress.example.com/";
    const CONTROLLER_POD: &str = "ingress-nginx/ingress-nginx-controller-template";

    let doctor = call(with(&["doctor"]));
    let d = json(&doctor);
    let np005: Vec<&serde_json::Value> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "NP005" && f["object"]["name"] == "nginx-test")
        .collect();
    assert_eq!(np005.len(), 1, "doctor reports NP005 on nginx-test: {d}");
    assert!(np005[0]["message"].as_str().unwrap().contains("504"));
    let evidence = np005[0]["evidence"].to_string();
    assert!(evidence.contains(CONTROLLER_POD), "{evidence}");

    let route = call(with(&["ingress", "route", URL]));
    assert_eq!(route.status.code(), Some(1));
    let r = json(&route);
    assert_eq!(r["symptom"], "http-504", "{r}");
    let hops = r["hops"].as_array().unwrap();
    let failing: Vec<&serde_json::Value> = hops.iter().filter(|h| h["status"] == "fail").collect();
    assert_eq!(failing.len(), 1, "{r}");
    assert_eq!(failing[0]["step"], "ingress-policy");
    assert!(failing[0]["detail"]
        .as_str()
        .unwrap()
        .contains(CONTROLLER_POD));
    let class_hop = hops.iter().find(|h| h["step"] == "ingress-class").unwrap();
    let class_detail = class_hop["detail"].as_str().unwrap();
    assert_eq!(class_hop["status"], "pass");
    assert!(class_detail.contains(CONTROLLER_POD), "{class_detail}");
    // The Deployment was given without pods: the pod is derived, not "running".
    assert!(!class_detail.contains("not known"), "{class_detail}");
    assert!(class_detail.contains("not created yet"), "{class_detail}");

    let trace = call(with(&["trace", "--from", "203.0.113.7", "--to", URL]));
    assert_ne!(trace.status.code(), Some(0));
    let t = json(&trace);
    assert_eq!(t["reachable"], false);
    assert_eq!(t["symptom"], "http-504");
    assert_eq!(
        t["hops"], r["hops"],
        "trace and ingress route walk the same hops"
    );
    assert!(t["findings"].to_string().contains("NP005"), "{t}");
}

//! Issue 16 items 1, 7 and the DNS parts of 10: cluster DNS when the input does not show it,
//! cluster DNS down, and answers that agree with their steps. Expectations from Kubernetes
//! semantics: a Service without `spec.clusterIP` gets a virtual IP when applied; every cluster
//! has cluster DNS (kubeadm: kube-system/kube-dns 10.96.0.10); queries to a ClusterIP without
//! endpoints, or dropped by NetworkPolicy, get no reply (a timeout, never NXDOMAIN).

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(args: &[&str]) -> (i32, serde_json::Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let o = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs");
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code().unwrap_or(-1), v)
}

fn fixture(name: &str) -> String {
    let p: PathBuf = Path::new("crates/netdoctor/tests/issue16_dns").join(name);
    p.to_string_lossy().into_owned()
}

fn mentions(v: &serde_json::Value, field: &str, text: &str) -> bool {
    v[field].as_array().is_some_and(|a| {
        a.iter()
            .any(|x| x.as_str().is_some_and(|s| s.contains(text)))
    })
}

#[test]
fn item1_service_names_resolve_under_the_assumed_cluster_dns() {
    let f = fixture("unapplied.yaml");
    let (code, v) = run(&[
        "dns",
        "resolve",
        "cartservice",
        "--from",
        "default/deployment/frontend",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["result"]["rcode"], "NOERROR");
    assert_eq!(v["resolv_conf"]["nameservers"][0], "10.96.0.10");
    assert!(
        mentions(&v, "assumptions", "kubeadm default is assumed"),
        "{v:#}"
    );
    assert!(mentions(&v, "assumptions", "is a placeholder"), "{v:#}");
}

#[test]
fn item1_trace_reaches_a_service_without_cluster_ip_and_says_what_it_assumed() {
    let f = fixture("unapplied.yaml");
    let (code, v) = run(&[
        "trace",
        "--from",
        "default/deployment/frontend",
        "--to",
        "cartservice:7070",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["reachable"], true);
    let steps: Vec<&str> = v["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"endpoints"),
        "an in-cluster Service, not an outside name: {v:#}"
    );
    assert!(mentions(&v, "notes", "kubeadm default is assumed"), "{v:#}");
    assert!(mentions(&v, "notes", "is a placeholder"), "{v:#}");
}

#[test]
fn item1_per_pod_names_of_a_headless_service_resolve_to_the_derived_pod() {
    let f = fixture("unapplied.yaml");
    let (code, v) = run(&[
        "dns",
        "resolve",
        "web-0.nginx",
        "--from",
        "default/deployment/frontend",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["result"]["answers"][0], "<pod default/web-0>");
    let (code, v) = run(&[
        "trace",
        "--from",
        "default/deployment/frontend",
        "--to",
        "web-0.nginx:80",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["reachable"], true);
}

#[test]
fn item1_np001_fires_without_cluster_dns_objects_and_dns_times_out() {
    let f = fixture("unapplied.yaml");
    let (_, v) = run(&["doctor", "-f", &f, "--only", "NP001", "-o", "json"]);
    let f0 = &v["findings"][0];
    assert_eq!(f0["code"], "NP001", "{v:#}");
    assert_eq!(f0["object"]["name"], "deny-egress");
    let (code, v) = run(&[
        "trace",
        "--from",
        "shop/deployment/client",
        "--to",
        "cartservice.default:7070",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(v["symptom"], "dns-timeout", "{v:#}");
    let (code, v) = run(&[
        "dns",
        "resolve",
        "cartservice.default",
        "--from",
        "shop/deployment/client",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(v["result"]["timeout"], true, "no answer invented: {v:#}");
}

#[test]
fn item10_externalname_to_a_service_without_cluster_ip_is_not_dns006() {
    let f = fixture("unapplied.yaml");
    let (_, v) = run(&["doctor", "-f", &f, "--only", "DNS006", "-o", "json"]);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{v:#}");
}

#[test]
fn item7_cluster_dns_scaled_to_zero_is_a_dns_timeout_fixed_by_restoring_coredns() {
    let f = fixture("dns-down.yaml");
    let (code, v) = run(&[
        "trace",
        "--from",
        "default/deployment/frontend",
        "--to",
        "api:80",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(v["symptom"], "dns-timeout", "{v:#}");
    assert_eq!(v["hops"][0]["step"], "dns");
    assert_eq!(v["hops"][0]["status"], "fail");
    let fix = v["fix"].to_string();
    assert!(
        fix.contains("CoreDNS") && !fix.contains("name that exists"),
        "{fix}"
    );
    let (code, v) = run(&[
        "dns",
        "resolve",
        "api",
        "--from",
        "default/deployment/frontend",
        "-f",
        &f,
        "-o",
        "json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(v["result"]["timeout"], true, "{v:#}");
    assert!(v["queries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|q| q["rcode"] != "NXDOMAIN" && q["rcode"] != "NOERROR"));
}

#[test]
fn item10_result_agrees_with_the_steps() {
    // production.svc.cluster.local. exists without records (NODATA), the later candidates are
    // NXDOMAIN: glibc returns NODATA; the steps must say why the result is not the last one.
    let (code, v) = run(&[
        "dns",
        "resolve",
        "production",
        "--from",
        "production/deployment/web-frontend",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(v["result"]["rcode"], "NOERROR");
    assert_eq!(v["result"]["answers"].as_array().map(Vec::len), Some(0));
    let last = v["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_str()
        .unwrap();
    assert!(
        last.starts_with("result: glibc returns NOERROR without records"),
        "{last}"
    );
}

//! `netdoctor dns resolve` and `dns check` on the example clusters, through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn netdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const SEED: &str = "examples/seed-cluster/";

#[test]
fn resolve_json_has_the_interface_fields() {
    let o = netdoctor(&[
        "dns",
        "resolve",
        "api-service",
        "--from",
        "production/deployment/web-frontend",
        "--type",
        "A",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["name"], "api-service");
    assert_eq!(v["type"], "A");
    assert!(v["from"]
        .as_str()
        .unwrap()
        .starts_with("production/web-frontend"));
    assert_eq!(v["resolv_conf"]["nameservers"][0], "10.96.0.10");
    assert_eq!(
        v["resolv_conf"]["search"][0],
        "production.svc.cluster.local"
    );
    assert_eq!(v["resolv_conf"]["ndots"], 5);
    assert_eq!(
        v["queries"][0]["name"],
        "api-service.production.svc.cluster.local."
    );
    assert_eq!(v["queries"][0]["type"], "A");
    assert_eq!(v["queries"][0]["rcode"], "NOERROR");
    assert_eq!(v["queries"][0]["answers"][0], "10.102.45.67");
    assert_eq!(v["result"]["rcode"], "NOERROR");
    assert_eq!(v["result"]["answers"][0], "10.102.45.67");
}

#[test]
fn resolve_human_views() {
    let cases: &[(&str, &[&str])] = &[
        (
            "short_wrong_namespace",
            &["api-service", "--from", "monitoring/deployment/prometheus"],
        ),
        (
            "two_label_musl",
            &[
                "api-service.production",
                "--from",
                "monitoring/deployment/prometheus",
                "--libc",
                "musl",
            ],
        ),
        (
            "fqdn_no_dot",
            &[
                "api-service.production.svc.cluster.local",
                "--from",
                "production/deployment/web-frontend",
                "--type",
                "A",
            ],
        ),
        (
            "external",
            &[
                "example.com",
                "--from",
                "production/deployment/web-frontend",
            ],
        ),
        (
            "statefulset_srv",
            &[
                "_postgres._tcp.postgres",
                "--from",
                "production/deployment/web-frontend",
                "--type",
                "SRV",
            ],
        ),
        (
            "externalname",
            &[
                "legacy-db",
                "--from",
                "production/deployment/web-frontend",
                "--libc",
                "musl",
            ],
        ),
        (
            "hostnetwork",
            &[
                "api-service",
                "--from",
                "production/debug-shell",
                "--type",
                "A",
            ],
        ),
    ];
    for (label, args) in cases {
        let mut all = vec!["dns", "resolve"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-f", SEED]);
        let o = netdoctor(&all);
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{label}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        insta::assert_snapshot!(format!("dns_resolve_{label}"), stdout(&o));
    }
}

#[test]
fn resolve_exit_codes_and_usage() {
    // NXDOMAIN in the end: exit 1.
    let o = netdoctor(&[
        "dns",
        "resolve",
        "nope",
        "--from",
        "production/debug-shell",
        "-f",
        SEED,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = netdoctor(&[
        "dns",
        "resolve",
        "x",
        "--from",
        "production/no-such-pod",
        "-f",
        SEED,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = netdoctor(&[
        "dns",
        "resolve",
        "x",
        "--from",
        "production/debug-shell",
        "--type",
        "MX",
        "-f",
        SEED,
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_reports_the_seed_faults_and_not_the_healthy_cluster() {
    let o = netdoctor(&["dns", "check", "-f", SEED, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .filter(|c| c.starts_with("DNS"))
        .collect();
    assert_eq!(codes, ["DNS004", "DNS006"]);
    assert_eq!(v["cluster_dns"]["service"], "kube-system/kube-dns");
    let o = netdoctor(&[
        "dns",
        "check",
        "-f",
        "examples/healthy-cluster/",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    let o = netdoctor(&[
        "dns",
        "check",
        "-f",
        "crates/netdoctor-core/tests/fixtures/rules/DNS001/fires.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("DNS001"));
}

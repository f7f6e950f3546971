//! End-to-end tests of `netdoctor policy check` and `netdoctor policy map` on the examples.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn netdoctor(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SEED: &str = "examples/seed-cluster/cluster.yaml";
const HEALTHY: &str = "examples/healthy-cluster/cluster.yaml";

#[test]
fn check_json_follows_the_interface_and_exit_code_says_denied() {
    let (code, out, err) = netdoctor(&[
        "policy",
        "check",
        "-f",
        SEED,
        "--from",
        "monitoring/deployment/prometheus",
        "--to",
        "production/service/api-service",
        "--port",
        "8080",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["allowed"], false);
    assert_eq!(v["port"], 8080);
    assert_eq!(v["protocol"], "TCP");
    assert_eq!(v["egress"]["isolated"], true);
    assert_eq!(v["egress"]["allowed"], false);
    assert_eq!(v["egress"]["policies"][0], "monitoring/default-deny-egress");
    assert_eq!(v["ingress"]["isolated"], true);
    assert!(v["ingress"]["policies"]
        .as_array()
        .is_some_and(|a| a.iter().any(|p| p == "production/default-deny-ingress")));
}

#[test]
fn check_allowed_names_the_rule_and_exits_zero() {
    let (code, out, err) = netdoctor(&[
        "policy",
        "check",
        "-f",
        SEED,
        "--from",
        "production/deployment/web-frontend",
        "--to",
        "production/service/api-service",
        "--port",
        "8080",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ALLOWED"), "{out}");
    assert!(
        out.contains("production/allow-api-from-web: ingress[0] allows it"),
        "{out}"
    );
}

#[test]
fn healthy_prometheus_reaches_api_service() {
    let (code, out, err) = netdoctor(&[
        "policy",
        "check",
        "-f",
        HEALTHY,
        "--from",
        "monitoring/deployment/prometheus",
        "--to",
        "production/deployment/api-service",
        "--port",
        "8080/tcp",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn check_rejects_a_bad_port_with_usage_error() {
    let (code, _, err) = netdoctor(&[
        "policy",
        "check",
        "-f",
        SEED,
        "--from",
        "1.2.3.4",
        "--to",
        "production/deployment/web-frontend",
        "--port",
        "80/icmp",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("icmp"), "{err}");
}

#[test]
fn map_txt_is_connlist_and_json_has_connections() {
    let (code, out, err) = netdoctor(&["policy", "map", "-f", SEED, "-o", "txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l
        == "production/web-frontend[Deployment] => production/api-service[Deployment] : TCP 8080"));
    assert!(!out
        .lines()
        .any(|l| l.starts_with("monitoring/prometheus[Deployment] =>")));
    let (_, json, _) = netdoctor(&[
        "policy",
        "map",
        "-f",
        SEED,
        "-o",
        "json",
        "-n",
        "production",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let conns = v["connections"].as_array().expect("connections");
    assert!(!conns.is_empty());
    assert!(conns.iter().all(
        |c| c["src"].as_str().is_some_and(|s| s.contains("production/"))
            || c["dst"].as_str().is_some_and(|s| s.contains("production/"))
    ));
    for fmt in ["csv", "md", "dot", "html", "table", "yaml"] {
        let (code, out, err) = netdoctor(&["policy", "map", "-f", SEED, "-o", fmt]);
        assert_eq!(code, 0, "{fmt}: {err}");
        assert!(!out.is_empty(), "{fmt}");
    }
}

#[test]
fn a_cluster_ip_is_checked_after_dnat_and_a_pod_ip_is_its_pod() {
    // 10.102.45.67 is api-service's ClusterIP in the examples.
    let (code, out, err) = netdoctor(&[
        "policy",
        "check",
        "-f",
        SEED,
        "--from",
        "production/deployment/web-frontend",
        "--to",
        "10.102.45.67",
        "--port",
        "8080",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        v["checks"][0]["to"]
            .as_str()
            .is_some_and(|t| t.starts_with("production/api-service-")),
        "{out}"
    );
    assert_eq!(v["ingress"]["isolated"], true);
}

/// A `kubectl get -A -o json` List of three namespaces: a's client may reach b's server on
/// 8080 (b's policy admits namespaces labelled team=a); c holds an unrelated policy and an
/// item that cannot be read.
fn three_namespace_list() -> String {
    let ns = |name: &str, team: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"{name}","labels":{{"team":"{team}"}}}}}}"#
        )
    };
    let pod = |ns: &str, name: &str, ip: &str, port: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"namespace":"{ns}","name":"{name}","labels":{{"app":"{name}"}}}},"spec":{{"containers":[{{"name":"c","image":"i","ports":[{{"containerPort":{port}}}]}}]}},"status":{{"phase":"Running","podIP":"{ip}","podIPs":[{{"ip":"{ip}"}}],"conditions":[{{"type":"Ready","status":"True"}}]}}}}"#
        )
    };
    let items = [
        ns("a", "a"),
        ns("b", "b"),
        ns("c", "c"),
        pod("a", "client", "10.1.0.1", "80"),
        pod("b", "server", "10.1.0.2", "8080"),
        pod("c", "broken", "10.1.0.3", "\"abc\""),
        r#"{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"namespace":"b","name":"allow-from-a"},"spec":{"podSelector":{"matchLabels":{"app":"server"}},"policyTypes":["Ingress"],"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"team":"a"}}}],"ports":[{"port":8080}]}]}}"#.to_string(),
        r#"{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"namespace":"c","name":"deny"},"spec":{"podSelector":{}}}"#.to_string(),
    ];
    format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"List\",\"metadata\":{{}},\"items\":[\n{}\n]}}\n",
        items.join(",\n")
    )
}

/// `policy check` between two named objects of a file reads only their namespaces and the
/// cluster-scoped objects (issue 18); its answer is the one a full read gives (checked by
/// naming the same pods by IP address, which reads everything).
#[test]
fn check_by_name_reads_only_the_two_namespaces_and_answers_as_a_full_read() {
    let dir = std::env::temp_dir().join(format!("netdoctor-scoped-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tempdir");
    let file = dir.join("cluster.json");
    std::fs::write(&file, three_namespace_list()).expect("write");
    let file = file.to_string_lossy().into_owned();
    let answer = |from: &str, to: &str, port: &str| {
        let (code, out, err) = netdoctor(&[
            "policy", "check", "-f", &file, "--from", from, "--to", to, "--port", port, "-o",
            "json",
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        (
            code,
            v["allowed"].clone(),
            v["verdict"].clone(),
            v["ingress"].clone(),
            v["egress"].clone(),
        )
    };
    for (port, allowed) in [("8080", true), ("9090", false)] {
        let by_name = answer("a/pod/client", "b/pod/server", port);
        let by_ip = answer("10.1.0.1", "10.1.0.2", port);
        assert_eq!(
            by_name.1,
            serde_json::Value::Bool(allowed),
            "port {port}: {by_name:?}"
        );
        assert_eq!(by_name, by_ip, "port {port}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

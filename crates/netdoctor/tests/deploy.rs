//! The install of issue 20: `deploy/monitor` (the monitor), `deploy/monitor-prometheus` (plus
//! the ServiceMonitor, the alert rules and the Grafana dashboard) and `deploy/cli-rbac` (the
//! CLI's read-only access) render with `kubectl kustomize`, netdoctor's own `doctor` is clean
//! on each, and the monitor gets nothing cluster-wide, nothing it does not use.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `kubectl kustomize deploy/DIR`, or None when kubectl is missing (a failure on CI: the
/// machine has kubectl, and `.ci/run` installs one where it does not).
fn kustomize(dir: &str) -> Option<String> {
    let out = match Command::new("kubectl")
        .arg("kustomize")
        .arg(repo().join("deploy").join(dir))
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "kubectl is missing on CI: {e}"
            );
            eprintln!("SKIPPED: kubectl not installed ({e})");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "kubectl kustomize deploy/{dir}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

fn docs(yaml: &str) -> Vec<serde_json::Value> {
    serde_saphyr::from_multiple(yaml).expect("kustomize output is YAML")
}

/// netdoctor's `doctor` on rendered manifests: no finding at all.
fn doctor_is_clean(name: &str, yaml: &str) {
    let dir = std::env::temp_dir().join(format!("netdoctor-deploy-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rendered.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(["doctor", "-o", "json", "--fail-on", "info", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        v["findings"],
        serde_json::json!([]),
        "netdoctor doctor on deploy/{name}"
    );
    assert_eq!(out.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "PriorityClass",
];

/// Everything namespaced is in `netdoctor`; the only cluster-scoped object is that
/// Namespace.
fn all_in_netdoctor(name: &str, objects: &[serde_json::Value], allowed_cluster: &[&str]) {
    for o in objects {
        let kind = o["kind"].as_str().unwrap();
        let meta = &o["metadata"];
        if CLUSTER_SCOPED.contains(&kind) {
            assert!(
                allowed_cluster.contains(&kind),
                "deploy/{name} creates a cluster-wide {kind} {}",
                meta["name"]
            );
            if kind == "Namespace" {
                assert_eq!(meta["name"], "netdoctor");
            }
        } else {
            assert_eq!(
                meta["namespace"], "netdoctor",
                "deploy/{name}: {kind} {} outside namespace netdoctor",
                meta["name"]
            );
        }
    }
    let namespaces = objects.iter().filter(|o| o["kind"] == "Namespace").count();
    assert_eq!(namespaces, 1, "deploy/{name}: one Namespace");
}

/// The monitor's grants: one Role, listing (and watching) pods in its own namespace, which is
/// what `--peers` does (`KubePeerSource`); the namespace is the one the config's `peers`
/// section names.
fn monitor_grants_only_what_it_uses(objects: &[serde_json::Value]) {
    let roles: Vec<_> = objects.iter().filter(|o| o["kind"] == "Role").collect();
    assert_eq!(roles.len(), 1);
    assert_eq!(
        roles[0]["rules"],
        serde_json::json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]}])
    );
    let binding = objects
        .iter()
        .find(|o| o["kind"] == "RoleBinding")
        .expect("a RoleBinding");
    assert_eq!(binding["roleRef"]["name"], roles[0]["metadata"]["name"]);
    assert_eq!(
        binding["subjects"],
        serde_json::json!([{"kind": "ServiceAccount", "name": "netdoctor-monitor", "namespace": "netdoctor"}])
    );
    let ds = objects
        .iter()
        .find(|o| o["kind"] == "DaemonSet")
        .expect("the DaemonSet");
    assert_eq!(
        ds["spec"]["template"]["spec"]["serviceAccountName"],
        "netdoctor-monitor"
    );
    let config = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "netdoctor-monitor")
        .expect("the monitor's ConfigMap");
    let text = config["data"]["monitor.yaml"].as_str().unwrap();
    assert!(
        text.contains("peers: {namespace: netdoctor,"),
        "the peers are looked up where the Role allows: {text}"
    );
    for o in objects {
        let text = o.to_string();
        assert!(
            !text.contains("\"secrets\""),
            "the monitor is granted secrets"
        );
    }
}

#[test]
fn monitor_kustomization_renders_clean_and_namespaced() {
    let Some(yaml) = kustomize("monitor") else {
        return;
    };
    let objects = docs(&yaml);
    let kinds: BTreeSet<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    for k in [
        "Namespace",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "DaemonSet",
        "Service",
    ] {
        assert!(kinds.contains(k), "deploy/monitor has no {k}");
    }
    all_in_netdoctor("monitor", &objects, &["Namespace"]);
    monitor_grants_only_what_it_uses(&objects);
    doctor_is_clean("monitor", &yaml);
}

#[test]
fn monitor_prometheus_kustomization_renders_clean() {
    let Some(yaml) = kustomize("monitor-prometheus") else {
        return;
    };
    let objects = docs(&yaml);
    let kinds: BTreeSet<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    for k in ["DaemonSet", "ServiceMonitor", "PrometheusRule", "ConfigMap"] {
        assert!(kinds.contains(k), "deploy/monitor-prometheus has no {k}");
    }
    all_in_netdoctor("monitor-prometheus", &objects, &["Namespace"]);
    monitor_grants_only_what_it_uses(&objects);
    doctor_is_clean("monitor-prometheus", &yaml);
}

#[test]
fn cli_rbac_kustomization_renders_clean() {
    let Some(yaml) = kustomize("cli-rbac") else {
        return;
    };
    let objects = docs(&yaml);
    all_in_netdoctor(
        "cli-rbac",
        &objects,
        &["Namespace", "ClusterRole", "ClusterRoleBinding"],
    );
    let roles: Vec<_> = objects
        .iter()
        .filter(|o| o["kind"] == "ClusterRole")
        .collect();
    assert_eq!(roles.len(), 1);
    // Read-only: only `list` (the rules themselves are compared with the kinds the code
    // reads in netdoctor-live's kinds.rs).
    for rule in roles[0]["rules"].as_array().unwrap() {
        assert_eq!(rule["verbs"], serde_json::json!(["list"]), "{rule}");
    }
    // Nothing of the monitor in it, nothing of it in the monitor.
    assert!(!objects.iter().any(|o| o["kind"] == "DaemonSet"));
    doctor_is_clean("cli-rbac", &yaml);
}

/// `doctor -f deploy/` reads every manifest file of the repository's install at once: no
/// duplicated Namespace, no unreadable document, nothing to report.
#[test]
fn deploy_directory_is_clean() {
    let out = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(["doctor", "-o", "json", "--fail-on", "info", "-f"])
        .arg(repo().join("deploy"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"], serde_json::json!([]));
    let namespaces = walk(&repo().join("deploy"))
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .filter(|t| t.contains("\nkind: Namespace\n") || t.starts_with("kind: Namespace\n"))
        .count();
    assert_eq!(
        namespaces, 1,
        "the Namespace is defined once (deploy/namespace)"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Every metric a query of the Grafana dashboard names is one the monitor exports
/// (`netdoctor_core::metrics`, what the agent's /metrics serves; histograms with their
/// `_bucket`, `_sum` and `_count` series).
#[test]
fn grafana_dashboard_queries_only_exported_metrics() {
    let path = repo().join("deploy/monitor-prometheus/grafana-dashboard.yaml");
    let cm: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let json = cm["data"]["netdoctor.json"]
        .as_str()
        .expect("data netdoctor.json");
    let dashboard: serde_json::Value = serde_json::from_str(json).expect("dashboard JSON");
    let source =
        std::fs::read_to_string(repo().join("crates/netdoctor-core/src/metrics.rs")).unwrap();
    let mut exported: BTreeSet<String> = BTreeSet::new();
    for name in identifiers(&source)
        .into_iter()
        .filter(|n| n.starts_with("netdoctor_"))
    {
        for suffix in ["", "_bucket", "_sum", "_count"] {
            exported.insert(format!("{name}{suffix}"));
        }
    }
    let mut exprs = Vec::new();
    collect_exprs(&dashboard, &mut exprs);
    assert!(exprs.len() >= 8, "{exprs:?}");
    let mut used = BTreeSet::new();
    for e in &exprs {
        for id in identifiers(e)
            .into_iter()
            .filter(|n| n.starts_with("netdoctor_"))
        {
            assert!(
                exported.contains(&id),
                "the dashboard queries {id}, which the monitor does not export: {e}"
            );
            used.insert(id);
        }
    }
    // What the issue asks the dashboard to show.
    for m in [
        "netdoctor_dns_lookup_duration_seconds_bucket",
        "netdoctor_peer_rtt_seconds_bucket",
        "netdoctor_probe_failures_total",
    ] {
        assert!(used.contains(m), "no panel on {m}");
    }
    let all: String = exprs.join("\n");
    assert!(all.contains("same_node=\"true\"") && all.contains("same_node=\"false\""));
    let text = json.to_string();
    assert!(
        text.contains("\"value\": 0.005") && text.contains("\"value\": 0.02"),
        "5 ms / 20 ms thresholds"
    );
}

fn collect_exprs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                if k == "expr" || k == "definition" {
                    if let Some(s) = v.as_str() {
                        out.push(s.to_string());
                    }
                }
                collect_exprs(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_exprs(v, out)),
        _ => {}
    }
}

/// The identifiers (`[a-z_][a-z0-9_]*`) of a text.
fn identifiers(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

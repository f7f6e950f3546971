//! Every command but the in-pod probes is read-only: against the fake API server (which
//! records methods), each analysis command sends GET requests only; `probe --from` and
//! `verify` write exactly one thing per source pod, an ephemeral container
//! (`PATCH …/pods/NAME/ephemeralcontainers`), and read its log.

use netdoctor_live::cluster::fake::{objects_from_text, Ephemeral, FakeApiServer, RunningServer};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPORT: &str = r#"{"kind": "tcp", "target": "api-service:8080", "count": 1, "ok": 1,
 "errors": {"timeout": 0, "refused": 0, "nxdomain": 0, "other": 0},
 "phases_ms": {"connect": {"p50": 0.5, "p90": 0.5, "p99": 0.5, "max": 0.5, "n": 1}},
 "verdict": "ok", "reasons": [], "thresholds_ms": {"dns": 100.0, "connect": 20.0}}
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Fake {
    server: RunningServer,
    kubeconfig: PathBuf,
    _runtime: tokio::runtime::Runtime,
}

fn start(name: &str) -> Fake {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let text = std::fs::read_to_string(repo().join("examples/seed-cluster/cluster.yaml")).unwrap();
    let server = FakeApiServer::new(objects_from_text(&text).unwrap())
        .token("t")
        .ephemeral(Ephemeral::Runs {
            log: REPORT.into(),
            exit_code: 0,
        });
    let server = runtime.block_on(server.start()).unwrap();
    let dir = std::env::temp_dir().join(format!("netdoctor-ro-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        server.kubeconfig(None, Some("t"), Some("production")),
    )
    .unwrap();
    Fake {
        server,
        kubeconfig,
        _runtime: runtime,
    }
}

impl Fake {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_netdoctor"))
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .current_dir(repo())
            .env("NO_COLOR", "1")
            .env_remove("KUBECONFIG")
            .env("HOME", "/nonexistent-home")
            .output()
            .expect("binary runs")
    }

    fn methods(&self) -> Vec<(String, String)> {
        self.server
            .requests()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    }
}

#[test]
fn analysis_commands_only_read() {
    let fake = start("analysis");
    let from = "production/deployment/web-frontend";
    let commands: Vec<Vec<&str>> = vec![
        vec!["doctor", "-A"],
        vec!["doctor", from],
        vec!["doctor", "-A", "-o", "html"],
        vec!["trace", "--from", from, "--to", "api-service:8080"],
        vec![
            "policy",
            "check",
            "--from",
            from,
            "--to",
            "production/deployment/api-service",
            "--port",
            "8080",
        ],
        vec!["policy", "map", "-A"],
        vec!["dns", "resolve", "api-service", "--from", from],
        vec!["dns", "check"],
        vec!["ingress", "route", "http://app.example.com/"],
        vec!["snapshot", "-A"],
    ];
    for args in &commands {
        let o = fake.run(args);
        assert!(
            matches!(o.status.code(), Some(0..=1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let all = fake.methods();
    assert!(all.len() > commands.len(), "{all:?}");
    let writes: Vec<_> = all.iter().filter(|(m, _)| m != "GET").collect();
    assert!(writes.is_empty(), "analysis commands wrote: {writes:?}");
}

#[test]
fn probe_from_writes_one_ephemeral_container_and_nothing_else() {
    let fake = start("probe-from");
    let pod = "production/api-service-6c9f8b7d54-nf9nb";
    let o = fake.run(&[
        "probe",
        "tcp",
        "api-service:8080",
        "--count",
        "1",
        "--from",
        pod,
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(v["from"], pod);
    let writes: Vec<_> = fake
        .methods()
        .into_iter()
        .filter(|(m, _)| m != "GET")
        .collect();
    assert_eq!(
        writes,
        vec![(
            "PATCH".to_string(),
            format!(
                "/api/v1/namespaces/production/pods/{}/ephemeralcontainers",
                &pod[11..]
            )
        )]
    );
}

#[test]
fn probe_from_a_workload_and_verify_through_ephemeral_containers() {
    let fake = start("verify");
    let o = fake.run(&[
        "probe",
        "tcp",
        "api-service:8080",
        "--count",
        "1",
        "--from",
        "production/deployment/api-service",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert!(
        v["from"]
            .as_str()
            .unwrap()
            .starts_with("production/api-service-"),
        "{v}"
    );
    let before = fake.methods().len();
    let o = fake.run(&[
        "verify",
        "production/deployment/web-frontend",
        "--max-probes",
        "3",
        "--start-timeout",
        "5s",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let checks = v["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 3, "{v:#}");
    assert!(checks.iter().all(|c| c["error"].is_null()), "{v:#}");
    // One ephemeral container per source pod, running all of that pod's probes.
    let sources: std::collections::BTreeSet<&str> =
        checks.iter().map(|c| c["from"].as_str().unwrap()).collect();
    let patches = fake.methods()[before..]
        .iter()
        .filter(|(m, p)| m == "PATCH" && p.ends_with("/ephemeralcontainers"))
        .count();
    assert_eq!(patches, sources.len(), "{sources:?}");
    assert!(sources.len() < checks.len(), "{sources:?}");
    assert!(fake
        .methods()
        .iter()
        .all(|(m, _)| m == "GET" || m == "PATCH"));
}

#[test]
fn missing_permission_is_a_clear_message_and_exit_3() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let text = std::fs::read_to_string(repo().join("examples/seed-cluster/cluster.yaml")).unwrap();
    let server = runtime
        .block_on(
            FakeApiServer::new(objects_from_text(&text).unwrap())
                .ephemeral(Ephemeral::Forbidden)
                .start(),
        )
        .unwrap();
    let dir = std::env::temp_dir().join(format!("netdoctor-ro-{}-403", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kc = dir.join("kubeconfig");
    std::fs::write(&kc, server.kubeconfig(None, None, None)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args([
            "probe",
            "tcp",
            "api-service:8080",
            "--from",
            "production/api-service-6c9f8b7d54-nf9nb",
        ])
        .arg("--kubeconfig")
        .arg(&kc)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("permission missing"), "{err}");
    assert!(err.contains("deploy/rbac-inpod.yaml"), "{err}");
}

/// The in-pod RBAC file grants exactly what the ephemeral-container runner sends.
#[test]
fn rbac_inpod_grants_exactly_the_requests_made() {
    let text = std::fs::read_to_string(repo().join("deploy/rbac-inpod.yaml")).unwrap();
    let objects = objects_from_text(&text).unwrap();
    let role = objects
        .iter()
        .find(|o| o["kind"] == "ClusterRole")
        .expect("a ClusterRole");
    let mut grants: Vec<String> = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        for r in rule["resources"].as_array().unwrap() {
            for v in rule["verbs"].as_array().unwrap() {
                grants.push(format!("{} {}", v.as_str().unwrap(), r.as_str().unwrap()));
            }
        }
    }
    grants.sort();
    assert_eq!(
        grants,
        ["get pods", "get pods/log", "patch pods/ephemeralcontainers"]
    );
}

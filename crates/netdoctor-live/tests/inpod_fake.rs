//! The ephemeral-container runner against the fake API server (loopback only), one test per
//! failure mode a real cluster has: the permission missing (403), a container that never
//! starts, an image that cannot be pulled, a log that is cut; and the path that works.
//! Every case ends within a bounded time.

use netdoctor_live::cluster::fake::{Ephemeral, FakeApiServer, RunningServer};
use netdoctor_live::cluster::{connect, ConnectOptions};
use netdoctor_live::inpod::ephemeral::{EphemeralOptions, EphemeralRunner};
use netdoctor_live::inpod::{InPodError, InPodRunner, PodRef, ProbeCommand};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const REPORT: &str = r#"{
  "kind": "tcp",
  "target": "10.0.0.7:8080",
  "count": 2,
  "ok": 2,
  "errors": {"timeout": 0, "refused": 0, "nxdomain": 0, "other": 0, "unreachable": 0, "dns": 0, "tls": 0, "http": 0},
  "phases_ms": {"connect": {"p50": 0.4, "p90": 0.5, "p99": 0.5, "max": 0.5, "n": 2}},
  "verdict": "ok",
  "reasons": [],
  "thresholds_ms": {"dns": 100.0, "connect": 20.0},
  "addresses": ["10.0.0.7:8080"]
}
"#;

fn pods() -> Vec<serde_json::Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}},
               "spec": {"containers": [{"name": "c"}]},
               "status": {"phase": "Running", "podIP": "10.0.0.5"}}),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "pending", "namespace": "prod"},
               "spec": {"containers": [{"name": "c"}]},
               "status": {"phase": "Pending"}}),
    ]
}

fn kubeconfig(name: &str, server: &RunningServer) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netdoctor-inpod-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kubeconfig");
    std::fs::write(&path, server.kubeconfig(None, Some("t"), None)).unwrap();
    path
}

fn probe() -> ProbeCommand {
    ProbeCommand {
        args: ["tcp", "10.0.0.7:8080", "--count", "2", "--timeout", "1s"]
            .map(String::from)
            .to_vec(),
    }
}

async fn run(
    name: &str,
    mode: Option<Ephemeral>,
    pod: &str,
) -> (
    Result<netdoctor_live::probe::Report, InPodError>,
    RunningServer,
) {
    let mut fake = FakeApiServer::new(pods()).token("t");
    if let Some(mode) = mode {
        fake = fake.ephemeral(mode);
    }
    let server = fake.start().await.unwrap();
    let options = ConnectOptions {
        kubeconfig: Some(kubeconfig(name, &server)),
        context: None,
        request_timeout: Some(Duration::from_secs(5)),
    };
    let conn = connect(&options).await.unwrap();
    let runner = EphemeralRunner {
        conn,
        options: EphemeralOptions {
            image: "registry.example/netdoctor:test".into(),
            start_timeout: Duration::from_secs(2),
            poll: Duration::from_millis(50),
            ..EphemeralOptions::default()
        },
    };
    let started = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        runner.run(&PodRef::new("prod", pod), &probe()),
    )
    .await
    .unwrap_or_else(|_| panic!("{name}: not bounded"));
    assert!(started.elapsed() < Duration::from_secs(20), "{name}");
    (result, server)
}

#[tokio::test]
async fn the_probe_runs_in_an_ephemeral_container_and_its_log_is_the_report() {
    let (r, server) = run(
        "ok",
        Some(Ephemeral::Runs {
            log: REPORT.into(),
            exit_code: 0,
        }),
        "web",
    )
    .await;
    let r = r.unwrap();
    assert_eq!((r.ok, r.from.as_deref()), (2, Some("prod/web")));
    let reqs = server.requests();
    let patch: Vec<_> = reqs.iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patch.len(), 1, "{reqs:?}");
    assert_eq!(
        patch[0].path,
        "/api/v1/namespaces/prod/pods/web/ephemeralcontainers"
    );
    let log = reqs.iter().find(|r| r.path.ends_with("/log")).unwrap();
    assert!(log
        .param("container")
        .unwrap()
        .starts_with("netdoctor-probe-"));
    assert!(log.param("limitBytes").is_some());
    assert!(reqs
        .iter()
        .all(|r| r.method == "GET" || r.method == "PATCH"));
}

#[tokio::test]
async fn missing_permission_is_named_with_the_rbac_file() {
    let (r, _s) = run("forbidden", Some(Ephemeral::Forbidden), "web").await;
    let e = r.unwrap_err();
    assert!(matches!(e, InPodError::Forbidden { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("pods/ephemeralcontainers"), "{text}");
    assert!(text.contains("deploy/rbac-inpod.yaml"), "{text}");
}

#[tokio::test]
async fn a_container_that_never_starts_ends_the_wait() {
    let (r, _s) = run("never", Some(Ephemeral::NeverStarts), "web").await;
    let e = r.unwrap_err();
    assert!(
        matches!(&e, InPodError::NeverStarted { state, .. } if state.contains("ContainerCreating")),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_image_pull_error_is_reported_from_the_container_status() {
    let (r, _s) = run("pull", Some(Ephemeral::ImagePullError), "web").await;
    let e = r.unwrap_err();
    assert!(
        matches!(&e, InPodError::ImagePull { reason, image, .. } if reason == "ErrImagePull" && image == "registry.example/netdoctor:test"),
        "{e:?}"
    );
    assert!(e.to_string().contains("not found"), "{e}");
}

#[tokio::test]
async fn a_cut_log_is_not_taken_for_a_report() {
    let (r, _s) = run(
        "cut",
        Some(Ephemeral::CutLog {
            log: REPORT.into(),
            keep: REPORT.len() / 2,
        }),
        "web",
    )
    .await;
    let e = r.unwrap_err();
    assert!(matches!(e, InPodError::CutOutput { .. }), "{e:?}");
}

#[tokio::test]
async fn no_subresource_pending_pod_and_missing_pod() {
    let (r, _s) = run("unsupported", None, "web").await;
    assert!(matches!(r, Err(InPodError::Unsupported { .. })), "{r:?}");
    let (r, _s) = run(
        "pending",
        Some(Ephemeral::Runs {
            log: REPORT.into(),
            exit_code: 0,
        }),
        "pending",
    )
    .await;
    assert!(matches!(r, Err(InPodError::PodNotRunning { .. })), "{r:?}");
    let (r, s) = run(
        "missing",
        Some(Ephemeral::Runs {
            log: REPORT.into(),
            exit_code: 0,
        }),
        "gone",
    )
    .await;
    assert!(matches!(r, Err(InPodError::PodNotFound { .. })), "{r:?}");
    // Nothing was written for a pod that is not running or not there.
    assert!(s.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn a_probe_that_fails_before_probing_is_an_error_with_its_output() {
    let (r, _s) = run(
        "exit2",
        Some(Ephemeral::Runs {
            log: "error: unexpected argument '--from' found\n".into(),
            exit_code: 2,
        }),
        "web",
    )
    .await;
    let e = r.unwrap_err();
    assert!(
        matches!(&e, InPodError::Failed { code: 2, excerpt, .. } if excerpt.contains("unexpected argument")),
        "{e:?}"
    );
}

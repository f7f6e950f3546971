//! The reader against the fake API server: same objects as the file loader, pagination,
//! 403, 404, timeout, retry, TLS, tokens, scope.

use super::fake::{objects_from_text, FakeApiServer, RunningServer, TestPki};
use super::*;
use netdoctor_core::load::{load_text, LoadResult};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

fn example(name: &str) -> String {
    let path = format!(
        "{}/../../examples/{name}/cluster.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("netdoctor-live-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

const SECRET_VALUE: &str = "c3VwZXItc2VjcmV0LXZhbHVl";

/// A Secret with data, and with its data again in kubectl's last-applied annotation.
fn secret_with_data() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db-password", "namespace": "production", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                format!("{{\"apiVersion\":\"v1\",\"data\":{{\"password\":\"{SECRET_VALUE}\"}},\"kind\":\"Secret\"}}")}},
        "data": {"password": SECRET_VALUE}})
}

struct Setup {
    server: RunningServer,
    kubeconfig: PathBuf,
}

async fn setup(name: &str, server: FakeApiServer, pki: Option<&TestPki>, token: &str) -> Setup {
    let server = match pki {
        Some(p) => server.tls(p),
        None => server,
    }
    .token(token)
    .start()
    .await
    .unwrap();
    let kubeconfig = temp_file(
        name,
        &server.kubeconfig(
            pki.map(|p| p.ca_pem.as_str()),
            Some(token),
            Some("production"),
        ),
    );
    Setup { server, kubeconfig }
}

fn connect_options(s: &Setup, timeout_ms: u64) -> ConnectOptions {
    ConnectOptions {
        kubeconfig: Some(s.kubeconfig.clone()),
        context: None,
        request_timeout: Some(Duration::from_millis(timeout_ms)),
    }
}

async fn read_all(s: &Setup, scope: ReadScope, timeout_ms: u64) -> Result<LiveRead, LiveError> {
    let conn = connect(&connect_options(s, timeout_ms)).await?;
    read(
        &conn,
        &ReadOptions {
            scope,
            page_size: 4,
            concurrency: 3,
            ..ReadOptions::default()
        },
    )
    .await
}

/// Objects as comparable JSON strings, minus what a live read deliberately does not fetch:
/// the type of Secrets that are not TLS Secrets, ConfigMap data outside kube-system.
fn normalized(loaded: &LoadResult) -> Vec<String> {
    let mut out: Vec<String> = loaded
        .objects
        .iter()
        .map(|o| {
            let mut v = o.object.to_json();
            if v["kind"] == "Secret" && v["type"] != "kubernetes.io/tls" {
                v.as_object_mut().map(|m| m.remove("type"));
            }
            if v["kind"] == "ConfigMap" && v["metadata"]["namespace"] != "kube-system" {
                v.as_object_mut().map(|m| m.remove("data"));
            }
            v.to_string()
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_read_equals_file_read_over_tls_with_pagination() {
    for name in ["seed-cluster", "healthy-cluster"] {
        let text = example(name);
        let pki = TestPki::generate().unwrap();
        let s = setup(
            name,
            FakeApiServer::new(objects_from_text(&text).unwrap()).page_cap(3),
            Some(&pki),
            "t0ken",
        )
        .await;
        let live = read_all(&s, ReadScope::All, 5000).await.unwrap();
        let file = load_text("cluster.yaml", &text);
        assert_eq!(normalized(&live.loaded), normalized(&file), "{name}");
        assert!(live.problems.is_empty(), "{:?}", live.problems);
        assert!(live.unreadable_kinds.is_empty());
        // No Gateway API objects: the group is not served, silently.
        assert!(live.not_served.contains(&"HTTPRoute".to_string()));
        let requests = s.server.requests();
        // Pagination: pages of at most 3 (the server's cap), followed by continue tokens.
        assert!(requests
            .iter()
            .any(|r| r.path == "/api/v1/pods" && r.param("continue").is_some()));
        assert!(requests
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer t0ken")));
        // Secrets only ever through the metadata-only API.
        let secrets: Vec<_> = requests
            .iter()
            .filter(|r| r.path.ends_with("/secrets"))
            .collect();
        assert!(!secrets.is_empty());
        assert!(secrets.iter().all(|r| r.is_metadata_only()));
        // ConfigMap data only from kube-system.
        for r in requests.iter().filter(|r| r.path.ends_with("/configmaps")) {
            assert_eq!(
                r.is_metadata_only(),
                r.path != "/api/v1/namespaces/kube-system/configmaps",
                "{}",
                r.path
            );
        }
        assert!(requests
            .iter()
            .all(|r| r.param("limit") == Some("4") || r.path == "/version"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_values_never_reach_the_objects() {
    let mut objects = objects_from_text(&example("seed-cluster")).unwrap();
    objects.push(secret_with_data());
    let s = setup("secret", FakeApiServer::new(objects), None, "t").await;
    let live = read_all(&s, ReadScope::All, 5000).await.unwrap();
    let all: String = live
        .loaded
        .objects
        .iter()
        .map(|o| o.object.to_json().to_string())
        .collect();
    assert!(all.contains("db-password"));
    assert!(!all.contains(SECRET_VALUE));
    assert!(!all.contains("last-applied-configuration"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_kind_is_recorded_and_missing_kind_is_silent() {
    let objects = objects_from_text(&example("seed-cluster")).unwrap();
    let s = setup(
        "403",
        FakeApiServer::new(objects)
            .forbid("networkpolicies")
            .not_serve("endpointslices"),
        None,
        "t",
    )
    .await;
    let live = read_all(&s, ReadScope::All, 5000).await.unwrap();
    // Calico's networkpolicies (same resource name, no CRD installed here) are not served:
    // silent, and never taken for the Kubernetes kind.
    assert_eq!(live.unreadable_kinds, vec!["NetworkPolicy".to_string()]);
    assert_eq!(live.problems.len(), 1);
    assert!(live.problems[0].forbidden);
    assert!(
        live.problems[0].reason.contains("cannot list resource"),
        "{}",
        live.problems[0].reason
    );
    assert!(live.not_served.contains(&"EndpointSlice".to_string()));
    assert!(!live
        .loaded
        .objects
        .iter()
        .any(|o| matches!(o.object.kind(), "NetworkPolicy" | "EndpointSlice")));
    assert!(live.loaded.objects.iter().any(|o| o.object.kind() == "Pod"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_list_times_out_after_one_retry() {
    let objects = objects_from_text(&example("healthy-cluster")).unwrap();
    let s = setup(
        "slow",
        FakeApiServer::new(objects).slow("services", Duration::from_secs(3)),
        None,
        "t",
    )
    .await;
    let live = read_all(&s, ReadScope::All, 300).await.unwrap();
    assert_eq!(live.unreadable_kinds, vec!["Service".to_string()]);
    let p = &live.problems[0];
    assert!(!p.forbidden);
    assert_eq!(p.reason, "no complete answer within 300ms (tried 2 times)");
    let tries = s
        .server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/services")
        .count();
    // The server logs a request once it answers; the client gave up on both before that.
    assert!(tries <= 2, "{tries}");
    assert!(live.loaded.objects.iter().any(|o| o.object.kind() == "Pod"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_error_is_retried_once() {
    let objects = objects_from_text(&example("healthy-cluster")).unwrap();
    let s = setup(
        "flaky",
        FakeApiServer::new(objects).flaky("pods"),
        None,
        "t",
    )
    .await;
    let live = read_all(&s, ReadScope::All, 5000).await.unwrap();
    assert!(live.problems.is_empty(), "{:?}", live.problems);
    let first_pages: Vec<u16> = s
        .server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/pods" && r.param("continue").is_none())
        .map(|r| r.status)
        .collect();
    assert_eq!(first_pages, vec![503, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_forbidden_is_an_error() {
    let mut server = FakeApiServer::new(objects_from_text(&example("healthy-cluster")).unwrap());
    for k in KINDS {
        server = server.forbid(k.resource);
    }
    let s = setup("all403", server, None, "t").await;
    let err = read_all(&s, ReadScope::All, 5000).await.unwrap_err();
    assert!(matches!(err, LiveError::AllForbidden { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&s.server.url()), "{msg}");
    assert!(msg.contains("deploy/cli-rbac"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_names_address_and_reason() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\ncurrent-context: c\nusers:\n- name: u\n  user: {{token: x}}\n"
    );
    let path = temp_file("unreachable", &kubeconfig);
    let err = connect(&ConnectOptions {
        kubeconfig: Some(path),
        context: None,
        request_timeout: Some(Duration::from_millis(2000)),
    })
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LiveError::Unreachable { .. }), "{msg}");
    assert!(msg.contains(&format!("http://127.0.0.1:{port}")), "{msg}");
    assert!(msg.to_lowercase().contains("connection refused"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_ca_and_wrong_token_are_reported() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let server = FakeApiServer::new(Vec::new())
        .tls(&pki)
        .token("right")
        .start()
        .await
        .unwrap();
    let path = temp_file(
        "wrong-ca",
        &server.kubeconfig(Some(&other.ca_pem), Some("right"), None),
    );
    let options = ConnectOptions {
        kubeconfig: Some(path),
        context: None,
        request_timeout: Some(Duration::from_millis(3000)),
    };
    let err = connect(&options).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LiveError::Unreachable { .. }), "{msg}");
    assert!(msg.contains("certificate"), "{msg}");

    let path = temp_file(
        "wrong-token",
        &server.kubeconfig(Some(&pki.ca_pem), Some("wrong"), None),
    );
    let err = connect(&ConnectOptions {
        kubeconfig: Some(path),
        ..options
    })
    .await
    .unwrap_err();
    assert!(matches!(err, LiveError::Unauthorized { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_scope_reads_the_namespace_dns_and_ingress_controllers() {
    let objects = objects_from_text(&example("seed-cluster")).unwrap();
    let s = setup(
        "scope",
        FakeApiServer::new(objects).forbid_in("pods", "ingress-nginx"),
        None,
        "t",
    )
    .await;
    let conn = connect(&connect_options(&s, 5000)).await.unwrap();
    assert_eq!(conn.default_namespace, "production");
    let live = read(
        &conn,
        &ReadOptions {
            scope: ReadScope::Namespaces(vec![conn.default_namespace.clone()]),
            ..ReadOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        live.namespaces,
        Some(vec![
            "production".to_string(),
            "kube-system".to_string(),
            "ingress-nginx".to_string()
        ])
    );
    // A helper namespace that may not be read is named with its namespace, and does not
    // make the kind unreadable in the user's scope.
    assert_eq!(
        live.unreadable_kinds,
        vec!["Pod -n ingress-nginx".to_string()]
    );
    let namespaces: std::collections::BTreeSet<String> = live
        .loaded
        .objects
        .iter()
        .filter_map(|o| o.object.metadata().and_then(|m| m.namespace.clone()))
        .collect();
    assert!(!namespaces.contains("monitoring"), "{namespaces:?}");
    assert!(namespaces.contains("kube-system"));
    for r in s.server.requests() {
        let cluster_wide = !r.path.contains("/namespaces/") && r.path != "/version";
        if cluster_wide {
            // Only cluster-scoped kinds, and the pod lookups by label (metadata only).
            let ok = matches!(
                r.path.rsplit('/').next(),
                Some(
                    "namespaces"
                        | "nodes"
                        | "ingressclasses"
                        | "gatewayclasses"
                        | "ciliumclusterwidenetworkpolicies"
                        | "globalnetworkpolicies"
                        | "adminnetworkpolicies"
                        | "baselineadminnetworkpolicies"
                        | "clusternetworkpolicies"
                )
            ) || (r.path == "/api/v1/pods"
                && r.param("labelSelector").is_some()
                && r.is_metadata_only());
            assert!(ok, "unexpected cluster-wide request {}", r.path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_context_and_missing_file() {
    let err = connect(&ConnectOptions {
        kubeconfig: Some(PathBuf::from("/nonexistent/kubeconfig")),
        ..ConnectOptions::default()
    })
    .await
    .unwrap_err();
    assert!(err.is_usage(), "{err}");
    let s = setup("context", FakeApiServer::new(Vec::new()), None, "t").await;
    let err = connect(&ConnectOptions {
        context: Some("nope".into()),
        ..connect_options(&s, 1000)
    })
    .await
    .unwrap_err();
    assert!(matches!(err, LiveError::Config(_)), "{err}");
    assert!(err.to_string().contains("nope"), "{err}");
    let conn = connect(&ConnectOptions {
        context: Some("fake".into()),
        ..connect_options(&s, 1000)
    })
    .await
    .unwrap();
    assert_eq!(conn.context.as_deref(), Some("fake"));
}

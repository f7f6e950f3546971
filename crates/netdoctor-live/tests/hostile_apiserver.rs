//! The live reader against hostile API servers (loopback only): slow, endless, looping,
//! malformed and oversized responses. Every case ends within a bounded time with the
//! attacked kind unreadable for the right reason, and the other kinds read.

use netdoctor_live::cluster::fake::{objects_from_text, FakeApiServer, Hostile, RunningServer};
use netdoctor_live::cluster::{connect, read, ConnectOptions, LiveRead, ReadOptions, ReadScope};
use std::path::PathBuf;
use std::time::Duration;

/// Generous: a case that has not ended by then hangs.
const CASE_LIMIT: Duration = Duration::from_secs(60);

fn healthy_objects() -> Vec<serde_json::Value> {
    let path = format!(
        "{}/../../examples/healthy-cluster/cluster.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    objects_from_text(&text).unwrap()
}

fn kubeconfig(name: &str, server: &RunningServer) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netdoctor-hostile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kubeconfig");
    std::fs::write(&path, server.kubeconfig(None, Some("t"), None)).unwrap();
    path
}

/// Limits of a case; `None` keeps the default.
#[derive(Default, Clone, Copy)]
struct Limits {
    timeout_ms: Option<u64>,
    max_pages: Option<usize>,
    max_response: Option<u64>,
    max_read: Option<u64>,
    max_read_time: Option<Duration>,
}

fn read_options(limits: Limits) -> ReadOptions {
    let mut options = ReadOptions {
        scope: ReadScope::All,
        page_size: 50,
        ..ReadOptions::default()
    };
    if let Some(n) = limits.max_pages {
        options.max_pages = n;
    }
    if let Some(n) = limits.max_response {
        options.max_response_bytes = n;
    }
    if let Some(n) = limits.max_read {
        options.max_read_bytes = n;
    }
    if let Some(t) = limits.max_read_time {
        options.max_read_time = t;
    }
    options
}

/// Reads a server whose `pods` lists misbehave as `mode`, within `CASE_LIMIT`.
async fn attack(name: &str, mode: Hostile, limits: Limits) -> (LiveRead, RunningServer) {
    let server = FakeApiServer::new(healthy_objects())
        .token("t")
        .hostile("pods", mode)
        .start()
        .await
        .unwrap();
    let options = ConnectOptions {
        kubeconfig: Some(kubeconfig(name, &server)),
        context: None,
        request_timeout: Some(Duration::from_millis(limits.timeout_ms.unwrap_or(5000))),
    };
    let live = tokio::time::timeout(CASE_LIMIT, async {
        let conn = connect(&options).await.unwrap();
        read(&conn, &read_options(limits)).await
    })
    .await
    .unwrap_or_else(|_| panic!("{name}: the read did not end within {CASE_LIMIT:?}"))
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    (live, server)
}

/// Pods are unreadable for a reason containing every one of `expected`, nothing blames
/// RBAC, and the other kinds were read.
fn assert_pods_unreadable(name: &str, live: &LiveRead, expected: &[&str]) -> String {
    assert_eq!(live.unreadable_kinds, vec!["Pod".to_string()], "{name}");
    let p = &live.problems[0];
    assert!(!p.forbidden, "{name}: {p:?}");
    for e in expected {
        assert!(p.reason.contains(e), "{name}: {:?} lacks {e:?}", p.reason);
    }
    assert!(
        !p.reason.chars().any(char::is_control),
        "{name}: {:?}",
        p.reason
    );
    assert!(p.reason.len() <= 1100, "{name}: {} bytes", p.reason.len());
    let kinds: Vec<&str> = live
        .loaded
        .objects
        .iter()
        .map(|o| o.object.kind())
        .collect();
    assert!(kinds.contains(&"Service"), "{name}: {kinds:?}");
    assert!(!kinds.contains(&"Pod"), "{name}: {kinds:?}");
    p.reason.clone()
}

fn ms(timeout_ms: u64) -> Limits {
    Limits {
        timeout_ms: Some(timeout_ms),
        ..Limits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_time_out() {
    let (live, _s) = attack(
        "slow-headers",
        Hostile::SlowHeaders(Duration::from_secs(30)),
        ms(400),
    )
    .await;
    assert_pods_unreadable("slow-headers", &live, &["within 400ms", "tried 2 times"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_body_times_out_the_timeout_covers_the_body() {
    let (live, _s) = attack(
        "slow-body",
        Hostile::SlowBody(Duration::from_millis(200)),
        ms(1000),
    )
    .await;
    assert_pods_unreadable("slow-body", &live, &["no complete answer within 1s"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_body_stops_at_the_size_limit() {
    let limits = Limits {
        timeout_ms: Some(20_000),
        max_response: Some(1024 * 1024),
        ..Limits::default()
    };
    let (live, _s) = attack("endless", Hostile::EndlessBody, limits).await;
    assert_pods_unreadable(
        "endless",
        &live,
        &["larger than 1 MiB", "--max-response-size"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_huge_body_is_refused_before_reading() {
    let limits = Limits {
        timeout_ms: Some(20_000),
        ..Limits::default()
    };
    let (live, _s) = attack("declared", Hostile::DeclaredHuge(10 << 30), limits).await;
    assert_pods_unreadable("declared", &live, &["larger than 256 MiB"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_body_over_the_configured_limit() {
    let limits = Limits {
        max_response: Some(512 * 1024),
        ..Limits::default()
    };
    let (live, _s) = attack("huge", Hostile::HugeBody(600 * 1024), limits).await;
    assert_pods_unreadable("huge", &live, &["larger than 512 KiB"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_read_size_is_bounded() {
    // Each response is within its limit, but together they pass the read's.
    let limits = Limits {
        max_read: Some(100 * 1024),
        ..Limits::default()
    };
    let (live, _s) = attack("total", Hostile::HugeBody(200 * 1024), limits).await;
    assert!(live.unreadable_kinds.contains(&"Pod".to_string()));
    let p = live.problems.iter().find(|p| p.what == "Pod").unwrap();
    assert!(p.reason.contains("total size limit of 100 KiB"), "{p:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_continue_token_is_a_loop() {
    let (live, s) = attack("repeat", Hostile::RepeatedContinue, Limits::default()).await;
    assert_pods_unreadable("repeat", &live, &["\"same-token\" again on page 2", "loop"]);
    let pods = s
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/pods")
        .count();
    assert_eq!(pods, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_token_cycle_is_a_loop() {
    let (live, _s) = attack("cycle", Hostile::ContinueCycle, Limits::default()).await;
    assert_pods_unreadable("cycle", &live, &["\"A\" again on page 3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_pages_stop_at_the_page_limit() {
    let limits = Limits {
        max_pages: Some(25),
        ..Limits::default()
    };
    let (live, s) = attack("pages", Hostile::EndlessPages, limits).await;
    assert_pods_unreadable(
        "pages",
        &live,
        &["did not end after 25 pages", "--max-pages"],
    );
    let pods = s
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/pods")
        .count();
    assert_eq!(pods, 25);
}

/// A server that answers every page just in time (each within the request timeout) with a
/// new token: the page limit would take hours, the whole read's deadline ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_endless_pages_stop_at_the_read_deadline() {
    let limits = Limits {
        timeout_ms: Some(2000),
        max_read_time: Some(Duration::from_millis(1500)),
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let (live, _s) = attack(
        "slow-pages",
        Hostile::SlowEndlessPages(Duration::from_millis(100)),
        limits,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_pods_unreadable(
        "slow-pages",
        &live,
        &["longer than 1.5s", "--max-read-time"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_names_the_position() {
    let (live, _s) = attack("malformed", Hostile::MalformedJson, Limits::default()).await;
    assert_pods_unreadable("malformed", &live, &["not a list", "line 1 column"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_names_the_offset() {
    let (live, _s) = attack("utf8", Hostile::InvalidUtf8, Limits::default()).await;
    assert_pods_unreadable("utf8", &live, &["not UTF-8 (invalid byte at offset"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_that_is_not_a_list() {
    let (live, _s) = attack("not-a-list", Hostile::NotAList, Limits::default()).await;
    assert_pods_unreadable("not-a-list", &live, &["not a list", "items"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_is_named_and_its_message_cut_and_escaped() {
    let message = format!("boom \u{1b}]0;pwned\u{7}\u{1b}[2J{}", "A".repeat(5000));
    let (live, _s) = attack("500", Hostile::Status(500, message), Limits::default()).await;
    let reason = assert_pods_unreadable(
        "500",
        &live,
        &[
            "HTTP 500 Internal Server Error: boom \\u{1b}]0;pwned",
            "tried 2 times",
        ],
    );
    assert!(reason.contains('…'), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_is_not_followed() {
    let mode = Hostile::Redirect("http://169.254.169.254/latest/meta-data".into());
    let (live, s) = attack("redirect", mode, Limits::default()).await;
    assert_pods_unreadable(
        "redirect",
        &live,
        &[
            "HTTP 302 Found",
            "redirect to \"http://169.254.169.254/latest/meta-data\"",
        ],
    );
    assert!(s.requests().iter().all(|r| !r.path.contains("meta-data")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_closed_mid_body() {
    let (live, _s) = attack("close", Hostile::CloseMidBody, Limits::default()).await;
    assert_pods_unreadable("close", &live, &["tried 2 times"]);
}

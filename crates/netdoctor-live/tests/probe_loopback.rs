//! Probes against real servers on 127.0.0.1: every failure class is produced by a real
//! condition and must be classified as such. No timing assertion beyond "the injected delay
//! shows up" (a lower bound) and the order of the phases.

mod support;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use netdoctor_live::probe::dns::{DnsProbe, Libc, ResolvConf};
use netdoctor_live::probe::http::{HttpOptions, HttpProbe};
use netdoctor_live::probe::tcp::TcpProbe;
use netdoctor_live::probe::{run, run_until, Probe, Report, RunOptions, Thresholds, Verdict};
use std::sync::Arc;
use std::time::Duration;
use support::*;

/// Thresholds are generous here: these tests are about classification, and a loaded CI
/// machine must not turn a loopback `ok` into `slow`. The threshold tests set their own.
fn opts(count: u32, timeout_ms: u64) -> RunOptions {
    RunOptions {
        count,
        interval: Duration::ZERO,
        timeout: Duration::from_millis(timeout_ms),
        concurrency: 1,
        thresholds: Thresholds {
            dns_slow_ms: 1000.0,
            connect_slow_ms: 1000.0,
        },
    }
}

async fn probe(p: Probe, o: &RunOptions) -> Report {
    run(Arc::new(p), o, |_| {}).await
}

fn json(r: &Report) -> serde_json::Value {
    serde_json::to_value(r).expect("report serializes")
}

// ---------------------------------------------------------------- TCP

#[tokio::test]
async fn tcp_connects_to_a_listener() {
    let server = http_server(HttpBehaviour::default()).await;
    let r = probe(
        Probe::Tcp(TcpProbe::new(&server.addr.to_string()).unwrap()),
        &opts(5, 1000),
    )
    .await;
    assert_eq!((r.count, r.ok), (5, 5), "{r:?}");
    assert_eq!(r.errors.total(), 0);
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.exit_code(), 0);
    let v = json(&r);
    assert_eq!(v["kind"], "tcp");
    assert_eq!(v["target"], server.addr.to_string());
    assert!(v["phases_ms"]["connect"]["p50"].as_f64().unwrap() >= 0.0);
    for k in ["p50", "p90", "p99", "max"] {
        assert!(v["phases_ms"]["connect"][k].is_number(), "connect.{k}");
    }
    assert!(v["phases_ms"].get("ttfb").is_none(), "tcp reports no ttfb");
    assert_eq!(v["verdict"], "ok");
}

#[tokio::test]
async fn tcp_closed_port_is_refused() {
    let target = format!("127.0.0.1:{}", closed_port());
    let r = probe(Probe::Tcp(TcpProbe::new(&target).unwrap()), &opts(3, 1000)).await;
    assert_eq!((r.count, r.ok, r.errors.refused), (3, 0, 3), "{r:?}");
    assert_eq!(r.verdict, Verdict::Failing);
    assert_eq!(r.exit_code(), 1);
    assert!(r.last_error.as_deref().unwrap().contains("refused"));
    assert!(r.phases_ms.connect.is_none());
    assert_eq!(json(&r)["errors"]["refused"], 3);
}

#[tokio::test]
async fn tcp_refused_on_ipv6_loopback_too() {
    // Skipped quietly if the machine has no ::1.
    let Ok(l) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("skipped: no IPv6 loopback");
        return;
    };
    let port = l.local_addr().unwrap().port();
    let ok = probe(
        Probe::Tcp(TcpProbe::new(&format!("[::1]:{port}")).unwrap()),
        &opts(1, 1000),
    )
    .await;
    assert_eq!(ok.ok, 1, "{ok:?}");
    drop(l);
    let refused = probe(
        Probe::Tcp(TcpProbe::new(&format!("[::1]:{port}")).unwrap()),
        &opts(1, 1000),
    )
    .await;
    assert_eq!(refused.errors.refused, 1, "{refused:?}");
}

#[test]
fn tcp_target_must_have_a_port() {
    assert!(TcpProbe::new("127.0.0.1").is_err());
    assert!(TcpProbe::new("127.0.0.1:0").is_err());
}

// ---------------------------------------------------------------- DNS

fn pod_resolv_conf() -> ResolvConf {
    ResolvConf::parse(
        "search production.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n",
    )
}

#[tokio::test]
async fn dns_direct_query_answers() {
    let dns = dns_server(&[("api.example.test.", Entry::a([10, 1, 2, 3]))]).await;
    let p = DnsProbe::new("api.example.test", RecordType::A, Some(dns.addr), None).unwrap();
    let r = probe(Probe::Dns(p), &opts(4, 1000)).await;
    assert_eq!((r.count, r.ok), (4, 4), "{r:?}");
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.rcodes.get("NOERROR"), Some(&4));
    assert_eq!(r.queries.len(), 1);
    assert_eq!(r.queries[0].answers, vec!["10.1.2.3"]);
    let v = json(&r);
    assert_eq!(v["kind"], "dns");
    assert!(v["phases_ms"]["total"]["p90"].is_number());
    assert!(
        v["phases_ms"].get("connect").is_none(),
        "dns reports total only"
    );
    // The responder really got the packets (the 10.x answer is data, never contacted).
    assert_eq!(dns.seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn dns_search_expansion_sends_each_candidate_like_glibc() {
    let dns = dns_server(&[("api-service.svc.cluster.local.", Entry::a([10, 96, 0, 20]))]).await;
    let p = DnsProbe::new(
        "api-service",
        RecordType::A,
        Some(dns.addr),
        Some(pod_resolv_conf()),
    )
    .unwrap();
    let r = probe(Probe::Dns(p), &opts(2, 1000)).await;
    assert_eq!(r.ok, 2, "{r:?}");
    // The first search domain NXDOMAINs, the second answers; the rest is never sent.
    let names: Vec<&str> = r.queries.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "api-service.production.svc.cluster.local.",
            "api-service.svc.cluster.local."
        ]
    );
    assert_eq!(r.queries[0].rcodes.get("NXDOMAIN"), Some(&2));
    assert_eq!(r.queries[1].rcodes.get("NOERROR"), Some(&2));
    assert!(
        r.queries.iter().all(|q| q.ms.is_some()),
        "each query timed alone"
    );
    let seen: Vec<String> = dns
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0], "api-service.production.svc.cluster.local.");
    assert_eq!(seen[1], "api-service.svc.cluster.local.");
    let v = json(&r);
    assert_eq!(v["dns"]["mode"], "search");
    assert_eq!(v["dns"]["candidates"].as_array().unwrap().len(), 4);
    assert_eq!(v["dns"]["resolv_conf"]["ndots"], 5);
}

#[tokio::test]
async fn dns_nxdomain_after_the_whole_search_list() {
    let dns = dns_server(&[]).await;
    let p = DnsProbe::new(
        "missing",
        RecordType::A,
        Some(dns.addr),
        Some(pod_resolv_conf()),
    )
    .unwrap();
    let r = probe(Probe::Dns(p), &opts(3, 1000)).await;
    assert_eq!((r.ok, r.errors.nxdomain), (0, 3), "{r:?}");
    assert_eq!(r.verdict, Verdict::Failing);
    assert_eq!(r.exit_code(), 1);
    // search list (3) + as is (1), every time.
    assert_eq!(r.queries.len(), 4);
    assert_eq!(r.queries[3].name, "missing.");
    assert_eq!(dns.seen.lock().unwrap().len(), 12);
    assert_eq!(r.rcodes.get("NXDOMAIN"), Some(&3));
    assert_eq!(json(&r)["errors"]["nxdomain"], 3);
}

#[tokio::test]
async fn dns_enough_dots_goes_as_is_first() {
    let dns = dns_server(&[("db-0.db.data.svc.cluster.local.", Entry::a([10, 0, 0, 5]))]).await;
    let p = DnsProbe::new(
        "db-0.db.data.svc.cluster.local",
        RecordType::A,
        Some(dns.addr),
        Some(pod_resolv_conf()),
    )
    .unwrap();
    let r = probe(Probe::Dns(p), &opts(1, 1000)).await;
    assert_eq!(r.ok, 1);
    assert_eq!(r.queries.len(), 1, "answered as is, no search");
}

#[tokio::test]
async fn dns_delay_makes_the_verdict_slow() {
    let slow = Entry {
        delay: Duration::from_millis(150),
        ..Entry::a([10, 0, 0, 1])
    };
    let dns = dns_server(&[("slow.example.test.", slow)]).await;
    let p = DnsProbe::new("slow.example.test", RecordType::A, Some(dns.addr), None).unwrap();
    let mut o = opts(3, 2000);
    o.thresholds = Thresholds::default();
    let r = probe(Probe::Dns(p), &o).await;
    assert_eq!(r.ok, 3, "{r:?}");
    let total = r.phases_ms.total.unwrap();
    assert!(total.p50 >= 150.0, "injected delay reflected: {total:?}");
    assert_eq!(r.verdict, Verdict::Slow);
    assert_eq!(r.exit_code(), 0, "slow is not a failure");
    assert!(r.reasons[0].starts_with("DNS p90"), "{:?}", r.reasons);
    // A higher threshold makes it ok.
    let dns2 = dns_server(&[(
        "slow.example.test.",
        Entry {
            delay: Duration::from_millis(150),
            ..Entry::a([10, 0, 0, 1])
        },
    )])
    .await;
    let mut o = opts(1, 2000);
    o.thresholds.dns_slow_ms = 1000.0;
    let p = DnsProbe::new("slow.example.test", RecordType::A, Some(dns2.addr), None).unwrap();
    assert_eq!(probe(Probe::Dns(p), &o).await.verdict, Verdict::Ok);
}

#[tokio::test]
async fn dns_truncated_udp_falls_back_to_tcp() {
    let big = Entry {
        truncate: true,
        ..Entry::a([10, 0, 0, 9])
    };
    let dns = dns_server(&[("big.example.test.", big)]).await;
    let p = DnsProbe::new("big.example.test", RecordType::A, Some(dns.addr), None).unwrap();
    let r = probe(Probe::Dns(p), &opts(2, 1000)).await;
    assert_eq!(r.ok, 2, "{r:?}");
    assert_eq!(r.queries[0].tcp_fallback, 2);
    assert_eq!(r.queries[0].answers, vec!["10.0.0.9"]);
    let seen = dns.seen.lock().unwrap().clone();
    assert_eq!(seen.iter().filter(|s| s.tcp).count(), 2);
    assert_eq!(seen.iter().filter(|s| !s.tcp).count(), 2);
}

#[tokio::test]
async fn dns_servfail_is_a_dns_error_and_search_goes_on() {
    let dns = dns_server(&[(
        "api.production.svc.cluster.local.",
        Entry {
            rcode: Some(ResponseCode::ServFail),
            ..Default::default()
        },
    )])
    .await;
    let p = DnsProbe::new(
        "api",
        RecordType::A,
        Some(dns.addr),
        Some(pod_resolv_conf()),
    )
    .unwrap();
    let r = probe(Probe::Dns(p), &opts(1, 1000)).await;
    assert_eq!(r.errors.dns, 1, "{r:?}");
    // glibc goes on after SERVFAIL; the final error is SERVFAIL (got_servfail), not NXDOMAIN.
    assert_eq!(r.queries.len(), 4);
    assert_eq!(r.rcodes.get("SERVFAIL"), Some(&1));
}

#[tokio::test]
async fn dns_musl_stops_the_search_at_servfail() {
    let dns = dns_server(&[
        (
            "api.production.svc.cluster.local.",
            Entry {
                rcode: Some(ResponseCode::ServFail),
                ..Default::default()
            },
        ),
        ("api.svc.cluster.local.", Entry::a([10, 0, 0, 7])),
    ])
    .await;
    // glibc goes past the SERVFAIL and finds the answer in the next domain.
    let glibc = DnsProbe::new(
        "api",
        RecordType::A,
        Some(dns.addr),
        Some(pod_resolv_conf()),
    )
    .unwrap();
    let r = probe(Probe::Dns(glibc), &opts(1, 1000)).await;
    assert_eq!(r.ok, 1, "{r:?}");
    // musl returns the SERVFAIL (EAI_AGAIN) at once.
    let musl = DnsProbe::new_with_libc(
        "api",
        RecordType::A,
        Some(dns.addr),
        Some(pod_resolv_conf()),
        Libc::Musl,
    )
    .unwrap();
    let r = probe(Probe::Dns(musl), &opts(1, 1000)).await;
    assert_eq!((r.ok, r.errors.dns), (0, 1), "{r:?}");
    assert_eq!(r.queries.len(), 1);
    assert_eq!(json(&r)["dns"]["libc"], "musl");
}

#[tokio::test]
async fn dns_nodata_is_reported_as_such() {
    // The name exists but has no AAAA.
    let dns = dns_server(&[("v4only.example.test.", Entry::a([10, 0, 0, 1]))]).await;
    let p = DnsProbe::new(
        "v4only.example.test",
        RecordType::AAAA,
        Some(dns.addr),
        None,
    )
    .unwrap();
    let r = probe(Probe::Dns(p), &opts(1, 1000)).await;
    assert_eq!((r.errors.dns, r.errors.nxdomain), (1, 0), "{r:?}");
    assert!(r.last_error.unwrap().contains("NOERROR but no AAAA"));
}

/// A CNAME whose target has no address resolves nothing: it once counted as ok.
#[tokio::test]
async fn dns_cname_only_answer_is_a_failure() {
    let dns = dns_server(&[(
        "alias.example.test.",
        Entry {
            cname: Some("nowhere.example.test.".into()),
            ..Default::default()
        },
    )])
    .await;
    for qtype in [RecordType::A, RecordType::AAAA] {
        let p = DnsProbe::new("alias.example.test", qtype, Some(dns.addr), None).unwrap();
        let r = probe(Probe::Dns(p), &opts(1, 1000)).await;
        assert_eq!((r.ok, r.errors.dns), (0, 1), "{r:?}");
        let e = r.last_error.unwrap();
        assert!(e.contains("CNAME only (nowhere.example.test.)"), "{e}");
    }
    // Through a search list the CNAME-only answer is NODATA for glibc: the search goes on,
    // and without a better answer the CNAME-only one is reported.
    let conf = ResolvConf::parse("search example.test\nnameserver 127.0.0.1\noptions ndots:5\n");
    let p = DnsProbe::new("alias", RecordType::A, Some(dns.addr), Some(conf)).unwrap();
    let r = probe(Probe::Dns(p), &opts(1, 1000)).await;
    assert_eq!((r.ok, r.errors.dns), (0, 1), "{r:?}");
    assert!(r.last_error.unwrap().contains("CNAME only"));
}

#[tokio::test]
async fn dns_dropped_query_times_out() {
    let dns = dns_server(&[(
        "black.hole.test.",
        Entry {
            drop: true,
            ..Default::default()
        },
    )])
    .await;
    let p = DnsProbe::new("black.hole.test", RecordType::A, Some(dns.addr), None).unwrap();
    let r = probe(Probe::Dns(p), &opts(2, 200)).await;
    assert_eq!((r.ok, r.errors.timeout), (0, 2), "{r:?}");
    assert_eq!(r.rcodes.get("TIMEOUT"), Some(&2));
    assert!(r.phases_ms.total.is_none());
}

#[tokio::test]
async fn dns_closed_port_is_refused() {
    // UDP to a port nothing listens on: ICMP port unreachable, seen as ECONNREFUSED.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    drop(sock);
    let p = DnsProbe::new("x.test", RecordType::A, Some(addr), None).unwrap();
    let r = probe(Probe::Dns(p), &opts(2, 1000)).await;
    assert_eq!((r.ok, r.errors.refused), (0, 2), "{r:?}");
}

// ---------------------------------------------------------------- HTTP

fn phases(r: &Report) -> (f64, f64, Option<f64>, f64, f64) {
    let p = &r.phases_ms;
    (
        p.dns.unwrap().p50,
        p.connect.unwrap().p50,
        p.tls.map(|t| t.p50),
        p.ttfb.unwrap().p50,
        p.total.unwrap().p50,
    )
}

#[tokio::test]
async fn http_phases_in_order_and_status_kept() {
    let server = http_server(HttpBehaviour::default()).await;
    let url = format!("http://{}/health", server.addr);
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &HttpOptions::default()).unwrap()),
        &opts(5, 2000),
    )
    .await;
    assert_eq!((r.count, r.ok), (5, 5), "{r:?}");
    assert_eq!(r.status_codes.get("200"), Some(&5));
    let (dns, connect, tls, ttfb, total) = phases(&r);
    assert_eq!(tls, Some(0.0), "no TLS: 0 like curl's time_appconnect");
    assert!(
        dns <= connect && connect <= ttfb && ttfb <= total,
        "{dns} {connect} {ttfb} {total}"
    );
    let v = json(&r);
    assert_eq!(v["kind"], "http");
    assert_eq!(v["target"], url);
    for phase in ["dns", "connect", "tls", "ttfb", "total"] {
        assert!(v["phases_ms"][phase]["p99"].is_number(), "{phase}");
    }
    let req = server.requests.lock().unwrap()[0].clone();
    assert!(req.starts_with("GET /health HTTP/1.1\r\n"), "{req}");
    assert!(
        req.to_ascii_lowercase()
            .contains(&format!("host: {}", server.addr)),
        "{req}"
    );
}

#[tokio::test]
async fn http_injected_delay_shows_in_ttfb() {
    let server = http_server(HttpBehaviour {
        delay: Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    let url = format!("http://{}/", server.addr);
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &HttpOptions::default()).unwrap()),
        &opts(3, 3000),
    )
    .await;
    assert_eq!(r.ok, 3, "{r:?}");
    let (_, connect, _, ttfb, total) = phases(&r);
    assert!(ttfb >= 200.0, "ttfb {ttfb} must include the 200 ms delay");
    assert!(
        connect < 200.0,
        "the delay is after the connect: connect {connect}"
    );
    assert!(total >= ttfb);
}

#[tokio::test]
async fn http_error_status_is_failing() {
    let server = http_server(HttpBehaviour {
        status: 503,
        ..Default::default()
    })
    .await;
    let url = format!("http://{}/", server.addr);
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &HttpOptions::default()).unwrap()),
        &opts(2, 2000),
    )
    .await;
    assert_eq!((r.ok, r.errors.http), (0, 2), "{r:?}");
    assert_eq!(r.status_codes.get("503"), Some(&2));
    assert_eq!(r.verdict, Verdict::Failing);
    assert!(
        r.phases_ms.ttfb.is_some(),
        "a response arrived: its phases are measured"
    );
    // 3xx is a success (the Kubernetes probe rule: 200 <= status < 400).
    let redirect = http_server(HttpBehaviour {
        status: 302,
        ..Default::default()
    })
    .await;
    let url = format!("http://{}/", redirect.addr);
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &HttpOptions::default()).unwrap()),
        &opts(1, 2000),
    )
    .await;
    assert_eq!(r.ok, 1, "{r:?}");
}

#[tokio::test]
async fn http_server_that_never_answers_times_out_after_connect() {
    let server = http_server(HttpBehaviour {
        silent: true,
        ..Default::default()
    })
    .await;
    let url = format!("http://{}/", server.addr);
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &HttpOptions::default()).unwrap()),
        &opts(2, 300),
    )
    .await;
    assert_eq!((r.ok, r.errors.timeout), (0, 2), "{r:?}");
    assert!(r.phases_ms.connect.is_some(), "connected before timing out");
    assert!(r.phases_ms.ttfb.is_none());
    assert!(r.last_error.unwrap().contains("no response"));
}

#[tokio::test]
async fn http_closed_port_is_refused() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &HttpOptions::default()).unwrap()),
        &opts(2, 1000),
    )
    .await;
    assert_eq!((r.ok, r.errors.refused), (0, 2), "{r:?}");
}

#[tokio::test]
async fn http_resolve_and_headers_like_curl() {
    let server = http_server(HttpBehaviour::default()).await;
    let port = server.addr.port();
    let url = format!("http://app.example.test:{port}/api");
    let o = HttpOptions {
        resolve: vec![format!("app.example.test:{port}:127.0.0.1")],
        headers: vec!["X-Probe: 1".to_string()],
        ..Default::default()
    };
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &o).unwrap()),
        &opts(1, 2000),
    )
    .await;
    assert_eq!(r.ok, 1, "{r:?}");
    let req = server.requests.lock().unwrap()[0].to_ascii_lowercase();
    assert!(
        req.contains(&format!("host: app.example.test:{port}\r\n")),
        "{req}"
    );
    assert!(req.contains("x-probe: 1\r\n"), "{req}");
    // A Host header replaces the default one.
    let o = HttpOptions {
        headers: vec!["Host: other.example.test".to_string()],
        ..Default::default()
    };
    let url = format!("http://{}/", server.addr);
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &o).unwrap()),
        &opts(1, 2000),
    )
    .await;
    assert_eq!(r.ok, 1);
    let req = server.requests.lock().unwrap()[1].to_ascii_lowercase();
    assert_eq!(req.matches("host:").count(), 1, "{req}");
    assert!(req.contains("host: other.example.test\r\n"), "{req}");
}

#[tokio::test]
async fn https_with_test_ca_measures_the_handshake() {
    let server = https_server(HttpBehaviour {
        delay: Duration::from_millis(50),
        ..Default::default()
    })
    .await;
    let ca = TempFile::new("ca.pem", server.cert_pem.as_deref().unwrap());
    let port = server.addr.port();
    let url = format!("https://localhost:{port}/secure");
    let o = HttpOptions {
        cacert: Some(ca.path().to_string()),
        resolve: vec![format!("localhost:{port}:127.0.0.1")],
        ..Default::default()
    };
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &o).unwrap()),
        &opts(3, 3000),
    )
    .await;
    assert_eq!(r.ok, 3, "{r:?}");
    let (dns, connect, tls, ttfb, total) = phases(&r);
    let tls = tls.expect("tls phase");
    assert!(dns <= connect && connect <= tls && tls <= ttfb && ttfb <= total);
    assert!(ttfb - tls >= 50.0, "the 50 ms delay is after the handshake");
    // By IP: the certificate carries 127.0.0.1 as an IP SAN.
    let url = format!("https://127.0.0.1:{port}/");
    let o = HttpOptions {
        cacert: Some(ca.path().to_string()),
        ..Default::default()
    };
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &o).unwrap()),
        &opts(1, 3000),
    )
    .await;
    assert_eq!(r.ok, 1, "{r:?}");
}

#[tokio::test]
async fn https_untrusted_certificate_is_a_tls_error_unless_insecure() {
    let server = https_server(HttpBehaviour::default()).await;
    let url = format!("https://{}/", server.addr);
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &HttpOptions::default()).unwrap()),
        &opts(1, 3000),
    )
    .await;
    assert_eq!(r.errors.tls, 1, "{r:?}");
    assert!(r.phases_ms.connect.is_some() && r.phases_ms.tls.is_none());
    let o = HttpOptions {
        insecure: true,
        ..Default::default()
    };
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &o).unwrap()),
        &opts(1, 3000),
    )
    .await;
    assert_eq!(r.ok, 1, "{r:?}");
    assert!(r.phases_ms.tls.is_some());
}

#[tokio::test]
async fn https_to_a_plain_http_port_is_a_tls_error() {
    let server = http_server(HttpBehaviour::default()).await;
    let url = format!("https://{}/", server.addr);
    let o = HttpOptions {
        insecure: true,
        ..Default::default()
    };
    let r = probe(
        Probe::Http(HttpProbe::new(&url, &o).unwrap()),
        &opts(1, 2000),
    )
    .await;
    assert_eq!(r.errors.tls, 1, "{r:?}");
}

// ---------------------------------------------------------------- runner

#[tokio::test]
async fn count_concurrency_and_progress() {
    let server = http_server(HttpBehaviour {
        delay: Duration::from_millis(100),
        ..Default::default()
    })
    .await;
    let url = format!("http://{}/", server.addr);
    let o = RunOptions {
        count: 6,
        interval: Duration::ZERO,
        timeout: Duration::from_secs(3),
        concurrency: 3,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let start = std::time::Instant::now();
    let r = run(
        Arc::new(Probe::Http(
            HttpProbe::new(&url, &HttpOptions::default()).unwrap(),
        )),
        &o,
        |p| seen.push((p.done, p.count)),
    )
    .await;
    let elapsed = start.elapsed();
    assert_eq!((r.count, r.ok), (6, 6), "{r:?}");
    assert_eq!(seen.len(), 6);
    assert_eq!(seen.last(), Some(&(6, 6)));
    // 6 attempts of >= 100 ms, 3 at a time: at least two rounds; sequentially it would be six.
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    assert_eq!(server.requests.lock().unwrap().len(), 6);
}

#[tokio::test]
async fn interval_spaces_the_attempts() {
    let server = http_server(HttpBehaviour::default()).await;
    let o = RunOptions {
        count: 3,
        interval: Duration::from_millis(100),
        timeout: Duration::from_secs(2),
        concurrency: 1,
        ..Default::default()
    };
    let start = std::time::Instant::now();
    let r = run(
        Arc::new(Probe::Tcp(TcpProbe::new(&server.addr.to_string()).unwrap())),
        &o,
        |_| {},
    )
    .await;
    assert_eq!(r.ok, 3);
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "two intervals between three attempts"
    );
}

#[tokio::test]
async fn stop_ends_the_run_early_with_a_report() {
    let server = http_server(HttpBehaviour::default()).await;
    let o = RunOptions {
        count: 1000,
        interval: Duration::from_millis(50),
        timeout: Duration::from_secs(2),
        concurrency: 1,
        thresholds: opts(1, 1).thresholds,
    };
    let stop = tokio::time::sleep(Duration::from_millis(200));
    let r = run_until(
        Arc::new(Probe::Tcp(TcpProbe::new(&server.addr.to_string()).unwrap())),
        &o,
        |_| {},
        stop,
    )
    .await;
    assert!(r.count >= 1 && r.count < 1000, "{}", r.count);
    assert_eq!(r.ok, r.count);
    assert_eq!(r.verdict, Verdict::Ok);
    assert!(
        r.reasons.iter().any(|x| x.starts_with("stopped after")),
        "{:?}",
        r.reasons
    );
}

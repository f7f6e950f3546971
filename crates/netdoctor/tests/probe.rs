//! End-to-end: `netdoctor probe` against real servers on 127.0.0.1 (std threads), JSON shape
//! and exit codes of docs/interface.md. Classification in depth is tested in netdoctor-live.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Command, Output};
use std::thread;

fn netdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// An HTTP server answering every request with `status` (in a background thread).
fn http_server(status: u16) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let mut buf = [0u8; 4096];
            let mut head = Vec::new();
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    port
}

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Generous thresholds: a loaded CI machine must not turn a loopback `ok` into `slow`.
const FAST: [&str; 8] = [
    "--count",
    "3",
    "--interval",
    "0s",
    "--dns-slow-ms",
    "1000",
    "--connect-slow-ms",
    "1000",
];

#[test]
fn probe_http_json_follows_the_interface() {
    let port = http_server(200);
    let url = format!("http://127.0.0.1:{port}/health");
    let mut args = vec!["probe", "http", &url, "-o", "json"];
    args.extend(FAST);
    let o = netdoctor(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["kind"], "http");
    assert_eq!(v["target"], url);
    assert_eq!(v["count"], 3);
    assert_eq!(v["ok"], 3);
    for k in ["timeout", "refused", "nxdomain", "other"] {
        assert_eq!(v["errors"][k], 0, "errors.{k}");
    }
    for phase in ["dns", "connect", "tls", "ttfb", "total"] {
        for q in ["p50", "p90", "p99", "max"] {
            assert!(
                v["phases_ms"][phase][q].is_number(),
                "phases_ms.{phase}.{q}"
            );
        }
    }
    assert_eq!(
        v["phases_ms"]["tls"]["max"], 0.0,
        "no TLS over http: 0 as in curl"
    );
    assert_eq!(v["verdict"], "ok");
    assert!(
        o.stderr.is_empty(),
        "no progress line when stderr is not a terminal"
    );
}

#[test]
fn probe_http_error_status_fails_with_exit_1() {
    let port = http_server(503);
    let url = format!("http://127.0.0.1:{port}/");
    let mut args = vec!["probe", "http", &url, "-o", "json"];
    args.extend(FAST);
    let o = netdoctor(&args);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["verdict"], "failing");
    assert_eq!(v["status_codes"]["503"], 3);
}

#[test]
fn probe_tcp_ok_refused_and_table() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = l.local_addr().unwrap().to_string();
    let mut args = vec!["probe", "tcp", &target, "-o", "json"];
    args.extend(FAST);
    let o = netdoctor(&args);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(
        (v["kind"].as_str(), v["ok"].as_u64()),
        (Some("tcp"), Some(3))
    );
    assert!(v["phases_ms"]["connect"]["p90"].is_number());

    let refused = format!("127.0.0.1:{}", closed_port());
    let mut args = vec!["probe", "tcp", &refused];
    args.extend(FAST);
    let o = netdoctor(&args);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("failing"), "{text}");
    assert!(text.contains("3 refused"), "{text}");
    assert!(text.contains("nothing listens"), "{text}");
}

#[test]
fn probe_dns_to_a_closed_port_is_refused() {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = sock.local_addr().unwrap().to_string();
    drop(sock);
    let o = netdoctor(&[
        "probe",
        "dns",
        "kubernetes.default.svc.cluster.local",
        "--server",
        &server,
        "-o",
        "json",
        "--count",
        "2",
        "--interval",
        "0s",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["kind"], "dns");
    assert_eq!(v["errors"]["refused"], 2);
    assert_eq!(
        v["dns"]["candidates"][0],
        "kubernetes.default.svc.cluster.local."
    );
}

#[test]
fn probe_usage_errors_exit_2() {
    for args in [
        &["probe", "tcp", "no-port"][..],
        &["probe", "http", "ftp://x/"],
        &["probe", "http", "http://x/", "--resolve", "bad"],
        &["probe", "tcp", "127.0.0.1:1", "--interval", "5 parsecs"],
        &["probe", "tcp", "127.0.0.1:1", "--count", "0"],
        &["probe", "dns", "x", "--server", "not-an-ip"],
        &[
            "probe",
            "dns",
            "x",
            "--resolv-conf",
            "/nonexistent/resolv.conf",
        ],
        &[
            "probe",
            "dns",
            "x",
            "--server",
            "127.0.0.1",
            "--type",
            "BOGUS",
        ],
        &["probe", "tcp", "127.0.0.1:1", "-o", "dot"],
    ] {
        let o = netdoctor(args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Issue 17 item 10: a password in the URL's userinfo is never echoed, in any output format,
/// in a failure message or in a usage error; the target shows `***@` instead.
#[test]
fn probe_http_never_echoes_url_credentials() {
    let ok = http_server(200);
    let failing = http_server(503);
    let closed = closed_port();
    let secret = "s3cretPW";
    for (port, format) in [
        (ok, "json"),
        (ok, "table"),
        (ok, "md"),
        (failing, "json"),
        (closed, "yaml"),
    ] {
        let url = format!("http://admin:{secret}@127.0.0.1:{port}/health");
        let mut args = vec!["probe", "http", &url, "-o", format];
        args.extend(FAST);
        let o = netdoctor(&args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!all.contains(secret), "-o {format}, port {port}:\n{all}");
        assert!(
            all.contains(&format!("http://***@127.0.0.1:{port}/health")),
            "-o {format}:\n{all}"
        );
        if format == "json" {
            assert_eq!(
                json(&o)["target"],
                format!("http://***@127.0.0.1:{port}/health")
            );
        }
    }
    // Usage errors that quote the URL redact it too.
    for bad in [
        format!("ftp://admin:{secret}@127.0.0.1/"),
        format!("admin:{secret}@127.0.0.1:80/"),
        format!("http://admin:{secret}@/x"),
    ] {
        let o = netdoctor(&["probe", "http", &bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains(secret), "{bad}: {err}");
    }
}

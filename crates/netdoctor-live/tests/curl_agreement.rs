//! Accuracy check: `probe http` phases against `curl -w` on the same loopback server with a
//! known injected delay before the first byte.
//!
//! Both tools see the same 120 ms delay; their medians of `time_starttransfer` (ttfb) and
//! `time_total` must agree within TOLERANCE_MS, and each must include the delay. The tolerance
//! is wide on purpose: the check is about measuring the same thing (first response byte, not
//! the request write or the headers parse), which a systematic error would show as a gap near
//! the delay itself, while the noise of a loaded 2-core machine stays well below it.
//! The numbers are printed (`--nocapture`) for the record.
//!
//! Skipped when curl is missing (CI installs it; there a missing curl fails the test).

mod support;

use netdoctor_live::probe::http::{HttpOptions, HttpProbe};
use netdoctor_live::probe::{run, Probe, RunOptions};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use support::*;

const DELAY_MS: u64 = 120;
const TOLERANCE_MS: f64 = 30.0;
const RUNS: usize = 7;

/// The two comparisons run one after the other, not side by side on two cores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn curl_available() -> bool {
    let ok = Command::new("curl")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("curl is needed for the agreement check (apt-get install curl)");
        }
        eprintln!("skipped: curl not installed");
    }
    ok
}

/// curl's five timings in milliseconds (namelookup, connect, appconnect, starttransfer, total).
fn curl_times(args: &[String]) -> [f64; 5] {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "--noproxy",
            "*",
            "-w",
            "%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}",
        ])
        .args(args)
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).replace(',', ".");
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse::<f64>().expect("curl number") * 1000.0)
        .collect();
    [v[0], v[1], v[2], v[3], v[4]]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn compare(url: &str, curl_args: Vec<String>, opts: HttpOptions, tls: bool) {
    let mut curl: Vec<[f64; 5]> = Vec::new();
    for _ in 0..RUNS {
        let args = curl_args.clone();
        curl.push(
            tokio::task::spawn_blocking(move || curl_times(&args))
                .await
                .unwrap(),
        );
    }
    let o = RunOptions {
        count: RUNS as u32,
        interval: Duration::ZERO,
        timeout: Duration::from_secs(5),
        concurrency: 1,
        ..Default::default()
    };
    let r = run(
        Arc::new(Probe::Http(HttpProbe::new(url, &opts).unwrap())),
        &o,
        |_| {},
    )
    .await;
    assert_eq!(r.ok, RUNS as u64, "{r:?}");
    let col = |i: usize| median(curl.iter().map(|t| t[i]).collect());
    let (c_connect, c_tls, c_ttfb, c_total) = (col(1), col(2), col(3), col(4));
    let p = &r.phases_ms;
    let (n_connect, n_ttfb, n_total) = (
        p.connect.unwrap().p50,
        p.ttfb.unwrap().p50,
        p.total.unwrap().p50,
    );
    println!("agreement {url} (medians of {RUNS}, ms, injected delay {DELAY_MS} ms, tolerance {TOLERANCE_MS} ms)");
    println!("  phase     curl      netdoctor");
    println!("  connect   {c_connect:8.3}  {n_connect:8.3}");
    if tls {
        println!("  tls       {c_tls:8.3}  {:8.3}", p.tls.unwrap().p50);
    }
    println!("  ttfb      {c_ttfb:8.3}  {n_ttfb:8.3}");
    println!("  total     {c_total:8.3}  {n_total:8.3}");
    let delay = DELAY_MS as f64;
    assert!(
        c_ttfb >= delay && n_ttfb >= delay,
        "both include the delay: curl {c_ttfb}, netdoctor {n_ttfb}"
    );
    assert!(
        (n_ttfb - c_ttfb).abs() <= TOLERANCE_MS,
        "ttfb: curl {c_ttfb} vs netdoctor {n_ttfb}"
    );
    assert!(
        (n_total - c_total).abs() <= TOLERANCE_MS,
        "total: curl {c_total} vs netdoctor {n_total}"
    );
    if tls {
        let n_tls = p.tls.unwrap().p50;
        assert!(c_tls > 0.0 && n_tls > 0.0);
        assert!(
            (n_tls - c_tls).abs() <= TOLERANCE_MS,
            "tls: curl {c_tls} vs netdoctor {n_tls}"
        );
        // Neither counts the delay in the handshake, and the time from the end of the
        // handshake to the first byte (the server's delay plus the request) agrees.
        assert!(c_tls < delay && n_tls < delay);
        let (c_wait, n_wait) = (c_ttfb - c_tls, n_ttfb - n_tls);
        println!("  ttfb-tls  {c_wait:8.3}  {n_wait:8.3}");
        assert!(
            (n_wait - c_wait).abs() <= TOLERANCE_MS,
            "ttfb after tls: curl {c_wait} vs netdoctor {n_wait}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_ttfb_agrees_with_curl() {
    let _serial = SERIAL.lock().await;
    if !curl_available() {
        return;
    }
    let server = http_server(HttpBehaviour {
        delay: Duration::from_millis(DELAY_MS),
        body_len: 64 * 1024,
        ..Default::default()
    })
    .await;
    let url = format!("http://{}/", server.addr);
    compare(&url, vec![url.clone()], HttpOptions::default(), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_phases_agree_with_curl() {
    let _serial = SERIAL.lock().await;
    if !curl_available() {
        return;
    }
    let server = https_server(HttpBehaviour {
        delay: Duration::from_millis(DELAY_MS),
        ..Default::default()
    })
    .await;
    let ca = TempFile::new("curl-ca.pem", server.cert_pem.as_deref().unwrap());
    let port = server.addr.port();
    let url = format!("https://localhost:{port}/");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let curl_args = vec![
        "--cacert".to_string(),
        ca.path().to_string(),
        "--resolve".to_string(),
        resolve.clone(),
        "--http1.1".to_string(),
        url.clone(),
    ];
    let opts = HttpOptions {
        cacert: Some(ca.path().to_string()),
        resolve: vec![resolve],
        ..Default::default()
    };
    compare(&url, curl_args, opts, true).await;
}

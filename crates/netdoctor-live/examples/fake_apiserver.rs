//! Serves cluster dumps as a fake Kubernetes API server on 127.0.0.1 (for the live-read
//! benchmark and for trying `netdoctor` without a cluster), and writes a kubeconfig for it.
//!
//! ```text
//! cargo run --release -p netdoctor-live --features fake-apiserver --example fake_apiserver -- \
//!     FILE... --kubeconfig OUT [--tls] [--token T] [--namespace NS] [--forbid RESOURCE]...
//!     [--slow RESOURCE=MS]... [--page-cap N] [--for SECONDS]
//! ```
//! It stops by itself after `--for` seconds (default 600).

use netdoctor_live::cluster::fake::{objects_from_text, FakeApiServer, TestPki};
use std::time::Duration;

fn usage() -> ! {
    eprintln!("usage: fake_apiserver FILE... --kubeconfig OUT [--tls] [--token T] [--namespace NS] [--forbid RESOURCE]... [--slow RESOURCE=MS]... [--page-cap N] [--for SECONDS]");
    std::process::exit(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut files = Vec::new();
    let (mut kubeconfig, mut token, mut namespace) = (None, None, None);
    let (mut tls, mut forbid, mut slow) = (false, Vec::new(), Vec::new());
    let (mut page_cap, mut lifetime) = (None, 600u64);
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--kubeconfig" => kubeconfig = Some(value()),
            "--token" => token = Some(value()),
            "--namespace" => namespace = Some(value()),
            "--tls" => tls = true,
            "--forbid" => forbid.push(value()),
            "--slow" => slow.push(value()),
            "--page-cap" => page_cap = Some(value().parse().unwrap_or_else(|_| usage())),
            "--for" => lifetime = value().parse().unwrap_or_else(|_| usage()),
            s if s.starts_with('-') => usage(),
            _ => files.push(a),
        }
    }
    let Some(kubeconfig) = kubeconfig else {
        usage()
    };
    let mut objects = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| {
            eprintln!("{f}: {e}");
            std::process::exit(2)
        });
        objects.extend(objects_from_text(&text).unwrap_or_else(|e| {
            eprintln!("{f}: {e}");
            std::process::exit(2)
        }));
    }
    let count = objects.len();
    let mut server = FakeApiServer::new(objects);
    for r in &forbid {
        server = server.forbid(r);
    }
    for s in &slow {
        let (r, ms) = s.split_once('=').unwrap_or_else(|| usage());
        server = server.slow(
            r,
            Duration::from_millis(ms.parse().unwrap_or_else(|_| usage())),
        );
    }
    if let Some(n) = page_cap {
        server = server.page_cap(n);
    }
    if let Some(t) = &token {
        server = server.token(t);
    }
    let pki = if tls {
        Some(TestPki::generate().unwrap_or_else(|e| {
            eprintln!("test CA: {e}");
            std::process::exit(1)
        }))
    } else {
        None
    };
    if let Some(p) = &pki {
        server = server.tls(p);
    }
    let running = server.start().await.unwrap_or_else(|e| {
        eprintln!("bind 127.0.0.1: {e}");
        std::process::exit(1)
    });
    let config = running.kubeconfig(
        pki.as_ref().map(|p| p.ca_pem.as_str()),
        token.as_deref(),
        namespace.as_deref(),
    );
    if let Err(e) = std::fs::write(&kubeconfig, config) {
        eprintln!("{kubeconfig}: {e}");
        std::process::exit(2)
    }
    println!(
        "serving {count} objects on {} (kubeconfig {kubeconfig}) for {lifetime}s",
        running.url()
    );
    tokio::time::sleep(Duration::from_secs(lifetime)).await;
    eprintln!("served {} requests", running.requests().len());
}

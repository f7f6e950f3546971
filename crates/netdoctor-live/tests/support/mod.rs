//! Real servers on loopback for the probe tests: a DNS responder (UDP and TCP on one port),
//! an HTTP/1.1 server with an injected delay before the first byte, TLS with a certificate
//! made here, and a closed port. Everything binds 127.0.0.1; nothing else is ever contacted.
#![allow(dead_code)]

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, Record};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

/// How the DNS responder treats one name.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub a: Vec<Ipv4Addr>,
    /// Wait this long before answering (both transports).
    pub delay: Duration,
    /// Answer with this rcode and no records.
    pub rcode: Option<ResponseCode>,
    /// Over UDP answer with TC set and no records; over TCP answer fully.
    pub truncate: bool,
    /// Never answer.
    pub drop: bool,
    /// Answer A and AAAA queries with this CNAME alone (no address record for its target).
    pub cname: Option<String>,
}

impl Entry {
    pub fn a(ip: [u8; 4]) -> Entry {
        Entry {
            a: vec![Ipv4Addr::from(ip)],
            ..Default::default()
        }
    }
}

/// A query as the responder saw it: lower-case name with trailing dot, and the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub name: String,
    pub tcp: bool,
}

pub struct DnsServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn answer(
    query: &Message,
    zone: &HashMap<String, Entry>,
    tcp: bool,
) -> Option<(Message, Duration)> {
    let q = query.queries.first()?;
    let name = q.name().to_ascii().to_ascii_lowercase();
    let mut resp = Message::response(query.metadata.id, OpCode::Query);
    resp.metadata.recursion_desired = query.metadata.recursion_desired;
    resp.metadata.recursion_available = true;
    resp.metadata.authoritative = true;
    resp.add_query(q.clone());
    let Some(entry) = zone.get(&name) else {
        resp.metadata.response_code = ResponseCode::NXDomain;
        return Some((resp, Duration::ZERO));
    };
    if entry.drop {
        return None;
    }
    if let Some(rc) = entry.rcode {
        resp.metadata.response_code = rc;
        return Some((resp, entry.delay));
    }
    if entry.truncate && !tcp {
        resp.metadata.truncation = true;
        return Some((resp, entry.delay));
    }
    if let Some(target) = &entry.cname {
        if let Ok(t) = Name::from_ascii(target) {
            resp.add_answer(Record::from_rdata(
                q.name().clone(),
                30,
                RData::CNAME(hickory_proto::rr::rdata::CNAME(t)),
            ));
        }
        return Some((resp, entry.delay));
    }
    if q.query_type() == hickory_proto::rr::RecordType::A {
        for ip in &entry.a {
            resp.add_answer(Record::from_rdata(q.name().clone(), 30, RData::A(A(*ip))));
        }
    }
    Some((resp, entry.delay))
}

/// Starts the responder on 127.0.0.1 (UDP and TCP on the same port, port 0 = any).
pub async fn dns_server(zone: &[(&str, Entry)]) -> DnsServer {
    dns_server_on(0, zone).await
}

pub async fn dns_server_on(port: u16, zone: &[(&str, Entry)]) -> DnsServer {
    let zone: Arc<HashMap<String, Entry>> = Arc::new(
        zone.iter()
            .map(|(n, e)| (n.to_ascii_lowercase(), e.clone()))
            .collect(),
    );
    // Find a port free for both UDP and TCP.
    let (udp, tcp) = loop {
        let udp = UdpSocket::bind(("127.0.0.1", port))
            .await
            .expect("bind udp");
        let p = udp.local_addr().expect("addr").port();
        match TcpListener::bind(("127.0.0.1", p)).await {
            Ok(tcp) => break (udp, tcp),
            Err(_) if port == 0 => continue,
            Err(e) => panic!("bind tcp {p}: {e}"),
        }
    };
    let addr = udp.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let udp = Arc::new(udp);
    let (z1, s1) = (zone.clone(), seen.clone());
    let udp_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                return;
            };
            let Ok(query) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            if query.metadata.message_type != MessageType::Query {
                continue;
            }
            if let Some(q) = query.queries.first() {
                s1.lock().unwrap().push(Seen {
                    name: q.name().to_ascii().to_ascii_lowercase(),
                    tcp: false,
                });
            }
            let Some((resp, delay)) = answer(&query, &z1, false) else {
                continue;
            };
            let udp = udp.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = udp.send_to(&resp.to_vec().expect("encode"), peer).await;
            });
        }
    });
    let (z2, s2) = (zone.clone(), seen.clone());
    let tcp_task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = tcp.accept().await else {
                return;
            };
            let (z, s) = (z2.clone(), s2.clone());
            tokio::spawn(async move {
                let Ok(len) = stream.read_u16().await else {
                    return;
                };
                let mut buf = vec![0u8; usize::from(len)];
                if stream.read_exact(&mut buf).await.is_err() {
                    return;
                }
                let Ok(query) = Message::from_vec(&buf) else {
                    return;
                };
                if let Some(q) = query.queries.first() {
                    s.lock().unwrap().push(Seen {
                        name: q.name().to_ascii().to_ascii_lowercase(),
                        tcp: true,
                    });
                }
                let Some((resp, delay)) = answer(&query, &z, true) else {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    return;
                };
                tokio::time::sleep(delay).await;
                let bytes = resp.to_vec().expect("encode");
                let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&bytes);
                let _ = stream.write_all(&framed).await;
            });
        }
    });
    DnsServer {
        addr,
        seen,
        tasks: vec![udp_task, tcp_task],
    }
}

/// How the HTTP server answers.
#[derive(Debug, Clone)]
pub struct HttpBehaviour {
    /// Delay between reading the request and writing the first byte of the response.
    pub delay: Duration,
    pub status: u16,
    pub body_len: usize,
    /// Read the request and never answer.
    pub silent: bool,
}

impl Default for HttpBehaviour {
    fn default() -> Self {
        HttpBehaviour {
            delay: Duration::ZERO,
            status: 200,
            body_len: 2,
            silent: false,
        }
    }
}

pub struct HttpServer {
    pub addr: SocketAddr,
    /// Request heads received (raw text).
    pub requests: Arc<Mutex<Vec<String>>>,
    /// PEM of the certificate (TLS servers).
    pub cert_pem: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    b: &HttpBehaviour,
    requests: &Mutex<Vec<String>>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
        if !head[0].is_ascii_uppercase() {
            // Not HTTP (a TLS ClientHello, say): answer as a real server would.
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await;
            return;
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    requests
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&head).into_owned());
    if b.silent {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return;
    }
    tokio::time::sleep(b.delay).await;
    let body = "x".repeat(b.body_len);
    let resp = format!(
        "HTTP/1.1 {} Test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        b.status, b.body_len, body
    );
    let _ = s.write_all(resp.as_bytes()).await;
    let _ = s.flush().await;
    let _ = s.shutdown().await;
}

/// A plain HTTP/1.1 server on 127.0.0.1.
pub async fn http_server(b: HttpBehaviour) -> HttpServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let r = requests.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((s, _)) = listener.accept().await else {
                return;
            };
            let (b, r) = (b.clone(), r.clone());
            tokio::spawn(async move { serve_one(s, &b, &r).await });
        }
    });
    HttpServer {
        addr,
        requests,
        cert_pem: None,
        task,
    }
}

/// An HTTPS server on 127.0.0.1 with a certificate for `localhost` and 127.0.0.1 made here.
pub async fn https_server(b: HttpBehaviour) -> HttpServer {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("rcgen");
    let cert_pem = cert.cert.pem();
    let cert_der = cert.cert.der().clone();
    let key_der =
        rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).expect("key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let r = requests.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((s, _)) = listener.accept().await else {
                return;
            };
            let (b, r, acceptor) = (b.clone(), r.clone(), acceptor.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(s).await {
                    serve_one(tls, &b, &r).await;
                }
            });
        }
    });
    HttpServer {
        addr,
        requests,
        cert_pem: Some(cert_pem),
        task,
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

/// A temporary file that is removed on drop.
pub struct TempFile(pub std::path::PathBuf);

impl TempFile {
    pub fn new(tag: &str, contents: &str) -> TempFile {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("nd-probe-{}-{n}-{tag}", std::process::id()));
        std::fs::write(&p, contents).expect("write temp file");
        TempFile(p)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn name(s: &str) -> Name {
    Name::from_ascii(s).expect("name")
}

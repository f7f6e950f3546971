//! `probe http URL`: the phases `curl -w` reports, measured by doing each step here:
//! name lookup (`time_namelookup`), TCP connect (`time_connect`), TLS handshake
//! (`time_appconnect`), first response byte (`time_starttransfer`) and the whole body read
//! (`time_total`). Every value is milliseconds since the start of the attempt, as curl's are.
//!
//! For plain http `tls` is 0, as curl reports `time_appconnect` without TLS.
//!
//! Each attempt opens a new connection (no keep-alive, no TLS session resumption), as separate
//! curl runs do. A response counts as a success when its status is 200-399, the rule of
//! Kubernetes HTTP probes.

use super::lookup;
use super::{
    classify_io, io_reason, ms_since, redact_url, ErrorClass, Failure, Sample, SetupError,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{HeaderName, HeaderValue, ACCEPT, HOST, USER_AGENT};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsConnector;

/// Options of `probe http` beyond the URL.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Do not verify the server certificate (`curl -k`).
    pub insecure: bool,
    /// Extra request headers, `Name: value` (a `Host` header replaces the default).
    pub headers: Vec<String>,
    /// `HOST:PORT:ADDR[,ADDR...]`: connect to ADDR for HOST:PORT without a lookup (`curl --resolve`).
    pub resolve: Vec<String>,
    /// PEM file of CA certificates to trust instead of the system's (`curl --cacert`).
    pub cacert: Option<String>,
}

#[derive(Clone)]
pub struct HttpProbe {
    target: String,
    host: String,
    port: u16,
    path: String,
    host_header: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    resolved: Option<Vec<SocketAddr>>,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl std::fmt::Debug for HttpProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProbe")
            .field("target", &self.target)
            .field("resolved", &self.resolved)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

fn bad_target(url: &str, reason: impl Into<String>) -> SetupError {
    SetupError::Target {
        target: redact_url(url).into_owned(),
        reason: reason.into(),
    }
}

fn bad_option(option: &str, reason: impl Into<String>) -> SetupError {
    SetupError::Option {
        option: option.to_string(),
        reason: reason.into(),
    }
}

/// Parses `curl --resolve` entries that match `host:port`.
fn resolve_override(
    entries: &[String],
    host: &str,
    port: u16,
) -> Result<Option<Vec<SocketAddr>>, SetupError> {
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    for entry in entries {
        let mut parts = entry.splitn(3, ':');
        let (Some(h), Some(p), Some(addrs)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad_option(
                "--resolve",
                format!("{entry:?} is not HOST:PORT:ADDR"),
            ));
        };
        let p: u16 = p
            .parse()
            .map_err(|_| bad_option("--resolve", format!("{entry:?}: bad port {p:?}")))?;
        let mut ips = Vec::new();
        for a in addrs.split(',') {
            let ip: IpAddr = lookup::ip_literal(a.trim()).ok_or_else(|| {
                bad_option(
                    "--resolve",
                    format!("{entry:?}: {a:?} is not an IP address"),
                )
            })?;
            ips.push(SocketAddr::new(ip, port));
        }
        let h = h.trim_start_matches('[').trim_end_matches(']');
        if h.eq_ignore_ascii_case(bare_host) && p == port {
            return Ok(Some(ips));
        }
    }
    Ok(None)
}

/// A certificate verifier that accepts any certificate (`--insecure`) but still checks the
/// handshake signatures, so the handshake costs what a verified one costs.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn root_store(cacert: Option<&str>) -> Result<RootCertStore, SetupError> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = cacert {
        let pem = std::fs::read(path).map_err(|e| SetupError::File {
            path: path.to_string(),
            reason: e.to_string(),
        })?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| SetupError::File {
                path: path.to_string(),
                reason: format!("not a PEM certificate file: {e}"),
            })?;
            roots.add(cert).map_err(|e| SetupError::File {
                path: path.to_string(),
                reason: format!("unusable CA certificate: {e}"),
            })?;
        }
        if roots.is_empty() {
            return Err(SetupError::File {
                path: path.to_string(),
                reason: "no certificate in the file".to_string(),
            });
        }
        return Ok(roots);
    }
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    Ok(roots)
}

/// The TLS client configuration: ring provider, HTTP/1.1 ALPN, no session resumption.
pub fn tls_config(insecure: bool, cacert: Option<&str>) -> Result<ClientConfig, SetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad_option("tls", e.to_string()))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(root_store(cacert)?)
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

impl HttpProbe {
    pub fn new(url: &str, opts: &HttpOptions) -> Result<Self, SetupError> {
        let uri: Uri = url
            .parse()
            .map_err(|e| bad_target(url, format!("not a URL: {e}")))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            Some(other) => {
                return Err(bad_target(
                    url,
                    format!("scheme {other:?} is not http or https"),
                ))
            }
            None => return Err(bad_target(url, "the URL needs http:// or https://")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| bad_target(url, "the URL has no host"))?;
        let host = authority.host().to_string();
        if host.is_empty() {
            return Err(bad_target(url, "the URL has no host"));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".to_string());
        let host_header = match authority.port_u16() {
            Some(p) if p != if https { 443 } else { 80 } => format!("{host}:{p}"),
            _ => host.clone(),
        };
        let mut headers = Vec::new();
        for h in &opts.headers {
            let (name, value) = h
                .split_once(':')
                .ok_or_else(|| bad_option("--header", format!("{h:?} is not 'Name: value'")))?;
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|e| bad_option("--header", format!("{h:?}: {e}")))?;
            let value = HeaderValue::from_str(value.trim())
                .map_err(|e| bad_option("--header", format!("{h:?}: {e}")))?;
            headers.push((name, value));
        }
        let resolved = resolve_override(&opts.resolve, &host, port)?;
        let tls = if https {
            let config = tls_config(opts.insecure, opts.cacert.as_deref())?;
            let sni = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string();
            let name = ServerName::try_from(sni).map_err(|e| {
                bad_target(url, format!("host is not a valid TLS server name: {e}"))
            })?;
            Some((TlsConnector::from(Arc::new(config)), name))
        } else {
            None
        };
        Ok(HttpProbe {
            // Shown everywhere (reports, failure messages, metric labels): never the userinfo.
            // The request does not send it either (no `Authorization` is derived from it).
            target: redact_url(url).into_owned(),
            host,
            port,
            path,
            host_header,
            headers,
            resolved,
            tls,
        })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    pub(crate) async fn attempt(&self, start: Instant, deadline: tokio::time::Instant) -> Sample {
        let mut sample = Sample::default();
        let addrs = match &self.resolved {
            Some(a) => a.clone(),
            None => match lookup::resolve(&self.host, self.port, deadline).await {
                Ok(a) => a,
                Err(f) => {
                    sample.failure = Some(f);
                    return sample;
                }
            },
        };
        sample.times.dns = Some(ms_since(start));
        let (tcp, addr) = lookup::connect(&addrs, deadline).await;
        sample.address = addr.map(|a| a.to_string());
        let tcp = match tcp {
            Ok(s) => s,
            Err(f) => {
                sample.failure = Some(f);
                return sample;
            }
        };
        sample.times.connect = Some(ms_since(start));
        let addr = sample.address.clone().unwrap_or_default();
        let result = match &self.tls {
            None => {
                // No TLS: 0, as curl reports time_appconnect for plain http.
                sample.times.tls = Some(0.0);
                self.exchange(tcp, start, deadline, &mut sample).await
            }
            Some((connector, name)) => {
                let handshake = connector.connect(name.clone(), tcp);
                match tokio::time::timeout_at(deadline, handshake).await {
                    Err(_) => Err(Failure::new(
                        ErrorClass::Timeout,
                        format!("TLS handshake with {addr} timed out"),
                    )),
                    Ok(Err(e)) => Err(Failure::new(
                        ErrorClass::Tls,
                        format!("TLS handshake with {addr} failed: {e}"),
                    )),
                    Ok(Ok(tls)) => {
                        sample.times.tls = Some(ms_since(start));
                        self.exchange(tls, start, deadline, &mut sample).await
                    }
                }
            }
        };
        if let Err(f) = result {
            sample.failure = Some(f);
        }
        sample
    }

    /// HTTP/1.1 request over an established stream; fills ttfb, total and status.
    async fn exchange<S>(
        &self,
        stream: S,
        start: Instant,
        deadline: tokio::time::Instant,
        sample: &mut Sample,
    ) -> Result<(), Failure>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let what = format!("GET {}", self.target);
        let first_byte = Arc::new(OnceLock::new());
        let io = FirstByteIo {
            inner: stream,
            first_read: first_byte.clone(),
        };
        let handshake = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(io));
        let (mut sender, conn) = match tokio::time::timeout_at(deadline, handshake).await {
            Err(_) => {
                return Err(Failure::new(
                    ErrorClass::Timeout,
                    format!("{what}: timed out"),
                ))
            }
            Ok(Err(e)) => return Err(hyper_failure(&what, &e)),
            Ok(Ok(x)) => x,
        };
        let conn_task = tokio::spawn(async move {
            let _ = conn.await;
        });
        let result = async {
            let mut builder = Request::get(self.path.as_str());
            let has = |n: &HeaderName| self.headers.iter().any(|(h, _)| h == n);
            if !has(&HOST) {
                builder = builder.header(HOST, self.host_header.as_str());
            }
            if !has(&USER_AGENT) {
                builder = builder.header(USER_AGENT, concat!("netdoctor/", env!("CARGO_PKG_VERSION")));
            }
            if !has(&ACCEPT) {
                builder = builder.header(ACCEPT, "*/*");
            }
            for (n, v) in &self.headers {
                builder = builder.header(n, v);
            }
            let request = builder
                .body(Empty::<Bytes>::new())
                .map_err(|e| Failure::new(ErrorClass::Other, format!("{what}: {e}")))?;
            let response = match tokio::time::timeout_at(deadline, sender.send_request(request)).await {
                Err(_) => {
                    return Err(Failure::new(
                        ErrorClass::Timeout,
                        format!("{what}: no response within the timeout (connected, but the server did not answer)"),
                    ))
                }
                Ok(Err(e)) => return Err(hyper_failure(&what, &e)),
                Ok(Ok(r)) => r,
            };
            let ttfb = first_byte.get().copied().unwrap_or_else(Instant::now);
            sample.times.ttfb = Some(ttfb.saturating_duration_since(start).as_secs_f64() * 1000.0);
            let status = response.status();
            sample.status = Some(status.as_u16());
            let mut body = response.into_body();
            loop {
                match tokio::time::timeout_at(deadline, body.frame()).await {
                    Err(_) => {
                        return Err(Failure::new(
                            ErrorClass::Timeout,
                            format!("{what}: HTTP {} but the body did not finish within the timeout", status.as_u16()),
                        ))
                    }
                    Ok(None) => break,
                    Ok(Some(Err(e))) => return Err(hyper_failure(&what, &e)),
                    Ok(Some(Ok(_frame))) => {}
                }
            }
            sample.times.total = Some(ms_since(start));
            if (200..400).contains(&status.as_u16()) {
                Ok(())
            } else {
                Err(Failure::new(
                    ErrorClass::Http,
                    format!("{what}: HTTP {status}"),
                ))
            }
        }
        .await;
        conn_task.abort();
        result
    }
}

/// What the probe makes of a server that answers `raw` and then closes the connection: the
/// same exchange as a live attempt (hyper's HTTP/1.1 response parser, the body read, the
/// 200-399 rule), over an in-memory stream instead of a socket. No I/O; bounded by the bytes
/// given (the fuzz target `http_response` and its corpus test drive it).
pub fn response_outcome(raw: &[u8]) -> Sample {
    let mut sample = Sample::default();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            sample.failure = Some(Failure::new(ErrorClass::Other, e.to_string()));
            return sample;
        }
    };
    let probe = match HttpProbe::new("http://probe.invalid/", &HttpOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            sample.failure = Some(Failure::new(ErrorClass::Other, e.to_string()));
            return sample;
        }
    };
    let stream = Replay {
        input: raw.to_vec(),
        at: 0,
        requested: false,
        reader: None,
    };
    runtime.block_on(async {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        if let Err(f) = probe.exchange(stream, start, deadline, &mut sample).await {
            sample.failure = Some(f);
        }
    });
    sample
}

/// A server that, once it was sent the request (any bytes), answers fixed bytes in chunks of
/// at most 4 KiB, then EOF; whatever else it is sent is swallowed.
struct Replay {
    input: Vec<u8>,
    at: usize,
    requested: bool,
    reader: Option<std::task::Waker>,
}

impl AsyncRead for Replay {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.requested {
            // A server answers after the request: bytes before it are not a response.
            this.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let rest = &this.input[this.at.min(this.input.len())..];
        let n = rest.len().min(buf.remaining()).min(4096);
        buf.put_slice(&rest[..n]);
        this.at += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !b.is_empty() {
            this.requested = true;
            if let Some(w) = this.reader.take() {
                w.wake();
            }
        }
        Poll::Ready(Ok(b.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn hyper_failure(what: &str, e: &hyper::Error) -> Failure {
    // Find the socket error under hyper's, if any.
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return Failure::new(classify_io(io), format!("{what}: {}", io_reason(io)));
        }
        source = s.source();
    }
    let reason = if e.is_incomplete_message() {
        "the server closed the connection before a complete response".to_string()
    } else {
        e.to_string()
    };
    Failure::new(ErrorClass::Other, format!("{what}: {reason}"))
}

/// Records when the first byte of the response arrives (curl's `time_starttransfer`), below
/// hyper's parser, so header parsing does not count.
struct FirstByteIo<S> {
    inner: S,
    first_read: Arc<OnceLock<Instant>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for FirstByteIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let _ = this.first_read.set(Instant::now());
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FirstByteIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_and_host_header() {
        let p =
            HttpProbe::new("http://127.0.0.1:8080/health?x=1", &HttpOptions::default()).unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.path.as_str()),
            ("127.0.0.1", 8080, "/health?x=1")
        );
        assert_eq!(p.host_header, "127.0.0.1:8080");
        let p = HttpProbe::new("http://api-service", &HttpOptions::default()).unwrap();
        assert_eq!(
            (p.port, p.path.as_str(), p.host_header.as_str()),
            (80, "/", "api-service")
        );
        let p = HttpProbe::new(
            "https://[::1]/",
            &HttpOptions {
                insecure: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(p.port, 443);
        assert!(p.tls.is_some());
        assert!(HttpProbe::new("ftp://x/", &HttpOptions::default()).is_err());
        assert!(HttpProbe::new("api-service:8080", &HttpOptions::default()).is_err());
    }

    #[test]
    fn resolve_overrides_match_host_and_port() {
        let e = vec!["app.example.com:443:127.0.0.1".to_string()];
        assert_eq!(
            resolve_override(&e, "app.example.com", 443).unwrap(),
            Some(vec!["127.0.0.1:443".parse().unwrap()])
        );
        assert_eq!(resolve_override(&e, "app.example.com", 80).unwrap(), None);
        let v6 = vec!["h:80:[::1],127.0.0.1".to_string()];
        assert_eq!(resolve_override(&v6, "h", 80).unwrap().unwrap().len(), 2);
        assert!(resolve_override(&["h:80".to_string()], "h", 80).is_err());
        assert!(resolve_override(&["h:80:nope".to_string()], "h", 80).is_err());
    }

    #[test]
    fn response_outcomes() {
        let ok = response_outcome(b"HTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!((ok.status, ok.failure), (Some(204), None));
        let s = response_outcome(b"HTTP/1.1 503 X\r\nContent-Length: 2\r\n\r\nno");
        assert_eq!(s.status, Some(503));
        assert_eq!(s.failure.map(|f| f.class), Some(ErrorClass::Http));
        let s = response_outcome(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
        assert_eq!(s.status, Some(200));
        assert!(s.failure.is_some(), "a truncated body is a failure");
        let s = response_outcome(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        );
        assert_eq!((s.status, s.failure), (Some(200), None));
        for junk in [
            &b""[..],
            b"garbage\r\n\r\n",
            b"HTTP/1.1 99999 X\r\n\r\n",
            &[0xff; 64],
        ] {
            let s = response_outcome(junk);
            assert!(s.failure.is_some(), "{junk:?}");
        }
    }

    /// The committed fuzz corpora (`fuzz/corpus/http_response`): every input gives an outcome
    /// without a panic (the CI smoke run of the fuzz target, no nightly needed).
    #[test]
    fn fuzz_corpus_http_response() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus/http_response");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus is committed") {
            let path = entry.expect("corpus entry").path();
            let bytes = std::fs::read(&path).expect("corpus file");
            let s = response_outcome(&bytes);
            assert!(s.status.is_some() || s.failure.is_some(), "{path:?}");
            n += 1;
        }
        assert!(n >= 5, "only {n} corpus files in {dir:?}");
    }

    #[test]
    fn headers_are_validated() {
        let bad = HttpOptions {
            headers: vec!["NoColon".into()],
            ..Default::default()
        };
        assert!(HttpProbe::new("http://h/", &bad).is_err());
        let good = HttpOptions {
            headers: vec!["Host: app.example.com".into(), "X-A: 1".into()],
            ..Default::default()
        };
        assert_eq!(HttpProbe::new("http://h/", &good).unwrap().headers.len(), 2);
    }
}

//! The agent's HTTP endpoint: `/metrics`, `/healthz`, `/readyz`, nothing else. It serves what
//! the scheduler measured and never probes anything named in a request (no query parameter
//! or path is ever turned into a target).

use super::connections::{Connections, Slot, MAX_CONNECTIONS, PER_IP};
use super::{stopped, Shared};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ACCEPT, ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// A connection whose request head has not fully arrived this long after it was opened is
/// closed: a kubelet probe or a Prometheus scrape sends it at once.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
/// Whole life of one connection (one request: keep-alive is off), slow readers included.
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(10);
/// How often at most the agent logs that it closed connections to make room.
const EVICTION_LOG_EVERY: Duration = Duration::from_secs(60);

/// Whether the Accept header asks for OpenMetrics (what Prometheus sends first).
pub fn wants_openmetrics(accept: Option<&HeaderValue>) -> bool {
    accept.and_then(|v| v.to_str().ok()).is_some_and(|a| {
        a.split(',').any(|part| {
            let mut fields = part.split(';').map(str::trim);
            let media = fields.next().unwrap_or("");
            let q_zero = fields.any(|f| f.replace(' ', "") == "q=0");
            media.eq_ignore_ascii_case("application/openmetrics-text") && !q_zero
        })
    })
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

pub fn respond(shared: &Shared, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match req.uri().path() {
        "/metrics" => {
            let om = wants_openmetrics(req.headers().get(ACCEPT));
            let body = shared.metrics.encode(om);
            let mut r = Response::new(Full::new(Bytes::from(body)));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(if om { OPENMETRICS } else { PROMETHEUS_TEXT }),
            );
            r
        }
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" => match shared.not_ready_reason() {
            None => text(StatusCode::OK, "ready\n"),
            Some(why) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("not ready: {why}\n"),
            ),
        },
        "/" => text(
            StatusCode::OK,
            "netdoctor monitor: /metrics (Prometheus), /healthz, /readyz\n",
        ),
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: /metrics, /healthz, /readyz\n",
        ),
    }
}

/// Serves until `stop` turns true; then stops accepting and lets open connections finish.
///
/// Every connection is accepted at once and bounded (see [`Connections`]): idle sockets
/// cannot keep `/healthz` out, whatever their number.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let table = Connections::default();
    let mut evicted_since_log = 0usize;
    let mut last_log: Option<Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, most likely: connections end within their deadline.
                    (shared.log)(&format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => return,
        };
        let (slot, evicted) = table.admit(peer.ip());
        evicted_since_log += evicted;
        if evicted_since_log > 0 && last_log.is_none_or(|t| t.elapsed() >= EVICTION_LOG_EVERY) {
            (shared.log)(&format!(
                "closed {evicted_since_log} idle or slow HTTP connections to make room (at most {PER_IP} per client address, {MAX_CONNECTIONS} in all)"
            ));
            evicted_since_log = 0;
            last_log = Some(Instant::now());
        }
        tokio::spawn(serve_connection(stream, slot, shared.clone(), stop.clone()));
    }
}

/// Serves one connection (one request) until it ends, is evicted, runs past its deadline or
/// the server stops.
async fn serve_connection(
    stream: TcpStream,
    mut slot: Slot,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let requested = slot.requested();
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        requested.store(true, Ordering::Release);
        let r = respond(&shared, &req);
        async move { Ok::<_, Infallible>(r) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(false);
    let conn = builder.serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = &mut slot.evicted => {}
        _ = tokio::time::sleep(CONNECTION_DEADLINE) => {}
        _ = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert!(wants_openmetrics(Some(&v(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        ))));
        assert!(!wants_openmetrics(Some(&v("text/plain;version=0.0.4"))));
        assert!(!wants_openmetrics(Some(&v("*/*"))));
        assert!(!wants_openmetrics(None));
        assert!(!wants_openmetrics(Some(&v(
            "application/openmetrics-text; q=0"
        ))));
    }
}

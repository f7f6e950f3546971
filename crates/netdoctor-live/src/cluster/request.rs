//! One API request: a timeout on the whole exchange (headers and body), a bound on the
//! body's size, and one retry on a transient error (timeout, connection failure, 429, 500,
//! 502, 503, 504). Error bodies are read only up to `ERROR_BODY_LIMIT`, and what is kept of
//! them for messages is cut to `MESSAGE_LIMIT` bytes with control characters escaped.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use kube::client::Body;
use kube::Client;
use std::time::Duration;

/// Default bound on one response body: a page of 500 large objects (pods with many
/// containers, kube-system ConfigMaps) stays far below it.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// An error response is read up to this many bytes (its message is all that is used).
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// What a message keeps of a server's text (a Status message, a redirect's Location).
pub const MESSAGE_LIMIT: usize = 512;

#[derive(Debug, Clone, Copy)]
pub struct RequestPolicy {
    /// Timeout of one attempt, from sending the request to the last byte of the body.
    pub timeout: Duration,
    /// Attempts after the first one, on a transient error.
    pub retries: u32,
    /// Wait before a retry (a `Retry-After` is not followed: it can be long, and one
    /// retry is all a diagnosis tool should spend).
    pub backoff: Duration,
    /// Largest accepted response body, in bytes.
    pub max_body: u64,
}

impl RequestPolicy {
    pub fn new(timeout: Duration) -> Self {
        RequestPolicy {
            timeout,
            retries: 1,
            backoff: Duration::from_millis(250),
            max_body: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status; `message` is the `Status` message (cut
    /// and escaped, see `sanitize`), or where a redirect points.
    #[error("HTTP {}: {message}", status_line(*code))]
    Status { code: u16, message: String },
    /// No complete answer (headers and body) within the timeout.
    #[error("no complete answer within {}", human_duration(*.0))]
    Timeout(Duration),
    /// The body was larger than the limit.
    #[error("the response was larger than {} (--max-response-size)", human_size(*limit))]
    BodyTooLarge { limit: u64 },
    /// Connecting, TLS, or the connection broke.
    #[error("{0}")]
    Transport(String),
}

impl FetchError {
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Transport(_) => true,
            FetchError::Status { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
            FetchError::BodyTooLarge { .. } => false,
        }
    }
}

/// `500 Internal Server Error`, `302 Found`, or the bare code when it has no name.
fn status_line(code: u16) -> String {
    match http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{code} {reason}"),
        None => code.to_string(),
    }
}

/// `256 MiB`, `64 KiB`, `100 bytes`.
pub fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    for (unit, name) in [(KIB * KIB * KIB, "GiB"), (KIB * KIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
        if bytes >= unit {
            return format!("{:.1} {name}", bytes as f64 / unit as f64);
        }
    }
    format!("{bytes} bytes")
}

/// A server's text made safe for a terminal and a report: control characters (C0, DEL, C1,
/// and the bidirectional overrides) escaped as `\u{..}` (newlines and tabs become spaces),
/// cut to `limit` bytes at a character boundary with `…`.
pub fn sanitize(text: &str, limit: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let piece = match c {
            '\n' | '\r' | '\t' => " ".to_string(),
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                format!("\\u{{{:x}}}", c as u32)
            }
            c => c.to_string(),
        };
        if out.len() + piece.len() > limit {
            out.push('…');
            return out;
        }
        out.push_str(&piece);
    }
    out
}

pub fn human_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Sends the request `make` builds, with the policy's timeout and retry.
pub async fn fetch(
    client: &Client,
    policy: &RequestPolicy,
    make: impl Fn() -> Result<http::Request<Vec<u8>>, FetchError>,
) -> Result<Bytes, FetchError> {
    let mut attempt = 0;
    loop {
        let result = fetch_once(client, policy, make()?).await;
        match result {
            Err(e) if e.is_transient() && attempt < policy.retries => {
                attempt += 1;
                tokio::time::sleep(policy.backoff).await;
            }
            other => return other,
        }
    }
}

async fn fetch_once(
    client: &Client,
    policy: &RequestPolicy,
    request: http::Request<Vec<u8>>,
) -> Result<Bytes, FetchError> {
    let exchange = async {
        let response = client
            .send(request.map(Body::from))
            .await
            .map_err(|e| FetchError::Transport(super::connect::chain(&e)))?;
        let status = response.status();
        if status.is_redirection() {
            let to = response
                .headers()
                .get(http::header::LOCATION)
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
                .unwrap_or_default();
            return Err(FetchError::Status {
                code: status.as_u16(),
                message: format!(
                    "a redirect to {:?}, not followed (an API server does not redirect)",
                    sanitize(&to, MESSAGE_LIMIT)
                ),
            });
        }
        if status.is_success() {
            return read_body(response.into_body(), policy.max_body)
                .await
                .map(BytesMut::freeze);
        }
        // The error's message only: a bounded read, and a body cut short is still used.
        let body = match read_body(response.into_body(), ERROR_BODY_LIMIT).await {
            Ok(b) => b.freeze(),
            Err(FetchError::BodyTooLarge { .. }) => Bytes::new(),
            Err(e) => return Err(e),
        };
        Err(FetchError::Status {
            code: status.as_u16(),
            message: status_message(status, &body),
        })
    };
    match tokio::time::timeout(policy.timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout(policy.timeout)),
    }
}

/// Reads a body frame by frame, failing as soon as it passes `limit` bytes (a declared
/// `Content-Length` above it fails before reading).
async fn read_body(mut body: Body, limit: u64) -> Result<BytesMut, FetchError> {
    let too_large = FetchError::BodyTooLarge { limit };
    if hyper::body::Body::size_hint(&body).lower() > limit {
        return Err(too_large);
    }
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| FetchError::Transport(super::connect::chain(&e)))?;
        if let Ok(data) = frame.into_data() {
            if (buf.len() as u64).saturating_add(data.len() as u64) > limit {
                return Err(too_large);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}

/// The `message` of a `Status` body, or the start of a body that is not one (a proxy's
/// HTML page), or the status line.
fn status_message(status: http::StatusCode, body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Status {
        message: Option<String>,
    }
    if let Ok(Status { message: Some(m) }) = serde_json::from_slice::<Status>(body) {
        if !m.trim().is_empty() {
            return sanitize(m.trim(), MESSAGE_LIMIT);
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() || text.starts_with('<') {
        return status.to_string();
    }
    sanitize(text, MESSAGE_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors() {
        assert!(FetchError::Timeout(Duration::from_secs(1)).is_transient());
        assert!(FetchError::Transport("reset".into()).is_transient());
        for code in [429, 500, 502, 503, 504] {
            assert!(FetchError::Status {
                code,
                message: String::new()
            }
            .is_transient());
        }
        for code in [400, 401, 403, 404, 410, 501] {
            assert!(!FetchError::Status {
                code,
                message: String::new()
            }
            .is_transient());
        }
    }

    #[test]
    fn messages() {
        let forbidden = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods is forbidden: User \"x\" cannot list resource \"pods\"","reason":"Forbidden","code":403}"#;
        assert_eq!(
            status_message(http::StatusCode::FORBIDDEN, forbidden),
            r#"pods is forbidden: User "x" cannot list resource "pods""#
        );
        assert_eq!(
            status_message(http::StatusCode::BAD_GATEWAY, b"<html>bad</html>"),
            "502 Bad Gateway"
        );
        assert_eq!(
            status_message(http::StatusCode::NOT_FOUND, b"404 page not found\n"),
            "404 page not found"
        );
        assert_eq!(
            FetchError::Timeout(Duration::from_millis(300)).to_string(),
            "no complete answer within 300ms"
        );
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
    }

    #[test]
    fn server_text_is_cut_and_escaped() {
        // Before: a Status message went to stderr whole, escape sequences included.
        let hostile = format!(
            r#"{{"kind":"Status","message":"x\u001b]52;c;cHduZWQ=\u0007\u001b[2J\n{}"}}"#,
            "A".repeat(5000)
        );
        let m = status_message(http::StatusCode::INTERNAL_SERVER_ERROR, hostile.as_bytes());
        assert!(
            m.starts_with(r"x\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J A"),
            "{m}"
        );
        assert!(!m.chars().any(char::is_control), "{m}");
        assert!(m.len() <= MESSAGE_LIMIT + '…'.len_utf8(), "{}", m.len());
        assert!(m.ends_with('…'));
        assert_eq!(sanitize("é\u{202e}x", 100), r"é\u{202e}x");
        assert_eq!(sanitize("ééé", 4), "éé…");
        assert_eq!(
            FetchError::Status {
                code: 500,
                message: "boom".into()
            }
            .to_string(),
            "HTTP 500 Internal Server Error: boom"
        );
        assert_eq!(human_size(256 * 1024 * 1024), "256 MiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(10), "10 bytes");
    }
}

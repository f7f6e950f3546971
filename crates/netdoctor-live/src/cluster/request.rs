//! One API request: a timeout on the whole exchange (headers and body), and one retry on a
//! transient error (timeout, connection failure, 429, 500, 502, 503, 504).

use bytes::Bytes;
use kube::client::Body;
use kube::Client;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RequestPolicy {
    /// Timeout of one attempt, from sending the request to the last byte of the body.
    pub timeout: Duration,
    /// Attempts after the first one, on a transient error.
    pub retries: u32,
    /// Wait before a retry (a `Retry-After` is not followed: it can be long, and one
    /// retry is all a diagnosis tool should spend).
    pub backoff: Duration,
}

impl RequestPolicy {
    pub fn new(timeout: Duration) -> Self {
        RequestPolicy {
            timeout,
            retries: 1,
            backoff: Duration::from_millis(250),
        }
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status; `message` is the `Status` message.
    #[error("HTTP {code}: {message}")]
    Status { code: u16, message: String },
    #[error("no answer within {}", human_duration(*.0))]
    Timeout(Duration),
    /// Connecting, TLS, or the connection broke.
    #[error("{0}")]
    Transport(String),
}

impl FetchError {
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Transport(_) => true,
            FetchError::Status { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
        }
    }
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
        let result = fetch_once(client, policy.timeout, make()?).await;
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
    timeout: Duration,
    request: http::Request<Vec<u8>>,
) -> Result<Bytes, FetchError> {
    let exchange = async {
        let response = client
            .send(request.map(Body::from))
            .await
            .map_err(|e| FetchError::Transport(super::connect::chain(&e)))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect_bytes()
            .await
            .map_err(|e| FetchError::Transport(super::connect::chain(&e)))?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(FetchError::Status {
                code: status.as_u16(),
                message: status_message(status, &body),
            })
        }
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout(timeout)),
    }
}

/// The `message` of a `Status` body, or the start of a body that is not one (a proxy's
/// HTML page), or the status line.
fn status_message(status: http::StatusCode, body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Status {
        message: Option<String>,
    }
    if let Ok(Status { message: Some(m) }) = serde_json::from_slice::<Status>(body) {
        if !m.is_empty() {
            return m;
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() || text.starts_with('<') {
        return status.to_string();
    }
    let mut short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short.replace('\n', " ")
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
            "no answer within 300ms"
        );
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
    }
}

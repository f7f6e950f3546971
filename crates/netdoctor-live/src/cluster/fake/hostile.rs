//! Misbehaving answers of the fake API server, for the hostile-server tests: slow, endless,
//! looping, malformed and oversized responses, redirects, connections closed mid-body. Each
//! writes one whole (or deliberately broken) HTTP/1.1 response; the server side stops as
//! soon as the client hangs up, so nothing here runs unbounded once a test ends.

use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// How a resource's lists misbehave.
#[derive(Debug, Clone)]
pub enum Hostile {
    /// The headers come after this delay.
    SlowHeaders(Duration),
    /// Headers at once (`Content-Length` of a small list), then one byte per interval.
    SlowBody(Duration),
    /// A chunked body that never ends.
    EndlessBody,
    /// A `Content-Length` of this many bytes, the start of a list, then nothing more.
    DeclaredHuge(u64),
    /// A valid list body of this many bytes (a string padded into one item).
    HugeBody(usize),
    /// Every page carries the same `continue` token.
    RepeatedContinue,
    /// Every page carries a new `continue` token: the list never ends.
    EndlessPages,
    /// As `EndlessPages`, each page after this delay: every request ends within any
    /// per-request timeout above it, the list never does.
    SlowEndlessPages(Duration),
    /// The token of the second page is the first page's one again (A → B → A).
    ContinueCycle,
    /// A body that is not JSON.
    MalformedJson,
    /// A list whose second item holds bytes that are not UTF-8.
    InvalidUtf8,
    /// Valid JSON that is not a list (`{"kind":"Status"}` with 200).
    NotAList,
    /// This status with a `Status` body whose message is this text.
    Status(u16, String),
    /// 302 to this location.
    Redirect(String),
    /// `Content-Length: 1000`, 20 bytes, then the connection closes.
    CloseMidBody,
}

fn list(token: Option<&str>, items: &str) -> Vec<u8> {
    let meta = match token {
        Some(t) => format!(r#"{{"resourceVersion":"1","continue":"{t}"}}"#),
        None => r#"{"resourceVersion":"1"}"#.to_string(),
    };
    format!(r#"{{"kind":"PodList","apiVersion":"v1","metadata":{meta},"items":[{items}]}}"#)
        .into_bytes()
}

const ITEM: &str = r#"{"metadata":{"name":"hostile","namespace":"default"},"spec":{"containers":[{"name":"c","image":"x"}]}}"#;

async fn head<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: &str,
    extra: &str,
) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}\r\n");
    stream.write_all(head.as_bytes()).await
}

async fn whole<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: &str,
    extra: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let extra = format!("{extra}Content-Length: {}\r\n", body.len());
    head(stream, status, &extra).await?;
    stream.write_all(body).await?;
    stream.flush().await
}

/// Writes the misbehaving answer; `Ok(true)` when the connection may serve another request.
/// `token` is the request's `continue` parameter.
pub(super) async fn serve<S: AsyncWrite + Unpin>(
    stream: &mut S,
    mode: &Hostile,
    token: Option<&str>,
) -> std::io::Result<bool> {
    match mode {
        Hostile::SlowHeaders(delay) => {
            tokio::time::sleep(*delay).await;
            whole(stream, "200 OK", "", &list(None, ITEM)).await?;
        }
        Hostile::SlowBody(interval) => {
            let body = list(None, ITEM);
            head(
                stream,
                "200 OK",
                &format!("Content-Length: {}\r\n", body.len()),
            )
            .await?;
            for b in body {
                stream.write_all(&[b]).await?;
                stream.flush().await?;
                tokio::time::sleep(*interval).await;
            }
        }
        Hostile::EndlessBody => {
            head(stream, "200 OK", "Transfer-Encoding: chunked\r\n").await?;
            let start = br#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":["#;
            stream
                .write_all(format!("{:x}\r\n", start.len()).as_bytes())
                .await?;
            stream.write_all(start).await?;
            stream.write_all(b"\r\n").await?;
            let chunk = format!("{ITEM},").repeat(512);
            let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
            // Until the client hangs up (a write then fails).
            loop {
                stream.write_all(framed.as_bytes()).await?;
            }
        }
        Hostile::DeclaredHuge(n) => {
            head(stream, "200 OK", &format!("Content-Length: {n}\r\n")).await?;
            stream.write_all(br#"{"kind":"PodList","items":["#).await?;
            stream.flush().await?;
            // Hold the connection until the client gives up.
            tokio::time::sleep(Duration::from_secs(60)).await;
            return Ok(false);
        }
        Hostile::HugeBody(n) => {
            let pad = "x".repeat(n.saturating_sub(200));
            let item = format!(
                r#"{{"metadata":{{"name":"big","namespace":"default","annotations":{{"pad":"{pad}"}}}}}}"#
            );
            whole(stream, "200 OK", "", &list(None, &item)).await?;
        }
        Hostile::RepeatedContinue => {
            whole(stream, "200 OK", "", &list(Some("same-token"), ITEM)).await?;
        }
        Hostile::SlowEndlessPages(delay) => {
            tokio::time::sleep(*delay).await;
            let next = format!("{}x", token.unwrap_or("p"));
            whole(stream, "200 OK", "", &list(Some(&next), "")).await?;
        }
        Hostile::EndlessPages => {
            let n: u64 = token
                .and_then(|t| t.strip_prefix('p'))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let next = format!("p{}", n + 1);
            whole(stream, "200 OK", "", &list(Some(&next), "")).await?;
        }
        Hostile::ContinueCycle => {
            let next = if token == Some("A") { "B" } else { "A" };
            whole(stream, "200 OK", "", &list(Some(next), "")).await?;
        }
        Hostile::MalformedJson => {
            let body = br#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name": }]}"#;
            whole(stream, "200 OK", "", body).await?;
        }
        Hostile::InvalidUtf8 => {
            let mut body = list(None, &format!("{ITEM},{ITEM}"));
            if let Some(i) = body.windows(7).rposition(|w| w == b"hostile") {
                body[i] = 0xff;
            }
            whole(stream, "200 OK", "", &body).await?;
        }
        Hostile::NotAList => {
            let body = br#"{"kind":"Status","apiVersion":"v1","status":"Success"}"#;
            whole(stream, "200 OK", "", body).await?;
        }
        Hostile::Status(code, message) => {
            let reason = http::StatusCode::from_u16(*code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            let body = serde_json::json!({"kind": "Status", "apiVersion": "v1",
                "status": "Failure", "message": message, "code": code});
            whole(
                stream,
                &format!("{code} {reason}"),
                "",
                body.to_string().as_bytes(),
            )
            .await?;
        }
        Hostile::Redirect(to) => {
            whole(stream, "302 Found", &format!("Location: {to}\r\n"), b"").await?;
        }
        Hostile::CloseMidBody => {
            head(stream, "200 OK", "Content-Length: 1000\r\n").await?;
            stream.write_all(br#"{"kind":"PodList","it"#).await?;
            stream.flush().await?;
            let _ = stream.shutdown().await;
            return Ok(false);
        }
    }
    Ok(true)
}

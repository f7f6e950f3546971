//! Peers: the other monitor pods (namespace + label selector from the config), found
//! through the Kubernetes API, and the round trip to each (one TCP handshake to the peer's
//! metrics port: SYN out, SYN-ACK back, measured by the probe's own TCP attempt).
//!
//! Discovery is behind [`PeerSource`] so that the kube-rs client of `crate::cluster` can be
//! plugged in; [`ApiPeerSource`] is a minimal reader of `GET /api/v1/namespaces/NS/pods`
//! (in-cluster service account, or a plain-HTTP URL such as `kubectl proxy`).

use crate::probe::http::tls_config;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use std::future::Future;
use std::net::IpAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// One monitor pod found by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerPod {
    pub name: String,
    /// `spec.nodeName`.
    pub node: String,
    /// `status.podIP`.
    pub ip: IpAddr,
}

pub type PeerFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<PeerPod>, String>> + Send + 'a>>;

/// Lists the running pods of `namespace` that match `selector` (a label selector string).
pub trait PeerSource: Send + Sync + 'static {
    fn list<'a>(&'a self, namespace: &'a str, selector: &'a str) -> PeerFuture<'a>;
}

/// The service account files of a pod.
const SA_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// Bound of one list request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest list response read (a few thousand pods).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// `GET /api/v1/namespaces/NS/pods?labelSelector=..&fieldSelector=status.phase=Running`.
pub struct ApiPeerSource {
    host: String,
    port: u16,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    /// Re-read at every request: projected service account tokens rotate.
    token_file: Option<PathBuf>,
}

impl ApiPeerSource {
    /// In a pod: `KUBERNETES_SERVICE_HOST`/`_PORT`, the service account's CA and token.
    pub fn in_cluster() -> Result<Self, String> {
        let host = std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| {
            "KUBERNETES_SERVICE_HOST is not set (not in a pod?); use --api-server".to_string()
        })?;
        let port: u16 = std::env::var("KUBERNETES_SERVICE_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(443);
        let ca = format!("{SA_DIR}/ca.crt");
        let config = tls_config(false, Some(&ca)).map_err(|e| e.to_string())?;
        let name = ServerName::try_from(host.clone())
            .map_err(|e| format!("API server name {host:?}: {e}"))?;
        Ok(ApiPeerSource {
            host,
            port,
            tls: Some((TlsConnector::from(Arc::new(config)), name)),
            token_file: Some(PathBuf::from(format!("{SA_DIR}/token"))),
        })
    }

    /// A plain-HTTP API endpoint without credentials (`kubectl proxy`: `http://127.0.0.1:8001`).
    pub fn http(url: &str) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("--api-server {url:?}: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!(
                "--api-server {url:?}: only http:// (kubectl proxy); in a pod the service account is used"
            ));
        }
        let host = uri
            .host()
            .ok_or_else(|| format!("--api-server {url:?}: no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Ok(ApiPeerSource {
            host,
            port: uri.port_u16().unwrap_or(80),
            tls: None,
            token_file: None,
        })
    }

    async fn get(&self, path_and_query: &str) -> Result<Bytes, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("connect {}:{}: {e}", self.host, self.port))?;
        let _ = tcp.set_nodelay(true);
        let mut req = Request::get(path_and_query)
            .header(HOST, format!("{}:{}", self.host, self.port))
            .header(ACCEPT, "application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        if let Some(path) = &self.token_file {
            let token = std::fs::read_to_string(path)
                .map_err(|e| format!("service account token {}: {e}", path.display()))?;
            let value = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                .map_err(|_| "service account token is not a valid header value".to_string())?;
            req.headers_mut().insert(AUTHORIZATION, value);
        }
        let body = match &self.tls {
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| format!("TLS with the API server: {e}"))?;
                send(TokioIo::new(tls), req).await?
            }
            None => send(TokioIo::new(tcp), req).await?,
        };
        Ok(body)
    }
}

async fn send<IO>(io: IO, req: Request<Empty<Bytes>>) -> Result<Bytes, String>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(io)
        .await
        .map_err(|e| format!("HTTP with the API server: {e}"))?;
    let driver = tokio::spawn(conn);
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("HTTP with the API server: {e}"))?;
    let status = resp.status();
    let body = Limited::new(resp.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| format!("reading the pod list: {e}"))?
        .to_bytes();
    driver.abort();
    if !status.is_success() {
        let msg = String::from_utf8_lossy(&body[..body.len().min(300)]).to_string();
        return Err(format!("the API server answered {status}: {msg}"));
    }
    Ok(body)
}

/// Percent-encodes a query parameter value.
fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The running pods with an IP and a node in a `PodList` JSON document.
pub fn parse_pod_list(body: &[u8]) -> Result<Vec<PeerPod>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the pod list is not JSON: {e}"))?;
    let items = v
        .get("items")
        .and_then(|i| i.as_array())
        .ok_or_else(|| "the pod list has no items".to_string())?;
    let mut pods = Vec::new();
    for item in items {
        let name = item.pointer("/metadata/name").and_then(|n| n.as_str());
        let node = item.pointer("/spec/nodeName").and_then(|n| n.as_str());
        let ip = item
            .pointer("/status/podIP")
            .and_then(|n| n.as_str())
            .and_then(|s| s.parse::<IpAddr>().ok());
        let phase = item.pointer("/status/phase").and_then(|n| n.as_str());
        let deleting = item.pointer("/metadata/deletionTimestamp").is_some();
        if let (Some(name), Some(node), Some(ip), Some("Running"), false) =
            (name, node, ip, phase, deleting)
        {
            pods.push(PeerPod {
                name: name.to_string(),
                node: node.to_string(),
                ip,
            });
        }
    }
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(pods)
}

impl PeerSource for ApiPeerSource {
    fn list<'a>(&'a self, namespace: &'a str, selector: &'a str) -> PeerFuture<'a> {
        Box::pin(async move {
            let path = format!(
                "/api/v1/namespaces/{}/pods?labelSelector={}&fieldSelector={}",
                encode_query(namespace),
                encode_query(selector),
                encode_query("status.phase=Running"),
            );
            let body = tokio::time::timeout(REQUEST_TIMEOUT, self.get(&path))
                .await
                .map_err(|_| format!("listing pods timed out after {REQUEST_TIMEOUT:?}"))??;
            parse_pod_list(&body)
        })
    }
}

/// A fixed list (tests; and a way to run peers without an API).
pub struct StaticPeers(pub Vec<PeerPod>);

impl PeerSource for StaticPeers {
    fn list<'a>(&'a self, _namespace: &'a str, _selector: &'a str) -> PeerFuture<'a> {
        let pods = self.0.clone();
        Box::pin(async move { Ok(pods) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_list_keeps_running_pods_with_ip_and_node() {
        let body = br#"{"kind":"PodList","items":[
          {"metadata":{"name":"m-b"},"spec":{"nodeName":"node-b"},"status":{"phase":"Running","podIP":"10.0.1.5"}},
          {"metadata":{"name":"m-a"},"spec":{"nodeName":"node-a"},"status":{"phase":"Running","podIP":"10.0.0.5"}},
          {"metadata":{"name":"m-pending"},"spec":{},"status":{"phase":"Pending"}},
          {"metadata":{"name":"m-gone","deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{"nodeName":"n"},"status":{"phase":"Running","podIP":"10.0.2.5"}}
        ]}"#;
        let pods = parse_pod_list(body).unwrap();
        assert_eq!(pods.len(), 2);
        assert_eq!(pods[0].name, "m-a");
        assert_eq!(pods[0].node, "node-a");
        assert_eq!(pods[1].ip, "10.0.1.5".parse::<IpAddr>().unwrap());
        assert!(parse_pod_list(b"{}").is_err());
        assert!(parse_pod_list(b"nope").is_err());
    }

    #[test]
    fn selectors_are_encoded() {
        assert_eq!(
            encode_query("app=netdoctor-monitor"),
            "app%3Dnetdoctor-monitor"
        );
        assert_eq!(encode_query("a in (x,y)"), "a%20in%20%28x%2Cy%29");
    }
}

//! Peers: the other monitor pods (namespace + label selector from the config), found
//! through the Kubernetes API, and the round trip to each (one TCP handshake to the peer's
//! metrics port: SYN out, SYN-ACK back, measured by the probe's own TCP attempt).
//!
//! Discovery is behind [`PeerSource`]: [`KubePeerSource`] uses the live reader's client
//! (`crate::cluster::connect`: in-cluster service account, or kubeconfig/context), and
//! [`ApiPeerSource`] is a bare reader of `GET /api/v1/namespaces/NS/pods` for a plain-HTTP
//! endpoint such as `kubectl proxy` (and the tests' fake API server).

use crate::cluster::request::{fetch, FetchError};
use crate::cluster::{connect, ConnectOptions, Connection};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{ACCEPT, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;
use tokio::net::TcpStream;

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

/// Bound of one list request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest list response read (a few thousand pods).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// `GET /api/v1/namespaces/NS/pods?labelSelector=..&fieldSelector=status.phase=Running`
/// over plain HTTP without credentials (`kubectl proxy`).
pub struct ApiPeerSource {
    host: String,
    port: u16,
}

impl ApiPeerSource {
    /// A plain-HTTP API endpoint without credentials (`kubectl proxy`: `http://127.0.0.1:8001`).
    pub fn http(url: &str) -> Result<Self, String> {
        let shown = crate::probe::redact_url(url);
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("--api-server {shown:?}: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!(
                "--api-server {shown:?}: only http:// (kubectl proxy); without it the kubeconfig or the pod's service account is used"
            ));
        }
        let host = uri
            .host()
            .ok_or_else(|| format!("--api-server {shown:?}: no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Ok(ApiPeerSource {
            host,
            port: uri.port_u16().unwrap_or(80),
        })
    }

    async fn get(&self, path_and_query: &str) -> Result<Bytes, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("connect {}:{}: {e}", self.host, self.port))?;
        let _ = tcp.set_nodelay(true);
        let req = Request::get(path_and_query)
            .header(HOST, format!("{}:{}", self.host, self.port))
            .header(ACCEPT, "application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        send(TokioIo::new(tcp), req).await
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

/// The list request of the peers: running pods of `namespace` matching `selector`.
pub fn pods_path(namespace: &str, selector: &str) -> String {
    format!(
        "/api/v1/namespaces/{}/pods?labelSelector={}&fieldSelector={}",
        encode_query(namespace),
        encode_query(selector),
        encode_query("status.phase=Running"),
    )
}

/// Peers through the live reader's client (`crate::cluster`): kubeconfig, context, or the
/// in-cluster service account, with its request timeout and one retry. Connects lazily, and
/// again after a failure, so an API server that is down at start does not stop the agent.
pub struct KubePeerSource {
    options: ConnectOptions,
    connection: tokio::sync::Mutex<Option<Connection>>,
}

impl KubePeerSource {
    /// `connection`: one made at start, if it worked.
    pub fn new(options: ConnectOptions, connection: Option<Connection>) -> Self {
        KubePeerSource {
            options,
            connection: tokio::sync::Mutex::new(connection),
        }
    }
}

impl PeerSource for KubePeerSource {
    fn list<'a>(&'a self, namespace: &'a str, selector: &'a str) -> PeerFuture<'a> {
        Box::pin(async move {
            let mut slot = self.connection.lock().await;
            if slot.is_none() {
                *slot = Some(connect(&self.options).await.map_err(|e| e.to_string())?);
            }
            let Some(conn) = slot.as_ref() else {
                return Err("no connection".to_string());
            };
            let path = pods_path(namespace, selector);
            let request = || {
                http::Request::get(path.as_str())
                    .body(Vec::new())
                    .map_err(|e| FetchError::Transport(e.to_string()))
            };
            match fetch(&conn.client, &conn.policy, request).await {
                Ok(body) => parse_pod_list(&body),
                Err(e) => {
                    let msg = format!("listing pods in {namespace} on {}: {e}", conn.server);
                    if matches!(e, FetchError::Transport(_) | FetchError::Timeout(_)) {
                        *slot = None; // reconnect next time
                    }
                    Err(msg)
                }
            }
        })
    }
}

impl PeerSource for ApiPeerSource {
    fn list<'a>(&'a self, namespace: &'a str, selector: &'a str) -> PeerFuture<'a> {
        Box::pin(async move {
            let path = pods_path(namespace, selector);
            let body = tokio::time::timeout(REQUEST_TIMEOUT, self.get(&path))
                .await
                .map_err(|_| format!("listing pods timed out after {REQUEST_TIMEOUT:?}"))??;
            parse_pod_list(&body)
        })
    }
}

/// The peers a monitor on `my_node` probes in round `round` (one round per interval): every
/// peer on its own node, plus the peers on `sample` other nodes. The other nodes are taken in
/// name order as a ring; this node's window of `sample` of them starts at a place derived
/// from its name (FNV-1a, the same in every process, so that the nodes do not all probe the
/// same few at once) and moves on by `sample` each round. Over any ceil(others / sample)
/// consecutive rounds the windows cover the whole ring: every pair of nodes is measured.
/// Probes per node per round: its same-node peers + min(sample, others), instead of every
/// other pod of the cluster.
pub fn select<'a>(
    my_node: &str,
    peers: &'a [PeerPod],
    sample: usize,
    round: u64,
) -> Vec<&'a PeerPod> {
    let mut others: Vec<&str> = peers
        .iter()
        .map(|p| p.node.as_str())
        .filter(|n| *n != my_node)
        .collect();
    others.sort_unstable();
    others.dedup();
    let chosen: std::collections::HashSet<&str> = if others.len() <= sample {
        others.into_iter().collect()
    } else {
        let n = others.len() as u64;
        let start = (fnv1a(my_node) % n + (round % n) * (sample as u64 % n)) % n;
        (0..sample as u64)
            .map(|i| others[((start + i) % n) as usize])
            .collect()
    };
    peers
        .iter()
        .filter(|p| p.node == my_node || chosen.contains(p.node.as_str()))
        .collect()
}

/// FNV-1a: a hash that is the same in every process and build.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
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

    fn cluster(nodes: usize, per_node: usize) -> Vec<PeerPod> {
        (0..nodes)
            .flat_map(|n| {
                (0..per_node).map(move |k| PeerPod {
                    name: format!("m-{n}-{k}"),
                    node: format!("node-{n:04}"),
                    ip: IpAddr::from([10, (n / 250) as u8, (n % 250) as u8, k as u8 + 1]),
                })
            })
            .collect()
    }

    #[test]
    fn small_clusters_are_probed_all_to_all() {
        let peers = cluster(10, 1);
        for round in 0..3 {
            // The 9 other nodes, and this node's own pod (which the caller leaves out).
            let chosen = select("node-0003", &peers, 10, round);
            assert_eq!(chosen.iter().filter(|p| p.node != "node-0003").count(), 9);
        }
        // The monitor's own node is left out only by the caller (its own pod).
        assert!(select("node-0003", &peers, 10, 0)
            .iter()
            .any(|p| p.node == "node-0003"));
    }

    #[test]
    fn same_node_peers_always_and_k_other_nodes_per_round() {
        let peers = cluster(100, 2);
        for round in 0..50 {
            let chosen = select("node-0042", &peers, 7, round);
            let same = chosen.iter().filter(|p| p.node == "node-0042").count();
            assert_eq!(same, 2, "every same-node peer, every round");
            let other_nodes: std::collections::BTreeSet<&str> = chosen
                .iter()
                .filter(|p| p.node != "node-0042")
                .map(|p| p.node.as_str())
                .collect();
            assert_eq!(other_nodes.len(), 7, "round {round}");
            // All peers of a chosen node.
            assert_eq!(chosen.len(), 2 + 7 * 2);
        }
    }

    #[test]
    fn deterministic() {
        let peers = cluster(300, 1);
        let a: Vec<&str> = select("node-0007", &peers, 10, 12345)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let mut shuffled = peers.clone();
        shuffled.reverse();
        let b: Vec<&str> = select("node-0007", &shuffled, 10, 12345)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let (mut a, mut b) = (a, b);
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "the same choice whatever the order of discovery");
    }

    /// 400 nodes, K = 10: within any 40 consecutive rounds (ceil(399 / 10)) every node
    /// probes every other node, and no node is probed by too many others in one round.
    /// (1,000 nodes: the same for one source below; all sources would take a minute in a
    /// debug build.)
    #[test]
    fn every_pair_is_covered_over_time_and_load_is_spread() {
        let (nodes, k) = (400usize, 10usize);
        let peers = cluster(nodes, 1);
        let rounds = (nodes - 1).div_ceil(k) as u64;
        for first_round in [0u64, 1_000_003] {
            let mut covered = vec![vec![false; nodes]; nodes];
            let mut max_in = 0;
            for round in first_round..first_round + rounds {
                let mut probed_by = vec![0usize; nodes];
                for (src, row) in covered.iter_mut().enumerate() {
                    let me = format!("node-{src:04}");
                    let chosen: Vec<_> = select(&me, &peers, k, round)
                        .into_iter()
                        .filter(|p| p.node != me)
                        .collect();
                    assert_eq!(chosen.len(), k, "{me} round {round}");
                    for p in chosen {
                        let dst: usize = p.node[5..].parse().unwrap();
                        row[dst] = true;
                        probed_by[dst] += 1;
                    }
                }
                max_in = max_in.max(probed_by.into_iter().max().unwrap_or(0));
            }
            for (src, row) in covered.iter().enumerate() {
                let missing: Vec<usize> = (0..nodes).filter(|&d| d != src && !row[d]).collect();
                assert!(missing.is_empty(), "node {src} never probed {missing:?}");
            }
            // On average K probes reach a node per round; the windows' spread keeps the
            // busiest node within a small multiple of that.
            assert!(max_in <= 4 * k, "a node got {max_in} probes in one round");
        }
    }

    #[test]
    fn a_thousand_nodes_are_covered_in_a_hundred_rounds() {
        let peers = cluster(1000, 1);
        let mut seen = std::collections::BTreeSet::new();
        for round in 555..655 {
            let chosen = select("node-0123", &peers, 10, round);
            assert_eq!(chosen.len(), 1 + 10);
            seen.extend(chosen.into_iter().map(|p| p.node.clone()));
        }
        assert_eq!(seen.len(), 1000);
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

//! A fake Kubernetes API server for tests and the live-read benchmark (feature
//! `fake-apiserver`): HTTP/1.1 or HTTPS on 127.0.0.1, port 0, serving list responses built
//! from recorded objects, as a real API server does:
//! - `GET /version`; `GET /api/v1/...` and `/apis/GROUP/VERSION/...` lists, across all
//!   namespaces or in one, for the kinds of `kinds::KINDS`;
//! - pagination with `limit` and opaque `continue` tokens (and an optional cap on the page
//!   size, as a server may return fewer items than asked);
//! - `labelSelector` (`k=v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`);
//! - the metadata-only media type (`as=PartialObjectMetadataList`);
//! - typed-list items without `kind`/`apiVersion`, as the API server sends them;
//! - bearer-token authentication, and per-resource 403, 404, slowness and a one-off 503;
//! - hostile answers per resource (`Hostile`, in hostile.rs): slow, endless, looping,
//!   malformed and oversized responses, error statuses, redirects, broken connections.
//!
//! Only loopback addresses: it binds 127.0.0.1 and nothing else.

mod hostile;
mod pods;
mod selector;

pub use hostile::Hostile;
pub use pods::Ephemeral;

use super::kinds::KINDS;
use selector::{field, parse_fields, parse_selector};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A CA and a server certificate for 127.0.0.1 signed by it, made for one test.
pub struct TestPki {
    /// The CA certificate (PEM), for the kubeconfig.
    pub ca_pem: String,
    cert: rustls::pki_types::CertificateDer<'static>,
    key: Vec<u8>,
}

impl TestPki {
    pub fn generate() -> Result<TestPki, rcgen::Error> {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "netdoctor test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
        let server_key = KeyPair::generate()?;
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kube-apiserver");
        let cert = params.signed_by(&server_key, &ca)?;
        Ok(TestPki {
            ca_pem: ca.pem(),
            cert: cert.der().clone(),
            key: server_key.serialize_der(),
        })
    }

    fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(self.key.clone().into());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// `GET`, `PATCH`, ...
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    pub accept: String,
    pub authorization: Option<String>,
    /// 0 for a hostile answer (`Hostile`).
    pub status: u16,
}

impl LoggedRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_metadata_only(&self) -> bool {
        self.accept.contains("as=PartialObjectMetadataList")
    }
}

/// The server's configuration: objects and the misbehaviours to simulate.
#[derive(Default)]
pub struct FakeApiServer {
    by_kind: HashMap<String, Vec<Value>>,
    forbidden: HashSet<String>,
    forbidden_in: HashSet<(String, String)>,
    not_served: HashSet<String>,
    slow: HashMap<String, Duration>,
    flaky: HashSet<String>,
    page_cap: Option<usize>,
    hostile: HashMap<String, Hostile>,
    token: Option<String>,
    tls: Option<Arc<rustls::ServerConfig>>,
    ephemeral: Option<Ephemeral>,
}

impl FakeApiServer {
    /// Serves these objects (whole objects with `kind` and `apiVersion`; Lists are
    /// flattened).
    pub fn new(objects: Vec<Value>) -> FakeApiServer {
        let mut by_kind: HashMap<String, Vec<Value>> = HashMap::new();
        for o in flatten(objects, None) {
            if let Some(kind) = o["kind"].as_str() {
                // Keyed by group too: Calico's NetworkPolicy is not the Kubernetes one.
                let group = o["apiVersion"]
                    .as_str()
                    .and_then(|v| v.rsplit_once('/'))
                    .map_or("", |(group, _)| group);
                by_kind
                    .entry(format!("{group}/{kind}"))
                    .or_default()
                    .push(o);
            }
        }
        FakeApiServer {
            by_kind,
            ..FakeApiServer::default()
        }
    }

    /// Every list of this resource (`pods`) answers 403.
    pub fn forbid(mut self, resource: &str) -> Self {
        self.forbidden.insert(resource.to_string());
        self
    }

    /// Lists of this resource in this namespace answer 403 (a Role-only user).
    pub fn forbid_in(mut self, resource: &str, namespace: &str) -> Self {
        self.forbidden_in
            .insert((resource.to_string(), namespace.to_string()));
        self
    }

    /// This resource is not served: 404, as for a CRD that is not installed.
    pub fn not_serve(mut self, resource: &str) -> Self {
        self.not_served.insert(resource.to_string());
        self
    }

    /// Every answer for this resource waits this long.
    pub fn slow(mut self, resource: &str, delay: Duration) -> Self {
        self.slow.insert(resource.to_string(), delay);
        self
    }

    /// The first request for this resource answers 503 (a transient error).
    pub fn flaky(mut self, resource: &str) -> Self {
        self.flaky.insert(resource.to_string());
        self
    }

    /// Every list of this resource misbehaves this way (see `Hostile`).
    pub fn hostile(mut self, resource: &str, mode: Hostile) -> Self {
        self.hostile.insert(resource.to_string(), mode);
        self
    }

    /// At most this many items per page, whatever `limit` asks.
    pub fn page_cap(mut self, n: usize) -> Self {
        self.page_cap = Some(n.max(1));
        self
    }

    /// Requests must carry `Authorization: Bearer TOKEN` (else 401).
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    /// How ephemeral containers added to a pod behave (`pods/ephemeralcontainers`,
    /// `pods/log`); without it the subresource answers 404.
    pub fn ephemeral(mut self, mode: Ephemeral) -> Self {
        self.ephemeral = Some(mode);
        self
    }

    pub fn tls(mut self, pki: &TestPki) -> Self {
        self.tls = pki.server_config().ok();
        self
    }

    /// Binds 127.0.0.1:0 and serves in the background until the handle is dropped.
    pub async fn start(self) -> std::io::Result<RunningServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let tls = self.tls.clone();
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(State {
            server: self,
            log: log.clone(),
            flaky_hit: Mutex::new(HashSet::new()),
            containers: Mutex::new(HashMap::new()),
        });
        let acceptor = tls.clone().map(tokio_rustls::TlsAcceptor::from);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        Some(a) => {
                            if let Ok(s) = a.accept(stream).await {
                                serve_connection(s, state).await;
                            }
                        }
                        None => serve_connection(stream, state).await,
                    }
                });
            }
        });
        Ok(RunningServer {
            addr,
            tls: tls.is_some(),
            log,
            task,
        })
    }
}

/// A started server. Dropping it stops it.
pub struct RunningServer {
    pub addr: SocketAddr,
    tls: bool,
    log: Arc<Mutex<Vec<LoggedRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RunningServer {
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A kubeconfig for this server: one context `fake` (current), with the CA (PEM, for
    /// HTTPS), a bearer token and a default namespace when given.
    pub fn kubeconfig(
        &self,
        ca_pem: Option<&str>,
        token: Option<&str>,
        namespace: Option<&str>,
    ) -> String {
        let mut cluster = format!("    server: {}\n", self.url());
        if let Some(ca) = ca_pem {
            cluster.push_str(&format!(
                "    certificate-authority-data: {}\n",
                base64(ca.as_bytes())
            ));
        }
        let mut context = "    cluster: fake\n    user: fake\n".to_string();
        if let Some(ns) = namespace {
            context.push_str(&format!("    namespace: {ns}\n"));
        }
        let user = match token {
            Some(t) => format!("    token: {t}\n"),
            None => "    {}\n".to_string(),
        };
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n{cluster}contexts:\n- name: fake\n  context:\n{context}current-context: fake\nusers:\n- name: fake\n  user:\n{user}"
        )
    }
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Objects from text: a JSON value or stream, or a YAML stream; Lists are flattened.
pub fn objects_from_text(text: &str) -> Result<Vec<Value>, String> {
    let trimmed = text.trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?
    } else {
        serde_saphyr::from_multiple(text).map_err(|e| e.to_string())?
    };
    Ok(flatten(docs, None))
}

fn flatten(values: Vec<Value>, default_kind: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    for mut v in values {
        match v {
            Value::Array(items) => out.extend(flatten(items, default_kind)),
            Value::Object(ref mut map) => {
                let kind = map
                    .get("kind")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| default_kind.map(str::to_string));
                match (kind, map.remove("items")) {
                    (Some(k), Some(Value::Array(items))) if k.ends_with("List") => {
                        let item_kind = k.strip_suffix("List").filter(|s| !s.is_empty());
                        out.extend(flatten(items, item_kind));
                    }
                    (kind, items) => {
                        if let Some(items) = items {
                            map.insert("items".into(), items);
                        }
                        if let Some(k) = kind {
                            map.entry("kind").or_insert(Value::String(k));
                        }
                        out.push(v);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

struct State {
    server: FakeApiServer,
    log: Arc<Mutex<Vec<LoggedRequest>>>,
    flaky_hit: Mutex<HashSet<String>>,
    /// Ephemeral containers added, by `ns/pod`: (name, args, status reads since added).
    containers: Mutex<HashMap<String, Vec<pods::Added>>>,
}

struct Request {
    method: String,
    body: Vec<u8>,
    path: String,
    query: Vec<(String, String)>,
    headers: HashMap<String, String>,
}

async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin>(stream: S, state: Arc<State>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
            return;
        };
        let method = method.to_string();
        let target = target.to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), parse_query(q)),
            None => (target.clone(), Vec::new()),
        };
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        if length > 1024 * 1024 {
            return;
        }
        let mut body = vec![0u8; length];
        if tokio::io::AsyncReadExt::read_exact(&mut reader, &mut body)
            .await
            .is_err()
        {
            return;
        }
        let request = Request {
            method,
            body,
            path,
            query,
            headers,
        };
        let hostile = parse_list_path(&request.path)
            .and_then(|(_, _, _, resource)| state.server.hostile.get(&resource));
        if let Some(mode) = hostile {
            log_request(&state, &request, 0);
            let token = request
                .query
                .iter()
                .find(|(k, _)| k == "continue")
                .map(|(_, v)| v.as_str());
            match hostile::serve(reader.get_mut(), mode, token).await {
                Ok(true) => continue,
                _ => return,
            }
        }
        let (status, body) = respond(&state, &request).await;
        log_request(&state, &request, status);
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let stream = reader.get_mut();
        if stream.write_all(head.as_bytes()).await.is_err()
            || stream.write_all(&body).await.is_err()
            || stream.flush().await.is_err()
        {
            return;
        }
        if request
            .headers
            .get("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
        {
            return;
        }
    }
}

/// Records a request (status 0: a hostile answer, see `Hostile`).
fn log_request(state: &State, request: &Request, status: u16) {
    if let Ok(mut log) = state.log.lock() {
        log.push(LoggedRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            accept: request.headers.get("accept").cloned().unwrap_or_default(),
            authorization: request.headers.get("authorization").cloned(),
            status,
        });
    }
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn status_body(code: u16, reason: &str, message: &str) -> Vec<u8> {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
    .to_string()
    .into_bytes()
}

fn not_found() -> (u16, Vec<u8>) {
    (
        404,
        status_body(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    )
}

/// (group, version, namespace, resource) of a list path.
fn parse_list_path(path: &str) -> Option<(String, String, Option<String>, String)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => (String::new(), v.to_string(), rest),
        ["apis", g, v, rest @ ..] => (g.to_string(), v.to_string(), rest),
        _ => return None,
    };
    match rest {
        ["namespaces", ns, res] => Some((group, version, Some(ns.to_string()), res.to_string())),
        [res] => Some((group, version, None, res.to_string())),
        _ => None,
    }
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

async fn respond(state: &State, req: &Request) -> (u16, Vec<u8>) {
    let server = &state.server;
    if let Some(token) = &server.token {
        let expected = format!("Bearer {token}");
        if req.headers.get("authorization") != Some(&expected) {
            return (401, status_body(401, "Unauthorized", "Unauthorized"));
        }
    }
    if req.path == "/version" {
        return (
            200,
            json!({"major": "1", "minor": "31", "gitVersion": "v1.31.0-fake", "platform": "linux/amd64"})
                .to_string()
                .into_bytes(),
        );
    }
    if let Some(answer) = pods::respond(state, req) {
        return answer;
    }
    let Some((group, version, namespace, resource)) = parse_list_path(&req.path) else {
        return not_found();
    };
    // Only the first version of a kind is served (as a cluster with one CRD version).
    let Some(spec) = KINDS
        .iter()
        .find(|k| k.group == group && k.resource == resource && k.versions[0] == version)
    else {
        return not_found();
    };
    let objects = server.by_kind.get(&format!("{}/{}", spec.group, spec.kind));
    // A custom resource with no objects stands for a CRD that is not installed.
    let is_crd = !spec.is_built_in();
    if server.not_served.contains(&resource) || (is_crd && objects.is_none()) {
        return not_found();
    }
    let forbidden_here = namespace.as_ref().is_some_and(|ns| {
        server
            .forbidden_in
            .contains(&(resource.clone(), ns.clone()))
    });
    if server.forbidden.contains(&resource) || forbidden_here {
        let scope = match &namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let message = format!(
            "{resource} is forbidden: User \"system:serviceaccount:test:netdoctor\" cannot list resource \"{resource}\" in API group \"{group}\" {scope}"
        );
        return (403, status_body(403, "Forbidden", &message));
    }
    if server.flaky.contains(&resource) {
        let first = state
            .flaky_hit
            .lock()
            .map(|mut h| h.insert(resource.clone()))
            .unwrap_or(false);
        if first {
            return (
                503,
                status_body(
                    503,
                    "ServiceUnavailable",
                    "the server is currently unable to handle the request",
                ),
            );
        }
    }
    if let Some(delay) = server.slow.get(&resource) {
        tokio::time::sleep(*delay).await;
    }
    let param = |name: &str| {
        req.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let selector = param("labelSelector")
        .map(parse_selector)
        .unwrap_or_default();
    let fields = param("fieldSelector").map(parse_fields).unwrap_or_default();
    let matching: Vec<&Value> = objects
        .into_iter()
        .flatten()
        .filter(|o| group_of(o["apiVersion"].as_str().unwrap_or("")) == spec.group)
        .filter(|o| match (&namespace, spec.namespaced) {
            (Some(ns), true) => o["metadata"]["namespace"].as_str().unwrap_or("default") == ns,
            _ => true,
        })
        .filter(|o| selector.iter().all(|r| r.matches(&o["metadata"]["labels"])))
        .filter(|o| {
            fields.iter().all(|(path, value, equal)| {
                field(o, path) == value.as_str() && *equal
                    || field(o, path) != value.as_str() && !*equal
            })
        })
        .collect();
    let offset: usize = match param("continue") {
        Some(t) => match t.strip_prefix("c").and_then(|t| t.strip_suffix("==")) {
            Some(n) => n.parse().unwrap_or(0),
            None => {
                return (
                    400,
                    status_body(400, "BadRequest", "invalid continue token"),
                )
            }
        },
        None => 0,
    };
    let limit = param("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|&l| l > 0)
        .unwrap_or(usize::MAX);
    let size = limit.min(server.page_cap.unwrap_or(usize::MAX));
    let end = offset.saturating_add(size).min(matching.len());
    let page = &matching[offset.min(end)..end];
    let mut list_meta = json!({"resourceVersion": "12345"});
    if end < matching.len() {
        list_meta["continue"] = Value::String(format!("c{end}=="));
        list_meta["remainingItemCount"] = json!(matching.len() - end);
    }
    let metadata_only = req
        .headers
        .get("accept")
        .is_some_and(|a| a.contains("as=PartialObjectMetadataList"));
    let body = if metadata_only {
        let items: Vec<Value> = page
            .iter()
            .map(|o| json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}))
            .collect();
        json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "items": items})
    } else {
        // Items of a typed list carry no kind/apiVersion, as the API server sends them.
        let items: Vec<Value> = page
            .iter()
            .map(|o| {
                let mut o = (*o).clone();
                if let Some(m) = o.as_object_mut() {
                    m.remove("kind");
                    m.remove("apiVersion");
                }
                o
            })
            .collect();
        json!({"kind": format!("{}List", spec.kind), "apiVersion": spec.api_version(&version),
               "metadata": list_meta, "items": items})
    };
    (200, serde_json::to_vec(&body).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("limit=500&labelSelector=app%20in%20%28a%2Cb%29&continue=c3%3D%3D"),
            vec![
                ("limit".to_string(), "500".to_string()),
                ("labelSelector".to_string(), "app in (a,b)".to_string()),
                ("continue".to_string(), "c3==".to_string()),
            ]
        );
        assert_eq!(percent_decode("a+b%2"), "a b%2");
    }

    #[test]
    fn selectors() {
        let labels = json!({"app": "web", "tier": "front"});
        let m = |s: &str| parse_selector(s).iter().all(|r| r.matches(&labels));
        assert!(m("app=web"));
        assert!(m("app==web,tier"));
        assert!(m("app in (api,web)"));
        assert!(!m("app notin (api,web)"));
        assert!(m("!missing,app!=api"));
        assert!(!m("app in (api),tier=front"));
    }

    #[test]
    fn lists_are_flattened_with_their_item_kind() {
        let objects = objects_from_text(
            r#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"a"}}]}
               {"kind":"Service","apiVersion":"v1","metadata":{"name":"s"}}"#,
        )
        .unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0]["kind"], "Pod");
        let yaml = objects_from_text("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n}\n").unwrap();
        assert_eq!(yaml[0]["kind"], "Node");
    }
}

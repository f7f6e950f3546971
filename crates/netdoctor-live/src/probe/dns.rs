//! `probe dns NAME`: the queries a pod's resolver sends, each one sent and timed here.
//!
//! With a resolv.conf the glibc resolver's search expansion is reproduced (`res_search`): a
//! name with a trailing dot is queried as is and only so; a name with at least `ndots` dots is
//! tried as is first, then with each search domain; a name with fewer dots goes through the
//! search list first and is tried as is last. The walk stops at the first answer; NXDOMAIN,
//! NOERROR without data and SERVFAIL go on to the next candidate; a timeout or any other
//! failure ends the search (only the as-is query, if not yet tried, is still sent). With
//! `--server` and no resolv.conf the name is queried directly (like `dig @server name`).
//!
//! Every query goes over UDP from a fresh socket; a truncated (TC) response is retried over
//! TCP, as resolvers do.

use super::{classify_io, io_reason, lookup, ms_since, ErrorClass, Failure, Sample, SetupError};
use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// What the probe needs from a resolv.conf (glibc's reading of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvConf {
    pub nameservers: Vec<IpAddr>,
    pub search: Vec<String>,
    pub ndots: u8,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub edns0: bool,
}

impl Default for ResolvConf {
    fn default() -> Self {
        ResolvConf {
            nameservers: Vec::new(),
            search: Vec::new(),
            ndots: 1,
            edns0: false,
        }
    }
}

impl ResolvConf {
    /// glibc's rules: `nameserver` lines (the first three count), `search` and `domain`
    /// (the last one of either wins), `options ndots:N` (capped at 15) and `edns0`;
    /// `#` and `;` start comments. Unknown lines are ignored, as glibc does.
    pub fn parse(text: &str) -> ResolvConf {
        let mut conf = ResolvConf::default();
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(key) = words.next() else { continue };
            match key {
                "nameserver" => {
                    if let Some(ip) = words.next().and_then(|w| w.parse::<IpAddr>().ok()) {
                        if conf.nameservers.len() < 3 {
                            conf.nameservers.push(ip);
                        }
                    }
                }
                "search" => {
                    conf.search = words
                        .map(|w| w.trim_end_matches('.').to_string())
                        .filter(|w| !w.is_empty())
                        .collect();
                }
                "domain" => {
                    conf.search = words
                        .next()
                        .map(|w| w.trim_end_matches('.').to_string())
                        .filter(|w| !w.is_empty())
                        .into_iter()
                        .collect();
                }
                "options" => {
                    for opt in words {
                        if let Some(n) = opt.strip_prefix("ndots:") {
                            if let Ok(n) = n.parse::<u32>() {
                                conf.ndots = n.min(15) as u8;
                            }
                        } else if opt == "edns0" {
                            conf.edns0 = true;
                        }
                    }
                }
                _ => {}
            }
        }
        conf
    }

    pub fn load(path: &str) -> Result<ResolvConf, SetupError> {
        std::fs::read_to_string(path)
            .map(|t| ResolvConf::parse(&t))
            .map_err(|e| SetupError::File {
                path: path.to_string(),
                reason: e.to_string(),
            })
    }

    /// The fully-qualified names glibc queries for `name`, in order.
    pub fn candidates(&self, name: &str) -> Vec<String> {
        if name.ends_with('.') {
            return vec![name.to_string()];
        }
        let dots = name.matches('.').count();
        let as_is = format!("{name}.");
        let mut out = Vec::new();
        if dots >= usize::from(self.ndots) {
            out.push(as_is.clone());
        }
        for domain in &self.search {
            let c = format!("{name}.{domain}.");
            if !out.contains(&c) {
                out.push(c);
            }
        }
        if !out.contains(&as_is) {
            out.push(as_is);
        }
        out
    }

    /// Whether `candidates(name)[0]` is the as-is name tried first because of enough dots.
    fn as_is_first(&self, name: &str) -> bool {
        !name.ends_with('.') && name.matches('.').count() >= usize::from(self.ndots)
    }
}

/// Whose resolver's search rules to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    /// glibc (Debian, Ubuntu, RHEL images).
    #[default]
    Glibc,
    /// musl (Alpine images): no search at all when the name has `ndots` dots or more, none
    /// for types other than A/AAAA, and the search stops at the first SERVFAIL or timeout.
    Musl,
}

impl Libc {
    pub fn parse(s: &str) -> Result<Libc, SetupError> {
        match s.to_ascii_lowercase().as_str() {
            "glibc" => Ok(Libc::Glibc),
            "musl" => Ok(Libc::Musl),
            _ => Err(SetupError::Option {
                option: "--libc".to_string(),
                reason: format!("{s:?} is not glibc or musl"),
            }),
        }
    }
}

impl ResolvConf {
    /// The names the given libc's resolver queries for `name` and `record_type`, in order.
    pub fn candidates_for(&self, name: &str, libc: Libc, record_type: RecordType) -> Vec<String> {
        match libc {
            Libc::Glibc => self.candidates(name),
            Libc::Musl => {
                let as_is = if name.ends_with('.') {
                    name.to_string()
                } else {
                    format!("{name}.")
                };
                let searches = !name.ends_with('.')
                    && name.matches('.').count() < usize::from(self.ndots)
                    && matches!(record_type, RecordType::A | RecordType::AAAA);
                let mut out: Vec<String> = if searches {
                    self.search.iter().map(|d| format!("{name}.{d}.")).collect()
                } else {
                    Vec::new()
                };
                out.retain(|c| c != &as_is);
                out.push(as_is);
                out
            }
        }
    }
}

/// The server and the expansion of a dns probe (reported in the JSON).
#[derive(Debug, Clone, Serialize)]
pub struct DnsSetup {
    pub server: String,
    /// `search` (resolv.conf expansion) or `direct`.
    pub mode: &'static str,
    /// Whose search rules were followed (search mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub libc: Option<Libc>,
    #[serde(rename = "type")]
    pub record_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolv_conf: Option<ResolvConf>,
    /// The names queried, in the order a resolver sends them.
    pub candidates: Vec<String>,
}

/// One query as sent and answered.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub name: String,
    pub record_type: String,
    /// The response code name, or `TIMEOUT` / `NO_RESPONSE` when no response came.
    pub rcode: String,
    pub answers: Vec<String>,
    /// Time of this query alone (UDP, plus TCP after truncation), when a response came.
    pub ms: Option<f64>,
    pub tcp_fallback: bool,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone)]
pub struct DnsProbe {
    target: String,
    record_type: RecordType,
    server: SocketAddr,
    /// Search semantics (glibc) apply; otherwise a single direct query.
    search: Option<ResolvConf>,
    candidates: Vec<Name>,
    as_is_first: bool,
    edns0: bool,
    libc: Libc,
    setup: DnsSetup,
}

/// Parses `IP`, `IP:PORT` or `[V6]:PORT` (port 53 when absent).
pub fn parse_server(s: &str) -> Result<SocketAddr, SetupError> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    if let Some(ip) = lookup::ip_literal(s) {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(SetupError::Option {
        option: "--server".to_string(),
        reason: format!("{s:?} is not IP or IP:PORT"),
    })
}

/// Parses a query type (`A`, `aaaa`, `SRV`, ...).
pub fn parse_type(s: &str) -> Result<RecordType, SetupError> {
    RecordType::from_str(&s.to_ascii_uppercase()).map_err(|_| SetupError::Option {
        option: "--type".to_string(),
        reason: format!("unknown record type {s:?}"),
    })
}

fn parse_name(s: &str) -> Result<Name, SetupError> {
    Name::from_ascii(s)
        .or_else(|_| Name::from_str_relaxed(s))
        .map_err(|e| SetupError::Target {
            target: s.to_string(),
            reason: format!("not a valid DNS name: {e}"),
        })
}

impl DnsProbe {
    /// `resolv_conf`: expand `name` as glibc does and send to `server` or the first
    /// nameserver (127.0.0.1:53 when it lists none, as glibc assumes). Without it, `server`
    /// is queried for `name` directly. A PTR query for an IP literal asks for its reverse name.
    pub fn new(
        name: &str,
        record_type: RecordType,
        server: Option<SocketAddr>,
        resolv_conf: Option<ResolvConf>,
    ) -> Result<Self, SetupError> {
        Self::new_with_libc(name, record_type, server, resolv_conf, Libc::Glibc)
    }

    /// [`DnsProbe::new`] following `libc`'s search rules.
    pub fn new_with_libc(
        name: &str,
        record_type: RecordType,
        server: Option<SocketAddr>,
        resolv_conf: Option<ResolvConf>,
        libc: Libc,
    ) -> Result<Self, SetupError> {
        if name.is_empty() {
            return Err(SetupError::Target {
                target: String::new(),
                reason: "empty name".to_string(),
            });
        }
        let reverse = match (record_type, lookup::ip_literal(name)) {
            (RecordType::PTR, Some(ip)) => Some(Name::from(ip).to_ascii()),
            _ => None,
        };
        let query_name = reverse.as_deref().unwrap_or(name);
        let (server, names, mode, as_is_first, edns0) = match &resolv_conf {
            Some(conf) => {
                let server = server.unwrap_or_else(|| {
                    SocketAddr::new(
                        conf.nameservers
                            .first()
                            .copied()
                            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                        53,
                    )
                });
                (
                    server,
                    conf.candidates_for(query_name, libc, record_type),
                    "search",
                    libc == Libc::Glibc && conf.as_is_first(query_name),
                    conf.edns0,
                )
            }
            None => {
                let server = server.ok_or_else(|| SetupError::Option {
                    option: "--server".to_string(),
                    reason: "a server or a resolv.conf is needed".to_string(),
                })?;
                let fqdn = if query_name.ends_with('.') {
                    query_name.to_string()
                } else {
                    format!("{query_name}.")
                };
                (server, vec![fqdn], "direct", false, false)
            }
        };
        let candidates = names
            .iter()
            .map(|n| parse_name(n))
            .collect::<Result<Vec<_>, _>>()?;
        let setup = DnsSetup {
            server: server.to_string(),
            mode,
            libc: resolv_conf.as_ref().map(|_| libc),
            record_type: record_type.to_string(),
            resolv_conf: resolv_conf.clone(),
            candidates: names,
        };
        Ok(DnsProbe {
            target: name.to_string(),
            record_type,
            server,
            search: resolv_conf,
            candidates,
            as_is_first,
            edns0,
            libc,
            setup,
        })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn setup(&self) -> &DnsSetup {
        &self.setup
    }

    pub(crate) async fn attempt(&self, start: Instant, deadline: tokio::time::Instant) -> Sample {
        if self.libc == Libc::Musl {
            return self.attempt_musl(start, deadline).await;
        }
        let mut sample = Sample::default();
        let mut first_result: Option<QueryResult> = None;
        let mut got_nodata = false;
        let mut got_servfail = false;
        let mut last: Option<QueryResult> = None;
        let n = self.candidates.len();
        let mut search_done = false;
        for (i, name) in self.candidates.iter().enumerate() {
            let initial_as_is = i == 0 && self.as_is_first;
            let final_as_is = self.search.is_some() && i == n - 1 && !self.as_is_first;
            // After a failure that ends the search loop only the as-is query (tried last) is
            // still sent.
            if search_done && !final_as_is {
                continue;
            }
            let r = self.query(name, deadline).await;
            sample.queries.push(r.clone());
            if !r.answers.is_empty() && r.failure.is_none() {
                sample.times.total = Some(ms_since(start));
                sample.rcode = Some(r.rcode);
                return sample;
            }
            got_nodata |= r.rcode == "NOERROR";
            got_servfail |= r.rcode == "SERVFAIL";
            if initial_as_is {
                first_result = Some(r.clone());
            } else if stops_search(&r) {
                search_done = true;
            }
            let timed_out = r.rcode == "TIMEOUT";
            last = Some(r);
            if timed_out {
                // The deadline of the attempt is spent: nothing more can be sent.
                break;
            }
        }
        // glibc's choice of the error to return: the as-is query's when it was tried first,
        // else NODATA if any candidate had the name, else SERVFAIL, else the last one's.
        let deciding = match (&first_result, got_nodata, got_servfail) {
            (Some(r), _, _) => Some(r.clone()),
            (None, true, _) => sample
                .queries
                .iter()
                .find(|q| q.rcode == "NOERROR")
                .cloned(),
            (None, false, true) => sample
                .queries
                .iter()
                .find(|q| q.rcode == "SERVFAIL")
                .cloned(),
            _ => last,
        };
        finish_failed(sample, deciding, start)
    }

    /// musl's `name_from_dns_search`: the candidates in order, going on only after NXDOMAIN
    /// or NODATA; any other outcome (SERVFAIL, timeout, refused) ends the lookup with it.
    async fn attempt_musl(&self, start: Instant, deadline: tokio::time::Instant) -> Sample {
        let mut sample = Sample::default();
        let mut last = None;
        for name in &self.candidates {
            let r = self.query(name, deadline).await;
            sample.queries.push(r.clone());
            if !r.answers.is_empty() && r.failure.is_none() {
                sample.times.total = Some(ms_since(start));
                sample.rcode = Some(r.rcode);
                return sample;
            }
            let goes_on = matches!(r.rcode.as_str(), "NXDOMAIN" | "NOERROR");
            last = Some(r);
            if !goes_on {
                break;
            }
        }
        finish_failed(sample, last, start)
    }

    /// One query: UDP, then TCP when the UDP response is truncated.
    async fn query(&self, name: &Name, deadline: tokio::time::Instant) -> QueryResult {
        let t0 = Instant::now();
        let mut result = QueryResult {
            name: name.to_ascii(),
            record_type: self.record_type.to_string(),
            rcode: String::new(),
            answers: Vec::new(),
            ms: None,
            tcp_fallback: false,
            failure: None,
        };
        let mut msg = Message::query();
        msg.metadata.recursion_desired = true;
        msg.add_query(Query::query(name.clone(), self.record_type));
        if self.edns0 {
            let mut edns = Edns::new();
            edns.set_max_payload(1232);
            msg.set_edns(edns);
        }
        let id = msg.metadata.id;
        let bytes = match msg.to_vec() {
            Ok(b) => b,
            Err(e) => {
                result.rcode = "NO_RESPONSE".into();
                result.failure = Some(Failure::new(
                    ErrorClass::Other,
                    format!("cannot encode query for {name}: {e}"),
                ));
                return result;
            }
        };
        let what = format!("{} {} @{}", result.name, result.record_type, self.server);
        let mut response =
            match tokio::time::timeout_at(deadline, udp_exchange(self.server, &bytes, id)).await {
                Err(_) => Err(Failure::new(
                    ErrorClass::Timeout,
                    format!(
                        "{what}: no response (timed out; packets dropped or the server is down)"
                    ),
                )),
                Ok(r) => r.map_err(|e| io_failure(&what, &e)),
            };
        if matches!(&response, Ok(m) if m.metadata.truncation) {
            result.tcp_fallback = true;
            response = match tokio::time::timeout_at(
                deadline,
                tcp_exchange(self.server, &bytes, id),
            )
            .await
            {
                Err(_) => Err(Failure::new(
                    ErrorClass::Timeout,
                    format!("{what}: truncated over UDP, and no response over TCP (timed out)"),
                )),
                Ok(r) => r.map_err(|e| io_failure(&format!("{what} over TCP"), &e)),
            };
        }
        match response {
            Err(f) => {
                result.rcode = if f.class == ErrorClass::Timeout {
                    "TIMEOUT".into()
                } else {
                    "NO_RESPONSE".into()
                };
                result.failure = Some(f);
            }
            Ok(m) => {
                result.ms = Some(ms_since(t0));
                let rc = m.metadata.response_code;
                result.rcode = rcode_name(rc);
                result.answers = m.answers.iter().map(|r| r.data.to_string()).collect();
                result.failure = match rc {
                    ResponseCode::NoError => None,
                    ResponseCode::NXDomain => Some(Failure::new(
                        ErrorClass::Nxdomain,
                        format!("{what}: NXDOMAIN (the name does not exist)"),
                    )),
                    _ => Some(Failure::new(
                        ErrorClass::Dns,
                        format!("{what}: {}", result.rcode),
                    )),
                };
            }
        }
        result
    }
}

/// Fills the failure of a resolution that found no answer; `deciding` is the query whose
/// outcome the resolver returns.
fn finish_failed(mut sample: Sample, deciding: Option<QueryResult>, start: Instant) -> Sample {
    let Some(deciding) = deciding else {
        sample.failure = Some(Failure::new(ErrorClass::Other, "no query was sent"));
        return sample;
    };
    if deciding.ms.is_some() {
        // Every query that was sent got a response: the resolution completed (negatively).
        if sample.queries.iter().all(|q| q.ms.is_some()) {
            sample.times.total = Some(ms_since(start));
        }
    }
    sample.rcode = Some(deciding.rcode.clone());
    sample.failure = Some(match deciding.failure {
        Some(f) => f,
        None => Failure::new(
            ErrorClass::Dns,
            format!(
                "{} {}: NOERROR but no {} record",
                deciding.name, deciding.record_type, deciding.record_type
            ),
        ),
    });
    if sample.queries.len() > 1 {
        if let Some(f) = sample.failure.as_mut() {
            f.message = format!(
                "{} (after {} queries: {})",
                f.message,
                sample.queries.len(),
                sample
                    .queries
                    .iter()
                    .map(|q| format!("{} {}", q.name, q.rcode))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    sample
}

/// Whether a failed candidate ends glibc's search loop (anything but NXDOMAIN, NODATA and
/// SERVFAIL).
fn stops_search(r: &QueryResult) -> bool {
    !matches!(r.rcode.as_str(), "NXDOMAIN" | "NOERROR" | "SERVFAIL")
}

fn io_failure(what: &str, e: &std::io::Error) -> Failure {
    let class = classify_io(e);
    let reason = match class {
        ErrorClass::Refused => {
            "connection refused (ICMP port unreachable: no DNS server listens there)".to_string()
        }
        _ => io_reason(e),
    };
    Failure::new(class, format!("{what}: {reason}"))
}

/// RFC 1035/6895 mnemonic of a response code.
pub fn rcode_name(rc: ResponseCode) -> String {
    match rc {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        other => format!("RCODE{}", u16::from(other)),
    }
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

fn decode_response(buf: &[u8], id: u16) -> Option<std::io::Result<Message>> {
    match Message::from_vec(buf) {
        // Not ours (a late answer to an earlier query): keep waiting.
        Ok(m) if m.metadata.id != id || m.metadata.message_type != MessageType::Response => None,
        Ok(m) => Some(Ok(m)),
        Err(e) => Some(Err(invalid(format!("malformed DNS response: {e}")))),
    }
}

async fn udp_exchange(server: SocketAddr, query: &[u8], id: u16) -> std::io::Result<Message> {
    let bind: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(bind).await?;
    // Connected, so that an ICMP port unreachable surfaces as ECONNREFUSED.
    socket.connect(server).await?;
    socket.send(query).await?;
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = socket.recv(&mut buf).await?;
        if let Some(r) = decode_response(&buf[..n], id) {
            return r;
        }
    }
}

async fn tcp_exchange(server: SocketAddr, query: &[u8], id: u16) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(server).await?;
    let len = u16::try_from(query.len()).map_err(|_| invalid("query too long".into()))?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    loop {
        let len = stream.read_u16().await?;
        let mut buf = vec![0u8; usize::from(len)];
        stream.read_exact(&mut buf).await?;
        if let Some(r) = decode_response(&buf, id) {
            return r;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD_RESOLV_CONF: &str = "\
# written by the kubelet
search production.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
";

    #[test]
    fn parses_a_pod_resolv_conf() {
        let c = ResolvConf::parse(POD_RESOLV_CONF);
        assert_eq!(c.nameservers, vec!["10.96.0.10".parse::<IpAddr>().unwrap()]);
        assert_eq!(
            c.search,
            vec![
                "production.svc.cluster.local",
                "svc.cluster.local",
                "cluster.local"
            ]
        );
        assert_eq!(c.ndots, 5);
        assert!(!c.edns0);
    }

    #[test]
    fn parse_rules_of_glibc() {
        let c = ResolvConf::parse(
            "domain a.example\nsearch b.example. c.example ; comment\nnameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver ::3\nnameserver 4.4.4.4\noptions ndots:99 edns0 rotate\nnameserver bogus\n",
        );
        assert_eq!(c.search, vec!["b.example", "c.example"]);
        assert_eq!(c.nameservers.len(), 3);
        assert_eq!(c.ndots, 15);
        assert!(c.edns0);
        // `domain` after `search` wins.
        let c = ResolvConf::parse("search x.example y.example\ndomain z.example\n");
        assert_eq!(c.search, vec!["z.example"]);
        // Defaults.
        let c = ResolvConf::parse("");
        assert_eq!(c.ndots, 1);
        assert!(c.nameservers.is_empty());
    }

    #[test]
    fn search_expansion_short_name_goes_through_the_list_first() {
        let c = ResolvConf::parse(POD_RESOLV_CONF);
        assert_eq!(
            c.candidates("api-service"),
            vec![
                "api-service.production.svc.cluster.local.",
                "api-service.svc.cluster.local.",
                "api-service.cluster.local.",
                "api-service.",
            ]
        );
        // 4 dots < ndots 5: still searched first (the classic ndots:5 cost for external names).
        assert_eq!(
            c.candidates("api.example.co.uk.x")[0],
            "api.example.co.uk.x.production.svc.cluster.local."
        );
        assert!(!c.as_is_first("api.example.co.uk.x"));
    }

    #[test]
    fn search_expansion_enough_dots_tries_as_is_first() {
        let c = ResolvConf::parse(POD_RESOLV_CONF);
        // A service FQDN written without the trailing dot has 4 dots < 5: searched first.
        let fqdn = "api-service.production.svc.cluster.local";
        assert!(!c.as_is_first(fqdn));
        assert_eq!(
            c.candidates(fqdn)[0],
            "api-service.production.svc.cluster.local.production.svc.cluster.local."
        );
        // A pod's stable name under a headless service has 5 dots: as is first.
        let name = "db-0.db.data.svc.cluster.local";
        assert!(c.as_is_first(name));
        let cands = c.candidates(name);
        assert_eq!(cands[0], "db-0.db.data.svc.cluster.local.");
        assert_eq!(cands.len(), 4);
        let c1 = ResolvConf::parse("search example.com\noptions ndots:1\n");
        assert_eq!(
            c1.candidates("www.example.org"),
            vec!["www.example.org.", "www.example.org.example.com."]
        );
    }

    #[test]
    fn trailing_dot_is_only_queried_as_is() {
        let c = ResolvConf::parse(POD_RESOLV_CONF);
        assert_eq!(
            c.candidates("kubernetes.default.svc.cluster.local."),
            vec!["kubernetes.default.svc.cluster.local."]
        );
    }

    #[test]
    fn musl_candidates() {
        let c = ResolvConf::parse(POD_RESOLV_CONF);
        let a = RecordType::A;
        assert_eq!(
            c.candidates_for("api-service", Libc::Musl, a),
            vec![
                "api-service.production.svc.cluster.local.",
                "api-service.svc.cluster.local.",
                "api-service.cluster.local.",
                "api-service.",
            ]
        );
        // ndots or more dots: musl never searches.
        assert_eq!(
            c.candidates_for("db-0.db.data.svc.cluster.local", Libc::Musl, a),
            vec!["db-0.db.data.svc.cluster.local."]
        );
        // Not an address type: res_query, no search.
        assert_eq!(
            c.candidates_for("_http._tcp.api", Libc::Musl, RecordType::SRV),
            vec!["_http._tcp.api."]
        );
        assert_eq!(c.candidates_for("x", Libc::Glibc, a), c.candidates("x"));
        assert_eq!(Libc::parse("MUSL").unwrap(), Libc::Musl);
        assert!(Libc::parse("bionic").is_err());
    }

    #[test]
    fn server_and_type_parsing() {
        assert_eq!(parse_server("127.0.0.1:5353").unwrap().port(), 5353);
        assert_eq!(parse_server("::1").unwrap().port(), 53);
        assert_eq!(parse_server("[::1]:54").unwrap().port(), 54);
        assert!(parse_server("dns.example").is_err());
        assert_eq!(parse_type("aaaa").unwrap(), RecordType::AAAA);
        assert_eq!(parse_type("SRV").unwrap(), RecordType::SRV);
        assert!(parse_type("BOGUS").is_err());
    }

    #[test]
    fn probe_setup_direct_and_reverse() {
        let server: SocketAddr = "127.0.0.1:53".parse().unwrap();
        let p = DnsProbe::new("example.com", RecordType::A, Some(server), None).unwrap();
        assert_eq!(p.setup().candidates, vec!["example.com."]);
        assert_eq!(p.setup().mode, "direct");
        let p = DnsProbe::new("10.96.0.10", RecordType::PTR, Some(server), None).unwrap();
        assert_eq!(p.setup().candidates, vec!["10.0.96.10.in-addr.arpa."]);
        assert!(DnsProbe::new("x", RecordType::A, None, None).is_err());
        let p = DnsProbe::new(
            "api",
            RecordType::A,
            None,
            Some(ResolvConf::parse(
                "search ns.svc.cluster.local\noptions ndots:5",
            )),
        )
        .unwrap();
        // No nameserver line: glibc's default server.
        assert_eq!(p.setup().server, "127.0.0.1:53");
    }
}

//! `probe dns NAME`: the queries a pod's resolver sends, each one sent and timed here.
//!
//! With a resolv.conf the names are those core's resolver model queries, in its order
//! (`resolv_conf`, which follows `netdoctor_core::sim::dns::search_order`): a name with a
//! trailing dot is queried as is and only so; glibc tries a name with at least `ndots` dots
//! as is first, then with each search domain, and a name with fewer dots through the search
//! list first and as is last (never, for a single label, with `no-tld-query`); musl searches
//! only below `ndots` dots, only for A/AAAA, and reads 255 bytes of the search line. glibc's
//! walk stops at the first answer; NXDOMAIN, NOERROR without data and SERVFAIL go on to the
//! next candidate; a timeout or any other failure ends the search (only the as-is query, if
//! not yet tried, is still sent). With `--server` and no resolv.conf the name is queried
//! directly (like `dig @server name`).
//!
//! Every query goes over UDP from a fresh socket; a truncated (TC) response is retried over
//! TCP, as resolvers do.

pub mod resolv_conf;
mod wire;

pub use resolv_conf::{parse_libc, Libc, ResolvConf};

use super::{classify_io, io_reason, lookup, ms_since, ErrorClass, Failure, Sample, SetupError};
use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Instant;
use wire::{tcp_exchange, udp_exchange};

/// The server and the expansion of a dns probe (reported in the JSON).
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct DnsSetup {
    pub server: String,
    /// `search` (resolv.conf expansion) or `direct`.
    pub mode: String,
    /// Whose search rules were followed (search mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libc: Option<Libc>,
    #[serde(rename = "type")]
    pub record_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    candidates: Vec<Name>,
    /// Where the name as typed is in `candidates` (see `SearchOrder::as_is`).
    as_is: Option<usize>,
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
        let (server, names, mode, as_is, edns0) = match &resolv_conf {
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
                let order = conf.search_order(query_name, libc, record_type);
                (server, order.names, "search", order.as_is, conf.edns0)
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
                (server, vec![fqdn], "direct", Some(0), false)
            }
        };
        let candidates = names
            .iter()
            .map(|n| parse_name(n))
            .collect::<Result<Vec<_>, _>>()?;
        let setup = DnsSetup {
            server: server.to_string(),
            mode: mode.to_string(),
            libc: resolv_conf.as_ref().map(|_| libc),
            record_type: record_type.to_string(),
            resolv_conf: resolv_conf.clone(),
            candidates: names,
        };
        Ok(DnsProbe {
            target: name.to_string(),
            record_type,
            server,
            candidates,
            as_is,
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
        let mut search_done = false;
        for (i, name) in self.candidates.iter().enumerate() {
            let is_as_is = self.as_is == Some(i);
            // After a failure that ends the search loop only the as-is query (tried last) is
            // still sent.
            if search_done && !is_as_is {
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
            if i == 0 && is_as_is {
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
                let c = classify_response(&m, self.record_type, &what);
                result.rcode = c.rcode;
                result.answers = c.answers;
                result.failure = c.failure;
            }
        }
        result
    }
}

/// What one DNS response says, as the probe reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// The response code's mnemonic (`NOERROR`, `NXDOMAIN`, ...).
    pub rcode: String,
    /// The answer records' data, at most `MAX_ANSWERS` of them.
    pub answers: Vec<String>,
    /// Why the response resolves nothing, if it does not.
    pub failure: Option<Failure>,
}

/// At most this many answers are kept of one response.
pub const MAX_ANSWERS: usize = 64;

/// Classifies a received response to a `qtype` query (`what` names the query in messages).
/// NOERROR is a success only when it answers the question: for A and AAAA at least one
/// record of that type; a CNAME alone (its target without an address) resolves nothing and
/// is the `dns` failure "CNAME only". NOERROR with no answer at all is left without failure
/// here (NODATA: the resolver goes on with its search list and reports it at the end).
pub fn classify_response(m: &Message, qtype: RecordType, what: &str) -> Classified {
    let rc = m.metadata.response_code;
    let rcode = rcode_name(rc);
    let answers: Vec<String> = m
        .answers
        .iter()
        .take(MAX_ANSWERS)
        .map(|r| r.data.to_string())
        .collect();
    let failure = match rc {
        ResponseCode::NoError => {
            let address = matches!(qtype, RecordType::A | RecordType::AAAA);
            if address
                && !m.answers.is_empty()
                && !m.answers.iter().any(|r| r.record_type() == qtype)
            {
                let cnames: Vec<String> = m
                    .answers
                    .iter()
                    .filter(|r| r.record_type() == RecordType::CNAME)
                    .take(4)
                    .map(|r| r.data.to_string())
                    .collect();
                Some(Failure::new(
                    ErrorClass::Dns,
                    if cnames.is_empty() {
                        format!(
                            "{what}: NOERROR but no {qtype} record among the answers (no address)"
                        )
                    } else {
                        format!(
                            "{what}: CNAME only ({}) and no {qtype} record: the name resolves to no address",
                            cnames.join(" → ")
                        )
                    },
                ))
            } else {
                None
            }
        }
        ResponseCode::NXDomain => Some(Failure::new(
            ErrorClass::Nxdomain,
            format!("{what}: NXDOMAIN (the name does not exist)"),
        )),
        _ => Some(Failure::new(ErrorClass::Dns, format!("{what}: {rcode}"))),
    };
    Classified {
        rcode,
        answers,
        failure,
    }
}

/// Decodes a DNS message from the wire and classifies it as a response to a `qtype` query
/// (what the probe does with the bytes it receives; the fuzz target's entry point).
pub fn classify_wire(bytes: &[u8], qtype: RecordType) -> Result<Classified, String> {
    let m = Message::from_vec(bytes).map_err(|e| format!("malformed DNS response: {e}"))?;
    Ok(classify_response(&m, qtype, "query"))
}

/// The fuzz target `dns_response` and its corpus test: the first byte picks the question
/// type, the rest is a message from the wire, decoded and classified.
#[doc(hidden)]
pub fn fuzz_dns_response(data: &[u8]) -> Option<Classified> {
    let (first, rest) = data.split_first()?;
    const TYPES: [RecordType; 6] = [
        RecordType::A,
        RecordType::AAAA,
        RecordType::CNAME,
        RecordType::SRV,
        RecordType::PTR,
        RecordType::TXT,
    ];
    let qtype = TYPES[usize::from(*first) % TYPES.len()];
    let c = classify_wire(rest, qtype).ok()?;
    assert!(c.answers.len() <= MAX_ANSWERS);
    Some(c)
}

/// The fuzz target `resolv_conf` and its corpus test: the name on the first line, a
/// resolv.conf after it; parsed, expanded for glibc and musl, and made into a probe.
#[doc(hidden)]
pub fn fuzz_resolv_conf(text: &str) -> usize {
    let (name, conf) = text.split_once('\n').unwrap_or((text, ""));
    let conf = ResolvConf::parse(conf);
    assert!(conf.search.len() <= resolv_conf::MAX_SEARCH && conf.nameservers.len() <= 3);
    let mut n = 0;
    for libc in [Libc::Glibc, Libc::Musl] {
        for qtype in [RecordType::A, RecordType::PTR] {
            let c = conf.candidates_for(name, libc, qtype);
            assert!(
                c.len() <= resolv_conf::MAX_SEARCH + 1,
                "{} candidates",
                c.len()
            );
            n += c.len();
            let server = Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 53)));
            let _ = DnsProbe::new_with_libc(name, qtype, server, Some(conf.clone()), libc);
        }
    }
    n
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

#[cfg(test)]
mod tests;

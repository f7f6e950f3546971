//! Live probes: DNS (`dig`), TCP (`nc -zv`) and HTTP (`curl -w`) measured from where
//! netdoctor runs, repeated, classified and judged.
//!
//! Each kind implements one *attempt* (`dns::DnsProbe`, `tcp::TcpProbe`, `http::HttpProbe`);
//! [`run`] repeats attempts (`count`, `interval`, `concurrency`, a per-attempt `timeout`) and
//! folds the samples into a [`Report`], the `probe` object of the interface.

pub mod dns;
pub mod http;
mod lookup;
pub mod stats;
pub mod tcp;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};

pub use stats::{
    ErrorClass, ErrorCounts, Percentiles, PhaseStats, PhaseTimes, Thresholds, Verdict,
};

/// A failed attempt: its class and a one-line message naming the address and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub class: ErrorClass,
    pub message: String,
}

impl Failure {
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Failure {
            class,
            message: message.into(),
        }
    }
}

/// The result of one attempt.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub times: PhaseTimes,
    pub failure: Option<Failure>,
    /// The address the attempt connected to (or tried last), tcp and http.
    pub address: Option<String>,
    /// The HTTP status code, when a response arrived.
    pub status: Option<u16>,
    /// The DNS queries sent, in order (dns only).
    pub queries: Vec<dns::QueryResult>,
    /// The final rcode of a DNS resolution (dns only).
    pub rcode: Option<String>,
}

/// A bad target or option, found before anything is sent (exit code 2 at the CLI).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("invalid target {target:?}: {reason}")]
    Target { target: String, reason: String },
    #[error("invalid option {option}: {reason}")]
    Option { option: String, reason: String },
    #[error("cannot read {path}: {reason}")]
    File { path: String, reason: String },
}

/// One probe target of any kind.
#[derive(Debug)]
pub enum Probe {
    Dns(dns::DnsProbe),
    Tcp(tcp::TcpProbe),
    Http(http::HttpProbe),
}

impl Probe {
    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Dns(_) => "dns",
            Probe::Tcp(_) => "tcp",
            Probe::Http(_) => "http",
        }
    }

    pub fn target(&self) -> &str {
        match self {
            Probe::Dns(p) => p.target(),
            Probe::Tcp(p) => p.target(),
            Probe::Http(p) => p.target(),
        }
    }

    /// One attempt, bounded by `timeout` as a whole (like `curl --max-time`).
    pub async fn attempt(&self, timeout: Duration) -> Sample {
        let start = Instant::now();
        let deadline = tokio::time::Instant::from_std(start) + timeout;
        match self {
            Probe::Dns(p) => p.attempt(start, deadline).await,
            Probe::Tcp(p) => p.attempt(start, deadline).await,
            Probe::Http(p) => p.attempt(start, deadline).await,
        }
    }
}

/// How often and how hard to probe.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Number of attempts.
    pub count: u32,
    /// Time between the starts of two attempts (start to start; an attempt that takes longer
    /// delays the next one only when `concurrency` is used up).
    pub interval: Duration,
    /// Bound of one attempt.
    pub timeout: Duration,
    /// Attempts in flight at once.
    pub concurrency: usize,
    pub thresholds: Thresholds,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            count: 10,
            interval: Duration::from_millis(100),
            timeout: Duration::from_secs(2),
            concurrency: 1,
            thresholds: Thresholds::default(),
        }
    }
}

/// Sent to the progress callback after each attempt.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: u64,
    pub count: u64,
    pub ok: u64,
    pub failed: u64,
    /// The last attempt's total (or the failure message).
    pub last_total_ms: Option<f64>,
    pub last_error: Option<String>,
}

/// Statistics of one DNS query name over all attempts (dns only).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct QueryStats {
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: String,
    /// How many times this name was queried.
    pub sent: u64,
    /// Responses by rcode (`NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...; `TIMEOUT`/`REFUSED_CONN`
    /// when no response came).
    pub rcodes: BTreeMap<String, u64>,
    /// How many of the responses came over TCP after a truncated UDP response.
    pub tcp_fallback: u64,
    /// Answers seen (distinct, sorted).
    pub answers: Vec<String>,
    /// Time of this query alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<Percentiles>,
}

/// The `probe` object of the interface (one per target). The first seven fields are the
/// stable contract; the rest are additions.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    pub kind: String,
    pub target: String,
    pub count: u64,
    pub ok: u64,
    pub errors: ErrorCounts,
    pub phases_ms: PhaseStats,
    pub verdict: Verdict,
    /// The pod the probe ran in (`probe --from`, `verify`); absent for a local probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Why the verdict is not `ok`: one line per crossed threshold or failure summary.
    #[serde(default)]
    pub reasons: Vec<String>,
    pub thresholds_ms: ThresholdsOut,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Addresses connected to (tcp, http).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub addresses: BTreeSet<String>,
    /// HTTP responses by status code (http).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status_codes: BTreeMap<String, u64>,
    /// Final rcode of each resolution (dns).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rcodes: BTreeMap<String, u64>,
    /// The DNS server queried and the search expansion used (dns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<dns::DnsSetup>,
    /// Every query name the resolver sent, in order, timed alone (dns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<QueryStats>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ThresholdsOut {
    pub dns: f64,
    pub connect: f64,
}

impl Report {
    /// Exit code of the interface: 0 when the probe succeeded (`ok` or `slow`), 1 when it
    /// failed.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Ok | Verdict::Slow => 0,
            Verdict::Failing => 1,
        }
    }
}

/// Folds samples into a report.
struct Collector {
    acc: stats::Accumulator,
    addresses: BTreeSet<String>,
    status_codes: BTreeMap<String, u64>,
    rcodes: BTreeMap<String, u64>,
    queries: Vec<QueryStats>,
    query_ms: Vec<Vec<f64>>,
}

impl Collector {
    fn new() -> Self {
        Collector {
            acc: stats::Accumulator::default(),
            addresses: BTreeSet::new(),
            status_codes: BTreeMap::new(),
            rcodes: BTreeMap::new(),
            queries: Vec::new(),
            query_ms: Vec::new(),
        }
    }

    fn add(&mut self, s: &Sample) {
        self.acc.record(
            &s.times,
            s.failure.as_ref().map(|f| (f.class, f.message.as_str())),
        );
        if let Some(a) = &s.address {
            self.addresses.insert(a.clone());
        }
        if let Some(code) = s.status {
            *self.status_codes.entry(code.to_string()).or_default() += 1;
        }
        if let Some(rc) = &s.rcode {
            *self.rcodes.entry(rc.clone()).or_default() += 1;
        }
        for q in &s.queries {
            let idx = match self
                .queries
                .iter()
                .position(|x| x.name == q.name && x.record_type == q.record_type)
            {
                Some(i) => i,
                None => {
                    self.queries.push(QueryStats {
                        name: q.name.clone(),
                        record_type: q.record_type.clone(),
                        sent: 0,
                        rcodes: BTreeMap::new(),
                        tcp_fallback: 0,
                        answers: Vec::new(),
                        ms: None,
                    });
                    self.query_ms.push(Vec::new());
                    self.queries.len() - 1
                }
            };
            let qs = &mut self.queries[idx];
            qs.sent += 1;
            *qs.rcodes.entry(q.rcode.clone()).or_default() += 1;
            if q.tcp_fallback {
                qs.tcp_fallback += 1;
            }
            for a in &q.answers {
                if !qs.answers.contains(a) {
                    qs.answers.push(a.clone());
                    qs.answers.sort();
                }
            }
            if let Some(ms) = q.ms {
                self.query_ms[idx].push(ms);
            }
        }
    }

    fn progress(&self, count: u64, last: &Sample) -> Progress {
        Progress {
            done: self.acc.count,
            count,
            ok: self.acc.ok,
            failed: self.acc.errors.total(),
            last_total_ms: last.times.total.or(last.times.connect),
            last_error: last.failure.as_ref().map(|f| f.message.clone()),
        }
    }

    fn finish(mut self, probe: &Probe, thresholds: &Thresholds) -> Report {
        for (qs, ms) in self.queries.iter_mut().zip(&self.query_ms) {
            qs.ms = Percentiles::of(ms);
        }
        let phases = self.acc.phase_stats();
        // What the DNS threshold judges: the name lookup of tcp/http, the whole resolution
        // (every search candidate) of a dns probe.
        let dns_p90 = match probe {
            Probe::Dns(_) => phases.total.map(|p| p.p90),
            _ => phases.dns.map(|p| p.p90),
        };
        let (verdict, reasons) = stats::judge(&self.acc, dns_p90, thresholds);
        Report {
            kind: probe.kind().to_string(),
            target: probe.target().to_string(),
            count: self.acc.count,
            ok: self.acc.ok,
            errors: self.acc.errors.clone(),
            phases_ms: phases,
            verdict,
            from: None,
            reasons,
            thresholds_ms: ThresholdsOut {
                dns: thresholds.dns_slow_ms,
                connect: thresholds.connect_slow_ms,
            },
            last_error: self.acc.last_error.clone(),
            addresses: self.addresses,
            status_codes: self.status_codes,
            rcodes: self.rcodes,
            dns: match probe {
                Probe::Dns(p) => Some(p.setup().clone()),
                _ => None,
            },
            queries: self.queries,
        }
    }
}

/// Runs `opts.count` attempts and returns the report. `progress` is called after every
/// attempt (in completion order). Needs a tokio runtime with time and I/O enabled.
pub async fn run(probe: Arc<Probe>, opts: &RunOptions, progress: impl FnMut(&Progress)) -> Report {
    run_until(probe, opts, progress, std::future::pending()).await
}

/// [`run`], stopping early when `stop` completes (Ctrl-C at the CLI, like `ping`): no new
/// attempt starts, the ones in flight finish (each is bounded by the timeout), and the
/// report covers the attempts made, with a reason saying so.
pub async fn run_until(
    probe: Arc<Probe>,
    opts: &RunOptions,
    mut progress: impl FnMut(&Progress),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Report {
    let count = opts.count.max(1);
    let (tx, mut rx) = mpsc::unbounded_channel::<Sample>();
    let sem = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let interval = opts.interval;
    let timeout = opts.timeout;
    let scheduler_probe = probe.clone();
    let schedule = async move {
        let mut ticker = (!interval.is_zero()).then(|| {
            let mut t = tokio::time::interval(interval);
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t
        });
        for _ in 0..count {
            if let Some(t) = ticker.as_mut() {
                t.tick().await; // the first tick completes at once
            }
            let Ok(permit) = sem.clone().acquire_owned().await else {
                break;
            };
            let p = scheduler_probe.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let sample = p.attempt(timeout).await;
                drop(permit);
                let _ = tx.send(sample);
            });
        }
    };
    // `true` when stopped before every attempt was started.
    let scheduler = tokio::spawn(async move {
        tokio::select! {
            _ = schedule => false,
            _ = stop => true,
        }
    });
    let mut collector = Collector::new();
    while let Some(sample) = rx.recv().await {
        collector.add(&sample);
        progress(&collector.progress(u64::from(count), &sample));
    }
    let interrupted = scheduler.await.unwrap_or(false);
    let mut report = collector.finish(&probe, &opts.thresholds);
    if interrupted {
        report.reasons.push(format!(
            "stopped after {} of {count} attempts",
            report.count
        ));
    }
    report
}

/// Milliseconds since `start`.
pub(crate) fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// Classifies a socket error the way the guide's failure table reads it.
pub fn classify_io(err: &std::io::Error) -> ErrorClass {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::ConnectionRefused => ErrorClass::Refused,
        ErrorKind::TimedOut => ErrorClass::Timeout,
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => ErrorClass::Unreachable,
        _ => match err.raw_os_error() {
            // Linux errno values, for kinds older std versions report as uncategorized.
            Some(111) => ErrorClass::Refused,
            Some(110) => ErrorClass::Timeout,
            Some(101) | Some(113) => ErrorClass::Unreachable,
            _ => ErrorClass::Other,
        },
    }
}

/// A short, human reason for a socket error ("connection refused", "no route to host").
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    match classify_io(err) {
        ErrorClass::Refused => "connection refused (nothing listens on that port)".to_string(),
        ErrorClass::Timeout => "timed out (packets dropped on the way)".to_string(),
        ErrorClass::Unreachable => format!("unreachable ({err})"),
        _ => err.to_string(),
    }
}

/// A URL as netdoctor prints or exports it: the userinfo (`user:password@`) of its authority
/// replaced by `***@`, and the value of every query parameter whose name looks like a
/// credential (`token`, `access_token`, `api_key`, `password`, `secret`, `signature`,
/// `X-Amz-Credential`, …) replaced by `***`, so that credentials written in a target never
/// reach a terminal, a report, a log line or a metric label. The one redaction used for
/// every URL shown (probe output and errors, monitor logs and labels).
///
/// It errs on the side of hiding: text without `://` (a malformed URL echoed in an error)
/// is read as an authority too, and an `@` in the part before the first `/`, `?` or `#`
/// hides what precedes it. Text with nothing to hide is returned as is.
pub fn redact_url(url: &str) -> std::borrow::Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (head, tail) = match rest[..authority_len].rfind('@') {
        Some(at) => (format!("{}***", &url[..start]), &rest[at..]),
        None => (String::new(), url),
    };
    match redact_query(tail) {
        Some(tail) => format!("{head}{tail}").into(),
        None if head.is_empty() => url.into(),
        None => format!("{head}{tail}").into(),
    }
}

/// `text` with the values of credential-like query parameters replaced by `***`, or `None`
/// when it has none. The query is what follows the first `?` up to a `#`.
fn redact_query(text: &str) -> Option<String> {
    let query_start = text.find('?')? + 1;
    let query_end = text[query_start..]
        .find('#')
        .map_or(text.len(), |i| query_start + i);
    let mut changed = false;
    let params: Vec<String> = text[query_start..query_end]
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_credential_name(name) => {
                changed = true;
                format!("{name}=***")
            }
            _ => param.to_string(),
        })
        .collect();
    changed.then(|| {
        format!(
            "{}{}{}",
            &text[..query_start],
            params.join("&"),
            &text[query_end..]
        )
    })
}

/// Whether a query parameter's name says its value is a credential. Substrings, lowercase:
/// `access_token`, `X-Amz-Signature`, `client_secret`, `apikey`, `sig` all match.
fn is_credential_name(name: &str) -> bool {
    const WORDS: [&str; 10] = [
        "token",
        "secret",
        "passw",
        "pwd",
        "key",
        "sig",
        "credential",
        "auth",
        "session",
        "jwt",
    ];
    let name = name.to_ascii_lowercase();
    WORDS.iter().any(|word| name.contains(word))
}

/// Durations are parsed in one place for every command and the monitor's file.
pub use netdoctor_core::text::parse_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert!(parse_duration("10").is_ok());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn userinfo_is_redacted() {
        for (url, want) in [
            ("http://user:pa55@h:8080/x", "http://***@h:8080/x"),
            ("https://tok@h/", "https://***@h/"),
            ("http://a@b:c@h?q=1", "http://***@h?q=1"),
            ("http://u:p@[::1]:80#f", "http://***@[::1]:80#f"),
            ("http://u:p@h", "http://***@h"),
            // Unchanged: no userinfo, an @ outside the authority, not a URL.
            ("http://h/a@b", "http://h/a@b"),
            ("http://h?x=a@b", "http://h?x=a@b"),
            ("10.0.0.1:53", "10.0.0.1:53"),
            ("", ""),
            // Malformed URLs echoed in errors are redacted too.
            ("://u:p@h", "://***@h"),
            ("u:p@h:80/x", "***@h:80/x"),
            // Credential-like query parameters.
            ("http://h/x?token=abc&n=1", "http://h/x?token=***&n=1"),
            (
                "https://u:p@h/?X-Amz-Signature=f00&X-Amz-Credential=AK/1#top",
                "https://***@h/?X-Amz-Signature=***&X-Amz-Credential=***#top",
            ),
            (
                "http://h/?api_key=k&apikey=k2",
                "http://h/?api_key=***&apikey=***",
            ),
            ("http://h/?access_token=t", "http://h/?access_token=***"),
            ("http://h/?page=2&q=token", "http://h/?page=2&q=token"),
            ("http://h/?token=", "http://h/?token="),
            (
                "http://h/a?password=p#x?token=y",
                "http://h/a?password=***#x?token=y",
            ),
        ] {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn socket_errors_classified() {
        use std::io::{Error, ErrorKind};
        assert_eq!(
            classify_io(&Error::from(ErrorKind::ConnectionRefused)),
            ErrorClass::Refused
        );
        assert_eq!(
            classify_io(&Error::from(ErrorKind::TimedOut)),
            ErrorClass::Timeout
        );
        assert_eq!(
            classify_io(&Error::from_raw_os_error(113)),
            ErrorClass::Unreachable
        );
        assert_eq!(
            classify_io(&Error::from_raw_os_error(101)),
            ErrorClass::Unreachable
        );
        assert_eq!(
            classify_io(&Error::from(ErrorKind::ConnectionReset)),
            ErrorClass::Other
        );
    }
}

//! Aggregation of probe samples: percentiles per phase, error counts by class, the verdict.
//!
//! Pure: no I/O. Every number that reaches the JSON output is computed here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Why one attempt failed. The four classes the guide's failure table rests on
/// (`timeout`, `refused`, `nxdomain`, and everything else) plus finer ones that are reported
/// in their own counters so that "other" stays small.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// No answer within the timeout: something drops the packets (often a NetworkPolicy).
    Timeout,
    /// Connection refused: the address answers but nothing listens on the port.
    Refused,
    /// The name does not exist (DNS NXDOMAIN, or the system resolver's "not known").
    Nxdomain,
    /// No route to the host or network (ICMP unreachable, or a local route problem).
    Unreachable,
    /// DNS failed in another way: SERVFAIL, REFUSED rcode, no address for the name.
    Dns,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// An HTTP response arrived but its status is not a success (outside 200-399).
    Http,
    /// Anything else (reset, malformed response, local error).
    Other,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "timeout",
            ErrorClass::Refused => "refused",
            ErrorClass::Nxdomain => "nxdomain",
            ErrorClass::Unreachable => "unreachable",
            ErrorClass::Dns => "dns",
            ErrorClass::Tls => "tls",
            ErrorClass::Http => "http",
            ErrorClass::Other => "other",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Failure counts. Each failed attempt is counted in exactly one field.
/// `timeout`, `refused`, `nxdomain` and `other` are the stable fields of the interface;
/// the others refine what would otherwise be `other`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ErrorCounts {
    pub timeout: u64,
    pub refused: u64,
    pub nxdomain: u64,
    pub other: u64,
    pub unreachable: u64,
    pub dns: u64,
    pub tls: u64,
    pub http: u64,
}

impl ErrorCounts {
    pub fn add(&mut self, class: ErrorClass) {
        let slot = match class {
            ErrorClass::Timeout => &mut self.timeout,
            ErrorClass::Refused => &mut self.refused,
            ErrorClass::Nxdomain => &mut self.nxdomain,
            ErrorClass::Unreachable => &mut self.unreachable,
            ErrorClass::Dns => &mut self.dns,
            ErrorClass::Tls => &mut self.tls,
            ErrorClass::Http => &mut self.http,
            ErrorClass::Other => &mut self.other,
        };
        *slot += 1;
    }

    pub fn total(&self) -> u64 {
        self.timeout
            + self.refused
            + self.nxdomain
            + self.other
            + self.unreachable
            + self.dns
            + self.tls
            + self.http
    }

    /// Non-zero classes, most frequent first (ties in declaration order), for messages.
    pub fn nonzero(&self) -> Vec<(ErrorClass, u64)> {
        let mut v: Vec<(ErrorClass, u64)> = [
            (ErrorClass::Timeout, self.timeout),
            (ErrorClass::Refused, self.refused),
            (ErrorClass::Nxdomain, self.nxdomain),
            (ErrorClass::Unreachable, self.unreachable),
            (ErrorClass::Dns, self.dns),
            (ErrorClass::Tls, self.tls),
            (ErrorClass::Http, self.http),
            (ErrorClass::Other, self.other),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.1));
        v
    }
}

/// The phases a probe measures. Values are milliseconds from the start of the attempt at
/// which the phase ended, exactly like `curl -w` (`time_namelookup`, `time_connect`,
/// `time_appconnect`, `time_starttransfer`, `time_total`): each includes the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    Dns,
    Connect,
    Tls,
    Ttfb,
    Total,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Dns,
        Phase::Connect,
        Phase::Tls,
        Phase::Ttfb,
        Phase::Total,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Dns => "dns",
            Phase::Connect => "connect",
            Phase::Tls => "tls",
            Phase::Ttfb => "ttfb",
            Phase::Total => "total",
        }
    }
}

/// Percentiles of one phase over the attempts that completed it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    /// How many attempts completed this phase (the sample size behind the percentiles).
    pub n: u64,
}

/// Nearest-rank percentile (the smallest sample such that at least `q` of all samples are
/// less than or equal to it). `sorted` must be sorted ascending and non-empty.
pub fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let rank = (q * n as f64).ceil() as usize;
    let idx = rank.clamp(1, n) - 1;
    sorted[idx]
}

/// Rounds to microsecond precision so the JSON does not carry float noise.
pub fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

impl Percentiles {
    /// `None` when there is no sample.
    pub fn of(samples: &[f64]) -> Option<Percentiles> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Percentiles {
            p50: round_ms(nearest_rank(&sorted, 0.50)),
            p90: round_ms(nearest_rank(&sorted, 0.90)),
            p99: round_ms(nearest_rank(&sorted, 0.99)),
            max: round_ms(sorted[sorted.len() - 1]),
            n: sorted.len() as u64,
        })
    }
}

/// `phases_ms` of the interface: only the phases this kind of probe measured and at least one
/// attempt completed are present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PhaseStats {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<Percentiles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect: Option<Percentiles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Percentiles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttfb: Option<Percentiles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Percentiles>,
}

impl PhaseStats {
    pub fn get(&self, phase: Phase) -> Option<&Percentiles> {
        match phase {
            Phase::Dns => self.dns.as_ref(),
            Phase::Connect => self.connect.as_ref(),
            Phase::Tls => self.tls.as_ref(),
            Phase::Ttfb => self.ttfb.as_ref(),
            Phase::Total => self.total.as_ref(),
        }
    }

    fn slot(&mut self, phase: Phase) -> &mut Option<Percentiles> {
        match phase {
            Phase::Dns => &mut self.dns,
            Phase::Connect => &mut self.connect,
            Phase::Tls => &mut self.tls,
            Phase::Ttfb => &mut self.ttfb,
            Phase::Total => &mut self.total,
        }
    }
}

/// Timestamps of one attempt, milliseconds since its start; `None` for a phase not reached
/// (or not part of this kind of probe).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhaseTimes {
    pub dns: Option<f64>,
    pub connect: Option<f64>,
    pub tls: Option<f64>,
    pub ttfb: Option<f64>,
    pub total: Option<f64>,
}

impl PhaseTimes {
    pub fn get(&self, phase: Phase) -> Option<f64> {
        match phase {
            Phase::Dns => self.dns,
            Phase::Connect => self.connect,
            Phase::Tls => self.tls,
            Phase::Ttfb => self.ttfb,
            Phase::Total => self.total,
        }
    }

    /// The TCP handshake alone (connect minus name lookup): what the connect threshold judges.
    pub fn handshake(&self) -> Option<f64> {
        self.connect.map(|c| (c - self.dns.unwrap_or(0.0)).max(0.0))
    }
}

/// The thresholds of the verdict. Defaults are the guide's: DNS slower than 100 ms, a TCP
/// connect (pod to pod across nodes) slower than 20 ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub dns_slow_ms: f64,
    pub connect_slow_ms: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            dns_slow_ms: 100.0,
            connect_slow_ms: 20.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    Slow,
    Failing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Slow => "slow",
            Verdict::Failing => "failing",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Collects samples as attempts finish.
#[derive(Debug, Default, Clone)]
pub struct Accumulator {
    pub count: u64,
    pub ok: u64,
    pub errors: ErrorCounts,
    phases: BTreeMap<Phase, Vec<f64>>,
    handshakes: Vec<f64>,
    /// The latest failure message (the most useful single line for a human).
    pub last_error: Option<String>,
}

impl Accumulator {
    pub fn record(&mut self, times: &PhaseTimes, failure: Option<(ErrorClass, &str)>) {
        self.count += 1;
        for phase in Phase::ALL {
            if let Some(ms) = times.get(phase) {
                self.phases.entry(phase).or_default().push(ms);
            }
        }
        if let Some(h) = times.handshake() {
            self.handshakes.push(h);
        }
        match failure {
            None => self.ok += 1,
            Some((class, message)) => {
                self.errors.add(class);
                self.last_error = Some(message.to_string());
            }
        }
    }

    pub fn phase_stats(&self) -> PhaseStats {
        let mut stats = PhaseStats::default();
        for (phase, samples) in &self.phases {
            *stats.slot(*phase) = Percentiles::of(samples);
        }
        stats
    }

    /// p90 of the TCP handshake alone (connect minus DNS), for the connect threshold.
    pub fn handshake_p90(&self) -> Option<f64> {
        Percentiles::of(&self.handshakes).map(|p| p.p90)
    }
}

/// The verdict with the reasons that led to it (one line each, values compared).
///
/// `failing`: at least one attempt failed (a probe that fails one time in twenty is an
/// intermittent failure, which the guide treats as a failure to investigate).
/// `slow`: every attempt succeeded but a threshold is crossed: the p90 of the DNS time
/// (`dns` phase of tcp/http, `total` of a dns probe) above `dns_slow_ms`, or the p90 of the
/// TCP handshake (connect minus name lookup) above `connect_slow_ms`.
pub fn judge(
    acc: &Accumulator,
    dns_p90: Option<f64>,
    thresholds: &Thresholds,
) -> (Verdict, Vec<String>) {
    let mut reasons = Vec::new();
    if acc.count == 0 {
        return (Verdict::Failing, vec!["no attempt was made".to_string()]);
    }
    let failed = acc.errors.total();
    if failed > 0 {
        let classes: Vec<String> = acc
            .errors
            .nonzero()
            .into_iter()
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        reasons.push(format!(
            "{failed} of {} attempts failed ({})",
            acc.count,
            classes.join(", ")
        ));
        return (Verdict::Failing, reasons);
    }
    if let Some(p90) = dns_p90 {
        if p90 > thresholds.dns_slow_ms {
            reasons.push(format!(
                "DNS p90 {} ms > {} ms",
                round_ms(p90),
                thresholds.dns_slow_ms
            ));
        }
    }
    if let Some(p90) = acc.handshake_p90() {
        if p90 > thresholds.connect_slow_ms {
            reasons.push(format!(
                "TCP connect p90 {} ms > {} ms",
                round_ms(p90),
                thresholds.connect_slow_ms
            ));
        }
    }
    if reasons.is_empty() {
        (Verdict::Ok, reasons)
    } else {
        (Verdict::Slow, reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_of_one_to_hundred() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = Percentiles::of(&v).unwrap();
        assert_eq!(
            (p.p50, p.p90, p.p99, p.max, p.n),
            (50.0, 90.0, 99.0, 100.0, 100)
        );
    }

    #[test]
    fn percentiles_of_few_samples_pick_real_samples() {
        // Unsorted input; nearest rank never interpolates.
        let p = Percentiles::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((p.p50, p.p90, p.p99, p.max), (2.0, 3.0, 3.0, 3.0));
        let p = Percentiles::of(&[7.5]).unwrap();
        assert_eq!((p.p50, p.p90, p.p99, p.max), (7.5, 7.5, 7.5, 7.5));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        let p = Percentiles::of(&ten).unwrap();
        assert_eq!((p.p50, p.p90, p.p99), (5.0, 9.0, 10.0));
        assert!(Percentiles::of(&[]).is_none());
        assert!(Percentiles::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn rounding_keeps_microseconds() {
        assert_eq!(round_ms(1.234_567), 1.235);
        assert_eq!(round_ms(0.000_4), 0.0);
    }

    fn ok_times(dns: f64, connect: f64) -> PhaseTimes {
        PhaseTimes {
            dns: Some(dns),
            connect: Some(connect),
            total: Some(connect),
            ..Default::default()
        }
    }

    #[test]
    fn verdict_ok_slow_failing() {
        let t = Thresholds::default();
        let mut acc = Accumulator::default();
        for _ in 0..10 {
            acc.record(&ok_times(1.0, 3.0), None);
        }
        assert_eq!(judge(&acc, Some(1.0), &t).0, Verdict::Ok);

        // Slow connect: handshake = connect - dns = 30 ms > 20 ms on every attempt.
        let mut slow = Accumulator::default();
        for _ in 0..10 {
            slow.record(&ok_times(1.0, 31.0), None);
        }
        let (v, reasons) = judge(&slow, Some(1.0), &t);
        assert_eq!(v, Verdict::Slow);
        assert_eq!(reasons, vec!["TCP connect p90 30 ms > 20 ms".to_string()]);

        // A slow DNS lookup alone does not make the connect slow (the handshake excludes it).
        let mut slow_dns = Accumulator::default();
        for _ in 0..10 {
            slow_dns.record(&ok_times(150.0, 151.0), None);
        }
        let (v, reasons) = judge(&slow_dns, Some(150.0), &t);
        assert_eq!(v, Verdict::Slow);
        assert_eq!(reasons, vec!["DNS p90 150 ms > 100 ms".to_string()]);

        // One failure in ten: failing, with the class named.
        let mut flaky = Accumulator::default();
        for _ in 0..9 {
            flaky.record(&ok_times(1.0, 3.0), None);
        }
        flaky.record(
            &PhaseTimes {
                dns: Some(1.0),
                ..Default::default()
            },
            Some((ErrorClass::Refused, "connection refused")),
        );
        let (v, reasons) = judge(&flaky, Some(1.0), &t);
        assert_eq!(v, Verdict::Failing);
        assert_eq!(
            reasons,
            vec!["1 of 10 attempts failed (1 refused)".to_string()]
        );
        assert_eq!(flaky.errors.refused, 1);
        assert_eq!(flaky.ok, 9);
        // The DNS phase counts the failed attempt too (it got that far), connect does not.
        let stats = flaky.phase_stats();
        assert_eq!(stats.dns.unwrap().n, 10);
        assert_eq!(stats.connect.unwrap().n, 9);
        assert!(stats.tls.is_none());
    }

    #[test]
    fn p90_threshold_ignores_one_outlier_in_ten() {
        let t = Thresholds::default();
        let mut acc = Accumulator::default();
        for _ in 0..9 {
            acc.record(&ok_times(0.0, 2.0), None);
        }
        acc.record(&ok_times(0.0, 500.0), None);
        assert_eq!(judge(&acc, None, &t).0, Verdict::Ok);
        assert_eq!(acc.phase_stats().connect.unwrap().max, 500.0);
    }

    #[test]
    fn thresholds_are_configurable() {
        let t = Thresholds {
            dns_slow_ms: 1000.0,
            connect_slow_ms: 1.0,
        };
        let mut acc = Accumulator::default();
        acc.record(&ok_times(0.0, 2.0), None);
        assert_eq!(judge(&acc, Some(500.0), &t).0, Verdict::Slow);
    }

    #[test]
    fn error_counts_serialize_with_stable_fields() {
        let mut e = ErrorCounts::default();
        e.add(ErrorClass::Timeout);
        e.add(ErrorClass::Nxdomain);
        e.add(ErrorClass::Nxdomain);
        let v = serde_json::to_value(&e).unwrap();
        for k in ["timeout", "refused", "nxdomain", "other"] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(v["nxdomain"], 2);
        assert_eq!(e.total(), 3);
        assert_eq!(e.nonzero()[0], (ErrorClass::Nxdomain, 2));
    }
}

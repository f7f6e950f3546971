//! The agent's Prometheus metrics, under the names of `netdoctor_core::metrics` (the alerts
//! query the same constants). Encoded as Prometheus text (0.0.4) or OpenMetrics.
//!
//! Cardinality is bounded by the config: every series is labelled by a configured target
//! (or a peer node pair), and the series of a target removed by a reload are deleted.

use super::config::{Kind, Target};
use crate::probe::{ErrorClass, Sample, Thresholds};
use netdoctor_core::metrics as names;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// Probe latency buckets (seconds). They hold the alert thresholds exactly (5 ms, 20 ms,
/// 100 ms) so that `histogram_quantile` is exact where the alerts compare.
pub const PROBE_BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Peer round-trip buckets (seconds), finer at the bottom: same-node RTTs are sub-millisecond.
pub const RTT_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// `result` label values (netdoctor_core::metrics): ok, timeout, refused, nxdomain,
/// unreachable, error.
pub const RESULTS: [&str; 6] = [
    "ok",
    "timeout",
    "refused",
    "nxdomain",
    "unreachable",
    "error",
];
/// `reason` label values of the failure counter: the probe's error classes.
pub const REASONS: [ErrorClass; 8] = [
    ErrorClass::Timeout,
    ErrorClass::Refused,
    ErrorClass::Nxdomain,
    ErrorClass::Unreachable,
    ErrorClass::Dns,
    ErrorClass::Tls,
    ErrorClass::Http,
    ErrorClass::Other,
];
/// `kind` of the probe counters for peer round trips.
pub const PEER_KIND: &str = "peer";
pub const PHASES: [&str; 5] = ["dns", "connect", "tls", "ttfb", "total"];

/// The `result` class of an attempt.
pub fn result_class(failure: Option<ErrorClass>) -> &'static str {
    match failure {
        None => "ok",
        Some(ErrorClass::Timeout) => "timeout",
        Some(ErrorClass::Refused) => "refused",
        Some(ErrorClass::Nxdomain) => "nxdomain",
        Some(ErrorClass::Unreachable) => "unreachable",
        Some(ErrorClass::Dns | ErrorClass::Tls | ErrorClass::Http | ErrorClass::Other) => "error",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DnsLabels {
    pub target: String,
    pub server: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TcpLabels {
    pub target: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub target: String,
    pub phase: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProbeLabels {
    pub kind: String,
    pub target: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    pub kind: String,
    pub target: String,
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SlowLabels {
    pub kind: String,
    pub target: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PeerLabels {
    pub source_node: String,
    pub destination_node: String,
    pub same_node: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ContradictionLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    pub version: String,
}

#[derive(Clone, Copy)]
pub struct Buckets(&'static [f64]);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

type Hist<L> = Family<L, Histogram, Buckets>;

pub struct Metrics {
    registry: Registry,
    pub dns: Hist<DnsLabels>,
    pub tcp: Hist<TcpLabels>,
    pub http: Hist<HttpLabels>,
    pub peer_rtt: Hist<PeerLabels>,
    pub probes: Family<ProbeLabels, Counter>,
    pub failures: Family<FailureLabels, Counter>,
    pub slow: Family<SlowLabels, Counter>,
    pub reload_ok: Gauge,
    pub reload_time: Gauge<f64, AtomicU64>,
    pub targets: Gauge,
    pub peers: Gauge,
    pub peer_discovery_failures: Counter,
    /// Results that contradict the model (`--model`), by contradiction class.
    pub contradictions: Family<ContradictionLabels, Counter>,
}

/// A counter's registered name: the encoder appends `_total`.
fn counter_name(full: &'static str) -> &'static str {
    full.strip_suffix("_total").unwrap_or(full)
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let dns = Hist::<DnsLabels>::new_with_constructor(Buckets(&PROBE_BUCKETS));
        let tcp = Hist::<TcpLabels>::new_with_constructor(Buckets(&PROBE_BUCKETS));
        let http = Hist::<HttpLabels>::new_with_constructor(Buckets(&PROBE_BUCKETS));
        let peer_rtt = Hist::<PeerLabels>::new_with_constructor(Buckets(&RTT_BUCKETS));
        let probes = Family::<ProbeLabels, Counter>::default();
        let failures = Family::<FailureLabels, Counter>::default();
        let slow = Family::<SlowLabels, Counter>::default();
        let reload_ok = Gauge::default();
        let reload_time = Gauge::<f64, AtomicU64>::default();
        let targets = Gauge::default();
        let peers = Gauge::default();
        let peer_discovery_failures = Counter::default();
        let contradictions = Family::<ContradictionLabels, Counter>::default();
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
            })
            .set(1);
        registry.register(
            names::DNS_LOOKUP_SECONDS,
            "Time of one DNS resolution (every query the resolver sends), by target, server and result",
            dns.clone(),
        );
        registry.register(
            names::TCP_CONNECT_SECONDS,
            "Time of one TCP handshake (name lookup excluded), by target and result; for a failure, the time until it failed",
            tcp.clone(),
        );
        registry.register(
            names::HTTP_PHASE_SECONDS,
            "Phases of one HTTP request, each measured from the start of the request as curl -w reports them (dns, connect, tls, ttfb, total), by target and result",
            http.clone(),
        );
        registry.register(
            names::PEER_RTT_SECONDS,
            "TCP handshake round trip to another monitor pod, by source and destination node",
            peer_rtt.clone(),
        );
        registry.register(
            counter_name(names::PROBES_TOTAL),
            "Probe attempts, by kind, target and result",
            probes.clone(),
        );
        registry.register(
            counter_name(names::PROBE_FAILURES_TOTAL),
            "Failed probe attempts, by kind, target and reason",
            failures.clone(),
        );
        registry.register(
            counter_name(names::PROBE_SLOW_TOTAL),
            "Successful probe attempts slower than the configured threshold (thresholds.dns_ms, thresholds.connect_ms)",
            slow.clone(),
        );
        registry.register(
            names::CONFIG_RELOAD_SUCCESS,
            "1 when the last load of the config file succeeded, 0 when it was rejected and the previous config kept",
            reload_ok.clone(),
        );
        registry.register(
            names::CONFIG_RELOAD_TIMESTAMP,
            "Unix time of the last successful config load",
            reload_time.clone(),
        );
        registry.register(
            names::TARGETS,
            "Targets in the config in force",
            targets.clone(),
        );
        registry.register(
            names::PEERS,
            "Peer monitor pods found at the last discovery",
            peers.clone(),
        );
        registry.register(
            counter_name(names::PEER_DISCOVERY_FAILURES_TOTAL),
            "Peer discoveries that failed (the API could not be read)",
            peer_discovery_failures.clone(),
        );
        registry.register(
            counter_name(names::MODEL_CONTRADICTIONS_TOTAL),
            "Peer and DNS results that contradict the model's verdict for the same path (--model), by contradiction class",
            contradictions.clone(),
        );
        registry.register(
            names::BUILD_INFO,
            "Always 1; the labels say which netdoctor runs",
            build,
        );
        Metrics {
            registry,
            dns,
            tcp,
            http,
            peer_rtt,
            probes,
            failures,
            slow,
            reload_ok,
            reload_time,
            targets,
            peers,
            peer_discovery_failures,
            contradictions,
        }
    }

    /// Encodes every metric: OpenMetrics text when `openmetrics`, else Prometheus text 0.0.4.
    pub fn encode(&self, openmetrics: bool) -> String {
        let mut out = String::with_capacity(64 * 1024);
        let res = if openmetrics {
            prometheus_client::encoding::text::encode(&mut out, &self.registry)
        } else {
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
        };
        // Writing into a String cannot fail; an error would be a bug in a label encoder.
        if res.is_err() {
            out.clear();
        }
        out
    }

    /// Creates the series every target has from the start (its `ok` counter at 0), so that
    /// "no success in 5m" alerts can see a target that never succeeded.
    pub fn add_target(&self, t: &Target) {
        let _ = self.probes.get_or_create(&ProbeLabels {
            kind: t.kind.as_str().to_string(),
            target: t.target.clone(),
            result: "ok".to_string(),
        });
    }

    /// Deletes every series of a target (after a reload removed it).
    pub fn remove_target(&self, t: &Target) {
        for result in RESULTS {
            let result = result.to_string();
            match t.kind {
                Kind::Dns => {
                    self.dns.remove(&DnsLabels {
                        target: t.target.clone(),
                        server: t.server.clone(),
                        result: result.clone(),
                    });
                }
                Kind::Tcp => {
                    self.tcp.remove(&TcpLabels {
                        target: t.target.clone(),
                        result: result.clone(),
                    });
                }
                Kind::Http => {
                    for phase in PHASES {
                        self.http.remove(&HttpLabels {
                            target: t.target.clone(),
                            phase: phase.to_string(),
                            result: result.clone(),
                        });
                    }
                }
            }
        }
        self.remove_counts(t.kind.as_str(), &t.target);
    }

    /// Records one attempt of `t`. `elapsed` (seconds) is the attempt's whole time, used for
    /// failures (which may not have reached the phase the histogram measures).
    pub fn record(&self, t: &Target, sample: &Sample, elapsed: f64, thresholds: &Thresholds) {
        let class = sample.failure.as_ref().map(|f| f.class);
        let result = result_class(class).to_string();
        let kind = t.kind.as_str();
        let secs = |ms: Option<f64>| ms.map(|v| v / 1000.0);
        let mut slow = false;
        match t.kind {
            Kind::Dns => {
                let v = if class.is_none() {
                    secs(sample.times.total)
                } else {
                    None
                };
                let v = v.unwrap_or(elapsed);
                slow = class.is_none() && v * 1000.0 > thresholds.dns_slow_ms;
                self.dns
                    .get_or_create(&DnsLabels {
                        target: t.target.clone(),
                        server: t.server.clone(),
                        result: result.clone(),
                    })
                    .observe(v);
            }
            Kind::Tcp => {
                let handshake = match (sample.times.connect, class) {
                    (Some(c), None) => {
                        Some((c - sample.times.dns.unwrap_or(0.0)).max(0.0) / 1000.0)
                    }
                    _ => None,
                };
                if let Some(h) = handshake {
                    slow = h * 1000.0 > thresholds.connect_slow_ms;
                }
                self.tcp
                    .get_or_create(&TcpLabels {
                        target: t.target.clone(),
                        result: result.clone(),
                    })
                    .observe(handshake.unwrap_or(elapsed));
            }
            Kind::Http => {
                let times = &sample.times;
                let mut phases = [
                    ("dns", secs(times.dns)),
                    ("connect", secs(times.connect)),
                    ("tls", secs(times.tls)),
                    ("ttfb", secs(times.ttfb)),
                    ("total", secs(times.total)),
                ];
                if class.is_some() {
                    // As curl reports time_total on failure: the time until it failed.
                    phases[4].1 = Some(elapsed);
                }
                for (phase, v) in phases {
                    if let Some(v) = v {
                        self.http
                            .get_or_create(&HttpLabels {
                                target: t.target.clone(),
                                phase: phase.to_string(),
                                result: result.clone(),
                            })
                            .observe(v);
                    }
                }
                if class.is_none() {
                    if let (Some(c), Some(d)) = (times.connect, times.dns) {
                        slow |= c - d > thresholds.connect_slow_ms;
                    }
                    if let Some(d) = times.dns {
                        slow |= d > thresholds.dns_slow_ms;
                    }
                }
            }
        }
        self.count(kind, &t.target, class);
        if slow {
            self.slow
                .get_or_create(&SlowLabels {
                    kind: kind.to_string(),
                    target: t.target.clone(),
                })
                .inc();
        }
    }

    /// Records one peer round trip (seconds), or its failure. Peers count in the probe
    /// counters as kind `peer`, target the destination node.
    pub fn record_peer(&self, source: &str, destination: &str, rtt: Result<f64, ErrorClass>) {
        if let Ok(rtt) = rtt {
            self.peer_rtt
                .get_or_create(&peer_labels(source, destination))
                .observe(rtt);
        }
        self.count(PEER_KIND, destination, rtt.err());
    }

    /// Deletes the series of a peer node that has no monitor pod any more.
    pub fn remove_peer(&self, source: &str, destination: &str) {
        self.peer_rtt.remove(&peer_labels(source, destination));
        self.remove_counts(PEER_KIND, destination);
    }

    fn count(&self, kind: &str, target: &str, class: Option<ErrorClass>) {
        self.probes
            .get_or_create(&ProbeLabels {
                kind: kind.to_string(),
                target: target.to_string(),
                result: result_class(class).to_string(),
            })
            .inc();
        if let Some(class) = class {
            self.failures
                .get_or_create(&FailureLabels {
                    kind: kind.to_string(),
                    target: target.to_string(),
                    reason: class.as_str().to_string(),
                })
                .inc();
        }
    }

    fn remove_counts(&self, kind: &str, target: &str) {
        for result in RESULTS {
            self.probes.remove(&ProbeLabels {
                kind: kind.to_string(),
                target: target.to_string(),
                result: result.to_string(),
            });
        }
        for reason in REASONS {
            self.failures.remove(&FailureLabels {
                kind: kind.to_string(),
                target: target.to_string(),
                reason: reason.as_str().to_string(),
            });
        }
        self.slow.remove(&SlowLabels {
            kind: kind.to_string(),
            target: target.to_string(),
        });
    }
}

fn peer_labels(source: &str, destination: &str) -> PeerLabels {
    PeerLabels {
        source_node: source.to_string(),
        destination_node: destination.to_string(),
        same_node: (source == destination).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::config;
    use crate::probe::{Failure, PhaseTimes};

    fn targets() -> Vec<Target> {
        config::parse(
            "targets:\n - {kind: tcp, target: '127.0.0.1:80'}\n - {kind: http, target: 'http://127.0.0.1:80/'}\n - {kind: dns, target: a.example, server: '127.0.0.1:5353'}\n",
            &|| Err("none".to_string()),
        )
        .unwrap()
        .targets
    }

    #[test]
    fn names_and_labels_are_the_cores() {
        let m = Metrics::new();
        let ts = targets();
        for t in &ts {
            m.add_target(t);
        }
        let ok = Sample {
            times: PhaseTimes {
                dns: Some(0.1),
                connect: Some(0.6),
                tls: None,
                ttfb: Some(2.0),
                total: Some(3.0),
            },
            ..Default::default()
        };
        let refused = Sample {
            failure: Some(Failure::new(ErrorClass::Refused, "refused")),
            ..Default::default()
        };
        let th = Thresholds::default();
        m.record(&ts[0], &ok, 0.001, &th);
        m.record(&ts[0], &refused, 0.001, &th);
        m.record(&ts[1], &ok, 0.003, &th);
        m.record(&ts[2], &ok, 0.003, &th);
        m.record_peer("node-a", "node-b", Ok(0.0004));
        let text = m.encode(false);
        for want in [
            "# TYPE netdoctor_tcp_connect_duration_seconds histogram",
            "netdoctor_tcp_connect_duration_seconds_bucket{target=\"127.0.0.1:80\",result=\"ok\",le=\"0.001\"} 1",
            "netdoctor_tcp_connect_duration_seconds_count{target=\"127.0.0.1:80\",result=\"refused\"} 1",
            "netdoctor_http_phase_duration_seconds_count{target=\"http://127.0.0.1:80/\",phase=\"ttfb\",result=\"ok\"} 1",
            "netdoctor_dns_lookup_duration_seconds_count{target=\"a.example\",server=\"127.0.0.1:5353\",result=\"ok\"} 1",
            "netdoctor_probes_total{kind=\"tcp\",target=\"127.0.0.1:80\",result=\"refused\"} 1",
            "netdoctor_probe_failures_total{kind=\"tcp\",target=\"127.0.0.1:80\",reason=\"refused\"} 1",
            "netdoctor_peer_rtt_seconds_count{source_node=\"node-a\",destination_node=\"node-b\",same_node=\"false\"} 1",
            "netdoctor_build_info{version=\"",
            "# TYPE netdoctor_probes_total counter",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
        assert!(!text.contains("# EOF"));
        let om = m.encode(true);
        assert!(om.ends_with("# EOF\n"), "{om}");
        assert!(om.contains("netdoctor_probes_total{kind=\"tcp\""));
        // A removed target leaves no series behind.
        m.remove_target(&ts[0]);
        let text = m.encode(false);
        assert!(!text.contains("127.0.0.1:80\""), "{text}");
        assert!(text.contains("http://127.0.0.1:80/"));
    }

    #[test]
    fn result_classes_are_the_documented_ones() {
        for c in REASONS {
            assert!(RESULTS.contains(&result_class(Some(c))));
        }
        assert_eq!(result_class(None), "ok");
    }
}

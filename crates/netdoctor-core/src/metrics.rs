//! The Prometheus metrics the monitor agent exports, named once so that the agent, the
//! alert rules (`netdoctor alerts`) and their tests cannot drift apart.
//!
//! Labels: `target` is the probe target as configured; `result` is `ok`, `timeout`,
//! `refused`, `nxdomain`, `unreachable` or `error`; `kind` is `dns`, `tcp` or `http`.

/// Histogram (seconds) of one DNS lookup. Labels: `target`, `server`, `result`.
pub const DNS_LOOKUP_SECONDS: &str = "netdoctor_dns_lookup_duration_seconds";
/// Histogram (seconds) of one TCP connect. Labels: `target`, `result`.
pub const TCP_CONNECT_SECONDS: &str = "netdoctor_tcp_connect_duration_seconds";
/// Histogram (seconds) of the phases of one HTTP request. Labels: `target`,
/// `phase` (`dns`, `connect`, `tls`, `ttfb`, `total`), `result`.
pub const HTTP_PHASE_SECONDS: &str = "netdoctor_http_phase_duration_seconds";
/// Counter of probes run. Labels: `kind`, `target`, `result`.
pub const PROBES_TOTAL: &str = "netdoctor_probes_total";
/// Counter of failed probes. Labels: `kind`, `target`, `reason`.
pub const PROBE_FAILURES_TOTAL: &str = "netdoctor_probe_failures_total";
/// Histogram (seconds) of the round trip between two monitor pods. Labels:
/// `source_node`, `destination_node`, `same_node` (`true`/`false`).
pub const PEER_RTT_SECONDS: &str = "netdoctor_peer_rtt_seconds";
/// Gauge, always 1. Labels: `version`.
pub const BUILD_INFO: &str = "netdoctor_build_info";

/// The guide's thresholds (seconds): DNS p95 slow above 100 ms; pod-to-pod RTT slow above
/// 5 ms on one node and 20 ms across nodes.
pub const DNS_SLOW_SECONDS: f64 = 0.1;
pub const SAME_NODE_RTT_SECONDS: f64 = 0.005;
pub const CROSS_NODE_RTT_SECONDS: f64 = 0.02;

// The monitor's own health (not used by the alerts of `netdoctor alerts` yet).

/// Counter of successful probes that crossed a configured threshold (`thresholds.dns_ms` for
/// the DNS lookup, `thresholds.connect_ms` for the TCP handshake). Labels: `kind`, `target`.
pub const PROBE_SLOW_TOTAL: &str = "netdoctor_probe_slow_total";
/// Gauge: 1 when the last (re)load of the config file succeeded, 0 when it was rejected (the
/// previous config stays in force).
pub const CONFIG_RELOAD_SUCCESS: &str = "netdoctor_config_last_reload_successful";
/// Gauge: Unix time of the last successful config (re)load.
pub const CONFIG_RELOAD_TIMESTAMP: &str = "netdoctor_config_last_reload_success_timestamp_seconds";
/// Gauge: targets in the config in force.
pub const TARGETS: &str = "netdoctor_monitor_targets";
/// Gauge: peer monitor pods found at the last discovery.
pub const PEERS: &str = "netdoctor_monitor_peers";
/// Counter of failed peer discoveries (the API could not be read).
pub const PEER_DISCOVERY_FAILURES_TOTAL: &str = "netdoctor_peer_discovery_failures_total";

// The model held against the network (`monitor --peers --model`).

/// Counter of monitor results that contradict the model's verdict for the same path.
/// Label `kind`: `allowed-but-timeout`, `allowed-but-fails`, `denied-but-connects`,
/// `resolves-differently`, `slower-than-threshold` (docs/in-pod.md).
pub const MODEL_CONTRADICTIONS_TOTAL: &str = "netdoctor_model_contradictions_total";

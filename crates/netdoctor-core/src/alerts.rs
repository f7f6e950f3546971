//! Alert rules for the metrics netdoctor's monitor and CoreDNS export. Rendered by
//! `netdoctor alerts` as a PrometheusRule (prometheus-operator) or, with `--plain`, as a
//! Prometheus rules file that `promtool check rules` accepts.

use crate::metrics::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct AlertRule {
    pub alert: String,
    pub expr: String,
    #[serde(rename = "for")]
    pub for_: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleGroup {
    pub name: String,
    pub interval: String,
    pub rules: Vec<AlertRule>,
}

/// Where the runbooks are: `docs/runbooks.md`, one section per alert, its anchor the
/// alert's name in lower case.
pub const RUNBOOK_BASE: &str = "https://github.com/netdoctor/netdoctor/blob/main/docs/runbooks.md";

/// The `runbook_url` of an alert.
pub fn runbook_url(alert: &str) -> String {
    format!("{RUNBOOK_BASE}#{}", alert.to_ascii_lowercase())
}

fn rule(
    alert: &str,
    expr: String,
    for_: &str,
    severity: &str,
    summary: &str,
    description: &str,
) -> AlertRule {
    AlertRule {
        alert: alert.to_string(),
        expr,
        for_: for_.to_string(),
        labels: BTreeMap::from([("severity".to_string(), severity.to_string())]),
        annotations: BTreeMap::from([
            ("summary".to_string(), summary.to_string()),
            ("description".to_string(), description.to_string()),
            ("runbook_url".to_string(), runbook_url(alert)),
        ]),
    }
}

fn ms(seconds: f64) -> String {
    format!("{}ms", (seconds * 1000.0).round())
}

/// Every alert group, in the order they are written.
pub fn groups() -> Vec<RuleGroup> {
    vec![
        RuleGroup {
            name: "netdoctor.probes".into(),
            interval: "30s".into(),
            rules: vec![
                rule(
                    "NetdoctorDNSLatencyHigh",
                    format!(
                        "histogram_quantile(0.95, sum by (le, target) (rate({DNS_LOOKUP_SECONDS}_bucket[5m]))) > {DNS_SLOW_SECONDS}"
                    ),
                    "5m",
                    "warning",
                    &format!("DNS lookups of {{{{ $labels.target }}}} are slow (p95 above {})", ms(DNS_SLOW_SECONDS)),
                    "The 95th percentile of DNS lookup time measured by netdoctor is {{ $value | humanizeDuration }}. Check CoreDNS load (kubectl top pod -n kube-system -l k8s-app=kube-dns), its logs, and search-path expansion (ndots).",
                ),
                rule(
                    "NetdoctorDNSFailureRatioHigh",
                    format!(
                        "sum by (target) (rate({PROBE_FAILURES_TOTAL}{{kind=\"dns\"}}[5m])) / sum by (target) (rate({PROBES_TOTAL}{{kind=\"dns\"}}[5m])) > 0.05"
                    ),
                    "5m",
                    "warning",
                    "More than 5% of DNS lookups of {{ $labels.target }} fail",
                    "{{ $value | humanizePercentage }} of DNS probes fail (timeouts, NXDOMAIN, SERVFAIL). Run `netdoctor dns check`.",
                ),
                rule(
                    "NetdoctorProbeFailing",
                    format!(
                        "sum by (kind, target) (rate({PROBES_TOTAL}{{result=\"ok\"}}[5m])) == 0 and sum by (kind, target) (rate({PROBES_TOTAL}[5m])) > 0"
                    ),
                    "5m",
                    "critical",
                    "Every {{ $labels.kind }} probe of {{ $labels.target }} fails",
                    "No probe of {{ $labels.target }} has succeeded for 5 minutes. Run `netdoctor trace` from an affected pod to the target.",
                ),
                rule(
                    "NetdoctorTCPConnectSlow",
                    format!(
                        "histogram_quantile(0.90, sum by (le, target) (rate({TCP_CONNECT_SECONDS}_bucket{{result=\"ok\"}}[5m]))) > 0.02"
                    ),
                    "10m",
                    "warning",
                    "TCP connects to {{ $labels.target }} are slow (p90 above 20ms)",
                    "The 90th percentile of TCP connect time is {{ $value | humanizeDuration }}.",
                ),
                rule(
                    "NetdoctorPodToPodLatencySameNodeHigh",
                    format!(
                        "histogram_quantile(0.95, sum by (le, source_node, destination_node) (rate({PEER_RTT_SECONDS}_bucket{{same_node=\"true\"}}[5m]))) > {SAME_NODE_RTT_SECONDS}"
                    ),
                    "10m",
                    "warning",
                    &format!("Pod-to-pod latency on node {{{{ $labels.source_node }}}} is above {}", ms(SAME_NODE_RTT_SECONDS)),
                    "Same-node round trips should stay under 5ms; p95 is {{ $value | humanizeDuration }}. Check the CNI and node load.",
                ),
                rule(
                    "NetdoctorPodToPodLatencyCrossNodeHigh",
                    format!(
                        "histogram_quantile(0.95, sum by (le, source_node, destination_node) (rate({PEER_RTT_SECONDS}_bucket{{same_node=\"false\"}}[5m]))) > {CROSS_NODE_RTT_SECONDS}"
                    ),
                    "10m",
                    "warning",
                    &format!("Pod-to-pod latency from {{{{ $labels.source_node }}}} to {{{{ $labels.destination_node }}}} is above {}", ms(CROSS_NODE_RTT_SECONDS)),
                    "Cross-node round trips should stay under 20ms; p95 is {{ $value | humanizeDuration }}.",
                ),
            ],
        },
        RuleGroup {
            name: "netdoctor.coredns".into(),
            interval: "30s".into(),
            rules: vec![
                rule(
                    "NetdoctorCoreDNSLatencyHigh",
                    format!(
                        "histogram_quantile(0.95, sum by (le, server) (rate(coredns_dns_request_duration_seconds_bucket[5m]))) > {DNS_SLOW_SECONDS}"
                    ),
                    "5m",
                    "warning",
                    "CoreDNS answers slowly (p95 above 100ms)",
                    "CoreDNS request duration p95 is {{ $value | humanizeDuration }} on {{ $labels.server }}. Scale CoreDNS or check its upstreams.",
                ),
                rule(
                    "NetdoctorCoreDNSErrorRatioHigh",
                    "sum by (server) (rate(coredns_dns_responses_total{rcode=\"SERVFAIL\"}[5m])) / sum by (server) (rate(coredns_dns_responses_total[5m])) > 0.01".into(),
                    "5m",
                    "warning",
                    "More than 1% of CoreDNS answers are SERVFAIL",
                    "{{ $value | humanizePercentage }} of responses on {{ $labels.server }} are SERVFAIL: usually an unreachable upstream.",
                ),
                rule(
                    "NetdoctorCoreDNSForwardLatencyHigh",
                    "histogram_quantile(0.95, sum by (le, to) (rate(coredns_forward_request_duration_seconds_bucket[5m]))) > 0.2 or histogram_quantile(0.95, sum by (le, to) (rate(coredns_proxy_request_duration_seconds_bucket[5m]))) > 0.2".into(),
                    "5m",
                    "warning",
                    "CoreDNS upstream {{ $labels.to }} is slow (p95 above 200ms)",
                    "Forwarded queries to {{ $labels.to }} take {{ $value | humanizeDuration }} at p95 (coredns_forward_* before CoreDNS 1.11, coredns_proxy_* after).",
                ),
                rule(
                    "NetdoctorCoreDNSForwardHealthcheckFailing",
                    "sum by (to) (rate(coredns_forward_healthcheck_failures_total[5m])) > 0 or sum by (to) (rate(coredns_proxy_healthcheck_failures_total[5m])) > 0".into(),
                    "5m",
                    "warning",
                    "CoreDNS health checks of upstream {{ $labels.to }} fail",
                    "CoreDNS cannot reach its upstream resolver {{ $labels.to }}; names outside the cluster will fail or time out.",
                ),
            ],
        },
        RuleGroup {
            name: "netdoctor.network".into(),
            interval: "30s".into(),
            rules: vec![
                // The guide named this alert HighNetworkLatency, but the expression counts
                // transmit errors: it is named for what it measures (with the prefix every
                // netdoctor alert has, so none collides with the coredns or kubernetes mixins).
                rule(
                    "NetdoctorPodNetworkTransmitErrors",
                    "sum by (namespace, pod) (rate(container_network_transmit_errors_total[5m])) > 0.01".into(),
                    "5m",
                    "warning",
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} has network transmit errors",
                    "{{ $value }} transmit errors per second. This measures errors, not latency: check the node's interface and the CNI.",
                ),
            ],
        },
        RuleGroup {
            name: "netdoctor.model".into(),
            interval: "30s".into(),
            rules: vec![rule(
                "NetdoctorModelContradiction",
                format!(
                    "sum by (kind) (increase({MODEL_CONTRADICTIONS_TOTAL}[10m])) > 0"
                ),
                "10m",
                "warning",
                "The network contradicts the cluster's objects ({{ $labels.kind }})",
                "netdoctor's monitor measured {{ $value | humanize }} {{ $labels.kind }} results in 10 minutes that the objects predict otherwise: the cause is outside the objects (CNI, node firewall, kube-proxy, CoreDNS upstream). Run `netdoctor verify` on an affected pod (docs/in-pod.md).",
            )],
        },
    ]
}

//! One prediction against one measurement: contradicted or not, and what it implies.

use super::{Check, Expectation, Probe};
use serde::Serialize;

/// What a probe from inside the pod measured (the binary fills it from the probe report).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measured {
    pub count: u64,
    pub ok: u64,
    pub timeout: u64,
    pub refused: u64,
    pub nxdomain: u64,
    /// Failures of any other class (unreachable, SERVFAIL, reset, ...).
    pub other: u64,
    /// Median TCP handshake (tcp), milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<f64>,
    /// Median whole resolution, every search candidate (dns), milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_ms: Option<f64>,
    /// Addresses the name resolved to (dns), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The guide's thresholds, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub dns_ms: f64,
    pub same_node_ms: f64,
    pub cross_node_ms: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            dns_ms: 100.0,
            same_node_ms: 5.0,
            cross_node_ms: 20.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContradictionClass {
    /// The model allows the connection; it times out.
    AllowedButTimeout,
    /// The model allows the connection; it is refused or unreachable.
    AllowedButFails,
    /// A NetworkPolicy denies the connection; it connects.
    DeniedButConnects,
    /// The name resolves to other addresses than the objects say (or not at all).
    ResolvesDifferently,
    /// Works, but slower than the guide's thresholds.
    SlowerThanThreshold,
}

impl ContradictionClass {
    pub const ALL: [ContradictionClass; 5] = [
        ContradictionClass::AllowedButTimeout,
        ContradictionClass::AllowedButFails,
        ContradictionClass::DeniedButConnects,
        ContradictionClass::ResolvesDifferently,
        ContradictionClass::SlowerThanThreshold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContradictionClass::AllowedButTimeout => "allowed-but-timeout",
            ContradictionClass::AllowedButFails => "allowed-but-fails",
            ContradictionClass::DeniedButConnects => "denied-but-connects",
            ContradictionClass::ResolvesDifferently => "resolves-differently",
            ContradictionClass::SlowerThanThreshold => "slower-than-threshold",
        }
    }

    /// What the contradiction implies: where the cause is, outside the objects.
    pub fn implies(self) -> &'static str {
        match self {
            ContradictionClass::AllowedButTimeout => "the objects allow this connection but its packets are dropped: a policy enforced by something not in the objects (a CNI-specific policy, a node firewall, a cloud security group) or kube-proxy rules out of date",
            ContradictionClass::AllowedButFails => "the objects allow this connection but it is refused or unreachable: nothing listens on the port in the pod, or routing between the pods is broken (CNI, MTU)",
            ContradictionClass::DeniedButConnects => "a NetworkPolicy denies this connection but it connects: the CNI does not enforce NetworkPolicy (flannel, kubenet, a policy engine not installed)",
            ContradictionClass::ResolvesDifferently => "cluster DNS answers differently from the objects: CoreDNS configuration (rewrite, hosts, stub domains), a failing upstream, or a stale cache",
            ContradictionClass::SlowerThanThreshold => "slower than the guide's thresholds (DNS 100 ms, pod-to-pod 5 ms on one node, 20 ms across nodes): overloaded CoreDNS, conntrack, MTU and fragmentation, a congested node",
        }
    }
}

impl std::fmt::Display for ContradictionClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reality disagreeing with the model on one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contradiction {
    pub class: ContradictionClass,
    /// Predicted versus measured, with the values.
    pub detail: String,
    pub implies: &'static str,
}

fn contradiction(class: ContradictionClass, detail: String) -> Option<Contradiction> {
    Some(Contradiction {
        class,
        detail,
        implies: class.implies(),
    })
}

fn failures(m: &Measured) -> String {
    let parts: Vec<String> = [
        ("timeout", m.timeout),
        ("refused", m.refused),
        ("nxdomain", m.nxdomain),
        ("other", m.other),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(c, n)| format!("{n} {c}"))
    .collect();
    let mut s = format!("{}/{} ok", m.ok, m.count);
    if !parts.is_empty() {
        s.push_str(&format!(" ({})", parts.join(", ")));
    }
    s
}

/// Whether `measured` contradicts the check's expectation, and how.
pub fn compare(check: &Check, m: &Measured, t: &Thresholds) -> Option<Contradiction> {
    use ContradictionClass as C;
    match (&check.expect, &check.probe) {
        (Expectation::Connects, _) if m.ok == 0 && m.timeout > 0 => contradiction(
            C::AllowedButTimeout,
            format!("predicted: connects; measured: {}", failures(m)),
        ),
        (Expectation::Connects, _) if m.ok == 0 => contradiction(
            C::AllowedButFails,
            format!(
                "predicted: connects; measured: {}{}",
                failures(m),
                m.last_error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
        ),
        (Expectation::Connects, _) => {
            let limit = match check.same_node {
                Some(true) => t.same_node_ms,
                _ => t.cross_node_ms,
            };
            let ms = m.connect_ms?;
            (ms > limit).then_some(())?;
            let scope = match check.same_node {
                Some(true) => "pod to pod on one node",
                Some(false) => "pod to pod across nodes",
                None => "a connection",
            };
            contradiction(
                C::SlowerThanThreshold,
                format!("connect median {ms:.1} ms > {limit} ms ({scope})"),
            )
        }
        (Expectation::Denied { .. }, _) if m.ok > 0 || m.refused > 0 => contradiction(
            C::DeniedButConnects,
            format!(
                "predicted: dropped by NetworkPolicy; measured: {}{}",
                failures(m),
                if m.ok == 0 {
                    " (a refusal: the packets reached the pod)"
                } else {
                    ""
                }
            ),
        ),
        (Expectation::Denied { .. }, _) => None,
        (Expectation::Resolves { answers }, Probe::Dns { name }) => {
            if m.ok == 0 {
                return contradiction(
                    C::ResolvesDifferently,
                    format!(
                        "predicted: {name} -> {}; measured: no answer, {}",
                        answers.join(", "),
                        failures(m)
                    ),
                );
            }
            if &m.answers != answers {
                return contradiction(
                    C::ResolvesDifferently,
                    format!(
                        "predicted: {name} -> {}; measured: {}",
                        answers.join(", "),
                        if m.answers.is_empty() {
                            "no address".to_string()
                        } else {
                            m.answers.join(", ")
                        }
                    ),
                );
            }
            let ms = m.dns_ms?;
            (ms > t.dns_ms).then_some(())?;
            contradiction(
                C::SlowerThanThreshold,
                format!(
                    "DNS resolution of {name} median {ms:.1} ms > {} ms",
                    t.dns_ms
                ),
            )
        }
        (Expectation::Nxdomain, Probe::Dns { name }) if m.ok > 0 && !m.answers.is_empty() => {
            contradiction(
                C::ResolvesDifferently,
                format!(
                    "predicted: {name} does not exist; measured: {}",
                    m.answers.join(", ")
                ),
            )
        }
        _ => None,
    }
}

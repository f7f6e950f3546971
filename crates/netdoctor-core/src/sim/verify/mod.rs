//! `verify`: the model held against the network. For a pod, the paths the model predicts
//! (the Services it calls or `--to` names, cluster DNS, the pods that should and should not
//! reach it) become checks, each with the model's expectation; the binary runs the matching
//! probe from inside the source pod and [`compare`] says whether reality contradicts the
//! model, and what the contradiction implies.
//!
//! The expectations come from the existing simulations, never from a second implementation:
//! `trace` (DNS, Service, endpoints, policies) for every connection, `dns::resolve` for every
//! name. Pure: the measurements are given as [`Measured`].

mod compare;
#[cfg(test)]
mod tests;

pub use compare::{compare, Contradiction, ContradictionClass, Measured, Thresholds};

use super::dns::{self, ClusterDns, Libc, QType, Rcode, Request};
use super::path::Symptom;
use super::service::pod_display;
use super::trace::{self, Source, Target, TraceOptions};
use crate::model::{Cluster, Protocol};
use serde::Serialize;
use std::collections::BTreeSet;

/// What a probe inside the source pod measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Probe {
    /// Resolve `name` with the pod's own resolv.conf (A records).
    Dns { name: String },
    /// Open a TCP connection to `target` (`HOST:PORT`).
    Tcp { target: String },
}

/// What the model predicts for a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Expectation {
    /// The connection succeeds.
    Connects,
    /// A NetworkPolicy drops the connection: the client times out.
    Denied { by: String },
    /// The name resolves to exactly these addresses.
    Resolves { answers: Vec<String> },
    /// The name does not exist.
    Nxdomain,
}

/// One path the model predicts, to be measured from inside `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The source pod, `ns/name`.
    pub from: String,
    /// Index of the source pod in `Cluster::pods`.
    #[serde(skip)]
    pub from_pod: usize,
    pub probe: Probe,
    pub expect: Expectation,
    /// Why the model predicts it (the deciding hop of the trace, the DNS answer).
    pub why: String,
    /// The destination pod, when the check is pod to pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_pod: Option<String>,
    /// Source and destination pods on the same node (`None`: unknown or not pod to pod).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_node: Option<bool>,
}

/// A check with what was measured and whether it contradicts the model (the JSON of
/// `verify`, and the rows of the HTML report's "model vs measured" section).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub check: Check,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<Measured>,
    /// The probe could not be run in the pod (permission, image, cut output, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contradiction: Option<Contradiction>,
}

#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Targets named with `--to` (`HOST:PORT` or URLs); empty: the Services of the pod's
    /// namespace that it does not back.
    pub to: Vec<Target>,
    /// At most this many checks in all.
    pub max_probes: usize,
    pub libc: Libc,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            to: Vec::new(),
            max_probes: 20,
            libc: Libc::Glibc,
        }
    }
}

/// The checks for these subject pods, in order, at most `max_probes` (the rest are counted
/// in the second value).
pub fn plan(cluster: &Cluster, subjects: &[usize], options: &PlanOptions) -> (Vec<Check>, usize) {
    let dns = ClusterDns::of(cluster);
    let mut out = Planner {
        cluster,
        dns: &dns,
        options,
        checks: Vec::new(),
        seen: BTreeSet::new(),
        dropped: 0,
    };
    for &pod in subjects {
        out.outgoing(pod);
    }
    for &pod in subjects {
        out.incoming(pod);
    }
    (out.checks, out.dropped)
}

struct Planner<'a> {
    cluster: &'a Cluster,
    dns: &'a ClusterDns,
    options: &'a PlanOptions,
    checks: Vec<Check>,
    seen: BTreeSet<(usize, String)>,
    dropped: usize,
}

impl Planner<'_> {
    fn push(&mut self, check: Check) {
        let key = (check.from_pod, format!("{:?}", check.probe));
        if !self.seen.insert(key) {
            return;
        }
        if self.checks.len() >= self.options.max_probes {
            self.dropped += 1;
        } else {
            self.checks.push(check);
        }
    }

    /// The pods whose network a probe can run in: running, with an address, not on the
    /// host's network.
    fn probeable(&self, pod: usize) -> bool {
        let p = &self.cluster.pods()[pod];
        p.phase == "Running" && !p.ips.is_empty() && !p.host_network && !p.derived
    }

    /// What the pod calls: `--to` targets, or the Services of its namespace it does not
    /// back; each with its DNS name resolved by the model.
    fn outgoing(&mut self, pod: usize) {
        if !self.probeable(pod) {
            return;
        }
        let targets: Vec<Target> = if self.options.to.is_empty() {
            self.namespace_services(pod)
        } else {
            self.options.to.clone()
        };
        for target in targets {
            if target.ip().is_none() {
                self.dns_check(pod, &target.host);
            }
            self.tcp_check(pod, &target, None);
        }
    }

    fn namespace_services(&self, pod: usize) -> Vec<Target> {
        let p = &self.cluster.pods()[pod];
        let mut out = Vec::new();
        for svc in self.cluster.services() {
            if svc.namespace != p.namespace || svc.external_name.is_some() {
                continue;
            }
            if super::service::selected_pods(self.cluster, svc).contains(&pod) {
                continue;
            }
            let Some(port) = svc.ports.iter().find(|sp| sp.protocol == Protocol::Tcp) else {
                continue;
            };
            let raw = format!("{}:{}", svc.name, port.port);
            if let Ok(t) = Target::parse(&raw) {
                out.push(t);
            }
        }
        out
    }

    fn dns_check(&mut self, pod: usize, name: &str) {
        if let Some(c) = dns_check(self.cluster, self.dns, pod, name, self.options.libc) {
            self.push(c);
        }
    }

    fn tcp_check(&mut self, pod: usize, target: &Target, to_pod: Option<usize>) {
        if let Some(c) = tcp_check(self.cluster, pod, target, to_pod, self.options.libc) {
            self.push(c);
        }
    }

    /// The pods that should and should not reach this one, on each port its containers
    /// declare: every other probeable pod, as `trace` to the pod's address predicts it.
    fn incoming(&mut self, pod: usize) {
        let p = &self.cluster.pods()[pod];
        let Some(ip) = p.ips.first().copied() else {
            return;
        };
        if p.host_network {
            return;
        }
        let ports: BTreeSet<u16> = p
            .containers
            .iter()
            .flat_map(|c| c.ports.iter())
            .filter(|cp| cp.protocol == Protocol::Tcp)
            .map(|cp| cp.port)
            .collect();
        for port in ports {
            let raw = match ip {
                std::net::IpAddr::V4(v4) => format!("{v4}:{port}"),
                std::net::IpAddr::V6(v6) => format!("[{v6}]:{port}"),
            };
            let Ok(target) = Target::parse(&raw) else {
                continue;
            };
            for src in 0..self.cluster.pods().len() {
                if src != pod && self.probeable(src) {
                    self.tcp_check(src, &target, Some(pod));
                }
            }
        }
    }
}

/// The model's answer for `name` resolved from pod `pod` (A records), as a check; `None`
/// when the model cannot know it (forwarded upstream, SERVFAIL, DNS unreachable).
pub fn dns_check(
    cluster: &Cluster,
    dns: &ClusterDns,
    pod: usize,
    name: &str,
    libc: Libc,
) -> Option<Check> {
    let p = &cluster.pods()[pod];
    let r = dns::resolve(cluster, dns, p, name, Request::Type(QType::A), libc);
    let expect = match r.result.rcode {
        _ if r.result.timeout => return None,
        Rcode::NoError if !r.result.answers.is_empty() => {
            let mut answers = r.result.answers.clone();
            answers.sort();
            Expectation::Resolves { answers }
        }
        Rcode::NxDomain => Expectation::Nxdomain,
        // Forwarded upstream (the model cannot know the answer), SERVFAIL, no data.
        _ => return None,
    };
    let why = match &expect {
        Expectation::Resolves { answers } => {
            format!("cluster DNS answers {} with {}", name, answers.join(", "))
        }
        _ => format!("cluster DNS has no record for {name}"),
    };
    Some(Check {
        from: pod_display(p),
        from_pod: pod,
        probe: Probe::Dns {
            name: name.to_string(),
        },
        expect,
        why,
        to_pod: None,
        same_node: None,
    })
}

/// A TCP connection `pod` → `target`, expected as `trace` predicts it; `None` when the
/// trace ends in something the network cannot contradict in these classes (refused, no
/// address, a policy kind not modelled).
pub fn tcp_check(
    cluster: &Cluster,
    pod: usize,
    target: &Target,
    to_pod: Option<usize>,
    libc: Libc,
) -> Option<Check> {
    let t = trace::trace(
        cluster,
        Source::Pod(pod),
        target,
        &TraceOptions {
            protocol: Protocol::Tcp,
            libc,
        },
    );
    let failed = t
        .hops
        .iter()
        .find(|h| h.status == super::path::HopStatus::Fail);
    let expect = match (t.symptom, failed) {
        (Symptom::Ok, _) => Expectation::Connects,
        (Symptom::ConnectionTimeout, Some(h))
            if matches!(h.step, "egress-policy" | "ingress-policy") =>
        {
            Expectation::Denied {
                by: format!("{}: {}", h.step, h.detail),
            }
        }
        // Refused, no address, unknown policies: nothing the network can contradict
        // the way the classes mean.
        _ => return None,
    };
    let why = match failed {
        Some(h) => format!("{}: {}", h.step, h.detail),
        None => format!("trace {} -> {}: every hop passes", t.from, t.to),
    };
    let p = &cluster.pods()[pod];
    let same_node = to_pod.and_then(|d| {
        let d = &cluster.pods()[d];
        match (&p.node_name, &d.node_name) {
            (Some(a), Some(b)) => Some(a == b),
            _ => None,
        }
    });
    let host = if target.host.contains(':') {
        format!("[{}]", target.host)
    } else {
        target.host.clone()
    };
    Some(Check {
        from: pod_display(p),
        from_pod: pod,
        probe: Probe::Tcp {
            target: format!("{host}:{}", target.port),
        },
        expect,
        why,
        to_pod: to_pod.map(|d| pod_display(&cluster.pods()[d])),
        same_node,
    })
}

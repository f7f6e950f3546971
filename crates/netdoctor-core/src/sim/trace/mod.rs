//! `trace`: the whole path from a pod (or an address outside the cluster) to a target, hop by
//! hop, as the guide's service-discovery diagram draws it:
//!
//! ```text
//! pod → DNS (search path, cluster DNS reachable?) → Service IP → Service port → kube-proxy
//!     → endpoints → egress policy of the source → ingress policy of the backend → target port
//! internet → Ingress class/controller → rule → backend Service → endpoints
//!     → policies between the controller pods and the backend → target port
//! ```
//!
//! The first hop that fails decides the symptom the client sees, with the guide's failure
//! table as the vocabulary: `nxdomain`, `dns-timeout`, `connection-refused` (kube-proxy
//! rejects traffic to a Service without ready endpoints), `connection-timeout` (a
//! NetworkPolicy drops it; a port the Service does not have), `http-5xx` through an Ingress.
//! The fix is the smallest change that makes that hop pass.
//!
//! The simulation names the objects it touched and the rules whose findings explain its hops
//! (`Trace::evidence`); it runs no rule itself. `rules::evidence::explain_trace` runs the
//! rules once and attaches those findings.

mod dns_hop;
mod evidence;
mod fix;
mod from_outside;
mod from_pod;
mod policy_hops;
mod target;
mod to_outside;

pub use evidence::{Evidence, FindingFix, Wanted};
pub use fix::workload_selector_labels;
pub use target::Target;

use super::dns::Libc;
use super::netpol::Engine;
use super::path::{Hop, HopStatus, Symptom};
use super::service;
use crate::model::{Cluster, ObjectRef, Protocol};
use crate::sim::fix::Fix;
use serde::Serialize;
use std::net::IpAddr;

/// Where the traffic starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An index into `Cluster::pods`.
    Pod(usize),
    /// An address outside the cluster (a client on the internet, a VM).
    External(IpAddr),
}

#[derive(Debug, Clone)]
pub struct TraceOptions {
    pub protocol: Protocol,
    pub libc: Libc,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            protocol: Protocol::Tcp,
            libc: Libc::Glibc,
        }
    }
}

/// A backend whose verdict differs from the others (intermittent failures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BackendOutcome {
    pub pod: String,
    pub ip: Option<String>,
    pub port: u16,
    pub reachable: bool,
    pub detail: String,
}

/// The path a connection takes, hop by hop: the simulation's part of the answer of `trace`
/// (docs/interface.md); `rules::evidence::TraceReport` adds the findings.
#[derive(Debug, Clone)]
pub struct Trace {
    pub from: String,
    pub to: String,
    pub reachable: bool,
    pub symptom: Symptom,
    pub hops: Vec<Hop>,
    /// Some backends reachable and others not: the client fails some of the time.
    pub intermittent: bool,
    pub backends: Vec<BackendOutcome>,
    /// The smallest change that makes the first failing hop pass (unless a finding in
    /// `evidence` has a better one, see `Evidence::fix_from`).
    pub fix: Option<Fix>,
    pub notes: Vec<String>,
    /// Set when a policy kind netdoctor does not model governs the connection: the trace
    /// cannot tell whether it succeeds (`reachable` false, symptom `unknown`).
    pub unknown_reasons: Vec<String>,
    /// The objects the trace touched and the findings about them that explain its hops.
    pub evidence: Evidence,
}

/// A failing hop: its step, detail, the symptom the client sees and the fix.
type HopFailure = (&'static str, String, Symptom, Option<Fix>);

fn hop(step: &'static str, status: HopStatus, detail: impl Into<String>) -> Hop {
    Hop {
        step,
        status,
        detail: detail.into(),
    }
}

/// Accumulates hops; the first failure fixes the symptom and the fix.
struct Builder<'a> {
    cluster: &'a Cluster,
    engine: Engine<'a>,
    options: TraceOptions,
    trace: Trace,
}

impl<'a> Builder<'a> {
    fn pass(&mut self, step: &'static str, detail: impl Into<String>) {
        self.trace.hops.push(hop(step, HopStatus::Pass, detail));
    }
    fn warn(&mut self, step: &'static str, detail: impl Into<String>) {
        self.trace.hops.push(hop(step, HopStatus::Warn, detail));
    }
    fn skip(&mut self, step: &'static str, detail: impl Into<String>) {
        self.trace.hops.push(hop(step, HopStatus::Skip, detail));
    }
    /// A failing hop: ends the trace with this symptom and fix.
    fn fail(
        mut self,
        step: &'static str,
        detail: impl Into<String>,
        symptom: Symptom,
        fix: Option<Fix>,
    ) -> Trace {
        self.trace.hops.push(hop(step, HopStatus::Fail, detail));
        self.trace.reachable = false;
        self.trace.symptom = symptom;
        self.trace.fix = fix;
        self.trace
    }
    /// The path is known up to a policy netdoctor does not model: neither reachable nor
    /// failing, with the reasons.
    fn unknown(mut self, reasons: Vec<String>) -> Trace {
        self.trace.reachable = false;
        self.trace.symptom = Symptom::Unknown;
        self.trace.fix = None;
        self.trace.unknown_reasons = reasons;
        self.trace
    }
    fn ok(mut self) -> Trace {
        self.trace.reachable = true;
        self.trace.symptom = Symptom::Ok;
        self.trace
    }
    /// Asks for the findings of these rules (empty: every rule) about these objects, as
    /// evidence for the hops.
    fn want_findings(&mut self, objects: &[(&str, &str, &str)], codes: &[&'static str]) {
        self.trace.evidence.wanted.push(Wanted {
            objects: objects
                .iter()
                .map(|(kind, ns, name)| ObjectRef::namespaced(kind, ns, name))
                .collect(),
            codes: codes.to_vec(),
        });
    }
}

/// Traces `source` → `target`.
pub fn trace(cluster: &Cluster, source: Source, target: &Target, options: &TraceOptions) -> Trace {
    let from = match source {
        Source::Pod(i) => service::pod_display(&cluster.pods[i]),
        Source::External(ip) => ip.to_string(),
    };
    let b = Builder {
        cluster,
        engine: Engine::new(cluster),
        options: options.clone(),
        trace: Trace {
            from,
            to: target.raw.clone(),
            reachable: false,
            symptom: Symptom::Ok,
            hops: Vec::new(),
            intermittent: false,
            backends: Vec::new(),
            fix: None,
            notes: Vec::new(),
            unknown_reasons: Vec::new(),
            evidence: Evidence::default(),
        },
    };
    match source {
        Source::Pod(pod) => from_pod::from_pod(b, pod, target),
        Source::External(ip) => from_outside::from_outside(b, ip, target),
    }
}

#[cfg(test)]
mod tests;

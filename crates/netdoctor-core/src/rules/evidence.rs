//! Findings as evidence for a simulation's answer. A simulation names the objects it touched
//! and the rules whose findings explain it (`sim::trace::Wanted`); the rules run once and the
//! findings about those objects are kept, in the order asked.

use super::{run, RunOptions};
use crate::finding::{Finding, Fix};
use crate::model::Cluster;
use crate::sim::netpol::FlowVerdict;
use crate::sim::path::{Hop, HopStatus, Symptom};
use crate::sim::trace::{BackendOutcome, FindingFix, Trace, Wanted};
use serde::Serialize;

/// Runs every rule once and keeps the findings each request asks for: request by request,
/// in the runner's order, each finding once (where first asked for).
pub fn findings_about(cluster: &Cluster, wanted: &[Wanted]) -> Vec<Finding> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let all = run(cluster, &RunOptions::default());
    let mut kept: Vec<Finding> = Vec::new();
    for w in wanted {
        for f in &all {
            let from_rule =
                w.codes.is_empty() || w.codes.iter().any(|c| c.eq_ignore_ascii_case(&f.code));
            if from_rule && w.objects.contains(&f.object) && !kept.contains(f) {
                kept.push(f.clone());
            }
        }
    }
    kept
}

/// The answer of `trace` (docs/interface.md): the path hop by hop with the findings about the
/// objects on it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TraceReport {
    pub from: String,
    pub to: String,
    pub reachable: bool,
    /// `unknown` when a policy kind netdoctor does not model governs the connection
    /// (docs/interface.md); absent otherwise.
    #[serde(skip_serializing_if = "FlowVerdict::is_known")]
    pub verdict: FlowVerdict,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_reasons: Vec<String>,
    pub symptom: Symptom,
    pub hops: Vec<Hop>,
    pub findings: Vec<Finding>,
    /// Some backends reachable and others not: the client fails some of the time.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub intermittent: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<BackendOutcome>,
    /// The smallest change that makes the first failing hop pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl TraceReport {
    pub fn failing_hop(&self) -> Option<&Hop> {
        self.hops.iter().find(|h| h.status == HopStatus::Fail)
    }
}

/// Attaches to a trace the findings it asked for, and lets them decide what the trace left
/// to them: the fix, and the failing hop's explanation.
pub fn explain_trace(cluster: &Cluster, trace: Trace) -> TraceReport {
    let findings = findings_about(cluster, &trace.evidence.wanted);
    let mut hops = trace.hops;
    if let (Some((prefix, suffix)), Some(first)) =
        (&trace.evidence.failing_detail, findings.first())
    {
        if let Some(h) = hops.iter_mut().find(|h| h.status == HopStatus::Fail) {
            h.detail = format!("{prefix}{}{suffix}", first.message);
        }
    }
    let finding_fix = match trace.evidence.fix_from {
        Some(FindingFix::First) => findings.first(),
        Some(FindingFix::FirstOf(code)) => findings.iter().find(|f| f.code == code),
        None => None,
    }
    .and_then(|f| f.fix.clone());
    TraceReport {
        from: trace.from,
        to: trace.to,
        reachable: trace.reachable,
        verdict: if !trace.unknown_reasons.is_empty() {
            FlowVerdict::Unknown
        } else if trace.reachable {
            FlowVerdict::Allowed
        } else {
            FlowVerdict::Denied
        },
        unknown_reasons: trace.unknown_reasons,
        symptom: trace.symptom,
        hops,
        findings,
        intermittent: trace.intermittent,
        backends: trace.backends,
        fix: finding_fix.or(trace.fix),
        notes: trace.notes,
    }
}

//! What a check reports: a finding about one object, with the evidence and the fix.

use serde::{Deserialize, Serialize};
use std::fmt;

// The object a finding names and the fix it suggests live where they are first needed: the
// model names objects, simulations suggest fixes. Findings re-export both.
pub use crate::model::ObjectRef;
pub use crate::sim::fix::Fix;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found by one rule on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub code: String,
    pub rule: String,
    pub severity: Severity,
    pub object: ObjectRef,
    pub message: String,
    /// Facts that support the message (one per line), e.g. each pod's readiness reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// Most evidence lines one finding lists: a hostile or huge input (a Corefile with
/// thousands of errors, a Service over 10,000 pods) must not make one finding megabytes
/// long. Past it, one last line counts what is not shown.
pub const MAX_EVIDENCE: usize = 50;
const OMITTED_PREFIX: &str = "… and ";
const OMITTED_SUFFIX: &str = " more not shown";

impl Finding {
    pub fn new(rule: &crate::rules::Rule, object: ObjectRef, message: impl Into<String>) -> Self {
        Finding {
            code: rule.code.to_string(),
            rule: rule.name.to_string(),
            severity: rule.severity,
            object,
            message: message.into(),
            evidence: Vec::new(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Adds a line of evidence; past `MAX_EVIDENCE` lines, only counts it in one last line
    /// (`… and N more not shown`).
    pub fn with_evidence(mut self, line: impl Into<String>) -> Self {
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(line.into());
            return self;
        }
        let omitted = self
            .evidence
            .get(MAX_EVIDENCE)
            .and_then(|last| last.strip_prefix(OMITTED_PREFIX))
            .and_then(|rest| rest.strip_suffix(OMITTED_SUFFIX))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        self.evidence.truncate(MAX_EVIDENCE);
        self.evidence
            .push(format!("{OMITTED_PREFIX}{}{OMITTED_SUFFIX}", omitted + 1));
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The order findings are printed in: most severe first, then by object, code, message.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            &self.object.namespace,
            &self.object.kind,
            &self.object.name,
            &self.code,
            &self.message,
        )
    }
}

/// Counts by severity, as the JSON `summary` carries them.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Severity::Error => s.error += 1,
                Severity::Warning => s.warning += 1,
                Severity::Info => s.info += 1,
            }
        }
        s
    }
}

#[cfg(test)]
mod evidence_bound_tests {
    use super::*;

    #[test]
    fn evidence_is_bounded_and_counts_what_is_left_out() {
        let rule = crate::rules::find("DNS003").expect("DNS003");
        let mut f = Finding::new(rule, ObjectRef::namespaced("Pod", "a", "b"), "m");
        for i in 0..5_000 {
            f = f.with_evidence(format!("problem {i}"));
        }
        assert_eq!(f.evidence.len(), MAX_EVIDENCE + 1);
        assert_eq!(f.evidence[MAX_EVIDENCE - 1], "problem 49");
        assert_eq!(f.evidence[MAX_EVIDENCE], "… and 4950 more not shown");
    }
}

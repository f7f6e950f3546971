//! The catalogue of checks. `RULES` is the one place a rule is registered.

pub mod gw;
pub mod inp;

use crate::finding::{Finding, Severity};
use crate::model::Cluster;

/// A check: its identity, its documentation and the function that runs it.
pub struct Rule {
    /// Area prefix and three digits (`SVC001`), stable forever.
    pub code: &'static str,
    /// Kebab-case name of the condition (`service-selects-no-pods`).
    pub name: &'static str,
    pub severity: Severity,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// Markdown with the headings What it checks / Why it breaks traffic / How to fix /
    /// Example / References.
    pub doc: &'static str,
    pub check: fn(&Cluster, &mut Vec<Finding>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("code", &self.code)
            .field("name", &self.name)
            .finish()
    }
}

/// Every rule, in catalogue order.
pub static RULES: &[&Rule] = &[
    &inp::document_unreadable::RULE,
    &inp::object_invalid::RULE,
    &inp::kind_not_readable::RULE,
    &gw::gatewayclass_missing_or_not_accepted::RULE,
    &gw::route_parent_not_found::RULE,
    &gw::route_not_accepted::RULE,
    &gw::route_backend_not_found::RULE,
    &gw::route_backend_reference_not_permitted::RULE,
    &gw::route_hostname_matches_no_listener::RULE,
    &gw::route_backend_no_ready_endpoints::RULE,
    &gw::route_not_handled_by_controller::RULE,
];

/// Finds a rule by code (`svc001` works too) or by name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// How the runner filters and orders findings.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only findings about objects in these namespaces (cluster-scoped and input findings
    /// are always kept). Empty: every namespace.
    pub namespaces: Vec<String>,
    /// Only these rules (codes). Empty: all.
    pub only: Vec<String>,
}

/// Runs every rule over the cluster; applies `netdoctor.io/ignore` suppressions and the
/// namespace scope; sorts deterministically.
pub fn run(cluster: &Cluster, options: &RunOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in RULES {
        if !options.only.is_empty()
            && !options
                .only
                .iter()
                .any(|c| c.eq_ignore_ascii_case(rule.code))
        {
            continue;
        }
        (rule.check)(cluster, &mut findings);
    }
    findings.retain(|f| {
        let in_scope = options.namespaces.is_empty()
            || f.object
                .namespace
                .as_ref()
                .is_none_or(|ns| options.namespaces.contains(ns));
        in_scope
            && !cluster
                .ignored_codes(&f.object)
                .iter()
                .any(|c| c == &f.code)
    });
    sort(&mut findings);
    findings
}

/// The one ordering every output uses: severity, then object, then code and message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// The JSON of `netdoctor rules -o json`.
#[derive(Debug, serde::Serialize)]
pub struct RuleInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub docs: &'static str,
}

impl From<&Rule> for RuleInfo {
    fn from(r: &Rule) -> Self {
        RuleInfo {
            code: r.code,
            name: r.name,
            severity: r.severity,
            summary: r.summary,
            docs: r.doc,
        }
    }
}

//! The catalogue of checks. `RULES` is the one place a rule is registered.

pub mod anp;
pub mod checked;
pub mod diff;
pub mod dns;
pub mod evidence;
pub mod gw;
pub mod ing;
pub mod inp;
pub mod np;
pub mod select;
pub mod svc;

pub use select::{
    resolve, run_report, RunReport, Suppressed, SuppressedBy, SuppressedCounts, Suppressions,
};

use crate::finding::{Finding, Severity};
use crate::model::Cluster;

/// The part of the network a rule checks. A rule's code is the area's prefix and three
/// digits; code that needs the area reads `Rule::area`, never the code's letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// Services and their endpoints.
    Svc,
    /// Cluster DNS.
    Dns,
    /// NetworkPolicy.
    Np,
    /// AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy.
    Anp,
    /// Ingress.
    Ing,
    /// Gateway API.
    Gw,
    /// The input itself (unreadable documents, invalid objects, kinds not readable).
    Inp,
}

impl Area {
    /// Every area, in the order summaries show them.
    pub const ALL: [Area; 7] = [
        Area::Svc,
        Area::Dns,
        Area::Np,
        Area::Anp,
        Area::Ing,
        Area::Gw,
        Area::Inp,
    ];

    /// The code prefix: `SVC`, `DNS`, `NP`, `ING`, `GW`, `INP`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Area::Svc => "SVC",
            Area::Dns => "DNS",
            Area::Np => "NP",
            Area::Anp => "ANP",
            Area::Ing => "ING",
            Area::Gw => "GW",
            Area::Inp => "INP",
        }
    }
}

impl std::fmt::Display for Area {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check: its identity, its documentation and the function that runs it.
pub struct Rule {
    /// Area prefix and three digits (`SVC001`), stable forever.
    pub code: &'static str,
    pub area: Area,
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
    &svc::service_selects_no_pods::RULE,
    &svc::service_workload_scaled_to_zero::RULE,
    &svc::service_no_ready_endpoints::RULE,
    &svc::service_some_endpoints_not_ready::RULE,
    &svc::service_target_port_unresolved::RULE,
    &svc::service_target_port_not_declared::RULE,
    &svc::service_without_selector_has_no_endpoints::RULE,
    &svc::service_selects_multiple_workloads::RULE,
    &svc::endpointslice_stale::RULE,
    &svc::service_pods_from_custom_resource::RULE,
    &dns::cluster_dns_not_running::RULE,
    &dns::cluster_dns_service_unreachable::RULE,
    &dns::corefile_misconfigured::RULE,
    &dns::host_network_pod_uses_node_dns::RULE,
    &dns::pod_dns_bypasses_cluster_dns::RULE,
    &dns::externalname_target_missing::RULE,
    &np::egress_policy_blocks_dns::RULE,
    &np::policy_selects_no_pods::RULE,
    &np::policy_peer_selects_nothing::RULE,
    &np::policy_named_port_unresolved::RULE,
    &np::ingress_controller_blocked_by_policy::RULE,
    &np::service_isolated_from_all_clients::RULE,
    &np::policy_kind_not_modelled::RULE,
    &anp::admin_policies_share_priority::RULE,
    &anp::admin_rule_shadowed::RULE,
    &anp::admin_pass_falls_to_default_allow::RULE,
    &anp::baseline_policy_not_named_default::RULE,
    &anp::cluster_policy_selects_nothing::RULE,
    &ing::ingress_class_missing::RULE,
    &ing::ingress_controller_not_running::RULE,
    &ing::ingress_no_address::RULE,
    &ing::ingress_backend_service_missing::RULE,
    &ing::ingress_backend_port_missing::RULE,
    &ing::ingress_backend_no_ready_endpoints::RULE,
    &ing::ingress_tls_secret_missing::RULE,
    &ing::ingress_rule_shadowed::RULE,
    &ing::ingress_annotation_for_other_controller::RULE,
    &gw::gatewayclass_missing_or_not_accepted::RULE,
    &gw::route_parent_not_found::RULE,
    &gw::route_not_accepted::RULE,
    &gw::route_backend_not_found::RULE,
    &gw::route_backend_reference_not_permitted::RULE,
    &gw::route_hostname_matches_no_listener::RULE,
    &gw::route_backend_no_ready_endpoints::RULE,
    &gw::route_not_handled_by_controller::RULE,
    &gw::listener_certificate_missing::RULE,
    &gw::listenerset_not_attached::RULE,
    &gw::listener_conflicted::RULE,
    &inp::document_unreadable::RULE,
    &inp::object_invalid::RULE,
    &inp::kind_not_readable::RULE,
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
    /// Only these rules (codes or names). Empty: all.
    pub only: Vec<String>,
    /// Not these rules (codes or names).
    pub skip: Vec<String>,
    /// The suppression config (`.netdoctor.yaml`), if any.
    pub suppressions: Option<Suppressions>,
}

/// Runs every rule over the cluster; applies `netdoctor.io/ignore` suppressions and the
/// namespace scope; sorts deterministically. (`run_report` also says what was suppressed.)
pub fn run(cluster: &Cluster, options: &RunOptions) -> Vec<Finding> {
    run_report(cluster, options).findings
}

/// Every rule's findings, in the order of `rules`: the rules are independent, so they run
/// on as many threads as the machine has cores (at most 4), each taking the next rule not yet
/// taken. The result is the same as running them one after the other.
fn run_parallel(cluster: &Cluster, rules: &[&Rule]) -> Vec<Vec<Finding>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(rules.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(rule) = rules.get(i) else { break };
            let mut out = Vec::new();
            (rule.check)(cluster, &mut out);
            done.push((i, out));
        }
        done
    };
    let mut results: Vec<Vec<Finding>> = (0..rules.len()).map(|_| Vec::new()).collect();
    let mut record = |done: Vec<(usize, Vec<Finding>)>| {
        for (i, out) in done {
            results[i] = out;
        }
    };
    if threads <= 1 {
        record(work());
    } else {
        std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            record(work());
            for h in helpers {
                match h.join() {
                    Ok(done) => record(done),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
    }
    results
}

/// The one ordering every output uses: severity, then object, then code and message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// The JSON of `netdoctor rules -o json`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
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

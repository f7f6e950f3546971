//! Cluster-wide policies of the Network Policy API (kubernetes-sigs/network-policy-api):
//! `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy` (`policy.networking.k8s.io/v1alpha1`)
//! and `ClusterNetworkPolicy` (`v1alpha2`, tiers Admin and Baseline), in one compact form.
//!
//! Transcribed from the API types of that repository, commit
//! `0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159`: `apis/v1alpha1/adminnetworkpolicy_types.go`,
//! `apis/v1alpha1/baselineadminnetworkpolicy_types.go`, `apis/v1alpha1/shared_types.go`,
//! `apis/v1alpha2/clusternetworkpolicy_types.go`. The evaluation is in `sim::netpol::tier`;
//! `docs/cluster-policies.md` describes both.

use super::{Labels, Protocol, Selector};
use crate::load::Origin;

/// The kind an object was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClusterPolicyKind {
    AdminNetworkPolicy,
    BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy,
}

impl ClusterPolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterPolicyKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            ClusterPolicyKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            ClusterPolicyKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
        }
    }

    pub fn from_kind(kind: &str) -> Option<ClusterPolicyKind> {
        match kind {
            "AdminNetworkPolicy" => Some(ClusterPolicyKind::AdminNetworkPolicy),
            "BaselineAdminNetworkPolicy" => Some(ClusterPolicyKind::BaselineAdminNetworkPolicy),
            "ClusterNetworkPolicy" => Some(ClusterPolicyKind::ClusterNetworkPolicy),
            _ => None,
        }
    }
}

/// Where a policy's rules sit relative to NetworkPolicy: the Admin tier before it, the
/// Baseline tier after it (only for pods no NetworkPolicy isolates in that direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    Admin,
    Baseline,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Admin => "admin",
            Tier::Baseline => "baseline",
        }
    }
}

/// A rule's action. v1alpha1 `Allow` and v1alpha2 `Accept` are both [`Action::Allow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Allow,
    Deny,
    /// Skip the rest of the Admin tier: NetworkPolicy, then the Baseline tier, decide.
    Pass,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        }
    }
}

/// A set of pods: those in namespaces matching `namespaces` whose labels match `pods`
/// (`None`: every pod of those namespaces). Host-network pods are never included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PodSet {
    pub namespaces: Selector,
    pub pods: Option<Selector>,
}

impl PodSet {
    /// Whether a pod with `labels` in a namespace with `ns_labels` belongs to the set.
    pub fn matches(&self, ns_labels: &Labels, labels: &Labels) -> bool {
        self.namespaces.matches(ns_labels) && self.pods.as_ref().is_none_or(|s| s.matches(labels))
    }

    /// `pods with app=web in namespaces with team=a`.
    pub fn describe(&self) -> String {
        let ns = if self.namespaces.is_empty() {
            "in every namespace".to_string()
        } else {
            format!("in namespaces with {}", self.namespaces)
        };
        match &self.pods {
            Some(p) if !p.is_empty() => format!("pods with {p} {ns}"),
            _ => format!("every pod {ns}"),
        }
    }
}

/// One peer of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClusterPeer {
    /// `namespaces` or `pods`.
    Pods(PodSet),
    /// `nodes` (egress): the addresses of the nodes whose labels match.
    Nodes(Selector),
    /// `networks` (egress): CIDRs; they match pod addresses too, as the API says.
    Networks(Vec<ipnet::IpNet>),
    /// `domainNames` (v1alpha2 egress): names netdoctor cannot resolve; an address outside
    /// the cluster may or may not be one of them.
    DomainNames(Vec<String>),
}

impl ClusterPeer {
    pub fn describe(&self) -> String {
        match self {
            ClusterPeer::Pods(s) => s.describe(),
            ClusterPeer::Nodes(s) if s.is_empty() => "every node".to_string(),
            ClusterPeer::Nodes(s) => format!("nodes with {s}"),
            ClusterPeer::Networks(n) => format!(
                "networks {}",
                n.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ClusterPeer::DomainNames(d) => format!("domain names {}", d.join(", ")),
        }
    }
}

/// One port entry of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClusterPort {
    /// `portNumber` / `destinationPort.number`, or `portRange` / `destinationPort.range`.
    Range {
        protocol: Protocol,
        start: u16,
        end: u16,
    },
    /// Every port of a protocol (v1alpha2 `tcp: {}` without a destination port).
    Protocol(Protocol),
    /// `namedPort` / `destinationNamedPort`: a container port name of the destination pod,
    /// with that port's protocol.
    Named(String),
}

impl ClusterPort {
    pub fn describe(&self) -> String {
        match self {
            ClusterPort::Range {
                protocol,
                start,
                end,
            } if start == end => format!("{} {start}", protocol.as_str()),
            ClusterPort::Range {
                protocol,
                start,
                end,
            } => format!("{} {start}-{end}", protocol.as_str()),
            ClusterPort::Protocol(p) => format!("every {} port", p.as_str()),
            ClusterPort::Named(n) => format!("named port {n:?}"),
        }
    }
}

/// One ingress or egress rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRule {
    /// `name` (may be empty).
    pub name: String,
    pub action: Action,
    pub peers: Vec<ClusterPeer>,
    /// `None`: every port.
    pub ports: Option<Vec<ClusterPort>>,
}

/// An AdminNetworkPolicy, a BaselineAdminNetworkPolicy or a ClusterNetworkPolicy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterPolicy {
    pub kind: ClusterPolicyKind,
    pub api_version: String,
    pub name: String,
    pub tier: Tier,
    /// 0..=1000, lower first; the BaselineAdminNetworkPolicy has none.
    pub priority: Option<i32>,
    pub subject: PodSet,
    pub ingress: Vec<ClusterRule>,
    pub egress: Vec<ClusterRule>,
    pub origin: Option<Origin>,
}

impl ClusterPolicy {
    /// `AdminNetworkPolicy deny-all (priority 10)`.
    pub fn display(&self) -> String {
        match self.priority {
            Some(p) => format!("{} {} (priority {p})", self.kind.as_str(), self.name),
            None => format!("{} {}", self.kind.as_str(), self.name),
        }
    }

    pub fn object_ref(&self) -> super::ObjectRef {
        super::ObjectRef::new(self.kind.as_str(), None, &self.name)
    }

    /// The precedence key inside a tier: priority, then (undefined upstream, reported by
    /// ANP001) kind and name, so that every run orders ties the same way. The
    /// BaselineAdminNetworkPolicy, which has no priority, comes after Baseline-tier
    /// ClusterNetworkPolicies.
    pub fn precedence(&self) -> (i32, ClusterPolicyKind, &str) {
        (self.priority.unwrap_or(i32::MAX), self.kind, &self.name)
    }

    pub fn rules(&self, ingress: bool) -> &[ClusterRule] {
        if ingress {
            &self.ingress
        } else {
            &self.egress
        }
    }
}

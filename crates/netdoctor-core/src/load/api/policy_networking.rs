//! `policy.networking.k8s.io`: the spec of AdminNetworkPolicy, BaselineAdminNetworkPolicy
//! (v1alpha1) and ClusterNetworkPolicy (v1alpha2), read from the `spec` kept by
//! [`super::ForeignPolicy`]. Both generations' field names are accepted in one type: v1alpha1
//! `ports` (`portNumber`, `namedPort`, `portRange`), v1alpha2 `protocols` (`tcp`/`udp`/`sctp`
//! with `destinationPort`, `destinationNamedPort`). Source: kubernetes-sigs/network-policy-api
//! `apis/v1alpha1/shared_types.go`, `apis/v1alpha2/clusternetworkpolicy_types.go` at commit
//! 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159.

use super::{nullable, LabelSelector};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterPolicySpec {
    /// v1alpha2 only: `Admin` or `Baseline`.
    pub tier: Option<String>,
    pub priority: Option<i64>,
    pub subject: Option<ClusterPolicySubject>,
    /// Absent and `[]` both mean: this policy does not affect the direction.
    #[serde(deserialize_with = "nullable")]
    pub ingress: Vec<ClusterPolicyRule>,
    #[serde(deserialize_with = "nullable")]
    pub egress: Vec<ClusterPolicyRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterPolicySubject {
    pub namespaces: Option<LabelSelector>,
    pub pods: Option<NamespacedPod>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NamespacedPod {
    pub namespace_selector: Option<LabelSelector>,
    pub pod_selector: Option<LabelSelector>,
}

/// An ingress rule (`from`) or an egress rule (`to`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterPolicyRule {
    pub name: Option<String>,
    pub action: Option<String>,
    pub from: Option<Vec<ClusterPolicyPeer>>,
    pub to: Option<Vec<ClusterPolicyPeer>>,
    /// v1alpha1.
    pub ports: Option<Vec<AdminPolicyPort>>,
    /// v1alpha2.
    pub protocols: Option<Vec<ClusterPolicyProtocol>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterPolicyPeer {
    pub namespaces: Option<LabelSelector>,
    pub pods: Option<NamespacedPod>,
    pub nodes: Option<LabelSelector>,
    pub networks: Option<Vec<String>>,
    pub domain_names: Option<Vec<String>>,
}

/// v1alpha1 `AdminNetworkPolicyPort`: exactly one field is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AdminPolicyPort {
    pub port_number: Option<PortNumber>,
    pub named_port: Option<String>,
    pub port_range: Option<PortRange>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PortNumber {
    /// Defaults to TCP.
    pub protocol: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PortRange {
    /// Defaults to TCP.
    pub protocol: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// v1alpha2 `ClusterNetworkPolicyProtocol`: exactly one field is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterPolicyProtocol {
    pub tcp: Option<ProtocolPorts>,
    pub udp: Option<ProtocolPorts>,
    pub sctp: Option<ProtocolPorts>,
    pub destination_named_port: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProtocolPorts {
    pub destination_port: Option<DestinationPort>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DestinationPort {
    pub number: Option<i64>,
    pub range: Option<PortRange>,
}

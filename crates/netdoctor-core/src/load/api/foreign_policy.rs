//! Policy kinds of other projects that decide traffic but that netdoctor does not model:
//! Cilium, Calico, Istio, and the AdminNetworkPolicy family of `policy.networking.k8s.io`.
//! They are kept (kind, apiVersion, metadata, spec) so that the model can say which pods they
//! govern and no verdict about those pods claims to be known (issue 16 item 4).

use super::*;
use serde::{Deserialize, Serialize};

/// A policy object of a kind netdoctor does not model. `spec` (and Cilium's `specs`) are
/// kept as read: the model only looks at their selectors.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ForeignPolicy {
    #[serde(skip)]
    pub kind: String,
    #[serde(skip)]
    pub api_version: String,
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: serde_json::Value,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub specs: Vec<serde_json::Value>,
}

impl ForeignPolicy {
    /// The object read, with the kind and apiVersion the dispatcher saw.
    pub fn with_kind(mut self, kind: &str, api_version: &str) -> ForeignPolicy {
        self.kind = kind.to_string();
        self.api_version = api_version.to_string();
        self
    }
}

/// Whether `kind` in `api_version` is one of the policy kinds kept as [`ForeignPolicy`].
/// Kinds whose name no other project uses are recognised also without an apiVersion (a
/// document that names its `kind` first).
pub fn is_foreign_policy(kind: &str, api_version: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or_default();
    match kind {
        "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy" => {
            group.is_empty() || group == "cilium.io"
        }
        "GlobalNetworkPolicy" => group.is_empty() || group.ends_with("projectcalico.org"),
        "NetworkPolicy" => group.ends_with("projectcalico.org"),
        "AuthorizationPolicy" => group == "security.istio.io",
        "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" | "ClusterNetworkPolicy" => {
            group.is_empty() || group == "policy.networking.k8s.io"
        }
        _ => false,
    }
}

//! How every layer names one object of the cluster: `namespace/kind/name`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The object a finding is about. `namespace` is absent for cluster-scoped objects and for
/// input files (`kind: "File"`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef {
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn namespaced(kind: &str, namespace: &str, name: &str) -> Self {
        Self::new(kind, Some(namespace), name)
    }

    pub fn cluster_scoped(kind: &str, name: &str) -> Self {
        Self::new(kind, None, name)
    }
}

impl fmt::Display for ObjectRef {
    /// `production/service/api-service`, the form the command line accepts back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == "File" {
            return f.write_str(&self.name);
        }
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", ns, self.kind.to_ascii_lowercase(), self.name),
            None => write!(f, "{}/{}", self.kind.to_ascii_lowercase(), self.name),
        }
    }
}

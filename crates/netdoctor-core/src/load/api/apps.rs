//! The `apps` and `batch` groups: every workload kind, read as one shape.

use super::*;
use serde::{Deserialize, Serialize};

/// Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job and CronJob:
/// all that matters is how many pods they want and what those pods look like.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Workload {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: WorkloadSpec,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkloadSpec {
    pub replicas: Option<i64>,
    pub parallelism: Option<i64>,
    pub selector: Option<LabelSelector>,
    pub template: Option<PodTemplate>,
    pub service_name: Option<String>,
    /// CronJob only.
    pub job_template: Option<Box<JobTemplate>>,
    pub suspend: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodTemplate {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobTemplate {
    #[serde(deserialize_with = "nullable")]
    pub spec: WorkloadSpec,
}

//! Workloads (Deployments, StatefulSets, …) and the owner chains that group pods under them.

use super::{controller_owner, Builder};
use crate::load::{api, Origin, WorkloadKind};
use crate::model::types::*;
use crate::model::{Cluster, ObjectRef};
use std::collections::HashMap;

impl Builder {
    pub(super) fn workload(
        &mut self,
        ns: String,
        name: String,
        kind: WorkloadKind,
        w: api::Workload,
        origin: &Origin,
    ) -> Option<Workload> {
        let object = ObjectRef::namespaced(kind.as_str(), &ns, &name);
        let spec = match kind {
            WorkloadKind::CronJob => w
                .spec
                .job_template
                .as_ref()
                .map(|j| &j.spec)
                .unwrap_or(&w.spec),
            _ => &w.spec,
        };
        let selector = match &spec.selector {
            Some(s) => Some(self.selector(s, &object, "spec.selector", origin)?),
            None => None,
        };
        let replicas = match kind {
            WorkloadKind::DaemonSet | WorkloadKind::CronJob => 1,
            WorkloadKind::Job => spec.parallelism.unwrap_or(1),
            _ => w.spec.replicas.unwrap_or(1),
        };
        let template = spec.template.as_ref();
        Some(Workload {
            kind,
            labels: w.metadata.labels.clone(),
            annotations: w.metadata.annotations.clone(),
            replicas,
            selector,
            template_labels: template
                .map(|t| t.metadata.labels.clone())
                .unwrap_or_default(),
            template_spec: template.map(|t| t.spec.clone()),
            service_name: w.spec.service_name.clone(),
            owner: controller_owner(&w.metadata),
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        })
    }
}

/// Workloads by (kind, namespace, name).
pub(super) type WorkloadIndex = HashMap<(String, String, String), usize>;

pub(super) fn index_workloads(workloads: &[Workload]) -> WorkloadIndex {
    workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            (
                (
                    w.kind.as_str().to_string(),
                    w.namespace.clone(),
                    w.name.clone(),
                ),
                i,
            )
        })
        .collect()
}

/// Walk owners up through intermediate workloads in the input (ReplicaSet → Deployment,
/// Job → CronJob) so pods are grouped under what users deploy.
fn top_owner(workloads: &[Workload], index: &WorkloadIndex, ns: &str, owner: &Owner) -> Owner {
    let mut cur = owner.clone();
    for _ in 0..4 {
        let Some(&wi) = index.get(&(cur.kind.clone(), ns.to_string(), cur.name.clone())) else {
            break;
        };
        match &workloads[wi].owner {
            Some(up) if WorkloadKind::parse(&up.kind).is_some() => cur = up.clone(),
            _ => break,
        }
    }
    cur
}

/// The Deployment of a pod whose owner ReplicaSet is not in the input: the Deployment
/// controller names a ReplicaSet `<deployment>-<pod-template-hash>` and puts the same
/// `pod-template-hash` label on its pods, so the owner's name without `-<hash>` names the
/// Deployment, when it is in the input and its selector matches the pod.
fn deployment_of_absent_replicaset(
    workloads: &[Workload],
    index: &WorkloadIndex,
    pod: &Pod,
    owner: &Owner,
) -> Option<Owner> {
    if owner.kind != "ReplicaSet"
        || index.contains_key(&(
            owner.kind.clone(),
            pod.namespace.clone(),
            owner.name.clone(),
        ))
    {
        return None;
    }
    let hash = pod.labels.get("pod-template-hash")?;
    let deploy = owner.name.strip_suffix(&format!("-{hash}"))?;
    let key = (
        "Deployment".to_string(),
        pod.namespace.clone(),
        deploy.to_string(),
    );
    let w = &workloads[*index.get(&key)?];
    w.selector
        .as_ref()
        .is_none_or(|s| s.matches(&pod.labels))
        .then(|| Owner {
            kind: "Deployment".into(),
            name: deploy.to_string(),
        })
}

/// Sets each pod's owner to its top-level workload and links the pod to it.
pub(super) fn group_pods_under_workloads(c: &mut Cluster, index: &WorkloadIndex) {
    for p in &mut c.pods {
        if let Some(o) = &p.owner {
            let o = deployment_of_absent_replicaset(&c.workloads, index, p, o)
                .unwrap_or_else(|| o.clone());
            let top = top_owner(&c.workloads, index, &p.namespace, &o);
            p.workload = index
                .get(&(top.kind.clone(), p.namespace.clone(), top.name.clone()))
                .copied();
            p.owner = Some(top);
        }
    }
}

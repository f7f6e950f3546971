//! How a pod's workload is named. Every output names workloads through this module, in one
//! of the forms below; they differ on purpose (the connlist format of netpol-analyzer, the
//! rollout grouping of the Service rules, the short name used in generated objects).
//!
//! The plain owner form, `ns/owner[Kind]` (or `ns/pod[Pod]` for an unowned pod), is
//! [`Pod::group`]; a workload's own name in that form is [`Workload::group`].

use super::{Cluster, Pod};

/// The owner kinds netpol-analyzer groups pods by (the connlist workload kinds).
pub const WORKLOAD_KINDS: [&str; 8] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "VirtualMachine",
];

/// `ns/name[Kind]`.
pub fn workload_label(namespace: &str, name: &str, kind: &str) -> String {
    format!("{namespace}/{name}[{kind}]")
}

/// The connlist name of a pod's workload: `ns/owner[Kind]` when a workload kind owns it,
/// else `ns/pod[Pod]` (static pods, owned by a Node, are shown as pods).
pub fn connlist_name(p: &Pod) -> String {
    match &p.owner {
        // `Pod` is an owner reference without kind (see `Cluster::build`), grouped by the
        // owner's name as upstream does.
        Some(o) if WORKLOAD_KINDS.contains(&o.kind.as_str()) || o.kind == "Pod" => p.group(),
        _ => workload_label(&p.namespace, &p.name, "Pod"),
    }
}

/// `ns/name[Kind]` of the rollout a pod belongs to. Pods owned by a ReplicaSet that is not in
/// the input are named after their Deployment (the ReplicaSet name without the
/// `pod-template-hash` suffix), so old and new ReplicaSets of one rollout count as one
/// workload. Unowned pods are grouped together as `ns/<bare pods>[Pod]`.
pub fn rollout_name(pod: &Pod) -> String {
    match &pod.owner {
        Some(o) if o.kind == "ReplicaSet" && pod.workload.is_none() => {
            let hash = pod.labels.get("pod-template-hash");
            match hash.and_then(|h| o.name.strip_suffix(&format!("-{h}"))) {
                Some(deploy) => workload_label(&pod.namespace, deploy, "Deployment"),
                None => pod.group(),
            }
        }
        Some(_) => pod.group(),
        None => workload_label(&pod.namespace, "<bare pods>", "Pod"),
    }
}

/// The bare name of a pod's workload (`web`), for names of generated objects: the workload
/// in the input, else the owner's name, else the pod's own name.
pub fn short_workload_name(cluster: &Cluster, p: &Pod) -> String {
    match p.workload.and_then(|i| cluster.workloads.get(i)) {
        Some(w) => w.name.clone(),
        None => p
            .owner
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_else(|| p.name.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BuildOptions;

    const PODS: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-5d4f-x
  namespace: a
  labels: {pod-template-hash: 5d4f}
  ownerReferences: [{kind: ReplicaSet, name: web-5d4f, apiVersion: apps/v1, uid: x, controller: true}]
---
apiVersion: v1
kind: Pod
metadata:
  name: etcd-node1
  namespace: kube-system
  ownerReferences: [{kind: Node, name: node1, apiVersion: v1, uid: y, controller: true}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: a}
"#;

    #[test]
    fn each_form_names_the_workload_as_its_output_needs() {
        let c = Cluster::build(
            crate::load::load_text("test.yaml", PODS),
            &BuildOptions::default(),
        );
        let pod = |name: &str| c.pods.iter().find(|p| p.name == name).expect("pod");
        let (web, etcd, debug) = (pod("web-5d4f-x"), pod("etcd-node1"), pod("debug"));
        assert_eq!(web.group(), "a/web-5d4f[ReplicaSet]");
        assert_eq!(connlist_name(web), "a/web-5d4f[ReplicaSet]");
        assert_eq!(rollout_name(web), "a/web[Deployment]");
        assert_eq!(short_workload_name(&c, web), "web-5d4f");
        assert_eq!(connlist_name(etcd), "kube-system/etcd-node1[Pod]");
        assert_eq!(rollout_name(etcd), "kube-system/node1[Node]");
        assert_eq!(connlist_name(debug), "a/debug[Pod]");
        assert_eq!(rollout_name(debug), "a/<bare pods>[Pod]");
        assert_eq!(short_workload_name(&c, debug), "debug");
        assert_eq!(
            workload_label("a", "web", "Deployment"),
            "a/web[Deployment]"
        );
    }
}

//! DNS: cluster DNS deployment, Corefile, and the DNS settings of pods.

pub mod cluster_dns_not_running;
pub mod cluster_dns_service_unreachable;
pub mod corefile_misconfigured;
pub mod externalname_target_missing;
pub mod host_network_pod_uses_node_dns;
pub mod pod_dns_bypasses_cluster_dns;

use crate::finding::ObjectRef;
use crate::model::{Cluster, Pod};
use crate::sim::dns::ClusterDns;
use std::collections::{BTreeMap, BTreeSet};

/// The object a pod-level finding is reported on: its owning workload, else the pod.
pub(crate) fn owner_ref(pod: &Pod) -> ObjectRef {
    match &pod.owner {
        Some(o) => ObjectRef::namespaced(&o.kind, &pod.namespace, &o.name),
        None => ObjectRef::namespaced("Pod", &pod.namespace, &pod.name),
    }
}

/// Pods grouped by the object they are reported on, deterministic order.
pub(crate) fn group_by_owner<'a>(
    pods: impl Iterator<Item = &'a Pod>,
) -> BTreeMap<ObjectRef, Vec<&'a Pod>> {
    let mut out: BTreeMap<ObjectRef, Vec<&Pod>> = BTreeMap::new();
    for p in pods {
        out.entry(owner_ref(p)).or_default().push(p);
    }
    out
}

/// Pods that serve DNS themselves (CoreDNS/kube-dns, NodeLocal DNSCache): they resolve
/// through the node on purpose.
pub(crate) fn dns_server_pods(cluster: &Cluster, dns: &ClusterDns) -> BTreeSet<(String, String)> {
    let mut out: BTreeSet<(String, String)> = dns
        .pods
        .iter()
        .map(|&i| {
            (
                cluster.pods[i].namespace.clone(),
                cluster.pods[i].name.clone(),
            )
        })
        .collect();
    for p in &cluster.pods {
        let app = p
            .labels
            .get("k8s-app")
            .or_else(|| p.labels.get("app.kubernetes.io/name"))
            .map(String::as_str);
        let owner = p.owner.as_ref().map(|o| o.name.as_str());
        if matches!(app, Some("kube-dns" | "coredns" | "node-local-dns"))
            || matches!(owner, Some("coredns" | "kube-dns" | "node-local-dns"))
        {
            out.insert((p.namespace.clone(), p.name.clone()));
        }
    }
    out
}

/// `ns/name (pod, pod, …)` for evidence lines, at most five names.
pub(crate) fn pod_list(pods: &[&Pod]) -> String {
    let mut names: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let more = names.len().saturating_sub(5);
    names.truncate(5);
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use crate::load::load_text;
    use crate::model::{BuildOptions, Cluster};
    use crate::rules::{self, RunOptions};

    const BASE: &str = include_str!("../../../tests/fixtures/rules/DNS001/quiet.yaml");

    fn messages(text: &str, code: &str) -> Vec<String> {
        let c = Cluster::build(load_text("t.yaml", text), &BuildOptions::default());
        rules::run(
            &c,
            &RunOptions {
                namespaces: vec![],
                only: vec![code.to_string()],
                ..RunOptions::default()
            },
        )
        .into_iter()
        .map(|f| format!("{}: {}", f.object, f.message))
        .collect()
    }

    #[test]
    fn quiet_base_is_quiet_for_every_dns_rule() {
        for code in ["DNS001", "DNS002", "DNS003", "DNS004", "DNS005", "DNS006"] {
            assert_eq!(messages(BASE, code), Vec::<String>::new(), "{code}");
        }
    }

    #[test]
    fn dns001_scaled_to_zero() {
        let text = BASE
            .replace("  spec:\n    replicas: 1\n    selector: {matchLabels: {k8s-app: kube-dns}}\n    template:\n      metadata: {labels: {k8s-app: kube-dns}}\n      spec:\n        dnsPolicy: Default\n        containers: [{name: coredns, image", "  spec:\n    replicas: 0\n    selector: {matchLabels: {k8s-app: kube-dns}}\n    template:\n      metadata: {labels: {k8s-app: kube-dns}}\n      spec:\n        dnsPolicy: Default\n        containers: [{name: coredns, image");
        // Drop the running pod and its ReplicaSet: the Deployment has none.
        let cut = text
            .find("- apiVersion: apps/v1\n  kind: ReplicaSet")
            .unwrap();
        let end = text
            .find("- apiVersion: v1\n  kind: Service\n  metadata: {name: api-service")
            .unwrap();
        let text = format!("{}{}", &text[..cut], &text[end..]);
        let m = messages(&text, "DNS001");
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("scaled to 0 replicas"), "{m:?}");
    }

    #[test]
    fn dns002_kubelet_nameserver_is_not_the_service_ip() {
        let text = format!(
            "{BASE}- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: kubelet-config, namespace: kube-system}}\n  data:\n    kubelet: |\n      apiVersion: kubelet.config.k8s.io/v1beta1\n      kind: KubeletConfiguration\n      clusterDNS:\n      - 10.96.0.53\n      clusterDomain: cluster.local\n"
        );
        let m = messages(&text, "DNS002");
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains("nameserver 10.96.0.53") && m[0].contains("ClusterIP 10.96.0.10"),
            "{m:?}"
        );
        // NodeLocal DNSCache's address is a valid nameserver.
        let text = text.replace("- 10.96.0.53", "- 169.254.20.10")
            + "- apiVersion: apps/v1\n  kind: DaemonSet\n  metadata: {name: node-local-dns, namespace: kube-system}\n  spec:\n    selector: {matchLabels: {k8s-app: node-local-dns}}\n    template:\n      metadata: {labels: {k8s-app: node-local-dns}}\n      spec:\n        hostNetwork: true\n        dnsPolicy: Default\n        containers: [{name: node-cache}]\n";
        assert_eq!(messages(&text, "DNS002"), Vec::<String>::new());
    }

    #[test]
    fn dns003_domain_typo_against_kubelet_and_parse_errors() {
        let kubelet = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: kubelet-config, namespace: kube-system}\n  data:\n    kubelet: |\n      clusterDomain: cluster.local\n";
        let text = format!(
            "{}{kubelet}",
            BASE.replace(
                "kubernetes cluster.local in-addr.arpa",
                "kubernetes cluster.lcoal in-addr.arpa"
            )
        );
        let m = messages(&text, "DNS003");
        assert!(
            m.iter()
                .any(|x| x.contains("no kubernetes plugin for cluster.local")),
            "{m:?}"
        );
        let text = BASE.replace("          reload\n      }", "          reload\n");
        let m = messages(&text, "DNS003");
        assert!(m.iter().any(|x| x.contains("not closed")), "{m:?}");
        // An import is not an error.
        let text = BASE.replace(
            "          reload\n",
            "          reload\n          import /etc/coredns/custom/*.override\n",
        );
        assert_eq!(messages(&text, "DNS003"), Vec::<String>::new());
    }

    #[test]
    fn dns004_and_dns005_skip_dns_servers_and_group_by_workload() {
        let text = format!(
            "{BASE}- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {{name: batch, namespace: production}}\n  spec:\n    replicas: 3\n    selector: {{matchLabels: {{app: batch}}}}\n    template:\n      metadata: {{labels: {{app: batch}}}}\n      spec:\n        dnsPolicy: Default\n        containers: [{{name: c}}]\n"
        );
        let m = messages(&text, "DNS005");
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("production/deployment/batch"), "{m:?}");
        assert_eq!(messages(BASE, "DNS005"), Vec::<String>::new());
    }
}

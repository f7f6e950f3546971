use super::{dns_server_pods, group_by_owner, pod_list};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::dns::ClusterDns;

pub static RULE: Rule = Rule {
    code: "DNS004",
    area: crate::rules::Area::Dns,
    name: "host-network-pod-uses-node-dns",
    severity: Severity::Warning,
    summary: "`hostNetwork: true` with dnsPolicy `ClusterFirst` (falls back to the node's resolver; service names do not resolve)",
    doc: r#"## What it checks
Pods with `hostNetwork: true` whose `dnsPolicy` is `ClusterFirst` (the default when the field
is left out). Pods in `kube-system` (node agents such as kube-proxy, which talk to the API
server by address) and DNS servers themselves are not reported.

## Why it breaks traffic
For a pod on the host network kubelet treats `ClusterFirst` as `Default`: the pod gets the
node's `/etc/resolv.conf`, not the cluster DNS nameserver and search path. Service names
(`api-service`, `api-service.production.svc.cluster.local`) go to the node's upstream resolver,
which answers NXDOMAIN. The pod "works on the node" and fails on every Service name.

## How to fix
Set `dnsPolicy: ClusterFirstWithHostNet` on the pod template:
```
kubectl -n NS patch deployment NAME -p '{"spec":{"template":{"spec":{"dnsPolicy":"ClusterFirstWithHostNet"}}}}'
```
(for a bare pod, delete and recreate it with the field set). If the pod does not need the
host network, drop `hostNetwork: true` instead.

## Example
```
warning[DNS004] host-network-pod-uses-node-dns: production/pod/debug-shell
  pod debug-shell has hostNetwork: true and dnsPolicy ClusterFirst: kubelet gives it the node's resolver, so Service names such as api-service.production.svc.cluster.local do not resolve
```

## References
- Pod's DNS Policy: https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    let candidates: Vec<&crate::model::Pod> = cluster
        .pods
        .iter()
        .filter(|p| {
            p.host_network && p.dns_policy == "ClusterFirst" && p.namespace != "kube-system"
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let dns = ClusterDns::of(cluster);
    let servers = dns_server_pods(cluster, &dns);
    let pods = candidates
        .into_iter()
        .filter(|p| !servers.contains(&(p.namespace.clone(), p.name.clone())));
    for (object, pods) in group_by_owner(pods) {
        let who = if object.kind == "Pod" {
            format!("pod {}", object.name)
        } else {
            format!("{} {} (pods {})", object.kind, object.name, pod_list(&pods))
        };
        let example = format!("kubernetes.default.svc.{}", dns.domain);
        let fix = if object.kind == "Pod" {
            Fix::new("Recreate the pod with dnsPolicy ClusterFirstWithHostNet").yaml(
                "spec:\n  hostNetwork: true\n  dnsPolicy: ClusterFirstWithHostNet\n".to_string(),
            )
        } else {
            Fix::new("Set dnsPolicy ClusterFirstWithHostNet on the pod template").command(format!(
                "kubectl -n {} patch {} {} -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"dnsPolicy\":\"ClusterFirstWithHostNet\"}}}}}}}}'",
                object.namespace.as_deref().unwrap_or_default(),
                object.kind.to_ascii_lowercase(),
                object.name
            ))
        };
        out.push(
            Finding::new(
                &RULE,
                object.clone(),
                format!(
                    "{who} has hostNetwork: true and dnsPolicy ClusterFirst: kubelet gives it the node's resolver instead of cluster DNS{}, so Service names such as {example} do not resolve",
                    match dns.nameservers().first() {
                        Some(ns) => format!(" ({ns})"),
                        None => String::new(),
                    }
                ),
            )
            .with_fix(fix),
        );
    }
}

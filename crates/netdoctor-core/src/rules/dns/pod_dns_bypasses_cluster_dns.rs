use super::{dns_server_pods, group_by_owner, pod_list};
use crate::finding::{Finding, Fix, Severity};
use crate::model::{Cluster, Pod};
use crate::rules::Rule;
use crate::sim::dns::ClusterDns;

pub static RULE: Rule = Rule {
    code: "DNS005",
    area: crate::rules::Area::Dns,
    name: "pod-dns-bypasses-cluster-dns",
    severity: Severity::Warning,
    summary: "dnsPolicy `Default`, or `None` without the cluster DNS nameserver: the pod cannot resolve service names",
    doc: r#"## What it checks
Pods whose DNS settings do not lead to cluster DNS: `dnsPolicy: Default` (the node's
resolver; the name is misleading, `ClusterFirst` is the default), and `dnsPolicy: None` whose
`dnsConfig.nameservers` does not list the cluster DNS address (the kube-dns ClusterIP,
kubelet's clusterDNS, or the NodeLocal DNSCache address). The DNS servers themselves (CoreDNS,
kube-dns, node-local-dns, which must use `Default`) and pods in `kube-system` are not reported.

## Why it breaks traffic
Such a pod's queries never reach CoreDNS: `api-service`, `api-service.production` and even
`api-service.production.svc.cluster.local` go to a resolver that does not know the cluster
domain and answers NXDOMAIN. External names keep working, which hides the problem until the
pod calls a Service.

## How to fix
Remove `dnsPolicy: Default` (so the default `ClusterFirst` applies), or add the cluster DNS
address to `dnsConfig.nameservers` together with the search domains:
```yaml
dnsPolicy: None
dnsConfig:
  nameservers: [10.96.0.10]
  searches: [NS.svc.cluster.local, svc.cluster.local, cluster.local]
  options: [{name: ndots, value: "5"}]
```

## Example
```
warning[DNS005] pod-dns-bypasses-cluster-dns: production/deployment/batch
  Deployment batch (pods batch-7f9c-x2x9z) has dnsPolicy Default: it uses the node's resolver, so Service names in cluster.local do not resolve
```

## References
- Pod's DNS Policy: https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy
- Pod's DNS Config: https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-dns-config
"#,
    check,
};

fn bypasses(dns: &ClusterDns, p: &Pod) -> Option<String> {
    match p.dns_policy.as_str() {
        "Default" => Some("dnsPolicy Default: it uses the node's resolver".to_string()),
        "None" => {
            let ns: Vec<String> = p
                .dns_config
                .as_ref()
                .map(|c| c.nameservers.clone())
                .unwrap_or_default();
            if ns.iter().any(|n| dns.is_cluster_nameserver(n)) {
                None
            } else if ns.is_empty() {
                Some("dnsPolicy None and no dnsConfig nameservers: its resolv.conf has no nameserver".to_string())
            } else {
                Some(format!(
                    "dnsPolicy None with nameservers {} and not the cluster DNS address {}",
                    ns.join(", "),
                    dns.nameservers().join(", ")
                ))
            }
        }
        _ => None,
    }
}

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    // Cheap first pass on the policy alone; the cluster DNS model only when needed.
    let candidates: Vec<&Pod> = cluster
        .pods
        .iter()
        .filter(|p| {
            p.namespace != "kube-system" && matches!(p.dns_policy.as_str(), "Default" | "None")
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let dns = ClusterDns::of(cluster);
    let servers = dns_server_pods(cluster, &dns);
    let pods = candidates.into_iter().filter(|p| {
        bypasses(&dns, p).is_some() && !servers.contains(&(p.namespace.clone(), p.name.clone()))
    });
    for (object, pods) in group_by_owner(pods) {
        let Some(reason) = bypasses(&dns, pods[0]) else {
            continue;
        };
        let who = if object.kind == "Pod" {
            format!("pod {}", object.name)
        } else {
            format!("{} {} (pods {})", object.kind, object.name, pod_list(&pods))
        };
        let nameserver = dns
            .nameservers()
            .first()
            .cloned()
            .unwrap_or_else(|| "10.96.0.10".into());
        let ns = object.namespace.clone().unwrap_or_default();
        out.push(
            Finding::new(
                &RULE,
                object.clone(),
                format!(
                    "{who} has {reason}, so Service names in {} do not resolve",
                    dns.domain
                ),
            )
            .with_fix(
                Fix::new("Use dnsPolicy ClusterFirst, or give dnsConfig the cluster DNS nameserver and search path")
                    .yaml(format!(
                        "dnsPolicy: None\ndnsConfig:\n  nameservers: [{nameserver}]\n  searches: [{ns}.svc.{d}, svc.{d}, {d}]\n  options: [{{name: ndots, value: \"5\"}}]\n",
                        d = dns.domain
                    )),
            ),
        );
    }
}

use super::{example_pod, first};
use crate::finding::{Finding, Fix, Severity};
use crate::model::cluster_policy::Tier;
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::netpol::Engine;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: "ANP001",
    area: crate::rules::Area::Anp,
    name: "admin-policies-share-priority",
    severity: Severity::Warning,
    summary: "two cluster policies of one tier have the same priority and select the same pods",
    doc: r#"## What it checks
AdminNetworkPolicies (and ClusterNetworkPolicies of one tier) that have the same
`spec.priority` and whose subjects select at least one common pod.

## Why it breaks traffic
The API leaves the order of policies with equal priority undefined: "the implementation can
apply any of the matching policies to the connection, and there is no way for the user to
reliably determine which one it will choose". When one says `Allow` and the other `Deny` for
the same connection, the result may differ between CNIs, nodes, or after a restart.
netdoctor orders ties by kind and name so that its answers are stable, which is not a
promise the data plane makes.

## How to fix
Give every policy a unique priority (lower numbers are evaluated first), or make their
subjects disjoint.
```
kubectl patch adminnetworkpolicy NAME --type merge -p '{"spec":{"priority":11}}'
```

## Example
```
warning[ANP001] adminnetworkpolicy/deny-monitoring
  AdminNetworkPolicy deny-monitoring and AdminNetworkPolicy allow-monitoring both have priority 10
  and both select 3 pods (e.g. shop/web[Deployment]): which one applies is undefined
```

## References
- ClusterNetworkPolicy priority: https://github.com/kubernetes-sigs/network-policy-api/blob/main/apis/v1alpha2/clusternetworkpolicy_types.go
- AdminNetworkPolicy: https://network-policy-api.sigs.k8s.io/api-overview/
"#,
    check,
};

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if c.cluster_policies.len() < 2 {
        return;
    }
    let engine = Engine::new(c);
    // (earlier, later) → the label groups both select.
    let mut pairs: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for g in 0..c.label_groups().len() {
        let list = engine.cluster_policies_of_group(g);
        for (i, &a) in list.iter().enumerate() {
            let pa = &c.cluster_policies[a as usize];
            for &b in &list[i + 1..] {
                let pb = &c.cluster_policies[b as usize];
                if pa.tier != pb.tier || pa.priority.is_none() || pa.priority != pb.priority {
                    break;
                }
                pairs.entry((a as usize, b as usize)).or_default().push(g);
            }
        }
    }
    for ((a, b), groups) in pairs {
        let (pa, pb) = (&c.cluster_policies[a], &c.cluster_policies[b]);
        let pods: usize = groups.iter().map(|&g| c.label_groups()[g].pods.len()).sum();
        let mut bits = vec![0u64; c.label_groups().len().div_ceil(64)];
        for &g in &groups {
            bits[g / 64] |= 1 << (g % 64);
        }
        let example = first(&bits).map(|g| example_pod(c, g)).unwrap_or_default();
        let tier = match pa.tier {
            Tier::Admin => "admin",
            Tier::Baseline => "baseline",
        };
        let message = format!(
            "{} {} and {} {} both have priority {} in the {tier} tier and both select {pods} pod{} (e.g. {example}): which one applies to their connections is undefined",
            pa.kind.as_str(),
            pa.name,
            pb.kind.as_str(),
            pb.name,
            pa.priority.unwrap_or_default(),
            if pods == 1 { "" } else { "s" },
        );
        out.push(
            Finding::new(&RULE, pb.object_ref(), message).with_fix(
                Fix::new(format!(
                    "Give {} a priority no other {tier}-tier policy uses",
                    pb.name
                ))
                .command(format!(
                    "kubectl patch {} {} --type merge -p '{{\"spec\":{{\"priority\":{}}}}}'",
                    pb.kind.as_str().to_ascii_lowercase(),
                    pb.name,
                    pb.priority.unwrap_or_default() + 1
                )),
            ),
        );
    }
}

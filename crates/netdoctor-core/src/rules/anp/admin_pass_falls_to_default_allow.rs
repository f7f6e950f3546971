use super::{example_pod, is_empty, podset_groups};
use crate::finding::{Finding, Fix, Severity};
use crate::model::cluster_policy::{Action, Tier};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::netpol::{Direction, Engine};

pub static RULE: Rule = Rule {
    code: "ANP003",
    area: crate::rules::Area::Anp,
    name: "admin-pass-falls-to-default-allow",
    severity: Severity::Info,
    summary: "an admin-tier Pass rule hands pods to NetworkPolicy and the baseline, but neither decides: the traffic is allowed by default",
    doc: r#"## What it checks
For every `Pass` rule of an AdminNetworkPolicy (or Admin-tier ClusterNetworkPolicy), the pods
it applies to that no NetworkPolicy isolates in that direction and that no baseline policy
(the BaselineAdminNetworkPolicy `default`, Baseline-tier ClusterNetworkPolicies) with rules
in that direction selects.

## Why it breaks traffic
`Pass` means "let the namespace owner decide". When the namespace has no NetworkPolicy for
that direction and no baseline rule applies, nobody decides and the connection is allowed by
default. That is often not what the administrator meant (a `Pass` is usually written next to
a `Deny`, expecting the namespace to be locked down).

## How to fix
If the traffic should be dropped unless the namespace allows it, add a baseline rule (a
`Deny` in the BaselineAdminNetworkPolicy `default`), or ask the namespace owners for a
default-deny NetworkPolicy. If allowing it is intended, nothing needs to change.

## Example
```
info[ANP003] adminnetworkpolicy/pass-to-tenants
  ingress[0] "pass-from-tenants" (Pass) of AdminNetworkPolicy pass-to-tenants (priority 10) passes ingress of
  2 pods (e.g. tenant-a/web[Deployment]) that no NetworkPolicy isolates and no baseline rule selects: allowed by default
```

## References
- AdminNetworkPolicy Pass action: https://network-policy-api.sigs.k8s.io/api-overview/
"#,
    check,
};

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if !c.cluster_policies.iter().any(|p| p.tier == Tier::Admin) {
        return;
    }
    let engine = Engine::new(c);
    for (pi, p) in c.cluster_policies.iter().enumerate() {
        if p.tier != Tier::Admin {
            continue;
        }
        let subject = podset_groups(&engine, &p.subject);
        if is_empty(&subject) {
            continue;
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            for (ri, r) in p.rules(dir == Direction::Ingress).iter().enumerate() {
                if r.action != Action::Pass {
                    continue;
                }
                let open: Vec<usize> = (0..c.label_groups().len())
                    .filter(|&g| subject[g / 64] & (1 << (g % 64)) != 0)
                    .filter(|&g| engine.cluster_policies_of_group(g).contains(&(pi as u32)))
                    .filter(|&g| engine.policies_of_group(g, dir).is_empty())
                    .filter(|&g| {
                        !engine.cluster_policies_of_group(g).iter().any(|&b| {
                            let pb = &c.cluster_policies[b as usize];
                            pb.tier == Tier::Baseline
                                && !pb.rules(dir == Direction::Ingress).is_empty()
                        })
                    })
                    .collect();
                let Some(&g0) = open.first() else { continue };
                let pods: usize = open.iter().map(|&g| c.label_groups()[g].pods.len()).sum();
                let name = if r.name.is_empty() {
                    String::new()
                } else {
                    format!(" {:?}", r.name)
                };
                out.push(
                    Finding::new(
                        &RULE,
                        p.object_ref(),
                        format!(
                            "{}[{ri}]{name} (Pass) of {} passes the {} of {pods} pod{} (e.g. {}) that no NetworkPolicy isolates and no baseline rule selects: what it matches is allowed by default",
                            dir.as_str(),
                            p.display(),
                            dir.as_str(),
                            if pods == 1 { "" } else { "s" },
                            example_pod(c, g0)
                        ),
                    )
                    .with_fix(
                        Fix::new("If the passed traffic should be dropped unless a namespace allows it, add a Deny rule to the BaselineAdminNetworkPolicy default (or a default-deny NetworkPolicy in those namespaces)")
                            .command("kubectl get baselineadminnetworkpolicy default -o yaml"),
                    ),
                );
            }
        }
    }
}

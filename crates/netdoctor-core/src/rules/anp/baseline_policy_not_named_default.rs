use crate::finding::{Finding, Fix, Severity};
use crate::model::cluster_policy::ClusterPolicyKind;
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "ANP004",
    area: crate::rules::Area::Anp,
    name: "baseline-policy-not-named-default",
    severity: Severity::Warning,
    summary: "a BaselineAdminNetworkPolicy is not named `default` (the API server rejects it; it has no effect)",
    doc: r#"## What it checks
BaselineAdminNetworkPolicy objects whose `metadata.name` is not `default`.

## Why it breaks traffic
The cluster may hold one BaselineAdminNetworkPolicy and its CRD only accepts the name
`default`: `kubectl apply` of any other name fails, so the guardrails it describes (a
default deny between namespaces, say) are not in force, and traffic the administrator meant
to drop flows. netdoctor leaves such an object out of every verdict.

## How to fix
Rename it to `default` (merge its rules into the existing `default` one if there is one),
or express it as a Baseline-tier ClusterNetworkPolicy (`policy.networking.k8s.io/v1alpha2`),
which allows several policies.
```
kubectl get baselineadminnetworkpolicy default -o yaml
```

## Example
```
warning[ANP004] baselineadminnetworkpolicy/deny-between-tenants
  BaselineAdminNetworkPolicy deny-between-tenants is not named default: the API server rejects it and it has no effect
```

## References
- BaselineAdminNetworkPolicy: https://github.com/kubernetes-sigs/network-policy-api/blob/main/apis/v1alpha1/baselineadminnetworkpolicy_types.go
"#,
    check,
};

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    for p in &c.cluster_policies {
        if p.kind != ClusterPolicyKind::BaselineAdminNetworkPolicy || p.name == "default" {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                p.object_ref(),
                format!(
                    "BaselineAdminNetworkPolicy {} is not named default: the API server accepts only metadata.name: default, so this policy has no effect and netdoctor leaves it out of every verdict",
                    p.name
                ),
            )
            .with_fix(
                Fix::new("Rename it to default (merging it into an existing default), or make it a Baseline-tier ClusterNetworkPolicy")
                    .command("kubectl get baselineadminnetworkpolicy default -o yaml"),
            ),
        );
    }
}

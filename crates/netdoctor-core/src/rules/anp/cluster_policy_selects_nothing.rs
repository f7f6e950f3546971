use super::{is_empty, podset_groups};
use crate::finding::{Finding, Fix, Severity};
use crate::model::cluster_policy::ClusterPeer;
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::netpol::Engine;

pub static RULE: Rule = Rule {
    code: "ANP005",
    area: crate::rules::Area::Anp,
    name: "cluster-policy-selects-nothing",
    severity: Severity::Warning,
    summary:
        "a cluster policy's subject, or a peer of one of its rules, selects no pod (or no node)",
    doc: r#"## What it checks
The `subject` of every AdminNetworkPolicy, BaselineAdminNetworkPolicy and
ClusterNetworkPolicy, and every `namespaces`/`pods` peer (and `nodes` peer, when the input
has Nodes) of its rules, against the pods and namespaces of the input.

## Why it breaks traffic
A subject that selects nothing means the policy protects nothing; a peer that selects nothing
means the rule never matches, so the guardrail (a `Deny`) or the exception (an `Allow`) it
was written for is not there. The usual cause is a label the namespaces do not carry
(`name: monitoring` where namespaces only have `kubernetes.io/metadata.name`).

## How to fix
Correct the selector to labels the pods and namespaces carry:
```
kubectl get namespaces --show-labels
kubectl get pods -A --show-labels
```

## Example
```
warning[ANP005] adminnetworkpolicy/allow-monitoring
  ingress[0] peer 0 (every pod in namespaces with name=monitoring) of AdminNetworkPolicy allow-monitoring (priority 5) selects no pod
```

## References
- AdminNetworkPolicy subjects and peers: https://network-policy-api.sigs.k8s.io/api-overview/
"#,
    check,
};

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if c.cluster_policies.is_empty() || c.pods.is_empty() || !c.can_read("Pod") {
        return;
    }
    let engine = Engine::new(c);
    for p in &c.cluster_policies {
        let mut problems = Vec::new();
        if is_empty(&podset_groups(&engine, &p.subject)) {
            problems.push(format!(
                "the subject ({}) selects no pod",
                p.subject.describe()
            ));
        }
        for (dir, rules) in [("ingress", &p.ingress), ("egress", &p.egress)] {
            for (ri, r) in rules.iter().enumerate() {
                for (k, peer) in r.peers.iter().enumerate() {
                    let empty = match peer {
                        ClusterPeer::Pods(s) => is_empty(&podset_groups(&engine, s)),
                        ClusterPeer::Nodes(sel) => {
                            !c.nodes.is_empty() && !c.nodes.iter().any(|n| sel.matches(&n.labels))
                        }
                        ClusterPeer::Networks(_) | ClusterPeer::DomainNames(_) => false,
                    };
                    if empty {
                        let what = if matches!(peer, ClusterPeer::Nodes(_)) {
                            "node"
                        } else {
                            "pod"
                        };
                        problems.push(format!(
                            "{dir}[{ri}] peer {k} ({}) selects no {what}",
                            peer.describe()
                        ));
                    }
                }
            }
        }
        if problems.is_empty() {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                p.object_ref(),
                format!("{}: {}", p.display(), problems.join("; ")),
            )
            .with_fix(
                Fix::new("Correct the selectors to labels the namespaces and pods carry")
                    .command("kubectl get namespaces --show-labels")
                    .command("kubectl get pods -A --show-labels"),
            ),
        );
    }
}

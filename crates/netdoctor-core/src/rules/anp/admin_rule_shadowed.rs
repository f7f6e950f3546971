use super::{is_empty, is_subset, podset_groups, subject_groups};
use crate::finding::{Finding, Fix, Severity};
use crate::model::cluster_policy::{ClusterPeer, ClusterPolicy, ClusterPort, ClusterRule, PodSet};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::netpol::{cluster_policy_effective, cluster_rule_conns, Engine};
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    code: "ANP002",
    area: crate::rules::Area::Anp,
    name: "admin-rule-shadowed",
    severity: Severity::Warning,
    summary: "a cluster policy rule can never decide: an earlier rule (higher precedence) matches all its traffic",
    doc: r#"## What it checks
For every rule of an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy,
whether a rule evaluated before it in the same tier and direction (in a policy with a lower
priority number, or earlier in the same policy) applies to every pod it applies to, matches
every peer it matches (over the pods and namespaces in the input) and every port it names.

## Why it breaks traffic
The first matching rule decides. A shadowed rule is dead: an `Allow` written to open a path
through a broad `Deny` never applies, and the traffic stays dropped (or the reverse: a
`Deny` under a broad `Allow` or `Pass` never protects anything).

## How to fix
Move the rule before the one that shadows it (give its policy a lower priority number, or
put it first in the same policy), narrow the earlier rule, or delete the dead rule.

## Example
```
warning[ANP002] adminnetworkpolicy/allow-monitoring
  egress[0] "allow-prometheus" (Allow) of AdminNetworkPolicy allow-monitoring (priority 20) never decides:
  egress[0] "deny-all" (Deny) of AdminNetworkPolicy deny-all (priority 10) matches all its traffic first
```

## References
- AdminNetworkPolicy rule precedence: https://network-policy-api.sigs.k8s.io/api-overview/
"#,
    check,
};

/// Whether every port `r2` names is one `r1` matches (named ports: only the same name).
fn ports_cover(r1: &ClusterRule, r2: &ClusterRule) -> bool {
    let (Some(p1), Some(p2)) = (&r1.ports, &r2.ports) else {
        return r1.ports.is_none();
    };
    let named_ok = p2.iter().all(|p| match p {
        ClusterPort::Named(n) => p1
            .iter()
            .any(|q| matches!(q, ClusterPort::Named(m) if m == n)),
        _ => true,
    });
    let (c1, c2) = (cluster_rule_conns(r1, None), cluster_rule_conns(r2, None));
    named_ok && c2.subtract(&c1).is_empty()
}

/// The label groups of each pod set, computed once.
type GroupCache<'c> = HashMap<&'c PodSet, Vec<u64>>;

fn groups_of<'c>(engine: &Engine<'_>, cache: &mut GroupCache<'c>, s: &'c PodSet) -> Vec<u64> {
    cache
        .entry(s)
        .or_insert_with(|| podset_groups(engine, s))
        .clone()
}

/// Whether `r1`'s peers match everything `r2`'s peers match.
fn peers_cover<'c>(
    engine: &Engine<'_>,
    cache: &mut GroupCache<'c>,
    r1: &'c ClusterRule,
    r2: &'c ClusterRule,
) -> bool {
    let n = engine.cluster.label_groups().len().div_ceil(64);
    let mut pods1 = vec![0u64; n];
    for p in &r1.peers {
        if let ClusterPeer::Pods(s) = p {
            for (w, x) in pods1.iter_mut().zip(groups_of(engine, cache, s)) {
                *w |= x;
            }
        }
    }
    let mut matched_something = false;
    for p in &r2.peers {
        let covered = match p {
            ClusterPeer::Pods(s) => {
                let g = groups_of(engine, cache, s);
                matched_something |= !is_empty(&g);
                is_subset(&g, &pods1)
            }
            ClusterPeer::Networks(nets) => {
                matched_something = true;
                nets.iter().all(|n2| {
                    r1.peers.iter().any(|q| {
                        matches!(q, ClusterPeer::Networks(n1) if n1.iter().any(|n| n.contains(n2)))
                    })
                })
            }
            ClusterPeer::Nodes(sel) => {
                matched_something = true;
                r1.peers
                    .iter()
                    .any(|q| matches!(q, ClusterPeer::Nodes(s1) if s1.is_empty() || s1 == sel))
            }
            ClusterPeer::DomainNames(d) => {
                matched_something = true;
                r1.peers.iter().any(
                    |q| matches!(q, ClusterPeer::DomainNames(d1) if d.iter().all(|x| d1.contains(x))),
                )
            }
        };
        if !covered {
            return false;
        }
    }
    matched_something
}

fn rule_label(p: &ClusterPolicy, dir: &str, i: usize) -> String {
    let r = &p.rules(dir == "ingress")[i];
    let name = if r.name.is_empty() {
        String::new()
    } else {
        format!(" {:?}", r.name)
    };
    format!(
        "{dir}[{i}]{name} ({}) of {}",
        r.action.as_str(),
        p.display()
    )
}

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if c.cluster_policies.is_empty() {
        return;
    }
    let engine = Engine::new(c);
    let subjects = subject_groups(&engine);
    let mut cache = GroupCache::new();
    let mut order: Vec<usize> = (0..c.cluster_policies.len())
        .filter(|&i| cluster_policy_effective(&c.cluster_policies[i]) && !is_empty(&subjects[i]))
        .collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&c.cluster_policies[a], &c.cluster_policies[b]);
        (pa.tier, pa.precedence()).cmp(&(pb.tier, pb.precedence()))
    });
    for (k, &b) in order.iter().enumerate() {
        let pb = &c.cluster_policies[b];
        for dir in ["ingress", "egress"] {
            for (ri, r2) in pb.rules(dir == "ingress").iter().enumerate() {
                let shadow = order[..=k].iter().find_map(|&a| {
                    let pa = &c.cluster_policies[a];
                    let strictly_before = a == b || pa.priority != pb.priority;
                    if pa.tier != pb.tier
                        || !strictly_before
                        || !is_subset(&subjects[b], &subjects[a])
                    {
                        return None;
                    }
                    let limit = if a == b {
                        ri
                    } else {
                        pa.rules(dir == "ingress").len()
                    };
                    pa.rules(dir == "ingress")[..limit]
                        .iter()
                        .position(|r1| {
                            ports_cover(r1, r2) && peers_cover(&engine, &mut cache, r1, r2)
                        })
                        .map(|i| (a, i))
                });
                let Some((a, i)) = shadow else { continue };
                let pa = &c.cluster_policies[a];
                out.push(
                    Finding::new(
                        &RULE,
                        pb.object_ref(),
                        format!(
                            "{} never decides: {} comes first and matches all its traffic (every pod it applies to, every peer and port it names)",
                            rule_label(pb, dir, ri),
                            rule_label(pa, dir, i)
                        ),
                    )
                    .with_fix(
                        Fix::new("Move the shadowed rule before the one that shadows it (a lower priority number, or earlier in the same policy), narrow the earlier rule, or delete the dead rule")
                            .command(format!("kubectl get {} {} -o yaml", pa.kind.as_str().to_ascii_lowercase(), pa.name)),
                    ),
                );
            }
        }
    }
}

use super::{pod_label, short_list};
use crate::finding::{Finding, Fix, Severity};
use crate::model::foreign_policy::{ForeignPolicy, NamespaceScope};
use crate::model::Cluster;
use crate::rules::Rule;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: "NP007",
    area: crate::rules::Area::Np,
    name: "policy-kind-not-modelled",
    severity: Severity::Warning,
    summary: "a policy of a kind netdoctor does not model (Cilium, Calico, Istio) governs pods",
    doc: r#"## What it checks
Policy objects of other projects that decide traffic beside (or instead of) Kubernetes
NetworkPolicy: `CiliumNetworkPolicy` and `CiliumClusterwideNetworkPolicy` (`cilium.io`),
Calico `NetworkPolicy` and `GlobalNetworkPolicy` (`crd.projectcalico.org/v1`,
`projectcalico.org/v3`) and Istio `AuthorizationPolicy` (`security.istio.io`).
(`AdminNetworkPolicy`, `BaselineAdminNetworkPolicy` and `ClusterNetworkPolicy` are evaluated:
see docs/cluster-policies.md and the ANP rules.) The rule names each one and the pods its selector selects:
Cilium's `endpointSelector` (`spec` and `specs[]`), Calico's `selector` (the simple forms
`k == 'v'`, `k != 'v'`, `has(k)`, `k in {...}`, `all()` joined by `&&`), Istio's
`selector.matchLabels` (absent: the whole namespace; in the root namespace, assumed to be
`istio-system`: the whole mesh). A selector netdoctor cannot
read is taken to select every pod it could.

## Why it breaks traffic
netdoctor evaluates Kubernetes NetworkPolicy only. These policies allow or drop connections
NetworkPolicy says nothing about (a CiliumNetworkPolicy that admits only `org=empire`, an
Istio policy that allows nothing), or admit what a NetworkPolicy denies (a Calico policy
ordered first). A verdict that ignores them can say "allowed"
for a connection the CNI or the mesh drops. So `policy check`, `trace` and `policy map` mark
every verdict about a selected pod, in a direction the policy governs, as **unknown**
(`"verdict": "unknown"`, never exit 0; see docs/interface.md).

## How to fix
Nothing is wrong with the policy itself. Decide such connections with the tool of the
project that enforces them (`cilium policy trace`, `hubble observe`, `calicoctl`,
`istioctl x authz check`), or test them from a client pod
(`kubectl exec -n NS CLIENT_POD -- nc -zv -w 3 HOST PORT`).

## Example
```
warning[NP007] policy-kind-not-modelled: default/ciliumnetworkpolicy/rule1
  CiliumNetworkPolicy default/rule1 (cilium.io/v2) governs the ingress of default/deathstar[Deployment];
  netdoctor does not model this kind: verdicts about these pods are unknown
```

## References
- Cilium network policy: https://docs.cilium.io/en/stable/security/policy/
- Calico network policy: https://docs.tigera.io/calico/latest/reference/resources/networkpolicy
- Istio authorization policy: https://istio.io/latest/docs/reference/config/security/authorization-policy/
"#,
    check,
};

fn directions(p: &ForeignPolicy) -> &'static str {
    match (p.ingress, p.egress) {
        (true, true) => "the ingress and egress",
        (true, false) => "the ingress",
        (false, true) => "the egress",
        (false, false) => "no traffic",
    }
}

fn scope(p: &ForeignPolicy) -> String {
    let mut parts = BTreeSet::new();
    for s in &p.subjects {
        parts.insert(match (&s.namespaces, s.host) {
            (_, true) => "node (hostNetwork) traffic".to_string(),
            (NamespaceScope::One(ns), _) => format!("namespace {ns}"),
            (NamespaceScope::All, _) => "every namespace".to_string(),
            (NamespaceScope::Matching(sel), _) => format!("namespaces with {sel}"),
        });
    }
    parts.into_iter().collect::<Vec<_>>().join(", ")
}

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    for p in c.foreign_policies() {
        if !p.ingress && !p.egress {
            continue;
        }
        let selected: BTreeSet<String> = c
            .pods()
            .iter()
            .filter(|pod| p.selects(pod, c.namespace(&pod.namespace)))
            .map(pod_label)
            .collect();
        let selected: Vec<String> = selected.into_iter().collect();
        let unread = p.subjects.iter().any(|s| s.pods.is_none());
        let who = if selected.is_empty() {
            format!("no pod of the input ({})", scope(p))
        } else {
            short_list(&selected, 8)
        };
        let mut message = format!(
            "{} ({}) governs {} of {who}",
            p.display(),
            p.api_version,
            directions(p)
        );
        if unread {
            message.push_str(&format!(
                " (its selector is not one netdoctor reads: taken to select every pod of {})",
                scope(p)
            ));
        }
        for a in &p.assumptions {
            message.push_str(&format!(" ({a})"));
        }
        message.push_str(
            "; netdoctor does not model this kind: verdicts about these pods are unknown",
        );
        out.push(
            Finding::new(&RULE, p.object_ref(), message).with_fix(
                Fix::new("Decide these connections with the tool of the project that enforces the policy, or test them from a client pod")
                    .command("kubectl exec -n NS CLIENT_POD -- nc -zv -w 3 HOST PORT"),
            ),
        );
    }
}

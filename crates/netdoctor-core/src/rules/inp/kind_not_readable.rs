use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "INP003",
    area: crate::rules::Area::Inp,
    name: "kind-not-readable",
    severity: Severity::Info,
    summary: "live: reading a kind was forbidden; the checks that need it report \"not checked\"",
    doc: r#"## What it checks
When netdoctor reads a live cluster, each kind is listed separately. A kind the credentials
may not list (HTTP 403) is reported here instead of failing the whole run.

## Why it breaks traffic
It does not; but every check that needs that kind cannot be made, and netdoctor says "not
checked" rather than guessing. A missing NetworkPolicy list, for instance, would otherwise
look like an open network.

## How to fix
Grant the read-only ClusterRole in `deploy/rbac.yaml` (get/list on the kinds netdoctor
reads), or run with credentials that have it.

## Example
```
info[INP003] kind-not-readable: networkpolicies
  listing NetworkPolicy was forbidden (403); NetworkPolicy checks were not run
```

## References
- RBAC: https://kubernetes.io/docs/reference/access-authn-authz/rbac/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for kind in cluster.unreadable_kinds() {
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::cluster_scoped("Kind", kind),
                format!("listing {kind} was forbidden; checks that need {kind} were not run"),
            )
            .with_fix(
                Fix::new("Grant get/list on this kind (see deploy/rbac.yaml)").command(format!(
                    "kubectl auth can-i list {}",
                    kind.to_ascii_lowercase()
                )),
            ),
        );
    }
}

use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "INP002",
    area: crate::rules::Area::Inp,
    name: "object-invalid",
    severity: Severity::Warning,
    summary: "an object fails validation that matters to networking (bad selector operator, invalid CIDR, port out of range, duplicate object)",
    doc: r#"## What it checks
Objects are validated the way the API server would validate the fields netdoctor uses:
label selector operators (`In`, `NotIn`, `Exists`, `DoesNotExist`) and their values,
ipBlock CIDRs and their `except` ranges, port numbers (1-65535) and protocols, `endPort`
ranges, NetworkPolicy peers that set nothing, and the same object defined twice.

## Why it breaks traffic
The API server rejects such an object, so what the manifest intends never takes effect: a
NetworkPolicy with an invalid CIDR is not applied. An object defined twice is not rejected:
`kubectl apply` applies each definition in turn and the last one silently replaces the
first. netdoctor skips the invalid object (or the one bad port), or the earlier definition of
a duplicate, and says so, so that the rest of the analysis matches what the cluster would
really run.

## How to fix
Keep one definition of a duplicated object. Otherwise correct the field named in the message; `kubectl apply --dry-run=server -f FILE` shows the
API server's own error.

## Example
```
warning[INP002] object-invalid: production/networkpolicy/allow-office
  spec.ingress[0].peers[0].ipBlock.cidr "10.0.0.0/33" is not a valid CIDR (skipped)
```

## References
- NetworkPolicy API: https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
- Label selectors: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for inv in &cluster.invalid {
        let location = inv
            .origin
            .as_ref()
            .map(|o| format!(" ({} document {}, line {})", o.file, o.document, o.line))
            .unwrap_or_default();
        out.push(
            Finding::new(
                &RULE,
                inv.object.clone(),
                format!("{}{}; {}", inv.reason, location, inv.action),
            )
            .with_fix(match &inv.superseded_by {
                Some(later) => Fix::new(
                    "Keep one definition of the object: kubectl apply applies both and the last one wins, so delete the one you do not mean",
                )
                .command(format!(
                    "kubectl diff -f {}   # what applying the kept definition changes",
                    later.file
                )),
                None => Fix::new("Correct the field; the API server would reject this object")
                    .command(match &inv.origin {
                        Some(o) => format!("kubectl apply --dry-run=server -f {}", o.file),
                        None => "kubectl apply --dry-run=server -f FILE".to_string(),
                    }),
            }),
        );
    }
}

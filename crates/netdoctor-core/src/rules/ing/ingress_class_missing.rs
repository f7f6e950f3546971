use super::{hosts, ingress_ref};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::ingress::{default_classes, resolve_class, ClassSource};

pub static RULE: Rule = Rule {
    code: "ING001",
    area: crate::rules::Area::Ing,
    name: "ingress-class-missing",
    severity: Severity::Error,
    summary: "`ingressClassName` names no IngressClass, or none is given and there is no default IngressClass (nor the old annotation)",
    doc: r#"## What it checks
Which IngressClass each Ingress belongs to, as the API server and the controllers decide it:
`spec.ingressClassName` must name an existing IngressClass; without it, the deprecated
`kubernetes.io/ingress.class` annotation names the class; with neither, the
DefaultIngressClass admission plugin assigns the IngressClass annotated
`ingressclass.kubernetes.io/is-default-class: "true"` when the Ingress is created. The rule
fires when the named IngressClass does not exist, or when nothing names a class and there is
no default (or more than one, in which case the admission plugin rejects the Ingress).

## Why it breaks traffic
Controllers only serve Ingresses of their own class. An Ingress whose class does not exist
is picked up by no controller: it never gets an address (`kubectl get ingress` shows an
empty ADDRESS), its hosts are not configured anywhere, and clients get DNS failures or the
load balancer's 404 for a different controller.

## How to fix
Set `spec.ingressClassName` to an IngressClass that exists (`kubectl get ingressclass`), or
install the controller the Ingress was written for and its IngressClass, or mark one
IngressClass as the default.

## Example
```
error[ING001] ingress-class-missing: production/ingress/legacy-ingress
  Ingress production/legacy-ingress (legacy.example.com): ingressClassName "traefik" names
  no IngressClass (existing: nginx), so no controller serves it; it never gets an address
```

## References
- Ingress class: https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
- Default IngressClass: https://kubernetes.io/docs/concepts/services-networking/ingress/#default-ingress-class
- Deprecated annotation: https://kubernetes.io/docs/concepts/services-networking/ingress/#deprecated-annotation
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("IngressClass") {
        return;
    }
    let defaults = default_classes(cluster);
    let suggestion = defaults.first().map(|c| c.name.clone()).or_else(|| {
        match cluster.ingress_classes.as_slice() {
            [only] => Some(only.name.clone()),
            _ => None,
        }
    });
    for ing in &cluster.ingresses {
        let res = resolve_class(cluster, ing);
        let Some(problem) = res.problem else { continue };
        let mut fix = match &suggestion {
            Some(class) => Fix::new(format!(
                "Set ingressClassName to an existing IngressClass (e.g. {class}), or install the controller this Ingress was written for"
            ))
            .command(format!(
                "kubectl -n {} patch ingress {} --type merge -p '{{\"spec\":{{\"ingressClassName\":\"{class}\"}}}}'",
                ing.namespace, ing.name
            )),
            None => Fix::new(
                "Install an ingress controller with its IngressClass (and mark it default), or set ingressClassName to the class of the controller you run",
            ),
        };
        fix = fix.command("kubectl get ingressclass");
        if res.source == Some(ClassSource::Default) {
            fix = fix.command(
                "kubectl annotate ingressclass NAME ingressclass.kubernetes.io/is-default-class- # keep exactly one default",
            );
        }
        out.push(
            Finding::new(
                &RULE,
                ingress_ref(ing),
                format!(
                    "Ingress {}/{} ({}): {problem}; it never gets an address",
                    ing.namespace,
                    ing.name,
                    hosts(ing)
                ),
            )
            .with_fix(fix),
        );
    }
}

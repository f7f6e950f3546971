use super::ingress_ref;
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::ingress::resolve_class;

pub static RULE: Rule = Rule {
    code: "ING009",
    area: crate::rules::Area::Ing,
    name: "ingress-annotation-for-other-controller",
    severity: Severity::Warning,
    summary: "an Ingress served by ingress-nginx carries NGINX Inc (`nginx.org/`) annotations, or one served by NGINX Inc's controller carries ingress-nginx (`nginx.ingress.kubernetes.io/`) ones: the controller ignores them silently",
    doc: r#"## What it checks
For each Ingress whose class resolves to ingress-nginx (`k8s.io/ingress-nginx`), whether it
carries annotations of NGINX Inc's controller (`nginx.org/…`, `nginx.com/…`); for one whose
class resolves to NGINX Inc's controller (`nginx.org/ingress-controller`), whether it carries
ingress-nginx annotations (`nginx.ingress.kubernetes.io/…`). The two projects are different
controllers with different annotation sets.

## Why it breaks traffic
The controller that serves the Ingress ignores the other project's annotations without a
warning: a redirect to https, a rewrite, gRPC to the backend or a header change the author
expected does not happen. It is also a trap when migrating: a conversion tool that reads the
annotations produces Gateway API filters for behaviour the cluster never had (netdoctor
`migrate-check` then shows the difference).

## How to fix
Use the annotation of the controller that serves the Ingress (for ingress-nginx, e.g.
`nginx.ingress.kubernetes.io/ssl-redirect`, `rewrite-target`, `backend-protocol`), or give
the Ingress the class of the controller the annotations are for.

## Example
```
warning[ING009] ingress-annotation-for-other-controller: default/ingress/shop
  Ingress default/shop is served by ingress-nginx (class nginx), which ignores
  nginx.org/redirect-to-https (NGINX Inc's annotation)
```

## References
- ingress-nginx annotations: https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/
- NGINX Ingress Controller annotations: https://docs.nginx.com/nginx-ingress-controller/configuration/ingress-resources/advanced-configuration-with-annotations/
"#,
    check,
};

const NGINX_INC: &str = "nginx.org/ingress-controller";

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for ing in cluster.ingresses() {
        let res = resolve_class(cluster, ing);
        let Some(controller) = res.controller.as_deref() else {
            continue;
        };
        let (foreign, whose, served_by): (Vec<&String>, &str, &str) = match controller {
            crate::sim::ingress::INGRESS_NGINX => (
                ing.annotations
                    .keys()
                    .filter(|k| k.starts_with("nginx.org/") || k.starts_with("nginx.com/"))
                    .collect(),
                "NGINX Inc's",
                "ingress-nginx",
            ),
            NGINX_INC => (
                ing.annotations
                    .keys()
                    .filter(|k| k.starts_with("nginx.ingress.kubernetes.io/"))
                    .collect(),
                "ingress-nginx's",
                "NGINX Inc's controller",
            ),
            _ => continue,
        };
        if foreign.is_empty() {
            continue;
        }
        let names: Vec<&str> = foreign.iter().map(|k| k.as_str()).collect();
        out.push(
            Finding::new(
                &RULE,
                ingress_ref(ing),
                format!(
                    "Ingress {}/{} is served by {served_by} (class {}), which ignores {} ({whose} annotation{})",
                    ing.namespace,
                    ing.name,
                    res.class.as_deref().unwrap_or("-"),
                    names.join(", "),
                    if names.len() > 1 { "s" } else { "" }
                ),
            )
            .with_fix(
                Fix::new(format!(
                    "Use the annotations of {served_by}, or give the Ingress the class of the controller they are for"
                ))
                .command(format!(
                    "kubectl annotate ingress {} -n {} {}-",
                    ing.name,
                    ing.namespace,
                    names[0]
                )),
            ),
        );
    }
}

use super::{hosts, ingress_ref};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::ingress::{controller_down, controller_status, resolve_class};

pub static RULE: Rule = Rule {
    code: "ING003",
    area: crate::rules::Area::Ing,
    name: "ingress-no-address",
    severity: Severity::Warning,
    summary: "live: `status.loadBalancer` is empty",
    doc: r#"## What it checks
When the cluster is read live, every Ingress whose `status.loadBalancer.ingress` is empty:
no controller has published an address for it. The message says why when netdoctor can tell
(no such class: ING001; controller not running: ING002); otherwise the controller runs but
has not published an address (its LoadBalancer Service is pending, or `--publish-service`
/ `--publish-status-address` is not set).

The rule does not run on files: a manifest has no status, and a dump is a snapshot whose
status may be stale. An empty address in a dump is still reported through ING001/ING002 when
the class or controller explains it.

## Why it breaks traffic
Clients resolve the Ingress hosts to the address the controller publishes. Without one,
DNS automation (external-dns) creates no record and users cannot reach the hosts.

## How to fix
Fix the class or the controller (see ING001, ING002); if both are fine, check the
controller's Service (`kubectl -n ingress-nginx get svc`: EXTERNAL-IP `<pending>` means the
cloud load balancer was not created) and the controller's logs.

## Example
```
warning[ING003] ingress-no-address: production/ingress/legacy-ingress
  Ingress production/legacy-ingress (legacy.example.com) has no address
  (status.loadBalancer is empty): ingressClassName "traefik" names no IngressClass
```

## References
- Ingress status: https://kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1/#IngressStatus
- ingress-nginx publish-service: https://kubernetes.github.io/ingress-nginx/user-guide/cli-arguments/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.live() {
        return;
    }
    for ing in cluster.ingresses.iter().filter(|i| i.addresses.is_empty()) {
        let res = resolve_class(cluster, ing);
        let why = match (&res.problem, &res.controller) {
            (Some(p), _) => p.clone(),
            (None, Some(c)) if controller_down(&controller_status(cluster, c)) => {
                format!("controller {c} of IngressClass {} is not running", res.class.clone().unwrap_or_default())
            }
            (None, Some(c)) => format!(
                "controller {c} runs but has not published an address (its LoadBalancer Service may be pending, or --publish-service is not set)"
            ),
            (None, None) => "no known controller serves its class".into(),
        };
        out.push(
            Finding::new(
                &RULE,
                ingress_ref(ing),
                format!(
                    "Ingress {}/{} ({}) has no address (status.loadBalancer is empty): {why}",
                    ing.namespace,
                    ing.name,
                    hosts(ing)
                ),
            )
            .with_fix(
                Fix::new(
                    "Check the class and the controller, then the controller's Service address",
                )
                .command(format!(
                    "kubectl -n {} describe ingress {}",
                    ing.namespace, ing.name
                ))
                .command("kubectl get svc -A --field-selector spec.type=LoadBalancer"),
            ),
        );
    }
}

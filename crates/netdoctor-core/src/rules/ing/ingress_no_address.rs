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
    summary: "an Ingress read from a cluster (live, or a dump with metadata.uid / creationTimestamp) has an empty `status.loadBalancer`",
    doc: r#"## What it checks
Every Ingress read from a cluster whose `status.loadBalancer.ingress` is empty:
no controller has published an address for it. The message says why when netdoctor can tell
(no such class: ING001; controller not running: ING002); otherwise the controller runs but
has not published an address (its LoadBalancer Service is pending, or `--publish-service`
/ `--publish-status-address` is not set).

An Ingress is read from a cluster when the read is live, or when the object carries what
only the API server sets (`metadata.uid`, `metadata.creationTimestamp`): a dump made with
`kubectl get -o yaml` holds the real status, and an empty one is the "address pending" case.
A plain manifest (none of these fields) has no status yet, and the rule stays quiet on it.

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
    for ing in cluster
        .ingresses
        .iter()
        .filter(|i| i.addresses.is_empty() && (cluster.live() || i.from_api_server))
    {
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

use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::ingress::{controller_status, resolve_class, ControllerStatus};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: "ING002",
    area: crate::rules::Area::Ing,
    name: "ingress-controller-not-running",
    severity: Severity::Error,
    summary: "the IngressClass's controller has no running pods (address stays pending)",
    doc: r#"## What it checks
For every IngressClass that at least one Ingress uses, whether the controller named by its
`spec.controller` has a running pod. Controller pods are recognised by the labels of the
controller's standard installation:

| controller | pod labels |
|---|---|
| `k8s.io/ingress-nginx` | `app.kubernetes.io/name=ingress-nginx` (with `app.kubernetes.io/component=controller` in the Helm chart), or `app=nginx-ingress,component=controller` (old chart) |
| `nginx.org/ingress-controller` | `app.kubernetes.io/name=nginx-ingress` or `app=nginx-ingress` |
| `traefik.io/ingress-controller` | `app.kubernetes.io/name=traefik` |
| `haproxy.org/ingress-controller/haproxy` | `app.kubernetes.io/name=kubernetes-ingress` |
| `projectcontour.io/ingress-controller` | `app.kubernetes.io/name=contour` or `app=contour` |
| `ingress-controllers.konghq.com/kong` | `app.kubernetes.io/name=kong` |
| `ingress.k8s.aws/alb` | `app.kubernetes.io/name=aws-load-balancer-controller` |
| `istio.io/ingress-controller` | `app=istiod` or `istio=ingressgateway` |

Other controllers (and cloud controllers that run outside the cluster) are not checked. The
rule only runs when the input describes a whole cluster (read live, or it contains Nodes or
kube-system pods): a set of application manifests without the controller proves nothing.

## Why it breaks traffic
Nobody configures a proxy for the Ingresses of that class: their address stays pending and
every request to their hosts fails (no DNS record, or the load balancer has no backend).

## How to fix
Find out why the controller is not running (`kubectl -n NS get pods -l …`, `kubectl describe
deployment …`), or install it.

## Example
```
error[ING002] ingress-controller-not-running: ingressclass/nginx
  IngressClass nginx (controller k8s.io/ingress-nginx): 0 of 1 controller pod(s) running
  (ingress-nginx/ingress-nginx-controller-5b8c7d6f9c-sf492 Failed); 1 Ingress(es) get no
  address and their hosts are not served: production/app-ingress
```

## References
- Ingress controllers: https://kubernetes.io/docs/concepts/services-networking/ingress-controllers/
- ingress-nginx installation: https://kubernetes.github.io/ingress-nginx/deploy/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("Pod") {
        return;
    }
    // (class, controller) → Ingresses.
    let mut users: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for ing in &cluster.ingresses {
        let res = resolve_class(cluster, ing);
        if let (Some(class), Some(controller), None) = (res.class, res.controller, res.problem) {
            users
                .entry((class, controller))
                .or_default()
                .push(format!("{}/{}", ing.namespace, ing.name));
        }
    }
    for ((class, controller), ings) in users {
        let status = controller_status(cluster, &controller);
        let (state, label) = match &status {
            ControllerStatus::NoPods { looked_for } => (
                format!("no controller pod exists (looked for pods labelled {looked_for})"),
                looked_for
                    .split(" or ")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
            ControllerStatus::Pods {
                running: 0,
                total,
                names,
                looked_for,
                ..
            } => (
                format!(
                    "0 of {total} controller pod(s) running ({})",
                    names
                        .iter()
                        .map(|n| describe_pod(cluster, n))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                looked_for
                    .split(" or ")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
            _ => continue,
        };
        let object = if cluster.ingress_class(&class).is_some() {
            ObjectRef::cluster_scoped("IngressClass", &class)
        } else {
            let (ns, name) = ings[0].split_once('/').unwrap_or(("", &ings[0]));
            ObjectRef::namespaced("Ingress", ns, name)
        };
        out.push(
            Finding::new(
                &RULE,
                object,
                format!(
                    "IngressClass {class} (controller {controller}): {state}; {} Ingress(es) get no address and their hosts are not served: {}",
                    ings.len(),
                    ings.join(", ")
                ),
            )
            .with_fix({
                let mut fix = Fix::new("Find out why the controller is not running, or install it")
                    .command(format!("kubectl get pods -A -l {label} -o wide"));
                if let ControllerStatus::Pods { names, .. } = &status {
                    if let Some((ns, pod)) = names.first().and_then(|n| n.split_once('/')) {
                        fix = fix.command(format!("kubectl -n {ns} describe pod {pod}"));
                    }
                } else {
                    let app = label
                        .split(',')
                        .next()
                        .and_then(|l| l.split('=').nth(1))
                        .unwrap_or("ingress");
                    fix = fix.command(format!("kubectl get deployments,daemonsets -A | grep {app}"));
                }
                fix
            }),
        );
    }
}

fn describe_pod(cluster: &Cluster, ns_name: &str) -> String {
    let Some((ns, name)) = ns_name.split_once('/') else {
        return ns_name.to_string();
    };
    match cluster.pod(ns, name) {
        Some(p) if p.terminating => format!("{ns_name} terminating"),
        Some(p) => format!("{ns_name} {}", p.phase),
        None => ns_name.to_string(),
    }
}

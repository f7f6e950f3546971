use super::ingress_ref;
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::ingress::{close_services, service_backends};

pub static RULE: Rule = Rule {
    code: "ING004",
    area: crate::rules::Area::Ing,
    name: "ingress-backend-service-missing",
    severity: Severity::Error,
    summary: "a backend Service does not exist (503)",
    doc: r#"## What it checks
Every Service backend of every Ingress (each path's `backend.service.name` and the
`defaultBackend`) must name a Service in the Ingress's own namespace (an Ingress cannot
refer to another namespace).

## Why it breaks traffic
The controller has no upstream for the path: ingress-nginx answers `503 Service Temporarily
Unavailable` for every request the path matches (other controllers 503 or 404).

## How to fix
Create the Service, or correct the name in the Ingress (the message names the closest
existing Service).

## Example
```
error[ING004] ingress-backend-service-missing: production/ingress/shop-ingress
  Ingress production/shop-ingress routes shop.example.com/ (Prefix) to Service shop-api,
  which does not exist in production: those requests get 503
```

## References
- Ingress backends: https://kubernetes.io/docs/concepts/services-networking/ingress/#resource-backend
- ingress-nginx troubleshooting: https://kubernetes.github.io/ingress-nginx/troubleshooting/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("Service") {
        return;
    }
    for ing in &cluster.ingresses {
        let mut seen: Vec<&str> = Vec::new();
        let backends = service_backends(ing);
        for (_, name, _) in &backends {
            if seen.contains(name) || cluster.service(&ing.namespace, name).is_some() {
                continue;
            }
            seen.push(name);
            let places: Vec<&str> = backends
                .iter()
                .filter(|(_, n, _)| n == name)
                .map(|(w, _, _)| w.as_str())
                .collect();
            out.push(
                Finding::new(
                    &RULE,
                    ingress_ref(ing),
                    format!(
                        "Ingress {}/{} routes {} to Service {name}, which does not exist in {}{}: those requests get 503",
                        ing.namespace,
                        ing.name,
                        places.join(", "),
                        ing.namespace,
                        close_services(cluster, &ing.namespace, name)
                    ),
                )
                .with_fix(
                    Fix::new(format!(
                        "Create Service {name} in {} or point the backend at an existing Service",
                        ing.namespace
                    ))
                    .command(format!("kubectl -n {} get services", ing.namespace))
                    .command(format!("kubectl -n {} edit ingress {}", ing.namespace, ing.name)),
                ),
            );
        }
    }
}

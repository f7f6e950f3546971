use super::ingress_ref;
use crate::finding::{Finding, Fix, Severity};
use crate::model::{Cluster, PortRef, ServiceType};
use crate::rules::Rule;
use crate::sim::ingress::{describe_service_ports, lookup_port, service_backends, PortLookup};

pub static RULE: Rule = Rule {
    code: "ING005",
    area: crate::rules::Area::Ing,
    name: "ingress-backend-port-missing",
    severity: Severity::Error,
    summary: "the backend port (number or name) is not a port of the Service (503)",
    doc: r#"## What it checks
An Ingress backend names a Service port by `port.number` (the Service's `port`, not its
`targetPort`) or by `port.name` (the Service port's `name`). The rule fires when the Service
exists but has no such port, or when the backend names no port at all. ExternalName Services
are skipped (they have no ports to check).

ingress-nginx also accepts a number equal to a port's `targetPort`; that case is reported as a
warning, because other controllers (and the API's definition) do not.

## Why it breaks traffic
The controller finds no endpoints for a port the Service does not have: ingress-nginx answers
`503 Service Temporarily Unavailable` for every request the path matches.

## How to fix
Use the Service's `port` (or its port `name`) in the Ingress, or add the port to the Service.

## Example
```
error[ING005] ingress-backend-port-missing: production/ingress/shop-ingress
  Ingress production/shop-ingress routes shop.example.com/internal (Prefix) to
  api-service:9090, but Service api-service has only http 8080/TCP: those requests get 503
```

## References
- IngressServiceBackend: https://kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1/#IngressBackend
- Service ports: https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for ing in &cluster.ingresses {
        let mut seen: Vec<(&str, &PortRef)> = Vec::new();
        let backends = service_backends(ing);
        for (_, name, port) in &backends {
            let Some(svc) = cluster.service(&ing.namespace, name) else {
                continue;
            };
            if svc.type_ == ServiceType::ExternalName || seen.contains(&(name, port)) {
                continue;
            }
            let lookup = lookup_port(svc, port);
            if matches!(lookup, PortLookup::Found(_)) {
                continue;
            }
            seen.push((name, port));
            let places: Vec<&str> = backends
                .iter()
                .filter(|(_, n, p)| n == name && p == port)
                .map(|(w, _, _)| w.as_str())
                .collect();
            let suggestion = svc.ports.first().map(|p| p.port);
            let what = match port {
                PortRef::Number(0) => format!("{name} without a port"),
                p => format!("{name}:{p}"),
            };
            let (message, severity) = match lookup {
                PortLookup::FoundByTargetPort(sp) => (
                    format!(
                        "Ingress {}/{} routes {} to {what}, but {port} is the targetPort of Service port {} ({}), not a Service port: ingress-nginx tolerates it, other controllers answer 503",
                        ing.namespace,
                        ing.name,
                        places.join(", "),
                        sp.port,
                        describe_service_ports(svc)
                    ),
                    Severity::Warning,
                ),
                _ => (
                    format!(
                        "Ingress {}/{} routes {} to {what}, but Service {name} has only {}: those requests get 503",
                        ing.namespace,
                        ing.name,
                        places.join(", "),
                        describe_service_ports(svc)
                    ),
                    Severity::Error,
                ),
            };
            let mut fix = Fix::new("Use a port the Service has (its port number or name), or add the port to the Service")
                .command(format!("kubectl -n {} get service {name} -o jsonpath='{{.spec.ports}}'", ing.namespace));
            if let Some(p) = suggestion {
                fix = fix.yaml(format!(
                    "backend:\n  service:\n    name: {name}\n    port:\n      number: {p}\n"
                ));
            }
            out.push(
                Finding::new(&RULE, ingress_ref(ing), message)
                    .with_severity(severity)
                    .with_fix(fix),
            );
        }
    }
}

use super::{svc_name, svc_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::{Cluster, ServiceType};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "SVC007",
    area: crate::rules::Area::Svc,
    name: "service-without-selector-has-no-endpoints",
    severity: Severity::Warning,
    summary: "no selector, and no EndpointSlice/Endpoints that belong to it",
    doc: r#"## What it checks
A Service without a selector (and not of type ExternalName) gets no endpoints from the
EndpointSlice controller: someone must write them — an EndpointSlice labelled
`kubernetes.io/service-name: NAME`, or a legacy Endpoints object with the Service's name
(which the mirroring controller copies into a slice). The rule fires when there is none, or
when the ones there list no address. The `kubernetes` Service in `default`, whose slice the
API server writes, is a Service of this kind and is fine when its slice is there.

## Why it breaks traffic
With no endpoints the ClusterIP has nowhere to send traffic: connections are refused or
time out. This happens when a Service meant to front an external database was created
without its Endpoints, when the Endpoints object has a different name than the Service, or
when a selector was dropped by mistake.

## How to fix
If the Service should front pods, give it a selector. If it fronts addresses outside the
cluster, create an EndpointSlice for it (below), or use `type: ExternalName` for a DNS name.

## Example
```
warning[SVC007] service-without-selector-has-no-endpoints: production/service/legacy-db
  Service production/legacy-db has no selector and no EndpointSlice or Endpoints
  (kubernetes.io/service-name=legacy-db): it has no endpoints
```

## References
- Services without selectors: https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors
- EndpointSlices: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("EndpointSlice") {
        return;
    }
    for svc in cluster
        .services
        .iter()
        .filter(|s| s.selector.is_none() && s.type_ != ServiceType::ExternalName)
    {
        let slices: Vec<_> = cluster.slices_of(&svc.namespace, &svc.name).collect();
        let addresses: usize = slices
            .iter()
            .flat_map(|s| s.endpoints.iter())
            .map(|e| e.addresses.len())
            .sum();
        if !slices.is_empty() && addresses > 0 {
            continue;
        }
        let message = if slices.is_empty() {
            format!(
                "Service {} has no selector and no EndpointSlice or Endpoints that belong to it (label kubernetes.io/service-name={}): it has no endpoints, so connections to it fail",
                svc_name(svc),
                svc.name
            )
        } else {
            format!(
                "Service {} has no selector, and its EndpointSlices ({}) list no address: it has no endpoints, so connections to it fail",
                svc_name(svc),
                slices
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let ports: String = svc
            .ports
            .iter()
            .map(|p| {
                let name = p
                    .name
                    .as_deref()
                    .map(|n| format!("name: {n}, "))
                    .unwrap_or_default();
                let port = match &p.target_port {
                    crate::model::PortRef::Number(n) => *n,
                    crate::model::PortRef::Name(_) => p.port,
                };
                format!("  - {{{name}port: {port}, protocol: {}}}\n", p.protocol)
            })
            .collect();
        let yaml = format!(
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}-1\n  namespace: {ns}\n  labels:\n    kubernetes.io/service-name: {name}\n    endpointslice.kubernetes.io/managed-by: cluster-admins\naddressType: IPv4\nports:\n{ports}endpoints:\n  - addresses: [\"192.0.2.10\"]   # the backend's address\n",
            name = svc.name,
            ns = svc.namespace,
        );
        out.push(
            Finding::new(&RULE, svc_object(svc), message).with_fix(
                Fix::new("Give the Service a selector if it fronts pods; otherwise create an EndpointSlice with the backend addresses (or use type: ExternalName for a DNS name)")
                    .command(format!(
                        "kubectl get endpointslices -n {} -l kubernetes.io/service-name={}",
                        svc.namespace, svc.name
                    ))
                    .command(format!("kubectl get endpoints {} -n {}", svc.name, svc.namespace))
                    .yaml(yaml),
            ),
        );
    }
}

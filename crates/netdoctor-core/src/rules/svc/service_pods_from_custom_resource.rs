use super::{selector_services, svc_name, svc_object, workloads_matching};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "SVC010",
    area: crate::rules::Area::Svc,
    name: "service-pods-from-unread-custom-resource",
    severity: Severity::Info,
    summary: "no pod in the input matches a Service's selector, and the selector names a custom resource kind in the input that an operator creates pods from (e.g. Prometheus): its endpoints cannot be known",
    doc: r#"## What it checks
For every Service with a selector that matches no pod and no workload template in the
input, netdoctor looks at the custom resources the input holds but netdoctor does not read
(`Prometheus`, `Alertmanager`, `Kafka`, ...; built-in kinds and kinds that only configure,
such as `*Policy`, `*Rule` or `*Monitor`, are left out). When the selector names one of those
kinds, by a key or a value equal to the kind in lower case (`app.kubernetes.io/name:
prometheus` with a `Prometheus` object), or one of those objects by its name
(`strimzi.io/cluster: my-cluster` with a `Kafka` named `my-cluster`), the pods are most
likely created by its operator
(the prometheus-operator creates a StatefulSet per `Prometheus`, its pods labelled from
`spec.podMetadata`). netdoctor cannot see those pods, so it does not say the Service has no
endpoints (SVC001): it says what it could not know.

## Why it breaks traffic
It does not, by itself: it marks a Service whose endpoints are unknown. If the operator is
not running, or its resource does not produce pods with the selector's labels, the Service has
no endpoints and clients get `connection refused` or a timeout.

## How to fix
Nothing to fix in the manifests. To check the real state, look at the pods the operator
created and the Service's EndpointSlices, or give netdoctor a dump of the running cluster
(`kubectl get pods,endpointslices -A -o yaml`, or `netdoctor snapshot`).

## Example
```
info[SVC010] service-pods-from-unread-custom-resource: monitoring/service/prometheus-k8s
  Service monitoring/prometheus-k8s selects app.kubernetes.io/name=prometheus, which matches
  no pod in the input; the input holds custom resources netdoctor does not read
  (Alertmanager (1), Prometheus (1)); ... the selector names Prometheus
```

## References
- Operator pattern: https://kubernetes.io/docs/concepts/extend-kubernetes/operator/
- Custom resources: https://kubernetes.io/docs/concepts/extend-kubernetes/api-extension/custom-resources/
- Services: https://kubernetes.io/docs/concepts/services-networking/service/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, sel) in selector_services(cluster) {
        if !cluster.pods_matching(&svc.namespace, &sel).is_empty()
            || !workloads_matching(cluster, &svc.namespace, &sel).is_empty()
        {
            continue;
        }
        let Some(selector) = &svc.selector else {
            continue;
        };
        let Some(note) = cluster
            .pods_may_come_from_custom_resources(
                selector.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .filter(|n| !n.named.is_empty())
        else {
            continue;
        };
        out.push(
            Finding::new(
                &RULE,
                svc_object(svc),
                format!(
                    "Service {} selects {sel}, which matches no pod in the input; {}: its endpoints cannot be known from the input",
                    svc_name(svc),
                    note.text
                ),
            )
            .with_fix(
                Fix::new(format!(
                    "Check the pods the {} operator created and the Service's endpoints in the cluster",
                    note.named.join("/")
                ))
                .command(format!("kubectl get pods -n {} -l {sel}", svc.namespace))
                .command(format!(
                    "kubectl get endpointslices -n {} -l kubernetes.io/service-name={}",
                    svc.namespace, svc.name
                )),
            ),
        );
    }
}

use super::{selector_services, svc_name, svc_object, workloads_matching};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "SVC002",
    area: crate::rules::Area::Svc,
    name: "service-workload-scaled-to-zero",
    severity: Severity::Error,
    summary: "the selector matches only workloads with `replicas: 0` (and no pods)",
    doc: r#"## What it checks
A Service with a selector that matches no pod, where the workloads whose pod template the
selector does match (Deployment, StatefulSet, ReplicaSet, ReplicationController) all have
`replicas: 0`. The selector is right; there is simply nothing running.

## Why it breaks traffic
With no pods there are no endpoints: the ClusterIP answers `connection refused` (or times
out), and an Ingress in front of it returns 503. This is common after a scale-down for
maintenance, a cost-saving job that scales workloads to zero, or an HPA/KEDA object that
scaled to zero.

## How to fix
Scale the workload back up (`kubectl scale deployment NAME -n NS --replicas=N`); if an
autoscaler owns the replica count, change its minimum instead. If the workload is retired,
delete the Service (and whatever routes to it) so clients fail fast.

## Example
```
error[SVC002] service-workload-scaled-to-zero: production/service/reports
  Service production/reports selects app=reports, which matches only
  production/reports[Deployment], scaled to replicas: 0: no pods, so no endpoints
```

## References
- Deployments, scaling: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#scaling-a-deployment
- Services: https://kubernetes.io/docs/concepts/services-networking/service/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, sel) in selector_services(cluster) {
        if !cluster.pods_matching(&svc.namespace, &sel).is_empty() {
            continue;
        }
        let workloads = workloads_matching(cluster, &svc.namespace, &sel);
        if workloads.is_empty() || workloads.iter().any(|w| w.replicas > 0) {
            continue;
        }
        let names: Vec<String> = workloads.iter().map(|w| w.group()).collect();
        let which = if names.len() == 1 {
            format!("only {}", names[0])
        } else {
            format!("only {}", names.join(", "))
        };
        let mut finding = Finding::new(
            &RULE,
            svc_object(svc),
            format!(
                "Service {} selects {sel}, which matches {which}, scaled to replicas: 0: no pods, so the Service has no endpoints",
                svc_name(svc),
            ),
        );
        let mut fix = Fix::new(
            "Scale the workload back up (if an autoscaler owns the replica count, raise its minimum instead); if the workload is retired, delete the Service",
        );
        for w in &workloads {
            finding = finding.with_evidence(format!(
                "{} has replicas: {} and template labels {}",
                w.group(),
                w.replicas,
                crate::model::format_labels(&w.template_labels)
            ));
            fix = fix.command(format!(
                "kubectl scale {} {} -n {} --replicas=1",
                w.kind.as_str().to_ascii_lowercase(),
                w.name,
                w.namespace
            ));
        }
        out.push(finding.with_fix(fix));
    }
}

use super::{live_selected, not_ready_details, selector_services, svc_name, svc_object};
use crate::finding::{Finding, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::service::pod_not_ready_reason;
use crate::sim::service::pod_serves;

pub static RULE: Rule = Rule {
    code: "SVC003",
    area: crate::rules::Area::Svc,
    name: "service-no-ready-endpoints",
    severity: Severity::Error,
    summary: "matching pods exist but none is ready; the message gives each pod's reason (CrashLoopBackOff with restarts, readiness probe failing, Pending/unschedulable, ImagePullBackOff, terminating)",
    doc: r#"## What it checks
A Service whose selector matches pods, none of which is ready. For each pod the reason is
read from its status: a container in `CrashLoopBackOff` (with the restart count and the last
exit code), a container running but failing its readiness probe (with the probe's path and
port), `Pending` because it cannot be scheduled or its image cannot be pulled, containers
still being created, the pod terminating, or the pod finished. A Service with
`publishNotReadyAddresses: true` sends traffic to not-ready pods, so it is not reported.

## Why it breaks traffic
The EndpointSlice controller lists not-ready pods with `ready: false`, and kube-proxy only
forwards to ready endpoints. With none, the ClusterIP rejects connections (`connection
refused`) or they time out, and an Ingress in front returns 503.

## How to fix
Fix the pods, not the Service. For a crash loop, read the logs of the previous run:
`kubectl logs POD -n NS --previous`. For a failing probe, an unschedulable pod or an image
pull error, the events tell why: `kubectl describe pod POD -n NS`. A readiness probe that
checks a dependency (a database) can take every pod out at once; probe only the process.

## Example
```
error[SVC003] service-no-ready-endpoints: production/service/checkout
  Service production/checkout has no ready endpoints: none of the 2 pods selected by
  app=checkout is ready (checkout-7d4b9c6f5-abcde: container checkout is in CrashLoopBackOff:
  restarted 14 times, last exit code 1 (Error))
```

## References
- EndpointSlice conditions: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions
- Pod lifecycle: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
- Debug pods: https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, sel) in selector_services(cluster) {
        let all = cluster.pods_matching(&svc.namespace, &sel);
        if all.is_empty() {
            continue;
        }
        if all.iter().any(|&i| pod_serves(svc, &cluster.pods[i])) {
            continue;
        }
        // Prefer the pods that are still meant to run; finished pods only when nothing else.
        let live = live_selected(cluster, svc, &sel);
        let pods = if live.is_empty() { all } else { live };
        let first = &cluster.pods[pods[0]];
        let message = if pods.len() == 1 {
            format!(
                "Service {} has no ready endpoints: the only pod selected by {sel}, {}, is not ready: {}",
                svc_name(svc),
                first.name,
                pod_not_ready_reason(first)
            )
        } else {
            format!(
                "Service {} has no ready endpoints: none of the {} pods selected by {sel} is ready ({}: {}; and {} more)",
                svc_name(svc),
                pods.len(),
                first.name,
                pod_not_ready_reason(first),
                pods.len() - 1
            )
        };
        let (evidence, fix) = not_ready_details(cluster, &pods);
        let mut finding = Finding::new(&RULE, svc_object(svc), message);
        for e in evidence {
            finding = finding.with_evidence(e);
        }
        out.push(finding.with_fix(fix));
    }
}

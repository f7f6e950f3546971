use super::{live_selected, not_ready_details, selector_services, svc_name, svc_object};
use crate::finding::{Finding, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::service::pod_not_ready_reason;
use crate::sim::service::pod_serves;

pub static RULE: Rule = Rule {
    code: "SVC004",
    area: crate::rules::Area::Svc,
    name: "service-some-endpoints-not-ready",
    severity: Severity::Warning,
    summary: "some matching pods are not ready",
    doc: r#"## What it checks
A Service whose selector matches several running pods, some ready and some not. Finished
pods (`Succeeded`, `Failed`) are not counted. Each not-ready pod is named with the reason
from its status (readiness probe failing with its path and port, CrashLoopBackOff with the
restart count and last exit code, Pending and why, terminating). Services with
`publishNotReadyAddresses: true` are not reported.

## Why it breaks traffic
The Service still works, on fewer pods than intended: capacity is reduced, the remaining
pods carry the load, and a deployment that keeps pods not ready may stall its rollout.
Long-lived connections that were opened to a pod before it became not ready stay on it.

## How to fix
Look at the not-ready pods: `kubectl describe pod POD -n NS` shows probe failures in the
events, `kubectl logs POD -n NS --previous` the output of a crashed container.

## Example
```
warning[SVC004] service-some-endpoints-not-ready: production/service/api-service
  1 of 3 pods selected by app=api-service is not ready and receives no traffic
  (api-service-5d8f7b9c4-x2k9p: container api is running but failing its readiness probe
  (httpGet /health on port http; restarted 0 times))
```

## References
- EndpointSlice conditions: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions
- Readiness probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, sel) in selector_services(cluster) {
        let live = live_selected(cluster, svc, &sel);
        let (ready, not_ready): (Vec<usize>, Vec<usize>) = live
            .iter()
            .partition(|&&i| pod_serves(svc, &cluster.pods[i]));
        if ready.is_empty() || not_ready.is_empty() {
            continue;
        }
        let first = &cluster.pods[not_ready[0]];
        let (verb, recv) = if not_ready.len() == 1 {
            ("is", "receives")
        } else {
            ("are", "receive")
        };
        let more = if not_ready.len() > 1 {
            format!("; and {} more", not_ready.len() - 1)
        } else {
            String::new()
        };
        let message = format!(
            "Service {}: {} of {} pods selected by {sel} {verb} not ready and {recv} no traffic ({}: {}{more})",
            svc_name(svc),
            not_ready.len(),
            live.len(),
            first.name,
            pod_not_ready_reason(first)
        );
        let (evidence, fix) = not_ready_details(cluster, &not_ready);
        let mut finding = Finding::new(&RULE, svc_object(svc), message);
        for e in evidence {
            finding = finding.with_evidence(e);
        }
        out.push(finding.with_fix(fix));
    }
}

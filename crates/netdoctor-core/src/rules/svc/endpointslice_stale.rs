use super::{selector_services, svc_name, svc_object, MAX_LISTED};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::service::stale_slice_addresses;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: "SVC009",
    area: crate::rules::Area::Svc,
    name: "endpointslice-stale",
    severity: Severity::Warning,
    summary: "an EndpointSlice lists addresses of pods that no longer match the selector or no longer exist",
    doc: r#"## What it checks
For a Service with a selector, the EndpointSlices of the snapshot are compared with the pods:
every listed address must belong to a pod that exists, still matches the selector, has not
finished and still has that IP. Addresses of pods that are gone, were relabelled, finished,
or were recreated with another IP are reported with the slice they are in. Services without
a selector (whose slices someone else writes, such as the API server's `kubernetes`
Service) are not checked, nor are inputs that hold no pod status at all.

## Why it breaks traffic
kube-proxy programs whatever the slices say. A stale address receives a share of the
connections: they time out (nothing has that IP any more), are refused, or reach a pod that
was taken out of the Service on purpose (relabelled for debugging). The EndpointSlice
controller normally fixes slices within seconds; staleness that lasts means the controller
(kube-controller-manager) is not running or cannot write, or the slice is managed by hand.

## How to fix
Check kube-controller-manager (`kubectl -n kube-system get pods -l
component=kube-controller-manager` and its logs). A controller-managed slice can be deleted
and is recreated from the current pods; a slice someone manages by hand must be updated by
them.

## Example
```
warning[SVC009] endpointslice-stale: production/service/api
  Service production/api: EndpointSlice api-abcde lists 1 address that no longer belongs
  to its pods: 10.1.0.3 (pod production/api-3 no longer exists)
```

## References
- EndpointSlices: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
- kube-controller-manager: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, _) in selector_services(cluster) {
        let stale = stale_slice_addresses(cluster, svc);
        if stale.is_empty() {
            continue;
        }
        let slices: BTreeSet<&str> = stale.iter().map(|s| s.slice.as_str()).collect();
        let listed: Vec<String> = stale
            .iter()
            .take(3)
            .map(|s| format!("{} ({})", s.address, s.reason))
            .collect();
        let more = if stale.len() > 3 {
            format!(" and {} more", stale.len() - 3)
        } else {
            String::new()
        };
        let (what, verb) = if stale.len() == 1 {
            ("1 address".to_string(), "belongs")
        } else {
            (format!("{} addresses", stale.len()), "belong")
        };
        let message = format!(
            "Service {}: EndpointSlice {} lists {what} that no longer {verb} to its pods: {}{more}; kube-proxy still sends a share of the connections there",
            svc_name(svc),
            slices.iter().copied().collect::<Vec<_>>().join(", "),
            listed.join(", ")
        );
        let mut finding = Finding::new(&RULE, svc_object(svc), message);
        for s in stale.iter().take(MAX_LISTED) {
            finding = finding.with_evidence(format!(
                "EndpointSlice {} address {}: {}",
                s.slice, s.address, s.reason
            ));
        }
        if stale.len() > MAX_LISTED {
            finding = finding.with_evidence(format!("… and {} more", stale.len() - MAX_LISTED));
        }
        let mut fix = Fix::new(
            "Check that kube-controller-manager (the EndpointSlice controller) is running; a controller-managed slice can be deleted and is recreated from the current pods",
        )
        .command("kubectl -n kube-system get pods -l component=kube-controller-manager");
        for s in slices {
            fix = fix.command(format!(
                "kubectl delete endpointslice {s} -n {}",
                svc.namespace
            ));
        }
        out.push(finding.with_fix(fix));
    }
}

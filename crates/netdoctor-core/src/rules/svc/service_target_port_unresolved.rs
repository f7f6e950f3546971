use super::{
    json_str, live_selected, pod_label, selector_services, svc_name, svc_object, MAX_LISTED,
};
use crate::finding::{Finding, Fix, Severity};
use crate::model::{rollout_name, Cluster, PortRef, Protocol};
use crate::rules::Rule;
use crate::sim::service::{resolve_target_port, ServicePortInfo};
use crate::text::edit_distance;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: "SVC005",
    area: crate::rules::Area::Svc,
    name: "service-target-port-unresolved",
    severity: Severity::Error,
    summary: "a named targetPort matches no container port name of the selected pods (those pods are left out of the endpoints)",
    doc: r#"## What it checks
For every Service port whose `targetPort` is a name, every pod the selector matches (not
only the first) is checked: one of its containers must declare a port with that `name` and
the Service port's protocol. The pods where it does not resolve are named with the ports
they declare, and the closest declared name is suggested.

## Why it breaks traffic
The EndpointSlice controller resolves a named `targetPort` per pod. A pod where the name
does not resolve is left out of that Service port: when it fails on every pod, the slice is
written with `ports: []` (or without the pods) and the Service port has no endpoints, even
though the pods are Running and Ready. Clients get `connection refused` on the ClusterIP,
an Ingress returns 503. When it fails on some pods only (a rollout that renamed the port),
those pods silently get no traffic.

## How to fix
Make the names agree: change the Service's `targetPort` to the name (or number) the
containers declare, or rename the container port in the workload's pod template. Names are
case-sensitive and the protocol counts (`dns` on UDP does not resolve a TCP port).

## Example
```
error[SVC005] service-target-port-unresolved: production/service/inventory
  Service production/inventory port grpc 50051/TCP → grpc: targetPort grpc matches no
  container port of the 1 selected pod (they declare http-grpc:50051/TCP); the pods are left
  out of this port, so it has no endpoints
```

## References
- Service targetPort and named ports: https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports
- EndpointSlices: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, sel) in selector_services(cluster) {
        let pods = live_selected(cluster, svc, &sel);
        if pods.is_empty() {
            continue;
        }
        for (idx, sp) in svc.ports.iter().enumerate() {
            let PortRef::Name(name) = &sp.target_port else {
                continue;
            };
            let failing: Vec<(usize, String)> = pods
                .iter()
                .filter_map(|&i| {
                    resolve_target_port(&cluster.pods[i], sp)
                        .err()
                        .map(|e| (i, e))
                })
                .collect();
            if failing.is_empty() {
                continue;
            }
            // What the failing pods declare, per workload.
            let mut by_group: BTreeMap<String, (usize, String)> = BTreeMap::new();
            for (i, reason) in &failing {
                let e = by_group
                    .entry(rollout_name(&cluster.pods[*i]))
                    .or_insert((0, reason.clone()));
                e.0 += 1;
            }
            let declared: Vec<String> = by_group
                .iter()
                .map(|(_, (_, r))| r.trim_start_matches("declares ").to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let info = ServicePortInfo::from(sp);
            let scope = if failing.len() == pods.len() {
                format!(
                    "matches no container port of {} selected by {sel} ({} {}); {} left out of this port, so it has no endpoints",
                    super::the_pods(cluster, &pods),
                    if pods.len() == 1 { "it declares" } else { "they declare" },
                    declared.join("; "),
                    if pods.len() == 1 { "the pod is" } else { "the pods are" }
                )
            } else {
                format!(
                    "does not resolve on {} of the {} pods selected by {sel} (they declare {}); those pods get no traffic on this port",
                    failing.len(),
                    pods.len(),
                    declared.join("; ")
                )
            };
            let message = format!(
                "Service {} port {info}: targetPort {name} {scope}",
                svc_name(svc)
            );
            let mut finding = Finding::new(&RULE, svc_object(svc), message);
            for (i, reason) in failing.iter().take(MAX_LISTED) {
                let pod = &cluster.pods[*i];
                finding = finding.with_evidence(format!("{} {reason}", pod_label(pod)));
            }
            if failing.len() > MAX_LISTED {
                finding = finding
                    .with_evidence(format!("… and {} more pods", failing.len() - MAX_LISTED));
            }
            let suggestion = suggest(cluster, &failing, name, sp.protocol);
            let mut fix = match &suggestion {
                Some(s) => Fix::new(format!(
                    "Point targetPort at the port the containers declare ({s}), or rename the container port to {name} in the workload's pod template"
                ))
                .command(format!(
                    "kubectl patch service {} -n {} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/ports/{idx}/targetPort\",\"value\":{}}}]'",
                    svc.name,
                    svc.namespace,
                    match s.parse::<u16>() {
                        Ok(n) => n.to_string(),
                        Err(_) => json_str(s),
                    }
                )),
                None => Fix::new(format!(
                    "Declare a container port named {name} ({}) in the pods' template, or set targetPort to the number the process listens on",
                    sp.protocol
                )),
            };
            fix = fix.command(format!(
                "kubectl get pods -n {} -l {sel} -o custom-columns=NAME:.metadata.name,PORT-NAMES:.spec.containers[*].ports[*].name,PORTS:.spec.containers[*].ports[*].containerPort",
                svc.namespace
            ));
            out.push(finding.with_fix(fix));
        }
    }
}

/// The container port the Service most likely means: the declared name with the same
/// protocol closest to `name`, or the only port of that protocol (as a number).
fn suggest(
    cluster: &Cluster,
    failing: &[(usize, String)],
    name: &str,
    protocol: Protocol,
) -> Option<String> {
    let mut named: Vec<(usize, String)> = Vec::new();
    let mut numbers: Vec<u16> = Vec::new();
    for (i, _) in failing {
        for p in cluster.pods[*i].ports().filter(|p| p.protocol == protocol) {
            match &p.name {
                Some(n) => {
                    let close = if n.contains(name) || name.contains(n.as_str()) {
                        0
                    } else {
                        edit_distance(n, name)
                    };
                    named.push((close, n.clone()));
                }
                None => numbers.push(p.port),
            }
            if !numbers.contains(&p.port) {
                numbers.push(p.port);
            }
        }
    }
    named.sort();
    if let Some((d, n)) = named.first() {
        if *d <= 3.max(name.len() / 2) {
            return Some(n.clone());
        }
    }
    numbers.sort_unstable();
    numbers.dedup();
    (numbers.len() == 1).then(|| numbers[0].to_string())
}

use super::{live_selected, pod_label, selector_services, svc_name, svc_object, MAX_LISTED};
use crate::finding::{Finding, Fix, Severity};
use crate::model::{Cluster, PortRef};
use crate::rules::Rule;
use crate::sim::service::{describe_ports, ServicePortInfo};
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: "SVC006",
    area: crate::rules::Area::Svc,
    name: "service-target-port-not-declared",
    severity: Severity::Warning,
    summary: "a numeric targetPort is declared by no container of the selected pods",
    doc: r#"## What it checks
For every Service port whose `targetPort` is a number, every pod the selector matches is
checked: one of its containers should declare that `containerPort` with the Service port's
protocol. The pods that do not are named with the ports they do declare.

## Why it breaks traffic
Declaring a container port is informational — kube-proxy forwards to the number whatever
the pod declares. But a number that no container declares is very often a mistake: the
Service says `8080` and the application listens on `80`, or the Service says TCP and the
container serves UDP. Then every connection is refused by the pod (`connection refused`, or
an Ingress 502), while the Service, its endpoints and the pods all look healthy.

## How to fix
Check what the process listens on (`kubectl exec POD -n NS -- ss -ltnp` or the image's
documentation). If the Service is wrong, set `targetPort` to the declared port (better: to
the port's name); if the pods are wrong, declare the port in the pod template.

## Example
```
warning[SVC006] service-target-port-not-declared: production/service/web
  Service production/web port http 80/TCP → 8080: no container of the 2 pods selected by
  app=web declares 8080/TCP (they declare container ports http:80/TCP)
```

## References
- Service ports: https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports
- Container ports: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports
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
            let PortRef::Number(n) = sp.target_port else {
                continue;
            };
            let failing: Vec<usize> = pods
                .iter()
                .copied()
                .filter(|&i| {
                    !cluster.pods[i]
                        .ports()
                        .any(|p| p.port == n && p.protocol == sp.protocol)
                })
                .collect();
            if failing.is_empty() {
                continue;
            }
            let declared: BTreeSet<String> = failing
                .iter()
                .map(|&i| describe_ports(&cluster.pods[i]))
                .collect();
            let declared: Vec<String> = declared.into_iter().collect();
            let info = ServicePortInfo::from(sp);
            let scope = if failing.len() == pods.len() {
                format!(
                    "no container of {} selected by {sel} declares {n}/{}",
                    super::the_pods(cluster, &pods),
                    sp.protocol
                )
            } else {
                format!(
                    "{} of the {} pods selected by {sel} declare no container port {n}/{}",
                    failing.len(),
                    pods.len(),
                    sp.protocol
                )
            };
            let message = format!(
                "Service {} port {info}: {scope} ({} {}); if nothing listens on {n}, connections are refused",
                svc_name(svc),
                if failing.len() == 1 { "it has" } else { "they have" },
                declared.join("; ")
            );
            let mut finding = Finding::new(&RULE, svc_object(svc), message);
            for &i in failing.iter().take(MAX_LISTED) {
                let pod = &cluster.pods[i];
                finding = finding.with_evidence(format!(
                    "{} has {}",
                    pod_label(pod),
                    describe_ports(pod)
                ));
            }
            if failing.len() > MAX_LISTED {
                finding = finding
                    .with_evidence(format!("… and {} more pods", failing.len() - MAX_LISTED));
            }
            // Suggest the one declared port of the same protocol, when there is exactly one.
            let candidates: BTreeSet<(Option<String>, u16)> = failing
                .iter()
                .flat_map(|&i| cluster.pods[i].ports())
                .filter(|p| p.protocol == sp.protocol)
                .map(|p| (p.name.clone(), p.port))
                .collect();
            let mut fix = Fix::new(format!(
                "Check which port the process listens on; set targetPort to it (by name), or declare containerPort {n}/{} in the pod template",
                sp.protocol
            ));
            if let [(name, port)] = candidates.iter().cloned().collect::<Vec<_>>().as_slice() {
                let value = match name {
                    Some(name) => super::json_str(name),
                    None => port.to_string(),
                };
                fix = fix.command(format!(
                    "kubectl patch service {} -n {} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/ports/{idx}/targetPort\",\"value\":{value}}}]'",
                    svc.name, svc.namespace
                ));
            }
            if let Some(&i) = failing.first() {
                let pod = &cluster.pods[i];
                if !pod.derived {
                    fix = fix.command(format!(
                        "kubectl exec {} -n {} -- ss -lntup",
                        pod.name, pod.namespace
                    ));
                }
            }
            out.push(finding.with_fix(fix));
        }
    }
}

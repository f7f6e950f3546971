use super::{indent, match_labels_yaml, pod_label, short_list};
use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, Ingress, IngressBackend, Labels, PortRef, Protocol, Selector};
use crate::model::{Service, ServicePort};
use crate::rules::Rule;
use crate::sim::ingress::ingress_controller_pods;
use crate::sim::netpol::{denial_reason, Direction, Endpoint, Engine, Verdict};
use std::collections::{BTreeSet, HashMap};

pub static RULE: Rule = Rule {
    code: "NP005",
    area: crate::rules::Area::Np,
    name: "ingress-controller-blocked-by-policy",
    severity: Severity::Error,
    summary:
        "the ingress controller's pods cannot reach an Ingress backend's pods on the target port",
    doc: r#"## What it checks
For every Ingress whose controller pods are known (the IngressClass's `spec.controller`,
e.g. `k8s.io/ingress-nginx`, matched to the pods labelled `app.kubernetes.io/name:
ingress-nginx`, preferring `app.kubernetes.io/component: controller`), every backend Service
port is resolved to its target port on each backend pod, and the connection controller pod →
backend pod is evaluated with NetworkPolicy (egress of the controller and ingress of the
backend). The rule fires when no controller pod may reach a backend pod.

## Why it breaks traffic
The ingress controller proxies to the backend *pods* directly (it reads the EndpointSlices),
so a default-deny ingress policy in the backend's namespace must admit the controller's
namespace and pods on the container port. When it does not, the controller's connections
time out: clients get `504 Gateway Timeout` (or `502` once the controller marks the upstream
down), while the Service, endpoints and pods all look healthy.

## How to fix
Add an ingress rule that admits the controller's pods (by `namespaceSelector` on
`kubernetes.io/metadata.name` AND `podSelector` on the controller labels, in one peer) on the
backend's target port. The finding carries the policy. If the controller itself is
egress-isolated, allow its egress to the backend too.

## Example
```
error[NP005] ingress-controller-blocked-by-policy: production/ingress/app-ingress
  backend web-frontend:80 → pods port 80/TCP: ingress of production/web-frontend[Deployment]
  is isolated by production/default-deny-ingress and no rule admits
  ingress-nginx/ingress-nginx-controller[Deployment]; requests get 504 Gateway Timeout
```

## References
- Network policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/
- Ingress: https://kubernetes.io/docs/concepts/services-networking/ingress/
"#,
    check,
};

/// The labels that identify controller pods in a policy peer.
fn controller_labels(labels: &Labels) -> Labels {
    let keys = [
        "app.kubernetes.io/name",
        "app.kubernetes.io/component",
        "app.kubernetes.io/instance",
    ];
    let picked: Labels = keys
        .iter()
        .filter_map(|k| labels.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    if !picked.is_empty() {
        return picked;
    }
    labels
        .iter()
        .filter(|(k, _)| k.as_str() == "app" || k.as_str() == "k8s-app")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if (c.policies.is_empty() && c.cluster_policies.is_empty()) || c.ingresses.is_empty() {
        return;
    }
    let engine = Engine::new(c);
    for ing in &c.ingresses {
        let controllers = ingress_controller_pods(c, ing);
        if controllers.is_empty() {
            continue;
        }
        let ctrl_reps = one_per_label_group(&engine, &controllers);
        let backends = ing.default_backend.iter().chain(
            ing.rules
                .iter()
                .flat_map(|r| r.paths.iter().map(|p| &p.backend)),
        );
        let mut done = BTreeSet::new();
        for b in backends {
            let IngressBackend::Service { name, port } = b else {
                continue;
            };
            if !done.insert((name.clone(), port.clone())) {
                continue;
            }
            out.extend(backend_finding(c, &engine, ing, &ctrl_reps, name, port));
        }
    }
}

/// One representative pod per label group (pods with identical labels get the same verdicts).
fn one_per_label_group(engine: &Engine, pods: &[usize]) -> Vec<usize> {
    let mut reps: Vec<usize> = Vec::new();
    let mut seen_groups = BTreeSet::new();
    for &p in pods {
        if seen_groups.insert(engine.group_of(p).unwrap_or(usize::MAX - p)) {
            reps.push(p);
        }
    }
    reps
}

/// A backend pod no controller pod may reach: (pod, target port, the last controller's verdict).
type Blocked = (usize, u16, Verdict);

/// The finding for one Service backend of an Ingress, when controller pods cannot reach its
/// pods.
fn backend_finding(
    c: &Cluster,
    engine: &Engine,
    ing: &Ingress,
    ctrl_reps: &[usize],
    name: &str,
    port: &PortRef,
) -> Option<Finding> {
    let svc = c.service(&ing.namespace, name)?;
    let sp = match port {
        PortRef::Number(n) => svc.ports.iter().find(|p| p.port == *n),
        PortRef::Name(n) => svc.port_by_name(n),
    };
    let sp = sp.filter(|p| p.protocol == Protocol::Tcp)?;
    let sel = svc.selector()?;
    let (blocked, total) = blocked_backend_pods(c, engine, ctrl_reps, &ing.namespace, &sel, sp);
    if blocked.is_empty() {
        return None;
    }
    Some(finding(
        c,
        ing,
        svc,
        ctrl_reps[0],
        (name, port),
        &blocked,
        total,
    ))
}

/// The backend pods (with a resolvable target port) that no controller pod may reach, and
/// how many backend pods there are.
fn blocked_backend_pods(
    c: &Cluster,
    engine: &Engine,
    ctrl_reps: &[usize],
    namespace: &str,
    sel: &Selector,
    sp: &ServicePort,
) -> (Vec<Blocked>, usize) {
    // (backend group, target port) → verdict of the first controller that failed.
    let mut cache: HashMap<(usize, u16), Option<Verdict>> = HashMap::new();
    let mut blocked: Vec<Blocked> = Vec::new();
    let mut total = 0;
    for pod in c.pods_matching(namespace, sel) {
        let target = match &sp.target_port {
            PortRef::Number(n) => Some(*n),
            PortRef::Name(n) => c.pods[pod].resolve_named_port(n, Protocol::Tcp),
        };
        let Some(target) = target else { continue };
        total += 1;
        let key = (engine.group_of(pod).unwrap_or(usize::MAX - pod), target);
        let verdict = cache
            .entry(key)
            .or_insert_with(|| {
                let mut last = None;
                for &ctl in ctrl_reps {
                    let v = engine.check(
                        Endpoint::Pod(ctl),
                        Endpoint::Pod(pod),
                        target,
                        Protocol::Tcp,
                    );
                    if v.allowed {
                        return None;
                    }
                    last = Some(v);
                }
                last
            })
            .clone();
        if let Some(v) = verdict {
            blocked.push((pod, target, v));
        }
    }
    (blocked, total)
}

/// The finding: who cannot reach whom and why, with the policy that admits the controller.
fn finding(
    c: &Cluster,
    ing: &Ingress,
    svc: &Service,
    ctrl: usize,
    (name, port): (&str, &PortRef),
    blocked: &[Blocked],
    total: usize,
) -> Finding {
    let (first_pod, target, verdict) = blocked[0].clone();
    let ctrl = &c.pods[ctrl];
    let backend_pod = &c.pods[first_pod];
    let workloads: BTreeSet<String> = blocked
        .iter()
        .map(|(p, _, _)| pod_label(&c.pods[*p]))
        .collect();
    let workloads: Vec<String> = workloads.into_iter().collect();
    let mut why = Vec::new();
    if !verdict.egress.allowed {
        why.push(format!(
            "egress of the controller is {}",
            denial_reason(&verdict.egress, Direction::Egress)
        ));
    }
    if !verdict.ingress.allowed && verdict.ingress.cluster_rule.is_some() {
        why.push(format!(
            "ingress of {} from {} is {}",
            short_list(&workloads, 3),
            pod_label(ctrl),
            denial_reason(&verdict.ingress, Direction::Ingress)
        ));
    } else if !verdict.ingress.allowed {
        why.push(format!(
            "ingress of {} is isolated by {} and no rule admits {}",
            short_list(&workloads, 3),
            verdict.ingress.policies.join(", "),
            pod_label(ctrl)
        ));
    }
    let message = format!(
        "backend {name}:{port} → {}/{} pods port {target}/TCP: {} of {total} backend pods cannot be reached by the ingress controller ({}): {}; requests get 504 Gateway Timeout",
        svc.namespace,
        svc.name,
        blocked.len(),
        pod_label(ctrl),
        why.join("; ")
    );
    let from = controller_labels(&ctrl.labels);
    let selector: Labels = svc.selector.clone().unwrap_or_default();
    let yaml = format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-ingress-controller-to-{}\n  namespace: {}\nspec:\n  podSelector:\n{}\n  policyTypes:\n  - Ingress\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: {}\n      podSelector:\n{}\n    ports:\n    - protocol: TCP\n      port: {target}\n",
        svc.name,
        svc.namespace,
        indent(&match_labels_yaml(&selector), 4),
        ctrl.namespace,
        indent(&match_labels_yaml(&from), 8),
    );
    let mut f = Finding::new(
        &RULE,
        ObjectRef::namespaced("Ingress", &ing.namespace, &ing.name),
        message,
    )
    .with_evidence(format!(
        "checked: {}/{} → {}/{} TCP {target}",
        ctrl.namespace, ctrl.name, backend_pod.namespace, backend_pod.name
    ))
    .with_fix(
        Fix::new(format!(
            "Admit the ingress controller ({}) to {} on TCP {target}",
            pod_label(ctrl),
            short_list(&workloads, 3)
        ))
        .command(format!(
            "netdoctor policy check --from {}/{} --to {}/{} --port {target}/tcp",
            ctrl.namespace, ctrl.name, backend_pod.namespace, backend_pod.name
        ))
        .yaml(yaml),
    );
    let failing = [&verdict.ingress, &verdict.egress]
        .into_iter()
        .filter(|side| !side.allowed)
        .flat_map(|side| side.explanation.iter());
    for line in failing.take(10) {
        f = f.with_evidence(line.clone());
    }
    if blocked.iter().all(|(_, _, v)| !v.verdict.is_known()) {
        f = unless_not_modelled(f, &verdict);
    }
    f
}

/// NetworkPolicy denies, but a policy kind netdoctor does not model governs the path and
/// may admit it (Cilium, Calico): a warning that says so, not an error stated as fact.
fn unless_not_modelled(mut f: Finding, verdict: &Verdict) -> Finding {
    let mut others: Vec<&str> = [&verdict.ingress, &verdict.egress]
        .into_iter()
        .flat_map(|side| side.not_modelled.iter().map(String::as_str))
        .collect();
    others.dedup();
    f.message = f.message.replace(
        "; requests get 504 Gateway Timeout",
        &format!(
            "; unless {} admits it (netdoctor does not model that kind), requests get 504 Gateway Timeout",
            others.join(", ")
        ),
    );
    f.with_severity(Severity::Warning)
}

//! What traffic to or from an object depends on: the graph query behind `doctor OBJECT`,
//! which shows the findings of every related object.

use super::{Cluster, IngressBackend, ObjectRef};
use std::collections::HashSet;

/// The objects whose findings concern `object`: the object itself, and what traffic to or
/// from it depends on (its workload, the Services that select it, the policies that select
/// it, the Ingresses and Gateway API routes that route to those Services). `pods` are the
/// pods the object stands for (a pod, a workload's pods, the pods a Service selects).
pub fn related_objects(
    cluster: &Cluster,
    object: &ObjectRef,
    pods: &[usize],
) -> HashSet<ObjectRef> {
    let mut out = HashSet::new();
    let ns = object.namespace.clone().unwrap_or_default();
    out.insert(object.clone());
    let mut services: HashSet<String> = HashSet::new();
    if object.kind == "Service" {
        services.insert(object.name.clone());
    }
    for &pi in pods {
        let pod = &cluster.pods[pi];
        out.insert(ObjectRef::namespaced("Pod", &pod.namespace, &pod.name));
        if let Some(wi) = pod.workload {
            let w = &cluster.workloads[wi];
            out.insert(ObjectRef::namespaced(
                w.kind.as_str(),
                &w.namespace,
                &w.name,
            ));
        }
        for svc in cluster
            .services
            .iter()
            .filter(|s| s.namespace == pod.namespace)
        {
            if svc.selector().is_some_and(|sel| sel.matches(&pod.labels)) {
                services.insert(svc.name.clone());
            }
        }
        for pol in cluster.policies_in(&pod.namespace) {
            if pol.pod_selector.matches(&pod.labels) {
                out.insert(ObjectRef::namespaced(
                    "NetworkPolicy",
                    &pol.namespace,
                    &pol.name,
                ));
            }
        }
    }
    for s in &services {
        out.insert(ObjectRef::namespaced("Service", &ns, s));
    }
    out.extend(routes_to_services(cluster, &ns, &services));
    out
}

/// Ingresses (in `ns`) and Gateway API routes (any namespace) with a backend that is one of
/// `services` in `ns`.
fn routes_to_services(cluster: &Cluster, ns: &str, services: &HashSet<String>) -> Vec<ObjectRef> {
    let mut out = Vec::new();
    for ing in cluster.ingresses.iter().filter(|i| i.namespace == ns) {
        let routes_here = ing
            .rules
            .iter()
            .flat_map(|r| r.paths.iter().map(|p| &p.backend))
            .chain(ing.default_backend.iter())
            .any(|b| matches!(b, IngressBackend::Service { name, .. } if services.contains(name)));
        if routes_here {
            out.push(ObjectRef::namespaced("Ingress", &ing.namespace, &ing.name));
        }
    }
    for r in &cluster.routes {
        let routes_here = r
            .rules
            .iter()
            .flat_map(|rule| rule.backends.iter())
            .any(|b| b.is_service() && b.namespace == ns && services.contains(&b.name));
        if routes_here {
            out.push(ObjectRef::namespaced(
                r.kind.as_str(),
                &r.namespace,
                &r.name,
            ));
        }
    }
    out
}

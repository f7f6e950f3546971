//! SVC — Services and endpoints. The endpoint model is `sim::service`; these helpers only
//! shape what the rules say.

pub mod endpointslice_stale;
pub mod service_no_ready_endpoints;
pub mod service_pods_from_custom_resource;
pub mod service_selects_multiple_workloads;
pub mod service_selects_no_pods;
pub mod service_some_endpoints_not_ready;
pub mod service_target_port_not_declared;
pub mod service_target_port_unresolved;
pub mod service_without_selector_has_no_endpoints;
pub mod service_workload_scaled_to_zero;

use crate::finding::{Fix, ObjectRef};
use crate::model::{rollout_name, Cluster, Pod, Selector, Service, ServiceType, Workload};
use crate::sim::service::{is_finished, pod_not_ready_reason};

/// How many pods a message or evidence list names before it says "and N more".
pub(crate) const MAX_LISTED: usize = 10;

/// Services whose endpoints come from a selector (not ExternalName), with the selector.
pub(crate) fn selector_services(cluster: &Cluster) -> impl Iterator<Item = (&Service, Selector)> {
    cluster
        .services
        .iter()
        .filter(|s| s.type_ != ServiceType::ExternalName)
        .filter_map(|s| s.selector().map(|sel| (s, sel)))
}

pub(crate) fn svc_object(svc: &Service) -> ObjectRef {
    ObjectRef::namespaced("Service", &svc.namespace, &svc.name)
}

/// `production/payments`.
pub(crate) fn svc_name(svc: &Service) -> String {
    format!("{}/{}", svc.namespace, svc.name)
}

/// Selected pods that are not finished (sorted indexes).
pub(crate) fn live_selected(cluster: &Cluster, svc: &Service, sel: &Selector) -> Vec<usize> {
    cluster
        .pods_matching(&svc.namespace, sel)
        .into_iter()
        .filter(|&i| !is_finished(&cluster.pods[i]))
        .collect()
}

/// The container in CrashLoopBackOff or that has terminated, if any: its logs say why.
fn crashed_container(pod: &Pod) -> Option<&str> {
    pod.container_statuses
        .iter()
        .chain(pod.init_container_statuses.iter())
        .find(|c| {
            c.state
                .waiting
                .as_ref()
                .is_some_and(|w| w.reason.as_deref() == Some("CrashLoopBackOff"))
                || c.state.terminated.is_some()
                || c.last_state.terminated.is_some() && c.state.running.is_none()
        })
        .map(|c| c.name.as_str())
}

/// The next command to run for a pod that is not ready: the previous container's logs for a
/// crash, `kubectl describe pod` (events: probe failures, scheduling, image pulls) otherwise.
pub(crate) fn next_command(pod: &Pod) -> String {
    match crashed_container(pod) {
        Some(c) => {
            let container = if pod.containers.len() + pod.init_container_statuses.len() > 1 {
                format!(" -c {c}")
            } else {
                String::new()
            };
            format!(
                "kubectl logs {} -n {}{container} --previous",
                pod.name, pod.namespace
            )
        }
        None => format!("kubectl describe pod {} -n {}", pod.name, pod.namespace),
    }
}

/// Evidence lines (one per not-ready pod, capped) and the fix (the next command for each
/// distinct kind of failure, at most three).
pub(crate) fn not_ready_details(cluster: &Cluster, pods: &[usize]) -> (Vec<String>, Fix) {
    let mut evidence = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    let mut kinds: Vec<bool> = Vec::new();
    for (n, &i) in pods.iter().enumerate() {
        let pod = &cluster.pods[i];
        if n < MAX_LISTED {
            let node = pod
                .node_name
                .as_deref()
                .map(|n| format!(" on {n}"))
                .unwrap_or_default();
            evidence.push(format!(
                "pod {}{node}: {}",
                pod.name,
                pod_not_ready_reason(pod)
            ));
        }
        let crashed = crashed_container(pod).is_some();
        if commands.len() < 3 && !kinds.contains(&crashed) {
            kinds.push(crashed);
            commands.push(next_command(pod));
        }
    }
    if pods.len() > MAX_LISTED {
        evidence.push(format!("… and {} more pods", pods.len() - MAX_LISTED));
    }
    let title = if kinds.contains(&true) {
        "Find out why the containers exit (logs of the previous run), fix the cause, and the pods become ready"
    } else {
        "See the pod's events (probe failures, scheduling, image pulls) and fix the cause; the pod joins the endpoints once it is ready"
    };
    let mut fix = Fix::new(title);
    for c in commands {
        fix = fix.command(c);
    }
    (evidence, fix)
}

/// How a pod is named in evidence: `pod NAME of ns/name[Kind]`, `pod NAME` for a bare pod,
/// `pod template of ns/name[Kind]` for a pod derived from a workload's template.
pub(crate) fn pod_label(pod: &Pod) -> String {
    match (&pod.owner, pod.derived) {
        (Some(_), true) => format!("pod template of {}", pod.group()),
        (Some(_), false) => format!("pod {} of {}", pod.name, rollout_name(pod)),
        (None, _) => format!("pod {}", pod.name),
    }
}

/// "2 pods", or for template-derived pods "the pod template".
pub(crate) fn pods_desc(cluster: &Cluster, pods: &[usize]) -> String {
    if !pods.is_empty() && pods.iter().all(|&i| cluster.pods[i].derived) {
        if pods.len() == 1 {
            "pod template".into()
        } else {
            format!("{} pod templates", pods.len())
        }
    } else {
        count(pods.len(), "pod")
    }
}

/// "the only pod", "the 3 pods", "the pod template", "the 2 pod templates".
pub(crate) fn the_pods(cluster: &Cluster, pods: &[usize]) -> String {
    if pods.len() == 1 && !cluster.pods[pods[0]].derived {
        "the only pod".into()
    } else {
        format!("the {}", pods_desc(cluster, pods))
    }
}

/// Top-level workloads (not owned by another workload in the input) in the Service's
/// namespace whose pod template labels match the selector.
pub(crate) fn workloads_matching<'a>(
    cluster: &'a Cluster,
    ns: &str,
    sel: &Selector,
) -> Vec<&'a Workload> {
    cluster
        .workloads
        .iter()
        .filter(|w| w.namespace == ns && is_top_level(cluster, w))
        .filter(|w| sel.matches(&w.template_labels))
        .collect()
}

pub(crate) fn is_top_level(cluster: &Cluster, w: &Workload) -> bool {
    w.owner
        .as_ref()
        .is_none_or(|o| cluster.workload(&o.kind, &w.namespace, &o.name).is_none())
}

/// "1 pod", "3 pods".
pub(crate) fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A JSON string literal (for patches in fix commands).
pub(crate) fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests;

//! Why a pod is not ready, in plain words from its status.

use super::pod_is_ready;
use crate::model::{Condition, ContainerStatus, Pod, ProbeCheck};

/// Why a pod is not ready, in plain words from its status: CrashLoopBackOff with the restart
/// count and last exit code, a failing readiness probe (with its path/port), Pending and why
/// (unschedulable, image pull, containers being created), terminating, finished. A ready pod
/// gives "ready".
pub fn pod_not_ready_reason(pod: &Pod) -> String {
    if pod.terminating {
        return "terminating (deletionTimestamp is set): it no longer receives new connections"
            .into();
    }
    match pod.phase.as_str() {
        "Succeeded" => return "phase Succeeded: the pod has finished".into(),
        "Failed" => {
            return with_detail(
                "phase Failed".into(),
                reason_message(pod.status_reason.as_deref(), pod.status_message.as_deref()),
            )
        }
        _ => {}
    }
    if pod_is_ready(pod) {
        return "ready".into();
    }
    // A container that is waiting or crash-looping explains most cases, whatever the phase.
    container_reason(pod).unwrap_or_else(|| phase_reason(pod))
}

/// The first container (init containers first) whose state explains why the pod is not ready.
fn container_reason(pod: &Pod) -> Option<String> {
    let statuses = pod
        .init_container_statuses
        .iter()
        .map(|c| (c, true))
        .chain(pod.container_statuses.iter().map(|c| (c, false)));
    for (cs, init) in statuses {
        let what = if init { "init container" } else { "container" };
        if let Some(reason) = waiting_reason(pod, cs, what) {
            return Some(reason);
        }
        if init {
            if let Some(reason) = failed_init_reason(cs) {
                return Some(reason);
            }
            continue;
        }
        if let Some(reason) = terminated_reason(cs).or_else(|| running_reason(pod, cs)) {
            return Some(reason);
        }
    }
    None
}

/// A waiting container: crash loop, image pull, being created, or another waiting reason.
fn waiting_reason(pod: &Pod, cs: &ContainerStatus, what: &str) -> Option<String> {
    let w = cs.state.waiting.as_ref()?;
    let reason = w.reason.as_deref().unwrap_or("");
    match reason {
        "CrashLoopBackOff" => {
            let exit = match cs.last_state.terminated.as_ref() {
                Some(t) => format!(
                    ", last exit code {}{}",
                    t.exit_code.map(|c| c.to_string()).unwrap_or("?".into()),
                    in_parens(t.reason.as_deref())
                ),
                None => String::new(),
            };
            Some(format!(
                "{what} {} is in CrashLoopBackOff: restarted {} times{exit}",
                cs.name, cs.restart_count
            ))
        }
        "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" | "ErrImageNeverPull" => {
            let image = cs
                .image
                .as_deref()
                .map(|i| format!(" {i}"))
                .unwrap_or_default();
            Some(with_detail(
                format!(
                    "{}{what} {} cannot pull its image{image} ({reason})",
                    if pod.phase == "Pending" {
                        "Pending: "
                    } else {
                        ""
                    },
                    cs.name
                ),
                w.message.clone().unwrap_or_default(),
            ))
        }
        "ContainerCreating" | "PodInitializing" => Some(format!(
            "Pending: {what} {} is being created ({reason}); it has not started yet",
            cs.name
        )),
        "" => None,
        other => Some(with_detail(
            format!("{what} {} is waiting ({other})", cs.name),
            w.message.clone().unwrap_or_default(),
        )),
    }
}

/// An init container that exited with an error (a successful one explains nothing).
fn failed_init_reason(cs: &ContainerStatus) -> Option<String> {
    let t = cs.state.terminated.as_ref()?;
    (t.exit_code.unwrap_or(0) != 0).then(|| {
        format!(
            "init container {} failed with exit code {}{}",
            cs.name,
            t.exit_code.unwrap_or_default(),
            in_parens(t.reason.as_deref())
        )
    })
}

fn terminated_reason(cs: &ContainerStatus) -> Option<String> {
    let t = cs.state.terminated.as_ref()?;
    Some(format!(
        "container {} has terminated with exit code {}{} (restarted {} times)",
        cs.name,
        t.exit_code.map(|c| c.to_string()).unwrap_or("?".into()),
        in_parens(t.reason.as_deref()),
        cs.restart_count
    ))
}

/// A running container that is not ready: its startup or readiness probe has not passed.
fn running_reason(pod: &Pod, cs: &ContainerStatus) -> Option<String> {
    if cs.state.running.is_none() || cs.ready {
        return None;
    }
    if cs.started == Some(false) {
        return Some(format!(
            "container {} is running but has not passed its startup probe yet (restarted {} times)",
            cs.name, cs.restart_count
        ));
    }
    let probe = pod
        .containers
        .iter()
        .find(|c| c.name == cs.name)
        .and_then(|c| c.readiness_probe.as_ref());
    Some(match probe {
        Some(p) => format!(
            "container {} is running but failing its readiness probe ({}; restarted {} times)",
            cs.name,
            probe_target(p),
            cs.restart_count
        ),
        None => format!(
            "container {} is running but not ready (restarted {} times)",
            cs.name, cs.restart_count
        ),
    })
}

/// No container explains it: scheduling, a Pending pod's status, or the Ready condition.
fn phase_reason(pod: &Pod) -> String {
    if pod.phase == "Pending" {
        if let Some(c) = condition(pod, "PodScheduled").filter(|c| c.status == "False") {
            return with_detail(
                "Pending: not scheduled to any node".into(),
                reason_message(c.reason.as_deref(), c.message.as_deref()),
            );
        }
        if pod.node_name.is_none() {
            return "Pending: not scheduled to any node yet".into();
        }
        return with_detail(
            "Pending: containers have not started".into(),
            reason_message(pod.status_reason.as_deref(), pod.status_message.as_deref()),
        );
    }
    if let Some(c) = condition(pod, "Ready").filter(|c| c.status != "True") {
        return with_detail(
            format!("phase {}, Ready condition {}", pod.phase, c.status),
            reason_message(c.reason.as_deref(), c.message.as_deref()),
        );
    }
    format!("phase {}, not ready", pod.phase)
}

fn probe_target(probe: &ProbeCheck) -> String {
    let port = |p: &Option<String>| p.clone().unwrap_or_else(|| "?".into());
    match probe {
        ProbeCheck::HttpGet { path, port: p } => format!("httpGet {path} on port {}", port(p)),
        ProbeCheck::TcpSocket { port: p } => format!("tcpSocket on port {}", port(p)),
        ProbeCheck::Grpc { port } => format!("grpc on port {port}"),
        ProbeCheck::Exec => "exec command".into(),
        ProbeCheck::Other => "probe".into(),
    }
}

fn condition<'a>(pod: &'a Pod, type_: &str) -> Option<&'a Condition> {
    pod.conditions.iter().find(|c| c.type_ == type_)
}

fn reason_message(reason: Option<&str>, message: Option<&str>) -> String {
    match (
        reason.filter(|s| !s.is_empty()),
        message.filter(|s| !s.is_empty()),
    ) {
        (Some(r), Some(m)) => format!("{r}: {m}"),
        (Some(r), None) => r.to_string(),
        (None, Some(m)) => m.to_string(),
        (None, None) => String::new(),
    }
}

fn with_detail(base: String, detail: String) -> String {
    if detail.is_empty() {
        base
    } else {
        format!("{base} ({detail})")
    }
}

/// ` (reason)`, or nothing.
fn in_parens(reason: Option<&str>) -> String {
    reason.map(|r| format!(" ({r})")).unwrap_or_default()
}

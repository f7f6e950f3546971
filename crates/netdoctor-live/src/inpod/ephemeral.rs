//! The ephemeral debug container, as `kubectl debug` adds it: a strategic-merge PATCH of the
//! pod's `ephemeralcontainers` subresource, a bounded wait for the container to run and
//! exit (read from `status.ephemeralContainerStatuses`), then its log.
//!
//! The container runs netdoctor's image (its entrypoint is netdoctor) with only `args`, no
//! privileges, no stdin or TTY. It shares the pod's network namespace and gets the pod's
//! `/etc/resolv.conf` and `/etc/hosts` (kubelet mounts them into every container). It stays
//! in the pod spec (terminated) until the pod is replaced: Kubernetes cannot remove an
//! ephemeral container.

use super::{
    parse_report, parse_reports, InPodError, InPodRunner, ManyFuture, PodRef, ProbeCommand,
    RunFuture,
};
use crate::cluster::request::{fetch, sanitize, FetchError, RequestPolicy};
use crate::cluster::Connection;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// netdoctor's image at the version of this binary.
pub const DEFAULT_IMAGE: &str = concat!("ghcr.io/netdoctor/netdoctor:", env!("CARGO_PKG_VERSION"));

/// Waiting reasons of a container whose image cannot be pulled.
const PULL_ERRORS: [&str; 5] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
];

#[derive(Debug, Clone)]
pub struct EphemeralOptions {
    pub image: String,
    /// How long the container may take to start running (image pull included).
    pub start_timeout: Duration,
    /// Time between two reads of the pod's status.
    pub poll: Duration,
    /// The most read of the container's log.
    pub max_log_bytes: u64,
}

impl Default for EphemeralOptions {
    fn default() -> Self {
        EphemeralOptions {
            image: DEFAULT_IMAGE.to_string(),
            start_timeout: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            max_log_bytes: super::MAX_OUTPUT_BYTES as u64,
        }
    }
}

pub struct EphemeralRunner {
    pub conn: Connection,
    pub options: EphemeralOptions,
}

/// A DNS-1123 name (namespace, pod, container): the only text put into a request path.
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// A container name not used before in this pod: `netdoctor-probe-` and 8 hex digits.
fn container_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mix = nanos ^ std::process::id().rotate_left(16) ^ N.fetch_add(1, Ordering::Relaxed);
    format!("netdoctor-probe-{mix:08x}")
}

/// The ephemeral container as `kubectl debug --image IMAGE -- ARGS` would add it.
pub fn container_spec(name: &str, image: &str, probe: &ProbeCommand) -> Value {
    json!({
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": probe.argv(),
        "stdin": false,
        "tty": false,
        "terminationMessagePolicy": "File",
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": true,
            "seccompProfile": {"type": "RuntimeDefault"}
        }
    })
}

/// What the status says of the container.
#[derive(Debug, PartialEq)]
enum State {
    Missing,
    Waiting { reason: String, message: String },
    Running,
    Terminated { code: i64, reason: String },
}

fn container_state(pod: &Value, name: &str) -> State {
    let Some(status) = pod["status"]["ephemeralContainerStatuses"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"].as_str() == Some(name)))
    else {
        return State::Missing;
    };
    let state = &status["state"];
    let text = |v: &Value| sanitize(v.as_str().unwrap_or(""), 300);
    if state["terminated"].is_object() {
        State::Terminated {
            code: state["terminated"]["exitCode"].as_i64().unwrap_or(-1),
            reason: text(&state["terminated"]["reason"]),
        }
    } else if state["running"].is_object() {
        State::Running
    } else {
        State::Waiting {
            reason: text(&state["waiting"]["reason"]),
            message: text(&state["waiting"]["message"]),
        }
    }
}

impl EphemeralRunner {
    fn map_error(&self, pod: &PodRef, e: FetchError) -> InPodError {
        match e {
            FetchError::Status { code: 403, message } => InPodError::Forbidden { message },
            FetchError::Status { code: 404, .. } => InPodError::PodNotFound {
                pod: pod.to_string(),
            },
            other => InPodError::Api(other.to_string()),
        }
    }

    fn pod_path(pod: &PodRef) -> String {
        format!("/api/v1/namespaces/{}/pods/{}", pod.namespace, pod.name)
    }

    async fn get_pod(&self, pod: &PodRef) -> Result<Value, InPodError> {
        let path = Self::pod_path(pod);
        let body = fetch(&self.conn.client, &self.conn.policy, || {
            http::Request::get(path.as_str())
                .body(Vec::new())
                .map_err(|e| FetchError::Transport(e.to_string()))
        })
        .await
        .map_err(|e| self.map_error(pod, e))?;
        serde_json::from_slice(&body).map_err(|e| InPodError::Api(format!("pod {pod}: {e}")))
    }

    async fn add_container(&self, pod: &PodRef, spec: Value) -> Result<(), InPodError> {
        let path = format!("{}/ephemeralcontainers", Self::pod_path(pod));
        let body = serde_json::to_vec(&json!({"spec": {"ephemeralContainers": [spec]}}))
            .map_err(|e| InPodError::Api(e.to_string()))?;
        // No retry: a second PATCH after a lost answer would add a second container.
        let policy = RequestPolicy {
            retries: 0,
            ..self.conn.policy
        };
        let result = fetch(&self.conn.client, &policy, || {
            http::Request::patch(path.as_str())
                .header("content-type", "application/strategic-merge-patch+json")
                .body(body.clone())
                .map_err(|e| FetchError::Transport(e.to_string()))
        })
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(FetchError::Status { code: 404, message }) => Err(InPodError::Unsupported {
                pod: pod.to_string(),
                message,
            }),
            Err(e) => Err(self.map_error(pod, e)),
        }
    }

    async fn read_log(&self, pod: &PodRef, container: &str) -> Result<String, InPodError> {
        let path = format!(
            "{}/log?container={container}&limitBytes={}",
            Self::pod_path(pod),
            self.options.max_log_bytes
        );
        let policy = RequestPolicy {
            max_body: self.options.max_log_bytes.saturating_add(4096),
            ..self.conn.policy
        };
        let body = fetch(&self.conn.client, &policy, || {
            http::Request::get(path.as_str())
                .body(Vec::new())
                .map_err(|e| FetchError::Transport(e.to_string()))
        })
        .await
        .map_err(|e| self.map_error(pod, e))?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// Polls the pod until the container has run and exited; its exit code.
    async fn wait_for(
        &self,
        pod: &PodRef,
        name: &str,
        probe: &ProbeCommand,
    ) -> Result<i64, InPodError> {
        let start_deadline = Instant::now() + self.options.start_timeout;
        let mut run_deadline: Option<Instant> = None;
        let mut last = "no status yet".to_string();
        loop {
            let value = self.get_pod(pod).await?;
            match container_state(&value, name) {
                State::Terminated { code, .. } => return Ok(code),
                State::Running => {
                    let deadline = *run_deadline.get_or_insert(Instant::now() + probe.budget());
                    if Instant::now() > deadline {
                        return Err(InPodError::NotFinished {
                            pod: pod.to_string(),
                            waited_s: probe.budget().as_secs(),
                        });
                    }
                }
                State::Waiting { reason, message } if PULL_ERRORS.contains(&reason.as_str()) => {
                    return Err(InPodError::ImagePull {
                        pod: pod.to_string(),
                        image: self.options.image.clone(),
                        reason,
                        message,
                    });
                }
                State::Waiting { reason, message } => {
                    last = format!("waiting: {reason} {message}").trim().to_string();
                }
                State::Missing => {}
            }
            if run_deadline.is_none() && Instant::now() > start_deadline {
                return Err(InPodError::NeverStarted {
                    pod: pod.to_string(),
                    waited_s: self.options.start_timeout.as_secs(),
                    state: last,
                });
            }
            tokio::time::sleep(self.options.poll).await;
        }
    }

    async fn run_probe(&self, pod: &PodRef, probe: &ProbeCommand) -> Result<String, InPodError> {
        if !valid_name(&pod.namespace) || !valid_name(&pod.name) {
            return Err(InPodError::Usage(format!(
                "{pod} is not a valid pod name (lower-case letters, digits, '-', '.')"
            )));
        }
        let value = self.get_pod(pod).await?;
        let phase = value["status"]["phase"].as_str().unwrap_or("Unknown");
        if phase != "Running" {
            return Err(InPodError::PodNotRunning {
                pod: pod.to_string(),
                phase: sanitize(phase, 64),
            });
        }
        let name = container_name();
        self.add_container(pod, container_spec(&name, &self.options.image, probe))
            .await?;
        let code = self.wait_for(pod, &name, probe).await?;
        let log = self.read_log(pod, &name).await?;
        match code {
            0 | 1 => Ok(log),
            code => Err(InPodError::Failed {
                pod: pod.to_string(),
                code,
                excerpt: sanitize(log.trim(), 300),
            }),
        }
    }
}

impl InPodRunner for EphemeralRunner {
    fn run<'a>(&'a self, pod: &'a PodRef, probe: &'a ProbeCommand) -> RunFuture<'a> {
        Box::pin(async move {
            let log = self.run_probe(pod, probe).await?;
            parse_report(pod, &log)
        })
    }

    /// One container for all the probes (`netdoctor probe batch`): one ephemeral container
    /// left in the pod spec, not one per probe.
    fn run_many<'a>(&'a self, pod: &'a PodRef, probes: &'a [ProbeCommand]) -> ManyFuture<'a> {
        Box::pin(async move {
            if probes.len() == 1 {
                return vec![self.run(pod, &probes[0]).await];
            }
            let batch = ProbeCommand::batch(probes);
            match self.run_probe(pod, &batch).await {
                Ok(log) => parse_reports(pod, &log, probes.len()),
                Err(e) => probes.iter().map(|_| Err(e.clone())).collect(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_read_from_the_status() {
        let pod = json!({"status": {"ephemeralContainerStatuses": [
            {"name": "a", "state": {"waiting": {"reason": "ErrImagePull", "message": "not found"}}},
            {"name": "b", "state": {"running": {}}},
            {"name": "c", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}
        ]}});
        assert_eq!(
            container_state(&pod, "a"),
            State::Waiting {
                reason: "ErrImagePull".into(),
                message: "not found".into()
            }
        );
        assert_eq!(container_state(&pod, "b"), State::Running);
        assert!(matches!(
            container_state(&pod, "c"),
            State::Terminated { code: 1, .. }
        ));
        assert_eq!(container_state(&pod, "d"), State::Missing);
        assert!(valid_name("kube-system") && !valid_name("a/b") && !valid_name("A"));
        assert!(container_name().starts_with("netdoctor-probe-"));
    }
}

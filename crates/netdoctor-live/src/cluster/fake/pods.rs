//! One pod, its ephemeral containers and their logs, as a real API server serves them:
//! `GET /api/v1/namespaces/NS/pods/NAME`, `PATCH …/pods/NAME/ephemeralcontainers`
//! (strategic merge patch adding a container), `GET …/pods/NAME/log?container=C`, with the
//! failure modes of a real cluster (`Ephemeral`).

use super::{not_found, status_body, Request, State};
use serde_json::{json, Value};

/// How an ephemeral container added to a pod behaves.
#[derive(Debug, Clone)]
pub enum Ephemeral {
    /// It is created, runs, and exits with this code; its log is `log`.
    Runs { log: String, exit_code: i64 },
    /// The credentials may not patch `pods/ephemeralcontainers` (403).
    Forbidden,
    /// It is accepted but never starts (`ContainerCreating` forever).
    NeverStarts,
    /// Its image cannot be pulled (`ErrImagePull`, then `ImagePullBackOff`).
    ImagePullError,
    /// It runs and exits 0, but its log is cut after `keep` bytes of `log`.
    CutLog { log: String, keep: usize },
}

/// An ephemeral container added to a pod.
#[derive(Debug, Clone)]
pub struct Added {
    pub name: String,
    pub image: String,
    pub args: Vec<String>,
    /// Status reads since it was added.
    pub reads: u32,
}

fn pod_route(path: &str) -> Option<(&str, &str, Option<&str>)> {
    let rest = path.strip_prefix("/api/v1/namespaces/")?;
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        [ns, "pods", name] => Some((ns, name, None)),
        [ns, "pods", name, sub] => Some((ns, name, Some(sub))),
        _ => None,
    }
}

fn forbidden(verb: &str, resource: &str, ns: &str) -> (u16, Vec<u8>) {
    let message = format!(
        "{resource} is forbidden: User \"system:serviceaccount:test:netdoctor\" cannot {verb} resource \"{resource}\" in API group \"\" in the namespace \"{ns}\""
    );
    (403, status_body(403, "Forbidden", &message))
}

/// The answer to a pod, ephemeralcontainers or log request; `None` for any other path.
pub(super) fn respond(state: &State, req: &Request) -> Option<(u16, Vec<u8>)> {
    let (ns, name, sub) = pod_route(&req.path)?;
    let server = &state.server;
    let key = format!("{ns}/{name}");
    if server.forbidden.contains("pods") {
        return Some(forbidden("get", "pods", ns));
    }
    let pod = server.by_kind.get("/Pod").and_then(|pods| {
        pods.iter().find(|p| {
            p["metadata"]["namespace"].as_str().unwrap_or("default") == ns
                && p["metadata"]["name"].as_str() == Some(name)
        })
    });
    let Some(pod) = pod else {
        return Some(not_found());
    };
    let mut containers = state.containers.lock().ok()?;
    let added = containers.entry(key).or_default();
    Some(match (req.method.as_str(), sub) {
        ("GET", None) => {
            let mut pod = pod.clone();
            for c in added.iter_mut() {
                c.reads = c.reads.saturating_add(1);
            }
            with_ephemeral(&mut pod, added, server.ephemeral.as_ref());
            (200, serde_json::to_vec(&pod).unwrap_or_default())
        }
        ("PATCH", Some("ephemeralcontainers")) => match &server.ephemeral {
            None => not_found(),
            Some(Ephemeral::Forbidden) => forbidden("patch", "pods/ephemeralcontainers", ns),
            Some(_) => {
                let patch: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let given = patch["spec"]["ephemeralContainers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for c in given {
                    let name = c["name"].as_str().unwrap_or("").to_string();
                    if name.is_empty() || added.iter().any(|a| a.name == name) {
                        return Some((422, status_body(422, "Invalid", "invalid container")));
                    }
                    added.push(Added {
                        name,
                        image: c["image"].as_str().unwrap_or("").to_string(),
                        args: c["args"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|s| s.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        reads: 0,
                    });
                }
                let mut pod = pod.clone();
                with_ephemeral(&mut pod, added, server.ephemeral.as_ref());
                (200, serde_json::to_vec(&pod).unwrap_or_default())
            }
        },
        ("GET", Some("log")) => {
            let container = req
                .query
                .iter()
                .find(|(k, _)| k == "container")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            if !added.iter().any(|a| a.name == container) {
                let msg = format!("container {container} is not valid for pod {name}");
                return Some((400, status_body(400, "BadRequest", &msg)));
            }
            // A batch (`probe batch JSON`) prints one report per probe.
            let times = added
                .iter()
                .find(|a| a.name == container)
                .filter(|a| a.args.get(1).map(String::as_str) == Some("batch"))
                .and_then(|a| a.args.get(2))
                .and_then(|j| serde_json::from_str::<Vec<Value>>(j).ok())
                .map_or(1, |v| v.len().clamp(1, 1000));
            match &server.ephemeral {
                Some(Ephemeral::Runs { log, .. }) => (200, log.repeat(times).into_bytes()),
                Some(Ephemeral::CutLog { log, keep }) => {
                    let end = (*keep).min(log.len());
                    (200, log.as_bytes()[..end].to_vec())
                }
                _ => {
                    let msg = format!("container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating");
                    (400, status_body(400, "BadRequest", &msg))
                }
            }
        }
        _ => (
            405,
            status_body(405, "MethodNotAllowed", "method not allowed"),
        ),
    })
}

/// The pod with the containers added in `spec` and their states in `status`: created on
/// the first read, running on the second, terminated from the third on.
fn with_ephemeral(pod: &mut Value, added: &[Added], mode: Option<&Ephemeral>) {
    let specs: Vec<Value> = added
        .iter()
        .map(|a| json!({"name": a.name, "image": a.image, "args": a.args}))
        .collect();
    let statuses: Vec<Value> = added
        .iter()
        .map(|a| {
            let state = match (mode, a.reads) {
                (_, 0..=1) => json!({"waiting": {"reason": "ContainerCreating"}}),
                (Some(Ephemeral::NeverStarts), _) => {
                    json!({"waiting": {"reason": "ContainerCreating"}})
                }
                (Some(Ephemeral::ImagePullError), n) => json!({"waiting": {
                    "reason": if n == 2 { "ErrImagePull" } else { "ImagePullBackOff" },
                    "message": format!("rpc error: code = NotFound desc = failed to pull and unpack image \"{}\": not found", a.image)}}),
                (_, 2) => json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}}),
                (Some(Ephemeral::Runs { exit_code, .. }), _) => {
                    json!({"terminated": {"exitCode": exit_code, "reason": if *exit_code == 0 { "Completed" } else { "Error" }}})
                }
                _ => json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
            };
            json!({"name": a.name, "image": a.image, "ready": false, "restartCount": 0, "state": state})
        })
        .collect();
    if let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("ephemeralContainers".into(), Value::Array(specs));
    }
    if let Some(status) = pod.get_mut("status").and_then(Value::as_object_mut) {
        status.insert("ephemeralContainerStatuses".into(), Value::Array(statuses));
    }
}

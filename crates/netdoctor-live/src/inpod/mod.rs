//! Probes run inside a pod's own network namespace: the same `netdoctor probe` code,
//! started where the pod's packets start, its JSON report read back.
//!
//! Two ways in, behind [`InPodRunner`]:
//! - [`ephemeral::EphemeralRunner`]: what `kubectl debug` does. An ephemeral container
//!   running netdoctor's image is added to the pod (`PATCH pods/NAME/ephemeralcontainers`),
//!   waited for (bounded), and its log (`GET pods/NAME/log`) is the probe's JSON. It shares
//!   the pod's network namespace and gets the pod's `/etc/resolv.conf`, so DNS probes follow
//!   the pod's real search path. This writes to the cluster: the container stays in the pod
//!   spec until the pod is replaced.
//! - [`netns::NetnsRunner`]: `ip netns exec NETNS netdoctor probe …` on this machine, for
//!   the network namespaces of a node (and the tests); `ip netns exec` bind-mounts
//!   `/etc/netns/NETNS/resolv.conf` over `/etc/resolv.conf` the way kubelet gives a pod its
//!   own.

pub mod ephemeral;
pub mod netns;

use crate::probe::Report;
use std::future::Future;
use std::pin::Pin;

/// The largest probe output (or log) read back from a pod.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// A pod, `namespace/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodRef {
    pub namespace: String,
    pub name: String,
}

impl PodRef {
    pub fn new(namespace: &str, name: &str) -> PodRef {
        PodRef {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

impl std::fmt::Display for PodRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// The arguments of `netdoctor probe` to run in the pod (`tcp HOST:PORT --count 3 …`);
/// `-o json` is added by the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeCommand {
    pub args: Vec<String>,
}

impl ProbeCommand {
    /// The whole command line after the program name.
    pub fn argv(&self) -> Vec<String> {
        let mut v = vec!["probe".to_string()];
        v.extend(self.args.iter().cloned());
        v.extend(["-o".to_string(), "json".to_string()]);
        v
    }

    /// Several probes run one after the other by one process (`netdoctor probe batch`),
    /// one report each, in order.
    pub fn batch(probes: &[ProbeCommand]) -> ProbeCommand {
        let lists: Vec<Vec<String>> = probes
            .iter()
            .map(|p| {
                let mut v = p.args.clone();
                v.extend(["-o".to_string(), "json".to_string()]);
                v
            })
            .collect();
        ProbeCommand {
            args: vec![
                "batch".to_string(),
                serde_json::to_string(&lists).unwrap_or_else(|_| "[]".to_string()),
            ],
        }
    }

    /// The probes of a batch (`None`: not a batch).
    fn batched(&self) -> Option<Vec<ProbeCommand>> {
        if self.args.first().map(String::as_str) != Some("batch") {
            return None;
        }
        let lists: Vec<Vec<String>> = serde_json::from_str(self.args.get(1)?).ok()?;
        Some(
            lists
                .into_iter()
                .map(|args| ProbeCommand { args })
                .collect(),
        )
    }

    /// How long the probe may take at most: `count` attempts of `timeout` plus the
    /// intervals, read back from the arguments (the runner's wait is bounded by it); a
    /// batch, the sum of its probes'.
    pub fn budget(&self) -> std::time::Duration {
        use crate::probe::parse_duration;
        if let Some(probes) = self.batched() {
            return probes
                .iter()
                .map(ProbeCommand::budget)
                .fold(std::time::Duration::ZERO, |a, b| a.saturating_add(b));
        }
        let value = |flag: &str| {
            self.args
                .iter()
                .position(|a| a == flag)
                .and_then(|i| self.args.get(i + 1))
        };
        let count = value("--count")
            .and_then(|c| c.parse::<u32>().ok())
            .unwrap_or(5)
            .min(10_000);
        let timeout = value("--timeout")
            .and_then(|t| parse_duration(t).ok())
            .unwrap_or(std::time::Duration::from_secs(2));
        let interval = value("--interval")
            .and_then(|t| parse_duration(t).ok())
            .unwrap_or(std::time::Duration::from_millis(100));
        (timeout + interval).saturating_mul(count) + std::time::Duration::from_secs(5)
    }
}

/// Why a probe could not be run inside the pod (the probe's own failures are in its report).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InPodError {
    #[error("{0}")]
    Usage(String),
    #[error("permission missing: {message} (in-pod probes need pods get, pods/ephemeralcontainers patch and pods/log get: apply deploy/rbac-inpod.yaml)")]
    Forbidden { message: String },
    #[error("pod {pod} not found")]
    PodNotFound { pod: String },
    #[error("pod {pod} is {phase}, not Running: nothing to probe from")]
    PodNotRunning { pod: String, phase: String },
    #[error("the API server does not serve pods/ephemeralcontainers for {pod} (ephemeral containers need Kubernetes 1.25 or later): {message}")]
    Unsupported { pod: String, message: String },
    #[error("the probe container in {pod} cannot pull image {image}: {reason}: {message}")]
    ImagePull {
        pod: String,
        image: String,
        reason: String,
        message: String,
    },
    #[error("the probe container in {pod} did not start within {waited_s}s (last state: {state})")]
    NeverStarted {
        pod: String,
        waited_s: u64,
        state: String,
    },
    #[error("the probe in {pod} did not finish within {waited_s}s")]
    NotFinished { pod: String, waited_s: u64 },
    #[error("the probe output from {pod} is cut or not a probe report ({reason}): {excerpt:?}")]
    CutOutput {
        pod: String,
        reason: String,
        excerpt: String,
    },
    #[error("the probe in {pod} failed before probing (exit code {code}): {excerpt}")]
    Failed {
        pod: String,
        code: i64,
        excerpt: String,
    },
    #[error("API request failed: {0}")]
    Api(String),
    #[error("cannot run the probe in {pod}: {reason}")]
    Exec { pod: String, reason: String },
}

pub type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<Report, InPodError>> + Send + 'a>>;
pub type ManyFuture<'a> =
    Pin<Box<dyn Future<Output = Vec<Result<Report, InPodError>>> + Send + 'a>>;

/// Runs a probe inside a pod's network namespace and returns its report (`from` set).
pub trait InPodRunner: Send + Sync {
    fn run<'a>(&'a self, pod: &'a PodRef, probe: &'a ProbeCommand) -> RunFuture<'a>;

    /// Several probes from the same pod, one result each, in order. By default one `run`
    /// after the other; the ephemeral runner runs them in one container.
    fn run_many<'a>(&'a self, pod: &'a PodRef, probes: &'a [ProbeCommand]) -> ManyFuture<'a> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(probes.len());
            for p in probes {
                out.push(self.run(pod, p).await);
            }
            out
        })
    }
}

/// The reports of a batch, in order: `expected` results, each a report, the error the
/// probe printed in its place, or `CutOutput` for those missing at the end.
pub fn parse_reports(pod: &PodRef, text: &str, expected: usize) -> Vec<Result<Report, InPodError>> {
    let start = text.find('{').unwrap_or(text.len());
    let mut stream =
        serde_json::Deserializer::from_str(&text[start..]).into_iter::<serde_json::Value>();
    let mut out = Vec::with_capacity(expected);
    while out.len() < expected {
        match stream.next() {
            Some(Ok(v)) => {
                if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
                    out.push(Err(InPodError::Failed {
                        pod: pod.to_string(),
                        code: 2,
                        excerpt: crate::cluster::request::sanitize(e, 300),
                    }));
                    continue;
                }
                out.push(
                    serde_json::from_value::<Report>(v)
                        .map(|mut r| {
                            r.from = Some(pod.to_string());
                            r
                        })
                        .map_err(|e| InPodError::CutOutput {
                            pod: pod.to_string(),
                            reason: e.to_string(),
                            excerpt: String::new(),
                        }),
                );
            }
            Some(Err(e)) => {
                let reason = if e.is_eof() {
                    "the output ends inside a report".to_string()
                } else {
                    e.to_string()
                };
                while out.len() < expected {
                    out.push(Err(InPodError::CutOutput {
                        pod: pod.to_string(),
                        reason: reason.clone(),
                        excerpt: String::new(),
                    }));
                }
            }
            None => {
                while out.len() < expected {
                    out.push(Err(InPodError::CutOutput {
                        pod: pod.to_string(),
                        reason: "the output ends before this report".into(),
                        excerpt: String::new(),
                    }));
                }
            }
        }
    }
    out
}

/// The probe report in a container's log or a process's output: the JSON object that
/// starts on the first line beginning with `{`. Anything cut short is `CutOutput`.
pub fn parse_report(pod: &PodRef, text: &str) -> Result<Report, InPodError> {
    let excerpt = || crate::cluster::request::sanitize(text.trim(), 200);
    let start = text
        .lines()
        .scan(0usize, |offset, line| {
            let at = *offset;
            *offset += line.len() + 1;
            Some((at, line))
        })
        .find(|(_, l)| l.starts_with('{'))
        .map(|(at, _)| at);
    let Some(start) = start else {
        return Err(InPodError::CutOutput {
            pod: pod.to_string(),
            reason: "no JSON report".into(),
            excerpt: excerpt(),
        });
    };
    let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Report>();
    match stream.next() {
        Some(Ok(mut report)) => {
            report.from = Some(pod.to_string());
            Ok(report)
        }
        Some(Err(e)) => Err(InPodError::CutOutput {
            pod: pod.to_string(),
            reason: if e.is_eof() {
                "the output ends inside the report".into()
            } else {
                e.to_string()
            },
            excerpt: excerpt(),
        }),
        None => Err(InPodError::CutOutput {
            pod: pod.to_string(),
            reason: "no JSON report".into(),
            excerpt: excerpt(),
        }),
    }
}

/// What `verify` compares with the model: counts, median times and DNS answers of a report.
pub fn measured(r: &Report) -> netdoctor_core::sim::verify::Measured {
    let e = &r.errors;
    let mut answers: Vec<String> = r
        .queries
        .iter()
        .filter(|q| q.rcodes.contains_key("NOERROR"))
        .flat_map(|q| q.answers.iter().cloned())
        .collect();
    answers.sort();
    answers.dedup();
    netdoctor_core::sim::verify::Measured {
        count: r.count,
        ok: r.ok,
        timeout: e.timeout,
        refused: e.refused,
        nxdomain: e.nxdomain,
        other: e.other + e.unreachable + e.dns + e.tls + e.http,
        // Phases are times from the start of the attempt (curl's): the handshake alone is
        // connect minus the name lookup.
        connect_ms: r.phases_ms.connect.map(|p| {
            let lookup = r.phases_ms.dns.map_or(0.0, |d| d.p50);
            (p.p50 - lookup).max(0.0)
        }),
        dns_ms: match r.kind.as_str() {
            "dns" => r.phases_ms.total.map(|p| p.p50),
            _ => None,
        },
        answers,
        last_error: r.last_error.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{"kind":"tcp","target":"10.0.0.1:80","count":1,"ok":1,
"errors":{"timeout":0,"refused":0,"nxdomain":0,"other":0},"phases_ms":{},"verdict":"ok",
"reasons":[],"thresholds_ms":{"dns":100.0,"connect":20.0}}"#;

    #[test]
    fn reports_are_read_back_and_cut_ones_refused() {
        let pod = PodRef::new("ns", "p");
        let r = parse_report(&pod, &format!("some line\n{REPORT}\n")).unwrap();
        assert_eq!((r.ok, r.from.as_deref()), (1, Some("ns/p")));
        let cut = &REPORT[..REPORT.len() / 2];
        let e = parse_report(&pod, cut).unwrap_err();
        assert!(
            matches!(&e, InPodError::CutOutput { reason, .. } if reason.contains("ends inside")),
            "{e}"
        );
        assert!(matches!(
            parse_report(&pod, "exec format error"),
            Err(InPodError::CutOutput { .. })
        ));
    }

    #[test]
    fn batches_are_read_in_order_and_cut_ones_filled() {
        let pod = PodRef::new("ns", "p");
        let text = format!("{REPORT}\n{{\"error\": \"bad flag\"}}\n{}", &REPORT[..20]);
        let r = parse_reports(&pod, &text, 4);
        assert_eq!(r.len(), 4);
        assert!(r[0]
            .as_ref()
            .is_ok_and(|r| r.from.as_deref() == Some("ns/p")));
        assert!(matches!(&r[1], Err(InPodError::Failed { excerpt, .. }) if excerpt == "bad flag"));
        assert!(matches!(&r[2], Err(InPodError::CutOutput { .. })));
        assert!(matches!(&r[3], Err(InPodError::CutOutput { .. })));
        let one = ProbeCommand {
            args: [
                "tcp",
                "a:1",
                "--count",
                "1",
                "--timeout",
                "1s",
                "--interval",
                "0s",
            ]
            .map(String::from)
            .to_vec(),
        };
        let b = ProbeCommand::batch(&[one.clone(), one.clone()]);
        assert_eq!(b.args[0], "batch");
        assert_eq!(b.budget(), one.budget() * 2);
    }

    #[test]
    fn budget_follows_the_arguments() {
        let p = ProbeCommand {
            args: [
                "tcp",
                "a:1",
                "--count",
                "3",
                "--timeout",
                "1s",
                "--interval",
                "0s",
            ]
            .map(String::from)
            .to_vec(),
        };
        assert_eq!(p.budget(), std::time::Duration::from_secs(8));
        assert_eq!(p.argv()[0], "probe");
        assert_eq!(p.argv().last().map(String::as_str), Some("json"));
    }
}

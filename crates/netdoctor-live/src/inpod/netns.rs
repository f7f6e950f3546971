//! `ip netns exec NETNS netdoctor probe … -o json` on this machine: the same probe code in
//! a pod's network namespace when that namespace is visible here (on the pod's node, and in
//! the tests, whose "pods" are network namespaces on a bridge).

use super::{parse_report, InPodError, InPodRunner, PodRef, ProbeCommand, RunFuture};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncReadExt;

pub struct NetnsRunner {
    /// The netdoctor binary to run inside (usually this one).
    pub program: PathBuf,
    /// Pod → network namespace name (`ip netns list`).
    pub namespaces: BTreeMap<PodRef, String>,
}

impl NetnsRunner {
    async fn exec(&self, pod: &PodRef, probe: &ProbeCommand) -> Result<String, InPodError> {
        let exec_error = |reason: String| InPodError::Exec {
            pod: pod.to_string(),
            reason,
        };
        let netns = self.namespaces.get(pod).ok_or_else(|| {
            InPodError::Usage(format!(
                "no network namespace given for {pod} (--netns {pod}=NAME)"
            ))
        })?;
        let mut child = tokio::process::Command::new("ip")
            .args(["netns", "exec", netns])
            .arg(&self.program)
            .args(probe.argv())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| exec_error(format!("ip netns exec {netns}: {e}")))?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(exec_error("no output pipes".into()));
        };
        let limit = super::MAX_OUTPUT_BYTES as u64;
        let work = async {
            let mut out = Vec::new();
            let mut err = Vec::new();
            let (mut o, mut e) = (stdout.take(limit), stderr.take(64 * 1024));
            let (a, b) = tokio::join!(o.read_to_end(&mut out), e.read_to_end(&mut err));
            a.and(b).map_err(|e| exec_error(e.to_string()))?;
            let status = child.wait().await.map_err(|e| exec_error(e.to_string()))?;
            Ok::<_, InPodError>((status, out, err))
        };
        let budget = probe.budget() + Duration::from_secs(5);
        let (status, out, err) =
            tokio::time::timeout(budget, work)
                .await
                .map_err(|_| InPodError::NotFinished {
                    pod: pod.to_string(),
                    waited_s: budget.as_secs(),
                })??;
        match status.code() {
            Some(0) | Some(1) => Ok(String::from_utf8_lossy(&out).into_owned()),
            code => Err(InPodError::Failed {
                pod: pod.to_string(),
                code: code.map_or(-1, i64::from),
                excerpt: crate::cluster::request::sanitize(
                    String::from_utf8_lossy(&err).trim(),
                    300,
                ),
            }),
        }
    }
}

impl InPodRunner for NetnsRunner {
    fn run<'a>(&'a self, pod: &'a PodRef, probe: &'a ProbeCommand) -> RunFuture<'a> {
        Box::pin(async move {
            let out = self.exec(pod, probe).await?;
            parse_report(pod, &out)
        })
    }
}

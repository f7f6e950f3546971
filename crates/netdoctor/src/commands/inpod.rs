//! What `probe --from` and `verify` share: choosing how a probe gets into a pod (an
//! ephemeral container, or `ip netns exec` with `--netns`), naming the pod, and turning the
//! runner's errors into messages and exit codes.

use crate::target::ObjectArg;
use crate::{exit, CliError};
use clap::Args;
use netdoctor_live::cluster::{connect, ConnectOptions};
use netdoctor_live::inpod::ephemeral::{EphemeralOptions, EphemeralRunner, DEFAULT_IMAGE};
use netdoctor_live::inpod::netns::NetnsRunner;
use netdoctor_live::inpod::{InPodError, InPodRunner, PodRef};
use netdoctor_live::probe::parse_duration;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct RunnerArgs {
    /// Image of the ephemeral probe container (netdoctor's; air-gapped clusters: the copy in
    /// your registry).
    #[arg(long = "image", default_value = DEFAULT_IMAGE, value_name = "IMAGE")]
    pub image: String,

    /// How long the probe container may take to start (image pull included).
    #[arg(long = "start-timeout", default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub start_timeout: Duration,

    /// NS/POD=NETNS: run the probe for this pod with `ip netns exec NETNS` on this machine
    /// instead of an ephemeral container (on the pod's node, as root; tests). Repeatable.
    #[arg(long = "netns", value_name = "NS/POD=NETNS")]
    pub netns: Vec<String>,
}

/// The message and exit code of a runner error: 2 for a usage problem (no such pod), 3
/// when the cluster refuses (permission, no ephemeral containers), 1 when the probe could
/// not be run or read back (it failed).
pub fn error(e: InPodError) -> CliError {
    let code = match &e {
        InPodError::Usage(_) | InPodError::PodNotFound { .. } => exit::USAGE,
        InPodError::Forbidden { .. } | InPodError::Unsupported { .. } | InPodError::Api(_) => {
            exit::UNREACHABLE
        }
        _ => exit::FINDINGS,
    };
    CliError {
        code,
        message: e.to_string(),
    }
}

fn netns_map(args: &RunnerArgs) -> Result<BTreeMap<PodRef, String>, CliError> {
    let mut map = BTreeMap::new();
    for entry in &args.netns {
        let parsed = entry.split_once('=').and_then(|(pod, netns)| {
            let (ns, name) = pod.split_once('/')?;
            let ok = |s: &str| !s.is_empty() && !s.contains('/');
            (ok(ns) && ok(name) && ok(netns)).then(|| (PodRef::new(ns, name), netns.to_string()))
        });
        let (pod, netns) = parsed
            .ok_or_else(|| CliError::usage(format!("--netns {entry:?}: expected NS/POD=NETNS")))?;
        map.insert(pod, netns);
    }
    Ok(map)
}

/// The runner the options ask for. Needs a tokio runtime (the ephemeral one connects).
pub async fn runner(
    args: &RunnerArgs,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    request_timeout: Option<Duration>,
) -> Result<Box<dyn InPodRunner>, CliError> {
    if !args.netns.is_empty() {
        let program = std::env::current_exe()
            .map_err(|e| CliError::usage(format!("cannot find netdoctor's own binary: {e}")))?;
        return Ok(Box::new(NetnsRunner {
            program,
            namespaces: netns_map(args)?,
        }));
    }
    if args.start_timeout.is_zero() {
        return Err(CliError::usage("--start-timeout must be more than 0"));
    }
    let conn = connect(&ConnectOptions {
        kubeconfig,
        context,
        request_timeout,
    })
    .await
    .map_err(|e| CliError {
        code: if e.is_usage() {
            exit::USAGE
        } else {
            exit::UNREACHABLE
        },
        message: e.to_string(),
    })?;
    Ok(Box::new(EphemeralRunner {
        conn,
        options: EphemeralOptions {
            image: args.image.clone(),
            start_timeout: args.start_timeout,
            ..EphemeralOptions::default()
        },
    }))
}

/// `NS/POD` as a pod; `NS/KIND/NAME` needs the cluster read (`None` here).
pub fn direct_pod(from: &str) -> Result<Option<PodRef>, CliError> {
    match ObjectArg::parse_in(from, "default")? {
        ObjectArg::Pod { namespace, name } => Ok(Some(PodRef::new(&namespace, &name))),
        ObjectArg::Workload { .. } => Ok(None),
        _ => Err(CliError::usage(format!(
            "--from {from:?}: expected a pod (NS/POD) or a workload (NS/KIND/NAME)"
        ))),
    }
}

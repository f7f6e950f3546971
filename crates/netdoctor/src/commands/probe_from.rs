//! `probe … --from NS/POD`: the same probe, run inside the pod (`commands::inpod`), its
//! report read back with `from` naming the pod.

use super::inpod;
use super::probe::{CommonArgs, ProbeKind};
use crate::input::InputArgs;
use crate::target::ObjectArg;
use crate::CliError;
use netdoctor_live::inpod::{PodRef, ProbeCommand};
use netdoctor_live::probe::Report;
use std::time::Duration;

fn ms(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

fn common_args(c: &CommonArgs, out: &mut Vec<String>) {
    for (flag, value) in [
        ("--count", c.count.to_string()),
        ("--interval", ms(c.interval)),
        ("--timeout", ms(c.timeout)),
        ("--concurrency", c.concurrency.to_string()),
        ("--dns-slow-ms", c.dns_slow_ms.to_string()),
        ("--connect-slow-ms", c.connect_slow_ms.to_string()),
    ] {
        out.push(flag.to_string());
        out.push(value);
    }
}

/// The arguments of the probe to run in the pod: the same target and options, minus what
/// names a file on this machine.
pub fn in_pod_command(kind: &ProbeKind) -> Result<ProbeCommand, CliError> {
    let mut args = Vec::new();
    let local_file = |flag: &str| {
        CliError::usage(format!(
            "{flag} names a file on this machine; with --from the probe runs in the pod (its own /etc/resolv.conf and CA bundle are used)"
        ))
    };
    match kind {
        ProbeKind::Dns(a) => {
            if a.resolv_conf.is_some() {
                return Err(local_file("--resolv-conf"));
            }
            args.extend(["dns".to_string(), a.name.clone()]);
            if let Some(server) = &a.server {
                args.extend(["--server".to_string(), server.clone()]);
            }
            args.extend([
                "--type".to_string(),
                a.record_type.clone(),
                "--libc".to_string(),
                a.libc.clone(),
            ]);
            common_args(&a.common, &mut args);
        }
        ProbeKind::Tcp(a) => {
            args.extend(["tcp".to_string(), a.target.clone()]);
            common_args(&a.common, &mut args);
        }
        ProbeKind::Http(a) => {
            if a.cacert.is_some() {
                return Err(local_file("--cacert"));
            }
            args.extend(["http".to_string(), a.url.clone()]);
            if a.insecure {
                args.push("--insecure".to_string());
            }
            for h in &a.headers {
                args.extend(["--header".to_string(), h.clone()]);
            }
            for r in &a.resolve {
                args.extend(["--resolve".to_string(), r.clone()]);
            }
            common_args(&a.common, &mut args);
        }
        ProbeKind::Batch(_) => return Err(CliError::usage("probe batch takes no --from")),
    }
    Ok(ProbeCommand { args })
}

/// A ready pod of a workload (any pod when none is ready), read from the live cluster.
fn workload_pod(from: &str, c: &CommonArgs, verbose: bool) -> Result<PodRef, CliError> {
    let namespace = from.split('/').next().unwrap_or_default().to_string();
    let input = InputArgs {
        files: Vec::new(),
        kubeconfig: c.kubeconfig.clone(),
        context: c.context.clone(),
        namespace: Some(namespace.clone()),
        all_namespaces: false,
        cluster_domain: None,
        max_file_size: 256 * 1024 * 1024,
        max_input_size: 2 * 1024 * 1024 * 1024,
        request_timeout: None,
        max_response_size: None,
        max_read_size: None,
        max_pages: None,
        max_read_time: None,
    };
    let cluster = input.read_for(verbose, &[namespace])?.cluster;
    let pods = ObjectArg::parse_in(from, "default")?.pods(&cluster)?;
    let pick = pods
        .iter()
        .copied()
        .find(|&i| cluster.pods()[i].ready && cluster.pods()[i].phase == "Running")
        .ok_or_else(|| CliError::usage(format!("{from} has no ready pod to probe from")))?;
    let p = &cluster.pods()[pick];
    Ok(PodRef::new(&p.namespace, &p.name))
}

pub fn run(kind: &ProbeKind, verbose: bool) -> Result<Report, CliError> {
    let c =
        super::probe::common(kind).ok_or_else(|| CliError::usage("probe batch takes no --from"))?;
    let from = c.from.as_deref().unwrap_or_default();
    let command = in_pod_command(kind)?;
    let pod = match inpod::direct_pod(from)? {
        Some(p) => p,
        None => workload_pod(from, c, verbose)?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let runner =
            inpod::runner(&c.runner, c.kubeconfig.clone(), c.context.clone(), None).await?;
        if verbose {
            eprintln!(
                "netdoctor: running `netdoctor {}` in {pod}",
                command.argv().join(" ")
            );
        }
        runner.run(&pod, &command).await.map_err(inpod::error)
    })
}

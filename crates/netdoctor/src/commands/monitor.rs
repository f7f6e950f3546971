//! `netdoctor monitor --listen ADDR --config FILE [--peers]`: the long-running agent.
//!
//! Prints `listening on http://ADDR` on stderr once the port is bound (with `--listen
//! 127.0.0.1:0` the line gives the port chosen), then logs config loads and target state
//! changes. SIGTERM/SIGINT stop it (exit 0); SIGHUP reloads the config.

use crate::{exit, CliError, CmdResult};
use clap::Args;
use netdoctor_live::cluster::{connect, ConnectOptions, LiveError};
use netdoctor_live::monitor::peers::{ApiPeerSource, KubePeerSource, PeerSource};
use netdoctor_live::monitor::{self, MonitorOptions, Shared};
use netdoctor_live::probe::parse_duration;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Address to serve /metrics, /healthz and /readyz on (port 0: any free port).
    #[arg(long, default_value = "0.0.0.0:9464", value_name = "ADDR")]
    pub listen: String,

    /// The monitor configuration (YAML: interval, timeout, thresholds, targets, peers).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,

    /// Measure the round trip to the other monitor pods (the config's `peers` section), found
    /// through the Kubernetes API: the pod's service account, or the kubeconfig
    /// (`--kubeconfig`, `--context`, `$KUBECONFIG`, `~/.kube/config`).
    #[arg(long)]
    pub peers: bool,

    /// With --peers: a plain-HTTP API endpoint without credentials, such as `kubectl
    /// proxy`'s (http://127.0.0.1:8001), instead of the kubeconfig (the global
    /// --kubeconfig and --context choose the kubeconfig and its context).
    #[arg(long = "api-server", value_name = "URL", requires = "peers", conflicts_with_all = ["kubeconfig", "context"])]
    pub api_server: Option<String>,

    /// Probe attempts in flight at once (all targets and peers together).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: u32,

    /// How often the config file is checked for a change (Go-style duration).
    #[arg(long = "config-poll", default_value = "2s", value_parser = parse_duration)]
    pub config_poll: Duration,

    /// With --peers: read the cluster (the same credentials; the read-only ClusterRole of
    /// deploy/rbac.yaml) into a model and hold every peer round trip and DNS result against
    /// its verdict for the same path; contradictions are counted in
    /// netdoctor_model_contradictions_total{kind} (alert NetdoctorModelContradiction).
    /// Needs POD_IP or POD_NAME to find this pod in the model.
    #[arg(long, requires = "peers", conflicts_with = "api_server")]
    pub model: bool,

    /// With --model: how often the model is read again (Go-style duration).
    #[arg(long = "model-refresh", default_value = "5m", value_parser = parse_duration, requires = "model")]
    pub model_refresh: Duration,
}

/// The model read with the agent's credentials, in a thread of its own (the reader runs its
/// own runtime).
struct LiveModel {
    input: crate::input::InputArgs,
}

impl netdoctor_live::monitor::model::ModelSource for LiveModel {
    fn load(&self) -> netdoctor_live::monitor::model::ModelFuture {
        let input = self.input.clone();
        Box::pin(async move {
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                let read = input
                    .read_for(false, &[])
                    // The agent reads the model again and again: each one is freed when
                    // the next replaces it (commands leave theirs to the exit).
                    .map(|i| std::mem::ManuallyDrop::into_inner(i.cluster))
                    .map_err(|e| e.message);
                let _ = tx.send(read);
            });
            rx.await
                .map_err(|_| "the model reader stopped".to_string())?
        })
    }
}

fn log_line(msg: &str) {
    // One write per line so that lines of concurrent tasks do not interleave.
    let line = format!("netdoctor monitor: {msg}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

pub fn run(args: MonitorArgs, cluster: &crate::input::ClusterArgs) -> CmdResult {
    // --kubeconfig and --context are global (kubectl's habit); they only mean something
    // with --peers.
    let (kubeconfig, context) = (cluster.kubeconfig.clone(), cluster.context.clone());
    if !args.peers && (kubeconfig.is_some() || context.is_some()) {
        return Err(CliError::usage(
            "--kubeconfig and --context are used by the monitor only with --peers",
        ));
    }
    // clap sees the conflict only when both are after `monitor`.
    if args.api_server.is_some() && (kubeconfig.is_some() || context.is_some()) {
        return Err(CliError::usage(
            "--api-server cannot be used with --kubeconfig or --context",
        ));
    }
    let listen: std::net::SocketAddr = args
        .listen
        .parse()
        .map_err(|e| CliError::usage(format!("--listen {:?}: not IP:PORT ({e})", args.listen)))?;
    let config = monitor::load_initial(&args.config).map_err(CliError::usage)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}")))?;
    let peers: Option<Arc<dyn PeerSource>> = match (&args.api_server, args.peers) {
        (_, false) => None,
        (Some(url), true) => Some(Arc::new(ApiPeerSource::http(url).map_err(CliError::usage)?)),
        (None, true) => {
            let options = ConnectOptions {
                kubeconfig,
                context,
                request_timeout: Some(Duration::from_secs(10)),
            };
            // A missing or unusable kubeconfig is a usage error now; an API server that is
            // down is retried at each discovery (the targets are probed meanwhile).
            let connection = match runtime.block_on(connect(&options)) {
                Ok(c) => Some(c),
                Err(e @ (LiveError::KubeconfigNotFound(_) | LiveError::Config(_))) => {
                    return Err(CliError::usage(format!("--peers: {e}")));
                }
                Err(e) => {
                    log_line(&format!("--peers: {e}; retrying at each discovery"));
                    None
                }
            };
            Some(Arc::new(KubePeerSource::new(options, connection)))
        }
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let opts = MonitorOptions {
        config_path: args.config.clone(),
        concurrency: args.concurrency as usize,
        config_poll: args.config_poll,
        peers,
        node_name: env("NODE_NAME").unwrap_or_else(|| "unknown".to_string()),
        pod_name: env("POD_NAME"),
        pod_ip: env("POD_IP").and_then(|ip| ip.parse().ok()),
        model: args.model.then(|| {
            Arc::new(LiveModel {
                input: crate::input::InputArgs {
                    files: Vec::new(),
                    kubeconfig: cluster.kubeconfig.clone(),
                    context: cluster.context.clone(),
                    namespace: None,
                    all_namespaces: true,
                    cluster_domain: None,
                    max_file_size: 256 * 1024 * 1024,
                    max_input_size: 2 * 1024 * 1024 * 1024,
                    request_timeout: Some(Duration::from_secs(30)),
                    max_response_size: None,
                    max_read_size: None,
                    max_pages: None,
                    max_read_time: None,
                },
            }) as Arc<dyn netdoctor_live::monitor::model::ModelSource>
        }),
        model_refresh: args.model_refresh,
    };
    if args.peers && env("NODE_NAME").is_none() {
        log_line("NODE_NAME is not set (downward API spec.nodeName): peer RTTs are labelled source_node=\"unknown\"");
    }
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError::usage(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener.local_addr()?;
        let signals = monitor::unix_signals()
            .map_err(|e| CliError::usage(format!("cannot install signal handlers: {e}")))?;
        log_line(&format!("listening on http://{bound}"));
        let shared = Arc::new(Shared::new(Arc::new(log_line)));
        monitor::run(opts, config, listener, shared, signals).await;
        Ok::<_, CliError>(())
    })?;
    Ok(exit::OK)
}

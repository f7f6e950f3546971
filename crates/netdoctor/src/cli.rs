//! The command line. Doc comments are the help text.

use crate::input::InputArgs;
use crate::output::OutputFormat;
use clap::{Args, Parser, Subcommand};

/// Finds out why pods in a Kubernetes cluster cannot talk to each other, and proves it.
///
/// Reads cluster state from files (-f) or a live cluster (kubeconfig), models its DNS,
/// Services, NetworkPolicies and Ingresses, and explains what is broken and how to fix it.
#[derive(Debug, Parser)]
#[command(name = "netdoctor", version, max_term_width = 100)]
pub struct Cli {
    /// Output format: table, json, yaml, md (some commands also html, txt, csv, dot).
    #[arg(short = 'o', long = "output", global = true, default_value = "table")]
    pub output: OutputFormat,

    /// Print what was read (files, objects per kind, skipped kinds) on stderr.
    #[arg(short = 'v', long = "verbose", global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check over the scope, or everything that concerns one object.
    ///
    /// OBJECT: a pod `NS/POD`, a workload `NS/KIND/NAME`, a Service `NS/service/NAME`, or any
    /// other object `NS/KIND/NAME` (ingress, networkpolicy).
    Doctor(DoctorArgs),
    /// List the catalogue of checks.
    Rules,
    /// Show the documentation of one check.
    Explain(ExplainArgs),
    /// The whole path from a pod (or an outside address) to a target, hop by hop: the first hop
    /// that fails, the symptom the client sees, and the fix.
    Trace(crate::commands::trace::TraceArgs),
    /// Alert rules (PrometheusRule) for the metrics netdoctor's monitor and CoreDNS export.
    Alerts(AlertsArgs),
    /// Print the cluster state that was read as one List document (Secret data never included).
    Snapshot(SnapshotArgs),
    /// Ingress routing: which rule and backend serve a URL, or why none does.
    #[command(subcommand)]
    Ingress(IngressCommand),
    /// Compare an Ingress state with its Gateway API replacement URL by URL.
    ///
    /// Enumerates the URLs the Ingress rules define (host × path × a representative of each
    /// path type, default backends, TLS hosts), routes each through the Ingresses and through
    /// the Gateway API objects, and shows every difference in status, backend, redirect,
    /// rewrite or TLS side by side; names ingress-nginx annotations with no Gateway API
    /// equivalent. Old state: --base PATH; new state: -f (or one input holding both).
    /// Exit 0 when every URL is answered the same, 1 when one differs.
    #[command(name = "migrate-check")]
    MigrateCheck(crate::commands::migrate::MigrateArgs),
    /// NetworkPolicy: check one connection (`policy check`), or map every allowed one (`policy map`).
    Policy(crate::commands::policy::PolicyArgs),
    /// Cluster DNS: what a pod's resolver sends and gets (`resolve`), and DNS health (`check`).
    Dns(crate::commands::dns::DnsArgs),
    /// Measure DNS, TCP or HTTP from where netdoctor runs, repeatedly, and judge the numbers.
    ///
    /// Percentiles (p50/p90/p99/max) per phase, failures by class (timeout, refused, nxdomain,
    /// unreachable, ...) and a verdict: `failing` when any attempt failed, `slow` when DNS p90
    /// or TCP connect p90 crosses its threshold, else `ok`. Exit 0 for ok and slow, 1 for failing.
    Probe(crate::commands::probe::ProbeArgs),
    /// Long-running agent: probes the config's targets on a schedule, serves Prometheus
    /// metrics on /metrics, /healthz and /readyz.
    Monitor(crate::commands::monitor::MonitorArgs),
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The object to examine (default: everything in scope).
    pub object: Option<String>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Exit 1 when a finding has at least this severity: error, warning, info, or none.
    #[arg(long = "fail-on", default_value = "error")]
    pub fail_on: FailOn,

    /// Only run these checks (codes, comma-separated).
    #[arg(long = "only", value_delimiter = ',')]
    pub only: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<netdoctor_core::Severity> {
        use netdoctor_core::Severity;
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (SVC001) or name (service-selects-no-pods).
    pub code: String,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// A plain Prometheus rules file (what `promtool check rules` takes) instead of a
    /// PrometheusRule object.
    #[arg(long)]
    pub plain: bool,

    /// Namespace of the PrometheusRule object.
    #[arg(long = "rule-namespace", default_value = "monitoring")]
    pub namespace: String,

    /// Value of the `release` label the Prometheus operator selects rules by.
    #[arg(long = "release-label", default_value = "prometheus")]
    pub release_label: String,
}

#[derive(Debug, Subcommand)]
pub enum IngressCommand {
    /// Route a URL as the ingress controller would: the class and controller, the rule (host
    /// and path), the backend Service, port and endpoints, and the status the client gets.
    ///
    /// Exit 0 when the request would be served or answered with a configured redirect, 1 when
    /// it fails (404, 502, 503, no address).
    Route(IngressRouteArgs),
}

#[derive(Debug, Args)]
pub struct IngressRouteArgs {
    /// The URL as the client requests it: `https://app.example.com/api/users`; also
    /// `grpc://host/pkg.Service/Method` (`grpcs://` over TLS) for a GRPCRoute, and
    /// `tls://host:port`, `tcp://host:port`, `udp://host:port` for TLSRoute (SNI),
    /// TCPRoute and UDPRoute.
    pub url: String,

    /// Route as the controller of this IngressClass (default: the class whose Ingresses name
    /// the host, preferring the default class).
    #[arg(long = "ingress-class", value_name = "CLASS")]
    pub ingress_class: Option<String>,

    /// Route through this Gateway API Gateway (`NS/NAME`) instead of an Ingress. Without it, a
    /// Gateway is used when one of its listeners or attached routes names the URL's host and
    /// no Ingress rule does.
    #[arg(long = "gateway", value_name = "NS/NAME")]
    pub gateway: Option<String>,

    /// A request header `'Name: value'` (repeatable); `Host` overrides the URL's host.
    #[arg(short = 'H', long = "header", value_name = "'K: V'")]
    pub headers: Vec<String>,

    /// The request method.
    #[arg(short = 'X', long = "method", default_value = "GET")]
    pub method: String,

    #[command(flatten)]
    pub input: InputArgs,
}

//! The command line. Doc comments are the help text.

use crate::help;
use crate::input::{ClusterArgs, InputArgs};
use crate::output::OutputFormat;
use clap::{Args, Parser, Subcommand};

/// Finds out why pods in a Kubernetes cluster cannot talk to each other, and proves it.
///
/// Reads cluster state from files (-f) or a live cluster (kubeconfig), models its DNS,
/// Services, NetworkPolicies and Ingresses, and explains what is broken and how to fix it.
#[derive(Debug, Parser)]
#[command(name = "netdoctor", version, max_term_width = 100, after_help = help::ROOT)]
pub struct Cli {
    /// Output format: each command's --help lists the formats it takes; a format the command
    /// does not implement is an error that lists those it does. Default: table (`alerts`:
    /// yaml, `snapshot`: json).
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_name = "FORMAT",
        hide_possible_values = true
    )]
    pub output: Option<OutputFormat>,

    /// Print what was read (files, objects per kind, skipped kinds) on stderr.
    #[arg(short = 'v', long = "verbose", global = true)]
    pub verbose: bool,

    /// -f, -n, -A, --context, --kubeconfig: before or after the command, as in kubectl.
    #[command(flatten)]
    pub cluster: ClusterArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check over the scope, or everything that concerns one object.
    ///
    /// OBJECT: as kubectl names it, `KIND/NAME` in the -n namespace (`svc/payments`,
    /// `deploy/web`, `po/web-7c9d`), or a pod `NS/POD`, a workload `NS/KIND/NAME`, a Service
    /// `NS/service/NAME`, or any other object `NS/KIND/NAME` (ingress, networkpolicy,
    /// gateway, httproute).
    #[command(after_help = help::DOCTOR)]
    Doctor(DoctorArgs),
    /// List the catalogue of checks.
    #[command(after_help = help::RULES)]
    Rules,
    /// Show the documentation of one check.
    #[command(after_help = help::EXPLAIN)]
    Explain(ExplainArgs),
    /// The whole path from a pod (or an outside address) to a target, hop by hop: the first hop
    /// that fails, the symptom the client sees, and the fix.
    #[command(after_help = help::TRACE)]
    Trace(crate::commands::trace::TraceArgs),
    /// Alert rules (PrometheusRule) for the metrics netdoctor's monitor and CoreDNS export.
    #[command(after_help = help::ALERTS)]
    Alerts(AlertsArgs),
    /// Print the cluster state that was read as one List document (Secret data never included).
    #[command(after_help = help::SNAPSHOT)]
    Snapshot(SnapshotArgs),
    /// Ingress routing: which rule and backend serve a URL, or why none does.
    #[command(subcommand, after_help = help::INGRESS)]
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
    #[command(after_help = help::POLICY)]
    Policy(crate::commands::policy::PolicyArgs),
    /// What a change does: connections added, removed and changed between two states, with
    /// the workloads involved, and the findings that appear and disappear.
    ///
    /// `diff --base OLD -f NEW` (files or directories; leave one side out to read the live
    /// cluster). `-o txt|csv|md|dot` print np-guard netpol-analyzer's diff formats (connections
    /// only), `-o json|yaml|html` and the default table add workloads and findings. Exit 0 when
    /// nothing changed, 1 when something did (or a verdict is unknown), 2 on bad input.
    Diff(crate::commands::diff::DiffArgs),
    /// Cluster DNS: what a pod's resolver sends and gets (`resolve`), and DNS health (`check`).
    #[command(after_help = help::DNS)]
    Dns(crate::commands::dns::DnsArgs),
    /// Measure DNS, TCP or HTTP from where netdoctor runs (or, with --from, from inside a
    /// pod), repeatedly, and judge the numbers.
    ///
    /// Percentiles (p50/p90/p99/max) per phase, failures by class (timeout, refused, nxdomain,
    /// unreachable, ...) and a verdict: `failing` when any attempt failed, `slow` when DNS p90
    /// or TCP connect p90 crosses its threshold, else `ok`. Exit 0 for ok and slow, 1 for failing.
    #[command(after_help = help::PROBE_FAMILY)]
    Probe(crate::commands::probe::ProbeArgs),
    /// Long-running agent: probes the config's targets on a schedule, serves Prometheus
    /// metrics on /metrics, /healthz and /readyz.
    #[command(after_help = help::MONITOR)]
    Monitor(crate::commands::monitor::MonitorArgs),
    /// Hold the model against the network: run, from inside the pods, the probes of the paths
    /// the model predicts, and report every contradiction with what it implies.
    ///
    /// For a pod (or every pod of a workload or namespace, bounded by --max-probes): the
    /// Services it calls (--to, or the Services of its namespace), their names through cluster
    /// DNS, and the pods that should and should not reach it on its container ports.
    /// Classes: allowed-but-timeout, allowed-but-fails, denied-but-connects,
    /// resolves-differently, slower-than-threshold. Exit 1 on any contradiction or probe that
    /// could not run. Adds one ephemeral container to each source pod (docs/in-pod.md).
    Verify(crate::commands::verify::VerifyArgs),
    /// Print the shell completion script for bash, zsh, fish or powershell.
    #[command(after_help = help::COMPLETION)]
    Completion(CompletionArgs),
    /// Print the manual page (roff, section 1), or write one page per command to a directory.
    #[command(after_help = help::MAN)]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write netdoctor.1 and one page per command (netdoctor-doctor.1, netdoctor-dns-resolve.1,
    /// ...) into this directory instead of printing netdoctor.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The object to examine (default: everything in scope): KIND/NAME in the -n namespace
    /// (svc/payments, deploy/web, po/web-7c9d, sts/, ds/, rs/, ing/, netpol/, gtw/,
    /// httproute/), NS/POD or NS/KIND/NAME.
    pub object: Option<String>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Exit 1 when a finding has at least this severity: error, warning, info, or none.
    #[arg(long = "fail-on", default_value = "error")]
    pub fail_on: FailOn,

    /// Only run these checks (codes or names, comma-separated); an unknown one is an error
    /// that names the closest check.
    #[arg(long = "only", value_delimiter = ',', value_name = "RULES")]
    pub only: Vec<String>,

    /// Do not run these checks (codes or names, comma-separated); an unknown one is an error.
    #[arg(long = "skip", value_delimiter = ',', value_name = "RULES")]
    pub skip: Vec<String>,

    /// Print only findings at or above this severity: error, warning or info. --fail-on
    /// still decides the exit code over every finding.
    #[arg(long = "min-severity", value_name = "SEVERITY")]
    pub min_severity: Option<MinSeverity>,

    /// The suppression config: rules to skip, severity overrides, objects and namespaces to
    /// ignore (default: `.netdoctor.yaml` in the working directory, when there is one).
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MinSeverity {
    Error,
    Warning,
    Info,
}

impl MinSeverity {
    pub fn severity(self) -> netdoctor_core::Severity {
        use netdoctor_core::Severity;
        match self {
            MinSeverity::Error => Severity::Error,
            MinSeverity::Warning => Severity::Warning,
            MinSeverity::Info => Severity::Info,
        }
    }
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
    #[arg(
        id = "rule_namespace",
        long = "rule-namespace",
        default_value = "netdoctor"
    )]
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
    #[command(after_help = help::INGRESS_ROUTE)]
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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// clap's own checks, and no command's option shares an id with a global one (the
    /// values would mix: `alerts --rule-namespace` once filled the global `-n`).
    #[test]
    fn definitions_are_consistent() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let globals: Vec<String> = cmd
            .get_arguments()
            .filter(|a| a.is_global_set())
            .map(|a| a.get_id().to_string())
            .collect();
        fn walk(c: &clap::Command, globals: &[String]) {
            for a in c.get_arguments() {
                assert!(
                    !globals.contains(&a.get_id().to_string()),
                    "`{}` has an option with the id of the global {:?}",
                    c.get_name(),
                    a.get_id()
                );
            }
            for s in c.get_subcommands() {
                walk(s, globals);
            }
        }
        for s in cmd.get_subcommands() {
            walk(s, &globals);
        }
    }
}

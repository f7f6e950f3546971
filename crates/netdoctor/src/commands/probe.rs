//! `netdoctor probe dns|tcp|http TARGET`: live measurement from where netdoctor runs.
//!
//! The only command family that needs an async runtime: it is built here, for this command.

use crate::output::{emit, md_cell, style, OutputFormat};
use crate::{exit, CliError, CmdResult};
use clap::{Args, Subcommand};
use netdoctor_core::text::escape::markdown_code;
use netdoctor_live::probe::dns::{self, DnsProbe, ResolvConf};
use netdoctor_live::probe::http::{HttpOptions, HttpProbe};
use netdoctor_live::probe::tcp::TcpProbe;
use netdoctor_live::probe::{
    parse_duration, run_until, Percentiles, Probe, Progress, Report, RunOptions, SetupError,
    Thresholds, Verdict,
};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(subcommand)]
    pub kind: ProbeKind,
}

#[derive(Debug, Subcommand)]
pub enum ProbeKind {
    /// Resolve NAME the way a pod's resolver does and time every query it sends.
    ///
    /// With --resolv-conf (default /etc/resolv.conf when --server is not given), the glibc
    /// search expansion: each candidate name (ndots, search list) is queried and timed on its
    /// own, and its rcode kept. With --server alone, NAME is queried directly. UDP, with TCP
    /// when a response is truncated. Reports `total` (the whole resolution).
    #[command(after_help = crate::help::PROBE)]
    Dns(DnsArgs),
    /// Open a TCP connection to HOST:PORT (what `nc -zv` does) and time it.
    ///
    /// Failures are classified: refused (nothing listens), timeout (something drops the
    /// packets, often a NetworkPolicy), unreachable (no route), nxdomain/dns (the name).
    /// Reports `dns` (name lookup) and `connect`.
    #[command(after_help = crate::help::PROBE)]
    Tcp(TcpArgs),
    /// GET URL and time its phases as `curl -w` reports them.
    ///
    /// dns (time_namelookup), connect (time_connect), tls (time_appconnect), ttfb
    /// (time_starttransfer) and total (time_total), each in milliseconds from the start of
    /// the attempt (tls is 0 for plain http, as in curl). A status outside 200-399 is a failure
    /// (the Kubernetes probe rule).
    #[command(after_help = crate::help::PROBE)]
    Http(HttpArgs),
    /// Several probes in one process, one JSON report (or `{"error": …}`) each, in order:
    /// what one ephemeral container runs for `verify`.
    #[command(hide = true)]
    Batch(BatchArgs),
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// A JSON array of argument lists of `netdoctor probe` (each after `probe`).
    pub probes: String,
}

/// The most probes one batch runs.
const MAX_BATCH: usize = 500;

/// Options every probe takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Number of attempts.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub count: u32,

    /// Time between the starts of two attempts (Go-style: 500ms, 1s, 1m).
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    pub interval: Duration,

    /// Bound of one attempt (Go-style duration).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Attempts in flight at once.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,

    /// DNS p90 above this many milliseconds makes the verdict `slow`.
    #[arg(long = "dns-slow-ms", default_value_t = 100.0)]
    pub dns_slow_ms: f64,

    /// TCP connect (handshake) p90 above this many milliseconds makes the verdict `slow`.
    #[arg(long = "connect-slow-ms", default_value_t = 20.0)]
    pub connect_slow_ms: f64,

    /// Run the probe inside this pod's network namespace: NS/POD, or NS/KIND/NAME (one of its
    /// ready pods). Adds an ephemeral container running netdoctor's image to the pod (it
    /// stays in the pod spec until the pod is replaced); needs deploy/rbac-inpod.yaml. DNS
    /// probes use the pod's own /etc/resolv.conf.
    #[arg(long = "from", value_name = "NS/POD")]
    pub from: Option<String>,

    /// The kubeconfig file and context for --from: the global --kubeconfig/--context.
    #[arg(skip)]
    pub kubeconfig: Option<std::path::PathBuf>,
    #[arg(skip)]
    pub context: Option<String>,

    #[command(flatten)]
    pub runner: super::inpod::RunnerArgs,
}

#[derive(Debug, Args)]
pub struct DnsArgs {
    /// The name to resolve, as a client would write it (short, `svc.ns`, FQDN); an IP with
    /// --type PTR asks for its reverse name.
    pub name: String,

    /// The DNS server, IP or IP:PORT (port 53 by default). With --resolv-conf it replaces
    /// the file's nameserver.
    #[arg(long)]
    pub server: Option<String>,

    /// A resolv.conf whose search list, ndots and nameserver to use.
    #[arg(long = "resolv-conf", value_name = "FILE")]
    pub resolv_conf: Option<String>,

    /// Query type: A, AAAA, SRV, PTR, CNAME, TXT, MX, ...
    #[arg(long = "type", short = 't', default_value = "A")]
    pub record_type: String,

    /// Whose search rules to follow with a resolv.conf: glibc or musl (Alpine).
    #[arg(long, default_value = "glibc")]
    pub libc: String,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct TcpArgs {
    /// HOST:PORT or [IPV6]:PORT.
    pub target: String,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct HttpArgs {
    /// http:// or https:// URL.
    pub url: String,

    /// Do not verify the server certificate.
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// Extra request header `Name: value` (repeatable; a Host header replaces the default).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// HOST:PORT:ADDR — connect to ADDR for HOST:PORT without a DNS lookup (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    /// PEM file of CA certificates to trust instead of the system's.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<String>,

    #[command(flatten)]
    pub common: CommonArgs,
}

fn setup_error(e: SetupError) -> CliError {
    CliError::usage(e.to_string())
}

fn run_options(c: &CommonArgs) -> Result<RunOptions, CliError> {
    for (name, v) in [
        ("--dns-slow-ms", c.dns_slow_ms),
        ("--connect-slow-ms", c.connect_slow_ms),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(CliError::usage(format!(
                "{name} must be a number of milliseconds >= 0"
            )));
        }
    }
    if c.timeout.is_zero() {
        return Err(CliError::usage("--timeout must be more than 0"));
    }
    Ok(RunOptions {
        count: c.count,
        interval: c.interval,
        timeout: c.timeout,
        concurrency: c.concurrency as usize,
        thresholds: Thresholds {
            dns_slow_ms: c.dns_slow_ms,
            connect_slow_ms: c.connect_slow_ms,
        },
    })
}

fn build(kind: ProbeKind) -> Result<(Probe, RunOptions), CliError> {
    match kind {
        ProbeKind::Dns(a) => {
            let rtype = dns::parse_type(&a.record_type).map_err(setup_error)?;
            let server = a
                .server
                .as_deref()
                .map(dns::parse_server)
                .transpose()
                .map_err(setup_error)?;
            let conf = match (&a.resolv_conf, server) {
                (Some(path), _) => Some(ResolvConf::load(path).map_err(setup_error)?),
                (None, Some(_)) => None,
                (None, None) => Some(ResolvConf::load("/etc/resolv.conf").map_err(setup_error)?),
            };
            let libc = dns::parse_libc(&a.libc).map_err(setup_error)?;
            let p =
                DnsProbe::new_with_libc(&a.name, rtype, server, conf, libc).map_err(setup_error)?;
            Ok((Probe::Dns(p), run_options(&a.common)?))
        }
        ProbeKind::Tcp(a) => {
            let p = TcpProbe::new(&a.target).map_err(setup_error)?;
            Ok((Probe::Tcp(p), run_options(&a.common)?))
        }
        ProbeKind::Batch(_) => Err(CliError::usage("probe batch runs probes, it is not one")),
        ProbeKind::Http(a) => {
            let opts = HttpOptions {
                insecure: a.insecure,
                headers: a.headers,
                resolve: a.resolve,
                cacert: a.cacert,
            };
            let p = HttpProbe::new(&a.url, &opts).map_err(setup_error)?;
            Ok((Probe::Http(p), run_options(&a.common)?))
        }
    }
}

pub fn common(kind: &ProbeKind) -> Option<&CommonArgs> {
    match kind {
        ProbeKind::Dns(a) => Some(&a.common),
        ProbeKind::Tcp(a) => Some(&a.common),
        ProbeKind::Http(a) => Some(&a.common),
        ProbeKind::Batch(_) => None,
    }
}

/// The global --kubeconfig/--context, for `--from`.
pub fn set_cluster(args: &mut ProbeArgs, cluster: &crate::input::ClusterArgs) {
    let common = match &mut args.kind {
        ProbeKind::Dns(a) => &mut a.common,
        ProbeKind::Tcp(a) => &mut a.common,
        ProbeKind::Http(a) => &mut a.common,
        ProbeKind::Batch(_) => return,
    };
    common.kubeconfig = cluster.kubeconfig.clone();
    common.context = cluster.context.clone();
}

/// `probe batch JSON`: each probe in turn, its JSON report on stdout; a probe that cannot
/// start prints `{"error": MESSAGE}` in its place, so that the reports stay in order.
fn run_batch(json: &str) -> CmdResult {
    use clap::Parser as _;
    let list: Vec<Vec<String>> = serde_json::from_str(json).map_err(|e| {
        CliError::usage(format!(
            "probe batch: not a JSON array of argument lists: {e}"
        ))
    })?;
    if list.len() > MAX_BATCH {
        return Err(CliError::usage(format!(
            "probe batch: {} probes, at most {MAX_BATCH}",
            list.len()
        )));
    }
    for argv in list {
        let parsed = crate::cli::Cli::try_parse_from(
            ["netdoctor".to_string(), "probe".to_string()]
                .into_iter()
                .chain(argv),
        );
        let result = match parsed {
            Ok(crate::cli::Cli {
                command: crate::cli::Command::Probe(args),
                output,
                ..
            }) if common(&args.kind).is_some_and(|c| c.from.is_none()) => {
                run(args, output.unwrap_or(OutputFormat::Table), false).map(|_| ())
            }
            Ok(_) => Err(CliError::usage(
                "probe batch: only local dns, tcp and http probes",
            )),
            Err(e) => Err(CliError::usage(e.to_string())),
        };
        if let Err(e) = result {
            println!("{}", serde_json::json!({ "error": e.message }));
        }
    }
    Ok(exit::OK)
}

pub fn run(args: ProbeArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    if !matches!(
        format,
        OutputFormat::Table | OutputFormat::Json | OutputFormat::Yaml | OutputFormat::Md
    ) {
        return Err(format.unsupported("probe"));
    }
    if let ProbeKind::Batch(b) = &args.kind {
        return run_batch(&b.probes);
    }
    if common(&args.kind).is_some_and(|c| c.from.is_some()) {
        let report = super::probe_from::run(&args.kind, verbose)?;
        return render(&report, format);
    }
    let (probe, opts) = build(args.kind)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}")))?;
    let label = format!("{} {}", probe.kind(), probe.target());
    let live = std::io::stderr().is_terminal();
    // Ctrl-C stops starting attempts and still prints the report of those made, like ping.
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = runtime.block_on(run_until(
        Arc::new(probe),
        &opts,
        |p| {
            if live {
                progress_line(&label, p);
            }
        },
        interrupt,
    ));
    if live {
        // Clear the progress line.
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    }
    render(&report, format)
}

fn render(report: &Report, format: OutputFormat) -> CmdResult {
    let report = report.clone();
    // A probe reads no cluster state: its input is the target.
    let doc = crate::output::Document::new(&report, std::slice::from_ref(&report.target));
    let text = match format {
        OutputFormat::Json => crate::output::to_json(&doc)?,
        OutputFormat::Yaml => crate::output::to_yaml(&doc)?,
        OutputFormat::Md => markdown(&report),
        _ => table(&report),
    };
    emit(format, &text)?;
    Ok(match report.exit_code() {
        0 => exit::OK,
        _ => exit::FINDINGS,
    })
}

fn progress_line(label: &str, p: &Progress) {
    let last = match (&p.last_error, p.last_total_ms) {
        (Some(e), _) => format!("last: {e}"),
        (None, Some(ms)) => format!("last {ms:.2} ms"),
        (None, None) => String::new(),
    };
    let mut line = format!(
        "probe {label}: {}/{}  ok {}  failed {}  {last}",
        p.done, p.count, p.ok, p.failed
    );
    if line.chars().count() > 120 {
        line = line.chars().take(117).collect::<String>() + "...";
    }
    eprint!("\r\x1b[2K{line}");
    let _ = std::io::stderr().flush();
}

fn verdict_text(v: Verdict) -> String {
    let s = match v {
        Verdict::Ok => style::GOOD,
        Verdict::Slow => style::WARNING,
        Verdict::Failing => style::ERROR,
    };
    style::paint(s, v.as_str())
}

fn phases(r: &Report) -> Vec<(&'static str, Percentiles)> {
    [
        ("dns", r.phases_ms.dns),
        ("connect", r.phases_ms.connect),
        ("tls", r.phases_ms.tls),
        ("ttfb", r.phases_ms.ttfb),
        ("total", r.phases_ms.total),
    ]
    .into_iter()
    .filter_map(|(n, p)| p.map(|p| (n, p)))
    .collect()
}

fn errors_text(r: &Report) -> String {
    let parts: Vec<String> = r
        .errors
        .nonzero()
        .into_iter()
        .map(|(c, n)| format!("{n} {c}"))
        .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

fn table(r: &Report) -> String {
    let mut s = String::new();
    let from = r
        .from
        .as_deref()
        .map(|f| format!(" from {}", netdoctor_core::text::escape::terminal_safe(f)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{} {} {}{from}: {} ({}/{} ok)",
        style::paint(style::BOLD, "probe"),
        r.kind,
        r.target,
        verdict_text(r.verdict),
        r.ok,
        r.count
    );
    let rows = phases(r);
    if !rows.is_empty() {
        let _ = writeln!(
            s,
            "  {:<8} {:>10} {:>10} {:>10} {:>10} {:>6}",
            "phase", "p50 ms", "p90 ms", "p99 ms", "max ms", "n"
        );
        for (name, p) in rows {
            let _ = writeln!(
                s,
                "  {:<8} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>6}",
                name, p.p50, p.p90, p.p99, p.max, p.n
            );
        }
    }
    let _ = writeln!(s, "  errors:  {}", errors_text(r));
    if !r.status_codes.is_empty() {
        let codes: Vec<String> = r
            .status_codes
            .iter()
            .map(|(c, n)| format!("{c} x{n}"))
            .collect();
        let _ = writeln!(s, "  status:  {}", codes.join(", "));
    }
    if let Some(d) = &r.dns {
        let _ = writeln!(
            s,
            "  server:  {} ({}, type {})",
            d.server, d.mode, d.record_type
        );
    }
    for q in &r.queries {
        let rcodes: Vec<String> = q.rcodes.iter().map(|(c, n)| format!("{c} x{n}")).collect();
        let ms =
            q.ms.map(|p| format!("p50 {:.3} ms", p.p50))
                .unwrap_or_default();
        let tcp = if q.tcp_fallback > 0 {
            format!("  (TCP after truncation x{})", q.tcp_fallback)
        } else {
            String::new()
        };
        let answers = if q.answers.is_empty() {
            String::new()
        } else {
            format!("  -> {}", q.answers.join(", "))
        };
        let _ = writeln!(
            s,
            "  query:   {} {}  {}  {ms}{tcp}{answers}",
            q.name,
            q.record_type,
            rcodes.join(", ")
        );
    }
    for reason in &r.reasons {
        let _ = writeln!(s, "  why:     {reason}");
    }
    if let Some(e) = &r.last_error {
        let _ = writeln!(s, "  last error: {e}");
    }
    s
}

fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### probe {} {}: **{}** ({}/{} ok)\n",
        r.kind,
        markdown_code(&r.target.to_string()),
        r.verdict.as_str(),
        r.ok,
        r.count
    );
    let rows = phases(r);
    if !rows.is_empty() {
        s.push_str("| phase | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
        for (name, p) in rows {
            let _ = writeln!(
                s,
                "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
                p.p50, p.p90, p.p99, p.max
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "- errors: {}", errors_text(r));
    for reason in &r.reasons {
        let _ = writeln!(s, "- {}", md_cell(reason));
    }
    if let Some(e) = &r.last_error {
        let _ = writeln!(s, "- last error: {}", markdown_code(&e.to_string()));
    }
    s
}

//! `netdoctor verify OBJECT`: the model's predicted paths, measured from inside the pods
//! (`commands::inpod`), and every contradiction with its class. The checks and the
//! comparison are core's (`sim::verify`); this file runs the probes and renders.

use super::inpod::{self, RunnerArgs};
use crate::input::InputArgs;
use crate::output::{emit, md_cell, style, OutputFormat};
use crate::target::ObjectArg;
use crate::{exit, CliError, CmdResult};
use clap::Args;
use netdoctor_core::model::Cluster;
use netdoctor_core::sim::dns::Libc;
use netdoctor_core::sim::trace::Target;
use netdoctor_core::sim::verify::{
    compare, plan, Check, Expectation, Outcome, PlanOptions, Probe, Thresholds,
};
use netdoctor_core::text::escape::{terminal_safe as safe, terminal_safe_lines as safe_lines};
use netdoctor_live::inpod::{measured, InPodRunner, PodRef, ProbeCommand};
use netdoctor_live::probe::parse_duration;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A pod (NS/POD), a workload (NS/KIND/NAME: every pod of it) or a namespace (NS: every
    /// pod in it).
    pub object: String,

    /// What the pod calls: a URL or HOST:PORT as the client writes it (repeatable). Default:
    /// the Services of the pod's namespace that it does not back.
    #[arg(long = "to", value_name = "TARGET")]
    pub to: Vec<String>,

    /// The most probes run in all (each source pod gets one ephemeral container that runs
    /// its probes one after the other).
    #[arg(long = "max-probes", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub max_probes: u32,

    /// Attempts per probe.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub count: u32,

    /// Bound of one attempt (Go-style duration): a connection not made by then is a timeout.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// The pods' C library, whose resolver decides the DNS query sequence.
    #[arg(long = "libc", default_value = "glibc", value_parser = ["glibc", "musl"])]
    pub libc: String,

    /// DNS slower than this (median, milliseconds) contradicts the model.
    #[arg(long = "dns-slow-ms", default_value_t = 100.0)]
    pub dns_slow_ms: f64,

    /// Pod-to-pod connect slower than this on one node (median, milliseconds).
    #[arg(long = "same-node-slow-ms", default_value_t = 5.0)]
    pub same_node_slow_ms: f64,

    /// Pod-to-pod connect slower than this across nodes, and any connection whose nodes are
    /// unknown (median, milliseconds).
    #[arg(long = "cross-node-slow-ms", default_value_t = 20.0)]
    pub cross_node_slow_ms: f64,

    #[command(flatten)]
    pub runner: RunnerArgs,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Serialize)]
struct Summary {
    checks: usize,
    contradictions: usize,
    errors: usize,
    /// Checks the model predicts beyond --max-probes, not run.
    not_run: usize,
    by_class: BTreeMap<String, usize>,
}

#[derive(Debug, Serialize)]
struct VerifyReport {
    object: String,
    checks: Vec<Outcome>,
    summary: Summary,
}

/// The subject pods of OBJECT.
fn subjects(
    cluster: &Cluster,
    object: &str,
    default_namespace: &str,
) -> Result<Vec<usize>, CliError> {
    if !object.contains('/') {
        let pods: Vec<usize> = cluster
            .pods()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.namespace == object)
            .map(|(i, _)| i)
            .collect();
        if pods.is_empty() {
            return Err(CliError::usage(format!("no pods in namespace {object}")));
        }
        return Ok(pods);
    }
    match ObjectArg::parse_in(object, default_namespace)? {
        a @ (ObjectArg::Pod { .. } | ObjectArg::Workload { .. }) => a.pods(cluster),
        _ => Err(CliError::usage(
            "verify takes a pod (NS/POD), a workload (NS/KIND/NAME) or a namespace (NS)",
        )),
    }
}

fn command(check: &Check, args: &VerifyArgs) -> ProbeCommand {
    let mut v: Vec<String> = match &check.probe {
        Probe::Dns { name } => vec![
            "dns".into(),
            name.clone(),
            "--type".into(),
            "A".into(),
            "--libc".into(),
            args.libc.clone(),
        ],
        Probe::Tcp { target } => vec!["tcp".into(), target.clone()],
    };
    v.extend([
        "--count".into(),
        args.count.to_string(),
        "--timeout".into(),
        format!("{}ms", args.timeout.as_millis()),
        "--interval".into(),
        "0s".into(),
    ]);
    ProbeCommand { args: v }
}

async fn run_checks(
    runner: &dyn InPodRunner,
    cluster: &Cluster,
    checks: Vec<Check>,
    args: &VerifyArgs,
    verbose: bool,
) -> Vec<Outcome> {
    let thresholds = Thresholds {
        dns_ms: args.dns_slow_ms,
        same_node_ms: args.same_node_slow_ms,
        cross_node_ms: args.cross_node_slow_ms,
    };
    // One run per source pod (one ephemeral container for all its probes), in the order
    // the pods first appear; the outcomes keep the order of the checks.
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        match groups.iter_mut().find(|(pod, _)| *pod == c.from_pod) {
            Some((_, idx)) => idx.push(i),
            None => groups.push((c.from_pod, vec![i])),
        }
    }
    let mut results: Vec<Option<Result<netdoctor_live::probe::Report, String>>> =
        checks.iter().map(|_| None).collect();
    for (pod_index, idx) in &groups {
        let p = &cluster.pods()[*pod_index];
        let pod = PodRef::new(&p.namespace, &p.name);
        let cmds: Vec<ProbeCommand> = idx.iter().map(|&i| command(&checks[i], args)).collect();
        if verbose {
            for c in &cmds {
                eprintln!("netdoctor: in {pod}: netdoctor {}", c.argv().join(" "));
            }
        }
        let got = runner.run_many(&pod, &cmds).await;
        for (&i, r) in idx.iter().zip(got) {
            results[i] = Some(r.map_err(|e| e.to_string()));
        }
    }
    checks
        .into_iter()
        .zip(results)
        .map(|(check, r)| {
            let (m, error, contradiction) = match r {
                Some(Ok(report)) => {
                    let m = measured(&report);
                    let c = compare(&check, &m, &thresholds);
                    (Some(m), None, c)
                }
                Some(Err(e)) => (None, Some(e), None),
                None => (None, Some("not run".to_string()), None),
            };
            Outcome {
                check,
                measured: m,
                error,
                contradiction,
            }
        })
        .collect()
}

pub fn run(args: VerifyArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    if !matches!(
        format,
        OutputFormat::Table
            | OutputFormat::Json
            | OutputFormat::Yaml
            | OutputFormat::Md
            | OutputFormat::Html
    ) {
        return Err(format.unsupported("verify"));
    }
    for (name, v) in [
        ("--dns-slow-ms", args.dns_slow_ms),
        ("--same-node-slow-ms", args.same_node_slow_ms),
        ("--cross-node-slow-ms", args.cross_node_slow_ms),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(CliError::usage(format!(
                "{name} must be a number of milliseconds >= 0"
            )));
        }
    }
    if args.timeout.is_zero() {
        return Err(CliError::usage("--timeout must be more than 0"));
    }
    // The namespace OBJECT names (`NS`, `NS/POD`, `NS/KIND/NAME`); `KIND/NAME` names none and
    // is in -n's namespace (else the context's, else `default`), as for every command.
    let spelled: Vec<String> = if args.object.contains('/') {
        ObjectArg::spelled_namespace(&args.object)
            .into_iter()
            .collect()
    } else {
        vec![args.object.clone()]
    };
    let input = args.input.read_for(verbose, &spelled)?;
    let cluster = &input.cluster;
    let pods = subjects(cluster, &args.object, &input.default_namespace)?;
    let to = args
        .to
        .iter()
        .map(|t| Target::parse(t).map_err(|e| CliError::usage(format!("--to {t:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let options = PlanOptions {
        to,
        max_probes: args.max_probes as usize,
        libc: Libc::parse(&args.libc).unwrap_or(Libc::Glibc),
    };
    let (checks, not_run) = plan(cluster, &pods, &options);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}")))?;
    let outcomes = runtime.block_on(async {
        let runner = inpod::runner(
            &args.runner,
            args.input.kubeconfig.clone(),
            args.input.context.clone(),
            args.input.request_timeout,
        )
        .await?;
        Ok::<_, CliError>(run_checks(runner.as_ref(), cluster, checks, &args, verbose).await)
    })?;
    let mut by_class = BTreeMap::new();
    for o in &outcomes {
        if let Some(c) = &o.contradiction {
            *by_class.entry(c.class.as_str().to_string()).or_insert(0) += 1;
        }
    }
    let report = VerifyReport {
        object: args.object.clone(),
        summary: Summary {
            checks: outcomes.len(),
            contradictions: by_class.values().sum(),
            errors: outcomes.iter().filter(|o| o.error.is_some()).count(),
            not_run,
            by_class,
        },
        checks: outcomes,
    };
    let text = match format {
        OutputFormat::Json => crate::output::to_json(&report)?,
        OutputFormat::Yaml => crate::output::to_yaml(&report)?,
        OutputFormat::Md => markdown(&report),
        OutputFormat::Html => {
            let title = format!("netdoctor verify: {}", args.object);
            let mut page = crate::report::build(cluster, &input.scope, &[], &title);
            page.model_vs_measured = Some(report.checks.clone());
            crate::report::render(&page)
        }
        _ => table(&report),
    };
    emit(format, &text)?;
    Ok(
        if report.summary.contradictions > 0 || report.summary.errors > 0 {
            exit::FINDINGS
        } else {
            exit::OK
        },
    )
}

/// `connects`, `dropped by NetworkPolicy`, `-> 10.0.0.1`, `NXDOMAIN`.
pub fn expectation_text(e: &Expectation) -> String {
    match e {
        Expectation::Connects => "connects".into(),
        Expectation::Denied { .. } => "dropped by NetworkPolicy".into(),
        Expectation::Resolves { answers } => format!("-> {}", answers.join(", ")),
        Expectation::Nxdomain => "NXDOMAIN".into(),
    }
}

pub fn probe_text(p: &Probe) -> String {
    match p {
        Probe::Dns { name } => format!("dns {name}"),
        Probe::Tcp { target } => format!("tcp {target}"),
    }
}

/// What was measured, in a few words.
pub fn measured_text(o: &Outcome) -> String {
    let Some(m) = &o.measured else {
        return format!("not run: {}", o.error.as_deref().unwrap_or(""));
    };
    let mut s = format!("{}/{} ok", m.ok, m.count);
    for (n, c) in [
        (m.timeout, "timeout"),
        (m.refused, "refused"),
        (m.nxdomain, "nxdomain"),
        (m.other, "other"),
    ] {
        if n > 0 {
            let _ = write!(s, ", {n} {c}");
        }
    }
    if !m.answers.is_empty() {
        let _ = write!(s, " -> {}", m.answers.join(", "));
    }
    if let Some(ms) = m.connect_ms.or(m.dns_ms) {
        let _ = write!(s, " ({ms:.1} ms)");
    }
    s
}

fn table(r: &VerifyReport) -> String {
    let mut s = format!(
        "{} {}: {} contradiction(s) in {} check(s)",
        style::paint(style::BOLD, "verify"),
        safe(&r.object),
        r.summary.contradictions,
        r.summary.checks
    );
    if r.summary.errors > 0 {
        let _ = write!(s, ", {} not measured", r.summary.errors);
    }
    if r.summary.not_run > 0 {
        let _ = write!(s, ", {} beyond --max-probes", r.summary.not_run);
    }
    s.push_str("\n\n");
    for o in &r.checks {
        let mark = match (&o.contradiction, &o.error) {
            (Some(c), _) => style::paint(style::ERROR, &format!("✘ {}", c.class)),
            (None, Some(_)) => style::paint(style::WARNING, "? not measured"),
            (None, None) => style::paint(style::GOOD, "✔ agrees"),
        };
        let _ = writeln!(
            s,
            "  {:<22} {:<30} model: {:<26} measured: {}  {mark}",
            safe(&o.check.from),
            safe(&probe_text(&o.check.probe)),
            safe(&expectation_text(&o.check.expect)),
            safe(&measured_text(o)),
        );
    }
    let contradictions: Vec<&Outcome> = r
        .checks
        .iter()
        .filter(|o| o.contradiction.is_some())
        .collect();
    if !contradictions.is_empty() {
        s.push_str("\ncontradictions:\n");
    }
    for o in contradictions {
        if let Some(c) = &o.contradiction {
            let _ = writeln!(
                s,
                "  {} {} → {}: {}\n      model: {}\n      implies: {}",
                style::paint(style::ERROR, c.class.as_str()),
                safe(&o.check.from),
                safe(&probe_text(&o.check.probe)),
                safe_lines(&c.detail),
                safe_lines(&o.check.why),
                c.implies
            );
        }
    }
    s
}

fn markdown(r: &VerifyReport) -> String {
    let mut s = format!(
        "# verify {}\n\n**{}** contradiction(s) in {} check(s)\n\n| from | probe | model | measured | verdict |\n|---|---|---|---|---|\n",
        md_cell(&r.object),
        r.summary.contradictions,
        r.summary.checks
    );
    for o in &r.checks {
        let verdict = match (&o.contradiction, &o.error) {
            (Some(c), _) => format!("**{}**: {}", c.class, md_cell(&c.detail)),
            (None, Some(_)) => "not measured".into(),
            (None, None) => "agrees".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {verdict} |",
            md_cell(&o.check.from),
            md_cell(&probe_text(&o.check.probe)),
            md_cell(&expectation_text(&o.check.expect)),
            md_cell(&measured_text(o))
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::subjects;
    use netdoctor_core::load::load_text;
    use netdoctor_core::model::{BuildOptions, Cluster};

    const PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n  namespace: prod\n  labels: {app: web}\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true}]\nspec:\n  containers: [{name: c, image: i}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: i}]\n";

    /// `verify deployment/web -n prod`: KIND/NAME is in -n's namespace, not `default`.
    #[test]
    fn kind_name_is_in_the_default_namespace_of_the_input() {
        let cluster = Cluster::build(load_text("t.yaml", PODS), &BuildOptions::default());
        assert_eq!(
            subjects(&cluster, "deployment/web", "prod")
                .map(|p| p.len())
                .ok(),
            Some(1)
        );
        assert!(subjects(&cluster, "deployment/web", "default").is_err());
        assert_eq!(
            subjects(&cluster, "prod/deployment/web", "default")
                .map(|p| p.len())
                .ok(),
            Some(1)
        );
        assert_eq!(
            subjects(&cluster, "prod", "default").map(|p| p.len()).ok(),
            Some(1)
        );
    }
}

//! One file per command.

mod alerts;
mod completion;
pub mod diff;
pub mod dns;
mod doctor;
mod explain;
mod ingress;
pub mod inpod;
pub mod migrate;
pub mod monitor;
pub mod policy;
pub mod probe;
mod probe_from;
mod rules;
mod snapshot;
mod svc_report;
pub mod trace;
pub mod verify;

use crate::cli::{Cli, Command, IngressCommand};
use crate::input::InputArgs;
use crate::output::OutputFormat;
use crate::{CliError, CmdResult};

pub fn run(mut cli: Cli) -> CmdResult {
    let format = output_format(&cli.command, cli.output)?;
    let verbose = cli.verbose;
    // clap checks the conflict only when both are on the same side of the command.
    if cli.cluster.namespace.is_some() && cli.cluster.all_namespaces {
        return Err(crate::CliError::usage(
            "-n/--namespace and -A/--all-namespaces exclude each other",
        ));
    }
    match input_args(&mut cli.command) {
        Some(input) => input.with_cluster(&cli.cluster),
        None => unused_cluster_options(&cli)?,
    }
    if let Command::Probe(p) = &mut cli.command {
        probe::set_cluster(p, &cli.cluster);
    }
    match cli.command {
        Command::Doctor(args) => doctor::run(args, format, verbose),
        Command::Rules => rules::run(format),
        Command::Explain(args) => explain::run(args, format),
        Command::Alerts(args) => alerts::run(args, format),
        Command::Trace(args) => trace::run(args, format, verbose),
        Command::Snapshot(args) => snapshot::run(args, format, verbose),
        Command::Ingress(cmd) => ingress::run(cmd, format, verbose),
        Command::MigrateCheck(args) => migrate::run(args, format, verbose),
        Command::Policy(args) => policy::run(args, format, verbose),
        Command::Diff(args) => diff::run(args, format, verbose),
        Command::Dns(args) => dns::run(args, format, verbose),
        Command::Probe(args) => probe::run(args, format, verbose),
        Command::Monitor(args) => monitor::run(args, &cli.cluster),
        Command::Verify(args) => verify::run(args, format, verbose),
        Command::Completion(args) => completion::completion(args.shell),
        Command::Man(args) => completion::man(args.dir.as_deref()),
    }
}

/// The formats each command implements, its default first. `-o` naming another one is a
/// usage error that lists them (never a silent fallback to another format).
pub fn formats(command: &Command) -> (&'static str, &'static [OutputFormat]) {
    use crate::cli::Command as C;
    use OutputFormat::*;
    const HUMAN: &[OutputFormat] = &[Table, Txt, Json, Yaml, Md];
    match command {
        C::Doctor(_) => ("doctor", &[Table, Txt, Json, Yaml, Md, Html, Sarif, Junit]),
        C::Rules => ("rules", HUMAN),
        C::Explain(_) => ("explain", HUMAN),
        C::Trace(_) => ("trace", HUMAN),
        C::Alerts(_) => ("alerts", &[Yaml, Json]),
        C::Snapshot(_) => ("snapshot", &[Json, Yaml]),
        C::Ingress(IngressCommand::Route(_)) => ("ingress route", HUMAN),
        C::Policy(p) => match p.command {
            policy::PolicyCommand::Check(_) => ("policy check", &[Table, Json, Yaml, Md]),
            policy::PolicyCommand::Map(_) => {
                ("policy map", &[Table, Txt, Json, Yaml, Md, Csv, Dot, Html])
            }
        },
        C::Dns(d) => match d.command {
            dns::DnsCommand::Resolve(_) => ("dns resolve", HUMAN),
            dns::DnsCommand::Check(_) => ("dns check", HUMAN),
        },
        C::Probe(_) => ("probe", &[Table, Json, Yaml, Md]),
        C::Monitor(_) => ("monitor", &[Table]),
        C::Diff(_) => ("diff", &[Table, Txt, Json, Yaml, Md, Csv, Dot, Html, Sarif]),
        C::Verify(_) => ("verify", &[Table, Json, Yaml, Md, Html]),
        C::MigrateCheck(_) => ("migrate-check", &[Table, Txt, Json, Yaml, Md]),
        C::Completion(_) => ("completion", &[Table]),
        C::Man(_) => ("man", &[Table]),
    }
}

fn output_format(command: &Command, given: Option<OutputFormat>) -> Result<OutputFormat, CliError> {
    let (name, accepted) = formats(command);
    let Some(format) = given else {
        return Ok(accepted[0]);
    };
    if accepted.contains(&format) {
        return Ok(format);
    }
    let list: Vec<String> = accepted.iter().map(|f| f.name()).collect();
    Err(CliError::usage(format!(
        "`{name}` does not support -o {}; it accepts: {}",
        format.name(),
        list.join(", ")
    )))
}

/// A command that reads no cluster given -f, -n, -A (or, but for `monitor --peers` and
/// `probe --from`, --kubeconfig or --context): a usage error rather than an option silently
/// ignored.
fn unused_cluster_options(cli: &Cli) -> Result<(), crate::CliError> {
    let c = &cli.cluster;
    let reads_kubeconfig = matches!(cli.command, Command::Monitor(_) | Command::Probe(_));
    let given = [
        (!c.files.is_empty(), "-f/--file"),
        (c.namespace.is_some(), "-n/--namespace"),
        (c.all_namespaces, "-A/--all-namespaces"),
        (!reads_kubeconfig && c.kubeconfig.is_some(), "--kubeconfig"),
        (!reads_kubeconfig && c.context.is_some(), "--context"),
    ];
    match given.iter().find(|(set, _)| *set) {
        Some((_, flag)) => Err(crate::CliError::usage(format!(
            "{flag} is not used by this command: it reads no cluster"
        ))),
        None => Ok(()),
    }
}

/// The input options of a command that reads a cluster, to receive the global ones.
fn input_args(command: &mut Command) -> Option<&mut InputArgs> {
    use dns::DnsCommand;
    use policy::PolicyCommand;
    Some(match command {
        Command::Doctor(a) => &mut a.input,
        Command::Trace(a) => &mut a.input,
        Command::Snapshot(a) => &mut a.input,
        Command::Diff(a) => &mut a.input,
        Command::Verify(a) => &mut a.input,
        Command::MigrateCheck(a) => &mut a.input,
        Command::Ingress(IngressCommand::Route(a)) => &mut a.input,
        Command::Policy(p) => match &mut p.command {
            PolicyCommand::Check(a) => &mut a.input,
            PolicyCommand::Map(a) => &mut a.input,
        },
        Command::Dns(d) => match &mut d.command {
            DnsCommand::Resolve(a) => &mut a.input,
            DnsCommand::Check(a) => &mut a.input,
        },
        Command::Rules
        | Command::Explain(_)
        | Command::Alerts(_)
        | Command::Probe(_)
        | Command::Monitor(_)
        | Command::Completion(_)
        | Command::Man(_) => return None,
    })
}

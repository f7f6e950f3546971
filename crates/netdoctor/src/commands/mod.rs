//! One file per command.

mod alerts;
mod completion;
pub mod dns;
mod doctor;
mod explain;
mod ingress;
pub mod monitor;
pub mod policy;
pub mod probe;
mod rules;
mod snapshot;
mod svc_report;
pub mod trace;

use crate::cli::{Cli, Command, IngressCommand};
use crate::input::InputArgs;
use crate::CmdResult;

pub fn run(mut cli: Cli) -> CmdResult {
    let format = cli.output;
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
    match cli.command {
        Command::Doctor(args) => doctor::run(args, format, verbose),
        Command::Rules => rules::run(format),
        Command::Explain(args) => explain::run(args, format),
        Command::Alerts(args) => alerts::run(args, format),
        Command::Trace(args) => trace::run(args, format, verbose),
        Command::Snapshot(args) => snapshot::run(args, format, verbose),
        Command::Ingress(cmd) => ingress::run(cmd, format, verbose),
        Command::Policy(args) => policy::run(args, format, verbose),
        Command::Dns(args) => dns::run(args, format, verbose),
        Command::Probe(args) => probe::run(args, format),
        Command::Monitor(args) => monitor::run(args, &cli.cluster),
        Command::Completion(args) => completion::completion(args.shell),
        Command::Man(args) => completion::man(args.dir.as_deref()),
    }
}

/// A command that reads no cluster given -f, -n, -A (or, but for `monitor --peers`,
/// --kubeconfig or --context): a usage error rather than an option silently ignored.
fn unused_cluster_options(cli: &Cli) -> Result<(), crate::CliError> {
    let c = &cli.cluster;
    let monitor = matches!(cli.command, Command::Monitor(_));
    let given = [
        (!c.files.is_empty(), "-f/--file"),
        (c.namespace.is_some(), "-n/--namespace"),
        (c.all_namespaces, "-A/--all-namespaces"),
        (!monitor && c.kubeconfig.is_some(), "--kubeconfig"),
        (!monitor && c.context.is_some(), "--context"),
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

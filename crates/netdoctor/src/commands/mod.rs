//! One file per command.

mod alerts;
pub mod diff;
pub mod dns;
mod doctor;
mod explain;
mod ingress;
pub mod inpod;
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
use crate::output::OutputFormat;
use crate::{CliError, CmdResult};

pub fn run(cli: Cli) -> CmdResult {
    let format = output_format(&cli.command, cli.output)?;
    let verbose = cli.verbose;
    match cli.command {
        Command::Doctor(args) => doctor::run(args, format, verbose),
        Command::Rules => rules::run(format),
        Command::Explain(args) => explain::run(args, format),
        Command::Alerts(args) => alerts::run(args, format),
        Command::Trace(args) => trace::run(args, format, verbose),
        Command::Snapshot(args) => snapshot::run(args, format, verbose),
        Command::Ingress(cmd) => ingress::run(cmd, format, verbose),
        Command::Policy(args) => policy::run(args, format, verbose),
        Command::Diff(args) => diff::run(args, format, verbose),
        Command::Dns(args) => dns::run(args, format, verbose),
        Command::Probe(args) => probe::run(args, format, verbose),
        Command::Monitor(args) => monitor::run(args),
        Command::Verify(args) => verify::run(args, format, verbose),
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

//! One file per command.

mod alerts;
pub mod dns;
mod doctor;
mod explain;
mod ingress;
pub mod migrate;
pub mod monitor;
pub mod policy;
pub mod probe;
mod rules;
mod snapshot;
mod svc_report;
pub mod trace;

use crate::cli::{Cli, Command};
use crate::CmdResult;

pub fn run(cli: Cli) -> CmdResult {
    let format = cli.output;
    let verbose = cli.verbose;
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
        Command::Dns(args) => dns::run(args, format, verbose),
        Command::Probe(args) => probe::run(args, format),
        Command::Monitor(args) => monitor::run(args),
    }
}

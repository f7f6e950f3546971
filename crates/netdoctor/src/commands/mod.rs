//! One file per command.

mod alerts;
mod doctor;
mod explain;
pub mod probe;
mod rules;
mod snapshot;

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
        Command::Snapshot(args) => snapshot::run(args, format, verbose),
        Command::Probe(args) => probe::run(args, format),
    }
}

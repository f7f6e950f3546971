//! netdoctor: finds out why pods in a Kubernetes cluster cannot talk to each other, and
//! proves it.

mod cli;
mod commands;
mod files;
mod input;
mod output;
mod report;
mod target;

use clap::Parser;
use std::process::ExitCode;

/// Built for many small objects: the model of a big cluster is millions of small strings,
/// vectors and maps (BENCHMARKS.md, issue 18).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes of INTERFACE.md.
pub mod exit {
    /// Ran; nothing at or above `--fail-on`; allowed; probe succeeded.
    pub const OK: u8 = 0;
    /// Ran; findings at or above `--fail-on`; denied; probe failed.
    pub const FINDINGS: u8 = 1;
    /// Usage error or unreadable input.
    pub const USAGE: u8 = 2;
    /// The cluster could not be reached, or every read was forbidden.
    pub const UNREACHABLE: u8 = 3;
}

/// An error that ends the command with a message on stderr and an exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    pub fn unreachable(message: impl Into<String>) -> Self {
        CliError {
            code: exit::UNREACHABLE,
            message: message.into(),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError {
            code: exit::USAGE,
            message: e.to_string(),
        }
    }
}

pub type CmdResult = Result<u8, CliError>;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.code == exit::OK => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netdoctor: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

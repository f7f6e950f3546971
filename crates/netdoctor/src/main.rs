//! netdoctor: finds out why pods in a Kubernetes cluster cannot talk to each other, and
//! proves it.

mod ci;
mod cli;
mod commands;
mod files;
mod help;
mod input;
mod output;
mod report;
mod target;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

/// Built for many small objects: the model of a big cluster is millions of small strings,
/// vectors and maps (BENCHMARKS.md, issue 18).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes of docs/interface.md.
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

/// The name the user typed to run netdoctor: `kubectl netdoctor` when the binary is called
/// `kubectl-netdoctor` (a kubectl plugin, as krew installs it), else `netdoctor`.
pub fn bin_name() -> String {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let file = std::path::Path::new(&argv0)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    if file.starts_with("kubectl-netdoctor") {
        "kubectl netdoctor".to_string()
    } else {
        "netdoctor".to_string()
    }
}

fn parse() -> Result<cli::Cli, clap::Error> {
    let mut cmd = cli::Cli::command().bin_name(bin_name());
    let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    cli::Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// Breaks a message into lines that fit the terminal (stderr), at spaces; a message to a
/// file or a pipe is left as it is (one line per message is what scripts grep).
fn wrap_to_terminal(message: &str) -> String {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return message.to_string();
    }
    match terminal_size::terminal_size_of(std::io::stderr()) {
        Some((terminal_size::Width(w), _)) => {
            netdoctor_core::text::wrap(message, usize::from(w).max(40))
        }
        None => message.to_string(),
    }
}

fn main() -> ExitCode {
    let cli = match parse() {
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
            eprintln!("{}", wrap_to_terminal(&format!("netdoctor: {}", e.message)));
            ExitCode::from(e.code)
        }
    }
}

//! `netdoctor completion SHELL` and `netdoctor man`: generated from the clap definitions, so
//! they never fall behind the commands.

use crate::cli::{Cli, CompletionShell};
use crate::output::{emit, OutputFormat};
use crate::CmdResult;
use clap::CommandFactory;
use clap_complete::Shell;

/// The command line as the user invoked it (`netdoctor`, or `kubectl netdoctor` as a kubectl
/// plugin): completions are registered for the binary name.
pub fn completion(shell: CompletionShell) -> CmdResult {
    let mut cmd = Cli::command();
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let name = crate::bin_name();
    // kubectl plugins complete through `kubectl`; the script is for the binary itself.
    let name = name.replace(' ', "-");
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut out);
    emit(OutputFormat::Json, &String::from_utf8_lossy(&out))?;
    Ok(crate::exit::OK)
}

/// The man page of the whole program (roff).
pub fn man() -> CmdResult {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    emit(OutputFormat::Json, &String::from_utf8_lossy(&out))?;
    Ok(crate::exit::OK)
}

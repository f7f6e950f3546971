//! `netdoctor completion SHELL` and `netdoctor man`: generated from the clap definitions, so
//! they never fall behind the commands.

use crate::cli::{Cli, CompletionShell};
use crate::output::{emit, OutputFormat};
use crate::CmdResult;
use clap::CommandFactory;
use clap_complete::Shell;

/// The completion script of `shell`, registered for the binary's name: `netdoctor`, or
/// `kubectl-netdoctor` when run as the kubectl plugin (the script completes that command).
pub fn completion(shell: CompletionShell) -> CmdResult {
    let mut cmd = Cli::command();
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let name = crate::bin_name().replace(' ', "-");
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut out);
    emit(OutputFormat::Json, &String::from_utf8_lossy(&out))?;
    Ok(crate::exit::OK)
}

/// The man page of the whole program (roff) on stdout, or with `dir` every page written there.
pub fn man(dir: Option<&std::path::Path>) -> CmdResult {
    let mut cmd = Cli::command();
    let Some(dir) = dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut out)?;
        emit(OutputFormat::Json, &String::from_utf8_lossy(&out))?;
        return Ok(crate::exit::OK);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::CliError::usage(format!("--dir {}: {e}", dir.display())))?;
    cmd.build();
    let mut written = 0;
    write_pages(&cmd, "netdoctor", dir, &mut written)?;
    eprintln!("wrote {written} pages to {}", dir.display());
    Ok(crate::exit::OK)
}

/// `NAME.1` for `cmd` and `NAME-SUB.1` for each of its subcommands, recursively.
fn write_pages(
    cmd: &clap::Command,
    name: &str,
    dir: &std::path::Path,
    written: &mut usize,
) -> Result<(), crate::CliError> {
    // After `build`, a subcommand's display name is `netdoctor-doctor`: the page's title.
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, out)
        .map_err(|e| crate::CliError::usage(format!("{}: {e}", path.display())))?;
    *written += 1;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}

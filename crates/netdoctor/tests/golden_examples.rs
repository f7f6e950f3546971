//! Behaviour lock: every command in `golden/commands.txt` runs against `examples/` and must
//! print exactly what `golden/out/NAME.txt` holds (exit code, stdout, stderr). The outputs were
//! recorded before the architecture refactor of issue 15; a refactor must not change them.
//! To record an intended change, run with `NETDOCTOR_BLESS=1` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// `(name, args)` for every non-comment line of commands.txt.
fn commands() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(golden_dir().join("commands.txt")).expect("commands.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, args) = l.split_once('\t').expect("NAME<TAB>ARGS");
            (
                name.to_string(),
                args.split_whitespace().map(str::to_string).collect(),
            )
        })
        .collect()
}

fn run(args: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .expect("binary runs");
    format!(
        "exit: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_command_prints_what_it_printed_before() {
    let bless = std::env::var_os("NETDOCTOR_BLESS").is_some();
    let out_dir = golden_dir().join("out");
    let mut differ = Vec::new();
    for (name, args) in commands() {
        let got = run(&args);
        let path = out_dir.join(format!("{name}.txt"));
        if bless {
            std::fs::create_dir_all(&out_dir).expect("out dir");
            std::fs::write(&path, &got).expect("write golden");
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with NETDOCTOR_BLESS=1)", path.display()));
        if got != want {
            let first = got
                .lines()
                .zip(want.lines())
                .position(|(g, w)| g != w)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            differ.push(format!(
                "{name} (netdoctor {}): first difference at line {}\n  want: {:?}\n  got:  {:?}",
                args.join(" "),
                first + 1,
                want.lines().nth(first).unwrap_or("<end>"),
                got.lines().nth(first).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} commands changed behaviour:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

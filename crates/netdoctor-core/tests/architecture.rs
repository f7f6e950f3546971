//! The architecture, checked: layers inside core only look down, core does no I/O, and no
//! source file or function grows past the size a reader can hold (CONTRIBUTING.md).
//!
//! Layers of `netdoctor-core`, lowest first: `text` and `load` (text → API objects) → `model` (the
//! cluster, built once) → `sim` (one question each) → `rules` and `finding` (checks) →
//! `report`, `alerts`, `metrics` (what renderers need). A module may use its own layer and
//! those below it, never one above.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 150;

fn layer_of(module: &str) -> Option<usize> {
    Some(match module {
        // Plain values anyone may parse or compare: durations, closest-name suggestions.
        "text" => 0,
        "load" => 0,
        "model" => 1,
        "sim" => 2,
        "rules" | "finding" => 3,
        "report" | "alerts" | "metrics" => 4,
        _ => return None,
    })
}

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_path_buf()
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Test-only files: `tests.rs`, `*_tests.rs`, anything under a `tests/` folder.
fn is_test_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name == "tests.rs"
        || name.ends_with("_tests.rs")
        || path.components().any(|c| c.as_os_str() == "tests")
}

/// The lines of a file up to its `#[cfg(test)]` module: what ships.
fn shipped_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
        .filter(|(_, l)| {
            let t = l.trim_start();
            !t.starts_with("//")
        })
}

fn core_src() -> PathBuf {
    crates_dir().join("netdoctor-core/src")
}

/// The top-level module a core source file belongs to (`sim` for `src/sim/dns/resolver.rs`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(core_src()).expect("under src");
    let first = rel.components().next().expect("non-empty");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// Every `crate::X` a line names (in `use` lines and inline paths alike).
fn crate_modules_named(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        } else if let Some(group) = after.strip_prefix('{') {
            // `use crate::{model::X, sim::Y}`
            let inner = group.split('}').next().unwrap_or_default();
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        }
        rest = after;
    }
    found
}

#[test]
fn core_layers_only_look_down() {
    let mut files = Vec::new();
    rs_files(&core_src(), &mut files);
    let mut violations = Vec::new();
    for path in files.iter().filter(|p| !is_test_file(p)) {
        let module = module_of(path);
        let Some(own) = layer_of(&module) else {
            continue; // lib.rs
        };
        let text = std::fs::read_to_string(path).expect("readable");
        for (n, line) in shipped_lines(&text) {
            for used in crate_modules_named(line) {
                if let Some(theirs) = layer_of(&used) {
                    if theirs > own {
                        violations.push(format!(
                            "{}:{}: `{module}` uses `{used}`, a higher layer: {}",
                            path.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// Core is pure: it is handed text and returns values. Address types from `std::net` are plain
/// data and allowed; sockets, files, processes and stdin are not.
#[test]
fn core_does_no_io() {
    const FORBIDDEN: &[&str] = &[
        "std::fs",
        "std::io::stdin",
        "std::io::Read",
        "std::process",
        "std::env::var",
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "tokio",
        "File::open",
        "read_dir",
    ];
    let mut files = Vec::new();
    rs_files(&core_src(), &mut files);
    let mut violations = Vec::new();
    for path in files.iter().filter(|p| !is_test_file(p)) {
        let text = std::fs::read_to_string(path).expect("readable");
        for (n, line) in shipped_lines(&text) {
            for f in FORBIDDEN {
                if line.contains(f) {
                    violations.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "I/O in core:\n{}",
        violations.join("\n")
    );
}

fn all_shipped_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(crates_dir()).expect("crates/") {
        let src = krate.expect("entry").path().join("src");
        rs_files(&src, &mut files);
    }
    files.retain(|p| !is_test_file(p));
    files.sort();
    files
}

#[test]
fn no_source_file_is_too_long() {
    let mut long = Vec::new();
    for path in all_shipped_sources() {
        let text = std::fs::read_to_string(&path).expect("readable");
        // A file's own unit tests may follow the code; what is measured is what ships.
        let lines = text
            .lines()
            .take_while(|l| l.trim() != "#[cfg(test)]")
            .count();
        if lines > MAX_FILE_LINES {
            long.push(format!("{}: {lines} lines", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "files above {MAX_FILE_LINES} lines (split them by concern):\n{}",
        long.join("\n")
    );
}

/// A function starts at a line whose first word after the visibility is `fn` and ends at the
/// first line that closes a brace at the same indentation.
fn long_functions(path: &Path, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let signature = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("async ");
        if !signature.starts_with("fn ") || trimmed.ends_with(';') {
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(len) = lines[i..].iter().position(|l| *l == close) {
            if len + 1 > MAX_FN_LINES {
                let name: String = signature[3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push(format!(
                    "{}:{}: fn {name}: {} lines",
                    path.display(),
                    i + 1,
                    len + 1
                ));
            }
        }
    }
    found
}

#[test]
fn no_function_is_too_long() {
    let mut long = Vec::new();
    for path in all_shipped_sources() {
        let text = std::fs::read_to_string(&path).expect("readable");
        long.extend(long_functions(&path, &text));
    }
    assert!(
        long.is_empty(),
        "functions above {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

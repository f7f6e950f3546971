//! Reading `-f` inputs from disk and stdin: core's loader takes text, and this is where the
//! text comes from. A directory is walked recursively (`*.yaml`, `*.yml`, `*.json`, sorted by
//! path, hidden entries skipped); a file named explicitly is read whatever its extension.
//!
//! Plain `std` on purpose: the tests of `netdoctor-core` include this file (`#[path]`) to read
//! their fixtures exactly as the binary reads `-f`.

use std::path::{Path, PathBuf};

/// A fatal input problem: the path does not exist or cannot be read. (A document that does
/// not parse is not fatal: the loader reports it as unreadable and goes on.)
#[derive(Debug)]
pub enum FilesError {
    Io {
        path: String,
        source: std::io::Error,
    },
    NotFound {
        path: String,
    },
}

impl std::fmt::Display for FilesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilesError::Io { path, source } => write!(f, "{path}: {source}"),
            FilesError::NotFound { path } => write!(f, "{path}: no such file or directory"),
        }
    }
}

impl std::error::Error for FilesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FilesError::Io { source, .. } => Some(source),
            FilesError::NotFound { .. } => None,
        }
    }
}

/// The name stdin's text is reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads `-f` arguments in order (`-` is stdin) and hands each input's bytes, with the name
/// it is reported under, to `read`. Stops at the first path that does not exist or cannot be
/// read, and at stdin that is not UTF-8 text (a file that is not is the loader's to report).
pub fn read_each(paths: &[PathBuf], mut read: impl FnMut(&str, &[u8])) -> Result<(), FilesError> {
    for p in paths {
        if p.as_os_str() == "-" {
            read(STDIN_NAME, read_stdin()?.as_bytes());
            continue;
        }
        for f in manifest_files(p)? {
            let bytes = std::fs::read(&f).map_err(|e| FilesError::Io {
                path: f.display().to_string(),
                source: e,
            })?;
            read(&f.display().to_string(), &bytes);
        }
    }
    Ok(())
}

fn read_stdin() -> Result<String, FilesError> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
        FilesError::Io {
            path: STDIN_NAME.into(),
            source: e,
        }
    })?;
    Ok(text)
}

/// The files a `-f PATH` names, in reading order.
fn manifest_files(path: &Path) -> Result<Vec<PathBuf>, FilesError> {
    if !path.exists() {
        return Err(FilesError::NotFound {
            path: path.display().to_string(),
        });
    }
    let mut files = Vec::new();
    collect_files(path, true, &mut files)?;
    Ok(files)
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn collect_files(path: &Path, explicit: bool, out: &mut Vec<PathBuf>) -> Result<(), FilesError> {
    let io = |e| FilesError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            // Hidden entries (.git, editor backups) are not manifests.
            let hidden = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                collect_files(&e, false, out)?;
            }
        }
    } else if explicit || is_manifest(path) {
        // A file named explicitly is read whatever its extension.
        out.push(path.to_path_buf());
    }
    Ok(())
}

//! Reading `-f` inputs from disk and stdin: core's loader takes text, and this is where the
//! text comes from. A directory is walked recursively (`*.yaml`, `*.yml`, `*.json`, sorted by
//! path, hidden entries skipped, only regular files, each directory once); a file named
//! explicitly is read whatever its extension. Every read is bounded (`Limits`).
//!
//! Plain `std` on purpose: the tests of `netdoctor-core` include this file (`#[path]`) to read
//! their fixtures exactly as the binary reads `-f`.

use std::path::{Path, PathBuf};

/// A fatal input problem: a `-f` path does not exist. (Anything else is not fatal: a file
/// that cannot be read is skipped with its reason, a document that does not parse is
/// reported as unreadable by the loader, and the others are read.)
#[derive(Debug)]
pub enum FilesError {
    NotFound { path: String },
}

impl std::fmt::Display for FilesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilesError::NotFound { path } => write!(f, "{path}: no such file or directory"),
        }
    }
}

impl std::error::Error for FilesError {}

/// The name stdin's text is reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// Bounds on what is read, so that no input (`/dev/zero`, a huge file, a deep or looping
/// tree of directories) can exhaust memory or hang the load.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes read from one file (or stdin) at most; a larger one is skipped.
    pub max_file_bytes: u64,
    /// Bytes read from all inputs together; files past it are skipped.
    pub max_total_bytes: u64,
    /// Directories nested deeper than this below a `-f` directory are skipped.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 << 20,
            max_total_bytes: 2 << 30,
            max_depth: 64,
        }
    }
}

/// Reads `-f` arguments in order with the default limits; what is skipped is reported on
/// stderr. (The binary uses `read_each_within`, which reports it as INP001.)
#[allow(dead_code)]
pub fn read_each(paths: &[PathBuf], mut read: impl FnMut(&str, &[u8])) -> Result<(), FilesError> {
    read_each_within(paths, &Limits::default(), |name, input| match input {
        Ok(bytes) => read(name, bytes),
        Err(reason) => eprintln!("netdoctor: warning: {name}: {reason}"),
    })
}

/// Reads `-f` arguments in order (`-` is stdin) and hands each input's bytes, with the name
/// it is reported under, to `read` — or the reason it was skipped: a directory's entries
/// are read only when they are regular files (a FIFO or device is read only when named
/// explicitly), every read is bounded by `limits`, and what cannot be read (a symlink loop,
/// a permission error, a file above the limits) is skipped and the others are read. Only a
/// `-f` path that does not exist stops the load.
pub fn read_each_within(
    paths: &[PathBuf],
    limits: &Limits,
    mut read: impl FnMut(&str, Result<&[u8], &str>),
) -> Result<(), FilesError> {
    let mut total = 0u64;
    for p in paths {
        let entries = if p.as_os_str() == "-" {
            vec![Entry::Read(p.clone())]
        } else {
            manifest_files(p, limits)?
        };
        for entry in entries {
            let (path, bytes) = match entry {
                Entry::Skip(path, reason) => {
                    read(&path.display().to_string(), Err(&reason));
                    continue;
                }
                Entry::Read(path) => {
                    let bytes = read_bounded(&path, limits, total);
                    (path, bytes)
                }
            };
            let name = if path.as_os_str() == "-" {
                STDIN_NAME.to_string()
            } else {
                path.display().to_string()
            };
            match bytes {
                Ok(bytes) => {
                    total += bytes.len() as u64;
                    read(&name, Ok(&bytes));
                }
                Err(reason) => read(&name, Err(&reason)),
            }
        }
    }
    Ok(())
}

/// One input's bytes, at most the per-file limit and what is left of the total.
fn read_bounded(path: &Path, limits: &Limits, total: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let left = limits.max_total_bytes.saturating_sub(total);
    let limit = limits.max_file_bytes.min(left);
    let too_big = || {
        if limit < limits.max_file_bytes {
            format!(
                "skipped: the inputs together exceed {} bytes (--max-input-size)",
                limits.max_total_bytes
            )
        } else {
            format!(
                "skipped: larger than {} bytes (--max-file-size)",
                limits.max_file_bytes
            )
        }
    };
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().take(limit + 1).read_to_end(&mut bytes)
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
        if let Ok(m) = file.metadata().map(|m| (m.is_file(), m.len())) {
            match m {
                (true, len) if len > limit => return Err(too_big()),
                // Read in one go into a buffer of the right size, not grown (and copied)
                // by doubling: a big cluster's file is hundreds of megabytes.
                (true, len) => bytes.reserve_exact(usize::try_from(len).unwrap_or(0) + 1),
                _ => {}
            }
        }
        file.take(limit + 1).read_to_end(&mut bytes)
    };
    read.map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// A file to read, or one skipped with the reason.
enum Entry {
    Read(PathBuf),
    Skip(PathBuf, String),
}

/// The files a `-f PATH` names, in reading order.
fn manifest_files(path: &Path, limits: &Limits) -> Result<Vec<Entry>, FilesError> {
    if std::fs::symlink_metadata(path).is_err() && !path.exists() {
        return Err(FilesError::NotFound {
            path: path.display().to_string(),
        });
    }
    let mut walk = Walk {
        limits,
        seen: std::collections::HashSet::new(),
        out: Vec::new(),
    };
    walk.collect(path, true, 0);
    Ok(walk.out)
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

struct Walk<'l> {
    limits: &'l Limits,
    /// Directories already read (device, inode): a symlink back to one is a loop.
    seen: std::collections::HashSet<(u64, u64)>,
    out: Vec<Entry>,
}

impl Walk<'_> {
    fn skip(&mut self, path: &Path, reason: String) {
        self.out.push(Entry::Skip(path.to_path_buf(), reason));
    }

    fn collect(&mut self, path: &Path, explicit: bool, depth: usize) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return self.skip(path, format!("skipped: cannot be read: {e}")),
        };
        if meta.is_dir() {
            return self.directory(path, &meta, depth);
        }
        if explicit {
            // A file named explicitly is read whatever its extension or type (a FIFO or
            // device too: the read is bounded).
            self.out.push(Entry::Read(path.to_path_buf()));
        } else if is_manifest(path) {
            if meta.is_file() {
                self.out.push(Entry::Read(path.to_path_buf()));
            } else {
                self.skip(
                    path,
                    "skipped: not a regular file (a FIFO, socket or device is read only when named with -f)".into(),
                );
            }
        }
    }

    fn directory(&mut self, path: &Path, meta: &std::fs::Metadata, depth: usize) {
        if depth > self.limits.max_depth {
            return self.skip(
                path,
                format!(
                    "skipped: directories nested more than {} deep",
                    self.limits.max_depth
                ),
            );
        }
        if !self.seen.insert(dir_id(meta)) {
            return self.skip(
                path,
                "skipped: a directory already read (a symbolic link loop)".into(),
            );
        }
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => return self.skip(path, format!("skipped: cannot be read: {e}")),
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for e in entries {
            // Hidden entries (.git, editor backups) are not manifests.
            let hidden = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                self.collect(&e, false, depth + 1);
            }
        }
    }
}

#[cfg(unix)]
fn dir_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn dir_id(_: &std::fs::Metadata) -> (u64, u64) {
    // No inode numbers: the depth limit bounds a loop.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    (0, NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

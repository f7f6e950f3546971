//! The input options every analysis command shares, and reading the cluster from them.

use crate::files::{self, FilesError};
use crate::CliError;
use clap::Args;
use netdoctor_core::load::{self, LoadResult};
use netdoctor_core::model::{BuildOptions, Cluster, InputFacts};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Read objects from a file or directory (recursively: *.yaml, *.yml, *.json);
    /// repeatable; `-` reads stdin. Without -f, a live cluster is read.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,

    /// Path of the kubeconfig file (live mode).
    #[arg(long = "kubeconfig", value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (live mode).
    #[arg(long = "context", value_name = "NAME")]
    pub context: Option<String>,

    /// Scope: only this namespace (default: all namespaces for files, the kubeconfig's
    /// namespace for a live cluster).
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespace: Option<String>,

    /// Scope: every namespace.
    #[arg(short = 'A', long = "all-namespaces", conflicts_with = "namespace")]
    pub all_namespaces: bool,

    /// The cluster domain (default: taken from the CoreDNS Corefile, else cluster.local).
    #[arg(long = "cluster-domain", value_name = "DOMAIN")]
    pub cluster_domain: Option<String>,

    /// The largest file (or stdin) read with -f, e.g. 256MiB, 1GiB, 500k; a larger one is
    /// skipped and reported (INP001).
    #[arg(long = "max-file-size", value_name = "SIZE", value_parser = parse_size, default_value = "256MiB")]
    pub max_file_size: u64,

    /// The most read from all -f inputs together; files past it are skipped and reported.
    #[arg(long = "max-input-size", value_name = "SIZE", value_parser = parse_size, default_value = "2GiB")]
    pub max_input_size: u64,

    /// Timeout of each request to the API server (live mode), e.g. 30s, 500ms, 2m; one
    /// retry follows a timeout.
    #[arg(long = "request-timeout", value_name = "DURATION", value_parser = parse_timeout)]
    pub request_timeout: Option<std::time::Duration>,
}

/// What was read, with the namespaces in scope.
pub struct Input {
    pub cluster: Cluster,
    /// Empty: every namespace.
    pub scope: Vec<String>,
}

/// What was read, before the model is built (`snapshot` writes it out).
pub struct Loaded {
    pub result: LoadResult,
    /// Kinds a live read could not list (INP003).
    pub unreadable_kinds: Vec<String>,
    /// Read from a live cluster (`Cluster::live`).
    pub live: bool,
    /// The namespaces a namespace-scoped live read listed (`None`: all).
    pub read_namespaces: Option<Vec<String>>,
    /// Empty: every namespace.
    pub scope: Vec<String>,
}

impl InputArgs {
    // Used by the analysis commands other than `doctor` (trace, policy, dns, ingress).
    #[allow(dead_code)]
    pub fn read(&self, verbose: bool) -> Result<Input, CliError> {
        self.read_for(verbose, &[])
    }

    /// Like `read`; `namespaces` are the namespaces of objects named on the command line,
    /// which a live read without -n/-A reads (and scopes to) instead of the context's.
    pub fn read_for(&self, verbose: bool, namespaces: &[String]) -> Result<Input, CliError> {
        let loaded = self.load_for(verbose, namespaces)?;
        let cluster = Cluster::build(
            loaded.result,
            &BuildOptions {
                cluster_domain: self.cluster_domain.clone(),
                input: InputFacts {
                    live: loaded.live,
                    unreadable_kinds: loaded.unreadable_kinds,
                    read_namespaces: loaded.read_namespaces,
                },
            },
        );
        Ok(Input {
            cluster,
            scope: loaded.scope,
        })
    }

    pub fn load(&self, verbose: bool) -> Result<Loaded, CliError> {
        self.load_for(verbose, &[])
    }

    pub fn load_for(&self, verbose: bool, namespaces: &[String]) -> Result<Loaded, CliError> {
        if self.files.is_empty() {
            return self.load_live(verbose, namespaces);
        }
        let limits = files::Limits {
            max_file_bytes: self.max_file_size,
            max_total_bytes: self.max_input_size,
            ..files::Limits::default()
        };
        let loaded =
            load_files(&self.files, &limits).map_err(|e| CliError::usage(e.to_string()))?;
        if verbose {
            report_load(&loaded);
        }
        if loaded.is_empty() {
            let reason = match loaded.unreadable.first() {
                Some(u) => format!(
                    "nothing readable in the input: {} document {} (line {}): {}",
                    u.file, u.document, u.line, u.reason
                ),
                None if loaded.skipped_kinds.is_empty() => {
                    "nothing readable in the input: no Kubernetes objects found".to_string()
                }
                None => format!(
                    "nothing readable in the input: only kinds netdoctor does not use ({})",
                    loaded
                        .skipped_kinds
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(CliError::usage(reason));
        }
        let scope = match (&self.namespace, self.all_namespaces) {
            (Some(ns), false) => vec![ns.clone()],
            _ => Vec::new(),
        };
        Ok(Loaded {
            result: loaded,
            unreadable_kinds: Vec::new(),
            live: false,
            read_namespaces: None,
            scope,
        })
    }

    /// Reads the live cluster of the kubeconfig (or the in-cluster service account).
    /// Scope: -A every namespace; -n NS that namespace; else the namespaces of the objects
    /// named on the command line, else the kubeconfig context's namespace. A namespace
    /// scope also reads kube-system and the ingress controllers' namespaces.
    fn load_live(&self, verbose: bool, namespaces: &[String]) -> Result<Loaded, CliError> {
        use netdoctor_live::cluster::{self as live, ConnectOptions, ReadOptions, ReadScope};
        use std::io::IsTerminal;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| CliError::unreachable(format!("cannot start the I/O runtime: {e}")))?;
        let connect = ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            request_timeout: self.request_timeout,
        };
        let read = ReadOptions {
            progress: std::io::stderr().is_terminal(),
            ..ReadOptions::default()
        };
        let mut scope: Vec<String> = Vec::new();
        let chosen = |conn: &live::Connection| {
            if self.all_namespaces {
                return ReadScope::All;
            }
            scope = match &self.namespace {
                Some(ns) => vec![ns.clone()],
                None if !namespaces.is_empty() => namespaces.to_vec(),
                None => vec![conn.default_namespace.clone()],
            };
            ReadScope::Namespaces(scope.clone())
        };
        let (conn, read) = runtime
            .block_on(live::connect_and_read(&connect, read, chosen))
            .map_err(|e| {
                if e.is_usage() {
                    CliError::usage(e.to_string())
                } else {
                    CliError::unreachable(e.to_string())
                }
            })?;
        for p in &read.problems {
            let why = if p.forbidden { "forbidden" } else { "failed" };
            eprintln!(
                "netdoctor: warning: listing {} {why}: {}; checks that need it are not run (INP003)",
                p.what, p.reason
            );
        }
        if verbose {
            eprintln!(
                "read {} (context {}): {} request(s), namespaces: {}",
                conn.server,
                conn.context.as_deref().unwrap_or("in-cluster"),
                read.requests,
                read.namespaces
                    .as_ref()
                    .map(|n| n.join(", "))
                    .unwrap_or_else(|| "all".into())
            );
            report_kinds(&read.loaded);
            if !read.not_served.is_empty() {
                eprintln!(
                    "  not served by this cluster: {}",
                    read.not_served.join(", ")
                );
            }
        }
        Ok(Loaded {
            result: read.loaded,
            unreadable_kinds: read.unreadable_kinds,
            live: true,
            read_namespaces: read.namespaces,
            scope,
        })
    }
}

/// Loads `-f` arguments in order: files, directories and `-` for stdin.
/// What cannot be read is reported (INP001) and the rest is read.
fn load_files(paths: &[PathBuf], limits: &files::Limits) -> Result<LoadResult, FilesError> {
    let mut result = LoadResult::default();
    files::read_each_within(paths, limits, |name, input| match input {
        Ok(bytes) => result.merge(load::load_bytes(name, bytes)),
        Err(reason) => result.merge(load::skipped_input(name, reason)),
    })?;
    Ok(result)
}

/// A size in bytes: a number with an optional unit (`k`/`KiB`, `M`/`MiB`, `G`/`GiB`;
/// powers of 1024), above zero.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?}: expected a size such as 256MiB, 1GiB or 500k"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("{s:?}: unknown unit (use k, MiB, GiB)")),
    };
    let bytes = n
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?}: too large"))?;
    if bytes == 0 {
        return Err(format!("{s:?}: the size must be more than 0"));
    }
    Ok(bytes)
}

/// `--request-timeout`: a duration (`30s`, `500ms`, `1m30s`, `1h`, or a number of seconds)
/// above zero.
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let timeout = netdoctor_core::text::parse_duration(s)?;
    if timeout.is_zero() {
        return Err(format!("{:?}: the timeout must be more than 0", s.trim()));
    }
    Ok(timeout)
}

fn report_load(loaded: &LoadResult) {
    eprintln!(
        "read {} file(s): {} object(s), {} unreadable document(s)",
        loaded.files_read,
        loaded.objects.len(),
        loaded.unreadable.len()
    );
    report_kinds(loaded);
}

fn report_kinds(loaded: &LoadResult) {
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for o in &loaded.objects {
        *kinds.entry(o.object.kind()).or_default() += 1;
    }
    for (k, n) in kinds {
        eprintln!("  {n:>6} {k}");
    }
    for (k, n) in &loaded.skipped_kinds {
        eprintln!("  {n:>6} {k} (skipped: not used by netdoctor)");
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_size, parse_timeout};
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_timeout("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("3d").is_err());
        assert!(parse_timeout("fast").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("500k"), Ok(500 << 10));
        assert_eq!(parse_size("1234"), Ok(1234));
        assert!(parse_size("0").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert!(parse_size("12 parsecs").is_err());
    }
}

//! The input options every analysis command shares, and reading the cluster from them.

use crate::files::{self, FilesError};
use crate::CliError;
use clap::Args;
use netdoctor_core::load::{self, LoadResult};
use netdoctor_core::model::{BuildOptions, Cluster, InputFacts, ReadFailure};
use std::collections::BTreeMap;
use std::mem::ManuallyDrop;
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
    #[arg(long = "max-file-size", value_name = "SIZE", value_parser = netdoctor_core::text::parse_size, default_value = "256MiB")]
    pub max_file_size: u64,

    /// The most read from all -f inputs together; files past it are skipped and reported.
    #[arg(long = "max-input-size", value_name = "SIZE", value_parser = netdoctor_core::text::parse_size, default_value = "2GiB")]
    pub max_input_size: u64,

    /// Timeout of each request to the API server (live mode), e.g. 30s, 500ms, 2m; one
    /// retry follows a timeout.
    #[arg(long = "request-timeout", value_name = "DURATION", value_parser = parse_timeout)]
    pub request_timeout: Option<std::time::Duration>,

    /// Largest API response accepted (live mode), e.g. 256MiB, 64MiB, 500KiB; a larger
    /// one makes its kind unreadable (INP003). Default 256MiB.
    #[arg(long = "max-response-size", value_name = "SIZE", value_parser = netdoctor_core::text::parse_size)]
    pub max_response_size: Option<u64>,

    /// Most bytes read from the API server in all (live mode): bounds the memory of the
    /// whole read. Default 4GiB.
    #[arg(long = "max-read-size", value_name = "SIZE", value_parser = netdoctor_core::text::parse_size)]
    pub max_read_size: Option<u64>,

    /// Most pages of one list (live mode): a list that has not ended by then makes its kind
    /// unreadable (INP003). Default 10000.
    #[arg(long = "max-pages", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_pages: Option<u32>,
}

/// What was read, with the namespaces in scope.
pub struct Input {
    /// Never dropped: each command reads one cluster and the process ends after it, so
    /// freeing millions of small objects one by one would only delay the exit (a fifth of
    /// `policy check` at 100k pods, issue 18). The operating system takes the memory back.
    pub cluster: ManuallyDrop<Cluster>,
    /// Empty: every namespace.
    pub scope: Vec<String>,
}

/// What was read, before the model is built (`snapshot` writes it out).
pub struct Loaded {
    pub result: LoadResult,
    /// Kinds a live read could not list (INP003).
    pub unreadable_kinds: Vec<String>,
    /// Why they could not be listed.
    pub unreadable_reasons: BTreeMap<String, ReadFailure>,
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
                    unreadable_reasons: loaded.unreadable_reasons,
                    read_namespaces: loaded.read_namespaces,
                },
            },
        );
        Ok(Input {
            cluster: ManuallyDrop::new(cluster),
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
            unreadable_reasons: BTreeMap::new(),
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
        let defaults = ReadOptions::default();
        let read = ReadOptions {
            progress: std::io::stderr().is_terminal(),
            max_response_bytes: self
                .max_response_size
                .unwrap_or(defaults.max_response_bytes),
            max_read_bytes: self.max_read_size.unwrap_or(defaults.max_read_bytes),
            max_pages: self.max_pages.map_or(defaults.max_pages, |n| n as usize),
            ..defaults
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
            unreadable_reasons: read
                .problems
                .iter()
                .map(|p| {
                    let failure = ReadFailure {
                        forbidden: p.forbidden,
                        reason: p.reason.clone(),
                    };
                    (p.what.clone(), failure)
                })
                .collect(),
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
    use super::parse_timeout;
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
}

//! The input options every analysis command shares, and reading the cluster from them.

use crate::files::{self, FilesError};
use crate::CliError;
use clap::Args;
use netdoctor_core::load::{self, LoadResult};
use netdoctor_core::model::{BuildOptions, Cluster, InputFacts, ReadFailure};
use std::collections::BTreeMap;
use std::mem::ManuallyDrop;
use std::path::PathBuf;

/// The options kubectl users type anywhere on the line: `netdoctor -n prod doctor` and
/// `netdoctor doctor -n prod` are the same (`global = true`). Every command that reads a
/// cluster gets them in its `InputArgs` (`InputArgs::with_cluster`).
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    /// Read objects from a file or directory (recursively: *.yaml, *.yml, *.json);
    /// repeatable; `-` reads stdin. Without -f, a live cluster is read.
    #[arg(short = 'f', long = "file", value_name = "PATH", global = true)]
    pub files: Vec<PathBuf>,

    /// Path of the kubeconfig file (live mode).
    #[arg(long = "kubeconfig", value_name = "PATH", global = true)]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (live mode).
    #[arg(long = "context", value_name = "NAME", global = true)]
    pub context: Option<String>,

    /// Scope: only this namespace, also the namespace of KIND/NAME arguments (default: all
    /// namespaces for files, the kubeconfig's namespace for a live cluster).
    #[arg(short = 'n', long = "namespace", value_name = "NS", global = true)]
    pub namespace: Option<String>,

    /// Scope: every namespace.
    #[arg(
        short = 'A',
        long = "all-namespaces",
        conflicts_with = "namespace",
        global = true
    )]
    pub all_namespaces: bool,
}

/// The input options of a command that reads a cluster. The common ones (`-f`, `-n`, `-A`,
/// `--context`, `--kubeconfig`) are global (`ClusterArgs`) and copied in before it runs.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    #[arg(skip)]
    pub files: Vec<PathBuf>,

    #[arg(skip)]
    pub kubeconfig: Option<PathBuf>,

    #[arg(skip)]
    pub context: Option<String>,

    #[arg(skip)]
    pub namespace: Option<String>,

    #[arg(skip)]
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

    /// Longest time the whole live read may take (1m30s, 10m): kinds whose list has not
    /// ended by then are unreadable (INP003), the rest is analysed. Default 10m.
    #[arg(long = "max-read-time", value_name = "DURATION", value_parser = netdoctor_core::text::parse_duration)]
    pub max_read_time: Option<std::time::Duration>,
}

/// What was read, with the namespaces in scope.
pub struct Input {
    /// Never dropped: each command reads one cluster and the process ends after it, so
    /// freeing millions of small objects one by one would only delay the exit (a fifth of
    /// `policy check` at 100k pods, issue 18). The operating system takes the memory back.
    pub cluster: ManuallyDrop<Cluster>,
    /// Empty: every namespace.
    pub scope: Vec<String>,
    /// What was read (`Loaded::inputs`).
    pub inputs: Vec<String>,
    /// The namespace of `KIND/NAME` arguments: `-n`, else the kubeconfig context's for a
    /// live read, else `default` (as kubectl).
    pub default_namespace: String,
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
    /// What was read: each file as named (or found under a -f directory), `<stdin>`, or
    /// `cluster SERVER (context NAME)`.
    pub inputs: Vec<String>,
    /// See `Input::default_namespace`.
    pub default_namespace: String,
}

impl InputArgs {
    /// These options with the global ones of the command line.
    pub fn with_cluster(&mut self, cluster: &ClusterArgs) {
        self.files = cluster.files.clone();
        self.kubeconfig = cluster.kubeconfig.clone();
        self.context = cluster.context.clone();
        self.namespace = cluster.namespace.clone();
        self.all_namespaces = cluster.all_namespaces;
    }

    // Used by the analysis commands other than `doctor` (trace, policy, dns, ingress).
    #[allow(dead_code)]
    pub fn read(&self, verbose: bool) -> Result<Input, CliError> {
        self.read_for(verbose, &[])
    }

    /// Like `read`; `namespaces` are the namespaces of objects named on the command line,
    /// which a live read without -n/-A reads (and scopes to) instead of the context's.
    pub fn read_for(&self, verbose: bool, namespaces: &[String]) -> Result<Input, CliError> {
        self.read_in(verbose, namespaces, &load::NamespaceScope::all())
    }

    /// Like `read_for`, for a question only `namespaces` (and cluster-scoped objects) can
    /// answer: files keep only those namespaces' objects, skipping the others unread (a live
    /// read without -n/-A already lists only these namespaces).
    pub fn read_only(&self, verbose: bool, namespaces: &[String]) -> Result<Input, CliError> {
        let scope = load::NamespaceScope::only(namespaces.iter().cloned());
        self.read_in(verbose, namespaces, &scope)
    }

    fn read_in(
        &self,
        verbose: bool,
        namespaces: &[String],
        scope: &load::NamespaceScope,
    ) -> Result<Input, CliError> {
        let loaded = self.load_in(verbose, namespaces, scope)?;
        let default_namespace = loaded.default_namespace.clone();
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
        // What the model assumed beyond the input (derived StatefulSet pods capped,
        // placeholder ClusterIPs), once per run; stdout stays the command's answer.
        for note in cluster.assumptions() {
            eprintln!(
                "note: {}",
                netdoctor_core::text::escape::terminal_safe(note)
            );
        }
        Ok(Input {
            cluster: ManuallyDrop::new(cluster),
            scope: loaded.scope,
            inputs: loaded.inputs,
            default_namespace,
        })
    }

    pub fn load(&self, verbose: bool) -> Result<Loaded, CliError> {
        self.load_for(verbose, &[])
    }

    pub fn load_for(&self, verbose: bool, namespaces: &[String]) -> Result<Loaded, CliError> {
        self.load_in(verbose, namespaces, &load::NamespaceScope::all())
    }

    fn load_in(
        &self,
        verbose: bool,
        namespaces: &[String],
        scope: &load::NamespaceScope,
    ) -> Result<Loaded, CliError> {
        if self.files.is_empty() {
            return self.load_live(verbose, namespaces);
        }
        let limits = files::Limits {
            max_file_bytes: self.max_file_size,
            max_total_bytes: self.max_input_size,
            ..files::Limits::default()
        };
        let (loaded, inputs) =
            load_files(&self.files, &limits, scope).map_err(|e| CliError::usage(e.to_string()))?;
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
        if let Some(ns) = &self.namespace {
            check_namespace_in_files(&loaded, ns)?;
        }
        Ok(Loaded {
            result: loaded,
            unreadable_kinds: Vec::new(),
            unreadable_reasons: BTreeMap::new(),
            live: false,
            read_namespaces: None,
            scope,
            inputs,
            default_namespace: self.namespace.clone().unwrap_or_else(|| "default".into()),
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
            max_read_time: self.max_read_time.unwrap_or(defaults.max_read_time),
            ..defaults
        };
        let mut scope: Vec<String> = Vec::new();
        let mut from_context = false;
        let chosen = |conn: &live::Connection| {
            if self.all_namespaces {
                return ReadScope::All;
            }
            scope = match &self.namespace {
                Some(ns) => vec![ns.clone()],
                None if !namespaces.is_empty() => namespaces.to_vec(),
                None => {
                    from_context = true;
                    vec![conn.default_namespace.clone()]
                }
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
        if from_context {
            // The scope was not asked for: say where it comes from, as the results only
            // cover that namespace.
            eprintln!(
                "netdoctor: reading namespace {:?} only (the namespace of kubeconfig context {}); -n NS reads another, -A every namespace",
                conn.default_namespace,
                conn.context.as_deref().unwrap_or("in-cluster")
            );
        }
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
        if let Some(ns) = &self.namespace {
            if !self.all_namespaces && namespaces_in(&read.loaded).iter().all(|n| n != ns) {
                return Err(CliError::usage(format!(
                    "-n {ns}: namespace {ns:?} does not exist in the cluster of context {}, or it cannot be read with these credentials (no Namespace object and no object in it could be listed); `kubectl get namespace {ns}` tells which",
                    conn.context.as_deref().unwrap_or("in-cluster")
                )));
            }
        }
        let inputs = vec![format!(
            "cluster {} (context {})",
            conn.server,
            conn.context.as_deref().unwrap_or("in-cluster")
        )];
        Ok(Loaded {
            inputs,
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
            default_namespace: self
                .namespace
                .clone()
                .unwrap_or_else(|| conn.default_namespace.clone()),
        })
    }
}

/// Loads `-f` arguments in order: files, directories and `-` for stdin.
/// What cannot be read is reported (INP001) and the rest is read.
fn load_files(
    paths: &[PathBuf],
    limits: &files::Limits,
    scope: &load::NamespaceScope,
) -> Result<(LoadResult, Vec<String>), FilesError> {
    let mut result = LoadResult::default();
    let mut names = Vec::new();
    files::read_each_within(paths, limits, |name, input| match input {
        Ok(bytes) => {
            names.push(name.to_string());
            result.merge(load::load_bytes_in(name, bytes, scope))
        }
        Err(reason) => result.merge(load::skipped_input(name, reason)),
    })?;
    Ok((result, names))
}

/// The namespaces the input names: Namespace objects, and the namespace of every namespaced
/// object (`default` when it gives none).
fn namespaces_in(loaded: &LoadResult) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for o in &loaded.objects {
        let Some(meta) = o.object.metadata() else {
            continue;
        };
        if o.object.kind() == "Namespace" {
            out.extend(meta.name.clone());
        } else if let Some(ns) = meta.namespace.as_ref().filter(|n| !n.is_empty()) {
            out.insert(ns.clone());
        } else if !matches!(
            o.object.kind(),
            "Node" | "IngressClass" | "GatewayClass" | "ClusterNetworkPolicy"
        ) {
            out.insert("default".to_string());
        }
    }
    out
}

/// `-n NS` must name a namespace of the input: otherwise every command would answer as if
/// it were empty. The error names the closest namespace.
fn check_namespace_in_files(loaded: &LoadResult, ns: &str) -> Result<(), CliError> {
    let known = namespaces_in(loaded);
    if known.contains(ns) {
        return Ok(());
    }
    let closest = known
        .iter()
        .map(|k| (netdoctor_core::text::edit_distance(ns, k), k))
        .min();
    let hint = match closest {
        Some((d, k)) if d <= ns.chars().count().max(4) / 2 + 1 => {
            format!("; did you mean {k:?}?")
        }
        _ => String::new(),
    };
    let list: Vec<&str> = known.iter().map(String::as_str).take(20).collect();
    Err(CliError::usage(format!(
        "-n {ns}: the input has no namespace {ns:?}{hint} (namespaces in the input: {})",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    )))
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

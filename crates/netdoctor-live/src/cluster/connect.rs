//! Connecting: which cluster and which credentials (`--kubeconfig`, `--context`,
//! `$KUBECONFIG` with several files merged, `~/.kube/config`, or the in-cluster service
//! account), then one cheap request (`/version`) so that an unreachable server is reported
//! once, with its address and the reason, before anything is listed.

use super::request::{fetch, FetchError, RequestPolicy};
use super::LiveError;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where to find the cluster and its credentials.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--kubeconfig`: this file only (`$KUBECONFIG` and `~/.kube/config` are then ignored).
    pub kubeconfig: Option<PathBuf>,
    /// `--context`: a context of the kubeconfig other than its current-context.
    pub context: Option<String>,
    /// Timeout of each request (and of connecting).
    pub request_timeout: Option<Duration>,
}

/// Default timeout of one request: a page of 500 objects takes well under a second on a
/// healthy API server; a server that does not answer in this time is treated as failing.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for one cluster, with what messages need to name it.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    /// The API server's URL, as configured.
    pub server: String,
    /// The context used (`None` in-cluster).
    pub context: Option<String>,
    /// The context's namespace (`default` when it names none), or the service account's.
    pub default_namespace: String,
    pub policy: RequestPolicy,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.server)
            .field("context", &self.context)
            .field("default_namespace", &self.default_namespace)
            .finish()
    }
}

fn default_kubeconfig_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(Path::new(&home).join(".kube").join("config"))
}

fn config_error(what: impl std::fmt::Display) -> LiveError {
    LiveError::Config(what.to_string())
}

/// The kubeconfig to use and a name for it in messages, or `None` when there is none
/// (then the in-cluster service account is tried).
fn find_kubeconfig(options: &ConnectOptions) -> Result<Option<(Kubeconfig, String)>, LiveError> {
    if let Some(path) = &options.kubeconfig {
        if !path.exists() {
            return Err(LiveError::KubeconfigNotFound(path.display().to_string()));
        }
        let config = Kubeconfig::read_from(path).map_err(|e| {
            config_error(format_args!("kubeconfig {}: {}", path.display(), chain(&e)))
        })?;
        return Ok(Some((config, path.display().to_string())));
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        // As kubectl: the files are merged in order (the first to set a value wins), and
        // files of the list that do not exist are ignored.
        let mut merged: Option<Kubeconfig> = None;
        for path in std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()) {
            if !path.exists() {
                continue;
            }
            let config = Kubeconfig::read_from(&path).map_err(|e| {
                config_error(format_args!("kubeconfig {}: {}", path.display(), chain(&e)))
            })?;
            merged = Some(match merged {
                None => config,
                Some(m) => m.merge(config).map_err(|e| {
                    config_error(format_args!(
                        "$KUBECONFIG {}: {}",
                        path.display(),
                        chain(&e)
                    ))
                })?,
            });
        }
        return Ok(merged.map(|m| (m, "$KUBECONFIG".to_string())));
    }
    match default_kubeconfig_path() {
        Some(path) if path.exists() => {
            let config = Kubeconfig::read_from(&path).map_err(|e| {
                config_error(format_args!("kubeconfig {}: {}", path.display(), chain(&e)))
            })?;
            Ok(Some((config, path.display().to_string())))
        }
        _ => Ok(None),
    }
}

/// Where a kubeconfig was looked for, for the message that says none was found.
fn where_looked() -> String {
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(v) => format!("no file of $KUBECONFIG={} exists", v.to_string_lossy()),
        None => format!(
            "$KUBECONFIG is unset and {} does not exist",
            default_kubeconfig_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.kube/config".into())
        ),
    }
}

fn context_names(k: &Kubeconfig) -> String {
    if k.contexts.is_empty() {
        return "it has no contexts".to_string();
    }
    let names: Vec<&str> = k.contexts.iter().map(|c| c.name.as_str()).collect();
    format!("contexts: {}", names.join(", "))
}

/// Builds the client and checks that the server answers.
pub async fn connect(options: &ConnectOptions) -> Result<Connection, LiveError> {
    let timeout = options.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    let (mut config, context) = match find_kubeconfig(options)? {
        Some((kubeconfig, source)) => {
            let context = options
                .context
                .clone()
                .or_else(|| kubeconfig.current_context.clone());
            let Some(name) = context.clone().filter(|c| !c.is_empty()) else {
                return Err(config_error(format_args!(
                    "{source} sets no current-context; choose one with --context ({})",
                    context_names(&kubeconfig)
                )));
            };
            if !kubeconfig.contexts.iter().any(|c| c.name == name) {
                return Err(config_error(format_args!(
                    "context {name:?} is not in {source} ({})",
                    context_names(&kubeconfig)
                )));
            }
            let kube_options = KubeConfigOptions {
                context: options.context.clone(),
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(kubeconfig, &kube_options)
                .await
                .map_err(|e| config_error(format_args!("{source}: {}", chain(&e))))?;
            (config, context)
        }
        None if options.context.is_some() => {
            return Err(config_error(format_args!(
                "no kubeconfig found ({}), so context {:?} cannot be used",
                where_looked(),
                options.context.as_deref().unwrap_or_default()
            )))
        }
        None => {
            let config = Config::incluster().map_err(|e| {
                config_error(format_args!(
                    "no kubeconfig found ({}) and not running in a pod with a service account ({}); give --kubeconfig, or read files with -f",
                    where_looked(),
                    chain(&e)
                ))
            })?;
            (config, None)
        }
    };
    // netdoctor times and retries each request itself (one retry on a transient error).
    config.default_retry = false;
    config.connect_timeout = Some(timeout);
    config.read_timeout = None;
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let default_namespace = config.default_namespace.clone();
    let client = Client::try_from(config).map_err(|e| {
        config_error(format_args!(
            "cannot set up a client for {server}: {}",
            chain(&e)
        ))
    })?;
    let connection = Connection {
        client,
        server,
        context,
        default_namespace,
        policy: RequestPolicy::new(timeout),
    };
    check_reachable(&connection).await?;
    Ok(connection)
}

/// `GET /version`: readable by every client (even unauthenticated), so the only failures
/// that matter here are the transport (unreachable, TLS) and rejected credentials.
async fn check_reachable(conn: &Connection) -> Result<(), LiveError> {
    let request = || {
        http::Request::get("/version")
            .body(Vec::new())
            .map_err(|e| FetchError::Transport(e.to_string()))
    };
    // A version document is a few hundred bytes.
    let policy = RequestPolicy {
        max_body: 1024 * 1024,
        ..conn.policy
    };
    match fetch(&conn.client, &policy, request).await {
        Ok(_) => Ok(()),
        Err(FetchError::Status { code: 401, message }) => Err(LiveError::Unauthorized {
            server: conn.server.clone(),
            reason: message,
        }),
        Err(e @ (FetchError::Transport(_) | FetchError::Timeout(_))) => {
            Err(LiveError::Unreachable {
                server: conn.server.clone(),
                reason: e.to_string(),
            })
        }
        // Some servers restrict /version; the lists decide.
        Err(FetchError::Status { .. } | FetchError::BodyTooLarge { .. }) => Ok(()),
    }
}

/// An error and its sources on one line, without repeating what an outer message already
/// says (hyper and kube wrap the same cause several times).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        let text = text
            .strip_prefix("ServiceError: ")
            .or_else(|| text.strip_prefix("HyperError: "))
            .unwrap_or(&text)
            .to_string();
        // hyper-util's wrapper says only that connecting failed; its source says how.
        let generic = text == "client error (Connect)" && err.source().is_some();
        if !generic && !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

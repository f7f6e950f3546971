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
    match Kubeconfig::from_env() {
        Ok(Some(config)) => return Ok(Some((config, "$KUBECONFIG".to_string()))),
        Ok(None) => {}
        Err(e) => return Err(config_error(format_args!("$KUBECONFIG: {}", chain(&e)))),
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

/// Builds the client and checks that the server answers.
pub async fn connect(options: &ConnectOptions) -> Result<Connection, LiveError> {
    let timeout = options.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    let (mut config, context) = match find_kubeconfig(options)? {
        Some((kubeconfig, source)) => {
            let context = options
                .context
                .clone()
                .or_else(|| kubeconfig.current_context.clone());
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
                "no kubeconfig found ($KUBECONFIG is unset and {} does not exist), so context {:?} cannot be used",
                default_kubeconfig_path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "~/.kube/config".into()),
                options.context.as_deref().unwrap_or_default()
            )))
        }
        None => {
            let config = Config::incluster().map_err(|e| {
                config_error(format_args!(
                    "no kubeconfig found ($KUBECONFIG is unset, {} does not exist) and not running in a pod with a service account ({}); give --kubeconfig, or read files with -f",
                    default_kubeconfig_path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "~/.kube/config".into()),
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
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
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
    match fetch(&conn.client, &conn.policy, request).await {
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
        Err(FetchError::Status { .. }) => Ok(()),
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
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    // Keep the most specific causes: the outer ones are often just "client error (Connect)".
    parts.join(": ")
}

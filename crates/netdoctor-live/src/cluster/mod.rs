//! Reading a live cluster through the Kubernetes API into the same objects the file loader
//! produces.
//!
//! ```text
//! connect(kubeconfig/context/in-cluster) ──> GET /version (reachable? credentials?)
//!   ──> list every kind of kinds::KINDS, in parallel, page by page (limit/continue),
//!       one timeout per request, one retry on a transient error
//!   ──> each page's JSON through netdoctor_core::load::load_text  ──> LiveRead
//! ```
//! Secrets are listed through the metadata-only API (the server never sends their data);
//! ConfigMaps are read whole only in kube-system (cluster DNS), as metadata elsewhere. A kind
//! the credentials may not list (403) is recorded for INP003 and the read goes on; a kind
//! the server does not serve (404) is skipped silently.

pub mod connect;
pub mod kinds;
pub mod read;
pub mod request;

#[cfg(any(test, feature = "fake-apiserver"))]
pub mod fake;

pub use connect::{connect, ConnectOptions, Connection, DEFAULT_REQUEST_TIMEOUT};
pub use kinds::{KindSpec, ReadMode, KINDS};
pub use read::{
    read, LiveRead, ReadOptions, ReadProblem, ReadScope, DEFAULT_MAX_PAGES, DEFAULT_MAX_READ_BYTES,
};
pub use request::DEFAULT_MAX_RESPONSE_BYTES;

/// Why a live read could not happen at all. Partial failures (one kind forbidden or timing
/// out) are not errors: they are `LiveRead::problems`.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// `--kubeconfig` names a file that does not exist.
    #[error("kubeconfig {0}: no such file")]
    KubeconfigNotFound(String),
    /// No usable configuration (no kubeconfig, unknown context, bad CA data, …).
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the cluster at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("the cluster at {server} rejected the credentials (401 Unauthorized): {reason}")]
    Unauthorized { server: String, reason: String },
    #[error("every read from the cluster at {server} was forbidden ({example}); grant the read-only ClusterRole of deploy/cli-rbac (kubectl apply -k deploy/cli-rbac)")]
    AllForbidden { server: String, example: String },
    #[error("nothing could be read from the cluster at {server}: {reason}")]
    NothingRead { server: String, reason: String },
}

impl LiveError {
    /// The user named a file that is not there (a usage error, not an unreachable cluster).
    pub fn is_usage(&self) -> bool {
        matches!(self, LiveError::KubeconfigNotFound(_))
    }
}

/// Connects and reads in one call. `scope_for` chooses the scope once the context's
/// default namespace is known (`-n` given, `-A`, or the context's namespace).
pub async fn connect_and_read(
    connect_options: &ConnectOptions,
    read_options: ReadOptions,
    scope_for: impl FnOnce(&Connection) -> ReadScope,
) -> Result<(Connection, LiveRead), LiveError> {
    let conn = connect(connect_options).await?;
    let options = ReadOptions {
        scope: scope_for(&conn),
        ..read_options
    };
    let live = read(&conn, &options).await?;
    Ok((conn, live))
}

#[cfg(test)]
mod tests;

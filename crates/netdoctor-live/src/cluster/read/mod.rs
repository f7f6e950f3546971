//! Listing every kind netdoctor models, in parallel (bounded), page by page, into the file
//! loader: each page of JSON goes through `netdoctor_core::load::load_text`, exactly as a
//! file would, so files and a live cluster reach the same model.

mod list;
mod page;
mod plan;
mod progress;

#[doc(hidden)]
pub use page::fuzz_list_page;
pub use page::MAX_CONTINUE_TOKEN;

use super::connect::Connection;
use super::kinds::{helper_pod_selectors, KindSpec};
use super::request::RequestPolicy;
use super::LiveError;
use crate::cluster::request::{sanitize, DEFAULT_MAX_RESPONSE_BYTES, MESSAGE_LIMIT};
use list::{run_job, Limits};
use netdoctor_core::load::LoadResult;
use plan::{plan, Job};
use progress::Progress;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The media type that asks the API server for metadata only (`PartialObjectMetadataList`).
pub const METADATA_LIST_ACCEPT: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// Which namespaces are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    /// Every namespace (`-A`).
    All,
    /// These namespaces, plus cluster DNS (`kube-system`) and the namespaces of the ingress
    /// controllers and DNS pods found by their well-known labels. Cluster-scoped kinds
    /// (Namespace, Node, IngressClass, GatewayClass) are always read whole.
    Namespaces(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub scope: ReadScope,
    /// Objects per page (`limit`).
    pub page_size: u32,
    /// Lists in flight at once.
    pub concurrency: usize,
    /// A progress line on stderr (the caller decides: only when stderr is a terminal).
    pub progress: bool,
    /// Largest response body (`--max-response-size`).
    pub max_response_bytes: u64,
    /// Pages of one list (`--max-pages`): a list still going after them is unreadable.
    pub max_pages: usize,
    /// Response bytes of the whole read, every list together (`--max-read-size`): bounds
    /// the memory the objects read can take.
    pub max_read_bytes: u64,
    /// Wall-clock time of the whole read (`--max-read-time`): lists not finished by then
    /// are unreadable (INP003), what was read is kept. Per request, `--request-timeout`
    /// bounds each exchange; this bounds a server that answers every page just in time.
    pub max_read_time: Duration,
}

/// Default `max_read_time`: far above what a 100k-pod cluster takes, small enough that a
/// CI job or a terminal gets an answer.
pub const DEFAULT_MAX_READ_TIME: Duration = Duration::from_secs(600);

/// Default `max_pages`: 10,000 pages of 500 objects, five million objects of one kind.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// Default `max_read_bytes`.
pub const DEFAULT_MAX_READ_BYTES: u64 = 4 * 1024 * 1024 * 1024;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            scope: ReadScope::All,
            page_size: 500,
            concurrency: 4,
            progress: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
            max_read_bytes: DEFAULT_MAX_READ_BYTES,
            max_read_time: DEFAULT_MAX_READ_TIME,
        }
    }
}

/// A kind (or a kind in one namespace) that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// `Pod`, or `Pod -n kube-system` for a namespace read only as a helper.
    pub what: String,
    pub reason: String,
    /// 403: the credentials may not list it (as opposed to a timeout or a server error).
    pub forbidden: bool,
}

/// What a live read produced.
#[derive(Debug, Default)]
pub struct LiveRead {
    /// The objects, through the same loader as files, in the order of `KINDS`.
    pub loaded: LoadResult,
    /// For `Cluster::unreadable_kinds` (INP003): kinds whose list was forbidden or failed.
    /// `Kind` when the kind could not be read in the scope, `Kind -n NS` when only a helper
    /// namespace (kube-system, an ingress controller's) could not be read.
    pub unreadable_kinds: Vec<String>,
    /// Every failed list with its reason (for stderr).
    pub problems: Vec<ReadProblem>,
    /// Kinds the server does not serve (404: no Gateway API CRDs, …). Not a problem.
    pub not_served: Vec<String>,
    /// The namespaces read, `None` for all.
    pub namespaces: Option<Vec<String>>,
    /// HTTP requests sent (pages, retries included).
    pub requests: usize,
}

/// What one list gave.
enum Outcome {
    Read(LoadResult),
    /// Helper lookups return namespaces instead of objects.
    Namespaces(BTreeSet<String>),
    NotServed,
    Forbidden(String),
    Unauthorized(String),
    Failed(String),
}

/// Reads the cluster: every kind of `KINDS` in the scope.
pub async fn read(conn: &Connection, options: &ReadOptions) -> Result<LiveRead, LiveError> {
    let progress = Arc::new(Progress {
        enabled: options.progress,
        lists_total: AtomicUsize::new(0),
        lists_done: AtomicUsize::new(0),
        objects: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
        bytes: AtomicU64::new(0),
        finished: AtomicBool::new(false),
    });
    let ticker = progress.spawn_ticker();
    let deadline = tokio::time::Instant::now() + options.max_read_time;
    let conn = Connection {
        policy: RequestPolicy {
            max_body: options.max_response_bytes.max(1),
            ..conn.policy
        },
        ..conn.clone()
    };
    let result = read_inner(&conn, options, &progress, deadline).await;
    progress.finished.store(true, Ordering::Relaxed);
    if let Some(t) = ticker {
        let _ = t.await;
    }
    result
}

async fn read_inner(
    conn: &Connection,
    options: &ReadOptions,
    progress: &Arc<Progress>,
    deadline: tokio::time::Instant,
) -> Result<LiveRead, LiveError> {
    let semaphore = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut problems = Vec::new();

    // A namespace-scoped read adds the namespaces of cluster DNS and ingress controller pods.
    let mut helpers: BTreeSet<String> = BTreeSet::new();
    if let ReadScope::Namespaces(_) = options.scope {
        let pods = KindSpec::by_kind("Pod").ok_or_else(|| LiveError::Config("no Pod".into()))?;
        let lookups: Vec<Job> = helper_pod_selectors()
            .into_iter()
            .map(|sel| Job {
                spec: pods,
                namespace: None,
                metadata_only: true,
                skip_namespace: None,
                primary: false,
                label_selector: Some(sel),
            })
            .collect();
        for (job, outcome) in run_jobs(conn, options, progress, &semaphore, lookups, deadline).await
        {
            match outcome {
                Outcome::Namespaces(found) => helpers.extend(found),
                Outcome::Unauthorized(reason) => {
                    return Err(LiveError::Unauthorized {
                        server: conn.server.clone(),
                        reason,
                    })
                }
                // Without cluster-wide pod access the helper namespaces stay unknown; the
                // reads below still cover kube-system.
                Outcome::Forbidden(_) | Outcome::Failed(_) | Outcome::NotServed => {
                    let _ = job;
                }
                Outcome::Read(_) => {}
            }
        }
    }
    let helpers: Vec<String> = helpers.into_iter().collect();
    let jobs = plan(&options.scope, &helpers);
    let outcomes = run_jobs(conn, options, progress, &semaphore, jobs, deadline).await;

    let mut live = LiveRead {
        namespaces: match &options.scope {
            ReadScope::All => None,
            ReadScope::Namespaces(_) => {
                let mut ns: Vec<String> = Vec::new();
                for j in &outcomes {
                    if let Some(n) = &j.0.namespace {
                        if !ns.contains(n) {
                            ns.push(n.clone());
                        }
                    }
                }
                Some(ns)
            }
        },
        ..LiveRead::default()
    };
    let mut read_ok = 0usize;
    let mut forbidden = 0usize;
    for (job, outcome) in outcomes {
        match outcome {
            Outcome::Read(loaded) => {
                read_ok += 1;
                live.loaded.merge(loaded);
            }
            Outcome::Namespaces(_) => read_ok += 1,
            Outcome::NotServed => {
                if !live.not_served.contains(&job.spec.display_name()) {
                    live.not_served.push(job.spec.display_name());
                }
            }
            Outcome::Unauthorized(reason) => {
                return Err(LiveError::Unauthorized {
                    server: conn.server.clone(),
                    reason,
                })
            }
            Outcome::Forbidden(reason) => {
                forbidden += 1;
                problems.push(ReadProblem {
                    what: job.what(),
                    reason: sanitize(&reason, 2 * MESSAGE_LIMIT),
                    forbidden: true,
                });
            }
            Outcome::Failed(reason) => problems.push(ReadProblem {
                what: job.what(),
                reason: sanitize(&reason, 2 * MESSAGE_LIMIT),
                forbidden: false,
            }),
        }
    }
    live.requests = progress.requests.load(Ordering::Relaxed);
    if read_ok == 0 {
        let first = problems
            .first()
            .map(|p| format!("{}: {}", p.what, p.reason))
            .unwrap_or_else(|| "the server serves none of the kinds netdoctor reads".into());
        return Err(if forbidden > 0 && forbidden == problems.len() {
            LiveError::AllForbidden {
                server: conn.server.clone(),
                example: first,
            }
        } else {
            LiveError::NothingRead {
                server: conn.server.clone(),
                reason: first,
            }
        });
    }
    // A kind unreadable in the scope makes its helper-namespace failures redundant.
    let whole: BTreeSet<&str> = problems
        .iter()
        .filter(|p| !p.what.contains(" -n "))
        .map(|p| p.what.as_str())
        .collect();
    let problems: Vec<ReadProblem> = problems
        .iter()
        .filter(|p| match p.what.split_once(" -n ") {
            Some((kind, _)) => !whole.contains(kind),
            None => true,
        })
        .cloned()
        .collect();
    for p in &problems {
        if !live.unreadable_kinds.contains(&p.what) {
            live.unreadable_kinds.push(p.what.clone());
        }
    }
    live.problems = problems;
    // The loader's file count means nothing for a live read.
    live.loaded.files_read = 0;
    Ok(live)
}

/// Runs the jobs with bounded concurrency; outcomes come back in job order.
/// Why a list cut by the whole read's deadline is unreadable.
fn read_time_exceeded(max_read_time: Duration) -> String {
    format!(
        "the whole read took longer than {}s (--max-read-time) before this list ended; \
         what was read of other kinds is kept",
        max_read_time.as_secs_f64()
    )
}

async fn run_jobs(
    conn: &Connection,
    options: &ReadOptions,
    progress: &Arc<Progress>,
    semaphore: &Arc<Semaphore>,
    jobs: Vec<Job>,
    deadline: tokio::time::Instant,
) -> Vec<(Job, Outcome)> {
    progress
        .lists_total
        .fetch_add(jobs.len(), Ordering::Relaxed);
    let mut set = JoinSet::new();
    for (i, job) in jobs.iter().cloned().enumerate() {
        let conn = conn.clone();
        let semaphore = semaphore.clone();
        let progress = progress.clone();
        let limits = Limits {
            page_size: options.page_size.max(1),
            max_pages: options.max_pages.max(1),
            max_read_bytes: options.max_read_bytes,
        };
        let max_read_time = options.max_read_time;
        set.spawn(async move {
            let list = async {
                let _permit = semaphore.acquire_owned().await;
                run_job(&conn, &job, &limits, &progress).await
            };
            let outcome = tokio::time::timeout_at(deadline, list)
                .await
                .unwrap_or_else(|_| Outcome::Failed(read_time_exceeded(max_read_time)));
            progress.lists_done.fetch_add(1, Ordering::Relaxed);
            (i, outcome)
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..jobs.len()).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((i, outcome)) => outcomes[i] = Some(outcome),
            // A panicking job is a bug; report it as a failed list rather than crash.
            Err(e) => {
                if let Some(slot) = outcomes.iter_mut().find(|o| o.is_none()) {
                    *slot = Some(Outcome::Failed(format!("internal error: {e}")));
                }
            }
        }
    }
    jobs.into_iter()
        .zip(outcomes)
        .map(|(j, o)| (j, o.unwrap_or(Outcome::Failed("not run".into()))))
        .collect()
}

#[cfg(test)]
mod tests;

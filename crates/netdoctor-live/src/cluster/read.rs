//! Listing every kind netdoctor models, in parallel (bounded), page by page, into the file
//! loader: each page of JSON goes through `netdoctor_core::load::load_text`, exactly as a
//! file would, so files and a live cluster reach the same model.

use super::connect::Connection;
use super::kinds::{helper_pod_selectors, KindSpec, ReadMode, KINDS, KUBE_SYSTEM};
use super::request::{fetch, FetchError};
use super::LiveError;
use netdoctor_core::load::{self, api, LoadResult};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            scope: ReadScope::All,
            page_size: 500,
            concurrency: 4,
            progress: false,
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

/// One list to make: a kind, in one namespace or across all.
#[derive(Debug, Clone)]
struct Job {
    spec: &'static KindSpec,
    namespace: Option<String>,
    metadata_only: bool,
    /// Items of this namespace are dropped (they are read whole by another job).
    skip_namespace: Option<&'static str>,
    /// In the user's scope (a failure makes the whole kind unreadable) or a helper read.
    primary: bool,
    label_selector: Option<String>,
}

impl Job {
    fn what(&self) -> String {
        match (&self.namespace, self.primary) {
            (Some(ns), false) => format!("{} -n {ns}", self.spec.kind),
            _ => self.spec.kind.to_string(),
        }
    }
}

enum Outcome {
    Read(LoadResult),
    /// Helper lookups return namespaces instead of objects.
    Namespaces(BTreeSet<String>),
    NotServed,
    Forbidden(String),
    Unauthorized(String),
    Failed(String),
}

/// The lists a read makes, in merge order.
fn plan(scope: &ReadScope, helper_namespaces: &[String]) -> Vec<Job> {
    let mut jobs = Vec::new();
    let (user, namespaces): (Vec<String>, Option<Vec<String>>) = match scope {
        ReadScope::All => (Vec::new(), None),
        ReadScope::Namespaces(user) => {
            let mut all: Vec<String> = Vec::new();
            for ns in user
                .iter()
                .cloned()
                .chain(std::iter::once(KUBE_SYSTEM.to_string()))
                .chain(helper_namespaces.iter().cloned())
            {
                if !all.contains(&ns) {
                    all.push(ns);
                }
            }
            (user.clone(), Some(all))
        }
    };
    for spec in KINDS {
        let job = |namespace: Option<String>, metadata_only, skip_namespace, primary| Job {
            spec,
            namespace,
            metadata_only,
            skip_namespace,
            primary,
            label_selector: None,
        };
        if !spec.namespaced {
            jobs.push(job(None, spec.mode == ReadMode::Metadata, None, true));
            continue;
        }
        match &namespaces {
            None => match spec.mode {
                ReadMode::Full => jobs.push(job(None, false, None, true)),
                ReadMode::Metadata => jobs.push(job(None, true, None, true)),
                ReadMode::FullInKubeSystem => {
                    jobs.push(job(None, true, Some(KUBE_SYSTEM), true));
                    jobs.push(job(Some(KUBE_SYSTEM.to_string()), false, None, false));
                }
            },
            Some(list) => {
                for ns in list {
                    let metadata_only = match spec.mode {
                        ReadMode::Full => false,
                        ReadMode::Metadata => true,
                        ReadMode::FullInKubeSystem => ns != KUBE_SYSTEM,
                    };
                    jobs.push(job(
                        Some(ns.clone()),
                        metadata_only,
                        None,
                        user.contains(ns),
                    ));
                }
            }
        }
    }
    jobs
}

/// Counters shared by the jobs, and the progress line.
struct Progress {
    enabled: bool,
    lists_total: AtomicUsize,
    lists_done: AtomicUsize,
    objects: AtomicUsize,
    requests: AtomicUsize,
    finished: AtomicBool,
}

impl Progress {
    fn line(&self) -> String {
        format!(
            "reading cluster: {}/{} lists, {} objects",
            self.lists_done.load(Ordering::Relaxed),
            self.lists_total.load(Ordering::Relaxed),
            self.objects.load(Ordering::Relaxed)
        )
    }

    fn spawn_ticker(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        if !self.enabled {
            return None;
        }
        let me = self.clone();
        Some(tokio::spawn(async move {
            while !me.finished.load(Ordering::Relaxed) {
                {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{}", me.line());
                    let _ = err.flush();
                }
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }))
    }
}

/// Reads the cluster: every kind of `KINDS` in the scope.
pub async fn read(conn: &Connection, options: &ReadOptions) -> Result<LiveRead, LiveError> {
    let progress = Arc::new(Progress {
        enabled: options.progress,
        lists_total: AtomicUsize::new(0),
        lists_done: AtomicUsize::new(0),
        objects: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
        finished: AtomicBool::new(false),
    });
    let ticker = progress.spawn_ticker();
    let result = read_inner(conn, options, &progress).await;
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
        for (job, outcome) in run_jobs(conn, options, progress, &semaphore, lookups).await {
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
    let outcomes = run_jobs(conn, options, progress, &semaphore, jobs).await;

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
                if !live.not_served.contains(&job.spec.kind.to_string()) {
                    live.not_served.push(job.spec.kind.to_string());
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
                    reason,
                    forbidden: true,
                });
            }
            Outcome::Failed(reason) => problems.push(ReadProblem {
                what: job.what(),
                reason,
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
async fn run_jobs(
    conn: &Connection,
    options: &ReadOptions,
    progress: &Arc<Progress>,
    semaphore: &Arc<Semaphore>,
    jobs: Vec<Job>,
) -> Vec<(Job, Outcome)> {
    progress
        .lists_total
        .fetch_add(jobs.len(), Ordering::Relaxed);
    let mut set = JoinSet::new();
    for (i, job) in jobs.iter().cloned().enumerate() {
        let conn = conn.clone();
        let semaphore = semaphore.clone();
        let progress = progress.clone();
        let page_size = options.page_size.max(1);
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let outcome = run_job(&conn, &job, page_size, &progress).await;
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

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(rename = "continue", default)]
    continue_: Option<String>,
}

/// The list's metadata, skipping the items (for the `continue` token of a page the loader
/// has read).
#[derive(Deserialize)]
struct ListHead {
    #[serde(default)]
    metadata: Option<ListMeta>,
}

/// A metadata-only page. Items keep their `metadata` only, read with the loader's own
/// type, which drops `kubectl.kubernetes.io/last-applied-configuration` (a Secret applied
/// with kubectl carries its whole data there). Anything else a server sends (a server that
/// ignores the metadata media type sends whole objects) is skipped unread.
#[derive(Deserialize)]
struct MetadataPage {
    #[serde(default)]
    metadata: Option<ListMeta>,
    #[serde(default)]
    items: Option<Vec<MetadataItem>>,
}

#[derive(Deserialize)]
struct MetadataItem {
    #[serde(default)]
    metadata: api::ObjectMeta,
}

/// Why a paginated list stopped.
enum ListError {
    /// 404 on the first page: the server does not serve this version of the kind.
    NotFound,
    /// 410 on a later page: the continue token expired.
    Gone,
    Forbidden(String),
    Unauthorized(String),
    Failed(String),
}

/// The field selector that picks TLS Secrets: Secret `type` is not metadata, but it is a
/// field the API server can select on, so the type rules need is known without the data.
const TLS_SECRETS: &str = "type=kubernetes.io/tls";

/// Lists every page of `path`; `on_page` reads a page's text and returns the next
/// `continue` token.
#[allow(clippy::too_many_arguments)]
async fn list_pages(
    conn: &Connection,
    path: &str,
    metadata_only: bool,
    label_selector: Option<&str>,
    field_selector: Option<&str>,
    page_size: u32,
    progress: &Progress,
    mut on_page: impl FnMut(&str, usize) -> Result<Option<String>, String>,
) -> Result<(), ListError> {
    let mut token: Option<String> = None;
    let mut page = 0usize;
    loop {
        page += 1;
        let mut url = format!("{path}?limit={page_size}");
        for (name, value) in [
            ("continue", token.as_deref()),
            ("labelSelector", label_selector),
            ("fieldSelector", field_selector),
        ] {
            if let Some(v) = value {
                url.push_str(&format!("&{name}={}", encode_query(v)));
            }
        }
        let accept = if metadata_only {
            METADATA_LIST_ACCEPT
        } else {
            "application/json"
        };
        let make = || {
            progress.requests.fetch_add(1, Ordering::Relaxed);
            http::Request::get(url.as_str())
                .header(http::header::ACCEPT, accept)
                .body(Vec::new())
                .map_err(|e| FetchError::Transport(e.to_string()))
        };
        let body = match fetch(&conn.client, &conn.policy, make).await {
            Ok(b) => b,
            Err(FetchError::Status { code: 404, .. }) if page == 1 => {
                return Err(ListError::NotFound)
            }
            Err(FetchError::Status { code: 410, .. }) if page > 1 => return Err(ListError::Gone),
            Err(FetchError::Status { code: 403, message }) => {
                return Err(ListError::Forbidden(message))
            }
            Err(FetchError::Status { code: 401, message }) => {
                return Err(ListError::Unauthorized(message))
            }
            Err(e) => {
                let retried = if e.is_transient() && conn.policy.retries > 0 {
                    format!(" (tried {} times)", conn.policy.retries + 1)
                } else {
                    String::new()
                };
                return Err(ListError::Failed(format!("{e}{retried}")));
            }
        };
        let Ok(text) = std::str::from_utf8(&body) else {
            return Err(ListError::Failed("the response is not UTF-8".into()));
        };
        match on_page(text, page) {
            Ok(Some(next)) if !next.is_empty() => token = Some(next),
            Ok(_) => return Ok(()),
            Err(e) => return Err(ListError::Failed(format!("unreadable response: {e}"))),
        }
    }
}

/// Reads one list, all its pages, trying the kind's versions in order.
async fn run_job(conn: &Connection, job: &Job, page_size: u32, progress: &Progress) -> Outcome {
    let mut restarted = false;
    'versions: for version in job.spec.versions {
        let path = job.spec.list_path(version, job.namespace.as_deref());
        loop {
            // Which Secrets are TLS Secrets (metadata only, selected by type).
            let mut tls = BTreeSet::new();
            if job.spec.kind == "Secret" && job.metadata_only {
                let typed = list_pages(
                    conn,
                    &path,
                    true,
                    None,
                    Some(TLS_SECRETS),
                    page_size,
                    progress,
                    |text, _| {
                        let page: MetadataPage =
                            serde_json::from_str(text).map_err(|e| e.to_string())?;
                        for item in page.items.unwrap_or_default() {
                            let m = item.metadata;
                            if let (Some(ns), Some(name)) = (m.namespace, m.name) {
                                tls.insert((ns, name));
                            }
                        }
                        Ok(page.metadata.and_then(|m| m.continue_))
                    },
                )
                .await;
                match typed {
                    Ok(()) => {}
                    Err(ListError::NotFound) => continue 'versions,
                    Err(ListError::Forbidden(m)) => return Outcome::Forbidden(m),
                    Err(ListError::Unauthorized(m)) => return Outcome::Unauthorized(m),
                    // A server that cannot select on type: Secret types stay unknown.
                    Err(ListError::Gone | ListError::Failed(_)) => tls.clear(),
                }
            }
            let mut result = LoadResult::default();
            let mut namespaces = BTreeSet::new();
            let listed = list_pages(
                conn,
                &path,
                job.metadata_only,
                job.label_selector.as_deref(),
                None,
                page_size,
                progress,
                |text, page| {
                    if job.label_selector.is_some() {
                        // Helper lookup: only the namespaces of the pods found.
                        let p: MetadataPage =
                            serde_json::from_str(text).map_err(|e| e.to_string())?;
                        for item in p.items.unwrap_or_default() {
                            if let Some(ns) = item.metadata.namespace {
                                namespaces.insert(ns);
                            }
                        }
                        return Ok(p.metadata.and_then(|m| m.continue_));
                    }
                    let (loaded, next) = if job.metadata_only {
                        metadata_page(job, version, &path, page, text, &tls)
                            .map_err(|e| e.to_string())?
                    } else {
                        let mut loaded = load::load_text(&path, text);
                        for o in &mut loaded.objects {
                            o.origin.document = page;
                        }
                        for u in &mut loaded.unreadable {
                            u.document = page;
                        }
                        let next = serde_json::from_str::<ListHead>(text)
                            .ok()
                            .and_then(|h| h.metadata)
                            .and_then(|m| m.continue_);
                        (loaded, next)
                    };
                    progress
                        .objects
                        .fetch_add(loaded.objects.len(), Ordering::Relaxed);
                    result.merge(loaded);
                    Ok(next)
                },
            )
            .await;
            return match listed {
                Ok(()) if job.label_selector.is_some() => Outcome::Namespaces(namespaces),
                Ok(()) => Outcome::Read(result),
                Err(ListError::NotFound) => continue 'versions,
                // The continue token expired (the list took longer than the server keeps
                // its snapshot): start the list again, once.
                Err(ListError::Gone) if !restarted => {
                    restarted = true;
                    continue;
                }
                Err(ListError::Gone) => Outcome::Failed(
                    "the list changed faster than it could be read (410 Gone twice)".into(),
                ),
                Err(ListError::Forbidden(m)) => Outcome::Forbidden(m),
                Err(ListError::Unauthorized(m)) => Outcome::Unauthorized(m),
                Err(ListError::Failed(m)) => Outcome::Failed(m),
            };
        }
    }
    Outcome::NotServed
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn encode_query(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A metadata-only page → the loader, as a `<Kind>List` of objects with metadata only.
fn metadata_page(
    job: &Job,
    version: &str,
    path: &str,
    page: usize,
    text: &str,
    tls: &BTreeSet<(String, String)>,
) -> Result<(LoadResult, Option<String>), serde_json::Error> {
    let parsed: MetadataPage = serde_json::from_str(text)?;
    let items: Vec<serde_json::Value> = parsed
        .items
        .unwrap_or_default()
        .into_iter()
        .filter(|i| {
            job.skip_namespace.is_none() || i.metadata.namespace.as_deref() != job.skip_namespace
        })
        .map(|i| {
            let is_tls = match (&i.metadata.namespace, &i.metadata.name) {
                (Some(ns), Some(name)) => tls.contains(&(ns.clone(), name.clone())),
                _ => false,
            };
            let mut item = serde_json::json!({ "metadata": i.metadata });
            if is_tls {
                item["type"] = "kubernetes.io/tls".into();
            }
            item
        })
        .collect();
    let list = serde_json::json!({
        "apiVersion": job.spec.api_version(version),
        "kind": format!("{}List", job.spec.kind),
        "items": items,
    });
    let mut loaded = load::load_text(path, &list.to_string());
    for o in &mut loaded.objects {
        o.origin.document = page;
    }
    Ok((loaded, parsed.metadata.and_then(|m| m.continue_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(jobs: &[Job]) -> Vec<String> {
        jobs.iter()
            .map(|j| {
                format!(
                    "{}{}{}{}{}",
                    j.spec.kind,
                    j.namespace
                        .as_deref()
                        .map(|n| format!(" -n {n}"))
                        .unwrap_or_default(),
                    if j.metadata_only { " meta" } else { "" },
                    j.skip_namespace
                        .map(|n| format!(" skip {n}"))
                        .unwrap_or_default(),
                    if j.primary { "" } else { " helper" },
                )
            })
            .collect()
    }

    #[test]
    fn all_namespaces_plan() {
        let jobs = summary(&plan(&ReadScope::All, &[]));
        assert_eq!(jobs.len(), KINDS.len() + 1);
        assert!(jobs.contains(&"Pod".to_string()));
        assert!(jobs.contains(&"Secret meta".to_string()));
        assert!(jobs.contains(&"ConfigMap meta skip kube-system".to_string()));
        assert!(jobs.contains(&"ConfigMap -n kube-system helper".to_string()));
        assert!(jobs.contains(&"Namespace".to_string()));
    }

    #[test]
    fn namespace_plan_adds_dns_and_controllers() {
        let jobs = summary(&plan(
            &ReadScope::Namespaces(vec!["prod".into()]),
            &["ingress-nginx".into(), "kube-system".into()],
        ));
        for expected in [
            "Namespace",
            "Node",
            "IngressClass",
            "Pod -n prod",
            "Pod -n kube-system helper",
            "Pod -n ingress-nginx helper",
            "Secret -n prod meta",
            "ConfigMap -n prod meta",
            "ConfigMap -n kube-system helper",
            "ConfigMap -n ingress-nginx meta helper",
        ] {
            assert!(
                jobs.contains(&expected.to_string()),
                "{expected} missing: {jobs:?}"
            );
        }
        // kube-system named once although it is also a helper namespace.
        assert_eq!(
            jobs.iter()
                .filter(|j| *j == "Pod -n kube-system helper")
                .count(),
            1
        );
        assert!(!jobs.iter().any(|j| j.starts_with("Pod -n other")));
    }

    #[test]
    fn query_encoding() {
        assert_eq!(
            encode_query("app in (a,b)"),
            "app%20in%20%28a%2Cb%29".to_string()
        );
        assert_eq!(encode_query("eyJ2-_.~"), "eyJ2-_.~");
    }

    #[test]
    fn metadata_pages_drop_data_and_last_applied() {
        let secret = KindSpec::by_kind("Secret").unwrap();
        let job = Job {
            spec: secret,
            namespace: None,
            metadata_only: true,
            skip_namespace: None,
            primary: true,
            label_selector: None,
        };
        // A server that ignores the metadata media type and sends whole Secrets.
        let text = r#"{"kind":"SecretList","apiVersion":"v1","metadata":{"continue":"abc"},
          "items":[{"metadata":{"name":"tls","namespace":"prod","annotations":{
            "kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"tls.key\":\"c2VjcmV0\"}}",
            "team":"web"}},"type":"kubernetes.io/tls","data":{"tls.key":"c2VjcmV0"}}]}"#;
        let tls = BTreeSet::from([("prod".to_string(), "tls".to_string())]);
        let (loaded, next) = metadata_page(&job, "v1", "/api/v1/secrets", 1, text, &tls).unwrap();
        assert_eq!(next.as_deref(), Some("abc"));
        assert_eq!(loaded.objects.len(), 1);
        let json = loaded.objects[0].object.to_json().to_string();
        assert!(!json.contains("c2VjcmV0"), "{json}");
        assert!(json.contains("\"team\""), "{json}");
        assert!(json.contains("\"kind\":\"Secret\""), "{json}");
        assert!(json.contains("\"type\":\"kubernetes.io/tls\""), "{json}");
    }
}

//! One list, page by page (limit/continue), through the loader; metadata-only pages for
//! the kinds whose data netdoctor must not hold.

use super::page::{full_page, metadata_names, metadata_page, PageError};
use super::plan::Job;
use super::progress::Progress;
use super::{Outcome, METADATA_LIST_ACCEPT};
use crate::cluster::connect::Connection;
use crate::cluster::request::{fetch, human_size, sanitize, FetchError};
use netdoctor_core::load::LoadResult;
use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::Ordering;

/// How far one list may go.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Objects per page (`limit`).
    pub(super) page_size: u32,
    /// Pages of one list; a list that does not end by then is unreadable.
    pub(super) max_pages: usize,
    /// Bytes of response bodies for the whole read (all lists together).
    pub(super) max_read_bytes: u64,
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

/// The continue tokens of one list, as two 64-bit hashes each (a token can be long; two
/// distinct tokens colliding on both is not a concern).
#[derive(Default)]
struct SeenTokens(HashSet<(u64, u64)>);

impl SeenTokens {
    /// False when the token was seen before in this list.
    fn insert(&mut self, token: &str) -> bool {
        let hash = |salt: u64| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            salt.hash(&mut h);
            token.hash(&mut h);
            h.finish()
        };
        self.0.insert((hash(0), hash(0x9e37_79b9_7f4a_7c15)))
    }
}

/// What a list request is: its path, media type and selectors.
struct ListRequest<'a> {
    path: &'a str,
    metadata_only: bool,
    label_selector: Option<&'a str>,
    field_selector: Option<&'a str>,
}

impl ListRequest<'_> {
    fn url(&self, page_size: u32, token: Option<&str>) -> String {
        let mut url = format!("{}?limit={page_size}", self.path);
        for (name, value) in [
            ("continue", token),
            ("labelSelector", self.label_selector),
            ("fieldSelector", self.field_selector),
        ] {
            if let Some(v) = value {
                url.push_str(&format!("&{name}={}", encode_query(v)));
            }
        }
        url
    }
}

/// Why a request failed, as a list's error.
fn list_error(conn: &Connection, e: FetchError, page: usize) -> ListError {
    match e {
        FetchError::Status { code: 404, .. } if page == 1 => ListError::NotFound,
        FetchError::Status { code: 410, .. } if page > 1 => ListError::Gone,
        FetchError::Status { code: 403, message } => ListError::Forbidden(message),
        FetchError::Status { code: 401, message } => ListError::Unauthorized(message),
        e => {
            let retried = if e.is_transient() && conn.policy.retries > 0 {
                format!(" (tried {} times)", conn.policy.retries + 1)
            } else {
                String::new()
            };
            let at = if page > 1 {
                format!(" (page {page})")
            } else {
                String::new()
            };
            ListError::Failed(format!("{e}{retried}{at}"))
        }
    }
}

/// Lists every page of a request; `on_page` reads a page's body and returns the next
/// `continue` token. Bounded: `max_pages` pages, a token seen before ends the list as a
/// loop, and the whole read's bytes are counted against `max_read_bytes`.
async fn list_pages(
    conn: &Connection,
    request: &ListRequest<'_>,
    limits: &Limits,
    progress: &Progress,
    mut on_page: impl FnMut(&[u8], usize) -> Result<Option<String>, PageError>,
) -> Result<(), ListError> {
    let mut token: Option<String> = None;
    let mut seen = SeenTokens::default();
    let accept = if request.metadata_only {
        METADATA_LIST_ACCEPT
    } else {
        "application/json"
    };
    for page in 1..=limits.max_pages.max(1) {
        let url = request.url(limits.page_size, token.as_deref());
        let make = || {
            progress.requests.fetch_add(1, Ordering::Relaxed);
            http::Request::get(url.as_str())
                .header(http::header::ACCEPT, accept)
                .body(Vec::new())
                .map_err(|e| FetchError::Transport(e.to_string()))
        };
        let body = fetch(&conn.client, &conn.policy, make)
            .await
            .map_err(|e| list_error(conn, e, page))?;
        let total = progress
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed)
            .saturating_add(body.len() as u64);
        if total > limits.max_read_bytes {
            return Err(ListError::Failed(format!(
                "the read passed its total size limit of {} (--max-read-size)",
                human_size(limits.max_read_bytes)
            )));
        }
        let next = on_page(&body, page).map_err(|e| {
            let at = if page > 1 {
                format!(" (page {page})")
            } else {
                String::new()
            };
            ListError::Failed(format!("{e}{at}"))
        })?;
        match next {
            Some(next) if !seen.insert(&next) => {
                return Err(ListError::Failed(format!(
                "the server sent the continue token {:?} again on page {page}: a pagination loop",
                sanitize(&next, 40)
            )))
            }
            Some(next) => token = Some(next),
            None => return Ok(()),
        }
    }
    Err(ListError::Failed(format!(
        "the list did not end after {} pages (--max-pages)",
        limits.max_pages.max(1)
    )))
}

/// Reads one list, all its pages, trying the kind's versions in order.
pub(super) async fn run_job(
    conn: &Connection,
    job: &Job,
    limits: &Limits,
    progress: &Progress,
) -> Outcome {
    let mut restarted = false;
    'versions: for version in job.spec.versions {
        let path = job.spec.list_path(version, job.namespace.as_deref());
        loop {
            // Which Secrets are TLS Secrets (metadata only, selected by type).
            let mut tls = BTreeSet::new();
            if job.spec.kind == "Secret" && job.metadata_only {
                let request = ListRequest {
                    path: &path,
                    metadata_only: true,
                    label_selector: None,
                    field_selector: Some(TLS_SECRETS),
                };
                let typed = list_pages(conn, &request, limits, progress, |body, _| {
                    let (names, next) = metadata_names(body)?;
                    for (ns, name) in names {
                        if let (Some(ns), Some(name)) = (ns, name) {
                            tls.insert((ns, name));
                        }
                    }
                    Ok(next)
                })
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
            let request = ListRequest {
                path: &path,
                metadata_only: job.metadata_only,
                label_selector: job.label_selector.as_deref(),
                field_selector: None,
            };
            let listed = list_pages(conn, &request, limits, progress, |body, page| {
                if job.label_selector.is_some() {
                    // Helper lookup: only the namespaces of the pods found.
                    let (names, next) = metadata_names(body)?;
                    namespaces.extend(names.into_iter().filter_map(|(ns, _)| ns));
                    return Ok(next);
                }
                let (loaded, next) = if job.metadata_only {
                    metadata_page(job, version, &path, page, body, &tls)?
                } else {
                    full_page(
                        &path,
                        page,
                        body,
                        (!job.spec.is_built_in()).then(|| job.spec.api_version(version)),
                    )?
                };
                progress
                    .objects
                    .fetch_add(loaded.objects.len(), Ordering::Relaxed);
                result.merge(loaded);
                Ok(next)
            })
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
pub(super) fn encode_query(v: &str) -> String {
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

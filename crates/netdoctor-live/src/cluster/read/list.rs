//! One list, page by page (limit/continue), through the loader; metadata-only pages for
//! the kinds whose data netdoctor must not hold.

use super::plan::Job;
use super::progress::Progress;
use super::{Outcome, METADATA_LIST_ACCEPT};
use crate::cluster::connect::Connection;
use crate::cluster::request::{fetch, FetchError};
use netdoctor_core::load::{self, api, LoadResult};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

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
pub(super) async fn run_job(
    conn: &Connection,
    job: &Job,
    page_size: u32,
    progress: &Progress,
) -> Outcome {
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

/// A metadata-only page → the loader, as a `<Kind>List` of objects with metadata only.
pub(super) fn metadata_page(
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

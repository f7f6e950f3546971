//! One page of a list response → its objects and the next `continue` token. Pure (no I/O),
//! so that the fuzz target `live_list_page` and its smoke test run it on any bytes.
//!
//! A page that is not a list (not UTF-8, not JSON, no `items`, a `continue` that is not a
//! string, or a token too long to send back) is an error with its position: the kind is
//! then unreadable (INP003) rather than silently empty. One bad item inside a well-formed
//! list is the loader's business (INP001 for that item).

use super::plan::Job;
use crate::cluster::request::{sanitize, MESSAGE_LIMIT};
use netdoctor_core::load::{self, api, LoadResult};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Longest `continue` token sent back (the API server's are a few hundred bytes).
pub const MAX_CONTINUE_TOKEN: usize = 64 * 1024;

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("the response is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
    /// serde_json's message, which names the line and column.
    #[error("the response is not a list: {0}")]
    NotAList(String),
    #[error("the continue token is {len} bytes long (at most {MAX_CONTINUE_TOKEN} are sent back)")]
    TokenTooLong { len: usize },
}

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(rename = "continue", default)]
    continue_: Option<String>,
}

/// A whole-object page, checked for its shape; the items themselves go to the loader.
#[derive(Deserialize)]
struct ListShape {
    #[serde(default)]
    metadata: Option<ListMeta>,
    #[serde(default, deserialize_with = "present")]
    items: Option<Option<Vec<IgnoredAny>>>,
}

/// A metadata-only page. Items keep their `metadata` only, read with the loader's own
/// type, which drops `kubectl.kubernetes.io/last-applied-configuration` (a Secret applied
/// with kubectl carries its whole data there). Anything else a server sends (a server that
/// ignores the metadata media type sends whole objects) is skipped unread.
#[derive(Deserialize)]
struct MetadataPage {
    #[serde(default)]
    metadata: Option<ListMeta>,
    /// Read item by item (`MetadataItem` each): one malformed item must not drop the page.
    #[serde(default, deserialize_with = "present")]
    items: Option<Option<Vec<serde_json::Value>>>,
}

#[derive(Deserialize)]
struct MetadataItem {
    #[serde(default)]
    metadata: api::ObjectMeta,
}

/// `items` present (`Some`, possibly `null`) or missing (`None`): a body without `items` is
/// not a list (a `Status`, an HTML page that happens to be JSON, `{}`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn items<T>(items: Option<Option<Vec<T>>>) -> Result<Vec<T>, PageError> {
    match items {
        Some(items) => Ok(items.unwrap_or_default()),
        None => Err(PageError::NotAList("it has no \"items\"".into())),
    }
}

fn text(body: &[u8]) -> Result<&str, PageError> {
    std::str::from_utf8(body).map_err(|e| PageError::NotUtf8 {
        offset: e.valid_up_to(),
    })
}

fn not_a_list(e: serde_json::Error) -> PageError {
    PageError::NotAList(sanitize(&e.to_string(), MESSAGE_LIMIT))
}

fn next_token(meta: Option<ListMeta>) -> Result<Option<String>, PageError> {
    match meta.and_then(|m| m.continue_).filter(|t| !t.is_empty()) {
        Some(t) if t.len() > MAX_CONTINUE_TOKEN => Err(PageError::TokenTooLong { len: t.len() }),
        other => Ok(other),
    }
}

/// An item's (namespace, name), either possibly missing.
pub(super) type NamespacedName = (Option<String>, Option<String>);

/// A metadata-only page's items as (namespace, name) (either may be missing), and the
/// next token: the helper lookups (pods' namespaces, TLS Secrets).
pub(super) fn metadata_names(
    body: &[u8],
) -> Result<(Vec<NamespacedName>, Option<String>), PageError> {
    let page: MetadataPage = serde_json::from_str(text(body)?).map_err(not_a_list)?;
    // A malformed item names nothing; the page's other items still count.
    let names = items(page.items)?
        .into_iter()
        .filter_map(|raw| serde_json::from_value::<MetadataItem>(raw).ok())
        .map(|i| (i.metadata.namespace, i.metadata.name))
        .collect();
    Ok((names, next_token(page.metadata)?))
}

/// A page of whole objects → the loader (each object's document number is the page's).
pub(super) fn full_page(
    path: &str,
    page: usize,
    body: &[u8],
    custom_resource_version: Option<String>,
) -> Result<(LoadResult, Option<String>), PageError> {
    let text = text(body)?;
    let shape: ListShape = serde_json::from_str(text).map_err(not_a_list)?;
    let next = next_token(shape.metadata)?;
    items(shape.items)?;
    // The API server writes `apiVersion`/`kind` on custom resources' items, but a server
    // that does not (an aggregated API, a proxy) must not turn Calico's `NetworkPolicy` into
    // the Kubernetes one: items of a custom resource without their own `apiVersion` take the
    // version asked for. Built-in kinds are recognised by their kind alone.
    let stamped = custom_resource_version.and_then(|v| stamp_api_version(text, &v));
    let mut loaded = load::load_text(path, stamped.as_deref().unwrap_or(text));
    for o in &mut loaded.objects {
        o.origin.document = page;
    }
    for u in &mut loaded.unreadable {
        u.document = page;
    }
    Ok((loaded, next))
}

/// The page with `api_version` on the list and on every item lacking one; `None` when the
/// page is not a JSON object with an `items` array (the loader then reports it as it is).
fn stamp_api_version(text: &str, api_version: &str) -> Option<String> {
    let mut page: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = page.as_object_mut()?;
    object.insert("apiVersion".into(), api_version.into());
    for item in object.get_mut("items")?.as_array_mut()? {
        if let Some(item) = item.as_object_mut() {
            item.entry("apiVersion")
                .or_insert_with(|| api_version.into());
        }
    }
    Some(page.to_string())
}

/// One item reduced to its metadata (and `type: kubernetes.io/tls` for a TLS Secret an
/// Ingress names): nothing else of it reaches the loader.
fn metadata_only_item(i: MetadataItem, tls: &BTreeSet<(String, String)>) -> serde_json::Value {
    let is_tls = match (&i.metadata.namespace, &i.metadata.name) {
        (Some(ns), Some(name)) => tls.contains(&(ns.clone(), name.clone())),
        _ => false,
    };
    let mut item = serde_json::json!({ "metadata": i.metadata });
    if is_tls {
        item["type"] = "kubernetes.io/tls".into();
    }
    item
}

/// A metadata-only page → the loader, as a `<Kind>List` of objects with metadata only.
pub(super) fn metadata_page(
    job: &Job,
    version: &str,
    path: &str,
    page: usize,
    body: &[u8],
    tls: &BTreeSet<(String, String)>,
) -> Result<(LoadResult, Option<String>), PageError> {
    let parsed: MetadataPage = serde_json::from_str(text(body)?).map_err(not_a_list)?;
    let next = next_token(parsed.metadata)?;
    let items: Vec<serde_json::Value> = items(parsed.items)?
        .into_iter()
        .filter(|raw| {
            let ns = raw["metadata"]["namespace"].as_str();
            job.skip_namespace.is_none() || ns != job.skip_namespace
        })
        .map(
            |raw| match serde_json::from_value::<MetadataItem>(raw.clone()) {
                Ok(i) => metadata_only_item(i, tls),
                // Passed on as it came: the loader reports the item (INP001, with its index and
                // field path) and keeps every other item of the page (issue 17 item 8).
                Err(_) => raw,
            },
        )
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
    Ok((loaded, next))
}

/// The fuzz target's entry (and its smoke test's): every way a page is read, on any bytes.
/// Never panics; what it returns is checked for consistency only.
#[doc(hidden)]
pub fn fuzz_list_page(body: &[u8]) {
    use crate::cluster::kinds::KindSpec;
    let check_next = |next: &Option<String>| {
        assert!(next
            .as_ref()
            .is_none_or(|t| !t.is_empty() && t.len() <= MAX_CONTINUE_TOKEN));
    };
    if let Ok((_, next)) = metadata_names(body) {
        check_next(&next);
    }
    if let Ok((_, next)) = full_page("/api/v1/pods", 2, body, None) {
        check_next(&next);
    }
    let calico = Some("crd.projectcalico.org/v1".to_string());
    if let Ok((_, next)) = full_page(
        "/apis/crd.projectcalico.org/v1/networkpolicies",
        2,
        body,
        calico,
    ) {
        check_next(&next);
    }
    for kind in ["Secret", "ConfigMap"] {
        let Some(spec) = KindSpec::by_kind(kind) else {
            continue;
        };
        let job = Job {
            spec,
            namespace: None,
            metadata_only: true,
            skip_namespace: Some("kube-system"),
            primary: true,
            label_selector: None,
        };
        let tls = BTreeSet::from([("prod".to_string(), "tls".to_string())]);
        if let Ok((loaded, next)) = metadata_page(&job, "v1", "/api/v1/secrets", 1, body, &tls) {
            check_next(&next);
            // Metadata only: no object may carry data.
            assert!(loaded
                .objects
                .iter()
                .all(|o| o.object.to_json().get("data").is_none()));
        }
    }
}

//! Reading only the namespaces a question is about. `policy check A B` needs the objects of
//! A's and B's namespaces and the cluster-scoped ones (Namespaces and their labels, the
//! cluster-wide policy tiers, Nodes), not the other 99,998 pods of a big dump: the objects of
//! other namespaces are skipped before they are read. The same choice a live read makes when
//! it lists only the namespaces named on the command line.

use serde::de;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// Which namespaces' objects are kept. Cluster-scoped objects, and objects that name no
/// namespace (a manifest's objects take the default namespace later), are always kept.
#[derive(Debug, Clone, Default)]
pub struct NamespaceScope {
    /// None: every namespace.
    only: Option<HashSet<String>>,
}

impl NamespaceScope {
    /// Every namespace (what `load_text` reads).
    pub fn all() -> Self {
        NamespaceScope::default()
    }

    /// Only these namespaces (and every cluster-scoped object).
    pub fn only(namespaces: impl IntoIterator<Item = String>) -> Self {
        NamespaceScope {
            only: Some(namespaces.into_iter().collect()),
        }
    }

    pub fn is_all(&self) -> bool {
        self.only.is_none()
    }

    /// Whether an object in `namespace` is kept (`None` or empty: no namespace given).
    pub fn keeps(&self, namespace: Option<&str>) -> bool {
        match (&self.only, namespace) {
            (Some(only), Some(ns)) if !ns.is_empty() => only.contains(ns),
            _ => true,
        }
    }

    /// Whether a JSON item (its raw text) is kept, judged from its `metadata.namespace`
    /// without reading the rest of it. An item whose namespace cannot be peeked (bad syntax,
    /// a duplicate field) is kept, so that reading it reports the problem as it would.
    pub(crate) fn keeps_json(&self, raw: &str) -> bool {
        if self.only.is_none() {
            return true;
        }
        match peek_namespace(raw) {
            // A nested List (a `metadata.namespace` on it means nothing) is read, so that
            // its own items are judged one by one.
            Some(namespace) => self.keeps(namespace.as_deref()) || raw.contains("\"items\""),
            None => true,
        }
    }
}

/// The message that stops a peek once it has what it came for.
const FOUND: &str = "netdoctor: namespace found";

/// An item's `metadata.namespace` (`Some(None)`: it names none), read only up to that field:
/// the reader stops there instead of scanning the rest of the item. None when the text does
/// not say (bad syntax, a `metadata` that is not an object).
fn peek_namespace(raw: &str) -> Option<Option<String>> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_str(raw);
    let read = de::Deserializer::deserialize_map(&mut de, Top(&mut found));
    match read {
        // Set only once the field was read whole; the error is then the stop.
        _ if found.is_some() => found,
        Ok(()) => Some(None),
        Err(_) => None,
    }
}

/// The item: skips every field up to `metadata`.
struct Top<'f>(&'f mut Option<Option<String>>);

impl<'de> de::Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "metadata" {
                map.next_value_seed(Meta(&mut *self.0))?;
                return Err(de::Error::custom(FOUND));
            }
            map.next_value::<de::IgnoredAny>()?;
        }
        Ok(())
    }
}

/// `metadata`: skips every field up to `namespace`.
struct Meta<'f>(&'f mut Option<Option<String>>);

impl<'de> de::DeserializeSeed<'de> for Meta<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Meta<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.0 = Some(None);
        Ok(())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "namespace" {
                let namespace = map.next_value::<Option<Cow<'de, str>>>()?;
                *self.0 = Some(namespace.map(Cow::into_owned));
                return Err(de::Error::custom(FOUND));
            }
            map.next_value::<de::IgnoredAny>()?;
        }
        *self.0 = Some(None);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_cluster_scoped_and_unnamespaced_objects() {
        let scope = NamespaceScope::only(["a".to_string()]);
        assert!(scope.keeps(Some("a")));
        assert!(!scope.keeps(Some("b")));
        assert!(scope.keeps(None));
        assert!(scope.keeps(Some("")));
        assert!(NamespaceScope::all().keeps(Some("b")));
    }

    #[test]
    fn peeks_the_namespace_of_json_items() {
        let scope = NamespaceScope::only(["a".to_string()]);
        assert!(scope.keeps_json(r#"{"kind":"Pod","metadata":{"name":"x","namespace":"a"}}"#));
        assert!(!scope.keeps_json(r#"{"kind":"Pod","metadata":{"namespace":"b","name":"x"}}"#));
        // Escapes are decoded before comparing.
        assert!(scope.keeps_json(r#"{"metadata":{"namespace":"\u0061"}}"#));
        assert!(scope.keeps_json(r#"{"kind":"Namespace","metadata":{"name":"b"}}"#));
        assert!(scope.keeps_json(r#"{"kind":"Pod","metadata":null}"#));
        assert!(scope.keeps_json(r#"{"kind":"Pod"}"#));
        assert!(scope.keeps_json(r#"{"metadata":{"namespace":"b"},"kind":"List","items":[]}"#));
        // The peek stops at the namespace: what follows is not read.
        assert!(!scope.keeps_json(r#"{"metadata":{"namespace":"b"},"spec":"#));
        // What the peek cannot judge is kept for the reader to report.
        assert!(scope.keeps_json(r#"{"metadata":{"namespace":7}}"#));
        assert!(scope.keeps_json(r#"{"metadata":"#));
        assert!(scope.keeps_json(r#"{"metadata":[]}"#));
        assert!(scope.keeps_json(r#"[1]"#));
    }
}

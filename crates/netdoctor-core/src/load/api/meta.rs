//! What every kind shares: object metadata, owner references, label selectors.

use super::*;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OwnerReference {
    #[serde(deserialize_with = "nullable")]
    pub api_version: String,
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub uid: String,
    pub controller: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: Option<String>,
    pub generate_name: Option<String>,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    #[serde(
        deserialize_with = "string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: StringMap,
    #[serde(
        deserialize_with = "annotations",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: StringMap,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "nullable")]
    pub owner_references: Vec<OwnerReference>,
    pub creation_timestamp: Option<String>,
    pub deletion_timestamp: Option<String>,
    /// Byte offset in its file of the JSON List item this object was read from: its line
    /// is counted from it (not part of the API object).
    #[serde(skip)]
    pub source_offset: Option<usize>,
}

/// `matchLabels`/`matchExpressions`, or (Service, ReplicationController) a plain map, which
/// is the same as `matchLabels` alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[serde(deserialize_with = "nullable")]
    pub match_labels: StringMap,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "nullable")]
    pub match_expressions: Vec<SelectorRequirement>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SelectorRequirement {
    #[serde(deserialize_with = "nullable")]
    pub key: String,
    #[serde(deserialize_with = "nullable")]
    pub operator: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "nullable")]
    pub values: Vec<String>,
}

impl<'de> Deserialize<'de> for LabelSelector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LabelSelector;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a label selector")
            }
            fn visit_unit<E: de::Error>(self) -> Result<LabelSelector, E> {
                Ok(LabelSelector::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<LabelSelector, E> {
                Ok(LabelSelector::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LabelSelector, A::Error> {
                let mut sel = LabelSelector::default();
                while let Some(key) = map.next_key::<LenientString>()? {
                    match key.0.as_str() {
                        "matchLabels" => {
                            let m: Option<LenientMap> = map.next_value()?;
                            sel.match_labels.extend(m.unwrap_or_default().0);
                        }
                        "matchExpressions" => {
                            let e: Option<Vec<SelectorRequirement>> = map.next_value()?;
                            sel.match_expressions = e.unwrap_or_default();
                        }
                        _ => {
                            let v: LenientString = map.next_value()?;
                            sel.match_labels.insert(key.0, v.0);
                        }
                    }
                }
                Ok(sel)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Default, Deserialize)]
struct LenientMap(#[serde(deserialize_with = "string_map")] StringMap);

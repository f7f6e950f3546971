//! The Kubernetes API objects netdoctor reads, as lean serde types.
//!
//! Why our own types and not k8s-openapi: these structs name only the fields that matter to
//! networking, so serde skips everything else (managedFields, env, volumes, …) without
//! allocating it. On the 100k-pod benchmark this keeps load time and peak memory within the
//! targets in BENCHMARKS.md, which the full k8s-openapi types (every field owned) do not.
//! Every field is optional or defaulted and numbers are read as `i64`, so an object with an
//! out-of-range or missing value still parses and is judged by validation (INP002) instead
//! of failing its whole document.
//!
//! One file per API group (`meta` for what every kind shares); this file holds the lenient
//! scalar and map readers they all use.

mod apps;
mod core;
mod discovery;
mod foreign_policy;
mod meta;
mod networking;
mod policy_networking;

pub use self::core::*;
pub use apps::*;
pub use discovery::*;
pub use foreign_policy::*;
pub use meta::*;
pub use networking::*;
pub use policy_networking::*;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub type StringMap = BTreeMap<String, String>;

/// A value that Kubernetes declares as int-or-string (ports, targetPort).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntOrString::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v.fract() == 0.0 {
                    Ok(IntOrString::Int(v as i64))
                } else {
                    Ok(IntOrString::String(v.to_string()))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IntOrString::String(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `null` read as the default value: API servers print `null` for empty lists and
/// objects, which serde's `default` alone does not accept.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A scalar read as a string whatever its YAML type (`version: 1.0`, `enabled: true`), so a
/// label written without quotes does not make the whole document unreadable.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(V)
}

#[derive(Deserialize)]
struct LenientString(#[serde(deserialize_with = "lenient_string")] String);

/// A string map whose values may be unquoted scalars; `skip` names keys to drop unread.
fn string_map_skipping<'de, D: Deserializer<'de>>(
    d: D,
    keep: fn(&str) -> bool,
) -> Result<StringMap, D::Error> {
    struct V(fn(&str) -> bool);
    impl<'de> Visitor<'de> for V {
        type Value = StringMap;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of strings")
        }
        fn visit_unit<E: de::Error>(self) -> Result<StringMap, E> {
            Ok(StringMap::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<StringMap, E> {
            Ok(StringMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringMap, A::Error> {
            let mut out = StringMap::new();
            while let Some(key) = map.next_key::<LenientString>()? {
                if (self.0)(&key.0) {
                    let v: LenientString = map.next_value()?;
                    out.insert(key.0, v.0);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(V(keep))
}

fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
    string_map_skipping(d, |_| true)
}

fn opt_string_map<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StringMap>, D::Error> {
    string_map(d).map(Some)
}

/// Annotations minus the ones that only cost memory (the last applied configuration is a
/// full copy of the object).
fn annotations<'de, D: Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
    string_map_skipping(d, |k| {
        k != "kubectl.kubernetes.io/last-applied-configuration"
    })
}

/// ConfigMap data: only the keys cluster DNS is configured by. Other data is never held.
fn dns_config_data<'de, D: Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
    string_map_skipping(d, |k| {
        matches!(
            k,
            "Corefile" | "stubDomains" | "upstreamNameservers" | "kubelet"
        )
    })
}

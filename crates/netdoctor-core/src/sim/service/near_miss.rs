//! "Why does this Service not select my pod": selectors that miss a pod's labels by one
//! close label.

use crate::model::{Cluster, Labels, Pod, Service, ServiceType};
use crate::text::edit_distance;
use serde::Serialize;

/// How a set of labels misses a selector by exactly one label (see [`label_near_miss`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LabelMiss {
    /// The key is there with another value.
    Value {
        key: String,
        want: String,
        have: String,
    },
    /// The value is there under another key.
    Key {
        want: String,
        have: String,
        value: String,
    },
    /// The key is absent (only for selectors of two labels or more).
    Missing { key: String, want: String },
}

impl LabelMiss {
    /// `has app=payments instead of app=payment`.
    pub fn describe(&self) -> String {
        match self {
            LabelMiss::Value { key, want, have } => {
                format!("has {key}={have} instead of {key}={want}")
            }
            LabelMiss::Key { want, have, value } => {
                format!("has {have}={value} but not {want}={value} (the key differs)")
            }
            LabelMiss::Missing { key, want } => {
                format!("matches every other label but has no {key} label (selector wants {key}={want})")
            }
        }
    }
}

/// Keys that name the same thing in common labelling conventions.
fn similar_keys(a: &str, b: &str) -> bool {
    let base = |k: &str| -> String {
        let k = k.rsplit('/').next().unwrap_or(k);
        match k {
            "app" | "k8s-app" | "name" => "name".into(),
            other => other.to_string(),
        }
    };
    base(a) == base(b) || edit_distance(a, b) <= 2
}

fn value_close(want: &str, have: &str) -> Option<usize> {
    let d = edit_distance(want, have);
    let longest = want.chars().count().max(have.chars().count());
    let prefix =
        !want.is_empty() && !have.is_empty() && (want.contains(have) || have.contains(want));
    (d <= 2.max(longest / 3) || prefix).then_some(d)
}

/// The one way `labels` fails a map selector, with a closeness score (lower is closer), when
/// it fails in one label only and that label is close: the value differs by a small edit
/// (`payment` vs `payments`; any value when the selector has other labels that match), the
/// value is there under another key (`app` vs `app.kubernetes.io/name`), or, for a selector
/// of two labels or more, one key is missing. `None` when it matches or misses by more.
pub fn label_near_miss(selector: &Labels, labels: &Labels) -> Option<(LabelMiss, usize)> {
    let mut miss = None;
    for (k, v) in selector {
        if labels.get(k) == Some(v) {
            continue;
        }
        if miss.is_some() {
            return None;
        }
        let m = if let Some(have) = labels.get(k) {
            match value_close(v, have) {
                Some(d) => (
                    LabelMiss::Value {
                        key: k.clone(),
                        want: v.clone(),
                        have: have.clone(),
                    },
                    d,
                ),
                // A different value in a multi-label selector where the rest matches.
                None if selector.len() > 1 => (
                    LabelMiss::Value {
                        key: k.clone(),
                        want: v.clone(),
                        have: have.clone(),
                    },
                    20 + edit_distance(v, have),
                ),
                None => return None,
            }
        } else if let Some((k2, _)) = labels
            .iter()
            .filter(|(k2, v2)| *v2 == v && !selector.contains_key(*k2))
            .min_by_key(|(k2, _)| (!similar_keys(k, k2), edit_distance(k, k2)))
        {
            let score = if similar_keys(k, k2) { 1 } else { 6 };
            (
                LabelMiss::Key {
                    want: k.clone(),
                    have: k2.clone(),
                    value: v.clone(),
                },
                score,
            )
        } else if selector.len() > 1 {
            (
                LabelMiss::Missing {
                    key: k.clone(),
                    want: v.clone(),
                },
                10,
            )
        } else {
            return None;
        };
        miss = Some(m);
    }
    miss
}

/// The Services (in the pod's namespace) whose selector misses the pod by one close label
/// (see [`label_near_miss`]), closest first: "why does this Service not select my pod".
pub fn services_nearly_selecting<'a>(
    cluster: &'a Cluster,
    pod: &Pod,
) -> Vec<(&'a Service, LabelMiss)> {
    let mut out: Vec<(&Service, LabelMiss, usize)> = cluster
        .services
        .iter()
        .filter(|s| s.namespace == pod.namespace && s.type_ != ServiceType::ExternalName)
        .filter_map(|s| {
            let sel = s.selector.as_ref()?;
            label_near_miss(sel, &pod.labels).map(|(m, score)| (s, m, score))
        })
        .collect();
    out.sort_by(|a, b| (a.2, &a.0.name).cmp(&(b.2, &b.0.name)));
    out.into_iter().map(|(s, m, _)| (s, m)).collect()
}

//! Label selectors as the API server evaluates them.

use crate::load::api;
use std::collections::BTreeMap;
use std::fmt;

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    pub fn matches(&self, labels: &Labels) -> bool {
        match self.operator {
            Operator::In => labels
                .get(&self.key)
                .is_some_and(|v| self.values.contains(v)),
            // NotIn matches objects that lack the key, as the API server does.
            Operator::NotIn => labels
                .get(&self.key)
                .is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => labels.contains_key(&self.key),
            Operator::DoesNotExist => !labels.contains_key(&self.key),
        }
    }
}

/// A label selector. The empty selector matches everything; an absent selector is modelled
/// by the caller as `Option<Selector>`, because its meaning differs per field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    pub match_labels: Vec<(String, String)>,
    pub expressions: Vec<Requirement>,
}

impl Selector {
    /// Builds a selector, rejecting what the API server rejects (unknown operator, `In`
    /// without values, `Exists` with values).
    pub fn from_api(sel: &api::LabelSelector) -> Result<Selector, String> {
        let mut expressions = Vec::with_capacity(sel.match_expressions.len());
        for req in &sel.match_expressions {
            let operator = match req.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(format!(
                        "matchExpressions key {:?}: operator {:?} is not one of In, NotIn, Exists, DoesNotExist",
                        req.key, other
                    ))
                }
            };
            match operator {
                Operator::In | Operator::NotIn if req.values.is_empty() => {
                    return Err(format!(
                        "matchExpressions key {:?}: operator {} needs at least one value",
                        req.key,
                        operator.as_str()
                    ))
                }
                Operator::Exists | Operator::DoesNotExist if !req.values.is_empty() => {
                    return Err(format!(
                        "matchExpressions key {:?}: operator {} takes no values",
                        req.key,
                        operator.as_str()
                    ))
                }
                _ => {}
            }
            if req.key.is_empty() {
                return Err("matchExpressions: a requirement has an empty key".into());
            }
            expressions.push(Requirement {
                key: req.key.clone(),
                operator,
                values: req.values.clone(),
            });
        }
        Ok(Selector {
            match_labels: sel
                .match_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            expressions,
        })
    }

    /// A plain map selector (Service, ReplicationController).
    pub fn from_map(map: &Labels) -> Selector {
        Selector {
            match_labels: map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            expressions: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|r| r.matches(labels))
    }

    /// Every label key the selector looks at.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.match_labels
            .iter()
            .map(|(k, _)| k.as_str())
            .chain(self.expressions.iter().map(|r| r.key.as_str()))
    }
}

impl fmt::Display for Selector {
    /// kubectl's `-l` syntax: `app=web,tier in (a,b),!legacy`; `{}` (all) when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{} (everything)");
        }
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.expressions {
            parts.push(match r.operator {
                Operator::In => format!("{} in ({})", r.key, r.values.join(",")),
                Operator::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                Operator::Exists => r.key.clone(),
                Operator::DoesNotExist => format!("!{}", r.key),
            });
        }
        f.write_str(&parts.join(","))
    }
}

/// Formats labels as `k=v,k2=v2`.
pub fn format_labels(labels: &Labels) -> String {
    if labels.is_empty() {
        return "<none>".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, op: &str, values: &[&str]) -> api::SelectorRequirement {
        api::SelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = Selector::default();
        assert!(s.matches(&labels(&[])));
        assert!(s.matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn operators_follow_the_api_semantics() {
        let sel = |r| {
            Selector::from_api(&api::LabelSelector {
                match_labels: Default::default(),
                match_expressions: vec![r],
            })
            .unwrap()
        };
        let l = labels(&[("tier", "web")]);
        let none = labels(&[]);
        assert!(sel(req("tier", "In", &["web", "api"])).matches(&l));
        assert!(!sel(req("tier", "In", &["api"])).matches(&l));
        assert!(!sel(req("tier", "In", &["web"])).matches(&none));
        assert!(!sel(req("tier", "NotIn", &["web"])).matches(&l));
        assert!(sel(req("tier", "NotIn", &["web"])).matches(&none));
        assert!(sel(req("tier", "Exists", &[])).matches(&l));
        assert!(!sel(req("tier", "Exists", &[])).matches(&none));
        assert!(sel(req("tier", "DoesNotExist", &[])).matches(&none));
    }

    #[test]
    fn invalid_requirements_are_rejected() {
        let bad = |r| {
            Selector::from_api(&api::LabelSelector {
                match_labels: Default::default(),
                match_expressions: vec![r],
            })
        };
        assert!(bad(req("a", "Equals", &["x"])).is_err());
        assert!(bad(req("a", "In", &[])).is_err());
        assert!(bad(req("a", "Exists", &["x"])).is_err());
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let s = Selector::from_api(&api::LabelSelector {
            match_labels: labels(&[("app", "web")]),
            match_expressions: vec![req("env", "In", &["prod"])],
        })
        .unwrap();
        assert!(s.matches(&labels(&[("app", "web"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert_eq!(s.to_string(), "app=web,env in (prod)");
    }
}

//! Field and label selectors of the fake API server (`fieldSelector`, `labelSelector`).

use serde_json::Value;

/// `a.b=v`, `a.b==v`, `a.b!=v`, comma-separated: (path, value, equal).
pub(super) fn parse_fields(s: &str) -> Vec<(String, String, bool)> {
    s.split(',')
        .filter_map(|p| {
            if let Some((k, v)) = p.split_once("!=") {
                Some((k.trim().to_string(), v.trim().to_string(), false))
            } else {
                let (k, v) = p.split_once("==").or_else(|| p.split_once('='))?;
                Some((k.trim().to_string(), v.trim().to_string(), true))
            }
        })
        .collect()
}

/// The string at a dotted path of an object (`metadata.name`, `type`), or "".
pub(super) fn field<'a>(o: &'a Value, path: &str) -> &'a str {
    let mut cur = o;
    for part in path.split('.') {
        cur = &cur[part];
    }
    cur.as_str().unwrap_or("")
}

/// One label selector requirement.
pub(super) enum Requirement {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    pub(super) fn matches(&self, labels: &Value) -> bool {
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        match self {
            Requirement::Eq(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEq(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        }
    }
}

pub(super) fn parse_selector(s: &str) -> Vec<Requirement> {
    // Split at commas outside parentheses.
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    let set = |v: &str| -> Vec<String> {
        v.trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(|x| x.trim().to_string())
            .collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some((k, v)) = p.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set(v))
            } else if let Some((k, v)) = p.split_once(" in ") {
                Requirement::In(k.trim().into(), set(v))
            } else if let Some((k, v)) = p.split_once("!=") {
                Requirement::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some(k) = p.strip_prefix('!') {
                Requirement::NotExists(k.trim().into())
            } else {
                Requirement::Exists(p.into())
            }
        })
        .collect()
}

//! The findings that appear and disappear between two states of a cluster (`netdoctor diff`).
//!
//! Findings are matched by (code, object), never by message text: a message that only
//! changes its wording or its values (a count, a port) is the same problem. A `File` object
//! (input problems) is matched by its path relative to the input it was read from, so the
//! same broken file in the base and the new directory is the same problem.

use crate::finding::Finding;
use crate::model::ObjectRef;
use std::collections::BTreeSet;

/// What changed. The findings are the values `doctor` produces for the state they belong to
/// (appeared: the new state's, disappeared: the base state's), sorted as `doctor` sorts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsDiff {
    pub appeared: Vec<Finding>,
    pub disappeared: Vec<Finding>,
}

impl FindingsDiff {
    pub fn is_empty(&self) -> bool {
        self.appeared.is_empty() && self.disappeared.is_empty()
    }
}

/// The key a finding is matched by: its code and its object, a file's path made relative to
/// the first of `roots` it lies under.
fn key(f: &Finding, roots: &[String]) -> (String, ObjectRef) {
    let mut object = f.object.clone();
    if object.kind == "File" && object.namespace.is_none() {
        if let Some(rel) = roots.iter().find_map(|r| relative(&object.name, r)) {
            object.name = rel;
        }
    }
    (f.code.to_ascii_uppercase(), object)
}

/// `path` relative to `root` (a file given itself, or a directory holding it).
fn relative(path: &str, root: &str) -> Option<String> {
    let root = root.trim_end_matches('/');
    if path == root {
        let name = path.rsplit('/').next().unwrap_or(path);
        return Some(name.to_string());
    }
    path.strip_prefix(root)
        .and_then(|r| r.strip_prefix('/'))
        .map(str::to_string)
}

/// The findings of `new` whose (code, object) `base` does not have, and the reverse. `roots`
/// are the inputs each state was read from (files or directories; empty for a live read).
pub fn diff_findings(
    base: &[Finding],
    new: &[Finding],
    base_roots: &[String],
    new_roots: &[String],
) -> FindingsDiff {
    let base_keys: BTreeSet<_> = base.iter().map(|f| key(f, base_roots)).collect();
    let new_keys: BTreeSet<_> = new.iter().map(|f| key(f, new_roots)).collect();
    let mut out = FindingsDiff {
        appeared: new
            .iter()
            .filter(|f| !base_keys.contains(&key(f, new_roots)))
            .cloned()
            .collect(),
        disappeared: base
            .iter()
            .filter(|f| !new_keys.contains(&key(f, base_roots)))
            .cloned()
            .collect(),
    };
    super::sort(&mut out.appeared);
    super::sort(&mut out.disappeared);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn finding(code: &str, kind: &str, ns: Option<&str>, name: &str, msg: &str) -> Finding {
        Finding {
            code: code.into(),
            rule: "r".into(),
            severity: Severity::Error,
            object: ObjectRef::new(kind, ns, name),
            message: msg.into(),
            evidence: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn matched_by_code_and_object_not_by_message() {
        let base = vec![
            finding(
                "SVC001",
                "Service",
                Some("p"),
                "a",
                "selects no pods (2 labels)",
            ),
            finding("NP001", "NetworkPolicy", Some("p"), "x", "gone"),
        ];
        let new = vec![
            finding(
                "SVC001",
                "Service",
                Some("p"),
                "a",
                "selects no pods (3 labels)",
            ),
            finding("SVC001", "Service", Some("p"), "b", "new"),
        ];
        let d = diff_findings(&base, &new, &[], &[]);
        assert_eq!(d.appeared, vec![new[1].clone()]);
        assert_eq!(d.disappeared, vec![base[1].clone()]);
    }

    #[test]
    fn files_are_matched_relative_to_their_input() {
        let base = vec![finding("INP001", "File", None, "old/dir/bad.yaml", "m")];
        let new = vec![finding("INP001", "File", None, "new/bad.yaml", "m")];
        let d = diff_findings(&base, &new, &["old/dir/".into()], &["new".into()]);
        assert!(d.is_empty(), "{d:?}");
        let single = diff_findings(&base, &new, &["old/dir/bad.yaml".into()], &["new".into()]);
        assert!(single.is_empty(), "{single:?}");
    }
}

//! SARIF 2.1.0 (what code scanning reads): one result per finding, with the rule's help, the
//! file and line of the object's document, and a fingerprint that survives line moves.
//!
//! `render` takes any list of findings and a way to find each one's source, so every
//! command that produces findings (`doctor`, and `diff` for the findings that appear) can
//! write SARIF through it.

use netdoctor_core::load::Origin;
use netdoctor_core::rules::{self, Suppressed, SuppressedBy, RULES};
use netdoctor_core::{Cluster, Finding, ObjectRef, Severity};
use serde_json::{json, Value};

/// Where a finding's object was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file (as named on the command line) and the 1-based line its document starts at.
    File { path: String, line: usize },
    /// A live cluster: no file, a logical location `namespace/kind/name`.
    Live,
    /// Not known (derived objects, stdin).
    Unknown,
}

/// The source of findings on `cluster`'s objects: each object's origin; for an unreadable
/// input (INP001, object kind `File`) the file and the line of its first problem.
pub fn locate_in(cluster: &Cluster) -> impl Fn(&Finding) -> Source + '_ {
    move |f: &Finding| {
        if cluster.live() {
            return Source::Live;
        }
        if f.object.kind == "File" {
            let line = cluster
                .unreadable()
                .iter()
                .find(|u| u.file == f.object.name)
                .map_or(1, |u| u.line);
            return file_source(&f.object.name, line);
        }
        let o = &f.object;
        let origin = cluster
            .origin(o)
            // A pod derived from its workload's template: the workload's document.
            .or_else(|| match (o.kind.as_str(), &o.namespace) {
                ("Pod", Some(ns)) => cluster
                    .pod_index(ns, &o.name)
                    .and_then(|i| cluster.pods().get(i))
                    .and_then(|p| p.origin.as_ref()),
                _ => None,
            })
            // An object that failed validation (INP002) where it was defined.
            .or_else(|| {
                cluster
                    .invalid()
                    .iter()
                    .find(|i| &i.object == o)
                    .and_then(|i| i.origin.as_ref())
            });
        match origin {
            Some(o) => origin_source(o),
            None => Source::Unknown,
        }
    }
}

fn origin_source(o: &Origin) -> Source {
    file_source(&o.file, o.line)
}

fn file_source(path: &str, line: usize) -> Source {
    if path == crate::files::STDIN_NAME || path.is_empty() {
        return Source::Unknown;
    }
    Source::File {
        path: path.to_string(),
        line: line.max(1),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for a path as given on the command line (`./a b.yaml` →
/// `a%20b.yaml`); an absolute path becomes a `file://` URI.
pub fn path_uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A stable fingerprint of a finding: the rule and the object, not the line or the wording
/// (FNV-1a, 64 bits, hex).
pub fn fingerprint(code: &str, object: &ObjectRef) -> String {
    let key = format!(
        "{code}\u{0}{}\u{0}{}\u{0}{}",
        object.kind,
        object.namespace.as_deref().unwrap_or(""),
        object.name
    );
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn rule_descriptor(r: &rules::Rule) -> Value {
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": r.doc, "markdown": r.doc},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {"tags": ["kubernetes", "networking", r.area.as_str()]}
    })
}

fn message(f: &Finding) -> String {
    let mut text = f.message.clone();
    for e in &f.evidence {
        text.push_str("\n- ");
        text.push_str(e);
    }
    if let Some(fix) = &f.fix {
        text.push_str("\nFix: ");
        text.push_str(&fix.title);
        for c in &fix.commands {
            text.push_str("\n  $ ");
            text.push_str(c);
        }
    }
    text
}

fn result(f: &Finding, source: Source, suppressed: Option<SuppressedBy>) -> Value {
    let rule_index = RULES.iter().position(|r| r.code == f.code);
    let logical = json!([{
        "name": f.object.name,
        "fullyQualifiedName": f.object.to_string(),
        "kind": "resource",
    }]);
    let location = match source {
        Source::File { path, line } => {
            let uri = path_uri(&path);
            let artifact = if uri.starts_with("file://") {
                json!({"uri": uri})
            } else {
                json!({"uri": uri, "uriBaseId": "%SRCROOT%"})
            };
            json!({
                "physicalLocation": {"artifactLocation": artifact, "region": {"startLine": line}},
                "logicalLocations": logical,
            })
        }
        Source::Live | Source::Unknown => json!({"logicalLocations": logical}),
    };
    let mut r = json!({
        "ruleId": f.code,
        "level": level(f.severity),
        "message": {"text": message(f)},
        "locations": [location],
        "partialFingerprints": {"netdoctorFinding/v1": fingerprint(&f.code, &f.object)},
        "properties": {"rule": f.rule, "object": f.object.to_string()},
    });
    if let Some(obj) = r.as_object_mut() {
        if let Some(i) = rule_index {
            obj.insert("ruleIndex".into(), json!(i));
        }
        if let Some(by) = suppressed {
            let (kind, why) = match by {
                SuppressedBy::Annotation => {
                    ("inSource", "the object's netdoctor.io/ignore annotation")
                }
                SuppressedBy::ConfigSkip => ("external", "the config's skip"),
                SuppressedBy::ConfigIgnore => ("external", "the config's ignore"),
            };
            obj.insert(
                "suppressions".into(),
                json!([{"kind": kind, "status": "accepted", "justification": why}]),
            );
        }
    }
    r
}

/// The SARIF log of `findings`, each located by `locate` (for commands without suppressions,
/// such as `diff`).
#[allow(dead_code)]
pub fn render(findings: &[Finding], locate: &dyn Fn(&Finding) -> Source) -> Value {
    render_with_suppressed(findings, &[], locate)
}

/// The SARIF log of `findings` and of the findings suppressed (results carrying
/// `suppressions`, which code scanning shows as dismissed), each located by `locate`.
pub fn render_with_suppressed(
    findings: &[Finding],
    suppressed: &[Suppressed],
    locate: &dyn Fn(&Finding) -> Source,
) -> Value {
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, locate(f), None))
        .chain(
            suppressed
                .iter()
                .map(|s| result(&s.finding, locate(&s.finding), Some(s.by))),
        )
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "netdoctor",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": RULES.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory netdoctor ran in; -f paths are relative to it."}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_escaped() {
        assert_eq!(path_uri("examples/a.yaml"), "examples/a.yaml");
        assert_eq!(path_uri("./a b.yaml"), "a%20b.yaml");
        assert_eq!(path_uri("/tmp/x#.yaml"), "file:///tmp/x%23.yaml");
    }

    #[test]
    fn fingerprints_ignore_the_line_and_message() {
        let o = ObjectRef::namespaced("Service", "prod", "api");
        assert_eq!(fingerprint("SVC001", &o), fingerprint("SVC001", &o));
        assert_ne!(fingerprint("SVC001", &o), fingerprint("SVC002", &o));
    }
}

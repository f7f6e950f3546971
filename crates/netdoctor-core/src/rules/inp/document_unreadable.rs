use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "INP001",
    area: crate::rules::Area::Inp,
    name: "document-unreadable",
    severity: Severity::Error,
    summary: "a document cannot be parsed (file, document index, line, reason)",
    doc: r#"## What it checks
Every document of every input file (YAML stream, JSON object or List) is parsed. A document
that is not valid YAML/JSON, or is not a Kubernetes object (no `kind`), or has a field of
the wrong type, is reported with the file, the document's index in the file, the line and
the parser's reason.

## Why it breaks traffic
It does not break traffic by itself, but whatever the document describes is missing from
the analysis: a Service or NetworkPolicy that is not read cannot be checked, and other
findings may be caused by its absence (a Service that "does not exist").

## How to fix
Open the file at the line given and fix the syntax; `kubectl apply --dry-run=client -f FILE`
reports the same problem. The other documents are still analysed.

## Example
```
error[INP001] document-unreadable: file/manifests/api.yaml
  document 2 (line 14): did not find expected key
```

## References
- YAML 1.2 specification: https://yaml.org/spec/1.2.2/
- kubectl get -o yaml output format: https://kubernetes.io/docs/reference/kubectl/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for u in &cluster.unreadable {
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::cluster_scoped("File", &u.file),
                format!(
                    "{}: document {} (line {}) cannot be read: {}",
                    u.file, u.document, u.line, u.reason
                ),
            )
            .with_fix(
                Fix::new(format!(
                    "Fix the syntax at {}:{}; the other documents were analysed",
                    u.file, u.line
                ))
                .command(format!("kubectl apply --dry-run=client -f {}", u.file)),
            ),
        );
    }
}

//! The page's data block (`<script type="application/json" id="report-data">`): what the
//! script needs (the graph, its flows in compact form, the focus) and an index of the
//! findings. Findings are shown in full in the markup; the block indexes them by id, code and
//! severity instead of repeating messages, evidence and fixes (at 10,000 findings that copy
//! alone weighed 9 MB).

use netdoctor_core::report::{FindingsSection, Graph, ReportSummary};
use netdoctor_core::sim::verify::Outcome;
use netdoctor_core::{ObjectRef, Severity};
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct PageData<'r> {
    pub title: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<FindingsIndex<'r>>,
    pub graph: &'r Graph,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_vs_measured: Option<&'r [Outcome]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<&'r str>,
}

#[derive(Serialize)]
pub(super) struct FindingsIndex<'r> {
    summary: &'r ReportSummary,
    namespaces: Vec<NamespaceIndex<'r>>,
}

#[derive(Serialize)]
struct NamespaceIndex<'r> {
    namespace: Option<&'r str>,
    worst: Severity,
    count: usize,
    objects: Vec<ObjectIndex<'r>>,
}

#[derive(Serialize)]
struct ObjectIndex<'r> {
    object: &'r ObjectRef,
    display: &'r str,
    worst: Severity,
    findings: Vec<FindingIndex<'r>>,
}

#[derive(Serialize)]
struct FindingIndex<'r> {
    /// The anchor of the finding in the page.
    id: &'r str,
    area: &'r str,
    code: &'r str,
    severity: Severity,
}

impl<'r> FindingsIndex<'r> {
    pub(super) fn of(f: &'r FindingsSection) -> FindingsIndex<'r> {
        FindingsIndex {
            summary: &f.summary,
            namespaces: f
                .namespaces
                .iter()
                .map(|ns| NamespaceIndex {
                    namespace: ns.namespace.as_deref(),
                    worst: ns.worst,
                    count: ns.count,
                    objects: ns
                        .objects
                        .iter()
                        .map(|o| ObjectIndex {
                            object: &o.object,
                            display: &o.display,
                            worst: o.worst,
                            findings: o
                                .findings
                                .iter()
                                .map(|rf| FindingIndex {
                                    id: &rf.id,
                                    area: &rf.area,
                                    code: &rf.finding.code,
                                    severity: rf.finding.severity,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

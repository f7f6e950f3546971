//! SVC findings on the example clusters: the seed shows each Service fault, the healthy
//! cluster none. Rendered as `code object message`, then evidence and fix lines.

mod common;

use common::{example, findings_of_area, render};
use netdoctor_core::rules::Area;

#[test]
fn seed_cluster_shows_every_service_fault() {
    let cluster = example("seed-cluster");
    eprintln!(
        "services {} pods {} unreadable {:?}",
        cluster.services().len(),
        cluster.pods().len(),
        cluster.unreadable()
    );
    let findings = findings_of_area(&cluster, Area::Svc);
    let got: Vec<(String, String)> = findings
        .iter()
        .map(|f| (f.code.clone(), f.object.name.clone()))
        .collect();
    for expected in [
        ("SVC001", "payments"),
        ("SVC002", "reports"),
        ("SVC003", "checkout"),
        ("SVC004", "api-service"),
        ("SVC005", "inventory"),
    ] {
        assert!(
            got.contains(&(expected.0.to_string(), expected.1.to_string())),
            "missing {expected:?} in {got:?}"
        );
    }
    insta::assert_snapshot!("seed_svc_findings", render(&findings));
}

#[test]
fn healthy_cluster_has_no_service_finding() {
    let cluster = example("healthy-cluster");
    let findings = findings_of_area(&cluster, Area::Svc);
    assert!(findings.is_empty(), "{}", render(&findings));
}

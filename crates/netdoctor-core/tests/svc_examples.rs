//! SVC findings on the example clusters: the seed shows each Service fault, the healthy
//! cluster none. Rendered as `code object message`, then evidence and fix lines.

use netdoctor_core::load::load_paths;
use netdoctor_core::model::{BuildOptions, Cluster};
use netdoctor_core::rules::{self, RunOptions};
use netdoctor_core::Finding;
use std::path::{Path, PathBuf};

fn example(dir: &str) -> Cluster {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(dir);
    let loaded = load_paths(&[path]).expect("example readable");
    Cluster::build(loaded, &BuildOptions::default())
}

fn svc_findings(cluster: &Cluster) -> Vec<Finding> {
    rules::run(cluster, &RunOptions::default())
        .into_iter()
        .filter(|f| f.code.starts_with("SVC"))
        .collect()
}

fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{} {} {}\n", f.code, f.object, f.message));
        for e in &f.evidence {
            out.push_str(&format!("  evidence: {e}\n"));
        }
        if let Some(fix) = &f.fix {
            out.push_str(&format!("  fix: {}\n", fix.title));
            for c in &fix.commands {
                out.push_str(&format!("    $ {c}\n"));
            }
            if let Some(y) = &fix.yaml {
                for l in y.lines() {
                    out.push_str(&format!("    | {l}\n"));
                }
            }
        }
    }
    out
}

#[test]
fn seed_cluster_shows_every_service_fault() {
    let cluster = example("seed-cluster");
    eprintln!(
        "services {} pods {} unreadable {:?}",
        cluster.services.len(),
        cluster.pods.len(),
        cluster.unreadable
    );
    let findings = svc_findings(&cluster);
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
    let findings = svc_findings(&cluster);
    assert!(findings.is_empty(), "{}", render(&findings));
}

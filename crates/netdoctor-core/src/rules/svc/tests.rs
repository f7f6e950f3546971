//! Every SVC fixture: `fires.yaml` gives its rule's finding (snapshotted as it is printed),
//! and `quiet.yaml` gives no SVC finding at all.

use crate::load::load_paths;
use crate::model::{BuildOptions, Cluster};
use crate::rules::{run, RunOptions};
use crate::text::edit_distance;
use std::path::PathBuf;

const CODES: [&str; 9] = [
    "SVC001", "SVC002", "SVC003", "SVC004", "SVC005", "SVC006", "SVC007", "SVC008", "SVC009",
];

fn fixture(code: &str, file: &str) -> Cluster {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(code)
        .join(file);
    let loaded = load_paths(&[path]).expect("fixture readable");
    Cluster::build(loaded, &BuildOptions::default())
}

fn render(cluster: &Cluster, code: &str) -> String {
    let mut out = String::new();
    for f in run(cluster, &RunOptions::default())
        .iter()
        .filter(|f| f.code == code)
    {
        out.push_str(&format!(
            "{}[{}] {} {}\n",
            f.severity, f.code, f.object, f.message
        ));
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
fn fires_fixtures_read_like_incident_notes() {
    let mut all = String::new();
    for code in CODES {
        let text = render(&fixture(code, "fires.yaml"), code);
        assert!(!text.is_empty(), "{code} did not fire on its fixture");
        all.push_str(&text);
    }
    insta::assert_snapshot!("svc_fixtures", all);
}

#[test]
fn quiet_fixtures_give_no_svc_finding() {
    for code in CODES {
        let cluster = fixture(code, "quiet.yaml");
        let findings: Vec<String> = run(&cluster, &RunOptions::default())
            .into_iter()
            .filter(|f| f.code.starts_with("SVC"))
            .map(|f| format!("{} {} {}", f.code, f.object, f.message))
            .collect();
        assert!(findings.is_empty(), "{code} quiet.yaml: {findings:#?}");
    }
}

#[test]
fn edit_distance_counts_characters() {
    assert_eq!(edit_distance("payment", "payments"), 1);
    assert_eq!(edit_distance("api", "api-service"), 8);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("grpc", "http-grpc"), 5);
}

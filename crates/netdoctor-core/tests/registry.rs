//! Registry tests over `RULES`: identity, documentation, and a firing and a quiet fixture
//! for every rule (`tests/fixtures/rules/<CODE>/fires.yaml` and `quiet.yaml`).

use netdoctor_core::load::load_paths;
use netdoctor_core::model::{BuildOptions, Cluster, InputFacts};
use netdoctor_core::rules::{self, RunOptions, RULES};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn fixture_dir(code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(code)
}

/// Loads a fixture; a fixture may name the kinds a live read was forbidden to list in a
/// first-line comment `# forbidden: NetworkPolicy,Ingress` (for INP003-style rules), and a
/// first-line `# live` marks the state as read from a live cluster (status is current).
pub fn load_fixture(path: &Path) -> Cluster {
    let loaded = load_paths(&[path.to_path_buf()]).expect("fixture readable");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let first_line = text.lines().next().unwrap_or_default();
    let input = InputFacts {
        live: first_line.trim() == "# live",
        unreadable_kinds: first_line
            .strip_prefix("# forbidden:")
            .map(|rest| rest.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default(),
        read_namespaces: None,
    };
    Cluster::build(
        loaded,
        &BuildOptions {
            input,
            ..BuildOptions::default()
        },
    )
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for r in RULES {
        assert!(codes.insert(r.code), "duplicate code {}", r.code);
        assert!(names.insert(r.name), "duplicate name {}", r.name);
        let (prefix, digits) = r.code.split_at(r.code.len() - 3);
        assert!(
            ["DNS", "SVC", "NP", "ING", "GW", "INP", "PRB"].contains(&prefix),
            "{}: unknown area prefix",
            r.code
        );
        assert!(digits.chars().all(|c| c.is_ascii_digit()), "{}", r.code);
        assert!(
            r.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}: name {:?} is not kebab-case",
            r.code,
            r.name
        );
    }
}

#[test]
fn every_rule_is_documented() {
    for r in RULES {
        for heading in [
            "## What it checks",
            "## Why it breaks traffic",
            "## How to fix",
            "## Example",
            "## References",
        ] {
            assert!(r.doc.contains(heading), "{} doc lacks {heading}", r.code);
        }
        assert!(!r.summary.is_empty(), "{} has no summary", r.code);
    }
}

#[test]
fn every_rule_fires_on_its_fixture_and_stays_quiet_on_the_other() {
    for r in RULES {
        let dir = fixture_dir(r.code);
        for (file, should_fire) in [("fires.yaml", true), ("quiet.yaml", false)] {
            let path = dir.join(file);
            assert!(
                path.exists(),
                "{} has no fixture {}",
                r.code,
                path.display()
            );
            let cluster = load_fixture(&path);
            let findings = rules::run(&cluster, &RunOptions::default());
            let fired = findings.iter().any(|f| f.code == r.code);
            assert_eq!(
                fired,
                should_fire,
                "{} on {}: findings were {:#?}",
                r.code,
                path.display(),
                findings
                    .iter()
                    .map(|f| format!("{} {} {}", f.code, f.object, f.message))
                    .collect::<Vec<_>>()
            );
        }
    }
}

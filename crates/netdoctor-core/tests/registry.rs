//! Registry tests over `RULES`: identity, documentation, and a firing and a quiet fixture
//! for every rule (`tests/fixtures/rules/<CODE>/fires.yaml` and `quiet.yaml`).

mod common;

use common::{load_fixture, rule_fixture_dir};
use netdoctor_core::rules::{self, RunOptions, RULES};
use std::collections::HashSet;

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for r in RULES {
        assert!(codes.insert(r.code), "duplicate code {}", r.code);
        assert!(names.insert(r.name), "duplicate name {}", r.name);
        let digits = r.code.strip_prefix(r.area.as_str()).unwrap_or_default();
        assert!(
            digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()),
            "{}: not the prefix of area {:?} and three digits",
            r.code,
            r.area
        );
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
        let dir = rule_fixture_dir(r.code);
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

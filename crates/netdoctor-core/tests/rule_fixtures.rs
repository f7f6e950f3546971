//! Every rule's firing fixture (`tests/fixtures/rules/<CODE>/fires.yaml`), rendered as an
//! incident note: one snapshot per rule, named after its code and name, that a reviewer can
//! read next to the rule's documentation.

mod common;

use common::{load_fixture, render_with_severity, rule_fixture_dir};
use netdoctor_core::rules::{self, RunOptions, RULES};

#[test]
fn every_rule_renders_its_firing_fixture() {
    for rule in RULES {
        let cluster = load_fixture(&rule_fixture_dir(rule.code).join("fires.yaml"));
        let fired: Vec<_> = rules::run(&cluster, &RunOptions::default())
            .into_iter()
            .filter(|f| f.code == rule.code)
            .collect();
        let text = render_with_severity(&fired);
        assert!(
            !text.is_empty(),
            "{} did not fire on its fixture",
            rule.code
        );
        // Input findings name the file: keep the snapshot the same on every checkout.
        let text = text.replace(concat!(env!("CARGO_MANIFEST_DIR"), "/"), "");
        insta::assert_snapshot!(format!("{}_{}", rule.code, rule.name), text);
    }
}

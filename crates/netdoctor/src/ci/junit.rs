//! JUnit XML (what CI test reporters read): one test suite per rule that ran, one test case
//! per object the rule checked; a case fails when the rule found something on the object at
//! or above `--fail-on`. A finding below `--fail-on` leaves the case passing, with the
//! finding in its output.

use netdoctor_core::rules::{checked::checked_objects, Rule, Suppressed, SuppressedBy, RULES};
use netdoctor_core::{Cluster, Finding, ObjectRef, Severity};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;

/// What the report is made of.
pub struct JunitInput<'a> {
    pub cluster: &'a Cluster,
    /// The rules that ran (after `--only` / `--skip`).
    pub rules: Vec<&'static Rule>,
    /// The namespace scope (empty: all).
    pub namespaces: &'a [String],
    /// The findings reported (after suppression).
    pub findings: &'a [Finding],
    /// The findings suppressed: their cases are skipped, with the reason.
    pub suppressed: &'a [Suppressed],
    /// `--fail-on` (None: nothing fails).
    pub fail_on: Option<Severity>,
}

fn describe(findings: &[&Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        s.push_str(&format!("{}[{}] {}\n", f.severity, f.code, f.message));
        for e in &f.evidence {
            s.push_str(&format!("  - {e}\n"));
        }
        if let Some(fix) = &f.fix {
            s.push_str(&format!("  fix: {}\n", fix.title));
            for c in &fix.commands {
                s.push_str(&format!("    $ {c}\n"));
            }
        }
    }
    s
}

fn case(rule: &Rule, name: String, found: &[&Finding], fail_on: Option<Severity>) -> TestCase {
    let worst = found.iter().map(|f| f.severity).max();
    let fails = matches!((worst, fail_on), (Some(w), Some(t)) if w >= t);
    let status = if fails {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let first = found.first().map(|f| f.message.as_str()).unwrap_or("");
        s.set_message(first.lines().next().unwrap_or(""));
        s.set_type(worst.map_or("error", |w| w.as_str()));
        s.set_description(describe(found));
        s
    } else {
        TestCaseStatus::success()
    };
    let mut c = TestCase::new(name, status);
    c.set_classname(format!("{}.{}", rule.code, rule.name));
    if !fails && !found.is_empty() {
        c.set_system_out(describe(found));
    }
    c
}

fn by_name(by: SuppressedBy) -> &'static str {
    match by {
        SuppressedBy::Annotation => "the netdoctor.io/ignore annotation",
        SuppressedBy::ConfigSkip => "the config's skip",
        SuppressedBy::ConfigIgnore => "the config's ignore",
    }
}

/// The JUnit XML report.
pub fn render(input: &JunitInput<'_>) -> Result<String, String> {
    let mut by_rule: BTreeMap<&str, BTreeMap<ObjectRef, Vec<&Finding>>> = BTreeMap::new();
    for f in input.findings {
        by_rule
            .entry(f.code.as_str())
            .or_default()
            .entry(f.object.clone())
            .or_default()
            .push(f);
    }
    let mut report = Report::new("netdoctor");
    for rule in RULES
        .iter()
        .filter(|r| input.rules.iter().any(|s| s.code == r.code))
    {
        let mut suite = TestSuite::new(format!("{} {}", rule.code, rule.name));
        let mut found = by_rule.remove(rule.code).unwrap_or_default();
        let mut suppressed: BTreeMap<ObjectRef, Vec<&Suppressed>> = BTreeMap::new();
        for s in input
            .suppressed
            .iter()
            .filter(|s| s.finding.code == rule.code)
        {
            suppressed
                .entry(s.finding.object.clone())
                .or_default()
                .push(s);
        }
        // A suppressed finding's object is one skipped case (unless something else was
        // found on it, which fails or passes as usual).
        let objects: Vec<ObjectRef> = checked_objects(input.cluster, rule, input.namespaces)
            .into_iter()
            .filter(|o| found.contains_key(o) || !suppressed.contains_key(o))
            .collect();
        if objects.is_empty() && found.is_empty() && suppressed.is_empty() {
            // A rule about the cluster as a whole (or with nothing to check) is one case.
            suite.add_test_case(case(rule, "cluster".to_string(), &[], input.fail_on));
        }
        for o in objects {
            let f = found.remove(&o).unwrap_or_default();
            suite.add_test_case(case(rule, o.to_string(), &f, input.fail_on));
        }
        for (o, f) in found {
            suite.add_test_case(case(rule, o.to_string(), &f, input.fail_on));
        }
        let count: usize = suppressed.values().map(Vec::len).sum();
        for (o, list) in suppressed {
            let mut status = TestCaseStatus::skipped();
            let why: Vec<String> = list
                .iter()
                .map(|s| format!("suppressed by {}: {}", by_name(s.by), s.finding.message))
                .collect();
            status.set_message(why.join("; "));
            let mut c = TestCase::new(o.to_string(), status);
            c.set_classname(format!("{}.{}", rule.code, rule.name));
            suite.add_test_case(c);
        }
        suite.add_property(("suppressed", count.to_string().as_str()));
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .map_err(|e| format!("cannot render JUnit XML: {e}"))
}

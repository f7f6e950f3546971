//! `netdoctor alerts` against the real Prometheus tools: `promtool check rules` accepts the
//! rules and `promtool test rules` fires (and does not fire) every alert as expected.

use std::path::Path;
use std::process::Command;

fn netdoctor(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// promtool, or None with the reason. On CI (CI=true) a missing promtool is a failure:
/// `.ci/run` installs Debian's `prometheus` package.
fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "promtool is missing on CI: .ci/run must install the prometheus package"
        );
        eprintln!("SKIPPED: promtool not installed (apt-get install prometheus)");
        return None;
    }
    Some("promtool")
}

#[test]
fn promtool_accepts_and_unit_tests_every_alert() {
    let Some(promtool) = promtool() else { return };
    let dir = std::env::temp_dir().join(format!("netdoctor-alerts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = netdoctor(&["alerts", "--plain"]);
    assert!(rules.status.success());
    std::fs::write(dir.join("rules.yml"), &rules.stdout).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/promtool/alerts_test.yml"),
        dir.join("alerts_test.yml"),
    )
    .unwrap();
    let check = Command::new(promtool)
        .args(["check", "rules", "rules.yml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let test = Command::new(promtool)
        .args(["test", "rules", "alerts_test.yml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn prometheus_rule_object_carries_the_same_groups() {
    let plain = netdoctor(&["alerts", "--plain", "-o", "json"]);
    let object = netdoctor(&["alerts", "-o", "json"]);
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    let object: serde_json::Value = serde_json::from_slice(&object.stdout).unwrap();
    assert_eq!(object["kind"], "PrometheusRule");
    assert_eq!(object["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(object["spec"]["groups"], plain["groups"]);
    // Every alert names what it measures: the guide's "latency" alert on transmit errors is
    // not repeated.
    let names: Vec<&str> = plain["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .map(|r| r["alert"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"NetdoctorPodNetworkTransmitErrors"));
    assert!(!names.contains(&"HighNetworkLatency"));
}

/// Every alert is prefixed `Netdoctor` (no collision with the coredns or kubernetes mixins)
/// and has a `runbook_url` naming its own section of `docs/runbooks.md`, which gives
/// netdoctor commands.
#[test]
fn every_alert_is_prefixed_and_has_a_runbook_section() {
    let plain = netdoctor(&["alerts", "--plain", "-o", "json"]);
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    let runbooks = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/runbooks.md"),
    )
    .unwrap();
    let mut count = 0;
    for rule in plain["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
    {
        count += 1;
        let name = rule["alert"].as_str().unwrap();
        assert!(
            name.starts_with("Netdoctor"),
            "{name} has no Netdoctor prefix"
        );
        let url = rule["annotations"]["runbook_url"].as_str().unwrap_or("");
        assert!(
            url.ends_with(&format!("docs/runbooks.md#{}", name.to_ascii_lowercase())),
            "{name}: runbook_url {url:?}"
        );
        let heading = format!("\n## {name}\n");
        let start = runbooks
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/runbooks.md has no section {name}"));
        let section = &runbooks[start + heading.len()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        assert!(
            section.contains("`netdoctor "),
            "the runbook of {name} gives no netdoctor command"
        );
    }
    assert!(count >= 11);
    // The PrometheusRule lives in the namespace of everything else.
    let object = netdoctor(&["alerts", "-o", "json"]);
    let object: serde_json::Value = serde_json::from_slice(&object.stdout).unwrap();
    assert_eq!(object["metadata"]["namespace"], "netdoctor");
}

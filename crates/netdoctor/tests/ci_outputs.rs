//! netdoctor in CI (issue 19): SARIF validated against the official schema, JUnit read by a
//! real consumer, the gates that must not pass by mistake, and the suppression config.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .expect("binary runs")
}

fn netdoctor(args: &[&str]) -> Output {
    run_in(&repo(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(o), stderr(o)))
}

/// Every example input: each directory under `examples/` and each file in them.
fn example_inputs() -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let rel = |p: &Path| {
            p.strip_prefix(repo())
                .unwrap_or(p)
                .display()
                .to_string()
                .trim_start_matches("./")
                .to_string()
        };
        out.push(format!(
            "examples/{}",
            d.file_name().unwrap().to_string_lossy()
        ));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let name = rel(&f);
            out.push(
                name.split_once("examples/")
                    .map(|(_, r)| format!("examples/{r}"))
                    .unwrap_or(name),
            );
        }
    }
    assert!(out.len() >= 4, "examples: {out:?}");
    out
}

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // The copy in the repository is the official one of ../shared/conformance when present.
    let shared = repo().join("../shared/conformance/sarif/sarif-schema-2.1.0.json");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        let official: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            schema,
            official,
            "tests/schemas differs from {}",
            shared.display()
        );
    }
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    // The validator does reject what the schema forbids.
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
    assert!(!validator.is_valid(&serde_json::json!({"version": "3.0", "runs": []})));
    validator
}

#[test]
fn sarif_validates_against_the_official_schema_for_every_example() {
    let validator = sarif_validator();
    for input in example_inputs() {
        let o = netdoctor(&["doctor", "-f", &input, "-o", "sarif"]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{input}: {}",
            stderr(&o)
        );
        let log = json(&o);
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{input}: SARIF invalid:\n{}",
            errors.join("\n")
        );
        // One result per finding.
        let doctor = json(&netdoctor(&["doctor", "-f", &input, "-o", "json"]));
        let results = log["runs"][0]["results"].as_array().unwrap();
        let findings = doctor["findings"].as_array().unwrap();
        let suppressed = doctor["suppressed"]["total"].as_u64().unwrap() as usize;
        assert_eq!(results.len(), findings.len() + suppressed, "{input}");
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        for r in results {
            let id = r["ruleId"].as_str().unwrap();
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], id);
            assert!(rules[i]["help"]["text"]
                .as_str()
                .unwrap()
                .contains("## How to fix"));
            assert!(r["partialFingerprints"]["netdoctorFinding/v1"].is_string());
            check_location(&input, r);
        }
    }
}

/// A physical location names a file of the input and the line its object starts at: the
/// line (or the next few) names the object's kind.
fn check_location(input: &str, r: &serde_json::Value) {
    let loc = &r["locations"][0];
    let fqn = loc["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap();
    let phys = &loc["physicalLocation"];
    let uri = phys["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("{input}: no physical location for {fqn}"));
    assert!(uri.starts_with("examples/"), "{uri}");
    let line = phys["region"]["startLine"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(repo().join(uri)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(line >= 1 && line <= lines.len(), "{uri}:{line}");
    if r["ruleId"] == "INP001" {
        return;
    }
    // `ns/kind/name`: the object's document or List item starts at `line`.
    let kind = fqn.split('/').rev().nth(1).unwrap();
    let window = lines[line - 1..(line + 3).min(lines.len())].join("\n");
    assert!(
        window
            .to_ascii_lowercase()
            .contains(&format!("kind: {kind}")),
        "{uri}:{line} does not start {fqn}:\n{window}"
    );
}

#[test]
fn live_objects_get_a_logical_location_only() {
    // A snapshot of a live read (the annotation netdoctor snapshot writes) is judged as live.
    let dir = tempdir("sarif-live");
    std::fs::write(
        dir.join("live.yaml"),
        "apiVersion: v1\nkind: List\nmetadata:\n  annotations:\n    netdoctor.io/live: \"true\"\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: api, namespace: prod}\n  spec:\n    selector: {app: api}\n    ports: [{port: 80}]\n",
    )
    .unwrap();
    let o = run_in(&dir, &["doctor", "-f", "live.yaml", "-o", "sarif"]);
    let log = json(&o);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{}", stdout(&o));
    for r in results {
        let loc = &r["locations"][0];
        assert!(loc["physicalLocation"].is_null(), "{r}");
        assert_eq!(
            loc["logicalLocations"][0]["fullyQualifiedName"],
            "prod/service/api"
        );
    }
    assert!(sarif_validator().is_valid(&log));
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netdoctor-ci-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The JUnit consumer: `junitparser` from PyPI (installed by .ci/run). Under CI its absence
/// is a failure, never a skip.
fn junitparser_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import junitparser"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI: the JUnit consumer junitparser is not installed (.ci/run installs it)"
        );
        eprintln!("python3 junitparser not installed; JUnit consumer check skipped");
    }
    ok
}

const READ_JUNIT: &str = r#"
import sys, json
from junitparser import JUnitXml, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
out = []
for suite in xml:
    for case in suite:
        kinds = [type(r).__name__ for r in case.result]
        out.append({"suite": suite.name, "name": case.name, "classname": case.classname,
                    "result": kinds, "message": [r.message for r in case.result]})
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "skipped": xml.skipped, "cases": out}))
"#;

fn read_junit(xml: &str) -> serde_json::Value {
    // One file per call: tests run in parallel.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("netdoctor-ci-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("report-{n}.xml"));
    std::fs::write(&path, xml).unwrap();
    let o = Command::new("python3")
        .args(["-c", READ_JUNIT, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "junitparser: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn junit_is_read_by_a_real_consumer() {
    if !junitparser_available() {
        return;
    }
    for input in example_inputs() {
        let o = netdoctor(&["doctor", "-f", &input, "-o", "junit"]);
        let code = o.status.code();
        let report = read_junit(&stdout(&o));
        let doctor = json(&netdoctor(&["doctor", "-f", &input, "-o", "json"]));
        let errors = doctor["summary"]["error"].as_u64().unwrap();
        let failures = report["failures"].as_u64().unwrap();
        // Failures: the (rule, object) pairs with an error; a pair can hold several.
        assert_eq!(failures > 0, errors > 0, "{input}");
        assert!(failures <= errors, "{input}");
        assert_eq!(code, Some(if errors > 0 { 1 } else { 0 }), "{input}");
        let cases = report["cases"].as_array().unwrap();
        // Every rule is a suite and every checked object a case: far more than the findings.
        assert!(
            cases.len() > doctor["findings"].as_array().unwrap().len(),
            "{input}"
        );
        assert!(cases
            .iter()
            .any(|c| c["result"].as_array().unwrap().is_empty()));
    }
    // --fail-on decides what is a failure.
    let o = netdoctor(&[
        "doctor",
        "-f",
        "examples/seed-cluster",
        "-o",
        "junit",
        "--fail-on",
        "warning",
    ]);
    let report = read_junit(&stdout(&o));
    let doctor = json(&netdoctor(&[
        "doctor",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]));
    let warnings = doctor["summary"]["warning"].as_u64().unwrap();
    let errors = doctor["summary"]["error"].as_u64().unwrap();
    let seed_failures = read_junit(&stdout(&netdoctor(&[
        "doctor",
        "-f",
        "examples/seed-cluster",
        "-o",
        "junit",
    ])))["failures"]
        .as_u64()
        .unwrap();
    assert!(warnings > 0 && errors > 0);
    assert!(report["failures"].as_u64().unwrap() > seed_failures);
    let o = netdoctor(&[
        "doctor",
        "-f",
        "examples/seed-cluster",
        "-o",
        "junit",
        "--fail-on",
        "none",
    ]);
    assert_eq!(read_junit(&stdout(&o))["failures"], 0);
    assert_eq!(o.status.code(), Some(0));
}

fn assert_usage(o: &Output, needles: &[&str]) {
    assert_eq!(
        o.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    let err = stderr(o);
    for n in needles {
        assert!(err.contains(n), "{n:?} not in: {err}");
    }
    assert!(stdout(o).is_empty(), "{}", stdout(o));
}

#[test]
fn a_mistyped_only_or_skip_is_exit_2_with_the_closest_rule() {
    let seed = "examples/seed-cluster";
    assert_usage(
        &netdoctor(&["doctor", "-f", seed, "--only", "SVC01"]),
        &["--only", "SVC01", "did you mean SVC001"],
    );
    assert_usage(
        &netdoctor(&[
            "doctor",
            "-f",
            seed,
            "--only",
            "SVC001,service-selects-no-pod",
        ]),
        &["did you mean SVC001 (service-selects-no-pods)"],
    );
    assert_usage(
        &netdoctor(&["doctor", "-f", seed, "--skip", "NP02"]),
        &["--skip", "did you mean NP002"],
    );
    // Codes and names both select the rule.
    let by_name = json(&netdoctor(&[
        "doctor",
        "-f",
        seed,
        "--only",
        "service-selects-no-pods",
        "-o",
        "json",
    ]));
    let by_code = json(&netdoctor(&[
        "doctor", "-f", seed, "--only", "svc001", "-o", "json",
    ]));
    assert_eq!(by_name["findings"], by_code["findings"]);
    let codes: Vec<&str> = by_name["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| *c == "SVC001"),
        "{codes:?}"
    );
    let skipped = json(&netdoctor(&[
        "doctor",
        "-f",
        seed,
        "--skip",
        "service-selects-no-pods",
        "-o",
        "json",
    ]));
    assert!(skipped["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"] != "SVC001"));
}

#[test]
fn a_namespace_absent_from_the_input_is_exit_2_for_every_command_that_takes_n() {
    let seed = "examples/seed-cluster";
    let commands: Vec<Vec<&str>> = vec![
        vec!["doctor"],
        vec!["policy", "map"],
        vec![
            "policy",
            "check",
            "--from",
            "production/api",
            "--to",
            "production/db",
            "--port",
            "80",
        ],
        vec!["dns", "check"],
        vec!["dns", "resolve", "api-service", "--from", "production/x"],
        vec!["trace", "--from", "production/x", "--to", "api-service:80"],
        vec!["ingress", "route", "http://shop.example.com/"],
        vec!["snapshot"],
    ];
    for mut c in commands {
        c.extend(["-f", seed, "-n", "prodution"]);
        assert_usage(
            &netdoctor(&c),
            &[
                "-n prodution",
                "no namespace \"prodution\"",
                "did you mean \"production\"",
            ],
        );
    }
    // A namespace the input has is fine.
    let o = netdoctor(&["policy", "map", "-f", seed, "-n", "production"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
}

#[test]
fn each_command_accepts_only_the_formats_it_implements() {
    assert_usage(
        &netdoctor(&["explain", "SVC001", "-o", "dot"]),
        &[
            "`explain` does not support -o dot",
            "table, txt, json, yaml, md",
        ],
    );
    assert_usage(
        &netdoctor(&["alerts", "-o", "table"]),
        &["`alerts` does not support -o table", "yaml, json"],
    );
    assert_usage(
        &netdoctor(&["rules", "-o", "sarif"]),
        &["`rules` does not support -o sarif"],
    );
    assert_usage(
        &netdoctor(&[
            "policy",
            "map",
            "-f",
            "examples/seed-cluster",
            "-o",
            "junit",
        ]),
        &["`policy map` does not support -o junit"],
    );
    assert_usage(
        &netdoctor(&["snapshot", "-f", "examples/seed-cluster", "-o", "md"]),
        &["`snapshot` does not support -o md", "json, yaml"],
    );
    // Defaults are unchanged: alerts prints YAML, snapshot JSON.
    let o = netdoctor(&["alerts"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("apiVersion:"), "{}", stdout(&o));
}

#[test]
fn min_severity_filters_what_is_printed_and_fail_on_still_gates() {
    let seed = "examples/seed-cluster";
    let all = json(&netdoctor(&["doctor", "-f", seed, "-o", "json"]));
    let o = netdoctor(&[
        "doctor",
        "-f",
        seed,
        "-o",
        "json",
        "--min-severity",
        "error",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let errors = json(&o);
    assert!(errors["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "error"));
    let hidden =
        all["summary"]["warning"].as_u64().unwrap() + all["summary"]["info"].as_u64().unwrap();
    assert!(hidden > 0);
    assert_eq!(errors["suppressed"]["below_min_severity"], hidden);
    // The exit gate sees the warnings that are not printed.
    let healthy_like = netdoctor(&[
        "doctor",
        "-f",
        seed,
        "--only",
        "SVC004,NP002",
        "--min-severity",
        "error",
        "--fail-on",
        "warning",
    ]);
    let shown = stdout(&healthy_like);
    assert_eq!(healthy_like.status.code(), Some(1), "{shown}");
    assert!(shown.contains("below --min-severity"), "{shown}");
    assert_usage(
        &netdoctor(&["doctor", "-f", seed, "--min-severity", "fatal"]),
        &["fatal"],
    );
}

#[test]
fn the_config_file_suppresses_and_every_output_says_how_many() {
    let dir = tempdir("config");
    let seed = repo().join("examples/seed-cluster");
    let seed = seed.to_str().unwrap();
    let base = json(&run_in(&dir, &["doctor", "-f", seed, "-o", "json"]));
    let count = |v: &serde_json::Value, code: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code)
            .count()
    };
    let svc001 = count(&base, "SVC001");
    assert!(svc001 > 0);
    std::fs::write(
        dir.join(".netdoctor.yaml"),
        "skip: [service-selects-no-pods]\nseverity: {NP002: error}\nignore:\n  namespaces: [monitoring]\n",
    )
    .unwrap();
    let o = run_in(&dir, &["doctor", "-f", seed, "-o", "json"]);
    let v = json(&o);
    assert_eq!(count(&v, "SVC001"), 0);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["object"]["namespace"] != "monitoring"));
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "NP002")
        .all(|f| f["severity"] == "error"));
    assert_eq!(v["suppressed"]["config_skip"], svc001);
    assert!(v["suppressed"]["config_ignore"].as_u64().unwrap() > 0);
    let total = v["suppressed"]["total"].as_u64().unwrap() as usize;
    assert_eq!(
        base["findings"].as_array().unwrap().len(),
        v["findings"].as_array().unwrap().len() + total
    );
    // The human summary says it too, and SARIF carries them as suppressed results.
    let table = stdout(&run_in(&dir, &["doctor", "-f", seed]));
    assert!(table.contains(&format!("{total} suppressed:")), "{table}");
    assert!(table.contains("by the config's skip"), "{table}");
    let sarif = json(&run_in(&dir, &["doctor", "-f", seed, "-o", "sarif"]));
    let dismissed = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .count();
    assert_eq!(dismissed, total);
    // JUnit: each suppressed (rule, object) is a skipped case.
    if junitparser_available() {
        let junit = read_junit(&stdout(&run_in(
            &dir,
            &["doctor", "-f", seed, "-o", "junit"],
        )));
        let skipped = junit["skipped"].as_u64().unwrap() as usize;
        assert!(skipped > 0 && skipped <= total, "{skipped} of {total}");
        let names: Vec<&str> = junit["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["result"] == serde_json::json!(["Skipped"]))
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("monitoring/")),
            "{names:?}"
        );
    }
    // --config names another file; a mistake in it is exit 2 naming it.
    std::fs::write(dir.join("bad.yaml"), "skip: [SVC01]\n").unwrap();
    assert_usage(
        &run_in(&dir, &["doctor", "-f", seed, "--config", "bad.yaml"]),
        &["bad.yaml", "did you mean SVC001"],
    );
    std::fs::write(dir.join("bad.yaml"), "skips: [SVC001]\n").unwrap();
    assert_usage(
        &run_in(&dir, &["doctor", "-f", seed, "--config", "bad.yaml"]),
        &["bad.yaml", "skips"],
    );
    assert_usage(
        &run_in(&dir, &["doctor", "-f", seed, "--config", "missing.yaml"]),
        &["missing.yaml"],
    );
}

#[test]
fn the_ignore_annotation_is_counted() {
    let dir = tempdir("annotation");
    std::fs::write(
        dir.join("svc.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: prod\n  annotations:\n    netdoctor.io/ignore: SVC001\nspec:\n  selector: {app: api}\n  ports: [{port: 80}]\n",
    )
    .unwrap();
    let o = run_in(&dir, &["doctor", "-f", "svc.yaml", "-o", "json"]);
    let v = json(&o);
    assert_eq!(v["suppressed"]["annotation"], 1, "{v}");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"] != "SVC001"));
    assert_eq!(v["inputs"], serde_json::json!(["svc.yaml"]));
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["netdoctor_version"], env!("CARGO_PKG_VERSION"));
    let table = stdout(&run_in(&dir, &["doctor", "-f", "svc.yaml"]));
    assert!(
        table.contains("1 suppressed: 1 by netdoctor.io/ignore annotations"),
        "{table}"
    );
}

#[test]
fn sarif_lines_point_at_the_document_or_list_item() {
    let dir = tempdir("lines");
    // A YAML stream: each object's document starts after its `---`.
    std::fs::write(
        dir.join("stream.yaml"),
        "# comment\napiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: prod\nspec:\n  selector: {app: a}\n  ports: [{port: 80}]\n",
    )
    .unwrap();
    // A JSON List as `kubectl get -o json` prints it.
    std::fs::write(
        dir.join("list.json"),
        "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\n      \"apiVersion\": \"v1\",\n      \"kind\": \"Service\",\n      \"metadata\": {\"name\": \"b\", \"namespace\": \"prod\"},\n      \"spec\": {\"selector\": {\"app\": \"b\"}, \"ports\": [{\"port\": 80}]}\n    },\n    {\n      \"apiVersion\": \"v1\",\n      \"kind\": \"Service\",\n      \"metadata\": {\"name\": \"c\", \"namespace\": \"prod\"},\n      \"spec\": {\"selector\": {\"app\": \"c\"}, \"ports\": [{\"port\": 80}]}\n    }\n  ],\n  \"kind\": \"List\"\n}\n",
    )
    .unwrap();
    let o = run_in(
        &dir,
        &[
            "doctor",
            "-f",
            "stream.yaml",
            "-f",
            "list.json",
            "--only",
            "SVC001",
            "-o",
            "sarif",
        ],
    );
    let log = json(&o);
    let mut got: Vec<(String, String, u64)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let l = &r["locations"][0];
            (
                l["logicalLocations"][0]["fullyQualifiedName"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                l["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("prod/service/a".into(), "stream.yaml".into(), 6),
            ("prod/service/b".into(), "list.json".into(), 4),
            ("prod/service/c".into(), "list.json".into(), 10),
        ]
    );
}

/// `diff -o sarif`: the findings a change brings, valid SARIF 2.1.0, located in the new
/// state's files (issue 19 item 2).
#[test]
fn diff_sarif_lists_the_findings_a_change_brings() {
    let dir = tempdir("diff-sarif");
    let seed = repo().join("examples/seed-cluster/cluster.yaml");
    let new = dir.join("new.yaml");
    // A Service that selects nothing: SVC001 appears in the new state.
    let extra = "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: orphan, namespace: production}\nspec:\n  selector: {app: nothing-has-this}\n  ports: [{port: 80}]\n";
    std::fs::write(&new, std::fs::read_to_string(&seed).unwrap() + extra).unwrap();
    let o = netdoctor(&[
        "diff",
        "--base",
        seed.to_str().unwrap(),
        "-f",
        new.to_str().unwrap(),
        "-o",
        "sarif",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let log = json(&o);
    let validator = sarif_validator();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(
        results.iter().any(|r| r["ruleId"] == "SVC001"
            && r["message"]["text"].to_string().contains("orphan")),
        "{log}"
    );
    let uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].to_string();
    assert!(uri.contains("new.yaml"), "{uri}");
}

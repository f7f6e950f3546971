//! Conformance of the connectivity diff against the np-guard netpol-analyzer corpus
//! (`shared/conformance/netpol-analyzer`, index.json key `diff`): every case whose two
//! scenarios hold only kinds netdoctor models must produce the expected txt, csv, md and dot
//! byte for byte, in upstream-compatible mode (hostNetwork pods analysed like other pods), or
//! be listed in `DEVIATIONS` with the reason. Cases holding a kind netdoctor does not model
//! are skipped with that reason and counted apart, so they can be switched on later.

mod common;

use common::load_paths;
use netdoctor_core::model::{BuildOptions, Cluster};
use netdoctor_core::sim::netpol::{
    diff_clusters, diff_csv, diff_dot, diff_md, diff_txt, DiffOptions, RefNames,
};
use std::path::{Path, PathBuf};

/// Upstream matches an Ingress backend's `service.port.number` against the Service's
/// `targetPort` as well as its `port` (`getPeerAccessPort` in netpol-analyzer's
/// ingress_analyzer.go). By Kubernetes semantics the number names a port of the Service: these
/// Ingresses name 8080, which only the targetPort holds (`port: 80`/`5000`), so the
/// controller reaches no backend and netdoctor lists no `{ingress-controller}` line.
const INGRESS_TARGET_PORT: &str = "upstream matches an Ingress backend port number against the Service's targetPort; Kubernetes matches the Service port only";

/// Cases that deviate: (dir1, dir2, format, reason). Everything else in a modelled case
/// matches byte for byte.
const DEVIATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "tests/onlineboutique_workloads",
        "tests/onlineboutique_workloads_with_ingress",
        "csv",
        INGRESS_TARGET_PORT,
    ),
    (
        "tests/k8s_ingress_test",
        "tests/k8s_ingress_test_new",
        "txt",
        INGRESS_TARGET_PORT,
    ),
    (
        "tests/k8s_ingress_test",
        "tests/k8s_ingress_test_new",
        "csv",
        INGRESS_TARGET_PORT,
    ),
    (
        "tests/k8s_ingress_test",
        "tests/k8s_ingress_test_new",
        "md",
        INGRESS_TARGET_PORT,
    ),
    (
        "tests/k8s_ingress_test",
        "tests/k8s_ingress_test_new",
        "dot",
        INGRESS_TARGET_PORT,
    ),
];

/// Kinds whose semantics netdoctor does not model, with the reason a case holding one is
/// skipped (AdminNetworkPolicy and BaselineAdminNetworkPolicy are modelled: their cases run).
const UNMODELLED_KINDS: &[(&str, &str)] = &[
    ("Route", "OpenShift Route is not read"),
    ("VirtualMachine", "KubeVirt VirtualMachine is not read"),
    (
        "UserDefinedNetwork",
        "OVN-Kubernetes UserDefinedNetwork is not modelled",
    ),
    (
        "ClusterUserDefinedNetwork",
        "OVN-Kubernetes ClusterUserDefinedNetwork is not modelled",
    ),
    (
        "NetworkAttachmentDefinition",
        "Multus NetworkAttachmentDefinition is not modelled",
    ),
    ("MultiNetworkPolicy", "MultiNetworkPolicy is not modelled"),
];

fn corpus() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(3)
        .map(|a| a.join("shared/conformance/netpol-analyzer"))
        .find(|p| p.join("index.json").exists())
}

/// Every format of the diff between two scenario folders, in upstream-compatible mode.
fn diff_outputs(dir1: &Path, dir2: &Path, names: &RefNames) -> [(&'static str, String); 4] {
    let build = |dir: &Path| {
        let loaded = load_paths(&[dir.to_path_buf()]).expect("scenario readable");
        Cluster::build(loaded, &BuildOptions::default())
    };
    let (c1, c2) = (build(dir1), build(dir2));
    let options = DiffOptions {
        namespaces: Vec::new(),
        host_network_as_pods: true,
    };
    let d = diff_clusters(&c1, &c2, &options).pairs;
    [
        ("txt", diff_txt(&d, names)),
        ("csv", diff_csv(&d, names)),
        ("md", diff_md(&d, names)),
        ("dot", diff_dot(&d, names)),
    ]
}

/// The first differing line, or None when equal byte for byte.
fn compare(got: &str, want: &str) -> Option<String> {
    if got == want {
        return None;
    }
    let g: Vec<&str> = got.split('\n').collect();
    let w: Vec<&str> = want.split('\n').collect();
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (g.get(i), w.get(i));
        if a != b {
            return Some(format!(
                "line {}:\n    got:  {:?}\n    want: {:?}",
                i + 1,
                a.unwrap_or(&"<none>"),
                b.unwrap_or(&"<none>")
            ));
        }
    }
    Some("differs".into())
}

fn skip_reason(idx: &serde_json::Value, case: &serde_json::Value) -> Option<String> {
    if case["options"]["multiple_networks"] == true {
        return Some("multiple networks (UDN/NAD) are not modelled".into());
    }
    let kinds = &idx["scenario_resource_kinds"];
    for dir in ["dir1", "dir2"] {
        let scenario = case[dir].as_str().unwrap_or_default();
        let key = scenario.trim_start_matches("tests/");
        let k = kinds.get(key).or_else(|| kinds.get(scenario));
        if let Some((kind, why)) = UNMODELLED_KINDS
            .iter()
            .find(|(u, _)| k.is_some_and(|k| k.get(*u).is_some()))
        {
            return Some(format!("{scenario} holds {kind}: {why}"));
        }
    }
    None
}

fn run_cases(section: &str, names: &RefNames) -> (usize, usize, Vec<String>, Vec<String>) {
    let Some(root) = corpus() else {
        return (0, 0, Vec::new(), Vec::new());
    };
    let text = std::fs::read_to_string(root.join("index.json")).expect("index.json");
    let idx: serde_json::Value = serde_json::from_str(&text).expect("index.json parses");
    let (mut passed, mut compared) = (0, 0);
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for case in idx[section].as_array().into_iter().flatten() {
        let dir1 = case["dir1"].as_str().unwrap_or_default();
        let dir2 = case["dir2"].as_str().unwrap_or_default();
        if let Some(why) = skip_reason(&idx, case) {
            skipped.push(format!("{dir1} -> {dir2}: {why}"));
            continue;
        }
        let outputs = diff_outputs(&root.join(dir1), &root.join(dir2), names);
        let mut case_ok = true;
        for (fmt, got) in &outputs {
            let Some(expected) = case["expected"][*fmt].as_str() else {
                continue;
            };
            compared += 1;
            let want = std::fs::read_to_string(root.join(expected)).expect("expected file");
            let deviation = DEVIATIONS
                .iter()
                .find(|(a, b, f, _)| *a == dir1 && *b == dir2 && f == fmt);
            match (compare(got, &want), deviation) {
                (None, None) => {}
                (None, Some(_)) => failures.push(format!(
                    "{dir1} -> {dir2} [{fmt}]: passes but is listed as a deviation"
                )),
                (Some(_), Some(_)) => case_ok = false,
                (Some(diff), None) => {
                    case_ok = false;
                    failures.push(format!("{dir1} -> {dir2} [{fmt}]: {diff}"));
                }
            }
        }
        if case_ok {
            passed += 1;
        }
    }
    eprintln!("{section}: {compared} outputs compared");
    (passed, skipped.len(), skipped, failures)
}

#[test]
fn diff_cases_match_upstream_byte_for_byte() {
    if corpus().is_none() {
        eprintln!("conformance corpus not found next to the repository; skipped");
        return;
    }
    let (passed, n_skipped, skipped, failures) = run_cases("diff", &RefNames::default());
    eprintln!(
        "diff corpus: {passed} cases pass, {n_skipped} skipped (kinds not modelled), {} cases with listed deviations, {} failing",
        deviating_cases(),
        failures.len()
    );
    for s in &skipped {
        eprintln!("  skipped: {s}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The counts the closing note of issue 19 reports; raise PASS when a skip is lifted.
    assert_eq!(passed, PASS, "pass count changed");
}

fn deviating_cases() -> usize {
    let cases: std::collections::BTreeSet<(&str, &str)> =
        DEVIATIONS.iter().map(|(a, b, _, _)| (*a, *b)).collect();
    cases.len()
}

/// The measured number of diff cases that pass (47 in the corpus: 40 pass, 5 skipped for
/// kinds not modelled (OpenShift Route, multi-network), 2 deviate as `DEVIATIONS` says).
const PASS: usize = 40;

#[test]
fn diff_with_renamed_columns_matches_upstream() {
    if corpus().is_none() {
        return;
    }
    let names = RefNames {
        base: "old".into(),
        new: "new".into(),
    };
    let (passed, _, _, failures) = run_cases("diff_arg_names", &names);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(passed, 1);
}

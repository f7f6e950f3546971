//! Conformance of what the Ingresses expose with the np-guard netpol-analyzer corpus
//! (`shared/conformance/netpol-analyzer`): in the scenarios with Ingresses and no
//! NetworkPolicy, the `{ingress-controller} => workload : TCP ports` lines of the expected
//! connlist output are exactly the workloads and ports `ingress_exposures` finds.
//!
//! Left out: scenarios with NetworkPolicies (the policy engine decides those lines),
//! OpenShift Routes (not read), UserDefinedNetworks.

mod common;

use common::load_paths;
use netdoctor_core::model::{BuildOptions, Cluster};
use netdoctor_core::sim::ingress::ingress_exposures;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(3)
        .map(|a| a.join("shared/conformance/netpol-analyzer"))
        .find(|p| p.join("index.json").exists())
}

const SCENARIOS: &[&str] = &[
    "ingress_example_with_named_port",
    "k8s_ingress_test",
    "multiple_ingress_objects_with_different_ports",
    "one_ingress_multiple_ports",
    "one_ingress_multiple_services",
];

fn ours(dir: &Path) -> BTreeSet<String> {
    let loaded = load_paths(&[dir.to_path_buf()]).expect("scenario readable");
    let cluster = Cluster::build(loaded, &BuildOptions::default());
    let mut by_group: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for e in ingress_exposures(&cluster) {
        by_group
            .entry(cluster.pods()[e.pod].group())
            .or_default()
            .insert(e.port);
    }
    by_group
        .into_iter()
        .map(|(g, ports)| {
            let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
            format!("{{ingress-controller}} => {g} : TCP {}", ports.join(","))
        })
        .collect()
}

#[test]
fn ingress_controller_lines_match_netpol_analyzer() {
    let Some(root) = corpus() else {
        eprintln!("conformance corpus not found next to the repository; skipped");
        return;
    };
    let mut checked = 0;
    for s in SCENARIOS {
        let expected_file = root.join(format!("test_outputs/connlist/{s}_connlist_output.txt"));
        let got = ours(&root.join("tests").join(s));
        let Ok(text) = std::fs::read_to_string(&expected_file) else {
            // No golden output upstream: the scenario must still expose something.
            assert!(!got.is_empty(), "{s}: nothing exposed");
            continue;
        };
        let want: BTreeSet<String> = text
            .lines()
            .filter(|l| l.starts_with("{ingress-controller}"))
            .map(str::to_string)
            .collect();
        assert_eq!(got, want, "{s}");
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} scenarios had golden outputs");
}

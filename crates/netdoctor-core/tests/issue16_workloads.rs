//! Issue 16 items 2, 3, 9 and 10 (workloads, derived pods, what dumps say): each case is a
//! small fixture in `tests/fixtures/issue16/`, its expectation from Kubernetes semantics.

mod common;

use common::load_fixture;
use netdoctor_core::model::Cluster;
use netdoctor_core::rules::{self, RunOptions};
use netdoctor_core::{Finding, Severity};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/issue16")
        .join(name)
}

fn cluster(name: &str) -> Cluster {
    load_fixture(&fixture(name))
}

fn findings(c: &Cluster) -> Vec<Finding> {
    rules::run(c, &RunOptions::default())
}

fn on<'a>(fs: &'a [Finding], code: &str, name: &str) -> Vec<&'a Finding> {
    fs.iter()
        .filter(|f| f.code == code && f.object.name == name)
        .collect()
}

#[test]
fn statefulset_pods_are_derived_with_their_identity() {
    let c = cluster("statefulset-per-pod-services.yaml");
    let names: Vec<&str> = c
        .pods()
        .iter()
        .filter(|p| p.derived)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["web-0", "web-1", "web-2"]);
    let web1 = c.pod("default", "web-1").expect("web-1 derived");
    assert_eq!(
        web1.labels
            .get("statefulset.kubernetes.io/pod-name")
            .map(String::as_str),
        Some("web-1")
    );
    assert_eq!(
        web1.labels
            .get("apps.kubernetes.io/pod-index")
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(web1.labels.get("app").map(String::as_str), Some("nginx"));
    assert_eq!(web1.hostname.as_deref(), Some("web-1"));
    assert_eq!(web1.subdomain.as_deref(), Some("nginx"));

    let fs = findings(&c);
    for svc in ["nginx", "web-announce-2", "web-by-index-1"] {
        assert!(on(&fs, "SVC001", svc).is_empty(), "{svc}: {fs:#?}");
    }
    // replicas is 3: there is no pod web-3, so its per-pod Service selects nothing.
    assert_eq!(on(&fs, "SVC001", "web-announce-3").len(), 1, "{fs:#?}");
}

#[test]
fn statefulset_pods_are_capped_and_the_cap_is_said() {
    let text = std::fs::read_to_string(fixture("statefulset-per-pod-services.yaml"))
        .expect("fixture")
        .replace("replicas: 3", "replicas: 100");
    let c = Cluster::build(
        netdoctor_core::load::load_text("big.yaml", &text),
        &Default::default(),
    );
    let derived = c.pods().iter().filter(|p| p.derived).count();
    assert_eq!(
        derived,
        netdoctor_core::model::MAX_DERIVED_STATEFULSET_PODS as usize
    );
    assert!(c.pod("default", "web-63").is_some());
    assert!(c.pod("default", "web-64").is_none());
    assert!(
        c.assumptions()
            .iter()
            .any(|a| a.contains("replicas 100") && a.contains("first 64")),
        "{:?}",
        c.assumptions()
    );
}

#[test]
fn pods_of_an_absent_replicaset_belong_to_their_deployment() {
    let c = cluster("deployment-pods-without-replicaset.yaml");
    let deploy = c
        .workload_index("Deployment", "shop", "web")
        .expect("deployment");
    let pods: Vec<&str> = c.pods().iter().map(|p| p.name.as_str()).collect();
    // No template pod is derived beside the real ones.
    assert_eq!(pods, ["web-7c9f6d5b8-abcde", "web-7c9f6d5b8-fghij"]);
    for p in c.pods() {
        assert_eq!(p.workload, Some(deploy), "{}", p.name);
        assert_eq!(p.group(), "shop/web[Deployment]");
    }
    let fs = findings(&c);
    assert!(on(&fs, "SVC008", "web").is_empty(), "{fs:#?}");
    assert!(on(&fs, "SVC001", "web").is_empty(), "{fs:#?}");
}

#[test]
fn pods_from_custom_resources_are_not_stated_missing() {
    let c = cluster("operator-custom-resources.yaml");
    let fs = findings(&c);
    // The selector names Prometheus: SVC010 (info) says the endpoints are unknown.
    assert!(on(&fs, "SVC001", "prometheus-k8s").is_empty(), "{fs:#?}");
    let svc010 = on(&fs, "SVC010", "prometheus-k8s");
    assert_eq!(svc010.len(), 1, "{fs:#?}");
    assert_eq!(svc010[0].severity, Severity::Info);
    assert!(
        svc010[0].message.contains("Prometheus (1)"),
        "{}",
        svc010[0].message
    );
    // A selector naming no custom kind: still reported, as a warning that names the kinds.
    let orphan = on(&fs, "SVC001", "orphan");
    assert_eq!(orphan.len(), 1, "{fs:#?}");
    assert_eq!(orphan[0].severity, Severity::Warning);
    assert!(
        orphan[0].message.contains("operator may create pods"),
        "{}",
        orphan[0].message
    );
    // The policy selecting Prometheus's pods, and its peer: info, and they say why.
    for code in ["NP002", "NP003"] {
        let f = on(&fs, code, "prometheus-k8s");
        assert_eq!(f.len(), 1, "{code}: {fs:#?}");
        assert_eq!(f[0].severity, Severity::Info, "{code}");
        assert!(
            f[0].message.contains("the selector names Prometheus"),
            "{}",
            f[0].message
        );
    }
    assert!(fs.iter().all(|f| f.severity != Severity::Error), "{fs:#?}");
}

#[test]
fn a_version_split_is_info_and_named_as_such() {
    let c = cluster("version-split.yaml");
    let fs = findings(&c);
    let reviews = on(&fs, "SVC008", "reviews");
    assert_eq!(reviews.len(), 1, "{fs:#?}");
    assert_eq!(reviews[0].severity, Severity::Info);
    assert!(
        reviews[0]
            .message
            .contains("2 versions of one app (version v1, v2)")
            && reviews[0].message.contains("version split"),
        "{}",
        reviews[0].message
    );
    let api = on(&fs, "SVC008", "api");
    assert_eq!(api.len(), 1, "{fs:#?}");
    assert_eq!(api[0].severity, Severity::Warning);
}

#[test]
fn a_duplicated_object_is_analysed_as_its_last_definition() {
    let c = cluster("duplicate-object.yaml");
    let svc = c.service("default", "web").expect("service");
    assert_eq!(
        svc.selector
            .as_ref()
            .and_then(|s| s.get("app"))
            .map(String::as_str),
        Some("web-v2")
    );
    let fs = findings(&c);
    let inp = on(&fs, "INP002", "web");
    assert_eq!(inp.len(), 1, "{fs:#?}");
    assert!(
        inp[0].message.contains("document 1")
            && inp[0]
                .message
                .contains("kubectl apply keeps the last definition")
            && inp[0].message.contains("document 2"),
        "{}",
        inp[0].message
    );
    let fix = inp[0].fix.as_ref().expect("fix");
    assert!(!fix.title.contains("reject"), "{}", fix.title);
}

#[test]
fn a_dumped_ingress_without_address_has_no_address() {
    let c = cluster("ingress-dump-without-address.yaml");
    assert!(!c.live());
    let fs = findings(&c);
    assert_eq!(on(&fs, "ING003", "dumped").len(), 1, "{fs:#?}");
    assert!(on(&fs, "ING003", "manifest").is_empty(), "{fs:#?}");
}

#[test]
fn a_derived_pod_is_described_as_not_created_yet() {
    let c = cluster("statefulset-per-pod-services.yaml");
    let i = c.pod_index("default", "web-1").expect("web-1");
    let (summary, _, _) = netdoctor_core::sim::service::pod_services(&c, i);
    assert!(summary.derived);
    assert_eq!(summary.phase, "not created yet");
    assert!(
        summary
            .status
            .starts_with("not created yet: derived from StatefulSet default/web's template"),
        "{}",
        summary.status
    );
    let json = serde_json::to_value(&summary).expect("json");
    assert_ne!(json["phase"], "Running");
}

/// Issue 16 item 3: custom resources are matched by object name too. Strimzi's bootstrap
/// Service selects `strimzi.io/cluster: my-cluster`: the `Kafka` named my-cluster is named in
/// the finding, which is info (SVC010), never an SVC001 error.
#[test]
fn custom_resource_named_by_its_object_name() {
    let c = cluster("strimzi-kafka.yaml");
    let fs = findings(&c);
    assert!(
        on(&fs, "SVC001", "my-cluster-kafka-bootstrap").is_empty(),
        "{fs:#?}"
    );
    let svc010 = on(&fs, "SVC010", "my-cluster-kafka-bootstrap");
    assert_eq!(svc010.len(), 1, "{fs:#?}");
    assert_eq!(svc010[0].severity, Severity::Info);
    assert!(
        svc010[0]
            .message
            .contains("the selector names Kafka kafka/my-cluster by its name"),
        "{}",
        svc010[0].message
    );
}

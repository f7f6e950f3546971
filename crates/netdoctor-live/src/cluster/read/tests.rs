use super::list::encode_query;
use super::page::metadata_page;
use super::*;
use crate::cluster::kinds::KINDS;

fn summary(jobs: &[Job]) -> Vec<String> {
    jobs.iter()
        .map(|j| {
            format!(
                "{}{}{}{}{}",
                j.spec.kind,
                j.namespace
                    .as_deref()
                    .map(|n| format!(" -n {n}"))
                    .unwrap_or_default(),
                if j.metadata_only { " meta" } else { "" },
                j.skip_namespace
                    .map(|n| format!(" skip {n}"))
                    .unwrap_or_default(),
                if j.primary { "" } else { " helper" },
            )
        })
        .collect()
}

#[test]
fn all_namespaces_plan() {
    let jobs = summary(&plan(&ReadScope::All, &[]));
    assert_eq!(jobs.len(), KINDS.len() + 1);
    assert!(jobs.contains(&"Pod".to_string()));
    assert!(jobs.contains(&"Secret meta".to_string()));
    assert!(jobs.contains(&"ConfigMap meta skip kube-system".to_string()));
    assert!(jobs.contains(&"ConfigMap -n kube-system helper".to_string()));
    assert!(jobs.contains(&"Namespace".to_string()));
}

#[test]
fn namespace_plan_adds_dns_and_controllers() {
    let jobs = summary(&plan(
        &ReadScope::Namespaces(vec!["prod".into()]),
        &["ingress-nginx".into(), "kube-system".into()],
    ));
    for expected in [
        "Namespace",
        "Node",
        "IngressClass",
        "Pod -n prod",
        "Pod -n kube-system helper",
        "Pod -n ingress-nginx helper",
        "Secret -n prod meta",
        "ConfigMap -n prod meta",
        "ConfigMap -n kube-system helper",
        "ConfigMap -n ingress-nginx meta helper",
    ] {
        assert!(
            jobs.contains(&expected.to_string()),
            "{expected} missing: {jobs:?}"
        );
    }
    // kube-system named once although it is also a helper namespace.
    assert_eq!(
        jobs.iter()
            .filter(|j| *j == "Pod -n kube-system helper")
            .count(),
        1
    );
    assert!(!jobs.iter().any(|j| j.starts_with("Pod -n other")));
}

#[test]
fn query_encoding() {
    assert_eq!(
        encode_query("app in (a,b)"),
        "app%20in%20%28a%2Cb%29".to_string()
    );
    assert_eq!(encode_query("eyJ2-_.~"), "eyJ2-_.~");
}

#[test]
fn metadata_pages_drop_data_and_last_applied() {
    let secret = KindSpec::by_kind("Secret").unwrap();
    let job = Job {
        spec: secret,
        namespace: None,
        metadata_only: true,
        skip_namespace: None,
        primary: true,
        label_selector: None,
    };
    // A server that ignores the metadata media type and sends whole Secrets.
    let text = r#"{"kind":"SecretList","apiVersion":"v1","metadata":{"continue":"abc"},
      "items":[{"metadata":{"name":"tls","namespace":"prod","annotations":{
        "kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"tls.key\":\"c2VjcmV0\"}}",
        "team":"web"}},"type":"kubernetes.io/tls","data":{"tls.key":"c2VjcmV0"}}]}"#;
    let tls = BTreeSet::from([("prod".to_string(), "tls".to_string())]);
    let (loaded, next) =
        metadata_page(&job, "v1", "/api/v1/secrets", 1, text.as_bytes(), &tls).unwrap();
    assert_eq!(next.as_deref(), Some("abc"));
    assert_eq!(loaded.objects.len(), 1);
    let json = loaded.objects[0].object.to_json().to_string();
    assert!(!json.contains("c2VjcmV0"), "{json}");
    // Secrets keep only allow-listed annotations (issue 17 item 2).
    assert!(!json.contains("\"team\""), "{json}");
    assert!(json.contains("\"kind\":\"Secret\""), "{json}");
    assert!(json.contains("\"type\":\"kubernetes.io/tls\""), "{json}");
}

/// Issue 17 item 8: one malformed Secret in a metadata page is reported on its own; the
/// other Secrets of the page are kept.
#[test]
fn one_malformed_item_does_not_drop_a_metadata_page() {
    let job = Job {
        spec: KindSpec::by_kind("Secret").unwrap(),
        namespace: None,
        metadata_only: true,
        skip_namespace: None,
        primary: true,
        label_selector: None,
    };
    let text = r#"{"kind":"SecretList","apiVersion":"v1","metadata":{},"items":[
      {"metadata":{"name":"a","namespace":"prod"}},
      {"metadata":{"name":"bad","namespace":"prod","labels":"not-a-map"}},
      {"metadata":{"name":"c","namespace":"prod"}}]}"#;
    let (loaded, _) = metadata_page(
        &job,
        "v1",
        "/api/v1/secrets",
        1,
        text.as_bytes(),
        &BTreeSet::new(),
    )
    .expect("the page is read");
    let names: Vec<String> = loaded
        .objects
        .iter()
        .map(|o| o.object.to_json()["metadata"]["name"].to_string())
        .collect();
    assert_eq!(names, ["\"a\"", "\"c\""], "{:?}", loaded.unreadable);
    assert_eq!(loaded.unreadable.len(), 1, "the bad item is reported");
    let (names, _) = super::page::metadata_names(text.as_bytes()).expect("names");
    assert_eq!(names.len(), 2);
}

#[test]
fn pages_that_are_not_lists_are_errors_with_their_position() {
    use super::page::{full_page, PageError, MAX_CONTINUE_TOKEN};
    let err = |body: &[u8]| {
        full_page("/api/v1/pods", 1, body, None)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        full_page(
            "/api/v1/pods",
            1,
            b"{\"items\":[],\"metadata\":{\"continue\":\"\xff\"}}",
            None
        )
        .unwrap_err(),
        PageError::NotUtf8 { offset: 36 }
    );
    assert!(err(b"{\"items\":[{]}").contains("line 1 column 12"));
    assert!(err(b"{\"kind\":\"Status\"}").contains("it has no \"items\""));
    assert!(err(b"[]").contains("not a list"));
    assert!(err(b"{\"items\":[],\"metadata\":{\"continue\":7}}").contains("not a list"));
    let long = format!(
        "{{\"items\":[],\"metadata\":{{\"continue\":\"{}\"}}}}",
        "a".repeat(MAX_CONTINUE_TOKEN + 1)
    );
    assert!(err(long.as_bytes()).contains("continue token"));
    // An empty token ends the list, `items: null` is an empty list.
    let (loaded, next) = full_page(
        "/api/v1/pods",
        1,
        b"{\"items\":null,\"metadata\":{\"continue\":\"\"}}",
        None,
    )
    .unwrap();
    assert!(loaded.objects.is_empty() && next.is_none());
}

/// Items of a custom resource without their own `apiVersion` take the version read: a
/// Calico `NetworkPolicy` is never taken for the Kubernetes one.
#[test]
fn custom_resource_items_take_the_version_read() {
    use super::page::full_page;
    let body = br#"{"kind":"NetworkPolicyList","items":[{"metadata":{"name":"p","namespace":"a"},"spec":{"selector":"all()"}}],"metadata":{}}"#;
    let calico = Some("crd.projectcalico.org/v1".to_string());
    let (loaded, _) = full_page(
        "/apis/crd.projectcalico.org/v1/networkpolicies",
        1,
        body,
        calico,
    )
    .expect("page");
    assert!(matches!(
        loaded.objects.as_slice(),
        [o] if matches!(o.object, netdoctor_core::load::ApiObject::ForeignPolicy(_))
    ));
    let cluster = netdoctor_core::model::Cluster::build(loaded, &Default::default());
    assert_eq!(cluster.foreign_policies().len(), 1);
}

/// The CI smoke run of the `live_list_page` fuzz target: its entry over the committed corpus.
#[test]
fn fuzz_corpus_smoke() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/live_list_page");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        super::fuzz_list_page(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 5, "{n} corpus files in {}", dir.display());
}

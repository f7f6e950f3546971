/// Fixtures on disk, read as the binary reads them.
pub(crate) mod files;

use super::*;

fn kinds(r: &LoadResult) -> Vec<String> {
    r.objects
        .iter()
        .map(|o| o.object.kind().to_string())
        .collect()
}

#[test]
fn multi_document_yaml_with_a_broken_document_keeps_the_others() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: a\nspec:\n  ports:\n  - port: 80\n   targetPort: 8080\n---\n# only a comment\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
    let r = load_text("x.yaml", text);
    assert_eq!(kinds(&r), vec!["Namespace", "Pod"]);
    assert_eq!(r.unreadable.len(), 1);
    let u = &r.unreadable[0];
    assert_eq!((u.file.as_str(), u.document), ("x.yaml", 2));
    assert!((13..=14).contains(&u.line), "line {}", u.line);
    assert_eq!(
        r.objects[1].origin.document, 4,
        "comment-only documents still count"
    );
    assert_eq!(r.objects[1].origin.line, 18);
}

#[test]
fn kubectl_list_with_items_before_kind_is_read_in_place() {
    let text = r#"{"apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"},"status":{"podIP":"10.0.0.1"}},{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":null}}],"kind":"List","metadata":{"resourceVersion":""}}"#;
    let r = load_text("l.json", text);
    assert!(r.unreadable.is_empty(), "{:?}", r.unreadable);
    assert_eq!(kinds(&r), vec!["Pod", "Service"]);
}

#[test]
fn typed_lists_give_their_kind_to_items_without_one() {
    let r = load_text(
        "p.json",
        r#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#,
    );
    assert_eq!(kinds(&r), vec!["Pod", "Pod"]);
    // Same with the kind after the items (hand-written).
    let r = load_text(
        "p.yaml",
        "items:\n- metadata: {name: a}\nkind: PodList\napiVersion: v1\n",
    );
    assert_eq!(kinds(&r), vec!["Pod"], "{:?}", r.unreadable);
}

#[test]
fn kind_after_spec_is_still_read() {
    let r = load_text(
        "s.yaml",
        "metadata: {name: s, namespace: n}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\nkind: Service\napiVersion: v1\n",
    );
    assert_eq!(kinds(&r), vec!["Service"]);
    let ApiObject::Service(s) = &r.objects[0].object else {
        panic!()
    };
    assert_eq!(s.spec.ports[0].port, 80);
    assert_eq!(s.spec.selector.as_ref().unwrap()["app"], "web");
}

#[test]
fn json_arrays_and_streams_are_read() {
    let r = load_text(
        "a.json",
        r#"[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}]
{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}}"#,
    );
    assert_eq!(kinds(&r), vec!["Namespace", "Namespace"]);
    assert_eq!(r.objects[1].origin.document, 2);
    assert_eq!(r.objects[1].origin.line, 2);
}

#[test]
fn broken_json_reports_the_line() {
    let r = load_text("b.json", "{\n \"kind\": \"Pod\",\n \"metadata\": {\n}}}");
    assert_eq!(r.unreadable.len(), 1);
    assert_eq!(r.unreadable[0].line, 4);
}

#[test]
fn secret_data_is_never_read() {
    let r = load_text(
        "s.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: tls, namespace: n}\ntype: kubernetes.io/tls\ndata:\n  tls.key: U0VDUkVU\nstringData:\n  password: hunter2\n",
    );
    let ApiObject::Secret(s) = &r.objects[0].object else {
        panic!()
    };
    assert_eq!(s.type_.as_deref(), Some("kubernetes.io/tls"));
    let json = r.objects[0].object.to_json().to_string();
    assert!(
        !json.contains("U0VDUkVU") && !json.contains("hunter2"),
        "{json}"
    );
}

#[test]
fn configmaps_keep_only_dns_configuration() {
    let r = load_text(
        "c.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: coredns, namespace: kube-system}\ndata:\n  Corefile: |\n    .:53 {\n    }\n  password: x\n",
    );
    let ApiObject::ConfigMap(c) = &r.objects[0].object else {
        panic!()
    };
    assert!(c.data.contains_key("Corefile"));
    assert!(!c.data.contains_key("password"));
}

#[test]
fn unknown_kinds_are_counted_not_kept() {
    let r = load_text(
        "k.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: y}\n",
    );
    assert_eq!(r.skipped_kinds.get("ClusterRole"), Some(&1));
    // A Calico NetworkPolicy is not a Kubernetes one, but it governs traffic: kept as a
    // policy kind netdoctor does not model (issue 16 item 4), never silently dropped.
    assert_eq!(r.objects.len(), 1);
    assert!(
        matches!(&r.objects[0].object, ApiObject::ForeignPolicy(p) if p.kind == "NetworkPolicy")
    );
    assert_eq!(r.skipped_kinds.get("NetworkPolicy"), None);
}

#[test]
fn unquoted_scalars_and_legacy_octal_are_accepted() {
    let r = load_text(
        "d.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, labels: {version: 1.0, canary: true}}\nspec:\n  template:\n    spec:\n      volumes: [{name: v, secret: {defaultMode: 0644}}]\n      containers: [{name: c, ports: [{containerPort: 80}]}]\n",
    );
    assert!(r.unreadable.is_empty(), "{:?}", r.unreadable);
    let ApiObject::Workload(_, w) = &r.objects[0].object else {
        panic!()
    };
    assert_eq!(w.metadata.labels["canary"], "true");
}

#[test]
fn document_markers_split_only_at_column_zero() {
    let docs = split_yaml_documents("a: 1\n---\nb: |\n  ---\n  x\n--- \nc: 3\n...\n");
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[1].first_line, 3);
    assert!(docs[1].text.contains("  ---"));
}

#[test]
fn an_object_without_kind_is_unreadable() {
    let r = load_text("n.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
    assert_eq!(r.unreadable.len(), 1);
    assert!(r.unreadable[0].reason.contains("kind"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = load_text("fuzz", &text);
        }

        #[test]
        fn yaml_like_text(text in "(apiVersion: v1\n|kind: (Pod|List|Service|PodList)\n|items:\n|- |  |metadata: \\{name: [a-z]{1,3}\\}\n|spec:\n|ports: \\[\\{port: -?[0-9]{1,6}\\}\\]\n|---\n|\\{|\\}|\\[|\\]|: |null\n|\"|'){0,40}") {
            let r = load_text("fuzz.yaml", &text);
            let _ = crate::model::Cluster::build(r, &Default::default());
        }
    }
}

#[test]
fn a_live_snapshot_is_recognised_by_its_list_annotation() {
    let live = load_text(
        "s.json",
        r#"{"apiVersion":"v1","items":[],"kind":"List","metadata":{"annotations":{"netdoctor.io/live":"true"}}}"#,
    );
    assert!(live.live && live.skipped_kinds.is_empty());
    let kind_first = load_text(
        "s.yaml",
        "apiVersion: v1\nkind: List\nmetadata:\n  annotations: {netdoctor.io/live: \"true\"}\nitems: []\n",
    );
    assert!(kind_first.live);
    let plain = load_text("p.json", r#"{"apiVersion":"v1","items":[],"kind":"List"}"#);
    assert!(!plain.live);
}

#[test]
fn yaml_stream_of_flow_mappings_is_read_as_yaml() {
    // Valid YAML: each document is a flow mapping (JSON syntax), separated by `---`.
    let text = "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"namespace\": \"a\"}}\n";
    let r = load_text("x.yaml", text);
    assert!(r.unreadable.is_empty(), "{:?}", r.unreadable);
    assert_eq!(kinds(&r), vec!["Namespace", "Pod"]);
}

/// Regression tests for issue 17 (items 2, 8 and the JSON part of 10).
mod hardening;

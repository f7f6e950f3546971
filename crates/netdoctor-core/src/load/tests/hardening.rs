//! Issue 17: one bad item no longer drops its List, stream or array (item 8); Secrets keep
//! only an allow-list of metadata (item 2); JSON duplicate keys are rejected as YAML's are
//! (item 10).

use super::*;

const BAD_PORT_POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","namespace":"web"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":"abc"}]}]}}"#;

fn good(name: &str) -> String {
    format!(r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"{name}"}}}}"#)
}

fn names(r: &LoadResult) -> Vec<String> {
    r.objects
        .iter()
        .filter_map(|o| o.object.metadata().and_then(|m| m.name.clone()))
        .collect()
}

fn one_reason(r: &LoadResult) -> &str {
    assert_eq!(r.unreadable.len(), 1, "{:?}", r.unreadable);
    &r.unreadable[0].reason
}

#[test]
fn json_list_with_a_bad_item_keeps_the_other_items() {
    // kubectl's key order: items before kind.
    let text = format!(
        "{{\"apiVersion\":\"v1\",\"items\":[\n{},\n{},\n{}\n],\"kind\":\"List\"}}",
        good("a"),
        BAD_PORT_POD,
        good("b")
    );
    let r = load_text("l.json", &text);
    assert_eq!(names(&r), vec!["a", "b"]);
    let reason = one_reason(&r);
    assert!(
        reason.contains("items[1].spec.containers[0].ports[0].containerPort"),
        "{reason}"
    );
    assert!(reason.contains("Pod web/bad"), "{reason}");
    assert_eq!(r.unreadable[0].line, 3, "the line of the bad item");
}

#[test]
fn yaml_list_with_a_bad_item_keeps_the_other_items() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: bad, namespace: web}\n  spec:\n    containers:\n    - name: c\n      ports:\n      - containerPort: abc\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n";
    let r = load_text("l.yaml", text);
    assert_eq!(names(&r), vec!["a", "b"]);
    let reason = one_reason(&r);
    assert!(
        reason.contains("items[1].spec.containers[0].ports[0].containerPort"),
        "{reason}"
    );
}

#[test]
fn typed_list_items_without_kind_recover_one_by_one() {
    let text = r#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"bad"},"spec":{"containers":[{"ports":[{"containerPort":"abc"}]}]}},{"metadata":{"name":"b"}}],"kind":"PodList","apiVersion":"v1"}"#;
    let r = load_text("p.json", text);
    assert_eq!(names(&r), vec!["a", "b"]);
    assert!(
        one_reason(&r).contains("items[1].spec"),
        "{:?}",
        r.unreadable
    );
}

#[test]
fn json_stream_goes_on_after_a_bad_document() {
    let text = format!("{}\n{}\n{}\n", good("a"), BAD_PORT_POD, good("b"));
    let r = load_text("s.json", &text);
    assert_eq!(names(&r), vec!["a", "b"]);
    assert_eq!(r.unreadable[0].document, 2);
    assert_eq!(r.unreadable[0].line, 2);
    assert!(
        one_reason(&r).contains("containerPort"),
        "{:?}",
        r.unreadable
    );
}

#[test]
fn json_array_with_a_bad_element_keeps_the_others() {
    let text = format!("[{},{},{}]", good("a"), BAD_PORT_POD, good("b"));
    let r = load_text("a.json", &text);
    assert_eq!(names(&r), vec!["a", "b"]);
    assert!(
        one_reason(&r).contains("[1].spec.containers[0]"),
        "{:?}",
        r.unreadable
    );
}

#[test]
fn list_items_inside_a_yaml_stream_and_many_bad_items_are_all_reported() {
    let mut items = Vec::new();
    for i in 0..50 {
        items.push(if i % 2 == 0 {
            good(&format!("n{i}"))
        } else {
            BAD_PORT_POD.to_string()
        });
    }
    let text = format!(
        "{{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[{}]}}",
        items.join(",\n")
    );
    let r = load_text("m.json", &text);
    assert_eq!(r.objects.len(), 25);
    assert_eq!(r.unreadable.len(), 25);
    assert_eq!(r.unreadable[24].line, 50);
}

#[test]
fn json_duplicate_keys_are_rejected_like_yaml_duplicates() {
    // kubectl (strict field validation, its default) rejects a duplicate field in JSON and in
    // YAML alike; netdoctor does the same instead of silently keeping the first `kind`.
    let json = r#"{"apiVersion":"v1","kind":"Namespace","kind":"Pod","metadata":{"name":"a"}}"#;
    let r = load_text("d.json", json);
    assert!(r.objects.is_empty(), "{:?}", kinds(&r));
    assert!(one_reason(&r).contains("duplicate"), "{:?}", r.unreadable);
    let yaml = "apiVersion: v1\nkind: Namespace\nkind: Pod\nmetadata: {name: a}\n";
    let r = load_text("d.yaml", yaml);
    assert!(r.objects.is_empty());
    assert!(one_reason(&r).contains("duplicate"), "{:?}", r.unreadable);
    // Nested: a label given twice, inside a List item; the other item is still read.
    let list = format!(
        r#"{{"kind":"List","items":[{},{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"x","labels":{{"a":"1","a":"2"}}}}}}]}}"#,
        good("ok")
    );
    let r = load_text("l.json", &list);
    assert_eq!(names(&r), vec!["ok"]);
    let reason = one_reason(&r);
    assert!(
        reason.contains("items[1].metadata.labels") && reason.contains("`a`"),
        "{reason}"
    );
}

const SECRET_VALUE: &str = "c3VwZXItc2VjcmV0";

fn leaky_secret_yaml() -> String {
    format!(
        "apiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata:\n  name: db\n  namespace: prod\n  labels: {{app: db}}\n  annotations:\n    kapp.k14s.io/original: '{{\"data\":{{\"password\":\"{SECRET_VALUE}\"}}}}'\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"data\":{{\"password\":\"{SECRET_VALUE}\"}}}}'\n    example.com/copy: '{SECRET_VALUE}'\n    netdoctor.io/ignore: ING001\ndata:\n  password: {SECRET_VALUE}\nstringData:\n  other: {SECRET_VALUE}\n"
    )
}

#[test]
fn secrets_keep_only_allow_listed_metadata() {
    for (name, text) in [
        ("s.yaml", leaky_secret_yaml()),
        ("l.json", {
            let v: serde_json::Value = serde_saphyr::from_str(&leaky_secret_yaml()).unwrap();
            format!("{{\"kind\":\"SecretList\",\"items\":[{v}]}}")
        }),
    ] {
        let r = load_text(name, &text);
        assert_eq!(r.objects.len(), 1, "{:?}", r.unreadable);
        let json = r.objects[0].object.to_json().to_string();
        assert!(!json.contains(SECRET_VALUE), "{name}: {json}");
        assert!(!json.contains("kapp.k14s.io"), "{name}: {json}");
        assert!(json.contains("netdoctor.io/ignore"), "{name}: {json}");
        assert!(json.contains("\"app\":\"db\""), "{name}: {json}");
        assert!(json.contains("\"type\":\"Opaque\""), "{name}: {json}");
    }
}

/// A YAML syntax error inside one item of a List (kubectl's layout) loses that item only:
/// the parser gives up on the whole document, so the items are cut and read one by one.
#[test]
fn yaml_list_with_a_syntax_error_in_one_item_keeps_the_others() {
    let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: [broken\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
    let r = load_text("l.yaml", text);
    assert_eq!(names(&r), vec!["a", "b"]);
    let u = &r.unreadable;
    assert_eq!(u.len(), 1, "{u:?}");
    assert!(u[0].reason.starts_with("items[1]: "), "{u:?}");
    assert!((7..=10).contains(&u[0].line), "{u:?}");
    // Objects carry the line of their own entry.
    let lines: Vec<usize> = r.objects.iter().map(|o| o.origin.line).collect();
    assert_eq!(lines, vec![3, 10]);
}

/// A typed List gives its item kind to the recovered items; an error outside `items` is
/// still reported while the items are kept.
#[test]
fn yaml_list_recovery_keeps_typed_kind_and_reports_errors_outside_items() {
    let text = "apiVersion: v1\nitems:\n- metadata:\n    name: a\nkind: NamespaceList\nmetadata: {resourceVersion: [\n";
    let r = load_text("l.yaml", text);
    assert_eq!(names(&r), vec!["a"]);
    assert_eq!(r.unreadable.len(), 1, "{:?}", r.unreadable);
    assert!(!r.unreadable[0].reason.starts_with("items["));
}

//! Routing tests: the Kubernetes documentation's path-matching table, host matching, class
//! resolution, ingress-nginx's merge order, defaultBackend, TLS and every outcome.

use super::*;
use crate::load::load_text;
use crate::model::{BuildOptions, Cluster, PathType};
use crate::sim::http::HttpRequest;

/// A cluster with ingress-nginx running (IngressClass `nginx`, default), one ready pod per
/// Service named in `services` (each `name` selects `app: name`, port 80 → 8080), plus `extra`.
fn cluster(services: &[&str], extra: &str) -> Cluster {
    let mut y = String::from(
        r#"
apiVersion: v1
kind: Node
metadata: {name: worker-1}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Pod
metadata:
  name: ingress-nginx-controller-abc
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
spec:
  containers: [{name: controller, ports: [{containerPort: 80, name: http}]}]
"#,
    );
    for s in services {
        y.push_str(&format!(
            r#"---
apiVersion: v1
kind: Service
metadata: {{name: {s}, namespace: default}}
spec:
  selector: {{app: {s}}}
  ports: [{{name: http, port: 80, targetPort: http}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: {s}-0, namespace: default, labels: {{app: {s}}}}}
spec:
  containers: [{{name: app, ports: [{{containerPort: 8080, name: http}}]}}]
"#
        ));
    }
    y.push_str("---\n");
    y.push_str(extra);
    Cluster::build(load_text("test.yaml", &y), &BuildOptions::default())
}

/// One Ingress `ing` for host `foo.com` with the given (pathType, path, service) entries.
fn ingress(name: &str, created: &str, host: Option<&str>, paths: &[(&str, &str, &str)]) -> String {
    let mut y = format!(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: default\n  creationTimestamp: \"{created}\"\nspec:\n  ingressClassName: nginx\n  rules:\n  - "
    );
    if let Some(h) = host {
        y.push_str(&format!("host: {h}\n    "));
    }
    y.push_str("http:\n      paths:\n");
    for (t, p, s) in paths {
        y.push_str(&format!(
            "      - {{path: \"{p}\", pathType: {t}, backend: {{service: {{name: {s}, port: {{number: 80}}}}}}}}\n"
        ));
    }
    y.push_str("---\n");
    y
}

fn get(c: &Cluster, url: &str) -> Route {
    route(
        c,
        &HttpRequest::parse(url).expect("url"),
        &RouteOptions::default(),
    )
}

fn served_by(c: &Cluster, url: &str) -> Option<String> {
    let r = get(c, url);
    if r.symptom == Symptom::Ok {
        r.backend.map(|b| b.service)
    } else {
        None
    }
}

// ----- The documentation's table (concepts/services-networking/ingress, "Examples") -----

/// Each row: pathType, path(s), request path, matches (and, with several paths, which one).
#[test]
fn path_matching_table_of_the_kubernetes_docs() {
    use PathType::*;
    // Single-path rows: (type, path, request, matches)
    let rows: &[(PathType, &str, &str, bool)] = &[
        (Prefix, "/", "/", true),
        (Prefix, "/", "/anything/at/all", true),
        (Exact, "/foo", "/foo", true),
        (Exact, "/foo", "/bar", false),
        (Exact, "/foo", "/foo/", false),
        (Exact, "/foo/", "/foo", false),
        (Prefix, "/foo", "/foo", true),
        (Prefix, "/foo", "/foo/", true),
        (Prefix, "/foo/", "/foo", true),
        (Prefix, "/foo/", "/foo/", true),
        (Prefix, "/aaa/bb", "/aaa/bbb", false),
        (Prefix, "/aaa/bbb", "/aaa/bbb", true),
        (Prefix, "/aaa/bbb/", "/aaa/bbb", true),
        (Prefix, "/aaa/bbb", "/aaa/bbb/", true),
        (Prefix, "/aaa/bbb", "/aaa/bbb/ccc", true),
        (Prefix, "/aaa/bbb", "/aaa/bbbxyz", false),
        (Prefix, "/aaa", "/ccc", false),
        // pathType definitions: /foo/bar matches /foo/bar/baz but not /foo/barbaz.
        (Prefix, "/foo/bar", "/foo/bar/baz", true),
        (Prefix, "/foo/bar", "/foo/barbaz", false),
        // Exact and Prefix are case-sensitive.
        (Exact, "/foo", "/FOO", false),
        (Prefix, "/foo", "/Foo/bar", false),
    ];
    for &(t, path, request, want) in rows {
        assert_eq!(
            path_matches(t, path, request),
            want,
            "spec: {} {path} vs {request}",
            t.as_str()
        );
        // The same through ingress-nginx's locations (the route engine).
        let c = cluster(
            &["svc"],
            &ingress(
                "ing",
                "2024-01-01T00:00:00Z",
                Some("foo.com"),
                &[(t.as_str(), path, "svc")],
            ),
        );
        let r = get(&c, &format!("http://foo.com{request}"));
        let got = r.symptom == Symptom::Ok;
        assert_eq!(
            got,
            want,
            "route: {} {path} vs {request}: {r:#?}",
            t.as_str()
        );
        if !want {
            assert_eq!(
                r.symptom,
                Symptom::Http404,
                "unmatched → default backend 404"
            );
        }
    }
}

#[test]
fn multi_path_rows_of_the_docs_table() {
    // Prefix /, /aaa — request /aaa/ccc → /aaa
    let c = cluster(
        &["root", "aaa", "bbb"],
        &ingress(
            "ing",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[
                ("Prefix", "/", "root"),
                ("Prefix", "/aaa", "aaa"),
                ("Prefix", "/aaa/bbb", "bbb"),
            ],
        ),
    );
    assert_eq!(
        served_by(&c, "http://foo.com/aaa/ccc").as_deref(),
        Some("aaa")
    );
    // Prefix /, /aaa, /aaa/bbb — request /aaa/bbb → /aaa/bbb
    assert_eq!(
        served_by(&c, "http://foo.com/aaa/bbb").as_deref(),
        Some("bbb")
    );
    // request /ccc → /
    assert_eq!(served_by(&c, "http://foo.com/ccc").as_deref(), Some("root"));
    let r = get(&c, "http://foo.com/aaa/bbb/x");
    assert_eq!(r.path.as_deref(), Some("/aaa/bbb"));
    assert_eq!(r.path_type.as_deref(), Some("Prefix"));

    // Mixed: /foo (Prefix) and /foo (Exact) — request /foo → Exact.
    let c = cluster(
        &["prefix", "exact"],
        &ingress(
            "ing",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/foo", "prefix"), ("Exact", "/foo", "exact")],
        ),
    );
    assert_eq!(
        served_by(&c, "http://foo.com/foo").as_deref(),
        Some("exact")
    );
    assert_eq!(
        served_by(&c, "http://foo.com/foo/").as_deref(),
        Some("prefix")
    );
    assert_eq!(
        served_by(&c, "http://foo.com/foo/x").as_deref(),
        Some("prefix")
    );

    // Longest path wins: /foo and /foo/bar.
    let c = cluster(
        &["foo", "foobar"],
        &ingress(
            "ing",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/foo", "foo"), ("Prefix", "/foo/bar", "foobar")],
        ),
    );
    assert_eq!(
        served_by(&c, "http://foo.com/foo/bar/baz").as_deref(),
        Some("foobar")
    );
    assert_eq!(
        served_by(&c, "http://foo.com/foo/baz").as_deref(),
        Some("foo")
    );
    assert_eq!(
        served_by(&c, "http://foo.com/foo/barbaz").as_deref(),
        Some("foo")
    );
}

#[test]
fn prefix_with_trailing_slash_is_reached_through_a_301() {
    let c = cluster(
        &["svc"],
        &ingress(
            "ing",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/aaa/bbb/", "svc")],
        ),
    );
    let r = get(&c, "http://foo.com/aaa/bbb");
    assert_eq!(r.symptom, Symptom::Ok);
    assert!(r.notes.iter().any(|n| n.contains("301")), "{:?}", r.notes);
}

#[test]
fn implementation_specific_is_prefix_in_ingress_nginx() {
    let c = cluster(
        &["svc"],
        &ingress(
            "ing",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("ImplementationSpecific", "/foo", "svc")],
        ),
    );
    assert_eq!(served_by(&c, "http://foo.com/foo").as_deref(), Some("svc"));
    assert_eq!(
        served_by(&c, "http://foo.com/foo/x").as_deref(),
        Some("svc")
    );
    assert_eq!(get(&c, "http://foo.com/foobar").symptom, Symptom::Http404);
    assert!(!path_matches(
        PathType::ImplementationSpecific,
        "/foo",
        "/foobar"
    ));
    // Under use-regex it is a case-insensitive string prefix.
    let ing = ingress(
        "ing",
        "2024-01-01T00:00:00Z",
        Some("foo.com"),
        &[("ImplementationSpecific", "/foo", "svc")],
    )
    .replace(
        "  creationTimestamp:",
        "  annotations: {nginx.ingress.kubernetes.io/use-regex: \"true\"}\n  creationTimestamp:",
    );
    let c = cluster(&["svc"], &ing);
    assert_eq!(
        served_by(&c, "http://foo.com/foobar").as_deref(),
        Some("svc")
    );
    assert_eq!(served_by(&c, "http://foo.com/FOO").as_deref(), Some("svc"));
}

#[test]
fn implementation_specific_and_prefix_of_the_same_path_conflict() {
    let extra = [
        ingress(
            "older",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("ImplementationSpecific", "/api", "old")],
        ),
        ingress(
            "newer",
            "2024-02-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/api", "new")],
        ),
    ]
    .concat();
    let c = cluster(&["old", "new"], &extra);
    assert_eq!(
        served_by(&c, "http://foo.com/api/x").as_deref(),
        Some("old")
    );
    assert_eq!(shadowed_paths(&c).len(), 1);
}

#[test]
fn use_regex_makes_every_path_of_the_host_a_case_insensitive_regex() {
    let mut ing = ingress(
        "ing",
        "2024-01-01T00:00:00Z",
        Some("foo.com"),
        &[
            ("ImplementationSpecific", "/api/v[0-9]+", "a"),
            ("Exact", "/exact", "b"),
        ],
    );
    ing = ing.replace(
        "  creationTimestamp:",
        "  annotations: {nginx.ingress.kubernetes.io/use-regex: \"true\"}\n  creationTimestamp:",
    );
    let c = cluster(&["a", "b"], &ing);
    assert_eq!(
        served_by(&c, "http://foo.com/api/v2/users").as_deref(),
        Some("a")
    );
    assert_eq!(served_by(&c, "http://foo.com/API/V2").as_deref(), Some("a"));
    // Exact loses its exactness under use-regex: `~* "^/exact"`.
    assert_eq!(
        served_by(&c, "http://foo.com/exact/more").as_deref(),
        Some("b")
    );
}

// ----- Hosts -----

#[test]
fn host_matching_follows_the_docs() {
    assert!(host_matches(Some("foo.bar.com"), "foo.bar.com"));
    assert!(host_matches(Some("foo.bar.com"), "FOO.Bar.com"));
    assert!(!host_matches(Some("foo.bar.com"), "bar.com"));
    assert!(host_matches(Some("*.foo.com"), "bar.foo.com"));
    assert!(!host_matches(Some("*.foo.com"), "baz.bar.foo.com"));
    assert!(!host_matches(Some("*.foo.com"), "foo.com"));
    assert!(host_matches(None, "anything.example"));
}

#[test]
fn exact_host_beats_wildcard_and_no_host_catches_the_rest() {
    let extra = [
        ingress(
            "wild",
            "2024-01-01T00:00:00Z",
            Some("\"*.foo.com\""),
            &[("Prefix", "/", "wild")],
        ),
        ingress(
            "exact",
            "2024-01-01T00:00:00Z",
            Some("bar.foo.com"),
            &[("Prefix", "/", "exact")],
        ),
        ingress(
            "any",
            "2024-01-01T00:00:00Z",
            None,
            &[("Prefix", "/", "any")],
        ),
    ]
    .concat();
    let c = cluster(&["wild", "exact", "any"], &extra);
    assert_eq!(
        served_by(&c, "http://bar.foo.com/").as_deref(),
        Some("exact")
    );
    assert_eq!(
        served_by(&c, "http://baz.foo.com/").as_deref(),
        Some("wild")
    );
    assert_eq!(
        served_by(&c, "http://a.baz.foo.com/").as_deref(),
        Some("any")
    );
    assert_eq!(served_by(&c, "http://foo.com/").as_deref(), Some("any"));
    assert_eq!(
        served_by(&c, "http://BAR.foo.com:8443/").as_deref(),
        Some("exact")
    );
    let r = get(&c, "http://baz.foo.com/");
    assert_eq!(r.host.as_deref(), Some("*.foo.com"));
    // Host header overrides the URL's host.
    let req = HttpRequest::parse("http://192.0.2.100/")
        .unwrap()
        .with_header("Host", "bar.foo.com");
    let r = route(&c, &req, &RouteOptions::default());
    assert_eq!(r.backend.map(|b| b.service).as_deref(), Some("exact"));
}

// ----- Merging and defaultBackend -----

#[test]
fn oldest_ingress_wins_a_conflicting_path() {
    let extra = [
        ingress(
            "newer",
            "2024-02-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/api", "new"), ("Prefix", "/only-new", "new")],
        ),
        ingress(
            "older",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/api", "old")],
        ),
    ]
    .concat();
    let c = cluster(&["old", "new"], &extra);
    let r = get(&c, "http://foo.com/api/x");
    assert_eq!(r.backend.as_ref().map(|b| b.service.as_str()), Some("old"));
    assert_eq!(r.ingress(), Some("default/older"));
    // Non-conflicting paths of both are merged.
    assert_eq!(
        served_by(&c, "http://foo.com/only-new").as_deref(),
        Some("new")
    );
    let sh = shadowed_paths(&c);
    assert_eq!(sh.len(), 1, "{sh:?}");
    assert_eq!(sh[0].loser, "default/newer");
    assert_eq!(sh[0].winner, "default/older");
}

#[test]
fn equal_timestamps_are_ordered_by_descending_name() {
    let extra = [
        ingress(
            "a",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/api", "sa")],
        ),
        ingress(
            "b",
            "2024-01-01T00:00:00Z",
            Some("foo.com"),
            &[("Prefix", "/api", "sb")],
        ),
    ]
    .concat();
    let c = cluster(&["sa", "sb"], &extra);
    assert_eq!(served_by(&c, "http://foo.com/api").as_deref(), Some("sb"));
}

fn with_default_backend(ing: String, svc: &str) -> String {
    ing.replace(
        "spec:\n  ingressClassName: nginx\n",
        &format!("spec:\n  ingressClassName: nginx\n  defaultBackend: {{service: {{name: {svc}, port: {{number: 80}}}}}}\n"),
    )
}

#[test]
fn default_backend_serves_only_the_hosts_its_ingress_created() {
    let extra = [
        with_default_backend(
            ingress(
                "first",
                "2024-01-01T00:00:00Z",
                Some("foo.com"),
                &[("Exact", "/x", "x")],
            ),
            "fallback",
        ),
        ingress(
            "other",
            "2024-01-02T00:00:00Z",
            Some("bar.com"),
            &[("Exact", "/y", "x")],
        ),
    ]
    .concat();
    let c = cluster(&["x", "fallback"], &extra);
    let r = get(&c, "http://foo.com/unmatched");
    assert_eq!(r.symptom, Symptom::Ok);
    assert_eq!(
        r.backend.as_ref().map(|b| b.service.as_str()),
        Some("fallback")
    );
    assert_eq!(r.path, None);
    // Another host: the controller's default backend (404).
    assert_eq!(
        get(&c, "http://bar.com/unmatched").symptom,
        Symptom::Http404
    );
    // An unknown host: the catch-all server, not this defaultBackend.
    assert_eq!(get(&c, "http://nothing.example/").symptom, Symptom::Http404);
}

#[test]
fn rule_less_ingress_default_backend_is_the_catch_all() {
    let extra = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: catch-all, namespace: default}
spec:
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
---
"#;
    let c = cluster(&["fallback"], extra);
    let r = get(&c, "http://whatever.example/any/path");
    assert_eq!(r.symptom, Symptom::Ok);
    assert_eq!(r.ingress(), Some("default/catch-all"));
    assert_eq!(r.backend.map(|b| b.service).as_deref(), Some("fallback"));
}

// ----- Classes -----

#[test]
fn class_resolution_field_annotation_default() {
    let c = cluster(
        &[],
        r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: field, namespace: default}
spec: {ingressClassName: traefik}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: annotated, namespace: default, annotations: {kubernetes.io/ingress.class: nginx}}
spec: {}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: default}
spec: {}
"#,
    );
    let by = |n: &str| resolve_class(&c, c.ingresses.iter().find(|i| i.name == n).unwrap());
    let f = by("field");
    assert!(!f.is_resolved());
    assert!(f.problem.unwrap().contains("traefik"));
    let a = by("annotated");
    assert_eq!(a.source, Some(ClassSource::Annotation));
    assert_eq!(a.controller.as_deref(), Some(INGRESS_NGINX));
    let p = by("plain");
    assert_eq!(p.source, Some(ClassSource::Default));
    assert_eq!(p.class.as_deref(), Some("nginx"));
}

#[test]
fn no_class_and_no_default_is_unresolved() {
    let y = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: default}
spec:
  rules: [{host: a.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]
"#;
    let c = Cluster::build(load_text("t.yaml", y), &BuildOptions::default());
    assert!(resolve_class(&c, &c.ingresses[0]).problem.is_some());
    let r = get(&c, "http://a.com/");
    assert_eq!(r.symptom, Symptom::NoAddress);
    assert_eq!(r.hops[0].step, "ingress-class");
    assert_eq!(r.hops[0].status, HopStatus::Fail);
}

#[test]
fn missing_class_gives_no_address() {
    let c = cluster(
        &["web"],
        &ingress(
            "legacy",
            "2024-01-01T00:00:00Z",
            Some("legacy.example.com"),
            &[("Prefix", "/", "web")],
        )
        .replace("ingressClassName: nginx", "ingressClassName: traefik"),
    );
    let r = get(&c, "http://legacy.example.com/");
    assert_eq!(r.symptom, Symptom::NoAddress);
    assert_eq!(r.ingress(), Some("default/legacy"));
    assert!(r.hops[0].detail.contains("traefik"), "{}", r.hops[0].detail);
}

#[test]
fn controller_without_running_pods_gives_no_address() {
    let y = format!(
        r#"apiVersion: v1
kind: Node
metadata: {{name: n1}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: nginx}}
spec: {{controller: k8s.io/ingress-nginx}}
---
{}"#,
        ingress(
            "i",
            "2024-01-01T00:00:00Z",
            Some("a.com"),
            &[("Prefix", "/", "s")]
        )
    );
    let c = Cluster::build(load_text("t.yaml", &y), &BuildOptions::default());
    let r = get(&c, "http://a.com/");
    assert_eq!(r.symptom, Symptom::NoAddress);
    assert!(r.hops[0].detail.contains("no pods"), "{}", r.hops[0].detail);
}

#[test]
fn ingress_class_option_selects_the_controller() {
    let c = cluster(
        &["web"],
        &ingress(
            "i",
            "2024-01-01T00:00:00Z",
            Some("a.com"),
            &[("Prefix", "/", "web")],
        ),
    );
    let r = route(
        &c,
        &HttpRequest::parse("http://a.com/").unwrap(),
        &RouteOptions {
            ingress_class: Some("nginx".into()),
        },
    );
    assert_eq!(r.symptom, Symptom::Ok);
    let r = route(
        &c,
        &HttpRequest::parse("http://a.com/").unwrap(),
        &RouteOptions {
            ingress_class: Some("nope".into()),
        },
    );
    assert_eq!(r.symptom, Symptom::NoAddress);
}

// ----- Backends -----

#[test]
fn missing_service_is_503() {
    let c = cluster(
        &[],
        &ingress(
            "i",
            "2024-01-01T00:00:00Z",
            Some("a.com"),
            &[("Prefix", "/", "shop-api")],
        ),
    );
    let r = get(&c, "http://a.com/");
    assert_eq!(r.symptom, Symptom::Http503);
    let hop = r.failing_hop().unwrap();
    assert_eq!(hop.step, "ingress-backend");
    assert_eq!(r.backend.unwrap().service, "shop-api");
}

#[test]
fn wrong_port_is_503() {
    let ing = ingress(
        "i",
        "2024-01-01T00:00:00Z",
        Some("a.com"),
        &[("Prefix", "/", "web")],
    )
    .replace("number: 80", "number: 9090");
    let c = cluster(&["web"], &ing);
    let r = get(&c, "http://a.com/");
    assert_eq!(r.symptom, Symptom::Http503);
    assert_eq!(r.failing_hop().unwrap().step, "service-port");
    // A named port works.
    let ing = ingress(
        "i",
        "2024-01-01T00:00:00Z",
        Some("a.com"),
        &[("Prefix", "/", "web")],
    )
    .replace("{number: 80}", "{name: http}");
    let c = cluster(&["web"], &ing);
    assert_eq!(get(&c, "http://a.com/").symptom, Symptom::Ok);
}

#[test]
fn no_ready_endpoints_is_503_and_unresolved_target_port_is_502() {
    let extra = format!(
        r#"{}apiVersion: v1
kind: Service
metadata: {{name: down, namespace: default}}
spec:
  selector: {{app: down}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: down-0, namespace: default, labels: {{app: down}}}}
spec: {{containers: [{{name: app}}]}}
status:
  phase: Running
  podIP: 10.244.1.7
  conditions: [{{type: Ready, status: "False"}}]
  containerStatuses: [{{name: app, ready: false, restartCount: 14, state: {{waiting: {{reason: CrashLoopBackOff}}}}}}]
---
apiVersion: v1
kind: Service
metadata: {{name: badport, namespace: default}}
spec:
  selector: {{app: badport}}
  ports: [{{port: 80, targetPort: grpc}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: badport-0, namespace: default, labels: {{app: badport}}}}
spec: {{containers: [{{name: app, ports: [{{containerPort: 50051, name: http-grpc}}]}}]}}
---
"#,
        ingress(
            "i",
            "2024-01-01T00:00:00Z",
            Some("a.com"),
            &[("Prefix", "/down", "down"), ("Prefix", "/bad", "badport")]
        )
    );
    let c = cluster(&[], &extra);
    let r = get(&c, "http://a.com/down");
    assert_eq!(r.symptom, Symptom::Http503);
    let hop = r.failing_hop().unwrap();
    assert_eq!(hop.step, "endpoints");
    assert!(hop.detail.contains("CrashLoopBackOff"), "{}", hop.detail);
    let r = get(&c, "http://a.com/bad");
    assert_eq!(r.symptom, Symptom::Http502);
    assert_eq!(r.failing_hop().unwrap().step, "target-port");
}

#[test]
fn no_match_is_404_naming_the_paths() {
    let c = cluster(
        &["web"],
        &ingress(
            "i",
            "2024-01-01T00:00:00Z",
            Some("a.com"),
            &[("Exact", "/only", "web")],
        ),
    );
    let r = get(&c, "http://a.com/other");
    assert_eq!(r.symptom, Symptom::Http404);
    let hop = r.failing_hop().unwrap();
    assert_eq!(hop.step, "ingress-rule");
    assert!(hop.detail.contains("/only (Exact)"), "{}", hop.detail);
}

// ----- TLS -----

#[test]
fn tls_secret_missing_serves_the_fake_certificate() {
    let ing = ingress(
        "i",
        "2024-01-01T00:00:00Z",
        Some("a.com"),
        &[("Prefix", "/", "web")],
    )
    .replace(
        "  rules:\n",
        "  tls: [{hosts: [a.com], secretName: a-tls}]\n  rules:\n",
    );
    let c = cluster(&["web"], &ing);
    let r = get(&c, "https://a.com/");
    let tls = r.hops.iter().find(|h| h.step == "tls").unwrap();
    assert_eq!(tls.status, HopStatus::Warn);
    assert!(tls.detail.contains("Fake Certificate"));
    let c = cluster(&["web"], &format!("{ing}apiVersion: v1\nkind: Secret\nmetadata: {{name: a-tls, namespace: default}}\ntype: kubernetes.io/tls\n"));
    let r = get(&c, "https://a.com/");
    assert_eq!(
        r.hops.iter().find(|h| h.step == "tls").unwrap().status,
        HopStatus::Pass
    );
    let r = get(&c, "http://a.com/");
    // ssl-redirect: plain http gets 308 to https, as an outcome.
    assert_eq!(r.symptom, Symptom::Http308);
    assert_eq!(
        r.outcome.redirect.as_ref().map(|x| x.location.as_str()),
        Some("https://a.com/")
    );
}

// ----- Requests -----

#[test]
fn url_parsing_and_normalisation() {
    let r =
        HttpRequest::parse("https://App.Example.com:8443/api//users/../v1/%7Euser?x=1#f").unwrap();
    assert_eq!(r.host, "app.example.com");
    assert_eq!(r.port, 8443);
    assert_eq!(r.path, "/api/v1/~user");
    assert_eq!(HttpRequest::parse("app.example.com").unwrap().path, "/");
    assert_eq!(
        HttpRequest::parse("http://a.com/foo/").unwrap().path,
        "/foo/"
    );
    assert!(HttpRequest::parse("ftp://a.com/").is_err());
    assert!(HttpRequest::parse("http:///x").is_err());
    let v6 = HttpRequest::parse("http://[2001:db8::1]:8080/").unwrap();
    assert_eq!(v6.host, "2001:db8::1");
}

#[test]
fn json_shape_matches_the_interface() {
    let c = cluster(
        &["web"],
        &ingress(
            "i",
            "2024-01-01T00:00:00Z",
            Some("a.com"),
            &[("Prefix", "/api", "web")],
        ),
    );
    let r = get(&c, "https://a.com/api/users");
    let v = serde_json::to_value(&r).unwrap();
    for k in [
        "url",
        "ingress",
        "host",
        "path",
        "path_type",
        "backend",
        "symptom",
        "hops",
    ] {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    assert_eq!(v["backend"]["port"], "80");
    assert_eq!(v["ingress"], "default/i");
    assert_eq!(v["hops"][0]["step"], "ingress-class");
    assert!(v.get("gateway").is_none());
}

// ----- NetworkPolicy between controller and backend -----

#[test]
fn policy_blocking_the_controller_is_504() {
    let deny = r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: default}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
"#;
    let ing = ingress(
        "i",
        "2024-01-01T00:00:00Z",
        Some("a.com"),
        &[("Prefix", "/", "web")],
    );
    let c = cluster(&["web"], &format!("{ing}{deny}"));
    let r = get(&c, "http://a.com/");
    assert_eq!(r.symptom, Symptom::Http504, "{r:#?}");
    let hop = r.failing_hop().unwrap();
    assert_eq!(hop.step, "ingress-policy");
    assert!(
        hop.detail.contains("default/default-deny-ingress"),
        "{}",
        hop.detail
    );

    let allow = r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress-nginx, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
---
"#;
    let c = cluster(&["web"], &format!("{ing}{deny}{allow}"));
    let r = get(&c, "http://a.com/");
    assert_eq!(r.symptom, Symptom::Ok, "{r:#?}");
    assert_eq!(r.hops.last().unwrap().step, "ingress-policy");
    assert_eq!(r.hops.last().unwrap().status, HopStatus::Pass);
}

#[test]
fn classes_of_one_controller_are_merged() {
    let extra = format!(
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {{name: nginx-b}}\nspec: {{controller: k8s.io/ingress-nginx}}\n---\n{}{}",
        ingress("older", "2024-01-01T00:00:00Z", Some("foo.com"), &[("Prefix", "/api", "old")]),
        ingress("newer", "2024-02-01T00:00:00Z", Some("foo.com"), &[("Prefix", "/api", "new")])
            .replace("ingressClassName: nginx", "ingressClassName: nginx-b"),
    );
    let c = cluster(&["old", "new"], &extra);
    assert_eq!(served_by(&c, "http://foo.com/api").as_deref(), Some("old"));
    assert_eq!(shadowed_paths(&c).len(), 1);
}

// ----- Controller pods: one identification for doctor, ingress route and trace -----

/// ingress-nginx's own manifests (a Deployment, no Node, nothing in kube-system) with a
/// default-deny ingress policy on the backend: the controller pods are known although the
/// input is not a whole cluster, so `ingress route` reaches the same verdict as NP005 (504).
#[test]
fn controller_pods_from_manifests_agree_with_np005() {
    let y = r#"
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
    spec:
      containers: [{name: controller, ports: [{containerPort: 80}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, ports: [{containerPort: 8080, name: http}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: default}
spec:
  ingressClassName: nginx
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"#;
    let c = Cluster::build(load_text("t.yaml", y), &BuildOptions::default());
    assert!(!input_covers_cluster(&c));
    let pods = ingress_controller_pods(&c, &c.ingresses[0]);
    assert_eq!(pods.len(), 1);
    assert_eq!(c.pods[pods[0]].namespace, "ingress-nginx");
    let r = get(&c, "http://web.example.com/");
    assert_eq!(r.symptom, Symptom::Http504, "{:?}", r.hops);
    assert_eq!(r.failing_hop().map(|h| h.step), Some("ingress-policy"));
    let mut findings = Vec::new();
    (crate::rules::np::ingress_controller_blocked_by_policy::RULE.check)(&c, &mut findings);
    assert_eq!(findings.len(), 1, "NP005 fires on the same input");
}

/// Well-known labels first; among the pods found, the component=controller ones (a Helm
/// install labels its admission Job pods with the chart's name too).
#[test]
fn controller_pods_prefer_the_component_controller_label() {
    let c = cluster(
        &[],
        r#"apiVersion: v1
kind: Pod
metadata:
  name: ingress-nginx-admission-create-x
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: admission-webhook}
status: {phase: Succeeded}
"#,
    );
    let pods = controller_pods(&c, INGRESS_NGINX);
    let names: Vec<&str> = pods.iter().map(|&i| c.pods[i].name.as_str()).collect();
    assert_eq!(names, ["ingress-nginx-controller-abc"]);
}

/// A controller not in the table of well-known labels: its pods are found by its name.
#[test]
fn unknown_controllers_are_found_by_name() {
    let c = cluster(
        &[],
        r#"apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: acme}
spec: {controller: example.com/acme}
---
apiVersion: v1
kind: Pod
metadata: {name: acme-7f9, namespace: edge, labels: {app: acme}}
status: {phase: Running}
"#,
    );
    match controller_status(&c, "example.com/acme") {
        ControllerStatus::Pods {
            running,
            total,
            looked_for,
            ..
        } => {
            assert_eq!((running, total), (1, 1));
            assert_eq!(looked_for, "app=acme");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        controller_status(&c, "example.com/other"),
        ControllerStatus::Unknown
    );
}

/// The live reader finds the controllers' namespaces with selectors derived from the same
/// table of well-known labels.
#[test]
fn controller_pod_selectors_cover_the_table() {
    assert_eq!(
        controller_pod_selectors(),
        [
            "app.kubernetes.io/name in (ingress-nginx,nginx-ingress,traefik,kubernetes-ingress,contour,kong,aws-load-balancer-controller)",
            "app in (ingress-nginx,nginx-ingress,contour,istiod,istio-ingressgateway)",
            "istio in (ingressgateway)",
        ]
    );
}

//! Conformance-style scenarios written from the Gateway API specification (HTTPRoute and
//! GRPCRoute matching, hostname intersection, cross-namespace references, precedence,
//! weights) and from what its conformance suite checks.

use super::*;
use crate::load::load_text;
use crate::model::{BuildOptions, Cluster, GwCondition, RouteKind};
use crate::sim::http::HttpRequest;

const BASE: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {shared-gateway-access: "true"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
status:
  conditions: [{type: Accepted, status: "True", reason: Accepted}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: eg
  listeners:
  - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
  - name: wild
    protocol: HTTP
    port: 8080
    hostname: "*.example.com"
    allowedRoutes: {namespaces: {from: All}}
  - name: https
    protocol: HTTPS
    port: 443
    hostname: secure.example.com
    tls: {certificateRefs: [{name: secure-cert}]}
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchLabels: {shared-gateway-access: "true"}}
  - {name: same-only, protocol: HTTP, port: 9090}
status:
  addresses: [{type: IPAddress, value: 192.0.2.50}]
  conditions: [{type: Accepted, status: "True"}, {type: Programmed, status: "True"}]
"#;

/// A Service `name` in `ns` with port 8080 → 8080, `ready` ready pods and `not_ready` pods
/// that are Running but not Ready, and the EndpointSlice the controller would write.
fn svc(ns: &str, name: &str, ready: usize, not_ready: usize) -> String {
    let mut out = format!(
        r#"---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 8080, targetPort: 8080}}]
"#
    );
    let mut eps = String::new();
    for i in 0..ready + not_ready {
        let is_ready = i < ready;
        let ip = format!("10.{}.{}.{}", name.len(), ns.len(), i + 1);
        out.push_str(&format!(
            r#"---
apiVersion: v1
kind: Pod
metadata: {{name: {name}-{i}, namespace: {ns}, labels: {{app: {name}}}}}
spec:
  containers: [{{name: app, image: app, ports: [{{containerPort: 8080}}]}}]
status:
  phase: Running
  podIP: {ip}
  conditions: [{{type: Ready, status: "{}"}}]
"#,
            if is_ready { "True" } else { "False" }
        ));
        eps.push_str(&format!(
            "  - {{addresses: [\"{ip}\"], conditions: {{ready: {is_ready}}}}}\n"
        ));
    }
    if eps.is_empty() {
        eps = "  []\n".into();
    }
    out.push_str(&format!(
        r#"---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: {name}-abc, namespace: {ns}, labels: {{kubernetes.io/service-name: {name}}}}}
addressType: IPv4
ports: [{{name: http, port: 8080, protocol: TCP}}]
endpoints:
{eps}"#
    ));
    out
}

/// The Secret listener `https` of the base Gateway names.
const SECURE_CERT: &str = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: secure-cert, namespace: infra}\ntype: kubernetes.io/tls\n";

fn cluster(extra: &str) -> Cluster {
    build(
        &format!("{BASE}\n{SECURE_CERT}\n{extra}"),
        &BuildOptions::default(),
    )
}

fn build(text: &str, opts: &BuildOptions) -> Cluster {
    let loaded = load_text("test.yaml", text);
    assert!(loaded.unreadable.is_empty(), "{:?}", loaded.unreadable);
    Cluster::build(loaded, opts)
}

fn run(c: &Cluster, url: &str) -> GwRouteResult {
    run_req(c, HttpRequest::parse_grpc(url).expect("url"))
}

fn run_req(c: &Cluster, req: HttpRequest) -> GwRouteResult {
    route(
        c,
        &req,
        &GwRouteOptions {
            gateway: Some(("infra".into(), "gw".into())),
        },
    )
    .expect("gateway given")
}

fn httproute(ns: &str, name: &str, body: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{body}\n"
    )
}

// ----------------------------------------------------------------- loader

#[test]
fn loads_gateway_api_kinds_and_skips_istio_gateway() {
    let c = cluster(
        r#"---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-gw, namespace: infra}
spec: {selector: {istio: ingressgateway}, servers: []}
---
kind: Gateway
apiVersion: networking.istio.io/v1beta1
metadata: {name: istio-gw2, namespace: infra}
spec: {selector: {istio: ingressgateway}}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules: [{matches: [{method: {service: foo.Bar, method: Baz}}], backendRefs: [{name: a, port: 8080}]}]
"#,
    );
    assert_eq!(c.gateways.len(), 1);
    assert_eq!(c.gateway_classes.len(), 1);
    assert_eq!(c.reference_grants.len(), 1);
    assert_eq!(c.routes.len(), 1);
    assert_eq!(c.routes[0].kind, RouteKind::Grpc);
    let g = c.routes[0].rules[0].matches[0].grpc.clone().expect("grpc");
    assert_eq!(g.service.as_deref(), Some("foo.Bar"));
    let gw = c.gateway("infra", "gw").expect("gw");
    assert_eq!(gw.listeners.len(), 4);
    assert_eq!(gw.addresses, vec!["192.0.2.50".to_string()]);
}

// ----------------------------------------------------------------- hostnames

#[test]
fn wildcard_hostnames_match_one_or_more_labels() {
    assert!(hostname_matches("*.example.com", "foo.example.com"));
    assert!(hostname_matches("*.example.com", "foo.bar.example.com"));
    assert!(!hostname_matches("*.example.com", "example.com"));
    assert!(!hostname_matches("*.example.com", "fooexample.com"));
    assert!(hostname_matches("Foo.Example.com", "foo.example.com"));
}

#[test]
fn listener_and_route_hostnames_intersect_per_spec() {
    // Listener *.example.com: *.example.com, test.example.com, foo.test.example.com match;
    // example.com and test.example.net do not.
    let l = "*.example.com";
    assert_eq!(
        intersect_hostnames(l, "*.example.com"),
        Some("*.example.com")
    );
    assert_eq!(
        intersect_hostnames(l, "test.example.com"),
        Some("test.example.com")
    );
    assert_eq!(
        intersect_hostnames(l, "foo.test.example.com"),
        Some("foo.test.example.com")
    );
    assert_eq!(intersect_hostnames(l, "example.com"), None);
    assert_eq!(intersect_hostnames(l, "test.example.net"), None);
    // Listener test.example.com: test.example.com or *.example.com.
    assert_eq!(
        intersect_hostnames("test.example.com", "*.example.com"),
        Some("test.example.com")
    );
    assert_eq!(
        intersect_hostnames("test.example.com", "other.example.com"),
        None
    );
    // Two wildcards: the narrower one.
    assert_eq!(
        intersect_hostnames("*.example.com", "*.foo.example.com"),
        Some("*.foo.example.com")
    );
}

#[test]
fn route_without_intersecting_hostname_is_not_attached() {
    let mut text = httproute(
        "apps",
        "r",
        "  parentRefs: [{name: gw, namespace: infra, sectionName: wild}]\n  hostnames: [example.com]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&svc("apps", "a", 1, 0));
    let c = cluster(&text);
    let err = attach(&c, &c.routes[0], &c.routes[0].parents[0]).unwrap_err();
    assert_eq!(err.reason(), "NoMatchingListenerHostname");
    let res = run(&c, "http://a.example.com:8080/");
    assert_eq!(res.symptom, Symptom::Http404);
}

#[test]
fn wildcard_listener_serves_deep_subdomain_route() {
    let mut text = httproute(
        "apps",
        "r",
        "  parentRefs: [{name: gw, namespace: infra, sectionName: wild}]\n  hostnames: [foo.bar.example.com]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&svc("apps", "a", 1, 0));
    let c = cluster(&text);
    let res = run(&c, "http://foo.bar.example.com:8080/x");
    assert_eq!(res.symptom, Symptom::Ok, "{res:#?}");
    assert_eq!(res.listener.as_deref(), Some("wild"));
    assert_eq!(res.route.as_deref(), Some("apps/r"));
    // Another host under the wildcard, not in the route: 404.
    assert_eq!(
        run(&c, "http://baz.example.com:8080/").symptom,
        Symptom::Http404
    );
}

// ----------------------------------------------------------------- attachment

#[test]
fn section_name_and_port_must_name_a_listener() {
    let text = httproute(
        "infra",
        "r",
        "  parentRefs: [{name: gw, sectionName: nope}, {name: gw, port: 81}, {name: gw, sectionName: http, port: 80}, {name: missing}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    let c = cluster(&text);
    let r = &c.routes[0];
    assert_eq!(
        attach(&c, r, &r.parents[0]).unwrap_err().reason(),
        "NoMatchingParent"
    );
    assert_eq!(
        attach(&c, r, &r.parents[1]).unwrap_err().reason(),
        "NoMatchingParent"
    );
    let ok = attach(&c, r, &r.parents[2]).expect("attaches");
    assert_eq!(ok.listeners.len(), 1);
    assert_eq!(
        attach(&c, r, &r.parents[3]).unwrap_err(),
        AttachError::GatewayNotFound
    );
}

#[test]
fn allowed_routes_namespaces_same_all_selector() {
    let mut text = httproute(
        "other",
        "r",
        "  parentRefs: [{name: gw, namespace: infra, sectionName: same-only}, {name: gw, namespace: infra, sectionName: https}, {name: gw, namespace: infra, sectionName: http}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&httproute(
        "apps",
        "r2",
        "  parentRefs: [{name: gw, namespace: infra, sectionName: https}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    ));
    let c = cluster(&text);
    let r = &c.routes[0];
    // Same: the route's namespace is not the Gateway's.
    assert_eq!(
        attach(&c, r, &r.parents[0]).unwrap_err().reason(),
        "NotAllowedByListeners"
    );
    // Selector: `other` lacks the label.
    assert_eq!(
        attach(&c, r, &r.parents[1]).unwrap_err().reason(),
        "NotAllowedByListeners"
    );
    // All.
    assert!(attach(&c, r, &r.parents[2]).is_ok());
    // Selector: `apps` has the label.
    let r2 = &c.routes[1];
    assert!(attach(&c, r2, &r2.parents[0]).is_ok());
}

#[test]
fn allowed_route_kinds_restrict_attachment() {
    let text = r#"---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpc-only, namespace: infra}
spec:
  gatewayClassName: eg
  listeners:
  - name: h
    protocol: HTTP
    port: 80
    allowedRoutes: {kinds: [{kind: GRPCRoute}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: grpc-only}]
"#;
    let c = cluster(text);
    let r = &c.routes[0];
    let e = attach(&c, r, &r.parents[0]).unwrap_err();
    assert_eq!(e.reason(), "NotAllowedByListeners");
    assert!(
        e.detail().contains("does not accept HTTPRoute"),
        "{}",
        e.detail()
    );
}

// ----------------------------------------------------------------- matching

#[test]
fn path_matching_exact_and_prefix_elementwise() {
    assert!(path_prefix_matches("/abc", "/abc"));
    assert!(path_prefix_matches("/abc", "/abc/"));
    assert!(path_prefix_matches("/abc", "/abc/def"));
    assert!(!path_prefix_matches("/abc", "/abcd"));
    assert!(path_prefix_matches("/abc/", "/abc"));
    assert!(path_prefix_matches("/", "/anything"));

    let mut text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {type: Exact, value: /exact}}]
    backendRefs: [{name: exact, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /prefix}}]
    backendRefs: [{name: prefix, port: 8080}]"#,
    );
    text.push_str(&svc("infra", "exact", 1, 0));
    text.push_str(&svc("infra", "prefix", 1, 0));
    let c = cluster(&text);
    let be = |url: &str| run(&c, url).backend.map(|b| b.service);
    assert_eq!(be("http://x/exact").as_deref(), Some("exact"));
    assert_eq!(run(&c, "http://x/exact/").symptom, Symptom::Http404);
    assert_eq!(run(&c, "http://x/exactly").symptom, Symptom::Http404);
    assert_eq!(be("http://x/prefix").as_deref(), Some("prefix"));
    assert_eq!(be("http://x/prefix/").as_deref(), Some("prefix"));
    assert_eq!(be("http://x/prefix/one").as_deref(), Some("prefix"));
    assert_eq!(run(&c, "http://x/prefixed").symptom, Symptom::Http404);
}

#[test]
fn header_query_and_method_matching() {
    let mut text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{headers: [{name: Version, value: two}]}]
    backendRefs: [{name: v2, port: 8080}]
  - matches: [{queryParams: [{name: animal, value: whale}]}]
    backendRefs: [{name: whale, port: 8080}]
  - matches: [{method: POST}]
    backendRefs: [{name: post, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: default, port: 8080}]"#,
    );
    for s in ["v2", "whale", "post", "default"] {
        text.push_str(&svc("infra", s, 1, 0));
    }
    let c = cluster(&text);
    let be = |req: HttpRequest| {
        run_req(&c, req)
            .backend
            .map(|b| b.service)
            .unwrap_or_default()
    };
    let get = |u: &str| HttpRequest::parse_grpc(u).expect("url");
    // Header names are case-insensitive, values exact.
    assert_eq!(be(get("http://x/").with_header("version", "two")), "v2");
    assert_eq!(
        be(get("http://x/").with_header("Version", "Two")),
        "default"
    );
    // Query: name and value exact.
    assert_eq!(be(get("http://x/?animal=whale")), "whale");
    assert_eq!(be(get("http://x/?Animal=whale")), "default");
    assert_eq!(be(get("http://x/?animal=dolphin")), "default");
    // Method.
    assert_eq!(be(get("http://x/").with_method("post")), "post");
    assert_eq!(be(get("http://x/").with_method("GET")), "default");
}

#[test]
fn match_conditions_are_anded_and_matches_ored() {
    let mut text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches:
    - {path: {type: PathPrefix, value: /a}, headers: [{name: x, value: "1"}]}
    - {path: {type: Exact, value: /b}}
    backendRefs: [{name: ab, port: 8080}]"#,
    );
    text.push_str(&svc("infra", "ab", 1, 0));
    let c = cluster(&text);
    let get = |u: &str| HttpRequest::parse_grpc(u).expect("url");
    assert_eq!(run_req(&c, get("http://x/a")).symptom, Symptom::Http404);
    assert_eq!(
        run_req(&c, get("http://x/a").with_header("x", "1")).symptom,
        Symptom::Ok
    );
    assert_eq!(run_req(&c, get("http://x/b")).symptom, Symptom::Ok);
}

// ----------------------------------------------------------------- precedence

#[test]
fn precedence_exact_then_longest_prefix_then_method_headers_query() {
    let mut text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: root, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: api, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api/v1}}]
    backendRefs: [{name: apiv1, port: 8080}]
  - matches: [{path: {type: Exact, value: /api/v1/users}}]
    backendRefs: [{name: exact, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}, method: GET}]
    backendRefs: [{name: apiget, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}, method: GET, headers: [{name: a, value: "1"}]}]
    backendRefs: [{name: apigeth, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}, method: GET, headers: [{name: a, value: "1"}, {name: b, value: "2"}]}]
    backendRefs: [{name: apigeth2, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}, method: GET, headers: [{name: a, value: "1"}, {name: b, value: "2"}], queryParams: [{name: q, value: "1"}]}]
    backendRefs: [{name: apigethq, port: 8080}]"#,
    );
    for s in [
        "root", "api", "apiv1", "exact", "apiget", "apigeth", "apigeth2", "apigethq",
    ] {
        text.push_str(&svc("infra", s, 1, 0));
    }
    let c = cluster(&text);
    let get = |u: &str| HttpRequest::parse_grpc(u).expect("url");
    let be = |req: HttpRequest| {
        run_req(&c, req)
            .backend
            .map(|b| b.service)
            .unwrap_or_default()
    };
    assert_eq!(be(get("http://x/api/v1/users")), "exact");
    assert_eq!(be(get("http://x/api/v1/other")), "apiv1");
    assert_eq!(be(get("http://x/api/v2")), "apiget");
    assert_eq!(be(get("http://x/api/v2").with_method("PUT")), "api");
    assert_eq!(be(get("http://x/api/x").with_header("a", "1")), "apigeth");
    assert_eq!(
        be(get("http://x/api/x")
            .with_header("a", "1")
            .with_header("b", "2")),
        "apigeth2"
    );
    assert_eq!(
        be(get("http://x/api/x?q=1")
            .with_header("a", "1")
            .with_header("b", "2")),
        "apigethq"
    );
    assert_eq!(be(get("http://x/other")), "root");
}

#[test]
fn precedence_across_routes_oldest_then_alphabetical_then_rule_order() {
    let route = |name: &str, ts: &str, backend: &str| {
        format!(
            "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: infra, creationTimestamp: \"{ts}\"}}\nspec:\n  parentRefs: [{{name: gw, sectionName: http}}]\n  rules:\n  - matches: [{{path: {{type: PathPrefix, value: /same}}}}]\n    backendRefs: [{{name: {backend}, port: 8080}}]\n  - matches: [{{path: {{type: PathPrefix, value: /same}}}}]\n    backendRefs: [{{name: second-rule, port: 8080}}]\n"
        )
    };
    let mut text = route("zeta", "2024-01-01T00:00:00Z", "old");
    text.push_str(&route("alpha", "2024-06-01T00:00:00Z", "new"));
    text.push_str(&route("beta", "2024-06-01T00:00:00Z", "new-b"));
    for s in ["old", "new", "new-b", "second-rule"] {
        text.push_str(&svc("infra", s, 1, 0));
    }
    let c = cluster(&text);
    let res = run(&c, "http://x/same");
    assert_eq!(
        res.route.as_deref(),
        Some("infra/zeta"),
        "oldest route wins"
    );
    assert_eq!(
        res.backend.map(|b| b.service).as_deref(),
        Some("old"),
        "first rule"
    );

    // Same timestamps: alphabetical namespace/name.
    let mut text = route("beta", "2024-06-01T00:00:00Z", "new-b");
    text.push_str(&route("alpha", "2024-06-01T00:00:00Z", "new"));
    for s in ["new", "new-b", "second-rule"] {
        text.push_str(&svc("infra", s, 1, 0));
    }
    let c = cluster(&text);
    assert_eq!(
        run(&c, "http://x/same").route.as_deref(),
        Some("infra/alpha")
    );
}

#[test]
fn precedence_more_specific_hostname_wins_over_longer_path() {
    let mut text = httproute(
        "infra",
        "wild",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  hostnames: ["*.example.com"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /very/long/path}}]
    backendRefs: [{name: wildb, port: 8080}]"#,
    );
    text.push_str(&httproute(
        "infra",
        "exact",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [foo.example.com]
  rules:
  - backendRefs: [{name: exactb, port: 8080}]"#,
    ));
    for s in ["wildb", "exactb"] {
        text.push_str(&svc("infra", s, 1, 0));
    }
    let c = cluster(&text);
    let res = run(&c, "http://foo.example.com/very/long/path");
    assert_eq!(res.route.as_deref(), Some("infra/exact"));
    let res = run(&c, "http://bar.example.com/very/long/path/x");
    assert_eq!(res.route.as_deref(), Some("infra/wild"));
}

// ----------------------------------------------------------------- backends

#[test]
fn cross_namespace_backend_needs_reference_grant() {
    let mut text = httproute(
        "apps",
        "r",
        "  parentRefs: [{name: gw, namespace: infra, sectionName: http}]\n  rules: [{backendRefs: [{name: db, namespace: other, port: 8080}]}]",
    );
    text.push_str(&svc("other", "db", 1, 0));
    let c = cluster(&text);
    let res = run(&c, "http://x/");
    assert_eq!(res.symptom, Symptom::Http500);
    assert!(res
        .failing_hop()
        .expect("fail")
        .detail
        .contains("RefNotPermitted"));

    // A grant for another kind or namespace does not help; the right one does.
    let grant = |from_kind: &str, from_ns: &str, to_name: &str| {
        format!("---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {{name: g, namespace: other}}\nspec:\n  from: [{{group: gateway.networking.k8s.io, kind: {from_kind}, namespace: {from_ns}}}]\n  to: [{{group: \"\", kind: Service{to_name}}}]\n")
    };
    for (g, ok) in [
        (grant("GRPCRoute", "apps", ""), false),
        (grant("HTTPRoute", "infra", ""), false),
        (grant("HTTPRoute", "apps", ", name: other-svc"), false),
        (grant("HTTPRoute", "apps", ", name: db"), true),
        (grant("HTTPRoute", "apps", ""), true),
    ] {
        let c = cluster(&format!("{text}{g}"));
        let want = if ok { Symptom::Ok } else { Symptom::Http500 };
        assert_eq!(run(&c, "http://x/").symptom, want, "{g}");
    }
}

#[test]
fn backend_not_found_invalid_kind_and_no_endpoints() {
    let mut text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {value: /missing}}]
    backendRefs: [{name: nope, port: 8080}]
  - matches: [{path: {value: /badport}}]
    backendRefs: [{name: a, port: 9999}]
  - matches: [{path: {value: /kind}}]
    backendRefs: [{group: example.com, kind: Bucket, name: a}]
  - matches: [{path: {value: /down}}]
    backendRefs: [{name: down, port: 8080}]
  - matches: [{path: {value: /none}}]"#,
    );
    text.push_str(&svc("infra", "a", 1, 0));
    text.push_str(&svc("infra", "down", 0, 2));
    let c = cluster(&text);
    assert_eq!(run(&c, "http://x/missing").symptom, Symptom::Http500);
    assert_eq!(run(&c, "http://x/badport").symptom, Symptom::Http500);
    let k = run(&c, "http://x/kind");
    assert_eq!(k.symptom, Symptom::Http500);
    assert!(k
        .failing_hop()
        .expect("fail")
        .detail
        .contains("InvalidKind"));
    let d = run(&c, "http://x/down");
    assert_eq!(d.symptom, Symptom::Http503);
    assert_eq!(d.failing_hop().expect("fail").step, "endpoints");
    assert_eq!(run(&c, "http://x/none").symptom, Symptom::Http500);
    assert_eq!(run(&c, "http://x/unmatched").symptom, Symptom::Http404);
}

#[test]
fn weights_split_traffic_and_weight_zero_gets_nothing() {
    let mut text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {value: /split}}]
    backendRefs: [{name: a, port: 8080, weight: 80}, {name: b, port: 8080, weight: 20}, {name: nope, port: 8080, weight: 0}]
  - matches: [{path: {value: /broken}}]
    backendRefs: [{name: a, port: 8080, weight: 3}, {name: nope, port: 8080}]
  - matches: [{path: {value: /zero}}]
    backendRefs: [{name: a, port: 8080, weight: 0}]"#,
    );
    text.push_str(&svc("infra", "a", 1, 0));
    text.push_str(&svc("infra", "b", 2, 0));
    let c = cluster(&text);
    let s = run(&c, "http://x/split");
    assert_eq!(
        s.symptom,
        Symptom::Ok,
        "a weight-0 missing backend receives nothing"
    );
    let pct: Vec<(String, i64)> = s
        .backends
        .iter()
        .map(|b| (b.service.clone(), b.percent.round() as i64))
        .collect();
    assert_eq!(
        pct,
        vec![
            ("infra/a".into(), 80),
            ("infra/b".into(), 20),
            ("infra/nope".into(), 0)
        ]
    );
    let b = run(&c, "http://x/broken");
    assert_eq!(b.symptom, Symptom::Http500);
    assert!(
        b.notes.iter().any(|n| n.contains("25% of requests fail")),
        "{:?}",
        b.notes
    );
    assert_eq!(run(&c, "http://x/zero").symptom, Symptom::Http500);
}

// ----------------------------------------------------------------- listeners, class, gRPC

#[test]
fn listener_selection_by_port_protocol_and_hostname() {
    let mut text = httproute(
        "apps",
        "r",
        "  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&svc("apps", "a", 1, 0));
    let c = cluster(&text);
    let h = run(&c, "https://secure.example.com/");
    assert_eq!(h.listener.as_deref(), Some("https"));
    assert_eq!(h.symptom, Symptom::Ok, "{h:#?}");
    // HTTPS on a host no HTTPS listener names.
    assert_eq!(
        run(&c, "https://other.example.com/").symptom,
        Symptom::Http404
    );
    // A port no listener uses.
    assert_eq!(
        run(&c, "http://x.example.com:7777/").symptom,
        Symptom::ConnectionRefused
    );
}

#[test]
fn missing_or_unaccepted_class_fails_at_the_class_hop() {
    let text = r#"---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: pending}
spec: {controllerName: example.com/ctl}
status:
  conditions: [{type: Accepted, status: Unknown, reason: Pending, message: Waiting for controller}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g2, namespace: infra}
spec:
  gatewayClassName: pending
  listeners: [{name: http, protocol: HTTP, port: 80}]
"#;
    let c = cluster(text);
    let res = route(
        &c,
        &HttpRequest::parse_grpc("http://x/").expect("url"),
        &GwRouteOptions {
            gateway: Some(("infra".into(), "g2".into())),
        },
    )
    .expect("given");
    assert_eq!(res.symptom, Symptom::NoAddress);
    let f = res.failing_hop().expect("fail");
    assert_eq!(f.step, "ingress-class");
    assert!(
        f.detail.contains("no controller has processed it yet"),
        "{}",
        f.detail
    );
}

#[test]
fn grpc_route_matches_service_and_method() {
    let text = format!(
        r#"---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {{name: g, namespace: infra}}
spec:
  parentRefs: [{{name: gw, sectionName: http}}]
  rules:
  - matches: [{{method: {{service: shop.Cart, method: Add}}}}]
    backendRefs: [{{name: add, port: 8080}}]
  - matches: [{{method: {{service: shop.Cart}}}}]
    backendRefs: [{{name: cart, port: 8080}}]
{}{}"#,
        svc("infra", "add", 1, 0),
        svc("infra", "cart", 1, 0)
    );
    let c = cluster(&text);
    let be = |u: &str| {
        run(&c, u)
            .backend
            .map(|b| b.service)
            .unwrap_or_else(|| "404".into())
    };
    assert_eq!(be("grpc://x/shop.Cart/Add"), "add");
    assert_eq!(be("grpc://x/shop.Cart/Remove"), "cart");
    assert_eq!(be("grpc://x/shop.Orders/Get"), "404");
    let r = run(&c, "grpc://x/shop.Cart/Add");
    assert_eq!(r.route_kind, Some("GRPCRoute"));
}

#[test]
fn auto_detects_gateway_by_host() {
    let mut text = httproute(
        "apps",
        "r",
        "  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&svc("apps", "a", 1, 0));
    let c = cluster(&text);
    let req = HttpRequest::parse_grpc("https://secure.example.com/").expect("url");
    let r = route(&c, &req, &GwRouteOptions::default()).expect("found");
    assert_eq!(r.gateway.as_deref(), Some("infra/gw"));
}

#[test]
fn conditions_are_explained_in_plain_words() {
    let c = GwCondition {
        type_: "ResolvedRefs".into(),
        status: "False".into(),
        reason: "RefNotPermitted".into(),
        message: "".into(),
    };
    let d = describe_condition(&c);
    assert!(d.contains("ReferenceGrant"), "{d}");
}

#[test]
fn gateway_with_kind_before_api_version_is_read() {
    let c = cluster(
        r#"---
kind: Gateway
apiVersion: gateway.networking.k8s.io/v1beta1
metadata: {name: late, namespace: infra}
spec:
  gatewayClassName: eg
  listeners: [{name: h, protocol: HTTP, port: 80}]
"#,
    );
    assert!(c.gateway("infra", "late").is_some());
}

#[test]
fn request_redirect_rule_calls_no_backend() {
    let text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]"#,
    );
    let c = cluster(&text);
    let res = run(&c, "http://x/anything");
    // The redirect is the outcome: 301 with the Location (https on its well-known port).
    assert_eq!(res.symptom, Symptom::Http301);
    assert!(res.hops.iter().any(|h| h.detail.contains("redirect")));
    let red = res.outcome.redirect.as_ref().expect("redirect");
    assert_eq!(
        (red.status_code, red.location.as_str()),
        (301, "https://x/anything")
    );
}

#[test]
fn catch_all_gateway_is_not_auto_detected_for_any_host() {
    // A route without hostnames on the hostname-less `http` listener serves every host, but
    // auto-detection only picks a Gateway that names the host.
    let mut text = httproute(
        "infra",
        "r",
        "  parentRefs: [{name: gw, sectionName: http}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&svc("infra", "a", 1, 0));
    let c = cluster(&text);
    let req = HttpRequest::parse_grpc("http://legacy.example.org/").expect("url");
    assert!(route(&c, &req, &GwRouteOptions::default()).is_none());
    // Given explicitly, it routes.
    assert_eq!(run(&c, "http://legacy.example.org/").symptom, Symptom::Ok);
    // A route hostname names the host: detected.
    let mut text = httproute(
        "infra",
        "r",
        "  parentRefs: [{name: gw, sectionName: http}]\n  hostnames: [app.example.org]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&svc("infra", "a", 1, 0));
    let c = cluster(&text);
    let req = HttpRequest::parse_grpc("http://app.example.org/").expect("url");
    assert!(route(&c, &req, &GwRouteOptions::default()).is_some());
}

/// The base Gateway with listener `https`'s tls section replaced, plus `extra`, without the
/// Secret it names unless `extra` has it.
fn tls_cluster(tls: &str, extra: &str, opts: &BuildOptions) -> Cluster {
    let base = BASE.replace("tls: {certificateRefs: [{name: secure-cert}]}", tls);
    let mut text = httproute(
        "apps",
        "r",
        "  parentRefs: [{name: gw, namespace: infra, sectionName: https}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    text.push_str(&svc("apps", "a", 1, 0));
    build(&format!("{base}\n{text}\n{extra}"), opts)
}

fn tls_hop_of(res: &GwRouteResult) -> &Hop {
    res.hops.iter().find(|h| h.step == "tls").expect("tls hop")
}

/// Issue 16 item 8: a listener whose certificateRef names a Secret that does not exist has
/// `ResolvedRefs: False` (`InvalidCertificateRef`) and is not programmed: HTTPS through it
/// fails in the TLS handshake, whether or not the input holds other Secrets.
#[test]
fn https_listener_with_a_missing_secret_fails_the_tls_handshake() {
    let tls = "tls: {certificateRefs: [{name: secure-cert}]}";
    let other = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: other, namespace: infra}\n";
    for extra in ["", other] {
        let c = tls_cluster(tls, extra, &BuildOptions::default());
        let res = run(&c, "https://secure.example.com/");
        assert_eq!(res.symptom, Symptom::TlsHandshakeFailure, "{:?}", res.hops);
        let hop = res.failing_hop().expect("a failing hop");
        assert_eq!(hop.step, "tls");
        assert!(
            hop.detail
                .contains("Secret infra/secure-cert does not exist")
                && hop.detail.contains("InvalidCertificateRef"),
            "{}",
            hop.detail
        );
        assert_eq!(
            res.hops.last().map(|h| h.step),
            Some("tls"),
            "no hop after tls"
        );
    }
    // With the Secret the listener terminates TLS and the request is served.
    let c = tls_cluster(tls, SECURE_CERT, &BuildOptions::default());
    let res = run(&c, "https://secure.example.com/");
    assert_eq!(tls_hop_of(&res).status, HopStatus::Pass);
    assert_eq!(res.symptom, Symptom::Ok);
}

/// Across namespaces the Secret needs a ReferenceGrant in its namespace (RefNotPermitted).
#[test]
fn https_listener_secret_in_another_namespace_needs_a_reference_grant() {
    let tls = "tls: {certificateRefs: [{name: shared-cert, namespace: other}]}";
    let secret =
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: shared-cert, namespace: other}\n";
    let c = tls_cluster(tls, secret, &BuildOptions::default());
    let res = run(&c, "https://secure.example.com/");
    assert_eq!(res.symptom, Symptom::TlsHandshakeFailure);
    let hop = tls_hop_of(&res);
    assert_eq!(hop.status, HopStatus::Fail);
    assert!(hop.detail.contains("RefNotPermitted"), "{}", hop.detail);
    let grant = "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: other}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]\n  to: [{group: \"\", kind: Secret, name: shared-cert}]\n";
    let c = tls_cluster(tls, &format!("{secret}{grant}"), &BuildOptions::default());
    let res = run(&c, "https://secure.example.com/");
    assert_eq!(tls_hop_of(&res).status, HopStatus::Pass);
    assert_eq!(res.symptom, Symptom::Ok);
}

/// What the input cannot show is "not checked", never a failure: Secrets a live read could
/// not list, and certificateRefs of another kind than a core Secret.
#[test]
fn unreadable_secrets_and_other_kinds_are_not_checked() {
    let opts = BuildOptions {
        input: crate::model::InputFacts {
            live: true,
            unreadable_kinds: vec!["Secret".into()],
            read_namespaces: None,
            ..Default::default()
        },
        ..BuildOptions::default()
    };
    let c = tls_cluster("tls: {certificateRefs: [{name: secure-cert}]}", "", &opts);
    let res = run(&c, "https://secure.example.com/");
    let hop = tls_hop_of(&res);
    assert_eq!(hop.status, HopStatus::Skip, "{}", hop.detail);
    assert!(hop.detail.contains("not checked"), "{}", hop.detail);
    assert_ne!(res.symptom, Symptom::TlsHandshakeFailure);
    let tls = "tls: {certificateRefs: [{group: cert.example.io, kind: Vault, name: v}]}";
    let c = tls_cluster(tls, "", &BuildOptions::default());
    let res = run(&c, "https://secure.example.com/");
    let hop = tls_hop_of(&res);
    assert_eq!(hop.status, HopStatus::Skip, "{}", hop.detail);
    assert!(
        hop.detail.contains("Vault.cert.example.io") && hop.detail.contains("not checked"),
        "{}",
        hop.detail
    );
}

/// The controller's ResolvedRefs condition on the listener is the answer when written.
#[test]
fn listener_resolved_refs_status_decides() {
    let status = |s: &str, reason: &str| {
        BASE.replace(
            "  conditions: [{type: Accepted, status: \"True\"}, {type: Programmed, status: \"True\"}]",
            &format!("  conditions: [{{type: Accepted, status: \"True\"}}, {{type: Programmed, status: \"True\"}}]\n  listeners:\n  - name: https\n    attachedRoutes: 1\n    supportedKinds: [{{kind: HTTPRoute}}]\n    conditions: [{{type: ResolvedRefs, status: \"{s}\", reason: {reason}}}]"),
        )
    };
    let mut route = httproute(
        "apps",
        "r",
        "  parentRefs: [{name: gw, namespace: infra, sectionName: https}]\n  rules: [{backendRefs: [{name: a, port: 8080}]}]",
    );
    route.push_str(&svc("apps", "a", 1, 0));
    // The Secret is in the input, but the controller could not use it (malformed).
    let c = build(
        &format!(
            "{}\n{SECURE_CERT}\n{route}",
            status("False", "InvalidCertificateRef")
        ),
        &BuildOptions::default(),
    );
    let res = run(&c, "https://secure.example.com/");
    assert_eq!(res.symptom, Symptom::TlsHandshakeFailure);
    assert!(tls_hop_of(&res).detail.contains("InvalidCertificateRef"));
    // The Secret was left out of the dump, but the controller resolved it.
    let c = build(
        &format!("{}\n{route}", status("True", "ResolvedRefs")),
        &BuildOptions::default(),
    );
    let res = run(&c, "https://secure.example.com/");
    assert_eq!(tls_hop_of(&res).status, HopStatus::Pass);
    assert_eq!(res.symptom, Symptom::Ok);
}

#[test]
fn ipv6_and_explicit_ports_parse() {
    let r = HttpRequest::parse_grpc("https://[2001:db8::1]:8443/a?b=c&d").expect("url");
    assert_eq!(r.host, "2001:db8::1");
    assert_eq!(r.port, 8443);
    assert_eq!(r.query_param("b"), Some("c"));
    assert_eq!(r.query_param("d"), Some(""));
    assert!(HttpRequest::parse_grpc("ftp://x/").is_err());
    assert!(HttpRequest::parse_grpc("http://x:notaport/").is_err());
}

#[test]
fn precedence_uses_the_routes_own_hostname_not_the_intersection() {
    // On listener `secure.example.com`, a route for `*.example.com` intersects to
    // `secure.example.com`, but its own hostname is a wildcard: the route naming
    // `secure.example.com` exactly wins even though it is newer and its prefix shorter.
    let mut text = String::from(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: wild, namespace: apps, creationTimestamp: \"2020-01-01T00:00:00Z\"}\nspec:\n  parentRefs: [{name: gw, namespace: infra, sectionName: https}]\n  hostnames: [\"*.example.com\"]\n  rules:\n  - matches: [{path: {value: /long/prefix}}]\n    backendRefs: [{name: a, port: 8080}]\n",
    );
    text.push_str("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: exact, namespace: apps, creationTimestamp: \"2024-01-01T00:00:00Z\"}\nspec:\n  parentRefs: [{name: gw, namespace: infra, sectionName: https}]\n  hostnames: [secure.example.com]\n  rules:\n  - backendRefs: [{name: b, port: 8080}]\n");
    text.push_str(&svc("apps", "a", 1, 0));
    text.push_str(&svc("apps", "b", 1, 0));
    let c = cluster(&text);
    let r = run(&c, "https://secure.example.com/long/prefix/x");
    assert_eq!(r.route.as_deref(), Some("apps/exact"));
}

#[test]
fn prefix_length_counts_characters_as_written() {
    // `/api/` and `/api` cover the same requests; the longer value wins.
    let mut text = httproute(
        "infra",
        "r",
        r#"  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {value: /api}}]
    backendRefs: [{name: short, port: 8080}]
  - matches: [{path: {value: /api/}}]
    backendRefs: [{name: long, port: 8080}]"#,
    );
    text.push_str(&svc("infra", "short", 1, 0));
    text.push_str(&svc("infra", "long", 1, 0));
    let c = cluster(&text);
    let be = run(&c, "http://x/api/users").backend.map(|b| b.service);
    assert_eq!(be.as_deref(), Some("long"));
    // `/api` itself matches both (trailing slash ignored); still the longer value.
    let be = run(&c, "http://x/api").backend.map(|b| b.service);
    assert_eq!(be.as_deref(), Some("long"));
}

/// The Gateway API "HTTP routing" guide: foo.example.com/login → foo-svc; bar.example.com
/// with `env: canary` → bar-svc-canary, else bar-svc.
#[test]
fn docs_http_routing_guide() {
    let mut text = String::from(
        r#"---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: example-gateway, namespace: default}
spec:
  gatewayClassName: eg
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: foo-route, namespace: default}
spec:
  parentRefs: [{name: example-gateway}]
  hostnames: ["foo.example.com"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /login}}]
    backendRefs: [{name: foo-svc, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bar-route, namespace: default}
spec:
  parentRefs: [{name: example-gateway}]
  hostnames: ["bar.example.com"]
  rules:
  - matches: [{headers: [{type: Exact, name: env, value: canary}]}]
    backendRefs: [{name: bar-svc-canary, port: 8080}]
  - backendRefs: [{name: bar-svc, port: 8080}]
"#,
    );
    for s in ["foo-svc", "bar-svc", "bar-svc-canary"] {
        text.push_str(&svc("default", s, 1, 0));
    }
    let c = cluster(&text);
    let go = |req: HttpRequest| {
        let r = route(&c, &req, &GwRouteOptions::default()).expect("gateway names the host");
        (
            r.symptom,
            r.backend.map(|b| b.service).unwrap_or_default(),
            r.route.unwrap_or_default(),
        )
    };
    let get = |u: &str| HttpRequest::parse_grpc(u).expect("url");
    assert_eq!(
        go(get("http://foo.example.com/login")),
        (Symptom::Ok, "foo-svc".into(), "default/foo-route".into())
    );
    assert_eq!(go(get("http://foo.example.com/")).0, Symptom::Http404);
    assert_eq!(
        go(get("http://bar.example.com/").with_header("env", "canary")).1,
        "bar-svc-canary"
    );
    assert_eq!(go(get("http://bar.example.com/anything")).1, "bar-svc");
}

/// The "HTTP traffic splitting" guide: 90/10 between foo-v1 and foo-v2, and a header that
/// pins to foo-v2.
#[test]
fn docs_traffic_splitting_guide() {
    let mut text = String::from(
        r#"---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: foo-route, namespace: infra}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: ["foo.example.com"]
  rules:
  - matches: [{headers: [{name: traffic, value: test}]}]
    backendRefs: [{name: foo-v2, port: 8080}]
  - backendRefs:
    - {name: foo-v1, port: 8080, weight: 90}
    - {name: foo-v2, port: 8080, weight: 10}
"#,
    );
    text.push_str(&svc("infra", "foo-v1", 1, 0));
    text.push_str(&svc("infra", "foo-v2", 1, 0));
    let c = cluster(&text);
    let r = run(&c, "http://foo.example.com/");
    assert_eq!(r.symptom, Symptom::Ok);
    let split: Vec<(String, i64)> = r
        .backends
        .iter()
        .map(|b| (b.service.clone(), b.percent.round() as i64))
        .collect();
    assert_eq!(
        split,
        vec![("infra/foo-v1".into(), 90), ("infra/foo-v2".into(), 10)]
    );
    assert_eq!(r.backend.map(|b| b.service).as_deref(), Some("foo-v1"));
    let pinned = run_req(
        &c,
        HttpRequest::parse_grpc("http://foo.example.com/")
            .expect("url")
            .with_header("traffic", "test"),
    );
    assert_eq!(pinned.backend.map(|b| b.service).as_deref(), Some("foo-v2"));
}

#[test]
fn http_and_grpc_routes_with_intersecting_hostnames_conflict() {
    let text = r#"---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: infra, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [api.example.com]
  rules: [{backendRefs: [{name: a, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: rpc, namespace: infra, creationTimestamp: "2024-02-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: ["*.example.com"]
  rules: [{backendRefs: [{name: a, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: other, namespace: infra, creationTimestamp: "2024-02-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [rpc.example.net]
  rules: [{backendRefs: [{name: a, port: 8080}]}]
"#;
    let c = cluster(text);
    let by = |name: &str| c.routes.iter().find(|r| r.name == name).expect("route");
    let web = by("web");
    assert!(
        attach(&c, web, &web.parents[0]).is_ok(),
        "the older route wins"
    );
    let rpc = by("rpc");
    let e = attach(&c, rpc, &rpc.parents[0]).unwrap_err();
    assert_eq!(e.reason(), "Conflicted");
    assert!(e.detail().contains("HTTPRoute infra/web"), "{}", e.detail());
    let other = by("other");
    assert!(
        attach(&c, other, &other.parents[0]).is_ok(),
        "no shared hostname"
    );
}

//! Gateway API conformance scenarios whose outcome the objects decide, transcribed from
//! kubernetes-sigs/gateway-api `conformance/tests/*.go` (manifests verbatim in
//! `fixtures/gw-conformance/`, provenance in its SOURCE.md). Each case is one request of the
//! upstream test with the upstream expectation: the backend that answers, the status, the
//! redirect Location, or the path/host the backend receives. Skipped upstream tests and why:
//! SOURCE.md.

mod common;

use common::load_paths;
use netdoctor_core::load::{load_bytes, LoadResult};
use netdoctor_core::model::{BuildOptions, Cluster};
use netdoctor_core::sim::gateway::{
    merged_listeners, route, route_connection, set_state, Connection, GwRouteOptions, GwRouteResult,
};
use netdoctor_core::sim::http::HttpRequest;
use netdoctor_core::sim::path::Symptom;
use std::path::Path;

const NS: &str = "gateway-conformance-infra";

fn cluster(test: &str) -> Cluster {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gw-conformance");
    let mut all = LoadResult::default();
    for f in [
        "base-manifests.yaml",
        "harness.yaml",
        &format!("{test}.yaml"),
    ] {
        let text = std::fs::read_to_string(dir.join(f)).expect("fixture");
        let text = text.replace("{GATEWAY_CLASS_NAME}", "conformance");
        all.merge(load_bytes(f, text.as_bytes()));
    }
    let _ = load_paths;
    Cluster::build(all, &BuildOptions::default())
}

#[derive(Debug, Clone, Copy)]
enum Want<'a> {
    /// Served by this Service (in NS).
    Backend(&'a str),
    /// Served by this Service, which receives this host and path.
    Rewritten(&'a str, &'a str, &'a str),
    /// The request gets this HTTP status (404, …).
    Status(u16),
    /// A redirect with this code and Location.
    Redirect(u16, &'a str),
    /// gRPC: this status code.
    Grpc(u8),
}

fn check(c: &Cluster, gw: &str, req: HttpRequest, want: Want) {
    let label = format!("{gw} {} {:?}", req.url, req.headers);
    let r: GwRouteResult = route(
        c,
        &req,
        &GwRouteOptions {
            gateway: Some((NS.into(), gw.into())),
        },
    )
    .expect("gateway given");
    let backend = r.backend.as_ref().map(|b| b.service.as_str());
    match want {
        Want::Backend(s) => {
            assert_eq!(
                (r.symptom, backend),
                (Symptom::Ok, Some(s)),
                "{label}: {r:#?}"
            );
        }
        Want::Rewritten(s, host, path) => {
            assert_eq!(
                (r.symptom, backend),
                (Symptom::Ok, Some(s)),
                "{label}: {r:#?}"
            );
            let u = r.outcome.upstream.as_ref().expect("rewritten");
            assert_eq!((u.host.as_str(), u.path.as_str()), (host, path), "{label}");
        }
        Want::Status(code) => {
            assert_eq!(r.symptom.http_status(), Some(code), "{label}: {r:#?}")
        }
        Want::Redirect(code, loc) => {
            assert_eq!(r.symptom.http_status(), Some(code), "{label}: {r:#?}");
            let red = r.outcome.redirect.as_ref().expect("redirect");
            assert_eq!(
                (red.status_code, red.location.as_str()),
                (code, loc),
                "{label}"
            );
        }
        Want::Grpc(code) => {
            assert_eq!(
                r.symptom.grpc_status().map(|g| g.code),
                Some(code),
                "{label}: {r:#?}"
            );
        }
    }
}

fn get(url: &str) -> HttpRequest {
    HttpRequest::parse(url).expect("url")
}

#[test]
fn httproute_redirects() {
    use Want::Redirect as R;
    // The conformance client talks to the Gateway's address; `gw.example` stands for it.
    let cases: &[(&str, &str, Want)] = &[
        // HTTPRouteRedirectPath
        (
            "httproute-redirect-path",
            "/original-prefix/lemon",
            R(302, "http://gw.example/replacement-prefix/lemon"),
        ),
        (
            "httproute-redirect-path",
            "/full/path/original",
            R(302, "http://gw.example/full-path-replacement"),
        ),
        (
            "httproute-redirect-path",
            "/path-and-host",
            R(302, "http://example.org/replacement-prefix"),
        ),
        (
            "httproute-redirect-path",
            "/path-and-status",
            R(301, "http://gw.example/replacement-prefix"),
        ),
        (
            "httproute-redirect-path",
            "/full-path-and-host",
            R(302, "http://example.org/replacement-full"),
        ),
        (
            "httproute-redirect-path",
            "/full-path-and-status",
            R(301, "http://gw.example/replacement-full"),
        ),
        // HTTPRouteRedirectPort
        (
            "httproute-redirect-port",
            "/port",
            R(302, "http://gw.example:8083/port"),
        ),
        (
            "httproute-redirect-port",
            "/port-and-host",
            R(302, "http://example.org:8083/port-and-host"),
        ),
        (
            "httproute-redirect-port",
            "/port-and-status",
            R(301, "http://gw.example:8083/port-and-status"),
        ),
        (
            "httproute-redirect-port",
            "/port-and-host-and-status",
            R(302, "http://example.org:8083/port-and-host-and-status"),
        ),
        // HTTPRouteRedirectScheme
        (
            "httproute-redirect-scheme",
            "/scheme",
            R(302, "https://gw.example/scheme"),
        ),
        (
            "httproute-redirect-scheme",
            "/scheme-and-host",
            R(302, "https://example.org/scheme-and-host"),
        ),
        (
            "httproute-redirect-scheme",
            "/scheme-and-status",
            R(301, "https://gw.example/scheme-and-status"),
        ),
        (
            "httproute-redirect-scheme",
            "/scheme-and-host-and-status",
            R(302, "https://example.org/scheme-and-host-and-status"),
        ),
        // HTTPRouteRedirectHostAndStatus
        (
            "httproute-redirect-host-and-status",
            "/hostname-redirect",
            R(302, "http://example.org/hostname-redirect"),
        ),
        (
            "httproute-redirect-host-and-status",
            "/host-and-status",
            R(301, "http://example.org/host-and-status"),
        ),
        // HTTPRoute303/307/308Redirect
        (
            "httproute-303-redirect",
            "/see-other",
            R(303, "http://gw.example/see-other"),
        ),
        (
            "httproute-307-redirect",
            "/temporary",
            R(307, "http://gw.example/temporary"),
        ),
        (
            "httproute-308-redirect",
            "/permanent",
            R(308, "http://gw.example/permanent"),
        ),
    ];
    for (test, path, want) in cases {
        let c = cluster(test);
        check(
            &c,
            "same-namespace",
            get(&format!("http://gw.example{path}")),
            *want,
        );
    }
}

#[test]
fn httproute_redirect_port_and_scheme() {
    use Want::Redirect as R;
    let c = cluster("httproute-redirect-port-and-scheme");
    let on80: &[(&str, Want)] = &[
        (
            "/scheme-nil-and-port-nil",
            R(302, "http://example.org/scheme-nil-and-port-nil"),
        ),
        (
            "/scheme-nil-and-port-80",
            R(302, "http://example.org/scheme-nil-and-port-80"),
        ),
        (
            "/scheme-nil-and-port-8080",
            R(302, "http://example.org:8080/scheme-nil-and-port-8080"),
        ),
        (
            "/scheme-https-and-port-nil",
            R(302, "https://example.org/scheme-https-and-port-nil"),
        ),
        (
            "/scheme-https-and-port-443",
            R(302, "https://example.org/scheme-https-and-port-443"),
        ),
        (
            "/scheme-https-and-port-8443",
            R(302, "https://example.org:8443/scheme-https-and-port-8443"),
        ),
    ];
    for (path, want) in on80 {
        check(
            &c,
            "same-namespace",
            get(&format!("http://gw.example{path}")),
            *want,
        );
    }
    let on8080: &[(&str, Want)] = &[
        (
            "/scheme-nil-and-port-nil",
            R(302, "http://example.org:8080/scheme-nil-and-port-nil"),
        ),
        (
            "/scheme-nil-and-port-80",
            R(302, "http://example.org/scheme-nil-and-port-80"),
        ),
        (
            "/scheme-https-and-port-nil",
            R(302, "https://example.org/scheme-https-and-port-nil"),
        ),
    ];
    for (path, want) in on8080 {
        check(
            &c,
            "same-namespace-with-http-listener-on-8080",
            get(&format!("http://gw.example:8080{path}")),
            *want,
        );
    }
    let on443: &[(&str, Want)] = &[
        (
            "/scheme-nil-and-port-nil",
            R(302, "https://example.org/scheme-nil-and-port-nil"),
        ),
        (
            "/scheme-nil-and-port-443",
            R(302, "https://example.org/scheme-nil-and-port-443"),
        ),
    ];
    for (path, want) in on443 {
        check(
            &c,
            "same-namespace-with-https-listener",
            get(&format!("https://example.org{path}")),
            *want,
        );
    }
}

#[test]
fn httproute_rewrites() {
    use Want::Rewritten as W;
    let c = cluster("httproute-rewrite-path");
    let cases: &[(&str, Want)] = &[
        (
            "/prefix/one/two",
            W("infra-backend-v1", "gw.example", "/one/two"),
        ),
        (
            "/strip-prefix/three",
            W("infra-backend-v1", "gw.example", "/three"),
        ),
        ("/strip-prefix", W("infra-backend-v1", "gw.example", "/")),
        ("/full/one/two", W("infra-backend-v1", "gw.example", "/one")),
        (
            "/full/rewrite-path-and-modify-headers/test",
            W("infra-backend-v1", "gw.example", "/test"),
        ),
        (
            "/prefix/rewrite-path-and-modify-headers/one",
            W("infra-backend-v1", "gw.example", "/prefix/one"),
        ),
    ];
    for (path, want) in cases {
        check(
            &c,
            "same-namespace",
            get(&format!("http://gw.example{path}")),
            *want,
        );
    }
    let c = cluster("httproute-rewrite-host");
    let cases: &[(&str, Want)] = &[
        ("/one", W("infra-backend-v1", "one.example.org", "/one")),
        ("/two", W("infra-backend-v2", "example.org", "/two")),
        (
            "/rewrite-host-and-modify-headers",
            W(
                "infra-backend-v2",
                "test.example.org",
                "/rewrite-host-and-modify-headers",
            ),
        ),
    ];
    for (path, want) in cases {
        check(
            &c,
            "same-namespace",
            get(&format!("http://rewrite.example{path}")),
            *want,
        );
    }
}

#[test]
fn header_modifiers_are_listed() {
    let c = cluster("httproute-request-header-modifier");
    let r = route(
        &c,
        &get("http://gw.example/set"),
        &GwRouteOptions {
            gateway: Some((NS.into(), "same-namespace".into())),
        },
    )
    .expect("routed");
    assert_eq!(r.symptom, Symptom::Ok);
    assert!(
        r.outcome
            .request_headers
            .iter()
            .any(|h| h.op == "set" && h.name == "X-Header-Set"),
        "{r:#?}"
    );
    let c = cluster("httproute-response-header-modifier");
    let r = route(
        &c,
        &get("http://gw.example/set"),
        &GwRouteOptions {
            gateway: Some((NS.into(), "same-namespace".into())),
        },
    )
    .expect("routed");
    assert!(
        r.outcome
            .response_headers
            .iter()
            .any(|h| h.op == "set" && h.name == "X-Header-Set"),
        "{r:#?}"
    );
}

const ECHO: &str = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";

fn grpc(host: &str, method: &str, headers: &[(&str, &str)]) -> HttpRequest {
    let mut req = HttpRequest::parse_grpc(&format!("grpc://{host}/{ECHO}/{method}")).expect("url");
    for (k, v) in headers {
        req = req.with_header(k, v);
    }
    req
}

#[test]
fn grpcroute_matching() {
    use Want::{Backend as B, Grpc as G};
    let c = cluster("grpcroute-exact-method-matching");
    check(
        &c,
        "same-namespace",
        grpc("gw.example", "Echo", &[]),
        B("grpc-infra-backend-v1"),
    );
    check(
        &c,
        "same-namespace",
        grpc("gw.example", "EchoTwo", &[]),
        B("grpc-infra-backend-v2"),
    );
    check(
        &c,
        "same-namespace",
        grpc("gw.example", "EchoThree", &[]),
        G(12),
    );

    let c = cluster("grpcroute-header-matching");
    let cases: &[(&[(&str, &str)], Want)] = &[
        (&[("Version", "one")], B("grpc-infra-backend-v1")),
        (&[("Version", "two")], B("grpc-infra-backend-v2")),
        (
            &[("Version", "two"), ("Color", "orange")],
            B("grpc-infra-backend-v1"),
        ),
        (
            &[("Version", "two"), ("Color", "blue")],
            B("grpc-infra-backend-v2"),
        ),
        (&[("Color", "orange")], G(12)),
        (&[("Some-Other-Header", "one")], G(12)),
        (&[("Color", "blue")], B("grpc-infra-backend-v1")),
        (&[("Color", "green")], B("grpc-infra-backend-v1")),
        (&[("Color", "red")], B("grpc-infra-backend-v2")),
        (&[("Color", "yellow")], B("grpc-infra-backend-v2")),
        (&[("Color", "purple")], G(12)),
    ];
    for (headers, want) in cases {
        check(
            &c,
            "same-namespace",
            grpc("gw.example", "Echo", headers),
            *want,
        );
    }

    let c = cluster("grpcroute-listener-hostname-matching");
    let cases: &[(&str, Want)] = &[
        ("bar.com", B("grpc-infra-backend-v1")),
        ("foo.bar.com", B("grpc-infra-backend-v2")),
        ("baz.bar.com", B("grpc-infra-backend-v3")),
        ("boo.bar.com", B("grpc-infra-backend-v3")),
        ("multiple.prefixes.bar.com", B("grpc-infra-backend-v3")),
        ("multiple.prefixes.foo.com", B("grpc-infra-backend-v3")),
        ("foo.com", G(12)),
        ("no.matching.host", G(12)),
    ];
    for (host, want) in cases {
        check(
            &c,
            "grpcroute-listener-hostname-matching",
            grpc(host, "Echo", &[]),
            *want,
        );
    }
}

fn tls(c: &Cluster, gw: &str, sni: &str) -> GwRouteResult {
    let conn = Connection::parse(&format!("tls://{sni}:443"))
        .expect("tls url")
        .expect("valid");
    route_connection(
        c,
        &conn,
        &GwRouteOptions {
            gateway: Some((NS.into(), gw.into())),
        },
    )
    .expect("gateway given")
}

fn tls_backend(r: &GwRouteResult) -> Option<&str> {
    (r.symptom == Symptom::Ok)
        .then(|| r.backend.as_ref().map(|b| b.service.as_str()))
        .flatten()
}

#[test]
fn tlsroute_sni_routing() {
    let c = cluster("tlsroute-simple-same-namespace");
    let r = tls(&c, "gateway-tlsroute", "abc.example.com");
    assert_eq!(tls_backend(&r), Some("tcp-backend"), "{r:#?}");
    assert!(r
        .hops
        .iter()
        .any(|h| h.detail.contains("passes TLS through")));

    let c = cluster("tlsroute-hostname-intersection");
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "gw-tlsroute-exact-hostname-x-1",
            "abc.example.com",
            Some("tls-backend"),
        ),
        ("gw-tlsroute-exact-hostname-x-1", "non.matching.com", None),
        (
            "gw-tlsroute-more-specific-wc-hostname-x-2",
            "abc.example.com",
            Some("tls-backend"),
        ),
        (
            "gw-tlsroute-more-specific-wc-hostname-x-2",
            "other.example.com",
            Some("tls-backend-2"),
        ),
        (
            "gw-tlsroute-more-specific-wc-hostname-x-2",
            "non.matching.com",
            None,
        ),
        (
            "gw-tlsroute-less-specific-wc-hostname-x-3",
            "abc.example.com",
            Some("tls-backend"),
        ),
        (
            "gw-tlsroute-less-specific-wc-hostname-x-3",
            "other.example.com",
            Some("tls-backend-2"),
        ),
        (
            "gw-tlsroute-less-specific-wc-hostname-x-3",
            "non.matching.com",
            None,
        ),
    ];
    for (gw, sni, want) in cases {
        let r = tls(&c, gw, sni);
        assert_eq!(tls_backend(&r), *want, "{gw} {sni}: {r:#?}");
        if want.is_none() {
            assert_eq!(r.symptom, Symptom::TlsHandshakeFailure, "{gw} {sni}");
        }
    }
}

#[test]
fn listenerset_http_routing() {
    use Want::{Backend as B, Status as S};
    let c = cluster("listenerset-http-routing");
    let gw = "gateway-with-listener-sets-http-routing";
    let g1 = "gateway-listener-1.com";
    let g2 = "gateway-listener-2.com";
    let l11 = "listener-set-http-routing-1-listener-1.com";
    let l12 = "listener-set-http-routing-1-listener-2.com";
    let l21 = "listener-set-http-routing-2-listener-1.com";
    let l22 = "listener-set-http-routing-2-listener-2.com";
    let v1 = "infra-backend-v1";
    let v2 = "infra-backend-v2";
    let v3 = "infra-backend-v3";
    let cases: &[(&str, &str, Want)] = &[
        (g1, "/route", B(v1)),
        (g2, "/route", B(v1)),
        (l11, "/route", B(v1)),
        (l12, "/route", B(v1)),
        (l21, "/route", B(v1)),
        (l22, "/route", B(v1)),
        (g1, "/gateway-route", B(v2)),
        (g2, "/gateway-route", B(v2)),
        (l11, "/gateway-route", S(404)),
        (l12, "/gateway-route", S(404)),
        (l21, "/gateway-route", S(404)),
        (l22, "/gateway-route", S(404)),
        (g1, "/gateway-section-route", B(v3)),
        (g2, "/gateway-section-route", S(404)),
        (l11, "/gateway-section-route", S(404)),
        (l12, "/gateway-section-route", S(404)),
        (l21, "/gateway-section-route", S(404)),
        (l22, "/gateway-section-route", S(404)),
        (g1, "/listener-set-http-routing-1-route", S(404)),
        (g2, "/listener-set-http-routing-1-route", S(404)),
        (l11, "/listener-set-http-routing-1-route", B(v2)),
        (l12, "/listener-set-http-routing-1-route", B(v2)),
        (l21, "/listener-set-http-routing-1-route", S(404)),
        (l22, "/listener-set-http-routing-1-route", S(404)),
        (g1, "/listener-set-http-routing-1-section-route", S(404)),
        (g2, "/listener-set-http-routing-1-section-route", S(404)),
        (l11, "/listener-set-http-routing-1-section-route", B(v3)),
    ];
    for (host, path, want) in cases {
        check(&c, gw, get(&format!("http://{host}{path}")), *want);
    }
}

fn set_reason(c: &Cluster, name: &str) -> Option<&'static str> {
    let set = c
        .listener_sets()
        .iter()
        .find(|s| s.name == name)
        .expect("listener set");
    set_state(c, set).1.err().map(|e| e.reason())
}

fn conflicted(c: &Cluster, gw: &str) -> Vec<(String, String, &'static str)> {
    let g = c.gateway(NS, gw).expect("gateway");
    merged_listeners(c, g)
        .into_iter()
        .filter_map(|m| {
            let set = m.set?;
            let (reason, _) = m.conflict?;
            Some((set.name.clone(), m.listener.name.clone(), reason))
        })
        .collect()
}

#[test]
fn listenerset_conflicts_and_precedence() {
    let c = cluster("listenerset-hostname-conflict");
    let mut got = conflicted(&c, "gateway-with-listenerset-hostname-conflict");
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "listenerset-with-hostname-conflict-with-gateway-1".into(),
                "hostname-conflict-with-gateway-listener".into(),
                "HostnameConflict"
            ),
            (
                "listenerset-with-hostname-conflict-with-gateway-2".into(),
                "hostname-conflict-with-gateway-listener".into(),
                "HostnameConflict"
            ),
            (
                "listenerset-with-hostname-conflict-with-listener-set-1".into(),
                "hostname-conflict-with-listener-set-listener".into(),
                "HostnameConflict"
            ),
            (
                "listenerset-with-hostname-conflict-with-listener-set-2".into(),
                "hostname-conflict-with-listener-set-listener".into(),
                "HostnameConflict"
            ),
        ]
    );
    assert_eq!(
        set_reason(&c, "listenerset-with-hostname-conflict-with-gateway-1"),
        None
    );
    assert_eq!(
        set_reason(&c, "listenerset-with-hostname-conflict-with-gateway-2"),
        Some("ListenersNotValid")
    );
    assert_eq!(
        set_reason(&c, "listenerset-with-hostname-conflict-with-listener-set-1"),
        None
    );
    assert_eq!(
        set_reason(&c, "listenerset-with-hostname-conflict-with-listener-set-2"),
        Some("ListenersNotValid")
    );

    let c = cluster("listenerset-protocol-conflict");
    let got = conflicted(&c, "gateway-with-listenerset-protocol-conflict");
    assert!(
        got.iter().any(
            |(s, l, r)| s == "listenerset-with-protocol-conflict-with-gateway-1"
                && l == "protocol-conflict-with-gateway-listener"
                && *r == "ProtocolConflict"
        ),
        "{got:?}"
    );
    assert_eq!(
        set_reason(&c, "listenerset-with-protocol-conflict-with-gateway-2"),
        Some("ListenersNotValid")
    );
}

#[test]
fn listenerset_allowed_listeners() {
    let c = cluster("listenerset-default-not-allowed");
    let reasons: Vec<Option<&str>> = c
        .listener_sets()
        .iter()
        .map(|s| set_state(&c, s).1.err().map(|e| e.reason()))
        .collect();
    assert!(reasons.contains(&Some("NotAllowed")), "{reasons:?}");
    let c = cluster("listenerset-allowed-namespace-none");
    assert!(c
        .listener_sets()
        .iter()
        .all(|s| set_state(&c, s).1.err().map(|e| e.reason()) == Some("NotAllowed")));

    // ListenerSetAllowedNamespaceSame / ...Selector: the admitted one is accepted, the other
    // NotAllowed.
    for (test, ok, refused) in [
        (
            "listenerset-allowed-namespace-same",
            "listenerset-in-same-namespace",
            "listenerset-in-different-namespace",
        ),
        (
            "listenerset-allowed-namespace-selector",
            "listenerset-in-selected-namespace",
            "listenerset-not-in-selected-namespace",
        ),
    ] {
        let c = cluster(test);
        assert_eq!(set_reason(&c, ok), None, "{test}");
        assert_eq!(set_reason(&c, refused), Some("NotAllowed"), "{test}");
    }
}

//! `netdoctor migrate-check` end to end: deliberately broken conversions must each be
//! reported with the URL that differs; a faithful conversion must be judged equivalent; the
//! fixture pairs of kubernetes-sigs/ingress2gateway (tests/fixtures/migrate/SOURCE.md) are
//! judged with every difference explained.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrate")
}

/// Runs migrate-check in the fixture directory; returns the exit code and the JSON.
fn run(sub: &str, args: &[&str]) -> (i32, Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .arg("migrate-check")
        .args(args)
        .args(["-o", "json"])
        .current_dir(dir().join(sub))
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), v)
}

/// The URLs that differ, with what differs.
fn differing(v: &Value) -> Vec<(String, Vec<String>)> {
    v["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .filter(|c| !c["differences"].as_array().expect("differences").is_empty())
        .map(|c| {
            (
                c["url"].as_str().unwrap_or_default().to_string(),
                c["differences"]
                    .as_array()
                    .expect("differences")
                    .iter()
                    .map(|d| d.as_str().unwrap_or_default().to_string())
                    .collect(),
            )
        })
        .collect()
}

fn urls(d: &[(String, Vec<String>)]) -> Vec<&str> {
    d.iter().map(|(u, _)| u.as_str()).collect()
}

fn broken(new: &str) -> (i32, Value) {
    run(
        "broken",
        &[
            "--base",
            "ingress.yaml",
            "--base",
            "env.yaml",
            "-f",
            new,
            "-f",
            "env.yaml",
        ],
    )
}

#[test]
fn faithful_conversion_is_equivalent() {
    let (code, v) = broken("good.yaml");
    assert_eq!(differing(&v), vec![], "{v:#}");
    assert_eq!(code, 0);
    // http to the TLS host is the same 308 to https on both sides.
    let c = v["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .find(|c| c["url"] == "http://shop.example.com/api")
        .expect("enumerated");
    assert_eq!(c["ingress"]["redirect"], "308 https://shop.example.com/api");
    assert_eq!(c["gateway"]["redirect"], "308 https://shop.example.com/api");
    // Enumeration: host × path × representatives, https for the TLS host.
    let all: Vec<&str> = v["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .filter_map(|c| c["url"].as_str())
        .collect();
    for u in [
        "http://shop.example.com/api",
        "http://shop.example.com/api/x",
        "http://shop.example.com/apix",
        "https://shop.example.com/api/x",
        "https://shop.example.com/",
        "http://blog.example.com/",
        "http://blog.example.com/x",
    ] {
        assert!(all.contains(&u), "{u} not enumerated: {all:?}");
    }
}

#[test]
fn one_input_holding_both_states() {
    let (code, v) = run(
        "broken",
        &["-f", "ingress.yaml", "-f", "good.yaml", "-f", "env.yaml"],
    );
    assert_eq!((code, v["differing"].as_u64()), (0, Some(0)), "{v:#}");
}

#[test]
fn dropped_host_is_reported() {
    let (code, v) = broken("dropped-host.yaml");
    assert_eq!(code, 1);
    let d = differing(&v);
    assert_eq!(
        urls(&d),
        vec!["http://blog.example.com/", "http://blog.example.com/x"]
    );
    assert!(d
        .iter()
        .all(|(_, what)| what.contains(&"status".to_string())));
}

#[test]
fn prefix_turned_exact_is_reported() {
    let (code, v) = broken("prefix-to-exact.yaml");
    assert_eq!(code, 1);
    // /api/x went to api under Prefix /api; under Exact /api it falls to / (web).
    assert_eq!(
        differing(&v),
        vec![(
            "https://shop.example.com/api/x".to_string(),
            vec!["backend".to_string()]
        )]
    );
}

#[test]
fn lost_tls_host_is_reported() {
    let (code, v) = broken("lost-tls-host.yaml");
    assert_eq!(code, 1);
    let d = differing(&v);
    assert_eq!(
        urls(&d),
        vec![
            "https://shop.example.com/",
            "https://shop.example.com/api",
            "https://shop.example.com/api/x",
            "https://shop.example.com/apix",
            "https://shop.example.com/x",
        ]
    );
}

/// One ingress2gateway fixture pair (the NGINX Inc provider's), in the cluster of its
/// `env.yaml`: the URLs expected to differ. The old state is routed as ingress-nginx, which
/// ignores `nginx.org/*` annotations; each difference below is explained.
fn pair(name: &str) -> (i32, Value) {
    let sub = format!("ingress2gateway/{name}");
    let out = if dir()
        .join(&sub)
        .join("output-without-warning.yaml")
        .exists()
    {
        "output-without-warning.yaml"
    } else {
        "output.yaml"
    };
    run(
        &sub,
        &[
            "--base",
            "input.yaml",
            "--base",
            "env.yaml",
            "-f",
            out,
            "-f",
            "env.yaml",
        ],
    )
}

#[test]
fn ingress2gateway_pairs_equivalent() {
    // Converted faithfully as far as routing goes; the annotations' header changes, listener
    // ports and backend TLS are named in `annotations` (not compared).
    for name in [
        "nginx-grpc-services",
        "nginx-listen-ports",
        "nginx-proxy-hide-headers",
        "nginx-proxy-set-headers",
        "nginx-ssl-services",
    ] {
        let (code, v) = pair(name);
        assert_eq!(differing(&v), vec![], "{name}: {v:#}");
        assert_eq!(code, 0, "{name}");
        assert!(
            !v["annotations"].as_array().expect("annotations").is_empty(),
            "{name}: its nginx.org annotation is named"
        );
    }
    // The gRPC service is called as gRPC on both sides: the GRPCRoute serves it.
    let (_, v) = pair("nginx-grpc-services");
    assert_eq!(
        v["urls"][0]["gateway"]["backends"][0],
        "default/grpc-svc:8080"
    );
}

#[test]
fn ingress2gateway_pairs_with_real_differences() {
    // nginx-hsts: the Ingress lists hsts.example.com under tls, so ingress-nginx answers plain
    // http with 308 to https (ssl-redirect defaults to true); the converted HTTPRoute on the
    // http listener serves the backend over plain http. Real.
    let (code, v) = pair("nginx-hsts");
    assert_eq!(code, 1);
    assert_eq!(
        urls(&differing(&v)),
        vec!["http://hsts.example.com/", "http://hsts.example.com/x"]
    );
    // nginx-rewrite: nginx.org/rewrites (NGINX Inc) became a URLRewrite; ingress-nginx ignores
    // that annotation, so the old state sends /app unchanged. Real for an ingress-nginx cluster.
    let (_, v) = pair("nginx-rewrite");
    assert_eq!(
        differing(&v),
        vec![
            (
                "http://example.com/app".to_string(),
                vec!["upstream".to_string()]
            ),
            (
                "http://example.com/app/x".to_string(),
                vec!["upstream".to_string()]
            ),
        ]
    );
    // nginx-ssl-redirect: nginx.org/redirect-to-https became a 301 RequestRedirect; ingress-
    // nginx ignores the annotation (and the Ingress has no tls section), so it serves http.
    let (_, v) = pair("nginx-ssl-redirect");
    assert_eq!(
        urls(&differing(&v)),
        vec!["http://secure.example.com/", "http://secure.example.com/x"]
    );
    // nginx-path-regex: the conversion made RegularExpression matches, whose evaluation is
    // implementation-specific: netdoctor answers `unknown` for the Gateway side instead of
    // guessing, and ingress-nginx (ignoring nginx.org/path-regex) reads the paths literally.
    let (_, v) = pair("nginx-path-regex");
    let d = differing(&v);
    assert_eq!(d.len(), 6, "{v:#}");
    for c in v["urls"].as_array().expect("urls") {
        assert_eq!(c["gateway"]["symptom"], "unknown", "{c:#}");
    }
}

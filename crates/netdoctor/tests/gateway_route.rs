//! End-to-end tests of `netdoctor ingress route` through a Gateway API Gateway.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(["ingress", "route"])
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn gateway_is_auto_detected_and_json_names_gateway_listener_route() {
    let o = route(&[
        "https://www.example.com/api/users",
        "-f",
        "examples/healthy-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["gateway"], "gateway-system/public-gateway");
    assert_eq!(v["listener"], "https");
    assert_eq!(v["route"], "production/web-frontend");
    assert_eq!(v["route_kind"], "HTTPRoute");
    assert!(v.get("ingress").is_none(), "{v}");
    assert_eq!(v["path"], "/api");
    assert_eq!(v["path_type"], "PathPrefix");
    assert_eq!(v["backend"]["service"], "api-service");
    assert_eq!(v["backend"]["port"], "8080");
    assert_eq!(v["symptom"], "ok");
}

#[test]
fn ingress_hosts_still_route_through_the_ingress() {
    let o = route(&[
        "https://app.example.com/api",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    let v = json(&o);
    assert_eq!(v["ingress"], "production/app-ingress");
    assert!(v.get("gateway").is_none());
}

#[test]
fn explicit_gateway_and_failures_exit_1() {
    let o = route(&[
        "http://metrics.example.com/",
        "--gateway",
        "gateway-system/public-gateway",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["symptom"], "http-500");
    let o = route(&[
        "http://shop.example.org/",
        "--gateway",
        "gateway-system/public-gateway",
        "-f",
        "examples/seed-cluster",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("NoMatchingListenerHostname"), "{text}");
    let o = route(&[
        "http://x/",
        "--gateway",
        "nope",
        "-f",
        "examples/seed-cluster",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = route(&[
        "http://x/",
        "--gateway",
        "gateway-system/missing",
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["symptom"], "no-address");
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

/// Issue 16 item 8: listener https of infra/public names Secret infra/shop-tls, which does
/// not exist. By the Gateway API the listener has `ResolvedRefs: False`
/// (`InvalidCertificateRef`) and is not programmed: `doctor` reports it (GW009, with the
/// Secret to create), and `ingress route --gateway` and `trace` fail at the tls hop with the
/// TLS handshake failure the client sees.
#[test]
fn listener_certificate_secret_missing_fails_tls_everywhere() {
    const FIX: &str = "crates/netdoctor-core/tests/fixtures/rules/GW009/fires.yaml";
    const URL: &str = "https://shop.example.com/";

    let d = json(&run(&["doctor", "-f", FIX, "-o", "json"]));
    let gw009: Vec<&serde_json::Value> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "GW009" && f["object"]["name"] == "public")
        .collect();
    assert_eq!(gw009.len(), 2, "one per listener: {d}");
    let shop = gw009
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("listener https "))
        .expect("listener https");
    assert_eq!(shop["severity"], "error");
    assert!(shop["message"]
        .as_str()
        .unwrap()
        .contains("InvalidCertificateRef"));
    assert!(shop["fix"]["commands"]
        .to_string()
        .contains("kubectl -n infra create secret tls shop-tls"));
    let legacy = gw009
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("listener legacy "))
        .expect("listener legacy");
    assert!(legacy["message"]
        .as_str()
        .unwrap()
        .contains("RefNotPermitted"));
    assert!(legacy["fix"].to_string().contains("kind: ReferenceGrant"));

    let o = route(&[URL, "--gateway", "infra/public", "-f", FIX, "-o", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let r = json(&o);
    assert_eq!(r["symptom"], "tls-handshake-failure", "{r}");
    let failing: Vec<&serde_json::Value> = r["hops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "fail")
        .collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0]["step"], "tls");

    let o = run(&[
        "trace",
        "--from",
        "203.0.113.7",
        "--to",
        URL,
        "-f",
        FIX,
        "-o",
        "json",
    ]);
    assert_ne!(o.status.code(), Some(0));
    let t = json(&o);
    assert_eq!(t["reachable"], false);
    assert_eq!(t["symptom"], "tls-handshake-failure");
    assert_eq!(t["hops"], r["hops"]);
    assert!(
        t["fix"].to_string().contains("create secret tls shop-tls"),
        "the fix names the Secret: {t}"
    );
}

const OUTCOMES: &str = "crates/netdoctor/tests/fixtures/gateway/outcomes.yaml";

fn outcome(url: &str) -> (Option<i32>, serde_json::Value) {
    let o = route(&[url, "-f", OUTCOMES, "-o", "json"]);
    (o.status.code(), json(&o))
}

#[test]
fn listenerset_listener_serves_its_routes() {
    let (code, v) = outcome("http://team.example.com/x");
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["listener"], "team-http");
    assert_eq!(v["route"], "team/team");
    assert_eq!(v["backend"]["service"], "team-app");
    // From outside, through the same engine.
    let o = run(&[
        "trace",
        "--from",
        "203.0.113.7",
        "--to",
        "http://team.example.com/",
        "-f",
        OUTCOMES,
        "-o",
        "json",
    ]);
    assert_eq!(json(&o)["reachable"], true);
}

#[test]
fn redirect_and_rewrite_are_outcomes() {
    let (code, v) = outcome("http://shop.example.com/old/page?q=1");
    // A configured redirect is an answer: exit 0.
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["symptom"], "http-301");
    assert_eq!(v["redirect"]["status_code"], 301);
    assert_eq!(
        v["redirect"]["location"],
        "http://shop.example.com/new/page?q=1"
    );
    assert!(v["backend"].is_null());
    let (code, v) = outcome("http://shop.example.com/api/users");
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["upstream"]["path"], "/users");
    assert_eq!(v["upstream"]["host"], "shop.example.com");
    assert_eq!(v["request_headers"][0]["op"], "set");
    assert_eq!(v["request_headers"][0]["name"], "X-Env");
}

#[test]
fn grpc_tls_and_tcp_targets() {
    let (code, v) = outcome("grpc://grpc.example.com/helloworld.Greeter/SayHello");
    assert_eq!(
        (code, v["route_kind"].as_str()),
        (Some(0), Some("GRPCRoute"))
    );
    let (code, v) = outcome("grpc://grpc.example.com/helloworld.Greeter/Nope");
    assert_eq!(code, Some(1));
    assert_eq!(v["grpc_status"]["code"], 12);
    assert_eq!(v["grpc_status"]["name"], "UNIMPLEMENTED");
    let (code, v) = outcome("tls://main.db.example.com:443");
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["route_kind"], "TLSRoute");
    assert_eq!(v["backend"]["service"], "postgres");
    let (code, v) = outcome("tls://other.db.example.com:443");
    assert_eq!(
        (code, v["symptom"].as_str()),
        (Some(1), Some("tls-handshake-failure"))
    );
    let (code, v) = outcome("tcp://db:5432");
    assert_eq!(
        (code, v["route_kind"].as_str()),
        (Some(0), Some("TCPRoute"))
    );
    let o = route(&["tls://no-port", "-f", OUTCOMES]);
    assert_eq!(o.status.code(), Some(2));
}

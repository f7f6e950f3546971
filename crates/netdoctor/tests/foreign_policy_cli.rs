//! Issue 16 items 4, 6 and 10 (hostNetwork part) end to end: policy kinds netdoctor does not
//! model make verdicts unknown (never exit 0), egress-isolated pods and outside addresses, and
//! the fix for a hostNetwork client. Expectations come from Kubernetes (and the CNIs')
//! semantics: fixtures in `tests/fixtures/foreign_policy/`.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/foreign_policy")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Runs netdoctor with `-f` for each fixture; (exit code, stdout).
fn run(args: &[&str], fixtures: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netdoctor"));
    cmd.args(args).env("NO_COLOR", "1").env_remove("KUBECONFIG");
    for f in fixtures {
        cmd.arg("-f").arg(fixture(f));
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn json(args: &[&str], fixtures: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json"]);
    let (code, out) = run(&a, fixtures);
    (code, serde_json::from_str(&out).expect("json"))
}

fn check(from: &str, to: &str, port: &str, fixtures: &[&str]) -> (i32, Value) {
    json(
        &[
            "policy", "check", "--from", from, "--to", to, "--port", port,
        ],
        fixtures,
    )
}

#[test]
fn a_cilium_policy_makes_policy_check_unknown_and_never_exit_zero() {
    // Cilium drops the xwing's connection (rule1 admits only org=empire): not "allowed".
    let (code, v) = check(
        "default/xwing",
        "default/service/deathstar",
        "80",
        &["starwars.yaml", "cilium-rule1.yaml"],
    );
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(v["allowed"], false);
    let reasons = v["unknown_reasons"].to_string();
    assert!(
        reasons.contains(
            "governed by CiliumNetworkPolicy default/rule1, which netdoctor does not model"
        ),
        "{reasons}"
    );
    assert!(v["ingress"]["not_modelled"]
        .as_array()
        .is_some_and(|a| a.iter().any(|p| p == "CiliumNetworkPolicy default/rule1")));
    let (code, text) = run(
        &[
            "policy",
            "check",
            "--from",
            "default/xwing",
            "--to",
            "default/service/deathstar",
            "--port",
            "80",
        ],
        &["starwars.yaml", "cilium-rule1.yaml"],
    );
    assert_eq!(code, 1);
    assert!(text.contains("UNKNOWN"), "{text}");
    assert!(text.contains("CiliumNetworkPolicy default/rule1"), "{text}");
}

#[test]
fn flows_not_touching_a_selected_pod_stay_decidable() {
    let (code, v) = check(
        "default/tiefighter",
        "default/xwing",
        "80",
        &["starwars.yaml", "cilium-rule1.yaml"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["allowed"], true);
    assert!(v.get("verdict").is_none());
    // rule1 governs deathstar's ingress only: what deathstar sends is NetworkPolicy's call.
    let (code, _) = check(
        "default/deathstar-1",
        "default/xwing",
        "80",
        &["starwars.yaml", "cilium-rule1.yaml"],
    );
    assert_eq!(code, 0);
}

#[test]
fn a_networkpolicy_denial_stays_known_only_where_nothing_can_override_it() {
    // Istio authorizes in the receiving proxy, after NetworkPolicy: the denial is decisive.
    let (code, v) = check(
        "default/xwing",
        "default/deathstar-1",
        "80",
        &[
            "starwars.yaml",
            "deny-ingress-deathstar.yaml",
            "istio-allow-nothing.yaml",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(v["allowed"], false);
    assert!(v.get("verdict").is_none(), "{v}");
    // Cilium unions its rules with NetworkPolicy's: rule1 may admit what NetworkPolicy denies.
    let (code, v) = check(
        "default/tiefighter",
        "default/deathstar-1",
        "80",
        &[
            "starwars.yaml",
            "cilium-rule1.yaml",
            "deny-ingress-deathstar.yaml",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "unknown");
}

#[test]
fn calico_selectors_select_by_expression_or_everything_they_could() {
    // class == 'xwing', types [Egress]: the xwing's egress is governed, its ingress is not.
    let (code, v) = check(
        "default/xwing",
        "default/tiefighter",
        "80",
        &["starwars.yaml", "calico-global.yaml"],
    );
    assert_eq!(code, 1);
    assert!(v["unknown_reasons"]
        .to_string()
        .contains("GlobalNetworkPolicy xwing-egress"));
    // `||` is not read: the Calico NetworkPolicy is taken to select every pod of default.
    let (_, v) = check(
        "default/deathstar-1",
        "default/tiefighter",
        "80",
        &["starwars.yaml", "calico-global.yaml"],
    );
    assert_eq!(v["verdict"], "unknown");
    assert!(v["unknown_reasons"]
        .to_string()
        .contains("NetworkPolicy default/either"));
}

#[test]
fn trace_and_map_mark_the_governed_connections_unknown() {
    let (code, t) = json(
        &["trace", "--from", "default/xwing", "--to", "10.96.0.50:80"],
        &["starwars.yaml", "cilium-rule1.yaml"],
    );
    assert_eq!(code, 1);
    assert_eq!(t["reachable"], false);
    assert_eq!(t["verdict"], "unknown");
    assert_eq!(t["symptom"], "unknown");
    assert!(t["unknown_reasons"]
        .to_string()
        .contains("CiliumNetworkPolicy default/rule1"));
    let (code, m) = json(&["policy", "map"], &["starwars.yaml", "cilium-rule1.yaml"]);
    assert_eq!(code, 1);
    let rows = m["connections"].as_array().expect("rows");
    for r in rows {
        let into_deathstar = r["dst"] == "default/deathstar-1[Pod]";
        assert_eq!(r.get("verdict").is_some(), into_deathstar, "{r}");
    }
    assert!(m["unknown"]
        .to_string()
        .contains("CiliumNetworkPolicy default/rule1"));
}

#[test]
fn doctor_names_each_policy_not_modelled_and_the_pods_it_selects() {
    let (_, d) = json(
        &["doctor"],
        &[
            "starwars.yaml",
            "cilium-rule1.yaml",
            "istio-allow-nothing.yaml",
        ],
    );
    let f: Vec<&Value> = d["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "NP007")
        .collect();
    assert_eq!(f.len(), 2, "{f:?}");
    let cilium = f
        .iter()
        .find(|f| f["object"]["kind"] == "CiliumNetworkPolicy")
        .expect("rule1");
    assert_eq!(cilium["severity"], "warning");
    let msg = cilium["message"].as_str().unwrap_or_default();
    assert!(msg.contains("default/deathstar-1"), "{msg}");
    assert!(!msg.contains("xwing"), "{msg}");
}

#[test]
fn an_egress_isolated_pod_with_only_dns_reaches_no_outside_address() {
    let (code, t) = json(
        &[
            "trace",
            "--from",
            "default/test",
            "--to",
            "www.example.com:80",
        ],
        &["egress-dns-only.yaml"],
    );
    assert_eq!(code, 1, "{t}");
    assert_eq!(t["reachable"], false);
    assert_eq!(t["symptom"], "connection-timeout");
    let hop = t["hops"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["status"] == "fail"))
        .expect("a failing hop");
    assert_eq!(hop["step"], "egress-policy");
    assert!(t["fix"]["yaml"].to_string().contains("ipBlock"));
}

#[test]
fn an_egress_rule_without_to_allows_outside_addresses_and_an_ipblock_is_unknown() {
    let (code, t) = json(
        &[
            "trace",
            "--from",
            "default/test",
            "--to",
            "www.example.com:80",
        ],
        &["egress-dns-only.yaml", "egress-open-80.yaml"],
    );
    assert_eq!(code, 0, "{t}");
    assert!(
        t["hops"].to_string().contains("lists no destinations"),
        "{t}"
    );
    let (code, t) = json(
        &[
            "trace",
            "--from",
            "default/test",
            "--to",
            "www.example.com:80",
        ],
        &["egress-dns-only.yaml", "egress-ipblock.yaml"],
    );
    assert_eq!(code, 1, "{t}");
    assert_eq!(t["verdict"], "unknown");
    assert_eq!(t["reachable"], false);
}

#[test]
fn a_denied_hostnetwork_client_gets_an_ipblock_fix_not_a_pod_selector() {
    let (code, t) = json(
        &[
            "trace",
            "--from",
            "monitoring/agent",
            "--to",
            "10.244.1.30:80",
        ],
        &["hostnetwork-client.yaml"],
    );
    assert_eq!(code, 1);
    let yaml = t["fix"]["yaml"].as_str().expect("a fix");
    assert!(yaml.contains("cidr: 10.0.0.5/32"), "{yaml}");
    assert!(!yaml.contains("app: agent"), "{yaml}");
    let title = t["fix"]["title"].as_str().unwrap_or_default();
    assert!(title.contains("host network"), "{title}");
}

/// A Calico NetworkPolicy named like a Kubernetes NetworkPolicy is another resource: both
/// are kept (no INP002 duplicate), and the Calico one is named by NP007.
#[test]
fn calico_and_kubernetes_policies_may_share_a_name() {
    let (_, v) = json(&["doctor"], &["calico-same-name.yaml"]);
    let findings = v["findings"].as_array().expect("findings");
    assert!(
        !findings.iter().any(|f| f["code"] == "INP002"),
        "no duplicate: {findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "NP007" && f["object"]["name"] == "allow-web"),
        "NP007 names the Calico policy: {findings:?}"
    );
}

/// Issue 16 item 4, from outside: a routed request whose backend pods a policy kind
/// netdoctor does not model governs is unknown in `ingress route` and `trace` alike —
/// neither "served" nor a failure, never exit 0. The healthy example alone is served.
#[test]
fn routed_requests_to_pods_under_a_foreign_policy_are_unknown() {
    let healthy = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/healthy-cluster/cluster.yaml")
        .to_string_lossy()
        .into_owned();
    let url = "https://app.example.com/api";
    let (code, v) = json(&["ingress", "route", url, "-f", &healthy], &[]);
    assert_eq!((code, v["symptom"].as_str()), (0, Some("ok")), "{v}");

    let (code, v) = json(
        &["ingress", "route", url, "-f", &healthy],
        &["cilium-api-l7.yaml"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["symptom"], "unknown", "{v}");
    assert!(v["unknown_reasons"]
        .to_string()
        .contains("CiliumNetworkPolicy production/api-l7"));

    let (code, v) = json(
        &[
            "trace",
            "--from",
            "203.0.113.7",
            "--to",
            url,
            "-f",
            &healthy,
        ],
        &["cilium-api-l7.yaml"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "unknown", "{v}");
    assert_eq!(v["reachable"], false);
    assert!(v["unknown_reasons"]
        .to_string()
        .contains("CiliumNetworkPolicy production/api-l7"));
}

fn finding_of(v: &Value, code: &str) -> Option<Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == code)
        .cloned()
}

/// NP001 and NP005 state a NetworkPolicy denial as an error only where nothing else can
/// admit the flow: with a Cilium policy on the same pods they are warnings that name it.
#[test]
fn np001_and_np005_are_not_stated_as_fact_under_a_foreign_policy() {
    let (_, v) = json(&["doctor"], &["deny-egress-app.yaml"]);
    let f = finding_of(&v, "NP001").expect("NP001 without Cilium");
    assert_eq!(f["severity"], "error", "{f}");
    let (_, v) = json(
        &["doctor"],
        &["deny-egress-app.yaml", "cilium-dns-egress.yaml"],
    );
    let f = finding_of(&v, "NP001").expect("NP001 with Cilium");
    assert_eq!(f["severity"], "warning", "{f}");
    assert!(f["message"]
        .as_str()
        .is_some_and(|m| m.contains("unless CiliumNetworkPolicy app/allow-dns admits it")));

    let healthy = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/healthy-cluster/cluster.yaml")
        .to_string_lossy()
        .into_owned();
    let (_, v) = json(
        &["doctor", "-f", &healthy],
        &["deny-egress-ingress-nginx.yaml"],
    );
    let f = finding_of(&v, "NP005").expect("NP005 without Cilium");
    assert_eq!(f["severity"], "error", "{f}");
    // A Cilium policy on the backend's ingress cannot undo the controller's egress denial.
    let (_, v) = json(
        &["doctor", "-f", &healthy],
        &["deny-egress-ingress-nginx.yaml", "cilium-api-l7.yaml"],
    );
    let f = finding_of(&v, "NP005").expect("NP005 with Cilium on the other side");
    assert_eq!(f["severity"], "error", "{f}");
    // One on the controller's egress can.
    let (_, v) = json(
        &["doctor", "-f", &healthy],
        &[
            "deny-egress-ingress-nginx.yaml",
            "cilium-controller-egress.yaml",
        ],
    );
    let np005: Vec<Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "NP005")
        .cloned()
        .collect();
    assert!(!np005.is_empty(), "{v}");
    for f in np005 {
        assert_eq!(f["severity"], "warning", "{f}");
        assert!(f["message"]
            .to_string()
            .contains("unless CiliumNetworkPolicy ingress-nginx/controller-egress admits it"));
    }
}

/// `policy map -o html` marks the flows of governed workloads unknown, says why, and does
/// not exit 0 (as the other formats).
#[test]
fn policy_map_html_marks_unknown_flows() {
    let (code, html) = run(
        &["policy", "map", "-o", "html"],
        &["starwars.yaml", "cilium-rule1.yaml"],
    );
    assert_eq!(code, 1);
    assert!(html.contains("class=\"unknown-note\""), "no note");
    assert!(html.contains("governed by CiliumNetworkPolicy default/rule1"));
    assert!(
        html.contains("deathstar-1[Pod]</td><td>TCP 80 (unknown)")
            || html.contains("(unknown)</td>")
    );
    let (code, html) = run(&["policy", "map", "-o", "html"], &["starwars.yaml"]);
    assert_eq!(code, 0);
    assert!(!html.contains("class=\"unknown-note\""));
    assert!(!html.contains("(unknown)"));
}

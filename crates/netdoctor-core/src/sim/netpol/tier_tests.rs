//! The admin and baseline tiers (`tier.rs`, docs/cluster-policies.md), one test per point of
//! the Network Policy API's semantics.

use super::*;
use crate::load::load_text;
use crate::model::BuildOptions;

const NS: &str = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {team: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n  labels: {team: b}\n";

fn pod(ns: &str, name: &str, ip: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {name}}}\nspec:\n  containers:\n  - name: c\n    image: x\n    ports:\n    - {{name: web, containerPort: 8080}}\n    - {{name: dns, containerPort: 53, protocol: UDP}}\nstatus:\n  phase: Running\n  podIP: {ip}\n  podIPs:\n  - ip: {ip}\n"
    )
}

fn cluster(policies: &str) -> Cluster {
    let text = format!(
        "{NS}{}{}{}---\n{policies}",
        pod("a", "client", "10.0.0.1"),
        pod("b", "server", "10.0.0.2"),
        pod("b", "other", "10.0.0.3"),
    );
    let c = Cluster::build(load_text("t.yaml", &text), &BuildOptions::default());
    assert!(c.invalid.is_empty(), "{:?}", c.invalid);
    c
}

fn ep(c: &Cluster, ns: &str, name: &str) -> Endpoint {
    Endpoint::Pod(c.pod_index(ns, name).expect("pod"))
}

/// Checks a->b and that the set form and the map agree with it.
fn check(c: &Cluster, port: u16, proto: Protocol) -> Verdict {
    let e = Engine::new(c);
    let (s, d) = (ep(c, "a", "client"), ep(c, "b", "server"));
    let v = e.check(s, d, port, proto);
    let set = e.allowed_conns(s, d);
    assert_eq!(
        v.allowed,
        set.contains(proto, port),
        "check and set disagree"
    );
    let map = connectivity_map(&e, &MapOptions::default());
    let line = map
        .iter()
        .find(|l| l.src == "a/client[Pod]" && l.dst == "b/server[Pod]");
    assert_eq!(
        line.map(|l| l.conn.clone()).unwrap_or_default(),
        set,
        "map and set disagree"
    );
    v
}

const DENY_NP: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: b}\nspec:\n  podSelector: {}\n";
const ALLOW_NP: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-a, namespace: b}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: a}}\n";

fn anp(name: &str, priority: u32, action: &str, extra: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {{name: {name}}}\nspec:\n  priority: {priority}\n  subject:\n    namespaces: {{matchLabels: {{team: b}}}}\n  ingress:\n  - name: r\n    action: {action}\n    from:\n    - namespaces: {{matchLabels: {{team: a}}}}\n{extra}"
    )
}

const BANP_DENY: &str = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject:\n    namespaces: {}\n  ingress:\n  - name: deny-all\n    action: Deny\n    from:\n    - namespaces: {}\n";

#[test]
fn admin_deny_overrides_a_networkpolicy_allow() {
    let c = cluster(&format!("{ALLOW_NP}---\n{}", anp("deny", 5, "Deny", "")));
    let v = check(&c, 8080, Protocol::Tcp);
    assert!(!v.allowed);
    assert_eq!(v.ingress.tier, Some("admin"));
    let m = v.ingress.cluster_rule.as_ref().expect("rule");
    assert_eq!(
        (m.policy.as_str(), m.priority, m.action),
        ("deny", Some(5), "Deny")
    );
    let json = serde_json::to_value(&v).expect("json");
    assert_eq!(json["ingress"]["tier"], "admin");
    assert_eq!(json["ingress"]["cluster_rule"]["rule_name"], "r");
}

#[test]
fn admin_allow_overrides_a_networkpolicy_deny() {
    let c = cluster(&format!("{DENY_NP}---\n{}", anp("allow", 5, "Allow", "")));
    assert!(check(&c, 8080, Protocol::Tcp).allowed);
}

#[test]
fn lower_priority_number_wins() {
    let c = cluster(&format!(
        "{}---\n{}",
        anp("allow", 20, "Allow", ""),
        anp("deny", 10, "Deny", "")
    ));
    assert!(!check(&c, 8080, Protocol::Tcp).allowed);
}

#[test]
fn pass_hands_over_to_networkpolicy_then_baseline() {
    // Passed, NetworkPolicy isolates and denies: denied.
    let c = cluster(&format!("{DENY_NP}---\n{}", anp("pass", 5, "Pass", "")));
    let v = check(&c, 8080, Protocol::Tcp);
    assert!(!v.allowed);
    assert_eq!(v.ingress.tier, Some("networkpolicy"));
    assert!(v.ingress.passed_by.is_some());
    // Passed, no NetworkPolicy: the baseline denies.
    let c = cluster(&format!("{BANP_DENY}---\n{}", anp("pass", 5, "Pass", "")));
    let v = check(&c, 8080, Protocol::Tcp);
    assert!(!v.allowed);
    assert_eq!(v.ingress.tier, Some("baseline"));
    // A NetworkPolicy selecting the pod takes precedence over the baseline.
    let c = cluster(&format!("{BANP_DENY}---\n{ALLOW_NP}"));
    assert!(check(&c, 8080, Protocol::Tcp).allowed);
    // Passed, nothing else: allowed by default.
    let c = cluster(&anp("pass", 5, "Pass", ""));
    let v = check(&c, 8080, Protocol::Tcp);
    assert!(v.allowed);
    assert_eq!(v.ingress.tier, Some("default"));
}

#[test]
fn a_baseline_policy_not_named_default_has_no_effect() {
    let c = cluster(&BANP_DENY.replace("{name: default}", "{name: other}"));
    assert!(check(&c, 8080, Protocol::Tcp).allowed);
}

#[test]
fn ports_named_numbered_and_ranges() {
    let ports =
        "    ports:\n    - namedPort: web\n    - portRange: {protocol: UDP, start: 50, end: 60}\n";
    let c = cluster(&format!(
        "{}---\n{BANP_DENY}",
        anp("allow", 5, "Allow", ports)
    ));
    assert!(check(&c, 8080, Protocol::Tcp).allowed);
    assert!(check(&c, 53, Protocol::Udp).allowed);
    assert!(!check(&c, 80, Protocol::Tcp).allowed);
    assert!(!check(&c, 61, Protocol::Udp).allowed);
}

#[test]
fn cluster_network_policy_v1alpha2() {
    let cnp = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: admin-dns}\nspec:\n  tier: Admin\n  priority: 1\n  subject:\n    pods:\n      namespaceSelector: {matchLabels: {team: b}}\n      podSelector: {matchLabels: {app: server}}\n  ingress:\n  - action: Accept\n    from:\n    - namespaces: {}\n    protocols:\n    - udp: {destinationPort: {number: 53}}\n    - destinationNamedPort: web\n  - action: Deny\n    from:\n    - namespaces: {}\n";
    let c = cluster(cnp);
    assert!(check(&c, 53, Protocol::Udp).allowed);
    assert!(check(&c, 8080, Protocol::Tcp).allowed);
    assert!(!check(&c, 54, Protocol::Udp).allowed);
}

#[test]
fn networks_match_pod_addresses_and_domain_names_make_outside_addresses_unknown() {
    let cnp = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: egress}\nspec:\n  tier: Admin\n  priority: 1\n  subject:\n    namespaces: {matchLabels: {team: a}}\n  egress:\n  - action: Accept\n    to:\n    - domainNames: [\"example.com\"]\n  - action: Deny\n    to:\n    - networks: [10.0.0.2/32, 0.0.0.0/0]\n";
    let c = cluster(cnp);
    let v = check(&c, 8080, Protocol::Tcp);
    assert!(!v.allowed, "the networks peer matches the pod's address");
    let e = Engine::new(&c);
    let ip: std::net::IpAddr = "203.0.113.7".parse().expect("ip");
    let v = e.check(ep(&c, "a", "client"), Endpoint::Ip(ip), 443, Protocol::Tcp);
    assert_eq!(v.verdict, FlowVerdict::Unknown, "{v:?}");
    assert!(v.unknown_reasons[0].contains("domain names"));
    // The map marks what the workload sends as unknown.
    let unknown = MapUnknown::new(&e);
    assert!(
        unknown.reasons("a/client[Pod]", "0.0.0.0-9.255.255.255[External]")[0]
            .contains("ClusterNetworkPolicy egress (priority 1) (its domainNames peers)")
    );
}

#[test]
fn no_cluster_policy_keeps_the_json_unchanged() {
    let c = cluster(ALLOW_NP);
    let json = serde_json::to_value(check(&c, 8080, Protocol::Tcp)).expect("json");
    assert!(json["ingress"].get("tier").is_none());
}

#[test]
fn invalid_objects_are_reported_and_skipped() {
    let text = format!(
        "{NS}---\n{}---\n{}",
        anp("too-high", 1001, "Deny", ""),
        anp("bad-action", 1, "Drop", "")
    );
    let c = Cluster::build(load_text("t.yaml", &text), &BuildOptions::default());
    assert_eq!(c.invalid.len(), 2, "{:?}", c.invalid);
    assert!(c.cluster_policies.is_empty());
}

//! Truth tables from the Kubernetes NetworkPolicy documentation
//! (https://kubernetes.io/docs/concepts/services-networking/network-policies/), one test per
//! semantic point.

use super::*;
use crate::load::load_text;
use crate::model::BuildOptions;

/// `ns/name labels ip [port-spec...]` → a Pod manifest. Ports: `name:port/PROTO`.
fn pod(ns: &str, name: &str, labels: &str, ip: &str, ports: &[&str]) -> String {
    let labels: String = labels
        .split(',')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            format!("    {k}: \"{v}\"\n")
        })
        .collect();
    let ports: String = ports
        .iter()
        .map(|p| {
            let (name, rest) = p.split_once(':').unwrap_or(("", p));
            let (num, proto) = rest.split_once('/').unwrap_or((rest, "TCP"));
            let name = if name.is_empty() {
                String::new()
            } else {
                format!("      name: {name}\n")
            };
            format!("    - containerPort: {num}\n      protocol: {proto}\n{name}")
        })
        .collect();
    let ports = if ports.is_empty() {
        String::new()
    } else {
        format!("    ports:\n{ports}")
    };
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n{labels}  \nspec:\n  containers:\n  - name: c\n    image: x\n{ports}status:\n  phase: Running\n  podIP: {ip}\n  podIPs:\n  - ip: {ip}\n  conditions:\n  - type: Ready\n    status: \"True\"\n"
    )
}

fn ns(name: &str, labels: &str) -> String {
    let labels: String = labels
        .split(',')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            format!("    {k}: \"{v}\"\n")
        })
        .collect();
    format!(
        "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n{labels}  \n"
    )
}

fn cluster(docs: &[String]) -> Cluster {
    let text = docs.concat();
    let c = Cluster::build(load_text("t.yaml", &text), &BuildOptions::default());
    assert!(c.unreadable.is_empty(), "{:?}\n{text}", c.unreadable);
    assert!(c.invalid.is_empty(), "{:?}", c.invalid);
    c
}

fn idx(c: &Cluster, ns: &str, name: &str) -> Endpoint {
    Endpoint::Pod(c.pod_index(ns, name).expect("pod exists"))
}

fn allowed(c: &Cluster, from: (&str, &str), to: (&str, &str), port: u16, proto: Protocol) -> bool {
    let e = Engine::new(c);
    let v = e.check(idx(c, from.0, from.1), idx(c, to.0, to.1), port, proto);
    // `check` and the set form must agree.
    let set = e.allowed_conns(idx(c, from.0, from.1), idx(c, to.0, to.1));
    assert_eq!(
        v.allowed,
        set.contains(proto, port),
        "check and allowed_conns disagree"
    );
    v.allowed
}

const TCP: Protocol = Protocol::Tcp;
const UDP: Protocol = Protocol::Udp;

fn base() -> Vec<String> {
    vec![
        ns("prod", "team=a"),
        ns("other", "team=b"),
        pod(
            "prod",
            "web",
            "app=web",
            "10.0.0.1",
            &["http:8080/TCP", "dns:53/UDP"],
        ),
        pod(
            "prod",
            "api",
            "app=api",
            "10.0.0.2",
            &["http:9090/TCP", "metrics:9100/TCP"],
        ),
        pod("other", "client", "app=web", "10.0.1.1", &[]),
        pod("other", "db", "app=db", "10.0.1.2", &["sql:5432/TCP"]),
    ]
}

fn with(policy: &str) -> Cluster {
    let mut d = base();
    d.push(format!("---\n{policy}"));
    cluster(&d)
}

#[test]
fn no_policy_means_not_isolated() {
    let c = cluster(&base());
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 1234, TCP));
    assert!(allowed(&c, ("other", "db"), ("prod", "api"), 9, UDP));
}

#[test]
fn default_deny_ingress_isolates_only_ingress() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n");
    assert!(!allowed(
        &c,
        ("other", "client"),
        ("prod", "api"),
        9090,
        TCP
    ));
    assert!(!allowed(&c, ("prod", "web"), ("prod", "api"), 9090, TCP));
    // Egress of prod pods is not isolated.
    assert!(allowed(&c, ("prod", "api"), ("other", "db"), 5432, TCP));
    let e = Engine::new(&c);
    let v = e.check(idx(&c, "prod", "web"), idx(&c, "prod", "api"), 9090, TCP);
    assert!(v.ingress.isolated && !v.ingress.allowed && !v.egress.isolated);
    assert_eq!(v.ingress.policies, vec!["prod/deny".to_string()]);
    assert!(v.ingress.allowed_by.is_empty());
}

#[test]
fn policy_types_default_ingress_always_egress_when_egress_rules_exist() {
    // Only ingress rules, no policyTypes: ingress isolated, egress open.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n");
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 1, TCP));
    assert!(!allowed(&c, ("other", "db"), ("prod", "api"), 1, TCP));
    assert!(allowed(&c, ("prod", "api"), ("other", "db"), 5432, TCP));
    // Egress rules and no policyTypes: both directions isolated; no ingress rules → deny.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  egress:\n  - to: [{podSelector: {matchLabels: {app: web}}}]\n");
    assert!(allowed(&c, ("prod", "api"), ("prod", "web"), 8080, TCP));
    assert!(!allowed(&c, ("prod", "api"), ("other", "db"), 5432, TCP));
    assert!(!allowed(&c, ("prod", "web"), ("prod", "api"), 9090, TCP));
    // policyTypes [Egress] only: ingress stays open.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n");
    assert!(!allowed(&c, ("prod", "api"), ("prod", "web"), 8080, TCP));
    assert!(allowed(&c, ("other", "db"), ("prod", "web"), 8080, TCP));
}

#[test]
fn allow_rules_are_unioned_across_policies() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - ports: [{port: 9090}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - ports: [{port: 9100}]\n");
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 9090, TCP));
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 9100, TCP));
    assert!(!allowed(&c, ("prod", "web"), ("prod", "api"), 9101, TCP));
    let e = Engine::new(&c);
    let v = e.check(idx(&c, "prod", "web"), idx(&c, "prod", "api"), 9100, TCP);
    assert_eq!(
        v.ingress.policies,
        vec!["prod/a".to_string(), "prod/b".to_string()]
    );
    assert_eq!(
        v.ingress.allowed_by,
        vec![RuleMatch {
            policy: "prod/b".into(),
            rule: 0,
            peer: None,
            port: Some(0)
        }]
    );
}

#[test]
fn both_egress_of_source_and_ingress_of_destination_must_allow() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: eg, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: in, namespace: other}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n");
    let e = Engine::new(&c);
    let v = e.check(idx(&c, "prod", "web"), idx(&c, "other", "db"), 5432, TCP);
    assert!(v.egress.allowed && !v.ingress.allowed && !v.allowed);
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 9090, TCP));
}

#[test]
fn pod_selector_alone_selects_only_the_policys_namespace() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n");
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 9090, TCP));
    // other/client has app=web too, but lives in another namespace.
    assert!(!allowed(
        &c,
        ("other", "client"),
        ("prod", "api"),
        9090,
        TCP
    ));
}

#[test]
fn namespace_selector_alone_selects_every_pod_of_those_namespaces() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: b}}}]\n");
    assert!(allowed(&c, ("other", "client"), ("prod", "api"), 9090, TCP));
    assert!(allowed(&c, ("other", "db"), ("prod", "api"), 9090, TCP));
    assert!(!allowed(&c, ("prod", "web"), ("prod", "api"), 9090, TCP));
    // The automatic kubernetes.io/metadata.name label works.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}}]\n");
    assert!(allowed(&c, ("other", "db"), ("prod", "api"), 9090, TCP));
}

#[test]
fn namespace_and_pod_selector_in_one_peer_are_anded_two_peers_are_ored() {
    // The documentation's example: one element with both selectors.
    let and = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: b}}\n      podSelector: {matchLabels: {app: web}}\n");
    assert!(allowed(&and, ("other", "client"), ("prod", "api"), 1, TCP));
    assert!(!allowed(&and, ("other", "db"), ("prod", "api"), 1, TCP));
    assert!(!allowed(&and, ("prod", "web"), ("prod", "api"), 1, TCP));
    // Two elements: either.
    let or = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: b}}\n    - podSelector: {matchLabels: {app: web}}\n");
    assert!(allowed(&or, ("other", "client"), ("prod", "api"), 1, TCP));
    assert!(allowed(&or, ("other", "db"), ("prod", "api"), 1, TCP));
    assert!(allowed(&or, ("prod", "web"), ("prod", "api"), 1, TCP));
    let e = Engine::new(&or);
    let v = e.check(idx(&or, "prod", "web"), idx(&or, "prod", "api"), 1, TCP);
    assert_eq!(v.ingress.allowed_by[0].peer, Some(1));
}

#[test]
fn ip_block_with_except_matches_external_addresses_and_pod_ips() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from: [{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.1.2/32}}]\n");
    let e = Engine::new(&c);
    let api = idx(&c, "prod", "api");
    let ip = |s: &str| Endpoint::Ip(s.parse().expect("ip"));
    assert!(e.check(ip("172.17.0.5"), api, 9090, TCP).allowed);
    assert!(!e.check(ip("172.17.1.5"), api, 9090, TCP).allowed);
    assert!(!e.check(ip("172.18.0.1"), api, 9090, TCP).allowed);
    // Egress to one pod's /32, as the upstream e2e tests do.
    assert!(e.check(api, idx(&c, "other", "db"), 5432, TCP).allowed);
    assert!(!e.check(api, idx(&c, "other", "client"), 80, TCP).allowed);
    assert!(!e.check(api, ip("8.8.8.8"), 53, UDP).allowed);
}

#[test]
fn empty_selectors_select_everything_absent_ones_have_their_own_meaning() {
    // podSelector {} in a peer: every pod of the policy's namespace.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {}}]\n");
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 1, TCP));
    assert!(!allowed(&c, ("other", "db"), ("prod", "api"), 1, TCP));
    // namespaceSelector {}: every pod of every namespace (but not external addresses).
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n");
    assert!(allowed(&c, ("other", "db"), ("prod", "api"), 1, TCP));
    let e = Engine::new(&c);
    assert!(
        !e.check(
            Endpoint::Ip("1.2.3.4".parse().expect("ip")),
            idx(&c, "prod", "api"),
            1,
            TCP
        )
        .allowed
    );
}

#[test]
fn empty_rule_allows_all_and_no_rules_allow_nothing() {
    let all = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n  - {}\n");
    assert!(allowed(&all, ("other", "db"), ("prod", "api"), 9, UDP));
    let e = Engine::new(&all);
    assert!(
        e.check(
            Endpoint::Ip("1.2.3.4".parse().expect("ip")),
            idx(&all, "prod", "api"),
            1,
            TCP
        )
        .allowed
    );
    let none = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: []\n");
    assert!(!allowed(&none, ("prod", "web"), ("prod", "api"), 9090, TCP));
}

#[test]
fn named_ports_resolve_against_the_destination_with_the_same_protocol() {
    // Ingress: resolved on the selected pod. api's "http" is 9090.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: http}]\n");
    assert!(allowed(&c, ("other", "db"), ("prod", "api"), 9090, TCP));
    assert!(allowed(&c, ("other", "db"), ("prod", "web"), 8080, TCP));
    assert!(!allowed(&c, ("other", "db"), ("prod", "api"), 8080, TCP));
    // A name declared with another protocol does not resolve: web's "dns" is UDP.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: dns, protocol: TCP}]\n");
    assert!(!allowed(&c, ("other", "db"), ("prod", "web"), 53, TCP));
    assert!(!allowed(&c, ("other", "db"), ("prod", "web"), 53, UDP));
    // Egress: resolved on the destination pod.
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: sql}]\n");
    assert!(allowed(&c, ("prod", "web"), ("other", "db"), 5432, TCP));
    assert!(!allowed(&c, ("prod", "web"), ("prod", "api"), 5432, TCP));
}

#[test]
fn end_port_ranges_protocol_only_entries_and_sctp() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - ports:\n    - {port: 32000, endPort: 32768}\n    - {protocol: UDP}\n    - {port: 9000, protocol: SCTP}\n");
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 32000, TCP));
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 32768, TCP));
    assert!(!allowed(&c, ("prod", "web"), ("prod", "api"), 32769, TCP));
    assert!(allowed(&c, ("prod", "web"), ("prod", "api"), 7, UDP));
    assert!(allowed(
        &c,
        ("prod", "web"),
        ("prod", "api"),
        9000,
        Protocol::Sctp
    ));
    assert!(!allowed(&c, ("prod", "web"), ("prod", "api"), 9000, TCP));
    let e = Engine::new(&c);
    let set = e.allowed_conns(idx(&c, "prod", "web"), idx(&c, "prod", "api"));
    assert_eq!(set.to_string(), "SCTP 9000,TCP 32000-32768,UDP 1-65535");
}

#[test]
fn host_network_pods_are_not_subject_to_pod_policies() {
    let mut d = base();
    d.push(
        pod("prod", "node-agent", "app=api", "10.0.9.9", &[])
            .replace("spec:\n", "spec:\n  hostNetwork: true\n"),
    );
    d.push("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n".into());
    let c = cluster(&d);
    let e = Engine::new(&c);
    let agent = idx(&c, "prod", "node-agent");
    // Its own side is open; the peer's policies still apply.
    let v = e.check(agent, idx(&c, "other", "db"), 5432, TCP);
    assert!(v.allowed && !v.egress.subject_to_policies);
    let v = e.check(idx(&c, "other", "db"), agent, 80, TCP);
    assert!(v.allowed && !v.ingress.subject_to_policies);
    // As a peer it is its node address: podSelector app=api does not match it.
    assert!(!e.check(agent, idx(&c, "prod", "api"), 9090, TCP).allowed);
}

#[test]
fn services_are_checked_after_dnat_on_the_target_port() {
    let mut d = base();
    d.push("---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: prod}\nspec:\n  selector: {app: api}\n  ports:\n  - {port: 80, targetPort: http}\n".into());
    d.push("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - ports: [{port: 9090}]\n".into());
    let c = cluster(&d);
    let e = Engine::new(&c);
    let r = e
        .check_service(idx(&c, "prod", "web"), "prod", "api", 80, TCP)
        .expect("service port exists");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target_port, Some(9090));
    assert!(r[0].verdict.as_ref().is_some_and(|v| v.allowed));
    assert!(e
        .check_service(idx(&c, "prod", "web"), "prod", "api", 81, TCP)
        .is_err());
}

#[test]
fn map_prints_the_connlist_format() {
    let c = with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 9090}, {port: 53, protocol: UDP}]\n  - from: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]\n    ports: [{port: 443}]\n");
    let e = Engine::new(&c);
    let txt = format_txt(&connectivity_map(&e, &MapOptions::default()));
    let lines: Vec<&str> = txt.lines().collect();
    assert!(lines.contains(&"192.168.0.0-192.168.0.255[External] => prod/api[Pod] : TCP 443"));
    assert!(lines.contains(&"192.168.2.0-192.168.255.255[External] => prod/api[Pod] : TCP 443"));
    assert!(lines.contains(&"prod/web[Pod] => prod/api[Pod] : TCP 9090,UDP 53"));
    assert!(!lines.iter().any(|l| l.starts_with("prod/api[Pod] =>")));
    // The partition is shared: unisolated web gets one line per range.
    assert!(lines.contains(&"0.0.0.0-192.167.255.255[External] => prod/web[Pod] : All Connections"));
    assert!(
        lines.contains(&"192.168.1.0-192.168.1.255[External] => prod/web[Pod] : All Connections")
    );
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

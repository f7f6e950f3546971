//! Truth tables for the resolver search order (glibc, musl; ndots 5 and 1) and for every
//! record form of the Kubernetes DNS specification as CoreDNS answers it.

use super::*;
use crate::load::corefile;
use crate::load::load_text;
use crate::model::{BuildOptions, Cluster, Pod};
use std::net::IpAddr;

const CLUSTER: &str = include_str!("../../../tests/fixtures/dns/cluster.yaml");

fn cluster() -> Cluster {
    Cluster::build(load_text("cluster.yaml", CLUSTER), &BuildOptions::default())
}

fn rc(ndots: u32) -> ResolvConf {
    ResolvConf {
        nameservers: vec!["10.96.0.10".into()],
        search: vec![
            "production.svc.cluster.local".into(),
            "svc.cluster.local".into(),
            "cluster.local".into(),
        ],
        ndots,
        options: vec![format!("ndots:{ndots}")],
        dns_policy: "ClusterFirst".into(),
        effective_policy: "ClusterFirst".into(),
        resolver: ResolverKind::ClusterDns,
        node_part_unknown: false,
        notes: vec![],
    }
}

const S1: &str = ".production.svc.cluster.local.";
const S2: &str = ".svc.cluster.local.";
const S3: &str = ".cluster.local.";

fn expand(name: &str, order: &[&str]) -> Vec<String> {
    order
        .iter()
        .map(|o| match *o {
            "1" => format!("{name}{S1}"),
            "2" => format!("{name}{S2}"),
            "3" => format!("{name}{S3}"),
            _ => format!("{name}."),
        })
        .collect()
}

#[test]
fn search_order_truth_table() {
    use Libc::*;
    // (name, libc, ndots, candidates: "1","2","3" = search domains, "." = as-is)
    let table: &[(&str, Libc, u32, &[&str])] = &[
        ("api-service", Glibc, 5, &["1", "2", "3", "."]),
        ("api-service", Musl, 5, &["1", "2", "3", "."]),
        ("api-service", Glibc, 1, &["1", "2", "3", "."]),
        ("api-service", Musl, 1, &["1", "2", "3", "."]),
        ("api-service.production", Glibc, 5, &["1", "2", "3", "."]),
        ("api-service.production", Musl, 5, &["1", "2", "3", "."]),
        // dots >= ndots: glibc tries the name first, then still searches; musl never searches.
        ("api-service.production", Glibc, 1, &[".", "1", "2", "3"]),
        ("api-service.production", Musl, 1, &["."]),
        ("example.com", Glibc, 5, &["1", "2", "3", "."]),
        ("example.com", Musl, 5, &["1", "2", "3", "."]),
        ("example.com", Glibc, 1, &[".", "1", "2", "3"]),
        ("example.com", Musl, 1, &["."]),
        (
            "api-service.production.svc.cluster.local",
            Glibc,
            5,
            &["1", "2", "3", "."],
        ),
        (
            "api-service.production.svc.cluster.local",
            Glibc,
            4,
            &[".", "1", "2", "3"],
        ),
        ("api-service.production.svc.cluster.local", Musl, 4, &["."]),
    ];
    for (name, libc, ndots, order) in table {
        assert_eq!(
            candidates(name, &rc(*ndots), *libc, Request::Addresses),
            expand(name, order),
            "{name} {libc:?} ndots:{ndots}"
        );
    }
    // A trailing dot: absolute, exactly one query, for both libcs and any ndots.
    for libc in [Glibc, Musl] {
        for ndots in [1, 5] {
            assert_eq!(
                candidates(
                    "api-service.production.svc.cluster.local.",
                    &rc(ndots),
                    libc,
                    Request::Addresses
                ),
                ["api-service.production.svc.cluster.local."]
            );
        }
    }
    // glibc's `options no-tld-query`: a single label is not sent bare.
    let mut no_tld = rc(5);
    no_tld.options.push("no-tld-query".into());
    assert_eq!(
        candidates("api-service", &no_tld, Glibc, Request::Addresses),
        expand("api-service", &["1", "2", "3"])
    );
    // ndots:0: every name is tried as-is first.
    assert_eq!(
        candidates("api-service", &rc(0), Glibc, Request::Addresses),
        expand("api-service", &[".", "1", "2", "3"])
    );
    assert_eq!(
        candidates("api-service", &rc(0), Musl, Request::Addresses),
        expand("api-service", &["."])
    );
    // musl's res_search does not search.
    assert_eq!(
        candidates(
            "_http._tcp.api-service",
            &rc(5),
            Musl,
            Request::Type(QType::Srv)
        ),
        ["_http._tcp.api-service."]
    );
    assert_eq!(
        candidates(
            "_http._tcp.api-service",
            &rc(5),
            Glibc,
            Request::Type(QType::Srv)
        )[0],
        "_http._tcp.api-service.production.svc.cluster.local."
    );
}

fn ask(c: &Cluster, name: &str, t: QType) -> Answer {
    let dns = ClusterDns::of(c);
    cluster_answer(c, &dns, name, t)
}

fn check(c: &Cluster, name: &str, t: QType, rcode: Rcode, answers: &[&str]) {
    let a = ask(c, name, t);
    assert_eq!(
        (a.rcode, a.answers.clone()),
        (
            rcode,
            answers.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        ),
        "{name} {t:?}: {:?}",
        a.note
    );
}

#[test]
fn record_forms_truth_table() {
    use QType::*;
    use Rcode::*;
    let c = cluster();
    let z = "production.svc.cluster.local.";
    // ClusterIP Service.
    check(
        &c,
        &format!("api-service.{z}"),
        A,
        NoError,
        &["10.102.45.67"],
    );
    check(&c, &format!("api-service.{z}"), Aaaa, NoError, &[]); // NODATA
    check(&c, &format!("api-service.{z}"), Txt, NoError, &[]);
    // ClusterIP without endpoints still has its A record.
    check(&c, &format!("empty-svc.{z}"), A, NoError, &["10.102.0.20"]);
    // Unknown service, unknown namespace: NXDOMAIN; existing namespace: NODATA.
    check(&c, &format!("nope.{z}"), A, NxDomain, &[]);
    check(&c, "api-service.data.svc.cluster.local.", A, NxDomain, &[]);
    check(&c, z, A, NoError, &[]);
    check(&c, "svc.cluster.local.", A, NoError, &[]);
    check(&c, "cluster.local.", A, NoError, &[]);
    check(&c, "foo.cluster.local.", A, NxDomain, &[]);
    // Too many labels.
    check(&c, &format!("a.b.c.api-service.{z}"), A, NxDomain, &[]);
    // SRV for a named port.
    check(
        &c,
        &format!("_http._tcp.api-service.{z}"),
        Srv,
        NoError,
        &["0 100 8080 api-service.production.svc.cluster.local."],
    );
    check(
        &c,
        &format!("_grpc._tcp.api-service.{z}"),
        Srv,
        NxDomain,
        &[],
    );
    check(
        &c,
        &format!("_http._udp.api-service.{z}"),
        Srv,
        NxDomain,
        &[],
    );
    // Headless: ready endpoints only.
    check(
        &c,
        &format!("postgres.{z}"),
        A,
        NoError,
        &["192.168.1.30", "192.168.1.31"],
    );
    check(
        &c,
        &format!("postgres-0.postgres.{z}"),
        A,
        NoError,
        &["192.168.1.30"],
    );
    check(&c, &format!("postgres-2.postgres.{z}"), A, NxDomain, &[]);
    check(
        &c,
        &format!("_postgres._tcp.postgres.{z}"),
        Srv,
        NoError,
        &[
            "0 50 5432 postgres-0.postgres.production.svc.cluster.local.",
            "0 50 5432 postgres-1.postgres.production.svc.cluster.local.",
        ],
    );
    // Headless with no ready endpoints: NXDOMAIN.
    check(&c, &format!("cache.{z}"), A, NxDomain, &[]);
    // PTR: ClusterIP and endpoint; an unknown address falls through to forward.
    check(
        &c,
        "67.45.102.10.in-addr.arpa.",
        Ptr,
        NoError,
        &["api-service.production.svc.cluster.local."],
    );
    check(
        &c,
        "30.1.168.192.in-addr.arpa.",
        Ptr,
        NoError,
        &["postgres-0.postgres.production.svc.cluster.local."],
    );
    check(&c, "7.113.0.203.in-addr.arpa.", Ptr, Forwarded, &[]);
    // ExternalName: CNAME; an in-zone target that does not exist leaves no records.
    check(
        &c,
        &format!("legacy-db.{z}"),
        Cname,
        NoError,
        &["olddb.data.svc.cluster.local."],
    );
    check(&c, &format!("legacy-db.{z}"), A, NoError, &[]);
    check(
        &c,
        &format!("db-alias.{z}"),
        A,
        NoError,
        &["api-service.production.svc.cluster.local.", "10.102.45.67"],
    );
    check(
        &c,
        &format!("partner-api.{z}"),
        A,
        NoError,
        &["api.partner.example.com."],
    );
    // Pod records with `pods insecure`.
    check(
        &c,
        "192-168-1-20.production.pod.cluster.local.",
        A,
        NoError,
        &["192.168.1.20"],
    );
    check(
        &c,
        "not-an-ip.production.pod.cluster.local.",
        A,
        NxDomain,
        &[],
    );
    // dns-version.
    check(
        &c,
        "dns-version.cluster.local.",
        Txt,
        NoError,
        &["\"1.1.0\""],
    );
    // Outside the cluster zones.
    check(&c, "example.com.", A, Forwarded, &[]);
}

#[test]
fn pod_modes() {
    let text = CLUSTER.replace("pods insecure", "pods verified");
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    check(
        &c,
        "192-168-1-20.production.pod.cluster.local.",
        QType::A,
        Rcode::NoError,
        &["192.168.1.20"],
    );
    check(
        &c,
        "10-9-9-9.production.pod.cluster.local.",
        QType::A,
        Rcode::NxDomain,
        &[],
    );
    let text = CLUSTER.replace("             pods insecure\n", "");
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    check(
        &c,
        "192-168-1-20.production.pod.cluster.local.",
        QType::A,
        Rcode::NxDomain,
        &[],
    );
}

fn pod<'a>(c: &'a Cluster, ns: &str, name: &str) -> &'a Pod {
    c.pod(ns, name).expect("pod in fixture")
}

#[test]
fn resolv_conf_per_policy() {
    let c = cluster();
    let dns = ClusterDns::of(&c);
    let r = resolv_conf(&c, &dns, pod(&c, "production", "web-frontend-7c9d"));
    assert_eq!(r.nameservers, ["10.96.0.10"]);
    assert_eq!(
        r.search,
        [
            "production.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local"
        ]
    );
    assert_eq!(r.ndots, 5);
    assert_eq!(
        r.render(),
        "search production.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
    );
    let r = resolv_conf(&c, &dns, pod(&c, "production", "ndots1"));
    assert_eq!(r.ndots, 1);
    assert_eq!(r.options, ["ndots:1", "single-request-reopen"]);
    assert_eq!(
        r.search.last().map(String::as_str),
        Some("corp.example.com")
    );
    let r = resolv_conf(&c, &dns, pod(&c, "production", "debug-shell"));
    assert_eq!(r.effective_policy, "Default");
    assert_eq!(r.resolver, ResolverKind::Node);
    assert!(r.nameservers.is_empty());
    let r = resolv_conf(&c, &dns, pod(&c, "production", "hostnet-ok"));
    assert_eq!(r.effective_policy, "ClusterFirst");
    assert_eq!(r.nameservers, ["10.96.0.10"]);
    let r = resolv_conf(&c, &dns, pod(&c, "production", "custom-dns"));
    assert_eq!(r.nameservers, ["8.8.8.8", "1.1.1.1", "9.9.9.9"]);
    assert_eq!(r.search, ["example.com"]);
    assert_eq!(r.ndots, 2);
    assert!(r.notes.iter().any(|n| n.contains("first 3")));
}

#[test]
fn search_limits() {
    let long: Vec<String> = (0..40).map(|i| format!("d{i}.example.com")).collect();
    let text = CLUSTER.replace(
        "searches: [corp.example.com]",
        &format!("searches: [{}]", long.join(", ")),
    );
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    let dns = ClusterDns::of(&c);
    let r = resolv_conf(&c, &dns, pod(&c, "production", "ndots1"));
    assert_eq!(r.search.len(), MAX_SEARCH_PATHS);
}

fn names(r: &Resolution) -> Vec<String> {
    r.queries
        .iter()
        .map(|q| format!("{} {} {}", q.name, q.qtype.as_str(), q.rcode.as_str()))
        .collect()
}

#[test]
fn query_sequences() {
    let c = cluster();
    let dns = ClusterDns::of(&c);
    let web = pod(&c, "production", "web-frontend-7c9d");
    let client = pod(&c, "web", "client");
    let a = Request::Type(QType::A);

    let r = resolve(&c, &dns, web, "api-service", a, Libc::Glibc);
    assert_eq!(
        names(&r),
        ["api-service.production.svc.cluster.local. A NOERROR"]
    );
    assert_eq!(r.result.answers, ["10.102.45.67"]);
    assert_eq!(r.wasted, 0);

    // The short name from another namespace: NXDOMAIN everywhere.
    let r = resolve(&c, &dns, client, "api-service", a, Libc::Glibc);
    assert_eq!(
        names(&r),
        [
            "api-service.web.svc.cluster.local. A NXDOMAIN",
            "api-service.svc.cluster.local. A NXDOMAIN",
            "api-service.cluster.local. A NXDOMAIN",
            "api-service. A FORWARDED",
        ]
    );
    // Upstream has no single-label names: the lookup fails with NXDOMAIN.
    assert_eq!(r.result.rcode, Rcode::NxDomain);

    let r = resolve(&c, &dns, client, "api-service.production", a, Libc::Musl);
    assert_eq!(
        names(&r),
        [
            "api-service.production.web.svc.cluster.local. A NXDOMAIN",
            "api-service.production.svc.cluster.local. A NOERROR",
        ]
    );
    assert_eq!(r.wasted, 1);

    // FQDN without the trailing dot: three wasted queries first.
    let r = resolve(
        &c,
        &dns,
        web,
        "api-service.production.svc.cluster.local",
        a,
        Libc::Glibc,
    );
    assert_eq!(r.queries.len(), 4);
    assert_eq!(r.wasted, 3);
    let r = resolve(
        &c,
        &dns,
        web,
        "api-service.production.svc.cluster.local.",
        a,
        Libc::Musl,
    );
    assert_eq!(r.queries.len(), 1);
    assert_eq!(r.wasted, 0);

    // An external name: search list exhausted first, then forwarded.
    let r = resolve(
        &c,
        &dns,
        web,
        "example.com",
        Request::Addresses,
        Libc::Glibc,
    );
    assert_eq!(r.queries.len(), 8);
    assert_eq!(r.wasted, 6);
    assert_eq!(r.result.rcode, Rcode::Forwarded);
    assert_eq!(r.queries[0].qtype, QType::A);
    assert_eq!(r.queries[1].qtype, QType::Aaaa);

    // ndots:1: glibc asks the name first; for `svc.ns` upstream says NXDOMAIN, glibc goes
    // on with the search list, musl does not search at all.
    let nd = pod(&c, "production", "ndots1");
    let r = resolve(&c, &dns, nd, "api-service.production", a, Libc::Glibc);
    assert_eq!(
        names(&r),
        [
            "api-service.production. A FORWARDED",
            "api-service.production.production.svc.cluster.local. A NXDOMAIN",
            "api-service.production.svc.cluster.local. A NOERROR",
        ]
    );
    let r = resolve(&c, &dns, nd, "api-service.production", a, Libc::Musl);
    assert_eq!(names(&r), ["api-service.production. A FORWARDED"]);
    let r = resolve(&c, &dns, nd, "example.com", a, Libc::Glibc);
    assert_eq!(names(&r), ["example.com. A FORWARDED"]);
    assert_eq!(r.wasted, 0);
}

#[test]
fn nodata_stops_musl_not_glibc() {
    let c = cluster();
    let dns = ClusterDns::of(&c);
    let web = pod(&c, "production", "web-frontend-7c9d");
    // legacy-db's CNAME target does not exist: NOERROR without records.
    let r = resolve(&c, &dns, web, "legacy-db", Request::Addresses, Libc::Musl);
    assert_eq!(r.queries.len(), 2);
    assert_eq!(r.result.rcode, Rcode::NoError);
    assert!(r.result.answers.is_empty());
    let r = resolve(&c, &dns, web, "legacy-db", Request::Addresses, Libc::Glibc);
    assert_eq!(r.queries.len(), 8);
    // glibc reports the NODATA it met on the way (EAI_NODATA), not the last NXDOMAIN.
    assert_eq!(r.result.rcode, Rcode::NoError);
}

#[test]
fn hostnetwork_clusterfirst_uses_node_resolver() {
    let c = cluster();
    let dns = ClusterDns::of(&c);
    let p = pod(&c, "production", "debug-shell");
    let r = resolve(
        &c,
        &dns,
        p,
        "api-service",
        Request::Type(QType::A),
        Libc::Glibc,
    );
    assert_eq!(names(&r), ["api-service. A NXDOMAIN"]);
    assert_eq!(r.result.rcode, Rcode::NxDomain);
    let p = pod(&c, "production", "hostnet-ok");
    let r = resolve(
        &c,
        &dns,
        p,
        "api-service",
        Request::Type(QType::A),
        Libc::Glibc,
    );
    assert_eq!(r.result.answers, ["10.102.45.67"]);
}

#[test]
fn dns_down_times_out() {
    let text = CLUSTER.replace(
        "    conditions: [{type: Ready, status: \"True\"}]\n- apiVersion: v1\n  kind: Service\n  metadata: {name: api-service",
        "    conditions: [{type: Ready, status: \"False\"}]\n- apiVersion: v1\n  kind: Service\n  metadata: {name: api-service",
    );
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    let dns = ClusterDns::of(&c);
    assert!(dns.ready_pods(&c).is_empty());
    let r = resolve(
        &c,
        &dns,
        pod(&c, "production", "web-frontend-7c9d"),
        "api-service",
        Request::Type(QType::A),
        Libc::Glibc,
    );
    assert_eq!(r.queries.len(), 1);
    assert_eq!(r.result.rcode, Rcode::ServFail);
}

#[test]
fn ptr_of_an_address_and_hosts_file() {
    let c = cluster();
    let dns = ClusterDns::of(&c);
    let web = pod(&c, "production", "web-frontend-7c9d");
    let r = resolve(
        &c,
        &dns,
        web,
        "10.102.45.67",
        Request::Type(QType::Ptr),
        Libc::Glibc,
    );
    assert_eq!(names(&r), ["67.45.102.10.in-addr.arpa. PTR NOERROR"]);
    let r = resolve(&c, &dns, web, "localhost", Request::Addresses, Libc::Glibc);
    assert!(r.queries.is_empty());
}

#[test]
fn reverse_names_round_trip() {
    for ip in ["10.96.0.10", "fd00::a", "2001:db8::1"] {
        let ip: IpAddr = ip.parse().unwrap();
        assert_eq!(reverse_to_ip(&ip_to_reverse(ip)), Some(ip));
    }
}

#[test]
fn nodelocal_dnscache_is_detected_and_shown() {
    let text = format!(
        "{CLUSTER}- apiVersion: apps/v1\n  kind: DaemonSet\n  metadata: {{name: node-local-dns, namespace: kube-system}}\n  spec:\n    selector: {{matchLabels: {{k8s-app: node-local-dns}}}}\n    template:\n      metadata: {{labels: {{k8s-app: node-local-dns}}}}\n      spec:\n        hostNetwork: true\n        dnsPolicy: Default\n        containers: [{{name: node-cache}}]\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: node-local-dns, namespace: kube-system}}\n  data:\n    Corefile: |\n      cluster.local:53 {{\n          errors\n          cache 30\n          bind 169.254.20.10 10.96.0.10\n          forward . __PILLAR__CLUSTER__DNS__ {{\n                  force_tcp\n          }}\n      }}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: kubelet-config, namespace: kube-system}}\n  data:\n    kubelet: |\n      clusterDNS: [169.254.20.10]\n      clusterDomain: cluster.local\n"
    );
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    let dns = ClusterDns::of(&c);
    let nl = dns.nodelocal.clone().expect("node-local-dns detected");
    assert_eq!(nl.addresses, ["169.254.20.10", "10.96.0.10"]);
    let r = resolv_conf(&c, &dns, pod(&c, "production", "web-frontend-7c9d"));
    assert_eq!(r.nameservers, ["169.254.20.10"]);
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("NodeLocal DNSCache detected")));
    // Queries to the link-local cache still get cluster answers.
    let res = resolve(
        &c,
        &dns,
        pod(&c, "production", "web-frontend-7c9d"),
        "api-service",
        Request::Type(QType::A),
        Libc::Glibc,
    );
    assert_eq!(res.result.answers, ["10.102.45.67"]);
}

#[test]
fn kube_dns_service_without_endpoints_times_out() {
    let text = CLUSTER.replace(
        "  endpoints:\n  - addresses: [192.168.0.2]\n    conditions: {ready: true}\n    targetRef: {kind: Pod, name: coredns-1, namespace: kube-system}\n",
        "  endpoints: []\n",
    );
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    let dns = ClusterDns::of(&c);
    assert_eq!(dns.service_ready_endpoints(&c), Some(0));
    let r = resolve(
        &c,
        &dns,
        pod(&c, "production", "web-frontend-7c9d"),
        "api-service",
        Request::Addresses,
        Libc::Musl,
    );
    assert!(r.result.timeout);
    assert_eq!(r.queries.len(), 2);
}

#[test]
fn rewrite_hosts_stub_domains_and_fallthrough() {
    let text = CLUSTER.replace(
        "          prometheus :9153\n",
        "          prometheus :9153\n          rewrite name exact db.old.example.com api-service.production.svc.cluster.local\n          hosts {\n             10.0.0.5 legacy.example.com\n             fallthrough\n          }\n",
    )
    .replace(
        "      .:53 {\n",
        "      consul.local:53 {\n          errors\n          forward . 10.150.0.1\n      }\n      .:53 {\n",
    );
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    check(
        &c,
        "db.old.example.com.",
        QType::A,
        Rcode::NoError,
        &["10.102.45.67"],
    );
    check(
        &c,
        "legacy.example.com.",
        QType::A,
        Rcode::NoError,
        &["10.0.0.5"],
    );
    check(&c, "legacy.example.com.", QType::Aaaa, Rcode::NoError, &[]);
    let a = ask(&c, "web.service.consul.local.", QType::A);
    assert_eq!(a.rcode, Rcode::Forwarded);
    assert!(a.note.unwrap_or_default().contains("10.150.0.1"));
    // Without fallthrough the hosts plugin answers every other name itself.
    let text = text.replace("             fallthrough\n          }\n", "          }\n");
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    check(
        &c,
        "api-service.production.svc.cluster.local.",
        QType::A,
        Rcode::ServFail,
        &[],
    );
}

#[test]
fn kubernetes_plugin_without_fallthrough_answers_nxdomain_for_unknown_reverse_names() {
    let text = CLUSTER.replace("             fallthrough in-addr.arpa ip6.arpa\n", "");
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    check(
        &c,
        "7.113.0.203.in-addr.arpa.",
        QType::Ptr,
        Rcode::NxDomain,
        &[],
    );
}

#[test]
fn coredns_on_another_port_behind_the_service() {
    let text = CLUSTER
        .replace("      .:53 {\n", "      .:5353 {\n")
        .replace(
            "    - {name: dns, port: 53, protocol: UDP, targetPort: 53}",
            "    - {name: dns, port: 53, protocol: UDP, targetPort: 5353}",
        );
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    check(
        &c,
        "api-service.production.svc.cluster.local.",
        QType::A,
        Rcode::NoError,
        &["10.102.45.67"],
    );
    // The Service still targets 53: nothing listens there.
    let text = CLUSTER.replace("      .:53 {\n", "      .:5353 {\n");
    let c = Cluster::build(load_text("c.yaml", &text), &BuildOptions::default());
    let a = ask(&c, "api-service.production.svc.cluster.local.", QType::A);
    assert_eq!(a.rcode, Rcode::ServFail);
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn corefile_parse_never_panics(text in "[a-z0-9 .:{}\"#$%\\n\\t/_-]{0,200}") {
            let c = corefile::parse(&text);
            let _ = c.all_problems();
            let _ = c.kubernetes();
        }

        #[test]
        fn any_name_resolves_without_panic(name in "[a-zA-Z0-9._-]{0,80}", musl in any::<bool>(), t in 0usize..7) {
            let c = cluster();
            let dns = ClusterDns::of(&c);
            let p = pod(&c, "production", "web-frontend-7c9d");
            let request = match t {
                0 => Request::Addresses,
                1 => Request::Type(QType::A),
                2 => Request::Type(QType::Aaaa),
                3 => Request::Type(QType::Srv),
                4 => Request::Type(QType::Ptr),
                5 => Request::Type(QType::Cname),
                _ => Request::Type(QType::Txt),
            };
            let libc = if musl { Libc::Musl } else { Libc::Glibc };
            let r = resolve(&c, &dns, p, &name, request, libc);
            prop_assert!(r.wasted <= r.queries.len());
        }
    }
}

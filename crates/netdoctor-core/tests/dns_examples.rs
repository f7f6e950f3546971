//! The DNS rules and the DNS simulation on the example clusters (examples/README.md): the
//! seed shows DNS004 (debug-shell) and DNS006 (legacy-db) and no other DNS finding; the
//! healthy cluster shows none.

mod common;

use common::example;
use netdoctor_core::model::Cluster;
use netdoctor_core::rules::{self, RunOptions};
use netdoctor_core::sim::dns::{resolve, ClusterDns, Libc, QType, Request};

fn dns_findings(c: &Cluster) -> Vec<String> {
    rules::run(c, &RunOptions::default())
        .into_iter()
        .filter(|f| f.code.starts_with("DNS"))
        .map(|f| format!("{} {}: {}", f.code, f.object, f.message))
        .collect()
}

#[test]
fn seed_shows_dns004_and_dns006_only() {
    let c = example("seed-cluster");
    let found = dns_findings(&c);
    insta::assert_yaml_snapshot!("seed_dns_findings", found);
    assert!(found
        .iter()
        .any(|f| f.starts_with("DNS004 production/pod/debug-shell")));
    assert!(found
        .iter()
        .any(|f| f.starts_with("DNS006 production/service/legacy-db")));
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn healthy_is_quiet() {
    let c = example("healthy-cluster");
    assert_eq!(dns_findings(&c), Vec::<String>::new());
}

fn first_pod<'a>(c: &'a Cluster, ns: &str, prefix: &str) -> &'a netdoctor_core::model::Pod {
    c.pods()
        .iter()
        .find(|p| p.namespace == ns && p.name.starts_with(prefix))
        .expect("pod in example")
}

#[test]
fn seed_resolutions_snapshot() {
    let c = example("seed-cluster");
    let dns = ClusterDns::of(&c);
    let web = first_pod(&c, "production", "web-frontend");
    let prom = first_pod(&c, "monitoring", "prometheus");
    let debug = first_pod(&c, "production", "debug-shell");
    let cases: Vec<(&str, &netdoctor_core::model::Pod, &str, Request, Libc)> = vec![
        (
            "short-glibc",
            web,
            "api-service",
            Request::Type(QType::A),
            Libc::Glibc,
        ),
        (
            "short-unspec-musl",
            web,
            "api-service",
            Request::Addresses,
            Libc::Musl,
        ),
        (
            "short-other-ns",
            prom,
            "api-service",
            Request::Type(QType::A),
            Libc::Glibc,
        ),
        (
            "two-label",
            prom,
            "api-service.production",
            Request::Type(QType::A),
            Libc::Glibc,
        ),
        (
            "fqdn-no-dot",
            web,
            "api-service.production.svc.cluster.local",
            Request::Addresses,
            Libc::Glibc,
        ),
        (
            "fqdn-dot",
            web,
            "api-service.production.svc.cluster.local.",
            Request::Addresses,
            Libc::Glibc,
        ),
        (
            "external",
            web,
            "example.com",
            Request::Type(QType::A),
            Libc::Glibc,
        ),
        (
            "headless",
            web,
            "postgres",
            Request::Type(QType::A),
            Libc::Glibc,
        ),
        (
            "statefulset-pod",
            web,
            "postgres-0.postgres",
            Request::Type(QType::A),
            Libc::Glibc,
        ),
        (
            "srv",
            web,
            "_http._tcp.api-service",
            Request::Type(QType::Srv),
            Libc::Glibc,
        ),
        (
            "ptr",
            web,
            "10.102.45.67",
            Request::Type(QType::Ptr),
            Libc::Glibc,
        ),
        (
            "externalname",
            web,
            "legacy-db",
            Request::Addresses,
            Libc::Musl,
        ),
        (
            "hostnetwork",
            debug,
            "api-service",
            Request::Type(QType::A),
            Libc::Glibc,
        ),
    ];
    for (label, pod, name, req, libc) in cases {
        let r = resolve(&c, &dns, pod, name, req, libc);
        insta::assert_json_snapshot!(format!("seed_resolve_{label}"), r);
    }
}

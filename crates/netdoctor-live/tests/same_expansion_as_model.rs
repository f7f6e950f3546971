//! `probe dns --resolv-conf` must send exactly the candidate names that the DNS model
//! (`netdoctor_core::sim::dns::candidates`, behind `dns resolve`) says the pod's resolver
//! sends: same ndots rule, same search order, same libc differences.

use hickory_proto::rr::RecordType;
use netdoctor_core::sim::dns as model;
use netdoctor_live::probe::dns::{Libc, ResolvConf};

fn model_conf(search: &[&str], ndots: u32) -> model::ResolvConf {
    model::ResolvConf {
        nameservers: vec!["10.96.0.10".into()],
        search: search.iter().map(|s| s.to_string()).collect(),
        ndots,
        options: vec![format!("ndots:{ndots}")],
        dns_policy: "ClusterFirst".into(),
        effective_policy: "ClusterFirst".into(),
        resolver: model::ResolverKind::ClusterDns,
        node_part_unknown: false,
        notes: Vec::new(),
    }
}

#[test]
fn probe_and_model_expand_names_alike() {
    let searches: [&[&str]; 3] = [
        &[
            "production.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local",
        ],
        &["example.com"],
        &[],
    ];
    let names = [
        "api-service",
        "api-service.production",
        "api-service.production.svc",
        "api-service.production.svc.cluster.local",
        "db-0.db.data.svc.cluster.local",
        "kubernetes.default.svc.cluster.local.",
        "www.example.org",
        "_postgres._tcp.db.data",
    ];
    let types = [
        (RecordType::A, model::QType::A),
        (RecordType::AAAA, model::QType::Aaaa),
        (RecordType::SRV, model::QType::Srv),
        (RecordType::TXT, model::QType::Txt),
    ];
    let mut checked = 0;
    for search in searches {
        for ndots in [1u32, 2, 5] {
            let text = format!(
                "nameserver 10.96.0.10\n{}options ndots:{ndots}\n",
                if search.is_empty() {
                    String::new()
                } else {
                    format!("search {}\n", search.join(" "))
                }
            );
            let ours = ResolvConf::parse(&text);
            let theirs = model_conf(search, ndots);
            for name in names {
                for (rt, qt) in types {
                    for (libc, mlibc) in [
                        (Libc::Glibc, model::Libc::Glibc),
                        (Libc::Musl, model::Libc::Musl),
                    ] {
                        let a = ours.candidates_for(name, libc, rt);
                        let b = model::candidates(name, &theirs, mlibc, model::Request::Type(qt));
                        assert_eq!(a, b, "{name} {rt} {libc:?} ndots:{ndots} search {search:?}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 8 * 4 * 2);
}

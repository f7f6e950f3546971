//! `probe dns --resolv-conf` must send exactly the candidate names that the DNS model
//! (`netdoctor_core::sim::dns::candidates`, behind `dns resolve`) says the pod's resolver
//! sends: same ndots rule, same search order, same `no-tld-query`, same libc differences
//! (musl's search only for A/AAAA and below ndots, and its 255-byte search line). The probe
//! side is read from what the probe is set up to send, for the same resolv.conf text.

use hickory_proto::rr::RecordType;
use netdoctor_core::sim::dns as model;
use netdoctor_live::probe::dns::{DnsProbe, Libc, ResolvConf};

/// The resolv.conf text a pod would have.
fn resolv_conf_text(search: &[String], ndots: u32, no_tld_query: bool) -> String {
    let mut text = String::from("nameserver 10.96.0.10\n");
    if !search.is_empty() {
        text.push_str(&format!("search {}\n", search.join(" ")));
    }
    text.push_str(&format!(
        "options ndots:{ndots}{}\n",
        if no_tld_query { " no-tld-query" } else { "" }
    ));
    text
}

/// The same file as the model holds it.
fn model_conf(search: &[String], ndots: u32, no_tld_query: bool) -> model::ResolvConf {
    let mut options = vec![format!("ndots:{ndots}")];
    if no_tld_query {
        options.push("no-tld-query".into());
    }
    model::ResolvConf {
        nameservers: vec!["10.96.0.10".into()],
        search: search.to_vec(),
        ndots,
        options,
        dns_policy: "ClusterFirst".into(),
        effective_policy: "ClusterFirst".into(),
        resolver: model::ResolverKind::ClusterDns,
        node_part_unknown: false,
        notes: Vec::new(),
    }
}

/// The names the live probe is set up to send, in order.
fn probe_sends(text: &str, name: &str, rt: RecordType, libc: Libc) -> Vec<String> {
    let conf = ResolvConf::parse(text);
    DnsProbe::new_with_libc(name, rt, None, Some(conf), libc)
        .unwrap_or_else(|e| panic!("probe for {name}: {e}"))
        .setup()
        .candidates
        .clone()
}

/// The names the model says the pod's resolver sends, in order.
fn model_sends(
    search: &[String],
    ndots: u32,
    no_tld_query: bool,
    name: &str,
    qt: model::QType,
    libc: Libc,
) -> Vec<String> {
    let rc = model_conf(search, ndots, no_tld_query);
    model::candidates(name, &rc, libc, model::Request::Type(qt))
}

/// Search lists to try: a pod's, a short one, none, and one longer than musl reads
/// (five domains of 62 characters: 314 bytes on the search line).
fn search_lists() -> Vec<Vec<String>> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        strings(&[
            "production.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local",
        ]),
        strings(&["example.com"]),
        Vec::new(),
        long_search(),
    ]
}

fn long_search() -> Vec<String> {
    (0..5)
        .map(|i| format!("ns{i}-{}.svc.cluster.local", "x".repeat(40)))
        .collect()
}

#[test]
fn probe_and_model_expand_names_alike() {
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
    for search in search_lists() {
        for ndots in [1u32, 2, 5] {
            for no_tld_query in [false, true] {
                let text = resolv_conf_text(&search, ndots, no_tld_query);
                for name in names {
                    for (rt, qt) in types {
                        for libc in [Libc::Glibc, Libc::Musl] {
                            let live = probe_sends(&text, name, rt, libc);
                            let modelled =
                                model_sends(&search, ndots, no_tld_query, name, qt, libc);
                            assert_eq!(live, modelled, "{name} {rt} {libc:?}\n{text}");
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, 4 * 3 * 2 * 8 * 4 * 2);
}

#[test]
fn ndots_decides_whether_the_name_goes_first() {
    let search = vec!["production.svc.cluster.local".to_string()];
    let text = resolv_conf_text(&search, 2, false);
    let few = probe_sends(&text, "api.production", RecordType::A, Libc::Glibc);
    assert_eq!(
        few,
        [
            "api.production.production.svc.cluster.local.",
            "api.production."
        ]
    );
    let enough = probe_sends(&text, "db.data.svc", RecordType::A, Libc::Glibc);
    assert_eq!(
        enough,
        ["db.data.svc.", "db.data.svc.production.svc.cluster.local."]
    );
    assert_eq!(
        model_sends(
            &search,
            2,
            false,
            "db.data.svc",
            model::QType::A,
            Libc::Glibc
        ),
        enough
    );
}

#[test]
fn a_trailing_dot_is_queried_once_as_is() {
    let search = vec!["svc.cluster.local".to_string()];
    let text = resolv_conf_text(&search, 5, false);
    for libc in [Libc::Glibc, Libc::Musl] {
        let live = probe_sends(
            &text,
            "kubernetes.default.svc.cluster.local.",
            RecordType::A,
            libc,
        );
        assert_eq!(live, ["kubernetes.default.svc.cluster.local."]);
    }
}

#[test]
fn no_tld_query_never_sends_a_single_label_as_is() {
    let search = vec!["production.svc.cluster.local".to_string()];
    let text = resolv_conf_text(&search, 5, true);
    let live = probe_sends(&text, "api", RecordType::A, Libc::Glibc);
    assert_eq!(live, ["api.production.svc.cluster.local."]);
    assert_eq!(
        model_sends(&search, 5, true, "api", model::QType::A, Libc::Glibc),
        live
    );
    // A name with a dot is still tried as-is, last.
    let live = probe_sends(&text, "api.production", RecordType::A, Libc::Glibc);
    assert_eq!(live.last().map(String::as_str), Some("api.production."));
}

#[test]
fn musl_reads_only_255_bytes_of_the_search_line() {
    let search = long_search();
    let text = resolv_conf_text(&search, 5, false);
    let glibc = probe_sends(&text, "api", RecordType::A, Libc::Glibc);
    let musl = probe_sends(&text, "api", RecordType::A, Libc::Musl);
    // glibc: all five domains, then the name. musl: four whole domains, the first three
    // bytes of the fifth (`ns4`), then the name.
    assert_eq!(glibc.len(), 6);
    assert_eq!(musl.len(), 6);
    assert_eq!(musl[..4], glibc[..4]);
    assert_eq!(musl[4], "api.ns4.");
    assert_eq!(musl[5], "api.");
    assert_eq!(
        model_sends(&search, 5, false, "api", model::QType::A, Libc::Musl),
        musl
    );
}

#[test]
fn glibc_and_musl_differ_where_the_libraries_do() {
    let search = vec!["production.svc.cluster.local".to_string()];
    let text = resolv_conf_text(&search, 1, false);
    // ndots or more dots: glibc searches after the name, musl never searches.
    let name = "api.production";
    assert_eq!(
        probe_sends(&text, name, RecordType::A, Libc::Glibc),
        [
            "api.production.",
            "api.production.production.svc.cluster.local."
        ]
    );
    assert_eq!(
        probe_sends(&text, name, RecordType::A, Libc::Musl),
        ["api.production."]
    );
    // Not an address type: musl's res_query does not search at all.
    let text = resolv_conf_text(&search, 5, false);
    assert_eq!(
        probe_sends(&text, "_http._tcp.api", RecordType::SRV, Libc::Musl),
        ["_http._tcp.api."]
    );
    assert_eq!(
        probe_sends(&text, "_http._tcp.api", RecordType::SRV, Libc::Glibc)[0],
        "_http._tcp.api.production.svc.cluster.local."
    );
}

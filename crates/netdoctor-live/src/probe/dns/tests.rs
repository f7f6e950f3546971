use super::*;

/// glibc's candidates for an address lookup.
fn glibc(c: &ResolvConf, name: &str) -> Vec<String> {
    c.candidates_for(name, Libc::Glibc, RecordType::A)
}

const POD_RESOLV_CONF: &str = "\
# written by the kubelet
search production.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
";

#[test]
fn parses_a_pod_resolv_conf() {
    let c = ResolvConf::parse(POD_RESOLV_CONF);
    assert_eq!(c.nameservers, vec!["10.96.0.10".parse::<IpAddr>().unwrap()]);
    assert_eq!(
        c.search,
        vec![
            "production.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local"
        ]
    );
    assert_eq!(c.ndots, 5);
    assert!(!c.edns0);
}

#[test]
fn parse_rules_of_glibc() {
    let c = ResolvConf::parse(
            "domain a.example\nsearch b.example. c.example ; comment\nnameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver ::3\nnameserver 4.4.4.4\noptions ndots:99 edns0 rotate\nnameserver bogus\n",
        );
    assert_eq!(c.search, vec!["b.example", "c.example"]);
    assert_eq!(c.nameservers.len(), 3);
    assert_eq!(c.ndots, 15);
    assert!(c.edns0);
    // `domain` after `search` wins.
    let c = ResolvConf::parse("search x.example y.example\ndomain z.example\n");
    assert_eq!(c.search, vec!["z.example"]);
    // Defaults.
    let c = ResolvConf::parse("");
    assert_eq!(c.ndots, 1);
    assert!(c.nameservers.is_empty());
}

#[test]
fn search_expansion_short_name_goes_through_the_list_first() {
    let c = ResolvConf::parse(POD_RESOLV_CONF);
    assert_eq!(
        glibc(&c, "api-service"),
        vec![
            "api-service.production.svc.cluster.local.",
            "api-service.svc.cluster.local.",
            "api-service.cluster.local.",
            "api-service.",
        ]
    );
    // 4 dots < ndots 5: still searched first (the classic ndots:5 cost for external names).
    assert_eq!(
        glibc(&c, "api.example.co.uk.x")[0],
        "api.example.co.uk.x.production.svc.cluster.local."
    );
    assert_ne!(
        c.search_order("api.example.co.uk.x", Libc::Glibc, RecordType::A)
            .as_is,
        Some(0)
    );
}

#[test]
fn search_expansion_enough_dots_tries_as_is_first() {
    let c = ResolvConf::parse(POD_RESOLV_CONF);
    // A service FQDN written without the trailing dot has 4 dots < 5: searched first.
    let fqdn = "api-service.production.svc.cluster.local";
    assert_ne!(
        c.search_order(fqdn, Libc::Glibc, RecordType::A).as_is,
        Some(0)
    );
    assert_eq!(
        glibc(&c, fqdn)[0],
        "api-service.production.svc.cluster.local.production.svc.cluster.local."
    );
    // A pod's stable name under a headless service has 5 dots: as is first.
    let name = "db-0.db.data.svc.cluster.local";
    assert_eq!(
        c.search_order(name, Libc::Glibc, RecordType::A).as_is,
        Some(0)
    );
    let cands = glibc(&c, name);
    assert_eq!(cands[0], "db-0.db.data.svc.cluster.local.");
    assert_eq!(cands.len(), 4);
    let c1 = ResolvConf::parse("search example.com\noptions ndots:1\n");
    assert_eq!(
        glibc(&c1, "www.example.org"),
        vec!["www.example.org.", "www.example.org.example.com."]
    );
}

#[test]
fn trailing_dot_is_only_queried_as_is() {
    let c = ResolvConf::parse(POD_RESOLV_CONF);
    assert_eq!(
        glibc(&c, "kubernetes.default.svc.cluster.local."),
        vec!["kubernetes.default.svc.cluster.local."]
    );
}

#[test]
fn musl_candidates() {
    let c = ResolvConf::parse(POD_RESOLV_CONF);
    let a = RecordType::A;
    assert_eq!(
        c.candidates_for("api-service", Libc::Musl, a),
        vec![
            "api-service.production.svc.cluster.local.",
            "api-service.svc.cluster.local.",
            "api-service.cluster.local.",
            "api-service.",
        ]
    );
    // ndots or more dots: musl never searches.
    assert_eq!(
        c.candidates_for("db-0.db.data.svc.cluster.local", Libc::Musl, a),
        vec!["db-0.db.data.svc.cluster.local."]
    );
    // Not an address type: res_query, no search.
    assert_eq!(
        c.candidates_for("_http._tcp.api", Libc::Musl, RecordType::SRV),
        vec!["_http._tcp.api."]
    );
    assert_eq!(c.candidates_for("x", Libc::Glibc, a), glibc(&c, "x"));
    assert_eq!(parse_libc("MUSL").unwrap(), Libc::Musl);
    assert!(parse_libc("bionic").is_err());
}

#[test]
fn server_and_type_parsing() {
    assert_eq!(parse_server("127.0.0.1:5353").unwrap().port(), 5353);
    assert_eq!(parse_server("::1").unwrap().port(), 53);
    assert_eq!(parse_server("[::1]:54").unwrap().port(), 54);
    assert!(parse_server("dns.example").is_err());
    assert_eq!(parse_type("aaaa").unwrap(), RecordType::AAAA);
    assert_eq!(parse_type("SRV").unwrap(), RecordType::SRV);
    assert!(parse_type("BOGUS").is_err());
}

#[test]
fn probe_setup_direct_and_reverse() {
    let server: SocketAddr = "127.0.0.1:53".parse().unwrap();
    let p = DnsProbe::new("example.com", RecordType::A, Some(server), None).unwrap();
    assert_eq!(p.setup().candidates, vec!["example.com."]);
    assert_eq!(p.setup().mode, "direct");
    let p = DnsProbe::new("10.96.0.10", RecordType::PTR, Some(server), None).unwrap();
    assert_eq!(p.setup().candidates, vec!["10.0.96.10.in-addr.arpa."]);
    assert!(DnsProbe::new("x", RecordType::A, None, None).is_err());
    let p = DnsProbe::new(
        "api",
        RecordType::A,
        None,
        Some(ResolvConf::parse(
            "search ns.svc.cluster.local\noptions ndots:5",
        )),
    )
    .unwrap();
    // No nameserver line: glibc's default server.
    assert_eq!(p.setup().server, "127.0.0.1:53");
}

#[test]
fn search_list_and_file_size_are_bounded() {
    let many: Vec<String> = (0..1000).map(|i| format!("d{i}.example")).collect();
    let c = ResolvConf::parse(&format!("search {}\n", many.join(" ")));
    assert_eq!(c.search.len(), resolv_conf::MAX_SEARCH);
    assert!(glibc(&c, "x").len() <= resolv_conf::MAX_SEARCH + 1);
    // `/dev/zero` as a resolv.conf: read up to the bound, not to the memory limit.
    let z = ResolvConf::load("/dev/zero").expect("NUL bytes are valid UTF-8");
    assert!(z.search.is_empty());
}

fn corpus(target: &str) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus is committed")
        .map(|e| {
            let p = e.expect("corpus entry").path();
            let b = std::fs::read(&p).expect("corpus file");
            (p, b)
        })
        .collect();
    assert!(
        files.len() >= 5,
        "only {} corpus files in {dir:?}",
        files.len()
    );
    files
}

/// The committed corpus of the `resolv_conf` fuzz target, through the target's entry.
#[test]
fn fuzz_corpus_resolv_conf() {
    for (_, bytes) in corpus("resolv_conf") {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = fuzz_resolv_conf(text);
        }
    }
}

/// The committed corpus of the `dns_response` fuzz target, through the target's entry; the
/// CNAME-only seed is a failure.
#[test]
fn fuzz_corpus_dns_response() {
    let mut cname_only = 0;
    for (_, bytes) in corpus("dns_response") {
        if let Some(c) = fuzz_dns_response(&bytes) {
            if c.failure
                .as_ref()
                .is_some_and(|f| f.message.contains("CNAME only"))
            {
                cname_only += 1;
            }
        }
    }
    assert!(cname_only >= 1);
}

use super::*;

const KUBEADM: &str = r#".:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"#;

#[test]
fn kubeadm_default() {
    let c = parse(KUBEADM);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.servers.len(), 1);
    assert_eq!(
        c.servers[0].keys,
        vec![ServerKey {
            scheme: "dns".into(),
            zone: ".".into(),
            port: 53
        }]
    );
    let mut p = Vec::new();
    let cfg = &c.configs(&mut p)[0];
    assert!(p.is_empty(), "{p:?}");
    let k = cfg.kubernetes.as_ref().unwrap();
    assert_eq!(k.zones, ["cluster.local.", "in-addr.arpa.", "ip6.arpa."]);
    assert_eq!(k.cluster_domain().as_deref(), Some("cluster.local"));
    assert_eq!(k.pods, PodMode::Insecure);
    assert_eq!(k.ttl, 30);
    assert!(k
        .fallthrough
        .as_ref()
        .unwrap()
        .covers("4.3.2.1.in-addr.arpa."));
    assert!(!k.fallthrough.as_ref().unwrap().covers("foo.cluster.local."));
    assert!(cfg.has_loop);
    assert_eq!(cfg.forward[0].from, ".");
    assert_eq!(cfg.forward[0].to, ["/etc/resolv.conf"]);
}

#[test]
fn comments_quotes_stub_zones_and_problems() {
    let text = r#"# stub domain
consul.local:53 {
    errors
    forward . 10.150.0.1   # the consul server
}
.:53 {
    kubernetes k8s.example "in-addr.arpa" {
        pods verified
        endpoint_pod_names
        fallthrough
        bogus_option 1
    }
    rewrite name exact old.example.com. new.default.svc.k8s.example.
    hosts {
        10.0.0.5 legacy.example.com
        fallthrough
    }
    forward . 127.0.0.1:5353 {$UPSTREAM}
    import common
    frobnicate
}
"#;
    let c = parse(text);
    let problems = c.all_problems();
    let msgs: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("environment substitution")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("import not understood")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("unknown plugin \"frobnicate\"")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("bogus_option")), "{msgs:?}");
    let mut p = Vec::new();
    let cfgs = c.configs(&mut p);
    assert_eq!(cfgs.len(), 2);
    assert_eq!(cfgs[0].zones, ["consul.local."]);
    assert_eq!(cfgs[0].forward[0].to, ["10.150.0.1"]);
    let k = cfgs[1].kubernetes.as_ref().unwrap();
    assert_eq!(k.zones, ["k8s.example.", "in-addr.arpa."]);
    assert_eq!(k.pods, PodMode::Verified);
    assert!(k.endpoint_pod_names);
    assert!(k.fallthrough.as_ref().unwrap().covers("anything."));
    assert!(!cfgs[1].has_loop);
    assert_eq!(cfgs[1].forward[0].loopback_targets(), ["127.0.0.1:5353"]);
    assert_eq!(
        cfgs[1].rewrites[0].apply("old.example.com."),
        Some("new.default.svc.k8s.example.".into())
    );
    let h = cfgs[1].hosts.as_ref().unwrap();
    assert_eq!(h.entries[0].1, ["legacy.example.com."]);
}

#[test]
fn unbalanced_and_braceless() {
    let c = parse(".:53 {\n kubernetes cluster.local {\n pods insecure\n");
    assert!(c.problems.iter().any(|p| p.message.contains("not closed")));
    assert!(c.kubernetes().is_some());
    let c = parse(".\nkubernetes cluster.local\nforward . 8.8.8.8\n");
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.servers[0].plugins.len(), 2);
    let c = parse("}}} {{ \"");
    assert!(!c.problems.is_empty());
}

#[test]
fn rewrite_kinds() {
    let r = |kind, from: &str, to: &str| Rewrite {
        kind,
        from: from.into(),
        to: to.into(),
        line: 1,
    };
    assert_eq!(
        r(RewriteMatch::Suffix, "example.org", "cluster.local").apply("db.example.org."),
        Some("db.cluster.local.".into())
    );
    assert_eq!(
        r(RewriteMatch::Prefix, "old-", "new-").apply("old-db.ns.svc.cluster.local."),
        Some("new-db.ns.svc.cluster.local.".into())
    );
    assert_eq!(r(RewriteMatch::Exact, "a.", "b.").apply("c."), None);
}

/// 35,000 nested braces once overflowed the stack; now the depth is bounded and reported.
#[test]
fn deep_nesting_is_bounded_and_reported() {
    let n = 35_000;
    for text in [
        format!(".:53 {{\n{}{}}}\n", "{\n".repeat(n), "}\n".repeat(n)),
        format!(".:53 {{\n{}", "a {\n".repeat(n)),
        "{ ".repeat(n),
    ] {
        let c = parse(&text);
        let deep: Vec<_> = c
            .problems
            .iter()
            .filter(|p| p.fatal && p.message.contains("nested more than"))
            .collect();
        assert_eq!(
            deep.len(),
            1,
            "{:?}",
            &c.problems[..c.problems.len().min(5)]
        );
    }
    // Nesting within the bound is read as before.
    let ok = format!(
        ".:53 {{\n{}forward . 1.1.1.1\n{}}}\n",
        "a {\n".repeat(MAX_DEPTH - 1),
        "}\n".repeat(MAX_DEPTH - 1)
    );
    assert!(!parse(&ok)
        .problems
        .iter()
        .any(|p| p.message.contains("nested")));
}

/// The committed corpus of the `corefile` fuzz target, through the target's entry.
#[test]
fn fuzz_corpus_corefile() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/corefile");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus is committed") {
        let path = entry.expect("corpus entry").path();
        let bytes = std::fs::read(&path).expect("corpus file");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = fuzz_entry(text);
        }
        n += 1;
    }
    assert!(n >= 5, "only {n} corpus files in {dir:?}");
}

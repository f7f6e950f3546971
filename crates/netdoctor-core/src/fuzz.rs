//! Entry points of the fuzz targets in `/fuzz` (cargo-fuzz, nightly). They live here so
//! that `tests/fuzz_corpus.rs` runs them over the committed corpora with stable Rust in CI.
//! Each must return normally for any bytes: no panic, no hang, bounded memory.

use crate::load::{api, load_text};
use crate::model::{BuildOptions, Cluster, Labels, Selector};

/// `load`: any text through the loader (JSON, YAML, Lists), the model and every rule.
pub fn load(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let loaded = load_text("fuzz", &text);
    let cluster = Cluster::build(loaded, &BuildOptions::default());
    let _ = crate::rules::run(&cluster, &Default::default());
}

/// `load_only`: the loader alone (fast enough to go deep into its syntax handling), and a
/// differential check of the namespace scope `policy check` reads with: reading only
/// namespace `a` keeps exactly the objects of the full read that are in `a` or name no
/// namespace, at the same lines.
pub fn load_only(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let identity = |o: &crate::load::Loaded| {
        let meta = o.object.metadata();
        (
            o.object.kind().to_string(),
            meta.and_then(|m| m.namespace.clone()),
            meta.and_then(|m| m.name.clone()),
            o.origin.line,
        )
    };
    let scope = crate::load::NamespaceScope::only(["a".to_string()]);
    let all: Vec<_> = load_text("fuzz", &text)
        .objects
        .iter()
        .map(identity)
        .filter(|(_, ns, _, _)| scope.keeps(ns.as_deref()))
        .collect();
    let scoped: Vec<_> = crate::load::load_text_in("fuzz", &text, &scope)
        .objects
        .iter()
        .map(identity)
        .collect();
    assert_eq!(all, scoped, "the scoped read differs from the full read");
}

/// Splits fuzz bytes into fields at `\n`, at most `n`.
fn fields(data: &[u8], n: usize) -> Vec<String> {
    String::from_utf8_lossy(data)
        .splitn(n, '\n')
        .map(str::to_string)
        .collect()
}

/// `selector`: a label selector built from the fields `key, operator, values (comma
/// separated), matchLabels key=value;…, labels key=value;…`, then matched; and the same
/// selector written as YAML through the loader.
pub fn selector(data: &[u8]) {
    let f = fields(data, 5);
    let get = |i: usize| f.get(i).cloned().unwrap_or_default();
    let pairs = |s: String| -> Labels {
        s.split(';')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let values: Vec<String> = get(2)
        .split(',')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    let sel = api::LabelSelector {
        match_labels: pairs(get(3)),
        match_expressions: vec![api::SelectorRequirement {
            key: get(0),
            operator: get(1),
            values: values.clone(),
        }],
    };
    let labels = pairs(get(4));
    if let Ok(s) = Selector::from_api(&sel) {
        let _ = s.matches(&labels);
        let _ = s.keys().count();
    }
    let _ = Selector::from_map(&labels).matches(&sel.match_labels);
    let doc = serde_json::json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"podSelector": {"matchLabels": sel.match_labels,
            "matchExpressions": [{"key": get(0), "operator": get(1), "values": values}]}},
    });
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "a", "namespace": "n", "labels": labels}});
    load(format!("{doc}\n{pod}").as_bytes());
}

/// `netpol`: NetworkPolicy CIDRs and ports from the fields `cidr, except (comma
/// separated), port, endPort, protocol`, through the loader, the model and the rules.
pub fn netpol(data: &[u8]) {
    let f = fields(data, 5);
    let get = |i: usize| f.get(i).cloned().unwrap_or_default();
    let port: serde_json::Value = match get(2).parse::<i64>() {
        Ok(n) => n.into(),
        Err(_) => get(2).into(),
    };
    let end_port: serde_json::Value = get(3)
        .parse::<i64>()
        .map(Into::into)
        .unwrap_or(serde_json::Value::Null);
    let except: Vec<&str> = f
        .get(1)
        .map(|e| e.split(',').filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    let doc = serde_json::json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"ipBlock": {"cidr": get(0), "except": except}}],
                "ports": [{"port": port, "endPort": end_port, "protocol": get(4)}]}],
            "egress": [{"to": [{"ipBlock": {"cidr": get(0)}}], "ports": [{"port": port}]}]},
    });
    let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"n"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"name":"http"}]}]},"status":{"podIP":"10.0.0.1"}}"#;
    load(format!("{doc}\n{pod}").as_bytes());
}

/// `pod_dns`: a pod's DNS settings as kubelet turns them into its resolv.conf, then the
/// resolver's search-list expansion and the model's answer for a name. Fields (one per
/// line): `dnsPolicy, hostNetwork (true/false), nameservers (comma separated), searches
/// (comma separated), options (name=value;…), the name to resolve`.
pub fn pod_dns(data: &[u8]) {
    use crate::sim::dns::{candidates, resolv_conf, resolve, ClusterDns, Libc, QType, Request};
    let f = fields(data, 6);
    let get = |i: usize| f.get(i).cloned().unwrap_or_default();
    let list = |s: String| -> Vec<String> {
        s.split(',')
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    };
    let options: Vec<serde_json::Value> = get(4)
        .split(';')
        .filter(|o| !o.is_empty())
        .map(|o| match o.split_once('=') {
            Some((name, value)) => serde_json::json!({"name": name, "value": value}),
            None => serde_json::json!({"name": o}),
        })
        .collect();
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"dnsPolicy": get(0), "hostNetwork": get(1) == "true",
            "dnsConfig": {"nameservers": list(get(2)), "searches": list(get(3)),
                "options": options},
            "containers": [{"name": "c", "image": "i"}]}});
    let cluster = Cluster::build(
        load_text("fuzz", &pod.to_string()),
        &BuildOptions::default(),
    );
    let dns = ClusterDns::of(&cluster);
    let name = get(5);
    for pod in cluster.pods() {
        let rc = resolv_conf(&cluster, &dns, pod);
        let _ = rc.render();
        for libc in [Libc::Glibc, Libc::Musl] {
            for request in [Request::Addresses, Request::Type(QType::Srv)] {
                let _ = candidates(&name, &rc, libc, request);
                let _ = resolve(&cluster, &dns, pod, &name, request, libc);
            }
        }
    }
}

//! One scenario per row of the guide's failure table and per hop kind, plus healthy paths.

use super::*;
use crate::load::{load_paths, load_text, LoadResult};
use crate::model::BuildOptions;
use crate::rules::evidence::{explain_trace, TraceReport};
use crate::sim::netpol::{connectivity_map, Engine, MapOptions};
use std::path::PathBuf;

fn example(name: &str) -> LoadResult {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    load_paths(&[dir]).expect("example readable")
}

fn cluster(input: LoadResult) -> Cluster {
    Cluster::build(input, &BuildOptions::default())
}

fn pod_of(c: &Cluster, ns: &str, workload: &str) -> usize {
    c.pods
        .iter()
        .position(|p| {
            p.namespace == ns && p.owner.as_ref().is_some_and(|o| o.name == workload) && p.ready
        })
        .or_else(|| {
            c.pods
                .iter()
                .position(|p| p.namespace == ns && p.name == workload)
        })
        .unwrap_or_else(|| panic!("no pod of {ns}/{workload}"))
}

fn run(c: &Cluster, src: Source, to: &str) -> TraceReport {
    let t = trace(
        c,
        src,
        &Target::parse(to).unwrap(),
        &TraceOptions::default(),
    );
    explain_trace(c, t)
}

fn failing(t: &TraceReport) -> (&str, Symptom) {
    (t.failing_hop().map(|h| h.step).unwrap_or("none"), t.symptom)
}

#[test]
fn healthy_paths_are_ok() {
    let c = cluster(example("healthy-cluster"));
    let web = pod_of(&c, "production", "web-frontend");
    for to in [
        "api-service:8080",
        "api-service.production:8080",
        "api-service.production.svc.cluster.local:8080",
        "http://api-service:8080/health",
    ] {
        let t = run(&c, Source::Pod(web), to);
        assert!(t.reachable, "{to}: {:#?}", t.hops);
        assert_eq!(t.symptom, Symptom::Ok);
        let steps: Vec<&str> = t.hops.iter().map(|h| h.step).collect();
        assert_eq!(
            steps,
            [
                "dns",
                "service",
                "service-port",
                "endpoints",
                "egress-policy",
                "ingress-policy",
                "target-port"
            ]
        );
    }
    let t = run(
        &c,
        Source::External("203.0.113.9".parse().unwrap()),
        "https://app.example.com/api/users",
    );
    assert!(t.reachable, "{:#?}", t.hops);
}

#[test]
fn short_name_from_another_namespace_is_nxdomain_with_the_fqdn_as_fix() {
    let c = cluster(example("healthy-cluster"));
    let prom = pod_of(&c, "monitoring", "prometheus");
    let t = run(&c, Source::Pod(prom), "api-service:8080");
    assert_eq!(failing(&t), ("dns", Symptom::Nxdomain));
    let fix = t.fix.unwrap();
    assert!(
        fix.title
            .contains("api-service.production.svc.cluster.local"),
        "{}",
        fix.title
    );
    // The name that works resolves and reaches the backend.
    let t = run(
        &c,
        Source::Pod(prom),
        "api-service.production.svc.cluster.local:8080",
    );
    assert!(t.reachable, "{:#?}", t.hops);
}

#[test]
fn service_without_endpoints_is_connection_refused() {
    let c = cluster(example("seed-cluster"));
    let web = pod_of(&c, "production", "web-frontend");
    for svc in ["payments:8080", "checkout:8080", "reports:8080"] {
        let t = run(&c, Source::Pod(web), svc);
        assert_eq!(
            failing(&t),
            ("endpoints", Symptom::ConnectionRefused),
            "{svc}: {:#?}",
            t.hops
        );
        assert!(t.fix.is_some() && !t.findings.is_empty(), "{svc}");
    }
}

#[test]
fn unresolvable_named_target_port_is_connection_refused_at_the_target_port() {
    let c = cluster(example("seed-cluster"));
    let web = pod_of(&c, "production", "web-frontend");
    let t = run(&c, Source::Pod(web), "inventory:50051");
    assert_eq!(
        failing(&t),
        ("target-port", Symptom::ConnectionRefused),
        "{:#?}",
        t.hops
    );
}

#[test]
fn port_the_service_lacks_is_connection_timeout() {
    let c = cluster(example("healthy-cluster"));
    let web = pod_of(&c, "production", "web-frontend");
    let t = run(&c, Source::Pod(web), "api-service:9999");
    assert_eq!(failing(&t), ("service-port", Symptom::ConnectionTimeout));
}

#[test]
fn policy_drop_is_connection_timeout_with_a_narrow_policy_as_fix() {
    let c = cluster(example("healthy-cluster"));
    let web = pod_of(&c, "production", "web-frontend");
    let t = run(&c, Source::Pod(web), "postgres:5432");
    assert_eq!(failing(&t), ("ingress-policy", Symptom::ConnectionTimeout));
    let yaml = t
        .fix
        .as_ref()
        .and_then(|f| f.yaml.clone())
        .expect("policy YAML");
    assert!(
        yaml.contains("app: postgres")
            && yaml.contains("app: web-frontend")
            && yaml.contains("port: 5432")
    );
}

#[test]
fn the_suggested_policy_makes_the_trace_pass_and_opens_nothing_else() {
    let base = example("healthy-cluster");
    let c = cluster(base.clone());
    let web = pod_of(&c, "production", "web-frontend");
    let t = run(&c, Source::Pod(web), "postgres:5432");
    let yaml = t.fix.and_then(|f| f.yaml).unwrap();
    let before = connectivity_map(&Engine::new(&c), &MapOptions::default());

    let mut patched = base;
    patched.merge(load_text("fix.yaml", &yaml));
    let c2 = cluster(patched);
    assert!(c2.invalid.is_empty(), "{:?}", c2.invalid);
    let web2 = pod_of(&c2, "production", "web-frontend");
    let t2 = run(&c2, Source::Pod(web2), "postgres:5432");
    assert!(t2.reachable, "{:#?}", t2.hops);

    let after = connectivity_map(&Engine::new(&c2), &MapOptions::default());
    let key = |x: &crate::sim::netpol::Connection| format!("{} => {} : {}", x.src, x.dst, x.conn);
    let before: std::collections::BTreeSet<String> = before.iter().map(key).collect();
    let after: std::collections::BTreeSet<String> = after.iter().map(key).collect();
    let added: Vec<&String> = after.difference(&before).collect();
    let removed: Vec<&String> = before.difference(&after).collect();
    assert!(removed.is_empty(), "removed: {removed:?}");
    assert_eq!(
        added,
        vec!["production/web-frontend[Deployment] => production/postgres[StatefulSet] : TCP 5432"],
    );
}

#[test]
fn egress_default_deny_breaks_dns_first() {
    let c = cluster(example("seed-cluster"));
    let prom = pod_of(&c, "monitoring", "prometheus");
    let t = run(&c, Source::Pod(prom), "api-service.production:8080");
    assert_eq!(failing(&t), ("dns", Symptom::DnsTimeout));
    assert!(t.findings.iter().any(|f| f.code == "NP001"));
    // By address, DNS is not needed and the egress policy itself drops the connection.
    let api_ip = c.service("production", "api-service").unwrap().cluster_ips[0];
    let t = run(&c, Source::Pod(prom), &format!("{api_ip}:8080"));
    assert_eq!(
        failing(&t),
        ("egress-policy", Symptom::ConnectionTimeout),
        "{:#?}",
        t.hops
    );
    let yaml = t.fix.and_then(|f| f.yaml).unwrap();
    assert!(
        yaml.contains("Egress") && yaml.contains("kubernetes.io/metadata.name: production"),
        "{yaml}"
    );
}

const DNS_DOWN: &str = r#"
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
- apiVersion: v1
  kind: Service
  metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
  spec:
    clusterIP: 10.96.0.10
    selector: {k8s-app: kube-dns}
    ports: [{name: dns, port: 53, protocol: UDP, targetPort: 53}]
- apiVersion: v1
  kind: Pod
  metadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}
  spec: {containers: [{name: coredns, ports: [{containerPort: 53, protocol: UDP, name: dns}]}]}
  status:
    phase: Running
    podIP: 10.244.0.2
    conditions: [{type: Ready, status: "False"}]
    containerStatuses: [{name: coredns, ready: false, restartCount: 9, state: {waiting: {reason: CrashLoopBackOff}}}]
- apiVersion: v1
  kind: Service
  metadata: {name: api, namespace: app}
  spec: {clusterIP: 10.96.5.5, selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: api-1, namespace: app, labels: {app: api}}
  spec: {containers: [{name: api, ports: [{containerPort: 8080}]}]}
  status: {phase: Running, podIP: 10.244.0.5, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: client, namespace: app, labels: {app: client}}
  spec: {containers: [{name: c}]}
  status: {phase: Running, podIP: 10.244.0.6, conditions: [{type: Ready, status: "True"}]}
"#;

#[test]
fn coredns_down_is_dns_timeout() {
    let c = cluster(load_text("dns-down.yaml", DNS_DOWN));
    let client = c.pod_index("app", "client").unwrap();
    let t = run(&c, Source::Pod(client), "api:80");
    assert_eq!(failing(&t), ("dns", Symptom::DnsTimeout), "{:#?}", t.hops);
    // The address still works: only DNS is broken.
    let t = run(&c, Source::Pod(client), "10.96.5.5:80");
    assert!(t.reachable, "{:#?}", t.hops);
}

const MIXED_BACKENDS: &str = r#"
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: api, namespace: app}
  spec: {clusterIP: 10.96.5.5, selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: api-v1, namespace: app, labels: {app: api, version: v1}}
  spec: {containers: [{name: api, ports: [{containerPort: 8080}]}]}
  status: {phase: Running, podIP: 10.244.0.5, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: api-v2, namespace: app, labels: {app: api, version: v2}}
  spec: {containers: [{name: api, ports: [{containerPort: 8080}]}]}
  status: {phase: Running, podIP: 10.244.0.6, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: client, namespace: app, labels: {app: client}}
  spec: {containers: [{name: c}]}
  status: {phase: Running, podIP: 10.244.0.7, conditions: [{type: Ready, status: "True"}]}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: v2-locked, namespace: app}
  spec:
    podSelector: {matchLabels: {version: v2}}
    policyTypes: [Ingress]
"#;

#[test]
fn some_backends_blocked_is_intermittent_and_lists_them() {
    let c = cluster(load_text("mixed.yaml", MIXED_BACKENDS));
    let client = c.pod_index("app", "client").unwrap();
    let t = run(&c, Source::Pod(client), "10.96.5.5:80");
    assert!(t.intermittent && !t.reachable, "{:#?}", t);
    assert_eq!(t.symptom, Symptom::ConnectionTimeout);
    assert_eq!(t.backends.len(), 2);
    assert!(t
        .backends
        .iter()
        .any(|b| b.pod == "app/api-v2" && !b.reachable));
    assert!(t
        .backends
        .iter()
        .any(|b| b.pod == "app/api-v1" && b.reachable));
    assert!(t
        .hops
        .iter()
        .any(|h| h.step == "ingress-policy" && h.status == HopStatus::Warn));
}

#[test]
fn ingress_faults_give_the_http_status() {
    let c = cluster(example("seed-cluster"));
    let outside = Source::External("203.0.113.9".parse().unwrap());
    let t = run(&c, outside, "https://shop.example.com/");
    assert_eq!(t.symptom, Symptom::Http503, "{:#?}", t.hops);
    let t = run(&c, outside, "http://legacy.example.com/");
    assert_eq!(t.symptom, Symptom::NoAddress, "{:#?}", t.hops);
    let t = run(&c, outside, "https://nothing-here.example.com/");
    assert_eq!(t.symptom, Symptom::Http404, "{:#?}", t.hops);
}

const CONTROLLER_BLOCKED: &str = r#"
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
- apiVersion: networking.k8s.io/v1
  kind: IngressClass
  metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
  spec: {controller: k8s.io/ingress-nginx}
- apiVersion: v1
  kind: Pod
  metadata: {name: ingress-nginx-controller-1, namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}
  spec: {containers: [{name: controller, ports: [{containerPort: 80, name: http}]}]}
  status: {phase: Running, podIP: 10.244.1.2, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec: {clusterIP: 10.96.7.7, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: web-1, namespace: shop, labels: {app: web}}
  spec: {containers: [{name: web, ports: [{containerPort: 8080}]}]}
  status: {phase: Running, podIP: 10.244.0.5, conditions: [{type: Ready, status: "True"}]}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: deny-all, namespace: shop}
  spec: {podSelector: {}, policyTypes: [Ingress]}
- apiVersion: networking.k8s.io/v1
  kind: Ingress
  metadata: {name: web, namespace: shop}
  spec:
    rules:
    - host: shop.example.com
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
  status: {loadBalancer: {ingress: [{ip: 192.0.2.10}]}}
"#;

#[test]
fn policy_between_controller_and_backend_is_504() {
    let c = cluster(load_text("ctl.yaml", CONTROLLER_BLOCKED));
    let t = run(
        &c,
        Source::External("203.0.113.9".parse().unwrap()),
        "http://shop.example.com/",
    );
    assert_eq!(
        failing(&t),
        ("ingress-policy", Symptom::Http504),
        "{:#?}",
        t.hops
    );
    let yaml = t.fix.and_then(|f| f.yaml).unwrap();
    assert!(
        yaml.contains("kubernetes.io/metadata.name: ingress-nginx"),
        "{yaml}"
    );
}

#[test]
fn targets_parse_as_the_client_types_them() {
    let t = Target::parse("http://api-service:8080/health").unwrap();
    assert_eq!(
        (t.host.as_str(), t.port, t.path.as_str()),
        ("api-service", 8080, "/health")
    );
    assert_eq!(Target::parse("https://app.example.com").unwrap().port, 443);
    assert_eq!(
        Target::parse("db.data.svc.cluster.local.:5432")
            .unwrap()
            .host,
        "db.data.svc.cluster.local."
    );
    assert_eq!(Target::parse("[fd00::1]:80").unwrap().host, "fd00::1");
    assert!(Target::parse("api-service").is_err());
    assert!(Target::parse("api:0").is_err());
    assert!(Target::parse("api:http").is_err());
}

#[test]
fn outside_requests_follow_gateway_api_routes_too() {
    let c = cluster(example("healthy-cluster"));
    let outside = Source::External("203.0.113.9".parse().unwrap());
    let t = run(&c, outside, "https://www.example.com/");
    assert!(t.reachable, "{:#?}", t.hops);
    let t = run(&c, outside, "https://store.example.com/");
    assert_eq!(t.symptom, Symptom::Http404, "{:#?}", t.hops);
}

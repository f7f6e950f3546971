//! Generates a synthetic cluster and times the NetworkPolicy engine on it.
//!
//! `cargo run --release --example netpol_bench -- PODS POLICIES [OUT.yaml]`
//!
//! The cluster: 10 pods per Deployment (one ReplicaSet owner each), 50 namespaces labelled
//! `team`, CoreDNS in kube-system, a default-deny-ingress per namespace, and POLICIES policies
//! mixing podSelector / namespaceSelector / ipBlock peers, numeric, named and ranged ports,
//! and a tenth of them egress policies with a DNS rule. With `ANPS=N` in the environment,
//! N AdminNetworkPolicies (unique priorities, namespace and pod subjects, Allow/Deny/Pass
//! rules with ports) and a BaselineAdminNetworkPolicy `default` are added (issue 21).

use netdoctor_core::load::load_text;
use netdoctor_core::model::{BuildOptions, Cluster, Protocol};
use netdoctor_core::rules::{self, RunOptions};
use netdoctor_core::sim::netpol::{connectivity_map, Endpoint, Engine, MapOptions};
use std::fmt::Write as _;
use std::time::Instant;

fn generate(pods: usize, policies: usize) -> String {
    let namespaces = 50.min(pods / 20).max(1);
    let per_workload = 10;
    let workloads = (pods / per_workload).max(1);
    let mut s = String::with_capacity(pods * 700);
    s.push_str("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n---\n");
    for i in 0..2 {
        let _ = write!(
            s,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: coredns-{i}\n  namespace: kube-system\n  labels:\n    k8s-app: kube-dns\nspec:\n  dnsPolicy: Default\n  containers:\n  - name: coredns\n    image: coredns\n    ports:\n    - {{name: dns, containerPort: 53, protocol: UDP}}\n    - {{name: dns-tcp, containerPort: 53, protocol: TCP}}\nstatus:\n  phase: Running\n  podIP: 10.244.255.{i}\n  conditions:\n  - {{type: Ready, status: \"True\"}}\n---\n"
        );
    }
    s.push_str("apiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n  namespace: kube-system\nspec:\n  clusterIP: 10.96.0.10\n  selector: {k8s-app: kube-dns}\n  ports:\n  - {name: dns, port: 53, protocol: UDP, targetPort: 53}\n  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}\n---\n");
    for n in 0..namespaces {
        let _ = write!(
            s,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{n}\n  labels:\n    team: t{}\n---\n",
            n % 7
        );
        let _ = write!(
            s,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: ns-{n}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n---\n"
        );
    }
    for w in 0..workloads {
        let ns = w % namespaces;
        for r in 0..per_workload {
            let p = w * per_workload + r;
            let _ = write!(
                s,
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app-{w}-abc12-{r}\n  namespace: ns-{ns}\n  labels:\n    app: app-{w}\n    tier: tier-{}\n    pod-template-hash: abc12\n  ownerReferences:\n  - {{apiVersion: apps/v1, kind: ReplicaSet, name: app-{w}-abc12, controller: true, uid: u{w}}}\nspec:\n  containers:\n  - name: main\n    image: app\n    ports:\n    - {{name: http, containerPort: 8080}}\n    - {{name: metrics, containerPort: 9100}}\nstatus:\n  phase: Running\n  podIP: 10.{}.{}.{}\n  conditions:\n  - {{type: Ready, status: \"True\"}}\n---\n",
                w % 5,
                (p >> 16) & 255,
                (p >> 8) & 255,
                p & 255
            );
        }
        if w % 2 == 0 {
            let _ = write!(
                s,
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-{w}\n  namespace: ns-{ns}\nspec:\n  selector: {{app: app-{w}}}\n  ports:\n  - {{port: 80, targetPort: http}}\n---\n"
            );
        }
    }
    for i in 0..policies {
        let w = (i * 7) % workloads;
        let ns = w % namespaces;
        let from = (i * 13 + 1) % workloads;
        let peer = match i % 4 {
            0 => format!("podSelector: {{matchLabels: {{app: app-{from}}}}}"),
            1 => format!(
                "namespaceSelector: {{matchLabels: {{team: t{}}}}}\n      podSelector: {{matchLabels: {{tier: tier-{}}}}}",
                i % 7,
                i % 5
            ),
            2 => format!(
                "ipBlock: {{cidr: 10.{}.0.0/16, except: [10.{}.{}.0/24]}}",
                i % 3,
                i % 3,
                i % 200
            ),
            _ => format!("namespaceSelector: {{matchLabels: {{team: t{}}}}}", i % 7),
        };
        let ports = match i % 3 {
            0 => "- {port: 8080}".to_string(),
            1 => "- {port: http}\n    - {port: metrics}".to_string(),
            _ => "- {port: 9000, endPort: 9200}\n    - {protocol: UDP, port: 53}".to_string(),
        };
        let egress = if i % 10 == 0 {
            format!(
                "  egress:\n  - to:\n    - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}\n    ports:\n    - {{protocol: UDP, port: 53}}\n    - {{protocol: TCP, port: 53}}\n  - to:\n    - podSelector: {{matchLabels: {{app: app-{from}}}}}\n"
            )
        } else {
            String::new()
        };
        let types = if egress.is_empty() {
            "[Ingress]"
        } else {
            "[Ingress, Egress]"
        };
        let _ = write!(
            s,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: pol-{i}\n  namespace: ns-{ns}\nspec:\n  podSelector: {{matchLabels: {{app: app-{w}}}}}\n  policyTypes: {types}\n  ingress:\n  - from:\n    - {peer}\n    ports:\n    {ports}\n{egress}---\n"
        );
    }
    s
}

/// `n` AdminNetworkPolicies and the BaselineAdminNetworkPolicy `default`.
fn admin_policies(n: usize, workloads: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let subject = if i % 2 == 0 {
            format!("namespaces: {{matchLabels: {{team: t{}}}}}", i % 7)
        } else {
            format!(
                "pods:\n      namespaceSelector: {{}}\n      podSelector: {{matchLabels: {{app: app-{}}}}}",
                (i * 11) % workloads
            )
        };
        let action = ["Allow", "Deny", "Pass"][i % 3];
        let _ = write!(
            s,
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: anp-{i}\nspec:\n  priority: {i}\n  subject:\n    {subject}\n  ingress:\n  - name: r0\n    action: {action}\n    from:\n    - namespaces: {{matchLabels: {{team: t{}}}}}\n    ports:\n    - portNumber: {{protocol: TCP, port: 8080}}\n    - namedPort: metrics\n  - name: r1\n    action: Pass\n    from:\n    - pods:\n        namespaceSelector: {{}}\n        podSelector: {{matchLabels: {{tier: tier-{}}}}}\n  egress:\n  - name: dns\n    action: Allow\n    to:\n    - pods:\n        namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}\n        podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}\n    ports:\n    - portNumber: {{protocol: UDP, port: 53}}\n  - name: out\n    action: Deny\n    to:\n    - networks: [203.0.{}.0/24]\n---\n",
            (i + 3) % 7,
            i % 5,
            i % 250
        );
    }
    s.push_str("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: default\nspec:\n  subject:\n    namespaces: {}\n  ingress:\n  - name: deny-other-teams\n    action: Deny\n    from:\n    - namespaces: {matchLabels: {team: t0}}\n---\n");
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pods: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let policies: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let t = Instant::now();
    let mut text = generate(pods, policies);
    if let Some(n) = std::env::var("ANPS").ok().and_then(|v| v.parse().ok()) {
        text.push_str(&admin_policies(n, (pods / 10).max(1)));
    }
    eprintln!(
        "generate: {:?} ({} MB)",
        t.elapsed(),
        text.len() / 1_000_000
    );
    if let Some(out) = args.get(3) {
        std::fs::write(out, &text).expect("write");
        eprintln!("wrote {out}");
        return;
    }
    let t = Instant::now();
    let c = Cluster::build(load_text("gen.yaml", &text), &BuildOptions::default());
    eprintln!(
        "load+build: {:?} ({} pods, {} groups, {} policies)",
        t.elapsed(),
        c.pods().len(),
        c.label_groups().len(),
        c.policies().len()
    );
    let t = Instant::now();
    let e = Engine::new(&c);
    eprintln!("engine index: {:?}", t.elapsed());
    let t = Instant::now();
    let n = 1000;
    let mut allowed = 0;
    for i in 0..n {
        let a = (i * 7919) % c.pods().len();
        let b = (i * 104_729) % c.pods().len();
        if e.check(Endpoint::Pod(a), Endpoint::Pod(b), 8080, Protocol::Tcp)
            .allowed
        {
            allowed += 1;
        }
    }
    eprintln!(
        "check: {:?} per check ({allowed}/{n} allowed)",
        t.elapsed() / n as u32
    );
    if c.pods().len() <= 20_000 || std::env::var_os("MAP").is_some() {
        let t = Instant::now();
        let m = connectivity_map(&e, &MapOptions::default());
        eprintln!("map: {:?} ({} lines)", t.elapsed(), m.len());
    }
    let t = Instant::now();
    let f = rules::run(&c, &RunOptions::default());
    eprintln!(
        "all rules (doctor): {:?} ({} findings, {} cluster policies)",
        t.elapsed(),
        f.len(),
        c.cluster_policies().len()
    );
    for code in [
        "NP001", "NP002", "NP003", "NP004", "NP005", "NP006", "ANP001", "ANP002", "ANP003",
        "ANP005",
    ] {
        let t = Instant::now();
        let f = rules::run(
            &c,
            &RunOptions {
                only: vec![code.into()],
                ..RunOptions::default()
            },
        );
        eprintln!("{code}: {:?} ({} findings)", t.elapsed(), f.len());
    }
}

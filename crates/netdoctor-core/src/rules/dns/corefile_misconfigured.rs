use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::load::corefile::{fqdn, in_zone};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::dns::ClusterDns;

pub static RULE: Rule = Rule {
    code: "DNS003",
    area: crate::rules::Area::Dns,
    name: "corefile-misconfigured",
    severity: Severity::Error,
    summary: "the Corefile has no `kubernetes` plugin for the cluster domain, forwards to a loopback address without `loop`, or cannot be parsed",
    doc: r#"## What it checks
The `Corefile` key of the `kube-system/coredns` ConfigMap, parsed the way CoreDNS parses it:
- it must parse: balanced braces, closed quotes, known plugins, valid `kubernetes` options
  (`import` and `{$ENV}` substitutions are reported as not evaluated, not as errors);
- a server block on port 53 must run the `kubernetes` plugin for the cluster domain (kubelet's
  `clusterDomain`, `--cluster-domain`, default `cluster.local`);
- `forward` must not point to a loopback address (`127.0.0.1`, `::1`) unless `loop` is there
  to catch the loop; and when the CoreDNS pods use the cluster's own DNS (dnsPolicy other than
  `Default`), `forward . /etc/resolv.conf` sends queries back to CoreDNS itself.

## Why it breaks traffic
CoreDNS refuses to start with a Corefile it cannot parse (CrashLoopBackOff after a bad edit,
`reload` keeps the old config until restart). Without the `kubernetes` plugin for the cluster
domain every Service name is forwarded upstream and answered NXDOMAIN. A forward to loopback
on a node running systemd-resolved (127.0.0.53) makes CoreDNS query itself: without `loop` the
queries circle until they time out and CPU and memory climb; with `loop` CoreDNS exits with
"Loop detected".

## How to fix
```
kubectl -n kube-system edit configmap coredns
```
Restore the kubeadm default block:
```
kubernetes cluster.local in-addr.arpa ip6.arpa {
   pods insecure
   fallthrough in-addr.arpa ip6.arpa
   ttl 30
}
forward . /etc/resolv.conf
loop
```
and forward to a real upstream address (or point kubelet's `resolvConf` at
`/run/systemd/resolve/resolv.conf`).

## Example
```
error[DNS003] corefile-misconfigured: kube-system/configmap/coredns
  the Corefile's server blocks on port 53 have no kubernetes plugin for cluster.local: Service names are forwarded upstream and get NXDOMAIN
```

## References
- Customizing DNS Service: https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/
- CoreDNS kubernetes plugin: https://coredns.io/plugins/kubernetes/
- CoreDNS loop plugin (troubleshooting): https://coredns.io/plugins/loop/#troubleshooting
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    let Some(cm) = cluster.config_map("kube-system", "coredns") else {
        return;
    };
    let Some(text) = cm.data.get("Corefile") else {
        return;
    };
    let object = ObjectRef::namespaced("ConfigMap", "kube-system", "coredns");
    let edit = "kubectl -n kube-system edit configmap coredns";
    let dns = ClusterDns::of(cluster);
    let corefile = crate::load::corefile::parse(text);
    let problems = corefile.all_problems();
    let fatal: Vec<_> = problems.iter().filter(|p| p.fatal).collect();
    if !fatal.is_empty() {
        let mut f = Finding::new(
            &RULE,
            object.clone(),
            format!(
                "the Corefile cannot be used as written ({}): CoreDNS refuses to load it",
                fatal
                    .iter()
                    .take(3)
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        );
        for p in &fatal {
            f = f.with_evidence(p.to_string());
        }
        out.push(f.with_fix(Fix::new("Correct the Corefile at the lines named").command(edit)));
    }
    let domain = dns
        .kubelet_cluster_domain
        .clone()
        .unwrap_or_else(|| cluster.cluster_domain.clone());
    let zone = fqdn(&domain);
    let servers = corefile.configs(&mut Vec::new());
    let serves = servers.iter().any(|s| {
        s.port == dns.listen_port
            && s.zones.iter().any(|z| in_zone(&zone, z))
            && s.kubernetes
                .as_ref()
                .is_some_and(|k| k.zones.iter().any(|z| in_zone(&zone, z)))
    });
    let listening: Vec<u16> = servers.iter().map(|s| s.port).collect();
    if !servers.is_empty() && !listening.contains(&dns.listen_port) {
        let mut ports: Vec<String> = listening.iter().map(u16::to_string).collect();
        ports.sort();
        ports.dedup();
        out.push(
            Finding::new(
                &RULE,
                object.clone(),
                format!(
                    "no server block of the Corefile listens on port {} where the kube-dns Service sends queries (the Corefile listens on {}): every query is refused",
                    dns.listen_port,
                    ports.join(", ")
                ),
            )
            .with_fix(
                Fix::new("Make the server block's port and the kube-dns Service's targetPort agree")
                    .command(edit),
            ),
        );
    } else if !serves && (!servers.is_empty() || fatal.is_empty()) {
        let found: Vec<String> = servers
            .iter()
            .filter_map(|s| s.kubernetes.as_ref())
            .flat_map(|k| k.zones.iter().cloned())
            .collect();
        out.push(
            Finding::new(
                &RULE,
                object.clone(),
                format!(
                    "the Corefile's server blocks on port {} have no kubernetes plugin for {domain} ({}): Service names are forwarded upstream and get NXDOMAIN",
                    dns.listen_port,
                    if found.is_empty() {
                        "there is no kubernetes plugin".to_string()
                    } else {
                        format!("the kubernetes plugin serves {}", found.join(" "))
                    }
                ),
            )
            .with_fix(
                Fix::new(format!("Serve {domain} with the kubernetes plugin"))
                    .command(edit)
                    .yaml(format!(
                        "kubernetes {domain} in-addr.arpa ip6.arpa {{\n   pods insecure\n   fallthrough in-addr.arpa ip6.arpa\n   ttl 30\n}}\n"
                    )),
            ),
        );
    }
    for s in &servers {
        for fw in &s.forward {
            let lo = fw.loopback_targets();
            if !lo.is_empty() && !s.has_loop {
                out.push(
                    Finding::new(
                        &RULE,
                        object.clone(),
                        format!(
                            "forward {} {} (Corefile line {}) sends queries to a loopback address and the server block has no loop plugin: inside the CoreDNS pod that is CoreDNS itself, so queries circle until they time out",
                            fw.from,
                            lo.join(" "),
                            fw.line
                        ),
                    )
                    .with_fix(
                        Fix::new("Forward to a real upstream resolver and add `loop`")
                            .command(edit)
                            .yaml("forward . /etc/resolv.conf\nloop\n"),
                    ),
                );
            }
            if fw.to.iter().any(|t| t == "/etc/resolv.conf") {
                let self_dns: Vec<&str> = dns
                    .pods
                    .iter()
                    .map(|&i| &cluster.pods[i])
                    .filter(|p| {
                        matches!(
                            p.dns_policy.as_str(),
                            "ClusterFirst" | "ClusterFirstWithHostNet"
                        ) && !(p.host_network && p.dns_policy == "ClusterFirst")
                    })
                    .map(|p| p.name.as_str())
                    .collect();
                if let Some(first) = self_dns.first() {
                    out.push(
                        Finding::new(
                            &RULE,
                            object.clone(),
                            format!(
                                "forward {} /etc/resolv.conf (Corefile line {}) while CoreDNS pod {first} uses dnsPolicy ClusterFirst: its /etc/resolv.conf names the kube-dns Service, so CoreDNS forwards to itself (loop)",
                                fw.from, fw.line
                            ),
                        )
                        .with_fix(
                            Fix::new("Run CoreDNS with dnsPolicy Default")
                                .command("kubectl -n kube-system patch deployment coredns -p '{\"spec\":{\"template\":{\"spec\":{\"dnsPolicy\":\"Default\"}}}}'"),
                        ),
                    );
                }
            }
        }
    }
}

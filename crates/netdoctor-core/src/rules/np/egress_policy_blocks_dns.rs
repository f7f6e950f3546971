use super::{indent, match_labels_yaml, pod_label, pod_selector_yaml, short_list};
use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, Labels, PortRef, Protocol};
use crate::rules::Rule;
use crate::sim::dns::{self, ClusterDns};
use crate::sim::netpol::{Direction, Endpoint, Engine};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub static RULE: Rule = Rule {
    code: "NP001",
    area: crate::rules::Area::Np,
    name: "egress-policy-blocks-dns",
    severity: Severity::Error,
    summary: "an egress-isolated pod cannot reach the cluster DNS pods (or NodeLocal DNSCache address) on UDP 53 and TCP 53",
    doc: r#"## What it checks
For every pod that uses cluster DNS (`dnsPolicy: ClusterFirst`) and is isolated for egress
(a NetworkPolicy with `policyTypes: [Egress]` selects it), netdoctor evaluates the egress
rules against the cluster DNS pods (the pods the `kube-system/kube-dns` Service selects,
else the pods labelled `k8s-app=kube-dns`) on the Service's DNS target ports, UDP and TCP,
and, when NodeLocal DNSCache runs (`k8s-app=node-local-dns` pods), against its link-local
address (169.254.20.10 unless its ConfigMap binds another). Pods are grouped: one finding per
namespace and set of egress policies.

## Why it breaks traffic
Egress policies are evaluated after the Service DNAT, so the DNS query to the kube-dns
ClusterIP must be allowed to the CoreDNS *pods* on their container port. A default-deny
egress policy without a DNS rule makes every name lookup time out: clients see
`dial tcp: lookup api-service: i/o timeout` or `Temporary failure in name resolution`, long
before any connection is attempted. TCP 53 is needed for answers larger than 512 bytes
(truncated UDP answers are retried over TCP).

## How to fix
Add an egress rule (in the same namespace, selecting the same pods) that allows UDP and TCP
53 to the cluster DNS pods in `kube-system`, and to the NodeLocal DNSCache address when it is
deployed. The finding carries the exact policy.

## Example
```
error[NP001] egress-policy-blocks-dns: monitoring/networkpolicy/default-deny-egress
  egress of 1 workload in monitoring (monitoring/prometheus[Deployment]) is isolated by
  monitoring/default-deny-egress and no egress rule allows DNS to the cluster DNS pods
  (kube-system, k8s-app=kube-dns): UDP 53 and TCP 53 are blocked
```

## References
- Network policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/
- DNS for Services and Pods: https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
- NodeLocal DNSCache: https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/
"#,
    check,
};

/// Where cluster DNS traffic goes after DNAT.
struct DnsTargets {
    /// (pod, protocol, target port) of every DNS backend.
    backends: Vec<(usize, Protocol, u16)>,
    /// The labels that select the DNS pods (the Service's selector).
    selector: Labels,
    /// The NodeLocal DNSCache address, when it runs.
    nodelocal: Option<IpAddr>,
    /// The input shows no cluster DNS: the kubeadm default (`sim::dns::assumed`) is checked
    /// instead, and this says so.
    assumed: Option<String>,
}

fn dns_targets(c: &Cluster) -> Option<DnsTargets> {
    if let Some(a) = ClusterDns::of(c).assumption() {
        return Some(DnsTargets {
            backends: Vec::new(),
            selector: dns::assumed_dns_labels(),
            nodelocal: None,
            assumed: Some(a),
        });
    }
    let svc = c.service("kube-system", "kube-dns");
    let selector: Labels = match svc.and_then(|s| s.selector.clone()) {
        Some(sel) => sel,
        None => [("k8s-app".to_string(), "kube-dns".to_string())].into(),
    };
    let pods = c.pods_matching("kube-system", &crate::model::Selector::from_map(&selector));
    let ports: Vec<(Protocol, PortRef)> = match svc {
        Some(s) => s
            .ports
            .iter()
            .filter(|p| p.port == 53 && matches!(p.protocol, Protocol::Udp | Protocol::Tcp))
            .map(|p| (p.protocol, p.target_port.clone()))
            .collect(),
        None => vec![
            (Protocol::Udp, PortRef::Number(53)),
            (Protocol::Tcp, PortRef::Number(53)),
        ],
    };
    let mut backends = Vec::new();
    for &pod in &pods {
        for (proto, target) in &ports {
            let port = match target {
                PortRef::Number(n) => Some(*n),
                PortRef::Name(n) => c.pods[pod].resolve_named_port(n, *proto),
            };
            if let Some(port) = port {
                backends.push((pod, *proto, port));
            }
        }
    }
    let nodelocal_runs = c.pods.iter().any(|p| {
        p.labels
            .get("k8s-app")
            .is_some_and(|v| v == "node-local-dns")
    });
    let nodelocal = nodelocal_runs.then(|| nodelocal_address(c));
    if backends.is_empty() && nodelocal.is_none() {
        return None;
    }
    Some(DnsTargets {
        backends,
        selector,
        nodelocal,
        assumed: None,
    })
}

/// The link-local address NodeLocal DNSCache binds (its Corefile's `bind`), default
/// 169.254.20.10.
fn nodelocal_address(c: &Cluster) -> IpAddr {
    let default = IpAddr::from([169, 254, 20, 10]);
    let Some(cm) = c.config_map("kube-system", "node-local-dns") else {
        return default;
    };
    cm.data
        .values()
        .flat_map(|v| v.lines())
        .filter_map(|l| l.trim().strip_prefix("bind "))
        .flat_map(|rest| rest.split_whitespace())
        .filter_map(|w| w.parse::<IpAddr>().ok())
        .find(|ip| matches!(ip, IpAddr::V4(v4) if v4.is_link_local()))
        .unwrap_or(default)
}

/// Workloads affected, what is blocked for them, and the policies of kinds netdoctor does
/// not model that govern their egress and could admit DNS.
type Blocked = (Vec<String>, Vec<String>, Vec<String>);

fn check(c: &Cluster, out: &mut Vec<Finding>) {
    if !c.policies.iter().any(|p| p.isolates_egress)
        && !c.cluster_policies.iter().any(|p| !p.egress.is_empty())
    {
        return;
    }
    let Some(dns) = dns_targets(c) else { return };
    let engine = Engine::new(c);
    // (namespace, egress policies, the admin/baseline rule that denies) → (workloads,
    // blocked what)
    let mut groups: BTreeMap<(String, Vec<usize>, Option<TierDenial>), Blocked> = BTreeMap::new();
    for (g, group) in c.label_groups().iter().enumerate() {
        let pols = engine.policies_of_group(g, Direction::Egress);
        if pols.is_empty() && !engine.group_has_cluster_rules(g, Direction::Egress) {
            continue;
        }
        let users: Vec<usize> = group
            .pods
            .iter()
            .copied()
            .filter(|&i| {
                let p = &c.pods[i];
                !p.host_network && p.dns_policy.starts_with("ClusterFirst")
            })
            .collect();
        let Some(&rep) = users.first() else { continue };
        let mut tier_denial: Option<TierDenial> = None;
        let to_dns = blocked_to_dns_pods(&engine, &dns, rep, &mut tier_denial);
        let mut blocked = Vec::new();
        if !to_dns.is_empty() {
            blocked.push(format!("{} to the cluster DNS pods", to_dns.join(" and ")));
        }
        if let Some(addr) = dns.nodelocal {
            let mut to_local = Vec::new();
            for proto in [Protocol::Udp, Protocol::Tcp] {
                let v = engine.check(Endpoint::Pod(rep), Endpoint::Ip(addr), 53, proto);
                note_tier_denial(&v.egress, &mut tier_denial);
                if !v.egress.allowed {
                    to_local.push(format!("{} 53", proto.as_str()));
                }
            }
            if !to_local.is_empty() {
                blocked.push(format!(
                    "{} to NodeLocal DNSCache {addr}",
                    to_local.join(" and ")
                ));
            }
        }
        if blocked.is_empty() {
            continue;
        }
        let mut key_pols = pols.to_vec();
        key_pols.sort_by_key(|&i| (&c.policies[i].namespace, &c.policies[i].name));
        let entry = groups
            .entry((group.namespace.clone(), key_pols, tier_denial))
            .or_default();
        for &p in &users {
            let name = pod_label(&c.pods[p]);
            if !entry.0.contains(&name) {
                entry.0.push(name);
            }
        }
        for b in blocked {
            if !entry.1.contains(&b) {
                entry.1.push(b);
            }
        }
        for i in engine.foreign_of(Endpoint::Pod(rep), Direction::Egress) {
            let other = &c.foreign_policies[i];
            if other.can_allow && !entry.2.contains(&other.display()) {
                entry.2.push(other.display());
            }
        }
    }
    for ((ns, pols, tier_denial), (mut workloads, blocked, not_modelled)) in groups {
        workloads.sort();
        if let Some(denial) = tier_denial {
            out.push(tier_finding(&ns, &workloads, &blocked, &denial));
            continue;
        }
        let Some(&first) = pols.first() else { continue };
        let policy = &c.policies[first];
        let names: Vec<String> = pols
            .iter()
            .map(|&i| format!("{}/{}", c.policies[i].namespace, c.policies[i].name))
            .collect();
        let selector_txt = dns
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let joined = blocked.join(" and ");
        let verb = if joined.contains(" and ") {
            "are dropped"
        } else {
            "is dropped"
        };
        let message = format!(
            "egress of {} workload{} in {ns} ({}) is isolated by {} and no egress rule allows DNS (cluster DNS pods: kube-system, {selector_txt}): {} {verb}, so every name lookup times out",
            workloads.len(),
            if workloads.len() == 1 { "" } else { "s" },
            short_list(&workloads, 5),
            names.join(", "),
            joined,
        );
        let yaml = fix_yaml(
            c,
            &ns,
            if pols.len() == 1 { Some(first) } else { None },
            &dns,
        );
        let mut f = Finding::new(
            &RULE,
            ObjectRef::namespaced("NetworkPolicy", &ns, &policy.name),
            message,
        )
        .with_fix(
            Fix::new(format!(
                "Allow DNS egress from {ns}: apply this policy next to {}",
                names.join(", ")
            ))
            .command(format!("kubectl apply -n {ns} -f allow-dns-egress.yaml"))
            .yaml(yaml),
        );
        for w in workloads.iter().take(20) {
            f = f.with_evidence(format!("{w}: egress isolated, DNS blocked"));
        }
        if let Some(a) = &dns.assumed {
            f = f.with_evidence(format!("assumed: {a}"));
        }
        if !not_modelled.is_empty() {
            // Cilium or Calico egress rules may admit DNS where NetworkPolicy does not.
            f.message = f.message.replace(
                ", so every name lookup times out",
                &format!(
                    ", so every name lookup times out unless {} admits it (netdoctor does not model that kind)",
                    not_modelled.join(", ")
                ),
            );
            f = f.with_severity(Severity::Warning);
        }
        out.push(f);
    }
}

/// The protocols and ports on which `rep` cannot reach the cluster DNS pods (noting the
/// admin or baseline rule that denies, if one does).
fn blocked_to_dns_pods(
    engine: &Engine<'_>,
    dns: &DnsTargets,
    rep: usize,
    tier_denial: &mut Option<TierDenial>,
) -> Vec<String> {
    let mut to_dns = Vec::new();
    for proto in [Protocol::Udp, Protocol::Tcp] {
        if dns.assumed.is_some() {
            if !dns::check_to_assumed_dns(engine, rep, proto).egress.allowed {
                to_dns.push(format!("{} 53", proto.as_str()));
            }
            continue;
        }
        let targets: Vec<&(usize, Protocol, u16)> =
            dns.backends.iter().filter(|b| b.1 == proto).collect();
        if targets.is_empty() {
            continue;
        }
        let ok = targets.iter().any(|&&(pod, _, port)| {
            let v = engine.check(Endpoint::Pod(rep), Endpoint::Pod(pod), port, proto);
            note_tier_denial(&v.egress, tier_denial);
            v.egress.allowed
        });
        if !ok {
            let mut ports: Vec<u16> = targets.iter().map(|t| t.2).collect();
            ports.sort_unstable();
            ports.dedup();
            let ports: Vec<String> = ports.iter().map(|p| p.to_string()).collect();
            to_dns.push(format!("{} {}", proto.as_str(), ports.join(",")));
        }
    }
    to_dns
}

/// Keeps the first admin or baseline rule that denies DNS.
fn note_tier_denial(side: &crate::sim::netpol::SideVerdict, out: &mut Option<TierDenial>) {
    if out.is_some() || side.allowed {
        return;
    }
    if let Some(m) = &side.cluster_rule {
        *out = Some((
            crate::sim::netpol::denial_reason(side, Direction::Egress),
            m.kind,
            m.policy.clone(),
        ));
    }
}

/// Why DNS is denied, and the kind and name of the cluster policy that denies it.
type TierDenial = (String, &'static str, String);

/// DNS denied by an AdminNetworkPolicy, a BaselineAdminNetworkPolicy or a
/// ClusterNetworkPolicy rule: no namespace NetworkPolicy can admit it (admin tier), or one
/// must (baseline tier).
fn tier_finding(
    ns: &str,
    workloads: &[String],
    blocked: &[String],
    denial: &TierDenial,
) -> Finding {
    let (denial, kind, policy) = denial;
    let joined = blocked.join(" and ");
    let message = format!(
        "egress of {} workload{} in {ns} ({}) to cluster DNS is {denial}: {joined} {}, so every name lookup times out",
        workloads.len(),
        if workloads.len() == 1 { "" } else { "s" },
        short_list(workloads, 5),
        if joined.contains(" and ") { "are dropped" } else { "is dropped" },
    );
    let admin = denial.contains("(priority");
    let mut f = Finding::new(&RULE, ObjectRef::cluster_scoped(kind, policy), message).with_fix(
        Fix::new(if admin {
            "Let DNS through before the Deny: add an Allow (or Pass) rule to kube-system's DNS pods on UDP/TCP 53 above the denying rule, or in a policy with a lower priority number"
        } else {
            "Allow DNS egress with a NetworkPolicy in the namespace (it takes precedence over the baseline tier), or an Allow rule before the baseline Deny"
        })
        .command("kubectl get adminnetworkpolicies,baselineadminnetworkpolicies,clusternetworkpolicies")
        .yaml(
            "  - name: allow-cluster-dns\n    action: Allow   # Accept in ClusterNetworkPolicy\n    to:\n    - pods:\n        namespaceSelector:\n          matchLabels:\n            kubernetes.io/metadata.name: kube-system\n        podSelector:\n          matchLabels:\n            k8s-app: kube-dns\n    ports:\n    - portNumber: {protocol: UDP, port: 53}\n    - portNumber: {protocol: TCP, port: 53}\n",
        ),
    );
    for w in workloads.iter().take(20) {
        f = f.with_evidence(format!("{w}: DNS egress {denial}"));
    }
    f
}

fn fix_yaml(c: &Cluster, ns: &str, policy: Option<usize>, dns: &DnsTargets) -> String {
    let selector = match policy {
        Some(i) => pod_selector_yaml(&c.policies[i]),
        None => "{}".to_string(),
    };
    let mut udp: Vec<u16> = dns
        .backends
        .iter()
        .filter(|b| b.1 == Protocol::Udp)
        .map(|b| b.2)
        .collect();
    let mut tcp: Vec<u16> = dns
        .backends
        .iter()
        .filter(|b| b.1 == Protocol::Tcp)
        .map(|b| b.2)
        .collect();
    if udp.is_empty() {
        udp.push(53);
    }
    if tcp.is_empty() {
        tcp.push(53);
    }
    udp.sort_unstable();
    udp.dedup();
    tcp.sort_unstable();
    tcp.dedup();
    let mut ports = String::new();
    for p in &udp {
        ports.push_str(&format!("- protocol: UDP\n  port: {p}\n"));
    }
    for p in &tcp {
        ports.push_str(&format!("- protocol: TCP\n  port: {p}\n"));
    }
    let mut y = format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns-egress\n  namespace: {ns}\nspec:\n  podSelector:{}\n  policyTypes:\n  - Egress\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n      podSelector:\n{}\n    ports:\n{}\n",
        if selector == "{}" {
            " {}".to_string()
        } else {
            format!("\n{}", indent(&selector, 4))
        },
        indent(&match_labels_yaml(&dns.selector), 8),
        indent(ports.trim_end(), 4),
    );
    if let Some(addr) = dns.nodelocal {
        y.push_str(&format!(
            "  - to:\n    - ipBlock:\n        cidr: {addr}/32\n    ports:\n    - protocol: UDP\n      port: 53\n    - protocol: TCP\n      port: 53\n"
        ));
    }
    y
}

#[cfg(test)]
mod tests {
    use crate::load::load_paths;
    use crate::model::{BuildOptions, Cluster};
    use std::path::Path;

    fn seed() -> Cluster {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed-cluster");
        Cluster::build(load_paths(&[p]).expect("seed"), &BuildOptions::default())
    }

    #[test]
    fn seed_monitoring_default_deny_egress_fires_once_with_the_fix() {
        let c = seed();
        let mut out = Vec::new();
        super::check(&c, &mut out);
        assert_eq!(out.len(), 1, "{out:#?}");
        let f = &out[0];
        assert_eq!(f.object.name, "default-deny-egress");
        assert!(
            f.message.contains("monitoring/prometheus[Deployment]"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("UDP 53") && f.message.contains("TCP 53"),
            "{}",
            f.message
        );
        let yaml = f
            .fix
            .as_ref()
            .and_then(|x| x.yaml.clone())
            .unwrap_or_default();
        assert!(yaml.contains("k8s-app: kube-dns"), "{yaml}");
        assert!(
            yaml.contains("kubernetes.io/metadata.name: kube-system"),
            "{yaml}"
        );
        // The fix parses and, applied, silences the rule.
        let mut text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed-cluster/cluster.yaml"),
        )
        .expect("seed file");
        text.push_str("\n---\n");
        text.push_str(&yaml);
        let fixed = Cluster::build(
            crate::load::load_text("x.yaml", &text),
            &BuildOptions::default(),
        );
        assert!(fixed.unreadable.is_empty(), "{:?}", fixed.unreadable);
        let mut out = Vec::new();
        super::check(&fixed, &mut out);
        assert!(out.is_empty(), "{out:#?}");
    }

    const BASE: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}\nspec:\n  dnsPolicy: Default\n  containers:\n  - name: coredns\n    image: coredns\n    ports:\n    - {name: dns, containerPort: 5353, protocol: UDP}\n    - {name: dns-tcp, containerPort: 5353, protocol: TCP}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec:\n  selector: {k8s-app: kube-dns}\n  ports:\n  - {name: dns, port: 53, protocol: UDP, targetPort: dns}\n  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: cart, namespace: shop, labels: {app: cart}}\nspec:\n  containers: [{name: cart, image: cart}]\n";

    fn egress_policy(port: u16, extra: &str) -> String {
        format!("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: dns, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}\n    ports:\n    - {{protocol: UDP, port: {port}}}\n    - {{protocol: TCP, port: {port}}}\n{extra}")
    }

    fn run(text: &str) -> Vec<crate::Finding> {
        let c = Cluster::build(
            crate::load::load_text("t.yaml", text),
            &BuildOptions::default(),
        );
        assert!(
            c.unreadable.is_empty() && c.invalid.is_empty(),
            "{:?} {:?}",
            c.unreadable,
            c.invalid
        );
        let mut out = Vec::new();
        super::check(&c, &mut out);
        out
    }

    #[test]
    fn egress_is_checked_after_dnat_on_the_dns_pods_target_port() {
        // Allowing the Service port 53 is not enough: CoreDNS listens on 5353.
        let out = run(&format!("{BASE}{}", egress_policy(53, "")));
        assert_eq!(out.len(), 1, "{out:#?}");
        assert!(
            out[0].message.contains("UDP 5353 and TCP 5353"),
            "{}",
            out[0].message
        );
        let yaml = out[0]
            .fix
            .as_ref()
            .and_then(|f| f.yaml.clone())
            .unwrap_or_default();
        assert!(yaml.contains("port: 5353"), "{yaml}");
        assert!(run(&format!("{BASE}{}", egress_policy(5353, ""))).is_empty());
    }

    #[test]
    fn nodelocal_dnscache_address_must_be_allowed_too() {
        let nodelocal = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: node-local-dns-x, namespace: kube-system, labels: {k8s-app: node-local-dns}}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: k8s-dns-node-cache}]\n";
        let out = run(&format!("{BASE}{nodelocal}{}", egress_policy(5353, "")));
        assert_eq!(out.len(), 1, "{out:#?}");
        assert!(
            out[0].message.contains("NodeLocal DNSCache 169.254.20.10"),
            "{}",
            out[0].message
        );
        assert!(
            !out[0].message.contains("to the cluster DNS pods"),
            "{}",
            out[0].message
        );
        let yaml = out[0]
            .fix
            .as_ref()
            .and_then(|f| f.yaml.clone())
            .unwrap_or_default();
        assert!(yaml.contains("cidr: 169.254.20.10/32"), "{yaml}");
        let allow_local = "  - to:\n    - ipBlock: {cidr: 169.254.20.10/32}\n    ports:\n    - {protocol: UDP, port: 53}\n    - {protocol: TCP, port: 53}\n";
        assert!(run(&format!(
            "{BASE}{nodelocal}{}",
            egress_policy(5353, allow_local)
        ))
        .is_empty());
    }

    #[test]
    fn an_admin_deny_of_dns_is_reported_with_its_rule_and_a_pass_is_not() {
        let anp = |action: &str| {
            format!("---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {{name: lockdown}}\nspec:\n  priority: 3\n  subject:\n    namespaces: {{matchLabels: {{kubernetes.io/metadata.name: shop}}}}\n  egress:\n  - name: no-kube-system\n    action: {action}\n    to:\n    - namespaces: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}\n")
        };
        // The NetworkPolicy allows DNS; the admin tier denies it first.
        let out = run(&format!("{BASE}{}{}", egress_policy(5353, ""), anp("Deny")));
        assert_eq!(out.len(), 1, "{out:#?}");
        assert_eq!(out[0].object.kind, "AdminNetworkPolicy");
        assert!(
            out[0].message.contains("denied by AdminNetworkPolicy lockdown (priority 3) egress[0] \"no-kube-system\" (Deny)"),
            "{}",
            out[0].message
        );
        // Without any NetworkPolicy too.
        assert_eq!(run(&format!("{BASE}{}", anp("Deny"))).len(), 1);
        // A Pass hands DNS to the NetworkPolicy, which allows it.
        assert!(run(&format!("{BASE}{}{}", egress_policy(5353, ""), anp("Pass"))).is_empty());
    }

    #[test]
    fn pods_not_using_cluster_dns_are_not_reported() {
        let text = BASE.replace(
            "metadata: {name: cart, namespace: shop, labels: {app: cart}}\nspec:\n",
            "metadata: {name: cart, namespace: shop, labels: {app: cart}}\nspec:\n  dnsPolicy: Default\n",
        );
        let deny = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n";
        assert!(run(&format!("{text}{deny}")).is_empty());
        assert_eq!(run(&format!("{BASE}{deny}")).len(), 1);
    }
}

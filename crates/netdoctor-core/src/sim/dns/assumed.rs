//! Cluster DNS when the input does not show it (unapplied manifests, an export of a few
//! namespaces): every cluster has one, so the kubeadm default is assumed — the Service
//! `kube-system/kube-dns` on 10.96.0.10, CoreDNS pods labelled `k8s-app=kube-dns` listening
//! on UDP and TCP 53, the kubeadm Corefile. This is the one place that assumption is made;
//! `dns check`, `dns resolve`, `trace` and the NetworkPolicy rules all read it from here and
//! say that they rest on it.

use super::cluster_dns::ClusterDns;
use crate::model::{Container, ContainerPort, Labels, Pod, Protocol};
use crate::sim::netpol::{
    policy_id, rule_conns, Direction, Endpoint, Engine, FlowVerdict, RuleMatch, SideVerdict,
    Subject, Verdict,
};

/// The namespace, Service, address and pod label of the assumed cluster DNS (kubeadm's).
pub const ASSUMED_DNS_NAMESPACE: &str = "kube-system";
pub const ASSUMED_DNS_SERVICE: &str = "kube-dns";
pub const ASSUMED_DNS_IP: &str = "10.96.0.10";
pub const ASSUMED_DNS_LABEL: (&str, &str) = ("k8s-app", "kube-dns");

impl ClusterDns {
    /// What is assumed about cluster DNS because the input does not show it, as one
    /// sentence for the output (None: the input shows cluster DNS).
    pub fn assumption(&self) -> Option<String> {
        self.assumed.then(|| {
            format!(
                "the input has no cluster DNS (no kube-dns Service, no CoreDNS pods): the kubeadm default is assumed — Service {ASSUMED_DNS_NAMESPACE}/{ASSUMED_DNS_SERVICE} {ASSUMED_DNS_IP}, pods {}={} on UDP and TCP 53, domain {}, the kubeadm Corefile",
                ASSUMED_DNS_LABEL.0, ASSUMED_DNS_LABEL.1, self.domain
            )
        })
    }
}

/// The labels of the assumed CoreDNS pods.
pub fn assumed_dns_labels() -> Labels {
    [(
        ASSUMED_DNS_LABEL.0.to_string(),
        ASSUMED_DNS_LABEL.1.to_string(),
    )]
    .into()
}

/// A CoreDNS pod as kubeadm deploys it (ports `dns` 53/UDP, `dns-tcp` 53/TCP, `metrics`
/// 9153/TCP), standing for the cluster DNS pods the input does not show.
pub fn assumed_dns_pod() -> Pod {
    let port = |name: &str, port: u16, protocol: Protocol| ContainerPort {
        name: Some(name.to_string()),
        port,
        protocol,
    };
    Pod {
        namespace: ASSUMED_DNS_NAMESPACE.into(),
        name: "coredns (assumed)".into(),
        labels: assumed_dns_labels(),
        annotations: Labels::new(),
        owner: None,
        workload: None,
        derived: true,
        assumed: true,
        node_name: None,
        host_network: false,
        ips: Vec::new(),
        host_ip: None,
        phase: "Running".into(),
        ready: true,
        terminating: false,
        containers: vec![Container {
            name: "coredns".into(),
            ports: vec![
                port("dns", 53, Protocol::Udp),
                port("dns-tcp", 53, Protocol::Tcp),
                port("metrics", 9153, Protocol::Tcp),
            ],
            readiness_probe: None,
            sidecar: false,
        }],
        conditions: Vec::new(),
        container_statuses: Vec::new(),
        init_container_statuses: Vec::new(),
        status_reason: None,
        status_message: None,
        dns_policy: "Default".into(),
        dns_config: None,
        hostname: None,
        subdomain: None,
        set_hostname_as_fqdn: false,
        origin: None,
    }
}

/// Whether NetworkPolicy lets pod `src` send DNS (`proto` 53) to the assumed CoreDNS pods:
/// the source's egress, and the ingress of the DNS pods (policies of the input in
/// kube-system that select `k8s-app=kube-dns`).
pub fn check_to_assumed_dns(engine: &Engine<'_>, src: usize, proto: Protocol) -> Verdict {
    let dns_pod = assumed_dns_pod();
    let default_ns_labels: Labels = [(
        "kubernetes.io/metadata.name".to_string(),
        ASSUMED_DNS_NAMESPACE.to_string(),
    )]
    .into();
    let ns_labels = match engine.cluster.namespace(ASSUMED_DNS_NAMESPACE) {
        Some(n) => &n.labels,
        None => &default_ns_labels,
    };
    let dns_subject = Subject::Pod {
        ns: ASSUMED_DNS_NAMESPACE,
        ns_labels,
        labels: &dns_pod.labels,
        ips: &[],
    };
    let src_pod = &engine.cluster.pods[src];
    let egress = if engine.governed(src_pod) {
        let pols = engine.policies_of_pod(src, Direction::Egress).to_vec();
        side(
            engine,
            &pols,
            Direction::Egress,
            dns_subject,
            &dns_pod,
            proto,
        )
    } else {
        open_side(
            false,
            "egress: hostNetwork pods are not governed by pod policies",
        )
    };
    let ingress_pols: Vec<usize> = engine
        .cluster
        .policies
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.isolates_ingress
                && p.namespace == ASSUMED_DNS_NAMESPACE
                && p.pod_selector.matches(&dns_pod.labels)
        })
        .map(|(i, _)| i)
        .collect();
    let src_subject = engine.subject(Endpoint::Pod(src));
    let ingress = side(
        engine,
        &ingress_pols,
        Direction::Ingress,
        src_subject,
        &dns_pod,
        proto,
    );
    let allowed = egress.allowed && ingress.allowed;
    Verdict {
        allowed,
        // The assumed DNS pod is not in the input, so no policy of another kind can select it.
        verdict: if allowed {
            FlowVerdict::Allowed
        } else {
            FlowVerdict::Denied
        },
        unknown_reasons: Vec::new(),
        port: 53,
        protocol: proto,
        egress,
        ingress,
    }
}

fn open_side(subject: bool, why: &str) -> SideVerdict {
    SideVerdict {
        subject_to_policies: subject,
        isolated: false,
        allowed: true,
        policies: Vec::new(),
        allowed_by: Vec::new(),
        explanation: vec![why.to_string()],
        not_modelled: Vec::new(),
        ..Default::default()
    }
}

/// One side against the assumed DNS pod: the rules of `pols` that admit `peer` on `proto`
/// 53 (named ports resolve against the assumed CoreDNS pod).
fn side(
    engine: &Engine<'_>,
    pols: &[usize],
    dir: Direction,
    peer: Subject<'_>,
    dns_pod: &Pod,
    proto: Protocol,
) -> SideVerdict {
    if pols.is_empty() {
        return open_side(
            true,
            &format!(
                "{}: no NetworkPolicy isolates it: everything allowed",
                dir.as_str()
            ),
        );
    }
    let mut out = open_side(true, "");
    out.explanation.clear();
    out.isolated = true;
    let mut sorted = pols.to_vec();
    sorted.sort_by_key(|&i| policy_id(&engine.cluster.policies[i]));
    for pi in sorted {
        let p = &engine.cluster.policies[pi];
        let id = policy_id(p);
        out.policies.push(id.clone());
        let rules = match dir {
            Direction::Ingress => &p.ingress,
            Direction::Egress => &p.egress,
        };
        for (ri, rule) in rules.iter().enumerate() {
            let peer_hit = if rule.peers.is_empty() {
                Some(None)
            } else {
                rule.peers
                    .iter()
                    .position(|pe| engine.peer_matches(&p.namespace, pe, peer))
                    .map(Some)
            };
            let port_ok = rule_conns(rule, Some(dns_pod)).contains(proto, 53);
            if let (Some(peer), true) = (peer_hit, port_ok) {
                out.allowed_by.push(RuleMatch {
                    policy: id.clone(),
                    rule: ri,
                    peer,
                    port: None,
                });
                out.explanation
                    .push(format!("{id} {} rule {ri} allows {proto} 53", dir.as_str()));
            }
        }
    }
    out.allowed = !out.allowed_by.is_empty();
    if !out.allowed {
        out.explanation.push(format!(
            "{}: no rule of {} allows {proto} 53 to the cluster DNS pods",
            dir.as_str(),
            out.policies.join(", ")
        ));
    }
    out
}

/// Whether NetworkPolicy lets pod `src` send DNS queries (UDP 53, after DNAT on the DNS
/// pods' port) to cluster DNS: to one of its ready pods, or to the assumed CoreDNS pods.
/// `Err` holds the verdict that drops them and the DNS pod it was checked against.
pub fn dns_reachable(
    engine: &Engine<'_>,
    dns: &ClusterDns,
    src: usize,
) -> Result<(), Box<(Verdict, Pod)>> {
    let cluster = engine.cluster;
    if dns.assumed {
        let v = check_to_assumed_dns(engine, src, Protocol::Udp);
        return if v.allowed {
            Ok(())
        } else {
            Err(Box::new((v, assumed_dns_pod())))
        };
    }
    let dns_port = |d: &Pod| {
        d.ports()
            .find(|cp| {
                cp.protocol == Protocol::Udp && (cp.port == 53 || cp.name.as_deref() == Some("dns"))
            })
            .map(|cp| cp.port)
            .unwrap_or(dns.listen_port)
    };
    let mut last = None;
    for d in dns.ready_pods(cluster) {
        let Some(di) = cluster.pod_index(&d.namespace, &d.name) else {
            continue;
        };
        let v = engine.check(
            Endpoint::Pod(src),
            Endpoint::Pod(di),
            dns_port(d),
            Protocol::Udp,
        );
        if v.allowed {
            return Ok(());
        }
        last = Some((v, d.clone()));
    }
    match last {
        Some(blocked) => Err(Box::new(blocked)),
        None => Ok(()),
    }
}

//! The dns hop from a pod: cluster DNS reachable from it, then the query sequence its
//! resolver sends for the name.

use super::fix::allow_flow;
use super::policy_hops::side_detail;
use super::target::{classify_ip, Destination};
use super::{Builder, FindingFix, HopFailure, Source, Target};
use crate::model::{Cluster, Pod, Protocol, Service};
use crate::sim::dns::{self, ClusterDns, Rcode, Request};
use crate::sim::fix::netpol_yaml::PolicyType;
use crate::sim::fix::Fix;
use crate::sim::ingress;
use crate::sim::netpol::Endpoint;
use crate::sim::netpol::Verdict;
use crate::sim::path::Symptom;
use std::net::IpAddr;

/// The dns hop: cluster DNS reachable from the pod, then the query sequence.
pub(super) fn resolve_name<'a>(
    b: &mut Builder<'a>,
    pod: usize,
    target: &Target,
) -> Result<Destination<'a>, HopFailure> {
    let cluster = b.cluster;
    let p = &cluster.pods[pod];
    let dns = ClusterDns::of(cluster);
    let res = dns::resolve(
        cluster,
        &dns,
        p,
        &target.host,
        Request::Type(dns::QType::A),
        b.options.libc,
    );
    let uses_cluster_dns = res
        .resolv_conf
        .nameservers
        .first()
        .is_some_and(|ns| dns.is_cluster_nameserver(ns));
    let queries = res
        .queries
        .iter()
        .map(|q| {
            format!(
                "{} {} → {}{}",
                q.name,
                q.qtype.as_str(),
                q.rcode.as_str(),
                if q.answers.is_empty() {
                    String::new()
                } else {
                    format!(" {}", q.answers.join(","))
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    if uses_cluster_dns {
        if let Some(failure) = dns_unreachable(b, pod, &dns) {
            return Err(failure);
        }
    }
    match res.result.rcode {
        Rcode::NxDomain | Rcode::ServFail if res.result.answers.is_empty() => {
            let suggestion = fqdn_suggestion(cluster, p, &target.host);
            let mut fix = Fix::new(match &suggestion {
                Some(s) => format!("Use the name that exists: {s}"),
                None => format!(
                    "No Service named {:?} exists in any namespace: check the name, or create the Service",
                    target.host.split('.').next().unwrap_or(&target.host)
                ),
            });
            if let Some(s) = &suggestion {
                fix = fix.command(format!(
                    "kubectl exec -n {} {} -- nslookup {s}",
                    p.namespace, p.name
                ));
            } else {
                fix = fix.command("kubectl get services -A".to_string());
            }
            let detail = format!(
                "{} does not resolve from {}/{} ({} quer{} sent: {queries})",
                target.host,
                p.namespace,
                p.name,
                res.queries.len(),
                if res.queries.len() == 1 { "y" } else { "ies" }
            );
            Err(("dns", detail, Symptom::Nxdomain, Some(fix)))
        }
        Rcode::Forwarded => {
            b.pass(
                "dns",
                format!("{} is outside the cluster domain: cluster DNS forwards it upstream ({queries})", target.host),
            );
            Ok(Destination::External(None))
        }
        _ => {
            let ip = res
                .result
                .answers
                .iter()
                .find_map(|a| a.trim_end_matches('.').parse::<IpAddr>().ok());
            let wasted = if res.wasted > 0 {
                format!(
                    " ({} wasted quer{} on the search path)",
                    res.wasted,
                    if res.wasted == 1 { "y" } else { "ies" }
                )
            } else {
                String::new()
            };
            match ip {
                Some(ip) => {
                    b.pass(
                        "dns",
                        format!(
                            "{} → {}{wasted}: {queries}",
                            target.host,
                            res.result.answers.join(", ")
                        ),
                    );
                    Ok(classify_ip(cluster, ip))
                }
                None => {
                    // A CNAME to a name outside the cluster (ExternalName).
                    b.pass(
                        "dns",
                        format!(
                            "{} → {} (alias resolved upstream){wasted}",
                            target.host,
                            res.result.answers.join(", ")
                        ),
                    );
                    Ok(Destination::External(None))
                }
            }
        }
    }
}

/// Cluster DNS down, its Service missing, or the pod's egress policy dropping DNS: lookups
/// time out.
fn dns_unreachable(b: &mut Builder<'_>, pod: usize, dns: &ClusterDns) -> Option<HopFailure> {
    let cluster = b.cluster;
    let p = &cluster.pods[pod];
    if dns.service.is_none() && ingress::input_covers_cluster(cluster) {
        return Some((
            "dns",
            "the cluster DNS Service (kube-system/kube-dns) does not exist: queries to the nameserver in resolv.conf go nowhere".into(),
            Symptom::DnsTimeout,
            Some(Fix::new("Restore the kube-dns Service in kube-system").command("kubectl -n kube-system get service kube-dns")),
        ));
    }
    let ready = dns.ready_pods(cluster);
    if ready.is_empty() && (!dns.pods.is_empty() || ingress::input_covers_cluster(cluster)) {
        let (ns, name) = dns
            .service
            .clone()
            .unwrap_or_else(|| ("kube-system".into(), "kube-dns".into()));
        b.want_findings(
            &[
                ("Service", &ns, &name),
                ("Deployment", "kube-system", "coredns"),
            ],
            &["DNS001", "DNS002"],
        );
        return Some((
            "dns",
            format!(
                "no cluster DNS pod is ready ({} found): every lookup times out",
                dns.pods.len()
            ),
            Symptom::DnsTimeout,
            Some(
                Fix::new("Get CoreDNS running again")
                    .command("kubectl -n kube-system get pods -l k8s-app=kube-dns")
                    .command("kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50")
                    .command("kubectl -n kube-system rollout restart deployment/coredns"),
            ),
        ));
    }
    if p.host_network || ready.is_empty() {
        return None;
    }
    // DNS goes to the DNS pods after DNAT: the pod's egress must allow UDP 53 to one of them.
    let dns_port = |d: &Pod, proto: Protocol| {
        d.ports()
            .find(|cp| cp.protocol == proto && (cp.port == 53 || cp.name.as_deref() == Some("dns")))
            .map(|cp| cp.port)
            .unwrap_or(53)
    };
    let mut last: Option<Verdict> = None;
    for d in &ready {
        let Some(di) = cluster.pod_index(&d.namespace, &d.name) else {
            continue;
        };
        let v = b.engine.check(
            Endpoint::Pod(pod),
            Endpoint::Pod(di),
            dns_port(d, Protocol::Udp),
            Protocol::Udp,
        );
        if v.allowed {
            return None;
        }
        last = Some(v);
    }
    let v = last?;
    let side = if v.egress.allowed {
        "ingress"
    } else {
        "egress"
    };
    b.want_findings(
        &v.egress
            .policies
            .iter()
            .filter_map(|id| id.split_once('/'))
            .map(|(ns, n)| ("NetworkPolicy", ns, n))
            .collect::<Vec<_>>(),
        &["NP001"],
    );
    let detail = format!(
        "{}/{} cannot reach cluster DNS: {}",
        p.namespace,
        p.name,
        side_detail(side, &v, &p.name)
    );
    // NP001 knows every DNS destination the policy should admit: its fix, when it finds one.
    b.trace.evidence.fix_from = Some(FindingFix::FirstOf("NP001"));
    let dns_pod = &ready[0];
    let fix = allow_flow(
        cluster,
        Source::Pod(pod),
        dns_pod,
        PolicyType::Egress,
        53,
        Protocol::Udp,
    );
    Some(("dns", detail, Symptom::DnsTimeout, Some(fix)))
}

/// For a short name that exists as a Service in other namespaces: the FQDN to use instead.
fn fqdn_suggestion(cluster: &Cluster, p: &Pod, host: &str) -> Option<String> {
    let first = host.trim_end_matches('.').split('.').next()?;
    let mut in_other: Vec<&Service> = cluster
        .services
        .iter()
        .filter(|s| s.name == first && s.namespace != p.namespace)
        .collect();
    in_other.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    let s = in_other.first()?;
    Some(format!(
        "{}.{}.svc.{}",
        s.name, s.namespace, cluster.cluster_domain
    ))
}

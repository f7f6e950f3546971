//! The dns hop from a pod: cluster DNS reachable from it, then the query sequence its
//! resolver sends for the name.

use super::fix::allow_flow;
use super::policy_hops::side_detail;
use super::target::{classify_ip, Destination};
use super::{Builder, FindingFix, HopFailure, Source, Target};
use crate::model::{Pod, Protocol};
use crate::sim::dns::{self, ClusterDns, Rcode, Request};
use crate::sim::fix::netpol_yaml::PolicyType;
use crate::sim::fix::Fix;
use crate::sim::ingress;
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
    let queries = queries_summary(&res);
    if uses_cluster_dns {
        if let Some(a) = dns.assumption() {
            b.trace.notes.push(a);
        }
        if let Some(failure) = dns_unreachable(b, pod, &dns) {
            return Err(failure);
        }
    }
    if res.result.timeout {
        // The nameserver never answers (its Service has no ready endpoint): a timeout, not
        // an answer about the name.
        return Err(dns_down(
            b,
            &dns,
            &format!("queries for {} get no reply ({queries})", target.host),
        ));
    }
    for a in &res.assumptions {
        if !b.trace.notes.contains(a) {
            b.trace.notes.push(a.clone());
        }
    }
    match res.result.rcode {
        Rcode::NxDomain | Rcode::ServFail if res.result.answers.is_empty() => {
            let suggestion = dns::name_suggestion(cluster, &p.namespace, &target.host);
            let mut fix = Fix::new(match &suggestion {
                Some(s) => format!("Use the name that exists (did you mean {s}?)"),
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
            let unborn: Vec<usize> = res
                .result
                .answers
                .iter()
                .filter_map(|a| dns::unknown_address_pod(a))
                .filter_map(|(ns, name)| cluster.pod_index(ns, name))
                .collect();
            if ip.is_none() && !unborn.is_empty() {
                b.pass(
                    "dns",
                    format!(
                        "{} → the address of {} (not created yet: assigned when it starts){wasted}: {queries}",
                        target.host,
                        res.result.answers.join(", ")
                    ),
                );
                return Ok(Destination::Pods(unborn, None));
            }
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

/// The queries sent and their answers, on one line.
fn queries_summary(res: &dns::Resolution) -> String {
    res.queries
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
        .join("; ")
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
    let no_endpoint = dns.service_ready_endpoints(cluster) == Some(0);
    if (ready.is_empty() && (!dns.pods.is_empty() || ingress::input_covers_cluster(cluster)))
        || no_endpoint
    {
        let why = format!(
            "no cluster DNS pod is ready ({} found){}: every lookup times out",
            dns.pods.len(),
            if no_endpoint {
                ", the kube-dns Service has no ready endpoint"
            } else {
                ""
            }
        );
        return Some(dns_down(b, dns, &why));
    }
    if p.host_network {
        return None;
    }
    match dns::dns_reachable(&b.engine, dns, pod) {
        Ok(()) => None,
        Err(blocked) => {
            let (v, dns_pod) = *blocked;
            Some(dns_blocked(b, pod, v, &dns_pod))
        }
    }
}

/// Cluster DNS does not answer (no ready CoreDNS pod, its Service without endpoints): queries
/// to its ClusterIP get no reply and every lookup times out. The fix restores CoreDNS.
fn dns_down(b: &mut Builder<'_>, dns: &ClusterDns, why: &str) -> HopFailure {
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
    (
        "dns",
        format!("cluster DNS ({ns}/{name}) does not answer: {why}"),
        Symptom::DnsTimeout,
        Some(
            Fix::new("Get CoreDNS running again (scale it up, or fix its pods)")
                .command("kubectl -n kube-system scale deployment/coredns --replicas=2")
                .command("kubectl -n kube-system get pods -l k8s-app=kube-dns")
                .command("kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50"),
        ),
    )
}

/// The pod's egress (or the DNS pods' ingress) drops its DNS queries: they time out.
fn dns_blocked(b: &mut Builder<'_>, pod: usize, v: Verdict, dns_pod: &Pod) -> HopFailure {
    let cluster = b.cluster;
    let p = &cluster.pods[pod];
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
    let fix = allow_flow(
        cluster,
        Source::Pod(pod),
        dns_pod,
        PolicyType::Egress,
        53,
        Protocol::Udp,
    );
    ("dns", detail, Symptom::DnsTimeout, Some(fix))
}

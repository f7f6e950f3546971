//! What CoreDNS's `kubernetes` plugin answers for a name inside one of its zones, per the
//! Kubernetes DNS-Based Service Discovery specification: reverse names, `dns-version`, pod
//! records, and the records of ExternalName, headless and ClusterIP Services.

use super::endpoints::{endpoint_hostname, service_endpoints, unknown_address, DnsEndpoint};
use super::records::{reverse_to_ip, Answer, QType, Rcode};
use super::DNS_SCHEMA_VERSION;
use crate::load::corefile::{fqdn, in_zone, KubernetesPlugin, PodMode};
use crate::model::{Cluster, Service, ServiceType};
use std::net::IpAddr;

/// A forward name of the schema, split: `[ENDPOINT.|_PORT._PROTO.]FIRST.NS.KIND.zone`.
struct SchemaName<'a> {
    /// `svc` or `pod`.
    kind: &'a str,
    ns: &'a str,
    /// The Service name, or the dashed address of a pod record.
    first: &'a str,
    endpoint: &'a str,
    port: &'a str,
    proto: &'a str,
}

/// The `kubernetes` plugin's answer for a name inside one of its zones.
pub(super) fn kubernetes_answer(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    zone: &str,
    name: &str,
    qtype: QType,
    depth: usize,
) -> Answer {
    if zone.ends_with(".arpa.") {
        let primary = k
            .zones
            .iter()
            .find(|z| !z.ends_with(".arpa."))
            .cloned()
            .unwrap_or_else(|| zone.to_string());
        return reverse_answer(cluster, k, &primary, name, qtype);
    }
    let base = name.strip_suffix(zone).unwrap_or("").trim_end_matches('.');
    if base == "dns-version" {
        return dns_version_answer(qtype);
    }
    let n = match schema_name(cluster, k, zone, name, base) {
        Ok(n) => n,
        Err(answer) => return answer,
    };
    if n.kind == "pod" {
        return pod_answer(cluster, k, &n, qtype);
    }
    let Some(svc) = cluster.service(n.ns, n.first) else {
        return Answer::nx(format!("no Service {} in namespace {}", n.first, n.ns));
    };
    if svc.type_ == ServiceType::ExternalName {
        return external_name_answer(cluster, k, zone, svc, &n, qtype, depth);
    }
    let svc_name = format!("{}.{}.svc.{zone}", svc.name, svc.namespace);
    if svc.headless || !n.endpoint.is_empty() {
        return endpoint_answer(cluster, k, svc, &svc_name, &n, qtype);
    }
    cluster_ip_answer(cluster, k, svc, &svc_name, &n, qtype)
}

/// A PTR question: the Service whose ClusterIP it is, else the ready endpoints with it.
fn reverse_answer(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    primary: &str,
    name: &str,
    qtype: QType,
) -> Answer {
    let Some(ip) = reverse_to_ip(name) else {
        return Answer::nx(format!("{name} is not a complete reverse name"));
    };
    let names = match cluster.service_by_cluster_ip(ip) {
        Some(s) => vec![format!("{}.{}.svc.{primary}", s.name, s.namespace)],
        None => endpoint_names_with(cluster, k, primary, ip),
    };
    if names.is_empty() {
        return Answer::nx(format!(
            "no Service ClusterIP or ready endpoint has the address {ip}"
        ));
    }
    if qtype == QType::Ptr {
        let note = format!(
            "{ip} belongs to {}",
            names_join(&cluster_objects_for(&names))
        );
        Answer::records(names, note)
    } else {
        Answer::nodata(format!("{name} exists only as a PTR record"))
    }
}

/// The names of the ready endpoints that have the address `ip`.
fn endpoint_names_with(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    primary: &str,
    ip: IpAddr,
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for slice in &cluster.endpoint_slices {
        let Some(svc) = slice.service.as_deref() else {
            continue;
        };
        for ep in &slice.endpoints {
            if !ep.ready
                || !ep
                    .addresses
                    .iter()
                    .any(|a| a.parse::<IpAddr>().ok() == Some(ip))
            {
                continue;
            }
            let h = endpoint_hostname(
                ep.hostname.as_deref(),
                ep.pod.as_ref().map(|(_, n)| n.as_str()),
                ip,
                k.endpoint_pod_names,
            );
            let n = format!("{h}.{svc}.{}.svc.{primary}", slice.namespace);
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

fn dns_version_answer(qtype: QType) -> Answer {
    if qtype == QType::Txt {
        Answer::records(
            vec![format!("\"{DNS_SCHEMA_VERSION}\"")],
            "the schema version of the Kubernetes DNS specification",
        )
    } else {
        Answer::nx("dns-version only has a TXT record")
    }
}

/// Splits a forward name by the schema; a name that does not fit it, or names a namespace
/// that is not exposed, is answered right away.
fn schema_name<'a>(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    zone: &str,
    name: &str,
    base: &'a str,
) -> Result<SchemaName<'a>, Answer> {
    let segs: Vec<&str> = if base.is_empty() {
        Vec::new()
    } else {
        base.split('.').collect()
    };
    let Some((&kind, rest)) = segs.split_last() else {
        return Err(Answer::nodata(format!(
            "{zone} is the zone apex (SOA and NS only)"
        )));
    };
    if kind != "svc" && kind != "pod" {
        return Err(Answer::nx(format!(
            "{name}: names in {zone} are <service>.<namespace>.svc or <ip>.<namespace>.pod"
        )));
    }
    let Some((&ns, rest)) = rest.split_last() else {
        return Err(Answer::nodata(format!(
            "{name} has names below it but no records"
        )));
    };
    if !namespace_exposed(cluster, k, ns) {
        return Err(Answer::nx(namespace_not_exposed(k, ns)));
    }
    let Some((&first, rest)) = rest.split_last() else {
        return Err(Answer::nodata(format!(
            "namespace {ns} exists; {name} itself has no records"
        )));
    };
    let (endpoint, port, proto) = match rest {
        [] => ("", "", ""),
        [e] => (*e, "", ""),
        [p, pr] => ("", p.trim_start_matches('_'), pr.trim_start_matches('_')),
        _ => {
            return Err(Answer::nx(format!(
                "{name} has too many labels for the Kubernetes DNS schema"
            )))
        }
    };
    Ok(SchemaName {
        kind,
        ns,
        first,
        endpoint,
        port,
        proto,
    })
}

fn namespace_exposed(cluster: &Cluster, k: &KubernetesPlugin, ns: &str) -> bool {
    (k.namespaces.is_empty() || k.namespaces.iter().any(|n| n == ns))
        && cluster.namespace(ns).is_some()
}

fn namespace_not_exposed(k: &KubernetesPlugin, ns: &str) -> String {
    if k.namespaces.is_empty() || k.namespaces.iter().any(|n| n == ns) {
        format!("namespace {ns} does not exist")
    } else {
        format!(
            "namespace {ns} is not exposed (kubernetes plugin: namespaces {})",
            k.namespaces.join(" ")
        )
    }
}

/// `<dashed-ip>.<ns>.pod.<zone>`, as `pods insecure|verified` allows.
fn pod_answer(cluster: &Cluster, k: &KubernetesPlugin, n: &SchemaName, qtype: QType) -> Answer {
    let (first, ns) = (n.first, n.ns);
    if k.pods == PodMode::Disabled {
        return Answer::nx(
            "pod records are disabled (the kubernetes plugin has no `pods insecure|verified`)",
        );
    }
    let ip_text = if first.matches('-').count() == 3 && !first.contains("--") {
        first.replace('-', ".")
    } else {
        first.replace('-', ":")
    };
    let Ok(ip) = ip_text.parse::<IpAddr>() else {
        return Answer::nx(format!("{first} is not a dashed IP address"));
    };
    if k.pods == PodMode::Verified && !cluster.pods_by_ip(ip).any(|p| p.namespace == ns) {
        return Answer::nx(format!("pods verified: no pod in {ns} has the IP {ip}"));
    }
    let a = family_filter(std::iter::once(ip), qtype);
    if a.is_empty() {
        Answer::nodata(format!("pod record {ip} has no {} record", qtype.as_str()))
    } else {
        Answer::records(a, format!("pod record (pods {})", k.pods.as_str()))
    }
}

/// An ExternalName Service: a CNAME to its target, followed inside the cluster zone.
fn external_name_answer(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    zone: &str,
    svc: &Service,
    n: &SchemaName,
    qtype: QType,
    depth: usize,
) -> Answer {
    let (first, ns) = (n.first, n.ns);
    let Some(target) = svc.external_name.as_deref().filter(|t| !t.is_empty()) else {
        return Answer::nx(format!(
            "ExternalName Service {ns}/{first} has no externalName"
        ));
    };
    if !n.endpoint.is_empty() {
        return Answer::nx("an ExternalName Service has no endpoints");
    }
    let target = fqdn(target);
    match qtype {
        QType::Cname => Answer::records(vec![target.clone()], format!("ExternalName Service {ns}/{first}")),
        QType::A | QType::Aaaa if in_zone(&target, zone) && depth < 8 => {
            let next = kubernetes_answer(cluster, k, zone, &target, qtype, depth + 1);
            if next.rcode == Rcode::NoError && !next.answers.is_empty() {
                let mut a = vec![target.clone()];
                a.extend(next.answers);
                Answer::records(a, format!("ExternalName Service {ns}/{first}: CNAME {target}, resolved inside the cluster zone"))
            } else {
                Answer::nodata(format!(
                    "ExternalName Service {ns}/{first} points to {target}, which has no {} record ({}); CoreDNS drops the CNAME and answers with no records",
                    qtype.as_str(),
                    next.note.unwrap_or_else(|| next.rcode.as_str().to_string())
                ))
            }
        }
        QType::A | QType::Aaaa => Answer::records(
            vec![target.clone()],
            format!("ExternalName Service {ns}/{first}: CNAME {target}; CoreDNS resolves the target through its upstream (FORWARDED)"),
        ),
        _ => Answer::nodata(format!("ExternalName Service {ns}/{first} only has a CNAME")),
    }
}

/// A headless Service, or one endpoint of any Service: the ready endpoints' addresses, and
/// SRV records for their ports.
fn endpoint_answer(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    svc: &Service,
    svc_name: &str,
    n: &SchemaName,
    qtype: QType,
) -> Answer {
    let (first, ns, endpoint, port, proto) = (n.first, n.ns, n.endpoint, n.port, n.proto);
    let eps = service_endpoints(cluster, svc, k.endpoint_pod_names);
    let mut addrs = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut srv = Vec::new();
    for ep in &eps {
        if !endpoint.is_empty() && !ep.hostname.eq_ignore_ascii_case(endpoint) {
            continue;
        }
        if ep.ports.is_empty() {
            if port.is_empty() && proto.is_empty() {
                push_address(ep, &mut addrs, &mut unknown);
            }
            continue;
        }
        for (pn, pnum, pp) in &ep.ports {
            if matches_port(port, pn) && matches_port(proto, pp) {
                push_address(ep, &mut addrs, &mut unknown);
                srv.push((*pnum, format!("{}.{svc_name}", ep.hostname)));
            }
        }
    }
    if addrs.is_empty() && unknown.is_empty() {
        return Answer::nx(if !endpoint.is_empty() {
            format!("Service {ns}/{first} has no ready endpoint with hostname {endpoint}")
        } else if !port.is_empty() {
            format!("headless Service {ns}/{first} has no ready endpoint with port {port}/{proto}")
        } else {
            format!("headless Service {ns}/{first} has no ready endpoints")
        });
    }
    let what = if endpoint.is_empty() {
        format!(
            "headless Service {ns}/{first}: {} ready endpoint(s)",
            eps.len()
        )
    } else {
        format!("endpoint {endpoint} of Service {ns}/{first}")
    };
    match qtype {
        QType::A | QType::Aaaa => {
            let mut a = family_filter(addrs.into_iter(), qtype);
            // Pods not created yet: kubeadm clusters are single-stack IPv4.
            if qtype == QType::A && !unknown.is_empty() {
                a.extend(unknown);
                return Answer::records(
                    a,
                    format!("{what} (pods not created yet: the record holds the address each gets when it starts)"),
                );
            }
            if a.is_empty() {
                Answer::nodata(format!("{what}; none has an {} address", qtype.as_str()))
            } else {
                Answer::records(a, what)
            }
        }
        QType::Srv if !srv.is_empty() => Answer::records(srv_answers(srv), what),
        _ => Answer::nodata(format!("{what}; no {} record", qtype.as_str())),
    }
}

/// The endpoint's address, or the stand-in for a pod not created yet.
fn push_address(ep: &DnsEndpoint, addrs: &mut Vec<IpAddr>, unknown: &mut Vec<String>) {
    match (ep.ip, &ep.pod) {
        (Some(ip), _) => addrs.push(ip),
        (None, Some(pod)) => {
            let a = unknown_address(pod);
            if !unknown.contains(&a) {
                unknown.push(a);
            }
        }
        (None, None) => {}
    }
}

/// A ClusterIP Service (also NodePort, LoadBalancer): its ClusterIPs, SRV for its ports.
fn cluster_ip_answer(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    svc: &Service,
    svc_name: &str,
    n: &SchemaName,
    qtype: QType,
) -> Answer {
    let (first, ns, port, proto) = (n.first, n.ns, n.port, n.proto);
    let ports: Vec<_> = svc
        .ports
        .iter()
        .filter(|p| {
            matches_port(port, p.name.as_deref().unwrap_or(""))
                && matches_port(proto, p.protocol.as_str())
        })
        .collect();
    if ports.is_empty() {
        return Answer::nx(format!(
            "Service {ns}/{first} has no port named {port} with protocol {proto}"
        ));
    }
    let eps = service_endpoints(cluster, svc, k.endpoint_pod_names);
    if k.ignore_empty_service && eps.is_empty() {
        return Answer::nx(format!("Service {ns}/{first} has no ready endpoints and the kubernetes plugin has `ignore empty_service`"));
    }
    let mut what = if eps.is_empty() {
        format!(
            "ClusterIP of Service {ns}/{first} (it has no ready endpoints: connections to it fail)"
        )
    } else {
        format!("ClusterIP of Service {ns}/{first}")
    };
    if svc
        .cluster_ips
        .iter()
        .any(|ip| crate::model::is_placeholder_cluster_ip(*ip))
    {
        what.push_str(" (a placeholder: no clusterIP in the input)");
    }
    match qtype {
        QType::A | QType::Aaaa => {
            let a = family_filter(svc.cluster_ips.iter().copied(), qtype);
            if a.is_empty() {
                Answer::nodata(format!(
                    "Service {ns}/{first} has no {} ClusterIP",
                    if qtype == QType::A { "IPv4" } else { "IPv6" }
                ))
            } else {
                Answer::records(a, what)
            }
        }
        QType::Srv => {
            let mut t = Vec::new();
            for p in &ports {
                for _ in &svc.cluster_ips {
                    t.push((p.port, svc_name.to_string()));
                }
            }
            Answer::records(srv_answers(t), format!("port(s) of Service {ns}/{first}"))
        }
        _ => Answer::nodata(format!(
            "Service {ns}/{first} has no {} record",
            qtype.as_str()
        )),
    }
}

/// The addresses of the asked family (A: IPv4, AAAA: IPv6), without repeats.
pub(super) fn family_filter(ips: impl Iterator<Item = IpAddr>, qtype: QType) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ip in ips {
        let keep = match qtype {
            QType::A => ip.is_ipv4(),
            QType::Aaaa => ip.is_ipv6(),
            _ => false,
        };
        let s = ip.to_string();
        if keep && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn matches_port(want: &str, have: &str) -> bool {
    want.is_empty() || want.eq_ignore_ascii_case(have)
}

fn srv_answers(targets: Vec<(u16, String)>) -> Vec<String> {
    let n = targets.len().max(1);
    let weight = 100 / n;
    let mut out: Vec<String> = Vec::new();
    for (port, target) in targets {
        let s = format!("0 {weight} {port} {target}");
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn cluster_objects_for(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| n.trim_end_matches('.').to_string())
        .collect()
}

fn names_join(v: &[String]) -> String {
    v.join(", ")
}

//! `trace`: the whole path from a pod (or an address outside the cluster) to a target, hop by
//! hop, as the guide's service-discovery diagram draws it:
//!
//! ```text
//! pod → DNS (search path, cluster DNS reachable?) → Service IP → Service port → kube-proxy
//!     → endpoints → egress policy of the source → ingress policy of the backend → target port
//! internet → Ingress class/controller → rule → backend Service → endpoints
//!     → policies between the controller pods and the backend → target port
//! ```
//!
//! The first hop that fails decides the symptom the client sees, with the guide's failure
//! table as the vocabulary: `nxdomain`, `dns-timeout`, `connection-refused` (kube-proxy
//! rejects traffic to a Service without ready endpoints), `connection-timeout` (a
//! NetworkPolicy drops it; a port the Service does not have), `http-5xx` through an Ingress.
//! The fix is the smallest change that makes that hop pass.

use super::dns::{self, ClusterDns, Libc, Rcode, Request};
use super::ingress::{self, RouteOptions, RouteRequest};
use super::netpol::{Endpoint, Engine, Verdict};
use super::path::{Hop, HopStatus, Symptom};
use super::service;
use crate::finding::Finding;
use crate::model::{Cluster, Labels, Pod, PortRef, Protocol, Service, ServiceType};
use crate::rules::{self, RunOptions};
use crate::sim::fix::Fix;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Where the traffic starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An index into `Cluster::pods`.
    Pod(usize),
    /// An address outside the cluster (a client on the internet, a VM).
    External(IpAddr),
}

/// What the client connects to: a URL or `HOST:PORT`, as it would type it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub raw: String,
    /// `http`/`https` for a URL.
    pub scheme: Option<String>,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Target {
    /// Parses `http(s)://host[:port]/path` or `host:port` (`[v6]:port` for IPv6).
    pub fn parse(s: &str) -> Result<Target, String> {
        let s = s.trim();
        if s.contains("://") {
            let r = RouteRequest::parse(s)?;
            return Ok(Target {
                raw: s.to_string(),
                scheme: Some(r.scheme),
                host: r.host,
                port: r.port,
                path: r.path,
            });
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, p) = rest
                .split_once("]:")
                .ok_or_else(|| format!("{s:?}: expected [IPv6]:PORT"))?;
            (h.to_string(), p)
        } else {
            let (h, p) = s
                .rsplit_once(':')
                .ok_or_else(|| format!("{s:?}: expected a URL (http://host/path) or HOST:PORT"))?;
            (h.to_string(), p)
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| format!("{s:?}: {port:?} is not a port number (1-65535)"))?;
        if host.is_empty() {
            return Err(format!("{s:?} has no host"));
        }
        Ok(Target {
            raw: s.to_string(),
            scheme: None,
            host: host.trim_end_matches('.').to_string()
                + if host.ends_with('.') { "." } else { "" },
            port,
            path: "/".into(),
        })
    }

    fn ip(&self) -> Option<IpAddr> {
        self.host.trim_end_matches('.').parse().ok()
    }
}

#[derive(Debug, Clone)]
pub struct TraceOptions {
    pub protocol: Protocol,
    pub libc: Libc,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            protocol: Protocol::Tcp,
            libc: Libc::Glibc,
        }
    }
}

/// A backend whose verdict differs from the others (intermittent failures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendOutcome {
    pub pod: String,
    pub ip: Option<String>,
    pub port: u16,
    pub reachable: bool,
    pub detail: String,
}

/// The answer of `trace` (INTERFACE.md).
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub from: String,
    pub to: String,
    pub reachable: bool,
    pub symptom: Symptom,
    pub hops: Vec<Hop>,
    pub findings: Vec<Finding>,
    /// Some backends reachable and others not: the client fails some of the time.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub intermittent: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<BackendOutcome>,
    /// The smallest change that makes the first failing hop pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Trace {
    pub fn failing_hop(&self) -> Option<&Hop> {
        self.hops.iter().find(|h| h.status == HopStatus::Fail)
    }
}

fn hop(step: &'static str, status: HopStatus, detail: impl Into<String>) -> Hop {
    Hop {
        step,
        status,
        detail: detail.into(),
    }
}

/// Accumulates hops; the first failure fixes the symptom and the fix.
struct Builder<'a> {
    cluster: &'a Cluster,
    engine: Engine<'a>,
    options: TraceOptions,
    trace: Trace,
}

impl<'a> Builder<'a> {
    fn pass(&mut self, step: &'static str, detail: impl Into<String>) {
        self.trace.hops.push(hop(step, HopStatus::Pass, detail));
    }
    fn warn(&mut self, step: &'static str, detail: impl Into<String>) {
        self.trace.hops.push(hop(step, HopStatus::Warn, detail));
    }
    fn skip(&mut self, step: &'static str, detail: impl Into<String>) {
        self.trace.hops.push(hop(step, HopStatus::Skip, detail));
    }
    /// A failing hop: ends the trace with this symptom and fix.
    fn fail(
        mut self,
        step: &'static str,
        detail: impl Into<String>,
        symptom: Symptom,
        fix: Option<Fix>,
    ) -> Trace {
        self.trace.hops.push(hop(step, HopStatus::Fail, detail));
        self.trace.reachable = false;
        self.trace.symptom = symptom;
        self.trace.fix = fix;
        self.trace
    }
    fn ok(mut self) -> Trace {
        self.trace.reachable = true;
        self.trace.symptom = Symptom::Ok;
        self.trace
    }
    /// Findings of these rule codes about these objects, as evidence.
    fn add_findings(&mut self, objects: &[(&str, &str, &str)], codes: &[&str]) {
        let found = rules::run(
            self.cluster,
            &RunOptions {
                namespaces: Vec::new(),
                only: codes.iter().map(|c| c.to_string()).collect(),
            },
        );
        for f in found {
            let about = objects.iter().any(|(kind, ns, name)| {
                f.object.kind == *kind
                    && f.object.namespace.as_deref() == Some(*ns)
                    && f.object.name == *name
            });
            if about && !self.trace.findings.contains(&f) {
                self.trace.findings.push(f);
            }
        }
    }
}

/// Traces `source` → `target`.
pub fn trace(cluster: &Cluster, source: Source, target: &Target, options: &TraceOptions) -> Trace {
    let from = match source {
        Source::Pod(i) => service::pod_display(&cluster.pods[i]),
        Source::External(ip) => ip.to_string(),
    };
    let b = Builder {
        cluster,
        engine: Engine::new(cluster),
        options: options.clone(),
        trace: Trace {
            from,
            to: target.raw.clone(),
            reachable: false,
            symptom: Symptom::Ok,
            hops: Vec::new(),
            findings: Vec::new(),
            intermittent: false,
            backends: Vec::new(),
            fix: None,
            notes: Vec::new(),
        },
    };
    match source {
        Source::Pod(pod) => from_pod(b, pod, target),
        Source::External(ip) => from_outside(b, ip, target),
    }
}

// ---------------------------------------------------------------------------------------------
// From a pod

/// Where the name led.
enum Destination<'a> {
    Service(&'a Service, IpAddr),
    Pods(Vec<usize>, IpAddr),
    External(Option<IpAddr>),
}

fn from_pod(mut b: Builder<'_>, pod: usize, target: &Target) -> Trace {
    let cluster = b.cluster;
    let p = &cluster.pods[pod];
    let dst = match target.ip() {
        Some(ip) => {
            b.skip("dns", format!("{ip} is an address: no lookup"));
            classify_ip(cluster, ip)
        }
        None => match resolve_name(&mut b, pod, target) {
            Ok(d) => d,
            Err((step, detail, symptom, fix)) => return b.fail(step, detail, symptom, fix),
        },
    };
    match dst {
        Destination::Service(svc, ip) => to_service(b, pod, svc, ip, target),
        Destination::Pods(pods, ip) => {
            b.skip(
                "service",
                format!("{ip} is a pod address (a headless Service or a pod IP): no kube-proxy, no Service port"),
            );
            to_pods(b, Source::Pod(pod), &pods, target.port, None)
        }
        Destination::External(ip) => {
            b.skip("service", "the destination is outside the cluster");
            let proto = b.options.protocol;
            match ip {
                Some(ip) => {
                    let v =
                        b.engine
                            .check(Endpoint::Pod(pod), Endpoint::Ip(ip), target.port, proto);
                    if !v.egress.allowed {
                        let fix = egress_fix_to_ip(cluster, p, ip, target.port, proto);
                        let detail = side_detail("egress", &v, &p.name);
                        return b.fail(
                            "egress-policy",
                            detail,
                            Symptom::ConnectionTimeout,
                            Some(fix),
                        );
                    }
                    let d = side_detail("egress", &v, &p.name);
                    b.pass("egress-policy", d);
                    b.skip(
                        "ingress-policy",
                        "outside the cluster: no NetworkPolicy applies",
                    );
                    b.ok()
                }
                None => {
                    if b.engine.isolated(pod, super::netpol::Direction::Egress) {
                        b.warn(
                            "egress-policy",
                            format!(
                                "{} is egress-isolated by {}; whether an ipBlock rule admits the address upstream DNS returns cannot be known from the snapshot",
                                p.name,
                                b.engine
                                    .policies_of_pod(pod, super::netpol::Direction::Egress)
                                    .iter()
                                    .map(|&i| super::netpol::policy_id(&cluster.policies[i]))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    } else {
                        b.pass(
                            "egress-policy",
                            format!("{} is not egress-isolated", p.name),
                        );
                    }
                    b.skip(
                        "ingress-policy",
                        "outside the cluster: no NetworkPolicy applies",
                    );
                    b.trace
                        .notes
                        .push("the name is resolved by upstream DNS: the path beyond the cluster is not modelled".into());
                    b.ok()
                }
            }
        }
    }
}

type HopFailure = (&'static str, String, Symptom, Option<Fix>);

/// The dns hop: cluster DNS reachable from the pod, then the query sequence.
fn resolve_name<'a>(
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
        b.add_findings(
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
    b.add_findings(
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
    let fix = b
        .trace
        .findings
        .iter()
        .find(|f| f.code == "NP001")
        .and_then(|f| f.fix.clone())
        .or_else(|| {
            let dns_pod = &ready[0];
            Some(allow_policy(
                cluster,
                Direction::Egress,
                p,
                Some(dns_pod),
                None,
                53,
                Protocol::Udp,
            ))
        });
    Some(("dns", detail, Symptom::DnsTimeout, fix))
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

fn classify_ip(cluster: &Cluster, ip: IpAddr) -> Destination<'_> {
    if let Some(svc) = cluster.service_by_cluster_ip(ip) {
        return Destination::Service(svc, ip);
    }
    let pods: Vec<usize> = cluster
        .pods_by_ip(ip)
        .filter_map(|p| cluster.pod_index(&p.namespace, &p.name))
        .collect();
    if !pods.is_empty() {
        return Destination::Pods(pods, ip);
    }
    Destination::External(Some(ip))
}

fn to_service(mut b: Builder<'_>, src: usize, svc: &Service, ip: IpAddr, target: &Target) -> Trace {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let svc_ref = [("Service", svc.namespace.as_str(), svc.name.as_str())];
    if svc.type_ == ServiceType::ExternalName {
        b.pass(
            "service",
            format!("{}/{} is an ExternalName alias", svc.namespace, svc.name),
        );
        return b.ok();
    }
    b.pass(
        "service",
        format!(
            "{ip} is the ClusterIP of Service {}/{} ({})",
            svc.namespace,
            svc.name,
            svc.type_.as_str()
        ),
    );
    let Some(sp) = svc.port_by_number(target.port, proto) else {
        let has = svc
            .ports
            .iter()
            .map(|p| format!("{}/{}", p.port, p.protocol))
            .collect::<Vec<_>>()
            .join(", ");
        let detail = format!(
            "Service {}/{} has no port {}/{} (it has {}): kube-proxy has no rule for it and the packets are dropped",
            svc.namespace,
            svc.name,
            target.port,
            proto,
            if has.is_empty() { "none".to_string() } else { has }
        );
        let fix = match svc.ports.first() {
            Some(p) if svc.ports.len() == 1 => Fix::new(format!(
                "Connect to port {} (the Service's port), or add port {} to the Service",
                p.port, target.port
            ))
            .command(format!(
                "kubectl -n {} patch service {} --type=json -p '[{{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{{\"name\":\"port-{}\",\"port\":{},\"targetPort\":{},\"protocol\":\"{}\"}}}}]'",
                svc.namespace,
                svc.name,
                target.port,
                target.port,
                match &p.target_port {
                    PortRef::Number(n) => n.to_string(),
                    PortRef::Name(n) => format!("\"{n}\""),
                },
                proto
            )),
            _ => Fix::new(format!("Add port {} to the Service, or connect to one of its ports", target.port)).command(
                format!(
                    "kubectl -n {} patch service {} --type=json -p '[{{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{{\"name\":\"port-{}\",\"port\":{},\"targetPort\":{},\"protocol\":\"{}\"}}}}]'",
                    svc.namespace, svc.name, target.port, target.port, target.port, proto
                ),
            ),
        };
        return b.fail(
            "service-port",
            detail,
            Symptom::ConnectionTimeout,
            Some(fix),
        );
    };
    b.pass(
        "service-port",
        format!(
            "port {}{}/{} → targetPort {}",
            sp.name
                .as_deref()
                .map(|n| format!("{n} "))
                .unwrap_or_default(),
            sp.port,
            sp.protocol,
            sp.target_port
        ),
    );
    let eps = service::endpoints(cluster, svc);
    let Some(port_eps) = eps.port(sp.port, sp.protocol) else {
        return b.fail(
            "endpoints",
            "the Service port has no endpoints".to_string(),
            Symptom::ConnectionRefused,
            None,
        );
    };
    let ready: Vec<(usize, u16)> = port_eps
        .ready_backends()
        .filter_map(|be| Some((be.pod?, be.target_port?)))
        .collect();
    let not_ready = port_eps.backends.len() - port_eps.ready_count();
    if ready.is_empty() {
        b.add_findings(
            &svc_ref,
            &["SVC001", "SVC002", "SVC003", "SVC005", "SVC007"],
        );
        let why = if !port_eps.unresolved.is_empty() && port_eps.backends.is_empty() {
            format!(
                "targetPort {} resolves on none of the selected pods ({}): kube-proxy rejects the connection",
                sp.target_port,
                port_eps
                    .unresolved
                    .iter()
                    .map(|u| format!("{} {}", u.pod_name, u.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        } else if let Some(f) = b.trace.findings.first() {
            format!(
                "no ready endpoint: {}; kube-proxy rejects the connection",
                f.message
            )
        } else if eps.selected.is_empty() && svc.selector.is_some() {
            "no pod matches the Service's selector; kube-proxy rejects the connection".to_string()
        } else {
            format!("no ready endpoint ({not_ready} not ready); kube-proxy rejects the connection")
        };
        let step = if !port_eps.unresolved.is_empty() && port_eps.backends.is_empty() {
            "target-port"
        } else {
            "endpoints"
        };
        let fix = b.trace.findings.first().and_then(|f| f.fix.clone());
        return b.fail(step, why, Symptom::ConnectionRefused, fix);
    }
    if not_ready > 0 {
        b.add_findings(&svc_ref, &["SVC004"]);
        b.warn(
            "endpoints",
            format!(
                "{} ready endpoint(s); {not_ready} not ready (they receive no traffic)",
                ready.len()
            ),
        );
    } else {
        b.pass("endpoints", format!("{} ready endpoint(s)", ready.len()));
    }
    let pods: Vec<usize> = ready.iter().map(|(p, _)| *p).collect();
    let ports: BTreeMap<usize, u16> = ready.into_iter().collect();
    to_pods(b, Source::Pod(src), &pods, target.port, Some(&ports))
}

/// The policy hops and the target port, for each backend pod (after DNAT: `ports` gives the
/// target port per pod; without it the port is the one the client dials).
fn to_pods(
    mut b: Builder<'_>,
    src: Source,
    pods: &[usize],
    port: u16,
    ports: Option<&BTreeMap<usize, u16>>,
) -> Trace {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let src_ep = match src {
        Source::Pod(i) => Endpoint::Pod(i),
        Source::External(ip) => Endpoint::Ip(ip),
    };
    let src_name = match src {
        Source::Pod(i) => cluster.pods[i].name.clone(),
        Source::External(ip) => ip.to_string(),
    };
    // One verdict per (label group, target port): pods of one workload decide alike.
    let mut outcomes: Vec<(usize, u16, Verdict)> = Vec::new();
    let mut cache: BTreeMap<(usize, u16), Verdict> = BTreeMap::new();
    for &pi in pods {
        let tp = ports.and_then(|m| m.get(&pi).copied()).unwrap_or(port);
        let key = (b.engine.group_of(pi).unwrap_or(usize::MAX - pi), tp);
        let v = cache
            .entry(key)
            .or_insert_with(|| b.engine.check(src_ep, Endpoint::Pod(pi), tp, proto))
            .clone();
        outcomes.push((pi, tp, v));
    }
    let egress_denied: Vec<&(usize, u16, Verdict)> = outcomes
        .iter()
        .filter(|(_, _, v)| !v.egress.allowed)
        .collect();
    let ingress_denied: Vec<&(usize, u16, Verdict)> = outcomes
        .iter()
        .filter(|(_, _, v)| v.egress.allowed && !v.ingress.allowed)
        .collect();
    let allowed: Vec<&(usize, u16, Verdict)> =
        outcomes.iter().filter(|(_, _, v)| v.allowed).collect();
    let intermittent = !allowed.is_empty() && allowed.len() < outcomes.len();
    if intermittent {
        b.trace.intermittent = true;
        for (pi, tp, v) in &outcomes {
            let p = &cluster.pods[*pi];
            b.trace.backends.push(BackendOutcome {
                pod: service::pod_display(p),
                ip: p.ips.first().map(|i| i.to_string()),
                port: *tp,
                reachable: v.allowed,
                detail: if v.allowed {
                    "allowed".into()
                } else if !v.egress.allowed {
                    side_detail("egress", v, &src_name)
                } else {
                    side_detail("ingress", v, &p.name)
                },
            });
        }
    }
    // Egress of the source.
    match egress_denied.first() {
        Some((pi, tp, v)) if allowed.is_empty() => {
            let dst = &cluster.pods[*pi];
            let detail = side_detail("egress", v, &src_name);
            let fix = match src {
                Source::Pod(s) => allow_policy(
                    cluster,
                    Direction::Egress,
                    &cluster.pods[s],
                    Some(dst),
                    None,
                    *tp,
                    proto,
                ),
                Source::External(_) => Fix::new("not applicable"),
            };
            if let Source::Pod(s) = src {
                let sp = &cluster.pods[s];
                b.add_findings(&[("Pod", &sp.namespace, &sp.name)], &[]);
            }
            return b.fail(
                "egress-policy",
                detail,
                Symptom::ConnectionTimeout,
                Some(fix),
            );
        }
        Some(_) => {
            let n = egress_denied.len();
            b.warn(
                "egress-policy",
                format!("intermittent: egress from {src_name} is allowed to {} backend(s) and dropped to {n}", outcomes.len() - n),
            );
        }
        None => {
            let (_, _, v) = &outcomes[0];
            b.pass("egress-policy", side_detail("egress", v, &src_name));
        }
    }
    // Ingress of the destination.
    match ingress_denied.first() {
        Some((pi, tp, v)) if allowed.is_empty() => {
            let dst = &cluster.pods[*pi];
            let detail = side_detail("ingress", v, &dst.name);
            let fix = match src {
                Source::Pod(s) => allow_policy(
                    cluster,
                    Direction::Ingress,
                    dst,
                    Some(&cluster.pods[s]),
                    None,
                    *tp,
                    proto,
                ),
                Source::External(ip) => {
                    allow_policy(cluster, Direction::Ingress, dst, None, Some(ip), *tp, proto)
                }
            };
            return b.fail(
                "ingress-policy",
                detail,
                Symptom::ConnectionTimeout,
                Some(fix),
            );
        }
        Some(_) => {
            b.warn(
                "ingress-policy",
                format!(
                    "intermittent: {} of {} backend(s) do not admit {src_name} (see backends)",
                    ingress_denied.len(),
                    outcomes.len()
                ),
            );
        }
        None => {
            let (pi, _, v) = allowed.first().copied().unwrap_or(&outcomes[0]);
            let name = cluster.pods[*pi].name.clone();
            b.pass("ingress-policy", side_detail("ingress", v, &name));
        }
    }
    if intermittent {
        // Some connections succeed: the client fails some of the time.
        let (pi, tp, v) = outcomes
            .iter()
            .find(|(_, _, v)| !v.allowed)
            .cloned()
            .unwrap_or_else(|| outcomes[0].clone());
        let dst = &cluster.pods[pi];
        b.trace.fix = Some(match src {
            Source::Pod(s) if !v.egress.allowed => allow_policy(
                cluster,
                Direction::Egress,
                &cluster.pods[s],
                Some(dst),
                None,
                tp,
                proto,
            ),
            Source::Pod(s) => allow_policy(
                cluster,
                Direction::Ingress,
                dst,
                Some(&cluster.pods[s]),
                None,
                tp,
                proto,
            ),
            Source::External(ip) => {
                allow_policy(cluster, Direction::Ingress, dst, None, Some(ip), tp, proto)
            }
        });
        b.trace.reachable = false;
        b.trace.symptom = Symptom::ConnectionTimeout;
        target_port_hop(&mut b, &outcomes);
        b.trace.notes.push(format!(
            "intermittent: {} of {} backend(s) are reachable; connections to the others time out",
            allowed.len(),
            outcomes.len()
        ));
        return b.trace;
    }
    target_port_hop(&mut b, &outcomes);
    b.ok()
}

/// Whether something declares the port the packet finally reaches.
fn target_port_hop(b: &mut Builder<'_>, outcomes: &[(usize, u16, Verdict)]) {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let undeclared: Vec<String> = outcomes
        .iter()
        .filter(|(pi, tp, _)| {
            let p = &cluster.pods[*pi];
            !p.ports().any(|cp| cp.port == *tp && cp.protocol == proto)
                && p.ports().next().is_some()
        })
        .map(|(pi, tp, _)| format!("{} ({tp}/{proto})", cluster.pods[*pi].name))
        .collect();
    let (_, tp, _) = &outcomes[0];
    if undeclared.is_empty() {
        b.pass(
            "target-port",
            format!("{tp}/{proto} is a declared container port"),
        );
    } else {
        b.warn(
            "target-port",
            format!(
                "no container declares the port on {}: if nothing listens there the connection is refused",
                undeclared.join(", ")
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// From outside the cluster, through an Ingress

fn from_outside(mut b: Builder<'_>, ip: IpAddr, target: &Target) -> Trace {
    let cluster = b.cluster;
    if target.scheme.is_none() && target.ip().is_some() {
        // An address: a node port or a LoadBalancer IP, or a pod IP reached directly.
        let dst_ip = target.ip().unwrap_or(ip);
        b.skip("dns", "an address: no lookup");
        return match classify_ip(cluster, dst_ip) {
            Destination::Pods(pods, _) => {
                to_pods(b, Source::External(ip), &pods, target.port, None)
            }
            Destination::Service(svc, _) => {
                let svc_ip = dst_ip;
                // From outside, a ClusterIP is not routable.
                b.fail(
                    "service",
                    format!(
                        "{svc_ip} is the ClusterIP of {}/{}: it is reachable only inside the cluster",
                        svc.namespace, svc.name
                    ),
                    Symptom::ConnectionTimeout,
                    Some(Fix::new("Expose the Service through an Ingress, a Gateway, or type LoadBalancer/NodePort")),
                )
            }
            Destination::External(_) => b.fail(
                "service",
                format!("{dst_ip} is not an address of the cluster in the snapshot"),
                Symptom::ConnectionTimeout,
                None,
            ),
        };
    }
    let scheme = target.scheme.clone().unwrap_or_else(|| {
        if target.port == 443 {
            "https".into()
        } else {
            "http".into()
        }
    });
    let url = format!(
        "{scheme}://{}:{}{}",
        target.host.trim_end_matches('.'),
        target.port,
        target.path
    );
    let req = match RouteRequest::parse(&url) {
        Ok(r) => r,
        Err(e) => return b.fail("ingress-rule", e, Symptom::Http404, None),
    };
    // Through whatever serves the host at the edge: an Ingress, or a Gateway API route.
    let route = match super::gateway::GwRequest::parse(&url) {
        Ok(gw_req) => super::gateway::route_edge(
            cluster,
            &req,
            &gw_req,
            &RouteOptions::default(),
            &Default::default(),
        ),
        Err(_) => ingress::route(cluster, &req, &RouteOptions::default()),
    };
    let served = route.symptom == Symptom::Ok;
    for h in &route.hops {
        b.trace.hops.push(h.clone());
    }
    b.trace.notes.extend(route.notes.iter().cloned());
    if let Some(ing) = route.ingress() {
        if let Some((ns, name)) = ing.split_once('/') {
            b.add_findings(
                &[("Ingress", ns, name)],
                &["ING001", "ING002", "ING004", "ING005", "ING006", "ING007"],
            );
        }
    }
    if !served {
        let policy_hop = route
            .failing_hop()
            .is_some_and(|h| h.step == "ingress-policy" || h.step == "egress-policy");
        b.trace.reachable = false;
        b.trace.symptom = route.symptom;
        b.trace.fix = if policy_hop {
            controller_policy_fix(&mut b, &route)
        } else {
            b.trace.findings.first().and_then(|f| f.fix.clone())
        };
        return b.trace;
    }
    b.ok()
}

/// The routed request's controller cannot reach the backend pods: the NetworkPolicy that
/// admits the controller's pods on the backend's target port (on the side that drops it).
fn controller_policy_fix(b: &mut Builder<'_>, route: &ingress::Route) -> Option<Fix> {
    let cluster = b.cluster;
    let ing_id = route.ingress()?;
    let ing = cluster
        .ingresses
        .iter()
        .find(|i| format!("{}/{}", i.namespace, i.name) == ing_id)?;
    let controllers = crate::rules::np::ingress_controller_pods(cluster, ing);
    let backend = route.backend.as_ref()?;
    let svc = cluster.service(&ing.namespace, &backend.service)?;
    let sp = match backend.port.parse::<u16>() {
        Ok(n) => svc.ports.iter().find(|p| p.port == n),
        Err(_) => svc.port_by_name(&backend.port),
    }?;
    let &ctl = controllers.first()?;
    let eps = service::endpoints(cluster, svc);
    let pe = eps.port(sp.port, sp.protocol)?;
    b.add_findings(&[("Ingress", &ing.namespace, &ing.name)], &["NP005"]);
    let ctl_pod = &cluster.pods[ctl];
    let fix = pe.ready_backends().find_map(|be| {
        let (pi, tp) = (be.pod?, be.target_port?);
        let v = b
            .engine
            .check(Endpoint::Pod(ctl), Endpoint::Pod(pi), tp, Protocol::Tcp);
        if v.allowed {
            return None;
        }
        let dst = &cluster.pods[pi];
        Some(if v.egress.allowed {
            allow_policy(
                cluster,
                Direction::Ingress,
                dst,
                Some(ctl_pod),
                None,
                tp,
                Protocol::Tcp,
            )
        } else {
            allow_policy(
                cluster,
                Direction::Egress,
                ctl_pod,
                Some(dst),
                None,
                tp,
                Protocol::Tcp,
            )
        })
    });
    fix
}

// ---------------------------------------------------------------------------------------------
// Explanations and fixes

fn side_detail(side: &str, v: &Verdict, who: &str) -> String {
    let s = if side == "egress" {
        &v.egress
    } else {
        &v.ingress
    };
    if !s.subject_to_policies {
        return format!("{who}: not subject to NetworkPolicy ({side})");
    }
    if !s.isolated {
        return format!("{who} is not {side}-isolated: no policy selects it for {side}");
    }
    if s.allowed {
        let by = s
            .allowed_by
            .iter()
            .map(|m| format!("{} rule {}", m.policy, m.rule))
            .collect::<Vec<_>>()
            .join(", ");
        return format!(
            "{who} is {side}-isolated by {}; allowed by {by}",
            s.policies.join(", ")
        );
    }
    format!(
        "{who} is {side}-isolated by {} and no rule allows {} {}: the packets are dropped",
        s.policies.join(", "),
        v.protocol,
        v.port
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

/// Labels that select `pod` and the pods of its workload, and no other workload's pods:
/// the workload's `matchLabels` when they are unique in the namespace, else the pod's labels
/// without per-revision hashes.
pub fn workload_selector_labels(cluster: &Cluster, pod: &Pod) -> Labels {
    const VOLATILE: [&str; 4] = [
        "pod-template-hash",
        "controller-revision-hash",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
    ];
    let stable: Labels = pod
        .labels
        .iter()
        .filter(|(k, _)| !VOLATILE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(w) = pod.workload.map(|i| &cluster.workloads[i]) {
        if let Some(sel) = &w.selector {
            if sel.expressions.is_empty() && !sel.match_labels.is_empty() {
                let labels: Labels = sel.match_labels.iter().cloned().collect();
                let only_this = cluster
                    .pods_matching(&pod.namespace, &crate::model::Selector::from_map(&labels))
                    .iter()
                    .all(|&i| cluster.pods[i].workload == pod.workload);
                if only_this {
                    return labels;
                }
            }
        }
    }
    stable
}

fn labels_yaml(labels: &Labels, indent: usize) -> String {
    let pad = " ".repeat(indent);
    labels
        .iter()
        .map(|(k, v)| format!("{pad}{k}: {}", yaml_str(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            s,
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        format!("{s:?}")
    }
}

fn short(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    cleaned.trim_matches('-').chars().take(20).collect()
}

fn workload_short_name(cluster: &Cluster, p: &Pod) -> String {
    match p.workload.map(|i| &cluster.workloads[i]) {
        Some(w) => w.name.clone(),
        None => p
            .owner
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_else(|| p.name.clone()),
    }
}

/// The NetworkPolicy that allows exactly this flow on the side that drops it: selecting the
/// workload of `me`, admitting the workload of `peer` (or the address `peer_ip`), on one port.
fn allow_policy(
    cluster: &Cluster,
    dir: Direction,
    me: &Pod,
    peer: Option<&Pod>,
    peer_ip: Option<IpAddr>,
    port: u16,
    proto: Protocol,
) -> Fix {
    let (field, peers_field, type_) = match dir {
        Direction::Ingress => ("ingress", "from", "Ingress"),
        Direction::Egress => ("egress", "to", "Egress"),
    };
    let me_labels = workload_selector_labels(cluster, me);
    let peer_block = match (peer, peer_ip) {
        (Some(peer), _) => {
            let peer_labels = workload_selector_labels(cluster, peer);
            let mut s = format!(
                "    - podSelector:\n        matchLabels:\n{}",
                labels_yaml(&peer_labels, 10)
            );
            if peer.namespace != me.namespace {
                s.push_str(&format!(
                    "\n      namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: {}",
                    yaml_str(&peer.namespace)
                ));
            }
            s
        }
        (None, Some(ip)) => {
            let prefix = if ip.is_ipv4() { 32 } else { 128 };
            format!("    - ipBlock:\n        cidr: {ip}/{prefix}")
        }
        (None, None) => "    - {}".to_string(),
    };
    let peer_name = match (peer, peer_ip) {
        (Some(p), _) => workload_short_name(cluster, p),
        (None, Some(ip)) => ip.to_string(),
        (None, None) => "any".into(),
    };
    let me_name = workload_short_name(cluster, me);
    let name = match dir {
        Direction::Ingress => format!(
            "allow-{}-from-{}-{port}",
            short(&me_name),
            short(&peer_name)
        ),
        Direction::Egress => format!("allow-{}-to-{}-{port}", short(&me_name), short(&peer_name)),
    };
    let yaml = format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels:\n{me_labels}\n  policyTypes:\n  - {type_}\n  {field}:\n  - {peers_field}:\n{peer_block}\n    ports:\n    - protocol: {proto}\n      port: {port}\n",
        ns = yaml_str(&me.namespace),
        me_labels = labels_yaml(&me_labels, 6),
    );
    let title = match dir {
        Direction::Ingress => format!(
            "Allow exactly this flow into {}/{me_name}: {proto} {port} from {peer_name} (added beside the existing policies; opens nothing else)",
            me.namespace
        ),
        Direction::Egress => format!(
            "Allow exactly this flow out of {}/{me_name}: {proto} {port} to {peer_name} (added beside the existing policies; opens nothing else)",
            me.namespace
        ),
    };
    Fix::new(title)
        .command(format!("kubectl apply -f {name}.yaml"))
        .yaml(yaml)
}

fn egress_fix_to_ip(cluster: &Cluster, me: &Pod, ip: IpAddr, port: u16, proto: Protocol) -> Fix {
    allow_policy(cluster, Direction::Egress, me, None, Some(ip), port, proto)
}

#[cfg(test)]
mod tests;

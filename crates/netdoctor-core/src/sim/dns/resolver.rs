//! The pod's resolver at work: the queries its C library sends for a name (its /etc/hosts
//! first, then each candidate of the search order), what its nameserver answers to each,
//! and where glibc or musl stops.

use super::answers::cluster_answer;
use super::cluster_dns::ClusterDns;
use super::records::{ip_to_reverse, Answer, QType, Rcode};
use super::resolv_conf::{resolv_conf, ResolvConf};
use super::search::{search_order, without_repeats, Libc, LookupCall};
use crate::load::corefile::{fqdn, in_zone};
use crate::model::{Cluster, Pod};
use serde::Serialize;
use std::net::IpAddr;

/// What the client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// getaddrinfo with AF_UNSPEC: A and AAAA in parallel for each candidate name.
    Addresses,
    /// One record type (getaddrinfo AF_INET/AF_INET6 for A/AAAA; res_search otherwise).
    Type(QType),
}

impl Request {
    pub fn label(self) -> &'static str {
        match self {
            Request::Addresses => "A+AAAA",
            Request::Type(t) => t.as_str(),
        }
    }
    fn qtypes(self) -> Vec<QType> {
        match self {
            Request::Addresses => vec![QType::A, QType::Aaaa],
            Request::Type(t) => vec![t],
        }
    }
    /// The libc call that serves this request.
    pub fn call(self) -> LookupCall {
        match self {
            Request::Addresses | Request::Type(QType::A) | Request::Type(QType::Aaaa) => {
                LookupCall::GetAddrInfo
            }
            Request::Type(_) => LookupCall::ResSearch,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Query {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: QType,
    pub rcode: Rcode,
    pub answers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Sent for a candidate name that did not produce the result.
    pub wasted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ResultView {
    pub rcode: Rcode,
    pub answers: Vec<String>,
    /// The nameserver never replied (cluster DNS down or unreachable): the client sees a
    /// timeout (`EAI_AGAIN`, "Temporary failure in name resolution").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timeout: bool,
}

impl ResultView {
    /// Records came back, or the name was forwarded upstream (presumed to answer).
    pub fn answered(&self) -> bool {
        self.rcode == Rcode::Forwarded || (self.rcode == Rcode::NoError && !self.answers.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ResolvConfView {
    pub nameservers: Vec<String>,
    pub search: Vec<String>,
    pub ndots: u32,
    pub options: Vec<String>,
    pub dns_policy: String,
    pub effective_policy: String,
    pub notes: Vec<String>,
}

impl ResolvConfView {
    fn of(rc: &ResolvConf) -> ResolvConfView {
        ResolvConfView {
            nameservers: rc.nameservers.clone(),
            search: rc.search.clone(),
            ndots: rc.ndots,
            options: rc.options.clone(),
            dns_policy: rc.dns_policy.clone(),
            effective_policy: rc.effective_policy.clone(),
            notes: rc.notes.clone(),
        }
    }
}

/// The answer to `dns resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Resolution {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: String,
    pub from: String,
    pub libc: Libc,
    pub resolv_conf: ResolvConfView,
    pub queries: Vec<Query>,
    pub result: ResultView,
    /// Queries sent for candidate names that did not produce the result.
    pub wasted: usize,
    /// The algorithm's steps, in order (why each candidate was tried, why it stopped).
    pub steps: Vec<String>,
    /// What the answer rests on that the input does not show (cluster DNS assumed, a
    /// placeholder ClusterIP), one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// For a name that does not resolve: the closest name that does (`name_suggestion`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

/// The candidate names a resolver would try, in order (lower case, as the model matches
/// them; see [`search_order`]).
pub fn candidates(name: &str, rc: &ResolvConf, libc: Libc, request: Request) -> Vec<String> {
    let order = search_order(name, &rc.search_rules(), libc, request.call());
    without_repeats(
        order
            .names
            .into_iter()
            .map(|n| n.to_ascii_lowercase())
            .collect(),
    )
}

/// What the pod's nameserver answers (cluster DNS, or a resolver outside the model).
fn server_answer(
    cluster: &Cluster,
    dns: &ClusterDns,
    rc: &ResolvConf,
    blocked: Option<&str>,
    name: &str,
    qtype: QType,
) -> Answer {
    let Some(first) = rc.nameservers.first() else {
        return outside_answer(dns, name, "the node's resolver");
    };
    if !dns.is_cluster_nameserver(first) {
        return outside_answer(dns, name, &format!("nameserver {first}"));
    }
    let down = if !dns.pods.is_empty() && dns.ready_pods(cluster).is_empty() {
        Some(format!("no cluster DNS pod is ready behind {first}"))
    } else if dns.service_ips.iter().any(|ip| ip.to_string() == *first)
        && dns.service_ready_endpoints(cluster) == Some(0)
    {
        Some(format!("the Service behind {first} has no ready endpoints"))
    } else {
        blocked.map(str::to_string)
    };
    if let Some(why) = down {
        return Answer {
            rcode: Rcode::ServFail,
            answers: Vec::new(),
            note: Some(format!(
                "no reply: {why}; the query times out (the client sees EAI_AGAIN / SERVFAIL)"
            )),
            timeout: true,
        };
    }
    cluster_answer(cluster, dns, name, qtype)
}

fn outside_answer(dns: &ClusterDns, name: &str, who: &str) -> Answer {
    let single = fqdn(name).trim_end_matches('.').split('.').count() <= 1;
    if in_zone(name, &dns.domain) || single {
        Answer::nx(format!(
            "sent to {who}, not cluster DNS: it does not serve {} names (NXDOMAIN assumed)",
            if single {
                "single-label".to_string()
            } else {
                dns.domain.clone()
            }
        ))
    } else {
        Answer::new(
            Rcode::Forwarded,
            Vec::new(),
            format!("sent to {who}, outside the model: answer unknown"),
        )
    }
}

/// Whether a name forwarded upstream is presumed to exist there: at least two labels and a
/// last label that is neither a namespace of the cluster (`api.production.` is a Service
/// name typed with too few labels) nor a private suffix.
pub fn presumed_public(cluster: &Cluster, name: &str) -> bool {
    let n = fqdn(name);
    let labels: Vec<&str> = n.trim_end_matches('.').split('.').collect();
    let Some(last) = labels.last() else {
        return false;
    };
    labels.len() >= 2
        && cluster.namespace(last).is_none()
        && !matches!(
            *last,
            "local" | "internal" | "localdomain" | "lan" | "home" | "corp" | "svc" | "cluster"
        )
}

/// The candidate's combined outcome, as the libc sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    NxDomain,
    NoData,
    ServFail,
    Timeout,
}

impl Outcome {
    fn rcode(self) -> Rcode {
        match self {
            Outcome::NoData | Outcome::Success => Rcode::NoError,
            Outcome::NxDomain => Rcode::NxDomain,
            Outcome::ServFail | Outcome::Timeout => Rcode::ServFail,
        }
    }
}

/// The queries the pod sends for `name` and what it gets.
pub fn resolve(
    cluster: &Cluster,
    dns: &ClusterDns,
    pod: &Pod,
    name: &str,
    request: Request,
    libc: Libc,
) -> Resolution {
    let rc = resolv_conf(cluster, dns, pod);
    let name = name.trim();
    let mut steps = Vec::new();
    let (qname, request) = reverse_name_of_address(name, request, &mut steps);
    let mut resolution = Resolution {
        name: name.to_string(),
        qtype: request.label().to_string(),
        from: format!("{}/{}", pod.namespace, pod.name),
        libc,
        resolv_conf: ResolvConfView::of(&rc),
        queries: Vec::new(),
        result: ResultView {
            rcode: Rcode::NoError,
            answers: Vec::new(),
            timeout: false,
        },
        wasted: 0,
        steps: Vec::new(),
        assumptions: dns.assumption().into_iter().collect(),
        did_you_mean: None,
    };
    if let Some(answers) = etc_hosts_answer(pod, dns, name, request) {
        steps.push(format!(
            "{name} is in the pod's /etc/hosts (written by kubelet): answered without DNS"
        ));
        resolution.result.answers = answers;
        resolution.steps = steps;
        return resolution;
    }
    explain_search_order(&qname, &rc, libc, request, &mut steps);
    explain_server_side(dns, &rc, request, libc, &mut steps);
    let mut walk = Walk {
        cluster,
        dns,
        rc: &rc,
        request,
        libc,
        blocked: policy_drops_dns(cluster, dns, pod),
        queries: Vec::new(),
        steps,
        answered: None,
        got_nodata: false,
        got_servfail: false,
        as_is_outcome: None,
        last_outcome: None,
    };
    walk.run(&qname);
    resolution.result = walk.result();
    resolution.wasted = walk.queries.iter().filter(|q| q.wasted).count();
    resolution.queries = walk.queries;
    resolution.steps = walk.steps;
    if resolution.result.rcode == Rcode::NxDomain && resolution.result.answers.is_empty() {
        resolution.did_you_mean = super::name_suggestion(cluster, &pod.namespace, name);
    }
    if let Some(ip) = placeholder_answer(&resolution.result.answers) {
        resolution.assumptions.push(placeholder_note(cluster, ip));
    }
    let unborn: Vec<&str> = resolution
        .result
        .answers
        .iter()
        .filter(|a| super::unknown_address_pod(a).is_some())
        .map(String::as_str)
        .collect();
    if !unborn.is_empty() {
        resolution.assumptions.push(format!(
            "{} {} derived from a workload's template (not created yet): the record holds the address {} when it starts",
            unborn.join(", "),
            if unborn.len() == 1 { "stands for a pod" } else { "stand for pods" },
            if unborn.len() == 1 { "it gets" } else { "each gets" },
        ));
    }
    resolution
}

/// The first answer that is a placeholder ClusterIP.
fn placeholder_answer(answers: &[String]) -> Option<IpAddr> {
    answers
        .iter()
        .filter_map(|a| a.parse::<IpAddr>().ok())
        .find(|ip| crate::model::is_placeholder_cluster_ip(*ip))
}

/// Says once that a ClusterIP in the answer is a placeholder.
pub fn placeholder_note(cluster: &Cluster, ip: IpAddr) -> String {
    let who = cluster
        .service_by_cluster_ip(ip)
        .map(|s| format!("Service {}/{}", s.namespace, s.name))
        .unwrap_or_else(|| "the Service".into());
    format!(
        "{ip} is a placeholder: {who} has no spec.clusterIP in the input (a manifest not yet applied); the API server assigns its virtual IP when it is created"
    )
}

/// Whether NetworkPolicy drops the pod's DNS queries to cluster DNS (its egress, or the
/// DNS pods' ingress): they get no reply.
fn policy_drops_dns(cluster: &Cluster, dns: &ClusterDns, pod: &Pod) -> Option<String> {
    let src = cluster.pod_index(&pod.namespace, &pod.name)?;
    let engine = crate::sim::netpol::Engine::new(cluster);
    let (v, dns_pod) = *super::dns_reachable(&engine, dns, src).err()?;
    let (side, s) = if v.egress.allowed {
        ("ingress of the DNS pods", &v.ingress)
    } else {
        ("egress of the pod", &v.egress)
    };
    Some(format!(
        "NetworkPolicy drops {} {} to the cluster DNS pod {}/{} ({side}: {})",
        v.protocol,
        v.port,
        dns_pod.namespace,
        dns_pod.name,
        s.policies.join(", ")
    ))
}

/// A PTR lookup of an address asks for its reverse name, absolute.
fn reverse_name_of_address(
    name: &str,
    request: Request,
    steps: &mut Vec<String>,
) -> (String, Request) {
    if let Ok(ip) = name.trim_end_matches('.').parse::<IpAddr>() {
        if matches!(request, Request::Type(QType::Ptr) | Request::Addresses) {
            let qname = ip_to_reverse(ip);
            steps.push(format!(
                "{name} is an address: the PTR name {qname} is queried as-is"
            ));
            return (qname, Request::Type(QType::Ptr));
        }
    }
    (name.to_string(), request)
}

/// The addresses of `name` in the /etc/hosts kubelet writes, which answers address lookups
/// before DNS: localhost, the pod's hostname and its FQDN under its subdomain.
fn etc_hosts_answer(
    pod: &Pod,
    dns: &ClusterDns,
    name: &str,
    request: Request,
) -> Option<Vec<String>> {
    if request.call() != LookupCall::GetAddrInfo {
        return None;
    }
    let hostname = pod.hostname.clone().unwrap_or_else(|| pod.name.clone());
    let short = name.trim_end_matches('.').to_ascii_lowercase();
    let mut host_names = vec!["localhost".to_string(), hostname.clone()];
    if let Some(sub) = &pod.subdomain {
        host_names.push(format!(
            "{hostname}.{sub}.{}.svc.{}",
            pod.namespace, dns.domain
        ));
    }
    if !host_names.contains(&short) {
        return None;
    }
    Some(if short == "localhost" {
        vec!["127.0.0.1".into(), "::1".into()]
    } else {
        pod.ips.iter().map(|i| i.to_string()).collect()
    })
}

/// The step that says which order the libc follows for this name, and why.
fn explain_search_order(
    qname: &str,
    rc: &ResolvConf,
    libc: Libc,
    request: Request,
    steps: &mut Vec<String>,
) {
    if qname.ends_with('.') {
        steps.push(format!(
            "{qname} ends with a dot: absolute, queried once as-is, no search"
        ));
        return;
    }
    let dots = qname.matches('.').count();
    let enough = dots as u32 >= rc.ndots;
    let cmp = if enough { ">=" } else { "<" };
    match libc {
        Libc::Glibc => steps.push(format!(
            "glibc: {dots} dot(s) {cmp} ndots {}: {}",
            rc.ndots,
            if enough {
                "the name as-is first, then the search list"
            } else {
                "the search list first, then the name as-is"
            }
        )),
        Libc::Musl if request.call() == LookupCall::ResSearch => steps.push(
            "musl: res_search does not use the search list; the name is queried as-is".into(),
        ),
        Libc::Musl => steps.push(format!(
            "musl: {dots} dot(s) {cmp} ndots {}: {}",
            rc.ndots,
            if enough {
                "no search at all, only the name as-is"
            } else {
                "the search list, then the name as-is; stops at the first answer that is not NXDOMAIN"
            }
        )),
    }
}

/// Steps about how the queries are sent and answered: A and AAAA in parallel, autopath.
fn explain_server_side(
    dns: &ClusterDns,
    rc: &ResolvConf,
    request: Request,
    libc: Libc,
    steps: &mut Vec<String>,
) {
    if matches!(request, Request::Addresses) {
        steps.push(format!(
            "{}: getaddrinfo(AF_UNSPEC) sends A and AAAA in parallel for each candidate",
            libc.as_str()
        ));
    }
    if dns.servers.iter().any(|s| s.autopath)
        && rc
            .nameservers
            .first()
            .is_some_and(|n| dns.is_cluster_nameserver(n))
    {
        steps.push(
            "the Corefile enables autopath: CoreDNS may answer the first search-domain query itself with a CNAME to the name it finds (not simulated; the client-side sequence is shown)"
                .into(),
        );
    }
}

/// The walk through the candidate names: the queries sent so far and what the libc
/// remembers to choose its final answer.
struct Walk<'a> {
    cluster: &'a Cluster,
    dns: &'a ClusterDns,
    rc: &'a ResolvConf,
    request: Request,
    libc: Libc,
    /// NetworkPolicy drops the pod's queries to cluster DNS: why.
    blocked: Option<String>,
    queries: Vec<Query>,
    steps: Vec<String>,
    /// (rcode, answers, index of the winning candidate's first query).
    answered: Option<(Rcode, Vec<String>, usize)>,
    got_nodata: bool,
    got_servfail: bool,
    /// The outcome of the as-is name when it was tried first (glibc returns it).
    as_is_outcome: Option<Outcome>,
    last_outcome: Option<Outcome>,
}

impl Walk<'_> {
    fn run(&mut self, qname: &str) {
        let cands = candidates(qname, self.rc, self.libc, self.request);
        let bare = fqdn(qname);
        for (ci, cand) in cands.iter().enumerate() {
            let start = self.queries.len();
            let (combined, answers) = self.ask(cand, *cand != bare);
            self.last_outcome = Some(combined);
            if combined == Outcome::Success {
                self.answer_with(cand, answers, start);
                return;
            }
            if *cand == bare && ci == 0 && cands.len() > 1 {
                self.as_is_outcome = Some(combined);
            }
            let more = ci + 1 < cands.len();
            if self.note_failure(cand, combined, more) {
                return;
            }
        }
    }

    /// Sends the candidate's queries (one per record type) and combines their outcomes.
    fn ask(&mut self, cand: &str, from_search_domain: bool) -> (Outcome, Vec<String>) {
        let mut answers = Vec::new();
        let mut outcomes = Vec::new();
        for t in self.request.qtypes() {
            let a = server_answer(
                self.cluster,
                self.dns,
                self.rc,
                self.blocked.as_deref(),
                cand,
                t,
            );
            let (a, outcome) = outcome_of(self.cluster, a, cand, from_search_domain);
            outcomes.push((outcome, a.rcode));
            for x in &a.answers {
                if !answers.contains(x) {
                    answers.push(x.clone());
                }
            }
            self.queries.push(Query {
                name: cand.to_string(),
                qtype: t,
                rcode: a.rcode,
                answers: a.answers,
                note: a.note,
                wasted: false,
            });
        }
        (combine(&outcomes, self.libc), answers)
    }

    fn answer_with(&mut self, cand: &str, answers: Vec<String>, start: usize) {
        let forwarded = self.queries[start..]
            .iter()
            .any(|q| q.rcode == Rcode::Forwarded);
        let rcode = if forwarded && answers.is_empty() {
            Rcode::Forwarded
        } else {
            Rcode::NoError
        };
        if answers.is_empty() {
            self.steps.push(format!(
                "{cand}: forwarded upstream (answer outside the model, presumed to exist), lookup ends"
            ));
        } else {
            self.steps.push(format!(
                "{cand}: answered ({}), lookup done",
                answers.join(", ")
            ));
        }
        self.answered = Some((rcode, answers, start));
    }

    /// Records a candidate that did not answer; whether the libc stops here.
    fn note_failure(&mut self, cand: &str, combined: Outcome, more: bool) -> bool {
        let stop = match (self.libc, combined) {
            (_, Outcome::Timeout) => Some("no reply (timeout): the resolver gives up"),
            (Libc::Musl, Outcome::NoData) => {
                Some("musl stops at NOERROR without records (EAI_NODATA)")
            }
            (Libc::Musl, Outcome::ServFail) => Some("musl stops at SERVFAIL (EAI_AGAIN)"),
            _ => None,
        };
        match combined {
            Outcome::NoData => self.got_nodata = true,
            Outcome::ServFail => self.got_servfail = true,
            _ => {}
        }
        self.steps.push(format!(
            "{cand}: {}{}",
            match combined {
                Outcome::NxDomain => "NXDOMAIN",
                Outcome::NoData => "NOERROR without records (NODATA)",
                Outcome::ServFail => "SERVFAIL",
                Outcome::Timeout => "no reply",
                Outcome::Success => "answered",
            },
            match stop {
                Some(s) => format!(", {s}"),
                None if more => ", next candidate".to_string(),
                None => String::new(),
            }
        ));
        stop.is_some()
    }

    /// The lookup's result; marks the queries that did not produce it as wasted.
    fn result(&mut self) -> ResultView {
        if let Some((rcode, answers, start)) = self.answered.take() {
            for q in &mut self.queries[..start] {
                q.wasted = true;
            }
            return ResultView {
                rcode,
                answers,
                timeout: false,
            };
        }
        for q in &mut self.queries {
            q.wasted = true;
        }
        let last = self.last_outcome.unwrap_or(Outcome::NxDomain);
        // glibc: the as-is name's outcome when it was tried first, else NODATA if any
        // candidate had the name, else SERVFAIL, else the last one's.
        let final_outcome = match self.libc {
            Libc::Glibc => self.as_is_outcome.unwrap_or(if self.got_nodata {
                Outcome::NoData
            } else if self.got_servfail {
                Outcome::ServFail
            } else {
                last
            }),
            Libc::Musl => last,
        };
        if final_outcome != last {
            let why = match (self.as_is_outcome, final_outcome) {
                (Some(_), _) => "the outcome of the name as-is, which it tried first",
                (None, Outcome::NoData) => {
                    "NOERROR without records (NODATA), because an earlier candidate exists without records of this type"
                }
                _ => "SERVFAIL, because an earlier candidate failed",
            };
            self.steps.push(format!(
                "result: glibc returns {why}, not the last candidate's {}",
                last.rcode().as_str()
            ));
        }
        ResultView {
            timeout: final_outcome == Outcome::Timeout,
            rcode: final_outcome.rcode(),
            answers: Vec::new(),
        }
    }
}

/// One answer as the libc sees it. A forwarded candidate built from a search domain (or a
/// bare name that is not presumed public): upstream almost always answers NXDOMAIN for it.
fn outcome_of(
    cluster: &Cluster,
    mut a: Answer,
    cand: &str,
    from_search_domain: bool,
) -> (Answer, Outcome) {
    let presumed_nx =
        a.rcode == Rcode::Forwarded && (from_search_domain || !presumed_public(cluster, cand));
    if presumed_nx {
        a.note = Some(format!(
            "{} ({}: NXDOMAIN upstream assumed)",
            a.note.unwrap_or_default(),
            if from_search_domain {
                "a search-domain candidate"
            } else {
                "a single label, or its last label is a namespace or a private suffix"
            }
        ));
    }
    let outcome = if a.timeout {
        Outcome::Timeout
    } else {
        match a.rcode {
            Rcode::Forwarded if presumed_nx => Outcome::NxDomain,
            Rcode::Forwarded => Outcome::Success,
            Rcode::NoError if !a.answers.is_empty() => Outcome::Success,
            Rcode::NoError => Outcome::NoData,
            Rcode::NxDomain => Outcome::NxDomain,
            Rcode::ServFail => Outcome::ServFail,
        }
    };
    (a, outcome)
}

/// The outcomes of a candidate's queries (A and AAAA) combined as the libc does.
fn combine(outcomes: &[(Outcome, Rcode)], libc: Libc) -> Outcome {
    if outcomes.iter().any(|(o, _)| *o == Outcome::Success) {
        return Outcome::Success;
    }
    if outcomes.iter().any(|(o, _)| *o == Outcome::Timeout) {
        return Outcome::Timeout;
    }
    match libc {
        // glibc: the first answer's rcode unless it is NOERROR, then the second's.
        Libc::Glibc => {
            if outcomes.len() > 1 && outcomes[0].1 == Rcode::NoError {
                outcomes[1].0
            } else {
                outcomes[0].0
            }
        }
        // musl: any NXDOMAIN → try the next name; SERVFAIL → EAI_AGAIN.
        Libc::Musl => {
            if outcomes.iter().any(|(o, _)| *o == Outcome::ServFail) {
                Outcome::ServFail
            } else if outcomes.iter().any(|(o, _)| *o == Outcome::NxDomain) {
                Outcome::NxDomain
            } else {
                Outcome::NoData
            }
        }
    }
}

//! The last hops, to the backend pods: the source's egress policies, the backends' ingress
//! policies, and the port the packet finally reaches. Backends that decide differently make
//! the path intermittent.

use super::fix::{allow_flow, dropping_side, tier_fix};
use super::{BackendOutcome, Builder, HopFailure, Source, Trace};
use crate::sim::fix::netpol_yaml::PolicyType;
use crate::sim::netpol::{Direction, Endpoint, FlowVerdict, SideVerdict, Verdict};
use crate::sim::path::Symptom;
use crate::sim::service;
use std::collections::BTreeMap;

/// The policy verdict for one backend pod on the port the packet reaches it on.
#[derive(Clone)]
struct Outcome {
    pod: usize,
    target_port: u16,
    verdict: Verdict,
}

/// The policy hops and the target port, for each backend pod (after DNAT: `ports` gives the
/// target port per pod; without it the port is the one the client dials).
pub(super) fn to_pods(
    mut b: Builder<'_>,
    src: Source,
    pods: &[usize],
    port: u16,
    ports: Option<&BTreeMap<usize, u16>>,
) -> Trace {
    let src_name = match src {
        Source::Pod(i) => b.cluster.pods[i].name.clone(),
        Source::External(ip) => ip.to_string(),
    };
    let outcomes = verdicts(&b, src, pods, port, ports);
    let unknown: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.verdict.verdict == FlowVerdict::Unknown)
        .collect();
    if !unknown.is_empty() {
        let reasons = unknown_reasons(&unknown);
        if !outcomes
            .iter()
            .any(|o| o.verdict.verdict == FlowVerdict::Denied)
        {
            return unknown_end(b, &src_name, unknown[0], &outcomes, reasons);
        }
        // Some backends are denied by NetworkPolicy whatever the rest decides.
        b.trace.notes.extend(
            reasons
                .into_iter()
                .map(|r| format!("unknown for some backends: {r}")),
        );
    }
    let allowed = outcomes.iter().filter(|o| o.verdict.allowed).count();
    let intermittent = allowed > 0 && allowed < outcomes.len();
    if intermittent {
        record_backends(&mut b, &outcomes, &src_name);
    }
    if let Some((step, detail, symptom, fix)) = egress_hop(&mut b, src, &src_name, &outcomes) {
        return b.fail(step, detail, symptom, fix);
    }
    if let Some((step, detail, symptom, fix)) = ingress_hop(&mut b, src, &src_name, &outcomes) {
        return b.fail(step, detail, symptom, fix);
    }
    if intermittent {
        return intermittent_end(b, src, &outcomes, allowed);
    }
    target_port_hop(&mut b, &outcomes);
    b.ok()
}

/// One verdict per (label group, target port): pods of one workload decide alike.
fn verdicts(
    b: &Builder<'_>,
    src: Source,
    pods: &[usize],
    port: u16,
    ports: Option<&BTreeMap<usize, u16>>,
) -> Vec<Outcome> {
    let proto = b.options.protocol;
    let src_ep = match src {
        Source::Pod(i) => Endpoint::Pod(i),
        Source::External(ip) => Endpoint::Ip(ip),
    };
    let mut outcomes = Vec::new();
    let mut cache: BTreeMap<(usize, u16), Verdict> = BTreeMap::new();
    for &pi in pods {
        let tp = ports.and_then(|m| m.get(&pi).copied()).unwrap_or(port);
        let key = (b.engine.group_of(pi).unwrap_or(usize::MAX - pi), tp);
        let verdict = cache
            .entry(key)
            .or_insert_with(|| b.engine.check(src_ep, Endpoint::Pod(pi), tp, proto))
            .clone();
        outcomes.push(Outcome {
            pod: pi,
            target_port: tp,
            verdict,
        });
    }
    outcomes
}

/// Every reason once, in the order found.
fn unknown_reasons(outcomes: &[&Outcome]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in outcomes.iter().flat_map(|o| &o.verdict.unknown_reasons) {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// No backend is denied by NetworkPolicy, and a policy kind netdoctor does not model governs
/// the connection to some: the policy hops say what NetworkPolicy decides and which policy
/// netdoctor cannot evaluate, and the trace ends unknown.
fn unknown_end(
    mut b: Builder<'_>,
    src_name: &str,
    o: &Outcome,
    outcomes: &[Outcome],
    reasons: Vec<String>,
) -> Trace {
    let dst_name = b.cluster.pods[o.pod].name.clone();
    let v = &o.verdict;
    for (step, side, sv, who) in [
        ("egress-policy", "egress", &v.egress, src_name),
        ("ingress-policy", "ingress", &v.ingress, dst_name.as_str()),
    ] {
        let detail = side_detail(side, v, who);
        if sv.not_modelled.is_empty() {
            b.pass(step, detail);
        } else {
            b.warn(
                step,
                format!(
                    "{detail}; but {} also governs it, which netdoctor does not model: the verdict is unknown",
                    sv.not_modelled.join(", ")
                ),
            );
        }
    }
    target_port_hop(&mut b, outcomes);
    b.unknown(reasons)
}

/// Some backends reachable and others not: each backend with its verdict.
fn record_backends(b: &mut Builder<'_>, outcomes: &[Outcome], src_name: &str) {
    b.trace.intermittent = true;
    for o in outcomes {
        let (p, v) = (&b.cluster.pods[o.pod], &o.verdict);
        b.trace.backends.push(BackendOutcome {
            pod: service::pod_display(p),
            ip: p.ips.first().map(|i| i.to_string()),
            port: o.target_port,
            reachable: v.allowed,
            detail: if v.allowed {
                "allowed".into()
            } else if !v.egress.allowed {
                side_detail("egress", v, src_name)
            } else {
                side_detail("ingress", v, &p.name)
            },
        });
    }
}

/// Egress of the source: fails when it reaches no backend at all.
fn egress_hop(
    b: &mut Builder<'_>,
    src: Source,
    src_name: &str,
    outcomes: &[Outcome],
) -> Option<HopFailure> {
    let cluster = b.cluster;
    let denied: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !o.verdict.egress.allowed)
        .collect();
    let none_allowed = !outcomes.iter().any(|o| o.verdict.allowed);
    match denied.first() {
        Some(o) if none_allowed => {
            let dst = &cluster.pods[o.pod];
            let detail = side_detail("egress", &o.verdict, src_name);
            let fix = tier_fix(&o.verdict, PolicyType::Egress).unwrap_or_else(|| {
                allow_flow(
                    cluster,
                    src,
                    dst,
                    PolicyType::Egress,
                    o.target_port,
                    b.options.protocol,
                )
            });
            if let Source::Pod(s) = src {
                let sp = &cluster.pods[s];
                b.want_findings(&[("Pod", &sp.namespace, &sp.name)], &[]);
            }
            Some((
                "egress-policy",
                detail,
                Symptom::ConnectionTimeout,
                Some(fix),
            ))
        }
        Some(_) => {
            let n = denied.len();
            b.warn(
                "egress-policy",
                format!("intermittent: egress from {src_name} is allowed to {} backend(s) and dropped to {n}", outcomes.len() - n),
            );
            None
        }
        None => {
            b.pass(
                "egress-policy",
                side_detail("egress", &outcomes[0].verdict, src_name),
            );
            None
        }
    }
}

/// Ingress of the destination: fails when no backend admits the source.
fn ingress_hop(
    b: &mut Builder<'_>,
    src: Source,
    src_name: &str,
    outcomes: &[Outcome],
) -> Option<HopFailure> {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let denied: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.verdict.egress.allowed && !o.verdict.ingress.allowed)
        .collect();
    let allowed: Vec<&Outcome> = outcomes.iter().filter(|o| o.verdict.allowed).collect();
    match denied.first() {
        Some(o) if allowed.is_empty() => {
            let dst = &cluster.pods[o.pod];
            let detail = side_detail("ingress", &o.verdict, &dst.name);
            let fix = tier_fix(&o.verdict, PolicyType::Ingress).unwrap_or_else(|| {
                allow_flow(cluster, src, dst, PolicyType::Ingress, o.target_port, proto)
            });
            Some((
                "ingress-policy",
                detail,
                Symptom::ConnectionTimeout,
                Some(fix),
            ))
        }
        Some(_) => {
            b.warn(
                "ingress-policy",
                format!(
                    "intermittent: {} of {} backend(s) do not admit {src_name} (see backends)",
                    denied.len(),
                    outcomes.len()
                ),
            );
            None
        }
        None => {
            let o = allowed.first().copied().unwrap_or(&outcomes[0]);
            let name = cluster.pods[o.pod].name.clone();
            b.pass("ingress-policy", side_detail("ingress", &o.verdict, &name));
            None
        }
    }
}

/// Some connections succeed: the client fails some of the time. The fix admits the source
/// to the first backend that drops it.
fn intermittent_end(
    mut b: Builder<'_>,
    src: Source,
    outcomes: &[Outcome],
    allowed: usize,
) -> Trace {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let o = outcomes
        .iter()
        .find(|o| !o.verdict.allowed)
        .cloned()
        .unwrap_or_else(|| outcomes[0].clone());
    let (dst, tp) = (&cluster.pods[o.pod], o.target_port);
    // An address outside the cluster has no egress policy: its flows are dropped on ingress.
    let side = match src {
        Source::Pod(_) => dropping_side(&o.verdict),
        Source::External(_) => PolicyType::Ingress,
    };
    b.trace.fix = Some(
        tier_fix(&o.verdict, side)
            .unwrap_or_else(|| allow_flow(cluster, src, dst, side, tp, proto)),
    );
    b.trace.reachable = false;
    b.trace.symptom = Symptom::ConnectionTimeout;
    target_port_hop(&mut b, outcomes);
    b.trace.notes.push(format!(
        "intermittent: {allowed} of {} backend(s) are reachable; connections to the others time out",
        outcomes.len()
    ));
    b.trace
}

/// Whether something declares the port the packet finally reaches.
fn target_port_hop(b: &mut Builder<'_>, outcomes: &[Outcome]) {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let undeclared: Vec<String> = outcomes
        .iter()
        .filter(|o| {
            let p = &cluster.pods[o.pod];
            !p.ports()
                .any(|cp| cp.port == o.target_port && cp.protocol == proto)
                && p.ports().next().is_some()
        })
        .map(|o| format!("{} ({}/{proto})", cluster.pods[o.pod].name, o.target_port))
        .collect();
    let tp = outcomes[0].target_port;
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

/// A side an admin or baseline rule decided (or that an admin `Pass` handed on), in words.
fn tier_detail(side: &str, s: &SideVerdict, who: &str, v: &Verdict) -> Option<String> {
    use crate::sim::netpol::describe_match;
    let dir = if side == "egress" {
        Direction::Egress
    } else {
        Direction::Ingress
    };
    let outcome = if s.allowed {
        "allowed".to_string()
    } else {
        format!("{} {} is dropped", v.protocol, v.port)
    };
    match (&s.cluster_rule, &s.passed_by, s.tier) {
        (Some(m), _, Some(tier @ ("admin" | "baseline"))) => Some(format!(
            "the {side} of {who} is decided by the {tier} tier: {}: {outcome}",
            describe_match(m, dir)
        )),
        (_, Some(p), Some("default")) => Some(format!(
            "the {side} of {who} is passed by {} and no NetworkPolicy or baseline rule decides: allowed by default",
            describe_match(p, dir)
        )),
        _ => None,
    }
}

/// One side of a policy verdict in words, for a hop's detail.
pub(super) fn side_detail(side: &str, v: &Verdict, who: &str) -> String {
    let s = if side == "egress" {
        &v.egress
    } else {
        &v.ingress
    };
    if !s.subject_to_policies {
        return format!("{who}: not subject to NetworkPolicy ({side})");
    }
    if let Some(t) = tier_detail(side, s, who, v) {
        return t;
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

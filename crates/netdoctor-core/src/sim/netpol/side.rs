//! One side of a connection, explained: the egress of the source or the ingress of the
//! destination, with a line per policy and rule saying why it allows the connection or not.

use super::{
    describe_peer, policy_id, port_conns, Direction, Endpoint, Engine, RuleMatch, SideVerdict,
    Subject,
};
use crate::model::{format_labels, NetworkPolicy, Pod, PolicyPort, PolicyRule, PortRef, Protocol};

/// What is checked on a side: `dst` is the pod against which named ports resolve.
#[derive(Clone, Copy)]
struct Question<'q> {
    dir: Direction,
    subject: Subject<'q>,
    dst: Option<&'q Pod>,
    proto: Protocol,
    port: u16,
}

impl Direction {
    /// The field of a policy that holds this direction's rules.
    fn field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// The `policyTypes` value of this direction.
    fn policy_type(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }

    /// The role of the other end: the source of an ingress, the destination of an egress.
    fn peer_role(self) -> &'static str {
        match self {
            Direction::Ingress => "source",
            Direction::Egress => "destination",
        }
    }
}

impl<'a> Engine<'a> {
    /// Evaluates one side: `me` is the pod whose policies apply, `peer` the other end,
    /// `dst` the pod against which named ports resolve.
    pub(super) fn side(
        &self,
        dir: Direction,
        me: Endpoint,
        peer: Endpoint,
        dst: Option<&Pod>,
        proto: Protocol,
        port: u16,
    ) -> SideVerdict {
        let mut out = SideVerdict {
            subject_to_policies: false,
            isolated: false,
            allowed: true,
            policies: Vec::new(),
            allowed_by: Vec::new(),
            explanation: Vec::new(),
            not_modelled: Vec::new(),
            ..Default::default()
        };
        let Some(me_idx) = self.isolated_pod(dir, me, &mut out) else {
            return out;
        };
        let subject = self.subject(peer);
        out.explanation
            .push(self.describe_subject(dir.peer_role(), peer, subject));
        let question = Question {
            dir,
            subject,
            dst,
            proto,
            port,
        };
        let mut sorted: Vec<usize> = self.policies_of_pod(me_idx, dir).to_vec();
        sorted.sort_by(|&a, &b| {
            let (pa, pb) = (&self.cluster.policies[a], &self.cluster.policies[b]);
            (&pa.namespace, &pa.name).cmp(&(&pb.namespace, &pb.name))
        });
        for pi in sorted {
            self.explain_policy(&self.cluster.policies[pi], question, &mut out);
        }
        out.allowed = !out.allowed_by.is_empty();
        out
    }

    /// The pod index of `me` when policies isolate it in `dir`; otherwise None, with `out`
    /// saying why the side is open (an address, a hostNetwork pod, no policy selects it).
    fn isolated_pod(&self, dir: Direction, me: Endpoint, out: &mut SideVerdict) -> Option<usize> {
        let Endpoint::Pod(me_idx) = me else {
            out.explanation.push(format!(
                "{}: an external address is not subject to NetworkPolicy",
                dir.as_str()
            ));
            return None;
        };
        let me_pod = self.cluster.pods.get(me_idx)?;
        if !self.governed(me_pod) {
            out.explanation.push(format!(
                "{}: {}/{} uses hostNetwork, which pod NetworkPolicies do not govern",
                dir.as_str(),
                me_pod.namespace,
                me_pod.name
            ));
            return None;
        }
        out.subject_to_policies = true;
        if self.policies_of_pod(me_idx, dir).is_empty() {
            out.explanation.push(format!(
                "{}: no NetworkPolicy with policyType {} selects {}/{}: not isolated, everything allowed",
                dir.as_str(),
                dir.policy_type(),
                me_pod.namespace,
                me_pod.name
            ));
            return None;
        }
        out.isolated = true;
        Some(me_idx)
    }

    /// `source: pod ns/name with labels … in namespace … with labels …`, or the address.
    fn describe_subject(&self, role: &str, peer: Endpoint, subject: Subject<'_>) -> String {
        match (peer, subject) {
            (
                Endpoint::Pod(i),
                Subject::Pod {
                    ns,
                    ns_labels,
                    labels,
                    ..
                },
            ) => format!(
                "{role}: pod {ns}/{} with labels {} in namespace {ns} with labels {}",
                self.cluster
                    .pods
                    .get(i)
                    .map(|p| p.name.as_str())
                    .unwrap_or_default(),
                format_labels(labels),
                format_labels(ns_labels)
            ),
            (_, Subject::External(Some(ip))) => {
                format!("{role}: address {ip} (only ipBlock peers can match it)")
            }
            _ => format!("{role}: an endpoint with no address (only rules without peers match it)"),
        }
    }

    /// Every rule of one selecting policy for the question's direction.
    fn explain_policy(&self, p: &NetworkPolicy, q: Question<'_>, out: &mut SideVerdict) {
        let id = policy_id(p);
        out.policies.push(id.clone());
        let rules = match q.dir {
            Direction::Ingress => &p.ingress,
            Direction::Egress => &p.egress,
        };
        let field = q.dir.field();
        if rules.is_empty() {
            out.explanation.push(format!(
                "{id}: no {field} rules: allows nothing ({field} default deny)"
            ));
            return;
        }
        for (ri, rule) in rules.iter().enumerate() {
            self.explain_rule(&p.namespace, &id, ri, rule, q, out);
        }
    }

    /// One rule: the peer it matches (None: it lists none) and the port entry (None: it lists
    /// none), or which of the two it misses.
    fn explain_rule(
        &self,
        policy_ns: &str,
        id: &str,
        ri: usize,
        rule: &PolicyRule,
        q: Question<'_>,
        out: &mut SideVerdict,
    ) {
        let field = q.dir.field();
        let peer_hit: Result<Option<usize>, ()> = if rule.peers.is_empty() {
            Ok(None)
        } else {
            rule.peers
                .iter()
                .position(|pe| self.peer_matches(policy_ns, pe, q.subject))
                .map(Some)
                .ok_or(())
        };
        let port_hit: Result<Option<usize>, ()> = if rule.ports.is_empty() {
            Ok(None)
        } else {
            rule.ports
                .iter()
                .position(|pp| port_conns(pp, q.dst).contains(q.proto, q.port))
                .map(Some)
                .ok_or(())
        };
        let line = match (peer_hit, port_hit) {
            (Ok(peer_i), Ok(port_i)) => {
                out.allowed_by.push(RuleMatch {
                    policy: id.to_string(),
                    rule: ri,
                    peer: peer_i,
                    port: port_i,
                });
                let peer_txt = match peer_i {
                    None => "every peer (no peers listed)".to_string(),
                    Some(k) => format!("peer {k} ({})", describe_peer(&rule.peers[k])),
                };
                let port_txt = match port_i {
                    None => "every port (no ports listed)".to_string(),
                    Some(k) => format!("port entry {k} ({})", describe_port(&rule.ports[k], q.dst)),
                };
                format!("{id}: {field}[{ri}] allows it: {peer_txt}, {port_txt}")
            }
            (Err(()), _) => {
                let peers: Vec<String> = rule.peers.iter().map(describe_peer).collect();
                format!(
                    "{id}: {field}[{ri}] does not match the {}: it admits {}",
                    q.dir.peer_role(),
                    peers.join(" or ")
                )
            }
            (Ok(_), Err(())) => {
                let ports: Vec<String> = rule
                    .ports
                    .iter()
                    .map(|pp| describe_port(pp, q.dst))
                    .collect();
                format!(
                    "{id}: {field}[{ri}] matches the peer but not {}/{}: it admits {}",
                    q.proto.as_str(),
                    q.port,
                    ports.join(", ")
                )
            }
        };
        out.explanation.push(line);
    }
}

/// A policy port entry in words, a named port resolved against the destination pod.
fn describe_port(p: &PolicyPort, dst: Option<&Pod>) -> String {
    match (&p.port, p.end_port) {
        (None, _) => format!("every {} port", p.protocol.as_str()),
        (Some(PortRef::Number(n)), Some(e)) => format!("{} {n}-{e}", p.protocol.as_str()),
        (Some(PortRef::Number(n)), None) => format!("{} {n}", p.protocol.as_str()),
        (Some(PortRef::Name(name)), _) => {
            match dst.and_then(|d| d.resolve_named_port(name, p.protocol)) {
                Some(n) => format!(
                    "{} {name:?} = {n} on the destination pod",
                    p.protocol.as_str()
                ),
                None => format!(
                    "{} {name:?}, which the destination declares no {} container port for",
                    p.protocol.as_str(),
                    p.protocol.as_str()
                ),
            }
        }
    }
}

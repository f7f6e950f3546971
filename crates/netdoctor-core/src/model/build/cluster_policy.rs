//! AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy
//! (v1alpha2) → `ClusterPolicy`, validated as the CRDs' schemas validate them: an object the
//! API server would reject is reported (INP002) and skipped, as NetworkPolicies are.
//! A peer with no field set (a newer CRD's field this reader does not know) fails closed as
//! the API says: an `Allow`/`Accept` rule matches nothing through it, a `Deny`/`Pass` rule
//! becomes a deny-all rule.

use super::Builder;
use crate::load::{api, Origin};
use crate::model::cluster_policy::*;
use crate::model::labels::Selector;
use crate::model::types::Protocol;
use crate::model::ObjectRef;

/// Whether a policy object of `kind` is one netdoctor evaluates as a cluster policy.
pub(super) fn is_cluster_policy(kind: &str) -> bool {
    ClusterPolicyKind::from_kind(kind).is_some()
}

type Invalid = String;

impl Builder {
    /// Converts one object; on a problem the API server would reject, reports INP002 and
    /// returns None.
    pub(super) fn cluster_policy(
        &mut self,
        p: &api::ForeignPolicy,
        name: String,
        origin: &Origin,
    ) -> Option<ClusterPolicy> {
        let kind = ClusterPolicyKind::from_kind(&p.kind)?;
        let object = ObjectRef::new(kind.as_str(), None, &name);
        match convert(kind, p, name, origin) {
            Ok(c) => Some(c),
            Err(reason) => {
                self.invalid(object, reason, "skipped", origin);
                None
            }
        }
    }
}

fn convert(
    kind: ClusterPolicyKind,
    p: &api::ForeignPolicy,
    name: String,
    origin: &Origin,
) -> Result<ClusterPolicy, Invalid> {
    let spec: api::ClusterPolicySpec =
        serde_json::from_value(p.spec.clone()).map_err(|e| format!("spec cannot be read: {e}"))?;
    let v2 = kind == ClusterPolicyKind::ClusterNetworkPolicy;
    let tier = match kind {
        ClusterPolicyKind::AdminNetworkPolicy => Tier::Admin,
        ClusterPolicyKind::BaselineAdminNetworkPolicy => Tier::Baseline,
        ClusterPolicyKind::ClusterNetworkPolicy => match spec.tier.as_deref() {
            Some("Admin") => Tier::Admin,
            Some("Baseline") => Tier::Baseline,
            other => {
                return Err(format!(
                    "spec.tier is {other:?}, which is not Admin or Baseline"
                ))
            }
        },
    };
    let priority = match (kind, spec.priority) {
        (ClusterPolicyKind::BaselineAdminNetworkPolicy, _) => None,
        (_, Some(n)) if (0..=1000).contains(&n) => Some(n as i32),
        (_, Some(n)) => {
            return Err(format!(
                "spec.priority {n} is outside 0..=1000 (the API server rejects it)"
            ))
        }
        (_, None) => return Err("spec.priority is missing".to_string()),
    };
    let subject = subject(spec.subject.as_ref())?;
    let mut ingress = Vec::new();
    for (i, r) in spec.ingress.iter().enumerate() {
        ingress.push(rule(r, kind, v2, true).map_err(|e| format!("spec.ingress[{i}]: {e}"))?);
    }
    let mut egress = Vec::new();
    for (i, r) in spec.egress.iter().enumerate() {
        egress.push(rule(r, kind, v2, false).map_err(|e| format!("spec.egress[{i}]: {e}"))?);
    }
    Ok(ClusterPolicy {
        kind,
        api_version: p.api_version.clone(),
        name,
        tier,
        priority,
        subject,
        ingress,
        egress,
        origin: Some(origin.clone()),
    })
}

fn selector(sel: Option<&api::LabelSelector>, field: &str) -> Result<Selector, Invalid> {
    match sel {
        None => Ok(Selector::default()),
        Some(s) => Selector::from_api(s).map_err(|e| format!("{field}: {e}")),
    }
}

fn pod_set(
    namespaces: Option<&api::LabelSelector>,
    pods: Option<&api::NamespacedPod>,
    field: &str,
) -> Result<Option<PodSet>, Invalid> {
    match (namespaces, pods) {
        (Some(ns), None) => Ok(Some(PodSet {
            namespaces: selector(Some(ns), &format!("{field}.namespaces"))?,
            pods: None,
        })),
        (None, Some(p)) => Ok(Some(PodSet {
            namespaces: selector(
                p.namespace_selector.as_ref(),
                &format!("{field}.pods.namespaceSelector"),
            )?,
            pods: Some(selector(
                p.pod_selector.as_ref(),
                &format!("{field}.pods.podSelector"),
            )?),
        })),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(format!(
            "{field}: exactly one of namespaces and pods must be set"
        )),
    }
}

fn subject(s: Option<&api::ClusterPolicySubject>) -> Result<PodSet, Invalid> {
    let s = s.ok_or("spec.subject is missing")?;
    pod_set(s.namespaces.as_ref(), s.pods.as_ref(), "spec.subject")?
        .ok_or_else(|| "spec.subject: exactly one of namespaces and pods must be set".to_string())
}

fn action(a: Option<&str>, kind: ClusterPolicyKind) -> Result<Action, Invalid> {
    use ClusterPolicyKind::*;
    match (kind, a) {
        (AdminNetworkPolicy | BaselineAdminNetworkPolicy, Some("Allow")) => Ok(Action::Allow),
        (ClusterNetworkPolicy, Some("Accept")) => Ok(Action::Allow),
        (_, Some("Deny")) => Ok(Action::Deny),
        (AdminNetworkPolicy | ClusterNetworkPolicy, Some("Pass")) => Ok(Action::Pass),
        (_, other) => Err(format!(
            "action {other:?} is not one of {}",
            match kind {
                AdminNetworkPolicy => "Allow, Deny, Pass",
                BaselineAdminNetworkPolicy => "Allow, Deny",
                ClusterNetworkPolicy => "Accept, Deny, Pass",
            }
        )),
    }
}

fn rule(
    r: &api::ClusterPolicyRule,
    kind: ClusterPolicyKind,
    v2: bool,
    ingress: bool,
) -> Result<ClusterRule, Invalid> {
    let mut action = action(r.action.as_deref(), kind)?;
    let (field, list) = if ingress {
        ("from", r.from.as_deref())
    } else {
        ("to", r.to.as_deref())
    };
    let list = list
        .filter(|l| !l.is_empty())
        .ok_or_else(|| format!("{field} must be defined and contain at least one item"))?;
    let mut peers = Vec::new();
    let mut fail_closed = false;
    for (i, p) in list.iter().enumerate() {
        match peer(p, ingress, &format!("{field}[{i}]"))? {
            Some(peer) => peers.push(peer),
            None => fail_closed = true,
        }
    }
    if fail_closed && action != Action::Allow {
        // The API: "For Deny and Pass rules, fail closed means: treat the rule as a Deny
        // all rule".
        action = Action::Deny;
        peers = vec![ClusterPeer::Networks(vec![
            "0.0.0.0/0".parse().map_err(|_| "internal: cidr")?,
            "::/0".parse().map_err(|_| "internal: cidr")?,
        ])];
        peers.push(ClusterPeer::Pods(PodSet {
            namespaces: Selector::default(),
            pods: None,
        }));
    }
    let ports = if v2 {
        r.protocols.as_deref().map(protocols).transpose()?
    } else {
        r.ports.as_deref().map(v1_ports).transpose()?
    };
    Ok(ClusterRule {
        name: r.name.clone().unwrap_or_default(),
        action,
        peers,
        ports,
    })
}

/// One peer; None when no field is set (fail closed).
fn peer(
    p: &api::ClusterPolicyPeer,
    ingress: bool,
    field: &str,
) -> Result<Option<ClusterPeer>, Invalid> {
    let set = [
        p.namespaces.is_some(),
        p.pods.is_some(),
        p.nodes.is_some(),
        p.networks.is_some(),
        p.domain_names.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if set == 0 {
        return Ok(None);
    }
    if set > 1 {
        return Err(format!(
            "{field}: exactly one field must be set in a rule peer"
        ));
    }
    if ingress && (p.nodes.is_some() || p.networks.is_some() || p.domain_names.is_some()) {
        return Err(format!(
            "{field}: ingress peers take only namespaces or pods"
        ));
    }
    if let Some(s) = pod_set(p.namespaces.as_ref(), p.pods.as_ref(), field)? {
        return Ok(Some(ClusterPeer::Pods(s)));
    }
    if let Some(n) = &p.nodes {
        return Ok(Some(ClusterPeer::Nodes(selector(
            Some(n),
            &format!("{field}.nodes"),
        )?)));
    }
    if let Some(nets) = &p.networks {
        let mut out = Vec::new();
        for n in nets {
            let net = parse_cidr(n)
                .ok_or_else(|| format!("{field}.networks: invalid CIDR address {n:?}"))?;
            out.push(net);
        }
        return Ok(Some(ClusterPeer::Networks(out)));
    }
    Ok(Some(ClusterPeer::DomainNames(
        p.domain_names.clone().unwrap_or_default(),
    )))
}

/// A CIDR, or a single address (the API accepts both).
fn parse_cidr(s: &str) -> Option<ipnet::IpNet> {
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

fn protocol(p: Option<&str>) -> Result<Protocol, Invalid> {
    match p {
        None | Some("") => Ok(Protocol::Tcp),
        Some(s) => {
            Protocol::parse(s).ok_or_else(|| format!("protocol {s:?} is not TCP, UDP or SCTP"))
        }
    }
}

fn port_number(n: Option<i64>) -> Result<u16, Invalid> {
    n.and_then(|n| u16::try_from(n).ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("port {n:?} is not in 1..=65535"))
}

fn range(r: &api::PortRange, proto: Protocol) -> Result<ClusterPort, Invalid> {
    let (start, end) = (port_number(r.start)?, port_number(r.end)?);
    if start > end {
        return Err(format!(
            "port range {start}-{end}: start must not be greater than end"
        ));
    }
    Ok(ClusterPort::Range {
        protocol: proto,
        start,
        end,
    })
}

/// v1alpha1 `ports`: `portNumber`, `namedPort` or `portRange`, exactly one per entry.
fn v1_ports(list: &[api::AdminPolicyPort]) -> Result<Vec<ClusterPort>, Invalid> {
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let set = usize::from(p.port_number.is_some())
            + usize::from(p.named_port.is_some())
            + usize::from(p.port_range.is_some());
        if set != 1 {
            return Err(format!(
                "ports[{i}]: exactly one field must be set in an AdminNetworkPolicyPort"
            ));
        }
        if let Some(n) = &p.port_number {
            let port = port_number(n.port)?;
            out.push(ClusterPort::Range {
                protocol: protocol(n.protocol.as_deref())?,
                start: port,
                end: port,
            });
        } else if let Some(r) = &p.port_range {
            out.push(range(r, protocol(r.protocol.as_deref())?)?);
        } else if let Some(n) = &p.named_port {
            out.push(ClusterPort::Named(n.clone()));
        }
    }
    Ok(out)
}

/// v1alpha2 `protocols`: `tcp`/`udp`/`sctp` (with an optional `destinationPort`) or
/// `destinationNamedPort`, exactly one per entry.
fn protocols(list: &[api::ClusterPolicyProtocol]) -> Result<Vec<ClusterPort>, Invalid> {
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let entries = [
            (Protocol::Tcp, p.tcp.as_ref()),
            (Protocol::Udp, p.udp.as_ref()),
            (Protocol::Sctp, p.sctp.as_ref()),
        ];
        let set = entries.iter().filter(|(_, e)| e.is_some()).count()
            + usize::from(p.destination_named_port.is_some());
        if set != 1 {
            return Err(format!(
                "protocols[{i}]: exactly one of tcp, udp, sctp and destinationNamedPort must be set"
            ));
        }
        if let Some(n) = &p.destination_named_port {
            out.push(ClusterPort::Named(n.clone()));
            continue;
        }
        for (proto, e) in entries {
            let Some(e) = e else { continue };
            match &e.destination_port {
                None => out.push(ClusterPort::Protocol(proto)),
                Some(d) => match (&d.range, d.number) {
                    (Some(r), None) => out.push(range(r, proto)?),
                    (None, Some(n)) => {
                        let port = port_number(Some(n))?;
                        out.push(ClusterPort::Range {
                            protocol: proto,
                            start: port,
                            end: port,
                        })
                    }
                    _ => {
                        return Err(format!(
                            "protocols[{i}].destinationPort: exactly one of number and range must be set"
                        ))
                    }
                },
            }
        }
    }
    Ok(out)
}

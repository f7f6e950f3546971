//! From a pod to outside the cluster: an address, or a name upstream DNS resolves. Only the
//! source's egress policies stand in the way. Of NetworkPolicy peers only an ipBlock, or a
//! rule with no `to` at all, can match an address outside the cluster: pod and namespace
//! selectors never do (issue 16 item 6).

use super::fix::{egress_fix_to_ip, egress_fix_to_name};
use super::policy_hops::side_detail;
use super::{Builder, Trace};
use crate::model::Peer;
use crate::sim::netpol::{policy_id, rule_conns, Direction, Endpoint, FlowVerdict};
use crate::sim::path::Symptom;
use std::net::IpAddr;

const OUTSIDE: &str = "outside the cluster: no NetworkPolicy applies";

/// An address outside the cluster: the source's egress policies decide.
pub(super) fn to_address(mut b: Builder<'_>, pod: usize, ip: IpAddr, port: u16) -> Trace {
    let cluster = b.cluster;
    let p = &cluster.pods[pod];
    let proto = b.options.protocol;
    let v = b
        .engine
        .check(Endpoint::Pod(pod), Endpoint::Ip(ip), port, proto);
    if v.verdict == FlowVerdict::Denied {
        let fix = egress_fix_to_ip(cluster, p, ip, port, proto);
        let detail = side_detail("egress", &v, &p.name);
        return b.fail(
            "egress-policy",
            detail,
            Symptom::ConnectionTimeout,
            Some(fix),
        );
    }
    let d = side_detail("egress", &v, &p.name);
    if v.verdict == FlowVerdict::Unknown {
        b.warn(
            "egress-policy",
            format!(
                "{d}; but {} also governs it, which netdoctor does not model: the verdict is unknown",
                v.egress.not_modelled.join(", ")
            ),
        );
        b.skip("ingress-policy", OUTSIDE);
        return b.unknown(v.unknown_reasons);
    }
    b.pass("egress-policy", d);
    b.skip("ingress-policy", OUTSIDE);
    b.ok()
}

/// What the egress rules of an isolated pod admit towards an address nobody knows yet (the
/// one upstream DNS returns), on one port.
struct OutsideRules {
    /// `ns/name rule N` of rules without `to`: every destination on their ports.
    open: Vec<String>,
    /// `ns/name rule N (ipBlock …)`: they admit the address if it is in the block.
    blocks: Vec<String>,
}

fn outside_rules(b: &Builder<'_>, pod: usize, port: u16) -> OutsideRules {
    let cluster = b.cluster;
    let proto = b.options.protocol;
    let mut out = OutsideRules {
        open: Vec::new(),
        blocks: Vec::new(),
    };
    for &pi in b.engine.policies_of_pod(pod, Direction::Egress) {
        let pol = &cluster.policies[pi];
        for (ri, rule) in pol.egress.iter().enumerate() {
            // Named ports resolve against the destination pod: an outside address has none.
            if !rule_conns(rule, None).contains(proto, port) {
                continue;
            }
            if rule.peers.is_empty() {
                out.open.push(format!("{} rule {ri}", policy_id(pol)));
            }
            for peer in &rule.peers {
                if let Peer::IpBlock { .. } = peer {
                    out.blocks.push(format!(
                        "{} rule {ri} ({})",
                        policy_id(pol),
                        crate::sim::netpol::describe_peer(peer)
                    ));
                }
            }
        }
    }
    out
}

/// A name upstream DNS resolves: its address is not in the snapshot. Whether an
/// egress-isolated source reaches it depends on its rules: a rule without `to` admits every
/// destination on its ports; an ipBlock may or may not hold the address (unknown); no such
/// rule means every outside address is dropped.
pub(super) fn to_upstream_name(mut b: Builder<'_>, pod: usize, host: &str, port: u16) -> Trace {
    let cluster = b.cluster;
    let p = &cluster.pods[pod];
    let proto = b.options.protocol;
    let foreign = b.engine.foreign_of(Endpoint::Pod(pod), Direction::Egress);
    let pols: Vec<String> = b
        .engine
        .policies_of_pod(pod, Direction::Egress)
        .iter()
        .map(|&i| policy_id(&cluster.policies[i]))
        .collect();
    let note = "the name is resolved by upstream DNS: the path beyond the cluster is not modelled";
    let rules = outside_rules(&b, pod, port);
    if !pols.is_empty() && rules.open.is_empty() && rules.blocks.is_empty() {
        let allows = foreign
            .iter()
            .any(|&i| cluster.foreign_policies[i].can_allow);
        if !allows {
            let fix = egress_fix_to_name(cluster, p, host, port, proto);
            return b.fail(
                "egress-policy",
                format!(
                    "{} is egress-isolated by {} and no egress rule admits {proto} {port} to an address outside the cluster (only an ipBlock, or a rule without `to`, can match one; pod and namespace selectors never do): the packets to {host} are dropped",
                    p.name,
                    pols.join(", ")
                ),
                Symptom::ConnectionTimeout,
                Some(fix),
            );
        }
    }
    let mut unknown: Vec<String> = foreign
        .iter()
        .map(|&i| {
            format!(
                "the egress of {}/{} is governed by {}, which netdoctor does not model",
                p.namespace,
                p.name,
                cluster.foreign_policies[i].display()
            )
        })
        .collect();
    for &ci in b.engine.cluster_policies_of_pod(pod) {
        let cp = &cluster.cluster_policies()[ci as usize];
        let outside = cp.egress.iter().any(|r| {
            r.peers
                .iter()
                .any(|peer| !matches!(peer, crate::model::cluster_policy::ClusterPeer::Pods(_)))
        });
        if outside {
            unknown.push(format!(
                "the egress of {}/{} is subject to {}, whose egress rules match addresses outside the cluster (networks, nodes or domain names): whether they admit the address upstream DNS returns for {host} cannot be known from the snapshot; trace that address (--to ADDRESS:{port})",
                p.namespace,
                p.name,
                cp.display()
            ));
        }
    }
    if pols.is_empty() {
        b.pass(
            "egress-policy",
            format!("{} is not egress-isolated", p.name),
        );
    } else if !rules.open.is_empty() {
        b.pass(
            "egress-policy",
            format!(
                "{} is egress-isolated by {}; {} lists no destinations (`to` absent): it allows every destination on {proto} {port}, addresses outside the cluster included",
                p.name,
                pols.join(", "),
                rules.open.join(", ")
            ),
        );
    } else {
        let reason = format!(
            "whether {} admits the address upstream DNS returns for {host} cannot be known from the snapshot: trace that address (--to ADDRESS:{port}) to decide",
            rules.blocks.join(", ")
        );
        b.warn(
            "egress-policy",
            format!(
                "{} is egress-isolated by {}; {reason}",
                p.name,
                pols.join(", ")
            ),
        );
        unknown.insert(0, reason);
    }
    b.skip("ingress-policy", OUTSIDE);
    b.trace.notes.push(note.into());
    if unknown.is_empty() {
        b.ok()
    } else {
        b.unknown(unknown)
    }
}

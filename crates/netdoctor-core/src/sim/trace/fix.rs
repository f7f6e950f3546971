//! The fix for a hop a NetworkPolicy drops: the policy that allows exactly this flow, named
//! after the workloads on both ends.

use super::Source;
use crate::model::{Cluster, Labels, Pod, Protocol, Selector};
use crate::sim::fix::netpol_yaml::{AllowPolicy, Peer, PolicyType};
use crate::sim::fix::Fix;
use crate::sim::netpol::Verdict;
use std::net::IpAddr;

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
                    .pods_matching(&pod.namespace, &Selector::from_map(&labels))
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

/// The side of a denied flow that drops it: the source's egress, else the destination's
/// ingress.
pub(super) fn dropping_side(v: &Verdict) -> PolicyType {
    if v.egress.allowed {
        PolicyType::Ingress
    } else {
        PolicyType::Egress
    }
}

/// The fix for a flow an admin-tier rule (AdminNetworkPolicy, Admin-tier
/// ClusterNetworkPolicy) denies on side `dropped_by`: no NetworkPolicy can admit it.
pub(super) fn tier_fix(v: &Verdict, dropped_by: PolicyType) -> Option<Fix> {
    let side = match dropped_by {
        PolicyType::Egress => &v.egress,
        PolicyType::Ingress => &v.ingress,
    };
    let m = side.cluster_rule.as_ref()?;
    if side.allowed || side.tier != Some("admin") {
        return None;
    }
    Some(
        Fix::new(format!(
            "The admin tier denies this flow ({} {}, {} rule {}{}): no NetworkPolicy can admit it. Add an Allow (or Pass) rule that matches it before that rule, in the same policy or in one with a lower priority number, or narrow the Deny",
            m.kind,
            m.policy,
            match dropped_by {
                PolicyType::Egress => "egress",
                PolicyType::Ingress => "ingress",
            },
            m.rule,
            if m.rule_name.is_empty() {
                String::new()
            } else {
                format!(" {:?}", m.rule_name)
            }
        ))
        .command(format!(
            "kubectl get {} {} -o yaml",
            m.kind.to_ascii_lowercase(),
            m.policy
        )),
    )
}

/// The fix for a flow from `src` to the pod `dst` that the policies of `dropped_by` drop:
/// the policy that allows exactly this flow on that side.
pub(super) fn allow_flow(
    cluster: &Cluster,
    src: Source,
    dst: &Pod,
    dropped_by: PolicyType,
    port: u16,
    proto: Protocol,
) -> Fix {
    let (me, peer) = match (src, dropped_by) {
        (Source::Pod(s), PolicyType::Egress) => (&cluster.pods[s], dst),
        (Source::Pod(s), PolicyType::Ingress) => (dst, &cluster.pods[s]),
        (Source::External(ip), PolicyType::Ingress) => {
            return allow_policy(cluster, dropped_by, dst, FlowPeer::Address(ip), port, proto)
        }
        // No NetworkPolicy governs what leaves an address outside the cluster.
        (Source::External(_), PolicyType::Egress) => return Fix::new("not applicable"),
    };
    if !peer.host_network {
        return allow_policy(cluster, dropped_by, me, FlowPeer::Pod(peer), port, proto);
    }
    host_network_fix(cluster, dropped_by, me, peer, port, proto)
}

/// The peer uses the host network: its traffic has its node's address, which no podSelector
/// matches. Pod policies can admit it only through an ipBlock of that address, and whether
/// they apply to node traffic at all depends on the CNI.
fn host_network_fix(
    cluster: &Cluster,
    dir: PolicyType,
    me: &Pod,
    peer: &Pod,
    port: u16,
    proto: Protocol,
) -> Fix {
    let node_ip = peer
        .host_ip
        .or_else(|| peer.ips.first().copied())
        .or_else(|| {
            let node = peer.node_name.as_deref()?;
            let n = cluster.nodes.iter().find(|n| n.name == node)?;
            n.internal_ips.first().copied()
        });
    let who = format!("{}/{}", peer.namespace, peer.name);
    let Some(ip) = node_ip else {
        return Fix::new(format!(
            "No pod-level fix with a podSelector: {who} uses the host network, so its traffic has its node's address, which no podSelector matches. Admit the node addresses with an ipBlock (see `kubectl get nodes -o wide`), where your CNI applies pod policies to node traffic at all (many treat it as always allowed, or never match it with an ipBlock)"
        ))
        .command("kubectl get nodes -o wide");
    };
    let fix = allow_policy(cluster, dir, me, FlowPeer::Address(ip), port, proto);
    Fix {
        title: format!(
            "{} — {who} uses the host network: its traffic has its node's address {ip}, which only an ipBlock matches (a podSelector never does). Caveats: the pod may move to another node (admit every node address then), and some CNIs treat node traffic as always allowed or never match it with an ipBlock",
            fix.title
        ),
        ..fix
    }
}

/// The other end of the flow a fix allows.
#[derive(Clone, Copy)]
enum FlowPeer<'a> {
    Pod(&'a Pod),
    Address(IpAddr),
}

/// The NetworkPolicy that allows exactly this flow on the side that drops it: selecting the
/// workload of `me`, admitting the workload of the peer pod (or the peer address), on one port.
fn allow_policy(
    cluster: &Cluster,
    dir: PolicyType,
    me: &Pod,
    peer: FlowPeer<'_>,
    port: u16,
    proto: Protocol,
) -> Fix {
    let me_labels = workload_selector_labels(cluster, me);
    let peer_labels = match peer {
        FlowPeer::Pod(p) => workload_selector_labels(cluster, p),
        FlowPeer::Address(_) => Labels::new(),
    };
    let (peer_spec, peer_name) = match peer {
        FlowPeer::Pod(p) => (
            Peer::Pods {
                labels: &peer_labels,
                namespace: (p.namespace != me.namespace).then_some(p.namespace.as_str()),
            },
            crate::model::short_workload_name(cluster, p),
        ),
        FlowPeer::Address(ip) => (Peer::Address(ip), ip.to_string()),
    };
    let me_name = crate::model::short_workload_name(cluster, me);
    let name = match dir {
        PolicyType::Ingress => format!(
            "allow-{}-from-{}-{port}",
            short(&me_name),
            short(&peer_name)
        ),
        PolicyType::Egress => format!("allow-{}-to-{}-{port}", short(&me_name), short(&peer_name)),
    };
    let yaml = AllowPolicy {
        name: &name,
        namespace: &me.namespace,
        pod_labels: &me_labels,
        policy_type: dir,
        peer: peer_spec,
        protocol: proto,
        port,
    }
    .to_yaml();
    let title = match dir {
        PolicyType::Ingress => format!(
            "Allow exactly this flow into {}/{me_name}: {proto} {port} from {peer_name} (added beside the existing policies; opens nothing else)",
            me.namespace
        ),
        PolicyType::Egress => format!(
            "Allow exactly this flow out of {}/{me_name}: {proto} {port} to {peer_name} (added beside the existing policies; opens nothing else)",
            me.namespace
        ),
    };
    Fix::new(title)
        .command(format!("kubectl apply -f {name}.yaml"))
        .yaml(yaml)
}

pub(super) fn egress_fix_to_ip(
    cluster: &Cluster,
    me: &Pod,
    ip: IpAddr,
    port: u16,
    proto: Protocol,
) -> Fix {
    allow_policy(
        cluster,
        PolicyType::Egress,
        me,
        FlowPeer::Address(ip),
        port,
        proto,
    )
}

/// The fix for an egress-isolated pod that must reach a name outside the cluster whose
/// address the snapshot does not hold: an ipBlock for the address(es) the name resolves to,
/// to be looked up first.
pub(super) fn egress_fix_to_name(
    cluster: &Cluster,
    me: &Pod,
    host: &str,
    port: u16,
    proto: Protocol,
) -> Fix {
    // A documentation address (RFC 5737) stands for the address until it is looked up.
    let placeholder = IpAddr::from([192, 0, 2, 1]);
    let fix = egress_fix_to_ip(cluster, me, placeholder, port, proto);
    let host = host.trim_end_matches('.');
    let name_part = short(host);
    let yaml = fix.yaml.as_deref().unwrap_or_default().replace(
        "cidr: 192.0.2.1/32",
        &format!("cidr: ADDRESS/32   # each address of {host}: dig +short {host}"),
    );
    let yaml = yaml.replace("192-0-2-1", &name_part);
    let workload = crate::model::short_workload_name(cluster, me);
    Fix::new(format!(
        "Allow {proto} {port} out of {}/{workload} to the addresses of {host}: look them up (`dig +short {host}`) and put each in an ipBlock (added beside the existing policies; opens nothing else)",
        me.namespace
    ))
    .command(format!("dig +short {host}"))
    .command(format!("kubectl apply -f {}.yaml", policy_name(&yaml)))
    .yaml(yaml)
}

fn policy_name(yaml: &str) -> String {
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix("name: "))
        .unwrap_or("allow-egress")
        .to_string()
}

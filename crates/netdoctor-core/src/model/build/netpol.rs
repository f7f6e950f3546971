//! NetworkPolicies: selectors, peers and ports, validated as the API server would.

use super::{parse_port, Builder};
use crate::load::{api, Origin};
use crate::model::labels::Selector;
use crate::model::types::*;
use crate::model::ObjectRef;

impl Builder {
    pub(super) fn selector(
        &mut self,
        sel: &api::LabelSelector,
        object: &ObjectRef,
        field: &str,
        origin: &Origin,
    ) -> Option<Selector> {
        match Selector::from_api(sel) {
            Ok(s) => Some(s),
            Err(e) => {
                self.invalid(object.clone(), format!("{field}: {e}"), "skipped", origin);
                None
            }
        }
    }

    pub(super) fn policy(
        &mut self,
        ns: String,
        name: String,
        p: api::NetworkPolicy,
        origin: &Origin,
    ) -> Option<NetworkPolicy> {
        let object = ObjectRef::namespaced("NetworkPolicy", &ns, &name);
        let pod_selector =
            self.selector(&p.spec.pod_selector, &object, "spec.podSelector", origin)?;
        let has_egress_rules = p.spec.egress.as_ref().is_some_and(|e| !e.is_empty());
        let (isolates_ingress, isolates_egress) = match &p.spec.policy_types {
            Some(types) if !types.is_empty() => {
                for t in types {
                    if t != "Ingress" && t != "Egress" {
                        self.invalid(
                            object.clone(),
                            format!(
                                "spec.policyTypes contains {t:?}, which is not Ingress or Egress"
                            ),
                            "skipped",
                            origin,
                        );
                        return None;
                    }
                }
                (
                    types.iter().any(|t| t == "Ingress"),
                    types.iter().any(|t| t == "Egress"),
                )
            }
            _ => (true, has_egress_rules),
        };
        let mut ingress = Vec::new();
        for (i, r) in p.spec.ingress.iter().flatten().enumerate() {
            let field = format!("spec.ingress[{i}]");
            ingress.push(self.rule(
                r.from.as_deref(),
                r.ports.as_deref(),
                &object,
                &field,
                origin,
            )?);
        }
        let mut egress = Vec::new();
        for (i, r) in p.spec.egress.iter().flatten().enumerate() {
            let field = format!("spec.egress[{i}]");
            egress.push(self.rule(r.to.as_deref(), r.ports.as_deref(), &object, &field, origin)?);
        }
        Some(NetworkPolicy {
            namespace: ns,
            name,
            annotations: p.metadata.annotations,
            pod_selector,
            isolates_ingress,
            isolates_egress,
            ingress,
            egress,
            origin: Some(origin.clone()),
        })
    }

    fn rule(
        &mut self,
        peers: Option<&[api::NetworkPolicyPeer]>,
        ports: Option<&[api::NetworkPolicyPort]>,
        object: &ObjectRef,
        field: &str,
        origin: &Origin,
    ) -> Option<PolicyRule> {
        let mut rule = PolicyRule::default();
        for (j, peer) in peers.unwrap_or_default().iter().enumerate() {
            let pf = format!("{field}.peers[{j}]");
            rule.peers.push(self.peer(peer, object, &pf, origin)?);
        }
        for (j, port) in ports.unwrap_or_default().iter().enumerate() {
            let pf = format!("{field}.ports[{j}]");
            rule.ports.push(self.port(port, object, &pf, origin)?);
        }
        Some(rule)
    }

    /// One `from`/`to` entry; `None` (and INP002) when the API server would reject it.
    fn peer(
        &mut self,
        peer: &api::NetworkPolicyPeer,
        object: &ObjectRef,
        pf: &str,
        origin: &Origin,
    ) -> Option<Peer> {
        if let Some(block) = &peer.ip_block {
            if peer.pod_selector.is_some() || peer.namespace_selector.is_some() {
                self.invalid(
                    object.clone(),
                    format!("{pf}: ipBlock cannot be combined with a pod or namespace selector"),
                    "skipped",
                    origin,
                );
                return None;
            }
            return self.ip_block(block, object, pf, origin);
        }
        if peer.pod_selector.is_none() && peer.namespace_selector.is_none() {
            self.invalid(
                object.clone(),
                format!("{pf}: a peer must set podSelector, namespaceSelector or ipBlock"),
                "skipped",
                origin,
            );
            return None;
        }
        let pods = match &peer.pod_selector {
            Some(s) => Some(self.selector(s, object, &format!("{pf}.podSelector"), origin)?),
            None => None,
        };
        let namespaces = match &peer.namespace_selector {
            Some(s) => {
                Some(self.selector(s, object, &format!("{pf}.namespaceSelector"), origin)?)
            }
            None => None,
        };
        Some(Peer::Pods { namespaces, pods })
    }

    fn ip_block(
        &mut self,
        block: &api::IpBlock,
        object: &ObjectRef,
        pf: &str,
        origin: &Origin,
    ) -> Option<Peer> {
        let cidr: ipnet::IpNet = match block.cidr.trim().parse() {
            Ok(c) => c,
            Err(_) => {
                self.invalid(
                    object.clone(),
                    format!("{pf}.ipBlock.cidr {:?} is not a valid CIDR", block.cidr),
                    "skipped",
                    origin,
                );
                return None;
            }
        };
        let mut except = Vec::new();
        for e in &block.except {
            match e.trim().parse::<ipnet::IpNet>() {
                Ok(x) if cidr.contains(&x) && x != cidr => except.push(x),
                Ok(x) => {
                    self.invalid(
                        object.clone(),
                        format!("{pf}.ipBlock.except {x} is not strictly inside cidr {cidr}"),
                        "skipped",
                        origin,
                    );
                    return None;
                }
                Err(_) => {
                    self.invalid(
                        object.clone(),
                        format!("{pf}.ipBlock.except {e:?} is not a valid CIDR"),
                        "skipped",
                        origin,
                    );
                    return None;
                }
            }
        }
        Some(Peer::IpBlock {
            cidr: cidr.trunc(),
            except: except.into_iter().map(|e| e.trunc()).collect(),
        })
    }

    fn port(
        &mut self,
        port: &api::NetworkPolicyPort,
        object: &ObjectRef,
        pf: &str,
        origin: &Origin,
    ) -> Option<PolicyPort> {
        let protocol = match port.protocol.as_deref() {
            None | Some("") => Protocol::Tcp,
            Some(p) => match Protocol::parse(p) {
                Some(p) => p,
                None => {
                    self.invalid(
                        object.clone(),
                        format!("{pf}.protocol {p:?} is not TCP, UDP or SCTP"),
                        "skipped",
                        origin,
                    );
                    return None;
                }
            },
        };
        let port_ref = match &port.port {
            None => None,
            Some(api::IntOrString::Int(n)) => match parse_port(*n) {
                Some(n) => Some(PortRef::Number(n)),
                None => {
                    self.invalid(
                        object.clone(),
                        format!("{pf}.port {n} is outside 1-65535"),
                        "skipped",
                        origin,
                    );
                    return None;
                }
            },
            Some(api::IntOrString::String(s)) => match s.parse::<u16>() {
                Ok(n) if n > 0 => Some(PortRef::Number(n)),
                _ => Some(PortRef::Name(s.clone())),
            },
        };
        let end_port = match (port.end_port, &port_ref) {
            (None, _) => None,
            (Some(e), Some(PortRef::Number(start))) => match parse_port(e) {
                Some(e) if e >= *start => Some(e),
                _ => {
                    self.invalid(
                        object.clone(),
                        format!("{pf}.endPort {e} must be between port {start} and 65535"),
                        "skipped",
                        origin,
                    );
                    return None;
                }
            },
            (Some(e), _) => {
                self.invalid(
                    object.clone(),
                    format!("{pf}.endPort {e} needs a numeric port"),
                    "skipped",
                    origin,
                );
                return None;
            }
        };
        Some(PolicyPort {
            protocol,
            port: port_ref,
            end_port,
        })
    }
}

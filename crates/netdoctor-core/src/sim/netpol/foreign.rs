//! Policies of kinds netdoctor does not model (`model::foreign_policy`): which of them govern
//! an end of a connection, and what that leaves of a NetworkPolicy verdict. A verdict a
//! foreign policy may change is *unknown*, with the reasons; only a NetworkPolicy denial that
//! no such policy can override stays known (issue 16 item 4, `docs/interface.md`).

use super::{Direction, Endpoint, Engine, SideVerdict};
use crate::model::foreign_policy::ForeignPolicy;
use crate::sim::service::pod_display;
use serde::Serialize;

/// The answer to "is this connection allowed?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FlowVerdict {
    #[default]
    Allowed,
    Denied,
    /// A policy kind netdoctor does not model governs the connection: it cannot tell.
    Unknown,
}

impl FlowVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowVerdict::Allowed => "allowed",
            FlowVerdict::Denied => "denied",
            FlowVerdict::Unknown => "unknown",
        }
    }

    /// Allowed or denied (the JSON carries `verdict` only when it is unknown).
    pub fn is_known(&self) -> bool {
        *self != FlowVerdict::Unknown
    }
}

impl<'a> Engine<'a> {
    /// Indexes (into `Cluster::foreign_policies`) of the foreign policies that may govern
    /// `e` in `dir`. Addresses outside the pod network have none.
    pub fn foreign_of(&self, e: Endpoint, dir: Direction) -> Vec<usize> {
        let Endpoint::Pod(i) = e else {
            return Vec::new();
        };
        let Some(pod) = self.cluster.pods.get(i) else {
            return Vec::new();
        };
        let ns = self.cluster.namespace(&pod.namespace);
        self.cluster
            .foreign_policies
            .iter()
            .enumerate()
            .filter(|(_, p)| match dir {
                Direction::Ingress => p.ingress,
                Direction::Egress => p.egress,
            })
            .filter(|(_, p)| p.selects(pod, ns))
            .map(|(i, _)| i)
            .collect()
    }

    /// Fills each side's `not_modelled` and decides the verdict: denied when a side that
    /// NetworkPolicy denies has no foreign policy that could admit the connection; otherwise
    /// unknown when a foreign policy governs either side (with one reason per policy);
    /// otherwise NetworkPolicy's answer.
    pub(super) fn with_foreign(
        &self,
        src: Endpoint,
        dst: Endpoint,
        egress: &mut SideVerdict,
        ingress: &mut SideVerdict,
    ) -> (FlowVerdict, Vec<String>) {
        let eg = self.foreign_of(src, Direction::Egress);
        let ing = self.foreign_of(dst, Direction::Ingress);
        let policies = &self.cluster.foreign_policies;
        egress.not_modelled = eg.iter().map(|&i| policies[i].display()).collect();
        ingress.not_modelled = ing.iter().map(|&i| policies[i].display()).collect();
        let can_allow = |v: &[usize]| v.iter().any(|&i| policies[i].can_allow);
        let denied = (!egress.allowed && !can_allow(&eg)) || (!ingress.allowed && !can_allow(&ing));
        if denied {
            return (FlowVerdict::Denied, Vec::new());
        }
        if eg.is_empty() && ing.is_empty() {
            let v = if egress.allowed && ingress.allowed {
                FlowVerdict::Allowed
            } else {
                FlowVerdict::Denied
            };
            return (v, Vec::new());
        }
        let mut reasons = Vec::new();
        for (dir, end, list) in [("egress", src, &eg), ("ingress", dst, &ing)] {
            for &i in list.iter() {
                reasons.push(self.reason(dir, end, &policies[i]));
            }
        }
        (FlowVerdict::Unknown, reasons)
    }

    /// `the ingress of default/deathstar-… is governed by CiliumNetworkPolicy default/rule1,
    /// which netdoctor does not model`.
    fn reason(&self, dir: &str, end: Endpoint, p: &ForeignPolicy) -> String {
        let who = match end {
            Endpoint::Pod(i) => pod_display(&self.cluster.pods[i]),
            Endpoint::Ip(ip) => ip.to_string(),
        };
        let mut s = format!(
            "the {dir} of {who} is governed by {}, which netdoctor does not model",
            p.display()
        );
        for a in &p.assumptions {
            s.push_str(&format!(" ({a})"));
        }
        s
    }
}

/// For `policy map`: the workloads (connlist names, as the map's lines name them) whose
/// connections a policy kind netdoctor does not model governs, per direction.
#[derive(Debug, Clone, Default)]
pub struct MapUnknown {
    /// Workload → the foreign policies governing what it receives.
    pub ingress: std::collections::BTreeMap<String, Vec<String>>,
    /// Workload → the foreign policies governing what it sends.
    pub egress: std::collections::BTreeMap<String, Vec<String>>,
}

impl MapUnknown {
    /// Every map workload a foreign policy may select.
    pub fn new(engine: &Engine<'_>) -> MapUnknown {
        let c = engine.cluster;
        let mut out = MapUnknown::default();
        let domain_names = c.cluster_policies.iter().any(|p| {
            p.egress.iter().any(|r| {
                r.peers
                    .iter()
                    .any(|x| matches!(x, crate::model::cluster_policy::ClusterPeer::DomainNames(_)))
            })
        });
        if c.foreign_policies.is_empty() && !domain_names {
            return out;
        }
        for (i, p) in c.pods.iter().enumerate() {
            if !engine.governed(p) {
                continue;
            }
            let name = crate::model::connlist_name(p);
            for (dir, map) in [
                (Direction::Ingress, &mut out.ingress),
                (Direction::Egress, &mut out.egress),
            ] {
                let mut governing: Vec<String> = engine
                    .foreign_of(Endpoint::Pod(i), dir)
                    .into_iter()
                    .map(|fi| c.foreign_policies[fi].display())
                    .collect();
                // The map cannot tell which outside addresses `domainNames` peers name.
                if dir == Direction::Egress && domain_names {
                    for &ci in engine.cluster_policies_of_pod(i) {
                        let cp = &c.cluster_policies[ci as usize];
                        if cp.egress.iter().any(|r| {
                            r.peers.iter().any(|x| {
                                matches!(
                                    x,
                                    crate::model::cluster_policy::ClusterPeer::DomainNames(_)
                                )
                            })
                        }) {
                            governing.push(format!("{} (its domainNames peers)", cp.display()));
                        }
                    }
                }
                for d in governing {
                    let list = map.entry(name.clone()).or_default();
                    if !list.contains(&d) {
                        list.push(d);
                    }
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.ingress.is_empty() && self.egress.is_empty()
    }

    /// Why the line `src → dst` is unknown (empty: it is known).
    pub fn reasons(&self, src: &str, dst: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (dir, who, map) in [
            ("egress", src, &self.egress),
            ("ingress", dst, &self.ingress),
        ] {
            for p in map.get(who).into_iter().flatten() {
                out.push(format!(
                    "the {dir} of {who} is governed by {p}, which netdoctor does not model"
                ));
            }
        }
        out
    }

    /// One line per governed workload and direction: connections other than the listed
    /// ones may exist, and the listed ones may not.
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (dir, map) in [("into", &self.ingress), ("out of", &self.egress)] {
            for (who, pols) in map {
                out.push(format!(
                    "connections {dir} {who} are unknown: governed by {}, which netdoctor does not model",
                    pols.join(", ")
                ));
            }
        }
        out
    }
}

//! Policy objects of kinds netdoctor does not model (CiliumNetworkPolicy, Calico
//! NetworkPolicy/GlobalNetworkPolicy, Istio AuthorizationPolicy, AdminNetworkPolicy and its
//! relatives). netdoctor does not evaluate their rules; it only knows which pods they select
//! and in which direction they govern traffic, so that no verdict about those pods claims to
//! be known (issue 16 item 4).

use super::{Labels, Namespace, ObjectRef, Pod, Selector};

/// Which namespaces a subject of a foreign policy covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamespaceScope {
    /// The policy's own namespace (namespaced kinds).
    One(String),
    /// Every namespace (cluster-wide kinds, Istio's root namespace).
    All,
    /// Namespaces whose labels match.
    Matching(Selector),
}

/// The pods one selector of a foreign policy covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignSubject {
    pub namespaces: NamespaceScope,
    /// `None`: the selector is not one netdoctor reads (a Calico expression beyond `==`,
    /// `has()`, `in`; a service-account or target reference): it may select any pod of
    /// those namespaces.
    pub pods: Option<Selector>,
    /// A host policy (Cilium `nodeSelector`): it governs node traffic, that is hostNetwork
    /// pods, and no pod of the pod network.
    pub host: bool,
}

/// A policy object of a kind netdoctor does not model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignPolicy {
    pub kind: String,
    pub api_version: String,
    /// None for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
    /// The union of these selects the governed pods.
    pub subjects: Vec<ForeignSubject>,
    /// It governs what the selected pods receive / send.
    pub ingress: bool,
    pub egress: bool,
    /// It can admit a connection a NetworkPolicy denies (Cilium and Calico policies add to
    /// the allowed set or are ordered before it; an AdminNetworkPolicy `Allow` overrides
    /// it). False when it can only restrict further (Istio AuthorizationPolicy acts after
    /// the packet passed NetworkPolicy; a BaselineAdminNetworkPolicy yields to any
    /// NetworkPolicy that selects the pod).
    pub can_allow: bool,
    /// What netdoctor assumed to read the selectors (Istio's root namespace…).
    pub assumptions: Vec<String>,
}

impl ForeignPolicy {
    /// `CiliumNetworkPolicy default/rule1`, `GlobalNetworkPolicy deny-all`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.kind, self.namespace.as_deref(), &self.name)
    }

    /// Whether the policy may select `pod` (`ns`: the pod's Namespace, when known).
    /// A selector netdoctor cannot read selects every pod it could.
    pub fn selects(&self, pod: &Pod, ns: Option<&Namespace>) -> bool {
        self.subjects.iter().any(|s| s.selects(pod, ns))
    }
}

impl ForeignSubject {
    fn selects(&self, pod: &Pod, ns: Option<&Namespace>) -> bool {
        if pod.host_network != self.host {
            return false;
        }
        let ns_ok = match &self.namespaces {
            NamespaceScope::One(n) => *n == pod.namespace,
            NamespaceScope::All => true,
            // A namespace the input does not define has labels netdoctor does not know.
            NamespaceScope::Matching(sel) => match ns {
                Some(n) if n.defined => sel.matches(&n.labels),
                _ => true,
            },
        };
        ns_ok
            && match &self.pods {
                None => true,
                Some(sel) => sel.matches(&endpoint_labels(pod, ns)),
            }
    }
}

/// The labels a CNI sees on a pod's endpoint: the pod's own, plus the namespace labels
/// Cilium (`io.kubernetes.pod.namespace`, `io.cilium.k8s.namespace.labels.*`) and Calico
/// (`projectcalico.org/namespace`) add.
fn endpoint_labels(pod: &Pod, ns: Option<&Namespace>) -> Labels {
    let mut l = pod.labels.clone();
    l.insert("io.kubernetes.pod.namespace".into(), pod.namespace.clone());
    l.insert("projectcalico.org/namespace".into(), pod.namespace.clone());
    if let Some(ns) = ns {
        for (k, v) in &ns.labels {
            l.insert(format!("io.cilium.k8s.namespace.labels.{k}"), v.clone());
        }
    }
    l
}

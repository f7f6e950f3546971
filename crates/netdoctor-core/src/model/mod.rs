//! The cluster's network, built once from API objects, indexed, then read-only.

mod build;
pub mod cluster_policy;
pub mod foreign_policy;
mod gateway;
pub mod labels;
mod object_ref;
mod pod_status;
mod related;
mod types;
mod workload_name;

pub use build::{
    is_placeholder_cluster_ip, BuildOptions, InputFacts, ReadFailure, MAX_DERIVED_STATEFULSET_PODS,
    PLACEHOLDER_CLUSTER_IP_RANGE, STATEFULSET_POD_INDEX_LABEL, STATEFULSET_POD_NAME_LABEL,
};
pub use gateway::*;
pub use labels::{format_labels, Labels, Operator, Requirement, Selector};
pub use object_ref::ObjectRef;
pub use pod_status::{
    Condition, ContainerState, ContainerStatus, DnsConfig, DnsOption, ProbeCheck, StateDetail,
};
pub use related::related_objects;
pub use types::*;
pub use workload_name::{
    connlist_name, rollout_name, short_workload_name, workload_label, WORKLOAD_KINDS,
};

use crate::load::{Origin, Unreadable};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// An object that failed validation that matters to networking (INP002).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub object: ObjectRef,
    pub reason: String,
    /// What netdoctor did with it: "skipped", "repaired: …".
    pub action: String,
    pub origin: Option<Origin>,
    /// For an object defined more than once: the later definition that replaces this one
    /// (`kubectl apply` keeps the last), which the model analyses.
    pub superseded_by: Option<Origin>,
}

/// Pods of one namespace with identical labels: selectors are evaluated once per group.
#[derive(Debug, Clone)]
pub struct LabelGroup {
    pub namespace: String,
    pub labels: Labels,
    pub pods: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub(crate) cluster_domain: String,
    pub(crate) namespaces: Vec<Namespace>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) pods: Vec<Pod>,
    pub(crate) workloads: Vec<Workload>,
    pub(crate) services: Vec<Service>,
    pub(crate) endpoint_slices: Vec<EndpointSlice>,
    pub(crate) policies: Vec<NetworkPolicy>,
    pub(crate) ingresses: Vec<Ingress>,
    pub(crate) ingress_classes: Vec<IngressClass>,
    pub(crate) secrets: Vec<Secret>,
    pub(crate) config_maps: Vec<ConfigMap>,
    pub(crate) gateway_classes: Vec<GatewayClass>,
    pub(crate) gateways: Vec<Gateway>,
    /// HTTPRoutes and GRPCRoutes.
    pub(crate) routes: Vec<GwRoute>,
    /// ListenerSets (gateway.networking.k8s.io/v1).
    pub(crate) listener_sets: Vec<ListenerSet>,
    pub(crate) reference_grants: Vec<ReferenceGrant>,
    /// Policy objects of kinds netdoctor does not model (Cilium, Calico, Istio, ANP).
    pub(crate) foreign_policies: Vec<foreign_policy::ForeignPolicy>,
    /// AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies.
    pub(crate) cluster_policies: Vec<cluster_policy::ClusterPolicy>,

    /// Where each object read was defined (file, document, line), by the name findings use.
    pub(crate) origins: HashMap<ObjectRef, Origin>,
    /// Documents that could not be read (INP001).
    pub(crate) unreadable: Vec<Unreadable>,
    /// Objects that failed validation (INP002).
    pub(crate) invalid: Vec<Invalid>,
    /// Kinds that were read but not used, with their counts.
    pub(crate) skipped_kinds: BTreeMap<String, usize>,
    /// Objects of those kinds by name (bounded: `load::MAX_SKIPPED_OBJECTS`).
    pub(crate) skipped_objects: Vec<crate::load::SkippedObject>,
    /// What the model assumed beyond the input, one sentence each (e.g. a StatefulSet whose
    /// derived pods were capped).
    pub(crate) assumptions: Vec<String>,
    /// What the read covered (live, unreadable kinds, namespaces read): given to `build`,
    /// read through `live()`, `unreadable_kinds()`, `read_namespaces()` and `can_read_in`.
    input: InputFacts,

    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    namespace: HashMap<String, usize>,
    pods_by_ns: HashMap<String, Vec<usize>>,
    pod: HashMap<(String, String), usize>,
    pod_by_ip: HashMap<IpAddr, Vec<usize>>,
    label_groups: Vec<LabelGroup>,
    groups_by_ns: HashMap<String, Vec<usize>>,
    service: HashMap<(String, String), usize>,
    slices_by_service: HashMap<(String, String), Vec<usize>>,
    policies_by_ns: HashMap<String, Vec<usize>>,
    workload: HashMap<(String, String, String), usize>,
    pods_by_workload: HashMap<usize, Vec<usize>>,
    secret: HashMap<(String, String), usize>,
    ignored: HashMap<(String, Option<String>, String), Vec<String>>,
    gateway: HashMap<(String, String), usize>,
    grants_by_ns: HashMap<String, Vec<usize>>,
}

fn key(ns: &str, name: &str) -> (String, String) {
    (ns.to_string(), name.to_string())
}

/// Read access for the other crates: the model is built once by `Cluster::build` and then only
/// read (inside core every layer receives `&Cluster`; outside it nothing can change a field).
impl Cluster {
    pub fn cluster_domain(&self) -> &str {
        &self.cluster_domain
    }

    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    pub fn workloads(&self) -> &[Workload] {
        &self.workloads
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    pub fn endpoint_slices(&self) -> &[EndpointSlice] {
        &self.endpoint_slices
    }

    pub fn policies(&self) -> &[NetworkPolicy] {
        &self.policies
    }

    pub fn foreign_policies(&self) -> &[foreign_policy::ForeignPolicy] {
        &self.foreign_policies
    }

    /// AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies, in
    /// input order.
    pub fn cluster_policies(&self) -> &[cluster_policy::ClusterPolicy] {
        &self.cluster_policies
    }

    pub fn ingresses(&self) -> &[Ingress] {
        &self.ingresses
    }

    pub fn ingress_classes(&self) -> &[IngressClass] {
        &self.ingress_classes
    }

    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    pub fn config_maps(&self) -> &[ConfigMap] {
        &self.config_maps
    }

    pub fn gateway_classes(&self) -> &[GatewayClass] {
        &self.gateway_classes
    }

    pub fn gateways(&self) -> &[Gateway] {
        &self.gateways
    }

    pub fn routes(&self) -> &[GwRoute] {
        &self.routes
    }

    pub fn listener_sets(&self) -> &[ListenerSet] {
        &self.listener_sets
    }

    pub fn listener_set(&self, ns: &str, name: &str) -> Option<&ListenerSet> {
        self.listener_sets
            .iter()
            .find(|s| s.namespace == ns && s.name == name)
    }

    pub fn reference_grants(&self) -> &[ReferenceGrant] {
        &self.reference_grants
    }

    pub fn unreadable(&self) -> &[Unreadable] {
        &self.unreadable
    }

    pub fn invalid(&self) -> &[Invalid] {
        &self.invalid
    }

    pub fn skipped_kinds(&self) -> &BTreeMap<String, usize> {
        &self.skipped_kinds
    }

    /// What the model assumed beyond the input, one sentence each.
    pub fn assumptions(&self) -> &[String] {
        &self.assumptions
    }
}

impl Cluster {
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.index.namespace.get(name).map(|&i| &self.namespaces[i])
    }

    pub fn pods_in(&self, ns: &str) -> impl Iterator<Item = &Pod> {
        self.index
            .pods_by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .map(|&i| &self.pods[i])
    }

    pub fn pod(&self, ns: &str, name: &str) -> Option<&Pod> {
        self.pod_index(ns, name).map(|i| &self.pods[i])
    }

    pub fn pod_index(&self, ns: &str, name: &str) -> Option<usize> {
        self.index.pod.get(&key(ns, name)).copied()
    }

    /// Pods (not hostNetwork ones) that own this IP.
    pub fn pods_by_ip(&self, ip: IpAddr) -> impl Iterator<Item = &Pod> {
        self.index
            .pod_by_ip
            .get(&ip)
            .into_iter()
            .flatten()
            .map(|&i| &self.pods[i])
    }

    /// Groups of pods with identical labels, all namespaces.
    pub fn label_groups(&self) -> &[LabelGroup] {
        &self.index.label_groups
    }

    pub fn label_groups_in(&self, ns: &str) -> impl Iterator<Item = &LabelGroup> {
        self.index
            .groups_by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .map(|&i| &self.index.label_groups[i])
    }

    /// Indexes of the pods in `ns` whose labels match `selector`, evaluated per label group.
    pub fn pods_matching(&self, ns: &str, selector: &Selector) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .label_groups_in(ns)
            .filter(|g| selector.matches(&g.labels))
            .flat_map(|g| g.pods.iter().copied())
            .collect();
        out.sort_unstable();
        out
    }

    pub fn service(&self, ns: &str, name: &str) -> Option<&Service> {
        self.index
            .service
            .get(&key(ns, name))
            .map(|&i| &self.services[i])
    }

    /// The Services whose ClusterIP is `ip`.
    pub fn service_by_cluster_ip(&self, ip: IpAddr) -> Option<&Service> {
        self.services.iter().find(|s| s.cluster_ips.contains(&ip))
    }

    /// The EndpointSlices of a Service (legacy Endpoints only when there is no slice).
    pub fn slices_of(&self, ns: &str, service: &str) -> impl Iterator<Item = &EndpointSlice> {
        self.index
            .slices_by_service
            .get(&key(ns, service))
            .into_iter()
            .flatten()
            .map(|&i| &self.endpoint_slices[i])
    }

    pub fn policies_in(&self, ns: &str) -> impl Iterator<Item = &NetworkPolicy> {
        self.index
            .policies_by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .map(|&i| &self.policies[i])
    }

    pub fn workload(&self, kind: &str, ns: &str, name: &str) -> Option<&Workload> {
        self.workload_index(kind, ns, name)
            .map(|i| &self.workloads[i])
    }

    pub fn workload_index(&self, kind: &str, ns: &str, name: &str) -> Option<usize> {
        self.index
            .workload
            .get(&(kind.to_string(), ns.to_string(), name.to_string()))
            .copied()
    }

    /// The pods a workload owns (directly or through a ReplicaSet / Job), including a pod
    /// derived from its template.
    pub fn pods_of_workload(&self, workload: usize) -> impl Iterator<Item = &Pod> {
        self.index
            .pods_by_workload
            .get(&workload)
            .into_iter()
            .flatten()
            .map(|&i| &self.pods[i])
    }

    pub fn secret(&self, ns: &str, name: &str) -> Option<&Secret> {
        self.index
            .secret
            .get(&key(ns, name))
            .map(|&i| &self.secrets[i])
    }

    pub fn config_map(&self, ns: &str, name: &str) -> Option<&ConfigMap> {
        self.config_maps
            .iter()
            .find(|c| c.namespace == ns && c.name == name)
    }

    pub fn ingress_class(&self, name: &str) -> Option<&IngressClass> {
        self.ingress_classes.iter().find(|c| c.name == name)
    }

    pub fn gateway_class(&self, name: &str) -> Option<&GatewayClass> {
        self.gateway_classes.iter().find(|c| c.name == name)
    }

    pub fn gateway(&self, ns: &str, name: &str) -> Option<&Gateway> {
        self.index
            .gateway
            .get(&key(ns, name))
            .map(|&i| &self.gateways[i])
    }

    pub fn reference_grants_in(&self, ns: &str) -> impl Iterator<Item = &ReferenceGrant> {
        self.index
            .grants_by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .map(|&i| &self.reference_grants[i])
    }

    /// Whether a ReferenceGrant in `to_ns` lets `from_kind` objects (Gateway API group) in
    /// `from_ns` refer to the core `to_kind` named `to_name`.
    pub fn reference_granted(
        &self,
        from_kind: &str,
        from_ns: &str,
        to_group: &str,
        to_kind: &str,
        to_ns: &str,
        to_name: &str,
    ) -> bool {
        self.reference_grants_in(to_ns).any(|g| {
            g.permits(
                GATEWAY_GROUP,
                from_kind,
                from_ns,
                to_group,
                to_kind,
                to_name,
            )
        })
    }

    /// The state was read from a live cluster (or a snapshot of one), so `status` fields are
    /// current: e.g. an empty Ingress `status.loadBalancer` means the address is pending.
    pub fn live(&self) -> bool {
        self.input.live
    }

    /// Kinds that a live read was forbidden to list (INP003); rules that need them say
    /// "not checked".
    pub fn unreadable_kinds(&self) -> &[String] {
        &self.input.unreadable_kinds
    }

    /// Why a live read could not list `kind` (an entry of `unreadable_kinds`), when known.
    pub fn unreadable_reason(&self, kind: &str) -> Option<&ReadFailure> {
        self.input.unreadable_reasons.get(kind)
    }

    /// The namespaces a namespace-scoped live read listed; `None` when every namespace was
    /// read (files, `-A`).
    pub fn read_namespaces(&self) -> Option<&[String]> {
        self.input.read_namespaces.as_deref()
    }

    /// Whether a live read could list this kind (always true for files).
    pub fn can_read(&self, kind: &str) -> bool {
        !self.unreadable_kinds().iter().any(|k| k == kind)
    }

    /// Whether a live read could list this kind in namespace `ns`: a namespace-scoped read
    /// records a helper namespace it could not list (kube-system, an ingress controller's)
    /// as `Kind -n NS`, without making the kind unreadable everywhere.
    /// A namespace the read did not cover (`read_namespaces`) is not readable either.
    pub fn can_read_in(&self, kind: &str, ns: &str) -> bool {
        let cluster_scoped = matches!(kind, "Namespace" | "Node" | "IngressClass" | "GatewayClass");
        if !cluster_scoped
            && self
                .read_namespaces()
                .is_some_and(|read| !read.iter().any(|n| n == ns))
        {
            return false;
        }
        self.can_read(kind)
            && !self.unreadable_kinds().iter().any(|k| {
                k.strip_prefix(kind)
                    .and_then(|rest| rest.strip_prefix(" -n "))
                    .is_some_and(|n| n == ns)
            })
    }

    /// Where an object was read: the file (as given on the command line) and the line its
    /// document (or List item) starts at. Objects derived rather than read have none.
    pub fn origin(&self, object: &ObjectRef) -> Option<&Origin> {
        self.origins.get(object)
    }

    /// Rule codes the object silences with the `netdoctor.io/ignore` annotation.
    pub fn ignored_codes(&self, object: &ObjectRef) -> &[String] {
        self.index
            .ignored
            .get(&(
                object.kind.clone(),
                object.namespace.clone(),
                object.name.clone(),
            ))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// Built-in Kubernetes kinds netdoctor skips: none of them creates pods by itself (the
/// workload kinds it reads do), so they never explain pods missing from the input.
const BUILTIN_SKIPPED_KINDS: &[&str] = &[
    "APIService",
    "Binding",
    "CSIDriver",
    "CSINode",
    "CSIStorageCapacity",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "ControllerRevision",
    "CustomResourceDefinition",
    "Event",
    "FlowSchema",
    "HorizontalPodAutoscaler",
    "Lease",
    "LimitRange",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "PodDisruptionBudget",
    "PodTemplate",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "ResourceQuota",
    "Role",
    "RoleBinding",
    "RuntimeClass",
    "ServiceAccount",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "ServiceCIDR",
    "IPAddress",
];

/// Kind suffixes of custom resources that configure, select or secure rather than run
/// something (`CiliumNetworkPolicy`, `PrometheusRule`, `ServiceMonitor`, `Certificate`, ...).
const CONFIG_KIND_SUFFIXES: &[&str] = &[
    "Policy",
    "Rule",
    "Monitor",
    "Route",
    "Grant",
    "Binding",
    "Issuer",
    "Certificate",
    "Config",
    "Configuration",
    "Secret",
    "Class",
    "Request",
    "Probe",
];

impl Cluster {
    /// Kinds in the input that netdoctor skips and that are custom resources an operator may
    /// create pods from (`Prometheus`, `Alertmanager`, `RedisFailover`, ...): built-in kinds
    /// and custom kinds that by their name only configure (`*Policy`, `*Rule`, `*Monitor`,
    /// ...) are left out. Pods missing from the input may come from these objects.
    pub fn pod_creating_custom_kinds(&self) -> Vec<&str> {
        self.skipped_kinds
            .keys()
            .map(String::as_str)
            .filter(|k| !BUILTIN_SKIPPED_KINDS.contains(k))
            .filter(|k| !CONFIG_KIND_SUFFIXES.iter().any(|s| k.ends_with(s)))
            .filter(|k| !k.starts_with("netdoctor.io/"))
            .collect()
    }

    /// The pod-creating custom kinds (see `pod_creating_custom_kinds`) that a selector names:
    /// a key or a value equal to the kind in lower case, or a key whose last segment is
    /// (`app.kubernetes.io/name: prometheus`, `prometheus: k8s` name `Prometheus`).
    pub fn custom_kinds_named_by<'a>(
        &self,
        labels: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Vec<&str> {
        self.pod_creating_custom_kinds()
            .into_iter()
            .filter(|kind| {
                let kind = kind.to_ascii_lowercase();
                labels.clone().into_iter().any(|(k, v)| {
                    let last = k.rsplit('/').next().unwrap_or(k);
                    last.eq_ignore_ascii_case(&kind) || v.eq_ignore_ascii_case(&kind)
                })
            })
            .collect()
    }

    /// The objects of the pod-creating custom kinds that a selector names by their name
    /// (`prometheus: k8s` with a `Prometheus` named `k8s`, `strimzi.io/cluster: my-cluster`
    /// with a `Kafka` named `my-cluster`): `Kind ns/name` each, the kind apart.
    pub fn custom_objects_named_by<'a>(
        &self,
        labels: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Vec<(String, String)> {
        let kinds = self.pod_creating_custom_kinds();
        let mut out: Vec<(String, String)> = Vec::new();
        for o in &self.skipped_objects {
            if !kinds.contains(&o.kind.as_str())
                || !labels.clone().into_iter().any(|(_, v)| v == o.name)
            {
                continue;
            }
            let name = match &o.namespace {
                Some(ns) => format!("{} {ns}/{}", o.kind, o.name),
                None => format!("{} {}", o.kind, o.name),
            };
            if !out.iter().any(|(_, n)| *n == name) {
                out.push((o.kind.clone(), name));
            }
        }
        out
    }

    /// What a finding resting on "no pod has these labels" adds when pods may come from
    /// custom resources netdoctor does not read: `None` when the input holds none.
    pub fn pods_may_come_from_custom_resources<'a>(
        &self,
        labels: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Option<CustomResourceNote> {
        let all = self.pod_creating_custom_kinds();
        if all.is_empty() {
            return None;
        }
        let objects = self.custom_objects_named_by(labels.clone());
        let mut named: Vec<String> = self
            .custom_kinds_named_by(labels)
            .into_iter()
            .map(str::to_string)
            .collect();
        for (kind, _) in &objects {
            if !named.contains(kind) {
                named.push(kind.clone());
            }
        }
        let kinds: Vec<String> = all
            .iter()
            .map(|k| {
                let n = self.skipped_kinds.get(*k).copied().unwrap_or(0);
                format!("{k} ({n})")
            })
            .collect();
        let mut text = format!(
            "the input holds custom resources netdoctor does not read ({}); an operator may create pods from them, so matching pods may exist in the cluster",
            kinds.join(", ")
        );
        if !objects.is_empty() {
            let names: Vec<&str> = objects.iter().map(|(_, n)| n.as_str()).collect();
            text.push_str(&format!(
                "; the selector names {} by its name, so its pods are most likely created by that operator",
                names.join(", ")
            ));
        } else if !named.is_empty() {
            text.push_str(&format!(
                "; the selector names {}, so its pods are most likely created by that operator",
                named.join(", ")
            ));
        }
        Some(CustomResourceNote { named, text })
    }
}

/// Why pods missing from the input may exist: custom resources an operator creates pods from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomResourceNote {
    /// The custom kinds the selector names (`Prometheus`): the pods most likely come from them.
    pub named: Vec<String>,
    /// One clause naming the kinds, to append to a message.
    pub text: String,
}

/// The annotation that silences findings on an object: `netdoctor.io/ignore: "SVC006,NP002"`.
pub const IGNORE_ANNOTATION: &str = "netdoctor.io/ignore";

#[cfg(test)]
mod can_read_tests {
    use super::{Cluster, InputFacts};

    #[test]
    fn kinds_and_kinds_in_one_namespace() {
        let c = Cluster {
            input: InputFacts {
                unreadable_kinds: vec!["NetworkPolicy".into(), "Pod -n kube-system".into()],
                ..InputFacts::default()
            },
            ..Cluster::default()
        };
        assert!(!c.can_read("NetworkPolicy"));
        assert!(!c.can_read_in("NetworkPolicy", "prod"));
        assert!(c.can_read("Pod"));
        assert!(c.can_read_in("Pod", "prod"));
        assert!(!c.can_read_in("Pod", "kube-system"));
        assert!(c.can_read_in("PodX", "kube-system"));
        let scoped = Cluster {
            input: InputFacts {
                read_namespaces: Some(vec!["prod".into(), "kube-system".into()]),
                ..c.input.clone()
            },
            ..c
        };
        assert!(scoped.can_read_in("Pod", "prod"));
        assert!(!scoped.can_read_in("Pod", "monitoring"));
        assert!(scoped.can_read_in("Namespace", "monitoring"));
    }
}

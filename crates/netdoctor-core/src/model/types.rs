//! Compact, network-only model types. Built once from API objects by `Cluster::build`.

use super::labels::{Labels, Selector};
use crate::load::{api, Origin, WorkloadKind};
use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    /// The API's spelling (`TCP`); lower case is accepted on the command line.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A port given by number or by name (a container port name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    pub name: String,
    /// Always carries `kubernetes.io/metadata.name`, as the API server adds it.
    pub labels: Labels,
    /// False for a namespace that objects refer to but the input does not define.
    pub defined: bool,
    pub terminating: bool,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub labels: Labels,
    pub internal_ips: Vec<IpAddr>,
    pub pod_cidrs: Vec<ipnet::IpNet>,
    pub ready: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub ports: Vec<ContainerPort>,
    pub readiness_probe: Option<super::ProbeCheck>,
    /// A restartable init container (sidecar): it runs beside the main containers.
    pub sidecar: bool,
}

/// The workload that owns a pod, as the connlist format names it: `ns/name[Kind]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub annotations: Labels,
    /// The controlling owner, walked up through ReplicaSet → Deployment and Job → CronJob
    /// when the intermediate object is in the input.
    pub owner: Option<Owner>,
    /// Index into `Cluster::workloads` of the owner, when the owner is in the input.
    pub workload: Option<usize>,
    /// Derived from a workload's template (the workload was given without pods).
    pub derived: bool,
    /// The pod carried no status (a manifest): assumed Running and Ready.
    pub assumed: bool,
    pub node_name: Option<String>,
    pub host_network: bool,
    pub ips: Vec<IpAddr>,
    pub host_ip: Option<IpAddr>,
    /// `Running`, `Pending`, `Succeeded`, `Failed`, `Unknown`.
    pub phase: String,
    /// The Ready condition is True.
    pub ready: bool,
    /// `metadata.deletionTimestamp` is set.
    pub terminating: bool,
    pub containers: Vec<Container>,
    pub conditions: Vec<super::Condition>,
    pub container_statuses: Vec<super::ContainerStatus>,
    pub init_container_statuses: Vec<super::ContainerStatus>,
    pub status_reason: Option<String>,
    pub status_message: Option<String>,
    pub dns_policy: String,
    pub dns_config: Option<super::DnsConfig>,
    pub hostname: Option<String>,
    pub subdomain: Option<String>,
    pub set_hostname_as_fqdn: bool,
    pub origin: Option<Origin>,
}

impl Pod {
    /// `ns/name[Kind]` for an owned pod, `ns/name[Pod]` otherwise (connlist format).
    pub fn group(&self) -> String {
        match &self.owner {
            Some(o) => super::workload_label(&self.namespace, &o.name, &o.kind),
            None => super::workload_label(&self.namespace, &self.name, "Pod"),
        }
    }

    /// Every port the pod's containers (and sidecars) declare.
    pub fn ports(&self) -> impl Iterator<Item = &ContainerPort> {
        self.containers.iter().flat_map(|c| c.ports.iter())
    }

    /// Resolves a named port against the pod's container ports with the given protocol.
    pub fn resolve_named_port(&self, name: &str, protocol: Protocol) -> Option<u16> {
        self.ports()
            .find(|p| p.protocol == protocol && p.name.as_deref() == Some(name))
            .map(|p| p.port)
    }

    /// Running, not terminating: what the EndpointSlice controller lists (ready or not).
    pub fn is_serving_candidate(&self) -> bool {
        self.phase == "Running" && !self.terminating
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    ClusterIp,
    NodePort,
    LoadBalancer,
    ExternalName,
}

impl ServiceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName => "ExternalName",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub protocol: Protocol,
    pub port: u16,
    /// Defaults to `port` when the manifest leaves it out.
    pub target_port: PortRef,
    pub node_port: Option<u16>,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub annotations: Labels,
    /// `None`: no selector (endpoints are managed by hand or by another controller).
    pub selector: Option<Labels>,
    pub type_: ServiceType,
    pub cluster_ips: Vec<IpAddr>,
    /// `clusterIP: None`.
    pub headless: bool,
    pub external_name: Option<String>,
    pub ports: Vec<ServicePort>,
    pub publish_not_ready_addresses: bool,
    pub load_balancer: Vec<String>,
    pub origin: Option<Origin>,
}

impl Service {
    pub fn selector(&self) -> Option<Selector> {
        self.selector.as_ref().map(Selector::from_map)
    }

    pub fn port_by_number(&self, port: u16, protocol: Protocol) -> Option<&ServicePort> {
        self.ports
            .iter()
            .find(|p| p.port == port && p.protocol == protocol)
    }

    pub fn port_by_name(&self, name: &str) -> Option<&ServicePort> {
        self.ports.iter().find(|p| p.name.as_deref() == Some(name))
    }
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub addresses: Vec<String>,
    /// `conditions.ready`; an absent value means ready, as the API documents.
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    pub hostname: Option<String>,
    pub node_name: Option<String>,
    /// `targetRef` when it names a Pod: (namespace, name).
    pub pod: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct EndpointPort {
    pub name: Option<String>,
    pub port: Option<u16>,
    pub protocol: Protocol,
}

/// An EndpointSlice, or a legacy Endpoints object converted to one (`legacy`).
#[derive(Debug, Clone)]
pub struct EndpointSlice {
    pub namespace: String,
    pub name: String,
    /// The `kubernetes.io/service-name` label (for legacy Endpoints: the object's name).
    pub service: Option<String>,
    pub address_type: String,
    pub endpoints: Vec<Endpoint>,
    pub ports: Vec<EndpointPort>,
    pub legacy: bool,
    pub origin: Option<Origin>,
}

/// A NetworkPolicy port entry. `port: None` means every port of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyPort {
    pub protocol: Protocol,
    pub port: Option<PortRef>,
    /// Only with a numeric `port`: the range `port..=end_port`.
    pub end_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector`. `namespaces: None` means the policy's own
    /// namespace; `pods: None` means every pod of the selected namespaces.
    Pods {
        namespaces: Option<Selector>,
        pods: Option<Selector>,
    },
    IpBlock {
        cidr: ipnet::IpNet,
        except: Vec<ipnet::IpNet>,
    },
}

/// One ingress or egress rule. Empty `peers` means every peer; empty `ports` every port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PolicyRule {
    pub peers: Vec<Peer>,
    pub ports: Vec<PolicyPort>,
}

#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    pub namespace: String,
    pub name: String,
    pub annotations: Labels,
    pub pod_selector: Selector,
    /// `policyTypes` after defaulting: Ingress always, Egress when egress rules exist.
    pub isolates_ingress: bool,
    pub isolates_egress: bool,
    pub ingress: Vec<PolicyRule>,
    pub egress: Vec<PolicyRule>,
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathType {
    Exact,
    Prefix,
    ImplementationSpecific,
}

impl PathType {
    pub fn as_str(self) -> &'static str {
        match self {
            PathType::Exact => "Exact",
            PathType::Prefix => "Prefix",
            PathType::ImplementationSpecific => "ImplementationSpecific",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngressBackend {
    Service { name: String, port: PortRef },
    Resource { kind: String, name: String },
}

#[derive(Debug, Clone)]
pub struct IngressPath {
    pub path: String,
    pub path_type: PathType,
    pub backend: IngressBackend,
}

#[derive(Debug, Clone)]
pub struct IngressRule {
    /// `None`: every host.
    pub host: Option<String>,
    pub paths: Vec<IngressPath>,
}

#[derive(Debug, Clone)]
pub struct IngressTls {
    pub hosts: Vec<String>,
    pub secret_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Ingress {
    pub namespace: String,
    pub name: String,
    pub annotations: Labels,
    pub class_name: Option<String>,
    /// The deprecated `kubernetes.io/ingress.class` annotation.
    pub class_annotation: Option<String>,
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
    pub tls: Vec<IngressTls>,
    /// `status.loadBalancer.ingress` (IPs or hostnames).
    pub addresses: Vec<String>,
    pub created: Option<String>,
    /// The object carries what only the API server sets (`metadata.uid` or
    /// `creationTimestamp`): it was read from a cluster (live or dumped), so its status is
    /// real and an empty `status.loadBalancer` means no address, not "not applied yet".
    pub from_api_server: bool,
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone)]
pub struct IngressClass {
    pub name: String,
    pub controller: String,
    pub is_default: bool,
    pub annotations: Labels,
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub namespace: String,
    pub name: String,
    pub kind: WorkloadKind,
    pub labels: Labels,
    pub annotations: Labels,
    /// Desired pods: `replicas` (default 1), `parallelism` for Jobs, 1 for DaemonSets.
    pub replicas: i64,
    pub selector: Option<Selector>,
    pub template_labels: Labels,
    pub template_spec: Option<api::PodSpec>,
    pub service_name: Option<String>,
    /// The controlling owner, when the workload is owned (ReplicaSet by Deployment).
    pub owner: Option<Owner>,
    pub origin: Option<Origin>,
}

impl Workload {
    pub fn group(&self) -> String {
        super::workload_label(&self.namespace, &self.name, self.kind.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Secret {
    pub namespace: String,
    pub name: String,
    pub type_: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ConfigMap {
    pub namespace: String,
    pub name: String,
    pub data: Labels,
}

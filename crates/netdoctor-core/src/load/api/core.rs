//! The core API group (`v1`): pods, Services, legacy Endpoints, and the cluster objects
//! (namespaces, nodes, secrets, config maps).

use super::*;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------- Pod

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Pod {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: PodSpec,
    #[serde(deserialize_with = "nullable")]
    pub status: PodStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(deserialize_with = "nullable")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub init_containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub host_network: bool,
    pub dns_policy: Option<String>,
    pub dns_config: Option<PodDnsConfig>,
    pub node_name: Option<String>,
    pub hostname: Option<String>,
    pub subdomain: Option<String>,
    #[serde(rename = "setHostnameAsFQDN")]
    pub set_hostname_as_fqdn: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodDnsConfig {
    #[serde(deserialize_with = "nullable")]
    pub nameservers: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub searches: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub options: Vec<PodDnsOption>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodDnsOption {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub image: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<ContainerPort>,
    pub readiness_probe: Option<Probe>,
    pub liveness_probe: Option<Probe>,
    pub startup_probe: Option<Probe>,
    /// `Always` on an init container makes it a sidecar that keeps running.
    pub restart_policy: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerPort {
    pub name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub container_port: i64,
    pub protocol: Option<String>,
    pub host_port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Probe {
    pub http_get: Option<HttpGetAction>,
    pub tcp_socket: Option<TcpSocketAction>,
    pub grpc: Option<GrpcAction>,
    #[serde(skip_serializing)]
    pub exec: Option<IgnoredAny>,
    pub period_seconds: Option<i64>,
    pub failure_threshold: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpGetAction {
    pub path: Option<String>,
    pub port: Option<IntOrString>,
    pub scheme: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TcpSocketAction {
    pub port: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GrpcAction {
    #[serde(deserialize_with = "nullable")]
    pub port: i64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    #[serde(rename = "podIPs", deserialize_with = "nullable")]
    pub pod_ips: Vec<PodIp>,
    #[serde(rename = "hostIP")]
    pub host_ip: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "nullable")]
    pub init_container_statuses: Vec<ContainerStatus>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PodIp {
    #[serde(deserialize_with = "nullable")]
    pub ip: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub type_: String,
    #[serde(deserialize_with = "nullable")]
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub image: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub ready: bool,
    pub started: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub restart_count: i64,
    #[serde(deserialize_with = "nullable")]
    pub state: ContainerState,
    #[serde(deserialize_with = "nullable")]
    pub last_state: ContainerState,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerState {
    pub waiting: Option<StateDetail>,
    pub running: Option<StateDetail>,
    pub terminated: Option<StateDetail>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StateDetail {
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i64>,
    pub started_at: Option<String>,
}

// ---------------------------------------------------------------- Service

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Service {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: ServiceSpec,
    #[serde(deserialize_with = "nullable")]
    pub status: LoadBalancerHolder,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceSpec {
    #[serde(deserialize_with = "opt_string_map")]
    pub selector: Option<StringMap>,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<ServicePort>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Option<String>,
    #[serde(rename = "clusterIPs", deserialize_with = "nullable")]
    pub cluster_ips: Vec<String>,
    pub external_name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub publish_not_ready_addresses: bool,
    #[serde(deserialize_with = "nullable")]
    pub ip_families: Vec<String>,
    pub internal_traffic_policy: Option<String>,
    pub external_traffic_policy: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServicePort {
    pub name: Option<String>,
    pub protocol: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub port: i64,
    pub target_port: Option<IntOrString>,
    pub node_port: Option<i64>,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LoadBalancerHolder {
    #[serde(deserialize_with = "nullable")]
    pub load_balancer: LoadBalancerStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LoadBalancerStatus {
    #[serde(deserialize_with = "nullable")]
    pub ingress: Vec<LoadBalancerIngress>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LoadBalancerIngress {
    pub ip: Option<String>,
    pub hostname: Option<String>,
}

// ---------------------------------------------------------------- Endpoints

/// The legacy `Endpoints` object, read when a Service has no EndpointSlice.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub subsets: Vec<EndpointSubset>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EndpointSubset {
    #[serde(deserialize_with = "nullable")]
    pub addresses: Vec<EndpointAddress>,
    #[serde(deserialize_with = "nullable")]
    pub not_ready_addresses: Vec<EndpointAddress>,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<EndpointPort>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EndpointAddress {
    #[serde(deserialize_with = "nullable")]
    pub ip: String,
    pub hostname: Option<String>,
    pub node_name: Option<String>,
    pub target_ref: Option<ObjectReference>,
}

// ---------------------------------------------------------------- cluster objects

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Namespace {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub status: NamespaceStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NamespaceStatus {
    pub phase: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Node {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: NodeSpec,
    #[serde(deserialize_with = "nullable")]
    pub status: NodeStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeSpec {
    #[serde(rename = "podCIDR")]
    pub pod_cidr: Option<String>,
    #[serde(rename = "podCIDRs", deserialize_with = "nullable")]
    pub pod_cidrs: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub unschedulable: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeStatus {
    #[serde(deserialize_with = "nullable")]
    pub addresses: Vec<NodeAddress>,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeAddress {
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub type_: String,
    #[serde(deserialize_with = "nullable")]
    pub address: String,
}

/// What netdoctor keeps of a Secret: an allow-list, so that nothing that could hold its
/// content is held (or printed by `snapshot`). `data` and `stringData` are not fields here:
/// serde skips them while parsing. Of the metadata only the names, labels, timestamps and
/// the annotations netdoctor reads (`SECRET_ANNOTATIONS`) are kept: tools keep full copies
/// of the object in other annotations (`kubectl.kubernetes.io/last-applied-configuration`,
/// `kapp.k14s.io/original`, …).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Secret {
    #[serde(deserialize_with = "secret_metadata")]
    pub metadata: ObjectMeta,
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

/// ConfigMap with only the data keys cluster DNS is configured by (see `dns_config_data`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfigMap {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(
        deserialize_with = "dns_config_data",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub data: StringMap,
}

/// The only annotations kept on a Secret: the ones netdoctor reads.
pub const SECRET_ANNOTATIONS: &[&str] = &["netdoctor.io/ignore"];

/// A Secret's metadata through the allow-list (see `Secret`).
fn secret_metadata<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    #[derive(Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    struct Allowed {
        name: Option<String>,
        generate_name: Option<String>,
        namespace: Option<String>,
        uid: Option<String>,
        #[serde(deserialize_with = "string_map")]
        labels: StringMap,
        #[serde(deserialize_with = "secret_annotations")]
        annotations: StringMap,
        creation_timestamp: Option<String>,
        deletion_timestamp: Option<String>,
    }
    let a = Option::<Allowed>::deserialize(d)?.unwrap_or_default();
    Ok(ObjectMeta {
        name: a.name,
        generate_name: a.generate_name,
        namespace: a.namespace,
        uid: a.uid,
        labels: a.labels,
        annotations: a.annotations,
        owner_references: Vec::new(),
        creation_timestamp: a.creation_timestamp,
        deletion_timestamp: a.deletion_timestamp,
        source_offset: None,
    })
}

fn secret_annotations<'de, D: serde::Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
    string_map_skipping(d, |k| SECRET_ANNOTATIONS.contains(&k))
}

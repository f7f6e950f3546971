//! One document → the API objects in it, dispatched on `kind` in a single pass.
//!
//! `kind` usually comes before `spec` (kubectl prints keys in order, people write them in
//! order), so the visitor reads keys until it meets `kind` and then hands the rest of the
//! same map to the typed struct of that kind: nothing is buffered. Keys met before `kind`
//! (other than `apiVersion`) are buffered as JSON values and merged, which is slower but
//! still correct. `List` and `*List` documents recurse into `items`; items of a typed list
//! (`PodList`) may omit their own `kind`, as API responses do.

use super::api;
use super::gateway_api as gw;
use super::items::{self, Capture, ItemContext, ItemError, Pending, Sink};
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// `$get` applied to the object of every kind that has metadata (all but `Other`): one
/// list of kinds for `metadata` and `metadata_mut`.
macro_rules! each_metadata {
    ($object:expr, $o:ident => $get:expr) => {
        Some(match $object {
            ApiObject::Namespace($o) => $get,
            ApiObject::Node($o) => $get,
            ApiObject::Pod($o) => $get,
            ApiObject::Service($o) => $get,
            ApiObject::Endpoints($o) => $get,
            ApiObject::EndpointSlice($o) => $get,
            ApiObject::NetworkPolicy($o) => $get,
            ApiObject::Ingress($o) => $get,
            ApiObject::IngressClass($o) => $get,
            ApiObject::Secret($o) => $get,
            ApiObject::ConfigMap($o) => $get,
            ApiObject::GatewayClass($o) => $get,
            ApiObject::Gateway($o) => $get,
            ApiObject::HttpRoute($o)
            | ApiObject::GrpcRoute($o)
            | ApiObject::TlsRoute($o)
            | ApiObject::TcpRoute($o)
            | ApiObject::UdpRoute($o) => $get,
            ApiObject::ListenerSet($o) => $get,
            ApiObject::ReferenceGrant($o) => $get,
            ApiObject::Workload(_, $o) => $get,
            ApiObject::ForeignPolicy($o) => $get,
            ApiObject::Other { .. } => return None,
        })
    };
}

/// Every kind netdoctor reads. Anything else is `Other` and skipped (counted).
#[derive(Debug, Clone)]
pub enum ApiObject {
    Namespace(api::Namespace),
    Node(api::Node),
    Pod(api::Pod),
    Service(api::Service),
    Endpoints(api::Endpoints),
    EndpointSlice(api::EndpointSlice),
    NetworkPolicy(api::NetworkPolicy),
    Ingress(api::Ingress),
    IngressClass(api::IngressClass),
    Secret(api::Secret),
    ConfigMap(api::ConfigMap),
    GatewayClass(gw::GatewayClass),
    Gateway(gw::Gateway),
    HttpRoute(gw::Route),
    GrpcRoute(gw::Route),
    TlsRoute(gw::Route),
    TcpRoute(gw::Route),
    UdpRoute(gw::Route),
    ListenerSet(gw::ListenerSet),
    ReferenceGrant(gw::ReferenceGrant),
    /// Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob.
    Workload(WorkloadKind, api::Workload),
    /// A policy kind of another project (Cilium, Calico, Istio, AdminNetworkPolicy).
    ForeignPolicy(api::ForeignPolicy),
    /// A kind netdoctor does not use: only its name is kept (custom resources an operator
    /// creates pods from are named in findings that could otherwise not be sure).
    Other {
        api_version: String,
        kind: String,
        name: Option<String>,
        namespace: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 7] = [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::ReplicaSet,
        WorkloadKind::ReplicationController,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }

    /// Accepts the kind as written in YAML and as typed on the command line
    /// (`deployment`, `deploy`, `sts`, …).
    pub fn parse(s: &str) -> Option<WorkloadKind> {
        let k = match s.to_ascii_lowercase().as_str() {
            "deployment" | "deployments" | "deploy" => WorkloadKind::Deployment,
            "statefulset" | "statefulsets" | "sts" => WorkloadKind::StatefulSet,
            "daemonset" | "daemonsets" | "ds" => WorkloadKind::DaemonSet,
            "replicaset" | "replicasets" | "rs" => WorkloadKind::ReplicaSet,
            "replicationcontroller" | "replicationcontrollers" | "rc" => {
                WorkloadKind::ReplicationController
            }
            "job" | "jobs" => WorkloadKind::Job,
            "cronjob" | "cronjobs" | "cj" => WorkloadKind::CronJob,
            _ => return None,
        };
        Some(k)
    }
}

impl ApiObject {
    pub fn kind(&self) -> &str {
        match self {
            ApiObject::Namespace(_) => "Namespace",
            ApiObject::Node(_) => "Node",
            ApiObject::Pod(_) => "Pod",
            ApiObject::Service(_) => "Service",
            ApiObject::Endpoints(_) => "Endpoints",
            ApiObject::EndpointSlice(_) => "EndpointSlice",
            ApiObject::NetworkPolicy(_) => "NetworkPolicy",
            ApiObject::Ingress(_) => "Ingress",
            ApiObject::IngressClass(_) => "IngressClass",
            ApiObject::Secret(_) => "Secret",
            ApiObject::ConfigMap(_) => "ConfigMap",
            ApiObject::GatewayClass(_) => "GatewayClass",
            ApiObject::Gateway(_) => "Gateway",
            ApiObject::HttpRoute(_) => "HTTPRoute",
            ApiObject::GrpcRoute(_) => "GRPCRoute",
            ApiObject::TlsRoute(_) => "TLSRoute",
            ApiObject::TcpRoute(_) => "TCPRoute",
            ApiObject::UdpRoute(_) => "UDPRoute",
            ApiObject::ListenerSet(_) => "ListenerSet",
            ApiObject::ReferenceGrant(_) => "ReferenceGrant",
            ApiObject::Workload(k, _) => k.as_str(),
            ApiObject::ForeignPolicy(p) => &p.kind,
            ApiObject::Other { kind, .. } => kind,
        }
    }

    pub fn metadata(&self) -> Option<&api::ObjectMeta> {
        each_metadata!(self, o => &o.metadata)
    }

    pub fn metadata_mut(&mut self) -> Option<&mut api::ObjectMeta> {
        each_metadata!(self, o => &mut o.metadata)
    }

    /// The `apiVersion` netdoctor writes back in a snapshot.
    pub fn api_version(&self) -> &str {
        match self {
            ApiObject::Namespace(_)
            | ApiObject::Node(_)
            | ApiObject::Pod(_)
            | ApiObject::Service(_)
            | ApiObject::Endpoints(_)
            | ApiObject::Secret(_)
            | ApiObject::ConfigMap(_) => "v1",
            ApiObject::EndpointSlice(_) => "discovery.k8s.io/v1",
            ApiObject::NetworkPolicy(_) | ApiObject::Ingress(_) | ApiObject::IngressClass(_) => {
                "networking.k8s.io/v1"
            }
            ApiObject::GatewayClass(_)
            | ApiObject::Gateway(_)
            | ApiObject::HttpRoute(_)
            | ApiObject::GrpcRoute(_)
            | ApiObject::TlsRoute(_)
            | ApiObject::ListenerSet(_) => "gateway.networking.k8s.io/v1",
            ApiObject::TcpRoute(_) | ApiObject::UdpRoute(_) => "gateway.networking.k8s.io/v1alpha2",
            ApiObject::ReferenceGrant(_) => "gateway.networking.k8s.io/v1beta1",
            ApiObject::Workload(WorkloadKind::ReplicationController, _) => "v1",
            ApiObject::Workload(WorkloadKind::Job | WorkloadKind::CronJob, _) => "batch/v1",
            ApiObject::Workload(_, _) => "apps/v1",
            ApiObject::ForeignPolicy(p) => &p.api_version,
            ApiObject::Other { api_version, .. } => api_version,
        }
    }

    /// The object as JSON with `apiVersion` and `kind`, for `snapshot`.
    pub fn to_json(&self) -> serde_json::Value {
        let body = match self {
            ApiObject::Namespace(o) => serde_json::to_value(o),
            ApiObject::Node(o) => serde_json::to_value(o),
            ApiObject::Pod(o) => serde_json::to_value(o),
            ApiObject::Service(o) => serde_json::to_value(o),
            ApiObject::Endpoints(o) => serde_json::to_value(o),
            ApiObject::EndpointSlice(o) => serde_json::to_value(o),
            ApiObject::NetworkPolicy(o) => serde_json::to_value(o),
            ApiObject::Ingress(o) => serde_json::to_value(o),
            ApiObject::IngressClass(o) => serde_json::to_value(o),
            ApiObject::Secret(o) => serde_json::to_value(o),
            ApiObject::ConfigMap(o) => serde_json::to_value(o),
            ApiObject::GatewayClass(o) => serde_json::to_value(o),
            ApiObject::Gateway(o) => serde_json::to_value(o),
            ApiObject::HttpRoute(o)
            | ApiObject::GrpcRoute(o)
            | ApiObject::TlsRoute(o)
            | ApiObject::TcpRoute(o)
            | ApiObject::UdpRoute(o) => serde_json::to_value(o),
            ApiObject::ListenerSet(o) => serde_json::to_value(o),
            ApiObject::ReferenceGrant(o) => serde_json::to_value(o),
            ApiObject::Workload(_, o) => serde_json::to_value(o),
            ApiObject::ForeignPolicy(o) => serde_json::to_value(o),
            ApiObject::Other { .. } => Ok(serde_json::Value::Object(Default::default())),
        };
        let mut v = body.unwrap_or(serde_json::Value::Null);
        if let serde_json::Value::Object(map) = &mut v {
            let mut out = serde_json::Map::new();
            out.insert("apiVersion".into(), self.api_version().into());
            out.insert("kind".into(), self.kind().into());
            out.append(map);
            return serde_json::Value::Object(out);
        }
        v
    }
}

/// Deserializes one document into the objects it holds (one, or the items of a List,
/// each read on its own: see `items.rs`).
pub(crate) struct ObjectsSeed<'a, 'p, 'q> {
    pub sink: Sink<'a>,
    pub capture: Capture<'a>,
    /// This object's path, the kind of a typed list's items (`PodList` → `Pod`), and where
    /// it waits when it has no `kind` and its List's kind is not yet known.
    pub item: ItemContext<'p, 'q>,
}

impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectsSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object (a mapping with apiVersion and kind)")
    }

    // An empty document (only comments, or `---` twice) holds no object.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ObjectsSeed {
            sink,
            capture,
            item,
        } = self;
        let mut api_version = String::new();
        let mut kind: Option<String> = None;
        let mut buffered = serde_json::Map::new();
        // kubectl prints `items` before `kind` (keys in alphabetical order), so a List is
        // recognised by its `items` and they are read in place, never buffered. Items that
        // carry no `kind` of their own wait in `pending` until the list's kind is known.
        let mut saw_items = false;
        let mut pending: Vec<Pending> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => {
                    api_version = map.next_value::<Option<String>>()?.unwrap_or_default()
                }
                "kind" => {
                    kind = map.next_value::<Option<String>>()?;
                    if kind.is_some() && !saw_items {
                        break;
                    }
                }
                "items" if kind.is_none() => {
                    saw_items = true;
                    map.next_value_seed(ItemsSeed {
                        sink: Sink {
                            out: &mut *sink.out,
                            errors: &mut *sink.errors,
                        },
                        capture,
                        item: ItemContext {
                            path: item.path,
                            default_kind: None,
                            pending: Some(&mut pending),
                        },
                    })?;
                }
                _ => {
                    let v: serde_json::Value = map.next_value()?;
                    buffered.insert(key, v);
                }
            }
        }
        if saw_items {
            if buffered.get("metadata").is_some_and(is_live_snapshot) {
                sink.out.push(live_marker());
            }
            let item_kind = kind
                .as_deref()
                .and_then(|k| k.strip_suffix("List"))
                .filter(|k| !k.is_empty());
            finish_pending(pending, item_kind, sink);
            return Ok(());
        }
        let kind = match kind.or_else(|| item.default_kind.map(str::to_string)) {
            Some(k) if !k.is_empty() => k,
            _ => {
                let Some(wait) = item.pending else {
                    return Err(de::Error::custom("the object has no `kind`"));
                };
                if !api_version.is_empty() {
                    buffered.insert("apiVersion".into(), api_version.into());
                }
                wait.push(Pending {
                    path: item.path.to_string(),
                    value: serde_json::Value::Object(buffered),
                    offset: None,
                });
                return Ok(());
            }
        };
        ObjectsSeed {
            sink,
            capture,
            item,
        }
        .dispatch(kind, api_version, map, buffered)
    }
}

/// The items of a List that had no `kind` of their own, now that the List's is known.
fn finish_pending(pending: Vec<Pending>, item_kind: Option<&str>, sink: Sink<'_>) {
    for p in pending {
        let sink = Sink {
            out: &mut *sink.out,
            errors: &mut *sink.errors,
        };
        match item_kind {
            Some(kind) => {
                let first = sink.out.len();
                items::read_value_item(
                    &p.value,
                    Sink {
                        out: &mut *sink.out,
                        errors: &mut *sink.errors,
                    },
                    ItemContext {
                        path: &p.path,
                        default_kind: Some(kind),
                        pending: None,
                    },
                );
                for meta in sink.out[first..]
                    .iter_mut()
                    .filter_map(ApiObject::metadata_mut)
                {
                    meta.source_offset = meta.source_offset.or(p.offset);
                }
            }
            None => sink.errors.push(ItemError {
                offset: None,
                reason: format!("{}: a list item has no `kind`", p.path),
            }),
        }
    }
}

impl ObjectsSeed<'_, '_, '_> {
    /// The kind is known: read the rest of the map as that kind's type.
    fn dispatch<'de, A: MapAccess<'de>>(
        self,
        kind: String,
        api_version: String,
        map: A,
        buffered: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), A::Error> {
        let rest = Rest { map, buffered };
        if kind == "List" || kind.ends_with("List") {
            let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
            return rest.items(self.sink, self.capture, self.item.path, item_kind);
        }
        let obj = match kind.as_str() {
            "Namespace" => ApiObject::Namespace(rest.typed()?),
            "Node" => ApiObject::Node(rest.typed()?),
            "Pod" => ApiObject::Pod(rest.typed()?),
            "Service" => ApiObject::Service(rest.typed()?),
            "Endpoints" => ApiObject::Endpoints(rest.typed()?),
            "EndpointSlice"
                if api_version.starts_with("discovery.k8s.io") || api_version.is_empty() =>
            {
                ApiObject::EndpointSlice(rest.typed()?)
            }
            k if api::is_foreign_policy(k, &api_version) => ApiObject::ForeignPolicy(
                rest.typed::<api::ForeignPolicy>()?
                    .with_kind(k, &api_version),
            ),
            "NetworkPolicy" if is_core_netpol(&api_version) => {
                ApiObject::NetworkPolicy(rest.typed()?)
            }
            "Ingress" if is_k8s_ingress(&api_version) => ApiObject::Ingress(rest.typed()?),
            "IngressClass" => ApiObject::IngressClass(rest.typed()?),
            "Secret" => ApiObject::Secret(rest.typed()?),
            "ConfigMap" => ApiObject::ConfigMap(rest.typed()?),
            // Gateway API kinds only in their group: Istio's `Gateway`
            // (networking.istio.io) and other CRDs of the same name are skipped.
            "GatewayClass" | "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute"
            | "ListenerSet" | "ReferenceGrant"
                if gw::is_gateway_api(&api_version) || api_version.is_empty() =>
            {
                match kind.as_str() {
                    "GatewayClass" => ApiObject::GatewayClass(rest.typed()?),
                    "HTTPRoute" => ApiObject::HttpRoute(rest.typed()?),
                    "GRPCRoute" => ApiObject::GrpcRoute(rest.typed()?),
                    "TLSRoute" => ApiObject::TlsRoute(rest.typed()?),
                    "TCPRoute" => ApiObject::TcpRoute(rest.typed()?),
                    "UDPRoute" => ApiObject::UdpRoute(rest.typed()?),
                    "ListenerSet" => ApiObject::ListenerSet(rest.typed()?),
                    _ => ApiObject::ReferenceGrant(rest.typed()?),
                }
            }
            "Gateway" if gw::is_gateway_api(&api_version) => ApiObject::Gateway(rest.typed()?),
            "Gateway" if api_version.is_empty() => {
                // `kind` came before `apiVersion`: read the rest and look at it.
                let v: serde_json::Value = rest.typed()?;
                let group_ok = match v.get("apiVersion").and_then(|a| a.as_str()) {
                    Some(a) => gw::is_gateway_api(a),
                    None => v.pointer("/spec/gatewayClassName").is_some(),
                };
                if group_ok {
                    ApiObject::Gateway(serde_json::from_value(v).map_err(de::Error::custom)?)
                } else {
                    let api_version = v
                        .get("apiVersion")
                        .and_then(|a| a.as_str())
                        .unwrap_or_default()
                        .to_string();
                    ApiObject::Other {
                        api_version,
                        kind,
                        name: None,
                        namespace: None,
                    }
                }
            }
            other => match WorkloadKind::ALL.iter().find(|k| k.as_str() == other) {
                Some(&wk) => ApiObject::Workload(wk, rest.typed()?),
                None => {
                    let name: NameOnly = rest.typed()?;
                    ApiObject::Other {
                        api_version,
                        kind,
                        name: name.metadata.name(),
                        namespace: name.metadata.namespace(),
                    }
                }
            },
        };
        self.sink.out.push(obj);
        Ok(())
    }
}

/// The annotation `netdoctor snapshot` puts on the List of a live read, so that the
/// snapshot read back with `-f` is judged like the live cluster (status-based checks such as
/// ING003 only run on live state).
pub const LIVE_SNAPSHOT_ANNOTATION: &str = "netdoctor.io/live";

/// The kind of the marker object a live snapshot's List yields (never a real kind).
pub const LIVE_MARKER_KIND: &str = "netdoctor.io/LiveSnapshot";

fn is_live_snapshot(meta: &serde_json::Value) -> bool {
    meta.get("annotations")
        .and_then(|a| a.get(LIVE_SNAPSHOT_ANNOTATION))
        .and_then(|v| v.as_str())
        == Some("true")
}

fn live_marker() -> ApiObject {
    ApiObject::Other {
        api_version: String::new(),
        kind: LIVE_MARKER_KIND.to_string(),
        name: None,
        namespace: None,
    }
}

/// The name and namespace of an object of a kind netdoctor does not use; anything else in
/// it (whatever its shape) is ignored, never an error.
#[derive(serde::Deserialize)]
struct NameOnly {
    #[serde(default)]
    metadata: LenientMeta,
}

#[derive(serde::Deserialize, Default)]
#[serde(transparent)]
struct LenientMeta(serde_json::Value);

impl LenientMeta {
    fn field(&self, key: &str) -> Option<String> {
        self.0.get(key)?.as_str().map(str::to_string)
    }
    fn name(&self) -> Option<String> {
        self.field("name")
    }
    fn namespace(&self) -> Option<String> {
        self.field("namespace")
    }
}

/// `networking.k8s.io/v1` (and old `extensions/v1beta1`), not Calico's or Cilium's kinds of
/// the same name, whose semantics differ.
fn is_core_netpol(api_version: &str) -> bool {
    api_version.is_empty()
        || api_version.starts_with("networking.k8s.io/")
        || api_version.starts_with("extensions/")
}

fn is_k8s_ingress(api_version: &str) -> bool {
    is_core_netpol(api_version)
}

/// The part of an object's map not yet read, plus what was buffered before `kind`.
struct Rest<A> {
    map: A,
    buffered: serde_json::Map<String, serde_json::Value>,
}

impl<'de, A: MapAccess<'de>> Rest<A> {
    fn typed<T: serde::de::DeserializeOwned>(mut self) -> Result<T, A::Error> {
        if self.buffered.is_empty() {
            return T::deserialize(MapAccessDeserializer::new(self.map));
        }
        while let Some(key) = self.map.next_key::<String>()? {
            let v: serde_json::Value = self.map.next_value()?;
            self.buffered.insert(key, v);
        }
        serde_json::from_value(serde_json::Value::Object(self.buffered)).map_err(de::Error::custom)
    }

    fn items(
        mut self,
        sink: Sink<'_>,
        capture: Capture<'_>,
        path: &str,
        item_kind: Option<&str>,
    ) -> Result<(), A::Error> {
        let item = ItemContext {
            path,
            default_kind: item_kind,
            pending: None,
        };
        if let Some(items) = self.buffered.remove("items") {
            while self.map.next_key::<IgnoredAny>()?.is_some() {
                self.map.next_value::<IgnoredAny>()?;
            }
            return ItemsSeed {
                sink,
                capture: Capture::Buffered,
                item,
            }
            .deserialize(items)
            .map_err(de::Error::custom);
        }
        let mut item = Some(item);
        while let Some(key) = self.map.next_key::<String>()? {
            if key == "metadata" {
                let meta: serde_json::Value = self.map.next_value()?;
                if is_live_snapshot(&meta) {
                    sink.out.push(live_marker());
                }
            } else if key == "items" && item.is_some() {
                let Some(item) = item.take() else { continue };
                self.map.next_value_seed(ItemsSeed {
                    sink: Sink {
                        out: &mut *sink.out,
                        errors: &mut *sink.errors,
                    },
                    capture,
                    item,
                })?;
            } else {
                self.map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ItemsSeed<'a, 'p, 'q> {
    sink: Sink<'a>,
    capture: Capture<'a>,
    /// The List's path, its items' kind, and where items without a kind wait.
    item: ItemContext<'p, 'q>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<(), S::Error> {
        items::read_seq(seq, self.sink, self.capture, self.item, "items")
    }
}

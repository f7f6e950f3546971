//! API objects → `Cluster`: conversion, validation (INP002), template pods, indexes.
//! One file per kind family; `finish` derives what the objects imply and builds the indexes.

mod cluster_domain;
mod cluster_policy;
mod foreign_policy;
mod gateway;
mod index;
mod ingress;
mod netpol;
mod pod;
mod service;
pub use service::{is_placeholder_cluster_ip, PLACEHOLDER_CLUSTER_IP_RANGE};
mod status;
mod workload;

pub use pod::{
    MAX_DERIVED_STATEFULSET_PODS, STATEFULSET_POD_INDEX_LABEL, STATEFULSET_POD_NAME_LABEL,
};

use super::labels::Labels;
use super::types::*;
use super::{Cluster, Invalid, IGNORE_ANNOTATION};
use crate::load::{api, ApiObject, LoadResult, Origin};
use crate::model::ObjectRef;
use std::collections::{BTreeMap, HashMap, HashSet};

/// An object's identity: kind, namespace (None when cluster-scoped), name.
type Identity = (String, Option<String>, String);

fn is_cluster_scoped(obj: &ApiObject) -> bool {
    matches!(
        obj,
        ApiObject::Namespace(_)
            | ApiObject::Node(_)
            | ApiObject::IngressClass(_)
            | ApiObject::GatewayClass(_)
    ) || foreign_policy::cluster_scoped(obj)
}

/// The identity of a named object (unnamed ones are reported by `add`).
fn identity(obj: &ApiObject) -> Option<Identity> {
    let meta = obj.metadata()?;
    let name = meta_name(meta)?;
    let ns = (!is_cluster_scoped(obj)).then(|| meta_ns(meta));
    Some((identity_kind(obj), ns, name))
}

/// The kind part of an object's identity. Calico's NetworkPolicy is not Kubernetes'
/// NetworkPolicy: for policy kinds of other projects the API group tells them apart.
fn identity_kind(obj: &ApiObject) -> String {
    match obj {
        ApiObject::ForeignPolicy(p) => format!("{} {}", p.api_version, obj.kind()),
        _ => obj.kind().to_string(),
    }
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--cluster-domain`; when absent, kubelet-config's `clusterDomain`, else the CoreDNS
    /// Corefile's `kubernetes` zone, else `cluster.local`.
    pub cluster_domain: Option<String>,
    /// What the reader knows about its read beyond the objects (files: the defaults).
    pub input: InputFacts,
}

/// What a read covered, known to the reader and not in the objects themselves. The default
/// is a read of files: not live, every kind and every namespace read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputFacts {
    /// Read from a live cluster (set by the live reader). A snapshot of a live read is live
    /// too: the loader sees its marker (`LoadResult::live`).
    pub live: bool,
    /// Kinds that a live read was forbidden to list (INP003), or `Kind -n NS` for one
    /// namespace it could not list.
    pub unreadable_kinds: Vec<String>,
    /// Why each of `unreadable_kinds` could not be read, when the reader says (a kind
    /// without a reason, as in a rule fixture's `# forbidden:` line, was forbidden).
    pub unreadable_reasons: BTreeMap<String, ReadFailure>,
    /// The namespaces a namespace-scoped live read listed (its scope, kube-system, the
    /// ingress controllers'); `None` when every namespace was read (files, `-A`). Objects of
    /// other namespaces are unknown, not absent: see `Cluster::can_read_in`.
    pub read_namespaces: Option<Vec<String>>,
}

/// Why a live read could not list a kind (INP003 names it, so that a server error is not
/// blamed on RBAC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFailure {
    /// HTTP 403: the credentials may not list the kind (the fix is RBAC).
    pub forbidden: bool,
    /// What happened, from the reader: the API server's message for a 403; otherwise the
    /// status with its meaning, a timeout, a size or page limit, a parse error with its
    /// position, a pagination loop. Already cut and free of control characters.
    pub reason: String,
}

const DEFAULT_NAMESPACE: &str = "default";

struct Builder {
    c: Cluster,
    seen: HashSet<(String, String, String)>,
    ignored: index::Ignored,
}

impl Cluster {
    pub fn build(input: LoadResult, options: &BuildOptions) -> Cluster {
        let mut b = Builder::new(Cluster {
            input: InputFacts {
                live: options.input.live || input.live,
                ..options.input.clone()
            },
            unreadable: input.unreadable,
            skipped_kinds: input.skipped_kinds,
            skipped_objects: input.skipped_objects,
            ..Cluster::default()
        });
        let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
        // An object defined more than once: `kubectl apply` applies each definition in turn,
        // so the last one is what the cluster runs. Earlier ones are reported and skipped.
        let ids: Vec<Option<Identity>> =
            input.objects.iter().map(|l| identity(&l.object)).collect();
        let mut last: HashMap<&Identity, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            if let Some(id) = id {
                last.insert(id, i);
            }
        }
        let superseded: Vec<Option<Origin>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let l = *last.get(id.as_ref()?)?;
                (l != i).then(|| input.objects[l].origin.clone())
            })
            .collect();
        for ((loaded, id), later) in input.objects.into_iter().zip(&ids).zip(superseded) {
            match (id, later) {
                (Some((kind, ns, name)), Some(later)) => {
                    b.superseded(kind, ns.as_deref(), name, loaded.origin, later)
                }
                _ => b.add(loaded.object, loaded.origin, &mut namespaces),
            }
        }
        b.finish(namespaces, options)
    }
}

fn meta_name(meta: &api::ObjectMeta) -> Option<String> {
    meta.name.clone().filter(|n| !n.is_empty())
}

fn meta_ns(meta: &api::ObjectMeta) -> String {
    meta.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}

fn parse_port(n: i64) -> Option<u16> {
    u16::try_from(n).ok().filter(|&p| p > 0)
}

fn controller_owner(meta: &api::ObjectMeta) -> Option<Owner> {
    meta.owner_references
        .iter()
        .find(|o| o.controller == Some(true))
        .or_else(|| meta.owner_references.first())
        .filter(|o| !o.name.is_empty())
        .map(|o| Owner {
            // A reference without `kind` is rejected by the API server and only occurs in
            // hand-made files; like np-guard's netpol-analyzer, group such pods under the
            // owner's name as `[Pod]`.
            kind: if o.kind.is_empty() {
                "Pod".to_string()
            } else {
                o.kind.clone()
            },
            name: o.name.clone(),
        })
}

impl Builder {
    fn new(c: Cluster) -> Builder {
        Builder {
            c,
            seen: HashSet::new(),
            ignored: index::Ignored::new(),
        }
    }

    /// A builder whose findings are thrown away (for objects derived, not read).
    fn scratch() -> Builder {
        Builder::new(Cluster::default())
    }

    fn invalid(&mut self, object: ObjectRef, reason: String, action: &str, origin: &Origin) {
        self.c.invalid.push(Invalid {
            object,
            reason,
            action: action.to_string(),
            origin: Some(origin.clone()),
            superseded_by: None,
        });
    }

    /// A definition that a later one of the same object replaces (INP002).
    fn superseded(
        &mut self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        origin: Origin,
        later: Origin,
    ) {
        let shown = match ns {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        };
        self.c.invalid.push(Invalid {
            object: ObjectRef::new(kind, ns, name),
            reason: format!("{kind} {shown} is defined more than once"),
            action: format!(
                "kubectl apply keeps the last definition ({} document {}, line {}), so netdoctor analyses that one and skips this one",
                later.file, later.document, later.line
            ),
            origin: Some(origin),
            superseded_by: Some(later),
        });
    }

    /// Registers an object's identity; false (and INP002) when it was seen before.
    fn first_time(
        &mut self,
        identity_kind: &str,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        origin: &Origin,
    ) -> bool {
        let id = (
            identity_kind.to_string(),
            ns.unwrap_or_default().to_string(),
            name.to_string(),
        );
        if self.seen.insert(id) {
            return true;
        }
        self.invalid(
            ObjectRef::new(kind, ns, name),
            format!(
                "{kind} {} is defined more than once",
                match ns {
                    Some(ns) => format!("{ns}/{name}"),
                    None => name.to_string(),
                }
            ),
            "skipped: the first definition is used",
            origin,
        );
        false
    }

    fn note_ignores(&mut self, kind: &str, ns: Option<&str>, name: &str, meta: &api::ObjectMeta) {
        if let Some(v) = meta.annotations.get(IGNORE_ANNOTATION) {
            let codes: Vec<String> = v
                .split(',')
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect();
            self.ignored.insert(
                (kind.to_string(), ns.map(str::to_string), name.to_string()),
                codes,
            );
        }
    }

    fn add(
        &mut self,
        obj: ApiObject,
        origin: Origin,
        namespaces: &mut BTreeMap<String, Namespace>,
    ) {
        let kind = obj.kind().to_string();
        let Some(meta) = obj.metadata() else { return };
        let Some(name) = meta_name(meta) else {
            self.invalid(
                ObjectRef::new(&kind, meta.namespace.as_deref(), "<unnamed>"),
                format!("a {kind} has no metadata.name"),
                "skipped",
                &origin,
            );
            return;
        };
        let cluster_scoped = is_cluster_scoped(&obj);
        let ns = (!cluster_scoped).then(|| meta_ns(meta));
        if !self.first_time(&identity_kind(&obj), &kind, ns.as_deref(), &name, &origin) {
            return;
        }
        self.note_ignores(&kind, ns.as_deref(), &name, meta);
        self.c
            .origins
            .insert(ObjectRef::new(&kind, ns.as_deref(), &name), origin.clone());
        if let Some(ns) = &ns {
            namespaces
                .entry(ns.clone())
                .or_insert_with(|| referenced_namespace(ns));
        }
        let ns = ns.unwrap_or_default();
        match obj {
            ApiObject::Namespace(n) => {
                namespaces.insert(name.clone(), namespace(name, n));
            }
            ApiObject::Node(n) => self.c.nodes.push(node(name, n)),
            ApiObject::Pod(p) => {
                let pod = self.pod(ns, name, p, origin);
                self.c.pods.push(pod);
            }
            ApiObject::Service(s) => {
                if let Some(svc) = self.service(ns, name, s, &origin) {
                    self.c.services.push(svc);
                }
            }
            ApiObject::EndpointSlice(s) => {
                let slice = self.slice(ns, name, s, &origin);
                self.c.endpoint_slices.push(slice);
            }
            ApiObject::Endpoints(e) => {
                let slice = service::legacy_endpoints(ns, name, e, &origin);
                self.c.endpoint_slices.push(slice);
            }
            ApiObject::NetworkPolicy(p) => {
                if let Some(policy) = self.policy(ns, name, p, &origin) {
                    self.c.policies.push(policy);
                }
            }
            ApiObject::Ingress(i) => {
                let ing = self.ingress(ns, name, i, &origin);
                self.c.ingresses.push(ing);
            }
            ApiObject::IngressClass(c) => self.c.ingress_classes.push(ingress::class(name, c)),
            ApiObject::Secret(s) => self.c.secrets.push(Secret {
                namespace: ns,
                name,
                type_: s.type_,
            }),
            ApiObject::ConfigMap(c) => self.c.config_maps.push(ConfigMap {
                namespace: ns,
                name,
                data: c.data,
            }),
            ApiObject::Workload(kind, w) => {
                if let Some(wl) = self.workload(ns, name, kind, w, &origin) {
                    self.c.workloads.push(wl);
                }
            }
            ApiObject::GatewayClass(g) => {
                let class = self.gateway_class(name, g, &origin);
                self.c.gateway_classes.push(class);
            }
            ApiObject::Gateway(g) => {
                let gw = self.gateway(ns, name, g, &origin);
                self.c.gateways.push(gw);
            }
            ApiObject::HttpRoute(r) => {
                let route = self.gw_route(crate::model::RouteKind::Http, ns, name, r, &origin);
                self.c.routes.push(route);
            }
            ApiObject::GrpcRoute(r) => {
                let route = self.gw_route(crate::model::RouteKind::Grpc, ns, name, r, &origin);
                self.c.routes.push(route);
            }
            ApiObject::TlsRoute(r) => {
                let route = self.gw_route(crate::model::RouteKind::Tls, ns, name, r, &origin);
                self.c.routes.push(route);
            }
            ApiObject::TcpRoute(r) => {
                let route = self.gw_route(crate::model::RouteKind::Tcp, ns, name, r, &origin);
                self.c.routes.push(route);
            }
            ApiObject::UdpRoute(r) => {
                let route = self.gw_route(crate::model::RouteKind::Udp, ns, name, r, &origin);
                self.c.routes.push(route);
            }
            ApiObject::ListenerSet(l) => {
                let set = self.listener_set(ns, name, l, &origin);
                self.c.listener_sets.push(set);
            }
            ApiObject::ReferenceGrant(g) => {
                let grant = self.reference_grant(ns, name, g);
                self.c.reference_grants.push(grant);
            }
            ApiObject::ForeignPolicy(p) if cluster_policy::is_cluster_policy(&p.kind) => {
                if let Some(policy) = self.cluster_policy(&p, name, &origin) {
                    self.c.cluster_policies.push(policy);
                }
            }
            ApiObject::ForeignPolicy(p) => {
                let policy = foreign_policy::foreign_policy(p, name);
                self.c.foreign_policies.push(policy);
            }
            ApiObject::Other { .. } => {}
        }
    }

    fn finish(
        self,
        mut namespaces: BTreeMap<String, Namespace>,
        options: &BuildOptions,
    ) -> Cluster {
        let Builder { mut c, ignored, .. } = self;
        // Namespaces referenced by objects are registered in `add`; make sure cluster DNS's
        // and the default namespace exist too.
        for ns in [DEFAULT_NAMESPACE, "kube-system"] {
            namespaces
                .entry(ns.into())
                .or_insert_with(|| referenced_namespace(ns));
        }
        c.namespaces = namespaces.into_values().collect();
        c.cluster_domain = cluster_domain::cluster_domain(&c, options.cluster_domain.as_deref());
        let workloads = workload::index_workloads(&c.workloads);
        workload::group_pods_under_workloads(&mut c, &workloads);
        let (derived, notes) = pod::template_pods(&c, &workloads);
        c.pods.extend(derived);
        c.assumptions.extend(notes);
        c.assumptions.extend(placeholder_ip_note(&c));
        c.index = index::build(&c, workloads, ignored);
        c
    }
}

/// Said once for the whole input: Services given without `spec.clusterIP` got a
/// placeholder virtual IP (trace and dns name it again where an answer shows one).
fn placeholder_ip_note(c: &Cluster) -> Option<String> {
    let services: Vec<String> = c
        .services
        .iter()
        .filter(|s| {
            s.cluster_ips
                .iter()
                .any(|ip| is_placeholder_cluster_ip(*ip))
        })
        .map(|s| format!("{}/{}", s.namespace, s.name))
        .collect();
    let first = services.first()?;
    let which = match services.len() {
        1 => format!("Service {first} has"),
        n => format!("{n} Services ({first}, …) have"),
    };
    Some(format!(
        "{which} no spec.clusterIP (a manifest not yet applied): netdoctor gives each a placeholder virtual IP from {}; the API server assigns the real one when the Service is created",
        service::PLACEHOLDER_CLUSTER_IP_RANGE
    ))
}

fn namespace(name: String, n: api::Namespace) -> Namespace {
    let mut labels = n.metadata.labels;
    labels.insert("kubernetes.io/metadata.name".into(), name.clone());
    Namespace {
        name,
        labels,
        defined: true,
        terminating: n.status.phase.as_deref() == Some("Terminating"),
    }
}

/// A namespace objects live in but whose Namespace object is not in the input.
fn referenced_namespace(name: &str) -> Namespace {
    let mut labels = Labels::new();
    labels.insert("kubernetes.io/metadata.name".into(), name.to_string());
    Namespace {
        name: name.to_string(),
        labels,
        defined: false,
        terminating: false,
    }
}

fn node(name: String, n: api::Node) -> Node {
    Node {
        name,
        internal_ips: n
            .status
            .addresses
            .iter()
            .filter(|a| a.type_ == "InternalIP")
            .filter_map(|a| a.address.parse().ok())
            .collect(),
        pod_cidrs: n
            .spec
            .pod_cidrs
            .iter()
            .chain(n.spec.pod_cidr.iter())
            .filter_map(|c| c.parse().ok())
            .collect(),
        ready: n
            .status
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True"),
        labels: n.metadata.labels,
    }
}

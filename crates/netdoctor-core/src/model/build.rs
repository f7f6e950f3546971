//! API objects → `Cluster`: conversion, validation (INP002), template pods, indexes.

use super::labels::{Labels, Selector};
use super::types::*;
use super::{Cluster, Index, Invalid, LabelGroup, IGNORE_ANNOTATION};
use crate::load::{api, ApiObject, LoadResult, Origin, WorkloadKind};
use crate::model::ObjectRef;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--cluster-domain`; when absent, kubelet-config's `clusterDomain`, else the CoreDNS
    /// Corefile's `kubernetes` zone, else `cluster.local`.
    pub cluster_domain: Option<String>,
}

mod gateway;

const DEFAULT_NAMESPACE: &str = "default";

struct Builder {
    c: Cluster,
    seen: HashSet<(String, String, String)>,
    ignored: HashMap<(String, Option<String>, String), Vec<String>>,
}

impl Cluster {
    pub fn build(input: LoadResult, options: &BuildOptions) -> Cluster {
        let mut b = Builder {
            c: Cluster {
                live: input.live,
                unreadable: input.unreadable,
                skipped_kinds: input.skipped_kinds,
                ..Cluster::default()
            },
            seen: HashSet::new(),
            ignored: HashMap::new(),
        };
        let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
        for loaded in input.objects {
            b.add(loaded.object, loaded.origin, &mut namespaces);
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
    fn invalid(&mut self, object: ObjectRef, reason: String, action: &str, origin: &Origin) {
        self.c.invalid.push(Invalid {
            object,
            reason,
            action: action.to_string(),
            origin: Some(origin.clone()),
        });
    }

    /// Registers an object's identity; false (and INP002) when it was seen before.
    fn first_time(&mut self, kind: &str, ns: Option<&str>, name: &str, origin: &Origin) -> bool {
        let id = (
            kind.to_string(),
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
        let cluster_scoped = matches!(
            obj,
            ApiObject::Namespace(_)
                | ApiObject::Node(_)
                | ApiObject::IngressClass(_)
                | ApiObject::GatewayClass(_)
        );
        let ns = (!cluster_scoped).then(|| meta_ns(meta));
        if !self.first_time(&kind, ns.as_deref(), &name, &origin) {
            return;
        }
        self.note_ignores(&kind, ns.as_deref(), &name, meta);
        if let Some(ns) = &ns {
            namespaces
                .entry(ns.clone())
                .or_insert_with(|| referenced_namespace(ns));
        }
        let ns = ns.unwrap_or_default();
        match obj {
            ApiObject::Namespace(n) => {
                let mut labels = n.metadata.labels;
                labels.insert("kubernetes.io/metadata.name".into(), name.clone());
                namespaces.insert(
                    name.clone(),
                    Namespace {
                        name,
                        labels,
                        defined: true,
                        terminating: n.status.phase.as_deref() == Some("Terminating"),
                    },
                );
            }
            ApiObject::Node(n) => self.c.nodes.push(Node {
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
            }),
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
                let slice = legacy_endpoints(ns, name, e, &origin);
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
            ApiObject::IngressClass(c) => self.c.ingress_classes.push(IngressClass {
                name,
                controller: c.spec.controller.unwrap_or_default(),
                is_default: c
                    .metadata
                    .annotations
                    .get("ingressclass.kubernetes.io/is-default-class")
                    .is_some_and(|v| v == "true"),
                annotations: c.metadata.annotations,
            }),
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
                let route = self.gw_route(super::RouteKind::Http, ns, name, r, &origin);
                self.c.routes.push(route);
            }
            ApiObject::GrpcRoute(r) => {
                let route = self.gw_route(super::RouteKind::Grpc, ns, name, r, &origin);
                self.c.routes.push(route);
            }
            ApiObject::ReferenceGrant(g) => {
                let grant = self.reference_grant(ns, name, g);
                self.c.reference_grants.push(grant);
            }
            ApiObject::Other { .. } => {}
        }
    }

    fn containers(
        &mut self,
        spec: &api::PodSpec,
        object: &ObjectRef,
        origin: Option<&Origin>,
    ) -> Vec<Container> {
        let mut out = Vec::new();
        let sidecars = spec
            .init_containers
            .iter()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"));
        for (c, sidecar) in spec
            .containers
            .iter()
            .map(|c| (c, false))
            .chain(sidecars.map(|c| (c, true)))
        {
            let mut ports = Vec::new();
            for p in &c.ports {
                let protocol = match p.protocol.as_deref() {
                    None | Some("") => Some(Protocol::Tcp),
                    Some(s) => Protocol::parse(s),
                };
                match (parse_port(p.container_port), protocol) {
                    (Some(port), Some(protocol)) => ports.push(ContainerPort {
                        name: p.name.clone().filter(|n| !n.is_empty()),
                        port,
                        protocol,
                    }),
                    (port, _) => {
                        let reason = if port.is_none() {
                            format!(
                                "container {:?}: containerPort {} is outside 1-65535",
                                c.name, p.container_port
                            )
                        } else {
                            format!(
                                "container {:?}: protocol {:?} is not TCP, UDP or SCTP",
                                c.name,
                                p.protocol.as_deref().unwrap_or_default()
                            )
                        };
                        if let Some(origin) = origin {
                            self.invalid(
                                object.clone(),
                                reason,
                                "repaired: the port is ignored",
                                origin,
                            );
                        }
                    }
                }
            }
            out.push(Container {
                name: c.name.clone(),
                ports,
                readiness_probe: c.readiness_probe.clone(),
                sidecar,
            });
        }
        out
    }

    fn pod(&mut self, ns: String, name: String, p: api::Pod, origin: Origin) -> Pod {
        let object = ObjectRef::namespaced("Pod", &ns, &name);
        let containers = self.containers(&p.spec, &object, Some(&origin));
        let assumed = p.status.phase.is_none() && p.status.conditions.is_empty();
        let mut ips: Vec<IpAddr> = p
            .status
            .pod_ips
            .iter()
            .filter_map(|i| i.ip.parse().ok())
            .collect();
        if ips.is_empty() {
            ips.extend(
                p.status
                    .pod_ip
                    .as_deref()
                    .and_then(|i| i.parse::<IpAddr>().ok()),
            );
        }
        let ready = assumed
            || p.status
                .conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
        Pod {
            owner: controller_owner(&p.metadata),
            workload: None,
            derived: false,
            assumed,
            node_name: p.spec.node_name,
            host_network: p.spec.host_network,
            ips,
            host_ip: p.status.host_ip.as_deref().and_then(|i| i.parse().ok()),
            phase: p.status.phase.clone().unwrap_or_else(|| {
                if assumed {
                    "Running".into()
                } else {
                    "Unknown".into()
                }
            }),
            ready,
            terminating: p.metadata.deletion_timestamp.is_some(),
            containers,
            conditions: p.status.conditions,
            container_statuses: p.status.container_statuses,
            init_container_statuses: p.status.init_container_statuses,
            status_reason: p.status.reason,
            status_message: p.status.message,
            dns_policy: p
                .spec
                .dns_policy
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "ClusterFirst".into()),
            dns_config: p.spec.dns_config,
            hostname: p.spec.hostname,
            subdomain: p.spec.subdomain,
            set_hostname_as_fqdn: p.spec.set_hostname_as_fqdn.unwrap_or(false),
            labels: p.metadata.labels,
            annotations: p.metadata.annotations,
            namespace: ns,
            name,
            origin: Some(origin),
        }
    }

    fn service(
        &mut self,
        ns: String,
        name: String,
        s: api::Service,
        origin: &Origin,
    ) -> Option<Service> {
        let object = ObjectRef::namespaced("Service", &ns, &name);
        let type_ = match s.spec.type_.as_deref() {
            None | Some("") | Some("ClusterIP") => ServiceType::ClusterIp,
            Some("NodePort") => ServiceType::NodePort,
            Some("LoadBalancer") => ServiceType::LoadBalancer,
            Some("ExternalName") => ServiceType::ExternalName,
            Some(other) => {
                self.invalid(
                    object,
                    format!("spec.type {other:?} is not ClusterIP, NodePort, LoadBalancer or ExternalName"),
                    "skipped",
                    origin,
                );
                return None;
            }
        };
        let headless = s.spec.cluster_ip.as_deref() == Some("None");
        let mut cluster_ips: Vec<IpAddr> = s
            .spec
            .cluster_ips
            .iter()
            .filter_map(|i| i.parse().ok())
            .collect();
        if cluster_ips.is_empty() {
            cluster_ips.extend(
                s.spec
                    .cluster_ip
                    .as_deref()
                    .and_then(|i| i.parse::<IpAddr>().ok()),
            );
        }
        let mut ports = Vec::new();
        for (i, p) in s.spec.ports.iter().enumerate() {
            let protocol = match p.protocol.as_deref() {
                None | Some("") => Some(Protocol::Tcp),
                Some(x) => Protocol::parse(x),
            };
            let Some(protocol) = protocol else {
                self.invalid(
                    object.clone(),
                    format!(
                        "spec.ports[{i}].protocol {:?} is not TCP, UDP or SCTP",
                        p.protocol
                    ),
                    "repaired: the port is ignored",
                    origin,
                );
                continue;
            };
            let Some(port) = parse_port(p.port) else {
                self.invalid(
                    object.clone(),
                    format!("spec.ports[{i}].port {} is outside 1-65535", p.port),
                    "repaired: the port is ignored",
                    origin,
                );
                continue;
            };
            let target_port = match &p.target_port {
                None => PortRef::Number(port),
                Some(api::IntOrString::Int(0)) => PortRef::Number(port),
                Some(api::IntOrString::Int(n)) => match parse_port(*n) {
                    Some(n) => PortRef::Number(n),
                    None => {
                        self.invalid(
                            object.clone(),
                            format!("spec.ports[{i}].targetPort {n} is outside 1-65535"),
                            "repaired: the port is ignored",
                            origin,
                        );
                        continue;
                    }
                },
                Some(api::IntOrString::String(s)) if s.is_empty() => PortRef::Number(port),
                Some(api::IntOrString::String(s)) => match s.parse::<u16>() {
                    // The API stores a quoted number as a string, and kube-proxy treats an
                    // all-digit string as that number.
                    Ok(n) if n > 0 => PortRef::Number(n),
                    _ => PortRef::Name(s.clone()),
                },
            };
            ports.push(ServicePort {
                name: p.name.clone().filter(|n| !n.is_empty()),
                protocol,
                port,
                target_port,
                node_port: p.node_port.and_then(parse_port),
                app_protocol: p.app_protocol.clone(),
            });
        }
        Some(Service {
            namespace: ns,
            name,
            labels: s.metadata.labels,
            annotations: s.metadata.annotations,
            // An empty selector map is the same as none: the controller manages no endpoints.
            selector: s.spec.selector.filter(|m| !m.is_empty()),
            type_,
            cluster_ips,
            headless,
            external_name: s.spec.external_name,
            ports,
            publish_not_ready_addresses: s.spec.publish_not_ready_addresses,
            load_balancer: s
                .status
                .load_balancer
                .ingress
                .iter()
                .filter_map(|i| i.ip.clone().or_else(|| i.hostname.clone()))
                .collect(),
            origin: Some(origin.clone()),
        })
    }

    fn slice(
        &mut self,
        ns: String,
        name: String,
        s: api::EndpointSlice,
        origin: &Origin,
    ) -> EndpointSlice {
        EndpointSlice {
            service: s.metadata.labels.get("kubernetes.io/service-name").cloned(),
            address_type: s.address_type.unwrap_or_else(|| "IPv4".into()),
            endpoints: s
                .endpoints
                .into_iter()
                .map(|e| {
                    let terminating = e.conditions.terminating.unwrap_or(false);
                    let ready = e.conditions.ready.unwrap_or(true);
                    Endpoint {
                        addresses: e.addresses,
                        ready,
                        serving: e.conditions.serving.unwrap_or(ready),
                        terminating,
                        hostname: e.hostname,
                        node_name: e.node_name,
                        pod: pod_target(e.target_ref.as_ref(), &ns),
                    }
                })
                .collect(),
            ports: s.ports.iter().map(endpoint_port).collect(),
            legacy: false,
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        }
    }

    fn selector(
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

    fn policy(
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
            if let Some(block) = &peer.ip_block {
                if peer.pod_selector.is_some() || peer.namespace_selector.is_some() {
                    self.invalid(
                        object.clone(),
                        format!(
                            "{pf}: ipBlock cannot be combined with a pod or namespace selector"
                        ),
                        "skipped",
                        origin,
                    );
                    return None;
                }
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
                                format!(
                                    "{pf}.ipBlock.except {x} is not strictly inside cidr {cidr}"
                                ),
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
                rule.peers.push(Peer::IpBlock {
                    cidr: cidr.trunc(),
                    except: except.into_iter().map(|e| e.trunc()).collect(),
                });
                continue;
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
            rule.peers.push(Peer::Pods { namespaces, pods });
        }
        for (j, port) in ports.unwrap_or_default().iter().enumerate() {
            let pf = format!("{field}.ports[{j}]");
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
            rule.ports.push(PolicyPort {
                protocol,
                port: port_ref,
                end_port,
            });
        }
        Some(rule)
    }

    fn ingress(&mut self, ns: String, name: String, i: api::Ingress, origin: &Origin) -> Ingress {
        let object = ObjectRef::namespaced("Ingress", &ns, &name);
        let mut rules = Vec::new();
        for r in &i.spec.rules {
            let mut paths = Vec::new();
            for p in r.http.iter().flat_map(|h| h.paths.iter()) {
                let path_type = match p.path_type.as_deref() {
                    Some("Exact") => PathType::Exact,
                    Some("Prefix") => PathType::Prefix,
                    // v1beta1 objects carry no pathType; the API defaults it.
                    None | Some("") | Some("ImplementationSpecific") => {
                        PathType::ImplementationSpecific
                    }
                    Some(other) => {
                        self.invalid(
                            object.clone(),
                            format!(
                                "pathType {other:?} is not Exact, Prefix or ImplementationSpecific"
                            ),
                            "repaired: treated as ImplementationSpecific",
                            origin,
                        );
                        PathType::ImplementationSpecific
                    }
                };
                match ingress_backend(&p.backend) {
                    Some(backend) => paths.push(IngressPath {
                        path: p
                            .path
                            .clone()
                            .filter(|s| !s.is_empty())
                            .unwrap_or_else(|| "/".into()),
                        path_type,
                        backend,
                    }),
                    None => self.invalid(
                        object.clone(),
                        format!(
                            "path {:?} has no service or resource backend",
                            p.path.as_deref().unwrap_or("/")
                        ),
                        "repaired: the path is ignored",
                        origin,
                    ),
                }
            }
            rules.push(IngressRule {
                host: r.host.clone().filter(|h| !h.is_empty()),
                paths,
            });
        }
        Ingress {
            class_name: i.spec.ingress_class_name.clone().filter(|c| !c.is_empty()),
            class_annotation: i
                .metadata
                .annotations
                .get("kubernetes.io/ingress.class")
                .cloned(),
            default_backend: i
                .spec
                .default_backend
                .as_ref()
                .or(i.spec.backend.as_ref())
                .and_then(ingress_backend),
            rules,
            tls: i
                .spec
                .tls
                .iter()
                .map(|t| IngressTls {
                    hosts: t.hosts.clone(),
                    secret_name: t.secret_name.clone(),
                })
                .collect(),
            addresses: i
                .status
                .load_balancer
                .ingress
                .iter()
                .filter_map(|x| x.ip.clone().or_else(|| x.hostname.clone()))
                .collect(),
            created: i.metadata.creation_timestamp.clone(),
            annotations: i.metadata.annotations,
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        }
    }

    fn workload(
        &mut self,
        ns: String,
        name: String,
        kind: WorkloadKind,
        w: api::Workload,
        origin: &Origin,
    ) -> Option<Workload> {
        let object = ObjectRef::namespaced(kind.as_str(), &ns, &name);
        let spec = match kind {
            WorkloadKind::CronJob => w
                .spec
                .job_template
                .as_ref()
                .map(|j| &j.spec)
                .unwrap_or(&w.spec),
            _ => &w.spec,
        };
        let selector = match &spec.selector {
            Some(s) => Some(self.selector(s, &object, "spec.selector", origin)?),
            None => None,
        };
        let replicas = match kind {
            WorkloadKind::DaemonSet | WorkloadKind::CronJob => 1,
            WorkloadKind::Job => spec.parallelism.unwrap_or(1),
            _ => w.spec.replicas.unwrap_or(1),
        };
        let template = spec.template.as_ref();
        Some(Workload {
            kind,
            labels: w.metadata.labels.clone(),
            annotations: w.metadata.annotations.clone(),
            replicas,
            selector,
            template_labels: template
                .map(|t| t.metadata.labels.clone())
                .unwrap_or_default(),
            template_spec: template.map(|t| t.spec.clone()),
            service_name: w.spec.service_name.clone(),
            owner: controller_owner(&w.metadata),
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        })
    }

    fn finish(
        mut self,
        mut namespaces: BTreeMap<String, Namespace>,
        options: &BuildOptions,
    ) -> Cluster {
        let mut c = self.c;
        // Namespaces referenced by objects are registered in `add`; make sure cluster DNS's
        // and the default namespace exist too.
        for ns in [DEFAULT_NAMESPACE, "kube-system"] {
            namespaces
                .entry(ns.into())
                .or_insert_with(|| referenced_namespace(ns));
        }
        c.namespaces = namespaces.into_values().collect();
        c.cluster_domain = options
            .cluster_domain
            .clone()
            .or_else(|| kubelet_cluster_domain(&c))
            .or_else(|| corefile_cluster_domain(&c))
            .unwrap_or_else(|| "cluster.local".into());

        let mut idx = Index::default();
        for (i, w) in c.workloads.iter().enumerate() {
            idx.workload.insert(
                (
                    w.kind.as_str().to_string(),
                    w.namespace.clone(),
                    w.name.clone(),
                ),
                i,
            );
        }
        // Walk owners up through intermediate workloads in the input (ReplicaSet →
        // Deployment, Job → CronJob) so pods are grouped under what users deploy.
        let top_owner = |ns: &str, owner: &Owner| -> Owner {
            let mut cur = owner.clone();
            for _ in 0..4 {
                let Some(&wi) =
                    idx.workload
                        .get(&(cur.kind.clone(), ns.to_string(), cur.name.clone()))
                else {
                    break;
                };
                match &c.workloads[wi].owner {
                    Some(up) if WorkloadKind::parse(&up.kind).is_some() => cur = up.clone(),
                    _ => break,
                }
            }
            cur
        };
        for p in &mut c.pods {
            if let Some(o) = &p.owner {
                let top = top_owner(&p.namespace, o);
                p.workload = idx
                    .workload
                    .get(&(top.kind.clone(), p.namespace.clone(), top.name.clone()))
                    .copied();
                p.owner = Some(top);
            }
        }
        let with_pods: HashSet<usize> = c.pods.iter().filter_map(|p| p.workload).collect();
        // Template pods for top-level workloads given without pods.
        let mut derived = Vec::new();
        for (wi, w) in c.workloads.iter().enumerate() {
            let owned_by_workload = w.owner.as_ref().is_some_and(|o| {
                idx.workload
                    .contains_key(&(o.kind.clone(), w.namespace.clone(), o.name.clone()))
            });
            if owned_by_workload || with_pods.contains(&wi) || w.replicas <= 0 {
                continue;
            }
            let Some(spec) = &w.template_spec else {
                continue;
            };
            derived.push(template_pod(w, wi, spec));
        }
        for mut p in derived {
            let object = ObjectRef::namespaced("Pod", &p.namespace, &p.name);
            let spec = p
                .workload
                .and_then(|wi| c.workloads[wi].template_spec.clone())
                .unwrap_or_default();
            let mut scratch = Builder {
                c: Cluster::default(),
                seen: HashSet::new(),
                ignored: HashMap::new(),
            };
            p.containers = scratch.containers(&spec, &object, None);
            c.pods.push(p);
        }

        for (i, n) in c.namespaces.iter().enumerate() {
            idx.namespace.insert(n.name.clone(), i);
        }
        let mut group_of: HashMap<(String, Labels), usize> = HashMap::new();
        for (i, p) in c.pods.iter().enumerate() {
            idx.pods_by_ns
                .entry(p.namespace.clone())
                .or_default()
                .push(i);
            idx.pod.insert((p.namespace.clone(), p.name.clone()), i);
            if !p.host_network {
                for ip in &p.ips {
                    idx.pod_by_ip.entry(*ip).or_default().push(i);
                }
            }
            if let Some(w) = p.workload {
                idx.pods_by_workload.entry(w).or_default().push(i);
            }
            let gk = (p.namespace.clone(), p.labels.clone());
            let g = *group_of.entry(gk).or_insert_with(|| {
                idx.label_groups.push(LabelGroup {
                    namespace: p.namespace.clone(),
                    labels: p.labels.clone(),
                    pods: Vec::new(),
                });
                idx.label_groups.len() - 1
            });
            idx.label_groups[g].pods.push(i);
        }
        for (g, group) in idx.label_groups.iter().enumerate() {
            idx.groups_by_ns
                .entry(group.namespace.clone())
                .or_default()
                .push(g);
        }
        for (i, s) in c.services.iter().enumerate() {
            idx.service.insert((s.namespace.clone(), s.name.clone()), i);
        }
        let mut has_slices: HashSet<(String, String)> = HashSet::new();
        for s in c.endpoint_slices.iter().filter(|s| !s.legacy) {
            if let Some(svc) = &s.service {
                has_slices.insert((s.namespace.clone(), svc.clone()));
            }
        }
        for (i, s) in c.endpoint_slices.iter().enumerate() {
            let Some(svc) = &s.service else { continue };
            let k = (s.namespace.clone(), svc.clone());
            // Legacy Endpoints only count for Services that have no EndpointSlice.
            if s.legacy && has_slices.contains(&k) {
                continue;
            }
            idx.slices_by_service.entry(k).or_default().push(i);
        }
        for (i, p) in c.policies.iter().enumerate() {
            idx.policies_by_ns
                .entry(p.namespace.clone())
                .or_default()
                .push(i);
        }
        for (i, s) in c.secrets.iter().enumerate() {
            idx.secret.insert((s.namespace.clone(), s.name.clone()), i);
        }
        for (i, g) in c.gateways.iter().enumerate() {
            idx.gateway.insert((g.namespace.clone(), g.name.clone()), i);
        }
        for (i, g) in c.reference_grants.iter().enumerate() {
            idx.grants_by_ns
                .entry(g.namespace.clone())
                .or_default()
                .push(i);
        }
        idx.ignored = std::mem::take(&mut self.ignored);
        c.index = idx;
        c
    }
}

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

fn template_pod(w: &Workload, wi: usize, spec: &api::PodSpec) -> Pod {
    let name = match w.kind {
        WorkloadKind::StatefulSet => format!("{}-0", w.name),
        _ => format!("{}-template", w.name),
    };
    let (hostname, subdomain) = match w.kind {
        WorkloadKind::StatefulSet => (Some(name.clone()), w.service_name.clone()),
        _ => (spec.hostname.clone(), spec.subdomain.clone()),
    };
    Pod {
        namespace: w.namespace.clone(),
        name,
        labels: w.template_labels.clone(),
        annotations: Labels::new(),
        owner: Some(Owner {
            kind: w.kind.as_str().to_string(),
            name: w.name.clone(),
        }),
        workload: Some(wi),
        derived: true,
        assumed: true,
        node_name: None,
        host_network: spec.host_network,
        ips: Vec::new(),
        host_ip: None,
        phase: "Running".into(),
        ready: true,
        terminating: false,
        containers: Vec::new(),
        conditions: Vec::new(),
        container_statuses: Vec::new(),
        init_container_statuses: Vec::new(),
        status_reason: None,
        status_message: None,
        dns_policy: spec
            .dns_policy
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "ClusterFirst".into()),
        dns_config: spec.dns_config.clone(),
        hostname,
        subdomain,
        set_hostname_as_fqdn: spec.set_hostname_as_fqdn.unwrap_or(false),
        origin: w.origin.clone(),
    }
}

fn pod_target(r: Option<&api::ObjectReference>, ns: &str) -> Option<(String, String)> {
    let r = r?;
    if r.kind.as_deref().is_some_and(|k| k != "Pod") {
        return None;
    }
    Some((
        r.namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| ns.to_string()),
        r.name.clone()?,
    ))
}

fn endpoint_port(p: &api::EndpointPort) -> EndpointPort {
    EndpointPort {
        name: p.name.clone().filter(|n| !n.is_empty()),
        port: p.port.and_then(parse_port),
        protocol: p
            .protocol
            .as_deref()
            .and_then(Protocol::parse)
            .unwrap_or(Protocol::Tcp),
    }
}

fn legacy_endpoints(ns: String, name: String, e: api::Endpoints, origin: &Origin) -> EndpointSlice {
    let mut endpoints = Vec::new();
    let mut ports = Vec::new();
    for subset in &e.subsets {
        for p in &subset.ports {
            ports.push(endpoint_port(p));
        }
        for (addr, ready) in subset
            .addresses
            .iter()
            .map(|a| (a, true))
            .chain(subset.not_ready_addresses.iter().map(|a| (a, false)))
        {
            endpoints.push(Endpoint {
                addresses: vec![addr.ip.clone()],
                ready,
                serving: ready,
                terminating: false,
                hostname: addr.hostname.clone(),
                node_name: addr.node_name.clone(),
                pod: pod_target(addr.target_ref.as_ref(), &ns),
            });
        }
    }
    EndpointSlice {
        service: Some(name.clone()),
        address_type: "IPv4".into(),
        endpoints,
        ports,
        legacy: true,
        namespace: ns,
        name,
        origin: Some(origin.clone()),
    }
}

fn ingress_backend(b: &api::IngressBackend) -> Option<IngressBackend> {
    if let Some(s) = &b.service {
        let port = match (&s.port.number, &s.port.name) {
            (Some(n), _) => PortRef::Number(parse_port(*n).unwrap_or(0)),
            (None, Some(name)) => PortRef::Name(name.clone()),
            (None, None) => PortRef::Number(0),
        };
        return Some(IngressBackend::Service {
            name: s.name.clone(),
            port,
        });
    }
    if let Some(r) = &b.resource {
        return Some(IngressBackend::Resource {
            kind: r.kind.clone(),
            name: r.name.clone(),
        });
    }
    let name = b.service_name.clone()?;
    let port = match &b.service_port {
        Some(api::IntOrString::Int(n)) => PortRef::Number(parse_port(*n).unwrap_or(0)),
        Some(api::IntOrString::String(s)) => PortRef::Name(s.clone()),
        None => PortRef::Number(0),
    };
    Some(IngressBackend::Service { name, port })
}

/// `clusterDomain` of the kubelet configuration (`kube-system/kubelet-config`, key `kubelet`):
/// what kubelet writes into pods' search paths.
fn kubelet_cluster_domain(c: &Cluster) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Kubelet {
        cluster_domain: Option<String>,
    }
    let cm = c
        .config_maps
        .iter()
        .find(|m| m.namespace == "kube-system" && m.name == "kubelet-config")?;
    let k: Kubelet = serde_saphyr::from_str(cm.data.get("kubelet")?).ok()?;
    k.cluster_domain
        .map(|d| d.trim_end_matches('.').to_string())
        .filter(|d| !d.is_empty())
}

/// The cluster domain from the Corefile's `kubernetes` plugin (its first zone that is not a
/// reverse zone), parsed by `sim::corefile`.
fn corefile_cluster_domain(c: &Cluster) -> Option<String> {
    let cm = c
        .config_maps
        .iter()
        .find(|m| m.namespace == "kube-system" && m.name == "coredns")?;
    let corefile = cm.data.get("Corefile")?;
    crate::load::corefile::parse(corefile)
        .kubernetes()?
        .cluster_domain()
}

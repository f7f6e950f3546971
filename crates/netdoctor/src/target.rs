//! Naming things on the command line: `NS/POD`, `NS/KIND/NAME`, `NS/service/NAME`, an IP.

use crate::CliError;
use netdoctor_core::load::WorkloadKind;
use netdoctor_core::model::Cluster;
use netdoctor_core::ObjectRef;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectArg {
    Pod {
        namespace: String,
        name: String,
    },
    Workload {
        kind: WorkloadKind,
        namespace: String,
        name: String,
    },
    Service {
        namespace: String,
        name: String,
    },
    Ingress {
        namespace: String,
        name: String,
    },
    NetworkPolicy {
        namespace: String,
        name: String,
    },
    Gateway {
        namespace: String,
        name: String,
    },
    /// An HTTPRoute or a GRPCRoute (`kind` as the API spells it).
    Route {
        kind: &'static str,
        namespace: String,
        name: String,
    },
    Ip(IpAddr),
}

/// A kind as kubectl users write it: singular, plural, short name, any case, with an
/// optional API group (`deployment.apps`, `httproutes.gateway.networking.k8s.io`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KindArg {
    Pod,
    Workload(WorkloadKind),
    Service,
    Ingress,
    NetworkPolicy,
    Gateway,
    Route(&'static str),
}

/// Every kind name accepted, for "did you mean" on an unknown one.
const KIND_NAMES: &[&str] = &[
    "pod",
    "po",
    "service",
    "svc",
    "deployment",
    "deploy",
    "statefulset",
    "sts",
    "daemonset",
    "ds",
    "replicaset",
    "rs",
    "replicationcontroller",
    "rc",
    "job",
    "cronjob",
    "cj",
    "ingress",
    "ing",
    "networkpolicy",
    "netpol",
    "gateway",
    "gtw",
    "httproute",
    "grpcroute",
];

impl KindArg {
    fn parse(kind: &str) -> Option<KindArg> {
        let kind = kind.split('.').next().unwrap_or(kind).to_ascii_lowercase();
        if let Some(w) = WorkloadKind::parse(&kind) {
            return Some(KindArg::Workload(w));
        }
        Some(match kind.as_str() {
            "pod" | "pods" | "po" => KindArg::Pod,
            "service" | "services" | "svc" => KindArg::Service,
            "ingress" | "ingresses" | "ing" => KindArg::Ingress,
            "networkpolicy" | "networkpolicies" | "netpol" | "np" => KindArg::NetworkPolicy,
            "gateway" | "gateways" | "gtw" => KindArg::Gateway,
            "httproute" | "httproutes" => KindArg::Route("HTTPRoute"),
            "grpcroute" | "grpcroutes" => KindArg::Route("GRPCRoute"),
            _ => return None,
        })
    }

    fn object(self, namespace: &str, name: &str) -> ObjectArg {
        let (namespace, name) = (namespace.to_string(), name.to_string());
        match self {
            KindArg::Pod => ObjectArg::Pod { namespace, name },
            KindArg::Workload(kind) => ObjectArg::Workload {
                kind,
                namespace,
                name,
            },
            KindArg::Service => ObjectArg::Service { namespace, name },
            KindArg::Ingress => ObjectArg::Ingress { namespace, name },
            KindArg::NetworkPolicy => ObjectArg::NetworkPolicy { namespace, name },
            KindArg::Gateway => ObjectArg::Gateway { namespace, name },
            KindArg::Route(kind) => ObjectArg::Route {
                kind,
                namespace,
                name,
            },
        }
    }
}

impl ObjectArg {
    /// An object as the interface names it (`NS/POD`, `NS/KIND/NAME`, an IP) or as kubectl
    /// users do, in `namespace` (`-n`, else the kubeconfig's namespace for a live read,
    /// else `default`): `KIND/NAME` (`svc/payments`, `deploy/web`, `po/web-7c9d`,
    /// `sts/db`, `ds/agent`, `rs/web-5d4f`, `ing/shop`, `netpol/deny`, `gtw/public`,
    /// `httproute/shop`, long and plural names too) or a bare pod name.
    pub fn parse_in(s: &str, namespace: &str) -> Result<ObjectArg, CliError> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(ObjectArg::Ip(ip));
        }
        let parts: Vec<&str> = s.split('/').collect();
        let bad = || {
            CliError::usage(format!(
                "cannot understand {s:?}: expected KIND/NAME with -n (svc/api, deploy/web, po/web-7c9d), NS/POD, NS/KIND/NAME (e.g. production/deployment/web), NS/service/NAME or an IP"
            ))
        };
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        match parts.as_slice() {
            [name] => Ok(KindArg::Pod.object(namespace, name)),
            [first, name] => Ok(match KindArg::parse(first) {
                Some(kind) => kind.object(namespace, name),
                None => KindArg::Pod.object(first, name),
            }),
            [ns, kind, name] => match KindArg::parse(kind) {
                Some(kind) => Ok(kind.object(ns, name)),
                None => Err(CliError::usage(format!(
                    "unknown kind {kind:?} in {s:?}{}: use pod, service, ingress, networkpolicy, gateway, httproute, grpcroute or a workload kind (deployment, statefulset, daemonset, replicaset, job, cronjob)",
                    netdoctor_core::text::did_you_mean(
                        &kind.to_ascii_lowercase(),
                        KIND_NAMES.iter().copied()
                    )
                ))),
            },
            _ => Err(bad()),
        }
    }

    /// The namespace written in the argument itself (`NS/...`), before any `-n` or default
    /// applies: a live read without -n reads it.
    pub fn spelled_namespace(s: &str) -> Option<String> {
        ObjectArg::parse_in(s, "")
            .ok()?
            .object_ref()?
            .namespace
            .filter(|ns| !ns.is_empty())
    }

    pub fn object_ref(&self) -> Option<ObjectRef> {
        Some(match self {
            ObjectArg::Pod { namespace, name } => ObjectRef::namespaced("Pod", namespace, name),
            ObjectArg::Workload {
                kind,
                namespace,
                name,
            } => ObjectRef::namespaced(kind.as_str(), namespace, name),
            ObjectArg::Service { namespace, name } => {
                ObjectRef::namespaced("Service", namespace, name)
            }
            ObjectArg::Ingress { namespace, name } => {
                ObjectRef::namespaced("Ingress", namespace, name)
            }
            ObjectArg::NetworkPolicy { namespace, name } => {
                ObjectRef::namespaced("NetworkPolicy", namespace, name)
            }
            ObjectArg::Gateway { namespace, name } => {
                ObjectRef::namespaced("Gateway", namespace, name)
            }
            ObjectArg::Route {
                kind,
                namespace,
                name,
            } => ObjectRef::namespaced(kind, namespace, name),
            ObjectArg::Ip(_) => return None,
        })
    }

    /// The pods this argument stands for (a pod, or every pod of a workload). Errors when
    /// the object is not in the input.
    pub fn pods(&self, cluster: &Cluster) -> Result<Vec<usize>, CliError> {
        match self {
            ObjectArg::Pod { namespace, name } => cluster
                .pod_index(namespace, name)
                .map(|i| vec![i])
                .ok_or_else(|| not_found(cluster, "pod", namespace, name)),
            ObjectArg::Workload {
                kind,
                namespace,
                name,
            } => {
                let wi = cluster
                    .workload_index(kind.as_str(), namespace, name)
                    .ok_or_else(|| {
                        not_found(
                            cluster,
                            &kind.as_str().to_ascii_lowercase(),
                            namespace,
                            name,
                        )
                    })?;
                let mut pods: Vec<usize> = cluster
                    .pods()
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.workload == Some(wi))
                    .map(|(i, _)| i)
                    .collect();
                if pods.is_empty() {
                    pods = pods_through_owner(cluster, wi);
                }
                if pods.is_empty() {
                    return Err(CliError::usage(format!(
                        "{namespace}/{}/{name} has no pods (replicas: 0?)",
                        kind.as_str().to_ascii_lowercase()
                    )));
                }
                Ok(pods)
            }
            other => Err(CliError::usage(format!(
                "{other:?} is not a pod or a workload"
            ))),
        }
    }
}

/// The pods of a ReplicaSet (or Job) that the model groups under its owner (Deployment,
/// CronJob): the owner's pods that its selector matches (`pod-template-hash`).
fn pods_through_owner(cluster: &Cluster, wi: usize) -> Vec<usize> {
    let Some(w) = cluster.workloads().get(wi) else {
        return Vec::new();
    };
    let (Some(owner), Some(selector)) = (&w.owner, &w.selector) else {
        return Vec::new();
    };
    let Some(oi) = cluster.workload_index(&owner.kind, &w.namespace, &owner.name) else {
        return Vec::new();
    };
    cluster
        .pods()
        .iter()
        .enumerate()
        .filter(|(_, p)| p.workload == Some(oi) && selector.matches(&p.labels))
        .map(|(i, _)| i)
        .collect()
}

/// "not found" with the closest names (`text::suggest`, the one "did you mean" of every
/// command), so a typo is obvious. `kind` is lower case (`pod`, `service`, `deployment`,
/// `ingress`, `networkpolicy`, `gateway`, `httproute`, ...).
pub fn not_found(cluster: &Cluster, kind: &str, namespace: &str, name: &str) -> CliError {
    if cluster.namespace(namespace).is_none_or(|n| !n.defined)
        && cluster.pods_in(namespace).next().is_none()
    {
        let namespaces = cluster.namespaces().iter().map(|n| n.name.as_str());
        return CliError::usage(format!(
            "{kind} {namespace}/{name} not found: the input has no namespace {namespace:?}{}",
            netdoctor_core::text::did_you_mean(namespace, namespaces)
        ));
    }
    let candidates: Vec<&str> = match kind {
        "pod" => cluster
            .pods_in(namespace)
            .map(|p| p.name.as_str())
            .collect(),
        "service" => cluster
            .services()
            .iter()
            .filter(|s| s.namespace == namespace)
            .map(|s| s.name.as_str())
            .collect(),
        "ingress" => cluster
            .ingresses()
            .iter()
            .filter(|s| s.namespace == namespace)
            .map(|s| s.name.as_str())
            .collect(),
        "networkpolicy" => cluster
            .policies_in(namespace)
            .map(|s| s.name.as_str())
            .collect(),
        "gateway" => cluster
            .gateways()
            .iter()
            .filter(|s| s.namespace == namespace)
            .map(|s| s.name.as_str())
            .collect(),
        "httproute" | "grpcroute" => cluster
            .routes()
            .iter()
            .filter(|r| r.namespace == namespace && r.kind.as_str().eq_ignore_ascii_case(kind))
            .map(|s| s.name.as_str())
            .collect(),
        _ => cluster
            .workloads()
            .iter()
            .filter(|w| w.namespace == namespace && w.kind.as_str().eq_ignore_ascii_case(kind))
            .map(|w| w.name.as_str())
            .collect(),
    };
    CliError::usage(format!(
        "{kind} {namespace}/{name} not found in the input{}",
        netdoctor_core::text::did_you_mean(name, candidates)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_interface_forms() {
        assert_eq!(
            ObjectArg::parse_in("production/web-7c9d", "default").unwrap(),
            ObjectArg::Pod {
                namespace: "production".into(),
                name: "web-7c9d".into()
            }
        );
        assert_eq!(
            ObjectArg::parse_in("production/deployment/web-frontend", "default").unwrap(),
            ObjectArg::Workload {
                kind: WorkloadKind::Deployment,
                namespace: "production".into(),
                name: "web-frontend".into()
            }
        );
        assert_eq!(
            ObjectArg::parse_in("production/service/api", "default").unwrap(),
            ObjectArg::Service {
                namespace: "production".into(),
                name: "api".into()
            }
        );
        assert!(matches!(
            ObjectArg::parse_in("203.0.113.7", "default").unwrap(),
            ObjectArg::Ip(_)
        ));
        assert!(ObjectArg::parse_in("a/b/c/d", "default").is_err());
        assert!(ObjectArg::parse_in("production/widget/x", "default").is_err());
        assert!(ObjectArg::parse_in("production/", "default").is_err());
    }
}

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
    Ip(IpAddr),
}

impl ObjectArg {
    pub fn parse(s: &str) -> Result<ObjectArg, CliError> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(ObjectArg::Ip(ip));
        }
        let parts: Vec<&str> = s.split('/').collect();
        let bad = || {
            CliError::usage(format!(
                "cannot understand {s:?}: expected NS/POD, NS/KIND/NAME (e.g. production/deployment/web), NS/service/NAME or an IP"
            ))
        };
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        match parts.as_slice() {
            [ns, name] => Ok(ObjectArg::Pod {
                namespace: ns.to_string(),
                name: name.to_string(),
            }),
            [ns, kind, name] => {
                let (namespace, name) = (ns.to_string(), name.to_string());
                if let Some(kind) = WorkloadKind::parse(kind) {
                    return Ok(ObjectArg::Workload {
                        kind,
                        namespace,
                        name,
                    });
                }
                match kind.to_ascii_lowercase().as_str() {
                    "pod" | "pods" | "po" => Ok(ObjectArg::Pod { namespace, name }),
                    "service" | "services" | "svc" => Ok(ObjectArg::Service { namespace, name }),
                    "ingress" | "ingresses" | "ing" => Ok(ObjectArg::Ingress { namespace, name }),
                    "networkpolicy" | "networkpolicies" | "netpol" | "np" => {
                        Ok(ObjectArg::NetworkPolicy { namespace, name })
                    }
                    other => Err(CliError::usage(format!(
                        "unknown kind {other:?} in {s:?}: use pod, service, ingress, networkpolicy or a workload kind (deployment, statefulset, daemonset, replicaset, job, cronjob)"
                    ))),
                }
            }
            _ => Err(bad()),
        }
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
                let pods: Vec<usize> = cluster
                    .pods()
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.workload == Some(wi))
                    .map(|(i, _)| i)
                    .collect();
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

/// "not found" with the closest names, so a typo is obvious.
pub fn not_found(cluster: &Cluster, kind: &str, namespace: &str, name: &str) -> CliError {
    if cluster.namespace(namespace).is_none_or(|n| !n.defined)
        && cluster.pods_in(namespace).next().is_none()
    {
        return CliError::usage(format!(
            "{kind} {namespace}/{name} not found: the input has no namespace {namespace:?}"
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
        _ => cluster
            .workloads()
            .iter()
            .filter(|w| w.namespace == namespace && w.kind.as_str().eq_ignore_ascii_case(kind))
            .map(|w| w.name.as_str())
            .collect(),
    };
    let mut close: Vec<&str> = candidates
        .into_iter()
        .filter(|c| c.starts_with(name) || name.starts_with(*c) || c.contains(name))
        .take(5)
        .collect();
    close.sort();
    if close.is_empty() {
        CliError::usage(format!("{kind} {namespace}/{name} not found in the input"))
    } else {
        CliError::usage(format!(
            "{kind} {namespace}/{name} not found in the input; did you mean {}?",
            close.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_interface_forms() {
        assert_eq!(
            ObjectArg::parse("production/web-7c9d").unwrap(),
            ObjectArg::Pod {
                namespace: "production".into(),
                name: "web-7c9d".into()
            }
        );
        assert_eq!(
            ObjectArg::parse("production/deployment/web-frontend").unwrap(),
            ObjectArg::Workload {
                kind: WorkloadKind::Deployment,
                namespace: "production".into(),
                name: "web-frontend".into()
            }
        );
        assert_eq!(
            ObjectArg::parse("production/service/api").unwrap(),
            ObjectArg::Service {
                namespace: "production".into(),
                name: "api".into()
            }
        );
        assert!(matches!(
            ObjectArg::parse("203.0.113.7").unwrap(),
            ObjectArg::Ip(_)
        ));
        assert!(ObjectArg::parse("a/b/c/d").is_err());
        assert!(ObjectArg::parse("production/widget/x").is_err());
        assert!(ObjectArg::parse("production/").is_err());
    }
}

//! Pods and their containers: read pods, and the template pods of workloads given without pods.

use super::workload::WorkloadIndex;
use super::{controller_owner, parse_port, status, Builder};
use crate::load::{api, Origin, WorkloadKind};
use crate::model::labels::Labels;
use crate::model::types::*;
use crate::model::{Cluster, ObjectRef};
use std::collections::HashSet;
use std::net::IpAddr;

impl Builder {
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
                readiness_probe: c.readiness_probe.as_ref().map(status::probe_check),
                sidecar,
            });
        }
        out
    }

    pub(super) fn pod(&mut self, ns: String, name: String, p: api::Pod, origin: Origin) -> Pod {
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
            conditions: p.status.conditions.iter().map(status::condition).collect(),
            container_statuses: status::container_statuses(&p.status.container_statuses),
            init_container_statuses: status::container_statuses(&p.status.init_container_statuses),
            status_reason: p.status.reason,
            status_message: p.status.message,
            dns_policy: p
                .spec
                .dns_policy
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "ClusterFirst".into()),
            dns_config: p.spec.dns_config.as_ref().map(status::dns_config),
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
}

/// At most this many pods are derived from one StatefulSet (`replicas` above it is capped, and
/// the model records the cap in `Cluster::assumptions`).
pub const MAX_DERIVED_STATEFULSET_PODS: i64 = 64;

/// Template pods for top-level workloads given without pods: what the workload would run.
/// A StatefulSet gets its `replicas` pods `NAME-0..N-1` (capped at
/// `MAX_DERIVED_STATEFULSET_PODS`), each with the pod-name and pod-index labels the
/// StatefulSet controller sets, hostname = pod name and subdomain = `spec.serviceName`; other
/// workloads get one pod `NAME-template`. Returns the pods and what was assumed.
pub(super) fn template_pods(c: &Cluster, workloads: &WorkloadIndex) -> (Vec<Pod>, Vec<String>) {
    let with_pods: HashSet<usize> = c.pods.iter().filter_map(|p| p.workload).collect();
    let mut derived = Vec::new();
    let mut notes = Vec::new();
    for (wi, w) in c.workloads.iter().enumerate() {
        let owned_by_workload = w.owner.as_ref().is_some_and(|o| {
            workloads.contains_key(&(o.kind.clone(), w.namespace.clone(), o.name.clone()))
        });
        if owned_by_workload || with_pods.contains(&wi) || w.replicas <= 0 {
            continue;
        }
        let Some(spec) = &w.template_spec else {
            continue;
        };
        let ordinals = match w.kind {
            WorkloadKind::StatefulSet => {
                if w.replicas > MAX_DERIVED_STATEFULSET_PODS {
                    notes.push(format!(
                        "StatefulSet {}/{} has replicas {}; netdoctor derives only its first {MAX_DERIVED_STATEFULSET_PODS} pods ({}-0 to {}-{})",
                        w.namespace,
                        w.name,
                        w.replicas,
                        w.name,
                        w.name,
                        MAX_DERIVED_STATEFULSET_PODS - 1
                    ));
                }
                (0..w.replicas.min(MAX_DERIVED_STATEFULSET_PODS))
                    .map(Some)
                    .collect()
            }
            _ => vec![None],
        };
        for ordinal in ordinals {
            let mut pod = template_pod(w, wi, spec, ordinal);
            let object = ObjectRef::namespaced("Pod", &pod.namespace, &pod.name);
            // Without an origin a bad port is dropped silently: the pod is derived, not read.
            pod.containers = Builder::scratch().containers(spec, &object, None);
            derived.push(pod);
        }
    }
    (derived, notes)
}

/// The label the StatefulSet controller sets on each pod to its name.
pub const STATEFULSET_POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// The label the StatefulSet controller sets on each pod to its ordinal (Kubernetes 1.28+).
pub const STATEFULSET_POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// A pod derived from `w`'s template; `ordinal` for a StatefulSet's pod `NAME-ordinal`.
fn template_pod(w: &Workload, wi: usize, spec: &api::PodSpec, ordinal: Option<i64>) -> Pod {
    let mut labels = w.template_labels.clone();
    let (name, hostname, subdomain) = match ordinal {
        Some(i) => {
            let name = format!("{}-{i}", w.name);
            labels.insert(STATEFULSET_POD_NAME_LABEL.into(), name.clone());
            labels.insert(STATEFULSET_POD_INDEX_LABEL.into(), i.to_string());
            (
                name.clone(),
                Some(name),
                w.service_name.clone().filter(|s| !s.is_empty()),
            )
        }
        None => (
            format!("{}-template", w.name),
            spec.hostname.clone(),
            spec.subdomain.clone(),
        ),
    };
    Pod {
        namespace: w.namespace.clone(),
        name,
        labels,
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
        dns_config: spec.dns_config.as_ref().map(status::dns_config),
        hostname,
        subdomain,
        set_hostname_as_fqdn: spec.set_hostname_as_fqdn.unwrap_or(false),
        origin: w.origin.clone(),
    }
}

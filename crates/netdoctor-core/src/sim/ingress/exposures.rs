//! What the Ingresses expose: the `{ingress-controller}` peer of the connectivity map.

use super::backends::{lookup_port, service_backends, PortLookup};
use super::ing_key;
use crate::model::{Cluster, PortRef, Protocol, ServiceType};

/// One pod port that an Ingress backend sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressExposure {
    /// `ns/name` of the Ingress.
    pub ingress: String,
    pub service: String,
    /// Index into `Cluster::pods`.
    pub pod: usize,
    /// The pod port the controller connects to (the Service port's targetPort, resolved).
    pub port: u16,
    pub protocol: Protocol,
}

/// The pods and ports the ingress controller connects to for every Service backend of every
/// Ingress (rules and defaultBackend), whatever the class, as netpol-analyzer's
/// `{ingress-controller}` peer models it: the Service must exist and have the port the
/// backend names (number = Service `port`, name = Service port `name`); the pods are those
/// its selector matches, and a named targetPort is resolved on each pod (pods where it does
/// not resolve are left out). Services without a selector and ExternalName Services expose no
/// pod. NetworkPolicies are not applied here.
pub fn ingress_exposures(cluster: &Cluster) -> Vec<IngressExposure> {
    let mut out = Vec::new();
    for ing in &cluster.ingresses {
        for (_, name, port) in service_backends(ing) {
            let Some(svc) = cluster.service(&ing.namespace, name) else {
                continue;
            };
            if svc.type_ == ServiceType::ExternalName {
                continue;
            }
            let PortLookup::Found(sp) = lookup_port(svc, port) else {
                continue;
            };
            let Some(sel) = svc.selector() else { continue };
            for pi in cluster.pods_matching(&svc.namespace, &sel) {
                let pod = &cluster.pods[pi];
                let target = match &sp.target_port {
                    PortRef::Number(n) => Some(*n),
                    PortRef::Name(n) => pod.resolve_named_port(n, sp.protocol),
                };
                if let Some(port) = target {
                    let e = IngressExposure {
                        ingress: ing_key(ing),
                        service: svc.name.clone(),
                        pod: pi,
                        port,
                        protocol: sp.protocol,
                    };
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
        }
    }
    out
}

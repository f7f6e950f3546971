//! The backend of an Ingress path: the Service, its port, and the endpoints behind it, as the
//! ingress controller sees them.

use crate::model::{
    Cluster, Ingress, IngressBackend, PortRef, Protocol, Service, ServicePort, ServiceType,
};

/// Whether the Service port an Ingress backend names exists, and which one it is.
pub enum PortLookup<'a> {
    Found(&'a ServicePort),
    /// ingress-nginx accepts a number equal to a port's targetPort (the API does not).
    FoundByTargetPort(&'a ServicePort),
    Missing,
    /// The backend names no port at all.
    Unset,
}

impl PortLookup<'_> {
    /// The Service port number found, if any.
    pub fn port(&self) -> Option<u16> {
        match self {
            PortLookup::Found(p) | PortLookup::FoundByTargetPort(p) => Some(p.port),
            PortLookup::Missing | PortLookup::Unset => None,
        }
    }
}

/// Finds the Service port an Ingress backend names (`port.number` among the TCP ports,
/// `port.name` among the port names).
pub fn lookup_port<'a>(svc: &'a Service, port: &PortRef) -> PortLookup<'a> {
    match port {
        PortRef::Number(0) => PortLookup::Unset,
        PortRef::Number(n) => match svc.port_by_number(*n, Protocol::Tcp) {
            Some(p) => PortLookup::Found(p),
            None => match svc
                .ports
                .iter()
                .find(|p| p.target_port == PortRef::Number(*n) && p.protocol == Protocol::Tcp)
            {
                Some(p) => PortLookup::FoundByTargetPort(p),
                None => PortLookup::Missing,
            },
        },
        PortRef::Name(name) => match svc.port_by_name(name) {
            Some(p) => PortLookup::Found(p),
            None => PortLookup::Missing,
        },
    }
}

/// `http 8080/TCP, metrics 9090/TCP`.
pub fn describe_service_ports(svc: &Service) -> String {
    if svc.ports.is_empty() {
        return "no ports".into();
    }
    svc.ports
        .iter()
        .map(describe_port)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The state of one Service port's endpoints, as the ingress controller sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendState {
    /// Ready endpoints of the port.
    pub ready: usize,
    /// The ready endpoints that are pods: (pod index, target port).
    pub ready_pods: Vec<(usize, u16)>,
    /// Endpoints of the port that are not ready, each `pod: reason`.
    pub not_ready: Vec<String>,
    /// Ready pods left out of the port because its named targetPort does not resolve on them
    /// (`pod: what it declares`).
    pub unresolved: Vec<String>,
    /// Why there is no endpoint at all (selector matches nothing, no slices), when so.
    pub empty_reason: Option<String>,
    /// The Service is ExternalName: the controller proxies to a DNS name, no endpoints.
    pub external_name: Option<String>,
}

/// The endpoints behind one port of a Service.
pub fn backend_state(cluster: &Cluster, svc: &Service, sp: &ServicePort) -> BackendState {
    use crate::sim::service;
    let mut state = BackendState::default();
    if svc.type_ == ServiceType::ExternalName {
        state.external_name = Some(svc.external_name.clone().unwrap_or_default());
        return state;
    }
    let eps = service::endpoints(cluster, svc);
    let Some(port) = eps.port(sp.port, sp.protocol) else {
        state.empty_reason = Some("the Service port has no endpoints".into());
        return state;
    };
    for b in &port.backends {
        if b.ready {
            state.ready += 1;
            if let (Some(pod), Some(tp)) = (b.pod, b.target_port) {
                state.ready_pods.push((pod, tp));
            }
        } else {
            let name = b
                .pod_name
                .clone()
                .unwrap_or_else(|| b.ip.map(|ip| ip.to_string()).unwrap_or_else(|| "?".into()));
            let reason = b
                .pod
                .map(|i| service::pod_not_ready_reason(&cluster.pods[i]))
                .unwrap_or_else(|| "not ready in its EndpointSlice".into());
            state.not_ready.push(format!("{name}: {reason}"));
        }
    }
    for u in &port.unresolved {
        let ready = service::pod_is_ready(&cluster.pods[u.pod]);
        if ready {
            state
                .unresolved
                .push(format!("{}: {}", u.pod_name, u.reason));
        } else {
            state.not_ready.push(format!(
                "{}: {}",
                u.pod_name,
                service::pod_not_ready_reason(&cluster.pods[u.pod])
            ));
        }
    }
    for e in &eps.excluded {
        let pod = &cluster.pods[e.pod];
        let reason = if service::pod_is_ready(pod) {
            e.reason.to_string()
        } else {
            service::pod_not_ready_reason(pod)
        };
        state.not_ready.push(format!("{}: {reason}", e.pod_name));
    }
    if state.ready == 0 && state.not_ready.is_empty() && state.unresolved.is_empty() {
        state.empty_reason = Some(match (&svc.selector, eps.selected.is_empty()) {
            (Some(sel), true) => format!(
                "its selector {} matches no pod in {}",
                crate::model::format_labels(sel),
                svc.namespace
            ),
            (Some(_), false) => "none of the pods its selector matches is an endpoint".into(),
            (None, _) => "it has no selector and no EndpointSlice lists an address for it".into(),
        });
    }
    state
}

/// `http 8080/TCP`.
pub(super) fn describe_port(sp: &ServicePort) -> String {
    match &sp.name {
        Some(n) => format!("{n} {}/{}", sp.port, sp.protocol),
        None => format!("{}/{}", sp.port, sp.protocol),
    }
}

/// `, did you mean shop-api-v2?` for a near-miss Service name in the namespace.
pub fn close_services(cluster: &Cluster, ns: &str, name: &str) -> String {
    let names = cluster
        .services
        .iter()
        .filter(|s| s.namespace == ns)
        .map(|s| s.name.as_str());
    match crate::text::suggest::closest(name, names).first() {
        Some(s) => format!(" (closest Service in {ns}: {s})"),
        None => String::new(),
    }
}

/// Every Service backend of an Ingress: `(where, service, port)`, `where` being
/// `defaultBackend` or `host/path (Type)`.
pub fn service_backends(ing: &Ingress) -> Vec<(String, &str, &PortRef)> {
    let mut out = Vec::new();
    if let Some(IngressBackend::Service { name, port }) = &ing.default_backend {
        out.push(("defaultBackend".to_string(), name.as_str(), port));
    }
    for rule in &ing.rules {
        for p in &rule.paths {
            if let IngressBackend::Service { name, port } = &p.backend {
                out.push((
                    format!(
                        "{}{} ({})",
                        rule.host.as_deref().unwrap_or("*"),
                        p.path,
                        p.path_type.as_str()
                    ),
                    name.as_str(),
                    port,
                ));
            }
        }
    }
    out
}

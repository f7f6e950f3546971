//! One Service port's `targetPort`, resolved against one pod's container ports.

use crate::model::{Pod, PortRef, ServicePort};

/// Resolves one Service port's `targetPort` for one pod: a number as is; a name among the
/// pod's container ports with the same protocol. `Err` says in words why the name does not
/// resolve (what the pod declares instead).
pub fn resolve_target_port(pod: &Pod, sp: &ServicePort) -> Result<u16, String> {
    match &sp.target_port {
        PortRef::Number(n) => Ok(*n),
        PortRef::Name(name) => {
            if let Some(p) = pod.resolve_named_port(name, sp.protocol) {
                return Ok(p);
            }
            if let Some(other) = pod
                .ports()
                .find(|p| p.name.as_deref() == Some(name.as_str()))
            {
                return Err(format!(
                    "declares {name} as {}/{}, not {}",
                    other.port, other.protocol, sp.protocol
                ));
            }
            Err(format!("declares {}", describe_ports(pod)))
        }
    }
}

/// `http-grpc:50051/TCP, metrics:9090/TCP`, or `no container ports`.
pub fn describe_ports(pod: &Pod) -> String {
    let ports: Vec<String> = pod
        .ports()
        .map(|p| match &p.name {
            Some(n) => format!("{n}:{}/{}", p.port, p.protocol),
            None => format!("{}/{}", p.port, p.protocol),
        })
        .collect();
    if ports.is_empty() {
        "no container ports".into()
    } else {
        format!("container ports {}", ports.join(", "))
    }
}

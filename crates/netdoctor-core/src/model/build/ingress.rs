//! Ingresses: rules, paths and backends, with the API defaults applied.

use super::{parse_port, Builder};
use crate::load::{api, Origin};
use crate::model::types::*;
use crate::model::ObjectRef;

pub(super) fn class(name: String, c: api::IngressClass) -> IngressClass {
    IngressClass {
        name,
        controller: c.spec.controller.unwrap_or_default(),
        is_default: c
            .metadata
            .annotations
            .get("ingressclass.kubernetes.io/is-default-class")
            .is_some_and(|v| v == "true"),
        annotations: c.metadata.annotations,
    }
}

impl Builder {
    pub(super) fn ingress(
        &mut self,
        ns: String,
        name: String,
        i: api::Ingress,
        origin: &Origin,
    ) -> Ingress {
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
            from_api_server: i.metadata.uid.as_deref().is_some_and(|u| !u.is_empty())
                || i.metadata.creation_timestamp.is_some(),
            annotations: i.metadata.annotations,
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        }
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

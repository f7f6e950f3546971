//! Gateway API objects → model, with the API's defaults applied.

use super::super::gateway::*;
use super::super::labels::Selector;
use super::{parse_port, Builder};
use crate::load::api::Condition;
use crate::load::gateway_api as gw;
use crate::load::Origin;
use crate::model::ObjectRef;

fn conditions(cs: &[Condition]) -> Vec<GwCondition> {
    cs.iter()
        .map(|c| GwCondition {
            type_: c.type_.clone(),
            status: c.status.clone(),
            reason: c.reason.clone().unwrap_or_default(),
            message: c.message.clone().unwrap_or_default(),
        })
        .collect()
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_ref().filter(|v| !v.is_empty()).cloned()
}

fn lower_host(h: &str) -> String {
    h.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn parent_ref(p: &gw::ParentReference, route_ns: &str) -> ParentRef {
    ParentRef {
        group: p.group.clone().unwrap_or_else(|| GATEWAY_GROUP.to_string()),
        kind: nonempty(&p.kind).unwrap_or_else(|| "Gateway".to_string()),
        namespace: nonempty(&p.namespace).unwrap_or_else(|| route_ns.to_string()),
        name: p.name.clone(),
        section_name: nonempty(&p.section_name),
        port: p.port.and_then(parse_port),
    }
}

fn path_modifier(p: &gw::PathModifier) -> Option<PathModifier> {
    match p.type_.as_deref() {
        Some("ReplaceFullPath") => Some(PathModifier::ReplaceFullPath(
            p.replace_full_path.clone().unwrap_or_default(),
        )),
        Some("ReplacePrefixMatch") => Some(PathModifier::ReplacePrefixMatch(
            p.replace_prefix_match.clone().unwrap_or_default(),
        )),
        _ => None,
    }
}

fn header_modifier(h: &gw::HeaderModifierFilter) -> HeaderModifier {
    let pairs = |v: &[gw::HeaderValue]| {
        v.iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect::<Vec<_>>()
    };
    HeaderModifier {
        set: pairs(&h.set),
        add: pairs(&h.add),
        remove: h.remove.clone(),
    }
}

/// A filter with its configuration; one whose configuration field is missing is kept as
/// `Other` (the API rejects it, so a controller would not apply it either).
fn route_filter(f: &gw::RouteFilter) -> RouteFilter {
    match (f.type_.as_str(), f) {
        (
            "RequestRedirect",
            gw::RouteFilter {
                request_redirect: Some(r),
                ..
            },
        ) => RouteFilter::RequestRedirect {
            scheme: nonempty(&r.scheme).map(|s| s.to_ascii_lowercase()),
            hostname: nonempty(&r.hostname).map(|h| lower_host(&h)),
            path: r.path.as_ref().and_then(path_modifier),
            port: r.port.and_then(parse_port),
            status_code: r
                .status_code
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(302),
        },
        (
            "URLRewrite",
            gw::RouteFilter {
                url_rewrite: Some(r),
                ..
            },
        ) => RouteFilter::UrlRewrite {
            hostname: nonempty(&r.hostname).map(|h| lower_host(&h)),
            path: r.path.as_ref().and_then(path_modifier),
        },
        (
            "RequestHeaderModifier",
            gw::RouteFilter {
                request_header_modifier: Some(h),
                ..
            },
        ) => RouteFilter::RequestHeaderModifier(header_modifier(h)),
        (
            "ResponseHeaderModifier",
            gw::RouteFilter {
                response_header_modifier: Some(h),
                ..
            },
        ) => RouteFilter::ResponseHeaderModifier(header_modifier(h)),
        (other, _) => RouteFilter::Other(other.to_string()),
    }
}

impl Builder {
    pub(super) fn gateway_class(
        &mut self,
        name: String,
        g: gw::GatewayClass,
        origin: &Origin,
    ) -> GatewayClass {
        GatewayClass {
            name,
            controller: g.spec.controller_name,
            conditions: conditions(&g.status.conditions),
            origin: Some(origin.clone()),
        }
    }

    pub(super) fn gateway(
        &mut self,
        ns: String,
        name: String,
        g: gw::Gateway,
        origin: &Origin,
    ) -> Gateway {
        let object = ObjectRef::namespaced("Gateway", &ns, &name);
        let listeners = self.listeners(&g.spec.listeners, &ns, &object, origin, None);
        let allowed_listeners = match &g.spec.allowed_listeners {
            None => AllowedListeners::None,
            Some(a) => {
                let from = a.namespaces.clone().unwrap_or_default();
                match from.from.as_deref() {
                    Some("Same") => AllowedListeners::Same,
                    Some("All") => AllowedListeners::All,
                    Some("Selector") => AllowedListeners::Selector(self.namespaces_selector(
                        &from,
                        &object,
                        "spec.allowedListeners.namespaces.selector",
                        origin,
                    )),
                    _ => AllowedListeners::None,
                }
            }
        };
        Gateway {
            allowed_listeners,
            class_name: g.spec.gateway_class_name.clone(),
            listeners,
            addresses: g
                .status
                .addresses
                .iter()
                .map(|a| a.value.clone())
                .filter(|v| !v.is_empty())
                .collect(),
            conditions: conditions(&g.status.conditions),
            listener_status: g
                .status
                .listeners
                .iter()
                .map(|l| ListenerStatus {
                    name: l.name.clone(),
                    attached_routes: l.attached_routes,
                    conditions: conditions(&l.conditions),
                })
                .collect(),
            created: g.metadata.creation_timestamp.clone(),
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        }
    }

    /// A namespace selector (`from: Selector`); none or an invalid one selects nothing (the
    /// API rejects it; selecting nothing is the safe reading).
    fn namespaces_selector(
        &mut self,
        from: &gw::RouteNamespaces,
        object: &ObjectRef,
        field: &str,
        origin: &Origin,
    ) -> Selector {
        let sel = match &from.selector {
            Some(s) => self.selector(s, object, field, origin),
            None => None,
        };
        sel.unwrap_or_else(|| {
            let mut m = super::super::labels::Labels::new();
            m.insert("netdoctor.io/selects-nothing".into(), "\u{0}".into());
            Selector::from_map(&m)
        })
    }

    /// The listeners of a Gateway (`set: None`) or a ListenerSet, defaults applied.
    fn listeners(
        &mut self,
        input: &[gw::Listener],
        ns: &str,
        object: &ObjectRef,
        origin: &Origin,
        set: Option<SetRef>,
    ) -> Vec<Listener> {
        let mut listeners = Vec::new();
        for (i, l) in input.iter().enumerate() {
            let Some(port) = l.port.and_then(parse_port) else {
                self.invalid(
                    object.clone(),
                    format!(
                        "spec.listeners[{i}] ({}) port {:?} is not 1-65535",
                        l.name, l.port
                    ),
                    "repaired: the listener is ignored",
                    origin,
                );
                continue;
            };
            let allowed = l.allowed_routes.clone().unwrap_or_default();
            let from = allowed.namespaces.clone().unwrap_or_default();
            let allowed_from = match from.from.as_deref() {
                Some("All") => FromNamespaces::All,
                Some("Selector") => FromNamespaces::Selector(self.namespaces_selector(
                    &from,
                    object,
                    &format!("spec.listeners[{i}].allowedRoutes.namespaces.selector"),
                    origin,
                )),
                _ => FromNamespaces::Same,
            };
            listeners.push(Listener {
                name: l.name.clone(),
                hostname: nonempty(&l.hostname).map(|h| lower_host(&h)),
                port,
                protocol: l.protocol.clone(),
                tls_mode: l.tls.as_ref().and_then(|t| nonempty(&t.mode)),
                certificate_refs: l
                    .tls
                    .iter()
                    .flat_map(|t| t.certificate_refs.iter())
                    .map(|r| CertificateRef {
                        group: r.group.clone().unwrap_or_default(),
                        kind: nonempty(&r.kind).unwrap_or_else(|| "Secret".to_string()),
                        namespace: nonempty(&r.namespace).unwrap_or_else(|| ns.to_string()),
                        name: r.name.clone(),
                    })
                    .collect(),
                allowed_from,
                allowed_kinds: allowed
                    .kinds
                    .iter()
                    .map(|k| RouteGroupKind {
                        group: k.group.clone().unwrap_or_else(|| GATEWAY_GROUP.to_string()),
                        kind: k.kind.clone(),
                    })
                    .collect(),
                set: set.clone(),
            });
        }
        listeners
    }

    pub(super) fn listener_set(
        &mut self,
        ns: String,
        name: String,
        l: gw::ListenerSet,
        origin: &Origin,
    ) -> ListenerSet {
        let object = ObjectRef::namespaced("ListenerSet", &ns, &name);
        let set = SetRef {
            namespace: ns.clone(),
            name: name.clone(),
        };
        let listeners = self.listeners(&l.spec.listeners, &ns, &object, origin, Some(set));
        ListenerSet {
            parent: parent_ref(&l.spec.parent_ref, &ns),
            listeners,
            conditions: conditions(&l.status.conditions),
            listener_status: l
                .status
                .listeners
                .iter()
                .map(|s| ListenerStatus {
                    name: s.name.clone(),
                    attached_routes: s.attached_routes,
                    conditions: conditions(&s.conditions),
                })
                .collect(),
            created: l.metadata.creation_timestamp.clone(),
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        }
    }

    pub(super) fn gw_route(
        &mut self,
        kind: RouteKind,
        ns: String,
        name: String,
        r: gw::Route,
        origin: &Origin,
    ) -> GwRoute {
        let object = ObjectRef::namespaced(kind.as_str(), &ns, &name);
        let mut rules = Vec::new();
        for (ri, rule) in r.spec.rules.iter().enumerate() {
            let mut matches = Vec::new();
            for m in &rule.matches {
                let value_match = |v: &gw::ValueMatch| ValueMatch {
                    regex: v.type_.as_deref() == Some("RegularExpression"),
                    name: v.name.clone(),
                    value: v.value.clone(),
                };
                let mut out = RouteMatch {
                    path: None,
                    headers: m.headers.iter().map(value_match).collect(),
                    query_params: m.query_params.iter().map(value_match).collect(),
                    method: None,
                    grpc: None,
                };
                match kind {
                    RouteKind::Http => {
                        let p = m.path.clone().unwrap_or_default();
                        let type_ = match p.type_.as_deref() {
                            None | Some("") | Some("PathPrefix") => PathMatchType::PathPrefix,
                            Some("Exact") => PathMatchType::Exact,
                            Some("RegularExpression") => PathMatchType::RegularExpression,
                            Some(other) => {
                                self.invalid(
                                    object.clone(),
                                    format!(
                                        "spec.rules[{ri}] path type {other:?} is not Exact, PathPrefix or RegularExpression"
                                    ),
                                    "repaired: the match is ignored",
                                    origin,
                                );
                                continue;
                            }
                        };
                        out.path = Some(PathMatch {
                            type_,
                            value: nonempty(&p.value).unwrap_or_else(|| "/".into()),
                        });
                        if let Some(gw::MethodMatch::Http(method)) = &m.method {
                            out.method = Some(method.to_ascii_uppercase());
                        }
                    }
                    RouteKind::Tls | RouteKind::Tcp | RouteKind::Udp => {}
                    RouteKind::Grpc => {
                        if let Some(gw::MethodMatch::Grpc(g)) = &m.method {
                            out.grpc = Some(GrpcMethodMatch {
                                regex: g.type_.as_deref() == Some("RegularExpression"),
                                service: nonempty(&g.service),
                                method: nonempty(&g.method),
                            });
                        }
                    }
                }
                matches.push(out);
            }
            if matches.is_empty() && kind == RouteKind::Http && rule.matches.is_empty() {
                matches.push(RouteMatch::http_default());
            }
            let backends = rule
                .backend_refs
                .iter()
                .map(|b| BackendRef {
                    group: b.group.clone().unwrap_or_default(),
                    kind: nonempty(&b.kind).unwrap_or_else(|| "Service".into()),
                    name: b.name.clone(),
                    namespace: nonempty(&b.namespace).unwrap_or_else(|| ns.clone()),
                    port: b.port.and_then(parse_port),
                    weight: b.weight.unwrap_or(1).max(0),
                    filters: b.filters.iter().map(|f| f.type_.clone()).collect(),
                })
                .collect();
            rules.push(RouteRule {
                name: nonempty(&rule.name),
                matches,
                filters: rule.filters.iter().map(route_filter).collect(),
                backends,
            });
        }
        GwRoute {
            kind,
            parents: r
                .spec
                .parent_refs
                .iter()
                .map(|p| parent_ref(p, &ns))
                .collect(),
            hostnames: r.spec.hostnames.iter().map(|h| lower_host(h)).collect(),
            rules,
            status: r
                .status
                .parents
                .iter()
                .map(|p| RouteParentStatus {
                    parent: parent_ref(&p.parent_ref, &ns),
                    controller: p.controller_name.clone(),
                    conditions: conditions(&p.conditions),
                })
                .collect(),
            created: r.metadata.creation_timestamp.clone(),
            namespace: ns,
            name,
            origin: Some(origin.clone()),
        }
    }

    pub(super) fn reference_grant(
        &mut self,
        ns: String,
        name: String,
        g: gw::ReferenceGrant,
    ) -> ReferenceGrant {
        ReferenceGrant {
            from: g
                .spec
                .from
                .iter()
                .map(|f| GrantFrom {
                    group: f.group.clone(),
                    kind: f.kind.clone(),
                    namespace: f.namespace.clone(),
                })
                .collect(),
            to: g
                .spec
                .to
                .iter()
                .map(|t| GrantTo {
                    group: t.group.clone(),
                    kind: t.kind.clone(),
                    name: nonempty(&t.name),
                })
                .collect(),
            namespace: ns,
            name,
        }
    }
}

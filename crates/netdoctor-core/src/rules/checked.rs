//! The objects a rule looks at, for reports that list every check made (JUnit: one test case
//! per rule and object), not only those that failed.

use super::{Area, Rule};
use crate::model::{Cluster, ObjectRef};

/// The objects `rule` checks in the namespace scope (`namespaces` empty: all): the Services
/// for a Service rule, the NetworkPolicies for a policy rule, the Ingresses, the Gateways and
/// routes. Rules about the cluster as a whole (cluster DNS, the input) check no one object:
/// they get none here, and a report names the cluster instead.
pub fn checked_objects(cluster: &Cluster, rule: &Rule, namespaces: &[String]) -> Vec<ObjectRef> {
    let in_scope = |ns: &String| namespaces.is_empty() || namespaces.contains(ns);
    let mut out: Vec<ObjectRef> = match (rule.area, rule.code) {
        (Area::Svc, "SVC009") => cluster
            .endpoint_slices()
            .iter()
            .filter(|s| in_scope(&s.namespace))
            .map(|s| ObjectRef::namespaced("EndpointSlice", &s.namespace, &s.name))
            .collect(),
        (Area::Svc, _) | (Area::Dns, "DNS006") | (Area::Np, "NP006") => cluster
            .services()
            .iter()
            .filter(|s| in_scope(&s.namespace))
            .map(|s| ObjectRef::namespaced("Service", &s.namespace, &s.name))
            .collect(),
        (Area::Np, "NP002" | "NP003" | "NP004") => cluster
            .policies()
            .iter()
            .filter(|p| in_scope(&p.namespace))
            .map(|p| ObjectRef::namespaced("NetworkPolicy", &p.namespace, &p.name))
            .collect(),
        (Area::Ing, _) | (Area::Np, "NP005") => cluster
            .ingresses()
            .iter()
            .filter(|i| in_scope(&i.namespace))
            .map(|i| ObjectRef::namespaced("Ingress", &i.namespace, &i.name))
            .collect(),
        (Area::Gw, "GW001" | "GW009") => cluster
            .gateways()
            .iter()
            .filter(|g| in_scope(&g.namespace))
            .map(|g| ObjectRef::namespaced("Gateway", &g.namespace, &g.name))
            .collect(),
        (Area::Gw, _) => cluster
            .routes()
            .iter()
            .filter(|r| in_scope(&r.namespace))
            .map(|r| ObjectRef::namespaced(r.kind.as_str(), &r.namespace, &r.name))
            .collect(),
        _ => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

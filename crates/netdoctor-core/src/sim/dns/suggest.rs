//! "Did you mean" for a name that does not resolve: the one home of the suggestion
//! (`text::suggest` picks the close names).

use crate::model::{Cluster, Service};

/// The name to use instead of `host`, which does not resolve from a pod of `namespace`
/// (`trace` and `dns resolve` both say it). For a short name that exists as a Service in
/// other namespaces: the FQDN to use instead.
/// For a name no Service has: the closest Service name (`text::suggest`), in the pod's
/// namespace as the host was written, else in another namespace as an FQDN.
pub fn name_suggestion(cluster: &Cluster, namespace: &str, host: &str) -> Option<String> {
    let host = host.trim_end_matches('.');
    let first = host.split('.').next()?;
    let fqdn = |s: &Service| format!("{}.{}.svc.{}", s.name, s.namespace, cluster.cluster_domain);
    let mut in_other: Vec<&Service> = cluster
        .services
        .iter()
        .filter(|s| s.name == first && s.namespace != namespace)
        .collect();
    in_other.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    if let Some(s) = in_other.first() {
        return Some(fqdn(s));
    }
    if cluster.services.iter().any(|s| s.name == first) {
        return None;
    }
    let here = cluster
        .services
        .iter()
        .filter(|s| s.namespace == namespace)
        .map(|s| s.name.as_str());
    if let Some(close) = crate::text::suggest::closest(first, here).first() {
        return Some(format!("{close}{}", &host[first.len()..]));
    }
    let names = cluster.services.iter().map(|s| s.name.as_str());
    let close = *crate::text::suggest::closest(first, names).first()?;
    let mut others: Vec<&Service> = cluster
        .services
        .iter()
        .filter(|s| s.name == close)
        .collect();
    others.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    others.first().map(|s| fqdn(s))
}

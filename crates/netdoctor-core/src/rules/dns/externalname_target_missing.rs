use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::load::corefile::in_zone;
use crate::model::{Cluster, ServiceType};
use crate::rules::Rule;
use crate::sim::dns::{cluster_answer, ClusterDns, QType};

pub static RULE: Rule = Rule {
    code: "DNS006",
    area: crate::rules::Area::Dns,
    name: "externalname-target-missing",
    severity: Severity::Warning,
    summary: "an ExternalName Service points to a cluster-domain name that does not exist",
    doc: r#"## What it checks
Services of `type: ExternalName` whose `externalName` is inside the cluster domain
(`olddb.data.svc.cluster.local`). The target is looked up the way CoreDNS's `kubernetes`
plugin would answer it: the namespace must exist, the Service must exist, a headless Service
must have ready endpoints.

## Why it breaks traffic
Cluster DNS answers the ExternalName Service with a CNAME to the target and then looks the
target up itself. When the target does not exist CoreDNS drops the CNAME and answers with no
records: clients get "no address associated with hostname" (musl stops right there; glibc
tries the rest of its search path and fails too). The Service looks fine in `kubectl get svc`.

## How to fix
Point `externalName` at a name that exists (often the Service moved to another namespace), or
create the missing Service:
```
kubectl -n NS patch service NAME -p '{"spec":{"externalName":"db.NEWNS.svc.cluster.local"}}'
```

## Example
```
warning[DNS006] externalname-target-missing: production/service/legacy-db
  ExternalName Service production/legacy-db points to olddb.data.svc.cluster.local, which does not resolve: namespace data does not exist
```

## References
- ExternalName Services: https://kubernetes.io/docs/concepts/services-networking/service/#externalname
- Kubernetes DNS-Based Service Discovery: https://github.com/kubernetes/dns/blob/master/docs/specification.md
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster
        .services
        .iter()
        .any(|s| s.type_ == ServiceType::ExternalName)
    {
        return;
    }
    let dns = ClusterDns::of(cluster);
    for svc in cluster
        .services
        .iter()
        .filter(|s| s.type_ == ServiceType::ExternalName)
    {
        let Some(target) = svc.external_name.as_deref().filter(|t| !t.is_empty()) else {
            continue;
        };
        if !in_zone(target, &dns.domain) {
            continue;
        }
        let a = cluster_answer(cluster, &dns, target, QType::A);
        let aaaa = cluster_answer(cluster, &dns, target, QType::Aaaa);
        if a.answered() || aaaa.answered() {
            continue;
        }
        let why = a
            .note
            .clone()
            .unwrap_or_else(|| a.rcode.as_str().to_string());
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::namespaced("Service", &svc.namespace, &svc.name),
                format!(
                    "ExternalName Service {}/{} points to {}, which does not resolve: {why}",
                    svc.namespace,
                    svc.name,
                    target.trim_end_matches('.')
                ),
            )
            .with_evidence(format!("{} A: {}", target, a.rcode.as_str()))
            .with_fix(
                Fix::new("Point externalName at an existing Service name, or create the target Service")
                    .command(format!(
                        "kubectl -n {} patch service {} -p '{{\"spec\":{{\"externalName\":\"SERVICE.NAMESPACE.svc.{}\"}}}}'",
                        svc.namespace, svc.name, dns.domain
                    )),
            ),
        );
    }
}

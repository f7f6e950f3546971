use super::{backend_refs, route_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::{resolve_backend, BackendProblem};

pub static RULE: Rule = Rule {
    code: "GW005",
    area: crate::rules::Area::Gw,
    name: "route-backend-reference-not-permitted",
    severity: Severity::Error,
    summary: "a route backendRef points to a Service in another namespace and no ReferenceGrant in that namespace allows it (RefNotPermitted): its share of requests gets 500",
    doc: r#"## What it checks
A backendRef with a `namespace` other than the route's is a cross-namespace reference. The
Gateway API only honours it when the target namespace holds a ReferenceGrant whose `from`
lists the route's group (`gateway.networking.k8s.io`), kind (`HTTPRoute` or `GRPCRoute`) and
namespace, and whose `to` lists the core `Service` kind (optionally that Service's name).

## Why it breaks traffic
Without the grant the controller refuses the reference (`ResolvedRefs: False`, reason
`RefNotPermitted`) and answers the requests meant for that backend with 500. The route is
still accepted, so it looks attached and healthy at first glance.

## How to fix
Create a ReferenceGrant in the backend's namespace (the owner of the Service grants access),
or move the route or the Service so they share a namespace.

## Example
```
error[GW005] route-backend-reference-not-permitted: apps/httproute/store
  HTTPRoute apps/store backendRef Service db/catalog is in another namespace and no
  ReferenceGrant in db allows HTTPRoute from apps to refer to it (RefNotPermitted)
```

## References
- ReferenceGrant: https://gateway-api.sigs.k8s.io/api-types/referencegrant/
- Cross-namespace routing: https://gateway-api.sigs.k8s.io/guides/multiple-ns/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (r, b) in backend_refs(cluster) {
        let Err((BackendProblem::RefNotPermitted, detail)) = resolve_backend(cluster, r, b) else {
            continue;
        };
        out.push(
            Finding::new(
                &RULE,
                route_object(r),
                format!(
                    "{} {}/{}: {detail}; the Gateway answers 500 for the requests sent to it",
                    r.kind.as_str(),
                    r.namespace,
                    r.name
                ),
            )
            .with_fix(
                Fix::new(format!(
                    "Create a ReferenceGrant in {} that lets {}s from {} use Service {}",
                    b.namespace,
                    r.kind.as_str(),
                    r.namespace,
                    b.name
                ))
                .command("kubectl apply -f referencegrant.yaml")
                .yaml(format!(
                    "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: allow-{}-from-{}\n  namespace: {}\nspec:\n  from:\n  - group: gateway.networking.k8s.io\n    kind: {}\n    namespace: {}\n  to:\n  - group: \"\"\n    kind: Service\n    name: {}\n",
                    b.name,
                    r.namespace,
                    b.namespace,
                    r.kind.as_str(),
                    r.namespace,
                    b.name
                )),
            ),
        );
    }
}

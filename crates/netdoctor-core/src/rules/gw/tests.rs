//! Edge cases of the GW rules beyond the fires/quiet fixtures.

use crate::load::load_text;
use crate::model::{BuildOptions, Cluster};
use crate::rules::{self, RunOptions};

fn codes(yaml: &str) -> Vec<(String, String)> {
    let c = Cluster::build(load_text("t.yaml", yaml), &BuildOptions::default());
    let mut v: Vec<(String, String)> = rules::run(&c, &RunOptions::default())
        .into_iter()
        .filter(|f| f.code.starts_with("GW"))
        .map(|f| (f.code, f.message))
        .collect();
    v.sort();
    v
}

const CLASS: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: example.com/gw}
status:
  conditions: [{type: Accepted, status: "True"}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: infra}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: infra, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 80}]
endpoints: [{addresses: ["10.0.0.1"], conditions: {ready: true}}]
"#;

fn gateway(status: bool) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: gw, namespace: infra}}\nspec:\n  gatewayClassName: eg\n  listeners: [{{name: http, protocol: HTTP, port: 80}}]\n{}",
        if status {
            "status:\n  conditions: [{type: Programmed, status: \"True\"}]\n"
        } else {
            ""
        }
    )
}

fn route(extra_spec: &str, status: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: infra}}\nspec:\n  parentRefs: [{{name: gw}}]\n{extra_spec}\n{status}"
    )
}

#[test]
fn pending_class_is_reported_on_the_class() {
    let yaml = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: example.com/gw}
status:
  conditions: [{type: Accepted, status: Unknown, reason: Pending, message: Waiting for controller}]
"#
    .to_string()
        + &gateway(false);
    let c = codes(&yaml);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "GW001");
    assert!(
        c[0].1.contains("no controller has processed it yet"),
        "{}",
        c[0].1
    );
    assert!(c[0].1.contains("infra/gw"), "{}", c[0].1);
}

#[test]
fn missing_class_is_not_reported_when_the_gateway_is_programmed() {
    // The class exists in the cluster (a controller programmed the Gateway) but not in the
    // input.
    let svc = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: infra}\nspec:\n  ports: [{port: 80}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1, namespace: infra, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [{port: 80}]\nendpoints: [{addresses: [\"10.0.0.1\"]}]\n";
    let c = codes(&(svc.to_string() + &gateway(true) + &route("  rules: [{backendRefs: [{name: web, port: 80}]}]", "status:\n  parents: [{parentRef: {name: gw}, controllerName: example.com/gw, conditions: [{type: Accepted, status: \"True\"}]}]\n")));
    assert!(c.is_empty(), "{c:?}");
}

#[test]
fn accepted_route_to_an_unlisted_gateway_is_not_reported() {
    let yaml = format!(
        "{CLASS}{}",
        route(
            "  rules: [{backendRefs: [{name: web, port: 80}]}]",
            "status:\n  parents: [{parentRef: {name: elsewhere}, controllerName: x, conditions: [{type: Accepted, status: \"True\"}]}]\n"
        )
        .replace("[{name: gw}]", "[{name: elsewhere}]")
    );
    assert!(codes(&yaml).is_empty());
    // Without status, the missing Gateway is reported.
    let yaml = format!(
        "{CLASS}{}",
        route("  rules: [{backendRefs: [{name: web, port: 80}]}]", "")
            .replace("[{name: gw}]", "[{name: elsewhere}]")
    );
    let c = codes(&yaml);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "GW002");
}

#[test]
fn controller_only_reasons_are_decoded() {
    let yaml = format!(
        "{CLASS}{}{}",
        gateway(true),
        route(
            "  rules: [{backendRefs: [{name: web, port: 80}]}]",
            "status:\n  parents: [{parentRef: {name: gw}, controllerName: example.com/gw, conditions: [{type: Accepted, status: \"False\", reason: UnsupportedValue, message: \"path type not supported\"}]}]\n"
        )
    );
    let c = codes(&yaml);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "GW003");
    assert!(
        c[0].1.contains("UnsupportedValue: the route uses a value"),
        "{}",
        c[0].1
    );
}

#[test]
fn invalid_kind_and_missing_port_are_backend_not_found() {
    let yaml = format!(
        "{CLASS}{}{}",
        gateway(false),
        route(
            "  rules:\n  - backendRefs: [{group: core, kind: Service, name: web, port: 80}]\n  - backendRefs: [{name: web}]\n  - backendRefs: [{name: web, port: 8080}]",
            ""
        )
    );
    let c = codes(&yaml);
    let gw004: Vec<&String> = c
        .iter()
        .filter(|(k, _)| k == "GW004")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(gw004.len(), 3, "{c:?}");
    assert!(gw004.iter().any(|m| m.contains("InvalidKind")));
    assert!(gw004.iter().any(|m| m.contains("gives no port")));
    assert!(gw004
        .iter()
        .any(|m| m.contains("has no TCP port 8080 (its ports: http 80/TCP)")));
}

#[test]
fn weight_zero_backend_without_endpoints_is_quiet() {
    let yaml = format!(
        "{CLASS}{}{}---\napiVersion: v1\nkind: Service\nmetadata: {{name: down, namespace: infra}}\nspec:\n  selector: {{app: down}}\n  ports: [{{port: 80}}]\n",
        gateway(false),
        route(
            "  rules: [{backendRefs: [{name: web, port: 80}, {name: down, port: 80, weight: 0}]}]",
            ""
        )
    );
    let c = codes(&yaml);
    assert!(c.iter().all(|(k, _)| k != "GW007"), "{c:?}");
}

#[test]
fn manifests_without_status_do_not_trigger_gw008() {
    let yaml = format!(
        "{CLASS}{}{}",
        gateway(false),
        route("  rules: [{backendRefs: [{name: web, port: 80}]}]", "")
    );
    assert!(codes(&yaml).is_empty());
    let yaml = format!(
        "{CLASS}{}{}",
        gateway(true),
        route("  rules: [{backendRefs: [{name: web, port: 80}]}]", "")
    );
    let c = codes(&yaml);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "GW008");
}

#[test]
fn cross_namespace_parent_needs_allowed_routes_not_a_grant() {
    // A route in another namespace attaching to a `from: Same` listener is not accepted
    // (GW003); with `from: All` it is, and no ReferenceGrant is involved for parentRefs.
    let yaml = format!(
        "{CLASS}{}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: apps}}\nspec:\n  parentRefs: [{{name: gw, namespace: infra}}]\n  rules: [{{backendRefs: [{{name: web, namespace: infra, port: 80}}]}}]\n",
        gateway(false)
    );
    let c = codes(&yaml);
    let got: Vec<&str> = c.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(got, vec!["GW003", "GW005"], "{c:?}");
    let yaml = yaml.replace(
        "listeners: [{name: http, protocol: HTTP, port: 80}]",
        "listeners: [{name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}]",
    );
    let c = codes(&yaml);
    let got: Vec<&str> = c.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(got, vec!["GW005"], "{c:?}");
}

#[test]
fn resolved_refs_true_trusts_the_controller_for_services_outside_the_input() {
    // A partial dump: the route's namespace holds no Service at all in the input, and the
    // controller says the references resolve.
    let yaml = format!(
        "{}{}",
        gateway(true),
        route(
            "  rules: [{backendRefs: [{name: web, port: 80}]}]",
            "status:\n  parents: [{parentRef: {name: gw}, controllerName: example.com/gw, conditions: [{type: Accepted, status: \"True\"}, {type: ResolvedRefs, status: \"True\"}]}]\n"
        )
    )
    .replace("namespace: infra", "namespace: edge");
    let c = codes(&format!("{CLASS}{yaml}"));
    assert!(c.iter().all(|(k, _)| k != "GW004"), "{c:?}");
}

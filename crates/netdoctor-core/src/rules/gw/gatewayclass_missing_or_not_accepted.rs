use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{condition, Cluster};
use crate::rules::Rule;
use crate::sim::gateway::describe_condition;

pub static RULE: Rule = Rule {
    code: "GW001",
    area: crate::rules::Area::Gw,
    name: "gatewayclass-missing-or-not-accepted",
    severity: Severity::Error,
    summary: "a Gateway's gatewayClassName names no GatewayClass, or the GatewayClass is not Accepted by its controller (no controller running, or it rejects the class)",
    doc: r#"## What it checks
Every Gateway names a GatewayClass in `spec.gatewayClassName`; the class names the controller
that implements it (`spec.controllerName`). The rule fires when the class does not exist
(unless the Gateway's own status shows a controller accepted it, meaning the class exists but
was not in the input), and when a GatewayClass carries an `Accepted` condition that is not
`True`. `Unknown` with reason `Pending` is what the API server writes before any controller
has looked at the class: the controller named by `controllerName` is not running.

## Why it breaks traffic
Without an accepted class no controller programs the Gateway: it gets no address, its
listeners are never configured and every route attached to it is dead. Clients see DNS
pointing nowhere or connections refused.

## How to fix
Create the GatewayClass (most implementations install one with their Helm chart), or fix
the name in the Gateway. When the class exists but is not accepted, check that the
controller is running and that `controllerName` matches the one it watches
(`kubectl get gatewayclass NAME -o yaml` shows the condition and message).

## Example
```
error[GW001] gatewayclass-missing-or-not-accepted: infra/gateway/public
  Gateway infra/public uses GatewayClass "envoy", which does not exist (classes: eg)
```

## References
- GatewayClass: https://gateway-api.sigs.k8s.io/api-types/gatewayclass/
- API reference (GatewayClassConditionReason): https://gateway-api.sigs.k8s.io/reference/spec/#gatewayclassconditionreason
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    let names: Vec<&str> = cluster
        .gateway_classes
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    for gw in &cluster.gateways {
        if cluster.gateway_class(&gw.class_name).is_some() {
            continue;
        }
        let accepted = condition(&gw.conditions, "Accepted").is_some_and(|c| c.is_true())
            || condition(&gw.conditions, "Programmed").is_some_and(|c| c.is_true());
        if accepted || !cluster.can_read("GatewayClass") {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::namespaced("Gateway", &gw.namespace, &gw.name),
                format!(
                    "Gateway {}/{} uses GatewayClass {:?}, which does not exist ({}); no controller will program this Gateway",
                    gw.namespace,
                    gw.name,
                    gw.class_name,
                    if names.is_empty() {
                        "no GatewayClass in the input".to_string()
                    } else {
                        format!("classes: {}", names.join(", "))
                    }
                ),
            )
            .with_fix(
                Fix::new("Point the Gateway at an existing GatewayClass, or install the controller that provides this one")
                    .command("kubectl get gatewayclass")
                    .command(format!(
                        "kubectl patch gateway {} -n {} --type merge -p '{{\"spec\":{{\"gatewayClassName\":\"{}\"}}}}'",
                        gw.name,
                        gw.namespace,
                        names.first().copied().unwrap_or("CLASS")
                    )),
            ),
        );
    }
    for class in &cluster.gateway_classes {
        let Some(acc) = class.accepted() else {
            continue;
        };
        if acc.is_true() {
            continue;
        }
        let users: Vec<String> = cluster
            .gateways
            .iter()
            .filter(|g| g.class_name == class.name)
            .map(|g| format!("{}/{}", g.namespace, g.name))
            .collect();
        let mut f = Finding::new(
            &RULE,
            ObjectRef::cluster_scoped("GatewayClass", &class.name),
            format!(
                "GatewayClass {} (controller {}) is not accepted: {}{}",
                class.name,
                class.controller,
                describe_condition(acc),
                if users.is_empty() {
                    String::new()
                } else {
                    format!("; Gateways using it get no address: {}", users.join(", "))
                }
            ),
        );
        if acc.reason == "Pending" || acc.status == "Unknown" {
            f = f.with_evidence(format!(
                "no controller named {:?} has processed the class: is it installed and running?",
                class.controller
            ));
        }
        out.push(f.with_fix(
            Fix::new("Make sure the controller named by spec.controllerName is running and accepts the class")
                .command(format!("kubectl get gatewayclass {} -o yaml", class.name))
                .command("kubectl get pods -A | grep -i gateway"),
        ));
    }
}

use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::merged_listeners;

pub static RULE: Rule = Rule {
    code: "GW011",
    area: crate::rules::Area::Gw,
    name: "listenerset-listener-conflicted",
    severity: Severity::Error,
    summary: "a ListenerSet listener has the port of a listener with higher precedence and a different protocol (ProtocolConflict), or the same protocol and hostname (HostnameConflict): it is not programmed",
    doc: r#"## What it checks
The Gateway's listeners merged with those of the ListenerSets it admits, in the precedence
of the ListenerSet specification: the Gateway's own listeners, then ListenerSets by creation
time (oldest first), then by `namespace/name`. A ListenerSet listener conflicts with one
before it on the same port when the protocols differ (`ProtocolConflict`; TCP and UDP do not
conflict, HTTPS and TLS sharing a port is implementation-specific and not reported) or when
protocol and hostname are the same (`HostnameConflict`).

## Why it breaks traffic
The conflicted listener is `Conflicted: True` and not programmed: the listener of higher
precedence keeps the port and hostname. Routes attached to the conflicted listener (through
a ListenerSet parentRef with its `sectionName`) do not receive traffic. When every listener of
a ListenerSet conflicts, the ListenerSet itself is not accepted (`ListenersNotValid`).

## How to fix
Give the listener another port or a distinct hostname, or remove it and attach the routes to
the listener that wins.

## Example
```
error[GW011] listenerset-listener-conflicted: infra/listenerset/extra
  listener web (port 80 HTTP, hostname shop.example.com) of ListenerSet infra/extra is not
  programmed (HostnameConflict): listener http (port 80 HTTP hostname shop.example.com) of
  Gateway infra/gw takes precedence
```

## References
- ListenerSet: https://gateway-api.sigs.k8s.io/api-types/listenerset/
- GEP-1713 (listener precedence and conflicts): https://gateway-api.sigs.k8s.io/geps/gep-1713/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for gw in cluster.gateways() {
        for m in merged_listeners(cluster, gw) {
            let (Some(set), Some((reason, winner))) = (m.set, &m.conflict) else {
                continue;
            };
            let l = m.listener;
            out.push(
                Finding::new(
                    &RULE,
                    ObjectRef::namespaced("ListenerSet", &set.namespace, &set.name),
                    format!(
                        "listener {} (port {} {}, hostname {}) of ListenerSet {} is not programmed ({reason}): {winner}",
                        l.name,
                        l.port,
                        l.protocol,
                        l.hostname.as_deref().unwrap_or("*"),
                        set.id()
                    ),
                )
                .with_fix(
                    Fix::new(format!(
                        "Give listener {} another port or a distinct hostname, or attach its routes to the listener that wins",
                        l.name
                    ))
                    .command(format!(
                        "kubectl edit listenerset {} -n {}",
                        set.name, set.namespace
                    )),
                ),
            );
        }
    }
}

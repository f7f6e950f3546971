use super::{attachments, resource, route_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;
use crate::sim::gateway::AttachError;

pub static RULE: Rule = Rule {
    code: "GW006",
    area: crate::rules::Area::Gw,
    name: "route-hostname-matches-no-listener",
    severity: Severity::Error,
    summary: "none of a route's hostnames intersects the hostname of a listener it could attach to (NoMatchingListenerHostname)",
    doc: r#"## What it checks
When both a listener and a route name hostnames, at least one pair must intersect for the
route to attach. Gateway API wildcards differ from Ingress ones: `*.example.com` matches one
*or more* labels (`foo.example.com`, `foo.bar.example.com`) but never `example.com` itself.
So a listener `*.example.com` accepts a route for `foo.bar.example.com` or `*.example.com`,
and rejects a route for `example.com` or `shop.example.net`.

## Why it breaks traffic
The route attaches to no listener; the controller marks it `Accepted: False` with reason
`NoMatchingListenerHostname` and requests for its hostnames get 404 from the Gateway.

## How to fix
Use a route hostname the listener covers, or add a listener for the route's hostname (a
bare apex domain needs its own listener, or a listener without `hostname`).

## Example
```
error[GW006] route-hostname-matches-no-listener: apps/httproute/shop
  HTTPRoute apps/shop attaches to no listener of Gateway infra/public: route hostnames
  [example.com] intersect no listener hostname (https: *.example.com)
```

## References
- HTTPRoute hostnames: https://gateway-api.sigs.k8s.io/reference/spec/#httproutespec
- Listener hostname: https://gateway-api.sigs.k8s.io/reference/spec/#listener
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (r, p, res) in attachments(cluster) {
        let Err(AttachError::NoMatchingListenerHostname(d)) = res else {
            continue;
        };
        let gw = cluster.gateway(&p.namespace, &p.name);
        let listener_hosts: Vec<String> = gw
            .iter()
            .flat_map(|g| g.listeners.iter())
            .filter_map(|l| l.hostname.clone())
            .collect();
        out.push(
            Finding::new(
                &RULE,
                route_object(r),
                format!(
                    "{} {}/{} attaches to no listener of Gateway {}/{} (NoMatchingListenerHostname): {d}",
                    r.kind.as_str(),
                    r.namespace,
                    r.name,
                    p.namespace,
                    p.name
                ),
            )
            .with_fix(
                Fix::new("Use a route hostname a listener covers, or add a listener for it")
                    .command(format!(
                        "kubectl edit {} {} -n {}",
                        resource(r),
                        r.name,
                        r.namespace
                    ))
                    .yaml(format!(
                        "spec:\n  hostnames:\n  - {}\n",
                        suggest(r.hostnames.first().map(String::as_str), &listener_hosts)
                    )),
            ),
        );
    }
}

/// A hostname the listener covers, close to the route's: the route's first label under a
/// wildcard listener's domain (`shop.example.org` under `*.example.com`: `shop.example.com`),
/// or the listener's exact hostname.
fn suggest(route_host: Option<&str>, listener_hosts: &[String]) -> String {
    let Some(lh) = listener_hosts.first() else {
        return "HOST".into();
    };
    match lh.strip_prefix("*.") {
        Some(domain) => {
            let label = route_host
                .filter(|h| *h != domain)
                .and_then(|h| h.trim_start_matches("*.").split('.').next())
                .filter(|l| !l.is_empty())
                .unwrap_or("www");
            format!("{label}.{domain}")
        }
        None => lh.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_a_covered_hostname() {
        let l = vec!["*.example.com".to_string()];
        assert_eq!(suggest(Some("shop.example.org"), &l), "shop.example.com");
        assert_eq!(suggest(Some("example.com"), &l), "www.example.com");
        assert_eq!(suggest(None, &["a.b".into()]), "a.b");
        assert_eq!(suggest(None, &[]), "HOST");
    }
}

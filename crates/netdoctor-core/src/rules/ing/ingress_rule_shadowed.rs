use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, PathType};
use crate::rules::Rule;
use crate::sim::ingress::{nginx_path_type, resolve_class, shadowed_paths};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: "ING008",
    area: crate::rules::Area::Ing,
    name: "ingress-rule-shadowed",
    severity: Severity::Warning,
    summary: "the same host + path + pathType is served by two Ingresses of one class, or a path can never be chosen",
    doc: r#"## What it checks
ingress-nginx merges all Ingresses of its class into one server per host. When two of them
(or one Ingress twice) define the same host, path and pathType, the oldest Ingress
(creationTimestamp; ties broken by name) keeps the path and the other definition is
silently ignored (ingress-nginx reads `ImplementationSpecific` as `Prefix`, so those two
conflict too). The rule also reports Prefix paths that differ only by a trailing slash
(`/foo` and `/foo/`) on one host: they match exactly the same requests, so one of them can
never be chosen (ingress-nginx even generates the same nginx location twice).

## Why it breaks traffic
The newer Ingress's backend never receives the requests its author expects; which backend
answers depends on creation order, so a re-created Ingress can flip traffic.

## How to fix
Keep one definition: remove the path from one Ingress, or give it another host or path.

## Example
```
warning[ING008] ingress-rule-shadowed: production/ingress/shop-v2
  shop.example.com /api (Prefix) of Ingress production/shop-v2 is never used: the older
  Ingress production/shop-ingress defines the same host, path and pathType and keeps it
```

## References
- Ingress rules: https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-rules
- ingress-nginx, multiple Ingresses for one host: https://kubernetes.github.io/ingress-nginx/how-it-works/#building-the-nginx-model
"#,
    check,
};

fn ns_name(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or(("", key))
}

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for s in shadowed_paths(cluster) {
        let (ns, name) = ns_name(&s.loser);
        let host = s.host.clone().unwrap_or_else(|| "(all hosts)".into());
        let who = if s.loser == s.winner {
            format!(
                "Ingress {} defines it twice; the second definition is ignored",
                s.loser
            )
        } else {
            format!(
                "the older Ingress {} defines the same host, path and pathType and keeps it",
                s.winner
            )
        };
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::namespaced("Ingress", ns, name),
                format!(
                    "{host} {} ({}) of Ingress {} is never used: {who}",
                    s.path,
                    s.path_type.as_str(),
                    s.loser
                ),
            )
            .with_fix(
                Fix::new("Keep one definition of the path: remove it from one Ingress or change its host or path")
                    .command(format!("kubectl -n {ns} edit ingress {name}")),
            ),
        );
    }
    // Prefix paths that differ only by a trailing slash on one host of one class.
    let mut seen: BTreeMap<(String, Option<String>, String), (String, String)> = BTreeMap::new();
    let mut ordered: Vec<_> = cluster.ingresses.iter().collect();
    ordered = crate::sim::ingress::nginx_order(ordered);
    for ing in ordered {
        let res = resolve_class(cluster, ing);
        let (Some(class), None) = (res.class, res.problem) else {
            continue;
        };
        for rule in &ing.rules {
            for p in rule
                .paths
                .iter()
                .filter(|p| nginx_path_type(p.path_type) == PathType::Prefix)
            {
                let trimmed = p.path.trim_end_matches('/');
                if trimmed.is_empty() {
                    continue;
                }
                let key = (
                    class.clone(),
                    rule.host.as_ref().map(|h| h.to_ascii_lowercase()),
                    trimmed.to_string(),
                );
                let me = format!("{}/{}", ing.namespace, ing.name);
                match seen.get(&key) {
                    Some((path, owner)) if *path != p.path => {
                        out.push(
                            Finding::new(
                                &RULE,
                                ObjectRef::namespaced("Ingress", &ing.namespace, &ing.name),
                                format!(
                                    "{} {} ({}) of Ingress {me} can never be chosen: {path} of Ingress {owner} matches exactly the same requests (a trailing slash makes no difference to Prefix); ingress-nginx generates location {trimmed}/ twice",
                                    rule.host.as_deref().unwrap_or("(all hosts)"),
                                    p.path,
                                    p.path_type.as_str()
                                ),
                            )
                            .with_fix(
                                Fix::new("Keep only one of the two paths")
                                    .command(format!("kubectl -n {} edit ingress {}", ing.namespace, ing.name)),
                            ),
                        );
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(key, (p.path.clone(), me));
                    }
                }
            }
        }
    }
}

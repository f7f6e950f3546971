use super::{json_str, live_selected, pods_desc, selector_services, svc_name, svc_object};
use crate::finding::{Finding, Fix, Severity};
use crate::model::{rollout_name, Cluster, Labels};
use crate::rules::Rule;
use crate::sim::service::resolve_target_port;
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: Rule = Rule {
    code: "SVC008",
    area: crate::rules::Area::Svc,
    name: "service-selects-multiple-workloads",
    severity: Severity::Warning,
    summary: "the selector matches pods of more than one workload (intermittent failures when they differ)",
    doc: r#"## What it checks
The pods a Service's selector matches are grouped by the workload that owns them
(`ns/name[Kind]`; pods without an owner form one group). When there is more than one group,
the rule names them with their pod counts and compares them: what each Service port's
`targetPort` resolves to on their pods, and the container ports they declare.

## Why it breaks traffic
kube-proxy spreads connections over every endpoint. When two workloads share a label such
as `app: api` — a v1 and a v2 Deployment, a debug copy, a canary left behind — a share of
the requests goes to the other workload. If it listens on another port or serves another
API, that share fails: the classic intermittent 502/connection refused that no single pod
reproduces. Deliberate canaries are fine; make them deliberate.

When each workload's pods carry their own value of a `version` (or
`app.kubernetes.io/version`) label that the selector leaves out — v1, v2 and v3 of one app,
as in Istio's Bookinfo `reviews` — the split is intentional: a service mesh or an HTTPRoute
divides the traffic between the versions. The finding then says so, and is info when the
versions agree on the Service's target ports (a warning when they do not).

## How to fix
Add a label to the selector that only the intended workload carries (for example
`app.kubernetes.io/instance` or `version`), or remove the shared label from the other
workload's pod template.

## Example
```
warning[SVC008] service-selects-multiple-workloads: production/service/api
  Service production/api selects app=api, which matches pods of 2 workloads:
  production/api-v1[Deployment] (2 pods), production/api-v2[Deployment] (1 pod);
  their ports differ: port http 80/TCP → http goes to 8080 on api-v1, 9090 on api-v2
```

## References
- Services: https://kubernetes.io/docs/concepts/services-networking/service/
- Canary deployments: https://kubernetes.io/docs/concepts/workloads/management/#canary-deployments
"#,
    check,
};

struct Group {
    pods: Vec<usize>,
    /// Per Service port: the resolved target ports (or "unresolved").
    targets: Vec<BTreeSet<String>>,
    declared: BTreeSet<String>,
}

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, sel) in selector_services(cluster) {
        let pods = live_selected(cluster, svc, &sel);
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        for &i in &pods {
            let pod = &cluster.pods[i];
            let g = groups.entry(rollout_name(pod)).or_insert_with(|| Group {
                pods: Vec::new(),
                targets: vec![BTreeSet::new(); svc.ports.len()],
                declared: BTreeSet::new(),
            });
            g.pods.push(i);
            for (k, sp) in svc.ports.iter().enumerate() {
                g.targets[k].insert(match resolve_target_port(pod, sp) {
                    Ok(p) => p.to_string(),
                    Err(_) => "nothing (unresolved)".into(),
                });
            }
            for p in pod.ports() {
                g.declared.insert(match &p.name {
                    Some(n) => format!("{n}:{}/{}", p.port, p.protocol),
                    None => format!("{}/{}", p.port, p.protocol),
                });
            }
        }
        if groups.len() < 2 {
            continue;
        }
        let names: Vec<String> = groups
            .iter()
            .map(|(name, g)| format!("{name} ({})", pods_desc(cluster, &g.pods)))
            .collect();
        // How they differ: per Service port, the target each group resolves to.
        let mut diffs = Vec::new();
        for (k, sp) in svc.ports.iter().enumerate() {
            let distinct: BTreeSet<&BTreeSet<String>> =
                groups.values().map(|g| &g.targets[k]).collect();
            if distinct.len() > 1 {
                let per: Vec<String> = groups
                    .iter()
                    .map(|(name, g)| {
                        format!(
                            "{} on {}",
                            g.targets[k].iter().cloned().collect::<Vec<_>>().join("/"),
                            short(name)
                        )
                    })
                    .collect();
                diffs.push(format!(
                    "port {} goes to {}",
                    crate::sim::service::ServicePortInfo::from(sp),
                    per.join(", ")
                ));
            }
        }
        let declared_differ = groups
            .values()
            .map(|g| &g.declared)
            .collect::<BTreeSet<_>>()
            .len()
            > 1;
        let comparison = if !diffs.is_empty() {
            format!("their ports differ: {}", diffs.join("; "))
        } else if declared_differ {
            "the target ports agree but the containers declare different ports".to_string()
        } else {
            "their ports agree; make sure they serve the same API".to_string()
        };
        let split = version_split(cluster, &groups, svc.selector.as_ref());
        let message = match &split {
            Some((key, values)) => format!(
                "Service {} selects {sel}, which matches {} versions of one app ({key} {}): {}; this is a version split (a service mesh or an HTTPRoute usually divides the traffic; without one kube-proxy spreads it over every version); {comparison}",
                svc_name(svc),
                groups.len(),
                values.join(", "),
                names.join(", ")
            ),
            None => format!(
                "Service {} selects {sel}, which matches pods of {} workloads: {}; traffic is spread over all of them, {comparison}",
                svc_name(svc),
                groups.len(),
                names.join(", ")
            ),
        };
        let mut finding = Finding::new(&RULE, svc_object(svc), message);
        if split.is_some() && diffs.is_empty() {
            finding = finding.with_severity(crate::finding::Severity::Info);
        }
        for (name, g) in &groups {
            let targets: Vec<String> = svc
                .ports
                .iter()
                .enumerate()
                .map(|(k, sp)| {
                    format!(
                        "{} → {}",
                        sp.name.clone().unwrap_or_else(|| sp.port.to_string()),
                        g.targets[k].iter().cloned().collect::<Vec<_>>().join("/")
                    )
                })
                .collect();
            let declared = if g.declared.is_empty() {
                "no container ports".to_string()
            } else {
                g.declared.iter().cloned().collect::<Vec<_>>().join(", ")
            };
            finding = finding.with_evidence(format!(
                "{name}: {}, target {}, declares {declared}",
                pods_desc(cluster, &g.pods),
                targets.join(", ")
            ));
        }
        // A label that the largest group's pods all share and no pod of another group has.
        let main = groups
            .iter()
            .max_by_key(|(name, g)| (g.pods.len(), std::cmp::Reverse(name.as_str())));
        let main_name = main.map(|(n, _)| n.clone()).unwrap_or_default();
        let distinguishing = main
            .and_then(|(n, g)| distinguishing_label(cluster, g, &groups, n, svc.selector.as_ref()));
        let mut fix = Fix::new(format!(
            "Add a label that only the intended workload carries to the Service's selector, or remove {sel} from the other workloads' pod templates"
        ));
        if let Some((k, v)) = distinguishing {
            fix.title = format!(
                "If {} is the intended backend, add {k}={v} (which only its pods carry) to the Service's selector; otherwise remove the shared labels from the other workloads' pod templates",
                main_name
            );
            fix = fix.command(format!(
                "kubectl patch service {} -n {} -p '{{\"spec\":{{\"selector\":{{{}:{}}}}}}}'",
                svc.name,
                svc.namespace,
                json_str(&k),
                json_str(&v)
            ));
        }
        fix = fix.command(format!(
            "kubectl get pods -n {} -l {sel} -L app.kubernetes.io/instance,version -o wide",
            svc.namespace
        ));
        out.push(finding.with_fix(fix));
    }
}

/// The version labels the Service's selector leaves out.
const VERSION_KEYS: [&str; 2] = ["version", "app.kubernetes.io/version"];

/// An intentional version split (Istio's Bookinfo `reviews`: Deployments v1/v2/v3 of one app
/// behind one Service): every group's pods carry one value of a version label the selector
/// does not use, and the groups' values differ. Returns the key and the values.
fn version_split(
    cluster: &Cluster,
    groups: &BTreeMap<String, Group>,
    selector: Option<&Labels>,
) -> Option<(String, Vec<String>)> {
    VERSION_KEYS
        .iter()
        .filter(|k| !selector.is_some_and(|s| s.contains_key(**k)))
        .find_map(|key| {
            let mut values = BTreeSet::new();
            for g in groups.values() {
                let of_group: BTreeSet<&String> = g
                    .pods
                    .iter()
                    .map(|&i| cluster.pods[i].labels.get(*key))
                    .collect::<Option<_>>()?;
                if of_group.len() != 1 {
                    return None;
                }
                values.extend(of_group.into_iter().cloned());
            }
            (values.len() == groups.len()).then(|| (key.to_string(), values.into_iter().collect()))
        })
}

/// `api-v1` out of `production/api-v1[Deployment]`.
fn short(group: &str) -> &str {
    let s = group.split_once('/').map(|(_, r)| r).unwrap_or(group);
    s.split_once('[').map(|(l, _)| l).unwrap_or(s)
}

fn distinguishing_label(
    cluster: &Cluster,
    main: &Group,
    groups: &BTreeMap<String, Group>,
    main_name: &str,
    selector: Option<&Labels>,
) -> Option<(String, String)> {
    let first = cluster.pods.get(*main.pods.first()?)?;
    let mut common: Labels = first.labels.clone();
    for &i in &main.pods {
        let l = &cluster.pods[i].labels;
        common.retain(|k, v| l.get(k) == Some(v));
    }
    common.retain(|k, _| {
        k != "pod-template-hash"
            && k != "controller-revision-hash"
            && k != crate::model::STATEFULSET_POD_NAME_LABEL
            && k != crate::model::STATEFULSET_POD_INDEX_LABEL
            && !selector.is_some_and(|s| s.contains_key(k))
    });
    common.into_iter().find(|(k, v)| {
        groups
            .iter()
            .filter(|(n, _)| n.as_str() != main_name)
            .flat_map(|(_, g)| g.pods.iter())
            .all(|&i| cluster.pods[i].labels.get(k) != Some(v))
    })
}

use super::{
    count, is_top_level, json_str, selector_services, svc_name, svc_object, workloads_matching,
    MAX_LISTED,
};
use crate::finding::{Finding, Fix, Severity};
use crate::model::{rollout_name, Cluster, Labels, Selector, Service};
use crate::rules::Rule;
use crate::sim::service::{label_near_miss, LabelMiss};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: "SVC001",
    area: crate::rules::Area::Svc,
    name: "service-selects-no-pods",
    severity: Severity::Error,
    summary: "a Service has a selector and no pod (or template pod) in its namespace matches; the message names the closest near-miss pods/workloads and the fix",
    doc: r#"## What it checks
For every Service with a selector (ExternalName Services excepted), netdoctor looks for pods
in the Service's namespace whose labels carry every `key: value` of the selector — the same
test the EndpointSlice controller makes. When workloads are given without pods, the pod
their template would create counts. When nothing matches (and it is not because the
matching workload is scaled to zero, which is SVC002), the rule fires and names the closest
near-misses: pods or workloads whose labels match all but one selector label, because
- the value differs (`app: payment` vs `app: payments`, small edit distance first),
- the key differs but the value is the same (`app` vs `app.kubernetes.io/name`), or
- one key of a multi-label selector is missing.

When the input holds custom resources netdoctor does not read and an operator may create
pods from (`Prometheus`, `Alertmanager`, ...), the pods may exist without being in the
input: the finding is then a warning and names those kinds. When the selector names such a
kind (`app.kubernetes.io/name: prometheus` and a `Prometheus` object), SVC010 reports the
Service instead.

## Why it breaks traffic
A Service with no matching pod has no endpoints. Its ClusterIP still resolves in DNS and
still accepts the packet, but kube-proxy has nowhere to send it: clients see
`connection refused` (iptables REJECT) or a timeout, and an Ingress in front returns 503.
A selector is matched against labels exactly: one character, a different key or a missing
label is enough.

## How to fix
Either point the Service's selector at the labels the pods really carry:
`kubectl patch service NAME -n NS -p '{"spec":{"selector":{"app":"payments"}}}'`,
or give the pods the label the selector asks for — in the workload's pod template, so new
pods keep it (`kubectl label pods` alone is lost when a pod is replaced). Then check
`kubectl get endpointslices -n NS -l kubernetes.io/service-name=NAME`.

## Example
```
error[SVC001] service-selects-no-pods: production/service/payments
  Service production/payments selects app=payment, which matches no pod in production;
  closest: production/payments[Deployment] (2 pods) has app=payments instead of app=payment
```

## References
- Services: https://kubernetes.io/docs/concepts/services-networking/service/
- Labels and selectors: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
- Debug Services: https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/
"#,
    check,
};

/// A near-miss: a set of pods (one workload) or a workload template.
struct NearMiss {
    /// `ns/name[Kind]`.
    who: String,
    pods: Vec<String>,
    miss: LabelMiss,
    /// Lower is closer.
    score: usize,
    /// Only the workload's template matched (no pods in the input).
    template: bool,
    /// The workload's own selector, to label its pods with `-l`.
    workload_selector: Option<Selector>,
}

/// Fix helpers for a label near-miss.
trait MissFix {
    fn selector_patch(&self) -> String;
    fn needed_label(&self) -> String;
    fn their_label(&self) -> Option<String>;
    fn key(&self) -> &str;
}

impl MissFix for LabelMiss {
    /// The selector patch that makes the Service select the candidate.
    fn selector_patch(&self) -> String {
        match self {
            LabelMiss::Value { key, have, .. } => format!("{}:{}", json_str(key), json_str(have)),
            LabelMiss::Key { want, have, value } => format!(
                "{}:null,{}:{}",
                json_str(want),
                json_str(have),
                json_str(value)
            ),
            LabelMiss::Missing { key, .. } => format!("{}:null", json_str(key)),
        }
    }

    /// The label (`key=value`) the pods need to match the selector.
    fn needed_label(&self) -> String {
        match self {
            LabelMiss::Value { key, want, .. } | LabelMiss::Missing { key, want } => {
                format!("{key}={want}")
            }
            LabelMiss::Key { want, value, .. } => format!("{want}={value}"),
        }
    }

    /// The label (`key=value`) that identifies the candidate's pods in place of the missing one.
    fn their_label(&self) -> Option<String> {
        match self {
            LabelMiss::Value { key, have, .. } => Some(format!("{key}={have}")),
            LabelMiss::Key { have, value, .. } => Some(format!("{have}={value}")),
            LabelMiss::Missing { .. } => None,
        }
    }

    fn key(&self) -> &str {
        match self {
            LabelMiss::Value { key, .. } | LabelMiss::Missing { key, .. } => key,
            LabelMiss::Key { want, .. } => want,
        }
    }
}

fn near_misses(cluster: &Cluster, svc: &Service, selector: &Labels) -> Vec<NearMiss> {
    let mut by_who: BTreeMap<String, NearMiss> = BTreeMap::new();
    for g in cluster.label_groups_in(&svc.namespace) {
        let Some((miss, score)) = label_near_miss(selector, &g.labels) else {
            continue;
        };
        for &pi in &g.pods {
            let pod = &cluster.pods[pi];
            let who = rollout_name(pod);
            let entry = by_who.entry(who.clone()).or_insert_with(|| NearMiss {
                who,
                pods: Vec::new(),
                miss: miss.clone(),
                score,
                template: pod.derived,
                workload_selector: pod
                    .workload
                    .and_then(|w| cluster.workloads[w].selector.clone()),
            });
            if entry.miss == miss && !pod.derived {
                entry.pods.push(pod.name.clone());
            }
        }
    }
    // Workloads without pods (scaled to zero, or whose pods are not in the input).
    for w in cluster
        .workloads
        .iter()
        .filter(|w| w.namespace == svc.namespace && is_top_level(cluster, w))
    {
        let who = w.group();
        if by_who.contains_key(&who) {
            continue;
        }
        if let Some((miss, score)) = label_near_miss(selector, &w.template_labels) {
            by_who.insert(
                who.clone(),
                NearMiss {
                    who,
                    pods: Vec::new(),
                    miss,
                    score,
                    template: w.replicas > 0,
                    workload_selector: w.selector.clone(),
                },
            );
        }
    }
    let mut out: Vec<NearMiss> = by_who.into_values().collect();
    out.sort_by(|a, b| (a.score, &a.who).cmp(&(b.score, &b.who)));
    out
}

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for (svc, sel) in selector_services(cluster) {
        if !cluster.pods_matching(&svc.namespace, &sel).is_empty() {
            continue;
        }
        // Matches only workloads scaled to zero: SVC002 says so.
        if !workloads_matching(cluster, &svc.namespace, &sel).is_empty() {
            continue;
        }
        let Some(selector) = &svc.selector else {
            continue;
        };
        // Pods an operator creates from a custom resource the selector names: SVC010.
        let operator = cluster.pods_may_come_from_custom_resources(
            selector.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if operator.as_ref().is_some_and(|n| !n.named.is_empty()) {
            continue;
        }
        let pods_in_ns = cluster.pods_in(&svc.namespace).count();
        let candidates = near_misses(cluster, svc, selector);
        let mut message = format!(
            "Service {} selects {sel}, which matches no pod in {}",
            svc_name(svc),
            svc.namespace
        );
        let mut finding;
        match candidates.first() {
            Some(best) => {
                let pods = if best.pods.is_empty() {
                    if best.template {
                        " (pod template)".to_string()
                    } else {
                        " (no pods)".to_string()
                    }
                } else {
                    format!(" ({})", count(best.pods.len(), "pod"))
                };
                message.push_str(&format!(
                    "; closest: {}{pods} {}",
                    best.who,
                    best.miss.describe()
                ));
                finding = Finding::new(&RULE, svc_object(svc), message);
                for c in candidates.iter().take(3) {
                    let pods = match c.pods.len() {
                        0 if c.template => "pod template".to_string(),
                        0 => "no pods".to_string(),
                        n if n <= MAX_LISTED => format!("pods {}", c.pods.join(", ")),
                        n => format!(
                            "pods {} … and {} more",
                            c.pods[..MAX_LISTED].join(", "),
                            n - MAX_LISTED
                        ),
                    };
                    finding = finding.with_evidence(format!(
                        "near-miss {} ({pods}) {}",
                        c.who,
                        c.miss.describe()
                    ));
                }
                finding = finding.with_fix(fix_for(svc, &sel, best));
            }
            None => {
                message.push_str(&if pods_in_ns == 0 {
                    format!(" (there are no pods in {})", svc.namespace)
                } else {
                    format!(
                        "; none of the {} in {} comes within one label of it",
                        count(pods_in_ns, "pod"),
                        svc.namespace
                    )
                });
                finding = Finding::new(&RULE, svc_object(svc), message).with_fix(
                    Fix::new("Compare the selector with the labels of the pods that should serve this Service, then fix one or the other")
                        .command(format!("kubectl get pods -n {} --show-labels", svc.namespace))
                        .command(format!(
                            "kubectl get service {} -n {} -o jsonpath='{{.spec.selector}}'",
                            svc.name, svc.namespace
                        )),
                );
            }
        }
        // Custom resources in the input may create the pods: not stated as fact.
        if let Some(note) = operator {
            finding.message.push_str(&format!("; but {}", note.text));
            finding.severity = Severity::Warning;
        }
        out.push(finding);
    }
}

fn fix_for(svc: &Service, sel: &Selector, best: &NearMiss) -> Fix {
    let patch = format!(
        "kubectl patch service {} -n {} -p '{{\"spec\":{{\"selector\":{{{}}}}}}}'",
        svc.name,
        svc.namespace,
        best.miss.selector_patch()
    );
    // The pods to label: the other selector labels plus the candidate's own version of the
    // missing one; or the workload's selector.
    let mut parts: Vec<String> = sel
        .match_labels
        .iter()
        .filter(|(k, _)| k != best.miss.key())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    parts.extend(best.miss.their_label());
    let pod_selector = if parts.is_empty() {
        best.workload_selector
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default()
    } else {
        parts.join(",")
    };
    let overwrite = if matches!(best.miss, LabelMiss::Value { .. }) {
        " --overwrite"
    } else {
        ""
    };
    let owned_key = best
        .workload_selector
        .as_ref()
        .is_some_and(|s| s.keys().any(|k| k == best.miss.key()));
    let title = if owned_key {
        format!(
            "Patch the Service's selector to the labels {} carries (first command); relabelling the pods (second) takes them out of their workload, whose selector uses {}, so change the workload's labels too if you go that way",
            best.who,
            best.miss.key()
        )
    } else {
        format!(
            "Either patch the Service's selector to the labels {} carries, or label its pods with {} (and add it to the pod template so new pods keep it)",
            best.who,
            best.miss.needed_label()
        )
    };
    let mut fix = Fix::new(title).command(patch);
    if !pod_selector.is_empty() {
        fix = fix.command(format!(
            "kubectl label pods -n {} -l {pod_selector} {}{overwrite}",
            svc.namespace,
            best.miss.needed_label()
        ));
    }
    fix
}

//! The pods of an ingress controller: the one place that identifies them, for `doctor`
//! (ING002, ING003, NP005), `ingress route`, `trace` and the live reader's namespace lookup,
//! so that they cannot disagree about the same input.
//!
//! Identification, in this order:
//! 1. **Well-known labels**: the labels the controller's standard installation puts on its
//!    pods (`CONTROLLER_PODS`). They are curated per controller, so they are tried first.
//! 2. **The controller's name**, when the labels find nothing (a controller not in the table,
//!    or an installation with labels of its own): the last segment of `spec.controller`
//!    (`k8s.io/ingress-nginx` → `ingress-nginx`), or the class name when only the deprecated
//!    annotation names the class, as the pods' `app.kubernetes.io/name`, `app` or
//!    `app.kubernetes.io/instance`, bare or prefixed with `ingress-`.
//!
//! Among the pods found, those labelled `app.kubernetes.io/component: controller` are the
//! controller when there are any: a Helm install labels its admission-webhook Job pods with
//! the chart's name too. The pods are sorted by namespace and name.
//!
//! Pods found are used whatever the input covers; only a *missing* controller pod needs the
//! input to describe the whole cluster before it proves anything (`NotCovered`).

use super::class::resolve_class;
use super::INGRESS_NGINX;
use crate::model::{Cluster, Ingress};

/// A set of pod labels (all must match).
type LabelSet = &'static [(&'static str, &'static str)];

/// Well-known controllers and the pod labels their standard installations carry. A pod is a
/// controller pod when it has every label of one of the sets.
const CONTROLLER_PODS: &[(&str, &[LabelSet])] = &[
    (
        INGRESS_NGINX,
        &[
            &[
                ("app.kubernetes.io/name", "ingress-nginx"),
                ("app.kubernetes.io/component", "controller"),
            ],
            // Manifests without the component label (older static manifests).
            &[("app.kubernetes.io/name", "ingress-nginx")],
            // The retired stable/nginx-ingress chart.
            &[("app", "nginx-ingress"), ("component", "controller")],
            // Hand-written manifests.
            &[("app", "ingress-nginx")],
        ],
    ),
    (
        "nginx.org/ingress-controller",
        &[
            &[("app.kubernetes.io/name", "nginx-ingress")],
            &[("app", "nginx-ingress")],
        ],
    ),
    (
        "traefik.io/ingress-controller",
        &[&[("app.kubernetes.io/name", "traefik")]],
    ),
    (
        "haproxy.org/ingress-controller/haproxy",
        &[&[("app.kubernetes.io/name", "kubernetes-ingress")]],
    ),
    (
        "projectcontour.io/ingress-controller",
        &[
            &[("app.kubernetes.io/name", "contour")],
            &[("app", "contour")],
        ],
    ),
    (
        "ingress-controllers.konghq.com/kong",
        &[&[("app.kubernetes.io/name", "kong")]],
    ),
    (
        "ingress.k8s.aws/alb",
        &[&[("app.kubernetes.io/name", "aws-load-balancer-controller")]],
    ),
    (
        "istio.io/ingress-controller",
        &[
            &[("app", "istiod")],
            &[("istio", "ingressgateway")],
            &[("app", "istio-ingressgateway")],
        ],
    ),
];

/// The labels the name fallback compares with the controller's name.
const NAME_LABELS: &[&str] = &[
    "app.kubernetes.io/name",
    "app",
    "app.kubernetes.io/instance",
];

/// Whether a controller's pods were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControllerStatus {
    /// Controller pods found: `running` of them are Running (not terminating).
    Pods {
        running: usize,
        total: usize,
        /// Indexes (into `Cluster::pods`) of the running ones.
        running_pods: Vec<usize>,
        /// How many of them are derived from a workload's template (manifests: the pods
        /// are not created yet), counted among `running`.
        derived: usize,
        /// `ns/name` of the first few.
        names: Vec<String>,
        /// The label sets looked for, in words.
        looked_for: String,
    },
    /// A controller netdoctor knows, but the input holds no pod of it.
    NoPods { looked_for: String },
    /// A controller whose pods netdoctor cannot recognise (or that runs outside the cluster).
    Unknown,
    /// The input does not describe the whole cluster (no Nodes, nothing in kube-system, not
    /// read live): a missing controller pod proves nothing.
    NotCovered,
}

/// Whether the input describes a whole cluster rather than a few manifests: read live, or it
/// has Node objects, or pods in kube-system.
pub fn input_covers_cluster(cluster: &Cluster) -> bool {
    cluster.live() || !cluster.nodes.is_empty() || cluster.pods_in("kube-system").next().is_some()
}

/// The pods identified as a controller's, and how.
struct Identified {
    /// Sorted by namespace and name.
    pods: Vec<usize>,
    /// The labels looked for (or that matched), `k=v,k=v or k=v`.
    looked_for: String,
    /// The controller is in the table of well-known labels.
    well_known: bool,
}

/// The pods of a controller (`spec.controller`, or the class name when no IngressClass
/// names the controller), identified as the module documentation describes.
pub fn controller_pods(cluster: &Cluster, controller: &str) -> Vec<usize> {
    identify(cluster, controller).pods
}

/// The pods of the controller that serves an Ingress; empty when its class does not resolve
/// (ING001 reports that) or no pod is recognised.
pub fn ingress_controller_pods(cluster: &Cluster, ing: &Ingress) -> Vec<usize> {
    let res = resolve_class(cluster, ing);
    if !res.is_resolved() {
        return Vec::new();
    }
    match res.controller.as_deref().or(res.class.as_deref()) {
        Some(who) => controller_pods(cluster, who),
        None => Vec::new(),
    }
}

fn identify(cluster: &Cluster, controller: &str) -> Identified {
    let sets = CONTROLLER_PODS
        .iter()
        .find(|(c, _)| *c == controller)
        .map(|(_, sets)| *sets);
    let mut identified = match sets {
        Some(sets) => Identified {
            pods: pods_with_labels(cluster, sets),
            looked_for: looked_for(sets),
            well_known: true,
        },
        None => Identified {
            pods: Vec::new(),
            looked_for: String::new(),
            well_known: false,
        },
    };
    if identified.pods.is_empty() {
        if let Some((pods, matched)) = pods_named_after(cluster, controller) {
            identified.pods = pods;
            identified.looked_for = matched;
        }
    }
    identified.pods = prefer_component_controller(cluster, identified.pods);
    let key = |i: &usize| (&cluster.pods[*i].namespace, &cluster.pods[*i].name);
    identified.pods.sort_by(|a, b| key(a).cmp(&key(b)));
    identified
}

/// Pods with every label of one of the sets.
fn pods_with_labels(cluster: &Cluster, sets: &[LabelSet]) -> Vec<usize> {
    let mut pods = Vec::new();
    for group in cluster.label_groups() {
        if sets.iter().any(|set| {
            set.iter()
                .all(|(k, v)| group.labels.get(*k).map(String::as_str) == Some(*v))
        }) {
            pods.extend(group.pods.iter().copied());
        }
    }
    pods
}

/// Pods whose name labels carry the controller's name (`ingress-nginx`, or `nginx` and
/// `ingress-nginx` for a class named `nginx`), with the label that matched the first one.
fn pods_named_after(cluster: &Cluster, controller: &str) -> Option<(Vec<usize>, String)> {
    let name = controller.rsplit('/').next().unwrap_or_default();
    if name.is_empty() {
        return None;
    }
    let names = [name.to_string(), format!("ingress-{name}")];
    let matching_label = |i: usize| {
        NAME_LABELS.iter().find_map(|k| {
            let v = cluster.pods[i].labels.get(*k)?;
            names.contains(v).then(|| format!("{k}={v}"))
        })
    };
    let pods: Vec<usize> = (0..cluster.pods.len())
        .filter(|&i| matching_label(i).is_some())
        .collect();
    let matched = matching_label(*pods.first()?)?;
    Some((pods, matched))
}

/// The pods labelled `app.kubernetes.io/component: controller`, when any are.
fn prefer_component_controller(cluster: &Cluster, pods: Vec<usize>) -> Vec<usize> {
    let controllers: Vec<usize> = pods
        .iter()
        .copied()
        .filter(|&i| {
            cluster.pods[i]
                .labels
                .get("app.kubernetes.io/component")
                .is_some_and(|v| v == "controller")
        })
        .collect();
    if controllers.is_empty() {
        pods
    } else {
        controllers
    }
}

fn looked_for(sets: &[&[(&str, &str)]]) -> String {
    sets.iter()
        .map(|s| {
            s.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The pods of a controller and how many run.
pub fn controller_status(cluster: &Cluster, controller: &str) -> ControllerStatus {
    let Identified {
        pods,
        looked_for,
        well_known,
    } = identify(cluster, controller);
    if pods.is_empty() {
        return match (well_known, input_covers_cluster(cluster)) {
            (false, _) => ControllerStatus::Unknown,
            (true, false) => ControllerStatus::NotCovered,
            (true, true) => ControllerStatus::NoPods { looked_for },
        };
    }
    let running: Vec<usize> = pods
        .iter()
        .copied()
        .filter(|&i| {
            let p = &cluster.pods[i];
            (p.phase == "Running" || p.derived || p.assumed) && !p.terminating
        })
        .collect();
    ControllerStatus::Pods {
        running: running.len(),
        total: pods.len(),
        names: pods
            .iter()
            .take(3)
            .map(|&i| format!("{}/{}", cluster.pods[i].namespace, cluster.pods[i].name))
            .collect(),
        derived: pods.iter().filter(|&&i| cluster.pods[i].derived).count(),
        running_pods: running,
        looked_for,
    }
}

/// Whether the controller is known to have no running pod (ING002, no-address).
pub fn controller_down(status: &ControllerStatus) -> bool {
    matches!(
        status,
        ControllerStatus::NoPods { .. } | ControllerStatus::Pods { running: 0, .. }
    )
}

pub(super) fn describe_controller(controller: &str, status: &ControllerStatus) -> String {
    match status {
        ControllerStatus::Pods {
            running,
            total,
            names,
            derived,
            ..
        } => {
            let names = format!(
                "{}{}",
                names.join(", "),
                if *total > names.len() { ", …" } else { "" }
            );
            if *derived == *total {
                format!(
                    "controller {controller}: {total} pod(s) derived from the template of its workload in the input, not created yet ({names})"
                )
            } else if *derived > 0 {
                format!(
                    "controller {controller}: {running} of {total} pod(s) running or to be created ({derived} derived from a workload template, not created yet) ({names})"
                )
            } else {
                format!("controller {controller}: {running} of {total} pod(s) running ({names})")
            }
        }
        ControllerStatus::NoPods { looked_for } => format!(
            "controller {controller} has no pods (looked for pods labelled {looked_for})"
        ),
        ControllerStatus::Unknown => format!(
            "controller {controller}: netdoctor does not know its pods, not checked"
        ),
        ControllerStatus::NotCovered => format!(
            "controller {controller}: the input holds no whole-cluster state (Nodes, kube-system), controller pods not checked"
        ),
    }
}

/// Label selectors (Kubernetes syntax) that find the well-known controllers' pods across
/// namespaces, for a live read that must learn their namespaces before reading them: one
/// `key in (…)` per label key of the one-label sets, plus each larger set no one-label set
/// already covers. (The name fallback needs the IngressClasses and cannot be a selector.)
pub fn controller_pod_selectors() -> Vec<String> {
    let sets = CONTROLLER_PODS.iter().flat_map(|(_, sets)| sets.iter());
    let mut by_key: Vec<(&str, Vec<&str>)> = Vec::new();
    for set in sets.clone() {
        if let [(k, v)] = set {
            match by_key.iter_mut().find(|(key, _)| key == k) {
                Some((_, values)) if values.contains(v) => {}
                Some((_, values)) => values.push(v),
                None => by_key.push((k, vec![v])),
            }
        }
    }
    let covered = |set: &LabelSet| {
        set.len() > 1
            && set.iter().any(|(k, v)| {
                by_key
                    .iter()
                    .any(|(key, values)| key == k && values.contains(v))
            })
    };
    let mut out: Vec<String> = by_key
        .iter()
        .map(|(k, values)| format!("{k} in ({})", values.join(",")))
        .collect();
    for set in sets.filter(|s| s.len() > 1 && !covered(s)) {
        let labels: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push(labels.join(","));
    }
    out
}

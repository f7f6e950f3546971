//! Which IngressClass, and so which controller, serves an Ingress: `spec.ingressClassName`,
//! else the deprecated annotation, else the default class the admission plugin writes.

use super::INGRESS_NGINX;
use crate::model::{Cluster, Ingress, IngressClass};
use serde::Serialize;

/// ingress-nginx's default `--ingress-class`, which the old annotation is compared with.
const INGRESS_NGINX_DEFAULT_CLASS: &str = "nginx";
const ANNOTATION_CLASS: &str = "kubernetes.io/ingress.class";

/// How an Ingress's class was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassSource {
    /// `spec.ingressClassName`.
    Field,
    /// The deprecated `kubernetes.io/ingress.class` annotation.
    Annotation,
    /// None given: the default IngressClass (written by the admission plugin).
    Default,
}

/// The IngressClass (and controller) an Ingress belongs to, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassResolution {
    /// The class name (also for the annotation without an IngressClass object).
    pub class: Option<String>,
    /// `spec.controller` of the IngressClass (or the controller the annotation implies).
    pub controller: Option<String>,
    pub source: Option<ClassSource>,
    /// Why no controller picks the Ingress up (ING001), in words.
    pub problem: Option<String>,
}

impl ClassResolution {
    pub fn is_resolved(&self) -> bool {
        self.problem.is_none() && self.class.is_some()
    }
}

pub(super) fn class_names(cluster: &Cluster) -> String {
    let mut names: Vec<&str> = cluster
        .ingress_classes
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    names.sort_unstable();
    if names.is_empty() {
        "there is no IngressClass at all".into()
    } else {
        format!("existing: {}", names.join(", "))
    }
}

/// The default IngressClasses (sorted by name).
pub fn default_classes(cluster: &Cluster) -> Vec<&IngressClass> {
    let mut d: Vec<&IngressClass> = cluster
        .ingress_classes
        .iter()
        .filter(|c| c.is_default)
        .collect();
    d.sort_by(|a, b| a.name.cmp(&b.name));
    d
}

/// The class of an Ingress, as the API server's admission plugin and ingress-nginx see it.
pub fn resolve_class(cluster: &Cluster, ing: &Ingress) -> ClassResolution {
    if let Some(name) = &ing.class_name {
        return match cluster.ingress_class(name) {
            Some(c) => ClassResolution {
                class: Some(c.name.clone()),
                controller: Some(c.controller.clone()),
                source: Some(ClassSource::Field),
                problem: None,
            },
            None => ClassResolution {
                class: Some(name.clone()),
                controller: None,
                source: Some(ClassSource::Field),
                problem: Some(format!(
                    "ingressClassName {name:?} names no IngressClass ({}), so no controller serves it",
                    class_names(cluster)
                )),
            },
        };
    }
    if let Some(value) = ing.class_annotation.as_deref().filter(|v| !v.is_empty()) {
        let controller = cluster
            .ingress_class(value)
            .map(|c| c.controller.clone())
            .or_else(|| (value == INGRESS_NGINX_DEFAULT_CLASS).then(|| INGRESS_NGINX.to_string()));
        return ClassResolution {
            class: Some(value.to_string()),
            controller,
            source: Some(ClassSource::Annotation),
            problem: None,
        };
    }
    let defaults = default_classes(cluster);
    match defaults.as_slice() {
        [one] => ClassResolution {
            class: Some(one.name.clone()),
            controller: Some(one.controller.clone()),
            source: Some(ClassSource::Default),
            problem: None,
        },
        [] => ClassResolution {
            class: None,
            controller: None,
            source: None,
            problem: Some(format!(
                "it sets no ingressClassName and no {ANNOTATION_CLASS} annotation, and no IngressClass is marked default ({}), so no controller serves it (unless one runs with --watch-ingress-without-class)",
                class_names(cluster)
            )),
        },
        many => ClassResolution {
            class: None,
            controller: None,
            source: Some(ClassSource::Default),
            problem: Some(format!(
                "it sets no ingressClassName and {} IngressClasses are marked default ({}): the DefaultIngressClass admission plugin refuses such Ingresses",
                many.len(),
                many.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            )),
        },
    }
}

/// Which controller instance serves an Ingress: its controller (`spec.controller` of the
/// class), or the class name when the controller is unknown (annotation without class).
pub(super) fn serving_key(res: &ClassResolution) -> String {
    serving_key_of(res.class.as_deref().unwrap_or_default(), &res.controller)
}

pub(super) fn serving_key_of(class: &str, controller: &Option<String>) -> String {
    match controller {
        Some(c) if !c.is_empty() => format!("controller:{c}"),
        _ => format!("class:{class}"),
    }
}

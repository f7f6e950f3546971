//! `api::ForeignPolicy` → `ForeignPolicy`: the pods each kind selects and the directions it
//! governs, read from its selectors only.

use super::meta_ns;
use crate::load::{api, ApiObject};
use crate::model::foreign_policy::{ForeignPolicy, ForeignSubject, NamespaceScope};
use crate::model::{Operator, Requirement, Selector};
use serde_json::Value;

/// The namespace Istio treats as its root (mesh-wide policies); istiod's default.
const ISTIO_ROOT_NAMESPACE: &str = "istio-system";

/// The cluster-wide kinds: they have no namespace.
pub(super) fn cluster_scoped(obj: &ApiObject) -> bool {
    matches!(obj, ApiObject::ForeignPolicy(p) if is_cluster_scoped(&p.kind))
}

fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "CiliumClusterwideNetworkPolicy"
            | "GlobalNetworkPolicy"
            | "AdminNetworkPolicy"
            | "BaselineAdminNetworkPolicy"
            | "ClusterNetworkPolicy"
    )
}

pub(super) fn foreign_policy(p: api::ForeignPolicy, name: String) -> ForeignPolicy {
    let namespace = (!is_cluster_scoped(&p.kind)).then(|| meta_ns(&p.metadata));
    let mut out = ForeignPolicy {
        kind: p.kind.clone(),
        api_version: p.api_version.clone(),
        namespace: namespace.clone(),
        name,
        subjects: Vec::new(),
        ingress: true,
        egress: true,
        can_allow: true,
        assumptions: Vec::new(),
    };
    let own = match &namespace {
        Some(ns) => NamespaceScope::One(ns.clone()),
        None => NamespaceScope::All,
    };
    match p.kind.as_str() {
        "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy" => cilium(&p, own, &mut out),
        "NetworkPolicy" | "GlobalNetworkPolicy" => calico(&p.spec, own, &mut out),
        "AuthorizationPolicy" => istio(&p.spec, namespace.as_deref(), &mut out),
        // AdminNetworkPolicy and its relatives are modelled (`cluster_policy`).
        _ => {}
    }
    out
}

fn has(spec: &Value, key: &str) -> bool {
    spec.get(key).is_some_and(|v| !v.is_null())
}

/// Cilium: `spec` and `specs[]`, each with an `endpointSelector` (pods) or a `nodeSelector`
/// (the host). A direction is governed when a rule section for it is present.
fn cilium(p: &api::ForeignPolicy, own: NamespaceScope, out: &mut ForeignPolicy) {
    let specs: Vec<&Value> = std::iter::once(&p.spec)
        .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()))
        .chain(p.specs.iter())
        .collect();
    let (mut ingress, mut egress) = (false, false);
    for s in &specs {
        let subject = if let Some(sel) = s.get("endpointSelector") {
            ForeignSubject {
                namespaces: own.clone(),
                pods: label_selector(sel, true),
                host: false,
            }
        } else if has(s, "nodeSelector") {
            ForeignSubject {
                namespaces: NamespaceScope::All,
                pods: None,
                host: true,
            }
        } else {
            ForeignSubject {
                namespaces: own.clone(),
                pods: None,
                host: false,
            }
        };
        out.subjects.push(subject);
        ingress |= has(s, "ingress") || has(s, "ingressDeny");
        egress |= has(s, "egress") || has(s, "egressDeny");
    }
    if specs.is_empty() {
        out.subjects.push(ForeignSubject {
            namespaces: own,
            pods: None,
            host: false,
        });
    }
    if ingress || egress {
        out.ingress = ingress;
        out.egress = egress;
    }
}

/// Calico: `spec.selector` (a Calico selector expression, default `all()`), for
/// GlobalNetworkPolicy also `spec.namespaceSelector`; `spec.types`, else Ingress unless only
/// egress rules are given, Egress when egress rules are.
fn calico(spec: &Value, own: NamespaceScope, out: &mut ForeignPolicy) {
    let text = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut pods = calico_selector(text("selector"));
    if has(spec, "serviceAccountSelector") {
        pods = None;
    }
    let namespaces = match (&own, has(spec, "namespaceSelector")) {
        (NamespaceScope::All, true) => match calico_selector(text("namespaceSelector")) {
            Some(sel) => NamespaceScope::Matching(sel),
            None => NamespaceScope::All,
        },
        _ => own,
    };
    out.subjects.push(ForeignSubject {
        namespaces,
        pods,
        host: false,
    });
    let rules = |k: &str| {
        spec.get(k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    match spec.get("types").and_then(Value::as_array) {
        Some(types) => {
            let named = |t: &str| types.iter().any(|v| v.as_str() == Some(t));
            out.ingress = named("Ingress");
            out.egress = named("Egress");
        }
        None => {
            out.egress = rules("egress");
            out.ingress = rules("ingress") || !out.egress;
        }
    }
}

/// Istio: `spec.selector.matchLabels` (absent: every workload of the namespace; in the root
/// namespace, of the mesh); `targetRef(s)` name gateways or Services, read as unknown pods.
/// Authorization is enforced by the receiving proxy only, after NetworkPolicy.
fn istio(spec: &Value, ns: Option<&str>, out: &mut ForeignPolicy) {
    let root = ns == Some(ISTIO_ROOT_NAMESPACE);
    if root {
        out.assumptions.push(format!(
            "{ISTIO_ROOT_NAMESPACE} is assumed to be Istio's root namespace: the policy applies to the whole mesh"
        ));
    }
    let namespaces = match ns {
        Some(ns) if !root => NamespaceScope::One(ns.to_string()),
        _ => NamespaceScope::All,
    };
    let pods = if has(spec, "targetRef") || has(spec, "targetRefs") {
        None
    } else {
        match spec.get("selector") {
            Some(sel) if !sel.is_null() => label_selector(sel, false),
            _ => Some(Selector::default()),
        }
    };
    out.subjects.push(ForeignSubject {
        namespaces,
        pods,
        host: false,
    });
    out.ingress = spec.get("action").and_then(Value::as_str) != Some("AUDIT");
    out.egress = false;
    out.can_allow = false;
}

/// A Kubernetes label selector; with `cilium`, keys lose their `k8s:`/`any:` source prefix
/// and a key of another source (`reserved:`, `cidr:`) or Cilium's service-account and
/// cluster labels make the selection unknown (None).
fn label_selector(v: &Value, cilium: bool) -> Option<Selector> {
    let api: api::LabelSelector = serde_json::from_value(v.clone()).ok()?;
    let mut sel = Selector::from_api(&api).ok()?;
    if !cilium {
        return Some(sel);
    }
    let fix = |k: &str| -> Option<String> {
        let k = k
            .strip_prefix("k8s:")
            .or_else(|| k.strip_prefix("any:"))
            .unwrap_or(k);
        (!k.contains(':') && !k.starts_with("io.cilium.k8s.policy.")).then(|| k.to_string())
    };
    for (k, _) in sel.match_labels.iter_mut() {
        *k = fix(k)?;
    }
    for r in sel.expressions.iter_mut() {
        r.key = fix(&r.key)?;
    }
    Some(sel)
}

/// The simple forms of a Calico selector expression, joined by `&&`: `all()`, `k == 'v'`,
/// `k != 'v'`, `has(k)`, `!has(k)`, `k in {'a', 'b'}`, `k not in {…}`. None for anything
/// else (`||`, parentheses, other functions): the selection is then unknown.
pub(super) fn calico_selector(expr: &str) -> Option<Selector> {
    let expr = expr.trim();
    let mut sel = Selector::default();
    if expr.is_empty() || expr == "all()" {
        return Some(sel);
    }
    if expr.contains("||") {
        return None;
    }
    for term in expr.split("&&").map(str::trim) {
        if term == "all()" {
            continue;
        }
        let req = |key: &str, operator, values: Vec<String>| Requirement {
            key: key.trim().to_string(),
            operator,
            values,
        };
        if let Some(k) = term.strip_prefix("!has(").and_then(|t| t.strip_suffix(')')) {
            sel.expressions.push(req(k, Operator::DoesNotExist, vec![]));
        } else if let Some(k) = term.strip_prefix("has(").and_then(|t| t.strip_suffix(')')) {
            sel.expressions.push(req(k, Operator::Exists, vec![]));
        } else if let Some((k, v)) = term.split_once("==") {
            sel.match_labels.push((label_key(k)?, quoted(v)?));
        } else if let Some((k, v)) = term.split_once("!=") {
            sel.expressions
                .push(req(&label_key(k)?, Operator::NotIn, vec![quoted(v)?]));
        } else if let Some((k, set)) = term.split_once(" not in ") {
            sel.expressions
                .push(req(&label_key(k)?, Operator::NotIn, value_set(set)?));
        } else if let Some((k, set)) = term.split_once(" in ") {
            sel.expressions
                .push(req(&label_key(k)?, Operator::In, value_set(set)?));
        } else {
            return None;
        }
    }
    Some(sel)
}

fn label_key(k: &str) -> Option<String> {
    let k = k.trim();
    let ok = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'));
    ok.then(|| k.to_string())
}

fn quoted(v: &str) -> Option<String> {
    let v = v.trim();
    let inner = v
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .or_else(|| v.strip_prefix('"').and_then(|r| r.strip_suffix('"')))?;
    (!inner.contains(['\'', '"'])).then(|| inner.to_string())
}

fn value_set(set: &str) -> Option<Vec<String>> {
    let inner = set.trim().strip_prefix('{')?.strip_suffix('}')?;
    inner
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(quoted)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calico_selectors_in_their_simple_forms() {
        let s = calico_selector("app == 'web' && has(tier) && env in {'a', \"b\"}").unwrap();
        assert_eq!(s.match_labels, vec![("app".to_string(), "web".to_string())]);
        assert_eq!(s.expressions.len(), 2);
        assert!(calico_selector("all()").unwrap().is_empty());
        assert!(calico_selector("").unwrap().is_empty());
        assert_eq!(
            calico_selector("role != 'db'").unwrap().expressions[0].operator,
            Operator::NotIn
        );
        assert!(calico_selector("a == 'x' || b == 'y'").is_none());
        assert!(calico_selector("(a == 'x')").is_none());
        assert!(calico_selector("starts_with(a, 'x')").is_none());
    }

    #[test]
    fn cilium_keys_lose_their_source_prefix() {
        let v = serde_json::json!({"matchLabels": {"k8s:app": "web", "any:tier": "x"}});
        let s = label_selector(&v, true).unwrap();
        let keys: Vec<&str> = s.match_labels.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"app") && keys.contains(&"tier"), "{keys:?}");
        let v = serde_json::json!({"matchLabels": {"reserved:host": ""}});
        assert!(label_selector(&v, true).is_none());
    }
}

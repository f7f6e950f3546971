//! Which rules run and which findings are kept: `--only`/`--skip` names resolved against the
//! catalogue (an unknown name is an error with the closest match, never a silent no-op),
//! the suppression config (`.netdoctor.yaml`), and the runner that reports what it
//! suppressed and why.

use super::{Rule, RULES};
use crate::finding::{Finding, Severity};
use crate::model::{Cluster, ObjectRef};
use crate::text::edit_distance;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The rule a code (`SVC001`, any case) or name (`service-selects-no-pods`) names, or an
/// error that names the closest rule.
pub fn resolve(code_or_name: &str) -> Result<&'static Rule, String> {
    let wanted = code_or_name.trim();
    if let Some(rule) = super::find(wanted) {
        return Ok(rule);
    }
    let lower = wanted.to_ascii_lowercase();
    let closest = RULES
        .iter()
        .map(|r| {
            let d = edit_distance(&lower, &r.code.to_ascii_lowercase())
                .min(edit_distance(&lower, r.name));
            (d, *r)
        })
        .min_by_key(|(d, r)| (*d, r.code));
    let hint = match closest {
        Some((d, r)) if d <= wanted.chars().count().max(4) / 2 + 1 => {
            format!("; did you mean {} ({})?", r.code, r.name)
        }
        _ => String::new(),
    };
    Err(format!(
        "no rule {wanted:?}{hint} (`netdoctor rules` lists the codes and names)"
    ))
}

/// Resolves every name; the first unknown one is the error.
pub fn resolve_all(names: &[String]) -> Result<Vec<&'static str>, String> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| resolve(n).map(|r| r.code))
        .collect()
}

/// The suppression config (`.netdoctor.yaml`, or `--config FILE`), as kube-linter's:
///
/// ```yaml
/// skip: [SVC006, policy-selects-no-pods]     # rules whose findings are suppressed
/// severity: {SVC008: error, NP002: info}     # severity overrides
/// ignore:
///   namespaces: [kube-system]                # findings about objects in these namespaces
///   objects: [production/service/legacy-api, ingressclass/old, "staging/deployment/*"]
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub skip: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub ignore: IgnoreConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreConfig {
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// `NS/KIND/NAME` or `KIND/NAME` (cluster-scoped); `*` as NAME is every object of the
    /// kind. KIND is case-insensitive.
    #[serde(default)]
    pub objects: Vec<String>,
}

/// A config checked against the catalogue: rule names resolved to codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppressions {
    /// Where the config came from (for messages): a path.
    pub source: String,
    pub skip: Vec<&'static str>,
    pub severity: BTreeMap<&'static str, Severity>,
    pub namespaces: Vec<String>,
    /// (namespace, lowercase kind, name or `*`).
    pub objects: Vec<(Option<String>, String, String)>,
}

impl Suppressions {
    /// Parses a config's text (`source` names it in errors). Unknown keys, unknown rules,
    /// unknown severities and malformed object names are errors that say where.
    pub fn parse(source: &str, text: &str) -> Result<Suppressions, String> {
        let config: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| format!("{source}: {e}"))?
        };
        let skip = resolve_all(&config.skip).map_err(|e| format!("{source}: skip: {e}"))?;
        let mut severity = BTreeMap::new();
        for (rule, level) in &config.severity {
            let code = resolve(rule)
                .map_err(|e| format!("{source}: severity: {e}"))?
                .code;
            let level = Severity::parse(level).ok_or_else(|| {
                format!(
                    "{source}: severity.{rule}: {level:?} is not a severity (error, warning, info)"
                )
            })?;
            severity.insert(code, level);
        }
        let mut objects = Vec::new();
        for o in &config.ignore.objects {
            let parts: Vec<&str> = o.split('/').collect();
            let parsed = match parts.as_slice() {
                [ns, kind, name] if !ns.is_empty() && !kind.is_empty() && !name.is_empty() => (
                    Some(ns.to_string()),
                    kind.to_ascii_lowercase(),
                    name.to_string(),
                ),
                [kind, name] if !kind.is_empty() && !name.is_empty() => {
                    (None, kind.to_ascii_lowercase(), name.to_string())
                }
                _ => {
                    return Err(format!(
                        "{source}: ignore.objects: {o:?} is not NS/KIND/NAME or KIND/NAME"
                    ))
                }
            };
            objects.push(parsed);
        }
        Ok(Suppressions {
            source: source.to_string(),
            skip,
            severity,
            namespaces: config.ignore.namespaces,
            objects,
        })
    }

    fn ignores_object(&self, o: &ObjectRef) -> bool {
        if o.namespace
            .as_ref()
            .is_some_and(|ns| self.namespaces.contains(ns))
        {
            return true;
        }
        self.objects.iter().any(|(ns, kind, name)| {
            ns == &o.namespace
                && kind.eq_ignore_ascii_case(&o.kind)
                && (name == "*" || name == &o.name)
        })
    }
}

/// Why a finding is not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressedBy {
    /// The object's `netdoctor.io/ignore` annotation names the rule.
    Annotation,
    /// The config's `skip` names the rule.
    ConfigSkip,
    /// The config's `ignore` names the object or its namespace.
    ConfigIgnore,
}

/// A finding that was found and not reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: SuppressedBy,
}

/// What the runner found and what it suppressed.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
}

/// Runs the selected rules (`only`, minus `skip`) over the cluster, keeps the findings in the
/// namespace scope, applies severity overrides, then the suppressions: the
/// `netdoctor.io/ignore` annotation and the config. Sorted deterministically.
pub fn run_report(cluster: &Cluster, options: &super::RunOptions) -> RunReport {
    let named = |rule: &Rule, list: &[String]| {
        list.iter()
            .any(|c| c.eq_ignore_ascii_case(rule.code) || c.eq_ignore_ascii_case(rule.name))
    };
    let selected: Vec<&Rule> = RULES
        .iter()
        .copied()
        .filter(|rule| options.only.is_empty() || named(rule, &options.only))
        .filter(|rule| !named(rule, &options.skip))
        .collect();
    let found = super::run_parallel(cluster, &selected)
        .into_iter()
        .flatten();
    let config = options.suppressions.as_ref();
    let mut report = RunReport::default();
    for mut f in found {
        let in_scope = options.namespaces.is_empty()
            || f.object
                .namespace
                .as_ref()
                .is_none_or(|ns| options.namespaces.contains(ns));
        if !in_scope {
            continue;
        }
        if let Some(s) = config.and_then(|c| c.severity.get(f.code.as_str())) {
            f.severity = *s;
        }
        let by = if cluster
            .ignored_codes(&f.object)
            .iter()
            .any(|c| c == &f.code)
        {
            Some(SuppressedBy::Annotation)
        } else if config.is_some_and(|c| c.skip.contains(&f.code.as_str())) {
            Some(SuppressedBy::ConfigSkip)
        } else if config.is_some_and(|c| c.ignores_object(&f.object)) {
            Some(SuppressedBy::ConfigIgnore)
        } else {
            None
        };
        match by {
            Some(by) => report.suppressed.push(Suppressed { finding: f, by }),
            None => report.findings.push(f),
        }
    }
    super::sort(&mut report.findings);
    report
}

/// Counts of what was not reported, by cause (the `suppressed` field of JSON outputs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SuppressedCounts {
    pub total: usize,
    /// By `netdoctor.io/ignore` annotations.
    pub annotation: usize,
    /// By the config's `skip`.
    pub config_skip: usize,
    /// By the config's `ignore` (objects, namespaces).
    pub config_ignore: usize,
    /// Below `--min-severity` (still counted by `--fail-on`).
    pub below_min_severity: usize,
}

impl SuppressedCounts {
    pub fn of(suppressed: &[Suppressed], below_min_severity: usize) -> SuppressedCounts {
        let count = |by| suppressed.iter().filter(|s| s.by == by).count();
        SuppressedCounts {
            total: suppressed.len() + below_min_severity,
            annotation: count(SuppressedBy::Annotation),
            config_skip: count(SuppressedBy::ConfigSkip),
            config_ignore: count(SuppressedBy::ConfigIgnore),
            below_min_severity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_codes_and_names_and_suggests_the_closest() {
        assert_eq!(resolve("svc001").map(|r| r.code), Ok("SVC001"));
        assert_eq!(
            resolve("service-selects-no-pods").map(|r| r.code),
            Ok("SVC001")
        );
        let e = resolve("SVC01").unwrap_err();
        assert!(e.contains("did you mean SVC001"), "{e}");
        let e = resolve("service-selects-no-pod").unwrap_err();
        assert!(
            e.contains("did you mean SVC001 (service-selects-no-pods)"),
            "{e}"
        );
        let e = resolve("completely-unrelated-words-here").unwrap_err();
        assert!(!e.contains("did you mean"), "{e}");
    }

    #[test]
    fn config_is_checked() {
        let s = Suppressions::parse(
            "c.yaml",
            "skip: [policy-selects-no-pods]\nseverity: {SVC008: error}\nignore:\n  namespaces: [kube-system]\n  objects: [prod/service/a, ingressclass/x]\n",
        )
        .unwrap();
        assert_eq!(s.skip, vec!["NP002"]);
        assert_eq!(s.severity.get("SVC008"), Some(&Severity::Error));
        assert!(s.ignores_object(&ObjectRef::namespaced("Service", "prod", "a")));
        assert!(s.ignores_object(&ObjectRef::namespaced("Pod", "kube-system", "a")));
        assert!(s.ignores_object(&ObjectRef::cluster_scoped("IngressClass", "x")));
        assert!(!s.ignores_object(&ObjectRef::namespaced("Service", "prod", "b")));
        let e = Suppressions::parse("c.yaml", "skip: [SVC01]").unwrap_err();
        assert!(e.contains("did you mean SVC001"), "{e}");
        let e = Suppressions::parse("c.yaml", "skips: [SVC001]").unwrap_err();
        assert!(e.contains("skips"), "{e}");
        let e = Suppressions::parse("c.yaml", "severity: {SVC001: fatal}").unwrap_err();
        assert!(e.contains("fatal"), "{e}");
        let e = Suppressions::parse("c.yaml", "ignore: {objects: [a/b/c/d]}").unwrap_err();
        assert!(e.contains("a/b/c/d"), "{e}");
    }
}

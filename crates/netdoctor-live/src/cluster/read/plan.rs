//! Which lists a read makes: the kinds of the scope, and the helper lookups (kube-system,
//! the ingress controllers' namespaces) in merge order.

use super::ReadScope;
use crate::cluster::kinds::{KindSpec, ReadMode, KINDS, KUBE_SYSTEM};

/// One list to make: a kind, in one namespace or across all.
#[derive(Debug, Clone)]
pub(super) struct Job {
    pub(super) spec: &'static KindSpec,
    pub(super) namespace: Option<String>,
    pub(super) metadata_only: bool,
    /// Items of this namespace are dropped (they are read whole by another job).
    pub(super) skip_namespace: Option<&'static str>,
    /// In the user's scope (a failure makes the whole kind unreadable) or a helper read.
    pub(super) primary: bool,
    pub(super) label_selector: Option<String>,
}

impl Job {
    pub(super) fn what(&self) -> String {
        match (&self.namespace, self.primary) {
            (Some(ns), false) => format!("{} -n {ns}", self.spec.display_name()),
            _ => self.spec.display_name(),
        }
    }
}
/// The lists a read makes, in merge order.
pub(super) fn plan(scope: &ReadScope, helper_namespaces: &[String]) -> Vec<Job> {
    let mut jobs = Vec::new();
    let (user, namespaces): (Vec<String>, Option<Vec<String>>) = match scope {
        ReadScope::All => (Vec::new(), None),
        ReadScope::Namespaces(user) => {
            let mut all: Vec<String> = Vec::new();
            for ns in user
                .iter()
                .cloned()
                .chain(std::iter::once(KUBE_SYSTEM.to_string()))
                .chain(helper_namespaces.iter().cloned())
            {
                if !all.contains(&ns) {
                    all.push(ns);
                }
            }
            (user.clone(), Some(all))
        }
    };
    for spec in KINDS {
        let job = |namespace: Option<String>, metadata_only, skip_namespace, primary| Job {
            spec,
            namespace,
            metadata_only,
            skip_namespace,
            primary,
            label_selector: None,
        };
        if !spec.namespaced {
            jobs.push(job(None, spec.mode == ReadMode::Metadata, None, true));
            continue;
        }
        match &namespaces {
            None => match spec.mode {
                ReadMode::Full => jobs.push(job(None, false, None, true)),
                ReadMode::Metadata => jobs.push(job(None, true, None, true)),
                ReadMode::FullInKubeSystem => {
                    jobs.push(job(None, true, Some(KUBE_SYSTEM), true));
                    jobs.push(job(Some(KUBE_SYSTEM.to_string()), false, None, false));
                }
            },
            Some(list) => {
                for ns in list {
                    let metadata_only = match spec.mode {
                        ReadMode::Full => false,
                        ReadMode::Metadata => true,
                        ReadMode::FullInKubeSystem => ns != KUBE_SYSTEM,
                    };
                    jobs.push(job(
                        Some(ns.clone()),
                        metadata_only,
                        None,
                        user.contains(ns),
                    ));
                }
            }
        }
    }
    jobs
}

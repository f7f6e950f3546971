//! The input options every analysis command shares, and reading the cluster from them.

use crate::CliError;
use clap::Args;
use netdoctor_core::load::{self, LoadResult};
use netdoctor_core::model::{BuildOptions, Cluster};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Read objects from a file or directory (recursively: *.yaml, *.yml, *.json);
    /// repeatable; `-` reads stdin. Without -f, a live cluster is read.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,

    /// Path of the kubeconfig file (live mode).
    #[arg(long = "kubeconfig", value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (live mode).
    #[arg(long = "context", value_name = "NAME")]
    pub context: Option<String>,

    /// Scope: only this namespace (default: all namespaces for files, the kubeconfig's
    /// namespace for a live cluster).
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespace: Option<String>,

    /// Scope: every namespace.
    #[arg(short = 'A', long = "all-namespaces", conflicts_with = "namespace")]
    pub all_namespaces: bool,

    /// The cluster domain (default: taken from the CoreDNS Corefile, else cluster.local).
    #[arg(long = "cluster-domain", value_name = "DOMAIN")]
    pub cluster_domain: Option<String>,
}

/// What was read, with the namespaces in scope.
pub struct Input {
    pub cluster: Cluster,
    /// Empty: every namespace.
    pub scope: Vec<String>,
}

impl InputArgs {
    pub fn read(&self, verbose: bool) -> Result<Input, CliError> {
        if self.files.is_empty() {
            return Err(CliError::unreachable(
                "reading a live cluster is not available in this build; give the cluster state with -f FILE|DIR|- (e.g. kubectl get -A -o yaml ... | netdoctor doctor -f -)",
            ));
        }
        let loaded = load::load_paths(&self.files).map_err(|e| CliError::usage(e.to_string()))?;
        if verbose {
            report_load(&loaded);
        }
        if loaded.is_empty() {
            let reason = match loaded.unreadable.first() {
                Some(u) => format!(
                    "nothing readable in the input: {} document {} (line {}): {}",
                    u.file, u.document, u.line, u.reason
                ),
                None if loaded.skipped_kinds.is_empty() => {
                    "nothing readable in the input: no Kubernetes objects found".to_string()
                }
                None => format!(
                    "nothing readable in the input: only kinds netdoctor does not use ({})",
                    loaded
                        .skipped_kinds
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(CliError::usage(reason));
        }
        let cluster = Cluster::build(
            loaded,
            &BuildOptions {
                cluster_domain: self.cluster_domain.clone(),
            },
        );
        let scope = match (&self.namespace, self.all_namespaces) {
            (Some(ns), false) => vec![ns.clone()],
            _ => Vec::new(),
        };
        Ok(Input { cluster, scope })
    }
}

fn report_load(loaded: &LoadResult) {
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for o in &loaded.objects {
        *kinds.entry(o.object.kind()).or_default() += 1;
    }
    eprintln!(
        "read {} file(s): {} object(s), {} unreadable document(s)",
        loaded.files_read,
        loaded.objects.len(),
        loaded.unreadable.len()
    );
    for (k, n) in kinds {
        eprintln!("  {n:>6} {k}");
    }
    for (k, n) in &loaded.skipped_kinds {
        eprintln!("  {n:>6} {k} (skipped: not used by netdoctor)");
    }
}

//! `netdoctor doctor [OBJECT]`: every check over the scope, or what concerns one object.

use super::svc_report;
use crate::ci::{junit, sarif};
use crate::cli::DoctorArgs;
use crate::output::{
    emit, render_doctor_findings, render_findings, to_json, DocumentMeta, OutputFormat,
};
use crate::target::{not_found, ObjectArg};
use crate::{CliError, CmdResult};
use netdoctor_core::model::{self, Cluster};
use netdoctor_core::rules::{self, RunOptions, SuppressedCounts};
use netdoctor_core::sim::service::{pod_services, selected_pods, service_report};
use netdoctor_core::{Finding, ObjectRef};
use std::collections::HashSet;

pub fn run(args: DoctorArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    // The gates are checked before anything is read: a mistyped rule is a usage error, never
    // a run that checks nothing and passes.
    let only = rules::select::resolve_all(&args.only)
        .map_err(|e| CliError::usage(format!("--only: {e}")))?;
    let skip = rules::select::resolve_all(&args.skip)
        .map_err(|e| CliError::usage(format!("--skip: {e}")))?;
    let suppressions = crate::ci::read_config(args.config.as_deref())?;
    // Live, without -n/-A: read the namespace of the object asked about.
    let object_ns: Vec<String> = args
        .object
        .as_deref()
        .and_then(ObjectArg::spelled_namespace)
        .into_iter()
        .collect();
    if let Some(o) = &args.object {
        // A malformed argument is a usage error before anything is read.
        ObjectArg::parse_in(o, "default")?;
    }
    let input = args.input.read_for(verbose, &object_ns)?;
    let cluster = &*input.cluster;
    let options = RunOptions {
        namespaces: input.scope.clone(),
        only: only.iter().map(|c| c.to_string()).collect(),
        skip: skip.iter().map(|c| c.to_string()).collect(),
        suppressions,
    };
    let report = rules::run_report(cluster, &options);
    let mut findings = report.findings;
    let mut suppressed = report.suppressed;
    // Every finding, for a pod's near-miss Services (only `doctor OBJECT` needs them).
    let all = if args.object.is_some() {
        findings.clone()
    } else {
        Vec::new()
    };
    let mut arg = None;
    if let Some(object) = &args.object {
        let a = ObjectArg::parse_in(object, &input.default_namespace)?;
        let related = related_objects(cluster, &a)?;
        findings.retain(|f| related.contains(&f.object));
        suppressed.retain(|s| related.contains(&s.finding.object));
        arg = Some(a);
    }
    // --fail-on judges every finding; --min-severity only decides what is printed.
    let mut hidden = Vec::new();
    if let Some(min) = args.min_severity {
        let (shown, below): (Vec<Finding>, Vec<Finding>) = findings
            .into_iter()
            .partition(|f| f.severity >= min.severity());
        findings = shown;
        hidden = below;
    }
    let counts = SuppressedCounts::of(&suppressed, hidden.len());
    let meta = DocumentMeta::new(input.inputs.clone());
    let text = match &arg {
        _ if format == OutputFormat::Html => {
            let title = match &args.object {
                Some(o) => format!("netdoctor report: {o}"),
                None => "netdoctor report".to_string(),
            };
            let mut report = crate::report::build(cluster, &input.scope, &findings, &title);
            report.focus = arg.as_ref().and_then(|a| focus_workload(cluster, a));
            report.suppressed =
                Some(crate::output::suppressed_line(&counts)).filter(|l| !l.is_empty());
            crate::report::render(&report)
        }
        _ if format == OutputFormat::Sarif => {
            let locate = sarif::locate_in(cluster);
            to_json(&sarif::render_with_suppressed(
                &findings,
                &suppressed,
                &locate,
            ))?
        }
        _ if format == OutputFormat::Junit => {
            let ran: Vec<&'static rules::Rule> = rules::RULES
                .iter()
                .copied()
                .filter(|r| only.is_empty() || only.contains(&r.code))
                .filter(|r| !skip.contains(&r.code))
                .collect();
            junit::render(&junit::JunitInput {
                cluster,
                rules: ran,
                namespaces: &input.scope,
                findings: &findings,
                suppressed: &suppressed,
                fail_on: args.fail_on.threshold(),
            })
            .map_err(CliError::usage)?
        }
        Some(ObjectArg::Service { namespace, name }) => match cluster.service(namespace, name) {
            Some(svc) => {
                let extras = svc_report::Extras {
                    suppressed: counts,
                    meta: &meta,
                };
                svc_report::render_service(
                    format,
                    &service_report(cluster, svc),
                    &findings,
                    &extras,
                )?
            }
            None => render_findings(format, &findings, counts, &meta)?,
        },
        Some(ObjectArg::Pod { namespace, name }) => match cluster.pod_index(namespace, name) {
            Some(pi) => {
                let (pod, services, near) = pod_services(cluster, pi);
                // Findings of the Services that nearly select the pod explain why none does.
                let near_refs: HashSet<ObjectRef> = near
                    .iter()
                    .filter_map(|n| n.service.split_once('/'))
                    .map(|(ns, name)| ObjectRef::namespaced("Service", ns, name))
                    .collect();
                let extra: Vec<Finding> = all
                    .into_iter()
                    .filter(|f| near_refs.contains(&f.object) && !findings.contains(f))
                    .filter(|f| args.min_severity.is_none_or(|m| f.severity >= m.severity()))
                    .collect();
                findings.extend(extra);
                rules::sort(&mut findings);
                let network = netdoctor_core::sim::pod_report::pod_network(cluster, pi);
                let extras = svc_report::Extras {
                    suppressed: counts,
                    meta: &meta,
                };
                svc_report::render_pod(
                    format, &pod, &services, &near, &network, &findings, &extras,
                )?
            }
            None => render_findings(format, &findings, counts, &meta)?,
        },
        Some(_) => render_findings(format, &findings, counts, &meta)?,
        None => render_doctor_findings(
            format,
            &findings,
            counts,
            &meta,
            verbose || !args.only.is_empty(),
        )?,
    };
    emit(format, &text)?;
    let threshold = args.fail_on.threshold();
    Ok(exit_code(&findings, threshold).max(exit_code(&hidden, threshold)))
}

/// The graph node (connlist name) of the workload a pod, workload or Service argument is
/// about, for the HTML report to select when it opens.
fn focus_workload(cluster: &Cluster, arg: &ObjectArg) -> Option<String> {
    let pod = match arg {
        ObjectArg::Pod { .. } | ObjectArg::Workload { .. } => {
            arg.pods(cluster).ok()?.into_iter().next()?
        }
        ObjectArg::Service { namespace, name } => {
            selected_pods(cluster, cluster.service(namespace, name)?)
                .into_iter()
                .next()?
        }
        _ => return None,
    };
    cluster.pods().get(pod).map(model::connlist_name)
}

pub fn exit_code(findings: &[Finding], threshold: Option<netdoctor_core::Severity>) -> u8 {
    match threshold {
        Some(t) if findings.iter().any(|f| f.severity >= t) => crate::exit::FINDINGS,
        _ => crate::exit::OK,
    }
}

/// The objects whose findings concern `arg` (`model::related_objects`): checks that the
/// object exists and finds the pods it stands for.
pub fn related_objects(cluster: &Cluster, arg: &ObjectArg) -> Result<HashSet<ObjectRef>, CliError> {
    let Some(me) = arg.object_ref() else {
        return Err(CliError::usage(
            "doctor takes an object (NS/POD, NS/KIND/NAME), not an IP",
        ));
    };
    let pods =
        match arg {
            ObjectArg::Pod { .. } | ObjectArg::Workload { .. } => arg.pods(cluster)?,
            ObjectArg::Service { namespace, name } => {
                let svc = cluster
                    .service(namespace, name)
                    .ok_or_else(|| not_found(cluster, "service", namespace, name))?;
                selected_pods(cluster, svc)
            }
            ObjectArg::Ingress { namespace, name } => {
                if !cluster
                    .ingresses()
                    .iter()
                    .any(|i| &i.namespace == namespace && &i.name == name)
                {
                    return Err(not_found(cluster, "ingress", namespace, name));
                }
                Vec::new()
            }
            ObjectArg::NetworkPolicy { namespace, name } => {
                if !cluster
                    .policies()
                    .iter()
                    .any(|p| &p.namespace == namespace && &p.name == name)
                {
                    return Err(not_found(cluster, "networkpolicy", namespace, name));
                }
                Vec::new()
            }
            ObjectArg::Gateway { namespace, name } => {
                if !cluster
                    .gateways()
                    .iter()
                    .any(|g| &g.namespace == namespace && &g.name == name)
                {
                    return Err(not_found(cluster, "gateway", namespace, name));
                }
                Vec::new()
            }
            ObjectArg::Route {
                kind,
                namespace,
                name,
            } => {
                if !cluster.routes().iter().any(|r| {
                    r.kind.as_str() == *kind && &r.namespace == namespace && &r.name == name
                }) {
                    return Err(not_found(
                        cluster,
                        &kind.to_ascii_lowercase(),
                        namespace,
                        name,
                    ));
                }
                Vec::new()
            }
            ObjectArg::Ip(_) => Vec::new(),
        };
    Ok(model::related_objects(cluster, &me, &pods))
}

//! `netdoctor doctor [OBJECT]`: every check over the scope, or what concerns one object.

use super::svc_report;
use crate::cli::DoctorArgs;
use crate::output::{emit, render_doctor_findings, render_findings, OutputFormat};
use crate::target::{not_found, ObjectArg};
use crate::{CliError, CmdResult};
use netdoctor_core::model::{self, Cluster};
use netdoctor_core::rules::{self, RunOptions};
use netdoctor_core::sim::service::{pod_services, selected_pods, service_report};
use netdoctor_core::{Finding, ObjectRef};
use std::collections::HashSet;

pub fn run(args: DoctorArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    // Live, without -n/-A: read the namespace of the object asked about.
    let object_ns: Vec<String> = args
        .object
        .as_deref()
        .and_then(|o| ObjectArg::parse(o).ok())
        .and_then(|a| a.object_ref().and_then(|r| r.namespace.clone()))
        .into_iter()
        .collect();
    let input = args.input.read_for(verbose, &object_ns)?;
    let cluster = &*input.cluster;
    let options = RunOptions {
        namespaces: input.scope.clone(),
        only: args.only.clone(),
    };
    let mut findings = rules::run(cluster, &options);
    // Every finding, for a pod's near-miss Services (only `doctor OBJECT` needs them).
    let all = if args.object.is_some() {
        findings.clone()
    } else {
        Vec::new()
    };
    let mut arg = None;
    if let Some(object) = &args.object {
        let a = ObjectArg::parse(object)?;
        let related = related_objects(cluster, &a)?;
        findings.retain(|f| related.contains(&f.object));
        arg = Some(a);
    }
    let text = match &arg {
        _ if format == OutputFormat::Html => {
            let title = match &args.object {
                Some(o) => format!("netdoctor report: {o}"),
                None => "netdoctor report".to_string(),
            };
            let mut report = crate::report::build(cluster, &input.scope, &findings, &title);
            report.focus = arg.as_ref().and_then(|a| focus_workload(cluster, a));
            crate::report::render(&report)
        }
        Some(ObjectArg::Service { namespace, name }) => match cluster.service(namespace, name) {
            Some(svc) => {
                svc_report::render_service(format, &service_report(cluster, svc), &findings)?
            }
            None => render_findings(format, &findings)?,
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
                    .collect();
                findings.extend(extra);
                rules::sort(&mut findings);
                let network = netdoctor_core::sim::pod_report::pod_network(cluster, pi);
                svc_report::render_pod(format, &pod, &services, &near, &network, &findings)?
            }
            None => render_findings(format, &findings)?,
        },
        Some(_) => render_findings(format, &findings)?,
        None => render_doctor_findings(format, &findings, verbose || !args.only.is_empty())?,
    };
    emit(format, &text)?;
    Ok(exit_code(&findings, args.fail_on.threshold()))
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
    let pods = match arg {
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
        ObjectArg::Ip(_) => Vec::new(),
    };
    Ok(model::related_objects(cluster, &me, &pods))
}

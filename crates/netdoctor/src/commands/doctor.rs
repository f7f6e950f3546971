//! `netdoctor doctor [OBJECT]`: every check over the scope, or what concerns one object.

use super::svc_report;
use crate::cli::DoctorArgs;
use crate::output::{emit, render_findings, OutputFormat};
use crate::target::{not_found, ObjectArg};
use crate::{CliError, CmdResult};
use netdoctor_core::model::{Cluster, IngressBackend};
use netdoctor_core::rules::{self, RunOptions};
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
    let cluster = &input.cluster;
    let options = RunOptions {
        namespaces: input.scope.clone(),
        only: args.only.clone(),
    };
    let mut findings = rules::run(cluster, &options);
    let all = findings.clone();
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
            Some(svc) => svc_report::render_service(
                format,
                &svc_report::service_report(cluster, svc),
                &findings,
            )?,
            None => render_findings(format, &findings)?,
        },
        Some(ObjectArg::Pod { namespace, name }) => match cluster.pod_index(namespace, name) {
            Some(pi) => {
                let (pod, services, near) = svc_report::pod_services(cluster, pi);
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
        _ => render_findings(format, &findings)?,
    };
    emit(&text)?;
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
            let sel = cluster.service(namespace, name)?.selector()?;
            cluster.pods_matching(namespace, &sel).into_iter().next()?
        }
        _ => return None,
    };
    cluster
        .pods
        .get(pod)
        .map(netdoctor_core::sim::netpol::workload_name)
}

pub fn exit_code(findings: &[Finding], threshold: Option<netdoctor_core::Severity>) -> u8 {
    match threshold {
        Some(t) if findings.iter().any(|f| f.severity >= t) => crate::exit::FINDINGS,
        _ => crate::exit::OK,
    }
}

/// The objects whose findings concern `arg`: the object itself, and what traffic to or from
/// it depends on (its workload, the Services that select it, the policies that select it,
/// the Ingresses that route to those Services).
pub fn related_objects(cluster: &Cluster, arg: &ObjectArg) -> Result<HashSet<ObjectRef>, CliError> {
    let mut out = HashSet::new();
    let Some(me) = arg.object_ref() else {
        return Err(CliError::usage(
            "doctor takes an object (NS/POD, NS/KIND/NAME), not an IP",
        ));
    };
    let ns = me.namespace.clone().unwrap_or_default();
    let pods = match arg {
        ObjectArg::Pod { .. } | ObjectArg::Workload { .. } => arg.pods(cluster)?,
        ObjectArg::Service { namespace, name } => {
            let svc = cluster
                .service(namespace, name)
                .ok_or_else(|| not_found(cluster, "service", namespace, name))?;
            svc.selector()
                .map(|sel| cluster.pods_matching(namespace, &sel))
                .unwrap_or_default()
        }
        ObjectArg::Ingress { namespace, name } => {
            if !cluster
                .ingresses
                .iter()
                .any(|i| &i.namespace == namespace && &i.name == name)
            {
                return Err(not_found(cluster, "ingress", namespace, name));
            }
            Vec::new()
        }
        ObjectArg::NetworkPolicy { namespace, name } => {
            if !cluster
                .policies
                .iter()
                .any(|p| &p.namespace == namespace && &p.name == name)
            {
                return Err(not_found(cluster, "networkpolicy", namespace, name));
            }
            Vec::new()
        }
        ObjectArg::Ip(_) => Vec::new(),
    };
    out.insert(me.clone());
    let mut services: HashSet<String> = HashSet::new();
    if let ObjectArg::Service { name, .. } = arg {
        services.insert(name.clone());
    }
    for &pi in &pods {
        let pod = &cluster.pods[pi];
        out.insert(ObjectRef::namespaced("Pod", &pod.namespace, &pod.name));
        if let Some(wi) = pod.workload {
            let w = &cluster.workloads[wi];
            out.insert(ObjectRef::namespaced(
                w.kind.as_str(),
                &w.namespace,
                &w.name,
            ));
        }
        for svc in cluster
            .services
            .iter()
            .filter(|s| s.namespace == pod.namespace)
        {
            if svc.selector().is_some_and(|sel| sel.matches(&pod.labels)) {
                services.insert(svc.name.clone());
            }
        }
        for pol in cluster.policies_in(&pod.namespace) {
            if pol.pod_selector.matches(&pod.labels) {
                out.insert(ObjectRef::namespaced(
                    "NetworkPolicy",
                    &pol.namespace,
                    &pol.name,
                ));
            }
        }
    }
    for s in &services {
        out.insert(ObjectRef::namespaced("Service", &ns, s));
    }
    for ing in cluster.ingresses.iter().filter(|i| i.namespace == ns) {
        let routes_here = ing
            .rules
            .iter()
            .flat_map(|r| r.paths.iter().map(|p| &p.backend))
            .chain(ing.default_backend.iter())
            .any(|b| matches!(b, IngressBackend::Service { name, .. } if services.contains(name)));
        if routes_here {
            out.insert(ObjectRef::namespaced("Ingress", &ing.namespace, &ing.name));
        }
    }
    // Gateway API routes (any namespace) with a backendRef to one of those Services.
    for r in &cluster.routes {
        let routes_here = r
            .rules
            .iter()
            .flat_map(|rule| rule.backends.iter())
            .any(|b| b.is_service() && b.namespace == ns && services.contains(&b.name));
        if routes_here {
            out.insert(ObjectRef::namespaced(
                r.kind.as_str(),
                &r.namespace,
                &r.name,
            ));
        }
    }
    Ok(out)
}

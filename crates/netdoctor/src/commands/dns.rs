//! `netdoctor dns resolve NAME --from SRC` and `netdoctor dns check`.

use crate::cli::FailOn;
use crate::input::InputArgs;
use crate::output::{
    emit, findings_markdown, findings_table, md_cell, structured, style, OutputFormat,
};
use crate::target::ObjectArg;
use crate::{CliError, CmdResult};
use clap::{Args, Subcommand};
use netdoctor_core::rules::{self, RunOptions, RULES};
use netdoctor_core::sim::dns::{
    self, ClusterDns, ClusterDnsSummary, Libc, QType, Rcode, Request, Resolution,
};
use netdoctor_core::text::escape::{markdown_code, terminal_safe as safe};
use netdoctor_core::{Finding, Summary};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Args)]
pub struct DnsArgs {
    #[command(subcommand)]
    pub command: DnsCommand,
}

#[derive(Debug, Subcommand)]
pub enum DnsCommand {
    /// The queries a pod's resolver sends for NAME, in order, and what cluster DNS answers
    /// to each.
    ///
    /// Without --type the pod is modelled calling getaddrinfo (A and AAAA in parallel for
    /// each candidate name, as glibc and musl do); --type asks for one record type.
    #[command(after_help = crate::help::DNS_RESOLVE)]
    Resolve(ResolveArgs),
    /// Health of cluster DNS: CoreDNS pods, the kube-dns Service and its endpoints, the
    /// Corefile, NetworkPolicies in the way.
    #[command(after_help = crate::help::DNS_CHECK)]
    Check(CheckArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LibcArg {
    Glibc,
    Musl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum TypeArg {
    A,
    Aaaa,
    Srv,
    Ptr,
    Cname,
    Txt,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The name as the client types it: short (`api-service`), `svc.ns`, an FQDN (with or
    /// without the final dot), an external name, or an address (for PTR).
    pub name: String,

    /// The pod that resolves: NS/POD or NS/KIND/NAME (any pod of the workload).
    #[arg(long = "from", value_name = "SRC")]
    pub from: String,

    /// One record type: A, AAAA, SRV, PTR, CNAME, TXT (default: A and AAAA, as getaddrinfo).
    #[arg(long = "type", value_name = "TYPE", ignore_case = true)]
    pub qtype: Option<TypeArg>,

    /// The client's C library: its search algorithm differs (musl stops at the first
    /// answer that is not NXDOMAIN and never searches names with ndots or more dots).
    #[arg(long = "libc", default_value = "glibc")]
    pub libc: LibcArg,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Exit 1 when a finding has at least this severity: error, warning, info, or none.
    #[arg(long = "fail-on", default_value = "error")]
    pub fail_on: FailOn,
}

pub fn run(args: DnsArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    match args.command {
        DnsCommand::Resolve(a) => resolve(a, format, verbose),
        DnsCommand::Check(a) => check(a, format, verbose),
    }
}

fn resolve(args: ResolveArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    ObjectArg::parse_in(&args.from, "default")?;
    let spelled: Vec<String> = ObjectArg::spelled_namespace(&args.from)
        .into_iter()
        .collect();
    let input = args.input.read_for(verbose, &spelled)?;
    let cluster = &*input.cluster;
    let src = ObjectArg::parse_in(&args.from, &input.default_namespace)?;
    if matches!(src, ObjectArg::Ip(_)) {
        return Err(CliError::usage(
            "--from takes a pod (NS/POD) or a workload (NS/KIND/NAME): an address has no resolv.conf",
        ));
    }
    let pods = src.pods(cluster)?;
    let Some(&pi) = pods.first() else {
        return Err(CliError::usage(format!("{} has no pods", args.from)));
    };
    let pod = &cluster.pods()[pi];
    let request = match args.qtype {
        None => Request::Addresses,
        Some(t) => Request::Type(match t {
            TypeArg::A => QType::A,
            TypeArg::Aaaa => QType::Aaaa,
            TypeArg::Srv => QType::Srv,
            TypeArg::Ptr => QType::Ptr,
            TypeArg::Cname => QType::Cname,
            TypeArg::Txt => QType::Txt,
        }),
    };
    let libc = match args.libc {
        LibcArg::Glibc => Libc::Glibc,
        LibcArg::Musl => Libc::Musl,
    };
    let cdns = ClusterDns::of(cluster);
    let r = dns::resolve(cluster, &cdns, pod, &args.name, request, libc);
    let text = match structured(format, &crate::output::Document::new(&r, &input.inputs)) {
        Some(t) => t?,
        None => match format {
            OutputFormat::Table | OutputFormat::Txt => resolution_text(&r, false),
            OutputFormat::Md => resolution_text(&r, true),
            other => return Err(other.unsupported("dns resolve")),
        },
    };
    emit(format, &text)?;
    Ok(if r.result.answered() {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

fn rcode_styled(r: Rcode) -> String {
    let s = r.as_str();
    match r {
        Rcode::NoError => style::paint(style::GOOD, s),
        Rcode::Forwarded => style::paint(style::INFO, s),
        Rcode::NxDomain | Rcode::ServFail => style::paint(style::ERROR, s),
    }
}

/// The human view: the pod's resolv.conf, the ordered queries with their answers, the result
/// and the count of wasted queries.
pub fn resolution_text(r: &Resolution, md: bool) -> String {
    let mut s = String::new();
    resolv_conf_text(&mut s, r, md);
    if md {
        queries_markdown(&mut s, r);
    } else {
        queries_text(&mut s, r);
    }
    result_text(&mut s, r, md);
    if let Some(name) = &r.did_you_mean {
        let name = if md {
            markdown_code(name)
        } else {
            safe(name).into_owned()
        };
        let _ = writeln!(s, "did you mean {name}?");
    }
    if !r.assumptions.is_empty() {
        s.push('\n');
    }
    for a in &r.assumptions {
        let _ = writeln!(
            s,
            "{}{a}",
            if md {
                "- **assumed:** ".to_string()
            } else {
                format!("{} ", style::paint(style::WARNING, "assumed:"))
            }
        );
    }
    if !r.steps.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            if md {
                "## Steps\n".to_string()
            } else {
                style::paint(style::BOLD, "steps")
            }
        );
        for st in &r.steps {
            let st = st.to_string();
            let st = if md {
                md_cell(&st)
            } else {
                safe(&st).into_owned()
            };
            let _ = writeln!(s, "{}{st}", if md { "- " } else { "  - " });
        }
    }
    s
}

/// The title and the pod's resolv.conf with its notes.
fn resolv_conf_text(s: &mut String, r: &Resolution, md: bool) {
    let rc = &r.resolv_conf;
    let applied = if rc.dns_policy != rc.effective_policy {
        format!(", applied as {}", rc.effective_policy)
    } else {
        String::new()
    };
    if md {
        let _ = writeln!(
            s,
            "# dns resolve {} from {} ({}, {})\n",
            markdown_code(&r.name),
            markdown_code(&r.from),
            r.libc.as_str(),
            r.qtype
        );
        let _ = writeln!(
            s,
            "## resolv.conf (dnsPolicy {}{applied})\n\n```",
            rc.dns_policy
        );
    } else {
        let _ = writeln!(
            s,
            "{} {} from {} ({}, {})\n",
            style::paint(style::BOLD, "dns resolve"),
            safe(&r.name),
            safe(&r.from),
            r.libc.as_str(),
            r.qtype
        );
        let _ = writeln!(
            s,
            "{} (dnsPolicy {}{applied})",
            style::paint(style::BOLD, "resolv.conf"),
            rc.dns_policy
        );
    }
    let indent = if md { "" } else { "  " };
    if !rc.search.is_empty() {
        let _ = writeln!(s, "{indent}search {}", safe(&rc.search.join(" ")));
    }
    if rc.nameservers.is_empty() {
        let _ = writeln!(s, "{indent}# nameserver: unknown (the node's resolver)");
    }
    for n in &rc.nameservers {
        let _ = writeln!(s, "{indent}nameserver {}", safe(&n.to_string()));
    }
    if !rc.options.is_empty() {
        let _ = writeln!(s, "{indent}options {}", safe(&rc.options.join(" ")));
    }
    if md {
        s.push_str("```\n\n");
    }
    for n in &rc.notes {
        let n = if md { md_cell(n) } else { safe(n).into_owned() };
        let _ = writeln!(s, "{}{n}", if md { "- " } else { "  note: " });
    }
    s.push('\n');
}

fn queries_markdown(s: &mut String, r: &Resolution) {
    s.push_str(
        "## Queries\n\n| # | name | type | rcode | answers | why |\n|---|---|---|---|---|---|\n",
    );
    for (i, q) in r.queries.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {}{} | {} | {} |",
            i + 1,
            markdown_code(&q.name),
            q.qtype.as_str(),
            q.rcode.as_str(),
            if q.wasted { " (wasted)" } else { "" },
            md_cell(&q.answers.join(", ")),
            md_cell(q.note.as_deref().unwrap_or(""))
        );
    }
}

fn queries_text(s: &mut String, r: &Resolution) {
    let _ = writeln!(s, "{}", style::paint(style::BOLD, "queries (in order)"));
    if r.queries.is_empty() {
        s.push_str("  none\n");
    }
    let width = r.queries.iter().map(|q| q.name.len()).max().unwrap_or(0);
    for (i, q) in r.queries.iter().enumerate() {
        let answers = if q.answers.is_empty() {
            String::new()
        } else {
            format!(" {}", safe(&q.answers.join(", ")))
        };
        let _ = writeln!(
            s,
            "  {:>2}. {:<width$}  {:<5} {}{}{}",
            i + 1,
            safe(&q.name),
            q.qtype.as_str(),
            rcode_styled(q.rcode),
            answers,
            if q.wasted {
                style::paint(style::DIM, "  (wasted)")
            } else {
                String::new()
            },
        );
        if let Some(n) = &q.note {
            let _ = writeln!(s, "      {}", style::paint(style::DIM, &safe(n)));
        }
    }
}

/// `result: RCODE answers  (N queries, M wasted)`.
fn result_text(s: &mut String, r: &Resolution, md: bool) {
    let answers = if r.result.timeout {
        " (no reply: the lookup times out)".to_string()
    } else if r.result.answers.is_empty() && r.result.rcode == Rcode::NoError {
        " (no records: NODATA, the name does not resolve)".to_string()
    } else if r.result.answers.is_empty() {
        String::new()
    } else {
        let joined = r.result.answers.join(", ");
        let joined = if md {
            md_cell(&joined)
        } else {
            safe(&joined).into_owned()
        };
        format!(" {joined}")
    };
    let _ = writeln!(
        s,
        "\n{} {}{}  ({} quer{}, {} wasted)",
        if md {
            "**result:**".to_string()
        } else {
            style::paint(style::BOLD, "result:")
        },
        if md {
            r.result.rcode.as_str().to_string()
        } else {
            rcode_styled(r.result.rcode)
        },
        answers,
        r.queries.len(),
        if r.queries.len() == 1 { "y" } else { "ies" },
        r.wasted
    );
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct CheckReport<'a> {
    cluster_dns: ClusterDnsSummary,
    findings: &'a [Finding],
    summary: Summary,
    /// Findings found and not listed (the `netdoctor.io/ignore` annotation, `.netdoctor.yaml`).
    suppressed: rules::SuppressedCounts,
}

fn check(args: CheckArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    let input = args.input.read(verbose)?;
    let cluster = &*input.cluster;
    // The DNS rules, and the NetworkPolicy rule about DNS egress when it is registered.
    let only: Vec<String> = RULES
        .iter()
        .filter(|r| r.area == rules::Area::Dns || r.code == "NP001")
        .map(|r| r.code.to_string())
        .collect();
    let run = rules::run_report(
        cluster,
        &RunOptions {
            namespaces: input.scope.clone(),
            only,
            // The suppression config of the working directory, as `doctor` reads it.
            suppressions: crate::ci::read_config(None)?,
            ..RunOptions::default()
        },
    );
    let findings = run.findings;
    let suppressed = rules::SuppressedCounts::of(&run.suppressed, 0);
    let report = CheckReport {
        cluster_dns: ClusterDnsSummary::of(cluster, &ClusterDns::of(cluster)),
        findings: &findings,
        summary: Summary::of(&findings),
        suppressed,
    };
    let text = match structured(
        format,
        &crate::output::Document::new(&report, &input.inputs),
    ) {
        Some(t) => t?,
        None => {
            let head = check_header(&report.cluster_dns, format == OutputFormat::Md);
            match format {
                OutputFormat::Table | OutputFormat::Txt => format!(
                    "{head}\n{}{}",
                    findings_table(&findings),
                    crate::output::suppressed_line(&suppressed)
                ),
                OutputFormat::Md => format!(
                    "{head}\n{}{}",
                    findings_markdown(&findings),
                    crate::output::suppressed_line(&suppressed)
                ),
                other => return Err(other.unsupported("dns check")),
            }
        }
    };
    emit(format, &text)?;
    Ok(crate::commands::doctor::exit_code(
        &findings,
        args.fail_on.threshold(),
    ))
}

fn check_header(v: &ClusterDnsSummary, md: bool) -> String {
    let mut lines = vec![
        format!("cluster domain: {}", v.domain),
        format!(
            "service: {} ({})",
            v.service.as_deref().unwrap_or("none found"),
            if v.service_ips.is_empty() {
                "no ClusterIP".to_string()
            } else {
                v.service_ips.join(", ")
            }
        ),
        format!(
            "pods' nameserver: {}",
            if v.nameservers.is_empty() {
                "unknown".to_string()
            } else {
                v.nameservers.join(", ")
            }
        ),
        format!("DNS pods ready: {}/{}", v.pods_ready, v.pods_total),
    ];
    if let Some(a) = &v.assumed {
        lines.push(format!("assumed: {a}"));
    }
    if v.corefile.present {
        lines.push(format!(
            "Corefile: kubernetes {} (pods {}), forward {}, loop {}",
            if v.corefile.kubernetes_zones.is_empty() {
                "none".to_string()
            } else {
                v.corefile.kubernetes_zones.join(" ")
            },
            v.corefile.pods.unwrap_or("-"),
            if v.corefile.forward.is_empty() {
                "none".to_string()
            } else {
                v.corefile.forward.join("; ")
            },
            if v.corefile.has_loop { "yes" } else { "no" }
        ));
        for p in &v.corefile.not_understood {
            lines.push(format!("Corefile not understood: {p}"));
        }
    } else {
        lines.push("Corefile: not in the input (kubeadm default assumed)".into());
    }
    if let Some(n) = &v.nodelocal {
        lines.push(format!(
            "NodeLocal DNSCache: {} on {}",
            n.evidence,
            n.addresses.join(", ")
        ));
    }
    let mut s = String::new();
    if md {
        s.push_str("# Cluster DNS\n\n");
        for l in lines {
            let _ = writeln!(s, "- {}", md_cell(&l));
        }
    } else {
        let _ = writeln!(s, "{}", style::paint(style::BOLD, "cluster DNS"));
        for l in lines {
            let _ = writeln!(s, "  {}", safe(&l));
        }
    }
    s
}

//! `netdoctor policy check` and `netdoctor policy map`: NetworkPolicy verdicts and the map of
//! allowed connections (the connlist format with `-o txt`).

use crate::input::InputArgs;
use crate::output::{emit, md_cell, structured, style, OutputFormat};
use crate::target::{not_found, ObjectArg};
use crate::{CliError, CmdResult};
use clap::{Args, Subcommand};
use netdoctor_core::model::{Cluster, Protocol};
use netdoctor_core::sim::netpol::{
    address_owner, check_pairs, check_pairs_to_service, compact_map, connectivity_map, decide,
    format_txt, representatives, AddressOwner, CheckedPair, Connection, Endpoint, Engine,
    FlowVerdict, MapOptions, MapUnknown, ServiceCheckError, SideVerdict,
};
use netdoctor_core::text::escape::terminal_safe as safe;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Is this connection allowed by NetworkPolicy, and which policies and rules decide it.
    ///
    /// SRC: `NS/POD`, `NS/KIND/NAME` (the pods of a workload) or an IP. DST: the same, or
    /// `NS/service/NAME`, evaluated after DNAT against each backend pod on its target port.
    /// Exit 0 when allowed, 1 when denied or unknown (a policy kind netdoctor does not model,
    /// such as a CiliumNetworkPolicy or an Istio AuthorizationPolicy, governs an end).
    #[command(after_help = crate::help::POLICY_CHECK)]
    Check(CheckArgs),
    /// Every allowed workload-to-workload (and external) connection.
    ///
    /// `-o txt` prints the connlist format (`src => dst : conn`), `-o csv`, `-o md`, `-o dot`,
    /// `-o json` (`{"connections": [...]}`), `-o html`; the default table aligns the columns.
    #[command(after_help = crate::help::POLICY_MAP)]
    Map(MapArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The client: NS/POD, NS/KIND/NAME, or an IP.
    #[arg(long = "from", value_name = "SRC")]
    pub from: String,

    /// The server: NS/POD, NS/KIND/NAME, NS/service/NAME, or an IP.
    #[arg(long = "to", value_name = "DST")]
    pub to: String,

    /// The destination port, optionally with the protocol: 8080, 53/udp, 9000/sctp.
    #[arg(long = "port", value_name = "PORT[/PROTO]")]
    pub port: String,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Treat hostNetwork pods like other pods (as np-guard netpol-analyzer does). By default
    /// they are node traffic, which pod policies do not govern.
    #[arg(long = "host-network-as-pods")]
    pub host_network_as_pods: bool,
}

pub fn run(args: PolicyArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    match args.command {
        PolicyCommand::Check(a) => check(a, format, verbose),
        PolicyCommand::Map(a) => map(a, format, verbose),
    }
}

fn parse_port(s: &str) -> Result<(u16, Protocol), CliError> {
    let (num, proto) = match s.split_once('/') {
        Some((n, p)) => (
            n,
            Protocol::parse(p).ok_or_else(|| {
                CliError::usage(format!(
                    "--port {s:?}: protocol {p:?} is not tcp, udp or sctp"
                ))
            })?,
        ),
        None => (s, Protocol::Tcp),
    };
    let port =
        num.parse::<u16>().ok().filter(|&p| p > 0).ok_or_else(|| {
            CliError::usage(format!("--port {s:?}: {num:?} is not a port (1-65535)"))
        })?;
    Ok((port, proto))
}

/// The `policy check` JSON: docs/interface.md's fields from the deciding pair, plus every pair.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct CheckReport {
    allowed: bool,
    /// Present when `unknown` (docs/interface.md): `allowed` is then false.
    #[serde(skip_serializing_if = "FlowVerdict::is_known")]
    verdict: FlowVerdict,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unknown_reasons: Vec<String>,
    port: u16,
    protocol: &'static str,
    egress: SideVerdict,
    ingress: SideVerdict,
    from: String,
    to: String,
    checks: Vec<CheckedPair>,
}

/// The connection ends an argument stands for: an address, or the representatives of a
/// pod's or workload's pods.
fn endpoints(c: &Cluster, engine: &Engine<'_>, arg: &ObjectArg) -> Result<Vec<Endpoint>, CliError> {
    match arg {
        ObjectArg::Ip(ip) => Ok(vec![Endpoint::Ip(*ip)]),
        ObjectArg::Pod { .. } | ObjectArg::Workload { .. } => {
            Ok(representatives(engine, arg.pods(c)?))
        }
        other => Err(CliError::usage(format!(
            "{} cannot be a connection end: use a pod, a workload, a Service (as --to) or an IP",
            other
                .object_ref()
                .map(|o| o.to_string())
                .unwrap_or_default()
        ))),
    }
}

/// An IP argument as what it addresses: its pod, or as destination its Service (DNAT).
fn resolve_ip(c: &Cluster, arg: ObjectArg, as_destination: bool) -> ObjectArg {
    let ObjectArg::Ip(ip) = arg else { return arg };
    match address_owner(c, ip, as_destination) {
        AddressOwner::Service(svc) => ObjectArg::Service {
            namespace: svc.namespace.clone(),
            name: svc.name.clone(),
        },
        AddressOwner::Pod(p) => ObjectArg::Pod {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
        },
        AddressOwner::Unknown => arg,
    }
}

/// The namespaces a check between two named objects in files depends on: theirs. A
/// NetworkPolicy applies only to pods of its own namespace and peers are matched by the
/// Namespace objects' labels, which are cluster-scoped (so kept), as are the cluster-wide
/// policy tiers. None (read everything) for a live cluster, which already lists only the
/// named namespaces, and for an IP address, whose owner could be in any namespace.
fn question_namespaces(args: &CheckArgs) -> Option<Vec<String>> {
    if args.input.files.is_empty() {
        return None;
    }
    let default = args.input.namespace.as_deref().unwrap_or("default");
    let mut namespaces = Vec::new();
    for arg in [&args.from, &args.to] {
        let parsed = ObjectArg::parse_in(arg, default).ok()?;
        if matches!(parsed, ObjectArg::Ip(_)) {
            return None;
        }
        namespaces.push(parsed.object_ref()?.namespace?);
    }
    namespaces.dedup();
    Some(namespaces)
}

fn check(args: CheckArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    if matches!(
        format,
        OutputFormat::Html | OutputFormat::Txt | OutputFormat::Csv | OutputFormat::Dot
    ) {
        return Err(format.unsupported("policy check"));
    }
    let (port, proto) = parse_port(&args.port)?;
    ObjectArg::parse_in(&args.from, "default")?;
    ObjectArg::parse_in(&args.to, "default")?;
    let mut spelled: Vec<String> = [&args.from, &args.to]
        .into_iter()
        .filter_map(|a| ObjectArg::spelled_namespace(a))
        .collect();
    spelled.dedup();
    let input = match question_namespaces(&args) {
        Some(namespaces) => args.input.read_only(verbose, &namespaces)?,
        None => args.input.read_for(verbose, &spelled)?,
    };
    let c = &*input.cluster;
    let from_arg = ObjectArg::parse_in(&args.from, &input.default_namespace)?;
    let to_arg = ObjectArg::parse_in(&args.to, &input.default_namespace)?;
    let from_arg = resolve_ip(c, from_arg, false);
    let to_arg = resolve_ip(c, to_arg, true);
    let engine = Engine::new(c);
    let sources = endpoints(c, &engine, &from_arg)?;
    let pairs = match &to_arg {
        ObjectArg::Service { namespace, name } => {
            if c.service(namespace, name).is_none() {
                return Err(not_found(c, "service", namespace, name));
            }
            check_pairs_to_service(&engine, &sources, namespace, name, port, proto).map_err(
                |e| match e {
                    ServiceCheckError::Unresolvable(message) => CliError::usage(message),
                    ServiceCheckError::NoBackends => CliError {
                        code: crate::exit::FINDINGS,
                        message: format!(
                            "Service {namespace}/{name} selects no pods: there is no backend to connect to (see `netdoctor doctor {namespace}/service/{name}`)"
                        ),
                    },
                },
            )?
        }
        _ => {
            let dests = endpoints(c, &engine, &to_arg)?;
            check_pairs(&engine, &sources, &dests, port, proto)
        }
    };
    let decision = decide(&pairs);
    let report = CheckReport {
        allowed: decision.allowed,
        verdict: decision.verdict,
        unknown_reasons: decision.unknown_reasons,
        port,
        protocol: proto.as_str(),
        egress: decision.egress,
        ingress: decision.ingress,
        from: args.from.clone(),
        to: args.to.clone(),
        checks: pairs,
    };
    let text = match structured(
        format,
        &crate::output::Document::new(&report, &input.inputs),
    ) {
        Some(t) => t?,
        None => human_check(&report, format == OutputFormat::Md),
    };
    emit(format, &text)?;
    // Unknown is never success (docs/interface.md).
    Ok(if report.allowed {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

/// The status of a side in a cluster with AdminNetworkPolicies, BaselineAdminNetworkPolicies
/// or ClusterNetworkPolicies: the tier that decided it, and the rule.
fn tier_status(name: &str, side: &SideVerdict) -> Option<String> {
    use netdoctor_core::sim::netpol::{describe_match, Direction};
    let dir = if name == "ingress" {
        Direction::Ingress
    } else {
        Direction::Egress
    };
    let verdict = if side.allowed { "allowed" } else { "DENIED" };
    let passed = side
        .passed_by
        .as_ref()
        .map(|m| format!("passed by {}; ", describe_match(m, dir)))
        .unwrap_or_default();
    Some(match (side.tier?, &side.cluster_rule) {
        ("admin", Some(m)) => format!("admin tier: {}: {verdict}", describe_match(m, dir)),
        ("baseline", Some(m)) => {
            format!(
                "{passed}baseline tier: {}: {verdict}",
                describe_match(m, dir)
            )
        }
        ("networkpolicy", _) => format!(
            "{passed}NetworkPolicy: isolated by {}: {verdict}",
            side.policies.join(", ")
        ),
        ("default", Some(m)) => format!(
            "{passed}baseline tier: {} hands it to the default: {verdict}",
            describe_match(m, dir)
        ),
        ("default", None) if side.subject_to_policies => {
            format!("{passed}no admin rule, NetworkPolicy or baseline rule decides: {verdict} by default")
        }
        _ => return None,
    })
}

fn side_lines(out: &mut String, name: &str, who: &str, side: &SideVerdict, md: bool) {
    let status = if let Some(t) = tier_status(name, side) {
        t
    } else if !side.subject_to_policies {
        "not governed by pod policies".to_string()
    } else if !side.isolated {
        "not isolated: allowed".to_string()
    } else if side.allowed {
        format!("isolated by {}: allowed", side.policies.join(", "))
    } else {
        format!("isolated by {}: DENIED", side.policies.join(", "))
    };
    let bullet = if md { "- " } else { "    " };
    let status = if side.not_modelled.is_empty() {
        status
    } else {
        format!(
            "{status}; also governed by {} (not modelled)",
            side.not_modelled.join(", ")
        )
    };
    let esc = |t: &str| {
        if md {
            md_cell(t)
        } else {
            safe(t).into_owned()
        }
    };
    let _ = writeln!(
        out,
        "{}{name} of {}: {}",
        if md { "- " } else { "  " },
        esc(who),
        esc(&status)
    );
    for line in &side.explanation {
        let mark = if line.ends_with(": matches") {
            "→ "
        } else if line.contains(" allows it") {
            "✓ "
        } else if line.contains(" does not match ")
            || line.contains(" allows nothing")
            || line.contains(" but not ")
        {
            "✗ "
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}{bullet}{mark}{}",
            if md { "  " } else { "" },
            esc(line)
        );
    }
}

fn human_check(r: &CheckReport, md: bool) -> String {
    let esc = |t: &str| {
        if md {
            md_cell(t)
        } else {
            safe(t).into_owned()
        }
    };
    let mut out = String::new();
    let verdict = match r.verdict {
        FlowVerdict::Allowed => style::paint(style::GOOD, "ALLOWED"),
        FlowVerdict::Denied => style::paint(style::ERROR, "DENIED"),
        FlowVerdict::Unknown => style::paint(style::WARNING, "UNKNOWN"),
    };
    if md {
        let _ = writeln!(
            out,
            "## {} → {} ({} {}): {}\n",
            esc(&r.from),
            esc(&r.to),
            r.protocol,
            r.port,
            r.verdict.as_str()
        );
    } else {
        let _ = writeln!(
            out,
            "{} → {} ({} {}): {verdict}",
            esc(&r.from),
            esc(&r.to),
            r.protocol,
            r.port
        );
    }
    for reason in &r.unknown_reasons {
        let _ = writeln!(out, "{}{reason}", if md { "- " } else { "  " });
    }
    if r.verdict == FlowVerdict::Unknown {
        let _ = writeln!(
            out,
            "{}netdoctor evaluates NetworkPolicy only: the sides below say what NetworkPolicy alone decides",
            if md { "- " } else { "  " }
        );
    }
    for p in &r.checks {
        let port = match p.target_port {
            Some(t) if t != r.port => format!(" (target port {t})"),
            _ => String::new(),
        };
        let head = esc(&format!("{} → {}{port}", p.from, p.to));
        match (&p.verdict, &p.problem) {
            (_, Some(problem)) => {
                let _ = writeln!(
                    out,
                    "{}{head}: not evaluated: {}",
                    if md { "### " } else { "" },
                    esc(&problem.to_string())
                );
            }
            (Some(v), None) => {
                let _ = writeln!(
                    out,
                    "{}{head}: {}",
                    if md { "\n### " } else { "\n" },
                    v.verdict.as_str()
                );
                side_lines(&mut out, "egress", &p.from, &v.egress, md);
                side_lines(&mut out, "ingress", &p.to, &v.ingress, md);
            }
            (None, None) => {}
        }
    }
    if r.verdict == FlowVerdict::Denied {
        let port = r
            .checks
            .iter()
            .find_map(|c| c.target_port)
            .unwrap_or(r.port);
        let mut hints = Vec::new();
        for (dir, side) in [("egress", &r.egress), ("ingress", &r.ingress)] {
            match (side.tier, &side.cluster_rule) {
                (Some("admin"), Some(m)) if !side.allowed => hints.push(format!(
                    "the admin tier denies the {dir} ({} {}, rule {}): no NetworkPolicy can admit it; add an Allow (or Pass) rule before it, in a policy with a lower priority number, or narrow the Deny",
                    m.kind, m.policy, m.rule
                )),
                (Some("baseline"), Some(m)) if !side.allowed => hints.push(format!(
                    "the baseline tier denies the {dir} ({} {}, rule {}): a NetworkPolicy selecting the pod that admits it takes precedence over the baseline",
                    m.kind, m.policy, m.rule
                )),
                _ => {}
            }
        }
        if !r.egress.allowed && r.egress.isolated {
            hints.push(format!(
                "add an egress rule to {} that admits {} on {} {port}",
                r.egress.policies.join(" or "),
                r.to,
                r.protocol,
            ));
        }
        if !r.ingress.allowed && r.ingress.isolated {
            hints.push(format!(
                "add an ingress rule to {} (or a new policy selecting the destination) that admits {} on {} {port}",
                r.ingress.policies.join(" or "),
                r.from,
                r.protocol,
            ));
        }
        for h in hints {
            let _ = writeln!(out, "{}fix: {}", if md { "\n- " } else { "\n" }, esc(&h));
        }
    }
    out
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct MapRow<'a> {
    src: &'a str,
    dst: &'a str,
    conn: String,
    /// Present when `unknown` (docs/interface.md).
    #[serde(skip_serializing_if = "FlowVerdict::is_known")]
    verdict: FlowVerdict,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unknown_reasons: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct MapReport<'a> {
    connections: Vec<MapRow<'a>>,
    /// Workloads whose connections a policy kind netdoctor does not model governs: other
    /// connections than the listed ones may exist, and listed ones may not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unknown: Vec<String>,
}

fn map(args: MapArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    let input = args.input.read(verbose)?;
    let c = &*input.cluster;
    let mut engine = Engine::new(c);
    engine.host_network_as_pods = args.host_network_as_pods;
    let options = MapOptions {
        namespaces: input.scope.clone(),
        ..MapOptions::default()
    };
    let unknown = MapUnknown::new(&engine);
    if format == OutputFormat::Html {
        // The page takes the compact form: no line of the map is materialised.
        let map = compact_map(&engine, &options);
        let page =
            crate::report::build_from(&engine, &map, &input.scope, None, "netdoctor policy map");
        emit(format, &crate::report::render(&page))?;
        // A map with unknown connections is never success (docs/interface.md).
        return Ok(if unknown.is_empty() {
            crate::exit::OK
        } else {
            crate::exit::FINDINGS
        });
    }
    let conns = connectivity_map(&engine, &options);
    let rows: Vec<MapRow<'_>> = conns
        .iter()
        .map(|x| {
            let reasons = unknown.reasons(&x.src, &x.dst);
            MapRow {
                src: &x.src,
                dst: &x.dst,
                conn: if reasons.is_empty() {
                    x.conn.to_string()
                } else {
                    format!("{} (unknown)", x.conn)
                },
                verdict: if reasons.is_empty() {
                    FlowVerdict::Allowed
                } else {
                    FlowVerdict::Unknown
                },
                unknown_reasons: reasons,
            }
        })
        .collect();
    let summary = unknown.summary();
    let footer = |prefix: &str| -> String {
        summary
            .iter()
            .map(|l| format!("{prefix}{l}\n"))
            .collect::<String>()
    };
    let text = match format {
        OutputFormat::Txt if summary.is_empty() => format_txt(&conns),
        OutputFormat::Txt => {
            let mut s = String::new();
            for r in &rows {
                let _ = writeln!(s, "{} => {} : {}", r.src, r.dst, r.conn);
            }
            s + &footer("note: ")
        }
        OutputFormat::Json | OutputFormat::Yaml => structured(
            format,
            &crate::output::Document::new(
                &MapReport {
                    connections: rows,
                    unknown: summary.clone(),
                },
                &input.inputs,
            ),
        )
        .unwrap_or_else(|| Ok(String::new()))?,
        OutputFormat::Csv => {
            let mut s = String::from("src,dst,conn\n");
            for r in &rows {
                let _ = writeln!(s, "{},{},{}", csv(r.src), csv(r.dst), csv(&r.conn));
            }
            s
        }
        OutputFormat::Md => {
            let mut s = String::from("| src | dst | conn |\n|-----|-----|------|\n");
            for r in &rows {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    md_cell(r.src),
                    md_cell(r.dst),
                    md_cell(&r.conn)
                );
            }
            s + &footer("\n- ")
        }
        OutputFormat::Dot => dot(&conns, &unknown),
        OutputFormat::Table => table(&rows) + &footer("note: "),
        other => return Err(other.unsupported("policy map")),
    };
    emit(format, &text)?;
    // A map with unknown connections is never success (docs/interface.md).
    Ok(if summary.is_empty() {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

fn csv(s: &str) -> String {
    if s.contains(',') || s.contains('"') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn table(rows: &[MapRow<'_>]) -> String {
    if rows.is_empty() {
        return "No connections are allowed.\n".to_string();
    }
    let w1 = rows.iter().map(|r| r.src.len()).max().unwrap_or(3).max(3);
    let w2 = rows.iter().map(|r| r.dst.len()).max().unwrap_or(3).max(3);
    let mut s = format!(
        "{}\n",
        style::paint(style::BOLD, &format!("{:w1$}  {:w2$}  CONN", "SRC", "DST"))
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:w1$}  {:w2$}  {}",
            safe(r.src),
            safe(r.dst),
            safe(&r.conn)
        );
    }
    let _ = writeln!(s, "{} connection(s)", rows.len());
    s
}

/// Graphviz, one cluster per namespace, as netpol-analyzer draws it.
fn dot(conns: &[Connection], unknown: &MapUnknown) -> String {
    use std::collections::BTreeMap;
    let mut by_ns: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    let mut others: std::collections::BTreeSet<&str> = Default::default();
    for c in conns {
        for (name, ns) in [(&c.src, &c.src_namespace), (&c.dst, &c.dst_namespace)] {
            match ns {
                Some(ns) => {
                    by_ns.entry(ns.as_str()).or_default().insert(name.as_str());
                }
                None => {
                    others.insert(name.as_str());
                }
            }
        }
    }
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\\\""));
    let mut s = String::from("digraph {\n");
    for (ns, nodes) in &by_ns {
        let _ = writeln!(
            s,
            "\tsubgraph {} {{",
            q(&format!("cluster_{ns}[namespace]"))
        );
        s.push_str("\t\tcolor=\"black\"\n\t\tfontcolor=\"black\"\n");
        for n in nodes {
            let label = n.split_once('/').map(|(_, r)| r).unwrap_or(n);
            let _ = writeln!(
                s,
                "\t\t{} [label={} color=\"blue\" fontcolor=\"blue\"]",
                q(n),
                q(label)
            );
        }
        let _ = writeln!(s, "\t\tlabel={}\n\t}}", q(&format!("{ns}[namespace]")));
    }
    for n in &others {
        let colour = if n.ends_with("[External]") {
            "red2"
        } else {
            "blue"
        };
        let _ = writeln!(
            s,
            "\t{} [label={} color=\"{colour}\" fontcolor=\"{colour}\"]",
            q(n),
            q(n)
        );
    }
    for c in conns {
        let unknown = !unknown.reasons(&c.src, &c.dst).is_empty();
        let label = if unknown {
            format!("{} (unknown)", c.conn)
        } else {
            c.conn.to_string()
        };
        let _ = writeln!(
            s,
            "\t{} -> {} [label={} color=\"{}\" fontcolor=\"darkgreen\" weight=0.5{}]",
            q(&c.src),
            q(&c.dst),
            q(&label),
            if unknown { "gray50" } else { "gold2" },
            if unknown { " style=\"dashed\"" } else { "" }
        );
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_with_and_without_protocol() {
        assert_eq!(parse_port("8080").unwrap(), (8080, Protocol::Tcp));
        assert_eq!(parse_port("53/udp").unwrap(), (53, Protocol::Udp));
        assert_eq!(parse_port("9000/SCTP").unwrap(), (9000, Protocol::Sctp));
        assert!(parse_port("0").is_err());
        assert!(parse_port("70000").is_err());
        assert!(parse_port("53/icmp").is_err());
    }

    #[test]
    fn csv_quotes_fields_with_commas() {
        assert_eq!(csv("TCP 80,UDP 53"), "\"TCP 80,UDP 53\"");
        assert_eq!(csv("All Connections"), "All Connections");
    }
}

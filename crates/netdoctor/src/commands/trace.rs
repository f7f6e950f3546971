//! `netdoctor trace --from SRC --to TARGET`: the whole path, hop by hop, the first hop that
//! fails, the symptom the client sees and the fix.

use crate::input::InputArgs;
use crate::output::{emit, md_cell, structured, style, OutputFormat};
use crate::target::ObjectArg;
use crate::{CliError, CmdResult};
use clap::Args;
use netdoctor_core::model::Protocol;
use netdoctor_core::rules::evidence::{explain_trace, TraceReport};
use netdoctor_core::sim::dns::Libc;
use netdoctor_core::sim::ingress::HopStatus;
use netdoctor_core::sim::trace::{self, Source, Target, TraceOptions};
use netdoctor_core::text::escape::{
    markdown_code, markdown_fence, terminal_safe as safe, terminal_safe_lines as safe_lines,
};
use std::fmt::Write as _;

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Where the traffic starts: a pod `NS/POD`, a workload `NS/KIND/NAME` (one of its pods),
    /// or an address outside the cluster (`203.0.113.7`).
    #[arg(long = "from", value_name = "SRC")]
    pub from: String,

    /// What the client connects to: a URL (`http://api-service:8080/health`) or `HOST:PORT`,
    /// where HOST is any name as the client would type it (short, `svc.ns`, FQDN) or an IP.
    #[arg(long = "to", value_name = "TARGET")]
    pub to: String,

    /// Transport protocol of the connection.
    #[arg(long = "protocol", default_value = "tcp", value_parser = ["tcp", "udp", "sctp"])]
    pub protocol: String,

    /// The source's C library, whose resolver decides the DNS query sequence.
    #[arg(long = "libc", default_value = "glibc", value_parser = ["glibc", "musl"])]
    pub libc: String,

    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(args: TraceArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    let target = Target::parse(&args.to).map_err(CliError::usage)?;
    ObjectArg::parse_in(&args.from, "default")?;
    let spelled: Vec<String> = ObjectArg::spelled_namespace(&args.from)
        .into_iter()
        .collect();
    let input = args.input.read_for(verbose, &spelled)?;
    let cluster = &*input.cluster;
    let source = match ObjectArg::parse_in(&args.from, &input.default_namespace)? {
        ObjectArg::Ip(ip) => match cluster.pods_by_ip(ip).next() {
            // An address that is a pod's: trace from that pod.
            Some(p) => Source::Pod(cluster.pod_index(&p.namespace, &p.name).unwrap_or_default()),
            None => Source::External(ip),
        },
        arg @ (ObjectArg::Pod { .. } | ObjectArg::Workload { .. }) => {
            let pods = arg.pods(cluster)?;
            // A workload: the first ready pod (any pod when none is ready).
            let pick = pods
                .iter()
                .copied()
                .find(|&i| cluster.pods()[i].ready)
                .or_else(|| pods.first().copied())
                .ok_or_else(|| CliError::usage(format!("{} has no pods", args.from)))?;
            Source::Pod(pick)
        }
        _ => {
            return Err(CliError::usage(
                "--from takes a pod (NS/POD), a workload (NS/KIND/NAME) or an IP",
            ))
        }
    };
    let options = TraceOptions {
        protocol: Protocol::parse(&args.protocol).unwrap_or(Protocol::Tcp),
        libc: Libc::parse(&args.libc).unwrap_or(Libc::Glibc),
    };
    // The simulation names what it touched; one rules run explains it.
    let result = explain_trace(cluster, trace::trace(cluster, source, &target, &options));
    let doc = crate::output::Document::new(&result, &input.inputs);
    let text = match structured(format, &doc) {
        Some(r) => r?,
        None => match format {
            OutputFormat::Table | OutputFormat::Txt => human(&result),
            OutputFormat::Md => markdown(&result),
            other => return Err(other.unsupported("trace")),
        },
    };
    emit(format, &text)?;
    Ok(if result.reachable {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

fn mark(status: HopStatus) -> String {
    match status {
        HopStatus::Pass => style::paint(style::GOOD, "pass"),
        HopStatus::Fail => style::paint(style::ERROR, "FAIL"),
        HopStatus::Warn => style::paint(style::WARNING, "warn"),
        HopStatus::Skip => style::paint(style::DIM, "skip"),
    }
}

pub fn human(t: &TraceReport) -> String {
    let mut s = format!(
        "{} {} → {}\n\n",
        style::paint(style::BOLD, "trace"),
        safe(&t.from),
        safe(&t.to)
    );
    for h in &t.hops {
        let _ = writeln!(
            s,
            "  {} {:<15} {}",
            mark(h.status),
            h.step,
            safe_lines(&h.detail)
        );
    }
    s.push('\n');
    let verdict = if t.reachable {
        style::paint(style::GOOD, "reachable")
    } else if !t.unknown_reasons.is_empty() {
        style::paint(style::WARNING, "UNKNOWN")
    } else if t.intermittent {
        style::paint(style::WARNING, "INTERMITTENT")
    } else {
        style::paint(style::ERROR, "NOT reachable")
    };
    let _ = writeln!(s, "{verdict}: {} ({})", t.symptom, t.symptom.describe());
    for r in &t.unknown_reasons {
        let _ = writeln!(s, "  {} {r}", style::paint(style::WARNING, "unknown:"));
    }
    for b in &t.backends {
        let _ = writeln!(
            s,
            "  {} {} {}:{} {}",
            if b.reachable { "✔" } else { "✘" },
            safe(&b.pod),
            safe(b.ip.as_deref().unwrap_or("-")),
            b.port,
            safe_lines(&b.detail)
        );
    }
    for n in &t.notes {
        let _ = writeln!(
            s,
            "  {} {}",
            style::paint(style::DIM, "note:"),
            safe_lines(n)
        );
    }
    if let Some(fix) = &t.fix {
        let _ = writeln!(
            s,
            "\n{} {}",
            style::paint(style::GOOD, "fix:"),
            safe_lines(&fix.title)
        );
        for c in &fix.commands {
            let _ = writeln!(s, "  $ {}", safe(c));
        }
        if let Some(y) = &fix.yaml {
            for line in y.lines() {
                let _ = writeln!(s, "  {}", safe(line));
            }
        }
    }
    if !t.findings.is_empty() {
        let _ = writeln!(s, "\nrelated findings:");
        for f in &t.findings {
            let _ = writeln!(
                s,
                "  {}[{}] {}: {}",
                f.severity,
                f.code,
                safe(&f.object.to_string()),
                safe_lines(&f.message)
            );
        }
    }
    s
}

fn markdown(t: &TraceReport) -> String {
    let mut s = format!(
        "# trace {} → {}\n\n**{}**: `{}` ({})\n\n| step | status | detail |\n|---|---|---|\n",
        markdown_code(&t.from),
        markdown_code(&t.to),
        if t.reachable {
            "reachable"
        } else if t.unknown_reasons.is_empty() {
            "not reachable"
        } else {
            "unknown"
        },
        t.symptom,
        t.symptom.describe()
    );
    for h in &t.hops {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            h.step,
            h.status.as_str(),
            md_cell(&h.detail)
        );
    }
    if !t.unknown_reasons.is_empty() {
        s.push('\n');
    }
    for r in &t.unknown_reasons {
        let _ = writeln!(s, "- unknown: {r}");
    }
    if let Some(fix) = &t.fix {
        let _ = writeln!(s, "\n## Fix\n\n{}\n", md_cell(&fix.title));
        if !fix.commands.is_empty() {
            let _ = writeln!(s, "{}", markdown_fence("sh", &fix.commands.join("\n")));
        }
        if let Some(y) = &fix.yaml {
            let _ = writeln!(s, "{}", markdown_fence("yaml", y.trim_end()));
        }
    }
    s
}

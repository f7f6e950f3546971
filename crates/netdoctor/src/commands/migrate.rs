//! `netdoctor migrate-check`: does the Gateway API state serve every URL the Ingress state
//! defines the way it did? Every difference side by side; exit 1 on any.

use crate::input::InputArgs;
use crate::output::{emit, md_cell, structured, style, OutputFormat};
use crate::{CliError, CmdResult};
use clap::Args;
use netdoctor_core::sim::ingress::RouteOptions;
use netdoctor_core::sim::migrate::{migrate_check, Answer, MigrateOptions, MigrateReport};
use netdoctor_core::text::escape::terminal_safe as safe;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The old state (Ingresses): a file or directory, repeatable. Without it, the input
    /// (-f, or the live cluster) holds both the Ingresses and the Gateway API objects.
    #[arg(long = "base", value_name = "PATH")]
    pub base: Vec<PathBuf>,

    /// Compare with this Gateway (`NS/NAME`); default: the Gateway that serves each host.
    #[arg(long = "gateway", value_name = "NS/NAME")]
    pub gateway: Option<String>,

    /// Route the old state as the controller of this IngressClass.
    #[arg(long = "ingress-class", value_name = "CLASS")]
    pub ingress_class: Option<String>,

    /// List every URL compared, not only those that differ (table and md).
    #[arg(long = "all")]
    pub all: bool,

    /// The new state (Gateway API objects), or both states when --base is not given.
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(args: MigrateArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    let gateway = match &args.gateway {
        Some(g) => match g.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Some((ns.to_string(), name.to_string()))
            }
            _ => {
                return Err(CliError::usage(format!(
                    "--gateway {g:?}: expected NS/NAME"
                )))
            }
        },
        None => None,
    };
    let new = args.input.read(verbose)?;
    let old = if args.base.is_empty() {
        None
    } else {
        let mut base = args.input.clone();
        base.files = args.base.clone();
        Some(base.read(verbose)?)
    };
    let old_cluster = old.as_ref().map_or(&new.cluster, |o| &o.cluster);
    let opts = MigrateOptions {
        ingress: RouteOptions {
            ingress_class: args.ingress_class.clone(),
        },
        gateway,
    };
    let report = migrate_check(old_cluster, &new.cluster, &opts);
    let text = match structured(format, &report) {
        Some(r) => r?,
        None => match format {
            OutputFormat::Table | OutputFormat::Txt => render_table(&report, args.all),
            OutputFormat::Md => render_md(&report, args.all),
            other => return Err(other.unsupported("migrate-check")),
        },
    };
    emit(format, &text)?;
    Ok(if report.differing == 0 {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

fn describe(a: &Answer) -> String {
    let mut s = a.symptom.as_str().to_string();
    if !a.backends.is_empty() {
        s.push_str(&format!(" → {}", a.backends.join(", ")));
    }
    if let Some(r) = &a.redirect {
        s.push_str(&format!(" redirect {r}"));
    }
    if let Some(u) = &a.upstream {
        s.push_str(&format!(" (backend receives {u})"));
    }
    if let Some(v) = &a.via {
        s.push_str(&format!(" [{v}]"));
    }
    s
}

fn render_table(r: &MigrateReport, all: bool) -> String {
    let mut s = String::new();
    for c in r.urls.iter().filter(|c| all || !c.differences.is_empty()) {
        let mark = if c.differences.is_empty() {
            style::paint(style::GOOD, "=")
        } else {
            style::paint(style::ERROR, "≠")
        };
        let _ = writeln!(s, "{mark} {}", style::paint(style::BOLD, &safe(&c.url)));
        let _ = writeln!(s, "    from     {}", safe(&c.source));
        let _ = writeln!(s, "    ingress  {}", safe(&describe(&c.ingress)));
        let _ = writeln!(s, "    gateway  {}", safe(&describe(&c.gateway)));
        if !c.differences.is_empty() {
            let _ = writeln!(s, "    differs  {}", c.differences.join(", "));
            if let Some(d) = &c.gateway.detail {
                let _ = writeln!(s, "    why      {}", safe(d));
            }
        }
    }
    let lost: Vec<_> = r
        .annotations
        .iter()
        .filter(|a| a.equivalent.is_none())
        .collect();
    if !r.annotations.is_empty() {
        let _ = writeln!(s, "annotations:");
        for a in &r.annotations {
            let _ = writeln!(
                s,
                "  {} {} {}: {}",
                safe(&a.ingress),
                safe(&a.annotation),
                safe(&format!("{:?}", a.value)),
                match a.equivalent {
                    Some(e) => format!(
                        "{e}{}",
                        if a.compared {
                            ""
                        } else {
                            " (not compared: check it by hand)"
                        }
                    ),
                    None => "no Gateway API equivalent: this behaviour is lost".into(),
                }
            );
        }
    }
    for n in &r.notes {
        let _ = writeln!(s, "{} {}", style::paint(style::DIM, "note:"), safe(n));
    }
    let verdict = if r.differing == 0 {
        style::paint(style::GOOD, "equivalent")
    } else {
        style::paint(style::ERROR, "different")
    };
    let _ = writeln!(
        s,
        "{verdict}: {} of {} URLs differ; {} annotation(s) without Gateway API equivalent",
        r.differing,
        r.urls.len(),
        lost.len()
    );
    s
}

fn render_md(r: &MigrateReport, all: bool) -> String {
    let mut s = format!(
        "# migrate-check\n\n**{} of {} URLs differ**\n\n| URL | Ingress | Gateway | differs |\n|---|---|---|---|\n",
        r.differing,
        r.urls.len()
    );
    for c in r.urls.iter().filter(|c| all || !c.differences.is_empty()) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            md_cell(&c.url),
            md_cell(&describe(&c.ingress)),
            md_cell(&describe(&c.gateway)),
            c.differences.join(", ")
        );
    }
    if !r.annotations.is_empty() {
        s.push_str("\n| Ingress | annotation | Gateway API equivalent |\n|---|---|---|\n");
        for a in &r.annotations {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                md_cell(&a.ingress),
                md_cell(&a.annotation),
                md_cell(a.equivalent.unwrap_or("none"))
            );
        }
    }
    s
}

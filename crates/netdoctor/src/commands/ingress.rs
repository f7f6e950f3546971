//! `netdoctor ingress route URL`: which Ingress rule and backend serve a URL, hop by hop.

use crate::cli::{IngressCommand, IngressRouteArgs};
use crate::output::{emit, md_cell, structured, style, OutputFormat};
use crate::{CliError, CmdResult};
use netdoctor_core::sim::edge::{self, EdgeOptions};
use netdoctor_core::sim::gateway::{route_connection, Connection, GwRouteOptions};
use netdoctor_core::sim::http::HttpRequest;
use netdoctor_core::sim::ingress::RouteOptions;
use netdoctor_core::sim::path::{HopStatus, Route, RouteVia, Symptom};
use netdoctor_core::text::escape::{
    markdown_safe, terminal_safe as safe, terminal_safe_lines as safe_lines,
};
use std::fmt::Write as _;

pub fn run(cmd: IngressCommand, format: OutputFormat, verbose: bool) -> CmdResult {
    match cmd {
        IngressCommand::Route(args) => run_route(args, format, verbose),
    }
}

fn run_route(args: IngressRouteArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    let conn = match Connection::parse(&args.url) {
        Some(c) => Some(c.map_err(CliError::usage)?),
        None => None,
    };
    let req = match &conn {
        Some(c) => HttpRequest::parse(&format!("http://{}:{}/", c.host, c.port))
            .map(|mut r| {
                r.url = c.url.clone();
                r.method = c.scheme.to_ascii_uppercase();
                r
            })
            .map_err(CliError::usage)?,
        None => request(&args).map_err(CliError::usage)?,
    };
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
    let input = args.input.read(verbose)?;
    let options = EdgeOptions {
        ingress: RouteOptions {
            ingress_class: args.ingress_class.clone(),
        },
        gateway: GwRouteOptions { gateway },
    };
    let result = match &conn {
        Some(c) => route_connection(&input.cluster, c, &options.gateway)
            .map(|r| r.to_route())
            .unwrap_or_else(|| no_gateway_for(c)),
        None => edge::route(&input.cluster, &req, &options),
    };
    let text = match structured(
        format,
        &crate::output::Document::new(&result, &input.inputs),
    ) {
        Some(r) => r?,
        None => match format {
            OutputFormat::Table | OutputFormat::Txt => render_table(&req, &result),
            OutputFormat::Md => render_md(&req, &result),
            other => return Err(other.unsupported("ingress route")),
        },
    };
    emit(format, &text)?;
    Ok(if result.symptom.is_answered() {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

/// A connection no Gateway listener serves.
fn no_gateway_for(c: &Connection) -> Route {
    Route {
        url: c.url.clone(),
        via: RouteVia::Gateway {
            gateway: None,
            listener: None,
            route: None,
            route_kind: None,
        },
        host: None,
        path: None,
        path_type: None,
        backend: None,
        symptom: Symptom::ConnectionRefused,
        hops: vec![netdoctor_core::sim::path::Hop::new(
            "ingress-rule",
            HopStatus::Fail,
            format!(
                "no Gateway has a {} listener on port {} (Ingress carries only HTTP)",
                c.scheme.to_ascii_uppercase(),
                c.port
            ),
        )],
        class: None,
        controller: None,
        notes: Vec::new(),
        backends: Vec::new(),
        unknown_reasons: Vec::new(),
        outcome: Default::default(),
    }
}

/// The request: the URL, each `-H 'Name: value'`, and the method.
fn request(args: &IngressRouteArgs) -> Result<HttpRequest, String> {
    let mut req = HttpRequest::parse_grpc(&args.url)?;
    for h in &args.headers {
        req = req.with_header_line(h)?;
    }
    Ok(req.with_method(&args.method))
}

fn mark(status: HopStatus) -> String {
    match status {
        HopStatus::Pass => style::paint(style::GOOD, "✓"),
        HopStatus::Fail => style::paint(style::ERROR, "✗"),
        HopStatus::Warn => style::paint(style::WARNING, "!"),
        HopStatus::Skip => style::paint(style::DIM, "-"),
    }
}

/// `production/app-ingress` or `gateway ns/gw, listener l, route ns/r`.
fn served_by(r: &Route) -> Option<String> {
    match &r.via {
        RouteVia::Ingress { ingress } => ingress.clone(),
        RouteVia::Gateway {
            gateway,
            listener,
            route,
            route_kind,
        } => Some(format!(
            "gateway {} listener {} {} {}",
            gateway.as_deref().unwrap_or("-"),
            listener.as_deref().unwrap_or("-"),
            route_kind.as_deref().unwrap_or("route"),
            route.as_deref().unwrap_or("-")
        )),
    }
}

fn verdict(r: &Route) -> String {
    let what = match r.symptom {
        Symptom::Ok => "served",
        Symptom::ConnectionRefused => "connection refused: nothing listens on that port",
        Symptom::Http404 => "404 Not Found",
        Symptom::Http500 => "500 Internal Server Error",
        Symptom::Http502 => "502 Bad Gateway",
        Symptom::Http503 => "503 Service Temporarily Unavailable",
        Symptom::Http504 => "504 Gateway Timeout",
        Symptom::NoAddress => "no address: nothing answers",
        s if s.is_redirect() => "redirect",
        // Client-side symptoms (`trace`); a route never ends in them.
        other => other.describe(),
    };
    let mut via = Vec::new();
    if let Some(s) = served_by(r) {
        via.push(s);
    }
    if let (Some(p), Some(t)) = (&r.path, &r.path_type) {
        via.push(format!("{p} ({t})"));
    }
    if let Some(b) = &r.backend {
        via.push(format!("{}:{}", b.service, b.port));
    }
    let mut line = if via.is_empty() {
        what.to_string()
    } else {
        format!("{what} via {}", via.join(" → "))
    };
    if let Some(red) = &r.outcome.redirect {
        line.push_str(&format!(": {} Location {}", red.status_code, red.location));
    }
    if let Some(u) = &r.outcome.upstream {
        line.push_str(&format!(
            "; the backend receives host {} path {}",
            u.host, u.path
        ));
    }
    if let Some(g) = &r.outcome.grpc_status {
        line.push_str(&format!("; gRPC status {} {}", g.code, g.name));
    }
    let st = if r.symptom.is_answered() {
        style::GOOD
    } else {
        style::ERROR
    };
    format!("{} {}", style::paint(st, r.symptom.as_str()), safe(&line))
}

fn render_table(req: &HttpRequest, r: &Route) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}",
        style::paint(style::BOLD, &safe(&req.method)),
        style::paint(style::BOLD, &safe(&r.url))
    );
    if let Some(class) = &r.class {
        let _ = writeln!(
            s,
            "  class {}{}",
            safe(class),
            r.controller
                .as_ref()
                .map(|c| format!(" (controller {})", safe(c)))
                .unwrap_or_default()
        );
    }
    let width = r.hops.iter().map(|h| h.step.len()).max().unwrap_or(0);
    for h in &r.hops {
        let _ = writeln!(
            s,
            "  {} {:<width$}  {}",
            mark(h.status),
            h.step,
            safe_lines(&h.detail),
            width = width
        );
    }
    for n in &r.notes {
        let _ = writeln!(
            s,
            "  {} {}",
            style::paint(style::DIM, "note:"),
            safe_lines(n)
        );
    }
    let _ = writeln!(s, "{}", verdict(r));
    s
}

fn render_md(req: &HttpRequest, r: &Route) -> String {
    let mut s = format!(
        "# {} {}\n\n**{}**\n\n| | step | detail |\n|---|---|---|\n",
        markdown_safe(&req.method),
        markdown_safe(&r.url),
        markdown_safe(&style::plain(&verdict(r)))
    );
    for h in &r.hops {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            h.status.as_str(),
            h.step,
            md_cell(&h.detail)
        );
    }
    if !r.notes.is_empty() {
        s.push_str("\nNotes:\n\n");
        for n in &r.notes {
            let _ = writeln!(s, "- {}", md_cell(n));
        }
    }
    s
}

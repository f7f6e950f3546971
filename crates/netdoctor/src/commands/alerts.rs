//! `netdoctor alerts [--plain]`: alert rules for what the monitor and CoreDNS export.

use crate::cli::AlertsArgs;
use crate::output::{emit, to_yaml, OutputFormat};
use crate::CmdResult;
use netdoctor_core::alerts::{groups, RuleGroup};
use serde::Serialize;

#[derive(Serialize)]
struct RulesFile {
    groups: Vec<RuleGroup>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrometheusRule {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: RulesFile,
}

#[derive(Serialize)]
struct Metadata {
    name: String,
    namespace: String,
    labels: std::collections::BTreeMap<String, String>,
}

pub fn run(args: AlertsArgs, format: OutputFormat) -> CmdResult {
    let rules = RulesFile { groups: groups() };
    let text = if args.plain {
        render(format, &rules)?
    } else {
        let labels = std::collections::BTreeMap::from([
            (
                "app.kubernetes.io/name".to_string(),
                "netdoctor".to_string(),
            ),
            ("release".to_string(), args.release_label.clone()),
        ]);
        render(
            format,
            &PrometheusRule {
                api_version: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: Metadata {
                    name: "netdoctor-network".into(),
                    namespace: args.namespace.clone(),
                    labels,
                },
                spec: rules,
            },
        )?
    };
    emit(
        if format == OutputFormat::Table {
            OutputFormat::Yaml
        } else {
            format
        },
        &text,
    )?;
    Ok(crate::exit::OK)
}

fn render<T: Serialize>(format: OutputFormat, value: &T) -> Result<String, crate::CliError> {
    match format {
        OutputFormat::Json => crate::output::to_json(value),
        OutputFormat::Table | OutputFormat::Yaml => to_yaml(value),
        other => Err(other.unsupported("alerts")),
    }
}

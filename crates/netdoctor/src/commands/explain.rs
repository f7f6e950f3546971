//! `netdoctor explain CODE`: the documentation of one check.

use crate::cli::ExplainArgs;
use crate::output::{emit, structured, style, OutputFormat};
use crate::{CliError, CmdResult};
use netdoctor_core::rules::{self, RuleInfo};

pub fn run(args: ExplainArgs, format: OutputFormat) -> CmdResult {
    let Some(rule) = rules::find(&args.code) else {
        let wanted = args.code.to_ascii_uppercase();
        let codes = rules::RULES.iter().map(|r| r.code);
        let mut hint = netdoctor_core::text::did_you_mean(&wanted, codes);
        if hint.is_empty() {
            let names = rules::RULES.iter().map(|r| r.name);
            hint = netdoctor_core::text::did_you_mean(&args.code, names);
        }
        return Err(CliError::usage(format!(
            "no rule {:?}{hint} (`netdoctor rules` lists them)",
            args.code
        )));
    };
    let text = match structured(format, &RuleInfo::from(rule)) {
        Some(r) => r?,
        None => format!(
            "{} {} ({})\n{}\n\n{}",
            style::paint(style::BOLD, rule.code),
            style::paint(style::BOLD, rule.name),
            rule.severity,
            rule.summary,
            rule.doc
        ),
    };
    emit(format, &text)?;
    Ok(crate::exit::OK)
}

//! `netdoctor explain CODE`: the documentation of one check.

use crate::cli::ExplainArgs;
use crate::output::{emit, structured, style, OutputFormat};
use crate::{CliError, CmdResult};
use netdoctor_core::rules::{self, RuleInfo};

pub fn run(args: ExplainArgs, format: OutputFormat) -> CmdResult {
    let Some(rule) = rules::find(&args.code) else {
        return Err(CliError::usage(format!(
            "no rule {:?}; `netdoctor rules` lists them",
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

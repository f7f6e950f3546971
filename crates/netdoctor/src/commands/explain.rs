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
    let doc = crate::output::ExplainDocument {
        rule: RuleInfo::from(rule),
        meta: crate::output::DocumentMeta::new(Vec::new()),
    };
    let text = match structured(format, &doc) {
        Some(r) => r?,
        None => format!(
            "{} {} ({})\n{}\n\n{}{}",
            style::paint(style::BOLD, rule.code),
            style::paint(style::BOLD, rule.name),
            rule.severity,
            rule.summary,
            rule.doc,
            silencing(rule.code, rule.name)
        ),
    };
    emit(format, &text)?;
    Ok(crate::exit::OK)
}

/// How to silence the rule, after its documentation.
fn silencing(code: &str, name: &str) -> String {
    format!(
        "\n## Silencing it\n\nOn one object, the annotation `netdoctor.io/ignore: \"{code}\"` (several codes \
         comma-separated). For a repository, `.netdoctor.yaml` (or `--config FILE`): `skip: [{code}]` \
         (or `{name}`), `severity: {{{code}: info}}`, or `ignore: {{namespaces: [...], objects: [NS/KIND/NAME]}}`. \
         For one run: `doctor --skip {code}`. Suppressed findings are counted in every output.\n"
    )
}

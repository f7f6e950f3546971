//! Output formats and the one way every command writes to stdout.

use crate::CliError;
use anstream::stream::IsTerminal;
use netdoctor_core::rules::SuppressedCounts;
use netdoctor_core::text::escape::{
    is_unsafe, markdown_code, markdown_fence, markdown_safe, terminal_guard, terminal_safe,
    terminal_safe_lines,
};
use netdoctor_core::{Finding, Severity, Summary};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Yaml,
    Md,
    Html,
    Txt,
    Csv,
    Dot,
    /// SARIF 2.1.0 (code scanning): `doctor` only.
    Sarif,
    /// JUnit XML (CI test reports): `doctor` only.
    Junit,
}

impl OutputFormat {
    pub fn name(self) -> String {
        format!("{self:?}").to_ascii_lowercase()
    }

    /// The usage error for a format a command does not offer.
    pub fn unsupported(self, command: &str) -> CliError {
        CliError::usage(format!(
            "`{command}` does not support -o {}",
            format!("{self:?}").to_ascii_lowercase()
        ))
    }
}

/// Writes to stdout. A closed pipe (`netdoctor … | head`) ends the program quietly.
///
/// Human formats (table, txt, md, csv) pass through `terminal_guard` first: renderers escape the
/// text they take from the input, and whatever one forgets still cannot reach the terminal as
/// a control sequence (only netdoctor's own colours and line breaks do).
pub fn emit(format: OutputFormat, text: &str) -> Result<(), CliError> {
    let text = match format {
        OutputFormat::Table | OutputFormat::Txt | OutputFormat::Md | OutputFormat::Csv => {
            terminal_guard(text)
        }
        _ => std::borrow::Cow::Borrowed(text),
    };
    let mut out = anstream::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError {
            code: crate::exit::OK,
            message: String::new(),
        }),
        Err(e) => Err(e.into()),
    }
}

pub fn to_json<T: Serialize>(value: &T) -> Result<String, CliError> {
    let s = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::usage(format!("cannot render JSON: {e}")))?;
    // serde_json escapes C0 controls; DEL, C1 controls and bidi overrides it writes as they
    // are. They only occur inside strings (JSON's own syntax is ASCII), where `\uXXXX` reads
    // back as the same character. Below DEL there is nothing to escape.
    if s.bytes().all(|b| b < 0x7f) {
        let mut s = s;
        s.push('\n');
        return Ok(s);
    }
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        if is_unsafe(c) && c != '\n' {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    Ok(out)
}

pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, CliError> {
    let usage = |e: &dyn std::fmt::Display| CliError::usage(format!("cannot render YAML: {e}"));
    let yaml = serde_saphyr::to_string(value).map_err(|e| usage(&e))?;
    if !yaml.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Ok(yaml);
    }
    let mut value = serde_json::to_value(value).map_err(|e| usage(&e))?;
    let mut unsafe_strings = Vec::new();
    let token = placeholder_prefix(&value);
    replace_unsafe_strings(&mut value, &token, &mut unsafe_strings);
    let mut yaml = serde_saphyr::to_string(&value).map_err(|e| usage(&e))?;
    // The emitter writes bidi overrides and C1 controls raw inside plain and quoted scalars
    // (YAML counts them printable). Every string holding one was swapped for a placeholder
    // before emitting; it goes back as a double-quoted scalar whose unsafe characters are
    // `\uXXXX` escapes, which YAML reads back as the same string.
    for (index, text) in unsafe_strings.iter().enumerate().rev() {
        yaml = yaml.replace(&format!("{token}{index}_"), &yaml_double_quoted(text));
    }
    Ok(yaml)
}

/// A prefix for placeholders that occurs nowhere in the value's strings.
fn placeholder_prefix(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut token = String::from("ndyamlesc_");
    while text.contains(&token) {
        token.insert(0, 'x');
    }
    token
}

/// Swaps every string (map keys included) holding a character `is_unsafe` rejects for
/// `{token}{index}_`, collecting the originals in `found`.
fn replace_unsafe_strings(value: &mut serde_json::Value, token: &str, found: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => {
            if let Some(placeholder) = placeholder_for(text, token, found) {
                *text = placeholder;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                replace_unsafe_strings(item, token, found);
            }
        }
        serde_json::Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                let key = placeholder_for(&key, token, found).unwrap_or(key);
                replace_unsafe_strings(&mut item, token, found);
                map.insert(key, item);
            }
        }
        _ => {}
    }
}

/// The placeholder of `text` when it holds an unsafe character (remembered in `found`).
fn placeholder_for(text: &str, token: &str, found: &mut Vec<String>) -> Option<String> {
    text.chars().any(is_unsafe).then(|| {
        found.push(text.to_string());
        format!("{token}{}_", found.len() - 1)
    })
}

/// A YAML double-quoted scalar of `text`: JSON's escaping (valid YAML escapes) with every
/// character `is_unsafe` rejects written as `\uXXXX`.
fn yaml_double_quoted(text: &str) -> String {
    let json = serde_json::Value::String(text.to_string()).to_string();
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON or YAML of a value; `None` for the other formats.
pub fn structured<T: Serialize>(
    format: OutputFormat,
    value: &T,
) -> Option<Result<String, CliError>> {
    match format {
        OutputFormat::Json => Some(to_json(value)),
        OutputFormat::Yaml => Some(to_yaml(value)),
        _ => None,
    }
}

/// Whether stdout is a terminal (for progress lines and the like; colour is handled by
/// anstream, which also honours NO_COLOR).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

pub mod style {
    use anstream::adapter::strip_str;
    use anstyle::{AnsiColor, Style};

    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
    pub const INFO: Style = AnsiColor::Cyan.on_default().bold();
    pub const BOLD: Style = Style::new().bold();
    pub const DIM: Style = Style::new().dimmed();
    pub const GOOD: Style = AnsiColor::Green.on_default().bold();

    pub fn paint(style: Style, text: &str) -> String {
        format!("{style}{text}{style:#}")
    }

    /// Text without escape sequences (for width computations in tests).
    #[allow(dead_code)]
    pub fn plain(text: &str) -> String {
        strip_str(text).to_string()
    }
}

/// A table as kubectl prints one: a header row in capitals, columns padded on the visible
/// width of their text (comfy-table measures the text, colour is added by it afterwards), no
/// borders, and on a terminal the last column wrapped to its width.
pub fn table(header: &[&str], rows: Vec<Vec<comfy_table::Cell>>) -> String {
    use comfy_table::{presets::NOTHING, Cell, ContentArrangement, Table};
    let mut t = Table::new();
    t.load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(|h| Cell::new(h.to_ascii_uppercase())));
    // anstream decides whether colour reaches the output (terminal, NO_COLOR).
    t.enforce_styling();
    if stdout_is_terminal() {
        if let Some((terminal_size::Width(w), _)) =
            terminal_size::terminal_size_of(std::io::stdout())
        {
            t.set_width(w);
        }
    } else {
        t.force_no_tty();
        t.enforce_styling();
    }
    for r in rows {
        t.add_row(r);
    }
    for c in t.column_iter_mut() {
        c.set_padding((0, 2));
    }
    let mut s: String = t.lines().map(|l| format!("{}\n", l.trim_end())).collect();
    if s.is_empty() {
        s.push('\n');
    }
    s
}

/// The comfy-table colour of a severity.
pub fn severity_cell(s: Severity) -> comfy_table::Cell {
    use comfy_table::{Attribute, Cell, Color};
    let color = match s {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Cyan,
    };
    Cell::new(s.to_string())
        .fg(color)
        .add_attribute(Attribute::Bold)
}

fn severity_style(s: Severity) -> anstyle::Style {
    match s {
        Severity::Error => style::ERROR,
        Severity::Warning => style::WARNING,
        Severity::Info => style::INFO,
    }
}

/// The version of the JSON documents' shapes (`docs/schema/`): raised when a field changes
/// meaning or is removed (fields are only added within a version).
pub const SCHEMA_VERSION: u32 = 1;

/// Fields every JSON (and YAML) document of an analysis carries (docs/interface.md).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DocumentMeta {
    pub schema_version: u32,
    pub netdoctor_version: &'static str,
    /// What was read: each file (as named on the command line or found under a -f
    /// directory), `<stdin>`, or the live cluster (`cluster SERVER (context NAME)`).
    pub inputs: Vec<String>,
}

impl DocumentMeta {
    pub fn new(inputs: Vec<String>) -> Self {
        DocumentMeta {
            schema_version: SCHEMA_VERSION,
            netdoctor_version: env!("CARGO_PKG_VERSION"),
            inputs,
        }
    }
}

/// A command's JSON document: its answer with the fields every document carries.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Document<'a, T> {
    #[serde(flatten)]
    pub body: &'a T,
    #[serde(flatten)]
    pub meta: DocumentMeta,
}

impl<'a, T> Document<'a, T> {
    pub fn new(body: &'a T, inputs: &[String]) -> Self {
        Document {
            body,
            meta: DocumentMeta::new(inputs.to_vec()),
        }
    }
}

/// The `explain` JSON: the rule, with the document's metadata (`inputs` is empty).
#[derive(Serialize, schemars::JsonSchema)]
pub struct ExplainDocument {
    #[serde(flatten)]
    pub rule: netdoctor_core::rules::RuleInfo,
    #[serde(flatten)]
    pub meta: DocumentMeta,
}

/// The doctor JSON of docs/interface.md.
#[derive(Serialize, schemars::JsonSchema)]
pub struct FindingsReport<'a> {
    pub findings: &'a [Finding],
    pub summary: Summary,
    /// Findings found and not reported, by cause.
    pub suppressed: SuppressedCounts,
    #[serde(flatten)]
    pub meta: DocumentMeta,
}

/// The line that says what was found and not shown, and why (empty when nothing was).
pub fn suppressed_line(s: &SuppressedCounts) -> String {
    if s.total == 0 {
        return String::new();
    }
    let mut parts = Vec::new();
    if s.annotation > 0 {
        parts.push(format!(
            "{} by netdoctor.io/ignore annotations",
            s.annotation
        ));
    }
    if s.config_skip > 0 {
        parts.push(format!("{} by the config's skip", s.config_skip));
    }
    if s.config_ignore > 0 {
        parts.push(format!("{} by the config's ignore", s.config_ignore));
    }
    if s.below_min_severity > 0 {
        parts.push(format!("{} below --min-severity", s.below_min_severity));
    }
    format!("{} suppressed: {}\n", s.total, parts.join(", "))
}

/// Findings the way a good linter prints them: severity and code, the object, one specific
/// sentence, the evidence, then the fix.
pub fn findings_table(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        write_finding(&mut s, f);
    }
    s.push_str(&summary_line(&Summary::of(findings)));
    s
}

fn write_finding(s: &mut String, f: &Finding) {
    let head = format!("{}[{}]", f.severity, f.code);
    let _ = writeln!(
        s,
        "{} {}: {}",
        style::paint(severity_style(f.severity), &head),
        style::paint(style::BOLD, &f.rule),
        terminal_safe(&f.object.to_string())
    );
    let _ = writeln!(s, "  {}", terminal_safe_lines(&f.message));
    for e in &f.evidence {
        let _ = writeln!(
            s,
            "  {} {}",
            style::paint(style::DIM, "·"),
            terminal_safe_lines(e)
        );
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            s,
            "  {} {}",
            style::paint(style::GOOD, "fix:"),
            terminal_safe_lines(&fix.title)
        );
        for c in &fix.commands {
            let _ = writeln!(s, "    $ {}", terminal_safe(c));
        }
        if let Some(y) = &fix.yaml {
            for line in y.lines() {
                let _ = writeln!(s, "    {}", terminal_safe(line));
            }
        }
    }
    s.push('\n');
}

/// At most this many findings of one rule are shown in `doctor`'s text output unless `-v` or
/// `--only` asks for the details.
pub const DETAILS_PER_RULE: usize = 5;

/// How many objects each rule's summary line names.
const WORST_OBJECTS: usize = 3;

/// The summary by rule `doctor` prints first: per rule its severity, code, name and count,
/// and the objects with the most findings of that rule (ties in the findings' order).
pub fn rule_summary(findings: &[Finding]) -> String {
    struct RuleLine<'f> {
        first: &'f Finding,
        count: usize,
        objects: Vec<(String, usize)>,
    }
    let mut rules: Vec<RuleLine<'_>> = Vec::new();
    for f in findings {
        let i = match rules.iter().position(|r| r.first.code == f.code) {
            Some(i) => i,
            None => {
                rules.push(RuleLine {
                    first: f,
                    count: 0,
                    objects: Vec::new(),
                });
                rules.len() - 1
            }
        };
        let r = &mut rules[i];
        r.count += 1;
        let name = f.object.to_string();
        match r.objects.iter_mut().find(|(o, _)| *o == name) {
            Some((_, n)) => *n += 1,
            None => r.objects.push((name, 1)),
        }
    }
    let mut s = format!(
        "Summary by rule ({} finding{} of {} rule{}):\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        rules.len(),
        if rules.len() == 1 { "" } else { "s" }
    );
    let code_w = rules.iter().map(|r| r.first.code.len()).max().unwrap_or(0);
    let name_w = rules.iter().map(|r| r.first.rule.len()).max().unwrap_or(0);
    let count_w = rules
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(0);
    for r in &mut rules {
        // Stable: objects with equal counts stay in the findings' order.
        r.objects.sort_by_key(|o| std::cmp::Reverse(o.1));
        let severity = r.first.severity.to_string();
        let head = format!("{severity:<7} {:<code_w$}", r.first.code);
        let mut worst: Vec<String> = r
            .objects
            .iter()
            .take(WORST_OBJECTS)
            .map(|(o, n)| match n {
                1 => terminal_safe(o).into_owned(),
                n => format!("{} ({n})", terminal_safe(o)),
            })
            .collect();
        if r.objects.len() > WORST_OBJECTS {
            worst.push(format!("{} more", r.objects.len() - WORST_OBJECTS));
        }
        let _ = writeln!(
            s,
            "  {} {:<name_w$} {:>count_w$}  {}",
            style::paint(severity_style(r.first.severity), &head),
            r.first.rule,
            r.count,
            worst.join(", ")
        );
    }
    s.push('\n');
    s
}

/// `doctor`'s text output: the summary by rule (when a rule fired more than once), then the
/// findings (all of them when
/// `all_details`, else at most `DETAILS_PER_RULE` of each rule, with what was left out and how
/// to see it), then the totals.
pub fn doctor_table(findings: &[Finding], all_details: bool) -> String {
    if findings.is_empty() {
        return findings_table(findings);
    }
    // The summary says something once a rule has fired more than once.
    let rules: std::collections::HashSet<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    let mut s = if rules.len() < findings.len() {
        rule_summary(findings)
    } else {
        String::new()
    };
    let mut per_rule: HashMap<&str, usize> = HashMap::new();
    let mut left_out: Vec<(&str, usize)> = Vec::new();
    for f in findings {
        let n = per_rule.entry(&f.code).or_default();
        *n += 1;
        if all_details || *n <= DETAILS_PER_RULE {
            write_finding(&mut s, f);
        } else {
            match left_out.iter_mut().find(|(c, _)| *c == f.code) {
                Some((_, k)) => *k += 1,
                None => left_out.push((&f.code, 1)),
            }
        }
    }
    if !left_out.is_empty() {
        let codes: Vec<String> = left_out
            .iter()
            .map(|(c, k)| format!("{k} more {c}"))
            .collect();
        let first = left_out.first().map_or("", |(c, _)| *c);
        let _ = writeln!(
            s,
            "{} not shown: `--only {first}` or `-v` shows every finding.\n",
            codes.join(", ")
        );
    }
    s.push_str(&summary_line(&Summary::of(findings)));
    s
}

pub fn summary_line(sum: &Summary) -> String {
    if sum.error + sum.warning + sum.info == 0 {
        return format!("{}\n", style::paint(style::GOOD, "No problems found."));
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}\n",
        style::paint(style::ERROR, &plural(sum.error, "error")),
        style::paint(style::WARNING, &plural(sum.warning, "warning")),
        style::paint(style::INFO, &format!("{} info", sum.info)),
    )
}

/// Text from the input in a Markdown table cell or paragraph: no raw HTML, no pipes, line
/// breaks as `<br>`.
pub fn md_cell(s: &str) -> String {
    s.split('\n')
        .map(|l| markdown_safe(l).into_owned())
        .collect::<Vec<_>>()
        .join("<br>")
}

pub fn findings_markdown(findings: &[Finding]) -> String {
    let sum = Summary::of(findings);
    let mut s = format!(
        "# netdoctor report\n\n**{} errors, {} warnings, {} info**\n\n",
        sum.error, sum.warning, sum.info
    );
    if findings.is_empty() {
        s.push_str("No problems found.\n");
        return s;
    }
    s.push_str("| severity | code | rule | object | message |\n|---|---|---|---|---|\n");
    for f in findings {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            f.severity,
            f.code,
            f.rule,
            markdown_code(&f.object.to_string()),
            md_cell(&f.message)
        );
    }
    s.push_str("\n## Fixes\n");
    for f in findings {
        let Some(fix) = &f.fix else { continue };
        let _ = writeln!(
            s,
            "\n### {} {}\n\n{}\n",
            f.code,
            markdown_code(&f.object.to_string()),
            md_cell(&fix.title)
        );
        for e in &f.evidence {
            let _ = writeln!(s, "- {}", md_cell(e));
        }
        if !fix.commands.is_empty() {
            let _ = writeln!(s, "\n{}", markdown_fence("sh", &fix.commands.join("\n")));
        }
        if let Some(y) = &fix.yaml {
            let _ = writeln!(s, "\n{}", markdown_fence("yaml", y.trim_end()));
        }
    }
    s
}

/// Findings in the table, txt, md, json and yaml formats `doctor` offers, with what was
/// suppressed and the document's metadata.
pub fn render_findings(
    format: OutputFormat,
    findings: &[Finding],
    suppressed: SuppressedCounts,
    meta: &DocumentMeta,
) -> Result<String, CliError> {
    let report = FindingsReport {
        findings,
        summary: Summary::of(findings),
        suppressed,
        meta: meta.clone(),
    };
    if let Some(r) = structured(format, &report) {
        return r;
    }
    let text = match format {
        OutputFormat::Table | OutputFormat::Txt => findings_table(findings),
        OutputFormat::Md => findings_markdown(findings),
        other => return Err(other.unsupported("doctor")),
    };
    Ok(text + &suppressed_line(&suppressed))
}

/// `doctor`'s findings over its whole scope: as `render_findings`, but the text formats open
/// with the summary by rule, and show at most `DETAILS_PER_RULE` findings of each rule unless
/// `all_details` (`-v` or `--only`).
pub fn render_doctor_findings(
    format: OutputFormat,
    findings: &[Finding],
    suppressed: SuppressedCounts,
    meta: &DocumentMeta,
    all_details: bool,
) -> Result<String, CliError> {
    match format {
        OutputFormat::Table | OutputFormat::Txt => {
            Ok(doctor_table(findings, all_details) + &suppressed_line(&suppressed))
        }
        other => render_findings(other, findings, suppressed, meta),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netdoctor_core::ObjectRef;

    fn finding(code: &str, name: &str) -> Finding {
        Finding {
            code: code.to_string(),
            rule: format!("rule-{code}"),
            severity: Severity::Warning,
            object: ObjectRef::namespaced("NetworkPolicy", "ns", name),
            message: format!("{code} on {name}"),
            evidence: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn doctor_text_summarises_by_rule_and_caps_details() {
        let mut findings: Vec<Finding> =
            (0..8).map(|i| finding("NP002", &format!("p{i}"))).collect();
        findings.push(finding("NP002", "p0"));
        findings.push(finding("NP004", "q"));
        let text = style::plain(&doctor_table(&findings, false));
        assert!(
            text.starts_with("Summary by rule (10 findings of 2 rules):\n"),
            "{text}"
        );
        // The object with the most findings of the rule comes first, with its count.
        assert!(
            text.contains(
                "ns/networkpolicy/p0 (2), ns/networkpolicy/p1, ns/networkpolicy/p2, 5 more"
            ),
            "{text}"
        );
        assert_eq!(
            text.matches("] rule-NP002: ").count(),
            DETAILS_PER_RULE,
            "{text}"
        );
        assert!(
            text.contains("4 more NP002 not shown: `--only NP002` or `-v` shows every finding."),
            "{text}"
        );
        assert!(text.ends_with("0 errors, 10 warnings, 0 info\n"), "{text}");
        let all = style::plain(&doctor_table(&findings, true));
        assert_eq!(all.matches("] rule-NP002: ").count(), 9);
        assert!(!all.contains("not shown"));
        // One finding per rule: nothing to summarise, the details as before.
        let one = vec![finding("NP002", "a"), finding("NP004", "b")];
        assert_eq!(doctor_table(&one, false), findings_table(&one));
    }
}

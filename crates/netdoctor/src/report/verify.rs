//! The "Model vs measured" section of `verify -o html`: one row per check, the model's
//! prediction next to what the probe in the pod measured, contradictions first.

use super::esc;
use crate::commands::verify::{expectation_text, measured_text, probe_text};
use netdoctor_core::sim::verify::Outcome;
use std::fmt::Write as _;

pub fn section(s: &mut String, outcomes: &[Outcome]) {
    let contradictions = outcomes
        .iter()
        .filter(|o| o.contradiction.is_some())
        .count();
    let _ = write!(
        s,
        "<section id=\"model-vs-measured\"><h2>Model vs measured</h2>\n<p>{} contradiction(s) in {} check(s) run from inside the pods.</p>\n<table class=\"verify\"><thead><tr><th>from</th><th>probe</th><th>model</th><th>measured</th><th>verdict</th></tr></thead><tbody>\n",
        contradictions,
        outcomes.len()
    );
    let mut ordered: Vec<&Outcome> = outcomes.iter().collect();
    ordered.sort_by_key(|o| (o.contradiction.is_none(), o.error.is_none()));
    for o in ordered {
        let verdict = match (&o.contradiction, &o.error) {
            (Some(c), _) => format!(
                "<strong class=\"sev-error\">{}</strong><br>{}<br><small>{}</small>",
                esc(c.class.as_str()),
                esc(&c.detail),
                esc(c.implies)
            ),
            (None, Some(_)) => "<span class=\"sev-warning\">not measured</span>".to_string(),
            (None, None) => "agrees".to_string(),
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}<br><small>{}</small></td><td>{}</td><td>{verdict}</td></tr>",
            esc(&o.check.from),
            esc(&probe_text(&o.check.probe)),
            esc(&expectation_text(&o.check.expect)),
            esc(&o.check.why),
            esc(&measured_text(o)),
        );
    }
    s.push_str("</tbody></table></section>\n");
}

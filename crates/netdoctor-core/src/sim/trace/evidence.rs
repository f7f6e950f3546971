//! What a trace asks of the rules. A simulation runs no rule: it names the objects it touched
//! and the rules whose findings about them explain its hops, and says which parts of its
//! answer those findings decide. `rules::evidence` runs the rules once and fills them in.

use crate::model::ObjectRef;

/// Findings wanted as evidence: from these rules (empty: every rule) about these objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub objects: Vec<ObjectRef>,
    pub codes: Vec<&'static str>,
}

/// Which wanted finding supplies the fix, when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingFix {
    /// The first finding found.
    First,
    /// The first finding of this rule.
    FirstOf(&'static str),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// In the order the hops asked; a finding found twice is kept once, where first found.
    pub wanted: Vec<Wanted>,
    /// The rule that found the fault often knows the fix better than the hop: that finding's
    /// fix, when it has one, replaces `Trace::fix`.
    pub fix_from: Option<FindingFix>,
    /// The failing hop explains itself with the first finding when there is one: its detail
    /// becomes `prefix` + the finding's message + `suffix`.
    pub failing_detail: Option<(String, String)>,
}

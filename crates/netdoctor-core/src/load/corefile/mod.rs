//! A parser for CoreDNS's Corefile (the Caddyfile syntax) and the extraction of what cluster
//! DNS answers depend on: the `kubernetes` plugin's zones and options, `forward`, `loop`,
//! `rewrite`, `hosts`, and stub-domain server blocks.
//!
//! The parser never fails: what it cannot read or does not understand is listed in
//! `Corefile::problems` (environment substitutions, `import`, snippets, unknown plugins,
//! unbalanced braces) and the rest is still used.

//!
//! - `syntax`: the Caddyfile tokens, directives and server blocks
//! - `plugins`: what the plugins cluster DNS answers depend on configure

mod plugins;
mod syntax;

pub use plugins::{
    Fallthrough, Forward, Hosts, KubernetesPlugin, PodMode, Rewrite, RewriteMatch, ServerConfig,
};
pub use syntax::{parse, MAX_DEPTH};

/// One directive (a plugin, or a property inside a plugin's block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    /// The `{ … }` block that follows the arguments, if any.
    pub block: Vec<Directive>,
    pub line: usize,
}

/// One address a server block listens on: `dns://cluster.local:53` → zone `cluster.local.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKey {
    pub scheme: String,
    /// Lower case, fully qualified (`.` is the root).
    pub zone: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerBlock {
    pub keys: Vec<ServerKey>,
    pub plugins: Vec<Directive>,
    pub line: usize,
}

/// What the parser could not read or does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
    /// CoreDNS itself would refuse this Corefile (syntax error, unknown plugin or option).
    /// Not fatal: what netdoctor only does not evaluate (imports, environment
    /// substitutions, snippets, regex rewrites).
    pub fatal: bool,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corefile {
    pub servers: Vec<ServerBlock>,
    pub problems: Vec<Problem>,
}

/// Lower case with a final dot.
pub fn fqdn(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    if n.ends_with('.') {
        n
    } else {
        format!("{n}.")
    }
}

/// Whether fully qualified `name` is `zone` or below it.
pub fn in_zone(name: &str, zone: &str) -> bool {
    let name = fqdn(name);
    let zone = fqdn(zone);
    zone == "." || name == zone || name.ends_with(&format!(".{zone}"))
}

impl Corefile {
    /// The server blocks with what was extracted from their plugins; problems found while
    /// extracting are appended to `problems`.
    pub fn configs(&self, problems: &mut Vec<Problem>) -> Vec<ServerConfig> {
        self.servers
            .iter()
            .map(|s| plugins::extract(s, problems))
            .collect()
    }

    /// The `kubernetes` plugin of the first server block that has one.
    pub fn kubernetes(&self) -> Option<KubernetesPlugin> {
        let mut sink = Vec::new();
        self.configs(&mut sink)
            .into_iter()
            .find_map(|c| c.kubernetes)
    }

    /// Every problem: the parser's and the extraction's.
    pub fn all_problems(&self) -> Vec<Problem> {
        let mut out = self.problems.clone();
        let _ = self.configs(&mut out);
        out.sort_by_key(|p| p.line);
        out
    }
}

/// Everything a Corefile goes through when netdoctor reads one (parse, extraction, the
/// problems): the fuzz target's entry and its corpus test. Returns the number of problems.
#[doc(hidden)]
pub fn fuzz_entry(text: &str) -> usize {
    let c = parse(text);
    let _ = c.kubernetes();
    c.all_problems().len()
}

#[cfg(test)]
mod tests;

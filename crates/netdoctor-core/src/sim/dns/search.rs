//! The search-list expansion of a C library's resolver: which fully-qualified names glibc or
//! musl queries for a name, in which order, given resolv.conf's `search`, `ndots` and
//! `no-tld-query`. The one implementation: the model (`dns resolve`, `trace`) and the live
//! probe (`probe dns`) both take their candidate names from here.

use serde::Serialize;
use std::collections::BTreeSet;

/// musl reads at most this many bytes of resolv.conf's `search` line.
const MUSL_SEARCH_LINE_MAX: usize = 255;

/// Whose resolver's search rules apply.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    /// glibc (Debian, Ubuntu, RHEL images).
    #[default]
    Glibc,
    /// musl (Alpine images): no search at all when the name has `ndots` dots or more, none
    /// for types other than A/AAAA, and the search stops at the first SERVFAIL or timeout.
    Musl,
}

impl Libc {
    pub fn parse(s: &str) -> Option<Libc> {
        match s.to_ascii_lowercase().as_str() {
            "glibc" | "gnu" => Some(Libc::Glibc),
            "musl" | "alpine" => Some(Libc::Musl),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
        }
    }
}

/// The libc entry point a lookup goes through: it decides whether musl searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupCall {
    /// `getaddrinfo`: A and/or AAAA records.
    GetAddrInfo,
    /// `res_search` for any other record type (musl's is `res_query`: no search list).
    ResSearch,
}

/// What the expansion reads from a resolv.conf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchRules<'a> {
    /// The `search` domains, in order.
    pub search: &'a [String],
    /// `options ndots:N`.
    pub ndots: u32,
    /// `options no-tld-query` (glibc): a single-label name is never sent as-is.
    pub no_tld_query: bool,
}

impl<'a> SearchRules<'a> {
    /// The rules of a resolv.conf given its search domains, its `ndots` and its options.
    pub fn new(search: &'a [String], ndots: u32, options: &[String]) -> SearchRules<'a> {
        SearchRules {
            search,
            ndots,
            no_tld_query: options.iter().any(|o| o == "no-tld-query"),
        }
    }
}

/// The names a resolver queries for one lookup, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOrder {
    /// Fully qualified (final dot), spelled as the name was typed.
    pub names: Vec<String>,
    /// Where the name as typed (made absolute) is in `names`: first when it has `ndots`
    /// dots or more, last when it has fewer, absent when `no-tld-query` forbids it.
    pub as_is: Option<usize>,
}

/// The names `libc` queries for `name`, in order. A name with a final dot is queried once
/// as-is. glibc: the name as-is first when it has at least `ndots` dots, then each search
/// domain, then (fewer dots, and not ruled out by `no-tld-query`) the name as-is. musl: the
/// search list (only the first 255 bytes of its line, only through getaddrinfo, only below
/// `ndots` dots), then the name as-is.
pub fn search_order(name: &str, rules: &SearchRules, libc: Libc, call: LookupCall) -> SearchOrder {
    let bare = absolute(name);
    if name.ends_with('.') || (libc == Libc::Musl && call == LookupCall::ResSearch) {
        return SearchOrder {
            names: vec![bare],
            as_is: Some(0),
        };
    }
    let dots = name.matches('.').count() as u32;
    let below_ndots = dots < rules.ndots;
    let searched: Vec<String> = match libc {
        Libc::Glibc => rules.search.to_vec(),
        Libc::Musl => musl_search_line(rules.search),
    }
    .iter()
    .map(|d| absolute(&format!("{name}.{}", d.trim_end_matches('.'))))
    .collect();
    let mut names = Vec::new();
    match libc {
        Libc::Glibc => {
            if !below_ndots {
                names.push(bare.clone());
            }
            names.extend(searched);
            let no_tld = dots == 0 && rules.no_tld_query;
            if below_ndots && !no_tld {
                names.push(bare.clone());
            }
        }
        Libc::Musl => {
            if below_ndots {
                names.extend(searched);
            }
            names.push(bare.clone());
        }
    }
    let names = without_repeats(names);
    let as_is = names.iter().position(|n| *n == bare);
    SearchOrder { names, as_is }
}

/// The search domains musl sees: it reads at most 255 bytes of the `search` line.
fn musl_search_line(search: &[String]) -> Vec<String> {
    let line = search.join(" ");
    let cut: String = line.chars().take(MUSL_SEARCH_LINE_MAX).collect();
    cut.split_whitespace().map(str::to_string).collect()
}

/// `name` with a final dot.
fn absolute(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// The first occurrence of each name, in order.
pub(super) fn without_repeats(mut names: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

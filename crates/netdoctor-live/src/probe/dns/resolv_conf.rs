//! The resolv.conf a dns probe follows, read as glibc reads it, and the names its resolver
//! queries for a lookup: the search order itself is core's (`netdoctor_core::sim::dns`), the
//! one the model's `dns resolve` uses, so the probe sends exactly what the model predicts.

use super::super::SetupError;
use hickory_proto::rr::RecordType;
pub use netdoctor_core::sim::dns::Libc;
use netdoctor_core::sim::dns::{search_order, LookupCall, SearchOrder, SearchRules};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What the probe needs from a resolv.conf (glibc's reading of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResolvConf {
    pub nameservers: Vec<IpAddr>,
    pub search: Vec<String>,
    pub ndots: u8,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub edns0: bool,
    /// `options no-tld-query`: a single-label name is never sent as-is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_tld_query: bool,
}

impl Default for ResolvConf {
    fn default() -> Self {
        ResolvConf {
            nameservers: Vec::new(),
            search: Vec::new(),
            ndots: 1,
            edns0: false,
            no_tld_query: false,
        }
    }
}

/// Search domains kept of a `search` line: the kubelet's limit (MaxDNSSearchPaths), well above
/// what glibc ever tries in practice; every one of them is a query per lookup.
pub const MAX_SEARCH: usize = 32;

/// Bytes of a resolv.conf file read.
pub const MAX_FILE: u64 = 64 * 1024;

impl ResolvConf {
    /// glibc's rules: `nameserver` lines (the first three count), `search` and `domain`
    /// (the last one of either wins), `options ndots:N` (capped at 15), `edns0` and
    /// `no-tld-query`; `#` and `;` start comments. Unknown lines are ignored, as glibc does.
    pub fn parse(text: &str) -> ResolvConf {
        let mut conf = ResolvConf::default();
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(key) = words.next() else { continue };
            match key {
                "nameserver" => {
                    if let Some(ip) = words.next().and_then(|w| w.parse::<IpAddr>().ok()) {
                        if conf.nameservers.len() < 3 {
                            conf.nameservers.push(ip);
                        }
                    }
                }
                "search" => {
                    conf.search = words
                        .map(|w| w.trim_end_matches('.').to_string())
                        .filter(|w| !w.is_empty())
                        .take(MAX_SEARCH)
                        .collect();
                }
                "domain" => {
                    conf.search = words
                        .next()
                        .map(|w| w.trim_end_matches('.').to_string())
                        .filter(|w| !w.is_empty())
                        .into_iter()
                        .collect();
                }
                "options" => words.for_each(|opt| conf.set_option(opt)),
                _ => {}
            }
        }
        conf
    }

    fn set_option(&mut self, opt: &str) {
        if let Some(n) = opt.strip_prefix("ndots:") {
            if let Ok(n) = n.parse::<u32>() {
                self.ndots = n.min(15) as u8;
            }
        } else if opt == "edns0" {
            self.edns0 = true;
        } else if opt == "no-tld-query" {
            self.no_tld_query = true;
        }
    }

    /// Reads at most `MAX_FILE` bytes (a resolv.conf is a few lines; `/dev/zero` is not one).
    pub fn load(path: &str) -> Result<ResolvConf, SetupError> {
        use std::io::Read as _;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_FILE).read_to_end(&mut bytes))
            .and_then(|_| {
                String::from_utf8(bytes).map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "stream did not contain valid UTF-8",
                    )
                })
            })
            .map(|t| ResolvConf::parse(&t))
            .map_err(|e| SetupError::File {
                path: path.to_string(),
                reason: e.to_string(),
            })
    }

    /// What the search-list expansion reads from this file.
    pub fn search_rules(&self) -> SearchRules<'_> {
        SearchRules {
            search: &self.search,
            ndots: u32::from(self.ndots),
            no_tld_query: self.no_tld_query,
        }
    }

    /// The names `libc`'s resolver queries for `name` and `record_type`, in order, and which
    /// of them is the name as typed.
    pub fn search_order(&self, name: &str, libc: Libc, record_type: RecordType) -> SearchOrder {
        let call = match record_type {
            RecordType::A | RecordType::AAAA => LookupCall::GetAddrInfo,
            _ => LookupCall::ResSearch,
        };
        search_order(name, &self.search_rules(), libc, call)
    }

    /// The fully-qualified names `libc`'s resolver queries for `name` and `record_type`, in
    /// order.
    pub fn candidates_for(&self, name: &str, libc: Libc, record_type: RecordType) -> Vec<String> {
        self.search_order(name, libc, record_type).names
    }
}

/// Parses `--libc` (glibc or musl).
pub fn parse_libc(s: &str) -> Result<Libc, SetupError> {
    Libc::parse(s).ok_or_else(|| SetupError::Option {
        option: "--libc".to_string(),
        reason: format!("{s:?} is not glibc or musl"),
    })
}

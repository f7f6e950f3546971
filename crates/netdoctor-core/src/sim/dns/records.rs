//! The vocabulary of a DNS exchange: record types, response codes, one server's answer, and
//! reverse (PTR) names.

use crate::load::corefile::fqdn;
use serde::Serialize;
use std::net::IpAddr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
pub enum QType {
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "SRV")]
    Srv,
    #[serde(rename = "PTR")]
    Ptr,
    #[serde(rename = "CNAME")]
    Cname,
    #[serde(rename = "TXT")]
    Txt,
}

impl QType {
    pub fn parse(s: &str) -> Option<QType> {
        match s.to_ascii_uppercase().as_str() {
            "A" => Some(QType::A),
            "AAAA" => Some(QType::Aaaa),
            "SRV" => Some(QType::Srv),
            "PTR" => Some(QType::Ptr),
            "CNAME" => Some(QType::Cname),
            "TXT" => Some(QType::Txt),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::Aaaa => "AAAA",
            QType::Srv => "SRV",
            QType::Ptr => "PTR",
            QType::Cname => "CNAME",
            QType::Txt => "TXT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Rcode {
    #[serde(rename = "NOERROR")]
    NoError,
    #[serde(rename = "NXDOMAIN")]
    NxDomain,
    #[serde(rename = "SERVFAIL")]
    ServFail,
    /// Outside the cluster zones: cluster DNS forwards it upstream; the answer is unknown.
    #[serde(rename = "FORWARDED")]
    Forwarded,
}

impl Rcode {
    pub fn as_str(self) -> &'static str {
        match self {
            Rcode::NoError => "NOERROR",
            Rcode::NxDomain => "NXDOMAIN",
            Rcode::ServFail => "SERVFAIL",
            Rcode::Forwarded => "FORWARDED",
        }
    }
}

/// What a DNS server answers to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Answer {
    pub rcode: Rcode,
    pub answers: Vec<String>,
    /// Why (which plugin, which object, what is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// No reply at all (the server is down): the client times out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timeout: bool,
}

impl Answer {
    pub(super) fn new(rcode: Rcode, answers: Vec<String>, note: impl Into<String>) -> Answer {
        Answer {
            rcode,
            answers,
            note: Some(note.into()),
            timeout: false,
        }
    }
    pub(super) fn nx(note: impl Into<String>) -> Answer {
        Answer::new(Rcode::NxDomain, Vec::new(), note)
    }
    pub(super) fn nodata(note: impl Into<String>) -> Answer {
        Answer::new(Rcode::NoError, Vec::new(), note)
    }
    pub(super) fn records(answers: Vec<String>, note: impl Into<String>) -> Answer {
        Answer::new(Rcode::NoError, answers, note)
    }
    /// NOERROR with records, or a forwarded name (presumed to answer).
    pub fn answered(&self) -> bool {
        (self.rcode == Rcode::NoError && !self.answers.is_empty()) || self.rcode == Rcode::Forwarded
    }
}

/// A reverse name (`4.3.2.1.in-addr.arpa.`) as an address.
pub fn reverse_to_ip(name: &str) -> Option<IpAddr> {
    let n = fqdn(name);
    if let Some(rest) = n.strip_suffix(".in-addr.arpa.") {
        let mut parts: Vec<&str> = rest.split('.').collect();
        if parts.len() != 4 {
            return None;
        }
        parts.reverse();
        return parts.join(".").parse().ok();
    }
    if let Some(rest) = n.strip_suffix(".ip6.arpa.") {
        let nibbles: Vec<&str> = rest.split('.').collect();
        if nibbles.len() != 32 || nibbles.iter().any(|x| x.len() != 1) {
            return None;
        }
        let hex: String = nibbles.iter().rev().copied().collect();
        let groups: Vec<&str> = (0..8).map(|i| &hex[i * 4..i * 4 + 4]).collect();
        return groups.join(":").parse().ok();
    }
    None
}

/// The PTR name of an address.
pub fn ip_to_reverse(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::new();
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s.push_str("ip6.arpa.");
            s
        }
    }
}

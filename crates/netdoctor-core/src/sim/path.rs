//! The vocabulary every path simulation answers in (INTERFACE.md): the hops of a path, each
//! `pass|fail|warn|skip`, and the symptom the client sees. Shared by `trace`, `ingress route`
//! (Ingress and Gateway API) so the same failure reads the same everywhere.

use serde::Serialize;
use std::fmt;

/// What the client sees (INTERFACE.md `symptom` of `trace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Symptom {
    Ok,
    Nxdomain,
    DnsTimeout,
    ConnectionRefused,
    ConnectionTimeout,
    #[serde(rename = "http-404")]
    Http404,
    #[serde(rename = "http-500")]
    Http500,
    #[serde(rename = "http-502")]
    Http502,
    #[serde(rename = "http-503")]
    Http503,
    #[serde(rename = "http-504")]
    Http504,
    NoAddress,
}

impl Symptom {
    pub fn as_str(self) -> &'static str {
        match self {
            Symptom::Ok => "ok",
            Symptom::Nxdomain => "nxdomain",
            Symptom::DnsTimeout => "dns-timeout",
            Symptom::ConnectionRefused => "connection-refused",
            Symptom::ConnectionTimeout => "connection-timeout",
            Symptom::Http404 => "http-404",
            Symptom::Http500 => "http-500",
            Symptom::Http502 => "http-502",
            Symptom::Http503 => "http-503",
            Symptom::Http504 => "http-504",
            Symptom::NoAddress => "no-address",
        }
    }

    /// What the user sees, in the words of the tools they use.
    pub fn describe(self) -> &'static str {
        match self {
            Symptom::Ok => "the connection succeeds",
            Symptom::Nxdomain => "the name does not resolve (NXDOMAIN: \"could not resolve host\")",
            Symptom::DnsTimeout => {
                "name lookups time out (\"i/o timeout\" talking to the DNS server)"
            }
            Symptom::ConnectionRefused => {
                "the connection is refused at once (\"Connection refused\")"
            }
            Symptom::ConnectionTimeout => "the connection hangs until it times out",
            Symptom::Http404 => "the ingress answers 404 Not Found",
            Symptom::Http500 => "the gateway answers 500 Internal Server Error",
            Symptom::Http502 => "the ingress answers 502 Bad Gateway",
            Symptom::Http503 => "the ingress answers 503 Service Unavailable",
            Symptom::Http504 => "the ingress answers 504 Gateway Timeout",
            Symptom::NoAddress => "the ingress has no address: the host does not reach the cluster",
        }
    }
}

impl fmt::Display for Symptom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HopStatus {
    Pass,
    Fail,
    Warn,
    Skip,
}

impl HopStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HopStatus::Pass => "pass",
            HopStatus::Fail => "fail",
            HopStatus::Warn => "warn",
            HopStatus::Skip => "skip",
        }
    }
}

/// One link of the chain: `dns`, `service`, `service-port`, `endpoints`, `egress-policy`,
/// `ingress-policy`, `target-port`, `ingress-class`, `ingress-rule`, `ingress-backend`, `tls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub step: &'static str,
    pub status: HopStatus,
    pub detail: String,
}

impl Hop {
    pub fn new(step: &'static str, status: HopStatus, detail: impl Into<String>) -> Hop {
        Hop {
            step,
            status,
            detail: detail.into(),
        }
    }
}

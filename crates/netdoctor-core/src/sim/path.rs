//! The vocabulary every path simulation answers in (docs/interface.md): the hops of a path, each
//! `pass|fail|warn|skip`, and the symptom the client sees. Shared by `trace`, `ingress route`
//! (Ingress and Gateway API) so the same failure reads the same everywhere; and the answer of
//! the edge (`Route`), which the Ingress and the Gateway API engines both give.

use serde::Serialize;
use std::fmt;

/// What the client sees (docs/interface.md `symptom` of `trace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Symptom {
    Ok,
    Nxdomain,
    DnsTimeout,
    ConnectionRefused,
    ConnectionTimeout,
    /// HTTPS: the listener has no certificate to present, the TLS handshake fails.
    TlsHandshakeFailure,
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
    /// A policy kind netdoctor does not model decides the connection (docs/interface.md).
    Unknown,
}

impl Symptom {
    pub fn as_str(self) -> &'static str {
        match self {
            Symptom::Ok => "ok",
            Symptom::Nxdomain => "nxdomain",
            Symptom::DnsTimeout => "dns-timeout",
            Symptom::ConnectionRefused => "connection-refused",
            Symptom::ConnectionTimeout => "connection-timeout",
            Symptom::TlsHandshakeFailure => "tls-handshake-failure",
            Symptom::Http404 => "http-404",
            Symptom::Http500 => "http-500",
            Symptom::Http502 => "http-502",
            Symptom::Http503 => "http-503",
            Symptom::Http504 => "http-504",
            Symptom::NoAddress => "no-address",
            Symptom::Unknown => "unknown",
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
            Symptom::TlsHandshakeFailure => {
                "the TLS handshake fails before any HTTP answer (curl: \"SSL_ERROR_SYSCALL\" or \"Connection reset by peer\"; \"Connection refused\" when no other listener serves the port)"
            }
            Symptom::Http404 => "the ingress answers 404 Not Found",
            Symptom::Http500 => "the gateway answers 500 Internal Server Error",
            Symptom::Http502 => "the ingress answers 502 Bad Gateway",
            Symptom::Http503 => "the ingress answers 503 Service Unavailable",
            Symptom::Http504 => "the ingress answers 504 Gateway Timeout",
            Symptom::NoAddress => "the ingress has no address: the host does not reach the cluster",
            Symptom::Unknown => "netdoctor cannot tell whether the connection succeeds",
        }
    }
}

impl fmt::Display for Symptom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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

// ---------------------------------------------------------------------------------------------
// The answer of `ingress route` (Ingress or Gateway API).

/// The Service and port a request is sent to (`port` as written in the Ingress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RouteBackend {
    pub service: String,
    pub port: String,
}

/// What served the request: an Ingress, or (filled by the Gateway API engine) a Gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RouteVia {
    Ingress {
        /// `ns/name` of the Ingress whose rule (or defaultBackend) served it; null when none.
        ingress: Option<String>,
    },
    Gateway {
        gateway: Option<String>,
        listener: Option<String>,
        route: Option<String>,
        /// `HTTPRoute` or `GRPCRoute`.
        #[serde(skip_serializing_if = "Option::is_none")]
        route_kind: Option<String>,
    },
}

/// The answer of `ingress route`: which rule and backend serve the URL and each hop's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Route {
    pub url: String,
    #[serde(flatten)]
    pub via: RouteVia,
    /// The rule's host as written (`*.example.com`), null for a rule without host or a
    /// default backend.
    pub host: Option<String>,
    pub path: Option<String>,
    pub path_type: Option<String>,
    pub backend: Option<RouteBackend>,
    pub symptom: Symptom,
    pub hops: Vec<Hop>,
    /// The IngressClass (or GatewayClass) whose controller handles the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// Where the model's controller behaviour may differ from the one in use, and other
    /// remarks (redirects, canaries).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Gateway API: every backendRef of the matched rule with its weight, share of requests
    /// and outcome (empty for Ingress).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<WeightedBackend>,
    /// Why the outcome cannot be known (symptom `unknown`): a policy kind netdoctor does
    /// not model governs the path (docs/interface.md, unknown verdicts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_reasons: Vec<String>,
}

impl Route {
    /// The first hop that failed.
    pub fn failing_hop(&self) -> Option<&Hop> {
        self.hops.iter().find(|h| h.status == HopStatus::Fail)
    }

    pub fn ingress(&self) -> Option<&str> {
        match &self.via {
            RouteVia::Ingress { ingress } => ingress.as_deref(),
            RouteVia::Gateway { .. } => None,
        }
    }
}

/// One backendRef's share of a rule's traffic and what that share sees.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WeightedBackend {
    /// `ns/name` of the backend as referenced.
    pub service: String,
    pub port: Option<u16>,
    pub weight: i64,
    /// Share of the rule's requests, in percent (0 for weight 0).
    pub percent: f64,
    pub symptom: Symptom,
    pub detail: String,
}

// `percent` is a finite share (never NaN), so equality is total.
impl Eq for WeightedBackend {}

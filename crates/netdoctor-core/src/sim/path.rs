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
    /// A redirect answered by the edge itself (Gateway API RequestRedirect, ingress-nginx
    /// ssl-redirect / permanent-redirect); `Route.redirect` has the Location.
    #[serde(rename = "http-301")]
    Http301,
    #[serde(rename = "http-302")]
    Http302,
    #[serde(rename = "http-303")]
    Http303,
    #[serde(rename = "http-307")]
    Http307,
    #[serde(rename = "http-308")]
    Http308,
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
            Symptom::Http301 => "http-301",
            Symptom::Http302 => "http-302",
            Symptom::Http303 => "http-303",
            Symptom::Http307 => "http-307",
            Symptom::Http308 => "http-308",
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
            Symptom::Http301 => "the edge answers 301 Moved Permanently (a configured redirect)",
            Symptom::Http302 => "the edge answers 302 Found (a configured redirect)",
            Symptom::Http303 => "the edge answers 303 See Other (a configured redirect)",
            Symptom::Http307 => "the edge answers 307 Temporary Redirect (a configured redirect)",
            Symptom::Http308 => "the edge answers 308 Permanent Redirect (a configured redirect)",
            Symptom::NoAddress => "the ingress has no address: the host does not reach the cluster",
            Symptom::Unknown => "netdoctor cannot tell whether the connection succeeds",
        }
    }
}

impl Symptom {
    /// The symptom of a redirect with this status code; `Unknown` for a code the Gateway
    /// API and ingress-nginx do not produce.
    pub fn redirect(code: u16) -> Symptom {
        match code {
            301 => Symptom::Http301,
            302 => Symptom::Http302,
            303 => Symptom::Http303,
            307 => Symptom::Http307,
            308 => Symptom::Http308,
            _ => Symptom::Unknown,
        }
    }

    pub fn is_redirect(self) -> bool {
        matches!(
            self,
            Symptom::Http301
                | Symptom::Http302
                | Symptom::Http303
                | Symptom::Http307
                | Symptom::Http308
        )
    }

    /// The request gets the answer its configuration intends: served by a backend, or a
    /// configured redirect.
    pub fn is_answered(self) -> bool {
        self == Symptom::Ok || self.is_redirect()
    }

    /// The HTTP status code of an HTTP-level symptom.
    pub fn http_status(self) -> Option<u16> {
        Some(match self {
            Symptom::Ok => 200,
            Symptom::Http404 => 404,
            Symptom::Http500 => 500,
            Symptom::Http502 => 502,
            Symptom::Http503 => 503,
            Symptom::Http504 => 504,
            Symptom::Http301 => 301,
            Symptom::Http302 => 302,
            Symptom::Http303 => 303,
            Symptom::Http307 => 307,
            Symptom::Http308 => 308,
            _ => return None,
        })
    }

    /// The gRPC status a gRPC client sees for this symptom, by the gRPC project's
    /// "HTTP to gRPC Status Code Mapping" (grpc/grpc doc/http-grpc-status-mapping.md):
    /// 404 UNIMPLEMENTED, 502/503/504 UNAVAILABLE, other HTTP errors INTERNAL; `None` for a
    /// served call or a failure below HTTP.
    pub fn grpc_status(self) -> Option<GrpcStatus> {
        let (code, name) = match self {
            Symptom::Ok => return None,
            Symptom::Http404 => (12, "UNIMPLEMENTED"),
            Symptom::Http502 | Symptom::Http503 | Symptom::Http504 => (14, "UNAVAILABLE"),
            s if s.http_status().is_some() => (13, "INTERNAL"),
            _ => return None,
        };
        Some(GrpcStatus { code, name })
    }
}

/// A gRPC status code and its name (`14 UNAVAILABLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GrpcStatus {
    pub code: u8,
    pub name: &'static str,
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
    /// What the edge does to the request besides choosing a backend.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The effect of filters and annotations: a redirect answered by the edge, the path and
/// host the backend receives, the headers changed on the way; the gRPC status of a failed
/// gRPC call. Every field is left out of the JSON when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<Redirect>,
    /// The host and path the backend receives when a rewrite changes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<Upstream>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_headers: Vec<HeaderChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub response_headers: Vec<HeaderChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<GrpcStatus>,
}

/// A redirect the client receives instead of a backend's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Redirect {
    pub status_code: u16,
    pub location: String,
}

/// What the backend receives after a rewrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Upstream {
    pub host: String,
    pub path: String,
}

/// One header change: `op` is `set`, `add` or `remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct HeaderChange {
    pub op: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl HeaderChange {
    pub fn describe(&self) -> String {
        match &self.value {
            Some(v) => format!("{} {}: {v}", self.op, self.name),
            None => format!("{} {}", self.op, self.name),
        }
    }
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

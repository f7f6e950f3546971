//! What the plugins that cluster DNS answers depend on configure: `kubernetes`, `forward`,
//! `loop`, `autopath`, `rewrite name` and `hosts`, extracted from a server block.

use super::{fqdn, in_zone, Directive, Problem, ServerBlock};
use std::net::IpAddr;

/// `pods disabled|insecure|verified` of the `kubernetes` plugin (default `disabled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PodMode {
    #[default]
    Disabled,
    Insecure,
    Verified,
}

impl PodMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PodMode::Disabled => "disabled",
            PodMode::Insecure => "insecure",
            PodMode::Verified => "verified",
        }
    }
}

/// `fallthrough [ZONES…]`: `zones` empty means every zone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fallthrough {
    pub zones: Vec<String>,
}

impl Fallthrough {
    pub fn covers(&self, name: &str) -> bool {
        self.zones.is_empty() || self.zones.iter().any(|z| in_zone(name, z))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubernetesPlugin {
    /// Fully qualified zones (`cluster.local.`, `in-addr.arpa.`); the server block's zones
    /// when the plugin names none.
    pub zones: Vec<String>,
    pub pods: PodMode,
    pub fallthrough: Option<Fallthrough>,
    pub endpoint_pod_names: bool,
    pub ttl: u32,
    /// `namespaces NS…`: only these are exposed (empty: all).
    pub namespaces: Vec<String>,
    /// `ignore empty_service`: NXDOMAIN for a ClusterIP Service without ready endpoints.
    pub ignore_empty_service: bool,
    pub noendpoints: bool,
    pub line: usize,
}

impl KubernetesPlugin {
    /// The first zone that is not a reverse zone: the cluster domain, without the final dot.
    pub fn cluster_domain(&self) -> Option<String> {
        self.zones
            .iter()
            .find(|z| !z.ends_with(".arpa."))
            .map(|z| z.trim_end_matches('.').to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The zone it forwards (`.` for everything), fully qualified.
    pub from: String,
    /// `8.8.8.8`, `/etc/resolv.conf`, `tls://1.1.1.1`, …
    pub to: Vec<String>,
    pub except: Vec<String>,
    pub line: usize,
}

impl Forward {
    /// Targets on a loopback address (`127.0.0.1`, `::1`).
    pub fn loopback_targets(&self) -> Vec<&str> {
        self.to
            .iter()
            .map(String::as_str)
            .filter(|t| {
                let host = strip_scheme(t);
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.split(']').next())
                    .unwrap_or_else(|| {
                        host.rsplit_once(':').map_or(host, |(h, p)| {
                            if p.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') {
                                h
                            } else {
                                host
                            }
                        })
                    });
                host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            })
            .collect()
    }

    pub fn handles(&self, name: &str) -> bool {
        in_zone(name, &self.from) && !self.except.iter().any(|e| in_zone(name, e))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewriteMatch {
    Exact,
    Prefix,
    Suffix,
    Substring,
    Regex,
}

/// `rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub kind: RewriteMatch,
    pub from: String,
    pub to: String,
    pub line: usize,
}

impl Rewrite {
    /// The rewritten query name, or `None` when the rule does not apply (regex rules are
    /// not evaluated).
    pub fn apply(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        let from = self.from.to_ascii_lowercase();
        match self.kind {
            RewriteMatch::Exact => (fqdn(&name) == fqdn(&from)).then(|| fqdn(&self.to)),
            RewriteMatch::Prefix => name
                .strip_prefix(&from)
                .map(|rest| format!("{}{rest}", self.to)),
            RewriteMatch::Suffix => {
                let (n, f) = (fqdn(&name), fqdn(&from));
                n.strip_suffix(&f)
                    .map(|rest| format!("{rest}{}", fqdn(&self.to)))
            }
            RewriteMatch::Substring => name
                .contains(&from)
                .then(|| fqdn(&name.replacen(&from, &self.to, 1))),
            RewriteMatch::Regex => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    pub zones: Vec<String>,
    /// Inline entries: address and names (fully qualified, lower case).
    pub entries: Vec<(IpAddr, Vec<String>)>,
    /// A hosts file named by the plugin (its content is not in the snapshot).
    pub file: Option<String>,
    pub fallthrough: Option<Fallthrough>,
    pub line: usize,
}

/// The configuration of one server block, as far as cluster DNS answers depend on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub zones: Vec<String>,
    pub port: u16,
    pub kubernetes: Option<KubernetesPlugin>,
    pub forward: Vec<Forward>,
    pub has_loop: bool,
    pub rewrites: Vec<Rewrite>,
    pub hosts: Option<Hosts>,
    pub autopath: bool,
    pub line: usize,
}

fn strip_scheme(t: &str) -> &str {
    t.split_once("://").map_or(t, |(_, r)| r)
}

fn parse_fallthrough(args: &[String]) -> Fallthrough {
    Fallthrough {
        zones: args.iter().map(|z| fqdn(z)).collect(),
    }
}

/// What a server block configures, as far as cluster DNS answers depend on it.
pub(super) fn extract(s: &ServerBlock, problems: &mut Vec<Problem>) -> ServerConfig {
    let zones: Vec<String> = s.keys.iter().map(|k| k.zone.clone()).collect();
    let port = s.keys.first().map_or(53, |k| k.port);
    let mut cfg = ServerConfig {
        zones: zones.clone(),
        port,
        kubernetes: None,
        forward: Vec::new(),
        has_loop: false,
        rewrites: Vec::new(),
        hosts: None,
        autopath: false,
        line: s.line,
    };
    for d in &s.plugins {
        match d.name.as_str() {
            "kubernetes" => {
                let k = kubernetes(d, &zones, problems);
                if cfg.kubernetes.is_some() {
                    problems.push(Problem {
                        fatal: true,
                        line: d.line,
                        message: "kubernetes plugin given twice in one server block".into(),
                    });
                } else {
                    cfg.kubernetes = Some(k);
                }
            }
            "forward" | "proxy" => cfg.forward.extend(forward(d, problems)),
            "loop" => cfg.has_loop = true,
            "autopath" => cfg.autopath = true,
            "rewrite" => cfg.rewrites.extend(rewrite(d, problems)),
            "hosts" => cfg.hosts = Some(hosts(d, &zones)),
            _ => {}
        }
    }
    cfg
}

/// `kubernetes [ZONES…] { pods …, fallthrough …, endpoint_pod_names, ttl N, namespaces …,
/// ignore empty_service, noendpoints }`.
fn kubernetes(d: &Directive, zones: &[String], problems: &mut Vec<Problem>) -> KubernetesPlugin {
    let mut k = KubernetesPlugin {
        zones: if d.args.is_empty() {
            zones.to_vec()
        } else {
            d.args.iter().map(|z| fqdn(z)).collect()
        },
        pods: PodMode::Disabled,
        fallthrough: None,
        endpoint_pod_names: false,
        ttl: 5,
        namespaces: Vec::new(),
        ignore_empty_service: false,
        noendpoints: false,
        line: d.line,
    };
    for o in &d.block {
        match o.name.as_str() {
            "pods" => match o.args.first().map(String::as_str) {
                Some("insecure") => k.pods = PodMode::Insecure,
                Some("verified") => k.pods = PodMode::Verified,
                Some("disabled") => k.pods = PodMode::Disabled,
                other => problems.push(Problem {
                    fatal: true,
                    line: o.line,
                    message: format!(
                        "kubernetes: pods {} not understood (expected disabled, insecure or verified)",
                        other.unwrap_or("")
                    ),
                }),
            },
            "fallthrough" => k.fallthrough = Some(parse_fallthrough(&o.args)),
            "endpoint_pod_names" => k.endpoint_pod_names = true,
            "ttl" => match o.args.first().and_then(|t| t.parse::<u32>().ok()) {
                Some(t) if t <= 3600 => k.ttl = t,
                _ => problems.push(Problem {
                    fatal: true,
                    line: o.line,
                    message: format!(
                        "kubernetes: ttl {:?} is not a number of seconds between 0 and 3600",
                        o.args.join(" ")
                    ),
                }),
            },
            "namespaces" => k.namespaces = o.args.clone(),
            "ignore" => {
                if o.args.iter().any(|a| a == "empty_service") {
                    k.ignore_empty_service = true
                }
            }
            "noendpoints" => k.noendpoints = true,
            "endpoint" | "tls" | "kubeconfig" | "labels" | "namespace_labels" | "upstream"
            | "multicluster" | "startup_timeout" | "apiserver_qps" | "apiserver_burst"
            | "apiserver_max_inflight" => {}
            other => problems.push(Problem {
                fatal: true,
                line: o.line,
                message: format!("kubernetes: option {other:?} not understood"),
            }),
        }
    }
    k
}

/// `forward FROM TO… { except ZONES… }` (and the old `proxy`).
fn forward(d: &Directive, problems: &mut Vec<Problem>) -> Option<Forward> {
    let mut args = d.args.iter();
    let Some(from) = args.next() else {
        problems.push(Problem {
            fatal: true,
            line: d.line,
            message: format!("{} without a zone and targets", d.name),
        });
        return None;
    };
    let to: Vec<String> = args.cloned().collect();
    if to.is_empty() {
        problems.push(Problem {
            fatal: true,
            line: d.line,
            message: format!("{} {from} has no target", d.name),
        });
    }
    let except = d
        .block
        .iter()
        .filter(|o| o.name == "except")
        .flat_map(|o| o.args.iter().map(|z| fqdn(z)))
        .collect();
    Some(Forward {
        from: fqdn(from),
        to,
        except,
        line: d.line,
    })
}

/// `rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO`; other
/// rewrites (type, class, edns0, ttl, answer) do not change the name that is looked up.
fn rewrite(d: &Directive, problems: &mut Vec<Problem>) -> Option<Rewrite> {
    let mut a: Vec<&str> = d.args.iter().map(String::as_str).collect();
    if matches!(a.first(), Some(&"continue") | Some(&"stop")) {
        a.remove(0);
    }
    if a.first() != Some(&"name") {
        return None;
    }
    let rest = &a[1..];
    let (kind, from, to) = match rest {
        [k, f, t, ..] if ["exact", "prefix", "suffix", "substring", "regex"].contains(k) => {
            let kind = match *k {
                "exact" => RewriteMatch::Exact,
                "prefix" => RewriteMatch::Prefix,
                "suffix" => RewriteMatch::Suffix,
                "substring" => RewriteMatch::Substring,
                _ => RewriteMatch::Regex,
            };
            (kind, *f, *t)
        }
        [f, t, ..] => (RewriteMatch::Exact, *f, *t),
        _ => {
            problems.push(Problem {
                fatal: true,
                line: d.line,
                message: format!("rewrite {} not understood", d.args.join(" ")),
            });
            return None;
        }
    };
    if kind == RewriteMatch::Regex {
        problems.push(Problem {
            fatal: false,
            line: d.line,
            message: format!(
                "rewrite name regex {from} {to} is not simulated (names it matches are looked up unchanged)"
            ),
        });
    }
    Some(Rewrite {
        kind,
        from: from.to_string(),
        to: to.to_string(),
        line: d.line,
    })
}

/// `hosts [FILE [ZONES…]] { ADDRESS NAME…, fallthrough … }`: the file defaults to
/// /etc/hosts.
fn hosts(d: &Directive, zones: &[String]) -> Hosts {
    let file = Some(
        d.args
            .first()
            .cloned()
            .unwrap_or_else(|| "/etc/hosts".to_string()),
    );
    let hz: Vec<String> = d.args.iter().skip(1).map(|z| fqdn(z)).collect();
    let mut h = Hosts {
        zones: if hz.is_empty() { zones.to_vec() } else { hz },
        entries: Vec::new(),
        file,
        fallthrough: None,
        line: d.line,
    };
    for o in &d.block {
        if let Ok(ip) = o.name.parse::<IpAddr>() {
            h.entries
                .push((ip, o.args.iter().map(|n| fqdn(n)).collect()));
        } else if o.name == "fallthrough" {
            h.fallthrough = Some(parse_fallthrough(&o.args));
        }
    }
    h
}

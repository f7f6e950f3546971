//! A parser for CoreDNS's Corefile (the Caddyfile syntax) and the extraction of what cluster
//! DNS answers depend on: the `kubernetes` plugin's zones and options, `forward`, `loop`,
//! `rewrite`, `hosts`, and stub-domain server blocks.
//!
//! The parser never fails: what it cannot read or does not understand is listed in
//! `Corefile::problems` (environment substitutions, `import`, snippets, unknown plugins,
//! unbalanced braces) and the rest is still used.

use std::net::IpAddr;

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

/// Plugins CoreDNS ships (plugin.cfg), so that a typo is reported.
const KNOWN_PLUGINS: &[&str] = &[
    "root",
    "metadata",
    "geoip",
    "cancel",
    "tls",
    "timeouts",
    "multisocket",
    "reload",
    "nsid",
    "bufsize",
    "bind",
    "debug",
    "trace",
    "ready",
    "health",
    "pprof",
    "prometheus",
    "errors",
    "log",
    "dnstap",
    "local",
    "dns64",
    "acl",
    "any",
    "chaos",
    "loadbalance",
    "tsig",
    "cache",
    "rewrite",
    "header",
    "dnssec",
    "autopath",
    "minimal",
    "template",
    "transfer",
    "hosts",
    "route53",
    "azure",
    "clouddns",
    "k8s_external",
    "kubernetes",
    "file",
    "auto",
    "secondary",
    "etcd",
    "loop",
    "forward",
    "grpc",
    "erratic",
    "whoami",
    "on",
    "sign",
    "view",
    "nomad",
    "proxy",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Open,
    Close,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn tokenize(text: &str, problems: &mut Vec<Problem>) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(&c) = chars.peek() {
        if c == '\n' {
            line += 1;
            chars.next();
        } else if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            while let Some(&c) = chars.peek() {
                if c == '\n' {
                    break;
                }
                chars.next();
            }
        } else if c == '"' || c == '`' {
            let quote = c;
            let start = line;
            chars.next();
            let mut word = String::new();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' if quote == '"' => {
                        if let Some(&n) = chars.peek() {
                            if n == '"' || n == '\\' {
                                word.push(n);
                                chars.next();
                                continue;
                            }
                        }
                        word.push('\\');
                    }
                    c if c == quote => {
                        closed = true;
                        break;
                    }
                    '\n' => {
                        line += 1;
                        word.push('\n');
                    }
                    c => word.push(c),
                }
            }
            if !closed {
                problems.push(Problem {
                    fatal: true,
                    line: start,
                    message: "unterminated quoted string".into(),
                });
            }
            out.push(Token {
                tok: Tok::Word(word),
                line: start,
            });
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                // `#` starts a comment only at the start of a token.
                word.push(c);
                chars.next();
            }
            let tok = match word.as_str() {
                "{" => Tok::Open,
                "}" => Tok::Close,
                _ => Tok::Word(word),
            };
            out.push(Token { tok, line });
        }
    }
    out
}

fn parse_key(raw: &str) -> Option<ServerKey> {
    let raw = raw.trim_end_matches(',');
    if raw.is_empty() {
        return None;
    }
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("dns".to_string(), raw),
    };
    let default_port = match scheme.as_str() {
        "tls" => 853,
        "https" => 443,
        "grpc" => 443,
        _ => 53,
    };
    // `[::1]:53` does not occur for zones; a zone never contains ':' otherwise.
    let (zone, port) = match rest.rsplit_once(':') {
        Some((z, p)) => (z, p.parse::<u16>().ok()?),
        None => (rest, default_port),
    };
    let zone = if zone.is_empty() { "." } else { zone };
    Some(ServerKey {
        scheme,
        zone: fqdn(&zone.to_ascii_lowercase()),
        port,
    })
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    /// Directives until the closing brace (consumed) or the end.
    fn directives(&mut self, problems: &mut Vec<Problem>, nested: bool) -> Vec<Directive> {
        let mut out = Vec::new();
        loop {
            let Some(t) = self.peek().cloned() else {
                if nested {
                    problems.push(Problem {
                        fatal: true,
                        line: self.toks.last().map_or(1, |t| t.line),
                        message: "a block is not closed (missing '}')".into(),
                    });
                }
                return out;
            };
            match t.tok {
                Tok::Close => {
                    self.pos += 1;
                    return out;
                }
                Tok::Open => {
                    problems.push(Problem {
                        fatal: true,
                        line: t.line,
                        message: "'{' without a directive before it".into(),
                    });
                    self.pos += 1;
                    let _ = self.directives(problems, true);
                }
                Tok::Word(name) => {
                    self.pos += 1;
                    let mut args = Vec::new();
                    let mut block = Vec::new();
                    while let Some(n) = self.peek().cloned() {
                        if n.line != t.line {
                            break;
                        }
                        match n.tok {
                            Tok::Word(w) => {
                                args.push(w);
                                self.pos += 1;
                            }
                            Tok::Open => {
                                self.pos += 1;
                                block = self.directives(problems, true);
                                break;
                            }
                            Tok::Close => break,
                        }
                    }
                    out.push(Directive {
                        name,
                        args,
                        block,
                        line: t.line,
                    });
                }
            }
        }
    }
}

/// Parses a Corefile. Never fails; see `Corefile::problems`.
pub fn parse(text: &str) -> Corefile {
    let mut problems = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.contains("{$") || l.contains("{%") {
            problems.push(Problem {
                fatal: false,
                line: i + 1,
                message: format!("environment substitution not understood: {}", l.trim()),
            });
        }
    }
    let toks = tokenize(text, &mut problems);
    let mut p = Parser { toks, pos: 0 };
    let mut servers = Vec::new();
    while let Some(t) = p.peek().cloned() {
        // Server block keys: words on one line (or continued after a comma) up to '{'.
        let mut keys = Vec::new();
        let line = t.line;
        let mut last_line = t.line;
        let mut opened = false;
        while let Some(n) = p.peek().cloned() {
            match n.tok {
                Tok::Word(w) => {
                    let continued = keys.last().is_some_and(|k: &String| k.ends_with(','));
                    if n.line != last_line && !continued && !keys.is_empty() {
                        break;
                    }
                    last_line = n.line;
                    keys.push(w);
                    p.pos += 1;
                }
                Tok::Open => {
                    p.pos += 1;
                    opened = true;
                    break;
                }
                Tok::Close => {
                    problems.push(Problem {
                        fatal: true,
                        line: n.line,
                        message: "unexpected '}'".into(),
                    });
                    p.pos += 1;
                    break;
                }
            }
        }
        if keys.is_empty() {
            if opened {
                problems.push(Problem {
                    fatal: true,
                    line,
                    message: "server block without an address".into(),
                });
                let _ = p.directives(&mut problems, true);
            }
            continue;
        }
        if keys.first().is_some_and(|k| k == "import") {
            problems.push(Problem {
                fatal: false,
                line,
                message: format!("import not understood: {}", keys[1..].join(" ")),
            });
            continue;
        }
        if keys.first().is_some_and(|k| k.starts_with('(')) {
            problems.push(Problem {
                fatal: false,
                line,
                message: format!(
                    "snippet {} not understood (its plugins are not applied)",
                    keys.join(" ")
                ),
            });
            if opened {
                let _ = p.directives(&mut problems, true);
            }
            continue;
        }
        let plugins = if opened {
            p.directives(&mut problems, true)
        } else if servers.is_empty() {
            // A single server block may omit its braces.
            p.directives(&mut problems, false)
        } else {
            problems.push(Problem {
                fatal: true,
                line,
                message: format!("expected '{{' after {}", keys.join(" ")),
            });
            continue;
        };
        let mut parsed = Vec::new();
        for k in keys.iter().flat_map(|k| k.split(',')) {
            if k.is_empty() {
                continue;
            }
            match parse_key(k) {
                Some(key) => parsed.push(key),
                None => problems.push(Problem {
                    fatal: true,
                    line,
                    message: format!("server address {k:?} not understood"),
                }),
            }
        }
        for d in &plugins {
            if d.name == "import" {
                problems.push(Problem {
                    fatal: false,
                    line: d.line,
                    message: format!("import not understood: {}", d.args.join(" ")),
                });
            } else if !KNOWN_PLUGINS.contains(&d.name.as_str()) {
                problems.push(Problem {
                    fatal: true,
                    line: d.line,
                    message: format!("unknown plugin {:?}", d.name),
                });
            }
        }
        servers.push(ServerBlock {
            keys: parsed,
            plugins,
            line,
        });
    }
    Corefile { servers, problems }
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

fn strip_scheme(t: &str) -> &str {
    t.split_once("://").map_or(t, |(_, r)| r)
}

fn parse_fallthrough(args: &[String]) -> Fallthrough {
    Fallthrough {
        zones: args.iter().map(|z| fqdn(z)).collect(),
    }
}

impl Corefile {
    /// The server blocks with what was extracted from their plugins; problems found while
    /// extracting are appended to `problems`.
    pub fn configs(&self, problems: &mut Vec<Problem>) -> Vec<ServerConfig> {
        self.servers.iter().map(|s| extract(s, problems)).collect()
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

fn extract(s: &ServerBlock, problems: &mut Vec<Problem>) -> ServerConfig {
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
                let mut k = KubernetesPlugin {
                    zones: if d.args.is_empty() {
                        zones.clone()
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
                        "endpoint" | "tls" | "kubeconfig" | "labels" | "namespace_labels"
                        | "upstream" | "multicluster" | "startup_timeout" | "apiserver_qps"
                        | "apiserver_burst" | "apiserver_max_inflight" => {}
                        other => problems.push(Problem {
                    fatal: true,
                            line: o.line,
                            message: format!("kubernetes: option {other:?} not understood"),
                        }),
                    }
                }
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
            "forward" | "proxy" => {
                let mut args = d.args.iter();
                let Some(from) = args.next() else {
                    problems.push(Problem {
                        fatal: true,
                        line: d.line,
                        message: format!("{} without a zone and targets", d.name),
                    });
                    continue;
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
                cfg.forward.push(Forward {
                    from: fqdn(from),
                    to,
                    except,
                    line: d.line,
                });
            }
            "loop" => cfg.has_loop = true,
            "autopath" => cfg.autopath = true,
            "rewrite" => {
                let mut a: Vec<&str> = d.args.iter().map(String::as_str).collect();
                if matches!(a.first(), Some(&"continue") | Some(&"stop")) {
                    a.remove(0);
                }
                if a.first() != Some(&"name") {
                    // Other rewrites (type, class, edns0, ttl, answer) do not change the
                    // name that is looked up.
                    continue;
                }
                let rest = &a[1..];
                let (kind, from, to) = match rest {
                    [k, f, t, ..]
                        if ["exact", "prefix", "suffix", "substring", "regex"].contains(k) =>
                    {
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
                        continue;
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
                cfg.rewrites.push(Rewrite {
                    kind,
                    from: from.to_string(),
                    to: to.to_string(),
                    line: d.line,
                });
            }
            "hosts" => {
                // `hosts [FILE [ZONES...]]`: the file defaults to /etc/hosts.
                let file = Some(
                    d.args
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "/etc/hosts".to_string()),
                );
                let hz: Vec<String> = d.args.iter().skip(1).map(|z| fqdn(z)).collect();
                let mut h = Hosts {
                    zones: if hz.is_empty() { zones.clone() } else { hz },
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
                cfg.hosts = Some(h);
            }
            _ => {}
        }
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBEADM: &str = r#".:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"#;

    #[test]
    fn kubeadm_default() {
        let c = parse(KUBEADM);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.servers.len(), 1);
        assert_eq!(
            c.servers[0].keys,
            vec![ServerKey {
                scheme: "dns".into(),
                zone: ".".into(),
                port: 53
            }]
        );
        let mut p = Vec::new();
        let cfg = &c.configs(&mut p)[0];
        assert!(p.is_empty(), "{p:?}");
        let k = cfg.kubernetes.as_ref().unwrap();
        assert_eq!(k.zones, ["cluster.local.", "in-addr.arpa.", "ip6.arpa."]);
        assert_eq!(k.cluster_domain().as_deref(), Some("cluster.local"));
        assert_eq!(k.pods, PodMode::Insecure);
        assert_eq!(k.ttl, 30);
        assert!(k
            .fallthrough
            .as_ref()
            .unwrap()
            .covers("4.3.2.1.in-addr.arpa."));
        assert!(!k.fallthrough.as_ref().unwrap().covers("foo.cluster.local."));
        assert!(cfg.has_loop);
        assert_eq!(cfg.forward[0].from, ".");
        assert_eq!(cfg.forward[0].to, ["/etc/resolv.conf"]);
    }

    #[test]
    fn comments_quotes_stub_zones_and_problems() {
        let text = r#"# stub domain
consul.local:53 {
    errors
    forward . 10.150.0.1   # the consul server
}
.:53 {
    kubernetes k8s.example "in-addr.arpa" {
        pods verified
        endpoint_pod_names
        fallthrough
        bogus_option 1
    }
    rewrite name exact old.example.com. new.default.svc.k8s.example.
    hosts {
        10.0.0.5 legacy.example.com
        fallthrough
    }
    forward . 127.0.0.1:5353 {$UPSTREAM}
    import common
    frobnicate
}
"#;
        let c = parse(text);
        let problems = c.all_problems();
        let msgs: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("environment substitution")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("import not understood")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("unknown plugin \"frobnicate\"")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("bogus_option")), "{msgs:?}");
        let mut p = Vec::new();
        let cfgs = c.configs(&mut p);
        assert_eq!(cfgs.len(), 2);
        assert_eq!(cfgs[0].zones, ["consul.local."]);
        assert_eq!(cfgs[0].forward[0].to, ["10.150.0.1"]);
        let k = cfgs[1].kubernetes.as_ref().unwrap();
        assert_eq!(k.zones, ["k8s.example.", "in-addr.arpa."]);
        assert_eq!(k.pods, PodMode::Verified);
        assert!(k.endpoint_pod_names);
        assert!(k.fallthrough.as_ref().unwrap().covers("anything."));
        assert!(!cfgs[1].has_loop);
        assert_eq!(cfgs[1].forward[0].loopback_targets(), ["127.0.0.1:5353"]);
        assert_eq!(
            cfgs[1].rewrites[0].apply("old.example.com."),
            Some("new.default.svc.k8s.example.".into())
        );
        let h = cfgs[1].hosts.as_ref().unwrap();
        assert_eq!(h.entries[0].1, ["legacy.example.com."]);
    }

    #[test]
    fn unbalanced_and_braceless() {
        let c = parse(".:53 {\n kubernetes cluster.local {\n pods insecure\n");
        assert!(c.problems.iter().any(|p| p.message.contains("not closed")));
        assert!(c.kubernetes().is_some());
        let c = parse(".\nkubernetes cluster.local\nforward . 8.8.8.8\n");
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.servers[0].plugins.len(), 2);
        let c = parse("}}} {{ \"");
        assert!(!c.problems.is_empty());
    }

    #[test]
    fn rewrite_kinds() {
        let r = |kind, from: &str, to: &str| Rewrite {
            kind,
            from: from.into(),
            to: to.into(),
            line: 1,
        };
        assert_eq!(
            r(RewriteMatch::Suffix, "example.org", "cluster.local").apply("db.example.org."),
            Some("db.cluster.local.".into())
        );
        assert_eq!(
            r(RewriteMatch::Prefix, "old-", "new-").apply("old-db.ns.svc.cluster.local."),
            Some("new-db.ns.svc.cluster.local.".into())
        );
        assert_eq!(r(RewriteMatch::Exact, "a.", "b.").apply("c."), None);
    }
}

//! The Caddyfile syntax of a Corefile: tokens (words, quoted strings, braces, comments),
//! directives with their blocks, and server blocks with their keys.

use super::{fqdn, Corefile, Directive, Problem, ServerBlock, ServerKey};

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

/// How deep blocks may nest. CoreDNS's own Corefiles nest two or three levels (server block,
/// plugin, a plugin's option block); anything deeper is refused rather than parsed recursively
/// (35,000 nested braces once overflowed the stack).
pub const MAX_DEPTH: usize = 16;

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    /// Skips, without recursion, the rest of a block whose `{` was just consumed: up to and
    /// including its matching `}`, or to the end.
    fn skip_block(&mut self) {
        let mut open = 1usize;
        while let Some(t) = self.toks.get(self.pos) {
            self.pos += 1;
            match t.tok {
                Tok::Open => open += 1,
                Tok::Close => {
                    open -= 1;
                    if open == 0 {
                        return;
                    }
                }
                Tok::Word(_) => {}
            }
        }
    }

    /// The block whose `{` (on `line`) was just consumed, at nesting `depth` (1 for a server
    /// block's body). Past `MAX_DEPTH` the block is skipped and reported.
    fn block(&mut self, problems: &mut Vec<Problem>, depth: usize, line: usize) -> Vec<Directive> {
        if depth > MAX_DEPTH {
            problems.push(Problem {
                fatal: true,
                line,
                message: format!(
                    "blocks nested more than {MAX_DEPTH} levels deep (the block opened here is not read)"
                ),
            });
            self.skip_block();
            return Vec::new();
        }
        self.directives(problems, Some(depth))
    }

    /// Directives until the closing brace (consumed) or the end; `nested` is the depth of the
    /// block being read, `None` for a server block without braces.
    fn directives(&mut self, problems: &mut Vec<Problem>, nested: Option<usize>) -> Vec<Directive> {
        let depth = nested.unwrap_or(1);
        let mut out = Vec::new();
        loop {
            let Some(t) = self.peek().cloned() else {
                if nested.is_some() {
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
                    let _ = self.block(problems, depth + 1, t.line);
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
                                block = self.block(problems, depth + 1, n.line);
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
                let _ = p.block(&mut problems, 1, line);
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
                let _ = p.block(&mut problems, 1, line);
            }
            continue;
        }
        let plugins = if opened {
            p.block(&mut problems, 1, line)
        } else if servers.is_empty() {
            // A single server block may omit its braces.
            p.directives(&mut problems, None)
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

//! The HTTP request a client sends to the cluster's edge: parsed once from a URL and `-H`
//! headers, then routed through Ingresses or Gateway API routes (`sim::edge`).
//!
//! The path is kept twice: as sent (the Gateway API leaves normalisation to the
//! implementation, and the Gateway engine matches the path as written) and as nginx matches
//! it (percent-decoded, `//` merged, `.`/`..` resolved), which the Ingress engine uses.

/// A request as the client sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// As given on the command line (trimmed).
    pub url: String,
    /// `http` or `https` (a `grpc://` URL is `http`, `grpcs://` is `https`).
    pub scheme: String,
    /// The Host header (lower case, no port, no trailing dot).
    pub host: String,
    pub port: u16,
    /// Whether the URL gave the port.
    pub explicit_port: bool,
    /// The path as nginx matches it: percent-decoded, `//` merged, `.`/`..` resolved.
    pub path: String,
    /// The path as sent (no query, no fragment; `/` when empty).
    pub sent_path: String,
    /// Query parameters in order (`a&b=c` is `[("a", ""), ("b", "c")]`).
    pub query: Vec<(String, String)>,
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// A gRPC call (content-type application/grpc or a `grpc://` URL): only GRPCRoutes are
    /// considered, with service and method taken from the `/service/method` path.
    pub grpc: bool,
}

impl HttpRequest {
    /// Parses `scheme://host[:port]/path?query`; a URL without scheme is `http`. The schemes
    /// `ingress route` and `trace` accept: `http` and `https`.
    pub fn parse(url: &str) -> Result<HttpRequest, String> {
        parse_url(url, false)
    }

    /// Like [`HttpRequest::parse`], and also `grpc://` and `grpcs://`: gRPC calls over
    /// HTTP/2 (cleartext or TLS), which only the Gateway API engine (GRPCRoute) serves.
    pub fn parse_grpc(url: &str) -> Result<HttpRequest, String> {
        parse_url(url, true)
    }

    /// Parses a `-H 'Name: value'` argument and adds it (see [`HttpRequest::with_header`]).
    pub fn with_header_line(self, line: &str) -> Result<HttpRequest, String> {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("--header {line:?}: expected 'Name: value'"))?;
        if name.trim().is_empty() {
            return Err(format!("--header {line:?}: empty header name"));
        }
        Ok(self.with_header(name, value))
    }

    /// Adds a header; `Host` replaces the host the URL names (as `curl -H 'Host: …'` does),
    /// and a gRPC content-type makes the request a gRPC call.
    pub fn with_header(mut self, name: &str, value: &str) -> HttpRequest {
        let name = name.trim();
        let value = value.trim();
        if name.eq_ignore_ascii_case("host") {
            if let Some((h, _)) = split_host_port(value) {
                self.host = normalize_host(&h);
            }
        }
        if name.eq_ignore_ascii_case("content-type") && value.starts_with("application/grpc") {
            self.grpc = true;
        }
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_method(mut self, method: &str) -> HttpRequest {
        self.method = method.trim().to_ascii_uppercase();
        self
    }

    /// A header's value (first occurrence, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A cookie's value from the `Cookie` headers.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// The first value of a query parameter (name case-sensitive).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(service, method)` of a gRPC call: `/pkg.Service/Method`.
    pub fn grpc_call(&self) -> Option<(&str, &str)> {
        let p = self.sent_path.strip_prefix('/')?;
        let (s, m) = p.split_once('/')?;
        (!s.is_empty() && !m.is_empty() && !m.contains('/')).then_some((s, m))
    }
}

fn parse_url(url: &str, allow_grpc: bool) -> Result<HttpRequest, String> {
    let trimmed = url.trim();
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), trimmed),
    };
    let (scheme, grpc) = match scheme.as_str() {
        "http" | "https" => (scheme.clone(), false),
        "grpc" if allow_grpc => ("http".to_string(), true),
        "grpcs" if allow_grpc => ("https".to_string(), true),
        other if allow_grpc => {
            return Err(format!(
                "{url:?}: scheme {other:?} is not http, https, grpc or grpcs"
            ))
        }
        other => return Err(format!("{url:?}: scheme {other:?} is not http or https")),
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    let (host, port) = split_host_port(authority)
        .ok_or_else(|| format!("{url:?}: {authority:?} is not a valid host[:port]"))?;
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    Ok(HttpRequest {
        url: trimmed.to_string(),
        scheme,
        host: normalize_host(&host),
        port: port.unwrap_or(default_port),
        explicit_port: port.is_some(),
        path: normalize_path(path),
        sent_path: if path.is_empty() { "/" } else { path }.to_string(),
        query: parse_query(query),
        method: "GET".to_string(),
        headers: Vec::new(),
        grpc,
    })
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv.to_string(), String::new()),
        })
        .collect()
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; None when the port is not a number.
fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((h.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h.to_string(), Some(p.parse().ok()?))),
        _ => Some((authority.to_string(), None)),
    }
}

/// A host as compared: lower case, no trailing dot.
pub fn normalize_host(h: &str) -> String {
    h.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// What nginx matches locations against: the decoded URI with `//` merged and dot segments
/// resolved (`merge_slashes on`, nginx's URI normalisation).
pub fn normalize_path(raw: &str) -> String {
    let decoded = percent_decode(raw);
    let mut segments: Vec<&str> = Vec::new();
    let trailing = decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if trailing && !segments.is_empty() {
        out.push('/');
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_kept_as_sent_and_as_nginx_matches_it() {
        let r = HttpRequest::parse("https://App.Example.com:8443/api//users/../v1/%7Euser?x=1&y#f")
            .expect("url");
        assert_eq!(
            (r.scheme.as_str(), r.host.as_str()),
            ("https", "app.example.com")
        );
        assert_eq!((r.port, r.explicit_port), (8443, true));
        assert_eq!(r.path, "/api/v1/~user");
        assert_eq!(r.sent_path, "/api//users/../v1/%7Euser");
        assert_eq!(r.query_param("x"), Some("1"));
        assert_eq!(r.query_param("y"), Some(""));
        let bare = HttpRequest::parse("example.com").expect("url");
        assert_eq!((bare.path.as_str(), bare.sent_path.as_str()), ("/", "/"));
        assert_eq!((bare.port, bare.explicit_port), (80, false));
    }

    #[test]
    fn grpc_schemes_only_where_asked_for() {
        let err = HttpRequest::parse("grpc://x/a.B/C").unwrap_err();
        assert!(err.contains("is not http or https"), "{err}");
        let r = HttpRequest::parse_grpc("grpcs://x/a.B/C").expect("url");
        assert_eq!((r.scheme.as_str(), r.port, r.grpc), ("https", 443, true));
        assert_eq!(r.grpc_call(), Some(("a.B", "C")));
        assert!(HttpRequest::parse_grpc("ftp://x/").is_err());
    }

    #[test]
    fn header_lines_host_override_and_grpc_content_type() {
        let r = HttpRequest::parse("http://192.0.2.1/")
            .and_then(|r| r.with_header_line("Host: App.Example.com:8080"))
            .and_then(|r| r.with_header_line("content-type: application/grpc+proto"))
            .and_then(|r| r.with_header_line("Cookie: a=1; canary=always"))
            .expect("request");
        assert_eq!(r.host, "app.example.com");
        assert!(r.grpc);
        assert_eq!(r.cookie("canary"), Some("always"));
        assert_eq!(r.header("HOST"), Some("App.Example.com:8080"));
        let r = HttpRequest::parse("http://a/").expect("url");
        assert!(r.clone().with_header_line("no-colon").is_err());
        assert!(r.with_header_line(" : v").is_err());
    }
}

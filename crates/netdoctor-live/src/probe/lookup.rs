//! Name lookup for tcp and http probes, and connecting to the addresses found.
//!
//! Names go through the system resolver (`getaddrinfo`: /etc/hosts, then resolv.conf with its
//! search list), as `curl` and `nc` do, so the `dns` phase is what the application sees.

use super::{classify_io, io_reason, ErrorClass, Failure};
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Splits `HOST:PORT` or `[V6]:PORT`.
pub(crate) fn split_host_port(s: &str) -> Option<(String, u16)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?.parse().ok()?;
        return Some((host.to_string(), port));
    }
    let (host, port) = s.rsplit_once(':')?;
    if host.is_empty() || host.contains(':') {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}

/// Parses an IP literal, with or without brackets.
pub(crate) fn ip_literal(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Resolves `host` (an IP literal costs nothing) before `deadline`.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
) -> Result<Vec<SocketAddr>, Failure> {
    if let Some(ip) = ip_literal(host) {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let lookup = tokio::net::lookup_host((host.to_string(), port));
    match tokio::time::timeout_at(deadline, lookup).await {
        Err(_) => Err(Failure::new(
            ErrorClass::Timeout,
            format!("DNS lookup of {host} timed out"),
        )),
        Ok(Err(e)) => Err(classify_lookup_error(host, &e)),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(Failure::new(
                    ErrorClass::Dns,
                    format!("DNS lookup of {host}: no address"),
                ))
            } else {
                Ok(addrs)
            }
        }
    }
}

/// getaddrinfo's errors reach us only as text (`gai_strerror`); glibc's and musl's wording is
/// matched. EAI_NONAME is NXDOMAIN; EAI_AGAIN is a server that failed or did not answer.
pub(crate) fn classify_lookup_error(host: &str, err: &std::io::Error) -> Failure {
    let text = err.to_string();
    let lower = text.to_ascii_lowercase();
    let class = if lower.contains("name or service not known")
        || lower.contains("name does not resolve")
        || lower.contains("nodename nor servname")
    {
        ErrorClass::Nxdomain
    } else {
        // EAI_AGAIN ("Temporary failure in name resolution"), EAI_NODATA, EAI_FAIL.
        ErrorClass::Dns
    };
    let what = match class {
        ErrorClass::Nxdomain => "the name does not exist (NXDOMAIN)",
        _ => "the DNS lookup failed",
    };
    Failure::new(class, format!("DNS lookup of {host}: {what}: {text}"))
}

/// Connects to the addresses in order until one answers, like curl and nc; the failure is
/// the last address's.
pub(crate) async fn connect(
    addrs: &[SocketAddr],
    deadline: Instant,
) -> (Result<TcpStream, Failure>, Option<SocketAddr>) {
    let mut last = Failure::new(ErrorClass::Other, "no address to connect to");
    let mut last_addr = None;
    for addr in addrs {
        last_addr = Some(*addr);
        match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => {
                return (
                    Err(Failure::new(
                        ErrorClass::Timeout,
                        format!("connect to {addr} timed out (SYN unanswered: packets dropped on the way, often by a NetworkPolicy)"),
                    )),
                    last_addr,
                )
            }
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return (Ok(stream), last_addr);
            }
            Ok(Err(e)) => {
                last = Failure::new(classify_io(&e), format!("connect to {addr}: {}", io_reason(&e)));
            }
        }
    }
    (Err(last), last_addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(
            split_host_port("api-service:8080"),
            Some(("api-service".into(), 8080))
        );
        assert_eq!(split_host_port("[::1]:53"), Some(("::1".into(), 53)));
        assert_eq!(
            split_host_port("127.0.0.1:80"),
            Some(("127.0.0.1".into(), 80))
        );
        assert_eq!(split_host_port("::1:53"), None);
        assert_eq!(split_host_port("host"), None);
        assert_eq!(split_host_port(":80"), None);
        assert_eq!(split_host_port("h:99999"), None);
    }

    #[test]
    fn lookup_errors_by_text() {
        let nx = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        assert_eq!(classify_lookup_error("x", &nx).class, ErrorClass::Nxdomain);
        let again = std::io::Error::other(
            "failed to lookup address information: Temporary failure in name resolution",
        );
        assert_eq!(classify_lookup_error("x", &again).class, ErrorClass::Dns);
    }
}

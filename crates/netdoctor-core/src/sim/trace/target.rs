//! The target as the client types it (a URL or `HOST:PORT`) and where an address leads.

use crate::model::{Cluster, Service};
use crate::sim::http::HttpRequest;
use std::net::IpAddr;

/// What the client connects to: a URL or `HOST:PORT`, as it would type it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub raw: String,
    /// `http`/`https` for a URL.
    pub scheme: Option<String>,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Target {
    /// Parses `http(s)://host[:port]/path` or `host:port` (`[v6]:port` for IPv6).
    pub fn parse(s: &str) -> Result<Target, String> {
        let s = s.trim();
        if s.contains("://") {
            let r = HttpRequest::parse(s)?;
            return Ok(Target {
                raw: s.to_string(),
                scheme: Some(r.scheme),
                host: r.host,
                port: r.port,
                path: r.path,
            });
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, p) = rest
                .split_once("]:")
                .ok_or_else(|| format!("{s:?}: expected [IPv6]:PORT"))?;
            (h.to_string(), p)
        } else {
            let (h, p) = s
                .rsplit_once(':')
                .ok_or_else(|| format!("{s:?}: expected a URL (http://host/path) or HOST:PORT"))?;
            (h.to_string(), p)
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| format!("{s:?}: {port:?} is not a port number (1-65535)"))?;
        if host.is_empty() {
            return Err(format!("{s:?} has no host"));
        }
        Ok(Target {
            raw: s.to_string(),
            scheme: None,
            host: host.trim_end_matches('.').to_string()
                + if host.ends_with('.') { "." } else { "" },
            port,
            path: "/".into(),
        })
    }

    pub fn ip(&self) -> Option<IpAddr> {
        self.host.trim_end_matches('.').parse().ok()
    }
}

/// Where the name led.
pub(super) enum Destination<'a> {
    Service(&'a Service, IpAddr),
    /// Pods by address (None: pods not created yet, reached by their DNS name).
    Pods(Vec<usize>, Option<IpAddr>),
    External(Option<IpAddr>),
}

pub(super) fn classify_ip(cluster: &Cluster, ip: IpAddr) -> Destination<'_> {
    if let Some(svc) = cluster.service_by_cluster_ip(ip) {
        return Destination::Service(svc, ip);
    }
    let pods: Vec<usize> = cluster
        .pods_by_ip(ip)
        .filter_map(|p| cluster.pod_index(&p.namespace, &p.name))
        .collect();
    if !pods.is_empty() {
        return Destination::Pods(pods, Some(ip));
    }
    Destination::External(Some(ip))
}

//! `probe tcp HOST:PORT`: what `nc -zv` tells, timed. The connection is opened and closed
//! without sending data.
//!
//! Failures are classified the way the guide's table reads them: `refused` (the host answered
//! with a reset: nothing listens on the port), `timeout` (no answer at all: something drops
//! the SYN, usually a NetworkPolicy), `unreachable` (no route, or an ICMP unreachable),
//! `nxdomain` / `dns` (the name did not resolve).

use super::lookup;
use super::{ms_since, Sample, SetupError};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct TcpProbe {
    target: String,
    host: String,
    port: u16,
}

impl TcpProbe {
    /// `target` is `HOST:PORT` or `[V6]:PORT`.
    pub fn new(target: &str) -> Result<Self, SetupError> {
        let (host, port) = lookup::split_host_port(target).ok_or_else(|| SetupError::Target {
            target: target.to_string(),
            reason: "expected HOST:PORT (or [IPV6]:PORT) with a port from 1 to 65535".to_string(),
        })?;
        if port == 0 {
            return Err(SetupError::Target {
                target: target.to_string(),
                reason: "port 0 cannot be connected to".to_string(),
            });
        }
        Ok(TcpProbe {
            target: target.to_string(),
            host,
            port,
        })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    pub(crate) async fn attempt(&self, start: Instant, deadline: tokio::time::Instant) -> Sample {
        let mut sample = Sample::default();
        let addrs = match lookup::resolve(&self.host, self.port, deadline).await {
            Ok(a) => a,
            Err(f) => {
                sample.failure = Some(f);
                return sample;
            }
        };
        sample.times.dns = Some(ms_since(start));
        let (result, addr) = lookup::connect(&addrs, deadline).await;
        sample.address = addr.map(|a| a.to_string());
        match result {
            Ok(stream) => {
                // `tcp` reports `dns` and `connect` only (the interface: "tcp reports connect").
                sample.times.connect = Some(ms_since(start));
                drop(stream);
            }
            Err(f) => sample.failure = Some(f),
        }
        sample
    }
}

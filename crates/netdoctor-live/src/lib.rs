//! All of netdoctor's network I/O: `cluster` reads a live cluster through the Kubernetes
//! API into the same objects the file loader produces; `probe` measures DNS, TCP and HTTP;
//! `monitor` is the agent that probes on a schedule and exports Prometheus metrics.

pub mod cluster;
pub mod inpod;
pub mod monitor;
pub mod probe;

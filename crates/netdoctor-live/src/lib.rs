//! All of netdoctor's network I/O: `cluster` reads a live cluster through the Kubernetes
//! API into the same objects the file loader produces; `probe` measures DNS, TCP and HTTP.

pub mod cluster;
pub mod probe;

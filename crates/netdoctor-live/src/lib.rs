//! All of netdoctor's network I/O. `cluster`: reading a live cluster through the Kubernetes
//! API into the same objects the file loader produces.

pub mod cluster;

//! Simulations: each answers one question about the model (where does this packet go, what
//! does this name resolve to) and returns a verdict with the ordered steps that explain it.

pub mod dns;
pub mod edge;
pub mod fix;
pub mod gateway;
pub mod http;
pub mod ingress;
pub mod migrate;
pub mod netpol;
pub mod path;
pub mod pod_report;
pub mod service;
pub mod trace;
pub mod verify;

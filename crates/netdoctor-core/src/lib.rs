//! netdoctor-core: the model of a cluster's network, the simulations over it and the rules.
//!
//! Pure: no sockets, no async runtime, no Kubernetes client. Files are read by `load`;
//! everything else works on `model::Cluster`.

pub mod alerts;
pub mod finding;
pub mod load;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rules;
pub mod sim;
pub mod text;

pub use finding::{Finding, Fix, ObjectRef, Severity, Summary};
pub use model::Cluster;

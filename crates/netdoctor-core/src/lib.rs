//! netdoctor-core: the model of a cluster's network, the simulations over it and the rules.
//!
//! Pure: no files, sockets, async runtime or Kubernetes client. `load` turns text into API
//! objects (the binary reads files and stdin); everything else works on `model::Cluster`.

pub mod alerts;
pub mod finding;
#[doc(hidden)]
pub mod fuzz;
pub mod load;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rules;
pub mod sim;
pub mod text;

pub use finding::{Finding, Fix, ObjectRef, Severity, Summary};
pub use model::Cluster;

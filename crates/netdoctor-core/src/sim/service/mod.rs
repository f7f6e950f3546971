//! Services and their endpoints, as the EndpointSlice controller computes them.
//!
//! The entry points (one file per concern: `endpoints`, `target_port`, `not_ready`, `stale`,
//! `near_miss`, and `report`, the answers `doctor` shows):
//! - [`endpoints`]: the endpoints of a Service computed from the model (for a Service with a
//!   selector), or read from its EndpointSlices (for a Service without one): per Service port
//!   the backends (pod, IP, target port, ready) and the pods left out, each with the reason.
//! - [`pod_not_ready_reason`]: why a pod is not ready, in plain words from its status.
//! - [`stale_slice_addresses`]: addresses in the snapshot's EndpointSlices that belong to pods
//!   that no longer exist or no longer match the selector (SVC009).
//! - [`resolve_target_port`]: one Service port's `targetPort` resolved against one pod.
//! - [`pod_serves`]: whether a pod is a ready endpoint of a Service (receives its traffic).
//! - [`services_selecting`]: the Services whose selector matches a pod.
//! - [`service_report`], [`pod_services`]: why a Service does (not) serve a pod, for `doctor`.
//!
//! What the controller does (pkg/controller/endpointslice and endpointutil in Kubernetes):
//! a pod is listed when its labels match the selector, it is in the Service's namespace, its
//! phase is not terminal (`Succeeded`/`Failed`) and it has an IP. `ready` is the pod's Ready
//! condition, never true while the pod is terminating, and always true when the Service sets
//! `publishNotReadyAddresses`. Terminating pods stay listed with `ready: false`,
//! `terminating: true` and `serving` = their Ready condition. A hostNetwork pod's IP is its
//! node's IP. Each Service port's `targetPort` is resolved per pod: a number is used as is; a
//! name is looked up among that pod's container ports with the Service port's protocol, and a
//! pod whose containers do not declare it is left out of that port.
//!
//! Pods derived from a workload template (and manifests without status) count as running and
//! ready; they have no IP yet, so their backends carry `ip: None`.

mod endpoints;
mod near_miss;
mod not_ready;
mod report;
mod stale;
mod target_port;

pub use endpoints::*;
pub use near_miss::*;
pub use not_ready::pod_not_ready_reason;
pub use report::*;
pub use stale::*;
pub use target_port::*;

#[cfg(test)]
mod tests;

//! `monitor --peers --model`: the agent's own results held against the model. The binary
//! hands a [`ModelSource`] (a live read of the cluster); the agent refreshes it on a
//! schedule and judges every peer round trip and every DNS result with core's
//! `sim::verify` (the same checks and classes as `netdoctor verify`). A contradiction is
//! counted in `netdoctor_model_contradictions_total{kind}` and logged once per path and kind.

use crate::probe::{ErrorClass, Sample};
use netdoctor_core::model::Cluster;
use netdoctor_core::sim::dns::{ClusterDns, Libc};
use netdoctor_core::sim::trace::Target;
use netdoctor_core::sim::verify::{
    compare, dns_check, tcp_check, Contradiction, Measured, Thresholds,
};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;

pub type ModelFuture = Pin<Box<dyn Future<Output = Result<Cluster, String>> + Send>>;

/// Reads the cluster into a model (the binary: a live read with the agent's credentials).
pub trait ModelSource: Send + Sync + 'static {
    fn load(&self) -> ModelFuture;
}

/// A model and this agent's pod in it.
pub struct ModelView {
    cluster: Cluster,
    dns: ClusterDns,
    me: usize,
    thresholds: Thresholds,
}

fn count(class: ErrorClass, m: &mut Measured) {
    match class {
        ErrorClass::Timeout => m.timeout += 1,
        ErrorClass::Refused => m.refused += 1,
        ErrorClass::Nxdomain => m.nxdomain += 1,
        _ => m.other += 1,
    }
}

impl ModelView {
    /// Finds this agent's pod (by `POD_IP`, else by `POD_NAME`) in the model.
    pub fn new(
        cluster: Cluster,
        pod_name: Option<&str>,
        pod_ip: Option<IpAddr>,
    ) -> Result<ModelView, String> {
        let by_ip = pod_ip.and_then(|ip| {
            cluster
                .pods()
                .iter()
                .position(|p| p.ips.contains(&ip) && !p.host_network)
        });
        let by_name = || pod_name.and_then(|n| cluster.pods().iter().position(|p| p.name == n));
        let me = by_ip.or_else(by_name).ok_or_else(|| {
            format!(
                "this pod (POD_IP {}, POD_NAME {}) is not in the model",
                pod_ip.map_or("unset".to_string(), |i| i.to_string()),
                pod_name.unwrap_or("unset")
            )
        })?;
        let dns = ClusterDns::of(&cluster);
        Ok(ModelView {
            cluster,
            dns,
            me,
            thresholds: Thresholds::default(),
        })
    }

    pub fn pods(&self) -> usize {
        self.cluster.pods().len()
    }

    /// A peer round trip (`Ok(seconds)` or the failure) against the model's verdict for
    /// this pod → `peer:port`.
    pub fn judge_peer(
        &self,
        peer: IpAddr,
        port: u16,
        rtt: Result<f64, ErrorClass>,
    ) -> Option<Contradiction> {
        let target = Target::parse(&SocketAddr::new(peer, port).to_string()).ok()?;
        let to_pod = self
            .cluster
            .pods()
            .iter()
            .position(|p| p.ips.contains(&peer) && !p.host_network);
        let check = tcp_check(&self.cluster, self.me, &target, to_pod, Libc::Glibc)?;
        let mut m = Measured {
            count: 1,
            ..Measured::default()
        };
        match rtt {
            Ok(seconds) => {
                m.ok = 1;
                m.connect_ms = Some(seconds * 1000.0);
            }
            Err(class) => count(class, &mut m),
        }
        compare(&check, &m, &self.thresholds)
    }

    /// A DNS result for `name` against the model's answer from this pod.
    pub fn judge_dns(&self, name: &str, sample: &Sample) -> Option<Contradiction> {
        let check = dns_check(&self.cluster, &self.dns, self.me, name, Libc::Glibc)?;
        let mut m = Measured {
            count: 1,
            ..Measured::default()
        };
        match &sample.failure {
            None => {
                m.ok = 1;
                let mut answers: Vec<String> = sample
                    .queries
                    .iter()
                    .filter(|q| q.rcode == "NOERROR")
                    .flat_map(|q| q.answers.iter().cloned())
                    .collect();
                answers.sort();
                answers.dedup();
                m.answers = answers;
                m.dns_ms = sample.times.total;
            }
            Some(f) => count(f.class, &mut m),
        }
        compare(&check, &m, &self.thresholds)
    }
}

//! A pod's status and probes, from API objects to the model's own types.

use crate::load::api;
use crate::model::{
    Condition, ContainerState, ContainerStatus, DnsConfig, DnsOption, ProbeCheck, StateDetail,
};

pub(super) fn condition(c: &api::Condition) -> Condition {
    Condition {
        type_: c.type_.clone(),
        status: c.status.clone(),
        reason: c.reason.clone(),
        message: c.message.clone(),
    }
}

pub(super) fn container_statuses(statuses: &[api::ContainerStatus]) -> Vec<ContainerStatus> {
    statuses
        .iter()
        .map(|cs| ContainerStatus {
            name: cs.name.clone(),
            image: cs.image.clone(),
            ready: cs.ready,
            started: cs.started,
            restart_count: cs.restart_count,
            state: state(&cs.state),
            last_state: state(&cs.last_state),
        })
        .collect()
}

fn state(s: &api::ContainerState) -> ContainerState {
    ContainerState {
        waiting: s.waiting.as_ref().map(detail),
        running: s.running.as_ref().map(detail),
        terminated: s.terminated.as_ref().map(detail),
    }
}

fn detail(d: &api::StateDetail) -> StateDetail {
    StateDetail {
        reason: d.reason.clone(),
        message: d.message.clone(),
        exit_code: d.exit_code,
    }
}

/// The handler a probe uses, in the order kubelet checks them.
pub(super) fn probe_check(p: &api::Probe) -> ProbeCheck {
    let port = |p: &Option<api::IntOrString>| {
        p.as_ref().map(|p| match p {
            api::IntOrString::Int(n) => n.to_string(),
            api::IntOrString::String(s) => s.clone(),
        })
    };
    if let Some(h) = &p.http_get {
        ProbeCheck::HttpGet {
            path: h.path.clone().unwrap_or_else(|| "/".into()),
            port: port(&h.port),
        }
    } else if let Some(t) = &p.tcp_socket {
        ProbeCheck::TcpSocket {
            port: port(&t.port),
        }
    } else if let Some(g) = &p.grpc {
        ProbeCheck::Grpc { port: g.port }
    } else if p.exec.is_some() {
        ProbeCheck::Exec
    } else {
        ProbeCheck::Other
    }
}

pub(super) fn dns_config(c: &api::PodDnsConfig) -> DnsConfig {
    DnsConfig {
        nameservers: c.nameservers.clone(),
        searches: c.searches.clone(),
        options: c
            .options
            .iter()
            .map(|o| DnsOption {
                name: o.name.clone(),
                value: o.value.clone(),
            })
            .collect(),
    }
}

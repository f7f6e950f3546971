//! What the model keeps of a pod's status and probes: only what explains readiness, in the
//! model's own types so simulations never read API structs.

/// A pod condition (`Ready`, `PodScheduled`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

/// The state of one container, as kubelet reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerStatus {
    pub name: String,
    pub image: Option<String>,
    pub ready: bool,
    pub started: Option<bool>,
    pub restart_count: i64,
    pub state: ContainerState,
    /// The previous run: where a crash loop's exit code is.
    pub last_state: ContainerState,
}

/// At most one of the three is set by kubelet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerState {
    pub waiting: Option<StateDetail>,
    pub running: Option<StateDetail>,
    pub terminated: Option<StateDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateDetail {
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i64>,
}

/// What a readiness probe checks, to name it when it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeCheck {
    /// `httpGet`: the path (default `/`) and the port as written (a number or a name).
    HttpGet {
        path: String,
        port: Option<String>,
    },
    TcpSocket {
        port: Option<String>,
    },
    Grpc {
        port: i64,
    },
    Exec,
    /// A probe with no handler the model knows.
    Other,
}

/// `spec.dnsConfig`: what kubelet merges into the resolv.conf it writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsConfig {
    pub nameservers: Vec<String>,
    pub searches: Vec<String>,
    pub options: Vec<DnsOption>,
}

/// One resolver option, `ndots` with value `2` or `single-request` without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsOption {
    pub name: String,
    pub value: Option<String>,
}

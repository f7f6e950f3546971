//! The monitor agent (`netdoctor monitor`): probes every configured target on its own
//! jittered schedule, keeps Prometheus metrics of what it measured, and serves them.
//!
//! Bounds, whatever the number of targets:
//! - one task per target, with at most one attempt of that target in flight; attempts of all
//!   targets share a semaphore (`concurrency`), so a burst waits instead of piling up;
//! - every attempt is bounded by the configured timeout (and a guard around it), so a probe
//!   that hangs holds one permit for at most that long and never stalls the others;
//! - metrics are histograms and counters per configured target: memory is fixed by the
//!   config, not by time (series of targets removed by a reload are deleted).
//!
//! Life cycle: the config is loaded (a bad one at start is an error); SIGHUP or a change of
//! the file (polled) reloads it, and a bad new config keeps the old one in force, says why,
//! and sets `netdoctor_config_last_reload_successful` to 0; SIGTERM or SIGINT stops
//! scheduling, lets the attempts in flight finish (drain) and stops the server.

pub mod config;
pub mod connections;
pub mod metrics;
pub mod model;
pub mod peers;
pub mod server;

use crate::probe::ErrorClass;
use config::{Config, Target};
use metrics::Metrics;
use peers::{PeerPod, PeerSource};
use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;

/// A log line sink (stderr in the binary).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// State the server reads and the scheduler writes.
pub struct Shared {
    pub metrics: Metrics,
    config_loaded: AtomicBool,
    first_round_done: AtomicBool,
    /// Destination nodes with peer series, kept across reloads so that the series of a node
    /// gone (or of peers turned off) are deleted.
    peer_nodes: std::sync::Mutex<BTreeSet<String>>,
    /// The model in force (`--model`), replaced at each refresh.
    model: std::sync::RwLock<Option<Arc<model::ModelView>>>,
    /// (path, kind) of the contradictions logged already (bounded: logged once each).
    contradictions_seen: std::sync::Mutex<BTreeSet<(String, String)>>,
    pub log: Log,
}

impl Shared {
    pub fn new(log: Log) -> Self {
        Shared {
            metrics: Metrics::new(),
            config_loaded: AtomicBool::new(false),
            first_round_done: AtomicBool::new(false),
            peer_nodes: std::sync::Mutex::new(BTreeSet::new()),
            model: std::sync::RwLock::new(None),
            contradictions_seen: std::sync::Mutex::new(BTreeSet::new()),
            log,
        }
    }

    /// The model in force, if any.
    pub fn model(&self) -> Option<Arc<model::ModelView>> {
        self.model.read().ok().and_then(|m| m.clone())
    }

    /// Counts a contradiction of the model, and logs it the first time for this path and
    /// kind (at most 1000 remembered).
    pub fn contradiction(&self, path: &str, c: &netdoctor_core::sim::verify::Contradiction) {
        self.metrics
            .contradictions
            .get_or_create(&metrics::ContradictionLabels {
                kind: c.class.as_str().to_string(),
            })
            .inc();
        let first = {
            let mut seen = lock(&self.contradictions_seen);
            seen.len() < 1000 && seen.insert((path.to_string(), c.class.as_str().to_string()))
        };
        if first {
            (self.log)(&format!(
                "model contradicted ({}) on {path}: {}; {}",
                c.class, c.detail, c.implies
            ));
        }
    }

    /// `None` when ready: a config is loaded and every target was probed once.
    pub fn not_ready_reason(&self) -> Option<&'static str> {
        if !self.config_loaded.load(Ordering::Acquire) {
            Some("no config loaded yet")
        } else if !self.first_round_done.load(Ordering::Acquire) {
            Some("waiting for the first probe round")
        } else {
            None
        }
    }
}

/// How the agent runs.
pub struct MonitorOptions {
    pub config_path: PathBuf,
    /// Attempts in flight at once, all targets and peers together.
    pub concurrency: usize,
    /// How often the config file is checked for a change.
    pub config_poll: Duration,
    /// Peer discovery (`--peers`); `None` ignores the config's `peers` section.
    pub peers: Option<Arc<dyn PeerSource>>,
    /// This pod's node (`NODE_NAME`, from the downward API): `source_node` of peer RTTs.
    pub node_name: String,
    /// This pod's name and IP (`POD_NAME`, `POD_IP`), to leave itself out of its peers.
    pub pod_name: Option<String>,
    pub pod_ip: Option<std::net::IpAddr>,
    /// The model to hold the results against (`--model`), re-read every `model_refresh`.
    pub model: Option<Arc<dyn model::ModelSource>>,
    pub model_refresh: Duration,
}

/// Re-lists the peer pods this often (each pod of the DaemonSet asks the API server).
pub const PEER_DISCOVERY_EVERY: Duration = Duration::from_secs(60);

/// Loads the config at start: an error here stops the agent (exit 2 at the CLI).
pub fn load_initial(path: &std::path::Path) -> Result<Config, String> {
    config::load(path)
}

/// Something that ends the agent (SIGTERM/SIGINT) or reloads its config (SIGHUP).
pub struct Signals {
    pub shutdown: std::pin::Pin<Box<dyn Future<Output = &'static str> + Send>>,
    pub reload: mpsc::Receiver<&'static str>,
}

/// SIGTERM/SIGINT end the agent; SIGHUP reloads the config. Needs a runtime with signals.
#[cfg(unix)]
pub fn unix_signals() -> std::io::Result<Signals> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            if tx.send("SIGHUP").await.is_err() {
                break;
            }
        }
    });
    Ok(Signals {
        shutdown: Box::pin(async move {
            tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        }),
        reload: rx,
    })
}

/// The file's identity and version as the poller sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    ino: u64,
}

fn stamp(path: &std::path::Path) -> Option<FileStamp> {
    // `metadata` follows symlinks: a ConfigMap volume update swaps the `..data` link.
    let m = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        modified: m.modified().ok(),
        len: m.len(),
        #[cfg(unix)]
        ino: std::os::unix::fs::MetadataExt::ino(&m),
    })
}

/// One config in force: its tasks and the signal that stops them.
struct Generation {
    config: Arc<Config>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

struct Runner {
    shared: Arc<Shared>,
    semaphore: Arc<Semaphore>,
    opts: Arc<MonitorOptions>,
}

impl Runner {
    fn start(&self, config: Config) -> Generation {
        let config = Arc::new(config);
        let (stop, stop_rx) = watch::channel(false);
        let pending = Arc::new(AtomicUsize::new(config.targets.len()));
        if config.targets.is_empty() {
            self.shared.first_round_done.store(true, Ordering::Release);
        }
        let m = &self.shared.metrics;
        m.targets.set(config.targets.len() as i64);
        for t in &config.targets {
            m.add_target(t);
        }
        let seed = seed();
        let mut tasks = Vec::with_capacity(config.targets.len() + 1);
        for (i, t) in config.targets.iter().enumerate() {
            let job = TargetJob {
                target: t.clone(),
                config: config.clone(),
                shared: self.shared.clone(),
                semaphore: self.semaphore.clone(),
                pending: pending.clone(),
                rng: Rng(seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            };
            tasks.push(tokio::spawn(job.run(stop_rx.clone())));
        }
        if let (Some(source), Some(pc)) = (&self.opts.peers, &config.peers) {
            let job = PeerJob {
                source: source.clone(),
                namespace: pc.namespace.clone(),
                selector: pc.selector.clone(),
                port: pc.port,
                sample: pc.sample,
                interval: config.interval,
                timeout: config.timeout,
                shared: self.shared.clone(),
                semaphore: self.semaphore.clone(),
                opts: self.opts.clone(),
            };
            tasks.push(tokio::spawn(job.run(stop_rx.clone())));
        }
        Generation {
            config,
            stop,
            tasks,
        }
    }

    /// Stops `old`; once its attempts in flight are done, deletes the series of the targets
    /// `new` does not have. Runs in the background so the reload itself does not wait.
    fn retire(&self, old: Generation, new: &Config) {
        let _ = old.stop.send(true);
        let keep: BTreeSet<_> = new
            .targets
            .iter()
            .map(|t| (t.kind, t.target.clone(), t.server.clone()))
            .collect();
        let removed: Vec<Target> = old
            .config
            .targets
            .iter()
            .filter(|t| !keep.contains(&(t.kind, t.target.clone(), t.server.clone())))
            .cloned()
            .collect();
        let peers_off = new.peers.is_none() || self.opts.peers.is_none();
        let shared = self.shared.clone();
        let me = self.opts.node_name.clone();
        tokio::spawn(async move {
            for t in old.tasks {
                let _ = t.await;
            }
            for t in &removed {
                shared.metrics.remove_target(t);
            }
            if peers_off {
                let nodes = std::mem::take(&mut *lock(&shared.peer_nodes));
                for n in &nodes {
                    shared.metrics.remove_peer(&me, n);
                }
            }
        });
    }
}

/// Runs the agent until `signals.shutdown` completes. `listener` is already bound (the
/// caller prints its address).
pub async fn run(
    opts: MonitorOptions,
    initial: Config,
    listener: TcpListener,
    shared: Arc<Shared>,
    mut signals: Signals,
) {
    let log = shared.log.clone();
    let opts = Arc::new(opts);
    let runner = Runner {
        shared: shared.clone(),
        semaphore: Arc::new(Semaphore::new(opts.concurrency.max(1))),
        opts: opts.clone(),
    };
    let (server_stop, server_stop_rx) = watch::channel(false);
    let server = tokio::spawn(server::serve(listener, shared.clone(), server_stop_rx));
    let model_task = opts
        .model
        .clone()
        .map(|source| tokio::spawn(refresh_model(source, opts.clone(), shared.clone())));

    let path = opts.config_path.clone();
    let mut last_stamp = stamp(&path);
    log(&format!(
        "config {} loaded: {} targets{}",
        path.display(),
        initial.targets.len(),
        peers_note(&initial, opts.peers.is_some())
    ));
    set_reload_ok(&shared.metrics, true);
    let mut current = runner.start(initial);
    shared.config_loaded.store(true, Ordering::Release);

    let mut poll = tokio::time::interval(opts.config_poll.max(Duration::from_millis(50)));
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    poll.tick().await;
    let why = loop {
        let cause = tokio::select! {
            why = &mut signals.shutdown => break why,
            Some(cause) = signals.reload.recv() => cause,
            _ = poll.tick() => {
                let now = stamp(&path);
                if now == last_stamp { continue; }
                "file change"
            }
        };
        // Stamp before reading: a write landing during the read is seen at the next poll.
        last_stamp = stamp(&path);
        match config::load(&path) {
            Ok(new) => {
                log(&format!(
                    "config reloaded ({cause}): {} targets{}",
                    new.targets.len(),
                    peers_note(&new, opts.peers.is_some())
                ));
                let next = runner.start(new);
                let old = std::mem::replace(&mut current, next);
                runner.retire(old, &current.config);
                set_reload_ok(&shared.metrics, true);
            }
            Err(e) => {
                // One log line: the parser's source snippet (lines after the first) is left out.
                let e = e.lines().next().unwrap_or_default();
                log(&format!(
                    "config reload ({cause}) rejected, keeping the previous config ({} targets): {e}",
                    current.config.targets.len()
                ));
                shared.metrics.reload_ok.set(0);
            }
        }
    };
    log(&format!(
        "{why}: stopping; waiting for the probes in flight"
    ));
    let _ = current.stop.send(true);
    let drain = current.config.timeout + Duration::from_secs(2);
    let started = Instant::now();
    for t in current.tasks {
        let left = drain.saturating_sub(started.elapsed());
        if tokio::time::timeout(left, t).await.is_err() {
            break;
        }
    }
    if let Some(t) = model_task {
        t.abort();
    }
    let _ = server_stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(3), server).await;
    log("stopped");
}

/// Reads the model now and every `model_refresh`; a failed read keeps the previous model.
async fn refresh_model(
    source: Arc<dyn model::ModelSource>,
    opts: Arc<MonitorOptions>,
    shared: Arc<Shared>,
) {
    let mut last_error: Option<String> = None;
    loop {
        let loaded = source.load().await.and_then(|cluster| {
            model::ModelView::new(cluster, opts.pod_name.as_deref(), opts.pod_ip)
        });
        match loaded {
            Ok(view) => {
                let first = shared.model().is_none() || last_error.is_some();
                if first {
                    (shared.log)(&format!(
                        "model loaded: {} pods; peer and DNS results are held against it",
                        view.pods()
                    ));
                }
                last_error = None;
                if let Ok(mut m) = shared.model.write() {
                    *m = Some(Arc::new(view));
                }
            }
            Err(e) => {
                if last_error.as_ref() != Some(&e) {
                    (shared.log)(&format!("model not loaded (keeping the previous one): {e}"));
                }
                last_error = Some(e);
            }
        }
        tokio::time::sleep(opts.model_refresh.max(Duration::from_secs(1))).await;
    }
}

fn peers_note(c: &Config, enabled: bool) -> String {
    match (&c.peers, enabled) {
        (Some(p), true) => format!(
            ", peers {} in {} on port {}",
            p.selector, p.namespace, p.port
        ),
        (Some(_), false) => ", peers configured but --peers not given".to_string(),
        (None, true) => ", --peers given but the config has no peers section".to_string(),
        (None, false) => String::new(),
    }
}

fn set_reload_ok(m: &Metrics, ok: bool) {
    m.reload_ok.set(i64::from(ok));
    if ok {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        m.reload_time.set(now);
    }
}

/// Locks a mutex, recovering from poisoning (the data is a plain set).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Completes when the stop flag turns true (or its sender is gone).
pub(crate) async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// A small PRNG for jitter (splitmix64): no need for cryptographic quality.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ (u64::from(std::process::id()) << 32)
}

/// The first attempt of a target comes within this (spread, so 200 targets do not all fire
/// at once), later ones every `interval` ± 10%.
const FIRST_SPREAD_MAX: Duration = Duration::from_secs(5);

struct TargetJob {
    target: Target,
    config: Arc<Config>,
    shared: Arc<Shared>,
    semaphore: Arc<Semaphore>,
    pending: Arc<AtomicUsize>,
    rng: Rng,
}

impl TargetJob {
    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let interval = self.target.interval;
        let timeout = self.config.timeout;
        let first = interval.min(FIRST_SPREAD_MAX).mul_f64(self.rng.unit());
        let mut next = tokio::time::Instant::now() + first;
        let mut first_done = false;
        let mut was_ok: Option<bool> = None;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = stopped(&mut stop) => return,
            }
            let permit = tokio::select! {
                p = self.semaphore.acquire() => match p { Ok(p) => p, Err(_) => return },
                _ = stopped(&mut stop) => return,
            };
            let started = Instant::now();
            // The attempt bounds itself by `timeout`; the guard makes sure of it.
            let sample = match tokio::time::timeout(
                timeout + Duration::from_secs(1),
                self.target.probe.attempt(timeout),
            )
            .await
            {
                Ok(s) => s,
                Err(_) => crate::probe::Sample {
                    failure: Some(crate::probe::Failure::new(
                        crate::probe::ErrorClass::Timeout,
                        format!("no result within {timeout:?}"),
                    )),
                    ..Default::default()
                },
            };
            drop(permit);
            let elapsed = started.elapsed().as_secs_f64();
            // Recorded even when a reload has retired this job: the series of a target the
            // new config dropped are deleted only after this job has finished.
            self.shared
                .metrics
                .record(&self.target, &sample, elapsed, &self.config.thresholds);
            if self.target.kind == config::Kind::Dns {
                if let Some(view) = self.shared.model() {
                    if let Some(c) = view.judge_dns(&self.target.target, &sample) {
                        let path = format!("dns {}", self.target.target);
                        self.shared.contradiction(&path, &c);
                    }
                }
            }
            let ok = sample.failure.is_none();
            if was_ok != Some(ok) && !(was_ok.is_none() && ok) {
                let t = &self.target;
                match &sample.failure {
                    Some(f) => (self.shared.log)(&format!(
                        "{} {} failing ({}): {}",
                        t.kind.as_str(),
                        t.target,
                        f.class,
                        f.message
                    )),
                    None => {
                        (self.shared.log)(&format!("{} {} ok again", t.kind.as_str(), t.target))
                    }
                }
            }
            was_ok = Some(ok);
            if !first_done {
                first_done = true;
                if self.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
                    self.shared.first_round_done.store(true, Ordering::Release);
                }
            }
            let jitter = 0.9 + 0.2 * self.rng.unit();
            next += interval.mul_f64(jitter);
            let now = tokio::time::Instant::now();
            if next < now {
                // Behind (the semaphore was busy): skip the missed slots rather than burst.
                next = now + interval.mul_f64(0.1 * self.rng.unit());
            }
        }
    }
}

struct PeerJob {
    source: Arc<dyn PeerSource>,
    namespace: String,
    selector: String,
    port: u16,
    sample: usize,
    interval: Duration,
    timeout: Duration,
    shared: Arc<Shared>,
    semaphore: Arc<Semaphore>,
    opts: Arc<MonitorOptions>,
}

impl PeerJob {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        let me = self.opts.node_name.clone();
        let log = self.shared.log.clone();
        let mut peers: Vec<PeerPod> = Vec::new();
        let mut last_discovery: Option<Instant> = None;
        let mut last_error: Option<String> = None;
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Rounds are numbered from the wall clock (one per interval), so that the rotation of
        // `peers::select` goes on across restarts; then counted, so that none is skipped.
        let mut round = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / self.interval.as_secs().max(1));
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stopped(&mut stop) => break,
            }
            round = round.wrapping_add(1);
            if last_discovery.is_none_or(|t| t.elapsed() >= PEER_DISCOVERY_EVERY) {
                last_discovery = Some(Instant::now());
                match self.source.list(&self.namespace, &self.selector).await {
                    Ok(found) => {
                        peers = found
                            .into_iter()
                            .filter(|p| Some(&p.name) != self.opts.pod_name.as_ref())
                            .filter(|p| Some(p.ip) != self.opts.pod_ip)
                            .collect();
                        self.shared.metrics.peers.set(peers.len() as i64);
                        if last_error.take().is_some() {
                            log(&format!(
                                "peer discovery works again: {} peers",
                                peers.len()
                            ));
                        }
                    }
                    Err(e) => {
                        self.shared.metrics.peer_discovery_failures.inc();
                        if last_error.as_ref() != Some(&e) {
                            log(&format!(
                                "peer discovery failed (pods {} in {}), keeping {} known peers: {e}",
                                self.selector,
                                self.namespace,
                                peers.len()
                            ));
                        }
                        last_error = Some(e);
                    }
                }
                // Series of nodes that have no peer any more are deleted.
                let nodes: BTreeSet<String> = peers.iter().map(|p| p.node.clone()).collect();
                let mut probed = lock(&self.shared.peer_nodes);
                for gone in probed.difference(&nodes) {
                    self.shared.metrics.remove_peer(&me, gone);
                }
                probed.retain(|n| nodes.contains(n));
            }
            let mut in_flight = tokio::task::JoinSet::new();
            for p in peers::select(&me, &peers, self.sample, round) {
                let addr = std::net::SocketAddr::new(p.ip, self.port).to_string();
                let Ok(probe) = crate::probe::tcp::TcpProbe::new(&addr) else {
                    continue;
                };
                let sem = self.semaphore.clone();
                let timeout = self.timeout;
                let node = p.node.clone();
                let ip = p.ip;
                in_flight.spawn(async move {
                    let Ok(_permit) = sem.acquire_owned().await else {
                        return (node, ip, Err(ErrorClass::Other));
                    };
                    let probe = crate::probe::Probe::Tcp(probe);
                    let guard = timeout + Duration::from_secs(1);
                    let s = match tokio::time::timeout(guard, probe.attempt(timeout)).await {
                        Ok(s) => s,
                        Err(_) => return (node, ip, Err(ErrorClass::Timeout)),
                    };
                    let rtt = match (s.failure, s.times.connect) {
                        (None, Some(c)) => Ok((c - s.times.dns.unwrap_or(0.0)).max(0.0) / 1000.0),
                        (Some(f), _) => Err(f.class),
                        (None, None) => Err(ErrorClass::Other),
                    };
                    (node, ip, rtt)
                });
            }
            let model = self.shared.model();
            while let Some(done) = in_flight.join_next().await {
                if let Ok((node, ip, rtt)) = done {
                    if let Some(c) = model
                        .as_ref()
                        .and_then(|m| m.judge_peer(ip, self.port, rtt))
                    {
                        let path = format!("peer {}", SocketAddr::new(ip, self.port));
                        self.shared.contradiction(&path, &c);
                    }
                    self.shared.metrics.record_peer(&me, &node, rtt);
                    lock(&self.shared.peer_nodes).insert(node);
                }
            }
        }
    }
}

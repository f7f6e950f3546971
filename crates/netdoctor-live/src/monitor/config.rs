//! The monitor's configuration file (docs/interface.md, "Monitor configuration"):
//!
//! ```yaml
//! interval: 10s            # default for every target
//! timeout: 2s
//! thresholds: {dns_ms: 100, connect_ms: 20}
//! targets:
//!   - {kind: dns, target: kubernetes.default.svc.cluster.local, server: "10.96.0.10:53"}
//!   - {kind: tcp, target: "api-service.production:8080"}
//!   - {kind: http, target: "http://api-service.production:8080/health", interval: 30s}
//! peers: {namespace: netdoctor, selector: "app=netdoctor-monitor", port: 9464}   # optional
//! # peers.sample (optional, default 10): other nodes probed per interval, rotating
//! ```
//!
//! Durations are Go-style (`500ms`, `10s`, `1m`). Unknown keys are an error that names the
//! key. Every target is built into its probe here, so a config that loads is one that runs.

use crate::probe::dns::{self, DnsProbe, ResolvConf};
use crate::probe::http::{HttpOptions, HttpProbe};
use crate::probe::tcp::TcpProbe;
use crate::probe::{parse_duration, redact_url, Probe, Thresholds};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Default probe interval of a target.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
/// Default bound of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Bounds that keep a typo from turning the agent into a flood or a no-op.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
pub const MAX_TARGETS: usize = 10_000;
/// Largest config file read: far more than 10,000 targets need.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// A Go-style duration in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GoDuration(Duration);

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(f64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) => parse_duration(&s).map(GoDuration).map_err(D::Error::custom),
            // A bare number is seconds, as `parse_duration` reads it.
            Raw::Number(n) => Duration::try_from_secs_f64(n)
                .map(GoDuration)
                .map_err(|e| D::Error::custom(format!("{n}: {e}"))),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    interval: Option<GoDuration>,
    timeout: Option<GoDuration>,
    thresholds: Option<RawThresholds>,
    #[serde(default)]
    targets: Vec<RawTarget>,
    peers: Option<RawPeers>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    dns_ms: Option<f64>,
    connect_ms: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    kind: Kind,
    target: String,
    server: Option<String>,
    interval: Option<GoDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeers {
    namespace: String,
    selector: String,
    port: u16,
    sample: Option<usize>,
}

/// What a target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Dns,
    Tcp,
    Http,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Dns => "dns",
            Kind::Tcp => "tcp",
            Kind::Http => "http",
        }
    }
}

/// One configured target, with its probe built.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: Kind,
    /// As written in the config: the `target` label of every series.
    pub target: String,
    /// The DNS server queried (dns only): the `server` label.
    pub server: String,
    pub interval: Duration,
    pub probe: Arc<Probe>,
}

impl Target {
    /// What identifies this target's series (and tells two targets apart).
    pub fn key(&self) -> (Kind, &str, &str) {
        (self.kind, &self.target, &self.server)
    }
}

/// Peer discovery: the other monitor pods, found through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeersConfig {
    pub namespace: String,
    /// A label selector (`app=netdoctor-monitor`), passed to the API as is.
    pub selector: String,
    pub port: u16,
    /// Other nodes probed per interval (besides every peer on the monitor's own node): a
    /// rotating, deterministic sample (`peers::select`), so that every pair of nodes is
    /// measured within ceil((nodes - 1) / sample) intervals. Default `DEFAULT_PEER_SAMPLE`.
    pub sample: usize,
}

/// The default `peers.sample`: a 1,000-node cluster makes 10 probes per node per interval
/// instead of 999.
pub const DEFAULT_PEER_SAMPLE: usize = 10;

#[derive(Debug, Clone)]
pub struct Config {
    pub interval: Duration,
    pub timeout: Duration,
    pub thresholds: Thresholds,
    pub targets: Vec<Target>,
    pub peers: Option<PeersConfig>,
}

/// Where the DNS probes without a `server` read the pod's resolver configuration.
pub const RESOLV_CONF: &str = "/etc/resolv.conf";

/// Parses and validates a config file's text. `resolv_conf` is used by dns targets without
/// a `server` (the pod's own resolver, search list and ndots).
pub fn parse(
    text: &str,
    resolv_conf: &dyn Fn() -> Result<ResolvConf, String>,
) -> Result<Config, String> {
    let raw: RawConfig = if text.trim().is_empty() {
        return Err("the file is empty (it needs at least `targets` or `peers`)".to_string());
    } else {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())?
    };
    let interval = raw.interval.map_or(DEFAULT_INTERVAL, |d| d.0);
    let timeout = raw.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0);
    check_interval("interval", interval)?;
    if timeout.is_zero() {
        return Err("timeout: must be more than 0".to_string());
    }
    let mut thresholds = Thresholds::default();
    if let Some(t) = raw.thresholds {
        for (name, value, slot) in [
            ("thresholds.dns_ms", t.dns_ms, &mut thresholds.dns_slow_ms),
            (
                "thresholds.connect_ms",
                t.connect_ms,
                &mut thresholds.connect_slow_ms,
            ),
        ] {
            if let Some(v) = value {
                if !v.is_finite() || v < 0.0 {
                    return Err(format!("{name}: {v} is not a number of milliseconds >= 0"));
                }
                *slot = v;
            }
        }
    }
    if raw.targets.len() > MAX_TARGETS {
        return Err(format!(
            "targets: {} entries, at most {MAX_TARGETS} are accepted",
            raw.targets.len()
        ));
    }
    let mut targets = Vec::with_capacity(raw.targets.len());
    let mut seen = BTreeSet::new();
    let mut resolv: Option<ResolvConf> = None;
    for (i, t) in raw.targets.into_iter().enumerate() {
        // What is shown of the target (errors, logs, the `target` label): no URL userinfo.
        let shown = redact_url(&t.target).into_owned();
        let at = |msg: String| format!("targets[{i}] ({} {shown:?}): {msg}", t.kind.as_str());
        let target_interval = t.interval.map_or(interval, |d| d.0);
        check_interval("interval", target_interval).map_err(at)?;
        if t.server.is_some() && t.kind != Kind::Dns {
            return Err(at("`server` applies to dns targets only".to_string()));
        }
        let probe = match t.kind {
            Kind::Dns => {
                let server = t
                    .server
                    .as_deref()
                    .map(dns::parse_server)
                    .transpose()
                    .map_err(|e| at(e.to_string()))?;
                let conf = match server {
                    Some(_) => None,
                    None => {
                        if resolv.is_none() {
                            resolv = Some(resolv_conf().map_err(|e| {
                                at(format!("no `server`, and the resolver configuration cannot be read: {e}"))
                            })?);
                        }
                        resolv.clone()
                    }
                };
                DnsProbe::new(&t.target, hickory_proto::rr::RecordType::A, server, conf)
                    .map(Probe::Dns)
            }
            Kind::Tcp => TcpProbe::new(&t.target).map(Probe::Tcp),
            Kind::Http => HttpProbe::new(&t.target, &HttpOptions::default()).map(Probe::Http),
        }
        .map_err(|e| at(e.to_string()))?;
        let server = match &probe {
            Probe::Dns(p) => p.setup().server.clone(),
            _ => String::new(),
        };
        if !seen.insert((t.kind, shown.clone(), server.clone())) {
            return Err(at("listed twice".to_string()));
        }
        targets.push(Target {
            kind: t.kind,
            target: shown,
            server,
            interval: target_interval,
            probe: Arc::new(probe),
        });
    }
    let peers = match raw.peers {
        Some(p) => {
            if p.namespace.trim().is_empty() {
                return Err("peers.namespace: empty".to_string());
            }
            if p.selector.trim().is_empty() {
                return Err(
                    "peers.selector: empty (it would select every pod of the namespace)"
                        .to_string(),
                );
            }
            if p.port == 0 {
                return Err("peers.port: 0 cannot be connected to".to_string());
            }
            if p.sample == Some(0) {
                return Err("peers.sample: 0 would probe no other node (at least 1)".to_string());
            }
            Some(PeersConfig {
                namespace: p.namespace,
                selector: p.selector,
                port: p.port,
                sample: p.sample.unwrap_or(DEFAULT_PEER_SAMPLE),
            })
        }
        None => None,
    };
    if targets.is_empty() && peers.is_none() {
        return Err(
            "no targets and no peers: the agent would measure nothing (list `targets`, or add a `peers` section)"
                .to_string(),
        );
    }
    Ok(Config {
        interval,
        timeout,
        thresholds,
        targets,
        peers,
    })
}

fn check_interval(name: &str, d: Duration) -> Result<(), String> {
    if d < MIN_INTERVAL {
        return Err(format!(
            "{name}: {d:?} is shorter than the minimum {MIN_INTERVAL:?}"
        ));
    }
    Ok(())
}

/// The file's text: a regular file (a ConfigMap key, through its symlinks) of at most
/// [`MAX_CONFIG_BYTES`], in UTF-8. A FIFO, a device or a directory is refused before it is
/// read, so a load never waits for a writer nor reads without end.
fn read_bounded(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read as _;
    let shown = path.display();
    let regular = |m: std::fs::Metadata| {
        if m.is_file() {
            Ok(())
        } else {
            Err(format!(
                "cannot read {shown}: not a regular file (a monitor config is a file, such as a ConfigMap key)"
            ))
        }
    };
    regular(std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?)?;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    regular(
        file.metadata()
            .map_err(|e| format!("cannot read {shown}: {e}"))?,
    )?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "{shown}: larger than 1 MiB ({MAX_CONFIG_BYTES} bytes), the bound of a monitor config"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{shown}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads and parses the file at `path`; dns targets without a server read /etc/resolv.conf.
pub fn load(path: &std::path::Path) -> Result<Config, String> {
    let text = read_bounded(path)?;
    parse(&text, &|| {
        ResolvConf::load(RESOLV_CONF).map_err(|e| e.to_string())
    })
    .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_resolv() -> Result<ResolvConf, String> {
        Err("no resolv.conf in tests".to_string())
    }

    fn pod_resolv() -> Result<ResolvConf, String> {
        Ok(ResolvConf::parse(
            "nameserver 10.96.0.10\nsearch netdoctor.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n",
        ))
    }

    #[test]
    fn the_interface_example_parses() {
        let text = r#"
interval: 10s            # default for every target
timeout: 2s
thresholds: {dns_ms: 100, connect_ms: 20}
targets:
  - {kind: dns, target: kubernetes.default.svc.cluster.local, server: "10.96.0.10:53"}
  - {kind: tcp, target: "api-service.production:8080"}
  - {kind: http, target: "http://api-service.production:8080/health", interval: 30s}
peers: {namespace: netdoctor, selector: "app=netdoctor-monitor", port: 9464}   # optional
"#;
        let c = parse(text, &no_resolv).unwrap();
        assert_eq!(c.interval, Duration::from_secs(10));
        assert_eq!(c.timeout, Duration::from_secs(2));
        assert_eq!(c.thresholds.dns_slow_ms, 100.0);
        assert_eq!(c.thresholds.connect_slow_ms, 20.0);
        assert_eq!(c.targets.len(), 3);
        assert_eq!(c.targets[0].kind, Kind::Dns);
        assert_eq!(c.targets[0].server, "10.96.0.10:53");
        assert_eq!(c.targets[1].interval, Duration::from_secs(10));
        assert_eq!(c.targets[2].interval, Duration::from_secs(30));
        assert_eq!(
            c.targets[2].target,
            "http://api-service.production:8080/health"
        );
        assert_eq!(
            c.peers,
            Some(PeersConfig {
                namespace: "netdoctor".into(),
                selector: "app=netdoctor-monitor".into(),
                port: 9464,
                sample: DEFAULT_PEER_SAMPLE,
            })
        );
    }

    #[test]
    fn defaults_apply() {
        let c = parse("targets: [{kind: tcp, target: '127.0.0.1:80'}]", &no_resolv).unwrap();
        assert_eq!(c.interval, DEFAULT_INTERVAL);
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.thresholds.dns_slow_ms, 100.0);
        assert_eq!(c.thresholds.connect_slow_ms, 20.0);
        assert_eq!(c.targets[0].interval, DEFAULT_INTERVAL);
        assert!(c.peers.is_none());
        // Only one threshold given: the other keeps its default.
        let c = parse(
            "thresholds: {dns_ms: 50}\ntargets: [{kind: tcp, target: '127.0.0.1:80'}]",
            &no_resolv,
        )
        .unwrap();
        assert_eq!(c.thresholds.dns_slow_ms, 50.0);
        assert_eq!(c.thresholds.connect_slow_ms, 20.0);
    }

    #[test]
    fn go_durations() {
        for (text, want) in [
            ("500ms", Duration::from_millis(500)),
            ("1m", Duration::from_secs(60)),
            ("1m30s", Duration::from_secs(90)),
            ("1.5s", Duration::from_millis(1500)),
        ] {
            let c = parse(
                &format!("interval: {text}\ntimeout: 250ms\ntargets: [{{kind: tcp, target: '127.0.0.1:80'}}]"),
                &no_resolv,
            )
            .unwrap();
            assert_eq!(c.interval, want, "{text}");
            assert_eq!(c.timeout, Duration::from_millis(250));
        }
        let err = parse("interval: 5d\ntargets: []", &no_resolv).unwrap_err();
        assert!(err.contains("unknown unit"), "{err}");
        let err = parse("interval: 10ms\ntargets: []", &no_resolv).unwrap_err();
        assert!(err.contains("shorter than the minimum"), "{err}");
        let err = parse("timeout: 0s\ntargets: []", &no_resolv).unwrap_err();
        assert!(err.contains("timeout"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse("intervall: 10s\ntargets: []", &no_resolv).unwrap_err();
        assert!(err.contains("intervall"), "{err}");
        let err = parse(
            "targets: [{kind: tcp, target: '127.0.0.1:80', timeout: 1s}]",
            &no_resolv,
        )
        .unwrap_err();
        assert!(err.contains("timeout"), "{err}");
        let err = parse("thresholds: {dns: 5}\ntargets: []", &no_resolv).unwrap_err();
        assert!(err.contains("`dns`") || err.contains("dns"), "{err}");
        let err = parse(
            "peers: {namespace: a, selector: b=c, port: 1, labels: x}",
            &no_resolv,
        )
        .unwrap_err();
        assert!(err.contains("labels"), "{err}");
    }

    #[test]
    fn bad_targets_are_explained() {
        let err = parse("targets: [{kind: tcp, target: 'no-port'}]", &no_resolv).unwrap_err();
        assert!(err.starts_with("targets[0] (tcp \"no-port\")"), "{err}");
        let err = parse("targets: [{kind: icmp, target: x}]", &no_resolv).unwrap_err();
        assert!(err.contains("icmp"), "{err}");
        let err = parse(
            "targets: [{kind: tcp, target: '127.0.0.1:80', server: '1.1.1.1'}]",
            &no_resolv,
        )
        .unwrap_err();
        assert!(err.contains("dns targets only"), "{err}");
        let err = parse(
            "targets: [{kind: tcp, target: 'a:1'}, {kind: tcp, target: 'a:1'}]",
            &no_resolv,
        )
        .unwrap_err();
        assert!(err.contains("targets[1]") && err.contains("twice"), "{err}");
        let err = parse("targets: [{kind: http, target: 'ftp://x/'}]", &no_resolv).unwrap_err();
        assert!(err.starts_with("targets[0]"), "{err}");
        assert!(parse("", &no_resolv).is_err());
    }

    /// Issue 17 item 10: the `target` label, log lines and errors show `***@` for a URL's
    /// userinfo, never the password.
    #[test]
    fn url_credentials_are_redacted_in_labels_and_errors() {
        let c = parse(
            "targets: [{kind: http, target: 'http://admin:s3cret@127.0.0.1:8080/health'}]",
            &no_resolv,
        )
        .unwrap();
        assert_eq!(c.targets[0].target, "http://***@127.0.0.1:8080/health");
        assert_eq!(
            c.targets[0].probe.target(),
            "http://***@127.0.0.1:8080/health"
        );
        assert!(!format!("{:?}", c.targets[0]).contains("s3cret"));
        for bad in [
            "targets: [{kind: http, target: 'ftp://admin:s3cret@h/'}]",
            "targets: [{kind: http, target: 'http://admin:s3cret@h/', interval: 1ms}]",
            "targets: [{kind: http, target: 'http://a:s3cret@h/'}, {kind: http, target: 'http://a:s3cret@h/'}]",
        ] {
            let err = parse(bad, &no_resolv).unwrap_err();
            assert!(!err.contains("s3cret"), "{bad}: {err}");
            assert!(err.contains("***@h/"), "{bad}: {err}");
        }
        // The metric label: every series of the target carries the redacted URL.
        let m = crate::monitor::metrics::Metrics::new();
        m.add_target(&c.targets[0]);
        let text = m.encode(false);
        assert!(!text.contains("s3cret"), "{text}");
        assert!(
            text.contains("target=\"http://***@127.0.0.1:8080/health\""),
            "{text}"
        );
    }

    /// Issue 17 item 10: a config that would measure nothing is an error, not an idle agent.
    #[test]
    fn nothing_to_measure_is_rejected() {
        for text in [
            "targets: []",
            "interval: 10s",
            "timeout: 1s\ntargets: []\n",
            "# only a comment\n{}",
        ] {
            let err = parse(text, &no_resolv).unwrap_err();
            assert!(err.contains("no targets and no peers"), "{text:?}: {err}");
        }
    }

    fn temp_file(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "netdoctor-monitor-config-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("monitor.yaml")
    }

    /// Issue 17 item 9: the file is read up to MAX_CONFIG_BYTES; more is an error naming the
    /// file and the bound, and only regular files are read (a FIFO or /dev/zero would hang or
    /// grow without end).
    #[test]
    fn oversized_or_special_files_are_refused() {
        let path = temp_file("big");
        // A valid config padded with a comment past the bound.
        let mut text = String::from("targets: [{kind: tcp, target: '127.0.0.1:80'}]\n");
        let line = format!("# {}\n", "x".repeat(1000));
        while text.len() <= MAX_CONFIG_BYTES {
            text.push_str(&line);
        }
        std::fs::write(&path, &text).unwrap();
        let err = load(&path).unwrap_err();
        assert!(err.contains("monitor.yaml"), "{err}");
        assert!(err.contains("larger than 1 MiB"), "{err}");
        // Just under the bound loads.
        text.truncate(MAX_CONFIG_BYTES - 10);
        text.push('\n');
        std::fs::write(&path, &text).unwrap();
        assert!(load(&path).is_ok());
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
        #[cfg(unix)]
        {
            let err = load(std::path::Path::new("/dev/zero")).unwrap_err();
            assert!(
                err.contains("/dev/zero") && err.contains("not a regular file"),
                "{err}"
            );
            let fifo = temp_file("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let (tx, rx) = std::sync::mpsc::channel();
                let f = fifo.clone();
                std::thread::spawn(move || {
                    let _ = tx.send(load(&f));
                });
                let got = rx
                    .recv_timeout(std::time::Duration::from_secs(10))
                    .expect("loading a FIFO returns instead of waiting for a writer");
                let err = got.unwrap_err();
                assert!(err.contains("not a regular file"), "{err}");
            }
            let _ = std::fs::remove_dir_all(fifo.parent().unwrap());
        }
    }

    /// The committed fuzz corpus (`fuzz/corpus/monitor_config`) through the fuzz target's
    /// entry: a config or an error, never a panic (the CI smoke run, no nightly needed).
    #[test]
    fn fuzz_corpus_monitor_config() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus/monitor_config");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus is committed") {
            let bytes = std::fs::read(entry.expect("corpus entry").path()).expect("corpus file");
            let _ = parse(&String::from_utf8_lossy(&bytes), &pod_resolv);
            let _ = parse(&String::from_utf8_lossy(&bytes), &no_resolv);
            n += 1;
        }
        assert!(n >= 5, "only {n} corpus files in {dir:?}");
    }

    #[test]
    fn dns_without_server_uses_the_pods_resolver() {
        let err = parse(
            "targets: [{kind: dns, target: kubernetes.default}]",
            &no_resolv,
        )
        .unwrap_err();
        assert!(err.contains("resolver configuration"), "{err}");
        let c = parse(
            "targets: [{kind: dns, target: kubernetes.default}]",
            &pod_resolv,
        )
        .unwrap();
        assert_eq!(c.targets[0].server, "10.96.0.10:53");
        match &*c.targets[0].probe {
            Probe::Dns(p) => assert_eq!(p.setup().mode, "search"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn peers_are_checked() {
        let err = parse(
            "peers: {namespace: n, selector: '', port: 9464}",
            &no_resolv,
        )
        .unwrap_err();
        assert!(err.contains("peers.selector"), "{err}");
        let err = parse("peers: {namespace: n, selector: a=b, port: 0}", &no_resolv).unwrap_err();
        assert!(err.contains("peers.port"), "{err}");
        let err = parse(
            "peers: {namespace: n, selector: a=b, port: 1, sample: 0}",
            &no_resolv,
        )
        .unwrap_err();
        assert!(err.contains("peers.sample"), "{err}");
        let c = parse(
            "peers: {namespace: n, selector: a=b, port: 1, sample: 3}",
            &no_resolv,
        )
        .unwrap();
        assert_eq!(c.peers.map(|p| p.sample), Some(3));
        let c = parse(
            "peers: {namespace: n, selector: a=b, port: 9464}",
            &no_resolv,
        )
        .unwrap();
        assert!(c.targets.is_empty());
    }
}

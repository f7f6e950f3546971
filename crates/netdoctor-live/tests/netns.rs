//! Failure classes that need the kernel to drop or reject packets, made real in a network
//! namespace this test creates (`ip netns add`), with nftables rules on its own loopback:
//!
//! - `tcp dport 7001 drop`: the SYN is never answered, so the connect times out (`timeout`);
//! - `tcp dport 7002 reject with icmpx type host-unreachable`: `unreachable`;
//! - the system resolver (getaddrinfo) inside the namespace reads a resolv.conf pointing at
//!   an in-process DNS server on the namespace's 127.0.0.1:53: `nxdomain` for a name it does
//!   not know, a real lookup for one it does.
//!
//! Only the namespace's loopback is ever addressed. The probes run in a child process (this
//! test binary, re-executed under `ip netns exec` to run one `#[ignore]`d child test).
//! Skipped with a reason when not root or when `ip`/`nft` are missing (CI installs both and
//! runs as root; there a missing tool fails the test instead).

mod support;

use netdoctor_live::probe::http::{HttpOptions, HttpProbe};
use netdoctor_live::probe::tcp::TcpProbe;
use netdoctor_live::probe::{run, Probe, Report, RunOptions};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use support::*;

const CHILD_ENV: &str = "ND_PROBE_NETNS_CHILD";

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn has_tool(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn sh(cmd: &mut Command) -> Output {
    let o = cmd.output().expect("command runs");
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A network namespace with loopback up, removed (with its /etc/netns files) on drop.
struct Netns {
    name: String,
}

impl Netns {
    fn create(tag: &str) -> Result<Netns, String> {
        if !is_root() {
            return Err("not root (network namespaces need CAP_SYS_ADMIN)".into());
        }
        let missing: Vec<&str> = [("ip", "-V"), ("nft", "--version")]
            .into_iter()
            .filter(|(t, a)| !has_tool(t, a))
            .map(|(t, _)| t)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing {} (apt-get install iproute2 nftables)",
                missing.join(", ")
            ));
        }
        let name = format!("nd-probe-{}-{tag}", std::process::id());
        let add = Command::new("ip").args(["netns", "add", &name]).output();
        match add {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return Err(format!(
                    "ip netns add failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ))
            }
            Err(e) => return Err(format!("ip netns add failed: {e}")),
        }
        let ns = Netns { name };
        sh(&mut ns.exec(&["ip", "link", "set", "lo", "up"]));
        Ok(ns)
    }

    fn exec(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name]).args(args);
        cmd
    }

    fn nft(&self, rules: &str) {
        let path = TempFile::new("rules.nft", rules);
        sh(&mut self.exec(&["nft", "-f", path.path()]));
    }

    /// Files that `ip netns exec` bind-mounts over /etc inside the namespace.
    fn etc_file(&self, name: &str, contents: &str) {
        let dir = format!("/etc/netns/{}", self.name);
        std::fs::create_dir_all(&dir).expect("create /etc/netns dir");
        std::fs::write(format!("{dir}/{name}"), contents).expect("write netns file");
    }

    /// Runs one `#[ignore]`d test of this binary inside the namespace.
    fn run_child(&self, test: &str) -> String {
        let exe = std::env::current_exe().expect("test binary path");
        let exe = exe.to_str().expect("utf-8 path");
        let o = self
            .exec(&[
                exe,
                "--ignored",
                "--exact",
                test,
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &self.name)
            .output()
            .expect("child runs");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.status.success(),
            "child {test} failed in {}:\n{out}",
            self.name
        );
        assert!(out.contains("1 passed"), "child {test} did not run:\n{out}");
        out
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
        let _ = std::fs::remove_dir_all(format!("/etc/netns/{}", self.name));
    }
}

fn skip_or_fail(reason: &str) {
    if std::env::var_os("CI").is_some() && is_root() {
        panic!("netns test cannot run in CI: {reason}");
    }
    eprintln!("skipped: {reason}");
}

fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

fn opts(count: u32, timeout_ms: u64) -> RunOptions {
    RunOptions {
        count,
        interval: Duration::ZERO,
        timeout: Duration::from_millis(timeout_ms),
        concurrency: 1,
        ..Default::default()
    }
}

async fn probe(p: Probe, o: &RunOptions) -> Report {
    run(Arc::new(p), o, |_| {}).await
}

#[test]
fn dropped_and_rejected_packets_are_timeout_and_unreachable() {
    let ns = match Netns::create("drop") {
        Ok(ns) => ns,
        Err(reason) => return skip_or_fail(&reason),
    };
    ns.nft(
        "table inet ndprobe {
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr 127.0.0.1 tcp dport 7001 drop
    ip daddr 127.0.0.1 tcp dport 7002 reject with icmpx type host-unreachable
  }
}
",
    );
    ns.run_child("child_drop_and_reject");
}

#[test]
fn system_resolver_nxdomain_and_lookup() {
    let ns = match Netns::create("dns") {
        Ok(ns) => ns,
        Err(reason) => return skip_or_fail(&reason),
    };
    ns.etc_file(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions ndots:1 timeout:1 attempts:1\n",
    );
    ns.run_child("child_system_resolver");
}

#[tokio::test]
#[ignore = "runs inside a network namespace, started by dropped_and_rejected_packets_are_timeout_and_unreachable"]
async fn child_drop_and_reject() {
    if !in_child() {
        return;
    }
    let r = probe(
        Probe::Tcp(TcpProbe::new("127.0.0.1:7001").unwrap()),
        &opts(2, 300),
    )
    .await;
    assert_eq!((r.ok, r.errors.timeout), (0, 2), "{r:?}");
    assert!(r.last_error.as_deref().unwrap().contains("timed out"));
    assert_eq!(r.exit_code(), 1);

    let r = probe(
        Probe::Tcp(TcpProbe::new("127.0.0.1:7002").unwrap()),
        &opts(2, 1000),
    )
    .await;
    assert_eq!((r.ok, r.errors.unreachable), (0, 2), "{r:?}");

    let url = "http://127.0.0.1:7001/";
    let r = probe(
        Probe::Http(HttpProbe::new(url, &HttpOptions::default()).unwrap()),
        &opts(1, 300),
    )
    .await;
    assert_eq!(r.errors.timeout, 1, "{r:?}");
    assert!(r.phases_ms.connect.is_none(), "timed out during connect");
    println!("netns child: timeout and unreachable classified");
}

#[tokio::test]
#[ignore = "runs inside a network namespace, started by system_resolver_nxdomain_and_lookup"]
async fn child_system_resolver() {
    if !in_child() {
        return;
    }
    let _dns = dns_server_on(53, &[("present.nd-probe.test.", Entry::a([127, 0, 0, 1]))]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();

    let r = probe(
        Probe::Tcp(TcpProbe::new(&format!("present.nd-probe.test:{port}")).unwrap()),
        &opts(2, 2000),
    )
    .await;
    assert_eq!(r.ok, 2, "{r:?}");
    let (dns, connect) = (
        r.phases_ms.dns.unwrap().p50,
        r.phases_ms.connect.unwrap().p50,
    );
    assert!(dns > 0.0 && connect >= dns, "{dns} {connect}");

    let r = probe(
        Probe::Tcp(TcpProbe::new("missing.nd-probe.test:80").unwrap()),
        &opts(2, 2000),
    )
    .await;
    assert_eq!((r.ok, r.errors.nxdomain), (0, 2), "{r:?}");
    assert!(r.phases_ms.connect.is_none());

    let r = probe(
        Probe::Http(
            HttpProbe::new("http://missing.nd-probe.test/", &HttpOptions::default()).unwrap(),
        ),
        &opts(1, 2000),
    )
    .await;
    assert_eq!(r.errors.nxdomain, 1, "{r:?}");
    println!("netns child: system resolver classified");
}

//! `verify` and `probe --from` against a real network: a small "cluster" whose pods are
//! network namespaces on a bridge (tests/fixtures/verify/lab.yaml describes it), the probes
//! run inside each pod's namespace with the same netdoctor binary (`--netns`, i.e.
//! `ip netns exec`), and the network made to disagree with the model on purpose:
//!
//! - nftables in the server pod drops client → server:9090, which the model allows:
//!   `allowed-but-timeout`;
//! - nothing enforces the NetworkPolicy that denies blocked → server: `denied-but-connects`;
//! - the DNS server answers `db` with an address that is not the pod's: `resolves-differently`;
//! - the DNS server answers `web` after 150 ms: `slower-than-threshold` (DNS > 100 ms);
//! - `tc netem` adds 30 ms on the server's link: `slower-than-threshold` (pod to pod on one
//!   node > 5 ms), when the kernel has sch_netem (said loudly when it does not).
//!
//! Every address is in the namespaces this test creates (10.250.7.0/24 on a bridge that
//! lives in a namespace of its own; 10.96.0.10 inside the DNS pod); nothing touches the
//! host's network. Names start with `ndv-`; all are removed at the end. Needs root, `ip`,
//! `nft` and `tc` (CI installs iproute2 and nftables and runs as root; there a missing tool
//! fails the test).

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const SERVE_ENV: &str = "NDV_SERVE";
const DIR_ENV: &str = "NDV_DIR";
const LAB: &str = "tests/fixtures/verify/lab.yaml";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(LAB)
}

fn run(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} {args:?}: {e}"))
}

fn must(cmd: &str, args: &[&str]) {
    let o = run(cmd, args);
    assert!(
        o.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    run("id", &["-u"]).stdout.starts_with(b"0\n")
}

fn skip_or_fail(reason: &str) {
    if std::env::var_os("CI").is_some() && is_root() {
        panic!("verify_netns cannot run in CI: {reason}");
    }
    eprintln!("skipped: {reason}");
}

/// A name → address answer of the helper DNS server, with a delay.
const ZONE: &[(&str, [u8; 4], u64)] = &[
    ("web.lab.svc.cluster.local.", [10, 250, 7, 11], 150),
    ("db.lab.svc.cluster.local.", [10, 250, 7, 99], 0),
    ("server.lab.svc.cluster.local.", [10, 250, 7, 12], 0),
];

fn dns_answer(query: &[u8]) -> Option<(Vec<u8>, u64)> {
    use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::{RData, Record, RecordType};
    let req = Message::from_vec(query).ok()?;
    let q = req.queries.first()?.clone();
    let name = q.name().to_ascii().to_ascii_lowercase();
    let mut resp = Message::new(req.metadata.id, MessageType::Response, OpCode::Query);
    resp.metadata.recursion_desired = req.metadata.recursion_desired;
    resp.metadata.recursion_available = true;
    resp.metadata.authoritative = true;
    resp.add_query(q.clone());
    let mut delay = 0;
    match ZONE.iter().find(|(n, _, _)| *n == name) {
        Some((_, ip, ms)) => {
            delay = *ms;
            if q.query_type() == RecordType::A {
                resp.add_answer(Record::from_rdata(
                    q.name().clone(),
                    5,
                    RData::A(A::from(std::net::Ipv4Addr::from(*ip))),
                ));
            }
        }
        None => resp.metadata.response_code = ResponseCode::NXDomain,
    }
    Some((resp.to_vec().ok()?, delay))
}

/// The servers of one pod: TCP listeners (`tcp:8080,9090`) or the DNS server (`dns`).
/// Runs only when the test re-executes this binary inside a pod's namespace.
#[test]
fn netns_pod_helper() {
    let (Ok(spec), Ok(dir)) = (std::env::var(SERVE_ENV), std::env::var(DIR_ENV)) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let deadline = Instant::now() + Duration::from_secs(300);
    let stop = dir.join("stop");
    if spec == "dns" {
        let socket = UdpSocket::bind(("10.96.0.10", 53)).expect("bind 10.96.0.10:53");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        std::fs::write(dir.join("ready-dns"), b"ready").expect("ready");
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline && !stop.exists() {
            let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                continue;
            };
            let Some((resp, delay)) = dns_answer(&buf[..n]) else {
                continue;
            };
            let s = socket.try_clone().expect("clone");
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(delay));
                let _ = s.send_to(&resp, peer);
            });
        }
        return;
    }
    let ports: Vec<u16> = spec
        .strip_prefix("tcp:")
        .unwrap_or("")
        .split(',')
        .filter_map(|p| p.parse().ok())
        .collect();
    for port in &ports {
        let l = TcpListener::bind(("0.0.0.0", *port)).expect("bind");
        l.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || loop {
            match l.accept() {
                Ok((mut s, _)) => {
                    let _ = s.write_all(b"");
                    let mut b = [0u8; 1];
                    let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
                    let _ = s.read(&mut b);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        });
    }
    std::fs::write(dir.join(format!("ready-{spec}")), b"ready").expect("ready");
    while Instant::now() < deadline && !stop.exists() {
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The lab: namespaces, helpers, /etc/netns files; all removed on drop.
struct Lab {
    prefix: String,
    dir: PathBuf,
    helpers: Vec<Child>,
}

const PODS: &[(&str, &str, &str)] = &[
    // (pod, netns suffix, address)
    ("kube-system/coredns-0", "dns", "10.250.7.10"),
    ("lab/client", "client", "10.250.7.11"),
    ("lab/server", "server", "10.250.7.12"),
    ("lab/blocked", "blocked", "10.250.7.13"),
];

impl Lab {
    fn netns(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    fn ns_exec(&self, suffix: &str, args: &[&str]) {
        let ns = self.netns(suffix);
        let mut full = vec!["netns", "exec", ns.as_str()];
        full.extend_from_slice(args);
        must("ip", &full);
    }

    fn build(tag: &str) -> Lab {
        let prefix = format!("ndv-{}-{tag}", std::process::id());
        let dir = std::env::temp_dir().join(format!("{prefix}-verify"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let lab = Lab {
            prefix,
            dir,
            helpers: Vec::new(),
        };
        // The "node network": a bridge in a namespace of its own.
        let net = lab.netns("net");
        must("ip", &["netns", "add", &net]);
        must("ip", &["-n", &net, "link", "add", "br0", "type", "bridge"]);
        must("ip", &["-n", &net, "link", "set", "br0", "up"]);
        for (i, (_, suffix, addr)) in PODS.iter().enumerate() {
            let ns = lab.netns(suffix);
            must("ip", &["netns", "add", &ns]);
            let host_end = format!("v{i}");
            must(
                "ip",
                &[
                    "-n", &net, "link", "add", &host_end, "type", "veth", "peer", "name", "eth0",
                    "netns", &ns,
                ],
            );
            must(
                "ip",
                &["-n", &net, "link", "set", &host_end, "master", "br0"],
            );
            must("ip", &["-n", &net, "link", "set", &host_end, "up"]);
            must("ip", &["-n", &ns, "link", "set", "lo", "up"]);
            must(
                "ip",
                &[
                    "-n",
                    &ns,
                    "addr",
                    "add",
                    &format!("{addr}/24"),
                    "dev",
                    "eth0",
                ],
            );
            must("ip", &["-n", &ns, "link", "set", "eth0", "up"]);
            if *suffix == "dns" {
                must(
                    "ip",
                    &["-n", &ns, "addr", "add", "10.96.0.10/32", "dev", "lo"],
                );
            } else {
                // What kube-proxy does for the DNS Service: 10.96.0.10 reaches the DNS pod.
                must(
                    "ip",
                    &[
                        "-n",
                        &ns,
                        "route",
                        "add",
                        "10.96.0.10/32",
                        "via",
                        "10.250.7.10",
                    ],
                );
            }
            // The resolv.conf kubelet writes for a ClusterFirst pod (ip netns exec
            // bind-mounts it over /etc/resolv.conf).
            let search = match pod_namespace(PODS[i].0) {
                "lab" => "lab.svc.cluster.local svc.cluster.local cluster.local",
                _ => "kube-system.svc.cluster.local svc.cluster.local cluster.local",
            };
            let etc = PathBuf::from("/etc/netns").join(&ns);
            std::fs::create_dir_all(&etc).expect("/etc/netns dir");
            std::fs::write(
                etc.join("resolv.conf"),
                format!("search {search}\nnameserver 10.96.0.10\noptions ndots:5 timeout:1 attempts:1\n"),
            )
            .expect("resolv.conf");
            std::fs::write(etc.join("hosts"), "127.0.0.1 localhost\n").expect("hosts");
        }
        lab
    }

    fn serve(&mut self, suffix: &str, spec: &str) {
        let exe = std::env::current_exe().expect("test binary");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.netns(suffix)])
            .arg(exe)
            .args([
                "--exact",
                "netns_pod_helper",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SERVE_ENV, spec)
            .env(DIR_ENV, &self.dir)
            .spawn()
            .expect("helper starts");
        self.helpers.push(child);
        let ready = self.dir.join(format!("ready-{spec}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready.exists() {
            assert!(
                Instant::now() < deadline,
                "helper {spec} in {suffix} did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn netns_args(&self) -> Vec<String> {
        PODS.iter()
            .flat_map(|(pod, suffix, _)| {
                [
                    "--netns".to_string(),
                    format!("{pod}={}", self.netns(suffix)),
                ]
            })
            .collect()
    }

    fn netdoctor(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_netdoctor"))
            .args(args)
            .args(self.netns_args())
            .env("NO_COLOR", "1")
            .output()
            .expect("netdoctor runs")
    }
}

fn pod_namespace(pod: &str) -> &str {
    pod.split('/').next().unwrap_or("")
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::write(self.dir.join("stop"), b"stop");
        for mut h in self.helpers.drain(..) {
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = h.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = h.kill();
            let _ = h.wait();
        }
        for suffix in ["dns", "client", "server", "blocked", "net"] {
            let ns = self.netns(suffix);
            let _ = Command::new("ip").args(["netns", "del", &ns]).output();
            let _ = std::fs::remove_dir_all(PathBuf::from("/etc/netns").join(&ns));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn class_of<'a>(v: &'a serde_json::Value, from: &str, kind: &str, what: &str) -> Option<&'a str> {
    let check = v["checks"]
        .as_array()
        .and_then(|cs| {
            cs.iter().find(|c| {
                c["from"] == from
                    && c["probe"]["kind"] == kind
                    && (c["probe"]["target"] == what || c["probe"]["name"] == what)
            })
        })
        .unwrap_or_else(|| panic!("no check {from} {kind} {what} in {v:#}"));
    assert!(check["error"].is_null(), "{check:#}");
    check["contradiction"]["class"].as_str()
}

#[test]
fn verify_reports_each_contradiction_with_its_class() {
    if std::env::var_os(SERVE_ENV).is_some() {
        return;
    }
    if !is_root() {
        return skip_or_fail("not root (network namespaces need CAP_SYS_ADMIN)");
    }
    for tool in ["ip", "nft", "tc"] {
        if !have(tool) {
            return skip_or_fail(&format!(
                "{tool} is not installed (apt-get install iproute2 nftables)"
            ));
        }
    }
    let mut lab = Lab::build("v");
    lab.serve("dns", "dns");
    lab.serve("client", "tcp:80");
    lab.serve("server", "tcp:8080,9090");
    lab.serve("blocked", "tcp:5432");
    // The network disagrees with the model: a firewall in the server pod.
    let rules = lab.dir.join("rules.nft");
    std::fs::write(
        &rules,
        "table inet ndv {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    ip saddr 10.250.7.11 tcp dport 9090 drop\n  }\n}\n",
    )
    .expect("rules");
    lab.ns_exec("server", &["nft", "-f", &rules.to_string_lossy()]);
    // 30 ms more on every packet the server sends, when the kernel has netem.
    let netem = run(
        "ip",
        &[
            "netns",
            "exec",
            &lab.netns("server"),
            "tc",
            "qdisc",
            "add",
            "dev",
            "eth0",
            "root",
            "netem",
            "delay",
            "30ms",
        ],
    );
    let has_netem = netem.status.success();
    if !has_netem {
        eprintln!(
            "NOTE: tc netem is not available in this kernel ({}): the pod-to-pod latency contradiction is not exercised here; DNS latency is (server delay)",
            String::from_utf8_lossy(&netem.stderr).trim()
        );
    }

    let fixture = fixture();
    let o = lab.netdoctor(&[
        "verify",
        "lab/server",
        "-f",
        &fixture.to_string_lossy(),
        "--count",
        "3",
        "--timeout",
        "1s",
        "--max-probes",
        "40",
        "-o",
        "json",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "JSON: {e}\n{stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    eprintln!("{v:#}");
    assert_eq!(o.status.code(), Some(1), "contradictions exit 1");
    assert_eq!(
        class_of(&v, "lab/client", "tcp", "10.250.7.12:9090"),
        Some("allowed-but-timeout")
    );
    assert_eq!(
        class_of(&v, "lab/blocked", "tcp", "10.250.7.12:8080"),
        Some("denied-but-connects")
    );
    assert_eq!(
        class_of(&v, "lab/blocked", "tcp", "10.250.7.12:9090"),
        Some("denied-but-connects")
    );
    assert_eq!(
        class_of(&v, "lab/server", "dns", "db"),
        Some("resolves-differently")
    );
    assert_eq!(
        class_of(&v, "lab/server", "dns", "web"),
        Some("slower-than-threshold")
    );
    // What agrees with the model is not reported.
    assert_eq!(class_of(&v, "lab/server", "tcp", "web:80"), None);
    let client_8080 = class_of(&v, "lab/client", "tcp", "10.250.7.12:8080");
    if has_netem {
        assert_eq!(client_8080, Some("slower-than-threshold"));
    } else {
        assert_eq!(client_8080, None);
    }

    // The same run as a table and as the HTML report's section.
    let o = lab.netdoctor(&[
        "verify",
        "lab/server",
        "-f",
        &fixture.to_string_lossy(),
        "--count",
        "1",
        "--timeout",
        "500ms",
        "--max-probes",
        "40",
        "-o",
        "html",
    ]);
    let html = String::from_utf8_lossy(&o.stdout);
    assert!(html.contains("Model vs measured"), "{html}");
    assert!(html.contains("denied-but-connects"));
    assert!(html.contains("allowed-but-timeout"));
}

#[test]
fn probe_from_runs_in_the_pod_with_its_resolv_conf() {
    if std::env::var_os(SERVE_ENV).is_some() {
        return;
    }
    if !is_root() {
        return skip_or_fail("not root (network namespaces need CAP_SYS_ADMIN)");
    }
    if !have("ip") {
        return skip_or_fail("ip is not installed (apt-get install iproute2)");
    }
    let mut lab = Lab::build("p");
    lab.serve("dns", "dns");
    lab.serve("server", "tcp:8080,9090");
    // A short name, expanded with the pod's own search path (read inside the pod).
    let o = lab.netdoctor(&[
        "probe",
        "dns",
        "server",
        "--count",
        "2",
        "--from",
        "lab/client",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(v["from"], "lab/client");
    assert_eq!(
        v["dns"]["resolv_conf"]["search"][0],
        "lab.svc.cluster.local"
    );
    assert_eq!(v["queries"][0]["name"], "server.lab.svc.cluster.local.");
    assert_eq!(v["queries"][0]["answers"][0], "10.250.7.12");

    let o = lab.netdoctor(&[
        "probe",
        "tcp",
        "server:8080",
        "--count",
        "2",
        "--from",
        "lab/client",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(
        (v["ok"].as_u64(), v["from"].as_str()),
        (Some(2), Some("lab/client"))
    );
    // The table names the pod too.
    let o = lab.netdoctor(&[
        "probe",
        "tcp",
        "10.250.7.12:8080",
        "--count",
        "1",
        "--from",
        "lab/client",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("from lab/client"), "{text}");
}

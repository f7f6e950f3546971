//! Proof against real resolvers: in a fresh network namespace, the resolv.conf netdoctor
//! predicts for a pod (bind-mounted by `ip netns exec` from /etc/netns/NAME/), a recording
//! DNS server answering from the same snapshot on the pod's nameserver address, and the real
//! glibc (`getent ahosts`) and a static musl program resolving names. The queries the server
//! receives, in order, must equal `netdoctor dns resolve --libc …`.
//!
//! Needs root, `ip`, `getent` and `musl-gcc` (Debian `musl-tools`); otherwise it says why it
//! is skipped and passes.

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use netdoctor_core::load::{load_bytes, LoadResult};
use netdoctor_core::model::{BuildOptions, Cluster};
use netdoctor_core::sim::dns::{cluster_answer, presumed_public, ClusterDns, QType, Rcode};
use std::io::Write;
use std::net::{IpAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const SERVE_ENV: &str = "NETDOCTOR_NETNS_DNS_LOG";
const NAMESERVER: &str = "10.96.0.10";
/// The address a forwarded name that is presumed to exist gets (TEST-NET-1).
const UPSTREAM_ANSWER: &str = "192.0.2.1";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seed() -> PathBuf {
    repo().join("examples/seed-cluster")
}

/// The binary's reader of `-f` paths.
#[allow(dead_code)]
#[path = "../src/files.rs"]
mod files;

fn load_seed() -> Cluster {
    let mut loaded = LoadResult::default();
    files::read_each(&[seed()], |name, bytes| {
        loaded.merge(load_bytes(name, bytes))
    })
    .expect("seed readable");
    Cluster::build(loaded, &BuildOptions::default())
}

/// The DNS server. Runs only when the real test re-executes this binary inside the
/// namespace (`ip netns exec NS <test binary> --exact netns_dns_server_helper`).
#[test]
fn netns_dns_server_helper() {
    let Ok(log) = std::env::var(SERVE_ENV) else {
        return;
    };
    let log = PathBuf::from(log);
    let cluster = load_seed();
    let dns = ClusterDns::of(&cluster);
    let socket = UdpSocket::bind((NAMESERVER, 53)).expect("bind 10.96.0.10:53 in the namespace");
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    std::fs::write(log.with_extension("ready"), b"ready").expect("ready file");
    let stop = log.with_extension("stop");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline && !stop.exists() {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let Ok(req) = Message::from_vec(&buf[..n]) else {
            continue;
        };
        let Some(q) = req.queries.first().cloned() else {
            continue;
        };
        let name = q.name().to_ascii().to_ascii_lowercase();
        let qtype = q.query_type();
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&log)
        {
            let _ = writeln!(f, "{name} {qtype}");
        }
        let mut resp = Message::new(req.metadata.id, MessageType::Response, OpCode::Query);
        resp.metadata.recursion_desired = req.metadata.recursion_desired;
        resp.metadata.recursion_available = true;
        resp.metadata.authoritative = true;
        resp.add_query(q.clone());
        let t = match qtype {
            RecordType::A => Some(QType::A),
            RecordType::AAAA => Some(QType::Aaaa),
            RecordType::CNAME => Some(QType::Cname),
            _ => None,
        };
        match t {
            None => resp.metadata.response_code = ResponseCode::NotImp,
            Some(t) => {
                let a = cluster_answer(&cluster, &dns, &name, t);
                match a.rcode {
                    Rcode::NoError => {
                        let mut owner = q.name().clone();
                        for ans in &a.answers {
                            let rdata = match ans.parse::<IpAddr>() {
                                Ok(IpAddr::V4(v4)) => RData::A(A(v4)),
                                Ok(IpAddr::V6(v6)) => RData::AAAA(AAAA(v6)),
                                Err(_) => match Name::from_ascii(ans) {
                                    Ok(target) => RData::CNAME(CNAME(target)),
                                    Err(_) => continue,
                                },
                            };
                            let next = match &rdata {
                                RData::CNAME(CNAME(t)) => Some(t.clone()),
                                _ => None,
                            };
                            resp.add_answer(Record::from_rdata(owner.clone(), 5, rdata));
                            if let Some(n) = next {
                                owner = n;
                            }
                        }
                    }
                    Rcode::Forwarded if presumed_public(&cluster, &name) => {
                        if t == QType::A {
                            if let Ok(ip) = UPSTREAM_ANSWER.parse() {
                                resp.add_answer(Record::from_rdata(
                                    q.name().clone(),
                                    5,
                                    RData::A(A(ip)),
                                ));
                            }
                        }
                    }
                    Rcode::Forwarded | Rcode::NxDomain => {
                        resp.metadata.response_code = ResponseCode::NXDomain
                    }
                    Rcode::ServFail => resp.metadata.response_code = ResponseCode::ServFail,
                }
            }
        }
        if let Ok(bytes) = resp.to_vec() {
            let _ = socket.send_to(&bytes, peer);
        }
    }
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

/// Deletes the namespace, its /etc/netns directory and stops the server.
struct Namespace {
    name: String,
    dir: PathBuf,
    server: Option<Child>,
    stop: Option<PathBuf>,
}

impl Drop for Namespace {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            let _ = std::fs::write(stop, b"stop");
        }
        if let Some(mut s) = self.server.take() {
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = s.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = s.kill();
            let _ = s.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const MUSL_PROGRAM: &str = r#"
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
int main(int argc, char **argv) {
    struct addrinfo hints, *res, *p;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(argv[1], NULL, &hints, &res);
    if (rc) { printf("error %d %s\n", rc, gai_strerror(rc)); return 2; }
    for (p = res; p; p = p->ai_next) {
        char buf[64];
        void *a = p->ai_family == AF_INET ? (void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr
                                          : (void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;
        inet_ntop(p->ai_family, a, buf, sizeof buf);
        printf("%s\n", buf);
    }
    return 0;
}
"#;

/// A client pod with `options ndots:1` (dnsConfig), added to the seed for the predictions;
/// the server answers from the seed alone (the pod changes no record). The network
/// namespaces enforce no NetworkPolicy, so the predictions are made with DNS allowed for
/// `monitoring` too: the seed's `monitoring/default-deny-egress` (fault e) would otherwise
/// make the model predict a DNS timeout after the first query, which this real network never
/// produces. The policy below lets every pod there reach DNS.
const NDOTS1_POD: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: netns-test-allow-dns, namespace: monitoring}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
---
apiVersion: v1
kind: Pod
metadata: {name: ndots1-client, namespace: production, labels: {app: ndots1-client}}
spec:
  containers: [{name: c}]
  dnsConfig:
    options: [{name: ndots, value: \"1\"}]
status:
  phase: Running
  podIP: 192.168.1.99
  conditions: [{type: Ready, status: \"True\"}]
";

fn extra_pod() -> PathBuf {
    let p = std::env::temp_dir().join(format!("netdoctor-netns-pod-{}.yaml", std::process::id()));
    if !p.exists() {
        std::fs::write(&p, NDOTS1_POD).expect("extra pod file");
    }
    p
}

fn predicted(name: &str, from: &str, libc: &str) -> (Vec<String>, serde_json::Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args([
            "dns", "resolve", name, "--from", from, "--libc", libc, "-o", "json", "-f",
        ])
        .arg(seed())
        .arg("-f")
        .arg(extra_pod())
        .env("NO_COLOR", "1")
        .output()
        .expect("netdoctor runs");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let queries = v["queries"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .map(|q| {
                    format!(
                        "{} {}",
                        q["name"].as_str().unwrap_or(""),
                        q["type"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (queries, v)
}

#[test]
fn real_glibc_and_musl_send_the_predicted_queries() {
    if std::env::var(SERVE_ENV).is_ok() {
        return;
    }
    if !is_root() {
        eprintln!("skipped: creating a network namespace (ip netns add) needs root");
        return;
    }
    for tool in ["ip", "getent", "musl-gcc"] {
        if !have(tool) {
            eprintln!(
                "skipped: {tool} is not installed (apt-get install iproute2 libc-bin musl-tools)"
            );
            return;
        }
    }
    let name = format!("ndtest{}", std::process::id());
    let dir = PathBuf::from("/etc/netns").join(&name);
    let tmp = std::env::temp_dir().join(format!("netdoctor-netns-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let mut ns = Namespace {
        name: name.clone(),
        dir: dir.clone(),
        server: None,
        stop: None,
    };
    must("ip", &["netns", "add", &name]);
    must("ip", &["-n", &name, "link", "set", "lo", "up"]);
    must(
        "ip",
        &[
            "-n",
            &name,
            "addr",
            "add",
            &format!("{NAMESERVER}/32"),
            "dev",
            "lo",
        ],
    );
    // An IPv6 address that is not ::1 too, so that getaddrinfo's AI_ADDRCONFIG (getent
    // sets it) asks for AAAA as well as A.
    must(
        "ip",
        &[
            "-n",
            &name,
            "addr",
            "add",
            "fd00::10/128",
            "dev",
            "lo",
            "nodad",
        ],
    );

    // The resolv.conf netdoctor predicts for the client pod.
    let from = "production/deployment/web-frontend";
    let (_, v) = predicted("api-service", from, "glibc");
    let rc = &v["resolv_conf"];
    let strings = |k: &str| -> Vec<String> {
        rc[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let resolv = format!(
        "search {}\nnameserver {}\noptions {}\n",
        strings("search").join(" "),
        strings("nameservers").join("\nnameserver "),
        strings("options").join(" ")
    );
    assert!(
        resolv.contains(&format!("nameserver {NAMESERVER}")),
        "{resolv}"
    );
    std::fs::create_dir_all(&dir).expect("/etc/netns dir");
    std::fs::write(dir.join("resolv.conf"), &resolv).expect("resolv.conf");
    std::fs::write(dir.join("nsswitch.conf"), "hosts: files dns\n").expect("nsswitch.conf");
    std::fs::write(dir.join("hosts"), "127.0.0.1 localhost\n::1 localhost\n").expect("hosts");

    let musl = tmp.join("resolve-musl");
    std::fs::write(tmp.join("resolve.c"), MUSL_PROGRAM).expect("C source");
    must(
        "musl-gcc",
        &[
            "-static",
            "-O1",
            "-o",
            &musl.to_string_lossy(),
            &tmp.join("resolve.c").to_string_lossy(),
        ],
    );

    let log = tmp.join("queries.log");
    ns.stop = Some(log.with_extension("stop"));
    let exe = std::env::current_exe().expect("test binary");
    ns.server = Some(
        Command::new("ip")
            .args(["netns", "exec", &name])
            .arg(&exe)
            .args([
                "--exact",
                "netns_dns_server_helper",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SERVE_ENV, &log)
            .spawn()
            .expect("server starts"),
    );
    let ready = log.with_extension("ready");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "the DNS server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let cases: &[(&str, &str)] = &[
        ("api-service", from),
        ("api-service.production", "monitoring/deployment/prometheus"),
        ("api-service", "monitoring/deployment/prometheus"),
        ("api-service.production.svc.cluster.local", from),
        ("api-service.production.svc.cluster.local.", from),
        ("example.com", from),
        ("legacy-db", from),
        // ndots:1: glibc tries a dotted name as-is first, musl only as-is.
        ("api-service.production", "production/ndots1-client"),
        ("example.com", "production/ndots1-client"),
        ("api-service", "production/ndots1-client"),
    ];
    let mut failures = Vec::new();
    for (qname, src) in cases {
        // Each client runs with the resolv.conf of its own pod.
        let (_, v) = predicted(qname, src, "glibc");
        let search: Vec<String> = v["resolv_conf"]["search"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let options: Vec<String> = v["resolv_conf"]["options"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        std::fs::write(
            dir.join("resolv.conf"),
            format!(
                "search {}\nnameserver {NAMESERVER}\noptions {}\n",
                search.join(" "),
                options.join(" ")
            ),
        )
        .expect("resolv.conf");
        for libc in ["glibc", "musl"] {
            let _ = std::fs::remove_file(&log);
            let (want, _) = predicted(qname, src, libc);
            let out = match libc {
                "glibc" => run("ip", &["netns", "exec", &name, "getent", "ahosts", qname]),
                _ => run(
                    "ip",
                    &["netns", "exec", &name, &musl.to_string_lossy(), qname],
                ),
            };
            std::thread::sleep(Duration::from_millis(50));
            let got: Vec<String> = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect();
            // A and AAAA of one candidate leave in parallel: compare each candidate's set,
            // and the candidates' order.
            let norm = |v: &[String]| {
                let mut groups: Vec<(String, Vec<String>)> = Vec::new();
                for q in v {
                    let (n, t) = q.split_once(' ').unwrap_or((q, ""));
                    match groups.last_mut() {
                        Some((last, ts)) if last == n => ts.push(t.to_string()),
                        _ => groups.push((n.to_string(), vec![t.to_string()])),
                    }
                }
                for g in &mut groups {
                    g.1.sort();
                }
                groups
            };
            eprintln!(
                "{libc} {qname} from {src}: received {got:?} / client: {}",
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .next()
                    .unwrap_or("")
            );
            if norm(&got) != norm(&want) {
                failures.push(format!(
                    "{libc} {qname} from {src}:\n  predicted {want:?}\n  received  {got:?}\n  client said: {}",
                    String::from_utf8_lossy(&out.stdout).trim()
                ));
            }
        }
    }
    drop(ns);
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_file(extra_pod());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

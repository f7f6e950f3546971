//! `monitor --peers --model`: the agent reads the cluster (the fake API server on loopback)
//! into a model and holds its own results against it. Here the model denies the peer (a
//! default-deny NetworkPolicy) but the peer's port answers, and the DNS server answers a
//! Service name with another address than its ClusterIP: both are counted in
//! `netdoctor_model_contradictions_total{kind}` and logged.

use netdoctor_live::cluster::fake::{objects_from_text, FakeApiServer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn objects(peer_port: u16) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: monitor-self, namespace: netdoctor, labels: {{app: netdoctor-monitor}}}}
spec: {{nodeName: node-a, containers: [{{name: m, ports: [{{containerPort: {peer_port}}}]}}]}}
status: {{phase: Running, podIP: 127.0.0.9, conditions: [{{type: Ready, status: "True"}}]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: monitor-b, namespace: netdoctor, labels: {{app: netdoctor-monitor}}}}
spec: {{nodeName: node-b, containers: [{{name: m, ports: [{{containerPort: {peer_port}}}]}}]}}
status: {{phase: Running, podIP: 127.0.0.1, conditions: [{{type: Ready, status: "True"}}]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny-ingress, namespace: netdoctor}}
spec: {{podSelector: {{}}, policyTypes: [Ingress]}}
---
apiVersion: v1
kind: Service
metadata: {{name: api, namespace: prod}}
spec: {{clusterIP: 10.96.1.1, selector: {{app: api}}, ports: [{{port: 80}}]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: api-0, namespace: prod, labels: {{app: api}}}}
spec: {{nodeName: node-b, containers: [{{name: c, ports: [{{containerPort: 80}}]}}]}}
status: {{phase: Running, podIP: 10.1.0.5, conditions: [{{type: Ready, status: "True"}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: kube-dns, namespace: kube-system, labels: {{k8s-app: kube-dns}}}}
spec: {{clusterIP: 10.96.0.10, selector: {{k8s-app: kube-dns}}, ports: [{{name: dns, port: 53, protocol: UDP}}]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: coredns-0, namespace: kube-system, labels: {{k8s-app: kube-dns}}}}
spec: {{nodeName: node-a, containers: [{{name: coredns, ports: [{{containerPort: 53, protocol: UDP}}]}}]}}
status: {{phase: Running, podIP: 10.1.0.2, conditions: [{{type: Ready, status: "True"}}]}}
"#
    )
}

/// Answers every A query with 10.99.99.99 (the model says 10.96.1.1).
fn dns_server() -> SocketAddr {
    use hickory_proto::op::{Message, MessageType, OpCode};
    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::{RData, Record, RecordType};
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                return;
            };
            let Ok(req) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let Some(q) = req.queries.first().cloned() else {
                continue;
            };
            let mut resp = Message::new(req.metadata.id, MessageType::Response, OpCode::Query);
            resp.metadata.recursion_desired = req.metadata.recursion_desired;
            resp.metadata.recursion_available = true;
            resp.add_query(q.clone());
            if q.query_type() == RecordType::A {
                resp.add_answer(Record::from_rdata(
                    q.name().clone(),
                    5,
                    RData::A(A::new(10, 99, 99, 99)),
                ));
            }
            if let Ok(bytes) = resp.to_vec() {
                let _ = socket.send_to(&bytes, peer);
            }
        }
    });
    addr
}

fn metrics(addr: SocketAddr) -> String {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn peer_and_dns_results_that_contradict_the_model_are_counted() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer_port = peer.local_addr().unwrap().port();
    let objects = objects_from_text(&objects(peer_port)).unwrap();
    let server = runtime
        .block_on(FakeApiServer::new(objects).token("t").start())
        .unwrap();
    let dir = std::env::temp_dir().join(format!("netdoctor-monitor-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kc = dir.join("kubeconfig");
    std::fs::write(&kc, server.kubeconfig(None, Some("t"), None)).unwrap();
    let dns = dns_server();
    let config = dir.join("monitor.yaml");
    std::fs::write(
        &config,
        format!(
            "interval: 200ms\ntimeout: 1s\ntargets:\n  - {{kind: dns, target: api.prod.svc.cluster.local, server: \"{dns}\"}}\npeers: {{namespace: netdoctor, selector: \"app=netdoctor-monitor\", port: {peer_port}}}\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args([
            "monitor",
            "--listen",
            "127.0.0.1:0",
            "--peers",
            "--model",
            "--config",
        ])
        .arg(&config)
        .arg("--kubeconfig")
        .arg(&kc)
        .env("NODE_NAME", "node-a")
        .env("POD_NAME", "monitor-self")
        .env("POD_IP", "127.0.0.9")
        .env_remove("KUBECONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let agent = Kill(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let mut addr: Option<SocketAddr> = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    let want = [
        "netdoctor_model_contradictions_total{kind=\"denied-but-connects\"}",
        "netdoctor_model_contradictions_total{kind=\"resolves-differently\"}",
    ];
    let m = loop {
        assert!(
            Instant::now() < deadline,
            "no contradictions counted; log:\n{}",
            lines.join("\n")
        );
        while let Ok(l) = rx.try_recv() {
            if let Some(a) = l
                .rsplit("listening on http://")
                .next()
                .filter(|_| l.contains("listening on"))
            {
                addr = a.trim().parse().ok();
            }
            lines.push(l);
        }
        if let Some(a) = addr {
            let m = metrics(a);
            if want.iter().all(|w| m.contains(w)) {
                break m;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        m.contains("# TYPE netdoctor_model_contradictions counter")
            || m.contains("netdoctor_model_contradictions_total"),
        "{m}"
    );
    // No false contradiction: the peer's round trip on loopback is fast and allowed-but-*
    // classes never appear.
    assert!(!m.contains("kind=\"allowed-but-timeout\""), "{m}");
    std::thread::sleep(Duration::from_millis(300));
    while let Ok(l) = rx.try_recv() {
        lines.push(l);
    }
    let log = lines.join("\n");
    assert!(log.contains("model loaded"), "{log}");
    assert!(
        log.contains("model contradicted (denied-but-connects) on peer 127.0.0.1:"),
        "{log}"
    );
    assert!(
        log.contains("model contradicted (resolves-differently) on dns api.prod.svc.cluster.local"),
        "{log}"
    );
    drop(agent);
    drop(peer);
    let _ = std::fs::remove_dir_all(&dir);
}

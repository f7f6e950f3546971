use super::*;
use crate::load::load_text;
use crate::model::{BuildOptions, Cluster, Protocol, Service};

fn cluster(yaml: &str) -> Cluster {
    Cluster::build(load_text("test.yaml", yaml), &BuildOptions::default())
}

fn svc<'a>(c: &'a Cluster, name: &str) -> &'a Service {
    c.service("prod", name).expect("service in fixture")
}

const PODS: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: prod, labels: {app: web}}
spec:
  containers:
  - name: c
    ports:
    - {name: http, containerPort: 8080}
    - {name: dns, containerPort: 5353, protocol: UDP}
status:
  phase: Running
  podIP: 10.1.0.1
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: prod, labels: {app: web}}
spec:
  containers:
  - name: c
    ports:
    - {name: http, containerPort: 9090}
status:
  phase: Running
  podIP: 10.1.0.2
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: prod, labels: {app: web}}
spec:
  containers:
  - name: c
    ports:
    - {name: web, containerPort: 8080}
    readinessProbe:
      httpGet: {path: /healthz, port: web}
status:
  phase: Running
  podIP: 10.1.0.3
  conditions: [{type: Ready, status: "False", reason: ContainersNotReady}]
  containerStatuses:
  - name: c
    ready: false
    restartCount: 0
    state: {running: {startedAt: "2024-01-01T00:00:00Z"}}
"#;

#[test]
fn named_target_port_resolves_per_pod() {
    let c = cluster(&format!(
        "{PODS}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: prod}}\nspec:\n  selector: {{app: web}}\n  ports:\n  - {{name: http, port: 80, targetPort: http}}\n"
    ));
    let ep = endpoints(&c, svc(&c, "web"));
    assert_eq!(ep.source, EndpointSource::Selector);
    assert_eq!(ep.selected.len(), 3);
    let p = &ep.ports[0];
    let got: Vec<(String, Option<u16>, bool)> = p
        .backends
        .iter()
        .map(|b| (b.pod_name.clone().unwrap(), b.target_port, b.ready))
        .collect();
    assert_eq!(
        got,
        vec![
            ("prod/a".to_string(), Some(8080), true),
            ("prod/b".to_string(), Some(9090), true),
        ]
    );
    // pod c names its port `web`: left out of this port.
    assert_eq!(p.unresolved.len(), 1);
    assert_eq!(p.unresolved[0].pod_name, "prod/c");
    assert!(
        p.unresolved[0].reason.contains("web:8080/TCP"),
        "{}",
        p.unresolved[0].reason
    );
    assert!(ep.has_ready_endpoint());
}

#[test]
fn named_port_needs_the_same_protocol() {
    let c = cluster(&format!(
        "{PODS}---\napiVersion: v1\nkind: Service\nmetadata: {{name: dns, namespace: prod}}\nspec:\n  selector: {{app: web}}\n  ports:\n  - {{name: tcp, port: 53, targetPort: dns, protocol: TCP}}\n  - {{name: udp, port: 53, targetPort: dns, protocol: UDP}}\n"
    ));
    let ep = endpoints(&c, svc(&c, "dns"));
    assert!(ep.port(53, Protocol::Tcp).unwrap().backends.is_empty());
    let reason = &ep.port(53, Protocol::Tcp).unwrap().unresolved[0].reason;
    assert!(reason.contains("5353/UDP, not TCP"), "{reason}");
    let udp = ep.port(53, Protocol::Udp).unwrap();
    assert_eq!(udp.backends.len(), 1);
    assert_eq!(udp.backends[0].target_port, Some(5353));
}

#[test]
fn numeric_target_port_is_used_as_is() {
    let c = cluster(&format!(
        "{PODS}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: prod}}\nspec:\n  selector: {{app: web}}\n  ports:\n  - {{port: 80, targetPort: 7777}}\n"
    ));
    let ep = endpoints(&c, svc(&c, "web"));
    assert_eq!(ep.ports[0].backends.len(), 3);
    assert!(ep.ports[0]
        .backends
        .iter()
        .all(|b| b.target_port == Some(7777)));
    // pod c is listed, not ready.
    assert_eq!(ep.ports[0].ready_count(), 2);
}

#[test]
fn publish_not_ready_addresses_makes_every_pod_ready() {
    let c = cluster(&format!(
        "{PODS}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: prod}}\nspec:\n  publishNotReadyAddresses: true\n  selector: {{app: web}}\n  ports:\n  - {{port: 80, targetPort: 8080}}\n"
    ));
    let ep = endpoints(&c, svc(&c, "web"));
    assert_eq!(ep.ports[0].ready_count(), 3);
    let c_backend = ep.ports[0]
        .backends
        .iter()
        .find(|b| b.pod_name.as_deref() == Some("prod/c"))
        .unwrap();
    assert!(c_backend.ready && !c_backend.serving);
}

const TERMINATING: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: t, namespace: prod, labels: {app: api}, deletionTimestamp: "2024-01-01T00:00:00Z"}
spec:
  containers: [{name: c, ports: [{containerPort: 80}]}]
status:
  phase: Running
  podIP: 10.1.0.9
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: prod, labels: {app: api}}
spec:
  containers: [{name: c, ports: [{containerPort: 80}]}]
status:
  phase: Succeeded
  podIP: 10.1.0.10
---
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: prod, labels: {app: api}}
spec:
  containers: [{name: c, image: "example/api:v9", ports: [{containerPort: 80}]}]
status:
  phase: Pending
  conditions:
  - {type: PodScheduled, status: "False", reason: Unschedulable, message: "0/2 nodes are available: 2 Insufficient cpu."}
"#;

#[test]
fn terminating_pods_are_never_ready_finished_and_ipless_pods_are_left_out() {
    let svc_yaml = "---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: prod}\nspec:\n  selector: {app: api}\n  ports:\n  - {port: 80}\n";
    let c = cluster(&format!("{TERMINATING}{svc_yaml}"));
    let ep = endpoints(&c, svc(&c, "api"));
    assert_eq!(ep.ports[0].backends.len(), 1);
    let b = &ep.ports[0].backends[0];
    assert_eq!(b.pod_name.as_deref(), Some("prod/t"));
    assert!(!b.ready && b.serving && b.terminating);
    assert!(!ep.has_ready_endpoint());
    let excluded: Vec<(&str, &Exclusion)> = ep
        .excluded
        .iter()
        .map(|e| (e.pod_name.as_str(), &e.reason))
        .collect();
    assert_eq!(excluded.len(), 2);
    assert!(matches!(
        excluded[0],
        ("prod/done", Exclusion::Terminal { .. })
    ));
    assert!(matches!(
        excluded[1],
        ("prod/pending", Exclusion::NoIp { .. })
    ));
    // publishNotReadyAddresses publishes terminating pods as ready too.
    let c = cluster(&format!(
        "{TERMINATING}{}",
        svc_yaml.replace("spec:\n", "spec:\n  publishNotReadyAddresses: true\n")
    ));
    let ep = endpoints(&c, svc(&c, "api"));
    assert!(ep.ports[0].backends[0].ready);
}

#[test]
fn host_network_pods_use_the_host_ip() {
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: h, namespace: prod, labels: {app: agent}}
spec:
  hostNetwork: true
  containers: [{name: c, ports: [{name: metrics, containerPort: 9100}]}]
status:
  phase: Running
  hostIP: 10.0.0.12
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Service
metadata: {name: agent, namespace: prod}
spec:
  selector: {app: agent}
  ports: [{port: 9100, targetPort: metrics}]
"#;
    let c = cluster(yaml);
    let ep = endpoints(&c, svc(&c, "agent"));
    let b = &ep.ports[0].backends[0];
    assert_eq!(b.ip, Some("10.0.0.12".parse().unwrap()));
    assert_eq!(b.target_port, Some(9100));
    assert!(b.ready);
}

#[test]
fn template_pods_count_as_ready_without_ip() {
    let yaml = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"#;
    let c = cluster(yaml);
    let ep = endpoints(&c, svc(&c, "web"));
    assert_eq!(ep.ports[0].backends.len(), 1);
    let b = &ep.ports[0].backends[0];
    assert!(b.ready && b.ip.is_none());
    assert_eq!(b.target_port, Some(8080));
}

#[test]
fn services_without_selector_read_their_slices_and_external_name_has_none() {
    let yaml = r#"
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: prod}
spec:
  ports: [{name: https, port: 443, targetPort: 6443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes
  namespace: prod
  labels: {kubernetes.io/service-name: kubernetes}
addressType: IPv4
endpoints:
- addresses: [10.0.0.10]
  conditions: {ready: true}
ports: [{name: https, port: 6443, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: prod}
spec:
  type: ExternalName
  externalName: example.com
"#;
    let c = cluster(yaml);
    let ep = endpoints(&c, svc(&c, "kubernetes"));
    assert_eq!(ep.source, EndpointSource::Slices);
    assert_eq!(ep.ports[0].backends.len(), 1);
    assert_eq!(ep.ports[0].backends[0].target_port, Some(6443));
    assert!(ep.has_ready_endpoint());
    let ep = endpoints(&c, svc(&c, "ext"));
    assert_eq!(ep.source, EndpointSource::ExternalName);
    assert!(ep.ports.is_empty());
}

#[test]
fn not_ready_reasons_read_like_plain_words() {
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: crash, namespace: prod}
spec: {containers: [{name: app}]}
status:
  phase: Running
  podIP: 10.1.0.5
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
  - name: app
    ready: false
    restartCount: 14
    state: {waiting: {reason: CrashLoopBackOff}}
    lastState: {terminated: {exitCode: 1, reason: Error}}
---
apiVersion: v1
kind: Pod
metadata: {name: pull, namespace: prod}
spec: {containers: [{name: app, image: "example/app:nope"}]}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "True"}]
  containerStatuses:
  - name: app
    image: "example/app:nope"
    ready: false
    restartCount: 0
    state: {waiting: {reason: ImagePullBackOff, message: "Back-off pulling image"}}
---
apiVersion: v1
kind: Pod
metadata: {name: tcp, namespace: prod}
spec:
  containers:
  - name: app
    readinessProbe: {tcpSocket: {port: 5432}}
status:
  phase: Running
  podIP: 10.1.0.6
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
  - name: app
    ready: false
    restartCount: 2
    state: {running: {}}
"#;
    let c = cluster(&format!("{yaml}---\n{TERMINATING}---\n{PODS}"));
    let r = |name: &str| pod_not_ready_reason(c.pod("prod", name).unwrap());
    assert_eq!(
        r("crash"),
        "container app is in CrashLoopBackOff: restarted 14 times, last exit code 1 (Error)"
    );
    assert_eq!(
        r("pull"),
        "Pending: container app cannot pull its image example/app:nope (ImagePullBackOff) (Back-off pulling image)"
    );
    assert_eq!(
        r("tcp"),
        "container app is running but failing its readiness probe (tcpSocket on port 5432; restarted 2 times)"
    );
    assert_eq!(
        r("c"),
        "container c is running but failing its readiness probe (httpGet /healthz on port web; restarted 0 times)"
    );
    assert_eq!(
        r("pending"),
        "Pending: not scheduled to any node (Unschedulable: 0/2 nodes are available: 2 Insufficient cpu.)"
    );
    assert!(r("t").starts_with("terminating"));
    assert_eq!(r("done"), "phase Succeeded: the pod has finished");
    assert_eq!(r("a"), "ready");
}

#[test]
fn stale_slice_addresses_name_gone_and_relabelled_pods() {
    let yaml = r#"
apiVersion: v1
kind: Service
metadata: {name: api, namespace: prod}
spec:
  selector: {app: api}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: prod, labels: {app: api}}
spec: {containers: [{name: c}]}
status: {phase: Running, podIP: 10.1.0.1, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-2, namespace: prod, labels: {app: api-debug}}
spec: {containers: [{name: c}]}
status: {phase: Running, podIP: 10.1.0.2, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: api-abcde
  namespace: prod
  labels: {kubernetes.io/service-name: api}
addressType: IPv4
endpoints:
- addresses: [10.1.0.1]
  targetRef: {kind: Pod, name: api-1, namespace: prod}
- addresses: [10.1.0.2]
  targetRef: {kind: Pod, name: api-2, namespace: prod}
- addresses: [10.1.0.3]
  targetRef: {kind: Pod, name: api-3, namespace: prod}
ports: [{port: 80, protocol: TCP}]
"#;
    let c = cluster(yaml);
    let stale = stale_slice_addresses(&c, svc(&c, "api"));
    let got: Vec<String> = stale
        .iter()
        .map(|s| format!("{} {} {}", s.slice, s.address, s.reason))
        .collect();
    assert_eq!(
        got,
        vec![
            "api-abcde 10.1.0.2 pod prod/api-2 no longer matches the selector, its labels are app=api-debug",
            "api-abcde 10.1.0.3 pod prod/api-3 no longer exists",
        ]
    );
    let pod = c.pod("prod", "api-1").unwrap();
    assert_eq!(services_selecting(&c, pod).len(), 1);
}

#[test]
fn pod_serves_agrees_with_the_ready_backends() {
    let c = cluster(&format!("{PODS}{}", SVC_HTTP_PNRA_CHECK));
    for name in ["web", "web-pnra"] {
        let s = svc(&c, name);
        let ep = endpoints(&c, s);
        assert_eq!(ep.selected.len(), 3);
        for &i in &ep.selected {
            let listed_ready = ep.backends_of(i).any(|(_, b)| b.ready);
            if ep.backends_of(i).next().is_some() {
                assert_eq!(pod_serves(s, &c.pods[i]), listed_ready, "{name} {i}");
            }
        }
    }
}

const SVC_HTTP_PNRA_CHECK: &str = r#"
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-pnra, namespace: prod}
spec: {selector: {app: web}, publishNotReadyAddresses: true, ports: [{port: 80, targetPort: 8080}]}
"#;

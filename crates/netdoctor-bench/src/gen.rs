//! A synthetic cluster as `kubectl get -A -o json|yaml` prints it: N namespaces × M
//! workloads, each a Deployment + ReplicaSet + pods with full status, a Service and its
//! EndpointSlices, and a realistic NetworkPolicy mix (default deny, allow from the tier in
//! front, DNS egress, ipBlock egress to an external range, cross-namespace monitoring).
//! Deterministic: the same arguments give the same bytes.

use serde_json::{json, Value};
use std::io::Write;

#[derive(Debug, Clone)]
pub struct Spec {
    pub pods: usize,
    pub namespaces: usize,
    pub pods_per_workload: usize,
    pub policies: usize,
    /// The shape of issue 18: only Namespaces, Deployments, Pods, Services and
    /// NetworkPolicies (no Nodes, ReplicaSets or EndpointSlices), pods with the fields
    /// `kubectl get` prints for a running pod but no long volume/toleration lists, and the
    /// policy budget spread evenly over the namespaces.
    pub lean: bool,
}

const TIERS: [&str; 4] = ["frontend", "api", "worker", "db"];

fn uid(kind: u32, a: usize, b: usize) -> String {
    format!(
        "{kind:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a & 0xffff,
        b & 0xfff,
        (a >> 16) & 0xfff,
        a * 7919 + b
    )
}

fn pod_ip(n: usize) -> String {
    format!(
        "10.{}.{}.{}",
        64 + (n >> 16) % 64,
        (n >> 8) & 0xff,
        n & 0xff
    )
}

fn node_of(n: usize) -> usize {
    n % 50
}

pub fn write<W: Write>(spec: &Spec, yaml: bool, out: &mut W) -> std::io::Result<()> {
    let mut w = ItemWriter::new(out, yaml)?;
    let workloads_per_ns = spec
        .pods
        .div_ceil(spec.pods_per_workload)
        .div_ceil(spec.namespaces)
        .max(1);
    if !spec.lean {
        for n in 0..50 {
            w.item(&node(n))?;
        }
    }
    let mut pod_no = 0usize;
    let mut total_left = spec.policies;
    for ns_i in 0..spec.namespaces {
        let ns = format!("team-{ns_i:03}");
        w.item(&namespace(&ns, ns_i))?;
        // Lean: this namespace's share of what is left; otherwise greedy, namespace by namespace.
        let mut policies_left = if spec.lean {
            total_left.div_ceil(spec.namespaces - ns_i)
        } else {
            total_left
        };
        total_left -= policies_left;
        if policies_left > 0 {
            w.item(&default_deny(&ns))?;
            policies_left -= 1;
        }
        if policies_left > 0 {
            w.item(&allow_dns(&ns))?;
            policies_left -= 1;
        }
        if spec.lean && policies_left > 0 {
            w.item(&allow_monitoring(&ns))?;
            policies_left -= 1;
        }
        for wl in 0..workloads_per_ns {
            if pod_no >= spec.pods {
                break;
            }
            let tier = TIERS[wl % TIERS.len()];
            let app = format!("{tier}-{wl:03}");
            let hash = format!("{:x}", 0x5c7d9f00usize + wl * 31 + ns_i);
            let count = spec.pods_per_workload.min(spec.pods - pod_no);
            let mut deploy = deployment(&ns, &app, tier, count, ns_i, wl);
            if spec.lean {
                slim_deployment(&mut deploy, &app);
            } else {
                w.item(&deploy)?;
                w.item(&replicaset(&ns, &app, tier, &hash, count, ns_i, wl))?;
            }
            if spec.lean {
                w.item(&deploy)?;
            }
            let mut ips = Vec::new();
            for r in 0..count {
                let ip = pod_ip(pod_no);
                let mut p = pod(&ns, &app, tier, &hash, r, pod_no, &ip, ns_i, wl);
                if spec.lean {
                    slim_pod(&mut p, &app);
                }
                w.item(&p)?;
                ips.push((ip, format!("{app}-{hash}-{r:05x}"), node_of(pod_no)));
                pod_no += 1;
            }
            let mut svc = service(&ns, &app, tier, ns_i, wl);
            if spec.lean {
                slim_service(&mut svc);
            }
            w.item(&svc)?;
            if !spec.lean {
                for (chunk_i, chunk) in ips.chunks(100).enumerate() {
                    w.item(&endpoint_slice(&ns, &app, chunk_i, chunk))?;
                }
            }
            if policies_left > 0 && wl > 0 {
                let from_tier = TIERS[(wl - 1) % TIERS.len()];
                w.item(&allow_from(&ns, &app, tier, from_tier, wl))?;
                policies_left -= 1;
            }
            if policies_left > 0 && wl.is_multiple_of(8) {
                w.item(&egress_external(&ns, &app, wl))?;
                policies_left -= 1;
            }
        }
        if !spec.lean && policies_left > 0 {
            w.item(&allow_monitoring(&ns))?;
            policies_left -= 1;
        }
        total_left += policies_left;
    }
    w.finish()
}

struct ItemWriter<'a, W: Write> {
    out: &'a mut W,
    yaml: bool,
    first: bool,
}

impl<'a, W: Write> ItemWriter<'a, W> {
    fn new(out: &'a mut W, yaml: bool) -> std::io::Result<Self> {
        if yaml {
            out.write_all(b"apiVersion: v1\nitems:\n")?;
        } else {
            out.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n")?;
        }
        Ok(ItemWriter {
            out,
            yaml,
            first: true,
        })
    }

    fn item(&mut self, v: &Value) -> std::io::Result<()> {
        if self.yaml {
            let text = serde_saphyr::to_string(&[v]).map_err(std::io::Error::other)?;
            self.out.write_all(text.as_bytes())?;
        } else {
            if !self.first {
                self.out.write_all(b",\n")?;
            }
            let text = serde_json::to_string_pretty(v).map_err(std::io::Error::other)?;
            for (i, line) in text.lines().enumerate() {
                if i > 0 {
                    self.out.write_all(b"\n")?;
                }
                self.out.write_all(b"        ")?;
                self.out.write_all(line.as_bytes())?;
            }
        }
        self.first = false;
        Ok(())
    }

    fn finish(self) -> std::io::Result<()> {
        if self.yaml {
            self.out
                .write_all(b"kind: List\nmetadata:\n  resourceVersion: \"\"\n")
        } else {
            self.out.write_all(
                b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
            )
        }
    }
}

fn meta(ns: Option<&str>, name: &str, uid: String, labels: Value) -> Value {
    let mut m = json!({
        "creationTimestamp": "2026-10-01T08:00:00Z",
        "name": name,
        "resourceVersion": "184467",
        "uid": uid,
        "labels": labels,
    });
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

fn node(n: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": meta(None, &format!("node-{n:02}"), uid(1, n, 0), json!({
            "kubernetes.io/hostname": format!("node-{n:02}"), "kubernetes.io/os": "linux",
            "topology.kubernetes.io/zone": format!("zone-{}", n % 3)})),
        "spec": {"podCIDR": format!("10.{}.0.0/16", 64 + n), "podCIDRs": [format!("10.{}.0.0/16", 64 + n)]},
        "status": {
            "addresses": [{"address": format!("172.16.0.{}", 10 + n), "type": "InternalIP"},
                          {"address": format!("node-{n:02}"), "type": "Hostname"}],
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
            "nodeInfo": {"kubeletVersion": "v1.31.2", "containerRuntimeVersion": "containerd://1.7.22", "osImage": "Debian GNU/Linux 12 (bookworm)"}
        }
    })
}

fn namespace(ns: &str, i: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": meta(None, ns, uid(2, i, 0), json!({"kubernetes.io/metadata.name": ns, "team": format!("t{}", i % 10)})),
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}
    })
}

fn container(app: &str) -> Value {
    json!({
        "name": "app",
        "image": format!("registry.example.com/{app}:1.4.2"),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"},
                  {"containerPort": 9090, "name": "metrics", "protocol": "TCP"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.observability:4317"}],
        "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"}, "periodSeconds": 10, "failureThreshold": 3, "successThreshold": 1, "timeoutSeconds": 1},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"}, "periodSeconds": 20, "failureThreshold": 3, "successThreshold": 1, "timeoutSeconds": 1},
        "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-7x2lq", "readOnly": true}],
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"
    })
}

/// A container as a lean manifest writes it: image and ports only.
fn lean_container(app: &str) -> Value {
    json!({
        "image": format!("registry.example.com/{app}:1.4.2"), "name": "app",
        "ports": [{"containerPort": 8080, "name": "http"}, {"containerPort": 9090, "name": "metrics"}]
    })
}

/// Issue 18's objects: metadata with name, namespace and labels only; pods without volumes,
/// tolerations, env, probes or container statuses; Services with one port.
fn slim_pod(p: &mut Value, app: &str) {
    let ip = p["status"]["podIP"].clone();
    slim_meta(p);
    p["spec"] = json!({
        "containers": [lean_container(app)], "nodeName": p["spec"]["nodeName"].clone()
    });
    p["status"] = json!({"phase": "Running", "podIP": ip});
}

fn slim_meta(o: &mut Value) {
    let m = &o["metadata"];
    o["metadata"] = json!({"labels": m["labels"].clone(), "name": m["name"].clone(), "namespace": m["namespace"].clone()});
}

fn slim_deployment(d: &mut Value, app: &str) {
    slim_meta(d);
    d["spec"]["template"]["spec"] = json!({"containers": [lean_container(app)]});
    if let Some(s) = d.as_object_mut() {
        s.remove("status");
    }
}

fn slim_service(svc: &mut Value) {
    slim_meta(svc);
    let spec = &svc["spec"];
    svc["spec"] = json!({"clusterIP": spec["clusterIP"].clone(), "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}], "selector": spec["selector"].clone()});
    if let Some(s) = svc.as_object_mut() {
        s.remove("status");
    }
}

fn pod_template(app: &str, tier: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app, "tier": tier}},
        "spec": {"containers": [container(app)], "dnsPolicy": "ClusterFirst", "restartPolicy": "Always"}
    })
}

fn deployment(ns: &str, app: &str, tier: &str, replicas: usize, ns_i: usize, wl: usize) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": meta(Some(ns), app, uid(3, ns_i, wl), json!({"app": app, "tier": tier})),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}}, "template": pod_template(app, tier)},
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}
    })
}

fn replicaset(
    ns: &str,
    app: &str,
    tier: &str,
    hash: &str,
    replicas: usize,
    ns_i: usize,
    wl: usize,
) -> Value {
    let mut m = meta(
        Some(ns),
        &format!("{app}-{hash}"),
        uid(4, ns_i, wl),
        json!({"app": app, "tier": tier, "pod-template-hash": hash}),
    );
    m["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": uid(3, ns_i, wl), "controller": true, "blockOwnerDeletion": true}]);
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": m,
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app, "pod-template-hash": hash}}, "template": pod_template(app, tier)},
        "status": {"replicas": replicas, "readyReplicas": replicas}
    })
}

#[allow(clippy::too_many_arguments)]
fn pod(
    ns: &str,
    app: &str,
    tier: &str,
    hash: &str,
    r: usize,
    n: usize,
    ip: &str,
    ns_i: usize,
    wl: usize,
) -> Value {
    let name = format!("{app}-{hash}-{r:05x}");
    let mut m = meta(
        Some(ns),
        &name,
        uid(5, n, r),
        json!({"app": app, "tier": tier, "pod-template-hash": hash}),
    );
    m["generateName"] = json!(format!("{app}-{hash}-"));
    m["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-{hash}"), "uid": uid(4, ns_i, wl), "controller": true, "blockOwnerDeletion": true}]);
    let node = node_of(n);
    let t = "2026-10-01T08:00:05Z";
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": m,
        "spec": {
            "containers": [container(app)], "dnsPolicy": "ClusterFirst", "enableServiceLinks": true,
            "nodeName": format!("node-{node:02}"), "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {},
            "serviceAccount": "default", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}],
            "volumes": [{"name": "kube-api-access-7x2lq", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}]}}]
        },
        "status": {
            "conditions": [
                {"lastProbeTime": null, "lastTransitionTime": t, "status": "True", "type": "PodReadyToStartContainers"},
                {"lastProbeTime": null, "lastTransitionTime": t, "status": "True", "type": "Initialized"},
                {"lastProbeTime": null, "lastTransitionTime": t, "status": "True", "type": "Ready"},
                {"lastProbeTime": null, "lastTransitionTime": t, "status": "True", "type": "ContainersReady"},
                {"lastProbeTime": null, "lastTransitionTime": t, "status": "True", "type": "PodScheduled"}],
            "containerStatuses": [{"containerID": format!("containerd://{:064x}", n), "image": format!("registry.example.com/{app}:1.4.2"),
                "imageID": format!("registry.example.com/{app}@sha256:{:064x}", wl), "lastState": {}, "name": "app", "ready": true,
                "restartCount": 0, "started": true, "state": {"running": {"startedAt": t}}}],
            "hostIP": format!("172.16.0.{}", 10 + node), "hostIPs": [{"ip": format!("172.16.0.{}", 10 + node)}],
            "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "Burstable", "startTime": t
        }
    })
}

fn service(ns: &str, app: &str, tier: &str, ns_i: usize, wl: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": meta(Some(ns), app, uid(6, ns_i, wl), json!({"app": app, "tier": tier})),
        "spec": {"clusterIP": format!("10.96.{}.{}", ns_i % 256, wl % 256), "clusterIPs": [format!("10.96.{}.{}", ns_i % 256, wl % 256)],
                 "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"},
                           {"name": "metrics", "port": 9090, "protocol": "TCP", "targetPort": 9090}],
                 "selector": {"app": app}, "sessionAffinity": "None", "type": "ClusterIP"},
        "status": {"loadBalancer": {}}
    })
}

fn endpoint_slice(ns: &str, app: &str, chunk: usize, eps: &[(String, String, usize)]) -> Value {
    let name = format!("{app}-{chunk:05x}");
    let mut m = meta(
        Some(ns),
        &name,
        uid(7, chunk, eps.len()),
        json!({
        "kubernetes.io/service-name": app, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}),
    );
    m["generateName"] = json!(format!("{app}-"));
    json!({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4", "metadata": m,
        "endpoints": eps.iter().map(|(ip, pod, node)| json!({
            "addresses": [ip], "conditions": {"ready": true, "serving": true, "terminating": false},
            "nodeName": format!("node-{node:02}"), "targetRef": {"kind": "Pod", "name": pod, "namespace": ns}})).collect::<Vec<_>>(),
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "metrics", "port": 9090, "protocol": "TCP"}]
    })
}

fn netpol(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": meta(Some(ns), name, uid(8, name.len(), ns.len()), json!({})), "spec": spec})
}

fn default_deny(ns: &str) -> Value {
    netpol(
        ns,
        "default-deny",
        json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    )
}

fn allow_dns(ns: &str) -> Value {
    netpol(
        ns,
        "allow-dns",
        json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}),
    )
}

fn allow_from(ns: &str, app: &str, tier: &str, from_tier: &str, wl: usize) -> Value {
    netpol(
        ns,
        &format!("allow-{app}-from-{from_tier}"),
        json!({
            "podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": from_tier}}}],
                         "ports": [{"protocol": "TCP", "port": "http"}]}],
            "egress": if wl.is_multiple_of(3) { json!([{"to": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": [tier, "db"]}]}}]}]) } else { json!(null) }
        }),
    )
}

fn egress_external(ns: &str, app: &str, wl: usize) -> Value {
    netpol(
        ns,
        &format!("{app}-egress-external"),
        json!({
            "podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": format!("203.0.{}.0/24", wl % 256), "except": [format!("203.0.{}.128/25", wl % 256)]}}],
                        "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 30000, "endPort": 32767}]}]
        }),
    )
}

fn allow_monitoring(ns: &str) -> Value {
    netpol(
        ns,
        "allow-monitoring",
        json!({
            "podSelector": {}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                                   "podSelector": {"matchLabels": {"app": "prometheus"}}}],
                         "ports": [{"protocol": "TCP", "port": "metrics"}]}]
        }),
    )
}

/// `policy map` with many ipBlock `except` entries: `namespaces` × `deployments` one-pod
/// workloads (tiers as above) and `policies` egress policies, each allowing 0.0.0.0/0 except
/// `excepts` distinct, non-adjacent /24 ranges (different per policy, so the cuts of the
/// address space multiply), selecting the workloads of one tier in one namespace.
pub fn write_excepts<W: Write>(
    namespaces: usize,
    deployments: usize,
    policies: usize,
    excepts: usize,
    out: &mut W,
) -> std::io::Result<()> {
    let mut w = ItemWriter::new(out, true)?;
    let mut pod_no = 0;
    for ns_i in 0..namespaces {
        let ns = format!("team-{ns_i:03}");
        w.item(&namespace(&ns, ns_i))?;
        for wl in 0..deployments {
            let tier = TIERS[wl % TIERS.len()];
            let app = format!("{tier}-{wl:03}");
            let mut p = pod(
                &ns,
                &app,
                tier,
                "5c7d9f00",
                0,
                pod_no,
                &pod_ip(pod_no),
                ns_i,
                wl,
            );
            slim_pod(&mut p, &app);
            w.item(&p)?;
            pod_no += 1;
        }
    }
    for p in 0..policies {
        let ns = format!("team-{:03}", p % namespaces.max(1));
        let except: Vec<String> = (0..excepts)
            .map(|e| {
                // Every third /24: no two excepts touch, so each cuts the address space.
                let n = (p * excepts + e) * 3;
                format!(
                    "{}.{}.{}.0/24",
                    11 + (n >> 16) % 200,
                    (n >> 8) & 0xff,
                    n & 0xff
                )
            })
            .collect();
        w.item(&netpol(
            &ns,
            &format!("egress-except-{p:02}"),
            json!({
                "podSelector": {"matchLabels": {"tier": TIERS[p % TIERS.len()]}},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": except}}],
                            "ports": [{"protocol": "TCP", "port": 443}]}]
            }),
        ))?;
    }
    w.finish()
}

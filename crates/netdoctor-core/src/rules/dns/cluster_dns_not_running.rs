use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, Pod};
use crate::rules::Rule;
use crate::sim::dns::ClusterDns;

pub static RULE: Rule = Rule {
    code: "DNS001",
    area: crate::rules::Area::Dns,
    name: "cluster-dns-not-running",
    severity: Severity::Error,
    summary: "no ready CoreDNS/kube-dns pods (`k8s-app=kube-dns` in kube-system, or the pods the kube-dns Service selects)",
    doc: r#"## What it checks
The cluster DNS pods: pods in `kube-system` labelled `k8s-app=kube-dns` (CoreDNS keeps the
kube-dns label) and the pods the `kube-dns` Service selects. The rule fires when the snapshot
shows cluster DNS (the kube-dns Service, the CoreDNS Deployment or its ConfigMap) but none of
its pods is Ready: scaled to zero, Pending, crash-looping, or failing the readiness probe
(`/ready` of the `ready` plugin).

## Why it breaks traffic
Every pod with dnsPolicy `ClusterFirst` sends its queries to the kube-dns ClusterIP. With no
ready backend the queries are dropped or rejected: lookups time out after 5 s per try
(`EAI_AGAIN`, "Temporary failure in name resolution", `i/o timeout`), for Service names and
for external names alike, so almost every connection in the cluster fails at its first step.

## How to fix
Find out why the pods are not ready and fix that; scale the Deployment back up if it was
scaled down.

```
kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide
kubectl -n kube-system describe pods -l k8s-app=kube-dns
kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50
kubectl -n kube-system scale deployment coredns --replicas=2
```
A crash loop with `Loop ... detected` in the log means the Corefile forwards to itself
(see DNS003).

## Example
```
error[DNS001] cluster-dns-not-running: kube-system/deployment/coredns
  none of the 2 cluster DNS pods is ready (coredns-7db6d8ff4d-qkgdh: CrashLoopBackOff; ...)
```

## References
- Debugging DNS Resolution: https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/
- DNS for Services and Pods: https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
- CoreDNS `ready` plugin: https://coredns.io/plugins/ready/
"#,
    check,
};

fn why_not_ready(p: &Pod) -> String {
    if p.terminating {
        return "terminating".into();
    }
    if p.phase != "Running" {
        return match &p.status_reason {
            Some(r) => format!("{} ({r})", p.phase),
            None => p.phase.clone(),
        };
    }
    for cs in &p.container_statuses {
        if let Some(w) = cs.state.waiting.as_ref() {
            if let Some(r) = &w.reason {
                return format!("{r}, restarts {}", cs.restart_count);
            }
        }
    }
    "Running but not Ready (readiness probe failing)".into()
}

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("Pod") {
        return;
    }
    let dns = ClusterDns::of(cluster);
    let deployment = ["coredns", "kube-dns"]
        .iter()
        .find_map(|n| cluster.workload("Deployment", "kube-system", n));
    let expected = dns.service.is_some() || deployment.is_some() || !dns.pods.is_empty();
    if !expected {
        return;
    }
    let pods: Vec<&Pod> = dns.pods.iter().map(|&i| &cluster.pods[i]).collect();
    if pods.iter().any(|p| p.ready && !p.terminating) {
        return;
    }
    let object = match deployment {
        Some(d) => ObjectRef::namespaced("Deployment", &d.namespace, &d.name),
        None => match &dns.service {
            Some((ns, n)) => ObjectRef::namespaced("Service", ns, n),
            None => ObjectRef::namespaced("Pod", &pods[0].namespace, &pods[0].name),
        },
    };
    let message = if pods.is_empty() {
        match deployment {
            Some(d) if d.replicas == 0 => format!(
                "Deployment {}/{} is scaled to 0 replicas: no cluster DNS pod runs, so every DNS lookup from ClusterFirst pods times out",
                d.namespace, d.name
            ),
            _ => "no cluster DNS pod (k8s-app=kube-dns in kube-system) exists: every DNS lookup from ClusterFirst pods times out".to_string(),
        }
    } else {
        format!(
            "none of the {} cluster DNS pod(s) is ready ({}): every DNS lookup from ClusterFirst pods times out",
            pods.len(),
            pods.iter()
                .take(5)
                .map(|p| format!("{}: {}", p.name, why_not_ready(p)))
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    let mut f = Finding::new(&RULE, object, message);
    for p in &pods {
        f = f.with_evidence(format!(
            "pod {}/{} phase {} ready {}: {}",
            p.namespace,
            p.name,
            p.phase,
            p.ready,
            why_not_ready(p)
        ));
    }
    let mut fix = Fix::new("Find out why the CoreDNS pods are not ready and fix it")
        .command("kubectl -n kube-system describe pods -l k8s-app=kube-dns")
        .command("kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50");
    if let Some(d) = deployment.filter(|d| d.replicas == 0) {
        fix = fix.command(format!(
            "kubectl -n {} scale deployment {} --replicas=2",
            d.namespace, d.name
        ));
    }
    out.push(f.with_fix(fix));
}

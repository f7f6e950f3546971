use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{Cluster, Protocol, Service};
use crate::rules::Rule;
use crate::sim::dns::ClusterDns;

pub static RULE: Rule = Rule {
    code: "DNS002",
    area: crate::rules::Area::Dns,
    name: "cluster-dns-service-unreachable",
    severity: Severity::Error,
    summary: "the kube-dns Service is missing, has no ready endpoints, or its ClusterIP is not the nameserver pods are given",
    doc: r#"## What it checks
The Service pods reach cluster DNS through (`kube-system/kube-dns`, whatever the DNS
server's name): that it exists, that it is not headless, that it serves port 53 over UDP,
that its EndpointSlices list at least one ready endpoint, and, when the snapshot holds the
kubelet configuration (`kube-system/kubelet-config`), that its ClusterIP is the `clusterDNS`
address kubelet writes into every pod's resolv.conf (or the NodeLocal DNSCache address).

## Why it breaks traffic
kubelet writes `nameserver <clusterDNS>` into every ClusterFirst pod. If no Service owns that
address, or the Service has no ready endpoints (its selector no longer matches the CoreDNS
pods, or they are all unready), kube-proxy has nowhere to send the packet: queries are
rejected or time out, and every name lookup fails even though CoreDNS itself may be running.

## How to fix
Restore the Service with the address kubelet uses and a selector that matches the DNS pods:

```
kubectl -n kube-system get svc kube-dns -o wide
kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns
kubectl -n kube-system get pods -l k8s-app=kube-dns --show-labels
```
The ClusterIP must equal kubelet's `clusterDNS` (`kubectl get cm -n kube-system kubelet-config -o yaml`).

## Example
```
error[DNS002] cluster-dns-service-unreachable: kube-system/service/kube-dns
  Service kube-system/kube-dns has no ready endpoints (selector k8s-app=kube-dns matches 0 ready pods)
```

## References
- Debugging DNS Resolution: https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/
- kubelet `clusterDNS`: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("Service") {
        return;
    }
    let dns = ClusterDns::of(cluster);
    let Some((ns, name)) = dns.service.clone() else {
        missing_service(cluster, &dns, out);
        return;
    };
    let Some(svc) = cluster.service(&ns, &name) else {
        return;
    };
    let object = ObjectRef::namespaced("Service", &ns, &name);
    if svc.headless {
        out.push(
            Finding::new(
                &RULE,
                object.clone(),
                format!("Service {ns}/{name} is headless (clusterIP: None): pods are given a ClusterIP as their nameserver, and no Service owns it"),
            )
            .with_fix(Fix::new("Recreate the Service with kubelet's clusterDNS address as its ClusterIP").yaml(service_yaml("10.96.0.10"))),
        );
    }
    out.extend(no_udp_53(svc, &object));
    out.extend(no_ready_endpoints(cluster, &dns, svc, &object));
    if !dns.kubelet_cluster_dns.is_empty() && !svc.headless {
        out.extend(not_at_kubelet_nameserver(&dns, svc, object));
    }
}

/// No kube-dns Service: reported only when the snapshot shows cluster DNS otherwise.
fn missing_service(cluster: &Cluster, dns: &ClusterDns, out: &mut Vec<Finding>) {
    let deployment = ["coredns", "kube-dns"]
        .iter()
        .find_map(|n| cluster.workload("Deployment", "kube-system", n));
    if deployment.is_none() && dns.pods.is_empty() {
        return;
    }
    out.push(
        Finding::new(
            &RULE,
            ObjectRef::namespaced("Service", "kube-system", "kube-dns"),
            format!(
                "Service kube-system/kube-dns does not exist although cluster DNS runs ({} pod(s)): pods' nameserver {} has no Service behind it",
                dns.pods.len(),
                if dns.kubelet_cluster_dns.is_empty() {
                    "(kubelet clusterDNS)".to_string()
                } else {
                    dns.kubelet_cluster_dns.join(", ")
                }
            ),
        )
        .with_fix(
            Fix::new("Recreate the kube-dns Service with kubelet's clusterDNS address as its ClusterIP")
                .yaml(service_yaml(dns.kubelet_cluster_dns.first().map_or("10.96.0.10", String::as_str))),
        ),
    );
}

/// The Service does not serve 53/UDP.
fn no_udp_53(svc: &Service, object: &ObjectRef) -> Option<Finding> {
    if svc
        .ports
        .iter()
        .any(|p| p.port == 53 && p.protocol == Protocol::Udp)
    {
        return None;
    }
    let (ns, name) = (&svc.namespace, &svc.name);
    let ports: Vec<String> = svc
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.port, p.protocol))
        .collect();
    Some(
        Finding::new(
            &RULE,
            object.clone(),
            format!(
                "Service {ns}/{name} does not serve 53/UDP (ports: {}): DNS queries to it are rejected",
                if ports.is_empty() { "none".to_string() } else { ports.join(", ") }
            ),
        )
        .with_fix(Fix::new("Add the dns ports to the Service").command(format!(
            "kubectl -n {ns} patch svc {name} --type=json -p '[{{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\",\"targetPort\":53}}}}]'"
        ))),
    )
}

/// (ready, total) endpoints of the Service: from its EndpointSlices when present, else from
/// the pods its selector matches.
fn endpoint_counts(cluster: &Cluster, svc: &Service) -> (usize, usize) {
    let (ns, name) = (&svc.namespace, &svc.name);
    let slices: Vec<_> = cluster.slices_of(ns, name).collect();
    if slices.is_empty() {
        let pods = svc
            .selector()
            .filter(|s| !s.is_empty())
            .map(|s| cluster.pods_matching(ns, &s))
            .unwrap_or_default();
        let ready = pods.iter().filter(|&&i| cluster.pods[i].ready).count();
        return (ready, pods.len());
    }
    let eps = slices.iter().flat_map(|s| s.endpoints.iter());
    let (mut r, mut t) = (0, 0);
    for e in eps {
        t += 1;
        if e.ready {
            r += 1;
        }
    }
    (r, t)
}

/// The Service selects pods but none of its endpoints is ready.
fn no_ready_endpoints(
    cluster: &Cluster,
    dns: &ClusterDns,
    svc: &Service,
    object: &ObjectRef,
) -> Option<Finding> {
    let (ready, total) = endpoint_counts(cluster, svc);
    if ready != 0 || svc.selector.is_none() || !cluster.can_read("Pod") {
        return None;
    }
    let (ns, name) = (&svc.namespace, &svc.name);
    let no_slices = cluster.slices_of(ns, name).next().is_none();
    let selector = svc
        .selector
        .as_ref()
        .map(crate::model::format_labels)
        .unwrap_or_default();
    let dns_pods = dns.pods.len();
    let detail = if total == 0 && dns_pods > 0 && no_slices {
        format!("its selector {selector} matches none of the {dns_pods} DNS pod(s)")
    } else if total == 0 {
        format!("selector {selector} matches no pod")
    } else {
        format!("{total} endpoint(s), none ready")
    };
    Some(
        Finding::new(
            &RULE,
            object.clone(),
            format!("Service {ns}/{name} has no ready endpoints ({detail}): DNS queries sent to {} go nowhere", ip_list(svc)),
        )
        .with_evidence(format!("selector: {selector}"))
        .with_fix(
            Fix::new("Make the Service select the ready CoreDNS pods")
                .command(format!("kubectl -n {ns} get endpointslices -l kubernetes.io/service-name={name}"))
                .command(format!("kubectl -n {ns} get pods -l k8s-app=kube-dns --show-labels")),
        ),
    )
}

/// kubelet's `clusterDNS` addresses that neither the Service nor NodeLocal DNSCache serves.
fn not_at_kubelet_nameserver(
    dns: &ClusterDns,
    svc: &Service,
    object: ObjectRef,
) -> Option<Finding> {
    let nodelocal: Vec<String> = dns
        .nodelocal
        .as_ref()
        .map(|n| n.addresses.clone())
        .unwrap_or_default();
    let served =
        |a: &String| svc.cluster_ips.iter().any(|ip| ip.to_string() == *a) || nodelocal.contains(a);
    let missing: Vec<&String> = dns
        .kubelet_cluster_dns
        .iter()
        .filter(|a| !served(a))
        .collect();
    let first = missing.first()?;
    Some(
        Finding::new(
            &RULE,
            object,
            format!(
                "kubelet gives pods nameserver {} but Service {}/{} has ClusterIP {}: no Service answers at the pods' nameserver",
                missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                svc.namespace,
                svc.name,
                ip_list(svc)
            ),
        )
        .with_evidence("kube-system/kubelet-config: clusterDNS")
        .with_fix(
            Fix::new("Make kubelet's clusterDNS and the kube-dns ClusterIP agree (recreate the Service with the kubelet address, or change clusterDNS and restart kubelet)")
                .yaml(service_yaml(first)),
        ),
    )
}

fn ip_list(svc: &Service) -> String {
    if svc.cluster_ips.is_empty() {
        "None".into()
    } else {
        svc.cluster_ips
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn service_yaml(ip: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n  namespace: kube-system\n  labels: {{k8s-app: kube-dns}}\nspec:\n  clusterIP: {ip}\n  selector: {{k8s-app: kube-dns}}\n  ports:\n  - {{name: dns, port: 53, protocol: UDP, targetPort: 53}}\n  - {{name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}}\n"
    )
}

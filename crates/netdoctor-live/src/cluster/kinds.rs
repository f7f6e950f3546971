//! The kinds a live read lists: the single source of truth for what netdoctor asks the API
//! server for, and so for the RBAC it needs (`deploy/cli-rbac/rbac.yaml` is tested against it).

/// How the objects of a kind are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// The whole object (the loader keeps only the fields netdoctor uses).
    Full,
    /// Metadata only, through the metadata-only list API (`PartialObjectMetadataList`): the
    /// server never sends the object's data.
    Metadata,
    /// Whole objects in `kube-system` (cluster DNS is configured there: the CoreDNS Corefile),
    /// metadata only everywhere else.
    FullInKubeSystem,
}

/// One kind netdoctor lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    pub kind: &'static str,
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// Versions to try, in order; the first one the server serves is read. A kind none of
    /// whose versions is served (404) is skipped silently.
    pub versions: &'static [&'static str],
    /// The resource name in URLs and RBAC rules.
    pub resource: &'static str,
    pub namespaced: bool,
    pub mode: ReadMode,
}

impl KindSpec {
    /// The list URL path of `version`, in one namespace or across all.
    pub fn list_path(&self, version: &str, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{}/{version}", self.group)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.resource),
            _ => format!("{base}/{}", self.resource),
        }
    }

    /// `apiVersion` of `version` (`v1`, `apps/v1`).
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    /// The kind of the core API groups named `kind` (Calico's `NetworkPolicy` shares the
    /// name of the Kubernetes one, which comes first).
    pub fn by_kind(kind: &str) -> Option<&'static KindSpec> {
        KINDS.iter().find(|k| k.kind == kind)
    }

    /// A kind Kubernetes itself serves (as opposed to a custom resource).
    pub fn is_built_in(&self) -> bool {
        matches!(
            self.group,
            "" | "apps" | "batch" | "discovery.k8s.io" | "networking.k8s.io"
        )
    }

    /// How the kind is named to a user: `NetworkPolicy`, or with its group when another
    /// kind read has the same name (`NetworkPolicy.crd.projectcalico.org`).
    pub fn display_name(&self) -> String {
        let shared = KINDS
            .iter()
            .any(|k| k.kind == self.kind && k.group != self.group);
        if shared && !self.group.is_empty() && self.group != "networking.k8s.io" {
            format!("{}.{}", self.kind, self.group)
        } else {
            self.kind.to_string()
        }
    }
}

const fn spec(
    kind: &'static str,
    group: &'static str,
    versions: &'static [&'static str],
    resource: &'static str,
    namespaced: bool,
    mode: ReadMode,
) -> KindSpec {
    KindSpec {
        kind,
        group,
        versions,
        resource,
        namespaced,
        mode,
    }
}

const GATEWAY: &str = "gateway.networking.k8s.io";
const POLICY: &str = "policy.networking.k8s.io";
use ReadMode::{Full, FullInKubeSystem, Metadata};

/// Every kind a live read lists, in the order they are merged (so a live read is
/// deterministic whatever order the responses arrive in).
pub const KINDS: &[KindSpec] = &[
    spec("Namespace", "", &["v1"], "namespaces", false, Full),
    spec("Node", "", &["v1"], "nodes", false, Full),
    spec("Pod", "", &["v1"], "pods", true, Full),
    spec("Service", "", &["v1"], "services", true, Full),
    spec("Endpoints", "", &["v1"], "endpoints", true, Full),
    spec(
        "EndpointSlice",
        "discovery.k8s.io",
        &["v1"],
        "endpointslices",
        true,
        Full,
    ),
    spec(
        "NetworkPolicy",
        "networking.k8s.io",
        &["v1"],
        "networkpolicies",
        true,
        Full,
    ),
    spec(
        "Ingress",
        "networking.k8s.io",
        &["v1"],
        "ingresses",
        true,
        Full,
    ),
    spec(
        "IngressClass",
        "networking.k8s.io",
        &["v1"],
        "ingressclasses",
        false,
        Full,
    ),
    // Secret values never leave the API server: netdoctor needs only names and metadata.
    spec("Secret", "", &["v1"], "secrets", true, Metadata),
    spec(
        "ConfigMap",
        "",
        &["v1"],
        "configmaps",
        true,
        FullInKubeSystem,
    ),
    spec("Deployment", "apps", &["v1"], "deployments", true, Full),
    spec("StatefulSet", "apps", &["v1"], "statefulsets", true, Full),
    spec("DaemonSet", "apps", &["v1"], "daemonsets", true, Full),
    spec("ReplicaSet", "apps", &["v1"], "replicasets", true, Full),
    spec(
        "ReplicationController",
        "",
        &["v1"],
        "replicationcontrollers",
        true,
        Full,
    ),
    spec("Job", "batch", &["v1"], "jobs", true, Full),
    spec("CronJob", "batch", &["v1"], "cronjobs", true, Full),
    // Gateway API: custom resources, absent from many clusters (404: skipped silently).
    spec(
        "GatewayClass",
        GATEWAY,
        &["v1", "v1beta1"],
        "gatewayclasses",
        false,
        Full,
    ),
    spec(
        "Gateway",
        GATEWAY,
        &["v1", "v1beta1"],
        "gateways",
        true,
        Full,
    ),
    spec(
        "HTTPRoute",
        GATEWAY,
        &["v1", "v1beta1"],
        "httproutes",
        true,
        Full,
    ),
    spec(
        "GRPCRoute",
        GATEWAY,
        &["v1", "v1alpha2"],
        "grpcroutes",
        true,
        Full,
    ),
    spec(
        "TLSRoute",
        GATEWAY,
        &["v1", "v1alpha2"],
        "tlsroutes",
        true,
        Full,
    ),
    spec(
        "TCPRoute",
        GATEWAY,
        &["v1", "v1alpha2"],
        "tcproutes",
        true,
        Full,
    ),
    spec(
        "UDPRoute",
        GATEWAY,
        &["v1", "v1alpha2"],
        "udproutes",
        true,
        Full,
    ),
    spec("ListenerSet", GATEWAY, &["v1"], "listenersets", true, Full),
    spec(
        "ReferenceGrant",
        GATEWAY,
        &["v1", "v1beta1"],
        "referencegrants",
        true,
        Full,
    ),
    // Network Policy API (kubernetes-sigs/network-policy-api): custom resources, absent from
    // most clusters (404: skipped silently). ClusterNetworkPolicy is v1alpha2, the other two
    // v1alpha1; a server that serves only one generation is read in that one.
    spec(
        "AdminNetworkPolicy",
        POLICY,
        &["v1alpha1"],
        "adminnetworkpolicies",
        false,
        Full,
    ),
    spec(
        "BaselineAdminNetworkPolicy",
        POLICY,
        &["v1alpha1"],
        "baselineadminnetworkpolicies",
        false,
        Full,
    ),
    spec(
        "ClusterNetworkPolicy",
        POLICY,
        &["v1alpha2"],
        "clusternetworkpolicies",
        false,
        Full,
    ),
    // Policy kinds of other projects: netdoctor does not evaluate their rules, but a verdict
    // on a pod they select is unknown, never a confident answer (NP007, docs/interface.md).
    // Custom resources: a cluster without the CRD answers 404 and is skipped silently.
    spec(
        "CiliumNetworkPolicy",
        "cilium.io",
        &["v2"],
        "ciliumnetworkpolicies",
        true,
        Full,
    ),
    spec(
        "CiliumClusterwideNetworkPolicy",
        "cilium.io",
        &["v2"],
        "ciliumclusterwidenetworkpolicies",
        false,
        Full,
    ),
    // Calico: the CRDs every install has. The Calico API server's `projectcalico.org/v3`
    // serves the same objects again; reading one group keeps each policy once.
    spec(
        "NetworkPolicy",
        CALICO,
        &["v1"],
        "networkpolicies",
        true,
        Full,
    ),
    spec(
        "GlobalNetworkPolicy",
        CALICO,
        &["v1"],
        "globalnetworkpolicies",
        false,
        Full,
    ),
    spec(
        "AuthorizationPolicy",
        "security.istio.io",
        &["v1", "v1beta1"],
        "authorizationpolicies",
        true,
        Full,
    ),
];

/// The group of Calico's custom resources.
const CALICO: &str = "crd.projectcalico.org";

/// The verbs a live read uses: `list` only (every kind is read as a list, never by name).
pub const VERBS: &[&str] = &["list"];

/// The namespace whose ConfigMaps are read whole (cluster DNS configuration).
pub const KUBE_SYSTEM: &str = "kube-system";

/// The label selector of cluster DNS pods (CoreDNS, kube-dns, NodeLocal DNSCache).
pub const DNS_POD_SELECTOR: &str = "k8s-app in (kube-dns,coredns,node-local-dns)";

/// Label selectors of the pods whose namespaces a namespace-scoped read adds: cluster DNS,
/// and the ingress controllers by the well-known labels core identifies them with
/// (`netdoctor_core::sim::ingress::controller_pod_selectors`), so a read finds the pods the
/// analysis will look for.
pub fn helper_pod_selectors() -> Vec<String> {
    std::iter::once(DNS_POD_SELECTOR.to_string())
        .chain(netdoctor_core::sim::ingress::controller_pod_selectors())
        .collect()
}

/// The ClusterRole rules netdoctor needs, as `(apiGroup, resource, verb)`, sorted.
pub fn rbac_triples() -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = KINDS
        .iter()
        .flat_map(|k| {
            VERBS
                .iter()
                .map(|v| (k.group.to_string(), k.resource.to_string(), v.to_string()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let pod = KindSpec::by_kind("Pod").unwrap();
        assert_eq!(pod.list_path("v1", None), "/api/v1/pods");
        assert_eq!(
            pod.list_path("v1", Some("prod")),
            "/api/v1/namespaces/prod/pods"
        );
        let np = KindSpec::by_kind("NetworkPolicy").unwrap();
        assert_eq!(
            np.list_path("v1", Some("a")),
            "/apis/networking.k8s.io/v1/namespaces/a/networkpolicies"
        );
        let node = KindSpec::by_kind("Node").unwrap();
        assert_eq!(node.list_path("v1", Some("ignored")), "/api/v1/nodes");
        assert_eq!(np.api_version("v1"), "networking.k8s.io/v1");
        assert_eq!(pod.api_version("v1"), "v1");
    }

    #[test]
    fn kinds_are_unique_and_readable_by_the_loader() {
        let mut seen = std::collections::HashSet::new();
        for k in KINDS {
            assert!(seen.insert((k.group, k.kind)), "{} twice", k.kind);
            assert!(!k.versions.is_empty());
        }
        // Every kind the loader models is listed (Gateway API kinds come on top).
        for kind in [
            "Namespace",
            "Node",
            "Pod",
            "Service",
            "Endpoints",
            "EndpointSlice",
            "NetworkPolicy",
            "Ingress",
            "IngressClass",
            "Secret",
            "ConfigMap",
        ] {
            assert!(seen.iter().any(|(_, k)| *k == kind), "{kind} not read");
        }
        for w in netdoctor_core::load::WorkloadKind::ALL {
            assert!(
                seen.iter().any(|(_, k)| *k == w.as_str()),
                "{} not read",
                w.as_str()
            );
        }
    }

    /// `deploy/cli-rbac/rbac.yaml` grants exactly what the code reads: no more, no less.
    #[test]
    fn cluster_role_matches_the_kinds_read() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/cli-rbac/rbac.yaml"
        );
        let text = std::fs::read_to_string(path).expect("deploy/cli-rbac/rbac.yaml");
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).expect("yaml");
        let roles: Vec<&serde_json::Value> =
            docs.iter().filter(|d| d["kind"] == "ClusterRole").collect();
        assert_eq!(roles.len(), 1, "one ClusterRole");
        let mut granted = Vec::new();
        for rule in roles[0]["rules"].as_array().expect("rules") {
            assert!(rule.get("nonResourceURLs").is_none() && rule.get("resourceNames").is_none());
            for g in rule["apiGroups"].as_array().expect("apiGroups") {
                for r in rule["resources"].as_array().expect("resources") {
                    for v in rule["verbs"].as_array().expect("verbs") {
                        granted.push((
                            g.as_str().unwrap().to_string(),
                            r.as_str().unwrap().to_string(),
                            v.as_str().unwrap().to_string(),
                        ));
                    }
                }
            }
        }
        granted.sort();
        let dups = granted.len();
        granted.dedup();
        assert_eq!(dups, granted.len(), "a grant is listed twice");
        assert_eq!(granted, rbac_triples());
        // The binding and the account it names exist in the same file.
        let sa = docs
            .iter()
            .find(|d| d["kind"] == "ServiceAccount")
            .expect("ServiceAccount");
        let binding = docs
            .iter()
            .find(|d| d["kind"] == "ClusterRoleBinding")
            .expect("ClusterRoleBinding");
        assert_eq!(binding["roleRef"]["name"], roles[0]["metadata"]["name"]);
        assert_eq!(binding["roleRef"]["kind"], "ClusterRole");
        assert_eq!(binding["subjects"][0]["name"], sa["metadata"]["name"]);
        assert_eq!(
            binding["subjects"][0]["namespace"],
            sa["metadata"]["namespace"]
        );
    }
}

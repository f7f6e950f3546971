use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "INP003",
    area: crate::rules::Area::Inp,
    name: "kind-not-readable",
    severity: Severity::Info,
    summary: "live: a kind could not be listed (forbidden, server error, timeout, too large, unparsable); the checks that need it report \"not checked\"",
    doc: r#"## What it checks
When netdoctor reads a live cluster, each kind is listed separately. A kind that could not be
listed is reported here, with the real reason, instead of failing the whole run: the
credentials may not list it (HTTP 403), the API server answered with an error status, did not
answer in time, sent more than `--max-response-size` or a pagination loop, or sent a body that
is not a list (invalid UTF-8 or JSON, with the position).

## Why it breaks traffic
It does not; but every check that needs that kind cannot be made, and netdoctor says "not
checked" rather than guessing. A missing NetworkPolicy list, for instance, would otherwise
look like an open network.

## How to fix
For 403: grant the read-only ClusterRole in `deploy/cli-rbac/rbac.yaml` (get/list on the kinds
netdoctor reads), or run with credentials that have it. For the other reasons: check the API
server (or the proxy in front of it) named in the message; raise `--request-timeout` or
`--max-response-size` only when the cluster is simply large.

## Example
```
info[INP003] kind-not-readable: networkpolicies
  listing NetworkPolicy was forbidden (403); NetworkPolicy checks were not run
```

## References
- RBAC: https://kubernetes.io/docs/reference/access-authn-authz/rbac/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for kind in cluster.unreadable_kinds() {
        let not_run = format!("checks that need {kind} were not run");
        let rbac = Fix::new("Grant get/list on this kind (see deploy/cli-rbac/rbac.yaml)").command(
            format!("kubectl auth can-i list {}", kind.to_ascii_lowercase()),
        );
        let (message, fix) = match cluster.unreadable_reason(kind) {
            // A fixture's `# forbidden:` names the kind without a reason.
            None => (format!("listing {kind} was forbidden; {not_run}"), rbac),
            Some(failure) if failure.forbidden => (
                format!(
                    "listing {kind} was forbidden (HTTP 403: {}); {not_run}",
                    failure.reason
                ),
                rbac,
            ),
            Some(failure) => (
                format!("listing {kind} failed: {}; {not_run}", failure.reason),
                server_fix(kind),
            ),
        };
        out.push(
            Finding::new(&RULE, ObjectRef::cluster_scoped("Kind", kind), message).with_fix(fix),
        );
    }
}

/// The fix when the API server's answer failed (not a 403): no RBAC advice.
fn server_fix(kind: &str) -> Fix {
    // `Pod -n kube-system`: one namespace of the kind.
    let (base, scope) = match kind.split_once(" -n ") {
        Some((k, ns)) => (k, format!("-n {ns}")),
        None => (kind, "-A".to_string()),
    };
    Fix::new(
        "The API server's answer could not be read (not a permission problem): check the API server and anything between it and netdoctor (proxy, load balancer), then run again",
    )
    .command(format!(
        "kubectl get {} {scope} --request-timeout=30s -v=6",
        base.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use crate::finding::Finding;
    use crate::load::LoadResult;
    use crate::model::{BuildOptions, Cluster, InputFacts, ReadFailure};

    fn findings(kind: &str, failure: Option<ReadFailure>) -> Vec<Finding> {
        let input = InputFacts {
            live: true,
            unreadable_kinds: vec![kind.to_string()],
            unreadable_reasons: failure
                .map(|f| [(kind.to_string(), f)].into_iter().collect())
                .unwrap_or_default(),
            read_namespaces: None,
        };
        let cluster = Cluster::build(
            LoadResult::default(),
            &BuildOptions {
                input,
                ..BuildOptions::default()
            },
        );
        let mut out = Vec::new();
        super::check(&cluster, &mut out);
        out
    }

    /// Before: every unreadable kind "was forbidden", a 500 or a timeout included.
    #[test]
    fn the_real_reason_and_forbidden_only_for_403() {
        let server_error = ReadFailure {
            forbidden: false,
            reason: "HTTP 500 Internal Server Error: etcdserver: request timed out (tried 2 times)"
                .into(),
        };
        let f = findings("Service", Some(server_error));
        assert_eq!(
            f[0].message,
            "listing Service failed: HTTP 500 Internal Server Error: etcdserver: request timed out (tried 2 times); checks that need Service were not run"
        );
        let json = serde_json::to_string(&f[0]).unwrap_or_default();
        assert!(
            !json.contains("forbidden") && !json.contains("rbac"),
            "{json}"
        );
        assert!(
            json.contains("kubectl get service -A --request-timeout=30s -v=6"),
            "{json}"
        );

        let f = findings(
            "Pod -n kube-system",
            Some(ReadFailure {
                forbidden: false,
                reason:
                    "the server sent the continue token \"x\" again on page 2: a pagination loop"
                        .into(),
            }),
        );
        assert!(
            f[0].message
                .contains("failed: the server sent the continue token"),
            "{}",
            f[0].message
        );
        assert!(serde_json::to_string(&f[0])
            .unwrap_or_default()
            .contains("get pod -n kube-system --request-timeout=30s -v=6"));

        let f = findings(
            "NetworkPolicy",
            Some(ReadFailure {
                forbidden: true,
                reason: "networkpolicies is forbidden: User \"u\" cannot list".into(),
            }),
        );
        assert!(
            f[0].message.starts_with(
                "listing NetworkPolicy was forbidden (HTTP 403: networkpolicies is forbidden"
            ),
            "{}",
            f[0].message
        );
        assert!(serde_json::to_string(&f[0])
            .unwrap_or_default()
            .contains("deploy/cli-rbac/rbac.yaml"));

        // No reason (a fixture's `# forbidden:`): the forbidden wording, as before.
        let f = findings("Ingress", None);
        assert_eq!(
            f[0].message,
            "listing Ingress was forbidden; checks that need Ingress were not run"
        );
    }
}

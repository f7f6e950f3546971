use super::ingress_ref;
use crate::finding::{Finding, Fix, Severity};
use crate::model::Cluster;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "ING007",
    area: crate::rules::Area::Ing,
    name: "ingress-tls-secret-missing",
    severity: Severity::Error,
    summary: "a `tls.secretName` does not exist in the namespace",
    doc: r#"## What it checks
Every `spec.tls[].secretName` of every Ingress must name a Secret (of type
`kubernetes.io/tls`, with `tls.crt` and `tls.key`) in the Ingress's own namespace.

## Why it breaks traffic
Without the Secret the controller cannot terminate TLS with the right certificate:
ingress-nginx serves its self-signed "Kubernetes Ingress Controller Fake Certificate" for
the listed hosts, so browsers and any client that verifies certificates refuse the
connection (`x509: certificate signed by unknown authority`, `NET::ERR_CERT_AUTHORITY_INVALID`).
With cert-manager annotations on the Ingress, the missing Secret means the certificate has
not been issued yet.

## How to fix
Create the TLS Secret in the Ingress's namespace, or correct `secretName`; with cert-manager,
look at the Certificate and its CertificateRequest.

## Example
```
error[ING007] ingress-tls-secret-missing: production/ingress/shop-ingress
  Ingress production/shop-ingress: tls.secretName "shop-tls" (hosts shop.example.com) does
  not exist in production (TLS Secrets there: app-tls): the controller serves its fake
  certificate for shop.example.com
```

## References
- Ingress TLS: https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
- ingress-nginx default certificate: https://kubernetes.github.io/ingress-nginx/user-guide/tls/#default-ssl-certificate
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    if !cluster.can_read("Secret") {
        return;
    }
    for ing in &cluster.ingresses {
        for tls in &ing.tls {
            let Some(secret) = tls.secret_name.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            if cluster.secret(&ing.namespace, secret).is_some() {
                continue;
            }
            let mut others: Vec<&str> = cluster
                .secrets
                .iter()
                .filter(|s| {
                    s.namespace == ing.namespace && s.type_.as_deref() == Some("kubernetes.io/tls")
                })
                .map(|s| s.name.as_str())
                .collect();
            others.sort_unstable();
            let context = if cluster.secrets.is_empty() {
                " (the input contains no Secrets at all: if they were left out of the dump, add them)".to_string()
            } else if others.is_empty() {
                format!(" (no TLS Secret exists in {})", ing.namespace)
            } else {
                format!(" (TLS Secrets there: {})", others.join(", "))
            };
            let hosts = if tls.hosts.is_empty() {
                "the default host".to_string()
            } else {
                tls.hosts.join(", ")
            };
            let cert_manager = ing
                .annotations
                .keys()
                .any(|k| k.starts_with("cert-manager.io/"));
            let mut fix = Fix::new(format!(
                "Create the TLS Secret {secret} in {} or point secretName at an existing one",
                ing.namespace
            ))
            .command(format!(
                "kubectl -n {} create secret tls {secret} --cert=tls.crt --key=tls.key",
                ing.namespace
            ));
            if cert_manager {
                fix = fix.command(format!(
                    "kubectl -n {} describe certificate {secret}",
                    ing.namespace
                ));
            }
            out.push(
                Finding::new(
                    &RULE,
                    ingress_ref(ing),
                    format!(
                        "Ingress {}/{}: tls.secretName \"{secret}\" (hosts {hosts}) does not exist in {}{context}: the controller serves its self-signed fake certificate for {hosts}{}",
                        ing.namespace,
                        ing.name,
                        ing.namespace,
                        if cert_manager { "; cert-manager has not issued it yet" } else { "" }
                    ),
                )
                .with_fix(fix),
            );
        }
    }
}

use crate::finding::{Finding, Fix, ObjectRef, Severity};
use crate::model::{CertificateRef, Cluster, Gateway, Listener};
use crate::rules::Rule;
use crate::sim::gateway::{
    certificate_checks, describe_cert, describe_condition, listener_certificates, CertCheck,
    CertState, ListenerCerts,
};

pub static RULE: Rule = Rule {
    code: "GW009",
    area: crate::rules::Area::Gw,
    name: "gateway-listener-certificate-missing",
    severity: Severity::Error,
    summary: "a TLS-terminating Gateway listener's `tls.certificateRefs` names a Secret that does not exist, or one in another namespace that no ReferenceGrant allows: the listener is not programmed and HTTPS through it fails",
    doc: r#"## What it checks
Every `tls.certificateRefs` entry of every Gateway listener that terminates TLS (`HTTPS`,
or `TLS` in mode `Terminate`) must name a Secret that exists. A Secret in another namespace
must also be allowed by a ReferenceGrant in that namespace whose `from` is the Gateway's
namespace (group `gateway.networking.k8s.io`, kind `Gateway`) and whose `to` is the Secret
(group `""`, kind `Secret`). When the controller wrote the listener's `ResolvedRefs`
condition, its verdict is used: `False` with reason `InvalidCertificateRef` or
`RefNotPermitted` fires the rule, `True` keeps it quiet.

Only core `Secret` references are checked: other kinds are implementation-specific and
are reported as not checked (info). When a live read could not list Secrets (or the
ReferenceGrants of the Secret's namespace), the rule says nothing and INP003 names what
could not be read.

## Why it breaks traffic
The Gateway API sets the listener's `ResolvedRefs` condition to `False`
(`InvalidCertificateRef` for a missing Secret, `RefNotPermitted` for a cross-namespace
reference without a grant). A listener with no usable certificate is not programmed:
clients that connect with HTTPS fail during the TLS handshake (`curl: (35) ...
SSL_ERROR_SYSCALL`, "Connection reset by peer", or "Connection refused" when no other
listener serves the port). With several certificateRefs of which only some resolve,
whether the listener serves with the others is implementation-specific (warning).

## How to fix
Create the TLS Secret the listener names, in the namespace it names (or correct the
reference); for a Secret in another namespace, create a ReferenceGrant there that lets
Gateways from the listener's namespace use it. With cert-manager, check the Certificate
that should issue the Secret.

## Example
```
error[GW009] gateway-listener-certificate-missing: infra-ns/gateway/shared-gateway
  Gateway infra-ns/shared-gateway listener https (HTTPS :443, hostname foo.example.com):
  Secret infra-ns/foo-example-com does not exist (InvalidCertificateRef): the listener's
  ResolvedRefs is False and, with no certificate to present, it is not programmed: HTTPS to
  foo.example.com fails in the TLS handshake
```

## References
- Listener TLS (certificateRefs): https://gateway-api.sigs.k8s.io/reference/spec/#gatewaytlsconfig
- Listener conditions (ResolvedRefs, InvalidCertificateRef, RefNotPermitted): https://gateway-api.sigs.k8s.io/reference/spec/#listenerconditionreason
- TLS guide: https://gateway-api.sigs.k8s.io/guides/tls/
- ReferenceGrant: https://gateway-api.sigs.k8s.io/api-types/referencegrant/
"#,
    check,
};

fn check(cluster: &Cluster, out: &mut Vec<Finding>) {
    for gw in &cluster.gateways {
        for l in &gw.listeners {
            listener(cluster, gw, l, out);
        }
    }
}

fn gateway_ref(gw: &Gateway) -> ObjectRef {
    ObjectRef::namespaced("Gateway", &gw.namespace, &gw.name)
}

fn listener(cluster: &Cluster, gw: &Gateway, l: &Listener, out: &mut Vec<Finding>) {
    let certs = listener_certificates(cluster, gw, l);
    let none_usable = certs.unusable();
    let checks = certificate_checks(cluster, gw, l);
    let what = format!(
        "Gateway {}/{} listener {} ({} :{}, hostname {})",
        gw.namespace,
        gw.name,
        l.name,
        l.protocol,
        l.port,
        l.hostname.as_deref().unwrap_or("*")
    );
    let hosts = l.hostname.as_deref().unwrap_or("its hosts");
    let consequence = format!(
        "the listener's ResolvedRefs is False and, with no certificate to present, it is not programmed: HTTPS to {hosts} fails in the TLS handshake"
    );
    let broken: Vec<&CertCheck> = checks
        .iter()
        .filter(|c| matches!(c.state, CertState::Missing | CertState::NotPermitted))
        .collect();
    match &certs {
        ListenerCerts::NotTerminating | ListenerCerts::ResolvedByController => return,
        ListenerCerts::BrokenByController(c) => {
            let mut f = Finding::new(
                &RULE,
                gateway_ref(gw),
                format!(
                    "{what}: the controller reports {}: {consequence}",
                    describe_condition(c)
                ),
            );
            for b in &broken {
                if let Some(d) = describe_cert(gw, b) {
                    f = f.with_evidence(d);
                }
            }
            out.push(f.with_fix(fix(gw, &broken)));
            return;
        }
        ListenerCerts::Checked(_) => {}
    }
    if !broken.is_empty() {
        let problems: Vec<String> = broken.iter().filter_map(|c| describe_cert(gw, c)).collect();
        let context = if broken.iter().any(|c| c.state == CertState::Missing)
            && cluster.secrets.is_empty()
        {
            " (the input contains no Secrets at all: if they were left out of the dump, add them)"
        } else {
            ""
        };
        let (severity, tail) = if none_usable {
            (Severity::Error, consequence)
        } else {
            (
                Severity::Warning,
                "whether the listener serves with its other certificates is implementation-specific"
                    .to_string(),
            )
        };
        out.push(
            Finding::new(
                &RULE,
                gateway_ref(gw),
                format!("{what}: {}{context}: {tail}", problems.join("; ")),
            )
            .with_severity(severity)
            .with_fix(fix(gw, &broken)),
        );
    }
    for c in checks.iter().filter(|c| !c.cert.is_secret()) {
        if let Some(d) = describe_cert(gw, c) {
            out.push(
                Finding::new(
                    &RULE,
                    gateway_ref(gw),
                    format!("{what}: certificateRef {d}"),
                )
                .with_severity(Severity::Info),
            );
        }
    }
}

/// Create the missing Secrets, grant the cross-namespace ones.
fn fix(gw: &Gateway, broken: &[&CertCheck]) -> Fix {
    let missing: Vec<&CertificateRef> = broken
        .iter()
        .filter(|c| c.state == CertState::Missing)
        .map(|c| c.cert)
        .collect();
    let denied: Vec<&CertificateRef> = broken
        .iter()
        .filter(|c| c.state == CertState::NotPermitted)
        .map(|c| c.cert)
        .collect();
    let mut title = Vec::new();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|c| c.display()).collect();
        title.push(format!(
            "Create the TLS Secret {} (or point certificateRefs at an existing one)",
            names.join(", ")
        ));
    }
    if !denied.is_empty() {
        let names: Vec<String> = denied.iter().map(|c| c.display()).collect();
        title.push(format!(
            "Create a ReferenceGrant beside {} that lets Gateways from {} use it",
            names.join(", "),
            gw.namespace
        ));
    }
    if title.is_empty() {
        return Fix::new("Look at the listener's ResolvedRefs condition and the Secrets it names")
            .command(format!(
                "kubectl -n {} describe gateway {}",
                gw.namespace, gw.name
            ));
    }
    let mut fix = Fix::new(title.join("; "));
    for c in &missing {
        fix = fix.command(format!(
            "kubectl -n {} create secret tls {} --cert=tls.crt --key=tls.key",
            c.namespace, c.name
        ));
    }
    if !denied.is_empty() {
        fix = fix.command("kubectl apply -f referencegrant.yaml");
        let docs: Vec<String> = denied
            .iter()
            .map(|c| {
                format!(
                    "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: allow-{}-from-{}\n  namespace: {}\nspec:\n  from:\n  - group: gateway.networking.k8s.io\n    kind: Gateway\n    namespace: {}\n  to:\n  - group: \"\"\n    kind: Secret\n    name: {}\n",
                    c.name, gw.namespace, c.namespace, gw.namespace, c.name
                )
            })
            .collect();
        fix = fix.yaml(docs.join("---\n"));
    }
    fix
}

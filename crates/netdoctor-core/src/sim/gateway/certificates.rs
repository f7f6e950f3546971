//! A listener's certificates: whether each `tls.certificateRefs` entry resolves, the way the
//! Gateway API defines it, for the `tls` hop of a request and for GW009.
//!
//! A reference to another namespace is invalid unless a ReferenceGrant there lets Gateways
//! from the listener's namespace use it (`ResolvedRefs: False`, `RefNotPermitted`); a
//! reference to a Secret that does not exist is invalid (`InvalidCertificateRef`). A
//! listener whose references are all invalid has no certificate to present and is not
//! programmed: HTTPS through it fails during the TLS handshake. With some references valid,
//! whether the listener serves with them is implementation-specific.
//!
//! What the controller wrote in the listener's `ResolvedRefs` condition is the answer when
//! it wrote one. Otherwise only core `Secret` references are checked, and only where the
//! input could show them: Secrets (or ReferenceGrants) a live read could not list, and
//! other kinds, are "not checked".

use super::conditions::listener_condition;
use crate::model::{CertificateRef, Cluster, Gateway, GwCondition, Listener};

/// What netdoctor knows about one certificate reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertState {
    /// The Secret exists (and is permitted).
    Resolved,
    /// The Secret does not exist (`InvalidCertificateRef`).
    Missing,
    /// In another namespace without a ReferenceGrant allowing it (`RefNotPermitted`).
    NotPermitted,
    /// Could not be checked: why.
    NotChecked(String),
}

/// One reference and its state.
#[derive(Debug, Clone)]
pub struct CertCheck<'a> {
    pub cert: &'a CertificateRef,
    pub state: CertState,
}

/// The listener's certificates as a whole.
#[derive(Debug, Clone)]
pub enum ListenerCerts<'a> {
    /// Not a listener that terminates TLS (not HTTPS, or TLS passthrough).
    NotTerminating,
    /// The controller reports `ResolvedRefs: True`.
    ResolvedByController,
    /// The controller reports `ResolvedRefs: False` for a certificate reason.
    BrokenByController(&'a GwCondition),
    /// Checked from the input, one entry per reference (empty: no certificateRefs).
    Checked(Vec<CertCheck<'a>>),
}

impl ListenerCerts<'_> {
    /// No reference can be used: the listener has no certificate to present.
    pub fn unusable(&self) -> bool {
        match self {
            ListenerCerts::BrokenByController(_) => true,
            ListenerCerts::Checked(checks) => {
                !checks.is_empty()
                    && checks
                        .iter()
                        .all(|c| matches!(c.state, CertState::Missing | CertState::NotPermitted))
            }
            _ => false,
        }
    }
}

/// `ResolvedRefs` reasons about certificates.
const CERT_REASONS: &[&str] = &["InvalidCertificateRef", "RefNotPermitted"];

/// Whether a listener terminates TLS with its certificateRefs: HTTPS, or TLS in mode
/// `Terminate` (the default).
pub fn terminates_tls(l: &Listener) -> bool {
    match l.protocol.as_str() {
        "HTTPS" => true,
        "TLS" => l.tls_mode.as_deref().unwrap_or("Terminate") == "Terminate",
        _ => false,
    }
}

/// The state of a listener's certificateRefs.
pub fn listener_certificates<'a>(
    cluster: &'a Cluster,
    gw: &'a Gateway,
    l: &'a Listener,
) -> ListenerCerts<'a> {
    if !terminates_tls(l) {
        return ListenerCerts::NotTerminating;
    }
    if let Some(c) = listener_condition(gw, l, "ResolvedRefs") {
        if c.is_true() {
            return ListenerCerts::ResolvedByController;
        }
        if c.status == "False" && CERT_REASONS.contains(&c.reason.as_str()) {
            return ListenerCerts::BrokenByController(c);
        }
    }
    ListenerCerts::Checked(certificate_checks(cluster, gw, l))
}

/// Each certificateRef checked against the input, whatever the controller reports.
pub fn certificate_checks<'a>(
    cluster: &Cluster,
    gw: &Gateway,
    l: &'a Listener,
) -> Vec<CertCheck<'a>> {
    l.certificate_refs
        .iter()
        .map(|cert| CertCheck {
            cert,
            state: check_ref(cluster, gw, l, cert),
        })
        .collect()
}

/// A ListenerSet's listener refers from the ListenerSet (its namespace, kind ListenerSet):
/// ReferenceGrants for the Gateway are not inherited by its ListenerSets.
fn check_ref(cluster: &Cluster, gw: &Gateway, l: &Listener, cert: &CertificateRef) -> CertState {
    let (from_kind, from_ns) = match &l.set {
        Some(s) => ("ListenerSet", s.namespace.as_str()),
        None => ("Gateway", gw.namespace.as_str()),
    };
    if !cert.is_secret() {
        return CertState::NotChecked(format!(
            "a {} reference: netdoctor checks only core Secrets; whether the controller supports it is implementation-specific",
            if cert.group.is_empty() {
                cert.kind.clone()
            } else {
                format!("{}.{}", cert.kind, cert.group)
            }
        ));
    }
    let ns = &cert.namespace;
    if ns != from_ns {
        let granted = cluster.reference_granted(from_kind, from_ns, "", "Secret", ns, &cert.name);
        if !granted {
            if !cluster.can_read_in("ReferenceGrant", ns) {
                return CertState::NotChecked(format!(
                    "the ReferenceGrants in {ns} could not be read, so whether {from_kind}s from {from_ns} may use it is not known"
                ));
            }
            return CertState::NotPermitted;
        }
    }
    if !cluster.can_read_in("Secret", ns) {
        return CertState::NotChecked(format!(
            "the Secrets in {ns} could not be read (forbidden or outside the namespaces read)"
        ));
    }
    match cluster.secret(ns, &cert.name) {
        Some(_) => CertState::Resolved,
        None => CertState::Missing,
    }
}

/// The problem with one reference, in words (None when it resolves).
pub fn describe_cert(gw: &Gateway, c: &CertCheck<'_>) -> Option<String> {
    let what = c.cert.display();
    match &c.state {
        CertState::Resolved => None,
        CertState::Missing => Some(format!(
            "Secret {what} does not exist (InvalidCertificateRef)"
        )),
        CertState::NotPermitted => Some(format!(
            "Secret {what} is in another namespace and no ReferenceGrant in {} lets Gateways from {} use it (RefNotPermitted)",
            c.cert.namespace, gw.namespace
        )),
        CertState::NotChecked(why) => Some(format!("{what} not checked: {why}")),
    }
}

//! What cluster DNS answers to one question: the server block that receives it, then its
//! plugins in CoreDNS's order (`rewrite`, `hosts`, `kubernetes`, `forward`).

use super::cluster_dns::ClusterDns;
use super::kubernetes_plugin::{family_filter, kubernetes_answer};
use super::records::{Answer, QType, Rcode};
use crate::load::corefile::{fqdn, in_zone, Hosts, KubernetesPlugin, ServerConfig};
use crate::model::Cluster;
use std::net::IpAddr;

/// What cluster DNS (CoreDNS, as its Corefile configures it) answers to one question.
pub fn cluster_answer(cluster: &Cluster, dns: &ClusterDns, name: &str, qtype: QType) -> Answer {
    let name = fqdn(name);
    let Some(server) = dns.server_for(&name) else {
        return Answer::new(
            Rcode::ServFail,
            Vec::new(),
            format!(
                "no server block of the Corefile serves {name} on port {} (REFUSED)",
                dns.listen_port
            ),
        );
    };
    let mut notes = Vec::new();
    let qname = rewritten(server, name, &mut notes);
    if let Some(h) = &server.hosts {
        if let Some(a) = hosts_answer(h, &qname, qtype) {
            return add_notes(&notes, a);
        }
    }
    if let Some(k) = &server.kubernetes {
        if let Some(a) = kubernetes_plugin_answer(cluster, k, &qname, qtype, &mut notes) {
            return add_notes(&notes, a);
        }
    }
    add_notes(&notes, forward_answer(server, &qname))
}

/// The query name after the server block's first `rewrite name` rule that applies.
fn rewritten(server: &ServerConfig, name: String, notes: &mut Vec<String>) -> String {
    for r in &server.rewrites {
        if let Some(n) = r.apply(&name) {
            notes.push(format!("rewritten to {n} (Corefile line {})", r.line));
            return n;
        }
    }
    name
}

/// What came before (rewrites, fallthroughs) prefixed to the answer's note.
fn add_notes(notes: &[String], mut a: Answer) -> Answer {
    if !notes.is_empty() {
        let mut n = notes.join("; ");
        if let Some(x) = a.note.take() {
            n = format!("{n}; {x}");
        }
        a.note = Some(n);
    }
    a
}

/// The `hosts` plugin's answer, or `None` when the name is outside its zones or it falls
/// through.
fn hosts_answer(h: &Hosts, qname: &str, qtype: QType) -> Option<Answer> {
    if !h.zones.iter().any(|z| in_zone(qname, z)) {
        return None;
    }
    let ips: Vec<IpAddr> = h
        .entries
        .iter()
        .filter(|(_, names)| names.iter().any(|n| n == qname))
        .map(|(ip, _)| *ip)
        .collect();
    if !ips.is_empty() {
        let a = family_filter(ips.into_iter(), qtype);
        return Some(if a.is_empty() {
            Answer::nodata(format!(
                "hosts plugin (Corefile line {}) has {qname} without an {} address",
                h.line,
                qtype.as_str()
            ))
        } else {
            Answer::records(a, format!("hosts plugin (Corefile line {})", h.line))
        });
    }
    if h.fallthrough.as_ref().is_some_and(|f| f.covers(qname)) {
        return None;
    }
    Some(Answer::new(
        Rcode::ServFail,
        Vec::new(),
        format!(
            "the hosts plugin (Corefile line {}) answers SERVFAIL for names in its zones that its entries do not list (no fallthrough)",
            h.line
        ),
    ))
}

/// The `kubernetes` plugin's answer, or `None` when the name is outside its zones or it
/// has no record and falls through (noted).
fn kubernetes_plugin_answer(
    cluster: &Cluster,
    k: &KubernetesPlugin,
    qname: &str,
    qtype: QType,
    notes: &mut Vec<String>,
) -> Option<Answer> {
    let zone = k
        .zones
        .iter()
        .filter(|z| in_zone(qname, z))
        .max_by_key(|z| z.len())?;
    let a = kubernetes_answer(cluster, k, zone, qname, qtype, 0);
    let falls =
        a.rcode == Rcode::NxDomain && k.fallthrough.as_ref().is_some_and(|f| f.covers(qname));
    if !falls {
        return Some(a);
    }
    notes.push(format!(
        "kubernetes plugin has no record and falls through ({})",
        a.note.unwrap_or_default()
    ));
    None
}

/// The `forward` plugin that handles the name, else SERVFAIL: no plugin answers.
fn forward_answer(server: &ServerConfig, qname: &str) -> Answer {
    if let Some(f) = server.forward.iter().find(|f| f.handles(qname)) {
        return Answer::new(
            Rcode::Forwarded,
            Vec::new(),
            format!(
                "outside the cluster zones: forwarded to {} (Corefile line {})",
                f.to.join(" "),
                f.line
            ),
        );
    }
    Answer::new(
        Rcode::ServFail,
        Vec::new(),
        format!(
            "no plugin of the server block on Corefile line {} answers {qname}",
            server.line
        ),
    )
}

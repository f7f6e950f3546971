//! ingress-nginx annotations and what they become in the Gateway API: an equivalent to
//! check the conversion for, or none (the behaviour is lost, or needs an implementation's
//! own policy). Never silently ignored.

use crate::model::Cluster;
use serde::Serialize;

const PREFIX: &str = "nginx.ingress.kubernetes.io/";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnotationNote {
    /// `ns/name` of the Ingress.
    pub ingress: String,
    /// The annotation without its `nginx.ingress.kubernetes.io/` prefix; another
    /// controller's (`nginx.org/…`) in full: ingress-nginx ignores it, and so does the
    /// comparison of the old state.
    pub annotation: String,
    pub value: String,
    /// The Gateway API construct that expresses it, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equivalent: Option<&'static str>,
    /// Compared by migrate-check (its effect shows in the URL answers).
    pub compared: bool,
}

/// (annotation, Gateway API equivalent, compared by migrate-check).
fn equivalent(key: &str) -> (Option<&'static str>, bool) {
    let eq = |s: &'static str, compared: bool| (Some(s), compared);
    match key {
        "ssl-redirect" | "force-ssl-redirect" => eq(
            "RequestRedirect filter (scheme: https) on a route attached to the http listener",
            true,
        ),
        "permanent-redirect" | "permanent-redirect-code" => {
            eq("RequestRedirect filter (hostname/path, statusCode 301)", true)
        }
        "temporal-redirect" | "temporal-redirect-code" => {
            eq("RequestRedirect filter (hostname/path, statusCode 302)", true)
        }
        "rewrite-target" => eq(
            "URLRewrite filter (ReplacePrefixMatch or ReplaceFullPath); regex capture groups have no equivalent",
            true,
        ),
        "upstream-vhost" => eq("URLRewrite filter hostname", true),
        "use-regex" => eq(
            "RegularExpression path match (implementation-specific syntax)",
            true,
        ),
        "canary" | "canary-weight" | "canary-weight-total" => {
            eq("backendRefs weights in one rule", true)
        }
        "canary-by-header" | "canary-by-header-value" | "canary-by-header-pattern" => {
            eq("a rule with a header match", false)
        }
        "backend-protocol" => eq(
            "GRPC/GRPCS: GRPCRoute; HTTPS: BackendTLSPolicy",
            false,
        ),
        "enable-cors" | "cors-allow-origin" | "cors-allow-methods" | "cors-allow-headers"
        | "cors-allow-credentials" | "cors-expose-headers" | "cors-max-age" => {
            eq("CORS filter (HTTPRoute, extended support)", false)
        }
        "mirror-target" | "mirror-host" | "mirror-request-body" => {
            eq("RequestMirror filter", false)
        }
        "affinity" | "affinity-mode" | "session-cookie-name" | "session-cookie-path"
        | "session-cookie-max-age" | "session-cookie-expires" | "session-cookie-samesite" => {
            eq("sessionPersistence on the rule (experimental)", false)
        }
        "proxy-read-timeout" | "proxy-send-timeout" | "proxy-connect-timeout" => {
            eq("rules[].timeouts (request/backendRequest; not per phase)", false)
        }
        "custom-headers" | "x-forwarded-prefix" => {
            eq("RequestHeaderModifier / ResponseHeaderModifier filter", false)
        }
        _ => (None, false),
    }
}

/// NGINX Inc's annotations with a Gateway API equivalent (not compared: the old state is
/// routed as ingress-nginx, which ignores them).
fn nginx_inc_equivalent(key: &str) -> Option<&'static str> {
    Some(match key.trim_start_matches("nginx.org/") {
        "redirect-to-https" => "RequestRedirect filter (scheme: https)",
        "rewrites" => "URLRewrite filter (ReplacePrefixMatch)",
        "grpc-services" => "GRPCRoute",
        "path-regex" => "RegularExpression path match (implementation-specific)",
        "hsts" | "hsts-max-age" | "hsts-include-subdomains" => {
            "ResponseHeaderModifier filter (Strict-Transport-Security)"
        }
        "proxy-set-headers" => "RequestHeaderModifier filter",
        "proxy-hide-headers" => "ResponseHeaderModifier filter (remove)",
        "listen-ports" | "listen-ports-ssl" => "Gateway listeners on those ports",
        "ssl-services" => "BackendTLSPolicy",
        _ => return None,
    })
}

/// Every ingress-nginx annotation of the old state's Ingresses, with its equivalent.
pub fn annotation_notes(old: &Cluster) -> Vec<AnnotationNote> {
    let mut out = Vec::new();
    for ing in &old.ingresses {
        let mut keys: Vec<(&String, &String)> = ing.annotations.iter().collect();
        keys.sort();
        for (k, v) in keys {
            let (short, (eq, compared)) = match k.strip_prefix(PREFIX) {
                Some(short) => (short.to_string(), equivalent(short)),
                // Another controller's annotations (NGINX Inc): netdoctor routes the old
                // state as ingress-nginx, which ignores them; named, never dropped silently.
                None if k.starts_with("nginx.org/") || k.starts_with("nginx.com/") => {
                    (k.clone(), (nginx_inc_equivalent(k), false))
                }
                None => continue,
            };
            out.push(AnnotationNote {
                ingress: format!("{}/{}", ing.namespace, ing.name),
                annotation: short,
                value: v.clone(),
                equivalent: eq,
                compared,
            });
        }
    }
    out
}

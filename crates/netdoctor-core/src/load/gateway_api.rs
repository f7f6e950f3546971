//! Gateway API objects (gateway.networking.k8s.io v1 and v1beta1) as lean serde types:
//! GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant. Only the fields routing
//! and its status use; every field optional or defaulted, numbers as `i64`.

use super::api::{nullable, Condition, LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};

/// The API group of the Gateway API.
pub const GROUP: &str = "gateway.networking.k8s.io";

/// `gateway.networking.k8s.io/<version>`; an empty apiVersion is accepted too (a manifest
/// fragment), the loader then tells Istio's `Gateway` apart by its fields.
pub fn is_gateway_api(api_version: &str) -> bool {
    api_version
        .split_once('/')
        .is_some_and(|(group, _)| group == GROUP)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GatewayClass {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: GatewayClassSpec,
    #[serde(deserialize_with = "nullable")]
    pub status: ConditionsStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GatewayClassSpec {
    #[serde(deserialize_with = "nullable")]
    pub controller_name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConditionsStatus {
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
}

// ---------------------------------------------------------------- Gateway

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Gateway {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: GatewaySpec,
    #[serde(deserialize_with = "nullable")]
    pub status: GatewayStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GatewaySpec {
    #[serde(deserialize_with = "nullable")]
    pub gateway_class_name: String,
    #[serde(deserialize_with = "nullable")]
    pub listeners: Vec<Listener>,
    #[serde(deserialize_with = "nullable")]
    pub addresses: Vec<GatewayAddress>,
    /// Which ListenerSets may attach (default: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_listeners: Option<AllowedListeners>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AllowedListeners {
    pub namespaces: Option<RouteNamespaces>,
}

// ---------------------------------------------------------------- ListenerSet

/// `ListenerSet` (gateway.networking.k8s.io/v1): listeners attached to a parent Gateway.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListenerSet {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: ListenerSetSpec,
    #[serde(deserialize_with = "nullable")]
    pub status: GatewayStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListenerSetSpec {
    #[serde(deserialize_with = "nullable")]
    pub parent_ref: ParentReference,
    #[serde(deserialize_with = "nullable")]
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Listener {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub hostname: Option<String>,
    pub port: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub protocol: String,
    pub tls: Option<ListenerTls>,
    pub allowed_routes: Option<AllowedRoutes>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListenerTls {
    pub mode: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub certificate_refs: Vec<ObjectReference>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectReference {
    pub group: Option<String>,
    pub kind: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AllowedRoutes {
    pub namespaces: Option<RouteNamespaces>,
    #[serde(deserialize_with = "nullable")]
    pub kinds: Vec<RouteGroupKind>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteNamespaces {
    pub from: Option<String>,
    pub selector: Option<LabelSelector>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteGroupKind {
    pub group: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GatewayAddress {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GatewayStatus {
    #[serde(deserialize_with = "nullable")]
    pub addresses: Vec<GatewayAddress>,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
    #[serde(deserialize_with = "nullable")]
    pub listeners: Vec<ListenerStatus>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListenerStatus {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub attached_routes: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
}

// ---------------------------------------------------------------- routes

/// HTTPRoute and GRPCRoute share the shape; the rules differ in their matches.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Route {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: RouteSpec,
    #[serde(deserialize_with = "nullable")]
    pub status: RouteStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteSpec {
    #[serde(deserialize_with = "nullable")]
    pub parent_refs: Vec<ParentReference>,
    #[serde(deserialize_with = "nullable")]
    pub hostnames: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub rules: Vec<RouteRule>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ParentReference {
    pub group: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub section_name: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteRule {
    pub name: Option<String>,
    /// HTTPRouteMatch or GRPCRouteMatch; both read into one lenient type.
    #[serde(deserialize_with = "nullable")]
    pub matches: Vec<RouteMatch>,
    #[serde(deserialize_with = "nullable")]
    pub filters: Vec<RouteFilter>,
    #[serde(deserialize_with = "nullable")]
    pub backend_refs: Vec<BackendRef>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteMatch {
    pub path: Option<PathMatch>,
    #[serde(deserialize_with = "nullable")]
    pub headers: Vec<ValueMatch>,
    #[serde(deserialize_with = "nullable")]
    pub query_params: Vec<ValueMatch>,
    /// HTTPRoute: a string (`GET`); GRPCRoute: `{type, service, method}`.
    pub method: Option<MethodMatch>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PathMatch {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ValueMatch {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub value: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum MethodMatch {
    Http(String),
    Grpc(GrpcMethodMatch),
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GrpcMethodMatch {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub service: Option<String>,
    pub method: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteFilter {
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub type_: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_redirect: Option<RedirectFilter>,
    #[serde(rename = "urlRewrite", skip_serializing_if = "Option::is_none")]
    pub url_rewrite: Option<UrlRewriteFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_header_modifier: Option<HeaderModifierFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_header_modifier: Option<HeaderModifierFilter>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RedirectFilter {
    pub scheme: Option<String>,
    pub hostname: Option<String>,
    pub path: Option<PathModifier>,
    pub port: Option<i64>,
    pub status_code: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UrlRewriteFilter {
    pub hostname: Option<String>,
    pub path: Option<PathModifier>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PathModifier {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub replace_full_path: Option<String>,
    pub replace_prefix_match: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HeaderModifierFilter {
    #[serde(deserialize_with = "nullable")]
    pub set: Vec<HeaderValue>,
    #[serde(deserialize_with = "nullable")]
    pub add: Vec<HeaderValue>,
    #[serde(deserialize_with = "nullable")]
    pub remove: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HeaderValue {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BackendRef {
    pub group: Option<String>,
    pub kind: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub namespace: Option<String>,
    pub port: Option<i64>,
    pub weight: Option<i64>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<RouteFilter>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteStatus {
    #[serde(deserialize_with = "nullable")]
    pub parents: Vec<RouteParentStatus>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteParentStatus {
    #[serde(deserialize_with = "nullable")]
    pub parent_ref: ParentReference,
    #[serde(deserialize_with = "nullable")]
    pub controller_name: String,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
}

// ---------------------------------------------------------------- ReferenceGrant

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReferenceGrant {
    #[serde(deserialize_with = "nullable")]
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub spec: ReferenceGrantSpec,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReferenceGrantSpec {
    #[serde(deserialize_with = "nullable")]
    pub from: Vec<ReferenceGrantFrom>,
    #[serde(deserialize_with = "nullable")]
    pub to: Vec<ReferenceGrantTo>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReferenceGrantFrom {
    #[serde(deserialize_with = "nullable")]
    pub group: String,
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReferenceGrantTo {
    #[serde(deserialize_with = "nullable")]
    pub group: String,
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    pub name: Option<String>,
}

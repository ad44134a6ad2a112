//! Discovery: the OpenID configuration of a tenant (with Entra's fields and its `{tenantid}`
//! issuer for multi-tenant authorities), instance discovery, and the keys endpoint.

use serde_json::json;

use super::WELL_KNOWN_TENANTS;
use super::errors::invalid_tenant;
use super::http::{RecordedRequest, Response};
use super::jwt::signing_jwk;
use super::routes::Params;
use super::server::Server;

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`, with Entra's fields.
pub(super) fn openid_configuration(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
    let t = p.get("tenant");
    let tid = server.state().resolve_tenant(t);
    let Some(tid) = tid else {
        return invalid_tenant(server, req, t);
    };
    let base = server.base_url();
    let issuer_tenant = if WELL_KNOWN_TENANTS.contains(&tid.as_str()) {
        "{tenantid}"
    } else {
        tid.as_str()
    };
    Response::json(
        200,
        &json!({
            "token_endpoint": format!("{base}/{tid}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tid}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{tid}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr",
                "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{base}/{tid}/kerberos"),
            "tenant_region_scope": null,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }),
    )
}

/// `GET /common/discovery/instance`: this host is its own only alias.
pub(super) fn instance_discovery(server: &Server, req: &RecordedRequest, _: &Params) -> Response {
    let base = server.base_url();
    let host = base.split("://").nth(1).unwrap_or("");
    let host_no_port = host.split(':').next().unwrap_or(host);
    let tenant = req
        .query("authorization_endpoint")
        .and_then(|a| a.split("://").nth(1))
        .and_then(|rest| rest.split('/').nth(1))
        .unwrap_or("common")
        .to_owned();
    Response::json(
        200,
        &json!({
            "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": host_no_port,
                "preferred_cache": host_no_port,
                "aliases": [host_no_port],
            }],
        }),
    )
}

/// `GET /{tenant}/discovery/v2.0/keys`: the ID token signing key.
pub(super) fn jwks(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
    let t = p.get("tenant");
    let known = server.state().resolve_tenant(t).is_some();
    if !known {
        return invalid_tenant(server, req, t);
    }
    Response::json(200, &json!({"keys": [signing_jwk()]}))
}

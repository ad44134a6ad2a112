//! `grant_type=client_credentials` (RFC 6749 §4.4) as Entra serves it: a tenant (not a
//! multi-tenant alias) and exactly one scope, `{resource}/.default`.

use serde_json::json;

use crate::support::idp::WELL_KNOWN_TENANTS;
use crate::support::idp::errors::{answer, missing_parameter};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::jwt::make_jwt;
use crate::support::idp::now_secs;
use crate::support::idp::server::Server;
use crate::support::idp::state::IssuedToken;
use crate::support::idp::token_endpoint::TokenContext;

pub(in crate::support::idp) fn client_credentials_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    if WELL_KNOWN_TENANTS.contains(&ctx.tenant_id.as_str()) {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any provided credentials.",
        );
    }
    let Some(scope) = req.form("scope") else {
        return answer(server, req, missing_parameter("scope"));
    };
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.len() != 1 {
        return server.entra_error(
            req,
            400,
            "invalid_scope",
            70011,
            &format!("The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
        );
    }
    if !scopes[0].ends_with("/.default") {
        return server.entra_error(
            req,
            400,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        );
    }
    let resource = scopes[0].trim_end_matches("/.default");
    let mut state = server.state();
    let lifetime = state.access_token_lifetime;
    let now = now_secs();
    let access_token = make_jwt(&json!({
        "aud": resource,
        "iss": format!("{}/{}/", server.base_url(), ctx.tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": ctx.client_id,
        "azp": ctx.client_id,
        "idtyp": "app",
        "oid": uuid::Uuid::new_v4().to_string(),
        "sub": uuid::Uuid::new_v4().to_string(),
        "tid": ctx.tenant_id,
        "uti": uuid::Uuid::new_v4().to_string(),
        "ver": "2.0",
    }));
    state.issued.push(IssuedToken {
        access_token: access_token.clone(),
        client_id: ctx.client_id.clone(),
        tenant_id: ctx.tenant_id.clone(),
        scope: scopes[0].to_owned(),
        expires_in: lifetime,
        grant_type: "client_credentials".to_owned(),
        username: None,
        refresh_token: None,
        id_token: None,
    });
    drop(state);
    Response::json(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }),
    )
}

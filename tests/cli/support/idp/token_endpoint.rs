//! The token endpoint: resolve the tenant, pick the grant handler, find and authenticate the
//! client, then let the grant answer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::client_auth::{ClientRef, authenticate_client};
use super::errors::{answer, invalid_tenant, missing_parameter};
use super::grants::{
    DEVICE_CODE_GRANT, JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT, authorization_code_grant,
    client_credentials_grant, device_code_grant, on_behalf_of_grant, password_grant,
    refresh_token_grant, token_exchange_grant,
};
use super::http::{RecordedRequest, Response};
use super::routes::Params;
use super::server::Server;

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(super) fn token_endpoint(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
    let t = p.get("tenant");
    let tenant_id = server.state().resolve_tenant(t);
    let Some(tenant_id) = tenant_id else {
        return invalid_tenant(server, req, t);
    };
    let endpoint = format!("{}{}", server.base_url(), req.path);

    // HTTP Basic (client_secret_basic): client_id and secret form-urlencoded, then base64.
    let basic = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let dec = |v: &str| {
                url::form_urlencoded::parse(format!("x={v}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((dec(id), dec(secret)))
        });

    let Some(grant_type) = req.form("grant_type") else {
        return answer(server, req, missing_parameter("grant_type"));
    };
    let Some(handler) = grant_handler(grant_type) else {
        return server.entra_error(
            req,
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant_type}'."),
        );
    };
    let client_id = match (req.form("client_id"), &basic) {
        (Some(id), _) => id.to_owned(),
        (None, Some((id, _))) => id.clone(),
        (None, None) => {
            return answer(server, req, missing_parameter("client_id"));
        }
    };
    if let Err(resp) = authenticate_client(
        server,
        req,
        &ClientRef {
            client_id: &client_id,
            tenant_id: &tenant_id,
            endpoint: &endpoint,
            grant_type,
        },
        &basic,
    ) {
        return resp;
    }
    let ctx = TokenContext {
        tenant_id,
        client_id,
    };
    handler(server, req, &ctx)
}

/// What every grant handler gets: the resolved tenant and the authenticated client.
pub(super) struct TokenContext {
    /// Tenant id from the URL: a GUID, or `common`/`organizations`/`consumers`.
    pub tenant_id: String,
    /// The authenticated client id.
    pub client_id: String,
}

type GrantHandler = fn(&Server, &RecordedRequest, &TokenContext) -> Response;

/// The handler of each grant the token endpoint serves.
fn grant_handler(grant_type: &str) -> Option<GrantHandler> {
    match grant_type {
        "client_credentials" => Some(client_credentials_grant),
        "authorization_code" => Some(authorization_code_grant),
        "refresh_token" => Some(refresh_token_grant),
        DEVICE_CODE_GRANT => Some(device_code_grant),
        "password" => Some(password_grant),
        JWT_BEARER_GRANT => Some(on_behalf_of_grant),
        TOKEN_EXCHANGE_GRANT => Some(token_exchange_grant),
        _ => None,
    }
}

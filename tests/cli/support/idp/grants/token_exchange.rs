//! OAuth 2.0 Token Exchange (RFC 8693), as a generic OpenID provider serves it to a confidential
//! client (authenticated before this handler runs): the `subject_token` must be a token this IdP
//! issued and that has not expired, of the `subject_token_type` named; the answer names its
//! `issued_token_type`, and an ID token asked for with `requested_token_type` comes back with
//! `token_type` `N_A` (RFC 8693 §2.2.1: not an access token).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::split_scopes;
use crate::support::idp::errors::{answer, missing_parameter};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::jwt::{make_jwt, sign_rs256};
use crate::support::idp::now_secs;
use crate::support::idp::server::Server;
use crate::support::idp::state::IssuedToken;
use crate::support::idp::token_endpoint::TokenContext;

/// `grant_type` of the exchange (RFC 8693 §2.1).
pub(in crate::support::idp) const TOKEN_EXCHANGE_GRANT: &str =
    "urn:ietf:params:oauth:grant-type:token-exchange";

const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

pub(in crate::support::idp) fn token_exchange_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    let refuse = |error: &str, description: &str| {
        Response::json(
            400,
            &json!({"error": error, "error_description": description}),
        )
    };
    let Some(subject_token) = req.form("subject_token") else {
        return answer(server, req, missing_parameter("subject_token"));
    };
    let Some(subject_type) = req.form("subject_token_type") else {
        return answer(server, req, missing_parameter("subject_token_type"));
    };
    // Only tokens this IdP issued, found under the type named.
    let issued = server
        .state()
        .issued
        .iter()
        .find(|t| match subject_type {
            ACCESS_TOKEN_TYPE => t.access_token == subject_token,
            ID_TOKEN_TYPE => t.id_token.as_deref() == Some(subject_token),
            _ => false,
        })
        .cloned();
    if ![ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE].contains(&subject_type) {
        return refuse(
            "invalid_request",
            &format!("unsupported subject_token_type {subject_type}"),
        );
    }
    let Some(issued) = issued else {
        return refuse(
            "invalid_grant",
            "the subject_token was not issued here (or not as that type)",
        );
    };
    let expired = claims_of(subject_token)
        .and_then(|c| c["exp"].as_u64())
        .is_none_or(|exp| exp <= now_secs());
    if expired {
        return refuse("invalid_grant", "the subject_token has expired");
    }

    let scopes = split_scopes(req.form("scope").unwrap_or_default());
    let audience = req
        .form("audience")
        .or(req.form("resource"))
        .map(str::to_owned)
        .or_else(|| scopes.first().map(|s| s.to_owned()))
        .unwrap_or_else(|| ctx.client_id.clone());
    let now = now_secs();
    let mut state = server.state();
    let lifetime = state.access_token_lifetime;
    let claims = json!({
        "aud": audience,
        "iss": format!("{}/{}/v2.0", server.base_url(), ctx.tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "azp": ctx.client_id,
        "sub": claims_of(subject_token).map(|c| c["sub"].clone()).unwrap_or(Value::Null),
        "act": {"sub": ctx.client_id},
        "scp": scopes.join(" "),
    });
    let (token, issued_type, token_type) = match req.form("requested_token_type") {
        None | Some(ACCESS_TOKEN_TYPE) => (make_jwt(&claims), ACCESS_TOKEN_TYPE, "Bearer"),
        Some(ID_TOKEN_TYPE) => (sign_rs256(&claims), ID_TOKEN_TYPE, "N_A"),
        Some(other) => {
            drop(state);
            return refuse(
                "invalid_request",
                &format!("unsupported requested_token_type {other}"),
            );
        }
    };
    state.issued.push(IssuedToken {
        access_token: token.clone(),
        client_id: ctx.client_id.clone(),
        tenant_id: ctx.tenant_id.clone(),
        scope: scopes.join(" "),
        expires_in: lifetime,
        grant_type: TOKEN_EXCHANGE_GRANT.to_owned(),
        username: issued.username.clone(),
        refresh_token: None,
        id_token: None,
    });
    drop(state);
    let mut body = json!({
        "access_token": token,
        "issued_token_type": issued_type,
        "token_type": token_type,
        "expires_in": lifetime,
    });
    if !scopes.is_empty() {
        body["scope"] = json!(scopes.join(" "));
    }
    Response::json(200, &body)
}

/// The claims of a JWT, unverified (the IdP found the token among those it issued).
fn claims_of(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

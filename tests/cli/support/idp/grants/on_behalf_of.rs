//! On-behalf-of: RFC 7523 §2.1 jwt-bearer with `requested_token_use=on_behalf_of`, as Entra
//! serves it to a confidential middle tier.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::{issue_user_tokens, split_scopes};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::now_secs;
use crate::support::idp::server::Server;
use crate::support::idp::token_endpoint::TokenContext;

/// `grant_type` of the on-behalf-of exchange.
pub(in crate::support::idp) const JWT_BEARER_GRANT: &str =
    "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The on-behalf-of exchange, strict like Entra: an authenticated confidential client (checked
/// before this handler runs), `requested_token_use=on_behalf_of`, and an `assertion` that is an
/// unexpired user access token this IdP issued for *this* API (`aud` = `api://{client_id}` or the
/// client id). The answer is a user token response for the same user, to this client.
pub(in crate::support::idp) fn on_behalf_of_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    if req.form("requested_token_use") != Some("on_behalf_of") {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain 'requested_token_use=on_behalf_of'.",
        );
    }
    let Some(assertion) = req.form("assertion") else {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain 'assertion'.",
        );
    };
    let issued = server
        .state()
        .issued
        .iter()
        .find(|t| t.access_token == assertion)
        .cloned();
    let claims: Option<Value> = assertion
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let (Some(issued), Some(claims)) = (issued, claims) else {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50013,
            "Assertion failed signature validation.",
        );
    };
    let audience = claims["aud"].as_str().unwrap_or_default();
    if audience != ctx.client_id && audience != format!("api://{}", ctx.client_id) {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50013,
            &format!("Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '{audience}'."),
        );
    }
    if claims["exp"].as_u64().unwrap_or(0) <= now_secs() {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            500133,
            "The assertion is not within its valid time range.",
        );
    }
    let user = issued
        .username
        .as_deref()
        .and_then(|name| server.state().users.user_by_name(name).cloned());
    let Some(user) = user else {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50013,
            "The assertion names no user.",
        );
    };
    let scopes = split_scopes(req.form("scope").unwrap_or_default());
    issue_user_tokens(server, req, ctx, &user, &scopes, None)
}

//! `grant_type=refresh_token` (RFC 6749 §6) with rotation (a used refresh token is spent),
//! revocation, and Conditional Access claims challenges.

use serde_json::{Value, json};

use super::{issue_user_tokens, split_scopes, user_in_tenant};
use crate::support::idp::errors::{Refusal, answer, missing_parameter, refuse};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::server::Server;
use crate::support::idp::state::{RtStatus, TestUser};
use crate::support::idp::token_endpoint::TokenContext;

/// `grant_type=refresh_token` (RFC 6749 §6), with rotation: the token used is spent.
pub(in crate::support::idp) fn refresh_token_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    let claims_challenge = server.state().users.claims_challenge.clone();
    if let Some(claims) = claims_challenge {
        let mut resp = server.entra_error(
            req,
            400,
            "interaction_required",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
        );
        let mut body: Value = serde_json::from_slice(&resp.body).expect("our own JSON");
        body["suberror"] = json!("basic_action");
        body["claims"] = json!(claims);
        resp.body = body.to_string().into_bytes();
        return resp;
    }
    let redeemed = redeem_refresh_token(server, req, ctx);
    match redeemed {
        Ok((user, scopes)) => issue_user_tokens(server, req, ctx, &user, &scopes, None),
        Err(refusal) => answer(server, req, refusal),
    }
}

fn redeem_refresh_token(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Result<(TestUser, Vec<String>), Refusal> {
    let token = req
        .form("refresh_token")
        .ok_or_else(|| missing_parameter("refresh_token"))?;
    let mut state = server.state();
    let rt = state.users.refresh_tokens.get_mut(token).ok_or_else(|| {
        refuse(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid: the refresh token is not one this server issued.",
        )
    })?;
    match rt.status {
        RtStatus::Active => {}
        RtStatus::Rotated => {
            return Err(refuse(
                400,
                "invalid_grant",
                70000,
                "The provided grant is invalid: this refresh token was already redeemed and replaced by a new one (refresh tokens rotate).",
            ));
        }
        RtStatus::Revoked => {
            return Err(refuse(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            ));
        }
    }
    if rt.client_id != ctx.client_id {
        return Err(refuse(
            400,
            "invalid_grant",
            70000,
            "The provided grant is invalid: the refresh token was issued to another application.",
        ));
    }
    rt.status = RtStatus::Rotated;
    let scopes = req
        .form("scope")
        .map(split_scopes)
        .unwrap_or_else(|| rt.scopes.clone());
    let oid = rt.user_oid.clone();
    let user = state
        .users
        .user_by_oid(&oid)
        .cloned()
        .expect("the refresh token's user exists");
    if !user_in_tenant(&ctx.tenant_id, &user) {
        return Err(refuse(
            400,
            "invalid_grant",
            50020,
            format!(
                "User account '{}' from identity provider does not exist in tenant '{}'.",
                user.username, ctx.tenant_id
            ),
        ));
    }
    Ok((user, scopes))
}

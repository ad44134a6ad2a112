//! The grants the token endpoint serves, one module each, and what the user grants share: the
//! user token response (an access token; a refresh token with `offline_access`; an RS256 ID token
//! with `openid`; `client_info` when asked for; the granted scopes without `offline_access`; the
//! lifetimes) and scope handling.

mod auth_code;
mod client_credentials;
mod device_code;
mod on_behalf_of;
mod password;
mod refresh;
mod token_exchange;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

pub(super) use auth_code::{authorization_code_grant, authorize};
pub(super) use client_credentials::client_credentials_grant;
pub(super) use device_code::{DEVICE_CODE_GRANT, device_authorization, device_code_grant};
pub(super) use on_behalf_of::{JWT_BEARER_GRANT, on_behalf_of_grant};
pub(super) use password::password_grant;
pub(super) use refresh::refresh_token_grant;
pub(super) use token_exchange::{TOKEN_EXCHANGE_GRANT, token_exchange_grant};

use super::WELL_KNOWN_TENANTS;
use super::http::{RecordedRequest, Response};
use super::jwt::{make_jwt, sign_rs256};
use super::now_secs;
use super::server::Server;
use super::state::{IdTokenFault, IssuedToken, RtGrant, RtStatus, TestUser};
use super::token_endpoint::TokenContext;

/// Lifetime of ID tokens.
const ID_TOKEN_LIFETIME: u64 = 3600;

/// A user token response, recorded in `issued`.
fn issue_user_tokens(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
    user: &TestUser,
    scopes: &[String],
    nonce: Option<String>,
) -> Response {
    let now = now_secs();
    let granted: Vec<String> = scopes
        .iter()
        .filter(|s| !s.eq_ignore_ascii_case("offline_access"))
        .cloned()
        .collect();
    let (resource, short_scopes) = resource_of(scopes);
    let mut state = server.state();
    let lifetime = state.access_token_lifetime;
    let fault = state.users.id_token_fault;
    let access_token = make_jwt(&json!({
        "aud": resource,
        "iss": format!("{}/{}/", server.base_url(), user.tid),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": ctx.client_id,
        "name": user.name,
        "oid": user.oid,
        "scp": short_scopes.join(" "),
        "sub": uuid::Uuid::new_v4().to_string(),
        "tid": user.tid,
        "upn": user.username,
        "uti": uuid::Uuid::new_v4().to_string(),
        "ver": "1.0",
    }));
    let refresh_token = has_scope(scopes, "offline_access").then(|| {
        let rt = format!("1.AXYA{}", random_b64(160));
        state.users.refresh_tokens.insert(
            rt.clone(),
            RtGrant {
                client_id: ctx.client_id.clone(),
                user_oid: user.oid.clone(),
                scopes: scopes.to_vec(),
                status: RtStatus::Active,
            },
        );
        rt
    });
    let id_token = has_scope(scopes, "openid").then(|| {
        let sub = URL_SAFE_NO_PAD.encode(digest::digest(
            &digest::SHA256,
            format!("{}|{}", user.oid, ctx.client_id).as_bytes(),
        ));
        let mut claims = json!({
            "aud": ctx.client_id,
            "iss": format!("{}/{}/v2.0", server.base_url(), user.tid),
            "iat": now,
            "nbf": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "name": user.name,
            "oid": user.oid,
            "preferred_username": user.username,
            "sub": sub,
            "tid": user.tid,
            "uti": uuid::Uuid::new_v4().to_string(),
            "ver": "2.0",
        });
        if let Some(nonce) = &nonce {
            claims["nonce"] = json!(nonce);
        }
        match fault {
            Some(IdTokenFault::WrongNonce) => {
                claims["nonce"] = json!(hex_sha256(&uuid::Uuid::new_v4().to_string()));
            }
            Some(IdTokenFault::WrongAudience) => {
                claims["aud"] = json!(uuid::Uuid::new_v4().to_string());
            }
            None => {}
        }
        sign_rs256(&claims)
    });
    let grant_type = req.form("grant_type").unwrap_or("").to_owned();
    let anonymous = state.users.anonymous_grants.contains(&grant_type);
    let id_token = id_token.filter(|_| !anonymous);
    state.issued.push(IssuedToken {
        access_token: access_token.clone(),
        client_id: ctx.client_id.clone(),
        tenant_id: user.tid.clone(),
        scope: granted.join(" "),
        expires_in: lifetime,
        grant_type,
        username: Some(user.username.clone()),
        refresh_token: refresh_token.clone(),
        id_token: id_token.clone(),
    });
    drop(state);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if let Some(rt) = refresh_token {
        body["refresh_token"] = json!(rt);
    }
    if let Some(idt) = id_token {
        body["id_token"] = json!(idt);
    }
    if req.form("client_info") == Some("1") && !anonymous {
        body["client_info"] = json!(client_info_value(user));
    }
    Response::json(200, &body)
}

fn client_info_value(user: &TestUser) -> String {
    URL_SAFE_NO_PAD.encode(json!({"uid": user.oid, "utid": user.tid}).to_string())
}

fn hex_sha256(text: &str) -> String {
    digest::digest(&digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `n` random bytes, base64url.
fn random_b64(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut bytes).expect("random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

fn split_scopes(scope: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.split_whitespace() {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_owned());
        }
    }
    out
}

fn has_scope(scopes: &[String], wanted: &str) -> bool {
    scopes.iter().any(|s| s.eq_ignore_ascii_case(wanted))
}

/// The resource (audience) of the first resource scope, e.g. `https://graph.microsoft.com` for
/// `https://graph.microsoft.com/User.Read`; Microsoft Graph when only OIDC scopes are asked.
fn resource_of(scopes: &[String]) -> (String, Vec<String>) {
    let oidc = ["openid", "profile", "offline_access", "email"];
    let resource_scopes: Vec<&String> = scopes
        .iter()
        .filter(|s| !oidc.iter().any(|o| o.eq_ignore_ascii_case(s)))
        .collect();
    match resource_scopes.first() {
        Some(first) => {
            let resource = first
                .rsplit_once('/')
                .map(|(r, _)| r.to_owned())
                .unwrap_or_else(|| "00000003-0000-0000-c000-000000000000".to_owned());
            let short = resource_scopes
                .iter()
                .map(|s| s.rsplit('/').next().unwrap_or(s).to_owned())
                .collect();
            (resource, short)
        }
        None => (
            "00000003-0000-0000-c000-000000000000".to_owned(),
            vec!["User.Read".to_owned()],
        ),
    }
}

/// Whether `user` may sign in through the tenant in the URL.
fn user_in_tenant(tenant: &str, user: &TestUser) -> bool {
    WELL_KNOWN_TENANTS.contains(&tenant) || tenant.eq_ignore_ascii_case(&user.tid)
}

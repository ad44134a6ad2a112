//! Tests of the token cache: the in-memory schema (`memory`) and the file (`file`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod encrypted;
mod file;
mod memory;
mod parse;
mod reference;

use base64::Engine as _;
use serde_json::json;

use crate::cache::{TokenCache, TokenEvent, TokenIssuer};
use crate::token::{IdTokenClaims, TokenResponse};

/// A cache file exactly as MSAL Python writes it (`json.dumps(cache, indent=4)`; keys sorted
/// here so the bytes are predictable), with a field and a section no MSAL Python knows.
pub(super) const MSAL_PYTHON_CACHE: &str = include_str!("msal_python_cache.json");

pub(super) const NOW: u64 = 1_700_000_000;
pub(super) const ENV: &str = "login.microsoftonline.com";
pub(super) const CLIENT: &str = "client-1";
pub(super) const TENANT: &str = "tenant-1";

/// An Entra issuer that records no origin: entries exactly as MSAL Python writes them.
pub(super) fn entra() -> &'static TokenIssuer {
    static ENTRA: std::sync::OnceLock<TokenIssuer> = std::sync::OnceLock::new();
    ENTRA.get_or_init(|| TokenIssuer::entra("", ENV))
}

/// The account a response names (leaked: test-only, for the `&str` a [`TokenEvent`] borrows).
pub(super) fn home(
    response: &TokenResponse,
    claims: Option<&IdTokenClaims>,
) -> Option<&'static str> {
    response
        .home_account_id(claims)
        .map(|id| &*Box::leak(id.into_boxed_str()))
}

pub(super) fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

pub(super) fn client_info(uid: &str, utid: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({ "uid": uid, "utid": utid }).to_string())
}

pub(super) fn response(body: serde_json::Value) -> TokenResponse {
    serde_json::from_value(body).unwrap()
}

pub(super) fn claims(body: serde_json::Value) -> IdTokenClaims {
    serde_json::from_value(body).unwrap()
}

/// Adds an app-only access token expiring at `NOW + expires_in`.
pub(super) fn add_app_token_expiring(
    cache: &mut TokenCache,
    secret: &str,
    granted: &[&str],
    expires_in: u64,
) {
    let response = response(json!({ "access_token": secret, "expires_in": expires_in }));
    let granted = scopes(granted);
    cache.add(
        &TokenEvent {
            client_id: CLIENT,
            issuer: entra(),
            realm: TENANT,
            scopes: &granted,
            grant_type: "client_credentials",
            response: &response,
            home_account_id: home(&response, None),
            id_token_claims: None,
            username_hint: None,
            user_assertion_hash: None,
        },
        NOW,
    );
}

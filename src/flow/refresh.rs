//! Refreshing an access token (RFC 6749 §6), as MSAL does it: decorated scopes, `client_info=1`
//! and, for Entra, `X-AnchorMailbox: Oid:{uid}@{utid}` so the request reaches the user's home
//! region directly.

use url::Url;

use super::token::TokenRequest;
use crate::credential::ClientAuth;
use crate::http::{FormValue, HttpRequest};
use crate::secret::RefreshToken;

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "refresh_token";

/// What a refresh request needs.
#[derive(Debug)]
pub struct RefreshRequest<'a> {
    /// The token endpoint.
    pub token_endpoint: &'a Url,
    /// The client id the refresh token was issued to.
    pub client_id: &'a str,
    /// The refresh token.
    pub refresh_token: &'a RefreshToken,
    /// Decorated scopes.
    pub scopes: &'a [String],
    /// Entra's `client_info=1`.
    pub client_info: bool,
    /// A claims challenge.
    pub claims: Option<&'a str>,
    /// `{uid}@{utid}` for `X-AnchorMailbox`, when known.
    pub anchor: Option<(&'a str, &'a str)>,
    /// Client authentication, for confidential clients.
    pub client_auth: Option<&'a ClientAuth>,
}

impl RefreshRequest<'_> {
    /// Builds the request.
    pub fn build(&self) -> HttpRequest {
        let mut request = TokenRequest {
            token_endpoint: self.token_endpoint,
            client_id: self.client_id,
            grant_type: GRANT_TYPE,
            scopes: self.scopes,
            client_info: self.client_info,
            claims: self.claims,
            client_auth: self.client_auth,
        }
        .build(vec![(
            "refresh_token".into(),
            FormValue::secret(self.refresh_token.secret()),
        )]);
        if let Some((uid, utid)) = self.anchor {
            request = request.header("X-AnchorMailbox", format!("Oid:{uid}@{utid}"));
        }
        request
    }
}

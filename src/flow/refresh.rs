//! Refreshing an access token (RFC 6749 §6), as MSAL does it: decorated scopes, `client_info=1`
//! and, for Entra, `X-AnchorMailbox: Oid:{uid}@{utid}` so the request reaches the user's home
//! region directly.

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "refresh_token";

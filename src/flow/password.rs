//! The resource owner password credentials grant (RFC 6749 §4.3). Legacy: it cannot do MFA or
//! federation and Microsoft discourages it; `msal login --username … --password-stdin` offers it
//! for the automation that still needs it, as MSAL's `acquire_token_by_username_password` does.

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "password";

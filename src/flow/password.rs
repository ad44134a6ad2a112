//! The resource owner password credentials grant (RFC 6749 §4.3). Legacy: it cannot do MFA or
//! federation and Microsoft discourages it; `msal login --username … --password-stdin` offers it
//! for the automation that still needs it, as MSAL's `acquire_token_by_username_password` does.

use url::Url;

use super::token::TokenRequest;
use crate::http::{FormValue, HttpRequest};
use crate::secret::Password;

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "password";

/// Builds the request: username, password, decorated scopes, `client_info=1` for Entra.
pub fn build_request(
    token_endpoint: &Url,
    client_id: &str,
    username: &str,
    password: &Password,
    scopes: &[String],
    client_info: bool,
) -> HttpRequest {
    TokenRequest {
        token_endpoint,
        client_id,
        grant_type: GRANT_TYPE,
        scopes,
        client_info,
        claims: None,
        client_auth: None,
    }
    .build(vec![
        ("username".into(), FormValue::Plain(username.to_owned())),
        ("password".into(), FormValue::secret(password.secret())),
    ])
}

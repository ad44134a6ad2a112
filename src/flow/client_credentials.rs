//! The client credentials grant (RFC 6749 §4.4): an application's own token, no user.
//!
//! Entra wants exactly one `{resource}/.default` scope here, sent as given (no `openid profile
//! offline_access` decoration, no `client_info`). See
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>.

use url::Url;

use super::token::TokenRequest;
use crate::credential::ClientAuth;
use crate::http::HttpRequest;

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "client_credentials";

/// Builds the token request.
pub fn build_request(
    token_endpoint: &Url,
    client_id: &str,
    scopes: &[String],
    claims: Option<&str>,
    client_auth: &ClientAuth,
) -> HttpRequest {
    TokenRequest {
        token_endpoint,
        client_id,
        grant_type: GRANT_TYPE,
        scopes,
        client_info: false,
        claims,
        client_auth: Some(client_auth),
    }
    .build(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::FormValue;
    use crate::secret::ClientSecret;

    #[test]
    fn sends_scope_as_given_and_keeps_the_secret_out_of_debug() {
        let url = Url::parse("https://login.microsoftonline.com/t/oauth2/v2.0/token").unwrap();
        let auth = ClientAuth::Secret(ClientSecret::new("s3cr3t"));
        let request = build_request(&url, "c1", &["api://x/.default".into()], None, &auth);
        let field = |name: &str| {
            request
                .form
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            field("grant_type"),
            Some(FormValue::Plain("client_credentials".into()))
        );
        assert_eq!(
            field("scope"),
            Some(FormValue::Plain("api://x/.default".into()))
        );
        assert_eq!(field("client_info"), None);
        assert_eq!(field("client_secret"), Some(FormValue::secret("s3cr3t")));
        assert!(!format!("{request:?}").contains("s3cr3t"));
    }
}

//! The client credentials grant (RFC 6749 §4.4): an application's own token, no user.
//!
//! Entra wants exactly one `{resource}/.default` scope here, sent as given (no `openid profile
//! offline_access` decoration, no `client_info`). See
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>.

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "client_credentials";

#[cfg(test)]
mod tests {
    use url::Url;

    use crate::credential::ClientAuth;
    use crate::flow::token_endpoint::{Grant, TokenRequest};
    use crate::http::FormValue;
    use crate::secret::ClientSecret;

    #[test]
    fn sends_scope_as_given_and_keeps_the_secret_out_of_debug() {
        let url = Url::parse("https://login.microsoftonline.com/t/oauth2/v2.0/token").unwrap();
        let auth = ClientAuth::Secret(ClientSecret::new("s3cr3t"));
        let request = TokenRequest {
            token_endpoint: &url,
            client_id: "c1",
            scopes: &["api://x/.default".into()],
            client_info: false,
            claims: None,
            client_auth: Some(&auth),
            grant: Grant::ClientCredentials,
        }
        .build();
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

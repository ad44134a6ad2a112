//! The on-behalf-of exchange: a middle-tier API trades the user token it received for a token to
//! a downstream API, as that user (RFC 7523 §2.1 JWT bearer grant with Entra's
//! `requested_token_use=on_behalf_of`). See
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow>.

use base64::Engine as _;
use url::Url;

use super::token::TokenRequest;
use crate::credential::ClientAuth;
use crate::http::{FormValue, HttpRequest};
use crate::secret::Assertion;

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Builds the request: the user's token as `assertion`, decorated scopes, client authentication.
pub fn build_request(
    token_endpoint: &Url,
    client_id: &str,
    user_assertion: &Assertion,
    scopes: &[String],
    client_info: bool,
    claims: Option<&str>,
    client_auth: &ClientAuth,
) -> HttpRequest {
    TokenRequest {
        token_endpoint,
        client_id,
        grant_type: GRANT_TYPE,
        scopes,
        client_info,
        claims,
        client_auth: Some(client_auth),
    }
    .build(vec![
        (
            "assertion".into(),
            FormValue::secret(user_assertion.secret()),
        ),
        (
            "requested_token_use".into(),
            FormValue::Plain("on_behalf_of".into()),
        ),
    ])
}

/// The key that ties cached tokens to one incoming assertion: base64url SHA-256, as MSAL.NET's
/// `user_assertion_hash`. A different assertion never finds them.
pub fn assertion_hash(user_assertion: &Assertion) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        user_assertion.secret().as_bytes(),
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::ClientSecret;

    #[test]
    fn sends_the_assertion_as_a_secret_with_on_behalf_of() {
        let url = Url::parse("https://h/t/oauth2/v2.0/token").unwrap();
        let auth = ClientAuth::Secret(ClientSecret::new("s"));
        let request = build_request(
            &url,
            "c",
            &Assertion::new("user.jwt.sig"),
            &["api://b/x".into()],
            true,
            None,
            &auth,
        );
        let field = |n: &str| {
            request
                .form
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            field("grant_type"),
            Some(FormValue::Plain(GRANT_TYPE.into()))
        );
        assert_eq!(
            field("requested_token_use"),
            Some(FormValue::Plain("on_behalf_of".into()))
        );
        assert_eq!(field("assertion"), Some(FormValue::secret("user.jwt.sig")));
        assert_eq!(field("client_info"), Some(FormValue::Plain("1".into())));
        assert!(!format!("{request:?}").contains("user.jwt.sig"));
    }

    #[test]
    fn hash_differs_per_assertion() {
        assert_ne!(
            assertion_hash(&Assertion::new("a")),
            assertion_hash(&Assertion::new("b"))
        );
        assert_eq!(assertion_hash(&Assertion::new("a")).len(), 43);
    }
}

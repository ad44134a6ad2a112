//! The on-behalf-of exchange: a middle-tier API trades the user token it received for a token to
//! a downstream API, as that user (RFC 7523 §2.1 JWT bearer grant with Entra's
//! `requested_token_use=on_behalf_of`). See
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow>.

use base64::Engine as _;

use crate::secret::Assertion;

/// `grant_type` of this grant.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

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
    use url::Url;

    use super::*;
    use crate::credential::ClientAuth;
    use crate::flow::token_endpoint::{Grant, TokenRequest};
    use crate::http::FormValue;
    use crate::secret::ClientSecret;

    #[test]
    fn sends_the_assertion_as_a_secret_with_on_behalf_of() {
        let url = Url::parse("https://h/t/oauth2/v2.0/token").unwrap();
        let auth = ClientAuth::Secret(ClientSecret::new("s"));
        let assertion = Assertion::new("user.jwt.sig");
        let request = TokenRequest {
            token_endpoint: &url,
            client_id: "c",
            scopes: &["api://b/x".into()],
            client_info: true,
            claims: None,
            client_auth: Some(&auth),
            grant: Grant::OnBehalfOf(&assertion),
        }
        .build();
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

//! OAuth 2.0 Token Exchange (RFC 8693): a client trades a token it received (the subject token)
//! for one to another audience, as that subject. What `msal obo` does with OpenID providers other
//! than Entra ID, whose on-behalf-of flow is its own jwt-bearer variant (`on_behalf_of`).

use crate::http::FormValue;
use crate::secret::Assertion;

/// `grant_type` of this grant (RFC 8693 §2.1).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The token type of an OAuth access token (RFC 8693 §3): the default subject token type.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// What to exchange and for what (RFC 8693 §2.1).
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The token being exchanged.
    pub subject_token: &'a Assertion,
    /// Its type, e.g. [`ACCESS_TOKEN_TYPE`] or `urn:ietf:params:oauth:token-type:id_token`.
    pub subject_token_type: &'a str,
    /// The type of token wanted, when not the provider's default.
    pub requested_token_type: Option<&'a str>,
    /// The logical name of the target service.
    pub audience: Option<&'a str>,
    /// The URI of the target service.
    pub resource: Option<&'a str>,
}

impl Exchange<'_> {
    /// The exchange's form fields (RFC 8693 §2.1).
    pub(crate) fn fields(&self) -> Vec<(&'static str, FormValue)> {
        let mut fields = vec![
            (
                "subject_token",
                FormValue::secret(self.subject_token.secret()),
            ),
            (
                "subject_token_type",
                FormValue::Plain(self.subject_token_type.to_owned()),
            ),
        ];
        let optional = [
            ("requested_token_type", self.requested_token_type),
            ("audience", self.audience),
            ("resource", self.resource),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                fields.push((name, FormValue::Plain(value.to_owned())));
            }
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use url::Url;

    use super::*;
    use crate::credential::ClientAuth;
    use crate::flow::token_endpoint::{Grant, TokenRequest};
    use crate::secret::ClientSecret;

    #[test]
    fn sends_what_rfc_8693_names() {
        let url = Url::parse("https://idp.example/token").unwrap();
        let subject = Assertion::new("subject.jwt.value");
        let auth = ClientAuth::SecretBasic(ClientSecret::new("s"));
        let request = TokenRequest {
            token_endpoint: &url,
            client_id: "api",
            scopes: &["downstream:read".to_owned()],
            client_info: false,
            claims: None,
            client_auth: Some(&auth),
            grant: Grant::TokenExchange(Exchange {
                subject_token: &subject,
                subject_token_type: ACCESS_TOKEN_TYPE,
                requested_token_type: Some("urn:ietf:params:oauth:token-type:jwt"),
                audience: Some("downstream"),
                resource: None,
            }),
        }
        .build();
        let form: Vec<(&str, &str)> = request
            .form
            .iter()
            .map(|(k, v)| (k.as_str(), v.value()))
            .collect();
        for expected in [
            ("grant_type", GRANT_TYPE),
            ("subject_token", "subject.jwt.value"),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:jwt",
            ),
            ("audience", "downstream"),
            ("scope", "downstream:read"),
        ] {
            assert!(form.contains(&expected), "{expected:?} in {form:?}");
        }
        assert!(
            !form
                .iter()
                .any(|(k, _)| *k == "resource" || *k == "client_info")
        );
        assert!(!format!("{request:?}").contains("subject.jwt.value"));
    }
}

//! OAuth 2.0 Token Exchange (RFC 8693): a client trades a token it received (the subject token)
//! for one to another audience, as that subject. What `msal obo` does with OpenID providers other
//! than Entra ID, whose on-behalf-of flow is its own jwt-bearer variant (`on_behalf_of`).

use url::Url;

use super::token::TokenRequest;
use crate::credential::ClientAuth;
use crate::http::{FormValue, HttpRequest};
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

/// Builds the request: the exchange's fields, the scopes as given, client authentication.
pub fn build_request(
    token_endpoint: &Url,
    client_id: &str,
    scopes: &[String],
    exchange: &Exchange<'_>,
    claims: Option<&str>,
    client_auth: &ClientAuth,
) -> HttpRequest {
    let mut fields = vec![
        (
            "subject_token".to_owned(),
            FormValue::secret(exchange.subject_token.secret()),
        ),
        (
            "subject_token_type".to_owned(),
            FormValue::Plain(exchange.subject_token_type.to_owned()),
        ),
    ];
    let optional = [
        ("requested_token_type", exchange.requested_token_type),
        ("audience", exchange.audience),
        ("resource", exchange.resource),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            fields.push((name.to_owned(), FormValue::Plain(value.to_owned())));
        }
    }
    TokenRequest {
        token_endpoint,
        client_id,
        grant_type: GRANT_TYPE,
        scopes,
        client_info: false,
        claims,
        client_auth: Some(client_auth),
    }
    .build(fields)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::secret::ClientSecret;

    #[test]
    fn sends_what_rfc_8693_names() {
        let url = Url::parse("https://idp.example/token").unwrap();
        let subject = Assertion::new("subject.jwt.value");
        let request = build_request(
            &url,
            "api",
            &["downstream:read".to_owned()],
            &Exchange {
                subject_token: &subject,
                subject_token_type: ACCESS_TOKEN_TYPE,
                requested_token_type: Some("urn:ietf:params:oauth:token-type:jwt"),
                audience: Some("downstream"),
                resource: None,
            },
            None,
            &ClientAuth::SecretBasic(ClientSecret::new("s")),
        );
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

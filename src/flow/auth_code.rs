//! The authorization code grant (RFC 6749 §4.1) with PKCE S256 (RFC 7636), `state` and an
//! OpenID Connect `nonce`, for a native app on a loopback redirect (RFC 8252).
//!
//! As MSAL does, the `nonce` sent is the SHA-256 hex of a random value, and the ID token must
//! carry it back. `response_mode=form_post` keeps the code out of the browser's address bar and
//! history when the browser runs here; a pasted final URL needs `query`.

use base64::Engine as _;
use url::Url;

use super::token_endpoint::Grant;
use crate::error::{Error, ServerError};
use crate::secret::AuthorizationCode;
use crate::token::IdTokenClaims;
use zeroize::Zeroizing;

/// `grant_type` of the code redemption.
pub const GRANT_TYPE: &str = "authorization_code";

/// How the authorization server returns the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// A form POST to the redirect URI (OAuth 2.0 Form Post Response Mode).
    FormPost,
    /// The query string of the redirect URI.
    Query,
}

/// What goes into the authorization URL.
#[derive(Debug, Clone)]
pub struct AuthorizationParameters<'a> {
    /// The authorization endpoint from discovery.
    pub authorization_endpoint: &'a Url,
    /// The client id.
    pub client_id: &'a str,
    /// The loopback redirect URI.
    pub redirect_uri: &'a str,
    /// Decorated scopes.
    pub scopes: &'a [String],
    /// `form_post` or `query`.
    pub response_mode: ResponseMode,
    /// `login_hint`.
    pub login_hint: Option<&'a str>,
    /// Entra's `domain_hint`.
    pub domain_hint: Option<&'a str>,
    /// `prompt` (OpenID Connect Core §3.1.2.1).
    pub prompt: Option<&'a str>,
    /// `claims` (OpenID Connect Core §5.5).
    pub claims: Option<&'a str>,
    /// Parameters of the provider's own (Google's `access_type`); none may repeat one above.
    pub extra: &'a [(String, String)],
}

/// The parameters [`start`] sets itself; `extra` may not repeat them, since a second value
/// would weaken (`code_challenge_method`, `state`) or confuse the request.
const OWN_PARAMETERS: [&str; 9] = [
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
];

/// A started authorization: the URL for the browser and the secrets to finish it with.
pub struct AuthorizationFlow {
    /// The URL to open. It carries no secret: only the PKCE challenge and the hashed nonce.
    pub url: Url,
    /// The `state` the redirect must carry back.
    pub state: String,
    /// The `nonce` the ID token must carry back.
    pub nonce: String,
    /// The PKCE verifier (RFC 7636 §4.1), sent only with the code.
    code_verifier: Zeroizing<String>,
}

impl std::fmt::Debug for AuthorizationFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationFlow")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// `n` random bytes from the operating system's CSPRNG, base64url without padding. The bytes are
/// zeroed once encoded; a caller that keeps the token secret wraps it in `Zeroizing`.
pub(crate) fn random_token(n: usize) -> Result<String, Error> {
    let mut bytes = Zeroizing::new(vec![0u8; n]);
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| Error::Internal("the system random generator failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&*bytes))
}

fn sha256(text: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes())
        .as_ref()
        .to_vec()
}

/// Starts an authorization: fresh PKCE verifier (32 random bytes → 43 characters, RFC 7636
/// §4.1), `state` and `nonce`, and the authorization URL.
pub fn start(params: &AuthorizationParameters<'_>) -> Result<AuthorizationFlow, Error> {
    let optional = [
        ("login_hint", params.login_hint),
        ("domain_hint", params.domain_hint),
        ("prompt", params.prompt),
        ("claims", params.claims),
    ];
    for (name, _) in params.extra {
        let taken = OWN_PARAMETERS.contains(&name.as_str())
            || optional.iter().any(|(n, v)| n == name && v.is_some());
        if taken || params.extra.iter().filter(|(n, _)| n == name).count() > 1 {
            return Err(Error::InvalidArgument(format!(
                "the authorization request parameter {name:?} is given twice, or is one msal sets itself"
            )));
        }
    }
    let code_verifier = Zeroizing::new(random_token(32)?);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256(&code_verifier));
    let state = random_token(16)?;
    let nonce: String = sha256(&random_token(16)?)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let mut url = params.authorization_endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("client_id", params.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", params.redirect_uri)
            .append_pair("scope", &params.scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair(
                "response_mode",
                match params.response_mode {
                    ResponseMode::FormPost => "form_post",
                    ResponseMode::Query => "query",
                },
            );
        for (name, value) in optional {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        for (name, value) in params.extra {
            query.append_pair(name, value);
        }
    }
    Ok(AuthorizationFlow {
        url,
        state,
        nonce,
        code_verifier,
    })
}

/// What a redirect to the loopback address said.
#[derive(Debug)]
pub enum Redirect {
    /// The code, with the right `state`.
    Code(AuthorizationCode),
    /// The server's error (RFC 6749 §4.1.2.1), with the right `state`.
    Error(ServerError),
    /// Not a response to this flow: a missing or wrong `state`, or neither code nor error.
    Foreign,
}

/// Reads redirect parameters (from a query or a posted form) against the expected `state`.
pub fn parse_redirect(params: &[(String, String)], expected_state: &str) -> Redirect {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("state") != Some(expected_state) {
        return Redirect::Foreign;
    }
    if let Some(code) = get("code").filter(|c| !c.is_empty()) {
        return Redirect::Code(AuthorizationCode::new(code));
    }
    match get("error") {
        Some(error) => Redirect::Error(ServerError {
            error: error.to_owned(),
            error_description: get("error_description").map(str::to_owned),
            suberror: get("suberror").map(str::to_owned),
            ..ServerError::default()
        }),
        None => Redirect::Foreign,
    }
}

impl AuthorizationFlow {
    /// The grant that redeems `code` (RFC 6749 §4.1.3 + RFC 7636 §4.5): with this flow's PKCE
    /// verifier and the redirect URI it named.
    pub fn grant<'a>(&'a self, code: &'a AuthorizationCode, redirect_uri: &'a str) -> Grant<'a> {
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier: &self.code_verifier,
        }
    }

    /// Checks the ID token against this flow (OpenID Connect Core §3.1.3.7): our nonce, our
    /// client id in the audience.
    pub fn check_id_token(&self, claims: &IdTokenClaims, client_id: &str) -> Result<(), Error> {
        if claims.nonce.as_deref() != Some(self.nonce.as_str()) {
            return Err(Error::UnexpectedResponse {
                endpoint: "the token endpoint".into(),
                status: 200,
                detail:
                    "the ID token's nonce does not match this sign-in (possible replay); try again"
                        .into(),
            });
        }
        if !claims.has_audience(client_id) {
            return Err(Error::UnexpectedResponse {
                endpoint: "the token endpoint".into(),
                status: 200,
                detail: format!("the ID token was issued to another application, not {client_id}"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(mode: ResponseMode) -> AuthorizationFlow {
        let endpoint =
            Url::parse("https://login.microsoftonline.com/common/oauth2/v2.0/authorize").unwrap();
        start(&AuthorizationParameters {
            authorization_endpoint: &endpoint,
            client_id: "c1",
            redirect_uri: "http://localhost:1234",
            scopes: &["User.Read".into(), "openid".into()],
            response_mode: mode,
            login_hint: Some("a@b.c"),
            domain_hint: None,
            prompt: Some("select_account"),
            claims: None,
            extra: &[("access_type".into(), "offline".into())],
        })
        .unwrap()
    }

    #[test]
    fn extra_parameters_are_added_but_never_replace_msals_own() {
        let flow = flow(ResponseMode::Query);
        assert!(
            flow.url
                .query_pairs()
                .any(|(k, v)| k == "access_type" && v == "offline")
        );
        let endpoint = Url::parse("https://idp.example/authorize").unwrap();
        for extra in [
            vec![("code_challenge_method".to_owned(), "plain".to_owned())],
            vec![("state".to_owned(), "x".to_owned())],
            vec![("prompt".to_owned(), "none".to_owned())],
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("a".to_owned(), "2".to_owned()),
            ],
        ] {
            let refused = start(&AuthorizationParameters {
                authorization_endpoint: &endpoint,
                client_id: "c",
                redirect_uri: "http://127.0.0.1:1/",
                scopes: &[],
                response_mode: ResponseMode::Query,
                login_hint: None,
                domain_hint: None,
                prompt: Some("login"),
                claims: None,
                extra: &extra,
            });
            assert!(
                matches!(refused, Err(Error::InvalidArgument(_))),
                "{extra:?}"
            );
        }
    }

    #[test]
    fn authorization_url_carries_pkce_state_and_nonce() {
        let flow = flow(ResponseMode::FormPost);
        let pairs: Vec<(String, String)> = flow.url.query_pairs().into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(get("response_mode").as_deref(), Some("form_post"));
        assert_eq!(get("state").as_deref(), Some(flow.state.as_str()));
        assert_eq!(get("nonce").map(|n| n.len()), Some(64));
        assert_eq!(get("login_hint").as_deref(), Some("a@b.c"));
        let expected =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256(&flow.code_verifier));
        assert_eq!(get("code_challenge"), Some(expected));
        assert!(flow.code_verifier.len() >= 43);
        assert!(!flow.url.as_str().contains(flow.code_verifier.as_str()));
        assert!(!format!("{flow:?}").contains(flow.code_verifier.as_str()));
    }

    #[test]
    fn each_flow_is_fresh() {
        let (a, b) = (flow(ResponseMode::Query), flow(ResponseMode::Query));
        assert_ne!(a.state, b.state);
        assert_ne!(a.code_verifier, b.code_verifier);
    }

    #[test]
    fn redirects_are_checked_against_state() {
        let p = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert!(matches!(
            parse_redirect(&p(&[("code", "c"), ("state", "s")]), "s"),
            Redirect::Code(_)
        ));
        assert!(matches!(
            parse_redirect(&p(&[("code", "c"), ("state", "x")]), "s"),
            Redirect::Foreign
        ));
        assert!(matches!(
            parse_redirect(&p(&[("code", "c")]), "s"),
            Redirect::Foreign
        ));
        assert!(matches!(
            parse_redirect(&p(&[("error", "access_denied"), ("state", "s")]), "s"),
            Redirect::Error(e) if e.error == "access_denied"
        ));
        assert!(matches!(
            parse_redirect(&p(&[("error", "access_denied")]), "s"),
            Redirect::Foreign
        ));
    }

    #[test]
    fn id_token_nonce_and_audience_are_checked() {
        let flow = flow(ResponseMode::Query);
        let good = IdTokenClaims {
            nonce: Some(flow.nonce.clone()),
            aud: Some("c1".into()),
            ..Default::default()
        };
        assert!(flow.check_id_token(&good, "c1").is_ok());
        let replay = IdTokenClaims {
            nonce: Some("other".into()),
            ..good.clone()
        };
        assert!(flow.check_id_token(&replay, "c1").is_err());
        assert!(flow.check_id_token(&good, "c2").is_err());
    }
}

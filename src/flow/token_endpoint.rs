//! What every token request shares (RFC 6749 §3.2, §4.x, §5): the form fields, client
//! authentication, and parsing the success (§5.1) or error (§5.2) answer.

use url::Url;

use crate::credential::ClientAuth;
use crate::error::{Error, ServerError};
use crate::http::{FormValue, HttpRequest, HttpResponse};
use crate::secret::{Assertion, AuthorizationCode, DeviceCode, Password, RefreshToken};
use crate::token::TokenResponse;

/// A token request (RFC 6749 §3.2): the parts every grant shares, and the [`Grant`] itself.
/// One shape for every grant, so a rule for all of them (client authentication, `client_info`,
/// claims) is written once.
#[derive(Debug, Clone)]
pub struct TokenRequest<'a> {
    /// The token endpoint from discovery.
    pub token_endpoint: &'a Url,
    /// The application (client) id.
    pub client_id: &'a str,
    /// The scopes to send (already decorated where the grant needs it); none sends no `scope`.
    pub scopes: &'a [String],
    /// Send Entra's `client_info=1`, which makes it return the account's `uid`/`utid`.
    pub client_info: bool,
    /// A claims request or challenge (OpenID Connect Core §5.5), sent as given.
    pub claims: Option<&'a str>,
    /// How the client authenticates, for confidential clients.
    pub client_auth: Option<&'a ClientAuth>,
    /// The grant.
    pub grant: Grant<'a>,
}

/// The grant of a token request, with its own fields.
#[derive(Debug, Clone)]
pub enum Grant<'a> {
    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5).
    AuthorizationCode {
        /// The code the redirect brought.
        code: &'a AuthorizationCode,
        /// The redirect URI the authorization request named, exactly.
        redirect_uri: &'a str,
        /// The PKCE verifier of that request.
        code_verifier: &'a str,
    },
    /// RFC 6749 §4.4: the application's own token.
    ClientCredentials,
    /// RFC 8628 §3.4: one poll of a device code sign-in.
    DeviceCode(&'a DeviceCode),
    /// RFC 6749 §4.3 (legacy).
    Password {
        /// The sign-in name.
        username: &'a str,
        /// The password.
        password: &'a Password,
    },
    /// RFC 6749 §6.
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a RefreshToken,
        /// `{uid}@{utid}` for Entra's `X-AnchorMailbox`, which routes the request to the
        /// user's home region.
        anchor: Option<(&'a str, &'a str)>,
    },
    /// Entra's on-behalf-of exchange (RFC 7523 §2.1 with `requested_token_use=on_behalf_of`).
    OnBehalfOf(&'a Assertion),
    /// RFC 8693 token exchange.
    TokenExchange(crate::flow::token_exchange::Exchange<'a>),
}

impl Grant<'_> {
    /// The `grant_type` (RFC 6749 §4).
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::AuthorizationCode { .. } => crate::flow::auth_code::GRANT_TYPE,
            Grant::ClientCredentials => crate::flow::client_credentials::GRANT_TYPE,
            Grant::DeviceCode(_) => crate::flow::device_code::GRANT_TYPE,
            Grant::Password { .. } => crate::flow::password::GRANT_TYPE,
            Grant::RefreshToken { .. } => crate::flow::refresh::GRANT_TYPE,
            Grant::OnBehalfOf(_) => crate::flow::on_behalf_of::GRANT_TYPE,
            Grant::TokenExchange(_) => crate::flow::token_exchange::GRANT_TYPE,
        }
    }

    /// The grant's own form fields; secrets stay wrapped.
    fn fields(&self) -> Vec<(&'static str, FormValue)> {
        match self {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => vec![
                ("code", FormValue::secret(code.secret())),
                ("redirect_uri", FormValue::Plain((*redirect_uri).to_owned())),
                ("code_verifier", FormValue::secret(code_verifier)),
            ],
            Grant::ClientCredentials => Vec::new(),
            Grant::DeviceCode(code) => vec![("device_code", FormValue::secret(code.secret()))],
            Grant::Password { username, password } => vec![
                ("username", FormValue::Plain((*username).to_owned())),
                ("password", FormValue::secret(password.secret())),
            ],
            Grant::RefreshToken { refresh_token, .. } => {
                vec![("refresh_token", FormValue::secret(refresh_token.secret()))]
            }
            Grant::OnBehalfOf(assertion) => vec![
                ("assertion", FormValue::secret(assertion.secret())),
                (
                    "requested_token_use",
                    FormValue::Plain("on_behalf_of".into()),
                ),
            ],
            Grant::TokenExchange(exchange) => exchange.fields(),
        }
    }
}

impl TokenRequest<'_> {
    /// The form POST.
    pub fn build(&self) -> HttpRequest {
        let mut request = HttpRequest::post_form(self.token_endpoint.clone())
            .field("client_id", self.client_id)
            .field("grant_type", self.grant.grant_type());
        if !self.scopes.is_empty() {
            request = request.field("scope", self.scopes.join(" "));
        }
        request.form.extend(
            self.grant
                .fields()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value)),
        );
        if self.client_info {
            request = request.field("client_info", "1");
        }
        if let Some(claims) = self.claims {
            request = request.field("claims", claims);
        }
        if let Some(auth) = self.client_auth {
            request = authenticate(request, auth, self.client_id);
        }
        if let Grant::RefreshToken {
            anchor: Some((uid, utid)),
            ..
        } = &self.grant
        {
            request = request.header("X-AnchorMailbox", format!("Oid:{uid}@{utid}"));
        }
        request
    }
}

/// `request` with the client's authentication (RFC 6749 §2.3): form fields, or an HTTP Basic
/// `Authorization` header, secrets kept wrapped.
pub(crate) fn authenticate(
    mut request: HttpRequest,
    auth: &ClientAuth,
    client_id: &str,
) -> HttpRequest {
    for (name, value, secret) in auth.form_fields() {
        request = if secret {
            request.secret_field(name, value)
        } else {
            request.field(name, value)
        };
    }
    if let Some(value) = auth.authorization_header(client_id) {
        request = request.secret_authorization(value);
    }
    request
}

/// Parses a token endpoint answer: the tokens (RFC 6749 §5.1), the server's error (§5.2) as
/// [`Error::OAuth`], or [`Error::UnexpectedResponse`] for anything else. Never echoes a body
/// that parsed as JSON, since it may hold tokens.
pub fn parse_token_response(
    request: &HttpRequest,
    response: &HttpResponse,
) -> Result<TokenResponse, Error> {
    let endpoint = request.endpoint();
    let unexpected = |detail: String| Error::UnexpectedResponse {
        endpoint: endpoint.clone(),
        status: response.status,
        detail,
    };
    if let Some(refusal) = refusal_without_body(request, response) {
        return Err(Error::OAuth(refusal));
    }
    let value: serde_json::Value = match serde_json::from_slice(&response.body) {
        Ok(value) => value,
        Err(_) => return Err(unexpected(describe_non_json(response))),
    };
    if value.get("error").is_some_and(serde_json::Value::is_string) {
        let mut error: ServerError = serde_json::from_value(value)
            .map_err(|e| unexpected(format!("an error answer of unknown shape ({e})")))?;
        error.status = response.status;
        return Err(Error::OAuth(error));
    }
    if !(200..300).contains(&response.status) {
        return Err(unexpected(
            "a JSON answer that is neither tokens nor an OAuth error".into(),
        ));
    }
    let access_token = value
        .get("access_token")
        .and_then(serde_json::Value::as_str);
    if access_token.is_none_or(str::is_empty) {
        return Err(unexpected("the answer has no access_token".into()));
    }
    for field in ["expires_in", "ext_expires_in", "refresh_in"] {
        if let Some(raw) = value.get(field) {
            check_lifetime(field, raw).map_err(&unexpected)?;
        }
    }
    let response: TokenResponse = serde_json::from_value(value).map_err(|e| {
        // serde's message names the field and the expected type, never the value.
        unexpected(format!("the token answer is malformed ({e})"))
    })?;
    response.checked().map_err(unexpected)
}

/// A refusal that came without a body: some gateways and providers answer a wrong client
/// credential with a bare 401 or 403, or a spent refresh token with a bare 400. The status alone
/// says what was refused, so it is read as the OAuth error RFC 6749 §5.2 names for that case:
/// `invalid_client` for 401/403; `invalid_grant` for a 400 to a refresh-token grant (so the user
/// is asked to sign in again, and the refresh token is kept: nothing said it is dead);
/// `invalid_request` for other 400s. The description says plainly what arrived. `None` for a
/// body with content or another status.
pub(crate) fn refusal_without_body(
    request: &HttpRequest,
    response: &HttpResponse,
) -> Option<ServerError> {
    if !response.body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let grant_type = request
        .form
        .iter()
        .find(|(name, _)| name == "grant_type")
        .map(|(_, value)| value.value());
    let error = match response.status {
        401 | 403 => "invalid_client",
        400 if grant_type == Some(super::refresh::GRANT_TYPE) => "invalid_grant",
        400 => "invalid_request",
        _ => return None,
    };
    Some(ServerError {
        status: response.status,
        error: error.to_owned(),
        error_description: Some(format!("HTTP {} with an empty body", response.status)),
        ..ServerError::default()
    })
}

/// Longest token lifetime believed: a year. Entra's access tokens live 1–28 hours; a server
/// claiming more is broken or hostile, and caching its token for decades would be worse than
/// refusing it.
pub const MAX_LIFETIME_SECS: u64 = 365 * 24 * 60 * 60;

/// A lifetime must be a whole, non-negative number of seconds (Entra's v1 endpoints send it as a
/// string) of at most [`MAX_LIFETIME_SECS`].
fn check_lifetime(field: &str, raw: &serde_json::Value) -> Result<(), String> {
    let seconds = match raw {
        serde_json::Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        serde_json::Value::Null => return Ok(()),
        _ => None,
    };
    match seconds {
        Some(s) if s <= MAX_LIFETIME_SECS => Ok(()),
        Some(s) => Err(format!(
            "the token's {field} of {s} s is implausible (more than a year)"
        )),
        None => Err(format!("the token's {field} is not a number of seconds")),
    }
}

/// A description of a body that is not JSON: its type and size, and for HTML the page title,
/// which is how proxies and captive portals say what went wrong.
fn describe_non_json(response: &HttpResponse) -> String {
    let content_type = response
        .content_type
        .as_deref()
        .unwrap_or("no content type");
    let text = String::from_utf8_lossy(&response.body);
    let lower = text.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>"))
        && start + 7 <= end
    {
        let title: String = crate::text::printable(&text[start + 7..end])
            .chars()
            .take(100)
            .collect();
        return format!(
            "an HTML page ({content_type}) titled {:?} instead of JSON",
            title.trim()
        );
    }
    if lower.trim_start().starts_with('<') {
        return format!("an HTML page ({content_type}) instead of JSON");
    }
    format!(
        "{} bytes of {content_type} that are not JSON",
        response.body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(status: u16, body: &str) -> Result<TokenResponse, Error> {
        let request =
            HttpRequest::post_form(Url::parse("https://h/t/oauth2/v2.0/token?x=1").unwrap());
        let response = HttpResponse {
            status,
            content_type: None,
            body: body.as_bytes().to_vec(),
        };
        parse_token_response(&request, &response)
    }

    #[test]
    fn parses_success_and_errors() {
        assert!(exchange(200, r#"{"access_token":"a","expires_in":10}"#).is_ok());
        match exchange(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: bad","correlation_id":"c"}"#,
        ) {
            Err(Error::OAuth(e)) => {
                assert_eq!(
                    (e.status, e.error.as_str(), e.correlation_id.as_deref()),
                    (401, "invalid_client", Some("c"))
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn empty_refusals_are_read_from_their_status() {
        let refused = |status: u16, grant_type: &str| {
            let request = HttpRequest::post_form(Url::parse("https://h/t/token").unwrap())
                .field("grant_type", grant_type);
            let response = HttpResponse {
                status,
                content_type: None,
                body: b" \r\n".to_vec(),
            };
            match parse_token_response(&request, &response) {
                Err(Error::OAuth(e)) => Some((e.error.clone(), e.summary().unwrap_or_default())),
                _ => None,
            }
        };
        assert_eq!(
            refused(403, "client_credentials"),
            Some((
                "invalid_client".into(),
                "HTTP 403 with an empty body".into()
            ))
        );
        assert_eq!(
            refused(401, "refresh_token").map(|e| e.0),
            Some("invalid_client".into())
        );
        assert_eq!(
            refused(400, "refresh_token").map(|e| e.0),
            Some("invalid_grant".into())
        );
        assert_eq!(
            refused(400, "client_credentials").map(|e| e.0),
            Some("invalid_request".into())
        );
        assert_eq!(refused(200, "client_credentials"), None);
        assert_eq!(refused(404, "client_credentials"), None);
        assert!(matches!(
            exchange(403, "forbidden"),
            Err(Error::UnexpectedResponse { .. })
        ));
    }

    #[test]
    fn lifetimes_must_be_plausible() {
        assert!(
            exchange(
                200,
                r#"{"access_token":"a","expires_in":"3599","ext_expires_in":86400}"#
            )
            .is_ok()
        );
        assert!(exchange(200, r#"{"access_token":"a","expires_in":null}"#).is_ok());
        for bad in ["-5", "1e300", "99999999999", "\"soon\"", "3.5", "{}"] {
            let body = format!(r#"{{"access_token":"a","expires_in":{bad}}}"#);
            assert!(exchange(200, &body).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn client_secret_basic_goes_in_the_authorization_header_only() {
        let url = Url::parse("http://127.0.0.1:1/token").unwrap();
        let auth = ClientAuth::SecretBasic(crate::secret::ClientSecret::new("s3cr3t"));
        let request = TokenRequest {
            token_endpoint: &url,
            client_id: "app",
            scopes: &[],
            client_info: false,
            claims: None,
            client_auth: Some(&auth),
            grant: Grant::ClientCredentials,
        }
        .build();
        assert!(request.form.iter().all(|(k, _)| k != "client_secret"));
        assert_eq!(
            request.authorization,
            auth.authorization_header("app")
                .map(crate::http::FormValue::Secret)
        );
        assert!(
            !format!("{request:?}").contains("Basic"),
            "redacted in Debug"
        );
    }

    #[test]
    fn malformed_answers_never_echo_the_body() {
        let truncated = exchange(200, r#"{"access_token":"secret-token-value"#)
            .unwrap_err()
            .to_string();
        assert!(!truncated.contains("secret-token-value"), "{truncated}");
        let wrong_type = exchange(
            200,
            r#"{"access_token":"secret-token-value","expires_in":[1]}"#,
        );
        let wrong_type = wrong_type.unwrap_err().to_string();
        assert!(
            wrong_type.contains("expires_in is not a number")
                && !wrong_type.contains("secret-token-value"),
            "{wrong_type}"
        );
        let empty = exchange(200, r#"{"access_token":""}"#)
            .unwrap_err()
            .to_string();
        assert!(empty.contains("no access_token"), "{empty}");
        let missing = exchange(200, r#"{"token_type":"Bearer"}"#)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("no access_token"), "{missing}");
        let html = exchange(502, "<html><head><title>Bad Gateway</title></head></html>")
            .unwrap_err()
            .to_string();
        assert!(
            html.contains("Bad Gateway") && html.contains("https://h/t/oauth2/v2.0/token"),
            "{html}"
        );
        assert!(!html.contains("x=1"));
    }
}

//! GitHub Actions OIDC tokens as client assertions (workload identity federation).
//!
//! A job with `permissions: id-token: write` gets `ACTIONS_ID_TOKEN_REQUEST_URL` and
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. A GET of that URL with `audience=api://AzureADTokenExchange`
//! added and the request token as a bearer token returns `{"value": "<JWT>"}`, which Entra ID
//! accepts as a `jwt-bearer` client assertion (RFC 7521 §4.2) from a federated credential. See
//! <https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect>.
//!
//! Building the request and parsing the answer are pure functions; the caller sends the request
//! with its [`HttpClient`](crate::http::HttpClient), once per token request, since the token
//! lives only minutes.

use url::Url;

use super::CredentialError;
use crate::http::{FormValue, HttpRequest, HttpResponse, endpoint_of};
use crate::secret::{AccessToken, Assertion};

/// The audience Entra ID expects in federated tokens, and GitHub's default for Azure login.
pub const DEFAULT_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Where and how to ask GitHub Actions for an OIDC token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubOidc {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`, which already carries a query (`api-version=…`).
    pub request_url: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: a bearer token for that URL, hence an [`AccessToken`]
    /// (redacted in `Debug`).
    pub request_token: AccessToken,
}

impl GitHubOidc {
    /// Builds from the values of the runner's `ACTIONS_ID_TOKEN_REQUEST_URL` and
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` variables (the caller reads the environment). Missing or empty values give an error naming the variables and the
    /// `permissions: id-token: write` the job needs; a URL that does not parse, or that is plain
    /// http to anything but loopback (the request carries a bearer token), is refused now rather
    /// than at the first request.
    pub fn from_env_values(
        url: Option<String>,
        token: Option<String>,
    ) -> Result<Self, CredentialError> {
        let url = url.filter(|v| !v.trim().is_empty());
        let token = token.filter(|v| !v.trim().is_empty());
        let (url, token) = match (url, token) {
            (Some(url), Some(token)) => (url, token),
            (None, None) => {
                return Err(CredentialError::GitHubOidcUnavailable {
                    missing: "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are",
                });
            }
            (None, Some(_)) => {
                return Err(CredentialError::GitHubOidcUnavailable {
                    missing: "ACTIONS_ID_TOKEN_REQUEST_URL is",
                });
            }
            (Some(_), None) => {
                return Err(CredentialError::GitHubOidcUnavailable {
                    missing: "ACTIONS_ID_TOKEN_REQUEST_TOKEN is",
                });
            }
        };
        let url = url.trim().to_owned();
        let parsed = Url::parse(&url).map_err(CredentialError::GitHubOidcUrl)?;
        crate::authority::check_transport(&parsed)
            .map_err(CredentialError::GitHubOidcInsecureUrl)?;
        Ok(Self {
            request_url: url,
            request_token: AccessToken::new(token.trim()),
        })
    }

    /// The request URL without its query, for messages.
    pub fn endpoint(&self) -> String {
        Url::parse(&self.request_url)
            .map(|url| endpoint_of(&url))
            .unwrap_or_else(|_| "an invalid ACTIONS_ID_TOKEN_REQUEST_URL".to_owned())
    }
}

/// The GET that fetches a GitHub OIDC token for `audience` ([`DEFAULT_AUDIENCE`] when empty):
/// `audience` is added to the URL's existing query (replacing one already there), and the
/// request token goes in `Authorization: Bearer`.
pub fn token_request(oidc: &GitHubOidc, audience: &str) -> Result<HttpRequest, CredentialError> {
    let audience = if audience.is_empty() {
        DEFAULT_AUDIENCE
    } else {
        audience
    };
    let mut url = Url::parse(&oidc.request_url).map_err(CredentialError::GitHubOidcUrl)?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| name != "audience")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.len() == url.query_pairs().count() {
        url.query_pairs_mut().append_pair("audience", audience);
    } else {
        // Only re-encode the query when an `audience` must be replaced.
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("audience", audience);
    }
    // The bearer token goes in the request's redacted `authorization` slot, never in the plain
    // header list that `Debug` shows.
    let mut request = HttpRequest::get(url);
    request.authorization = Some(FormValue::Secret(crate::secret::concat(&[
        "Bearer ",
        oidc.request_token.secret(),
    ])));
    Ok(request)
}

/// Reads GitHub's answer `{"value": "<JWT>"}` as the client assertion. A non-2xx status gives
/// [`CredentialError::GitHubOidcRefused`] with GitHub's `message` if any; a 2xx without a
/// non-empty `value` gives [`CredentialError::GitHubOidcResponse`]. Neither quotes the body
/// beyond that message.
pub fn parse_token_response(response: &HttpResponse) -> Result<Assertion, CredentialError> {
    let json: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
    if !(200..300).contains(&response.status) {
        let message = json
            .as_ref()
            .and_then(|v| v.get("message"))
            .and_then(serde_json::Value::as_str)
            .map(|m| short(m, 200));
        return Err(CredentialError::GitHubOidcRefused {
            status: response.status,
            message,
        });
    }
    let Some(json) = json else {
        return Err(CredentialError::GitHubOidcResponse {
            status: response.status,
            reason: "the body is not JSON",
        });
    };
    match json
        .get("value")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
    {
        Some(value) if !value.is_empty() => Ok(Assertion::new(value)),
        Some(_) => Err(CredentialError::GitHubOidcResponse {
            status: response.status,
            reason: "its \"value\" is empty",
        }),
        None => Err(CredentialError::GitHubOidcResponse {
            status: response.status,
            reason: "no \"value\" string in the JSON",
        }),
    }
}

/// At most `max` characters of `text`, [printable](crate::text::printable), for messages.
fn short(text: &str, max: usize) -> String {
    let mut shown: String = crate::text::printable(text).chars().take(max).collect();
    if text.chars().count() > max {
        shown.push('…');
    }
    shown
}

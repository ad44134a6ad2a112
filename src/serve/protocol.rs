//! The App Service managed-identity protocol (`api-version=2019-08-01`), server side, as pure
//! functions: which requests are answered, and the answers' shape.
//!
//! Request: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=R` with the header
//! `X-IDENTITY-HEADER: {IDENTITY_HEADER}`, optionally naming a user-assigned identity
//! (`client_id`, `object_id`, `mi_res_id`). Answer: `access_token`, `expires_on` (epoch
//! seconds, a string), `resource`, `token_type`, `client_id`; an error is
//! `{"statusCode": N, "message": "…"}`, which MSAL Python (and so azure-identity) shows as
//! "N, message". See
//! <https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference>.

use serde_json::json;

use crate::app::AuthenticationResult;
use crate::error::{Error, Result};
use crate::http::inbound::{Method, Request};

/// The protocol version served; every Azure SDK sends this one to an App Service endpoint.
pub const API_VERSION: &str = "2019-08-01";

/// The path of the endpoint (App Service's own is `/msi/token` too).
pub const PATH: &str = "/msi/token";

/// The header that carries the shared secret.
pub const HEADER: &str = "X-IDENTITY-HEADER";

/// Longest resource accepted: resource URIs and application ids are far shorter.
const MAX_RESOURCE_LEN: usize = 2048;

/// Query parameters that name a user-assigned identity: App Service's three, and the IMDS and
/// older spellings a client may send.
const SELECTORS: [&str; 5] = [
    "client_id",
    "object_id",
    "mi_res_id",
    "msi_res_id",
    "principal_id",
];

/// The shared secret clients prove themselves with: 32 random bytes from the system CSPRNG,
/// base64url (43 characters, safe in a header, an environment variable and a shell quote).
#[derive(Clone)]
pub struct IdentityHeader(String);

impl IdentityHeader {
    /// A fresh secret.
    pub fn generate() -> Result<Self> {
        crate::flow::auth_code::random_token(32).map(Self)
    }

    /// The secret itself, for the one place it is handed out (the child's environment, the
    /// `export` line). Never log it.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is the secret, in time that does not depend on where they differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(self.0.as_bytes(), presented).is_ok()
    }
}

impl std::fmt::Debug for IdentityHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityHeader([redacted])")
    }
}

impl Drop for IdentityHeader {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Which requests are answered besides the header check.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Only these resources are served (compared without case and without a trailing `/`);
    /// empty serves any.
    pub allowed_resources: Vec<String>,
    /// Refuse requests that name an identity other than [`Self::client_id`], instead of serving
    /// the one identity this endpoint has whatever they name.
    pub strict_identity: bool,
    /// The application id answers name (`client_id`).
    pub client_id: String,
}

/// A request for a token, accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenQuery {
    /// The resource, as asked.
    pub resource: String,
    /// Identity selectors the request carried (name, value), for the log.
    pub selectors: Vec<(String, String)>,
}

impl TokenQuery {
    /// The scope that gets a token for the resource ([`default_scope`]).
    pub fn scope(&self) -> String {
        default_scope(&self.resource)
    }
}

/// The scope that gets a token for `resource`: `{resource}/.default`, as MSAL maps a v1 resource
/// to a v2 scope (a resource ending in `/`, like Azure Resource Manager's
/// `https://management.core.windows.net/`, gives the `//.default` Entra expects).
pub fn default_scope(resource: &str) -> String {
    format!("{resource}/.default")
}

/// An answer: status and JSON body.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON text.
    pub body: String,
    /// An error's message (the log shows it); empty for a token.
    pub message: String,
}

// A 200 body holds a token.
impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = if self.status == 200 {
            "[redacted]"
        } else {
            &self.body
        };
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body", &body)
            .finish()
    }
}

/// An error answer in App Service's shape. The message is made printable: clients show it to
/// people, and a JSON escape would still reach their terminal as a control character.
pub fn error_reply(status: u16, message: &str) -> Reply {
    let message = crate::text::printable(message).into_owned();
    Reply {
        status,
        body: json!({ "statusCode": status, "message": message }).to_string(),
        message,
    }
}

/// The answer carrying `result` for `resource`.
pub fn token_reply(result: &AuthenticationResult, resource: &str, client_id: &str) -> Reply {
    Reply {
        status: 200,
        body: json!({
            "access_token": result.access_token.secret(),
            "expires_on": result.expires_on.to_string(),
            "resource": resource,
            "token_type": result.token_type,
            "client_id": client_id,
        })
        .to_string(),
        message: String::new(),
    }
}

/// The answer when no token could be had for `resource`: a new sign-in needed (with what to
/// run), a refusal by the identity provider, or a failure to reach it. Statuses are ones Azure
/// SDKs do not retry, except the 5xx of a failure that may pass.
pub fn failure_reply(error: &Error, resource: &str) -> Reply {
    let sign_in = |why: &str| {
        error_reply(
            400,
            &format!(
                "msal serve has no token for {resource} without a new sign-in: {why}. Sign in \
                 with `msal login --scope {resource}/.default` (with the same --tenant or \
                 --authority and --client-id as msal serve), then try again."
            ),
        )
    };
    match error {
        Error::InteractionRequired { reason, .. } => sign_in(reason),
        Error::AccountChoiceRequired { .. } => error_reply(
            400,
            &format!("msal serve cannot choose the account: {error}; restart it with --username"),
        ),
        Error::OAuth(e) => {
            let id = e
                .correlation_id
                .as_deref()
                .map(|id| format!(" (correlation id {id})"))
                .unwrap_or_default();
            error_reply(
                400,
                &format!("the identity provider refused a token for {resource}: {e}{id}"),
            )
        }
        Error::InvalidArgument(_) => error_reply(400, &format!("msal serve: {error}")),
        Error::Http(_)
        | Error::UnexpectedResponse { .. }
        | Error::Authority(_)
        | Error::ManagedIdentity(_)
        | Error::NoEndpoint(_) => error_reply(
            502,
            &format!("msal serve could not get a token for {resource}: {error}"),
        ),
        Error::Cache(_) | Error::Credential(_) | Error::Loopback(_) | Error::Internal(_) => {
            error_reply(
                500,
                &format!("msal serve could not get a token for {resource}: {error}"),
            )
        }
    }
}

/// Decides whether `request` asks for a token this endpoint may serve: the method, the path,
/// the secret (before anything else about the request is looked at), then the parameters.
pub(crate) fn judge(
    request: &Request,
    header: &IdentityHeader,
    policy: &Policy,
) -> Result<TokenQuery, Reply> {
    if request.path != PATH {
        return Err(error_reply(404, "Not found."));
    }
    if request.method != Method::Get {
        return Err(error_reply(405, "Only GET is served."));
    }
    let mut presented = request.header_values(HEADER);
    match (presented.next(), presented.next()) {
        (None, _) => return Err(error_reply(401, "The X-IDENTITY-HEADER header is missing.")),
        (Some(value), None) if header.matches(value) => {}
        _ => return Err(error_reply(401, "The X-IDENTITY-HEADER header is wrong.")),
    }
    if request.content_length.is_some_and(|n| n > 0) {
        return Err(error_reply(400, "A token request has no body."));
    }
    let mut api_version = None;
    let mut resource = None;
    let mut selectors = Vec::new();
    for (name, value) in form_urlencoded::parse(request.query.as_bytes()) {
        let slot = match name.as_ref() {
            "api-version" => &mut api_version,
            "resource" => &mut resource,
            other if SELECTORS.contains(&other) => {
                selectors.push((other.to_owned(), value.into_owned()));
                continue;
            }
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(error_reply(
                400,
                &format!("The parameter {name} is repeated."),
            ));
        }
    }
    match api_version.as_deref() {
        Some(API_VERSION) => {}
        Some(other) => {
            return Err(error_reply(
                400,
                &format!("api-version {other} is not supported; use {API_VERSION}."),
            ));
        }
        None => {
            return Err(error_reply(
                400,
                &format!("The api-version parameter is missing; use {API_VERSION}."),
            ));
        }
    }
    let resource = match resource {
        Some(r) if r.is_empty() => return Err(error_reply(400, "The resource is empty.")),
        Some(r) if r.len() > MAX_RESOURCE_LEN => {
            return Err(error_reply(400, "The resource is too long."));
        }
        // A space would make the scope two scopes.
        Some(r) if r.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            return Err(error_reply(
                400,
                "The resource contains white space or control characters.",
            ));
        }
        Some(r) => r,
        None => return Err(error_reply(400, "The resource parameter is missing.")),
    };
    if !policy.allowed_resources.is_empty()
        && !policy
            .allowed_resources
            .iter()
            .any(|allowed| same_resource(allowed, &resource))
    {
        return Err(error_reply(
            403,
            &format!("msal serve does not serve tokens for {resource} (see its --allow-resource)."),
        ));
    }
    if policy.strict_identity {
        let foreign = selectors.iter().find(|(name, value)| {
            !(name == "client_id" && value.eq_ignore_ascii_case(&policy.client_id))
        });
        if let Some((name, value)) = foreign {
            return Err(error_reply(
                400,
                &format!(
                    "msal serve serves one identity (client id {}) and refuses requests for \
                     another ({name}={value}); leave the selector out (e.g. unset \
                     AZURE_CLIENT_ID), or restart msal serve without --strict-identity.",
                    policy.client_id
                ),
            ));
        }
    }
    Ok(TokenQuery {
        resource,
        selectors,
    })
}

/// Resource identifiers compared as Entra compares them: without case, and with or without a
/// trailing slash.
fn same_resource(a: &str, b: &str) -> bool {
    let trim = |s: &str| s.strip_suffix('/').unwrap_or(s).to_owned();
    trim(a).eq_ignore_ascii_case(&trim(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServerError;
    use crate::secret::AccessToken;

    fn request(target: &str, headers: &[(&str, &str)]) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method: Method::Get,
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
                .collect(),
            content_length: None,
            body: Vec::new(),
            close: false,
        }
    }

    fn policy() -> Policy {
        Policy {
            client_id: "app-1".into(),
            ..Policy::default()
        }
    }

    const GOOD: &str = "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net";

    #[test]
    fn the_secret_is_checked_before_the_parameters() {
        let secret = IdentityHeader::generate().unwrap();
        assert_eq!(secret.secret().len(), 43);
        assert_ne!(
            secret.secret(),
            IdentityHeader::generate().unwrap().secret()
        );
        assert_eq!(format!("{secret:?}"), "IdentityHeader([redacted])");
        let status = |req: &Request| judge(req, &secret, &policy()).map_err(|r| r.status);

        let ok = status(&request(GOOD, &[("x-identity-header", secret.secret())]));
        assert_eq!(
            ok.unwrap().resource,
            "https://vault.azure.net",
            "the header name is case-insensitive"
        );
        let truncated = &secret.secret()[..42];
        for headers in [
            vec![],
            vec![("X-IDENTITY-HEADER", truncated)],
            vec![("X-IDENTITY-HEADER", "")],
            vec![
                ("X-IDENTITY-HEADER", secret.secret()),
                ("X-IDENTITY-HEADER", "other"),
            ],
            vec![("Authorization", secret.secret())],
        ] {
            assert_eq!(status(&request(GOOD, &headers)), Err(401), "{headers:?}");
            // A bad request without the secret learns only that the secret is missing.
            assert_eq!(status(&request("/msi/token?resource=", &headers)), Err(401));
        }
        assert_eq!(status(&request("/other", &[])), Err(404));
        let mut post = request(GOOD, &[("X-IDENTITY-HEADER", secret.secret())]);
        post.method = Method::Post;
        assert_eq!(status(&post), Err(405));
    }

    #[test]
    fn parameters_are_checked() {
        let secret = IdentityHeader::generate().unwrap();
        let auth = [("X-IDENTITY-HEADER", secret.secret())];
        let judge_with =
            |target: &str, policy: &Policy| judge(&request(target, &auth), &secret, policy);
        let refused = |target: &str| judge_with(target, &policy()).unwrap_err();
        for target in [
            "/msi/token?resource=https://a",
            "/msi/token?api-version=2017-09-01&resource=https://a",
            "/msi/token?api-version=2019-08-01",
            "/msi/token?api-version=2019-08-01&resource=",
            "/msi/token?api-version=2019-08-01&resource=a%20b",
            "/msi/token?api-version=2019-08-01&resource=a%0Ab",
            "/msi/token?api-version=2019-08-01&resource=a&resource=b",
        ] {
            let reply = refused(target);
            assert_eq!(reply.status, 400, "{target}");
            let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(body["statusCode"], 400);
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        let mut with_body = request(GOOD, &auth);
        with_body.content_length = Some(3);
        assert_eq!(
            judge(&with_body, &secret, &policy()).unwrap_err().status,
            400
        );

        let query = judge_with(
            "/msi/token?api-version=2019-08-01&resource=https://management.core.windows.net/&client_id=other&foo=bar",
            &policy(),
        )
        .unwrap();
        assert_eq!(
            query.scope(),
            "https://management.core.windows.net//.default"
        );
        assert_eq!(
            query.selectors,
            [("client_id".to_owned(), "other".to_owned())]
        );

        let allow = Policy {
            allowed_resources: vec!["HTTPS://Vault.azure.net/".into()],
            ..policy()
        };
        assert!(judge_with(GOOD, &allow).is_ok());
        let other = "/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com";
        assert_eq!(judge_with(other, &allow).unwrap_err().status, 403);

        let strict = Policy {
            strict_identity: true,
            ..policy()
        };
        assert!(judge_with(&format!("{GOOD}&client_id=APP-1"), &strict).is_ok());
        for selector in ["client_id=other", "object_id=app-1", "mi_res_id=/x"] {
            let reply = judge_with(&format!("{GOOD}&{selector}"), &strict).unwrap_err();
            assert_eq!(reply.status, 400, "{selector}");
        }
    }

    #[test]
    fn answers_have_app_service_shape() {
        let result = AuthenticationResult {
            access_token: AccessToken::new("tok"),
            token_type: "Bearer".into(),
            expires_on: 1_900_000_000,
            scopes: vec!["https://vault.azure.net/.default".into()],
            tenant_id: "t".into(),
            source: crate::app::TokenSource::Cache,
            account: None,
        };
        let reply = token_reply(&result, "https://vault.azure.net", "app-1");
        let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(
            body,
            json!({
                "access_token": "tok",
                "expires_on": "1900000000",
                "resource": "https://vault.azure.net",
                "token_type": "Bearer",
                "client_id": "app-1",
            })
        );
        assert!(!format!("{reply:?}").contains("tok"));

        let sign_in = failure_reply(
            &Error::InteractionRequired {
                reason: "no refresh token\u{1b}[2J".into(),
                server: None,
            },
            "https://vault.azure.net",
        );
        assert_eq!(sign_in.status, 400);
        let message = serde_json::from_str::<serde_json::Value>(&sign_in.body).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("msal login --scope https://vault.azure.net/.default"));
        assert!(!message.contains('\u{1b}'));

        let refused = failure_reply(
            &Error::OAuth(ServerError {
                error: "invalid_client".into(),
                correlation_id: Some("c-1".into()),
                ..ServerError::default()
            }),
            "r",
        );
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("invalid_client") && refused.body.contains("c-1"));
        assert_eq!(
            failure_reply(&Error::Internal("x"), "r").status,
            500,
            "a failure the client cannot fix"
        );
    }
}

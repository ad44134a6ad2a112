//! Service Fabric applications.
//!
//! `GET $IDENTITY_ENDPOINT?api-version=2019-07-01-preview&resource=R` with
//! `Secret: $IDENTITY_HEADER`, over TLS to an endpoint whose certificate is the one
//! `IDENTITY_SERVER_THUMBPRINT` names ([`crate::http::ServerPin`]): it is checked before the
//! secret is sent. The identity is configured in the cluster, so none is named in the request.
//! After a claims challenge the SHA-256 of the revoked token goes in `token_sha256_to_refresh`,
//! as MSAL Python sends it. The answer has `access_token`, `expires_on` (epoch seconds, a number
//! or a string), `resource`, `token_type`; errors are `{"error": {"code", "message"}}`.
//! See <https://learn.microsoft.com/azure/service-fabric/how-to-managed-identity-service-fabric-app-code#acquiring-an-access-token-using-rest-api>.

use url::Url;

use super::with_query;
use crate::http::HttpRequest;
use crate::secret::PlatformSecret;

/// The API version.
pub const API_VERSION: &str = "2019-07-01-preview";

/// The header that carries `IDENTITY_HEADER`.
pub const HEADER: &str = "Secret";

/// The token request; `refresh_hash` is the SHA-256 (lowercase hex) of a token to replace.
pub fn token_request(
    endpoint: &Url,
    header: &PlatformSecret,
    resource: &str,
    refresh_hash: Option<&str>,
) -> HttpRequest {
    let mut query = vec![("api-version", API_VERSION), ("resource", resource)];
    if let Some(hash) = refresh_hash {
        query.push(("token_sha256_to_refresh", hash));
    }
    HttpRequest::get(with_query(endpoint, &query)).secret_header(HEADER, header.secret())
}

//! App Service, Azure Functions, Container Apps and Azure Automation.
//!
//! `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R` with
//! `X-IDENTITY-HEADER: $IDENTITY_HEADER`; a user-assigned identity by `client_id`, `object_id`
//! or `mi_res_id` (not IMDS's `msi_res_id`). The answer has `access_token`, `expires_on` (epoch
//! seconds as a string), `resource`, `token_type`, `client_id`; errors carry `statusCode` and
//! `message`. MSAL Python also sends `Metadata: true`, which Azure Automation needs.
//! See <https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference>.

use url::Url;

use super::{ManagedIdentity, with_query};
use crate::http::HttpRequest;
use crate::secret::PlatformSecret;

/// The API version of the `IDENTITY_ENDPOINT` protocol.
pub const API_VERSION: &str = "2019-08-01";

/// The header that carries `IDENTITY_HEADER`.
pub const HEADER: &str = "X-IDENTITY-HEADER";

/// The token request.
pub fn token_request(
    endpoint: &Url,
    header: &PlatformSecret,
    identity: &ManagedIdentity,
    resource: &str,
) -> HttpRequest {
    let mut query = vec![("api-version", API_VERSION), ("resource", resource)];
    query.extend(identity.parameter(["client_id", "object_id", "mi_res_id"]));
    HttpRequest::get(with_query(endpoint, &query))
        .secret_header(HEADER, header.secret())
        .header("Metadata", "true")
}

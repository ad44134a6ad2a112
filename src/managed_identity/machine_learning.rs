//! Azure Machine Learning compute.
//!
//! `GET $MSI_ENDPOINT?api-version=2017-09-01&resource=R` with `secret: $MSI_SECRET`; a
//! user-assigned identity by `clientid` (that API version's spelling, which MSAL Python and
//! azure-identity send), `object_id` or `msi_res_id`. The answer has `access_token`,
//! `expires_on` (epoch seconds), `resource`, `token_type`. Azure ML publishes no protocol page;
//! this follows MSAL Python, which took it from azure-identity 1.15.

use url::Url;

use super::{ManagedIdentity, with_query};
use crate::http::HttpRequest;
use crate::secret::PlatformSecret;

/// The API version.
pub const API_VERSION: &str = "2017-09-01";

/// The header that carries `MSI_SECRET`.
pub const HEADER: &str = "secret";

/// The token request.
pub fn token_request(
    endpoint: &Url,
    secret: &PlatformSecret,
    identity: &ManagedIdentity,
    resource: &str,
) -> HttpRequest {
    let mut query = vec![("api-version", API_VERSION), ("resource", resource)];
    query.extend(identity.parameter(["clientid", "object_id", "msi_res_id"]));
    HttpRequest::get(with_query(endpoint, &query)).secret_header(HEADER, secret.secret())
}

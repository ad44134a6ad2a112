//! Azure VMs and VM scale sets: the Instance Metadata Service.
//!
//! `GET {base}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=R` with
//! `Metadata: true`; a user-assigned identity by `client_id`, `object_id` or `msi_res_id`. The
//! answer has `access_token`, `expires_in` and `expires_on` (strings), `resource`,
//! `token_type`; errors are OAuth-shaped (`error`, `error_description`, e.g. `invalid_request`
//! / `Identity not found`).
//! See <https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#get-a-token-using-http>.

use url::Url;

use super::{ManagedIdentity, with_query};
use crate::http::HttpRequest;

/// The API version MSAL Python and azure-identity use.
pub const API_VERSION: &str = "2018-02-01";

/// The token request. IMDS answers only requests with `Metadata: true`, which a browser tricked
/// into a request (server-side request forgery) cannot add.
pub fn token_request(endpoint: &Url, identity: &ManagedIdentity, resource: &str) -> HttpRequest {
    let mut query = vec![("api-version", API_VERSION), ("resource", resource)];
    query.extend(identity.parameter(["client_id", "object_id", "msi_res_id"]));
    HttpRequest::get(with_query(endpoint, &query)).header("Metadata", "true")
}

//! Azure Cloud Shell: a token for the user signed in to the portal, from the shell's local
//! endpoint.
//!
//! `POST $MSI_ENDPOINT` with the form `resource=R` and `Metadata: true`, as azure-identity sends
//! it (MSAL Python leaves Cloud Shell to its public client); the answer is shaped like IMDS's.
//! The identity is the signed-in user's: user-assigned identities do not apply.

use url::Url;

use crate::http::HttpRequest;

/// The token request.
pub fn token_request(endpoint: &Url, resource: &str) -> HttpRequest {
    HttpRequest::post_form(endpoint.clone())
        .field("resource", resource)
        .header("Metadata", "true")
}

//! Client authentication at the token endpoint, as strict as Entra: a registered client; a secret
//! (in the body or HTTP Basic) or a JWT client assertion (certificate-signed or federated), never
//! both; public clients present neither and may only use the user grants.

use super::JWT_BEARER_ASSERTION_TYPE;
use super::grants::DEVICE_CODE_GRANT;
use super::http::{RecordedRequest, Response};
use super::jwt::verify_assertion;
use super::server::Server;

/// Which client a token request names, and for what.
pub(super) struct ClientRef<'a> {
    pub(super) client_id: &'a str,
    pub(super) tenant_id: &'a str,
    pub(super) endpoint: &'a str,
    pub(super) grant_type: &'a str,
}

/// Ok when the request authenticates `client` as Entra would; else the error to answer with.
pub(super) fn authenticate_client(
    server: &Server,
    req: &RecordedRequest,
    client: &ClientRef<'_>,
    basic: &Option<(String, String)>,
) -> Result<(), Response> {
    let ClientRef {
        client_id,
        tenant_id,
        endpoint,
        grant_type,
    } = *client;
    let invalid_client =
        |code: u32, msg: &str| server.entra_error(req, 401, "invalid_client", code, msg);
    let registered = server.state().clients.get(client_id).map(|c| {
        (
            c.public,
            c.secrets.clone(),
            c.certificates.clone(),
            c.federated_assertion.clone(),
        )
    });
    let (public, secrets, certificates, federated) = match registered {
        Some(r) => r,
        None => {
            return Err(server.entra_error(
                req,
                400,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
            ));
        }
    };
    if let Some((basic_id, _)) = basic
        && basic_id != client_id
    {
        return Err(server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The client_id in the Authorization header does not match the client_id in the body.",
        ));
    }
    let secret = req
        .form("client_secret")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(_, s)| s.clone()));
    let assertion = req.form("client_assertion");
    if public {
        // Entra: a public client (native app) must not present a credential, and has none to
        // get an application token with.
        if secret.is_some() || assertion.is_some() {
            return Err(server.entra_error(
                req,
                401,
                "invalid_client",
                700025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            ));
        }
        if is_user_grant(grant_type) {
            return Ok(());
        }
        return Err(invalid_client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    }
    match (secret, assertion) {
        (Some(_), Some(_)) => Err(server.entra_error(
            req,
            400,
            "invalid_request",
            90023,
            "The request contains both a client secret and a client assertion; send only one.",
        )),
        (Some(secret), None) => {
            if secrets.contains(&secret) {
                Ok(())
            } else {
                Err(invalid_client(
                    7000215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                ))
            }
        }
        (None, Some(assertion)) => {
            if req.form("client_assertion_type") != Some(JWT_BEARER_ASSERTION_TYPE) {
                return Err(server.entra_error(
                    req,
                    400,
                    "invalid_request",
                    90014,
                    "The request body must contain a valid 'client_assertion_type' (urn:ietf:params:oauth:client-assertion-type:jwt-bearer).",
                ));
            }
            if let Some(expected) = &federated
                && assertion == expected
            {
                return Ok(());
            }
            if certificates.is_empty() {
                return Err(invalid_client(
                    700213,
                    &format!(
                        "No matching federated identity record found for presented assertion subject. Check your federated identity credential configuration for app '{client_id}'."
                    ),
                ));
            }
            verify_assertion(server, assertion, client_id, endpoint, &certificates)
                .map_err(|(code, msg)| invalid_client(code, &msg))
        }
        (None, None) => Err(invalid_client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )),
    }
}

/// Grants that sign a user in, which public clients may use.
pub(super) fn is_user_grant(grant_type: &str) -> bool {
    matches!(
        grant_type,
        "authorization_code" | "refresh_token" | "password" | DEVICE_CODE_GRANT
    )
}

//! `grant_type=password` (RFC 6749 §4.3, legacy): the user's name and password.

use super::{issue_user_tokens, split_scopes, user_in_tenant};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::server::Server;
use crate::support::idp::token_endpoint::TokenContext;

/// `grant_type=password` (RFC 6749 §4.3, legacy).
pub(in crate::support::idp) fn password_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    let (Some(username), Some(password)) = (req.form("username"), req.form("password")) else {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameters: 'username' and 'password'.",
        );
    };
    let user = server.state().users.user_by_name(username).cloned();
    let Some(user) = user.filter(|u| user_in_tenant(&ctx.tenant_id, u)) else {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50034,
            &format!("The user account {username} does not exist in the directory."),
        );
    };
    if user.password != password {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        );
    }
    let scopes = split_scopes(req.form("scope").unwrap_or("openid profile offline_access"));
    issue_user_tokens(server, req, ctx, &user, &scopes, None)
}

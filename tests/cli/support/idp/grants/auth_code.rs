//! The authorization code flow: `GET /{t}/oauth2/v2.0/authorize` validates the client, a loopback
//! `redirect_uri`, PKCE S256, `state`, `nonce` and `openid`, signs in the user named by
//! `login_hint` (else the default user) or denies when told to, and answers with a 302 or a
//! form_post page; `grant_type=authorization_code` redeems a single-use code bound to client,
//! redirect URI, PKCE challenge, scopes, nonce and user.

use std::time::Instant;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{
    client_info_value, has_scope, issue_user_tokens, random_b64, split_scopes, user_in_tenant,
};
use crate::support::idp::errors::{Refusal, answer, refuse};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::routes::Params;
use crate::support::idp::server::Server;
use crate::support::idp::state::{AuthorizeOutcome, CodeGrant, TestUser};
use crate::support::idp::token_endpoint::TokenContext;

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub(in crate::support::idp) fn authorize(
    server: &Server,
    req: &RecordedRequest,
    p: &Params,
) -> Response {
    let t = p.get("tenant");
    let Some(tenant) = server.state().resolve_tenant(t) else {
        return error_page(
            90002,
            &format!("Tenant '{t}' not found. Check to make sure you have the correct tenant ID."),
        );
    };
    let q = |name: &str| req.query(name).filter(|v| !v.is_empty());
    let Some(client_id) = q("client_id") else {
        return error_page(
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !server.state().clients.contains_key(client_id) {
        return error_page(
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
            ),
        );
    }
    let Some(redirect_uri) = q("redirect_uri") else {
        return error_page(
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        );
    };
    if !is_loopback_redirect(redirect_uri) {
        return error_page(
            50011,
            &format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
            ),
        );
    }
    let mode = match q("response_mode") {
        None | Some("query") => ResponseMode::Query,
        Some("form_post") => ResponseMode::FormPost,
        Some(other) => {
            return error_page(
                70007,
                &format!("The application requested an unsupported response mode '{other}'."),
            );
        }
    };
    let state_param = q("state");
    let fail = |error: &str, code: u32, message: &str| {
        let description = format!("AADSTS{code}: {message}");
        let mut params = vec![
            ("error", error),
            ("error_description", description.as_str()),
        ];
        if let Some(state) = state_param {
            params.push(("state", state));
        }
        deliver(redirect_uri, mode, &params)
    };

    if q("response_type") != Some("code") {
        return fail(
            "unsupported_response_type",
            70005,
            "The application requested an unsupported response type: only 'code' is allowed here.",
        );
    }
    let scopes = split_scopes(q("scope").unwrap_or(""));
    if !has_scope(&scopes, "openid") {
        return fail(
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' is not valid: sign-in needs 'openid'.",
        );
    }
    let Some(challenge) = q("code_challenge") else {
        return fail(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required: the request has no 'code_challenge'.",
        );
    };
    if q("code_challenge_method") != Some("S256") {
        return fail(
            "invalid_request",
            9002326,
            "The 'code_challenge_method' must be 'S256'.",
        );
    }
    if challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).is_err() {
        return fail(
            "invalid_request",
            9002327,
            "The 'code_challenge' is not the base64url SHA-256 of a code verifier.",
        );
    }
    if state_param.is_none() {
        return fail(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'state'.",
        );
    }
    let Some(nonce) = q("nonce") else {
        return fail(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'nonce'.",
        );
    };

    let mut state = server.state();
    if let AuthorizeOutcome::Deny { error, description } = state.users.authorize_outcome.clone() {
        drop(state);
        let mut params = vec![
            ("error", error.as_str()),
            ("error_description", description.as_str()),
        ];
        if let Some(s) = state_param {
            params.push(("state", s));
        }
        return deliver(redirect_uri, mode, &params);
    }
    let user = match q("login_hint") {
        Some(hint) => state.users.user_by_name(hint).cloned().ok_or_else(|| {
            (
                "invalid_request",
                50034,
                format!("The user account {hint} does not exist in the directory."),
            )
        }),
        None => state
            .users
            .default_user
            .clone()
            .and_then(|name| state.users.user_by_name(&name).cloned())
            .or_else(|| state.users.users.first().cloned())
            .ok_or_else(|| {
                (
                    "login_required",
                    50058,
                    "No user is signed in and none could be chosen.".to_owned(),
                )
            }),
    };
    let user = match user {
        Ok(user) if !user_in_tenant(&tenant, &user) => Err((
            "invalid_request",
            50020,
            format!(
                "User account '{}' from identity provider does not exist in tenant '{tenant}'.",
                user.username
            ),
        )),
        other => other,
    };
    let user = match user {
        Ok(user) => user,
        Err((error, code, message)) => {
            drop(state);
            return fail(error, code, &message);
        }
    };
    let code = format!("0.A{}", random_b64(96));
    state.users.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            challenge: challenge.to_owned(),
            scopes,
            nonce: Some(nonce.to_owned()),
            user_oid: user.oid.clone(),
            issued: Instant::now(),
            redeemed: false,
        },
    );
    drop(state);
    let client_info = client_info_value(&user);
    let session_state = uuid::Uuid::new_v4().to_string();
    let mut params = vec![("code", code.as_str())];
    if q("client_info") == Some("1") {
        params.push(("client_info", client_info.as_str()));
    }
    if let Some(s) = state_param {
        params.push(("state", s));
    }
    params.push(("session_state", session_state.as_str()));
    deliver(redirect_uri, mode, &params)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResponseMode {
    Query,
    FormPost,
}

/// A loopback redirect URI as RFC 8252 §7.3 allows it for native apps: `http`, host
/// `localhost` or `127.0.0.1`, any port, path `/` (or empty), no query or fragment.
fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    url.scheme() == "http"
        && matches!(url.host_str(), Some("localhost" | "127.0.0.1"))
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
}

/// Entra's error page for a request it cannot send back (unknown client, bad redirect URI).
fn error_page(code: u32, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>Sign in to your account</title></head><body>\
         <h1>Sorry, but we're having trouble signing you in.</h1>\
         <p id=\"error\">AADSTS{code}: {}</p></body></html>\n",
        html_escape(message)
    );
    Response::with_body(400, "text/html; charset=utf-8", body)
}

/// Sends the authorize result to the redirect URI: a 302 with a query, or Entra's
/// self-submitting form_post page.
fn deliver(redirect_uri: &str, mode: ResponseMode, params: &[(&str, &str)]) -> Response {
    match mode {
        ResponseMode::Query => {
            let mut url = url::Url::parse(redirect_uri).expect("validated redirect URI");
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in params {
                    query.append_pair(k, v);
                }
            }
            Response::with_body(302, "text/html; charset=utf-8", Vec::new())
                .header("Location", url.as_str())
                .header("Cache-Control", "no-store, no-cache")
        }
        ResponseMode::FormPost => {
            let inputs: String = params
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\" />",
                        html_escape(k),
                        html_escape(v)
                    )
                })
                .collect();
            let body = format!(
                "<html><head><title>Working...</title></head><body>\
                 <form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}\
                 <noscript><p>Script is disabled. Click Submit to continue.</p>\
                 <input type=\"submit\" value=\"Submit\" /></noscript></form>\
                 <script language=\"javascript\">document.forms[0].submit();</script>\
                 </body></html>",
                html_escape(redirect_uri)
            );
            Response::with_body(200, "text/html; charset=utf-8", body)
                .header("Cache-Control", "no-store, no-cache")
        }
    }
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `grant_type=authorization_code` (RFC 6749 §4.1.3 + RFC 7636 §4.6).
pub(in crate::support::idp) fn authorization_code_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    let redeemed = redeem_code(server, req, ctx);
    match redeemed {
        Ok((user, scopes, nonce)) => issue_user_tokens(server, req, ctx, &user, &scopes, nonce),
        Err(refusal) => answer(server, req, refusal),
    }
}

fn redeem_code(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Result<(TestUser, Vec<String>, Option<String>), Refusal> {
    let missing = |name: &str| {
        refuse(
            400,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let code = req.form("code").ok_or_else(|| missing("code"))?;
    let redirect_uri = req
        .form("redirect_uri")
        .ok_or_else(|| missing("redirect_uri"))?;
    let mut state = server.state();
    let lifetime = state.users.code_lifetime;
    let grant = state.users.codes.get_mut(code).ok_or_else(|| {
        refuse(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid: the authorization code is not one this server issued.",
        )
    })?;
    if grant.redeemed {
        return Err(refuse(
            400,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if grant.issued.elapsed() >= lifetime {
        return Err(refuse(
            400,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    if grant.client_id != ctx.client_id {
        return Err(refuse(
            400,
            "invalid_grant",
            70000,
            "The provided grant is invalid: the authorization code was issued to another application.",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(refuse(
            400,
            "invalid_grant",
            500112,
            format!(
                "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                grant.redirect_uri
            ),
        ));
    }
    let verifier = req.form("code_verifier").unwrap_or("");
    let computed = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    if verifier.len() < 43 || verifier.len() > 128 || computed != grant.challenge {
        return Err(refuse(
            400,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ));
    }
    grant.redeemed = true;
    let scopes = req
        .form("scope")
        .map(split_scopes)
        .unwrap_or_else(|| grant.scopes.clone());
    let nonce = grant.nonce.clone();
    let oid = grant.user_oid.clone();
    let user = state
        .users
        .user_by_oid(&oid)
        .cloned()
        .expect("the code's user exists");
    Ok((user, scopes, nonce))
}

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
use crate::support::idp::errors::{Refusal, answer, missing_parameter, refuse};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::routes::Params;
use crate::support::idp::server::Server;
use crate::support::idp::state::{AuthorizeOutcome, CodeGrant, TestUser, UserState};
use crate::support::idp::token_endpoint::TokenContext;

/// `GET /{tenant}/oauth2/v2.0/authorize`. Entra answers a request it cannot trust with a
/// redirect (unknown tenant or client, a redirect URI not registered, an unknown response mode)
/// with an error page; every later refusal, and the code, go to the redirect URI with `state`.
pub(in crate::support::idp) fn authorize(
    server: &Server,
    req: &RecordedRequest,
    p: &Params,
) -> Response {
    let redirect = match Redirect::checked(server, req, p.get("tenant")) {
        Ok(redirect) => redirect,
        Err(error_page) => return error_page,
    };
    let request = match CodeRequest::checked(req) {
        Ok(request) => request,
        Err(refusal) => return redirect.refuse(refusal),
    };
    let mut state = server.state();
    if let AuthorizeOutcome::Deny { error, description } = state.users.authorize_outcome.clone() {
        drop(state);
        let mut params = vec![
            ("error", error.as_str()),
            ("error_description", description.as_str()),
        ];
        redirect.add_state(&mut params);
        return redirect.deliver(&params);
    }
    let user = match who_signs_in(&state.users, query(req, "login_hint"), &redirect.tenant) {
        Ok(user) => user,
        Err(refusal) => {
            drop(state);
            return redirect.refuse(refusal);
        }
    };
    let code = format!("0.A{}", random_b64(96));
    state.users.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: redirect.client_id.to_owned(),
            redirect_uri: redirect.uri.to_owned(),
            challenge: request.challenge.to_owned(),
            scopes: request.scopes,
            nonce: Some(request.nonce.to_owned()),
            user_oid: user.oid.clone(),
            issued: Instant::now(),
            redeemed: false,
        },
    );
    drop(state);
    let client_info = client_info_value(&user);
    let session_state = uuid::Uuid::new_v4().to_string();
    let mut params = vec![("code", code.as_str())];
    if query(req, "client_info") == Some("1") {
        params.push(("client_info", client_info.as_str()));
    }
    redirect.add_state(&mut params);
    params.push(("session_state", session_state.as_str()));
    redirect.deliver(&params)
}

/// A query parameter of the authorize request; empty counts as absent.
fn query<'a>(req: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    req.query(name).filter(|v| !v.is_empty())
}

/// A refusal sent to the redirect URI: (OAuth `error`, AADSTS code, message).
type Denial = (&'static str, u32, String);

fn deny(error: &'static str, code: u32, message: impl Into<String>) -> Denial {
    (error, code, message.into())
}

/// Where and how the authorize answer goes, once Entra would trust the redirect URI.
struct Redirect<'a> {
    tenant: String,
    client_id: &'a str,
    uri: &'a str,
    mode: ResponseMode,
    state: Option<&'a str>,
}

impl<'a> Redirect<'a> {
    /// The tenant, a registered client, a loopback redirect URI and a known response mode; else
    /// Entra's error page.
    fn checked(server: &Server, req: &'a RecordedRequest, t: &str) -> Result<Self, Response> {
        let Some(tenant) = server.state().resolve_tenant(t) else {
            return Err(error_page(
                90002,
                &format!(
                    "Tenant '{t}' not found. Check to make sure you have the correct tenant ID."
                ),
            ));
        };
        let Some(client_id) = query(req, "client_id") else {
            return Err(error_page(
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            ));
        };
        if !server.state().clients.contains_key(client_id) {
            return Err(error_page(
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
                ),
            ));
        }
        let Some(uri) = query(req, "redirect_uri") else {
            return Err(error_page(
                900144,
                "The request body must contain the following parameter: 'redirect_uri'.",
            ));
        };
        if !is_loopback_redirect(uri) {
            return Err(error_page(
                50011,
                &format!(
                    "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
                ),
            ));
        }
        let mode = match query(req, "response_mode") {
            None | Some("query") => ResponseMode::Query,
            Some("form_post") => ResponseMode::FormPost,
            Some(other) => {
                return Err(error_page(
                    70007,
                    &format!("The application requested an unsupported response mode '{other}'."),
                ));
            }
        };
        Ok(Self {
            tenant,
            client_id,
            uri,
            mode,
            state: query(req, "state"),
        })
    }

    /// The request's `state`, which every answer carries back.
    fn add_state<'b>(&self, params: &mut Vec<(&'b str, &'b str)>)
    where
        'a: 'b,
    {
        if let Some(state) = self.state {
            params.push(("state", state));
        }
    }

    /// An OAuth error, its description starting `AADSTS<code>:` as Entra's do.
    fn refuse(&self, (error, code, message): Denial) -> Response {
        let description = format!("AADSTS{code}: {message}");
        let mut params = vec![
            ("error", error),
            ("error_description", description.as_str()),
        ];
        self.add_state(&mut params);
        self.deliver(&params)
    }

    fn deliver(&self, params: &[(&str, &str)]) -> Response {
        deliver(self.uri, self.mode, params)
    }
}

/// What a valid code request asks for: `response_type=code`, scopes with `openid`, a PKCE S256
/// challenge, `state` and `nonce`.
struct CodeRequest<'a> {
    scopes: Vec<String>,
    challenge: &'a str,
    nonce: &'a str,
}

impl<'a> CodeRequest<'a> {
    fn checked(req: &'a RecordedRequest) -> Result<Self, Denial> {
        if query(req, "response_type") != Some("code") {
            return Err(deny(
                "unsupported_response_type",
                70005,
                "The application requested an unsupported response type: only 'code' is allowed here.",
            ));
        }
        let scopes = split_scopes(query(req, "scope").unwrap_or(""));
        if !has_scope(&scopes, "openid") {
            return Err(deny(
                "invalid_scope",
                70011,
                "The provided value for the input parameter 'scope' is not valid: sign-in needs 'openid'.",
            ));
        }
        let Some(challenge) = query(req, "code_challenge") else {
            return Err(deny(
                "invalid_request",
                9002325,
                "Proof Key for Code Exchange is required: the request has no 'code_challenge'.",
            ));
        };
        if query(req, "code_challenge_method") != Some("S256") {
            return Err(deny(
                "invalid_request",
                9002326,
                "The 'code_challenge_method' must be 'S256'.",
            ));
        }
        if challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).is_err() {
            return Err(deny(
                "invalid_request",
                9002327,
                "The 'code_challenge' is not the base64url SHA-256 of a code verifier.",
            ));
        }
        if query(req, "state").is_none() {
            return Err(deny(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'state'.",
            ));
        }
        let Some(nonce) = query(req, "nonce") else {
            return Err(deny(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'nonce'.",
            ));
        };
        Ok(Self {
            scopes,
            challenge,
            nonce,
        })
    }
}

/// The user named by `login_hint`, else the default user (else the first user added), who must
/// belong to the tenant in the URL.
fn who_signs_in(users: &UserState, hint: Option<&str>, tenant: &str) -> Result<TestUser, Denial> {
    let user = match hint {
        Some(hint) => users.user_by_name(hint).cloned().ok_or_else(|| {
            deny(
                "invalid_request",
                50034,
                format!("The user account {hint} does not exist in the directory."),
            )
        })?,
        None => users
            .default_user
            .as_deref()
            .and_then(|name| users.user_by_name(name).cloned())
            .or_else(|| users.users.first().cloned())
            .ok_or_else(|| {
                deny(
                    "login_required",
                    50058,
                    "No user is signed in and none could be chosen.",
                )
            })?,
    };
    if !user_in_tenant(tenant, &user) {
        return Err(deny(
            "invalid_request",
            50020,
            format!(
                "User account '{}' from identity provider does not exist in tenant '{tenant}'.",
                user.username
            ),
        ));
    }
    Ok(user)
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
    let code = req.form("code").ok_or_else(|| missing_parameter("code"))?;
    let redirect_uri = req
        .form("redirect_uri")
        .ok_or_else(|| missing_parameter("redirect_uri"))?;
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

//! The user sign-in flows of the test identity provider, shaped and strict like Entra ID:
//!
//! - `GET /{t}/oauth2/v2.0/authorize`: validates the client, a loopback `redirect_uri`, PKCE
//!   S256, `state`, `nonce` and `openid`; auto-approves as the user named by `login_hint` (else
//!   the default user), or denies when told to; answers with a form_post page or a 302.
//! - `POST /{t}/oauth2/v2.0/devicecode`: a device authorization (RFC 8628) with Entra's fields.
//! - grants `authorization_code` (single-use code bound to client, redirect URI, PKCE
//!   challenge, scopes, nonce and user), `refresh_token` (rotation: a used refresh token is
//!   spent), device code polling (pending, slow_down, declined, expired), and `password`.
//!
//! Every user token response carries an access token, a refresh token (with `offline_access`),
//! an RS256 ID token signed with a key the keys endpoint serves (with `openid`), `client_info`
//! (when asked for), the granted scopes without `offline_access`, and the lifetimes.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{
    CONTOSO_TENANT_ID, Client, IssuedToken, Params, RecordedRequest, Response, Server, TestIdp,
    TokenContext, WELL_KNOWN_TENANTS, invalid_tenant, make_jwt, now_secs,
};

/// `grant_type` of device code polling (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// `kid` of the ID token signing key.
const SIGNING_KID: &str = "msal-test-idp-signing-key";
/// Lifetime of authorization codes (Entra: a few minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(300);
/// Lifetime of ID tokens.
const ID_TOKEN_LIFETIME: u64 = 3600;
/// How much earlier than the interval a device code poll may arrive before it is "too fast"
/// (clock granularity only: a client that sleeps the interval after each answer is never early).
const POLL_TOLERANCE: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// A user who can sign in.
#[derive(Clone)]
pub struct TestUser {
    /// Sign-in name (`preferred_username`).
    pub username: String,
    /// Password for the password grant.
    pub password: String,
    /// Object id (the `uid` of `client_info`).
    pub oid: String,
    /// Home tenant GUID (the `utid` of `client_info`).
    pub tid: String,
    /// Display name.
    pub name: String,
}

impl TestUser {
    /// MSAL's home account id: `{oid}.{tid}`.
    pub fn home_account_id(&self) -> String {
        format!("{}.{}", self.oid, self.tid)
    }
}

impl std::fmt::Debug for TestUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestUser")
            .field("username", &self.username)
            .field("oid", &self.oid)
            .field("tid", &self.tid)
            .finish_non_exhaustive()
    }
}

/// What the authorize endpoint does with a valid request.
#[derive(Clone, Debug, Default)]
pub enum AuthorizeOutcome {
    /// Sign the user in and send a code.
    #[default]
    Approve,
    /// Send this error (with the request's `state`) to the redirect URI.
    Deny {
        /// OAuth `error`.
        error: String,
        /// `error_description`.
        description: String,
    },
}

impl AuthorizeOutcome {
    /// The user declined consent, as Entra reports it.
    pub fn declined() -> Self {
        Self::Deny {
            error: "access_denied".into(),
            description: "AADSTS65004: User declined to consent to access the app.".into(),
        }
    }
}

/// What happens to device codes as they are polled.
#[derive(Clone, Debug, Default)]
pub enum DevicePlan {
    /// Pending until the test calls [`TestIdp::approve_device_code`] (or the code expires).
    #[default]
    Manual,
    /// The user approves as `username` just before poll number `polls` (1-based) is answered.
    ApproveAfter {
        /// Poll number that gets the tokens.
        polls: u32,
        /// Who signs in.
        username: String,
    },
    /// The user declines: poll number `polls` gets `authorization_declined`.
    DeclineAfter {
        /// Poll number that gets the refusal.
        polls: u32,
    },
    /// The code expires: poll number `polls` gets `expired_token`.
    ExpireAfter {
        /// Poll number that gets `expired_token`.
        polls: u32,
    },
    /// Pending forever, even past `expires_in` (to see whether the client stops by itself).
    PendingForever,
}

/// A defect to put into issued ID tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdTokenFault {
    /// A `nonce` that is not the one the authorize request sent.
    WrongNonce,
    /// An `aud` that is another client.
    WrongAudience,
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResponseMode {
    Query,
    FormPost,
}

struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scopes: Vec<String>,
    nonce: Option<String>,
    user_oid: String,
    issued: Instant,
    redeemed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RtStatus {
    Active,
    /// Used once: its successor replaced it.
    Rotated,
    Revoked,
}

struct RtGrant {
    client_id: String,
    user_oid: String,
    scopes: Vec<String>,
    status: RtStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
    Expired,
    Redeemed,
}

struct DeviceGrant {
    device_code: String,
    user_code: String,
    client_id: String,
    scopes: Vec<String>,
    expires_at: Instant,
    interval: Duration,
    /// When the code was issued or last polled.
    last_seen: Instant,
    polls: u32,
    status: DeviceStatus,
}

/// The user-flow part of the IdP state.
pub(super) struct UserState {
    users: Vec<TestUser>,
    default_user: Option<String>,
    authorize_outcome: AuthorizeOutcome,
    codes: HashMap<String, CodeGrant>,
    code_lifetime: Duration,
    refresh_tokens: HashMap<String, RtGrant>,
    device_codes: Vec<DeviceGrant>,
    device_interval: u64,
    device_expires_in: u64,
    device_plan: DevicePlan,
    forced_slow_down_poll: Option<u32>,
    claims_challenge: Option<String>,
    id_token_fault: Option<IdTokenFault>,
    anonymous_grants: Vec<String>,
}

impl Default for UserState {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            default_user: None,
            authorize_outcome: AuthorizeOutcome::Approve,
            codes: HashMap::new(),
            code_lifetime: CODE_LIFETIME,
            refresh_tokens: HashMap::new(),
            device_codes: Vec::new(),
            device_interval: 5,
            device_expires_in: 900,
            device_plan: DevicePlan::Manual,
            forced_slow_down_poll: None,
            claims_challenge: None,
            id_token_fault: None,
            anonymous_grants: Vec::new(),
        }
    }
}

impl UserState {
    fn user_by_name(&self, username: &str) -> Option<&TestUser> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    fn user_by_oid(&self, oid: &str) -> Option<&TestUser> {
        self.users.iter().find(|u| u.oid == oid)
    }
}

/// An OAuth error to answer with: (HTTP status, `error`, AADSTS code, message).
type Refusal = (u16, &'static str, u32, String);

fn refuse(status: u16, error: &'static str, code: u32, msg: impl Into<String>) -> Refusal {
    (status, error, code, msg.into())
}

fn answer(server: &Server, req: &RecordedRequest, refusal: Refusal) -> Response {
    let (status, error, code, msg) = refusal;
    server.entra_error(req, status, error, code, &msg)
}

// ---------------------------------------------------------------------------------------------
// TestIdp API
// ---------------------------------------------------------------------------------------------

impl TestIdp {
    /// A public client (native app): no credential; user grants only.
    pub fn register_public_client(&self, client_id: &str) {
        self.server.state().clients.insert(
            client_id.to_owned(),
            Client {
                public: true,
                ..Client::default()
            },
        );
    }

    /// A user of the `contoso.example` tenant.
    pub fn add_user(&self, username: &str, password: &str) -> TestUser {
        self.add_user_in(CONTOSO_TENANT_ID, username, password)
    }

    /// A user whose home tenant is `tenant` (a registered domain or GUID).
    pub fn add_user_in(&self, tenant: &str, username: &str, password: &str) -> TestUser {
        let mut state = self.server.state();
        let tid = state
            .resolve_tenant(tenant)
            .filter(|t| !WELL_KNOWN_TENANTS.contains(&t.as_str()))
            .unwrap_or_else(|| panic!("add_user_in: unknown tenant {tenant}"));
        let local = username.split('@').next().unwrap_or(username);
        let user = TestUser {
            username: username.to_owned(),
            password: password.to_owned(),
            oid: uuid::Uuid::new_v4().to_string(),
            tid,
            name: format!("Test User {local}"),
        };
        state.users.users.push(user.clone());
        user
    }

    /// Who signs in at the authorize endpoint when the request has no `login_hint` (default: the
    /// first user added).
    pub fn set_default_user(&self, username: &str) {
        self.server.state().users.default_user = Some(username.to_owned());
    }

    /// Approve or deny authorize requests from now on.
    pub fn set_authorize_outcome(&self, outcome: AuthorizeOutcome) {
        self.server.state().users.authorize_outcome = outcome;
    }

    /// How long authorization codes stay redeemable (default 5 minutes).
    pub fn set_code_lifetime(&self, lifetime: Duration) {
        self.server.state().users.code_lifetime = lifetime;
    }

    /// Put this defect into ID tokens issued from now on (`None`: correct tokens).
    pub fn set_id_token_fault(&self, fault: Option<IdTokenFault>) {
        self.server.state().users.id_token_fault = fault;
    }

    /// Answers to these grant types (`refresh_token`, the jwt-bearer on-behalf-of grant) carry
    /// neither an ID token nor `client_info` from now on, as several certified OpenID providers
    /// answer refreshes (OpenID Connect Core §12.2 allows it): nothing in them names the user.
    pub fn set_anonymous_answers(&self, grant_types: &[&str]) {
        self.server.state().users.anonymous_grants =
            grant_types.iter().map(|g| (*g).to_owned()).collect();
    }

    /// While set, every refresh token grant is answered with `interaction_required`, suberror
    /// `basic_action` and this claims challenge (Conditional Access asking for MFA).
    pub fn set_claims_challenge(&self, claims: Option<&str>) {
        self.server.state().users.claims_challenge = claims.map(str::to_owned);
    }

    /// Revoke every refresh token of `username` (a password reset, an admin's revocation).
    /// Returns how many were still usable.
    pub fn revoke_refresh_tokens(&self, username: &str) -> usize {
        let mut state = self.server.state();
        let Some(oid) = state.users.user_by_name(username).map(|u| u.oid.clone()) else {
            panic!("revoke_refresh_tokens: no user {username}");
        };
        let mut revoked = 0;
        for rt in state.users.refresh_tokens.values_mut() {
            if rt.user_oid == oid && rt.status == RtStatus::Active {
                rt.status = RtStatus::Revoked;
                revoked += 1;
            }
        }
        revoked
    }

    /// Whether this refresh token would still be accepted.
    pub fn refresh_token_is_active(&self, refresh_token: &str) -> bool {
        self.server
            .state()
            .users
            .refresh_tokens
            .get(refresh_token)
            .is_some_and(|rt| rt.status == RtStatus::Active)
    }

    /// Refresh tokens issued so far, oldest first.
    pub fn issued_refresh_tokens(&self) -> Vec<String> {
        self.server
            .state()
            .issued
            .iter()
            .filter_map(|t| t.refresh_token.clone())
            .collect()
    }

    /// `interval` and `expires_in` of device codes issued from now on (default 5 and 900).
    pub fn set_device_code_timing(&self, interval: u64, expires_in: u64) {
        let mut state = self.server.state();
        state.users.device_interval = interval;
        state.users.device_expires_in = expires_in;
    }

    /// What happens to device codes as they are polled.
    pub fn set_device_plan(&self, plan: DevicePlan) {
        self.server.state().users.device_plan = plan;
    }

    /// Answer poll number `poll` (1-based) of each device code with `slow_down`, however
    /// politely it came (a busy server), and raise that code's interval by 5 s (RFC 8628 §3.5).
    pub fn force_slow_down_on_poll(&self, poll: u32) {
        self.server.state().users.forced_slow_down_poll = Some(poll);
    }

    /// The user approves the newest pending device code as `username`; false if none is pending.
    pub fn approve_device_code(&self, username: &str) -> bool {
        let mut state = self.server.state();
        let Some(oid) = state.users.user_by_name(username).map(|u| u.oid.clone()) else {
            panic!("approve_device_code: no user {username}");
        };
        match state
            .users
            .device_codes
            .iter_mut()
            .rev()
            .find(|d| d.status == DeviceStatus::Pending)
        {
            Some(grant) => {
                grant.status = DeviceStatus::Approved(oid);
                true
            }
            None => false,
        }
    }

    /// The user codes of the device codes issued so far, oldest first.
    pub fn device_user_codes(&self) -> Vec<String> {
        self.server
            .state()
            .users
            .device_codes
            .iter()
            .map(|d| d.user_code.clone())
            .collect()
    }

    /// How many times the newest device code was polled.
    pub fn device_code_polls(&self) -> u32 {
        self.server
            .state()
            .users
            .device_codes
            .last()
            .map_or(0, |d| d.polls)
    }
}

// ---------------------------------------------------------------------------------------------
// Signing key and JWKS
// ---------------------------------------------------------------------------------------------

/// The ID token signing key, one per test process (RSA key generation is slow in debug builds).
fn signing_key() -> &'static RsaKeyPair {
    static KEY: OnceLock<RsaKeyPair> = OnceLock::new();
    KEY.get_or_init(|| RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA signing key"))
}

/// The signing key as a JWK, as Entra's keys endpoint lists it.
pub(super) fn signing_jwk() -> Value {
    let (n, e) = rsa_public_components(signing_key().public_key().as_ref())
        .expect("the RSAPublicKey DER of the signing key");
    json!({
        "kty": "RSA",
        "use": "sig",
        "kid": SIGNING_KID,
        "n": URL_SAFE_NO_PAD.encode(n),
        "e": URL_SAFE_NO_PAD.encode(e),
    })
}

/// (modulus, exponent) of a DER `RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }`, without
/// the sign bytes.
fn rsa_public_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    fn tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = input.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| (&rest[..len], &rest[len..]))
    }
    let (seq, _) = tlv(der, 0x30)?;
    let (n, rest) = tlv(seq, 0x02)?;
    let (e, _) = tlv(rest, 0x02)?;
    let strip = |v: &[u8]| {
        let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
        v[start..].to_vec()
    };
    Some((strip(n), strip(e)))
}

fn sign_rs256(claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": SIGNING_KID});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = signing_key();
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("RS256 signature");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `n` random bytes, base64url.
fn random_b64(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut bytes).expect("random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An Entra-style user code: 9 characters without look-alikes.
fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 9];
    aws_lc_rs::rand::fill(&mut bytes).expect("random bytes");
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

fn split_scopes(scope: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.split_whitespace() {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_owned());
        }
    }
    out
}

fn has_scope(scopes: &[String], wanted: &str) -> bool {
    scopes.iter().any(|s| s.eq_ignore_ascii_case(wanted))
}

/// The resource (audience) of the first resource scope, e.g. `https://graph.microsoft.com` for
/// `https://graph.microsoft.com/User.Read`; Microsoft Graph when only OIDC scopes are asked.
fn resource_of(scopes: &[String]) -> (String, Vec<String>) {
    let oidc = ["openid", "profile", "offline_access", "email"];
    let resource_scopes: Vec<&String> = scopes
        .iter()
        .filter(|s| !oidc.iter().any(|o| o.eq_ignore_ascii_case(s)))
        .collect();
    match resource_scopes.first() {
        Some(first) => {
            let resource = first
                .rsplit_once('/')
                .map(|(r, _)| r.to_owned())
                .unwrap_or_else(|| "00000003-0000-0000-c000-000000000000".to_owned());
            let short = resource_scopes
                .iter()
                .map(|s| s.rsplit('/').next().unwrap_or(s).to_owned())
                .collect();
            (resource, short)
        }
        None => (
            "00000003-0000-0000-c000-000000000000".to_owned(),
            vec!["User.Read".to_owned()],
        ),
    }
}

/// Whether `user` may sign in through the tenant in the URL.
fn user_in_tenant(tenant: &str, user: &TestUser) -> bool {
    WELL_KNOWN_TENANTS.contains(&tenant) || tenant.eq_ignore_ascii_case(&user.tid)
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

// ---------------------------------------------------------------------------------------------
// Authorize endpoint
// ---------------------------------------------------------------------------------------------

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub(super) fn authorize(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
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

fn client_info_value(user: &TestUser) -> String {
    URL_SAFE_NO_PAD.encode(json!({"uid": user.oid, "utid": user.tid}).to_string())
}

// ---------------------------------------------------------------------------------------------
// Device authorization endpoint
// ---------------------------------------------------------------------------------------------

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(super) fn device_authorization(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
    let t = p.get("tenant");
    let tenant = server.state().resolve_tenant(t);
    if tenant.is_none() {
        return invalid_tenant(server, req, t);
    }
    let Some(client_id) = req.form("client_id") else {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let public = server.state().clients.get(client_id).map(|c| c.public);
    match public {
        None => {
            return server.entra_error(
                req,
                400,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory."
                ),
            );
        }
        Some(false) => {
            return server.entra_error(
                req,
                400,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        Some(true) => {}
    }
    if req.form("client_secret").is_some() || req.form("client_assertion").is_some() {
        return server.entra_error(
            req,
            401,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        );
    }
    let scopes = split_scopes(req.form("scope").unwrap_or(""));
    if scopes.is_empty() {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    let device_code = format!("DAQABAAEAAAB{}", random_b64(96));
    let code = user_code();
    let verification_uri = format!("{}/devicelogin", server.base_url());
    let mut state = server.state();
    let interval = state.users.device_interval;
    let expires_in = state.users.device_expires_in;
    let now = Instant::now();
    state.users.device_codes.push(DeviceGrant {
        device_code: device_code.clone(),
        user_code: code.clone(),
        client_id: client_id.to_owned(),
        scopes,
        // A test may announce an absurd lifetime (to see whether msal copes); the IdP itself
        // then lets the code live for a century.
        expires_at: now
            .checked_add(Duration::from_secs(expires_in))
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600)),
        interval: Duration::from_secs(interval),
        last_seen: now,
        polls: 0,
        status: DeviceStatus::Pending,
    });
    drop(state);
    Response::json(
        200,
        &json!({
            "user_code": code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": expires_in,
            "interval": interval,
            "message": format!(
                "To sign in, use a web browser to open the page {verification_uri} and enter the code {code} to authenticate."
            ),
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// Grants
// ---------------------------------------------------------------------------------------------

/// `grant_type=authorization_code` (RFC 6749 §4.1.3 + RFC 7636 §4.6).
pub(super) fn authorization_code_grant(
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

/// `grant_type=refresh_token` (RFC 6749 §6), with rotation: the token used is spent.
pub(super) fn refresh_token_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    let claims_challenge = server.state().users.claims_challenge.clone();
    if let Some(claims) = claims_challenge {
        let mut resp = server.entra_error(
            req,
            400,
            "interaction_required",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
        );
        let mut body: Value = serde_json::from_slice(&resp.body).expect("our own JSON");
        body["suberror"] = json!("basic_action");
        body["claims"] = json!(claims);
        resp.body = body.to_string().into_bytes();
        return resp;
    }
    let redeemed = redeem_refresh_token(server, req, ctx);
    match redeemed {
        Ok((user, scopes)) => issue_user_tokens(server, req, ctx, &user, &scopes, None),
        Err(refusal) => answer(server, req, refusal),
    }
}

fn redeem_refresh_token(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Result<(TestUser, Vec<String>), Refusal> {
    let token = req.form("refresh_token").ok_or_else(|| {
        refuse(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'refresh_token'.",
        )
    })?;
    let mut state = server.state();
    let rt = state.users.refresh_tokens.get_mut(token).ok_or_else(|| {
        refuse(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid: the refresh token is not one this server issued.",
        )
    })?;
    match rt.status {
        RtStatus::Active => {}
        RtStatus::Rotated => {
            return Err(refuse(
                400,
                "invalid_grant",
                70000,
                "The provided grant is invalid: this refresh token was already redeemed and replaced by a new one (refresh tokens rotate).",
            ));
        }
        RtStatus::Revoked => {
            return Err(refuse(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            ));
        }
    }
    if rt.client_id != ctx.client_id {
        return Err(refuse(
            400,
            "invalid_grant",
            70000,
            "The provided grant is invalid: the refresh token was issued to another application.",
        ));
    }
    rt.status = RtStatus::Rotated;
    let scopes = req
        .form("scope")
        .map(split_scopes)
        .unwrap_or_else(|| rt.scopes.clone());
    let oid = rt.user_oid.clone();
    let user = state
        .users
        .user_by_oid(&oid)
        .cloned()
        .expect("the refresh token's user exists");
    if !user_in_tenant(&ctx.tenant_id, &user) {
        return Err(refuse(
            400,
            "invalid_grant",
            50020,
            format!(
                "User account '{}' from identity provider does not exist in tenant '{}'.",
                user.username, ctx.tenant_id
            ),
        ));
    }
    Ok((user, scopes))
}

/// Device code polling (RFC 8628 §3.4–3.5).
pub(super) fn device_code_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    match poll_device_code(server, req, ctx) {
        Ok((user, scopes)) => issue_user_tokens(server, req, ctx, &user, &scopes, None),
        Err(refusal) => answer(server, req, refusal),
    }
}

fn poll_device_code(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Result<(TestUser, Vec<String>), Refusal> {
    let code = req.form("device_code").ok_or_else(|| {
        refuse(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'device_code'.",
        )
    })?;
    let mut guard = server.state();
    let users = &mut guard.users;
    let plan = users.device_plan.clone();
    let forced_slow_down = users.forced_slow_down_poll;
    let grant = users
        .device_codes
        .iter_mut()
        .find(|d| d.device_code == code)
        .ok_or_else(|| {
            refuse(
                400,
                "invalid_grant",
                70018,
                "Invalid verification code: the device code is not one this server issued.",
            )
        })?;
    if grant.client_id != ctx.client_id {
        return Err(refuse(
            400,
            "invalid_grant",
            70000,
            "The provided grant is invalid: the device code was issued to another application.",
        ));
    }
    if grant.status == DeviceStatus::Redeemed {
        return Err(refuse(
            400,
            "invalid_grant",
            54005,
            "The device code was already redeemed.",
        ));
    }
    let now = Instant::now();
    grant.polls += 1;
    let early = now.duration_since(grant.last_seen) + POLL_TOLERANCE < grant.interval;
    grant.last_seen = now;
    if now >= grant.expires_at && !matches!(plan, DevicePlan::PendingForever) {
        grant.status = DeviceStatus::Expired;
    }
    if grant.status == DeviceStatus::Pending {
        match &plan {
            DevicePlan::ApproveAfter { polls, username } if grant.polls >= *polls => {
                let oid = users_oid(&users.users, username);
                grant.status = DeviceStatus::Approved(oid);
            }
            DevicePlan::DeclineAfter { polls } if grant.polls >= *polls => {
                grant.status = DeviceStatus::Declined;
            }
            DevicePlan::ExpireAfter { polls } if grant.polls >= *polls => {
                grant.status = DeviceStatus::Expired;
            }
            _ => {}
        }
    }
    if early || forced_slow_down == Some(grant.polls) {
        grant.interval += Duration::from_secs(5);
        return Err(refuse(
            400,
            "slow_down",
            70024,
            "Polling too fast: wait longer between requests (the interval grew by 5 seconds).",
        ));
    }
    match grant.status.clone() {
        DeviceStatus::Pending => Err(refuse(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )),
        DeviceStatus::Declined => Err(refuse(
            400,
            "authorization_declined",
            70025,
            "The end user denied the authorization request.",
        )),
        DeviceStatus::Expired => Err(refuse(
            400,
            "expired_token",
            70019,
            "Verification code expired.",
        )),
        DeviceStatus::Redeemed => unreachable!("checked above"),
        DeviceStatus::Approved(oid) => {
            grant.status = DeviceStatus::Redeemed;
            let scopes = grant.scopes.clone();
            let user = users
                .user_by_oid(&oid)
                .cloned()
                .expect("the approving user exists");
            Ok((user, scopes))
        }
    }
}

fn users_oid(users: &[TestUser], username: &str) -> String {
    users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))
        .map(|u| u.oid.clone())
        .unwrap_or_else(|| panic!("DevicePlan names an unknown user {username}"))
}

/// `grant_type=password` (RFC 6749 §4.3, legacy).
pub(super) fn password_grant(
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

// ---------------------------------------------------------------------------------------------
// Token issuance
// ---------------------------------------------------------------------------------------------

/// A user token response, recorded in `issued`.
fn issue_user_tokens(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
    user: &TestUser,
    scopes: &[String],
    nonce: Option<String>,
) -> Response {
    let now = now_secs();
    let granted: Vec<String> = scopes
        .iter()
        .filter(|s| !s.eq_ignore_ascii_case("offline_access"))
        .cloned()
        .collect();
    let (resource, short_scopes) = resource_of(scopes);
    let mut state = server.state();
    let lifetime = state.access_token_lifetime;
    let fault = state.users.id_token_fault;
    let access_token = make_jwt(&json!({
        "aud": resource,
        "iss": format!("{}/{}/", server.base_url(), user.tid),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": ctx.client_id,
        "name": user.name,
        "oid": user.oid,
        "scp": short_scopes.join(" "),
        "sub": uuid::Uuid::new_v4().to_string(),
        "tid": user.tid,
        "upn": user.username,
        "uti": uuid::Uuid::new_v4().to_string(),
        "ver": "1.0",
    }));
    let refresh_token = has_scope(scopes, "offline_access").then(|| {
        let rt = format!("1.AXYA{}", random_b64(160));
        state.users.refresh_tokens.insert(
            rt.clone(),
            RtGrant {
                client_id: ctx.client_id.clone(),
                user_oid: user.oid.clone(),
                scopes: scopes.to_vec(),
                status: RtStatus::Active,
            },
        );
        rt
    });
    let id_token = has_scope(scopes, "openid").then(|| {
        let sub = URL_SAFE_NO_PAD.encode(digest::digest(
            &digest::SHA256,
            format!("{}|{}", user.oid, ctx.client_id).as_bytes(),
        ));
        let mut claims = json!({
            "aud": ctx.client_id,
            "iss": format!("{}/{}/v2.0", server.base_url(), user.tid),
            "iat": now,
            "nbf": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "name": user.name,
            "oid": user.oid,
            "preferred_username": user.username,
            "sub": sub,
            "tid": user.tid,
            "uti": uuid::Uuid::new_v4().to_string(),
            "ver": "2.0",
        });
        if let Some(nonce) = &nonce {
            claims["nonce"] = json!(nonce);
        }
        match fault {
            Some(IdTokenFault::WrongNonce) => {
                claims["nonce"] = json!(hex_sha256(&uuid::Uuid::new_v4().to_string()));
            }
            Some(IdTokenFault::WrongAudience) => {
                claims["aud"] = json!(uuid::Uuid::new_v4().to_string());
            }
            None => {}
        }
        sign_rs256(&claims)
    });
    let grant_type = req.form("grant_type").unwrap_or("").to_owned();
    let anonymous = state.users.anonymous_grants.contains(&grant_type);
    let id_token = id_token.filter(|_| !anonymous);
    state.issued.push(IssuedToken {
        access_token: access_token.clone(),
        client_id: ctx.client_id.clone(),
        tenant_id: user.tid.clone(),
        scope: granted.join(" "),
        expires_in: lifetime,
        grant_type,
        username: Some(user.username.clone()),
        refresh_token: refresh_token.clone(),
        id_token: id_token.clone(),
    });
    drop(state);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if let Some(rt) = refresh_token {
        body["refresh_token"] = json!(rt);
    }
    if let Some(idt) = id_token {
        body["id_token"] = json!(idt);
    }
    if req.form("client_info") == Some("1") && !anonymous {
        body["client_info"] = json!(client_info_value(user));
    }
    Response::json(200, &body)
}

fn hex_sha256(text: &str) -> String {
    digest::digest(&digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// On-behalf-of (RFC 7523 §2.1 jwt-bearer with requested_token_use=on_behalf_of)
// ---------------------------------------------------------------------------------------------

/// `grant_type` of the on-behalf-of exchange.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The on-behalf-of exchange, strict like Entra: an authenticated confidential client (checked
/// before this handler runs), `requested_token_use=on_behalf_of`, and an `assertion` that is an
/// unexpired user access token this IdP issued for *this* API (`aud` = `api://{client_id}` or the
/// client id). The answer is a user token response for the same user, to this client.
pub(super) fn on_behalf_of_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    if req.form("requested_token_use") != Some("on_behalf_of") {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain 'requested_token_use=on_behalf_of'.",
        );
    }
    let Some(assertion) = req.form("assertion") else {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain 'assertion'.",
        );
    };
    let issued = server
        .state()
        .issued
        .iter()
        .find(|t| t.access_token == assertion)
        .cloned();
    let claims: Option<Value> = assertion
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let (Some(issued), Some(claims)) = (issued, claims) else {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50013,
            "Assertion failed signature validation.",
        );
    };
    let audience = claims["aud"].as_str().unwrap_or_default();
    if audience != ctx.client_id && audience != format!("api://{}", ctx.client_id) {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50013,
            &format!("Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '{audience}'."),
        );
    }
    if claims["exp"].as_u64().unwrap_or(0) <= now_secs() {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            500133,
            "The assertion is not within its valid time range.",
        );
    }
    let user = issued
        .username
        .as_deref()
        .and_then(|name| server.state().users.user_by_name(name).cloned());
    let Some(user) = user else {
        return server.entra_error(
            req,
            400,
            "invalid_grant",
            50013,
            "The assertion names no user.",
        );
    };
    let scopes = split_scopes(req.form("scope").unwrap_or_default());
    issue_user_tokens(server, req, ctx, &user, &scopes, None)
}

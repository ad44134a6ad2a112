//! The device code flow (RFC 8628): `POST /{t}/oauth2/v2.0/devicecode` answers with Entra's
//! fields; polling answers pending, `slow_down` (too early, or when a test forces it), declined,
//! expired, or the tokens once, as the test's plan says.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{issue_user_tokens, random_b64, split_scopes};
use crate::support::idp::errors::{Refusal, answer, invalid_tenant, missing_parameter, refuse};
use crate::support::idp::http::{RecordedRequest, Response};
use crate::support::idp::routes::Params;
use crate::support::idp::server::Server;
use crate::support::idp::state::{DeviceGrant, DevicePlan, DeviceStatus, TestUser};
use crate::support::idp::token_endpoint::TokenContext;

/// `grant_type` of device code polling (RFC 8628 §3.4).
pub(in crate::support::idp) const DEVICE_CODE_GRANT: &str =
    "urn:ietf:params:oauth:grant-type:device_code";
/// How much earlier than the interval a device code poll may arrive before it is "too fast"
/// (clock granularity only: a client that sleeps the interval after each answer is never early).
const POLL_TOLERANCE: Duration = Duration::from_millis(100);

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(in crate::support::idp) fn device_authorization(
    server: &Server,
    req: &RecordedRequest,
    p: &Params,
) -> Response {
    let t = p.get("tenant");
    let tenant = server.state().resolve_tenant(t);
    if tenant.is_none() {
        return invalid_tenant(server, req, t);
    }
    let Some(client_id) = req.form("client_id") else {
        return answer(server, req, missing_parameter("client_id"));
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
        return answer(server, req, missing_parameter("scope"));
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

/// Device code polling (RFC 8628 §3.4–3.5).
pub(in crate::support::idp) fn device_code_grant(
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
    let code = req
        .form("device_code")
        .ok_or_else(|| missing_parameter("device_code"))?;
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

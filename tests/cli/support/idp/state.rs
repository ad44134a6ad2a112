//! All mutable data of the test identity provider: tenants, clients, users, the codes and tokens
//! it issued and how they were used, the switches tests set, and what it received. It sits in one
//! `Mutex<State>` that handlers lock briefly.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use super::faults::{Fault, FaultRule};
use super::http::RecordedRequest;
use super::{ACCESS_TOKEN_LIFETIME, CONTOSO_DOMAIN, CONTOSO_TENANT_ID, WELL_KNOWN_TENANTS};

/// Lifetime of authorization codes (Entra: a few minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// A registered application and the credentials it may present.
#[derive(Default)]
pub(super) struct Client {
    /// A public client (native app): must not authenticate, may only use user grants.
    pub(super) public: bool,
    pub(super) secrets: Vec<String>,
    /// (certificate DER, public key DER: RSAPublicKey or SubjectPublicKeyInfo)
    pub(super) certificates: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) federated_assertion: Option<String>,
}

/// All mutable data of the IdP. Routes lock it briefly.
pub(super) struct State {
    /// lowercased domain -> tenant GUID
    pub(super) tenants: HashMap<String, String>,
    pub(super) clients: HashMap<String, Client>,
    pub(super) faults: VecDeque<FaultRule>,
    pub(super) requests: Vec<RecordedRequest>,
    pub(super) issued: Vec<IssuedToken>,
    pub(super) errors: Vec<IssuedError>,
    pub(super) used_jtis: HashSet<String>,
    pub(super) access_token_lifetime: u64,
    /// Users, codes, refresh tokens, device codes and the user-flow switches.
    pub(super) users: UserState,
}

impl State {
    /// The state of a fresh IdP: only the tenant `contoso.example`.
    pub(super) fn new() -> Self {
        let mut tenants = HashMap::new();
        tenants.insert(CONTOSO_DOMAIN.to_owned(), CONTOSO_TENANT_ID.to_owned());
        Self {
            tenants,
            clients: HashMap::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            issued: Vec::new(),
            errors: Vec::new(),
            used_jtis: HashSet::new(),
            access_token_lifetime: ACCESS_TOKEN_LIFETIME,
            users: UserState::default(),
        }
    }

    /// The tenant id used in endpoints for `{t}`: a GUID for a registered domain or GUID,
    /// `common`/`organizations`/`consumers` as given, `None` when unknown.
    pub(super) fn resolve_tenant(&self, t: &str) -> Option<String> {
        let lower = t.to_ascii_lowercase();
        if WELL_KNOWN_TENANTS.contains(&lower.as_str()) {
            return Some(lower);
        }
        if let Some(guid) = self.tenants.get(&lower) {
            return Some(guid.clone());
        }
        self.tenants.values().find(|g| **g == lower).cloned()
    }

    /// The fault for this request, if a rule selects it (counting the rule down).
    pub(super) fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let idx = self
            .faults
            .iter()
            .position(|r| r.times > 0 && path.contains(&r.path_contains))?;
        let rule = &mut self.faults[idx];
        rule.times -= 1;
        let fault = rule.fault.clone();
        if rule.times == 0 {
            self.faults.remove(idx);
        }
        Some(fault)
    }
}

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

/// The user-flow part of the IdP state.
pub(super) struct UserState {
    pub(super) users: Vec<TestUser>,
    pub(super) default_user: Option<String>,
    pub(super) authorize_outcome: AuthorizeOutcome,
    pub(super) codes: HashMap<String, CodeGrant>,
    pub(super) code_lifetime: Duration,
    pub(super) refresh_tokens: HashMap<String, RtGrant>,
    pub(super) device_codes: Vec<DeviceGrant>,
    pub(super) device_interval: u64,
    pub(super) device_expires_in: u64,
    pub(super) device_plan: DevicePlan,
    pub(super) forced_slow_down_poll: Option<u32>,
    pub(super) claims_challenge: Option<String>,
    pub(super) id_token_fault: Option<IdTokenFault>,
    pub(super) anonymous_grants: Vec<String>,
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
    pub(super) fn user_by_name(&self, username: &str) -> Option<&TestUser> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    pub(super) fn user_by_oid(&self, oid: &str) -> Option<&TestUser> {
        self.users.iter().find(|u| u.oid == oid)
    }
}

pub(super) struct CodeGrant {
    pub(super) client_id: String,
    pub(super) redirect_uri: String,
    pub(super) challenge: String,
    pub(super) scopes: Vec<String>,
    pub(super) nonce: Option<String>,
    pub(super) user_oid: String,
    pub(super) issued: Instant,
    pub(super) redeemed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RtStatus {
    Active,
    /// Used once: its successor replaced it.
    Rotated,
    Revoked,
}

pub(super) struct RtGrant {
    pub(super) client_id: String,
    pub(super) user_oid: String,
    pub(super) scopes: Vec<String>,
    pub(super) status: RtStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
    Expired,
    Redeemed,
}

pub(super) struct DeviceGrant {
    pub(super) device_code: String,
    pub(super) user_code: String,
    pub(super) client_id: String,
    pub(super) scopes: Vec<String>,
    pub(super) expires_at: Instant,
    pub(super) interval: Duration,
    /// When the code was issued or last polled.
    pub(super) last_seen: Instant,
    pub(super) polls: u32,
    pub(super) status: DeviceStatus,
}

/// An access token the IdP issued.
#[derive(Clone)]
pub struct IssuedToken {
    /// The token.
    pub access_token: String,
    /// To which client.
    pub client_id: String,
    /// In which tenant (GUID).
    pub tenant_id: String,
    /// For which scope.
    pub scope: String,
    /// Its lifetime in seconds, as the answer said.
    pub expires_in: u64,
    /// The grant that produced it (`client_credentials`, `authorization_code`, …).
    pub grant_type: String,
    /// The user it was issued for (user flows only).
    pub username: Option<String>,
    /// The refresh token issued with it, if any.
    pub refresh_token: Option<String>,
    /// The ID token issued with it, if any.
    pub id_token: Option<String>,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("tenant_id", &self.tenant_id)
            .field("scope", &self.scope)
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// An OAuth error response the IdP sent.
#[derive(Clone, Debug)]
pub struct IssuedError {
    /// OAuth `error`.
    pub error: String,
    /// The AADSTS number.
    pub code: u32,
    /// `correlation_id` (the request's `client-request-id` when it had one).
    pub correlation_id: String,
}

//! What a test can set up and read back for the user sign-in flows: public clients, users, and
//! the switches of the authorize endpoint, ID tokens, refresh tokens and device codes.

use std::time::Duration;

use super::state::{
    AuthorizeOutcome, Client, DevicePlan, DeviceStatus, IdTokenFault, RtStatus, TestUser,
};
use super::{CONTOSO_TENANT_ID, TestIdp, WELL_KNOWN_TENANTS};

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

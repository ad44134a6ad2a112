//! What most application (confidential client) tests start from: a test environment, the test
//! identity provider with one registered application and its client secret, and `msal
//! client-credentials` commands for that application. What only one test file needs stays in
//! that file, as functions that take a `&Fixture`.

use std::path::PathBuf;

use super::idp::{
    ACCESS_TOKEN_LIFETIME, CONTOSO_DOMAIN, CONTOSO_TENANT_ID, RecordedRequest, TestIdp,
};
use super::{Msal, TestEnv};

/// The application's client id.
pub const CLIENT: &str = "6c1f2a3b-4d5e-4f60-8172-93a4b5c6d7e8";
/// Its client secret.
pub const SECRET: &str = "Qx8~tEsT.sEcReT_value-0123456789";
/// The scope it asks for.
pub const SCOPE: &str = "api://x/.default";

/// A test environment and an identity provider that knows the application [`CLIENT`].
pub struct Fixture {
    /// HOME, config and cache.
    pub env: TestEnv,
    /// The identity provider, with [`CLIENT`] and its [`SECRET`] registered.
    pub idp: TestIdp,
}

impl Fixture {
    /// A fresh identity provider and an empty test environment.
    pub fn new() -> Self {
        let idp = TestIdp::start();
        idp.register_secret_client(CLIENT, SECRET);
        Self {
            env: TestEnv::new(),
            idp,
        }
    }

    /// The contoso authority (`http://127.0.0.1:PORT/contoso.example`).
    pub fn authority(&self) -> String {
        self.idp.authority(CONTOSO_DOMAIN)
    }

    /// The contoso token endpoint, as discovery names it (with the tenant GUID).
    pub fn token_endpoint(&self) -> String {
        self.idp.token_endpoint(CONTOSO_TENANT_ID)
    }

    /// `msal client-credentials --authority <contoso> --client-id CLIENT --scope SCOPE` with no
    /// credential: the test gives one.
    pub fn cc_without_credential(&self) -> Msal<'_> {
        self.without_credential(&self.authority(), SCOPE)
    }

    fn without_credential(&self, authority: &str, scope: &str) -> Msal<'_> {
        self.env.msal().args([
            "client-credentials",
            "--authority",
            authority,
            "--client-id",
            CLIENT,
            "--scope",
            scope,
        ])
    }

    /// `files/secret`, holding [`SECRET`] and a trailing newline as `echo` writes it (written
    /// on first use).
    pub fn secret_file(&self) -> PathBuf {
        let path = self.env.root().join("files").join("secret");
        if !path.exists() {
            self.env.write_file("secret", format!("{SECRET}\n"));
        }
        path
    }

    /// `msal client-credentials` for [`SCOPE`] with `--client-secret-file`.
    pub fn cc(&self) -> Msal<'_> {
        self.cc_scope(SCOPE)
    }

    /// `msal client-credentials` for `scope` with `--client-secret-file`.
    pub fn cc_scope(&self, scope: &str) -> Msal<'_> {
        self.with_secret(self.without_credential(&self.authority(), scope))
    }

    /// `msal client-credentials` for [`SCOPE`] with `--client-secret-file`, at another
    /// `--authority` than contoso's.
    pub fn cc_at(&self, authority: &str) -> Msal<'_> {
        self.with_secret(self.without_credential(authority, SCOPE))
    }

    fn with_secret<'a>(&'a self, msal: Msal<'a>) -> Msal<'a> {
        msal.arg("--client-secret-file").arg(self.secret_file())
    }

    /// The access token the identity provider issued last.
    #[track_caller]
    pub fn last_token(&self) -> String {
        self.idp
            .issued_access_tokens()
            .last()
            .cloned()
            .expect("the IdP issued a token")
    }

    /// The token request the identity provider received last.
    #[track_caller]
    pub fn last_token_request(&self) -> RecordedRequest {
        self.idp
            .token_requests()
            .last()
            .cloned()
            .expect("the IdP received a token request")
    }

    /// Warms the cache with a token for [`SCOPE`]; returns the cache bytes, with the recorded
    /// requests cleared.
    #[track_caller]
    pub fn warm_cache(&self) -> Vec<u8> {
        self.cc().args(["-o", "token"]).run().assert_success();
        assert!(
            self.env.cache_path().exists(),
            "a cache file after the first run"
        );
        self.idp.clear_requests();
        self.env.cache_bytes()
    }
}

/// Panics unless `expires_on` (epoch seconds) is [`ACCESS_TOKEN_LIFETIME`] after a moment between
/// `before` and `after`, give or take 5 seconds.
#[track_caller]
pub fn assert_expiry(expires_on: u64, before: u64, after: u64) {
    assert!(
        expires_on + 5 >= before + ACCESS_TOKEN_LIFETIME
            && expires_on <= after + ACCESS_TOKEN_LIFETIME + 5,
        "expires_on {expires_on} is not now + {ACCESS_TOKEN_LIFETIME} (run between {before} and {after})"
    );
}

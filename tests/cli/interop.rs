//! One token cache, two libraries: `msal` and MSAL Python (PyPI `msal`, driven by
//! `tests/interop/msal_python.py`) read each other's accounts and tokens, because `msal` writes
//! MSAL's unified cache schema as MSAL Python serializes it (and so the Azure CLI can use it).
//!
//! Both talk to the test identity provider over TLS (MSAL Python only talks https): `msal`
//! trusts the test CA through `--ca-cert`, MSAL Python through `REQUESTS_CA_BUNDLE`. MSAL Python
//! builds its application with `instance_discovery=False` (Entra's instance discovery does not
//! know 127.0.0.1) and always fetches the authority's OpenID configuration when an application
//! is built, cache hit or not; so "served from the cache" means no request to the token
//! endpoint, and discovery is the only request allowed.
//!
//! Tokens never appear in assertion messages: the script reports SHA-256 digests of access
//! tokens, compared here with the digest of the token expected.

use serde_json::Value;

use crate::support::idp::{CONTOSO_DOMAIN, CONTOSO_TENANT_ID, RecordedRequest, TestIdp, TestUser};
use crate::support::msal_python::{MsalPython, token_sha256};
use crate::support::users::{ALICE, ALICE_PASSWORD, CLIENT, DEVICE_CODE_GRANT, SCOPE, secrets_in};
use crate::support::{Msal, Run, TestEnv};

/// A confidential client for the app-only tokens.
const APP_CLIENT: &str = "0d4e7b9a-1c2f-4a3b-8d5e-6f708192a3b4";
const APP_SECRET: &str = "Interop~sEcReT.value_9876543210";
const APP_SCOPE: &str = "api://interop/.default";
/// What both libraries call the environment: the host without the port.
const ENVIRONMENT: &str = "127.0.0.1";

struct Fx {
    env: TestEnv,
    idp: TestIdp,
    alice: TestUser,
}

impl Fx {
    /// A TLS identity provider with the public client [`CLIENT`], Alice, and the confidential
    /// client [`APP_CLIENT`].
    fn new() -> Self {
        let idp = TestIdp::start_tls();
        idp.register_public_client(CLIENT);
        let alice = idp.add_user(ALICE, ALICE_PASSWORD);
        idp.set_default_user(ALICE);
        idp.register_secret_client(APP_CLIENT, APP_SECRET);
        Self {
            env: TestEnv::new(),
            idp,
            alice,
        }
    }

    /// `https://127.0.0.1:PORT/contoso.example`.
    fn authority(&self) -> String {
        self.idp.authority(CONTOSO_DOMAIN)
    }

    /// `msal <command> --authority … --client-id <client> --ca-cert <test CA>`, on the default
    /// cache file.
    fn msal(&self, command: &str, client_id: &str) -> Msal<'_> {
        self.env
            .msal()
            .args([command, "--authority", &self.authority(), "--client-id"])
            .arg(client_id)
            .arg("--ca-cert")
            .arg(self.idp.ca_cert_path())
    }

    /// `msal login` as Alice with the password grant (no browser process); returns the run.
    fn msal_sign_in(&self) -> Run {
        self.msal("login", CLIENT)
            .args(["--scope", SCOPE, "-o", "token", "--username", ALICE])
            .arg("--password-stdin")
            .stdin(format!("{ALICE_PASSWORD}\n"))
            .run()
    }

    /// MSAL Python signs Alice in with the device flow, the test approving the code at the IdP,
    /// and writes the cache; returns the script's last answer.
    fn python_device_sign_in(&self) -> Value {
        // MSAL Python polls at once and waits `interval` after each answer, slow_down included
        // (it does not add 5 s); this IdP answers a poll that comes sooner than the interval with
        // slow_down, so the interval must be 0. The test approves the code before the first poll.
        self.idp.set_device_code_timing(0, 900);
        let mut py = self
            .python(CLIENT)
            .spawn("device-flow", &["--scope", SCOPE]);
        let started = py.next_json();
        assert_eq!(started["step"], "started", "{started}");
        let user_codes = self.idp.device_user_codes();
        assert_eq!(
            started["user_code"],
            user_codes.last().expect("a device code").as_str()
        );
        assert!(self.idp.approve_device_code(ALICE), "a pending device code");
        py.write_line("approved");
        let done = py.finish();
        assert_eq!(done["step"], "done");
        done
    }

    /// The refresh-token grants the IdP received.
    fn refreshes(&self) -> Vec<RecordedRequest> {
        self.idp
            .token_requests()
            .into_iter()
            .filter(|r| r.form("grant_type") == Some("refresh_token"))
            .collect()
    }

    /// `msal client-credentials` for [`APP_CLIENT`] with its secret in a file.
    fn msal_client_credentials(&self) -> Msal<'_> {
        let secret = self.env.write_file("app-secret", APP_SECRET);
        self.msal("client-credentials", APP_CLIENT)
            .args(["--scope", APP_SCOPE, "-o", "token", "--client-secret-file"])
            .arg(secret)
    }

    /// MSAL Python for `client_id` at the same authority, on the same cache file.
    fn python(&self, client_id: &str) -> MsalPython {
        MsalPython::new(&self.env, &self.idp, &self.authority(), client_id)
    }

    /// MSAL Python's `acquire_token_for_client` for [`APP_CLIENT`].
    fn python_client_credentials(&self) -> Value {
        let secret = self.env.write_file("app-secret", APP_SECRET);
        let secret = secret.to_str().expect("UTF-8 path");
        self.python(APP_CLIENT).run(
            "client-credentials",
            &["--scope", APP_SCOPE, "--secret-file", secret],
        )
    }

    /// The only access token the IdP issued.
    #[track_caller]
    fn only_issued_token(&self) -> String {
        let issued = self.idp.issued_access_tokens();
        assert_eq!(issued.len(), 1, "the IdP issued exactly one access token");
        issued[0].clone()
    }

    /// Since the last `clear_requests`: no token request, and nothing but GETs of the OpenID
    /// configuration (which MSAL Python fetches whenever it builds an application).
    #[track_caller]
    fn assert_no_token_request(&self, who: &str) {
        assert!(
            self.idp.token_requests().is_empty(),
            "{who} sent a token request instead of using the cache"
        );
        for r in self.idp.requests() {
            assert!(
                r.method == "GET" && r.path.ends_with("/v2.0/.well-known/openid-configuration"),
                "{who} sent {r:?}; only OpenID discovery was expected"
            );
        }
    }
}

/// Panic (showing code and stderr, never stdout) unless `run` printed exactly `token` and a
/// newline.
#[track_caller]
fn assert_prints_token(run: &Run, token: &str) {
    run.assert_success()
        .assert_stdout_eq(&format!("{token}\n"), "the expected access token");
}

/// The single account in MSAL Python's `get_accounts()` answer.
#[track_caller]
fn only_account(answer: &Value) -> &Value {
    let accounts = answer["accounts"].as_array().expect("an accounts list");
    assert_eq!(accounts.len(), 1, "one account: {accounts:?}");
    &accounts[0]
}

/// Assert that `result` (the script's description of a token result) is the token with this
/// SHA-256, from `source` (`cache` or `identity_provider`).
#[track_caller]
fn assert_token(result: &Value, sha256: &str, source: &str, who: &str) {
    assert!(
        result["found"] == true,
        "{who} got no access token: error {}, {}",
        result["error"],
        result["error_description"]
    );
    assert_eq!(result["token_source"], source, "{who}: token_source");
    assert_eq!(result["token_type"], "Bearer", "{who}: token_type");
    assert!(
        result["access_token_sha256"] == sha256,
        "{who} returned another access token than the one expected (values not shown)"
    );
}

#[test]
fn msal_python_finds_the_account_and_access_token_msal_signed_in() {
    let fx = Fx::new();
    let run = fx.msal_sign_in();
    let token = fx.only_issued_token();
    assert_prints_token(&run, &token);
    let cache_before = fx.env.cache_bytes();

    fx.idp.clear_requests();
    let py = fx.python(CLIENT);
    let answer = py.run("accounts", &[]);
    let account = only_account(&answer);
    assert_eq!(account["username"], ALICE);
    assert_eq!(account["home_account_id"], fx.alice.home_account_id());
    assert_eq!(account["environment"], ENVIRONMENT);
    assert_eq!(account["realm"], CONTOSO_TENANT_ID);
    assert_eq!(account["local_account_id"], fx.alice.oid);
    assert_eq!(account["authority_type"], "MSSTS");

    let answer = py.run("silent", &["--scope", SCOPE]);
    assert_eq!(
        only_account(&answer)["home_account_id"],
        fx.alice.home_account_id()
    );
    assert_token(
        &answer["result"],
        &token_sha256(&token),
        "cache",
        "MSAL Python's acquire_token_silent",
    );
    fx.assert_no_token_request("MSAL Python");
    assert_eq!(
        fx.env.cache_bytes(),
        cache_before,
        "reading the cache changed nothing"
    );
}

#[test]
fn msal_serves_the_token_msal_python_got_with_the_device_flow() {
    let fx = Fx::new();
    let done = fx.python_device_sign_in();
    let token = fx.only_issued_token();
    assert_token(
        &done["result"],
        &token_sha256(&token),
        "identity_provider",
        "MSAL Python's acquire_token_by_device_flow",
    );
    let issued = &fx.idp.issued_tokens()[0];
    assert_eq!(issued.grant_type, DEVICE_CODE_GRANT);
    assert_eq!(issued.username.as_deref(), Some(ALICE));
    assert!(fx.env.cache_path().exists(), "MSAL Python wrote the cache");

    fx.idp.clear_requests();
    let run = fx
        .msal("silent", CLIENT)
        .args(["--scope", SCOPE, "-o", "token"])
        .run();
    assert_prints_token(&run, &token);
    fx.assert_no_token_request("msal silent");

    let run = fx.msal("accounts", CLIENT).args(["-o", "json"]).run();
    run.assert_success();
    let accounts = run.stdout_json();
    let accounts = accounts.as_array().expect("a JSON array");
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    let account = &accounts[0];
    assert_eq!(account["username"], ALICE);
    assert_eq!(account["home_account_id"], fx.alice.home_account_id());
    assert_eq!(account["environment"], ENVIRONMENT);
    assert_eq!(account["tenant"], CONTOSO_TENANT_ID);
    assert_eq!(account["account_source"], DEVICE_CODE_GRANT);
    fx.assert_no_token_request("msal accounts");
}

#[test]
fn msal_serves_the_app_token_msal_python_got() {
    let fx = Fx::new();
    let answer = fx.python_client_credentials();
    let token = fx.only_issued_token();
    assert_token(
        &answer["result"],
        &token_sha256(&token),
        "identity_provider",
        "MSAL Python's acquire_token_for_client",
    );

    fx.idp.clear_requests();
    let run = fx.msal_client_credentials().run();
    assert_prints_token(&run, &token);
    fx.assert_no_token_request("msal client-credentials");
}

#[test]
fn msal_python_finds_the_app_token_msal_got() {
    let fx = Fx::new();
    let run = fx.msal_client_credentials().run();
    let token = fx.only_issued_token();
    assert_prints_token(&run, &token);

    fx.idp.clear_requests();
    let answer = fx.python_client_credentials();
    assert_token(
        &answer["result"],
        &token_sha256(&token),
        "cache",
        "MSAL Python's acquire_token_for_client",
    );
    fx.assert_no_token_request("MSAL Python");
}

// ----- refresh tokens: each library refreshes with the other's --------------------------------

/// Access tokens with 200 s left are due for a refresh in both libraries (they want 5 minutes).
const SHORT_LIFETIME: u64 = 200;

#[test]
fn msal_python_refreshes_with_the_refresh_token_msal_stored_and_msal_serves_the_result() {
    let fx = Fx::new();
    fx.idp.set_access_token_lifetime(SHORT_LIFETIME);
    fx.msal_sign_in().assert_success();
    let msal_rt = fx.idp.issued_tokens()[0]
        .refresh_token
        .clone()
        .expect("a refresh token");

    fx.idp.set_access_token_lifetime(3599);
    fx.idp.clear_requests();
    let answer = fx.python(CLIENT).run("silent", &["--scope", SCOPE]);
    let refreshes = fx.refreshes();
    assert_eq!(refreshes.len(), 1, "MSAL Python refreshed once");
    assert!(
        refreshes[0].form("refresh_token") == Some(msal_rt.as_str()),
        "MSAL Python used the refresh token msal stored (values not shown)"
    );
    let refreshed = fx.idp.issued_tokens().last().cloned().expect("a token");
    assert_token(
        &answer["result"],
        &token_sha256(&refreshed.access_token),
        "identity_provider",
        "MSAL Python's acquire_token_silent",
    );

    // msal serves the token MSAL Python stored, and holds only the rotated refresh token.
    fx.idp.clear_requests();
    let run = fx
        .msal("silent", CLIENT)
        .args(["--scope", SCOPE, "-o", "token"])
        .run();
    assert_prints_token(&run, &refreshed.access_token);
    fx.assert_no_token_request("msal silent");
    let rotated = refreshed.refresh_token.expect("a rotated refresh token");
    let cached_rts = secrets_in(&fx.env.read_cache_json(), "RefreshToken");
    assert!(
        !cached_rts.is_empty() && cached_rts.iter().all(|rt| *rt == rotated),
        "the cache holds only the rotated refresh token (values not shown)"
    );
}

#[test]
fn msal_refreshes_with_the_refresh_token_msal_python_stored_and_msal_python_serves_the_result() {
    let fx = Fx::new();
    fx.idp.set_access_token_lifetime(SHORT_LIFETIME);
    fx.python_device_sign_in();
    let python_rt = fx.idp.issued_tokens()[0]
        .refresh_token
        .clone()
        .expect("a refresh token");

    fx.idp.set_access_token_lifetime(3599);
    fx.idp.clear_requests();
    let run = fx
        .msal("silent", CLIENT)
        .args(["--scope", SCOPE, "-o", "token"])
        .run();
    let refreshes = fx.refreshes();
    assert_eq!(refreshes.len(), 1, "msal refreshed once");
    assert!(
        refreshes[0].form("refresh_token") == Some(python_rt.as_str()),
        "msal used the refresh token MSAL Python stored (values not shown)"
    );
    let refreshed = fx.idp.issued_tokens().last().cloned().expect("a token");
    assert_prints_token(&run, &refreshed.access_token);

    // MSAL Python serves the token msal stored.
    fx.idp.clear_requests();
    let answer = fx.python(CLIENT).run("silent", &["--scope", SCOPE]);
    assert_token(
        &answer["result"],
        &token_sha256(&refreshed.access_token),
        "cache",
        "MSAL Python's acquire_token_silent",
    );
    fx.assert_no_token_request("MSAL Python");
}

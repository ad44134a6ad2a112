//! A confidential client signs users in (MSAL Python's `ConfidentialClientApplication` auth code,
//! device code, refresh and silent methods): `msal login`, `device-code`, `silent` and `logout`
//! take the client credential options, against `oidc-provider` with clients registered as
//! Keycloak's "client authentication on" or Auth0's "regular web application" are: a web client
//! with `client_secret_basic` and an exact redirect URI, a device client with `private_key_jwt`.
//!
//! PKCE stays on; every token request (and the device authorization request, RFC 8628 §3.1)
//! authenticates the client, which the provider enforces; the tokens are cached under the
//! confidential client's id, apart from the public client's.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::oidc::{
    ALICE_PASSWORD, ALICE_SUB, ALICE_USERNAME, SECRET, assert_stderr_clean, assert_token_stdout,
    browser_program, section, wait_for_line,
};
use crate::redirect_uri::free_port;
use crate::support::browser::Browser;
use crate::support::certs::TestCert;
use crate::support::oidc::{OidcConfig, OidcProvider};
use crate::support::{Msal, Run, TestEnv};

/// A confidential web client: a secret sent with HTTP Basic, one exact redirect URI.
const WEB: &str = "web-confidential";
/// A confidential client that signs users in with a device code, registered by its key.
const TV: &str = "tv-private-key-jwt";
/// A public native client, for the same user.
const PUBLIC: &str = "cli-public";

struct Fx {
    env: TestEnv,
    op: OidcProvider,
    redirect: String,
}

impl Fx {
    fn new() -> Self {
        Self::with(|c| c)
    }

    fn with(customize: impl FnOnce(OidcConfig) -> OidcConfig) -> Self {
        let redirect = format!("http://127.0.0.1:{}/callback", free_port());
        let config = OidcConfig::new()
            .account(json!({
                "sub": ALICE_SUB,
                "preferred_username": ALICE_USERNAME,
                "email": ALICE_USERNAME,
            }))
            .client(json!({
                "client_id": WEB,
                "client_secret": SECRET,
                "application_type": "web",
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "redirect_uris": [redirect],
            }))
            .client(json!({
                "client_id": TV,
                "token_endpoint_auth_method": "private_key_jwt",
                "certificate_pem": TestCert::shared().cert_pem,
                "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
                "response_types": [],
                "redirect_uris": [],
            }))
            .client(json!({
                "client_id": PUBLIC,
                "application_type": "native",
                "token_endpoint_auth_method": "none",
                "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
                "response_types": [],
                "redirect_uris": [],
            }));
        Self {
            env: TestEnv::new(),
            op: OidcProvider::start(&customize(config)),
            redirect,
        }
    }

    fn msal(&self) -> Msal<'_> {
        self.env.msal().args(["--oidc-authority", self.op.issuer()])
    }

    fn secret_file(&self) -> PathBuf {
        self.env.write_file("client-secret", format!("{SECRET}\n"))
    }

    fn certificate(&self) -> PathBuf {
        self.env
            .write_file("client.pem", TestCert::shared().pem_bundle())
    }

    /// `msal login` as the web client with its secret, playing the browser.
    fn login(&self, extra: &[&str]) -> Run {
        let (browser, urls) = browser_program(&self.env);
        let running = self
            .msal()
            .args([
                "login",
                "--client-id",
                WEB,
                "--scope",
                "email",
                "-o",
                "token",
            ])
            .args(["--redirect-uri", &self.redirect])
            .arg("--client-secret-file")
            .arg(self.secret_file())
            .args(extra)
            .env("BROWSER", &browser)
            .spawn();
        let Some(url) = wait_for_line(&urls) else {
            panic!("msal did not open the browser: {:?}", running.wait());
        };
        let page =
            Browser::new().complete(&url, &[("login", ALICE_SUB), ("password", ALICE_PASSWORD)]);
        assert_eq!(page.status, 200, "msal's loopback page: {}", page.body);
        running.wait()
    }

    /// `msal device-code` as `client` with `credential` options, approving on the provider's
    /// device page.
    fn device_code(&self, client: &str, credential: &[&std::ffi::OsStr]) -> Run {
        let running = self
            .msal()
            .args(["device-code", "--client-id", client, "--scope", "email"])
            .args(credential)
            .args(["-o", "token"])
            .spawn();
        let Some(authorization) = self.op.wait_for_device_authorization() else {
            panic!("no device authorization: {:?}", running.wait());
        };
        self.approve(&authorization);
        running.wait()
    }

    fn approve(&self, authorization: &Value) {
        self.op
            .approve_device(authorization, ALICE_SUB, ALICE_PASSWORD);
    }

    fn last_issued(&self) -> Value {
        let exchange = self.op.last_token_exchange();
        assert_eq!(exchange["status"], 200, "{}", exchange["response"]);
        exchange["response"].clone()
    }
}

#[test]
fn a_confidential_web_client_signs_in_with_pkce_and_refreshes_with_its_secret() {
    let fx = Fx::new();
    let run = fx.login(&[]);
    let issued = fx.last_issued();
    assert_token_stdout(&run, &issued);
    assert_stderr_clean(&run, &issued);
    run.assert_not_leaked(SECRET, "the client secret")
        .assert_stderr_has(&format!("signed in as {ALICE_USERNAME}"));

    let authorize = &fx.op.authorization_requests()[0];
    assert_eq!(authorize["code_challenge_method"], "S256", "PKCE stays on");
    assert_eq!(authorize["redirect_uri"], fx.redirect.as_str());
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["client_id"], WEB);
    assert_eq!(exchange["auth_method"], "client_secret_basic");
    assert!(
        exchange["code_verifier"]
            .as_str()
            .is_some_and(|v| v.len() >= 43),
        "the code is redeemed with the PKCE verifier"
    );

    // The cached token needs no credential; a refresh does, and authenticates the client.
    let cached = fx
        .msal()
        .args([
            "silent",
            "--client-id",
            WEB,
            "--scope",
            "email",
            "-o",
            "token",
        ])
        .run();
    assert_token_stdout(&cached, &issued);
    let refreshed = fx
        .msal()
        .args(["silent", "--client-id", WEB, "--scope", "email"])
        .args(["--force-refresh", "-o", "token", "--client-secret-file"])
        .arg(fx.secret_file())
        .run();
    let renewed = fx.last_issued();
    assert_token_stdout(&refreshed, &renewed);
    refreshed.assert_not_leaked(SECRET, "the client secret");
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["grant_type"], "refresh_token");
    assert_eq!(exchange["auth_method"], "client_secret_basic");

    // Without it, the provider refuses the refresh of a confidential client's token.
    let refused = fx
        .msal()
        .args(["silent", "--client-id", WEB, "--scope", "email"])
        .args(["--force-refresh", "--keyring", "off"])
        .run();
    refused.assert_code(4).assert_stderr_has("invalid_client");
}

#[test]
fn a_refresh_answer_without_an_id_token_stays_with_the_signed_in_account() {
    // As glewlwyd answers: OpenID Connect Core §12.2 makes the ID token optional on refresh.
    let fx = Fx::with(OidcConfig::refresh_without_id_token);
    let run = fx.login(&[]);
    let signed_in = fx.last_issued();
    assert_token_stdout(&run, &signed_in);
    let refreshed = fx
        .msal()
        .args(["silent", "--client-id", WEB, "--scope", "email"])
        .args(["--force-refresh", "-o", "token", "--client-secret-file"])
        .arg(fx.secret_file())
        .run();
    let renewed = fx.last_issued();
    assert!(
        renewed["id_token"].is_null(),
        "the refresh answer carried an id_token"
    );
    assert_token_stdout(&refreshed, &renewed);
    let cache = fx.env.read_cache_json();
    let accounts = section(&cache, "Account");
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].1["username"], ALICE_USERNAME);
    for (name, entry) in section(&cache, "AccessToken")
        .into_iter()
        .chain(section(&cache, "RefreshToken"))
    {
        assert_eq!(entry["home_account_id"], ALICE_SUB, "{name}");
    }
    // The renewed token is what the account is served next.
    let cached = fx
        .msal()
        .args([
            "silent",
            "--client-id",
            WEB,
            "--scope",
            "email",
            "-o",
            "token",
        ])
        .arg("--username")
        .arg(ALICE_USERNAME)
        .run();
    assert_token_stdout(&cached, &renewed);
}

#[test]
fn a_confidential_client_signs_in_with_a_device_code_and_private_key_jwt() {
    let fx = Fx::new();
    let cert = fx.certificate();
    let run = fx.device_code(TV, &["--certificate".as_ref(), cert.as_os_str()]);
    // The provider refuses an unauthenticated device authorization request from this client,
    // so reaching its device page at all shows msal authenticated there too.
    let issued = fx.last_issued();
    assert_token_stdout(&run, &issued);
    assert_stderr_clean(&run, &issued);
    let exchange = fx.op.last_token_exchange();
    assert_eq!(
        exchange["grant_type"],
        "urn:ietf:params:oauth:grant-type:device_code"
    );
    assert_eq!(exchange["auth_method"], "client_assertion");
    assert_eq!(exchange["client_assertion"]["claims"]["sub"], TV);
    assert!(exchange["client_assertion"]["header"]["kid"].is_string());

    let refreshed = fx
        .msal()
        .args(["silent", "--client-id", TV, "--scope", "email"])
        .args(["--force-refresh", "-o", "token", "--certificate"])
        .arg(&cert)
        .run();
    assert_token_stdout(&refreshed, &fx.last_issued());
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["grant_type"], "refresh_token");
    assert_eq!(exchange["auth_method"], "client_assertion");
}

#[test]
fn the_confidential_clients_tokens_stay_apart_from_the_public_clients() {
    let fx = Fx::new();
    let public = fx.device_code(PUBLIC, &[]);
    let public_token = fx.last_issued();
    assert_token_stdout(&public, &public_token);
    let web = fx.login(&[]);
    let web_token = fx.last_issued();
    assert_token_stdout(&web, &web_token);

    // One account, a refresh token for each client.
    let cache = fx.env.read_cache_json();
    assert_eq!(section(&cache, "Account").len(), 1);
    let mut owners: Vec<String> = section(&cache, "RefreshToken")
        .iter()
        .map(|(_, rt)| rt["client_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    owners.sort();
    assert_eq!(owners, [PUBLIC, WEB]);

    // Each client is served its own token.
    for (client, token) in [(PUBLIC, &public_token), (WEB, &web_token)] {
        let run = fx
            .msal()
            .args([
                "silent",
                "--client-id",
                client,
                "--scope",
                "email",
                "-o",
                "token",
            ])
            .run();
        assert_token_stdout(&run, token);
    }

    // `logout` takes the confidential client's options as they are.
    let out = fx
        .msal()
        .args(["logout", "--client-id", WEB, "--username", ALICE_USERNAME])
        .arg("--client-secret-file")
        .arg(fx.secret_file())
        .run();
    out.assert_success().assert_stderr_has("removed");
    let cache = fx.env.read_cache_json();
    assert!(section(&cache, "Account").is_empty());
}

#[test]
fn a_secret_saved_at_sign_in_is_looked_up_only_for_a_refresh() {
    let fx = Fx::new();
    let run = fx.login(&["--save-secret", "--keyring", "off"]);
    assert_token_stdout(&run, &fx.last_issued());
    let silent = |extra: &[&str]| {
        fx.msal()
            .args([
                "silent",
                "--client-id",
                WEB,
                "--scope",
                "email",
                "-o",
                "token",
            ])
            .args(["--keyring", "off", "-v"])
            .args(extra)
            .run()
    };

    let cached = silent(&[]);
    assert_token_stdout(&cached, &fx.last_issued());
    assert!(
        !cached.stderr_has("saved"),
        "a cached token needs no credential: {}",
        cached.stderr
    );

    let refreshed = silent(&["--force-refresh"]);
    assert_token_stdout(&refreshed, &fx.last_issued());
    refreshed.assert_stderr_has("using the credential saved for");
    refreshed.assert_not_leaked(SECRET, "the client secret");
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["grant_type"], "refresh_token");
    assert_eq!(exchange["auth_method"], "client_secret_basic");
}

#[test]
fn a_credential_needs_the_client_id_it_belongs_to() {
    let env = TestEnv::new();
    let secret = env.write_file("secret", "s3cret\n");
    for command in [
        &["login", "--scope", "email"][..],
        &["device-code", "--scope", "email"],
        &["silent", "--scope", "email"],
        &["logout"],
    ] {
        let run = env
            .msal()
            .args(["--oidc-authority", "http://127.0.0.1:9/idp"])
            .args(command)
            .arg("--client-secret-file")
            .arg(&secret)
            .run();
        run.assert_code(2).assert_stderr_has("pass its --client-id");
        assert!(run.stdout.is_empty());
    }

    // A browser sign-in may read the address the browser ends on from stdin: the secret cannot
    // come from there too.
    let run = env
        .msal()
        .args(["--oidc-authority", "http://127.0.0.1:9/idp", "login"])
        .args([
            "--client-id",
            WEB,
            "--scope",
            "email",
            "--client-secret-file",
            "-",
        ])
        .stdin(format!("{SECRET}\n"))
        .run();
    run.assert_code(2)
        .assert_stderr_has("both --client-secret-file and the pasted sign-in address name -");
}

//! `msal` against a real, independent OpenID Connect provider (`oidc-provider`, OpenID
//! Certified; `support::oidc`) through `--oidc-authority`: client credentials with
//! `client_secret_post`, `client_secret_basic` and `private_key_jwt`; device code and the
//! interactive login (PKCE) with the provider's own pages driven headlessly; refresh.
//!
//! Where the provider differs from Entra (no `client_info`, its own issuer format, the token
//! response's `scope`), the tests check what the OpenID Connect specs say: the account is keyed
//! by the ID token's `sub`, the discovered issuer must equal the authority exactly, and the cache
//! stores the granted scope. Token values are compared, never printed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::browser::Browser;
use crate::support::certs::TestCert;
use crate::support::oidc::{OidcConfig, OidcProvider};
use crate::support::{Msal, Run, TestEnv};

/// The public (native) client that signs users in.
const PUBLIC_CLIENT: &str = "msal-cli-public";
/// A confidential client registered for `client_secret_post`.
const POST_CLIENT: &str = "svc-secret-post";
/// A confidential client registered for `client_secret_basic`.
const BASIC_CLIENT: &str = "svc-secret-basic";
/// A confidential client registered for `private_key_jwt` with the test certificate's key.
const JWT_CLIENT: &str = "svc-private-key-jwt";
/// The client secret; its `:`, `/`, `+`, space and `%` need RFC 6749 §2.3.1 form-encoding in a
/// Basic header.
pub(crate) const SECRET: &str = "Zk8~q:W/+x y%Z-s3cr3t";
/// A scope the provider grants client credentials as asked.
const API_SCOPE: &str = "api:read";

/// The user who signs in (login = sub, any password).
pub(crate) const ALICE_SUB: &str = "248289761001";
pub(crate) const ALICE_USERNAME: &str = "alice@example.test";
pub(crate) const ALICE_PASSWORD: &str = "not-checked-by-the-dev-login-page";

/// A confidential client with `SECRET`, registered for `method`.
fn secret_client(client_id: &str, method: &str) -> Value {
    json!({
        "client_id": client_id,
        "client_secret": SECRET,
        "token_endpoint_auth_method": method,
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
    })
}

/// The provider's accounts and clients shared by these tests.
fn config() -> OidcConfig {
    users()
        .client(secret_client(POST_CLIENT, "client_secret_post"))
        .client(secret_client(BASIC_CLIENT, "client_secret_basic"))
        .client(json!({
            "client_id": JWT_CLIENT,
            "token_endpoint_auth_method": "private_key_jwt",
            "certificate_pem": TestCert::shared().cert_pem,
            "grant_types": ["client_credentials"],
            "response_types": [],
            "redirect_uris": [],
        }))
}

/// Alice and the public client she signs in with.
fn users() -> OidcConfig {
    OidcConfig::new()
        .account(json!({
            "sub": ALICE_SUB,
            "preferred_username": ALICE_USERNAME,
            "name": "Alice Example",
            "email": ALICE_USERNAME,
            "email_verified": true,
        }))
        .client(json!({
            "client_id": PUBLIC_CLIENT,
            "application_type": "native",
            "token_endpoint_auth_method": "none",
            "grant_types": [
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
            "response_types": ["code"],
            // A native client's loopback redirect matches on any port (RFC 8252 §7.3); msal's
            // default for providers other than Entra ID is the IP literal (§8.3).
            "redirect_uris": ["http://127.0.0.1/"],
        }))
}

struct Fixture {
    env: TestEnv,
    op: OidcProvider,
}

impl Fixture {
    fn new() -> Self {
        Self::with(config())
    }

    fn with(config: OidcConfig) -> Self {
        Self {
            env: TestEnv::new(),
            op: OidcProvider::start(&config),
        }
    }

    /// `msal … --oidc-authority ISSUER` (the issuer exactly as the provider names itself).
    fn msal(&self) -> Msal<'_> {
        self.env.msal().args(["--oidc-authority", self.op.issuer()])
    }

    fn secret_file(&self) -> PathBuf {
        self.env.write_file("client-secret", format!("{SECRET}\n"))
    }

    /// `msal client-credentials` for `client` with the secret file.
    fn cc_secret(&self, client: &str) -> Msal<'_> {
        self.msal()
            .args([
                "client-credentials",
                "--client-id",
                client,
                "--scope",
                API_SCOPE,
            ])
            .arg("--client-secret-file")
            .arg(self.secret_file())
            .args(["-o", "token"])
    }

    /// The last answer of the token endpoint, which must have been a success.
    fn last_issued(&self) -> Value {
        let exchange = self.op.last_token_exchange();
        assert_eq!(
            exchange["status"], 200,
            "the last token request failed: {}",
            exchange["response"]
        );
        exchange["response"].clone()
    }

    /// Signs Alice in with `msal device-code`, approving the code on the provider's pages.
    fn device_code_sign_in(&self, scopes: &[&str]) -> Run {
        let mut msal =
            self.msal()
                .args(["device-code", "--client-id", PUBLIC_CLIENT, "-o", "token"]);
        for scope in scopes {
            msal = msal.args(["--scope", scope]);
        }
        let running = msal.spawn();
        let Some(authorization) = self.op.wait_for_device_authorization() else {
            panic!(
                "msal sent no device authorization request: {:?}",
                running.wait()
            );
        };
        self.op
            .approve_device(&authorization, ALICE_SUB, ALICE_PASSWORD);
        let run = running.wait();
        run.assert_stderr_has(authorization["user_code"].as_str().expect("user_code"))
            .assert_stderr_has(authorization["verification_uri"].as_str().expect("uri"));
        run
    }

    /// Signs Alice in with `msal login`, `$BROWSER` handing the URL to this test, which plays
    /// the browser through the provider's sign-in and consent pages and its form_post answer.
    fn login(&self, args: &[&str]) -> Run {
        let (browser, urls) = browser_program(&self.env);
        let running = self
            .msal()
            .args(["login", "--client-id", PUBLIC_CLIENT, "-o", "token"])
            .args(args)
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
}

/// A `$BROWSER` program that appends the URL it is given to a file, and that file.
pub(crate) fn browser_program(env: &TestEnv) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let urls = env.root().join("files").join("browser-urls");
    let script = env.write_file(
        "browser.sh",
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", urls.display()),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700))
        .expect("chmod browser.sh");
    (script, urls)
}

/// The first line the browser program writes to `file`, waited for a while.
pub(crate) fn wait_for_line(file: &std::path::Path) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // Only a whole line: the program may still be writing it.
        if let Some(line) = std::fs::read_to_string(file)
            .ok()
            .and_then(|text| text.split_once('\n').map(|(line, _)| line.to_owned()))
        {
            return Some(line);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// None of the issued tokens appears on stderr.
#[track_caller]
pub(crate) fn assert_stderr_clean(run: &Run, issued: &Value) {
    for name in ["access_token", "refresh_token", "id_token"] {
        if let Some(token) = issued[name].as_str() {
            assert!(!run.stderr.contains(token), "the {name} appears on stderr");
        }
    }
}

#[track_caller]
pub(crate) fn assert_token_stdout(run: &Run, issued: &Value) {
    let token = issued["access_token"].as_str().expect("an access_token");
    run.assert_success()
        .assert_stdout_eq(&format!("{token}\n"), "the issued token and a newline");
}

/// The cache section `name` as (key, entry) pairs.
pub(crate) fn section(cache: &Value, name: &str) -> Vec<(String, Value)> {
    cache[name]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

// ----- client credentials ------------------------------------------------------------------------

#[test]
fn client_secret_basic_by_default_where_the_provider_offers_both() {
    // The registration default (OpenID Connect Dynamic Client Registration §2): what a provider
    // that enforces the registered method expects of a client registered without one.
    let fx = Fixture::new();
    let run = fx.cc_secret(BASIC_CLIENT).run();
    assert_token_stdout(&run, &fx.last_issued());
    run.assert_not_leaked(SECRET, "the client secret");
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["auth_method"], "client_secret_basic");
    assert_eq!(exchange["grant_type"], "client_credentials");
    assert_eq!(exchange["scope"], API_SCOPE);
    assert!(
        exchange["client_info"].is_null(),
        "no Entra client_info for a generic provider"
    );

    // The app token is cached, without an account, under the provider's exact issuer (MSAL's
    // host-only environment cannot tell two issuers on one host apart).
    let cache = fx.env.read_cache_json();
    let tokens = section(&cache, "AccessToken");
    assert_eq!(tokens.len(), 1, "one access token cached");
    let (key, entry) = &tokens[0];
    assert!(
        key.starts_with(&format!("-{}-accesstoken-{BASIC_CLIENT}--", fx.op.issuer())),
        "{key}"
    );
    assert!(entry["home_account_id"].is_null());
    assert_eq!(entry["environment"], fx.op.issuer());
    assert_eq!(entry["realm"], "");
    assert_eq!(entry["origin"], fx.op.base_url());
    assert_eq!(entry["target"], API_SCOPE);

    // A second run is served from the cache.
    let before = fx.op.token_exchanges().len();
    let again = fx.cc_secret(BASIC_CLIENT).run();
    assert_token_stdout(&again, &fx.last_issued());
    assert_eq!(
        fx.op.token_exchanges().len(),
        before,
        "no new token request"
    );
}

#[test]
fn private_key_jwt_with_a_pem_certificate() {
    let fx = Fixture::new();
    let cert = TestCert::shared();
    let pem = fx.env.write_file("client.pem", cert.pem_bundle());
    let run = fx
        .msal()
        .args([
            "client-credentials",
            "--client-id",
            JWT_CLIENT,
            "--scope",
            API_SCOPE,
        ])
        .arg("--certificate")
        .arg(&pem)
        .args(["-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_issued());
    run.assert_not_leaked(&cert.key_pem[40..120], "the private key");
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["auth_method"], "client_assertion");
    let assertion = &exchange["client_assertion"];
    // RS256 (the registration default) and the key named by its RFC 7638 thumbprint, as the
    // provider's JWKS names it: a provider that finds keys by `kid` needs both.
    assert_eq!(assertion["header"]["alg"], "RS256");
    assert!(
        assertion["header"]["kid"]
            .as_str()
            .is_some_and(|kid| kid.len() == 43),
        "{}",
        assertion["header"]
    );
    assert_eq!(
        assertion["claims"]["aud"],
        fx.op.token_endpoint(),
        "the provider's token endpoint is the audience"
    );
    assert_eq!(assertion["claims"]["iss"], JWT_CLIENT);
    assert_eq!(assertion["claims"]["sub"], JWT_CLIENT);
}

#[test]
fn client_secret_post_or_basic_when_asked_for() {
    let fx = Fixture::new();
    let run = fx
        .cc_secret(BASIC_CLIENT)
        .args(["--client-auth-method", "basic"])
        .run();
    // The provider form-decodes the Basic credentials (RFC 6749 §2.3.1): the secret's `:`, `+`,
    // `%` and space arrive intact only if msal encoded them.
    assert_token_stdout(&run, &fx.last_issued());
    run.assert_not_leaked(SECRET, "the client secret");
    assert_eq!(
        fx.op.last_token_exchange()["auth_method"],
        "client_secret_basic"
    );

    // The OpenID Connect name works too, and `post` sends it in the body.
    let run = fx
        .cc_secret(POST_CLIENT)
        .args(["--client-auth-method", "client_secret_post"])
        .run();
    assert_token_stdout(&run, &fx.last_issued());
    assert_eq!(
        fx.op.last_token_exchange()["auth_method"],
        "client_secret_post"
    );
}

#[test]
fn client_secret_post_when_the_provider_offers_only_that() {
    let fx = Fixture::with(
        users()
            .client(secret_client(POST_CLIENT, "client_secret_post"))
            .token_endpoint_auth_methods(&["client_secret_post", "private_key_jwt", "none"]),
    );
    let run = fx.cc_secret(POST_CLIENT).run();
    assert_token_stdout(&run, &fx.last_issued());
    run.assert_not_leaked(SECRET, "the client secret");
    assert_eq!(
        fx.op.last_token_exchange()["auth_method"],
        "client_secret_post"
    );
}

#[test]
fn client_auth_method_is_for_secrets_only() {
    let env = TestEnv::new();
    let pem = env.write_file("client.pem", TestCert::shared().pem_bundle());
    let run = env
        .msal()
        .args(["--oidc-authority", "http://127.0.0.1:9"])
        .args([
            "client-credentials",
            "--client-id",
            JWT_CLIENT,
            "--scope",
            API_SCOPE,
        ])
        .arg("--certificate")
        .arg(&pem)
        .args(["--client-auth-method", "basic"])
        .run();
    run.assert_code(2)
        .assert_stderr_has("--client-auth-method applies to client secrets only");
}

#[test]
fn the_provider_refuses_a_client_that_uses_another_method_than_it_registered() {
    // Control for the client-authentication tests: the provider really checks the method.
    let fx = Fixture::new();
    let run = fx.cc_secret(POST_CLIENT).run();
    run.assert_code(4).assert_stderr_has("invalid_client");
    run.assert_not_leaked(SECRET, "the client secret");
    assert_eq!(
        fx.op.last_token_exchange()["auth_method"],
        "client_secret_basic"
    );
}

// ----- user sign-in ------------------------------------------------------------------------------

#[test]
fn device_code_then_silent_refresh() {
    let fx = Fixture::new();
    // The provider grants `email` and drops `api:read`, which it does not know for users: the
    // cache stores the granted scope from the token response.
    let run = fx.device_code_sign_in(&["email", "api:read"]);
    let issued = fx.last_issued();
    assert_token_stdout(&run, &issued);
    assert_stderr_clean(&run, &issued);
    let granted: Vec<&str> = issued["scope"]
        .as_str()
        .expect("scope")
        .split(' ')
        .collect();
    assert!(
        granted.contains(&"email") && !granted.contains(&"api:read"),
        "{granted:?}"
    );
    let exchange = fx.op.last_token_exchange();
    assert_eq!(
        exchange["grant_type"],
        "urn:ietf:params:oauth:grant-type:device_code"
    );
    assert!(exchange["client_info"].is_null());
    assert_user_cached(&fx, &issued, "email");
    refresh_and_check(&fx, &issued, "email");
}

#[test]
fn login_with_pkce_through_the_provider_pages_then_silent_refresh() {
    let fx = Fixture::new();
    let run = fx.login(&["--scope", "email", "-v"]);
    let issued = fx.last_issued();
    assert_token_stdout(&run, &issued);
    run.assert_stderr_has(ALICE_USERNAME);

    // What msal asked the provider for: a code, PKCE S256, form_post to its loopback address.
    let requests = fx.op.authorization_requests();
    assert_eq!(requests.len(), 1, "one authorization request");
    let authorize = &requests[0];
    assert_eq!(authorize["response_type"], "code");
    assert_eq!(authorize["code_challenge_method"], "S256");
    assert_eq!(authorize["response_mode"], "form_post");
    assert_eq!(authorize["client_id"], PUBLIC_CLIENT);
    let redirect_uri = authorize["redirect_uri"].as_str().expect("redirect_uri");
    assert!(
        redirect_uri.starts_with("http://127.0.0.1:") && redirect_uri.ends_with('/'),
        "{redirect_uri}"
    );
    let scope = authorize["scope"].as_str().expect("scope");
    for wanted in ["openid", "profile", "offline_access", "email"] {
        assert!(scope.split(' ').any(|s| s == wanted), "{scope}");
    }

    // The code was redeemed with the verifier (the provider checked it against the challenge).
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["auth_method"], "none");
    assert_eq!(exchange["redirect_uri"], redirect_uri);
    let verifier = exchange["code_verifier"].as_str().expect("a code_verifier");
    assert!(verifier.len() >= 43, "RFC 7636 §4.1");
    assert_stderr_clean(&run, &issued);
    for (secret, what) in [
        (verifier, "the PKCE verifier"),
        (exchange["code"].as_str().expect("code"), "the code"),
    ] {
        assert!(!run.stderr.contains(secret), "{what} appears on stderr");
    }
    assert_user_cached(&fx, &issued, "email");
    refresh_and_check(&fx, &issued, "email");
}

/// The cache holds Alice's account keyed by `sub`, her ID token, the access token under the
/// granted scope, and the refresh token, all exactly as the provider issued them.
#[track_caller]
fn assert_user_cached(fx: &Fixture, issued: &Value, target: &str) {
    let cache = fx.env.read_cache_json();
    let accounts = section(&cache, "Account");
    assert_eq!(accounts.len(), 1, "one account");
    let (key, account) = &accounts[0];
    assert_eq!(key, &format!("{ALICE_SUB}-{}-", fx.op.issuer()));
    assert_eq!(
        account["home_account_id"], ALICE_SUB,
        "keyed by the ID token's sub"
    );
    assert_eq!(account["local_account_id"], ALICE_SUB);
    assert_eq!(account["username"], ALICE_USERNAME);
    assert_eq!(account["environment"], fx.op.issuer());
    assert_eq!(account["origin"], fx.op.base_url());

    let tokens = section(&cache, "AccessToken");
    assert_eq!(tokens.len(), 1, "one access token");
    let (_, at) = &tokens[0];
    assert_eq!(at["home_account_id"], ALICE_SUB);
    assert_eq!(
        at["target"], target,
        "the granted scope, without openid/profile/offline_access"
    );
    assert!(
        at["secret"] == issued["access_token"],
        "the issued access token"
    );

    let refresh = section(&cache, "RefreshToken");
    assert_eq!(refresh.len(), 1, "one refresh token");
    assert!(
        refresh[0].1["secret"] == issued["refresh_token"],
        "the issued refresh token"
    );
    let id_tokens = section(&cache, "IdToken");
    assert_eq!(id_tokens.len(), 1, "one ID token");
    assert!(id_tokens[0].1["secret"] == issued["id_token"]);

    let accounts = fx
        .msal()
        .args(["accounts", "--client-id", PUBLIC_CLIENT, "-o", "json"])
        .run();
    accounts.assert_success();
    let listed = accounts.stdout_json();
    assert_eq!(listed[0]["home_account_id"], ALICE_SUB, "{listed}");
    assert_eq!(listed[0]["username"], ALICE_USERNAME);
}

/// `msal silent` serves the cached token; `--force-refresh` redeems the refresh token, prints the
/// new access token and keeps the rotated refresh token.
#[track_caller]
fn refresh_and_check(fx: &Fixture, issued: &Value, scope: &str) {
    let before = fx.op.token_exchanges().len();
    let cached = fx
        .msal()
        .args([
            "silent",
            "--client-id",
            PUBLIC_CLIENT,
            "--scope",
            scope,
            "-o",
            "token",
        ])
        .run();
    assert_token_stdout(&cached, issued);
    assert_eq!(
        fx.op.token_exchanges().len(),
        before,
        "served from the cache"
    );

    let run = fx
        .msal()
        .args(["silent", "--client-id", PUBLIC_CLIENT, "--scope", scope])
        .args(["--force-refresh", "-o", "token"])
        .run();
    let refreshed = fx.last_issued();
    assert_token_stdout(&run, &refreshed);
    assert_stderr_clean(&run, &refreshed);
    let exchange = fx.op.last_token_exchange();
    assert_eq!(exchange["grant_type"], "refresh_token");
    assert!(
        refreshed["access_token"] != issued["access_token"],
        "a new access token"
    );
    let rotated = refreshed["refresh_token"]
        .as_str()
        .expect("a rotated refresh token");
    assert!(
        issued["refresh_token"] != rotated,
        "the provider rotated it"
    );
    let cache = fx.env.read_cache_json();
    let refresh = section(&cache, "RefreshToken");
    assert_eq!(refresh.len(), 1, "the rotated token replaced the spent one");
    assert!(
        refresh[0].1["secret"] == rotated,
        "the rotated refresh token is kept"
    );
    let tokens = section(&cache, "AccessToken");
    assert!(
        tokens
            .iter()
            .any(|(_, at)| at["secret"] == refreshed["access_token"]),
        "the new access token is cached"
    );
}

#[test]
fn an_id_token_with_only_sub_still_names_the_account() {
    // OpenID Connect Core §5.4: with an access token, the profile claims may come only from the
    // UserInfo endpoint; the ID token then has `sub` and no username.
    let fx = Fixture::with(config().id_token_profile_claims(false));
    let run = fx.device_code_sign_in(&["email"]);
    assert_token_stdout(&run, &fx.last_issued());
    run.assert_stderr_has(&format!("signed in as {ALICE_SUB}"));
    let cache = fx.env.read_cache_json();
    let accounts = section(&cache, "Account");
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].1["home_account_id"], ALICE_SUB);
    // No preferred_username, e-mail or name: the sub is the only name there is.
    assert_eq!(accounts[0].1["username"], ALICE_SUB);
    let silent = fx
        .msal()
        .args(["silent", "--client-id", PUBLIC_CLIENT, "--scope", "email"])
        .args(["--account", ALICE_SUB, "-o", "token"])
        .run();
    assert_token_stdout(&silent, &fx.last_issued());
}

// ----- discovery ---------------------------------------------------------------------------------

#[test]
fn an_issuer_that_differs_from_the_authority_is_refused() {
    // The provider calls itself http://localhost:PORT; msal is pointed at 127.0.0.1:PORT.
    let fx = Fixture::with(config().issuer_host("localhost"));
    let run = fx
        .env
        .msal()
        .args(["--oidc-authority", &fx.op.base_url()])
        .args([
            "client-credentials",
            "--client-id",
            POST_CLIENT,
            "--scope",
            API_SCOPE,
        ])
        .arg("--client-secret-file")
        .arg(fx.secret_file())
        .run();
    run.assert_code(1)
        .assert_stderr_has(&format!("\"{}\"", fx.op.issuer()));
    run.assert_not_leaked(SECRET, "the client secret");
    assert!(
        fx.op.token_exchanges().is_empty(),
        "no secret was sent to an issuer msal did not ask for"
    );
}

#[test]
fn the_issuer_must_be_given_exactly() {
    let fx = Fixture::new();
    let cc = |authority: &str| {
        fx.env
            .msal()
            .args(["--oidc-authority", authority])
            .args([
                "client-credentials",
                "--client-id",
                BASIC_CLIENT,
                "--scope",
                API_SCOPE,
            ])
            .arg("--client-secret-file")
            .arg(fx.secret_file())
            .args(["--force-refresh", "-o", "token"])
            .run()
    };
    let localhost = fx.op.issuer().replace("127.0.0.1", "localhost");
    let slash = format!("{}/", fx.op.issuer());
    for wrong in [&localhost, &slash] {
        let run = cc(wrong);
        run.assert_code(1)
            .assert_stderr_has(&format!("--oidc-authority {}", fx.op.issuer()));
    }
    assert!(fx.op.token_exchanges().is_empty(), "no token request");
    // The exact issuer works; then a cached discovery document is not reused for a near miss.
    let run = cc(fx.op.issuer());
    assert_token_stdout(&run, &fx.last_issued());
    cc(&slash).assert_code(1);
    assert_eq!(fx.op.token_exchanges().len(), 1);
}

// ----- several issuers on one host ---------------------------------------------------------------

/// Two realms on one port, as Keycloak serves them: MSAL's host and first path segment
/// (`127.0.0.1`, `realms`) are the same for both.
const DEV: &str = "/realms/dev";
const PROD: &str = "/realms/prod";

fn realms() -> Fixture {
    Fixture::with(config().issuer_paths(&[DEV, PROD]))
}

#[test]
fn an_app_token_of_one_issuer_is_never_served_to_a_wrong_secret_at_another_on_the_same_host() {
    let fx = realms();
    assert_eq!(fx.op.issuer(), fx.op.issuer_at(DEV));
    let at_dev = fx.cc_secret(BASIC_CLIENT).run();
    at_dev.assert_success();
    let dev_token = fx.last_issued()["access_token"].clone();
    let exchanges = fx.op.token_exchanges().len();

    let wrong = fx.env.write_file("wrong-secret", "not-the-secret\n");
    let at_prod = fx
        .env
        .msal()
        .args(["--oidc-authority", &fx.op.issuer_at(PROD)])
        .args(["client-credentials", "--client-id", BASIC_CLIENT])
        .args(["--scope", API_SCOPE, "-o", "token", "--client-secret-file"])
        .arg(wrong)
        .run();
    at_prod.assert_code(4).assert_stdout_eq("", "no token");
    at_prod.assert_not_leaked(dev_token.as_str().expect("a token"), "dev's access token");
    let exchange = fx.op.last_token_exchange();
    assert_eq!(
        fx.op.token_exchanges().len(),
        exchanges + 1,
        "prod was asked"
    );
    assert_eq!(exchange["issuer"], fx.op.issuer_at(PROD));
    assert_eq!(exchange["status"], 401);
}

#[test]
fn a_user_signed_in_at_one_issuer_is_not_signed_in_at_another_on_the_same_host() {
    let fx = realms();
    fx.device_code_sign_in(&["email"]);
    let issued = fx.last_issued();
    let exchanges = fx.op.token_exchanges().len();
    let prod = fx.op.issuer_at(PROD);
    for extra in [&[][..], &["--force-refresh"][..]] {
        let run = fx
            .env
            .msal()
            .args([
                "--oidc-authority",
                &prod,
                "silent",
                "--client-id",
                PUBLIC_CLIENT,
            ])
            .args(["--scope", "email", "-o", "token"])
            .args(extra)
            .run();
        run.assert_code(3).assert_stdout_eq("", "no token");
        assert_stderr_clean(&run, &issued);
    }
    assert_eq!(
        fx.op.token_exchanges().len(),
        exchanges,
        "no refresh token went to either issuer"
    );
    let listed = fx
        .env
        .msal()
        .args([
            "--oidc-authority",
            &prod,
            "accounts",
            "--client-id",
            PUBLIC_CLIENT,
        ])
        .args(["-o", "json"])
        .run();
    listed.assert_success();
    assert_eq!(listed.stdout_json(), json!([]));

    // At dev she is signed in, and the account says where.
    let at_dev = fx
        .msal()
        .args([
            "silent",
            "--client-id",
            PUBLIC_CLIENT,
            "--scope",
            "email",
            "-o",
            "token",
        ])
        .run();
    assert_token_stdout(&at_dev, &issued);
    let listed = fx
        .msal()
        .args(["accounts", "--client-id", PUBLIC_CLIENT, "-o", "json"])
        .run();
    assert_eq!(listed.stdout_json()[0]["authority"], fx.op.issuer_at(DEV));
}

// ----- private_key_jwt as providers register it ----------------------------------------------

/// A client registered by a JWKS (its key named by `kid`) for one signing algorithm only, as
/// Keycloak, Okta and Auth0 register `private_key_jwt` clients.
fn jwks_client(client_id: &str, certificate_pem: &str, alg: &str) -> Value {
    json!({
        "client_id": client_id,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": alg,
        "certificate_pem": certificate_pem,
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
    })
}

#[test]
fn private_key_jwt_for_clients_registered_for_rs256_or_an_ec_key() {
    let ec_key = rcgen::KeyPair::generate().unwrap();
    let ec_cert = rcgen::CertificateParams::new(vec!["ec-client".to_owned()])
        .unwrap()
        .self_signed(&ec_key)
        .unwrap();
    let rsa = TestCert::shared();
    let fx = Fixture::with(
        users()
            .client(jwks_client("rs256-only", &rsa.cert_pem, "RS256"))
            .client(jwks_client("ec-client", &ec_cert.pem(), "ES256")),
    );
    let cases = [
        ("rs256-only", rsa.pem_bundle(), "RS256"),
        (
            "ec-client",
            format!("{}{}", ec_key.serialize_pem(), ec_cert.pem()),
            "ES256",
        ),
    ];
    for (client, pem, alg) in cases {
        let file = fx.env.write_file(&format!("{client}.pem"), pem);
        let run = fx
            .msal()
            .args([
                "client-credentials",
                "--client-id",
                client,
                "--scope",
                API_SCOPE,
            ])
            .arg("--certificate")
            .arg(&file)
            .args(["-o", "token"])
            .run();
        assert_token_stdout(&run, &fx.last_issued());
        let assertion = &fx.op.last_token_exchange()["client_assertion"];
        assert_eq!(assertion["header"]["alg"], alg, "{client}");
        assert!(assertion["header"]["kid"].is_string(), "{client}");
    }
}

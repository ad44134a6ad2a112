//! What a sign-in asks a provider other than Entra ID for, as its users set it up:
//! `offline_access` only where discovery's `scopes_supported` lists it (or lists nothing), never
//! with `--no-offline-access` (`MSAL_OFFLINE_ACCESS=false`, the profile's `offline_access`), and
//! the provider's own authorization parameters with `--auth-param` (the profile's
//! `auth_params`), as Google wants `access_type=offline` instead of the scope, which it refuses.

use serde_json::{Value, json};

use crate::oidc::{
    ALICE_PASSWORD, ALICE_SUB, ALICE_USERNAME, assert_token_stdout, browser_program, section,
    wait_for_line,
};
use crate::support::browser::Browser;
use crate::support::oidc::{OidcConfig, OidcProvider};
use crate::support::{Msal, Run, TestEnv};

const CLIENT: &str = "native-cli";

/// Alice and a native client on msal's default redirect URI, with `customize` applied.
fn provider(customize: impl FnOnce(OidcConfig) -> OidcConfig) -> OidcProvider {
    OidcProvider::start(&customize(
        OidcConfig::new()
            .account(json!({"sub": ALICE_SUB, "preferred_username": ALICE_USERNAME}))
            .client(client(&["authorization_code", "refresh_token"])),
    ))
}

fn client(grant_types: &[&str]) -> Value {
    json!({
        "client_id": CLIENT,
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "grant_types": grant_types,
        "response_types": ["code"],
        "redirect_uris": ["http://127.0.0.1/"],
    })
}

fn login<'a>(env: &'a TestEnv, op: &OidcProvider) -> Msal<'a> {
    env.msal().args([
        "--oidc-authority",
        op.issuer(),
        "login",
        "--client-id",
        CLIENT,
        "--scope",
        "email",
        "-o",
        "token",
    ])
}

/// Runs `msal` with a browser that goes through the provider's pages; the run and the last page.
fn with_browser(env: &TestEnv, msal: Msal<'_>) -> (Run, String) {
    let (browser, urls) = browser_program(env);
    // The program appends; this run's URL must be the first line.
    let _ = std::fs::remove_file(&urls);
    let running = msal.env("BROWSER", &browser).spawn();
    let Some(url) = wait_for_line(&urls) else {
        panic!("msal did not open the browser: {:?}", running.wait());
    };
    let page = Browser::new().complete(&url, &[("login", ALICE_SUB), ("password", ALICE_PASSWORD)]);
    assert!(
        page.body.contains("Signed in"),
        "the browser did not come back to msal: HTTP {}: {}",
        page.status,
        page.body
    );
    (running.wait(), page.body)
}

fn requested_scopes(op: &OidcProvider) -> Vec<String> {
    let requests = op.authorization_requests();
    let last: &Value = requests.last().expect("an authorization request");
    last["scope"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .map(str::to_owned)
        .collect()
}

fn last_issued(op: &OidcProvider) -> Value {
    let exchange = op.last_token_exchange();
    assert_eq!(exchange["status"], 200, "{}", exchange["response"]);
    exchange["response"].clone()
}

#[test]
fn offline_access_is_not_asked_of_a_provider_whose_discovery_leaves_it_out() {
    // Like Google: discovery lists no offline_access, and asking for it is an error.
    // (oidc-provider then has no refresh_token grant for clients either.)
    let op = OidcProvider::start(
        &OidcConfig::new()
            .account(json!({"sub": ALICE_SUB, "preferred_username": ALICE_USERNAME}))
            .client(client(&["authorization_code"]))
            .scopes(&["openid"])
            .refused_scopes(&["offline_access"]),
    );
    let env = TestEnv::new();
    let (run, _) = with_browser(&env, login(&env, &op));
    assert_token_stdout(&run, &last_issued(&op));
    let scopes = requested_scopes(&op);
    assert!(!scopes.contains(&"offline_access".to_owned()), "{scopes:?}");
    for wanted in ["openid", "profile", "email"] {
        assert!(scopes.contains(&wanted.to_owned()), "{scopes:?}");
    }
}

#[test]
fn offline_access_is_asked_where_discovery_lists_it_unless_turned_off() {
    let op = provider(|c| c);
    let env = TestEnv::new();
    let (run, _) = with_browser(&env, login(&env, &op));
    assert!(last_issued(&op)["refresh_token"].is_string());
    assert_token_stdout(&run, &last_issued(&op));
    assert!(requested_scopes(&op).contains(&"offline_access".to_owned()));

    let config = env.write_file("config.toml", "[profiles.short]\noffline_access = false\n");
    for turned_off in [
        login(&env, &op).arg("--no-offline-access"),
        login(&env, &op).env("MSAL_OFFLINE_ACCESS", "false"),
        login(&env, &op)
            .env("MSAL_CONFIG", &config)
            .args(["--profile", "short"]),
    ] {
        let (run, _) = with_browser(&env, turned_off);
        let issued = last_issued(&op);
        assert_token_stdout(&run, &issued);
        assert!(
            !requested_scopes(&op).contains(&"offline_access".to_owned()),
            "{:?}",
            requested_scopes(&op)
        );
        assert!(issued["refresh_token"].is_null(), "no refresh token issued");
    }
    // The refresh token of the first sign-in is still the only one kept.
    assert_eq!(section(&env.read_cache_json(), "RefreshToken").len(), 1);
}

#[test]
fn auth_params_reach_the_authorization_request() {
    let op = provider(|c| c);
    let env = TestEnv::new();
    let config = env.write_file(
        "config.toml",
        "[profiles.google]\nauth_params = { access_type = \"offline\", ui_locales = \"de\" }\n",
    );
    let (run, _) = with_browser(
        &env,
        login(&env, &op)
            .args([
                "--auth-param",
                "ui_locales=fr",
                "--auth-param",
                "acr_values=urn:mfa",
            ])
            .env("MSAL_CONFIG", &config)
            .args(["--profile", "google"]),
    );
    assert_token_stdout(&run, &last_issued(&op));
    let request = op.authorization_requests().pop().expect("a request");
    assert_eq!(
        request["ui_locales"], "fr",
        "the option wins over the profile"
    );
    assert_eq!(request["acr_values"], "urn:mfa");
    assert_eq!(request["access_type"], "offline", "from the profile");

    for (param, expected) in [
        ("state=forged", "\"state\""),
        ("code_challenge_method=plain", "\"code_challenge_method\""),
        ("novalue", "is not KEY=VALUE"),
    ] {
        let run = login(&env, &op).args(["--auth-param", param]).run();
        run.assert_code(2).assert_stderr_has(expected);
    }
}

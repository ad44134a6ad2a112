//! `msal login --redirect-uri` against a provider that matches redirect URIs exactly, as most do
//! (Keycloak, Okta, Auth0, Google): `oidc-provider` with `web` clients, whose registered redirect
//! URIs must be sent character for character, port and path included.
//!
//! A loopback URI is listened on, on its port and its path only; any other registered URI (an
//! app's `https` page) works with `--no-browser` by pasting the address the browser ends on. When
//! the provider refuses the redirect URI, the browser shows the provider's error and never comes
//! back, so msal can only say, once its wait is over, which URI it used and what to register.

use std::time::Duration;

use serde_json::{Value, json};

use crate::oidc::{
    ALICE_PASSWORD, ALICE_SUB, ALICE_USERNAME, assert_stderr_clean, assert_token_stdout,
    browser_program, wait_for_line,
};
use crate::support::browser::Browser;
use crate::support::oidc::{OidcConfig, OidcProvider};
use crate::support::{Msal, Run, TestEnv};

/// A public `web` client: oidc-provider compares its redirect URIs exactly (no loopback port
/// leeway, unlike a `native` client's).
const WEB_CLIENT: &str = "web-exact-redirect";

/// A port free on 127.0.0.1 and ::1 right now, for a redirect URI with a fixed port (registered
/// before msal runs, as a user registers one).
pub(crate) fn free_port() -> u16 {
    loop {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = v4.local_addr().expect("local address").port();
        if std::net::TcpListener::bind(("::1", port)).is_ok() {
            return port;
        }
    }
}

/// Alice, and [`WEB_CLIENT`] with `redirect_uris`.
fn provider(redirect_uris: &[&str]) -> OidcProvider {
    OidcProvider::start(
        &OidcConfig::new()
            .account(json!({
                "sub": ALICE_SUB,
                "preferred_username": ALICE_USERNAME,
                "email": ALICE_USERNAME,
            }))
            .client(json!({
                "client_id": WEB_CLIENT,
                "application_type": "web",
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "redirect_uris": redirect_uris,
            })),
    )
}

fn login<'a>(env: &'a TestEnv, op: &OidcProvider) -> Msal<'a> {
    env.msal().args([
        "--oidc-authority",
        op.issuer(),
        "login",
        "--client-id",
        WEB_CLIENT,
        "--scope",
        "email",
        "-o",
        "token",
    ])
}

/// Runs `msal`, playing the browser it opens through the provider's pages; returns the run and
/// the last page the browser showed.
fn sign_in_with_browser(env: &TestEnv, msal: Msal<'_>) -> (Run, Value) {
    let (browser, urls) = browser_program(env);
    let running = msal.env("BROWSER", &browser).spawn();
    let Some(url) = wait_for_line(&urls) else {
        panic!("msal did not open the browser: {:?}", running.wait());
    };
    let page = Browser::new().complete(&url, &[("login", ALICE_SUB), ("password", ALICE_PASSWORD)]);
    (
        running.wait(),
        json!({"status": page.status, "body": page.body}),
    )
}

fn last_issued(op: &OidcProvider) -> Value {
    let exchange = op.last_token_exchange();
    assert_eq!(exchange["status"], 200, "{}", exchange["response"]);
    exchange["response"].clone()
}

#[test]
fn the_registered_uri_with_its_port_and_path_is_sent_and_listened_on() {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let op = provider(&[&redirect]);
    let env = TestEnv::new();
    let (run, page) =
        sign_in_with_browser(&env, login(&env, &op).args(["--redirect-uri", &redirect]));
    assert_eq!(page["status"], 200, "msal's page: {}", page["body"]);
    assert!(
        page["body"]
            .as_str()
            .unwrap_or_default()
            .contains("Signed in"),
        "{}",
        page["body"]
    );
    let issued = last_issued(&op);
    assert_token_stdout(&run, &issued);
    assert_stderr_clean(&run, &issued);

    let requests = op.authorization_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["redirect_uri"], redirect.as_str(), "exactly");
    assert_eq!(requests[0]["response_mode"], "form_post");
    let exchange = op.last_token_exchange();
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["redirect_uri"], redirect.as_str());
}

#[test]
fn the_redirect_uri_from_the_environment_keeps_its_trailing_slash() {
    // `http://localhost:PORT/cb/` and `…/cb` are different registrations to an exact matcher.
    let redirect = format!("http://localhost:{}/cb/", free_port());
    let op = provider(&[&redirect]);
    let env = TestEnv::new();
    let (run, _) = sign_in_with_browser(&env, login(&env, &op).env("MSAL_REDIRECT_URI", &redirect));
    assert_token_stdout(&run, &last_issued(&op));
    assert_eq!(
        op.authorization_requests()[0]["redirect_uri"],
        redirect.as_str()
    );
}

#[test]
fn a_refused_default_redirect_is_reported_with_what_to_register() {
    // The application registered a fixed port and path; msal, not told, sends its default. The
    // provider shows an error page and never sends the browser back.
    let registered = format!("http://127.0.0.1:{}/callback", free_port());
    let op = provider(&[&registered]);
    let env = TestEnv::new();
    let (run, page) = sign_in_with_browser(&env, login(&env, &op).args(["--timeout", "4"]));
    assert_eq!(
        page["status"], 400,
        "the provider refused: {}",
        page["body"]
    );
    let sent = op.authorization_requests()[0]["redirect_uri"]
        .as_str()
        .expect("redirect_uri")
        .to_owned();
    assert!(
        sent.starts_with("http://127.0.0.1:") && sent.ends_with('/') && sent != registered,
        "msal's default for providers other than Entra ID: {sent}"
    );
    run.assert_code(1)
        .assert_stderr_has(&format!("no sign-in response arrived within 4 s at {sent}"))
        .assert_stderr_has("register it for the application exactly")
        .assert_stderr_has("--redirect-uri with a fixed port");
    assert!(run.stdout.is_empty());
    assert!(op.token_exchanges().is_empty(), "nothing was redeemed");
}

#[test]
fn any_registered_uri_works_by_pasting_the_final_address() {
    // A web app's https redirect URI: nothing listens there; the user copies the address the
    // browser ends on (the page itself may not even load).
    const APP: &str = "https://app.example/oauth/callback";
    let op = provider(&[APP]);
    let env = TestEnv::new();
    let mut running = login(&env, &op)
        .args(["--no-browser", "--redirect-uri", APP])
        .stdin_pipe()
        .spawn();
    let stderr = running.wait_for_stderr("/auth?", Duration::from_secs(30));
    let url = stderr
        .split_whitespace()
        .find(|w| w.contains("/auth?"))
        .expect("the sign-in URL")
        .to_owned();
    running.wait_for_stderr(
        &format!("the browser goes to {APP}"),
        Duration::from_secs(5),
    );
    let Err(final_address) = Browser::new().complete_until(
        &url,
        &[("login", ALICE_SUB), ("password", ALICE_PASSWORD)],
        Some("https://app.example/"),
    ) else {
        panic!("the provider did not send the browser to {APP}");
    };
    assert!(final_address.contains("code="), "{final_address}");
    running.write_stdin(format!("{final_address}\n").as_bytes());
    let run = running.wait();
    let issued = last_issued(&op);
    assert_token_stdout(&run, &issued);
    assert_stderr_clean(&run, &issued);
    let authorize = &op.authorization_requests()[0];
    assert_eq!(authorize["redirect_uri"], APP);
    assert_eq!(
        authorize["response_mode"], "query",
        "a pasted address must carry the code"
    );
    assert_eq!(op.last_token_exchange()["redirect_uri"], APP);
}

#[test]
fn redirect_uris_msal_cannot_use_are_usage_errors() {
    let env = TestEnv::new();
    let profile = env.write_file(
        "config.toml",
        "[profiles.app]\nredirect_uri = \"https://app.example/cb\"\n",
    );
    let login = || {
        env.msal().args([
            "--oidc-authority",
            "http://127.0.0.1:9/idp",
            "login",
            "--scope",
            "email",
        ])
    };
    for (msal, expected) in [
        (
            login().args(["--redirect-uri", "https://app.example/cb"]),
            "add --no-browser",
        ),
        (
            login().args(["--redirect-uri", "http://127.0.0.1:8400/cb#top"]),
            "fragment",
        ),
        (
            login().args(["--redirect-uri", "127.0.0.1:8400/cb"]),
            "not an absolute URI",
        ),
        (
            login()
                .args(["--port", "8400"])
                .env("MSAL_REDIRECT_URI", "http://127.0.0.1:8401/cb"),
            "put the port in the redirect URI",
        ),
        (
            login().args(["--port", "8400", "--redirect-uri", "http://127.0.0.1/cb"]),
            "cannot be used with",
        ),
        (
            login()
                .env("MSAL_CONFIG", &profile)
                .args(["--profile", "app"]),
            "the profile's redirect_uri",
        ),
    ] {
        let run = msal.run();
        run.assert_code(2).assert_stderr_has(expected);
        assert!(run.stdout.is_empty());
    }
}

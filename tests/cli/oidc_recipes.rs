//! The README's recipes for other OpenID providers, run as written against `oidc-provider` set up
//! the way that provider behaves: Keycloak (exact redirect URIs, a fixed port, issuer
//! `…/realms/dev`) and Google (a desktop client: any loopback port, a secret at the token
//! endpoint, no `offline_access`, `access_type=offline` instead). Only what cannot run here is
//! replaced: the provider's address, and the port when the README's is taken.

use std::path::Path;

use serde_json::json;

use crate::oidc::{
    ALICE_PASSWORD, ALICE_SUB, ALICE_USERNAME, SECRET, assert_token_stdout, browser_program,
    wait_for_line,
};
use crate::recipes::recipe;
use crate::redirect_uri::free_port;
use crate::support::browser::Browser;
use crate::support::oidc::{OidcConfig, OidcProvider};
use crate::support::{Run, TestEnv};

/// The `msal …` commands of a recipe block (continuation lines joined), each as its arguments
/// after `msal`. The recipes quote nothing, so whitespace separates arguments.
fn commands(block: &str) -> Vec<Vec<String>> {
    block
        .replace("\\\n", " ")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("msal "))
        .map(|rest| rest.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// `args` with each `from` replaced by `to`, inside arguments too.
fn replaced(args: &[String], pairs: &[(&str, &str)]) -> Vec<String> {
    args.iter()
        .map(|arg| {
            pairs
                .iter()
                .fold(arg.clone(), |arg, (from, to)| arg.replace(from, to))
        })
        .collect()
}

/// Runs `msal ARGS` with a browser that signs Alice in on the provider's pages.
fn login_with_browser(env: &TestEnv, args: &[String]) -> Run {
    let (browser, urls) = browser_program(env);
    let running = env
        .msal()
        .args(args)
        .args(["-o", "token"])
        .env("BROWSER", &browser)
        .spawn();
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
    running.wait()
}

fn last_issued(op: &OidcProvider) -> serde_json::Value {
    let exchange = op.last_token_exchange();
    assert_eq!(exchange["status"], 200, "{}", exchange["response"]);
    exchange["response"].clone()
}

#[test]
fn keycloak_recipe_signs_in_with_the_registered_redirect_uri_and_a_device_code() {
    let block = recipe("keycloak");
    let steps = commands(&block);
    assert_eq!(steps.len(), 2, "{block}");
    // The README's port, unless something here holds it.
    let port = if std::net::TcpListener::bind("127.0.0.1:8400").is_ok()
        && std::net::TcpListener::bind("[::1]:8400").is_ok()
    {
        8400
    } else {
        free_port()
    };
    let registered = format!("http://127.0.0.1:{port}/callback");
    // A public client (client authentication off), matched exactly as Keycloak matches.
    let op = OidcProvider::start(
        &OidcConfig::new()
            .issuer_paths(&["/realms/dev"])
            .account(json!({"sub": ALICE_SUB, "preferred_username": ALICE_USERNAME}))
            .client(json!({
                "client_id": "msal-cli",
                "application_type": "web",
                "token_endpoint_auth_method": "none",
                "grant_types": [
                    "authorization_code",
                    "refresh_token",
                    "urn:ietf:params:oauth:grant-type:device_code",
                ],
                "response_types": ["code"],
                "redirect_uris": [registered],
            })),
    );
    let here = [
        ("https://sso.example.com/realms/dev", op.issuer()),
        ("127.0.0.1:8400", &format!("127.0.0.1:{port}")),
    ];
    let env = TestEnv::new();

    let login = replaced(&steps[0], &here);
    assert_eq!(login[0], "login");
    let run = login_with_browser(&env, &login);
    assert_token_stdout(&run, &last_issued(&op));
    assert_eq!(
        op.authorization_requests()[0]["redirect_uri"],
        registered.as_str()
    );

    let device = replaced(&steps[1], &here);
    assert_eq!(device[0], "device-code");
    let running = env.msal().args(&device).args(["-o", "token"]).spawn();
    let authorization = op
        .wait_for_device_authorization()
        .expect("a device authorization");
    op.approve_device(&authorization, ALICE_SUB, ALICE_PASSWORD);
    assert_token_stdout(&running.wait(), &last_issued(&op));
}

#[test]
fn google_recipe_signs_in_a_desktop_client_with_access_type_offline() {
    let block = recipe("google");
    let steps = commands(&block);
    assert_eq!(steps.len(), 1, "{block}");
    let client_id = steps[0]
        .iter()
        .skip_while(|a| *a != "--client-id")
        .nth(1)
        .expect("--client-id")
        .clone();
    // A desktop client: any loopback port, a secret at the token endpoint; no offline_access
    // in discovery, and an error for asking for it.
    let op = OidcProvider::start(
        &OidcConfig::new()
            .account(json!({"sub": ALICE_SUB, "email": ALICE_USERNAME}))
            .client(json!({
                "client_id": client_id,
                "client_secret": SECRET,
                "application_type": "native",
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "redirect_uris": ["http://127.0.0.1/"],
            }))
            .scopes(&["openid"])
            .refused_scopes(&["offline_access"]),
    );
    let env = TestEnv::new();
    let secret = env.write_file("google-secret.txt", format!("{SECRET}\n"));
    let here = [
        ("https://accounts.google.com", op.issuer()),
        ("google-secret.txt", &path(&secret)),
    ];
    let run = login_with_browser(&env, &replaced(&steps[0], &here));
    assert_token_stdout(&run, &last_issued(&op));
    run.assert_not_leaked(SECRET, "the client secret");
    let authorize = &op.authorization_requests()[0];
    assert_eq!(authorize["access_type"], "offline");
    assert_eq!(authorize["prompt"], "consent");
    assert!(
        !authorize["scope"]
            .as_str()
            .unwrap_or_default()
            .contains("offline_access"),
        "{}",
        authorize["scope"]
    );
    assert_eq!(
        op.last_token_exchange()["auth_method"],
        "client_secret_basic"
    );
}

fn path(file: &Path) -> String {
    file.to_str().expect("a UTF-8 path").to_owned()
}

//! Entra's words stay out of generic use: at an OpenID provider whose issuer path starts with a
//! segment (here `/api`, which MSAL's rule would call a tenant), msal names the issuer, never a
//! "tenant api"; `client-credentials` needs no `<resource>/.default` scope there (RFC 6749 §4.4.2
//! makes the scope optional).

use serde_json::json;

use crate::oidc::{ALICE_PASSWORD, ALICE_SUB, ALICE_USERNAME, SECRET};
use crate::support::oidc::{OidcConfig, OidcProvider};
use crate::support::{Msal, TestEnv};

const PUBLIC: &str = "words-public";
const SERVICE: &str = "words-service";

fn provider() -> OidcProvider {
    OidcProvider::start(
        &OidcConfig::new()
            .issuer_paths(&["/api"])
            .account(json!({"sub": ALICE_SUB, "preferred_username": ALICE_USERNAME}))
            .client(json!({
                "client_id": PUBLIC,
                "application_type": "native",
                "token_endpoint_auth_method": "none",
                "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
                "response_types": [],
                "redirect_uris": [],
            }))
            .client(json!({
                "client_id": SERVICE,
                "client_secret": SECRET,
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["client_credentials"],
                "response_types": [],
                "redirect_uris": [],
            })),
    )
}

fn msal<'a>(env: &'a TestEnv, op: &OidcProvider) -> Msal<'a> {
    env.msal().args(["--oidc-authority", op.issuer()])
}

#[test]
fn an_issuer_with_a_path_is_named_as_the_issuer_not_a_tenant() {
    let op = provider();
    assert!(op.issuer().ends_with("/api"), "{}", op.issuer());
    let env = TestEnv::new();
    let running = msal(&env, &op)
        .args(["device-code", "--client-id", PUBLIC, "--scope", "email"])
        .spawn();
    let authorization = op
        .wait_for_device_authorization()
        .expect("a device authorization");
    op.approve_device(&authorization, ALICE_SUB, ALICE_PASSWORD);
    let run = running.wait();
    run.assert_success()
        .assert_stderr_has(&format!("signed in as {ALICE_USERNAME} at {}", op.issuer()));
    assert!(!run.stderr.contains("tenant"), "{}", run.stderr);

    let accounts = msal(&env, &op).args(["accounts", "-o", "json"]).run();
    accounts.assert_success();
    let listed = &accounts.stdout_json()[0];
    assert_eq!(listed["authority"], op.issuer());
    // No tenant at a provider that has none: null, as `-o json` shows absent values.
    assert_eq!(listed["tenant"], serde_json::Value::Null);

    let failed = msal(&env, &op)
        .args(["silent", "--client-id", PUBLIC, "--scope", "email"])
        .args(["--username", "nobody@example.test"])
        .run();
    failed.assert_code(3);
    assert!(!failed.stderr.contains("tenant"), "{}", failed.stderr);
}

#[test]
fn client_credentials_need_no_dot_default_scope_at_other_providers() {
    let op = provider();
    let env = TestEnv::new();
    let secret = env.write_file("secret", format!("{SECRET}\n"));
    let cc = || {
        msal(&env, &op)
            .args(["client-credentials", "--client-id", SERVICE, "-o", "token"])
            .arg("--client-secret-file")
            .arg(&secret)
    };
    let run = cc().run();
    run.assert_success();
    let exchange = op.last_token_exchange();
    assert_eq!(exchange["status"], 200, "{}", exchange["response"]);
    assert_eq!(exchange["grant_type"], "client_credentials");
    assert!(exchange["scope"].is_null(), "no scope was sent");
    assert!(exchange["response"]["access_token"] == run.stdout.trim());
}

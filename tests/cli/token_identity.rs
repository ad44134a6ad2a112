//! Never the wrong token: two Entra-shaped identity providers on one host, told apart only by
//! their port, share MSAL's `environment` (the host) and `realm` (the tenant). A token, an
//! account or a refresh token of one is never served for, or sent to, the other.

use crate::support::idp::{CONTOSO_DOMAIN, TestIdp};
use crate::support::users::{ALICE, ALICE_PASSWORD, CLIENT, SCOPE, UserFx};

const APP: &str = "0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a2b";
const APP_SCOPE: &str = "api://x/.default";
const SECRET_A: &str = "First~provider.secret-0123456789";
const SECRET_B: &str = "Second~provider.secret-987654321";

#[test]
fn an_app_token_of_one_port_is_never_served_to_a_wrong_secret_at_another() {
    let a = TestIdp::start();
    let b = TestIdp::start();
    a.register_secret_client(APP, SECRET_A);
    b.register_secret_client(APP, SECRET_B);
    let env = crate::support::TestEnv::new();
    let cc = |idp: &TestIdp, secret: &str| {
        let file = env.write_file("secret", format!("{secret}\n"));
        env.msal()
            .args(["client-credentials", "--authority"])
            .arg(idp.authority(CONTOSO_DOMAIN))
            .args(["--client-id", APP, "--scope", APP_SCOPE, "-o", "token"])
            .arg("--client-secret-file")
            .arg(file)
            .run()
    };

    let first = cc(&a, SECRET_A);
    first.assert_success();
    let token_a = a.issued_access_tokens().pop().expect("a token from A");
    first.assert_stdout_eq(&format!("{token_a}\n"), "A's token");

    // Same host, tenant, client and scope at B, and a secret B never accepted: the cache must
    // not answer; B must be asked, and it refuses.
    let refused = cc(&b, "not-the-secret");
    refused.assert_code(4).assert_stdout_eq("", "nothing");
    refused.assert_not_leaked(&token_a, "A's access token");
    assert_eq!(b.token_requests().len(), 1, "B was asked");

    // B's own token, then A's: each from its own provider, never the other's.
    let second = cc(&b, SECRET_B);
    second.assert_success();
    let token_b = b.issued_access_tokens().pop().expect("a token from B");
    second.assert_stdout_eq(&format!("{token_b}\n"), "B's token");
    let again = cc(&a, SECRET_A);
    again.assert_success();
    again.assert_not_leaked(&token_b, "B's access token");
}

#[test]
fn a_user_signed_in_at_one_port_is_not_signed_in_at_another() {
    let fx = UserFx::new();
    let other = TestIdp::start();
    other.register_public_client(CLIENT);
    other.add_user(ALICE, ALICE_PASSWORD);
    let elsewhere = other.authority(CONTOSO_DOMAIN);
    fx.sign_in();
    let signed_in = fx.last_issued();

    for extra in [&[][..], &["--force-refresh"][..]] {
        let run = fx
            .msal_at("silent", &elsewhere)
            .args(["--scope", SCOPE, "-o", "token"])
            .args(extra)
            .run();
        run.assert_code(3).assert_stdout_eq("", "no token");
        run.assert_not_leaked(&signed_in.access_token, "the first provider's token");
        assert!(
            other.token_requests().is_empty(),
            "the other provider received a token request (a refresh token of the first?)"
        );
    }
    let listed = fx
        .msal_at("accounts", &elsewhere)
        .args(["-o", "json"])
        .run();
    listed.assert_success();
    assert_eq!(listed.stdout_json(), serde_json::json!([]));

    // Where she signed in, she still is.
    let run = fx.silent().run();
    run.assert_success()
        .assert_stdout_eq(&format!("{}\n", signed_in.access_token), "the cached token");
}

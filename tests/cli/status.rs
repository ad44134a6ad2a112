//! `msal status`: the account `silent` would use, its tenant, authority and client, the access
//! tokens cached for it with their expiry, whether a refresh token is held, the cache path; from
//! the cache alone; exit 3 without a usable sign-in.

use serde_json::Value;

use crate::support::users::{ALICE, BOB, CLIENT, SCOPE, UserFx};
use crate::support::write_private;

#[test]
fn status_shows_the_active_account_its_tenant_and_cached_tokens() {
    let fx = UserFx::new();
    let org = fx.idp.authority("organizations");
    fx.sign_in_at(&org, ALICE);
    let issued = fx.last_issued();
    fx.idp.clear_requests();

    let run = fx.msal_at("status", &org).args(["-o", "json"]).run();
    run.assert_success();
    fx.assert_no_secret_in(&run.stdout, "stdout");
    fx.assert_no_secret_in(&run.stderr, "stderr");
    let status = run.stdout_json();
    assert_eq!(status["account"]["username"], ALICE);
    assert_eq!(
        status["account"]["home_account_id"],
        fx.alice.home_account_id()
    );
    assert_eq!(status["account"]["active"], true);
    assert_eq!(status["chosen_by"], "active");
    assert_eq!(
        status["tenant_id"],
        fx.alice.tid.as_str(),
        "not `organizations`"
    );
    assert_eq!(status["authority"], org.as_str());
    assert_eq!(status["client_id"], CLIENT);
    assert_eq!(status["refresh_token"], true);
    assert_eq!(status["usable"], true);
    assert_eq!(
        status["cache"],
        fx.env.cache_path().display().to_string().as_str()
    );
    let tokens = status["access_tokens"].as_array().expect("an array");
    assert_eq!(tokens.len(), 1, "{status:#}");
    let token = &tokens[0];
    assert_eq!(token["scope"], SCOPE);
    assert_eq!(token["tenant_id"], fx.alice.tid.as_str());
    assert_eq!(token["realm"], "organizations");
    assert_eq!(token["expired"], false);
    let expires_on = token["expires_on"].as_u64().expect("epoch seconds");
    let expires_in = token["expires_in"].as_u64().expect("seconds");
    assert!(expires_in <= issued.expires_in && expires_in + 60 > issued.expires_in);
    assert!(expires_on > crate::support::idp::now_secs());
    assert_eq!(fx.idp.request_count(), 0, "status asks no one");

    // The same for a person.
    let run = fx.msal_at("status", &org).run();
    run.assert_success();
    fx.assert_no_secret_in(&run.stdout, "stdout");
    for expected in [
        ALICE,
        &fx.alice.tid,
        CLIENT,
        SCOPE,
        "held",
        "active account",
    ] {
        assert!(run.stdout.contains(expected), "{expected}: {}", run.stdout);
    }
    assert!(
        run.stdout
            .contains(&fx.env.cache_path().display().to_string())
    );
}

#[test]
fn status_follows_the_choice_silent_would_make() {
    let fx = UserFx::new();
    fx.sign_in(); // Alice
    fx.sign_in_at(&fx.authority(), BOB);
    let who = |extra: &[&str]| -> Value {
        let run = fx.msal("status").args(["-o", "json"]).args(extra).run();
        run.assert_success();
        run.stdout_json()
    };
    assert_eq!(who(&[])["account"]["username"], BOB);
    let chosen = who(&["--username", ALICE]);
    assert_eq!(chosen["account"]["username"], ALICE);
    assert_eq!(chosen["chosen_by"], "selector");
    assert_eq!(chosen["account"]["active"], false);
}

#[test]
fn status_without_a_usable_sign_in_exits_3() {
    let fx = UserFx::new();
    let run = fx.msal("status").run();
    run.assert_code(3)
        .assert_stderr_has("no signed-in account")
        .assert_stderr_has("msal login");
    assert!(run.stdout.is_empty());

    // Signed in, but the refresh token is gone and the access token expired.
    fx.idp.set_access_token_lifetime(1);
    fx.sign_in();
    let mut cache = fx.cache();
    cache.as_object_mut().unwrap().remove("RefreshToken");
    for at in cache["AccessToken"].as_object_mut().unwrap().values_mut() {
        at["expires_on"] = Value::from("1000");
    }
    write_private(&fx.env.cache_path(), cache.to_string().as_bytes());
    let run = fx.msal("status").args(["-o", "json"]).run();
    run.assert_code(3).assert_stderr_has("msal login");
    let status = run.stdout_json();
    assert_eq!(status["usable"], false);
    assert_eq!(status["refresh_token"], false);
    assert_eq!(status["access_tokens"][0]["expired"], true);
}

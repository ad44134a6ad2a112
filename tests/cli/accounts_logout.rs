//! `msal accounts` and `msal logout` end to end, on caches filled by real sign-ins.

use serde_json::Value;

use crate::support::idp::CONTOSO_TENANT_ID;
use crate::support::users::{ALICE, BOB, CAROL, CLIENT, UserFx, section};

/// Alice and Carol (two tenants) signed in through `organizations`.
fn two_accounts() -> (UserFx, String) {
    let fx = UserFx::new();
    let org = fx.idp.authority("organizations");
    fx.sign_in_at(&org, ALICE);
    fx.sign_in_at(&org, CAROL);
    (fx, org)
}

/// The same, signed in with the browser.
fn two_accounts_with_browser() -> (UserFx, String) {
    let fx = UserFx::new();
    let org = fx.idp.authority("organizations");
    fx.sign_in_with_browser_at(&org, ALICE);
    fx.sign_in_with_browser_at(&org, CAROL);
    (fx, org)
}

/// Keys of the entries of `home_account_id` in the user sections.
fn entries_of(cache: &Value, home_account_id: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for name in ["AccessToken", "RefreshToken", "IdToken", "Account"] {
        let Some(entries) = cache[name].as_object() else {
            continue; // an emptied section may be left out
        };
        for (key, entry) in entries {
            if entry["home_account_id"] == home_account_id {
                keys.push(format!("{name}/{key}"));
            }
        }
    }
    keys
}

#[test]
fn accounts_as_json() {
    let (fx, org) = two_accounts_with_browser();
    fx.idp.clear_requests();
    let run = fx.msal_at("accounts", &org).args(["-o", "json"]).run();
    run.assert_success();
    fx.assert_no_secret_in(&run.stderr, "stderr");
    fx.assert_no_secret_in(&run.stdout, "stdout");
    let accounts = run.stdout_json();
    let list = accounts.as_array().expect("a JSON array");
    assert_eq!(list.len(), 2, "{accounts:#}");
    for (user, entry) in [(&fx.alice, &list[0]), (&fx.carol, &list[1])] {
        assert_eq!(entry["username"], user.username.as_str());
        assert_eq!(entry["home_account_id"], user.home_account_id());
        assert_eq!(entry["environment"], "127.0.0.1");
        assert_eq!(
            entry["tenant"],
            user.tid.as_str(),
            "the tenant that issued the token"
        );
        assert_eq!(entry["realm"], "organizations");
        assert_eq!(entry["authority"], format!("{org}"), "scheme and port kept");
        assert_eq!(entry["account_source"], "authorization_code");
    }
    assert_eq!(
        fx.idp.request_count(),
        0,
        "listing accounts needs no network"
    );
}

#[test]
fn accounts_as_a_table() {
    let fx = UserFx::new();
    fx.sign_in();
    let run = fx.msal("accounts").run();
    run.assert_success();
    assert!(run.stdout.contains(ALICE), "the username is listed");
    assert!(run.stdout.contains(&fx.alice.home_account_id()));
    assert!(run.stdout.contains(CONTOSO_TENANT_ID));
    fx.assert_no_secret_in(&run.stderr, "stderr");
    fx.assert_no_secret_in(&run.stdout, "stdout");
    // Without an authority, every host's accounts are listed.
    let anywhere = fx.env.msal().args(["accounts"]).run();
    anywhere.assert_success();
    assert!(anywhere.stdout.contains(ALICE), "{}", anywhere.stdout);
    // --username filters.
    let run = fx.msal("accounts").args(["--username", BOB]).run();
    run.assert_success();
    assert!(!run.stdout.contains(ALICE));
}

#[test]
fn accounts_of_an_empty_cache_print_nothing() {
    let fx = UserFx::new();
    let run = fx.msal("accounts").run();
    run.assert_success().assert_stderr_has("no accounts");
    assert!(run.stdout.is_empty(), "nothing on stdout");
    let run = fx.msal("accounts").args(["-o", "json"]).run();
    run.assert_success();
    assert_eq!(
        run.stdout_json(),
        serde_json::json!([]),
        "an empty JSON array"
    );
}

#[test]
fn logout_by_username_removes_only_that_account() {
    let (fx, org) = two_accounts();
    let before = fx.cache();
    let carol_before = entries_of(&before, &fx.carol.home_account_id());
    assert_eq!(
        carol_before.len(),
        4,
        "AT, RT, IdT and Account: {carol_before:?}"
    );
    assert_eq!(entries_of(&before, &fx.alice.home_account_id()).len(), 4);

    let run = fx.msal_at("logout", &org).args(["--username", ALICE]).run();
    run.assert_success()
        .assert_stderr_has(&format!("removed {ALICE}"));
    assert!(run.stdout.is_empty());
    fx.assert_no_secret_leaked(&run);

    let after = fx.cache();
    assert!(entries_of(&after, &fx.alice.home_account_id()).is_empty());
    assert_eq!(
        entries_of(&after, &fx.carol.home_account_id()),
        carol_before
    );
    for name in ["AccessToken", "RefreshToken", "IdToken", "Account"] {
        for (key, entry) in section(&after, name) {
            assert_eq!(entry, &before[name][key], "{name}/{key} is untouched");
        }
    }
    assert_eq!(
        section(&after, "AppMetadata"),
        section(&before, "AppMetadata"),
        "app metadata describes the app and stays"
    );
    assert!(
        section(&after, "AppMetadata").contains_key(&format!("appmetadata-127.0.0.1-{CLIENT}"))
    );
}

#[test]
fn logout_by_account_id() {
    let (fx, org) = two_accounts();
    let run = fx
        .msal_at("logout", &org)
        .args(["--account", &fx.carol.home_account_id()])
        .run();
    run.assert_success().assert_stderr_has(CAROL);
    let after = fx.cache();
    assert!(entries_of(&after, &fx.carol.home_account_id()).is_empty());
    assert_eq!(entries_of(&after, &fx.alice.home_account_id()).len(), 4);
}

#[test]
fn logout_all() {
    let (fx, org) = two_accounts();
    let run = fx.msal_at("logout", &org).arg("--all").run();
    run.assert_success()
        .assert_stderr_has(ALICE)
        .assert_stderr_has(CAROL);
    let after = fx.cache();
    for name in ["AccessToken", "RefreshToken", "IdToken", "Account"] {
        assert!(
            after[name].as_object().is_none_or(|m| m.is_empty()),
            "{name} is empty"
        );
    }
}

#[test]
fn logout_naming_an_account_that_is_not_there_exits_3_and_removes_nothing() {
    let (fx, org) = two_accounts();
    let before = fx.env.cache_bytes();
    for (flag, value) in [("--username", "nobody@x"), ("--account", "no-such-id")] {
        let run = fx.msal_at("logout", &org).args([flag, value]).run();
        run.assert_code(3)
            .assert_stderr_has(&format!("no account matches {flag} {value}"))
            .assert_stderr_has("nothing was removed")
            .assert_stderr_has("`msal accounts` lists");
        assert!(!run.stderr.contains("msal login"), "{}", run.stderr);
    }
    assert_eq!(fx.env.cache_bytes(), before, "the cache is untouched");
    // With nothing named, an empty cache is the state asked for.
    fx.msal_at("logout", &org)
        .arg("--all")
        .run()
        .assert_success();
    fx.msal_at("logout", &org)
        .arg("--all")
        .run()
        .assert_success();
}

#[test]
fn logout_without_a_choice_among_two_accounts_exits_2_and_removes_nothing() {
    let (fx, org) = two_accounts();
    let before = fx.env.cache_bytes();
    let run = fx.msal_at("logout", &org).run();
    run.assert_code(2)
        .assert_stderr_has(ALICE)
        .assert_stderr_has(CAROL)
        .assert_stderr_has("--all");
    assert_eq!(fx.env.cache_bytes(), before, "the cache is untouched");
}

#[test]
fn logout_without_a_choice_removes_the_only_account() {
    let fx = UserFx::new();
    fx.sign_in();
    let run = fx.msal("logout").run();
    run.assert_success().assert_stderr_has(ALICE);
    assert!(entries_of(&fx.cache(), &fx.alice.home_account_id()).is_empty());
    let run = fx.msal("logout").run();
    run.assert_success()
        .assert_stderr_has("no matching account");
}

//! The active account: the last sign-in of an application at an authority is the account
//! `silent` uses when several are signed in; `msal accounts --use` and a profile's `account`
//! choose another; accounts belong to the application that signed them in; and when a choice is
//! needed, every option the message suggests resolves it.

use serde_json::Value;

use crate::support::users::{ALICE, ALICE_PASSWORD, BOB, CAROL, CLIENT, SCOPE, UserFx, section};
use crate::support::{Run, TestEnv, write_private};

#[track_caller]
fn assert_prints(run: &Run, token: &str) {
    run.assert_success()
        .assert_stdout_eq(&format!("{token}\n"), "the expected access token");
}

/// Alice, then Bob, signed in at contoso; returns their access tokens.
fn alice_then_bob(fx: &UserFx) -> (String, String) {
    fx.sign_in_at(&fx.authority(), ALICE);
    let alice = fx.last_issued().access_token;
    fx.sign_in_at(&fx.authority(), BOB);
    let bob = fx.last_issued().access_token;
    (alice, bob)
}

/// `msal accounts -o json` as (username, active) pairs.
fn listed(fx: &UserFx) -> Vec<(String, bool)> {
    let run = fx.msal("accounts").args(["-o", "json"]).run();
    run.assert_success();
    run.stdout_json()
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|a| {
            (
                a["username"].as_str().unwrap_or_default().to_owned(),
                a["active"].as_bool().expect("`active` is a boolean"),
            )
        })
        .collect()
}

#[test]
fn the_last_sign_in_is_the_active_account_and_silent_uses_it() {
    let fx = UserFx::new();
    let (_, bob_token) = alice_then_bob(&fx);
    fx.idp.clear_requests();
    assert_prints(&fx.silent().run(), &bob_token);
    assert!(fx.idp.token_requests().is_empty(), "served from the cache");
    assert_eq!(
        listed(&fx),
        vec![(ALICE.to_owned(), false), (BOB.to_owned(), true)]
    );
    // The table marks it too.
    let table = fx.msal("accounts").run();
    table.assert_success();
    let bob_line = table.stdout.lines().find(|l| l.contains(BOB)).unwrap();
    let alice_line = table.stdout.lines().find(|l| l.contains(ALICE)).unwrap();
    assert!(bob_line.starts_with('*'), "{}", table.stdout);
    assert!(!alice_line.starts_with('*'), "{}", table.stdout);

    // Signing Alice in again makes her the active account.
    fx.sign_in_at(&fx.authority(), ALICE);
    let alice_token = fx.last_issued().access_token;
    assert_prints(&fx.silent().run(), &alice_token);
    assert_eq!(
        listed(&fx),
        vec![(ALICE.to_owned(), true), (BOB.to_owned(), false)]
    );
}

#[test]
fn accounts_use_switches_the_active_account_for_later_runs() {
    let fx = UserFx::new();
    let (alice_token, bob_token) = alice_then_bob(&fx);
    let run = fx.msal("accounts").args(["--use", ALICE]).run();
    run.assert_success().assert_stderr_has(ALICE);
    assert!(run.stdout.is_empty(), "a switch prints nothing on stdout");
    fx.assert_no_secret_leaked(&run);
    assert_prints(&fx.silent().run(), &alice_token);
    // By home account id, and without naming the authority (every host's accounts).
    let run = fx
        .env
        .msal()
        .args(["accounts", "--client-id", CLIENT, "--use"])
        .arg(fx.bob.home_account_id())
        .run();
    run.assert_success();
    assert_prints(&fx.silent().run(), &bob_token);
    assert_eq!(
        listed(&fx),
        vec![(ALICE.to_owned(), false), (BOB.to_owned(), true)]
    );
    // Nobody: refused, nothing changed.
    let before = fx.env.cache_bytes();
    let run = fx.msal("accounts").args(["--use", "nobody@x"]).run();
    run.assert_code(3).assert_stderr_has("nobody@x");
    assert_eq!(fx.env.cache_bytes(), before);
    // An account of another application cannot be this one's active account.
    let run = fx
        .env
        .msal()
        .args([
            "accounts",
            "--authority",
            &fx.authority(),
            "--client-id",
            "another-app",
        ])
        .args(["--use", ALICE])
        .run();
    run.assert_code(3);
    assert_prints(&fx.silent().run(), &bob_token);
}

#[test]
fn a_profile_account_wins_over_the_active_one_and_a_flag_over_both() {
    let fx = UserFx::new();
    let (alice_token, bob_token) = alice_then_bob(&fx);
    let config = fx.env.config_dir().join("msal").join("config.toml");
    write_private(
        &config,
        format!(
            "[profiles.me]\naccount = \"{ALICE}\"\n[profiles.id]\naccount = \"{}\"\n",
            fx.bob.home_account_id()
        )
        .as_bytes(),
    );
    assert_prints(&fx.silent().args(["--profile", "me"]).run(), &alice_token);
    assert_prints(&fx.silent().args(["--profile", "id"]).run(), &bob_token);
    assert_prints(
        &fx.silent()
            .args(["--profile", "me", "--username", BOB])
            .run(),
        &bob_token,
    );
    assert_prints(&fx.silent().run(), &bob_token);
}

#[test]
fn an_obo_for_another_user_does_not_make_the_public_clients_silent_ambiguous() {
    const API: &str = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
    const API_SECRET: &str = "M1ddle~tier.secret-value-0123456789";
    let fx = UserFx::new();
    fx.idp.register_secret_client(API, API_SECRET);
    fx.sign_in_at(&fx.authority(), BOB);
    let bob_token = fx.last_issued().access_token;
    // Alice signs in to a client app elsewhere, which calls the API with her token.
    let elsewhere = TestEnv::new();
    let run = elsewhere
        .msal()
        .args([
            "login",
            "--authority",
            &fx.authority(),
            "--client-id",
            CLIENT,
        ])
        .args([
            "--scope",
            &format!("api://{API}/access_as_user"),
            "-o",
            "token",
        ])
        .args(["--username", ALICE, "--password-stdin"])
        .stdin(format!("{ALICE_PASSWORD}\n"))
        .run();
    run.assert_success();
    let assertion = run.stdout.trim().to_owned();
    // The API, run here, exchanges it: the cache now knows Alice too.
    let secret = fx.env.write_file("api-secret", API_SECRET);
    fx.env
        .msal()
        .args(["obo", "--authority", &fx.authority(), "--client-id", API])
        .args(["--scope", "api://downstream/.default", "-o", "json"])
        .arg("--client-secret-file")
        .arg(secret)
        .args(["--assertion-file", "-"])
        .stdin(format!("{assertion}\n"))
        .run()
        .assert_success();
    let cache = fx.cache();
    let usernames: Vec<&str> = section(&cache, "Account")
        .values()
        .filter_map(|a| a["username"].as_str())
        .collect();
    assert!(usernames.contains(&ALICE), "{usernames:?}");

    // Bob is still the public client's only account.
    assert_prints(&fx.silent().run(), &bob_token);
    assert_eq!(listed(&fx), vec![(BOB.to_owned(), true)]);
    // Without a client id, every application's accounts are listed.
    let every = fx
        .env
        .msal()
        .args(["accounts", "--authority", &fx.authority(), "-o", "json"])
        .run();
    every.assert_success();
    assert_eq!(every.stdout_json().as_array().map(Vec::len), Some(2));
}

/// Removes every active-account mark, as another MSAL client replacing the entries would.
fn forget_active_accounts(fx: &UserFx) {
    let mut cache = fx.cache();
    for account in cache["Account"].as_object_mut().unwrap().values_mut() {
        account.as_object_mut().unwrap().remove("msal_active_for");
    }
    write_private(&fx.env.cache_path(), cache.to_string().as_bytes());
}

#[test]
fn without_an_active_account_the_choice_names_options_that_resolve_it() {
    let fx = UserFx::new();
    let org = fx.idp.authority("organizations");
    for user in [ALICE, BOB, CAROL] {
        fx.sign_in_at(&org, user);
    }
    // Two accounts that answer to the same name (a guest and a member, say).
    let mut cache = fx.cache();
    for account in cache["Account"].as_object_mut().unwrap().values_mut() {
        if account["username"] == BOB {
            account["username"] = Value::from(ALICE);
        }
    }
    write_private(&fx.env.cache_path(), cache.to_string().as_bytes());
    forget_active_accounts(&fx);
    let silent = || {
        fx.msal_at("silent", &org)
            .args(["--scope", SCOPE, "-o", "token"])
    };

    let run = silent().run();
    run.assert_code(3);
    assert!(run.stdout.is_empty());
    let alice_id = fx.alice.home_account_id();
    let bob_id = fx.bob.home_account_id();
    run.assert_stderr_has(&format!("--account {alice_id}"))
        .assert_stderr_has(&format!("--account {bob_id}"))
        .assert_stderr_has(&format!("--username {CAROL}"))
        .assert_stderr_has("msal accounts --use");
    assert!(
        !run.stderr.contains(&format!("--username {ALICE}")),
        "a name two accounts answer to resolves nothing: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("msal login"), "{}", run.stderr);
    // Each option named picks one account.
    for option in [
        ["--account", &alice_id],
        ["--account", &bob_id],
        ["--username", CAROL],
    ] {
        silent().args(option).run().assert_success();
    }
    // So does the ambiguous name, when it is given: it fails, naming the ids.
    let run = silent().args(["--username", ALICE]).run();
    run.assert_code(3)
        .assert_stderr_has(&format!("--account {alice_id}"))
        .assert_stderr_has(&format!("--account {bob_id}"));
    // Choosing an active account ends the question.
    fx.msal_at("accounts", &org)
        .args(["--use", CAROL])
        .run()
        .assert_success();
    silent().run().assert_success();
}

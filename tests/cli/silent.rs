//! `msal silent` end to end: served from the cache, refreshed with the cached refresh token
//! (which the IdP rotates), and exit 3 whenever only the user can help.

use crate::support::Run;
use crate::support::idp::CONTOSO_TENANT_ID;
use crate::support::users::{ALICE, CAROL, CLIENT, SCOPE, UserFx, scopes_of, secrets_in};

#[track_caller]
fn assert_prints(run: &Run, token: &str) {
    run.assert_success()
        .assert_stdout_eq(&format!("{token}\n"), "the expected access token");
}

/// The refresh token requests the IdP received.
fn refreshes(fx: &UserFx) -> Vec<crate::support::idp::RecordedRequest> {
    fx.idp
        .token_requests()
        .into_iter()
        .filter(|r| r.form("grant_type") == Some("refresh_token"))
        .collect()
}

#[test]
fn a_cached_token_is_served_without_any_request() {
    let fx = UserFx::new();
    fx.sign_in_with_browser();
    let token = fx.last_issued().access_token;
    let before = fx.env.cache_bytes();
    fx.idp.clear_requests();
    let run = fx.silent().run();
    assert_prints(&run, &token);
    assert_eq!(fx.idp.request_count(), 0, "no discovery, no token request");
    assert_eq!(fx.env.cache_bytes(), before, "a cache hit writes nothing");
    fx.assert_no_secret_leaked(&run);
}

#[test]
fn a_token_near_expiry_is_refreshed_and_the_rotated_refresh_token_is_kept() {
    let fx = UserFx::new();
    // 200 s: less than the 5 minutes a cached token must have left.
    fx.idp.set_access_token_lifetime(200);
    fx.sign_in();
    let rt1 = fx.last_issued().refresh_token.unwrap();

    let run = fx.silent().run();
    let second = fx.last_issued();
    assert_prints(&run, &second.access_token);
    fx.assert_no_secret_leaked(&run);
    let reqs = refreshes(&fx);
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, format!("/{CONTOSO_TENANT_ID}/oauth2/v2.0/token"));
    assert!(
        r.form("refresh_token") == Some(rt1.as_str()),
        "the cached RT"
    );
    assert_eq!(r.form("client_id"), Some(CLIENT));
    assert_eq!(r.form("client_info"), Some("1"));
    let scopes = scopes_of(r.form("scope").unwrap());
    for s in [SCOPE, "openid", "profile", "offline_access"] {
        assert!(scopes.contains(&s), "decorated scope: {s} in {scopes:?}");
    }
    assert_eq!(
        r.header("x-anchormailbox"),
        Some(format!("Oid:{}@{}", fx.alice.oid, fx.alice.tid).as_str())
    );
    assert!(r.form("client_secret").is_none());

    let rt2 = second.refresh_token.unwrap();
    assert_ne!(rt1, rt2);
    assert_eq!(
        secrets_in(&fx.cache(), "RefreshToken"),
        vec![rt2.clone()],
        "the cache holds the rotated refresh token, not the spent one"
    );
    assert_eq!(
        secrets_in(&fx.cache(), "AccessToken"),
        vec![second.access_token.clone()]
    );

    // The next refresh uses the rotated token, and works.
    let run = fx.silent().run();
    let third = fx.last_issued();
    assert_prints(&run, &third.access_token);
    let reqs = refreshes(&fx);
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].form("refresh_token") == Some(rt2.as_str()));
    assert_eq!(
        secrets_in(&fx.cache(), "RefreshToken"),
        vec![third.refresh_token.unwrap()]
    );
    assert!(fx.idp.issued_errors().is_empty(), "no refresh was refused");
}

#[test]
fn force_refresh_goes_to_the_idp() {
    let fx = UserFx::new();
    fx.sign_in();
    let cached = fx.last_issued().access_token;
    let run = fx.silent().arg("--force-refresh").run();
    let fresh = fx.last_issued().access_token;
    assert_ne!(fresh, cached);
    assert_prints(&run, &fresh);
    assert_eq!(refreshes(&fx).len(), 1);
}

#[test]
fn min_validity_decides_whether_a_one_hour_token_is_good_enough() {
    let fx = UserFx::new();
    fx.sign_in();
    let cached = fx.last_issued().access_token;
    let run = fx.silent().args(["--min-validity", "10m"]).run();
    assert_prints(&run, &cached);
    assert!(refreshes(&fx).is_empty());
    let run = fx.silent().args(["--min-validity", "2h"]).run();
    assert_prints(&run, &fx.last_issued().access_token);
    assert_ne!(fx.last_issued().access_token, cached);
    assert_eq!(refreshes(&fx).len(), 1);
}

#[test]
fn claims_bypass_the_cached_token_and_are_sent() {
    let fx = UserFx::new();
    fx.sign_in();
    let cached = fx.last_issued().access_token;
    let claims = r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#;
    let run = fx.silent().args(["--claims", claims]).run();
    let fresh = fx.last_issued().access_token;
    assert_ne!(fresh, cached);
    assert_prints(&run, &fresh);
    let reqs = refreshes(&fx);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].form("claims"), Some(claims));
}

#[test]
fn a_revoked_refresh_token_exits_3_and_stays_in_the_cache() {
    let fx = UserFx::new();
    fx.idp.set_access_token_lifetime(200);
    fx.sign_in();
    let rt = fx.last_issued().refresh_token.unwrap();
    assert_eq!(fx.idp.revoke_refresh_tokens(ALICE), 1);
    let run = fx.silent().run();
    run.assert_code(3)
        .assert_stderr_has("invalid_grant")
        .assert_stderr_has("AADSTS50173")
        .assert_stderr_has("msal login");
    assert!(run.stdout.is_empty());
    fx.assert_no_secret_leaked(&run);
    assert_eq!(refreshes(&fx).len(), 1, "an invalid_grant is not retried");
    assert_eq!(
        secrets_in(&fx.cache(), "RefreshToken"),
        vec![rt],
        "a refresh token is never deleted on invalid_grant"
    );
}

#[test]
fn a_claims_challenge_exits_3_and_shows_the_claims_to_pass() {
    let fx = UserFx::new();
    fx.idp.set_access_token_lifetime(200);
    fx.sign_in();
    let rt = fx.last_issued().refresh_token.unwrap();
    let challenge = r#"{"access_token":{"capolids":{"essential":true,"values":["9f4b2c1d"]}}}"#;
    fx.idp.set_claims_challenge(Some(challenge));
    let run = fx.silent().run();
    run.assert_code(3)
        .assert_stderr_has("interaction_required")
        .assert_stderr_has("AADSTS50076")
        .assert_stderr_has("basic_action")
        .assert_stderr_has(&format!("--claims '{challenge}'"));
    assert!(run.stdout.is_empty());
    fx.assert_no_secret_leaked(&run);
    assert_eq!(secrets_in(&fx.cache(), "RefreshToken"), vec![rt]);
}

#[test]
fn with_accounts_of_two_tenants_the_active_one_serves_unless_one_is_chosen() {
    let fx = UserFx::new();
    let org = fx.idp.authority("organizations");
    fx.sign_in_at(&org, ALICE);
    let alice_token = fx.last_issued().access_token;
    fx.sign_in_at(&org, CAROL);
    let carol_token = fx.last_issued().access_token;
    assert_eq!(fx.last_issued().tenant_id, fx.carol.tid);
    assert_ne!(fx.alice.tid, fx.carol.tid, "two tenants");
    fx.idp.clear_requests();
    let silent = || {
        fx.msal_at("silent", &org)
            .args(["--scope", SCOPE, "-o", "token"])
    };

    // The last sign-in is the active account (tests/cli/active_account.rs has the rest).
    assert_prints(&silent().run(), &carol_token);
    assert_prints(&silent().args(["--username", CAROL]).run(), &carol_token);
    assert_prints(
        &silent()
            .args(["--account", &fx.alice.home_account_id()])
            .run(),
        &alice_token,
    );
    assert!(
        fx.idp.token_requests().is_empty(),
        "both served from the cache"
    );
    let run = silent()
        .args(["--username", "nobody@contoso.example"])
        .run();
    run.assert_code(3)
        .assert_stderr_has("nobody@contoso.example");
}

#[test]
fn no_account_exits_3() {
    let fx = UserFx::new();
    let run = fx.silent().run();
    run.assert_code(3)
        .assert_stderr_has("no signed-in account")
        .assert_stderr_has("msal login");
    assert!(run.stdout.is_empty());
    assert!(fx.idp.token_requests().is_empty());
}

#[test]
fn after_logout_silent_exits_3() {
    let fx = UserFx::new();
    fx.sign_in();
    fx.msal("logout").run().assert_success();
    fx.idp.clear_requests();
    let run = fx.silent().run();
    run.assert_code(3).assert_stderr_has("msal login");
    assert!(run.stdout.is_empty());
    assert!(fx.idp.token_requests().is_empty());
}

#[test]
fn rotation_across_scopes_never_strands_the_user() {
    let fx = UserFx::new();
    fx.idp.set_access_token_lifetime(200);
    fx.sign_in();
    let other = "https://storage.azure.com/user_impersonation";
    for scope in [other, SCOPE, other, SCOPE, other] {
        let run = fx
            .msal("silent")
            .args(["--scope", scope, "-o", "token"])
            .run();
        assert_prints(&run, &fx.last_issued().access_token);
        assert_eq!(fx.last_issued().scope.split(' ').next(), Some(scope));
    }
    assert!(
        fx.idp.issued_errors().is_empty(),
        "no spent refresh token was used"
    );
    let live: Vec<String> = secrets_in(&fx.cache(), "RefreshToken")
        .into_iter()
        .filter(|rt| fx.idp.refresh_token_is_active(rt))
        .collect();
    assert!(!live.is_empty(), "the cache holds the live refresh token");
}

#[test]
fn a_refresh_answer_without_an_id_token_stays_with_the_account_whose_token_was_spent() {
    let fx = UserFx::new();
    fx.idp.set_access_token_lifetime(200);
    fx.sign_in();
    // From now on: hour-long tokens, and refresh answers that name nobody (no ID token, no
    // client_info), as OpenID Connect Core §12.2 allows.
    fx.idp.set_access_token_lifetime(3600);
    fx.idp.set_anonymous_answers(&["refresh_token"]);

    let run = fx.silent().run();
    let refreshed = fx.last_issued();
    assert_prints(&run, &refreshed.access_token);
    assert_eq!(refreshes(&fx).len(), 1);
    let cache = fx.cache();
    assert_eq!(
        secrets_in(&cache, "RefreshToken"),
        vec![refreshed.refresh_token.clone().unwrap()],
        "the spent refresh token was replaced"
    );
    for section in ["AccessToken", "RefreshToken"] {
        for entry in cache[section].as_object().unwrap().values() {
            assert_eq!(
                entry["home_account_id"],
                fx.alice.home_account_id(),
                "every {section} is Alice's"
            );
        }
    }
    let account = cache["Account"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(account["username"], ALICE, "the account keeps its name");

    // The new token is the one served next, with no request.
    let again = fx.silent().run();
    assert_prints(&again, &refreshed.access_token);
    assert_eq!(refreshes(&fx).len(), 1, "no second refresh");

    // Logging out leaves none of Alice's tokens behind.
    fx.msal("logout").arg("--all").run().assert_success();
    let cache = fx.cache();
    assert!(
        secrets_in(&cache, "AccessToken").is_empty(),
        "an access token is left"
    );
    assert!(
        secrets_in(&cache, "RefreshToken").is_empty(),
        "a refresh token is left"
    );
}

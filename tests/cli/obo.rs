//! `msal obo` end to end: a middle-tier API exchanges the user token it received for a
//! downstream token, as that user. Unlike MSAL Python, a repeated exchange of the same assertion
//! is served from the cache, keyed so that another assertion never gets this user's token.

use crate::support::users::{ALICE, ALICE_PASSWORD, BOB, UserFx};
use crate::support::{Msal, Run};

/// The middle-tier API: a confidential client.
const API: &str = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
const API_SECRET: &str = "M1ddle~tier.secret-value-0123456789";
const DOWNSTREAM: &str = "api://downstream/.default";

struct Fx {
    users: UserFx,
}

impl Fx {
    fn new() -> Self {
        let users = UserFx::new();
        users.idp.register_secret_client(API, API_SECRET);
        Self { users }
    }

    /// A user token for the middle-tier API, as a client app would send it.
    fn user_token_for_api(&self, username: &str, password: &str) -> String {
        let run = self
            .users
            .msal("login")
            .args([
                "--scope",
                &format!("api://{API}/access_as_user"),
                "-o",
                "token",
                "--username",
                username,
            ])
            .arg("--password-stdin")
            .stdin(format!("{password}\n"))
            .run();
        run.assert_success();
        run.stdout.trim().to_owned()
    }

    fn obo(&self, assertion: &str) -> Msal<'_> {
        let secret = self.users.env.write_file("api-secret", API_SECRET);
        self.users
            .env
            .msal()
            .args([
                "obo",
                "--authority",
                &self.users.authority(),
                "--client-id",
                API,
                "--scope",
                DOWNSTREAM,
            ])
            .arg("--client-secret-file")
            .arg(secret)
            .args(["--assertion-file", "-", "-o", "json"])
            .stdin(format!("{assertion}\n"))
    }

    fn assert_clean(&self, run: &Run, assertion: &str) {
        run.assert_not_leaked(API_SECRET, "the API's secret");
        run.assert_not_leaked(assertion, "the incoming user token");
        self.users.assert_no_secret_in(&run.stderr, "stderr");
    }
}

#[test]
fn the_exchange_sends_what_entra_expects_and_caches_the_users_token() {
    let fx = Fx::new();
    let assertion = fx.user_token_for_api(ALICE, ALICE_PASSWORD);
    fx.users.idp.clear_requests();

    let run = fx.obo(&assertion).run();
    run.assert_success();
    fx.assert_clean(&run, &assertion);
    let issued = fx.users.last_issued();
    assert_eq!(
        issued.username.as_deref(),
        Some(ALICE),
        "the token is the user's"
    );
    assert_eq!(issued.client_id, API);
    let json = run.stdout_json();
    assert!(
        json["access_token"] == issued.access_token.as_str(),
        "stdout holds the issued token"
    );
    assert_eq!(json["token_source"], "identity_provider");

    let request = fx.users.last_token_request();
    assert_eq!(
        request.form("grant_type"),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    assert_eq!(request.form("requested_token_use"), Some("on_behalf_of"));
    assert!(request.form("assertion") == Some(assertion.as_str()));
    assert_eq!(request.form("client_info"), Some("1"));
    let scope = request.form("scope").unwrap_or_default();
    for wanted in [DOWNSTREAM, "openid", "profile", "offline_access"] {
        assert!(
            scope.split(' ').any(|s| s == wanted),
            "scope {scope:?} lacks {wanted}"
        );
    }

    // Stored as the user's tokens, tagged with the assertion's hash.
    let cache = fx.users.cache();
    let tagged: Vec<&serde_json::Value> = cache["AccessToken"]
        .as_object()
        .unwrap()
        .values()
        .filter(|at| at["client_id"] == API)
        .collect();
    assert_eq!(tagged.len(), 1);
    assert_eq!(
        tagged[0]["home_account_id"],
        fx.users.alice.home_account_id()
    );
    assert!(
        tagged[0]["user_assertion_hash"]
            .as_str()
            .is_some_and(|h| h.len() == 43)
    );

    // The same assertion again: from the cache, no request.
    fx.users.idp.clear_requests();
    let again = fx.obo(&assertion).run();
    again.assert_success();
    assert_eq!(again.stdout_json()["token_source"], "cache");
    assert!(again.stdout_json()["access_token"] == issued.access_token.as_str());
    assert_eq!(fx.users.idp.request_count(), 0, "served from the cache");
}

#[test]
fn another_assertion_never_gets_the_first_users_token() {
    let fx = Fx::new();
    let alice = fx.user_token_for_api(ALICE, ALICE_PASSWORD);
    let bob = fx.user_token_for_api(BOB, "Bob-Pa55word!");
    fx.obo(&alice).run().assert_success();
    let alice_downstream = fx.users.last_issued().access_token;

    fx.users.idp.clear_requests();
    let run = fx.obo(&bob).run();
    run.assert_success();
    assert_eq!(
        fx.users.idp.token_requests().len(),
        1,
        "bob's assertion goes to the IdP"
    );
    let issued = fx.users.last_issued();
    assert_eq!(issued.username.as_deref(), Some(BOB));
    let token = run.stdout_json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(token == issued.access_token, "bob gets bob's token");
    assert!(token != alice_downstream, "never alice's");

    // A token for the same user from another sign-in is another assertion too.
    let alice_again = fx.user_token_for_api(ALICE, ALICE_PASSWORD);
    assert_ne!(alice_again, alice);
    fx.users.idp.clear_requests();
    fx.obo(&alice_again).run().assert_success();
    assert_eq!(fx.users.idp.token_requests().len(), 1);
}

#[test]
fn a_token_for_another_api_is_refused_by_the_authority() {
    let fx = Fx::new();
    // A token whose audience is Graph, not this API.
    let run = fx.users.sign_in();
    let graph_token = run.stdout.trim().to_owned();
    let refused = fx.obo(&graph_token).run();
    refused.assert_code(4);
    refused
        .assert_stderr_has("invalid_grant")
        .assert_stderr_has("AADSTS50013");
    fx.assert_clean(&refused, &graph_token);
    assert!(refused.stdout.is_empty());
}

#[test]
fn usage_errors_before_any_request() {
    let fx = Fx::new();
    let base = [
        "obo",
        "--authority",
        &fx.users.authority(),
        "--client-id",
        API,
        "--scope",
        DOWNSTREAM,
    ];
    let no_assertion = fx
        .users
        .env
        .msal()
        .args(base)
        .args(["--client-secret", API_SECRET])
        .run();
    no_assertion.assert_code(2);
    no_assertion.assert_stderr_has("--assertion-file");
    let two_stdins = fx
        .users
        .env
        .msal()
        .args(base)
        .args(["--assertion-file", "-", "--client-secret-file", "-"])
        .run();
    two_stdins
        .assert_code(2)
        .assert_stderr_has("--client-secret-file and --assertion-file");
    assert_eq!(fx.users.idp.request_count(), 0);
}

#[test]
fn the_assertion_can_come_from_a_file() {
    let fx = Fx::new();
    let assertion = fx.user_token_for_api(ALICE, ALICE_PASSWORD);
    let file = fx
        .users
        .env
        .write_file("assertion.jwt", format!("{assertion}\n"));
    let secret = fx.users.env.write_file("api-secret", API_SECRET);
    let run = fx
        .users
        .env
        .msal()
        .args([
            "obo",
            "--authority",
            &fx.users.authority(),
            "--client-id",
            API,
            "--scope",
            DOWNSTREAM,
        ])
        .arg("--client-secret-file")
        .arg(secret)
        .arg("--assertion-file")
        .arg(file)
        .args(["-o", "token"])
        .run();
    run.assert_success();
    fx.assert_clean(&run, &assertion);
    assert!(run.stdout.trim() == fx.users.last_issued().access_token);
}

/// `msal client-credentials` for the middle-tier API itself, for the same downstream scope.
fn app_token(fx: &Fx) -> Run {
    let secret = fx.users.env.write_file("api-secret", API_SECRET);
    fx.users
        .env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            &fx.users.authority(),
            "--client-id",
            API,
            "--scope",
            DOWNSTREAM,
            "-o",
            "json",
        ])
        .arg("--client-secret-file")
        .arg(secret)
        .run()
}

#[test]
fn a_delegated_token_and_the_apps_own_token_never_meet() {
    let fx = Fx::new();
    let alice = fx.user_token_for_api(ALICE, ALICE_PASSWORD);
    let bob = fx.user_token_for_api(BOB, "Bob-Pa55word!");
    // Answers with neither client_info nor an ID token: nothing in them names the user.
    fx.users
        .idp
        .set_anonymous_answers(&["urn:ietf:params:oauth:grant-type:jwt-bearer"]);

    let for_alice = fx.obo(&alice).run();
    for_alice.assert_success();
    let alice_token = for_alice.stdout_json()["access_token"].clone();

    // The app's own token is asked for, not Alice's delegated one served.
    let app = app_token(&fx);
    app.assert_success();
    let app_json = app.stdout_json();
    assert_eq!(app_json["token_source"], "identity_provider");
    assert!(app_json["access_token"] != alice_token, "not Alice's token");
    assert_eq!(fx.users.last_issued().grant_type, "client_credentials");

    // The other way round: an exchange for Bob neither gets nor replaces the app's token.
    let for_bob = fx.obo(&bob).run();
    for_bob.assert_success();
    let bob_json = for_bob.stdout_json();
    assert_eq!(bob_json["token_source"], "identity_provider");
    assert!(bob_json["access_token"] != app_json["access_token"]);
    let app_again = app_token(&fx);
    app_again.assert_success();
    assert_eq!(app_again.stdout_json()["token_source"], "cache");
    assert!(app_again.stdout_json()["access_token"] == app_json["access_token"]);

    // And each assertion still gets its own user's token from the cache.
    let alice_again = fx.obo(&alice).run();
    assert_eq!(alice_again.stdout_json()["token_source"], "cache");
    assert!(alice_again.stdout_json()["access_token"] == alice_token);
    let bob_again = fx.obo(&bob).run();
    assert_eq!(bob_again.stdout_json()["token_source"], "cache");
    assert!(bob_again.stdout_json()["access_token"] == bob_json["access_token"]);
}

#[test]
fn resource_is_the_downstream_default_scope_at_entra_and_exchange_options_are_refused() {
    let fx = Fx::new();
    let assertion = fx.user_token_for_api(ALICE, ALICE_PASSWORD);
    let secret = fx.users.env.write_file("api-secret", API_SECRET);
    let obo = |extra: &[&str]| {
        fx.users
            .env
            .msal()
            .args([
                "obo",
                "--authority",
                &fx.users.authority(),
                "--client-id",
                API,
            ])
            .args(extra)
            .arg("--client-secret-file")
            .arg(&secret)
            .args(["--assertion-file", "-", "-o", "token"])
            .stdin(format!("{assertion}\n"))
            .run()
    };
    fx.users.idp.clear_requests();
    let run = obo(&["--resource", "api://downstream"]);
    run.assert_success();
    fx.assert_clean(&run, &assertion);
    let request = fx
        .users
        .idp
        .token_requests()
        .pop()
        .expect("a token request");
    // Entra's on-behalf-of flow: the resource became the scope, and no RFC 8693 parameter went.
    assert_eq!(
        request.form("scope").map(|s| s.contains(DOWNSTREAM)),
        Some(true)
    );
    assert_eq!(request.form("resource"), None);
    assert_eq!(request.form("requested_token_use"), Some("on_behalf_of"));

    // With Entra the resource is the scope, so both at once is a mistake, not a choice.
    fx.users.idp.clear_requests();
    let run = obo(&["--resource", "api://downstream", "--scope", DOWNSTREAM]);
    run.assert_code(2).assert_stderr_has("not both");
    assert_eq!(fx.users.idp.request_count(), 0);

    // The token exchange options of other providers mean nothing here: refused, not ignored.
    fx.users.idp.clear_requests();
    let run = obo(&["--resource", "api://downstream", "--audience", "orders"]);
    run.assert_code(2)
        .assert_stderr_has("--audience is for token exchange");
    assert_eq!(fx.users.idp.request_count(), 0);
}

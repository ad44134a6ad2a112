//! `msal obo` with an OpenID provider other than Entra ID is RFC 8693 token exchange: the
//! incoming token from `--assertion-file` is the subject token (`--subject-token-type`, default
//! an access token), with `--requested-token-type`, `--audience` and `--resource` besides
//! `--scope`. Against the in-repo identity provider addressed as a generic OpenID provider (its
//! tenant issuer through `--oidc-authority`), whose token-exchange grant takes only tokens it
//! issued itself. The result is cached per subject token, as on-behalf-of tokens are.

use serde_json::Value;

use crate::support::idp::CONTOSO_TENANT_ID;
use crate::support::users::{ALICE, ALICE_PASSWORD, BOB, UserFx};
use crate::support::{Msal, Run};

/// The middle-tier API: a confidential client.
const API: &str = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const API_SECRET: &str = "Exch4nge~secret.value-0123456789";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
const EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

struct Fx {
    users: UserFx,
}

impl Fx {
    fn new() -> Self {
        let users = UserFx::new();
        users.idp.register_secret_client(API, API_SECRET);
        Self { users }
    }

    /// Signs `username` in at the Entra-shaped authority; returns the access token and ID token
    /// issued, as the calling app would hold them.
    fn user_tokens(&self, username: &str, password: &str) -> (String, String) {
        self.users
            .msal("login")
            .args(["--scope", "api://middle/access", "--username", username])
            .arg("--password-stdin")
            .stdin(format!("{password}\n"))
            .run()
            .assert_success();
        let issued = self.users.last_issued();
        (issued.access_token, issued.id_token.expect("an ID token"))
    }

    /// The same provider, as a generic OpenID provider: its tenant's issuer.
    fn issuer(&self) -> String {
        format!("{}/{CONTOSO_TENANT_ID}/v2.0", self.users.idp.base_url())
    }

    /// `msal obo --oidc-authority ISSUER` as the API, the subject token on stdin, `-o json`.
    fn exchange(&self, subject_token: &str) -> Msal<'_> {
        let secret = self.users.env.write_file("api-secret", API_SECRET);
        self.users
            .env
            .msal()
            .args([
                "obo",
                "--oidc-authority",
                &self.issuer(),
                "--client-id",
                API,
            ])
            .arg("--client-secret-file")
            .arg(secret)
            .args(["--assertion-file", "-", "-o", "json"])
            .stdin(format!("{subject_token}\n"))
    }

    fn assert_clean(&self, run: &Run, subject_token: &str) {
        run.assert_not_leaked(API_SECRET, "the API's secret")
            .assert_not_leaked(subject_token, "the subject token");
        self.users.assert_no_secret_in(&run.stderr, "stderr");
    }

    fn exchanges(&self) -> usize {
        self.users
            .idp
            .token_requests()
            .iter()
            .filter(|r| r.form("grant_type") == Some(EXCHANGE_GRANT))
            .count()
    }
}

#[test]
fn an_access_token_is_exchanged_for_an_audience_and_cached_per_subject_token() {
    let fx = Fx::new();
    let (alice, _) = fx.user_tokens(ALICE, ALICE_PASSWORD);
    let run = fx
        .exchange(&alice)
        .args(["--scope", "orders.read", "--audience", "orders-api"])
        .run();
    run.assert_success();
    fx.assert_clean(&run, &alice);
    let issued = fx.users.last_issued();
    let json: Value = run.stdout_json();
    assert!(json["access_token"] == issued.access_token.as_str());
    assert_eq!(json["token_type"], "Bearer");

    // What went to the token endpoint: RFC 8693 §2.1, the client authenticated as generic
    // providers expect by default (HTTP Basic).
    let request = fx.users.last_token_request();
    assert_eq!(request.form("grant_type"), Some(EXCHANGE_GRANT));
    assert_eq!(request.form("subject_token"), Some(alice.as_str()));
    assert_eq!(request.form("subject_token_type"), Some(ACCESS_TOKEN_TYPE));
    assert_eq!(request.form("audience"), Some("orders-api"));
    assert_eq!(request.form("scope"), Some("orders.read"));
    assert_eq!(request.form("requested_token_type"), None);
    assert_eq!(request.form("requested_token_use"), None, "not Entra's OBO");
    assert_eq!(request.form("client_info"), None);
    assert!(
        request
            .header("authorization")
            .is_some_and(|h| h.starts_with("Basic ")),
        "client_secret_basic"
    );

    // The same subject token is served from the cache; another user's is not given Alice's.
    let again = fx
        .exchange(&alice)
        .args(["--scope", "orders.read", "--audience", "orders-api"])
        .run();
    again.assert_success();
    assert!(again.stdout_json()["access_token"] == issued.access_token.as_str());
    assert_eq!(fx.exchanges(), 1, "served from the cache");
    let (bob, _) = fx.user_tokens(BOB, "Bob-Pa55word!");
    let bobs = fx
        .exchange(&bob)
        .args(["--scope", "orders.read", "--audience", "orders-api"])
        .run();
    bobs.assert_success();
    assert_eq!(fx.exchanges(), 2);
    assert!(bobs.stdout_json()["access_token"] != issued.access_token.as_str());
}

#[test]
fn an_id_token_is_exchanged_and_an_n_a_token_type_is_kept() {
    let fx = Fx::new();
    let (_, id_token) = fx.user_tokens(ALICE, ALICE_PASSWORD);
    // No scope: the resource alone names the target.
    let run = fx
        .exchange(&id_token)
        .args(["--subject-token-type", "id_token"])
        .args(["--requested-token-type", ID_TOKEN_TYPE])
        .args(["--resource", "https://orders.example/"])
        .run();
    run.assert_success();
    fx.assert_clean(&run, &id_token);
    let request = fx.users.last_token_request();
    assert_eq!(request.form("subject_token_type"), Some(ID_TOKEN_TYPE));
    assert_eq!(request.form("requested_token_type"), Some(ID_TOKEN_TYPE));
    assert_eq!(request.form("resource"), Some("https://orders.example/"));
    assert_eq!(request.form("scope"), None);
    // RFC 8693 §2.2.1: not an access token, so `N_A`.
    let json = run.stdout_json();
    assert_eq!(json["token_type"], "N_A");
    assert!(json["access_token"] == fx.users.last_issued().access_token.as_str());
}

#[test]
fn a_resource_goes_besides_the_scopes() {
    let fx = Fx::new();
    let (alice, _) = fx.user_tokens(ALICE, ALICE_PASSWORD);
    let run = fx
        .exchange(&alice)
        .args([
            "--scope",
            "orders.read",
            "--resource",
            "https://orders.example/",
        ])
        .run();
    run.assert_success();
    fx.assert_clean(&run, &alice);
    let request = fx.users.last_token_request();
    assert_eq!(request.form("scope"), Some("orders.read"));
    assert_eq!(request.form("resource"), Some("https://orders.example/"));
}

#[test]
fn a_subject_token_the_provider_did_not_issue_is_refused() {
    let fx = Fx::new();
    let forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.";
    let run = fx.exchange(forged).args(["--audience", "orders-api"]).run();
    run.assert_code(4).assert_stderr_has("invalid_grant");
    assert!(run.stdout.is_empty());
}

#[test]
fn exchange_options_do_not_apply_to_entra_and_a_target_is_needed() {
    let fx = Fx::new();
    let secret = fx.users.env.write_file("api-secret", API_SECRET);
    let entra = fx
        .users
        .env
        .msal()
        .args([
            "obo",
            "--authority",
            &fx.users.authority(),
            "--client-id",
            API,
        ])
        .args(["--scope", "api://downstream/.default", "--audience", "x"])
        .arg("--client-secret-file")
        .arg(&secret)
        .args(["--assertion-file", "-"])
        .stdin("token\n")
        .run();
    entra
        .assert_code(2)
        .assert_stderr_has("--audience is for token exchange (RFC 8693)");

    let untargeted = fx.exchange("token").run();
    untargeted
        .assert_code(2)
        .assert_stderr_has("or name it with --audience or --resource");
    assert!(fx.users.idp.token_requests().is_empty(), "nothing was sent");
}

//! The real tenant: after a sign-in at `organizations`, every place that shows a tenant (the
//! sign-in message, `-o json`'s `tenant_id`, `-o az`'s `tenant`, `accounts`) shows the tenant the
//! token was issued in (Entra's `tid`), not the word `organizations` and not `client_info`'s
//! `utid` (a guest's home tenant), while the cache keeps the realm MSAL Python writes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::support::idp::{CONTOSO_TENANT_ID, Response, now_secs};
use crate::support::users::{ALICE, CLIENT, SCOPE, UserFx, section};

#[test]
fn a_sign_in_at_organizations_reports_the_tenant_the_token_was_issued_in() {
    let fx = UserFx::new();
    let org = fx.idp.authority("organizations");
    let tid = fx.alice.tid.clone();
    let run = fx
        .msal_at("login", &org)
        .args(["--scope", SCOPE, "-o", "json", "--username", ALICE])
        .arg("--password-stdin")
        .stdin(format!("{}\n", fx.alice.password))
        .run();
    run.assert_success()
        .assert_stderr_has(&format!("signed in as {ALICE} (tenant {tid})"));
    assert_eq!(run.stdout_json()["tenant_id"], tid.as_str());

    fx.idp.clear_requests();
    let silent = |format: &str| {
        fx.msal_at("silent", &org)
            .args(["--scope", SCOPE, "-o", format])
            .run()
    };
    let az = silent("az");
    az.assert_success();
    assert_eq!(az.stdout_json()["tenant"], tid.as_str());
    let as_json = silent("json");
    as_json.assert_success();
    assert_eq!(as_json.stdout_json()["tenant_id"], tid.as_str());
    assert_eq!(as_json.stdout_json()["token_source"], "cache");
    assert!(fx.idp.token_requests().is_empty(), "served from the cache");

    let accounts = fx.msal_at("accounts", &org).args(["-o", "json"]).run();
    accounts.assert_success();
    assert_eq!(accounts.stdout_json()[0]["tenant"], tid.as_str());
    let table = fx.msal_at("accounts", &org).run();
    assert!(table.stdout.contains(&tid), "{}", table.stdout);

    // The cache keeps MSAL Python's realm, so MSAL Python still finds these entries.
    let cache = fx.cache();
    for name in ["AccessToken", "Account", "IdToken"] {
        for (key, entry) in section(&cache, name) {
            assert_eq!(entry["realm"], "organizations", "{name}/{key}");
        }
    }
}

/// An unsigned JWT with these claims (the test identity provider's are not checked either).
fn jwt(claims: &serde_json::Value) -> String {
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[test]
fn a_guest_is_shown_in_the_tenant_that_issued_the_token_not_its_home_tenant() {
    let fx = UserFx::new();
    let org = fx.idp.authority("organizations");
    let base = fx.idp.base_url();
    // A guest of contoso whose home tenant is another: `client_info`'s utid is the home tenant,
    // the tokens' tid is contoso.
    let home_tenant = "1d1d1d1d-2e2e-4f4f-8a8a-9b9b9b9b9b9b";
    let oid = "5c5c5c5c-6d6d-4e4e-8f8f-a0a0a0a0a0a0";
    let guest = "guest@home.example";
    let now = now_secs();
    let id_token = jwt(&json!({
        "iss": format!("{base}/{CONTOSO_TENANT_ID}/v2.0"), "aud": CLIENT, "tid": CONTOSO_TENANT_ID,
        "oid": oid, "sub": "guest-sub", "preferred_username": guest, "iat": now, "exp": now + 3600,
    }));
    let access_token = jwt(&json!({ "tid": CONTOSO_TENANT_ID, "oid": oid, "exp": now + 3600 }));
    let client_info = URL_SAFE_NO_PAD.encode(json!({"uid": oid, "utid": home_tenant}).to_string());
    fx.idp
        .add_route("POST", "/organizations/oauth2/v2.0/token", move |_| {
            Response::json(
                200,
                &json!({
                    "token_type": "Bearer", "expires_in": 3600, "scope": SCOPE,
                    "access_token": access_token, "id_token": id_token,
                    "client_info": client_info, "refresh_token": "guest-refresh-token",
                }),
            )
        });
    let run = fx
        .msal_at("login", &org)
        .args(["--scope", SCOPE, "-o", "json", "--username", guest])
        .arg("--password-stdin")
        .stdin("irrelevant\n")
        .run();
    run.assert_success()
        .assert_stderr_has(&format!("(tenant {CONTOSO_TENANT_ID})"));
    assert!(!run.stderr.contains(home_tenant), "{}", run.stderr);
    assert_eq!(run.stdout_json()["tenant_id"], CONTOSO_TENANT_ID);

    let status = fx.msal_at("status", &org).args(["-o", "json"]).run();
    status.assert_success();
    let status = status.stdout_json();
    assert_eq!(status["tenant_id"], CONTOSO_TENANT_ID);
    assert_eq!(
        status["account"]["home_account_id"],
        format!("{oid}.{home_tenant}"),
        "the account keeps MSAL's home account id"
    );
    let az = fx
        .msal_at("silent", &org)
        .args(["--scope", SCOPE, "-o", "az"])
        .run();
    az.assert_success();
    assert_eq!(az.stdout_json()["tenant"], CONTOSO_TENANT_ID);
}

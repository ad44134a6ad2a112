//! The token cache as one user sees it: a second run is served from it without a request, a token
//! with less than five minutes left is not, `--force-refresh` and `--no-cache` do what they say,
//! `--cache` and `MSAL_CACHE` choose the file, and the file is private and shaped as MSAL's.
//! Shown with application tokens (`msal client-credentials`).

use serde_json::Value;

use crate::support::fixture::{CLIENT, Fixture, SCOPE, assert_expiry};
use crate::support::idp::{ACCESS_TOKEN_LIFETIME, CONTOSO_TENANT_ID, now_secs};

#[test]
fn second_call_is_served_from_the_cache_without_any_request() {
    let fx = Fixture::new();
    fx.warm_cache();
    let token = fx.last_token();
    let run = fx.cc().args(["-o", "token"]).run();
    run.assert_token(&token);
    assert_eq!(
        fx.idp.request_count(),
        0,
        "a warm run needs no discovery and no token request"
    );
    assert_eq!(fx.idp.issued_access_tokens().len(), 1);
}

#[test]
fn force_refresh_makes_exactly_one_request() {
    let fx = Fixture::new();
    fx.warm_cache();
    let old = fx.last_token();
    let run = fx.cc().args(["--force-refresh", "-o", "token"]).run();
    let new = fx.last_token();
    assert!(old != new, "a new token was issued");
    run.assert_token(&new);
    let reqs = fx.idp.requests();
    assert_eq!(
        reqs.len(),
        1,
        "discovery is cached: only the token request ({reqs:?})"
    );
    assert!(reqs[0].is_token_request());
    // The cache now serves the new token.
    fx.idp.clear_requests();
    fx.cc().args(["-o", "token"]).run().assert_token(&new);
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn a_token_with_less_than_five_minutes_left_is_not_served_from_the_cache() {
    let fx = Fixture::new();
    fx.idp.set_access_token_lifetime(240);
    fx.warm_cache();
    let old = fx.last_token();
    fx.idp.set_access_token_lifetime(ACCESS_TOKEN_LIFETIME);
    let run = fx.cc().args(["-o", "token"]).run();
    let new = fx.last_token();
    assert!(old != new, "a new token was issued");
    run.assert_token(&new);
    assert_eq!(fx.idp.token_requests().len(), 1);
}

#[test]
fn no_cache_neither_writes_nor_reads_the_cache() {
    let fx = Fixture::new();
    let run = fx.cc().args(["--no-cache", "-o", "token"]).run();
    run.assert_token(&fx.last_token());
    assert!(
        !fx.env.cache_path().exists(),
        "--no-cache leaves no cache file"
    );

    let before = fx.warm_cache();
    let run = fx.cc().args(["--no-cache", "-o", "token"]).run();
    run.assert_token(&fx.last_token());
    assert_eq!(
        fx.idp.token_requests().len(),
        1,
        "--no-cache asks the IdP even with a cached token"
    );
    assert!(
        fx.env.cache_bytes() == before,
        "--no-cache leaves the existing cache untouched"
    );
}

#[test]
fn cache_file_is_private_and_msal_shaped() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let before = now_secs();
    fx.warm_cache();
    let after = now_secs();
    let token = fx.last_token();
    let mode = std::fs::metadata(fx.env.cache_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "cache file mode {:o}", mode & 0o777);

    let cache = fx.env.read_cache_json();
    let ats = cache["AccessToken"]
        .as_object()
        .expect("an AccessToken section");
    assert_eq!(ats.len(), 1);
    let key = format!("-127.0.0.1-accesstoken-{CLIENT}-{CONTOSO_TENANT_ID}-{SCOPE}").to_lowercase();
    let entry = ats
        .get(&key)
        .unwrap_or_else(|| panic!("no AccessToken entry {key}; keys: {:?}", ats.keys()));
    assert!(
        entry["secret"] == token.as_str(),
        "the entry's secret is the issued token"
    );
    assert_eq!(entry["credential_type"], "AccessToken");
    assert_eq!(entry.get("home_account_id"), Some(&Value::Null));
    assert_eq!(entry["environment"], "127.0.0.1");
    assert_eq!(entry["realm"], CONTOSO_TENANT_ID);
    assert_eq!(entry["client_id"], CLIENT);
    assert_eq!(entry["target"], SCOPE);
    let num = |field: &str| -> u64 {
        entry[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} is a string"))
            .parse()
            .unwrap_or_else(|_| panic!("{field} is epoch seconds"))
    };
    assert_expiry(num("expires_on"), before, after);
    let cached_at = num("cached_at");
    assert!(
        cached_at >= before && cached_at <= after + 1,
        "cached_at {cached_at}"
    );
    assert!(num("extended_expires_on") >= num("expires_on"));
    for section in ["RefreshToken", "IdToken", "Account"] {
        assert!(
            cache[section].as_object().is_none_or(|m| m.is_empty()),
            "no {section} entries for an app token"
        );
    }
}

#[test]
fn cache_option_and_environment_choose_the_file() {
    let fx = Fixture::new();
    let custom = fx.env.root().join("files").join("custom-cache.json");
    let run = fx
        .cc()
        .arg("--cache")
        .arg(&custom)
        .args(["-o", "token"])
        .run();
    run.assert_token(&fx.last_token());
    assert!(custom.exists(), "--cache PATH is written");
    assert!(!fx.env.cache_path().exists(), "the default cache is not");

    let from_env = fx.env.root().join("files").join("env-cache.json");
    let run = fx
        .cc()
        .args(["-o", "token"])
        .env("MSAL_CACHE", &from_env)
        .run();
    run.assert_success();
    assert!(from_env.exists(), "MSAL_CACHE is written");
    assert!(!fx.env.cache_path().exists(), "the default cache is not");
}

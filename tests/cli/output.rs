//! What `-o` prints on stdout for an issued token: `token`, `header`, `json` (and where the token
//! came from), `env`, `az` (the Azure CLI's shape, local time), `exec-credential` (kubectl's
//! ExecCredential) and `none`. Shown with `msal client-credentials`; the formats are the same for
//! every command.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::support::Run;
use crate::support::fixture::{Fixture, SCOPE, assert_expiry};
use crate::support::idp::{ACCESS_TOKEN_LIFETIME, CONTOSO_TENANT_ID, now_secs};

/// Run with `-o fmt` against a fresh IdP; returns (run, issued token, time window of the run).
fn fresh_run(fmt: &str, extra_env: &[(&str, &str)]) -> (Fixture, Run, String, u64, u64) {
    let fx = Fixture::new();
    let before = now_secs();
    let mut cmd = fx.cc().args(["-o", fmt]);
    for (k, v) in extra_env {
        cmd = cmd.env(k, v);
    }
    let run = cmd.run();
    let after = now_secs();
    run.assert_success();
    let token = fx.last_token();
    assert_eq!(fx.idp.issued_access_tokens().len(), 1);
    (fx, run, token, before, after)
}

#[test]
fn output_token() {
    let (_fx, run, token, ..) = fresh_run("token", &[]);
    run.assert_token(&token);
}

#[test]
fn output_header() {
    let (_fx, run, token, ..) = fresh_run("header", &[]);
    run.assert_stdout_eq(
        &format!("Authorization: Bearer {token}\n"),
        "an Authorization header line",
    );
}

#[test]
fn output_json() {
    let (fx, run, token, before, after) = fresh_run("json", &[]);
    let out = run.stdout_json();
    assert!(
        out["access_token"] == token.as_str(),
        "json access_token is the issued token"
    );
    assert_eq!(out["token_type"], "Bearer");
    assert_eq!(out["scope"], SCOPE);
    assert_eq!(out["token_source"], "identity_provider");
    let expires_on = out["expires_on"]
        .as_u64()
        .expect("expires_on is an integer");
    assert_expiry(expires_on, before, after);
    let expires_in = out["expires_in"]
        .as_u64()
        .expect("expires_in is an integer");
    assert!(
        expires_in <= ACCESS_TOKEN_LIFETIME && expires_in + 60 >= ACCESS_TOKEN_LIFETIME,
        "expires_in {expires_in}"
    );

    // The same token from the cache says so, with no request at all.
    fx.idp.clear_requests();
    let run = fx.cc().args(["-o", "json"]).run();
    run.assert_success();
    let out = run.stdout_json();
    assert!(
        out["access_token"] == token.as_str(),
        "cached token is the issued token"
    );
    assert_eq!(out["token_source"], "cache");
    assert_eq!(out["expires_on"].as_u64(), Some(expires_on));
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn output_env() {
    let (_fx, run, token, before, after) = fresh_run("env", &[]);
    run.assert_success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "three export lines");
    assert!(
        lines.contains(&format!("export MSAL_ACCESS_TOKEN='{token}'").as_str()),
        "export MSAL_ACCESS_TOKEN='<the issued token>'"
    );
    assert!(lines.contains(&"export MSAL_TOKEN_TYPE='Bearer'"));
    let expires_on: u64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("export MSAL_EXPIRES_ON='"))
        .and_then(|v| v.strip_suffix('\''))
        .and_then(|v| v.parse().ok())
        .expect("export MSAL_EXPIRES_ON='<epoch>'");
    assert_expiry(expires_on, before, after);
}

#[test]
fn output_az() {
    let (_fx, run, token, before, after) = fresh_run("az", &[("TZ", "UTC")]);
    let out = run.stdout_json();
    assert!(
        out["accessToken"] == token.as_str(),
        "accessToken is the issued token"
    );
    assert_eq!(out["tokenType"], "Bearer");
    assert_eq!(out["tenant"], CONTOSO_TENANT_ID);
    let expires_on = out["expires_on"]
        .as_u64()
        .expect("expires_on is an integer");
    assert_expiry(expires_on, before, after);
    // "YYYY-MM-DD HH:MM:SS.ffffff" in local time (UTC here).
    let expected = OffsetDateTime::from_unix_timestamp(i64::try_from(expires_on).unwrap())
        .unwrap()
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]."
        ))
        .unwrap();
    let shown = out["expiresOn"].as_str().expect("expiresOn is a string");
    assert!(
        shown.starts_with(&expected)
            && shown.len() == expected.len() + 6
            && shown[expected.len()..].bytes().all(|b| b.is_ascii_digit()),
        "expiresOn {shown:?} is not {expected}ffffff"
    );
}

#[test]
fn output_exec_credential() {
    let (_fx, run, token, before, after) = fresh_run("exec-credential", &[]);
    let out = run.stdout_json();
    assert_eq!(out["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(out["kind"], "ExecCredential");
    assert!(
        out["status"]["token"] == token.as_str(),
        "status.token is the issued token"
    );
    let ts = out["status"]["expirationTimestamp"]
        .as_str()
        .expect("status.expirationTimestamp");
    let epoch = parse_rfc3339_utc(ts).unwrap_or_else(|| panic!("not RFC 3339 UTC: {ts}"));
    assert_expiry(epoch, before, after);
}

#[test]
fn output_none() {
    let (fx, run, token, ..) = fresh_run("none", &[]);
    assert!(run.stdout.is_empty(), "-o none prints nothing on stdout");
    // The token was still acquired and cached.
    let cache = fx.env.read_cache_json();
    let found = cache["AccessToken"]
        .as_object()
        .is_some_and(|m| m.values().any(|e| e["secret"] == token.as_str()));
    assert!(found, "the token is in the cache");
}

/// `YYYY-MM-DDTHH:MM:SSZ` (optional fraction) to epoch seconds: RFC 3339 in UTC, else `None`.
fn parse_rfc3339_utc(s: &str) -> Option<u64> {
    let at = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    if !s.ends_with('Z') {
        return None;
    }
    u64::try_from(at.unix_timestamp()).ok()
}

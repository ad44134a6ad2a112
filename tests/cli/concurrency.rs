//! Many `msal` processes at once on one cache: application tokens for distinct scopes, and
//! forced refreshes of one user's token against an identity provider that rotates refresh tokens
//! strictly (a spent one is refused). Every process must succeed, every token must be kept, and
//! the refresh token left in the cache must be the one the provider still honours.

use crate::support::Run;
use crate::support::fixture::Fixture;
use crate::support::idp::CONTOSO_DOMAIN;
use crate::support::users::{ALICE, UserFx, secrets_in};

const APP: &str = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
const APP_SECRET: &str = "C0ncurrent~secret.value-abcdef0123";
const PER_KIND: usize = 16;

#[test]
fn thirty_two_processes_lose_nothing_and_keep_the_live_refresh_token() {
    let fx = UserFx::new();
    fx.idp.register_secret_client(APP, APP_SECRET);
    fx.sign_in();
    let secret = fx.env.write_file("app-secret", APP_SECRET);
    let authority = fx.idp.authority(CONTOSO_DOMAIN);

    let mut running = Vec::new();
    for i in 0..PER_KIND {
        running.push(("silent", fx.silent().arg("--force-refresh").spawn()));
        running.push((
            "client-credentials",
            fx.env
                .msal()
                .args([
                    "client-credentials",
                    "--authority",
                    &authority,
                    "--client-id",
                    APP,
                ])
                .args([
                    "--scope",
                    &format!("api://app-{i:02}/.default"),
                    "-o",
                    "token",
                ])
                .arg("--client-secret-file")
                .arg(&secret)
                .spawn(),
        ));
    }
    let runs: Vec<(&str, crate::support::Run)> = running
        .into_iter()
        .map(|(kind, r)| (kind, r.wait()))
        .collect();

    let issued = fx.idp.issued_tokens();
    for (kind, run) in &runs {
        run.assert_success();
        let token = run.stdout.trim();
        let found = issued.iter().find(|t| t.access_token == token);
        assert!(
            found.is_some(),
            "a {kind} process printed a token the IdP never issued"
        );
        if *kind == "silent" {
            assert_eq!(found.and_then(|t| t.username.as_deref()), Some(ALICE));
        }
        fx.assert_no_secret_in(&run.stderr, "stderr");
    }
    let refreshes = fx
        .idp
        .token_requests()
        .iter()
        .filter(|r| r.form("grant_type") == Some("refresh_token"))
        .count();
    assert_eq!(
        refreshes, PER_KIND,
        "one refresh each, none refused and retried"
    );
    assert!(fx.idp.issued_errors().is_empty(), "the IdP refused nothing");

    let cache = fx.cache();
    let app_tokens = cache["AccessToken"]
        .as_object()
        .unwrap()
        .values()
        .filter(|at| at["client_id"] == APP)
        .count();
    assert_eq!(app_tokens, PER_KIND, "every application token is kept");
    let refresh_tokens = secrets_in(&cache, "RefreshToken");
    assert_eq!(
        refresh_tokens.len(),
        1,
        "one refresh token for the one account and scope"
    );
    assert!(
        fx.idp.refresh_token_is_active(&refresh_tokens[0]),
        "the stored refresh token is the live one (the last rotation)"
    );
    fx.silent().arg("--force-refresh").run().assert_success();
}

#[test]
fn concurrent_processes_lose_no_token() {
    const N: usize = 24;
    let fx = Fixture::new();
    let scopes: Vec<String> = (0..N)
        .map(|i| format!("api://app-{i:02}/.default"))
        .collect();
    let running: Vec<_> = scopes
        .iter()
        .map(|s| fx.cc_scope(s).args(["-o", "token"]).spawn())
        .collect();
    let runs: Vec<Run> = running.into_iter().map(|r| r.wait()).collect();
    let issued = fx.idp.issued_tokens();
    for (scope, run) in scopes.iter().zip(&runs) {
        run.assert_success();
        let token = issued
            .iter()
            .find(|t| &t.scope == scope)
            .unwrap_or_else(|| panic!("no token issued for {scope}"));
        run.assert_stdout_eq(&format!("{}\n", token.access_token), "its scope's token");
    }
    let cache = fx.env.read_cache_json();
    let ats = cache["AccessToken"]
        .as_object()
        .expect("AccessToken section");
    assert_eq!(ats.len(), N, "one AccessToken entry per process");
    let mut targets: Vec<&str> = ats.values().filter_map(|e| e["target"].as_str()).collect();
    targets.sort_unstable();
    assert_eq!(
        targets,
        scopes.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

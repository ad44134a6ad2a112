//! A hostile or broken identity provider: refusals without a body, answers that would inject
//! text into what `msal` prints, numbers that meet a clock, redirects that would carry a secret
//! elsewhere, and proxies that must never see a loopback request. Each test plays the attacker
//! through the real binary and checks what the user would see: exit code, stdout, stderr, the
//! cache file, and what the other side received.

use serde_json::json;

use crate::support::fixture::{CLIENT, Fixture, SCOPE, SECRET};
use crate::support::idp::{CONTOSO_DOMAIN, DevicePlan, Fault, FaultRule, Response, TestIdp};
use crate::support::users::{UserFx, secrets_in};
use crate::support::{Msal, Run, TestEnv};

const TOKEN_PATH: &str = "/oauth2/v2.0/token";

/// The cache bytes, or nothing when there is no cache file.
fn cache_bytes(fx: &Fixture) -> Option<Vec<u8>> {
    std::fs::read(fx.env.cache_path()).ok()
}

#[track_caller]
fn assert_nothing_printed_or_leaked(run: &Run) {
    assert!(run.stdout.is_empty(), "nothing on stdout on failure");
    run.assert_not_leaked(SECRET, "the client secret");
}

// ----- refusals without a body -----------------------------------------------------------------

#[test]
fn a_client_authentication_refused_with_an_empty_body_exits_4() {
    for status in [401u16, 403] {
        let fx = Fixture::new();
        fx.idp
            .inject(FaultRule::new(TOKEN_PATH, Fault::EmptyBody(status)));
        let run = fx.cc().run();
        run.assert_code(4)
            .assert_stderr_has(&format!("HTTP {status} with an empty body"));
        assert_nothing_printed_or_leaked(&run);
        assert!(
            !run.stderr_has("not JSON"),
            "no talk of JSON for a refusal:\n{}",
            run.stderr
        );
        assert_eq!(cache_bytes(&fx), None, "nothing cached");
        assert_eq!(fx.idp.token_requests().len(), 1, "a refusal is not retried");
    }
}

#[test]
fn a_refresh_token_refused_with_an_empty_body_exits_3_and_is_kept() {
    let fx = UserFx::new();
    fx.idp.set_access_token_lifetime(200);
    fx.sign_in();
    let refresh_tokens = secrets_in(&fx.cache(), "RefreshToken");
    assert_eq!(refresh_tokens.len(), 1);
    fx.idp
        .inject(FaultRule::new(TOKEN_PATH, Fault::EmptyBody(400)));
    let run = fx.silent().run();
    run.assert_code(3)
        .assert_stderr_has("HTTP 400 with an empty body")
        .assert_stderr_has("msal login");
    assert!(run.stdout.is_empty());
    fx.assert_no_secret_leaked(&run);
    assert_eq!(
        secrets_in(&fx.cache(), "RefreshToken"),
        refresh_tokens,
        "the refresh token is kept: the refusal named no reason to drop it"
    );
}

#[test]
fn a_device_code_request_refused_with_an_empty_body_exits_4() {
    let fx = UserFx::new();
    fx.idp.inject(FaultRule::new(
        "/oauth2/v2.0/devicecode",
        Fault::EmptyBody(400),
    ));
    let run = fx
        .msal("device-code")
        .args(["--scope", crate::support::users::SCOPE])
        .run();
    run.assert_code(4)
        .assert_stderr_has("HTTP 400 with an empty body");
    assert!(run.stdout.is_empty());
}

// ----- what a token answer may hold ------------------------------------------------------------

/// The token endpoint answers every request with `body` (200, JSON).
fn answer_tokens_with(fx: &Fixture, body: serde_json::Value) {
    fx.idp
        .add_route("POST", "/{tenant}/oauth2/v2.0/token", move |_| {
            Response::json(200, &body)
        });
}

#[test]
fn a_token_answer_that_would_inject_headers_or_shell_lines_is_refused_and_not_cached() {
    let hostile = [
        json!({"access_token": "eyJhbGciOi.abc\r\nX-Evil: yes", "token_type": "Bearer",
               "expires_in": 3599}),
        json!({"access_token": "eyJhbGciOi.abc", "token_type": "Bearer\r\nX-Evil: yes",
               "expires_in": 3599}),
        json!({"access_token": "abc'\nrm -rf ~\n'", "token_type": "Bearer", "expires_in": 3599}),
        json!({"access_token": "abc def", "token_type": "Bearer", "expires_in": 3599}),
        json!({"access_token": "abc=def", "token_type": "Bearer", "expires_in": 3599}),
        json!({"access_token": "abc", "token_type": "Basic", "expires_in": 3599}),
        json!({"access_token": "abc", "token_type": "Bearer", "expires_in": 3599,
               "refresh_token": "rt\u{1b}]0;evil\u{7}"}),
        json!({"access_token": "abc", "token_type": "Bearer", "expires_in": 3599,
               "id_token": "e30.e30.sig\r\n"}),
    ];
    for (i, body) in hostile.into_iter().enumerate() {
        for format in ["header", "env", "token"] {
            let fx = Fixture::new();
            answer_tokens_with(&fx, body.clone());
            let run = fx.cc().args(["-o", format]).run();
            assert!(
                run.code == 1,
                "answer {i} with -o {format}: exit {} (expected 1); stderr:\n{}",
                run.code,
                run.stderr
            );
            assert!(run.stdout.is_empty(), "answer {i}: nothing on stdout");
            assert!(
                !run.stderr.contains("X-Evil") && !run.stderr.contains("rm -rf"),
                "answer {i}: the hostile text is not echoed:\n{}",
                run.stderr
            );
            assert_eq!(cache_bytes(&fx), None, "answer {i}: nothing cached");
        }
    }
}

#[test]
fn token_types_are_checked_case_insensitively_and_bearer_is_printed_as_bearer() {
    let fx = Fixture::new();
    answer_tokens_with(
        &fx,
        json!({"access_token": "eyJ0eXAi.eyJzdWIi.c2ln-_~+/==", "token_type": "bEARER",
               "expires_in": 3599}),
    );
    let run = fx.cc().args(["-o", "header"]).run();
    run.assert_success().assert_stdout_eq(
        "Authorization: Bearer eyJ0eXAi.eyJzdWIi.c2ln-_~+/==\n",
        "the header with the canonical token type",
    );
    let cache = fx.env.read_cache_json();
    let types: Vec<&str> = cache["AccessToken"]
        .as_object()
        .unwrap()
        .values()
        .map(|at| at["token_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Bearer"], "stored as Bearer");
    // Served from the cache, still `Bearer`.
    let run = fx.cc().args(["-o", "header"]).run();
    run.assert_success().assert_stdout_eq(
        "Authorization: Bearer eyJ0eXAi.eyJzdWIi.c2ln-_~+/==\n",
        "the cached token",
    );

    for (given, shown) in [("dpop", "DPoP"), ("POP", "pop"), ("n_a", "N_A")] {
        let fx = Fixture::new();
        answer_tokens_with(
            &fx,
            json!({"access_token": "abc", "token_type": given, "expires_in": 3599}),
        );
        let run = fx.cc().args(["-o", "json", "--no-cache"]).run();
        run.assert_success();
        assert_eq!(run.stdout_json()["token_type"], shown, "{given}");
    }
}

#[test]
fn a_cached_token_that_would_inject_a_header_is_never_served() {
    let fx = Fixture::new();
    fx.cc().args(["-o", "none"]).run().assert_success();
    let mut cache = fx.env.read_cache_json();
    for at in cache["AccessToken"].as_object_mut().unwrap().values_mut() {
        at["secret"] = json!("abc\r\nX-Evil: yes");
    }
    crate::support::write_private(&fx.env.cache_path(), cache.to_string().as_bytes());
    fx.idp.clear_requests();
    let run = fx.cc().args(["-o", "header"]).run();
    let fresh = fx.idp.issued_access_tokens().last().cloned().unwrap();
    run.assert_success().assert_stdout_eq(
        &format!("Authorization: Bearer {fresh}\n"),
        "a fresh token instead of the edited one",
    );
    assert_eq!(fx.idp.token_requests().len(), 1);
}

// ----- numbers that meet a clock ---------------------------------------------------------------

#[test]
fn a_device_code_that_claims_to_live_forever_does_not_crash_the_countdown() {
    let fx = UserFx::new();
    fx.idp.set_device_code_timing(1, u64::MAX);
    fx.idp.set_device_plan(DevicePlan::ApproveAfter {
        polls: 1,
        username: crate::support::users::ALICE.into(),
    });
    let run = fx
        .msal("device-code")
        .args(["--scope", crate::support::users::SCOPE, "-o", "token"])
        .run();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    assert!(!run.stderr_has("panicked"), "{}", run.stderr);
}

#[test]
fn huge_lifetimes_and_retry_after_values_never_panic() {
    for field in ["expires_in", "ext_expires_in", "refresh_in"] {
        for value in [json!(u64::MAX), json!("18446744073709551615"), json!(1e300)] {
            let fx = Fixture::new();
            let mut body = json!({"access_token": "abc", "token_type": "Bearer",
                                  "expires_in": 3599});
            body[field] = value.clone();
            answer_tokens_with(&fx, body);
            let run = fx.cc().run();
            assert!(
                run.code == 1 && !run.stderr_has("panicked"),
                "{field} = {value}: exit {}; stderr:\n{}",
                run.code,
                run.stderr
            );
            assert!(run.stdout.is_empty());
            assert_eq!(cache_bytes(&fx), None, "{field} = {value}: nothing cached");
        }
    }
    let fx = Fixture::new();
    fx.idp.inject(FaultRule::new(
        TOKEN_PATH,
        Fault::TooManyRequests {
            retry_after: Some(u64::MAX),
        },
    ));
    let run = fx.cc().run();
    run.assert_code(1);
    assert!(!run.stderr_has("panicked"), "{}", run.stderr);
    assert_eq!(
        fx.idp.token_requests().len(),
        1,
        "no waiting for the end of time"
    );
}

#[test]
fn a_profile_timeout_beyond_reason_is_a_usage_error_not_a_crash() {
    let fx = UserFx::new();
    let config = fx.env.config_dir().join("msal");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "default_profile = \"p\"\n[profiles.p]\ntimeout = 18446744073709551615\n",
    )
    .unwrap();
    let run = fx
        .msal("login")
        .args(["--scope", crate::support::users::SCOPE, "--no-browser"])
        .run();
    run.assert_code(2).assert_stderr_has("timeout");
    assert!(!run.stderr_has("panicked"), "{}", run.stderr);
}

// ----- redirects -------------------------------------------------------------------------------

/// `msal client-credentials` against `idp` (https, its test CA trusted) with the secret.
fn cc_at<'a>(env: &'a TestEnv, idp: &TestIdp) -> Msal<'a> {
    let file = env.write_file("secret", SECRET);
    env.msal()
        .args([
            "client-credentials",
            "--authority",
            &idp.authority(CONTOSO_DOMAIN),
            "--client-id",
            CLIENT,
            "--scope",
            SCOPE,
            "--client-secret-file",
        ])
        .arg(file)
        .arg("--ca-cert")
        .arg(idp.ca_cert_path())
}

#[test]
fn a_redirect_to_another_origin_never_carries_the_secret_there() {
    let attacker = TestIdp::start();
    let other_tls = TestIdp::start_tls();
    let port = attacker.addr().port();
    let targets = [
        // An IPv4-mapped IPv6 address: plain http to what is, underneath, 127.0.0.1.
        format!("http://[::ffff:127.0.0.1]:{port}/steal"),
        // Loopback, but plain http after https, and another origin.
        format!("http://127.0.0.1:{port}/steal"),
        format!("http://localhost:{port}/steal"),
        // https, but another origin.
        format!("{}/steal", other_tls.base_url()),
    ];
    for target in targets {
        for status in [307u16, 308, 302] {
            let idp = TestIdp::start_tls();
            idp.register_secret_client(CLIENT, SECRET);
            let location = target.clone();
            idp.add_route("POST", "/{tenant}/oauth2/v2.0/token", move |_| {
                Response::with_body(status, "text/plain", Vec::new()).header("Location", &location)
            });
            let env = TestEnv::new();
            // Direct connections to every form of loopback, so that only msal's own rules stand
            // between the secret and the listener.
            let direct = "127.0.0.1,localhost,::1,::ffff:127.0.0.1";
            let run = cc_at(&env, &idp)
                .env("NO_PROXY", direct)
                .env("no_proxy", direct)
                .run();
            assert!(
                run.code == 1,
                "{status} to {target}: exit {}; stderr:\n{}",
                run.code,
                run.stderr
            );
            assert_nothing_printed_or_leaked(&run);
            run.assert_stderr_has("redirected to another origin");
            assert_eq!(
                attacker.request_count() + other_tls.request_count(),
                0,
                "{status} to {target}: the redirect was followed"
            );
            assert_eq!(idp.token_requests().len(), 1, "and not retried");
        }
    }
}

#[test]
fn a_redirect_within_the_same_origin_is_followed() {
    let idp = TestIdp::start_tls();
    idp.register_secret_client(CLIENT, SECRET);
    let base = idp.base_url();
    idp.add_route("POST", "/{tenant}/oauth2/v2.0/token", move |_| {
        Response::with_body(307, "text/plain", Vec::new())
            .header("Location", &format!("{base}/moved/token"))
    });
    idp.add_route("POST", "/moved/token", |req| {
        assert_eq!(req.form("client_secret"), Some(SECRET));
        Response::json(
            200,
            &json!({"access_token": "moved-token", "token_type": "Bearer", "expires_in": 3599}),
        )
    });
    let env = TestEnv::new();
    let run = cc_at(&env, &idp).run();
    run.assert_success()
        .assert_stdout_eq("moved-token\n", "the token from the moved endpoint");
}

// ----- where secrets may go --------------------------------------------------------------------

#[test]
fn loopback_requests_never_go_through_a_proxy() {
    // A proxy that records whatever reaches it; every proxy variable points at it, and NO_PROXY
    // names nothing, so only msal's own rule keeps loopback requests away from it.
    let proxy = TestIdp::start();
    for host in ["127.0.0.1", "localhost"] {
        let fx = Fixture::new();
        let authority = fx.idp.authority(CONTOSO_DOMAIN).replace("127.0.0.1", host);
        let mut msal = fx.cc_at(&authority);
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            msal = msal.env(var, proxy.base_url());
        }
        let run = msal.env("NO_PROXY", "").env("no_proxy", "").run();
        assert_eq!(
            proxy.request_count(),
            0,
            "a request to {host} went through the proxy: {:?}",
            proxy.requests()
        );
        if host == "127.0.0.1" {
            run.assert_success();
            assert_eq!(fx.idp.token_requests().len(), 1);
        } else {
            // The document names endpoints on 127.0.0.1, not on the authority's host, so the
            // secret is not sent; the discovery request went straight to the provider.
            run.assert_code(1)
                .assert_stderr_has("not on the authority's host");
            assert_eq!(fx.idp.requests_to(".well-known").len(), 1);
            assert!(fx.idp.token_requests().is_empty());
        }
    }
}

#[test]
fn the_github_token_request_goes_only_over_https_or_to_loopback() {
    let listener = TestIdp::start();
    let port = listener.addr().port();
    let request_token = "gh-request-token-never-in-clear-0123";
    for url in [
        format!("http://[::ffff:127.0.0.1]:{port}/_apis/pipelines/idtoken?api-version=2.0"),
        format!("http://0.0.0.0:{port}/_apis/pipelines/idtoken?api-version=2.0"),
        "http://pipelines.actions.example/_apis/pipelines/idtoken".to_owned(),
    ] {
        let fx = Fixture::new();
        let direct = "127.0.0.1,localhost,::1,::ffff:127.0.0.1,0.0.0.0";
        let run = fx
            .cc_without_credential()
            .arg("--github-oidc")
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)
            .env("NO_PROXY", direct)
            .env("no_proxy", direct)
            .run();
        assert!(
            run.code == 1 || run.code == 2,
            "{url}: exit {}; stderr:\n{}",
            run.code,
            run.stderr
        );
        run.assert_stderr_has("ACTIONS_ID_TOKEN_REQUEST_URL")
            .assert_stderr_has("https");
        run.assert_not_leaked(request_token, "the GitHub request token");
        assert!(run.stdout.is_empty());
        assert_eq!(listener.request_count(), 0, "{url} was called");
        assert_eq!(
            fx.idp.request_count(),
            0,
            "{url}: refused before any request"
        );
    }
}

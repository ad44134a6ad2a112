//! Trustworthy under crashes, hostile files and broken servers, proven with `msal
//! client-credentials`: processes killed mid-write, stale and held locks, corrupt, unknown,
//! loose-permission and symlinked caches, bad certificates, and server faults. A failed run
//! gives the documented exit code and leaves the cache byte-identical; a 5xx or a cut answer is
//! retried once, a short `Retry-After` is waited for and a long one is not.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::certs::TestCert;
use crate::support::fixture::{CLIENT, Fixture, SECRET};
use crate::support::idp::{CONTOSO_DOMAIN, Fault, FaultRule, Response, TestIdp};
use crate::support::{Run, entries, read_json};

/// A cache holding `n` application tokens, scopes `api://app-{i}/.default`.
fn fill_cache(fx: &Fixture, n: usize) {
    for i in 0..n {
        fx.cc_scope(&format!("api://app-{i}/.default"))
            .args(["-o", "none"])
            .run()
            .assert_success();
    }
}

fn access_token_count(fx: &Fixture) -> usize {
    fx.env.read_cache_json()["AccessToken"]
        .as_object()
        .map_or(0, |m| m.len())
}

fn cache_dir_entries(fx: &Fixture) -> Vec<String> {
    entries(fx.env.cache_path().parent().unwrap())
}

/// A small deterministic generator: the kill points vary, the test stays reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

// ----- crashes and locks -----------------------------------------------------------------------

#[test]
fn processes_killed_at_random_points_never_leave_a_broken_cache() {
    let fx = Fixture::new();
    fill_cache(&fx, 12);
    let mut rng = Lcg(7);
    for round in 0..40 {
        let running = fx
            .cc_scope(&format!("api://app-{}/.default", round % 12))
            .args(["--force-refresh", "-o", "none"])
            .spawn();
        std::thread::sleep(Duration::from_micros(rng.next(40_000)));
        let _ = running.kill();
        let cache = read_json(&fx.env.cache_path());
        let ats = cache["AccessToken"].as_object().map_or(0, |m| m.len());
        assert_eq!(
            ats, 12,
            "round {round}: the cache lost or gained entries after a SIGKILL"
        );
    }
    // The next run is not blocked by anything a killed process left, and tidies up after them.
    fx.cc_scope("api://app-0/.default")
        .args(["--force-refresh", "-o", "none"])
        .run()
        .assert_success();
    let leftovers: Vec<String> = cache_dir_entries(&fx)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
    assert_eq!(access_token_count(&fx), 12);
}

#[test]
fn a_leftover_lock_file_does_not_block_the_next_run() {
    let fx = Fixture::new();
    fill_cache(&fx, 1);
    let lock = fx.env.cache_path().with_file_name("token_cache.json.lock");
    assert!(lock.exists(), "the cache uses a sidecar lock file");
    // A lock file whose owner died holds no lock: the kernel released it with the process.
    fx.cc_scope("api://app-1/.default")
        .args(["-o", "none"])
        .run()
        .assert_success();
    assert_eq!(access_token_count(&fx), 2);
}

#[test]
fn a_lock_held_by_another_process_is_waited_for_then_reported_without_losing_the_token() {
    let fx = Fixture::new();
    fill_cache(&fx, 1);
    let before = fx.env.cache_bytes();
    let lock_path = fx.env.cache_path().with_file_name("token_cache.json.lock");
    let holder = std::fs::OpenOptions::new()
        .write(true)
        .open(&lock_path)
        .unwrap();
    holder.try_lock().expect("take the cache lock");
    let run = fx
        .cc_scope("api://app-1/.default")
        .env("MSAL_CACHE_LOCK_TIMEOUT", "1")
        .args(["-o", "json"])
        .run();
    run.assert_success();
    assert_eq!(run.stdout_json()["token_source"], "identity_provider");
    run.assert_stderr_has("lock");
    run.assert_stderr_has("token_cache.json");
    run.assert_stderr_has("gave up waiting for the lock after 1 s;");
    assert_eq!(
        fx.env.cache_bytes(),
        before,
        "nothing written without the lock"
    );
    drop(holder);
    fx.cc_scope("api://app-1/.default")
        .args(["-o", "none"])
        .run()
        .assert_success();
    assert_eq!(access_token_count(&fx), 2);
}

// ----- hostile or broken cache files -----------------------------------------------------------

#[test]
fn a_cache_that_is_not_json_is_moved_aside_and_reported() {
    let fx = Fixture::new();
    let garbage = b"\x00\x01 this is not json {{{";
    std::fs::create_dir_all(fx.env.cache_path().parent().unwrap()).unwrap();
    std::fs::write(fx.env.cache_path(), garbage).unwrap();
    let run = fx.cc_scope("api://x/.default").args(["-o", "none"]).run();
    run.assert_success();
    run.assert_stderr_has("corrupt");
    let aside: Vec<String> = cache_dir_entries(&fx)
        .into_iter()
        .filter(|n| n.contains("corrupt"))
        .collect();
    assert_eq!(aside.len(), 1, "one file kept aside: {aside:?}");
    let kept = std::fs::read(fx.env.cache_path().with_file_name(&aside[0])).unwrap();
    assert_eq!(kept, garbage, "the unreadable file is kept byte for byte");
    assert_eq!(access_token_count(&fx), 1);
}

#[test]
fn a_cache_of_an_unknown_shape_is_never_clobbered() {
    let fx = Fixture::new();
    let future = br#"{"AccessToken": ["a format from the future"], "Version": 9}"#;
    std::fs::create_dir_all(fx.env.cache_path().parent().unwrap()).unwrap();
    std::fs::write(fx.env.cache_path(), future).unwrap();
    let run = fx
        .cc_scope("api://x/.default")
        .args(["-o", "none", "--force-refresh"])
        .run();
    run.assert_code(1);
    run.assert_stderr_has("token_cache.json");
    assert_eq!(
        fx.env.cache_bytes(),
        future,
        "the file is left exactly as it was"
    );
    run.assert_stderr_has("--no-cache");
    assert_eq!(
        fx.idp.request_count(),
        0,
        "nothing is asked before the cache is understood"
    );
}

#[test]
fn a_cache_readable_by_others_is_tightened_with_a_warning() {
    use std::os::unix::fs::PermissionsExt as _;
    let fx = Fixture::new();
    fill_cache(&fx, 1);
    std::fs::set_permissions(fx.env.cache_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = fx
        .cc_scope("api://app-1/.default")
        .args(["-o", "none"])
        .run();
    run.assert_success();
    run.assert_stderr_has("warning");
    let mode = std::fs::metadata(fx.env.cache_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(access_token_count(&fx), 2);
}

#[test]
fn a_symlinked_cache_keeps_its_link_and_fills_the_target() {
    let fx = Fixture::new();
    let target = fx.env.root().join("elsewhere").join("shared-cache.json");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::create_dir_all(fx.env.cache_path().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, fx.env.cache_path()).unwrap();
    fx.cc_scope("api://x/.default")
        .args(["-o", "none"])
        .run()
        .assert_success();
    assert!(
        std::fs::symlink_metadata(fx.env.cache_path())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        read_json(&target)["AccessToken"]
            .as_object()
            .map_or(0, |m| m.len()),
        1
    );
}

#[test]
fn huge_and_missing_fields_lose_nothing_readable() {
    let fx = Fixture::new();
    fill_cache(&fx, 1);
    let mut cache = fx.env.read_cache_json();
    let huge = "h".repeat(4 * 1024 * 1024);
    cache["AccessToken"]["-127.0.0.1-accesstoken-other-client-t-api://huge/.default"] = json!({
        "credential_type": "AccessToken", "secret": huge, "home_account_id": null,
        "environment": "127.0.0.1", "client_id": "other-client", "realm": "t",
        "target": "api://huge/.default", "expires_on": "99999999999",
    });
    cache["RefreshToken"] =
        json!({"odd-entry": {"credential_type": "RefreshToken", "secret": "r"}});
    std::fs::write(fx.env.cache_path(), serde_json::to_vec(&cache).unwrap()).unwrap();
    fx.cc_scope("api://app-1/.default")
        .args(["-o", "none"])
        .run()
        .assert_success();
    let after = fx.env.read_cache_json();
    assert_eq!(after["AccessToken"].as_object().unwrap().len(), 3);
    let kept = &after["AccessToken"]["-127.0.0.1-accesstoken-other-client-t-api://huge/.default"]["secret"];
    assert_eq!(
        kept.as_str().map(str::len),
        Some(huge.len()),
        "the huge entry survives"
    );
    assert_eq!(
        after["RefreshToken"]["odd-entry"]["secret"], "r",
        "the sparse entry survives"
    );
}

// ----- bad certificates --------------------------------------------------------------------------

fn certificate_run(fx: &Fixture, pem: &str) -> Run {
    let file = fx.env.write_file("cert.pem", pem);
    fx.cc_without_credential()
        .arg("--certificate")
        .arg(file)
        .run()
}

#[test]
fn a_non_rsa_certificate_is_refused_clearly_before_any_request() {
    let fx = Fixture::new();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["ec".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let run = certificate_run(&fx, &format!("{}{}", key.serialize_pem(), cert.pem()));
    run.assert_code(1);
    run.assert_stderr_has("RSA");
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn an_expired_certificate_is_named_as_such() {
    let fx = Fixture::new();
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["old".to_owned()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let cert = params.self_signed(&key).unwrap();
    fx.idp
        .register_certificate_client(CLIENT, cert.der(), key.public_key_raw());
    let run = certificate_run(&fx, &format!("{}{}", key.serialize_pem(), cert.pem()));
    run.assert_stderr_has("expired");
}

#[test]
fn a_pem_without_a_key_or_of_garbage_is_refused_clearly() {
    let fx = Fixture::new();
    let run = certificate_run(&fx, &TestCert::shared().cert_pem);
    run.assert_code(1);
    run.assert_stderr_has("private key");
    let run = certificate_run(
        &fx,
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    );
    run.assert_code(1);
    assert_eq!(fx.idp.request_count(), 0);
}

// ----- broken servers: documented exit code, one-line reason, untouched cache ------------------

/// Runs `msal client-credentials --force-refresh` against `fault` with a warm cache, and checks
/// the exit code, that stderr gives a reason, and that the cache is byte-identical.
fn fault_case(setup: impl FnOnce(&TestIdp), expected_code: i32, reason: &str) {
    let fx = Fixture::new();
    fill_cache(&fx, 1);
    let before = fx.env.cache_bytes();
    setup(&fx.idp);
    let run = fx
        .cc_scope("api://app-0/.default")
        .args(["--force-refresh", "--timeout", "3", "-o", "token"])
        .run();
    run.assert_code(expected_code);
    assert!(run.stdout.is_empty(), "nothing on stdout on failure");
    run.assert_stderr_has(reason);
    assert!(
        run.stderr
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("error: ")),
        "{}",
        run.stderr
    );
    assert_eq!(fx.env.cache_bytes(), before, "the cache must be untouched");
}

#[test]
fn server_error_statuses_are_retried_once_then_reported() {
    for status in [500u16, 502, 503, 504] {
        fault_case(
            |idp| idp.inject(FaultRule::new("/token", Fault::Status(status)).times(2)),
            1,
            &format!("HTTP {status}"),
        );
    }
}

#[test]
fn too_many_requests_without_retry_after_is_retried_once() {
    fault_case(
        |idp| {
            idp.inject(
                FaultRule::new("/token", Fault::TooManyRequests { retry_after: None }).times(2),
            )
        },
        1,
        "429",
    );
    let fx = Fixture::new();
    fx.idp.inject(FaultRule::new(
        "/token",
        Fault::TooManyRequests { retry_after: None },
    ));
    fx.cc_scope("api://x/.default")
        .args(["-o", "none"])
        .run()
        .assert_success();
}

#[test]
fn a_refused_connection_is_a_failure_naming_the_endpoint() {
    let fx = Fixture::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let run = fx
        .env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            &format!("http://127.0.0.1:{port}/t"),
            "--client-id",
            CLIENT,
        ])
        .args(["--scope", "api://x/.default", "--client-secret", SECRET])
        .run();
    run.assert_code(1);
    run.assert_stderr_has("could not reach");
    run.assert_not_leaked(SECRET, "the secret");
}

#[test]
fn malformed_token_answers_are_reported_without_touching_the_cache() {
    let answers: Vec<(Value, &str)> = vec![
        (
            json!({"token_type": "Bearer", "expires_in": 3599}),
            "no access_token",
        ),
        (
            json!({"access_token": "a-token", "expires_in": 99_999_999_999u64}),
            "implausible",
        ),
        (
            json!({"access_token": "a-token", "expires_in": -30}),
            "expires_in",
        ),
        (json!(["not", "an", "object"]), "no access_token"),
    ];
    for (answer, reason) in answers {
        fault_case(
            move |idp| {
                let answer = answer.clone();
                idp.add_route("POST", "/{tenant}/oauth2/v2.0/token", move |_| {
                    Response::json(200, &answer)
                });
            },
            1,
            reason,
        );
    }
}

#[test]
fn a_discovery_document_pointing_at_plain_http_elsewhere_is_refused() {
    let fx = Fixture::new();
    fx.idp.add_route(
        "GET",
        "/{tenant}/v2.0/.well-known/openid-configuration",
        |_| {
            Response::json(
                200,
                &json!({
                    "issuer": "https://login.example.com/t/v2.0",
                    "token_endpoint": "http://login.example.com/t/oauth2/v2.0/token",
                    "authorization_endpoint": "https://login.example.com/t/oauth2/v2.0/authorize",
                }),
            )
        },
    );
    let run = fx.cc_scope("api://x/.default").run();
    run.assert_code(1);
    run.assert_stderr_has("plain http");
    run.assert_not_leaked(SECRET, "the secret");
    assert!(
        fx.idp.token_requests().is_empty(),
        "no credential was sent anywhere"
    );
}

#[test]
fn a_cached_token_is_served_offline_even_when_the_discovery_document_is_old() {
    let fx = Fixture::new();
    fill_cache(&fx, 1);
    let authority = fx.idp.authority(CONTOSO_DOMAIN);
    // Age every stored discovery document past its day.
    let metadata_dir = fx.env.cache_dir().join("msal");
    let mut aged = 0;
    for entry in std::fs::read_dir(&metadata_dir).unwrap() {
        let path = entry.unwrap().path();
        let mut doc: Value = read_json(&path);
        doc["fetched_at"] = json!(1);
        std::fs::write(&path, doc.to_string()).unwrap();
        aged += 1;
    }
    assert!(
        aged > 0,
        "discovery metadata is kept in {}",
        metadata_dir.display()
    );
    let Fixture { env, idp } = fx;
    drop(idp); // the provider is gone
    let secret = env.root().join("files").join("secret");
    let run = env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            &authority,
            "--client-id",
            CLIENT,
        ])
        .args([
            "--scope",
            "api://app-0/.default",
            "-o",
            "json",
            "--client-secret-file",
        ])
        .arg(secret)
        .run();
    run.assert_success();
    assert_eq!(run.stdout_json()["token_source"], "cache");
    run.assert_stderr_has("discovery failed");
}

// ----- retries and failures of a token request ---------------------------------------------------

const TOKEN_PATH: &str = "/oauth2/v2.0/token";
const OTHER_SCOPE: &str = "api://other/.default";

/// Warm the cache, inject `rules`, ask for another scope; return the run and the cache bytes from
/// before.
fn run_with_faults(fx: &Fixture, rules: Vec<FaultRule>, extra: &[&str]) -> (Run, Vec<u8>) {
    let before = fx.warm_cache();
    for rule in rules {
        fx.idp.inject(rule);
    }
    let run = fx
        .cc_scope(OTHER_SCOPE)
        .args(["-o", "token"])
        .args(extra.iter().copied())
        .run();
    (run, before)
}

#[track_caller]
fn assert_failed_untouched(fx: &Fixture, run: &Run, cache_before: &[u8]) {
    run.assert_code(1);
    assert!(run.stdout.is_empty(), "nothing on stdout on failure");
    assert!(
        fx.env.cache_bytes() == cache_before,
        "the cache file is byte-identical after the failure"
    );
    run.assert_not_leaked(SECRET, "the client secret");
}

#[test]
fn one_503_is_retried() {
    let fx = Fixture::new();
    let (run, _) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Status(503))],
        &[],
    );
    run.assert_token(&fx.last_token());
    assert_eq!(fx.idp.token_requests().len(), 2);
}

#[test]
fn two_503s_fail_after_one_retry() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Status(503)).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert_eq!(fx.idp.token_requests().len(), 2, "exactly one retry");
}

#[test]
fn short_retry_after_429_is_waited_for() {
    let fx = Fixture::new();
    let (run, _) = run_with_faults(
        &fx,
        vec![FaultRule::new(
            TOKEN_PATH,
            Fault::TooManyRequests {
                retry_after: Some(1),
            },
        )],
        &[],
    );
    run.assert_token(&fx.last_token());
    assert_eq!(fx.idp.token_requests().len(), 2);
}

#[test]
fn long_retry_after_429_fails_at_once() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(
            TOKEN_PATH,
            Fault::TooManyRequests {
                retry_after: Some(3600),
            },
        )],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert_eq!(fx.idp.token_requests().len(), 1, "no retry");
    assert!(
        run.stderr_has("retry-after") || run.stderr_has("retry after") || run.stderr_has("3600"),
        "stderr says the server asked to retry much later:\n{}",
        run.stderr
    );
}

#[test]
fn html_page_fails() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Html).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
}

#[test]
fn malformed_json_fails() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::MalformedJson).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
}

#[test]
fn oversized_response_fails() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Oversized(50 * 1024 * 1024)).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
}

#[test]
fn reset_mid_body_fails_after_a_retry() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::ResetMidBody).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert_eq!(fx.idp.token_requests().len(), 2, "one retry");
}

#[test]
fn slow_server_hits_the_timeout() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Delay(Duration::from_secs(30))).times(2)],
        &["--timeout", "2"],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert!(
        run.stderr_has("timeout") || run.stderr_has("timed out"),
        "stderr mentions the timeout:\n{}",
        run.stderr
    );
}

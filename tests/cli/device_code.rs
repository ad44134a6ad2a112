//! `msal device-code` end to end against the test IdP's device authorization endpoint and its
//! strict polling rules. The IdP sends `interval: 1` to keep these tests short; it answers
//! `slow_down` to any poll that comes sooner than the interval, so "polls at the interval" is
//! enforced by the server, not by a timing assertion here.
//!
//! Device code runs mostly wait, so the scenarios run at once inside one test (the test harness
//! has only as many threads as cores): each starts its own IdP and `msal`, and has its own
//! checking function.

use std::time::{Duration, Instant};

use crate::support::Running;
use crate::support::idp::{CONTOSO_TENANT_ID, DevicePlan};
use crate::support::users::{
    ALICE, CLIENT, DEVICE_CODE_GRANT, SCOPE, UserFx, scopes_of, secrets_in, section,
};

fn fx_with_plan(plan: DevicePlan) -> UserFx {
    let fx = UserFx::new();
    fx.idp.set_device_code_timing(1, 900);
    fx.idp.set_device_plan(plan);
    fx
}

fn device_code(fx: &UserFx) -> crate::support::Msal<'_> {
    fx.msal("device-code")
        .args(["--scope", SCOPE, "-o", "token"])
}

/// The `error`s the IdP answered device code polls with, in order.
fn poll_errors(fx: &UserFx) -> Vec<String> {
    fx.idp
        .issued_errors()
        .into_iter()
        .map(|e| e.error)
        .collect()
}

#[test]
fn device_code_sign_ins() {
    let slow_down = SlowDown::start();
    let final_errors = FinalErrors::start();
    instructions_on_stderr_token_on_stdout_polls_at_the_interval();
    final_errors.check();
    slow_down.check();
}

fn instructions_on_stderr_token_on_stdout_polls_at_the_interval() {
    // The user signs in on another device after the second poll.
    let fx = fx_with_plan(DevicePlan::Manual);
    let mut running = device_code(&fx).spawn();
    running.wait_for_stderr("enter the code", Duration::from_secs(20));
    let deadline = Instant::now() + Duration::from_secs(20);
    while fx.idp.device_code_polls() < 2 {
        assert!(Instant::now() < deadline, "msal stopped polling");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(fx.idp.approve_device_code(ALICE));
    let run = running.wait();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    fx.assert_no_secret_leaked(&run);

    // The server's message, with the user code, on stderr only.
    let user_codes = fx.idp.device_user_codes();
    assert_eq!(user_codes.len(), 1);
    let user_code = &user_codes[0];
    run.assert_stderr_has(&format!(
        "use a web browser to open the page {}/devicelogin and enter the code {user_code} to authenticate",
        fx.idp.base_url()
    ));
    assert!(!run.stdout.contains(user_code.as_str()));

    // The device authorization request.
    let authz = fx.idp.requests_to("/oauth2/v2.0/devicecode");
    assert_eq!(authz.len(), 1);
    assert_eq!(
        authz[0].path,
        format!("/{CONTOSO_TENANT_ID}/oauth2/v2.0/devicecode")
    );
    assert_eq!(authz[0].form("client_id"), Some(CLIENT));
    let scopes = scopes_of(authz[0].form("scope").unwrap());
    for s in [SCOPE, "openid", "profile", "offline_access"] {
        assert!(scopes.contains(&s), "{s} in {scopes:?}");
    }

    // Three polls: pending, pending, tokens — never too fast.
    let polls = fx.idp.token_requests();
    assert_eq!(polls.len(), 3, "{polls:?}");
    for p in &polls {
        assert_eq!(p.form("grant_type"), Some(DEVICE_CODE_GRANT));
        assert_eq!(p.form("client_id"), Some(CLIENT));
        assert_eq!(p.form("client_info"), Some("1"));
        assert!(p.form("device_code").is_some_and(|c| c.len() > 40));
        assert!(p.form("client_secret").is_none());
    }
    assert_eq!(
        poll_errors(&fx),
        vec!["authorization_pending", "authorization_pending"]
    );

    // The cache: an account whose source is the device code grant.
    let cache = fx.cache();
    let hai = fx.alice.home_account_id();
    let account = &section(&cache, "Account")[&format!("{hai}-127.0.0.1-{CONTOSO_TENANT_ID}")];
    assert_eq!(account["username"], ALICE);
    assert_eq!(account["account_source"], DEVICE_CODE_GRANT);
    assert_eq!(
        secrets_in(&cache, "RefreshToken"),
        vec![fx.last_issued().refresh_token.unwrap()]
    );
    assert_eq!(secrets_in(&cache, "AccessToken").len(), 1);
}

/// RFC 8628's 5 extra seconds after `slow_down` (paid once in the whole suite).
struct SlowDown {
    fx: UserFx,
    running: Running,
}

impl SlowDown {
    fn start() -> Self {
        let fx = fx_with_plan(DevicePlan::ApproveAfter {
            polls: 2,
            username: ALICE.into(),
        });
        fx.idp.force_slow_down_on_poll(1);
        let running = device_code(&fx).spawn();
        Self { fx, running }
    }

    fn check(self) {
        let Self { fx, running } = self;
        let run = running.wait();
        run.assert_success().assert_stdout_eq(
            &format!("{}\n", fx.last_issued().access_token),
            "the issued access token",
        );
        // Had msal not waited interval + 5 s after slow_down, the IdP would have answered
        // slow_down again.
        assert_eq!(poll_errors(&fx), vec!["slow_down"]);
        assert_eq!(fx.idp.token_requests().len(), 2);
        fx.assert_no_secret_leaked(&run);
    }
}

/// A code the user declines, one the server reports expired, and one the server keeps pending
/// past `expires_in`: each exits 4.
struct FinalErrors {
    declined: (UserFx, Running),
    expired: (UserFx, Running),
    endless: (UserFx, Running),
}

impl FinalErrors {
    fn start() -> Self {
        let declined = fx_with_plan(DevicePlan::DeclineAfter { polls: 1 });
        let expired = fx_with_plan(DevicePlan::ExpireAfter { polls: 1 });
        // The server never says the code expired: msal gives up by itself once `expires_in`
        // (2 s) has passed.
        let endless = fx_with_plan(DevicePlan::PendingForever);
        endless.idp.set_device_code_timing(1, 2);
        let start = |fx: UserFx| {
            let running = device_code(&fx).spawn();
            (fx, running)
        };
        Self {
            declined: start(declined),
            expired: start(expired),
            endless: start(endless),
        }
    }

    fn check(self) {
        let (declined, run) = self.declined;
        let run = run.wait();
        run.assert_code(4)
            .assert_stderr_has("authorization_declined")
            .assert_stderr_has("AADSTS70025");
        assert_eq!(
            declined.idp.token_requests().len(),
            1,
            "a final error stops polling"
        );
        assert_nothing_kept(&declined, &run);

        let (expired, run) = self.expired;
        let run = run.wait();
        run.assert_code(4)
            .assert_stderr_has("expired_token")
            .assert_stderr_has("AADSTS70019");
        assert_eq!(expired.idp.token_requests().len(), 1);
        assert_nothing_kept(&expired, &run);

        let (endless, run) = self.endless;
        let run = run.wait();
        run.assert_code(4).assert_stderr_has("expired_token");
        let polls = endless.idp.token_requests().len();
        assert!((1..=2).contains(&polls), "{polls} polls within 2 s at 1 s");
        assert_eq!(poll_errors(&endless), vec!["authorization_pending"; polls]);
        assert_nothing_kept(&endless, &run);
    }
}

#[track_caller]
fn assert_nothing_kept(fx: &UserFx, run: &crate::support::Run) {
    assert!(run.stdout.is_empty());
    assert!(!fx.env.cache_path().exists(), "nothing cached");
    fx.assert_no_secret_leaked(run);
}

#[test]
fn ctrl_c_or_sigterm_while_polling_exits_128_plus_the_signal() {
    let fx = fx_with_plan(DevicePlan::Manual);
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let mut running = device_code(&fx).spawn();
        running.wait_for_stderr("enter the code", Duration::from_secs(20));
        running.signal(signal);
        let run = running.wait();
        run.assert_code(code).assert_stderr_has("sign-in");
        assert!(run.stdout.is_empty());
    }
    assert!(fx.idp.issued_tokens().is_empty(), "no sign-in completed");
}

#[test]
fn ctrl_c_while_waiting_for_the_cache_lock_exits_at_once() {
    // Another process holds the cache's lock when the sign-in completes: msal waits for it (up
    // to MSAL_CACHE_LOCK_TIMEOUT) on its only runtime thread, and Ctrl-C must still end the run
    // at once, not when the wait gives up.
    let fx = fx_with_plan(DevicePlan::ApproveAfter {
        polls: 1,
        username: ALICE.to_owned(),
    });
    let cache = fx.env.cache_path();
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    let holder = std::fs::File::create(cache.with_file_name("token_cache.json.lock")).unwrap();
    holder.try_lock().expect("take the cache lock");
    let mut running = device_code(&fx)
        .env("MSAL_CACHE_LOCK_TIMEOUT", "50")
        .spawn();
    running.wait_for_stderr("enter the code", Duration::from_secs(20));
    let deadline = Instant::now() + Duration::from_secs(20);
    while fx.idp.issued_tokens().is_empty() {
        assert!(Instant::now() < deadline, "the sign-in never completed");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Time to read the answer and start waiting for the lock.
    std::thread::sleep(Duration::from_millis(500));
    assert!(!running.has_exited(), "msal waits for the lock");
    running.signal("INT");
    let signalled = Instant::now();
    let run = running.wait();
    let waited = signalled.elapsed();
    run.assert_code(130).assert_stderr_has("sign-in cancelled");
    assert!(run.stdout.is_empty());
    assert!(
        waited < Duration::from_secs(5),
        "exited {waited:?} after Ctrl-C"
    );
    drop(holder);
}

//! `silent --min-validity` longer than the tokens the identity provider issues: every run would
//! ask the provider again, so `msal` says so once, instead of refreshing silently every time.

use crate::support::users::UserFx;

/// The refresh requests the identity provider received.
fn refreshes(fx: &UserFx) -> usize {
    fx.idp
        .token_requests()
        .iter()
        .filter(|r| r.form("grant_type") == Some("refresh_token"))
        .count()
}

#[test]
fn a_min_validity_the_providers_tokens_cannot_meet_is_warned_about_once() {
    let fx = UserFx::new();
    fx.idp.set_access_token_lifetime(3600);
    fx.sign_in();
    fx.idp.clear_requests();
    for round in 1..=2 {
        let run = fx.silent().args(["--min-validity", "2h"]).run();
        run.assert_success();
        fx.assert_no_secret_leaked(&run);
        assert_eq!(refreshes(&fx), round, "each run asks the provider");
        let warnings = run.stderr.matches("warning:").count();
        assert_eq!(warnings, 1, "one warning: {}", run.stderr);
        run.assert_stderr_has("--min-validity 2h")
            .assert_stderr_has("every run will ask");
        // The lifetime, as the run saw it (a second may have passed).
        assert!(
            run.stderr_has("valid for 1h") || run.stderr_has("valid for 59m"),
            "{}",
            run.stderr
        );
    }
    // A margin the tokens can meet: served from the cache, nothing said.
    let run = fx.silent().args(["--min-validity", "30m"]).run();
    run.assert_success();
    assert_eq!(refreshes(&fx), 2, "no new refresh");
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

//! No secret ever reaches the user's screen or logs: every command, at `-v` and
//! `-vv`, on its success path and on an error path, and the whole of stderr is searched for
//! every secret the scenario used — client secret, password, assertions, authorization codes,
//! PKCE verifiers, device codes, access, refresh and ID tokens. stdout may carry exactly the
//! token asked for and nothing else secret.

use crate::support::Run;
use crate::support::idp::CONTOSO_DOMAIN;
use crate::support::users::{ALICE, ALICE_PASSWORD, Browser, SCOPE, UserFx};

const API: &str = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const API_SECRET: &str = "S3cr3ts~never.shown-0123456789abcd";

#[test]
fn no_command_prints_a_secret_at_any_verbosity() {
    let fx = UserFx::new();
    fx.idp.register_secret_client(API, API_SECRET);
    fx.idp.set_device_code_timing(1, 600);
    let secret_file = fx.env.write_file("api-secret", API_SECRET);
    let authority = fx.idp.authority(CONTOSO_DOMAIN);
    let mut runs: Vec<(String, Run)> = Vec::new();

    for verbosity in ["-v", "-vv"] {
        // Interactive sign-in, legacy password sign-in, device code.
        runs.push((
            "login".into(),
            fx.login(Browser::Complete).arg(verbosity).run(),
        ));
        fx.browser_finished();
        runs.push((
            "login --username".into(),
            fx.msal("login")
                .args([
                    "--scope",
                    SCOPE,
                    "-o",
                    "token",
                    verbosity,
                    "--username",
                    ALICE,
                    "--password-stdin",
                ])
                .stdin(format!("{ALICE_PASSWORD}\n"))
                .run(),
        ));
        let mut device = fx
            .msal("device-code")
            .args(["--scope", SCOPE, "-o", "token", verbosity])
            .spawn();
        device.wait_for_stderr("enter the code", std::time::Duration::from_secs(20));
        fx.idp.approve_device_code(ALICE);
        runs.push(("device-code".into(), device.wait()));
        // Silent: cache hit, forced refresh, an error (revoked refresh token).
        runs.push(("silent".into(), fx.silent().arg(verbosity).run()));
        runs.push((
            "silent --force-refresh".into(),
            fx.silent().args(["--force-refresh", verbosity]).run(),
        ));
        // Confidential client: client credentials (success and wrong secret), on-behalf-of.
        let cc = |extra: &[&str]| {
            fx.env
                .msal()
                .args([
                    "client-credentials",
                    "--authority",
                    &authority,
                    "--client-id",
                    API,
                ])
                .args(["--scope", "api://x/.default", "-o", "token", verbosity])
                .args(extra)
        };
        runs.push((
            "client-credentials".into(),
            cc(&["--force-refresh", "--client-secret-file"])
                .arg(&secret_file)
                .run(),
        ));
        runs.push((
            "client-credentials (secret flag)".into(),
            cc(&["--force-refresh", "--client-secret", API_SECRET]).run(),
        ));
        runs.push((
            "client-credentials (wrong secret)".into(),
            cc(&[
                "--force-refresh",
                "--client-secret",
                "wrong-but-still-secret-123",
            ])
            .run(),
        ));
        let user_token = fx.silent().run().stdout.trim().to_owned();
        runs.push((
            "obo".into(),
            fx.env
                .msal()
                .args([
                    "obo",
                    "--authority",
                    &authority,
                    "--client-id",
                    API,
                    "--scope",
                    "api://down/.default",
                ])
                .args([
                    "-o",
                    "token",
                    verbosity,
                    "--assertion-file",
                    "-",
                    "--client-secret-file",
                ])
                .arg(&secret_file)
                .stdin(format!("{user_token}\n"))
                .run(),
        ));
        runs.push((
            "accounts".into(),
            fx.msal("accounts").args(["-o", "json", verbosity]).run(),
        ));
        runs.push((
            "doctor".into(),
            fx.msal("doctor")
                .args(["-o", "json", verbosity])
                .env("AZURE_CLIENT_SECRET", API_SECRET)
                .run(),
        ));
        fx.idp.revoke_refresh_tokens(ALICE);
        runs.push((
            "silent (revoked)".into(),
            fx.silent().args(["--force-refresh", verbosity]).run(),
        ));
        runs.push((
            "logout".into(),
            fx.msal("logout").args(["--all", verbosity]).run(),
        ));
    }

    let mut secrets = fx.secrets();
    secrets.push((API_SECRET.to_owned(), "the client secret"));
    secrets.push((
        "wrong-but-still-secret-123".to_owned(),
        "a wrong client secret",
    ));
    for r in fx.idp.requests() {
        for field in ["client_assertion", "assertion", "client_secret"] {
            if let Some(value) = r.form(field) {
                secrets.push((value.to_owned(), "an assertion or secret sent to the IdP"));
            }
        }
    }
    assert!(
        secrets.len() > 40,
        "the scenario used many secrets ({})",
        secrets.len()
    );
    let debug_lines: usize = runs
        .iter()
        .map(|(_, r)| r.stderr.matches("debug:").count())
        .sum();
    assert!(
        debug_lines > 20,
        "-vv really logged (debug lines: {debug_lines})"
    );

    let issued = fx.idp.issued_access_tokens();
    for (command, run) in &runs {
        for (secret, what) in &secrets {
            assert!(
                !run.stderr.contains(secret.as_str()),
                "`msal {command}` showed {what} on stderr"
            );
        }
        let printed = run.stdout.trim();
        if !printed.is_empty() && !printed.starts_with(['[', '{']) {
            assert!(
                issued.iter().any(|t| t == printed),
                "`msal {command}`: stdout is only the token asked for"
            );
        } else {
            for (secret, what) in &secrets {
                assert!(
                    !run.stdout.contains(secret.as_str()),
                    "`msal {command}` showed {what} on stdout"
                );
            }
        }
    }
}

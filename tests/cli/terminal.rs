//! Terminal manners: colour only on a terminal and never with `NO_COLOR`; `-q` leaves only
//! errors. A real pseudo-terminal comes from util-linux `script`.

use std::process::Command;

use crate::support::TestEnv;
use crate::support::idp::{CONTOSO_DOMAIN, TestIdp};

/// Runs `msal ARGS` on a pseudo-terminal and returns everything it wrote there.
fn on_a_terminal(env: &TestEnv, args: &str, extra_env: &[(&str, &str)]) -> String {
    let bin = env!("CARGO_BIN_EXE_msal");
    let mut command = Command::new("script");
    command
        .args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.config_dir())
        .env("XDG_CACHE_HOME", env.cache_dir())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("TERM", "xterm-256color");
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let output = command
        .output()
        .expect("util-linux `script` runs msal on a pseudo-terminal");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn errors_are_coloured_on_a_terminal_only_without_no_color() {
    let env = TestEnv::new();
    // A usage error msal reports itself (not clap): no authority for client credentials.
    let args =
        "client-credentials --client-id c --client-secret-file /dev/null --scope api://x/.default";
    let coloured = on_a_terminal(&env, args, &[]);
    assert!(coloured.contains("\x1b[1;31merror:\x1b[0m"), "{coloured:?}");
    let plain = on_a_terminal(&env, args, &[("NO_COLOR", "1")]);
    assert!(
        plain.contains("error:") && !plain.contains('\x1b'),
        "{plain:?}"
    );
    let dumb = on_a_terminal(&env, args, &[("TERM", "dumb")]);
    assert!(!dumb.contains('\x1b'), "{dumb:?}");
    // Through a pipe, never.
    let piped = env.msal().args(args.split(' ')).run();
    assert!(
        piped.stderr.contains("error:") && !piped.stderr.contains('\x1b'),
        "{}",
        piped.stderr
    );
}

#[test]
fn quiet_leaves_only_errors() {
    let env = TestEnv::new();
    let idp = TestIdp::start();
    idp.register_secret_client("c1", "quiet-secret-value-123");
    let base = [
        "client-credentials",
        "--authority",
        &idp.authority(CONTOSO_DOMAIN),
        "--client-id",
        "c1",
        "--scope",
        "api://x/.default",
        "--client-secret",
    ];
    let loud = env.msal().args(base).arg("quiet-secret-value-123").run();
    loud.assert_success();
    loud.assert_stderr_has("warning:");
    let quiet = env
        .msal()
        .args(base)
        .args(["quiet-secret-value-123", "-q", "--force-refresh"])
        .run();
    quiet.assert_success();
    assert_eq!(quiet.stderr, "", "-q hides warnings");
    let failing = env
        .msal()
        .args(base)
        .args(["wrong-secret", "-q", "--force-refresh"])
        .run();
    failing.assert_code(4);
    failing.assert_stderr_has("error:");
}

/// A sign-in name that retitles the window, clears the screen and reverses the rest of the line.
const HOSTILE_NAME: &str = "mallory\u{1b}]0;evil\u{7}\u{1b}[2J\u{202e}@contoso.example";
/// What a terminal shows of it once cleaned.
const SHOWN_NAME: &str = "mallory@contoso.example";

/// Panics unless `text` holds nothing a terminal interprets: no control character but a line
/// break, no bidirectional control.
#[track_caller]
fn assert_terminal_safe(text: &str, what: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(
                    c,
                    '\u{202a}'..='\u{202e}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{200e}'
                        | '\u{200f}'
                        | '\u{061c}'
                )
        })
        .collect();
    assert!(bad.is_empty(), "{what} holds {bad:?}: {text:?}");
}

#[test]
fn names_from_the_identity_provider_reach_the_terminal_without_escapes() {
    use crate::support::idp::DevicePlan;
    use crate::support::users::{Browser, SCOPE, UserFx};

    let fx = UserFx::new();
    fx.idp.add_user(HOSTILE_NAME, "Mall0ry-Pa55word!");

    // Device code: the user approves on another device.
    fx.idp.set_device_code_timing(1, 900);
    fx.idp.set_device_plan(DevicePlan::ApproveAfter {
        polls: 1,
        username: HOSTILE_NAME.into(),
    });
    let run = fx
        .msal("device-code")
        .args(["--scope", SCOPE, "-o", "none"])
        .run();
    run.assert_success();
    assert_terminal_safe(&run.stderr, "device-code's stderr");
    run.assert_stderr_has(&format!("signed in as {SHOWN_NAME}"));

    // The browser sign-in.
    fx.idp.set_default_user(HOSTILE_NAME);
    let run = fx.login(Browser::Complete).run();
    run.assert_success();
    fx.browser_finished();
    assert_terminal_safe(&run.stderr, "login's stderr");
    run.assert_stderr_has(&format!("signed in as {SHOWN_NAME}"));

    // The accounts table, and the JSON, which keeps the name exactly (escaped).
    let run = fx.msal("accounts").run();
    run.assert_success();
    assert_terminal_safe(&run.stdout, "the accounts table");
    assert!(run.stdout.contains(SHOWN_NAME), "{:?}", run.stdout);
    let run = fx.msal("accounts").args(["-o", "json"]).run();
    run.assert_success();
    assert_terminal_safe(&run.stdout, "accounts -o json");
    assert_eq!(run.stdout_json()[0]["username"], HOSTILE_NAME);

    // A refusal naming the account, and the logout.
    fx.idp.revoke_refresh_tokens(HOSTILE_NAME);
    let run = fx.silent().arg("--force-refresh").run();
    run.assert_code(3);
    assert_terminal_safe(&run.stderr, "silent's refusal");
    let run = fx.msal("logout").arg("--all").run();
    run.assert_success();
    assert_terminal_safe(&run.stderr, "logout's stderr");
}

#[test]
fn server_error_descriptions_reach_the_terminal_without_escapes() {
    use crate::support::idp::Response;
    use serde_json::json;

    let env = TestEnv::new();
    let idp = TestIdp::start();
    let description = "AADSTS7000215: Invalid client secret \u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m \
                       \u{202e}exe.txt\u{2066} \u{200f}done\r\nTrace ID: x";
    idp.add_route("POST", "/{tenant}/oauth2/v2.0/token", move |_| {
        Response::json(
            401,
            &json!({
                "error": "invalid_client\u{1b}[5m",
                "error_description": description,
                "error_codes": [7000215],
                "suberror": "bad\u{202e}",
                "claims": "{\"x\":\"\u{1b}]0;t\u{7}\"}",
                "trace_id": "t\u{1b}[2Jx",
                "correlation_id": "c\u{2067}y",
            }),
        )
    });
    let secret = env.write_file("secret", "s3cret-value-for-errors");
    let base = |output: &str| {
        env.msal()
            .args([
                "client-credentials",
                "--authority",
                &idp.authority(CONTOSO_DOMAIN),
                "--client-id",
                "c1",
                "--scope",
                "api://x/.default",
                "-o",
                output,
                "--client-secret-file",
            ])
            .arg(&secret)
    };
    let run = base("token").run();
    run.assert_code(4)
        .assert_stderr_has("AADSTS7000215: Invalid client secret");
    assert_terminal_safe(&run.stderr, "the human error report");
    // `-o json` keeps the server's words, escaped so that the terminal shows them as text.
    let run = base("json").run();
    run.assert_code(4);
    assert_terminal_safe(&run.stderr, "the JSON error report");
    let report: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(report["trace_id"], "t\u{1b}[2Jx");
    assert_eq!(report["correlation_id"], "c\u{2067}y");
}

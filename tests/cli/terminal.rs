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

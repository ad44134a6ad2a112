//! The command line itself: `--help` lists every subcommand, `--version` prints the version, and
//! a usage error exits 2 with nothing on stdout.

use crate::support::TestEnv;
use crate::support::fixture::SCOPE;

#[test]
fn help_lists_every_subcommand() {
    let run = TestEnv::new().msal().arg("--help").run();
    run.assert_success();
    for cmd in [
        "login",
        "device-code",
        "client-credentials",
        "obo",
        "silent",
        "accounts",
        "logout",
    ] {
        assert!(
            run.stdout.lines().any(|l| {
                let l = l.trim_start();
                l.strip_prefix(cmd)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
            }),
            "--help lists {cmd}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn version() {
    let run = TestEnv::new().msal().arg("--version").run();
    run.assert_success();
    assert_eq!(
        run.stdout.trim(),
        format!("msal {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    for args in [
        vec!["frobnicate"],
        vec!["client-credentials", "--no-such-flag"],
        vec![
            "client-credentials",
            "--scope",
            SCOPE,
            "-o",
            "no-such-format",
        ],
    ] {
        let run = env.msal().args(&args).run();
        assert_eq!(run.code, 2, "msal {args:?}: stderr:\n{}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "msal {args:?} prints nothing on stdout"
        );
        assert!(!run.stderr.is_empty(), "msal {args:?} explains on stderr");
    }
}

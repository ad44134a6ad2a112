//! The committed completion scripts and man page under `completions/` must be exactly what the
//! binary generates, so they cannot drift from the CLI. To refresh them after changing an
//! option: `MSAL_UPDATE_COMPLETIONS=1 cargo test --test cli completions`.

use std::path::PathBuf;

use crate::support::TestEnv;

const FILES: &[(&str, &str)] = &[
    ("bash", "msal.bash"),
    ("zsh", "_msal"),
    ("fish", "msal.fish"),
    ("powershell", "_msal.ps1"),
    ("elvish", "msal.elvish"),
    ("man", "msal.1"),
];

#[test]
fn committed_completions_and_man_page_match_the_cli() {
    let env = TestEnv::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("MSAL_UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (target, file) in FILES {
        let run = env.msal().args(["completions", target]).run();
        run.assert_success();
        assert!(
            run.stdout.contains("msal"),
            "{target}: the output does not mention msal"
        );
        let path = dir.join(file);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != run.stdout {
            if update {
                std::fs::write(&path, &run.stdout).expect("write completions");
            } else {
                stale.push(*file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} are out of date with the CLI; run MSAL_UPDATE_COMPLETIONS=1 cargo test --test cli completions"
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let env = TestEnv::new();
    let run = env.msal().args(["completions", "tcsh"]).run();
    run.assert_code(2);
    assert!(run.stderr.contains("possible values"), "{}", run.stderr);
}

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
    // msal(1) refers to a page for each command, msal-COMMAND(1): those are shipped too.
    let top = env.msal().args(["completions", "man"]).run();
    let pages: Vec<(String, String)> = man_references(&top.stdout)
        .into_iter()
        .map(|name| {
            let command = name.trim_start_matches("msal-").to_owned();
            (format!("man {command}"), format!("{name}.1"))
        })
        .collect();
    assert!(pages.len() >= 10, "{pages:?}");
    let pages: Vec<(&str, &str)> = pages
        .iter()
        .map(|(t, f)| (t.as_str(), f.as_str()))
        .collect();
    for (target, file) in FILES.iter().chain(&pages) {
        let run = env.msal().arg("completions").args(target.split(' ')).run();
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

/// The pages a man page refers to (`msal\-login(1)` is msal-login).
fn man_references(roff: &str) -> Vec<String> {
    let text = roff.replace("\\-", "-");
    let mut names = Vec::new();
    for (at, _) in text.match_indices("(1)") {
        let start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .map_or(0, |i| i + 1);
        let name = &text[start..at];
        if name.starts_with("msal") && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

#[test]
fn every_page_a_man_page_refers_to_is_shipped() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut pages = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "1") {
            continue;
        }
        pages += 1;
        let roff = std::fs::read_to_string(&path).unwrap();
        for name in man_references(&roff) {
            assert!(
                dir.join(format!("{name}.1")).is_file(),
                "{} refers to {name}(1), which is not in completions/",
                path.display()
            );
        }
    }
    assert!(pages > 1, "msal(1) and a page per command");
}

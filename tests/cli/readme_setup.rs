//! The README's set-up, checked against what the repository really needs and what `.ci/run`
//! really runs, so that a newcomer on a stock Debian or Ubuntu who follows it gets a build and a
//! passing test run. (`.ci/check-setup` does the same from a fresh copy of the committed tree, in
//! a clean environment, and checks the tools' versions.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The fenced block after `<!-- setup: NAME …-->` in the README.
fn setup_block(readme: &str, name: &str) -> String {
    let marker = format!("<!-- setup: {name} ");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("the README has no block marked {marker}"));
    let rest = &readme[start + marker.len()..];
    let open = rest.find("```").unwrap();
    let body = open + rest[open..].find('\n').unwrap() + 1;
    let close = body + rest[body..].find("```").unwrap();
    rest[body..close].to_owned()
}

/// The commands of a shell text: continuation lines joined, comments dropped, split at `&&`,
/// `||`, `;` and `|`; each as words, without `sudo` and leading variable assignments.
fn commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        let line = match line.find(" #") {
            Some(at) => &line[..at],
            None if line.trim_start().starts_with('#') => "",
            None => line,
        };
        let mut current: Vec<String> = Vec::new();
        for word in line.split_whitespace() {
            if ["&&", "||", ";", "|"].contains(&word) || word.ends_with(';') {
                let word = word.trim_end_matches(';');
                if !word.is_empty() && ![";", "&&", "||", "|"].contains(&word) {
                    current.push(word.to_owned());
                }
                out.push(std::mem::take(&mut current));
                continue;
            }
            if current.is_empty()
                && (word == "sudo" || word.contains('=') && !word.starts_with('-'))
            {
                continue;
            }
            current.push(word.to_owned());
        }
        out.push(current);
    }
    out.retain(|c| !c.is_empty());
    out
}

/// Whether `wanted`'s words appear in `command` in order (extra quiet or non-interactive flags
/// in `.ci/run` are fine).
fn runs(command: &[String], wanted: &[String]) -> bool {
    let mut words = command.iter();
    wanted.iter().all(|w| words.any(|c| c == w))
}

/// The set-up commands of `.ci/run` that a person must run too.
fn is_setup(command: &[String]) -> bool {
    let text = command.join(" ");
    [
        "npm ci",
        "cargo fmt",
        "cargo clippy",
        "cargo test",
        "cargo install",
        "apt-get install",
    ]
    .iter()
    .any(|p| text.starts_with(p))
        || text.contains("-m pip install")
        || text.contains("-m venv .venv")
}

fn apt_packages(commands: &[Vec<String>]) -> BTreeSet<String> {
    commands
        .iter()
        .filter(|c| c.starts_with(&["apt-get".to_owned(), "install".to_owned()]))
        .flat_map(|c| c[2..].iter().filter(|w| !w.starts_with('-')).cloned())
        .collect()
}

#[test]
fn the_readme_builds_with_what_a_fresh_debian_or_ubuntu_lacks() {
    let readme = read("README.md");
    let build = setup_block(&readme, "build");
    let build_commands = commands(&build);
    assert!(
        build_commands
            .iter()
            .any(|c| c.join(" ") == "cargo install --locked --path ."),
        "the README installs with `cargo install --locked --path .` (Cargo.lock, not a fresh \
         resolution):\n{build}"
    );
    // aws-lc-sys compiles C: a stock Debian or Ubuntu has no compiler.
    assert!(
        apt_packages(&build_commands).contains("build-essential"),
        "the README installs a C compiler:\n{build}"
    );
    // The Rust the package needs, and how to get it (distributions ship older ones).
    let manifest = read("Cargo.toml");
    let rust_version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .expect("Cargo.toml names its rust-version")
        .trim_matches('"');
    assert!(
        readme.contains(&format!("Rust {rust_version} or later")),
        "the README names Rust {rust_version}, Cargo.toml's rust-version"
    );
    assert!(
        build.contains("rustup"),
        "the README says how to get Rust:\n{build}"
    );
}

#[test]
fn the_readme_test_set_up_is_what_ci_runs() {
    let readme = read("README.md");
    let tests = setup_block(&readme, "test");
    let readme_commands = commands(&tests);
    let ci = read(".ci/run");
    let ci_commands = commands(&ci);
    // Every command the README gives, CI runs (so it is known to work)…
    for wanted in &readme_commands {
        if wanted[0] == ".ci/run" {
            continue;
        }
        if wanted.starts_with(&["apt-get".to_owned(), "install".to_owned()]) {
            continue; // compared as sets below
        }
        assert!(
            ci_commands.iter().any(|c| runs(c, wanted)),
            "the README's `{}` is not what .ci/run runs",
            wanted.join(" ")
        );
    }
    // …and every set-up step CI takes, the README gives: fmt and clippy too.
    for command in ci_commands.iter().filter(|c| is_setup(c)) {
        if command.starts_with(&["apt-get".to_owned(), "install".to_owned()]) {
            continue;
        }
        assert!(
            readme_commands.iter().any(|r| runs(command, r)),
            "the README does not give .ci/run's `{}`:\n{tests}",
            command.join(" ")
        );
    }
    let readme_packages = apt_packages(&readme_commands);
    let ci_packages = apt_packages(&ci_commands);
    assert!(
        ci_packages.is_subset(&readme_packages),
        "the README's apt-get install lacks {:?}",
        ci_packages.difference(&readme_packages).collect::<Vec<_>>()
    );
    // The files those commands need are in the repository.
    for file in [
        "Cargo.lock",
        "tests/requirements.txt",
        "tests/oidc/package-lock.json",
        "tests/serve-js/package-lock.json",
    ] {
        assert!(root().join(file).is_file(), "{file} is missing");
    }
    // The Node.js the README names is the one .ci/check-setup checks for, and the fresh-clone
    // check runs in CI.
    let check = read(".ci/check-setup");
    let node = check
        .lines()
        .find_map(|l| l.strip_prefix("NODE_MAJOR="))
        .expect(".ci/check-setup names the Node.js major version");
    assert!(
        readme.contains(&format!("Node.js {node} or later")),
        "the README names Node.js {node}"
    );
    assert!(
        ci_commands.iter().any(|c| c[0] == ".ci/check-setup"),
        ".ci/run runs .ci/check-setup"
    );
    assert!(is_executable(&root().join(".ci/check-setup")));
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[test]
fn the_bash_completion_recipe_works_in_a_home_without_its_directory() {
    let readme = read("README.md");
    let block = setup_block(&readme, "completions");
    let bash: Vec<&str> = block
        .lines()
        .filter(|l| l.contains("completions bash") || l.contains("bash-completion"))
        .collect();
    assert!(!bash.is_empty(), "a bash line:\n{block}");
    assert!(
        block.contains("source <(msal completions bash)"),
        "the README offers completions without installing a file:\n{block}"
    );
    assert!(
        readme.contains("bash-completion package"),
        "the README says bash needs the bash-completion package"
    );
    // A fresh HOME: no ~/.local/share yet.
    let env = crate::support::TestEnv::new();
    let bin = env.root().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_msal"), bin.join("msal")).unwrap();
    for line in &bash {
        let line = line.split(" #").next().unwrap_or_default();
        if line.trim_start().starts_with("sudo") || line.contains("source <(") {
            continue;
        }
        let status = std::process::Command::new("bash")
            .args(["-euc", line])
            .env_clear()
            .env("HOME", env.home())
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .status()
            .expect("run bash");
        assert!(
            status.success(),
            "the README's `{line}` failed in a fresh HOME"
        );
    }
    let script = env
        .home()
        .join(".local/share/bash-completion/completions/msal");
    let text = std::fs::read_to_string(&script).expect("the completion script is installed");
    assert!(text.contains("complete"), "a bash completion script");
    // What `source <(msal completions bash)` loads defines the completion in this shell.
    let status = std::process::Command::new("bash")
        .args([
            "-euc",
            "source <(msal completions bash) && complete -p msal",
        ])
        .env_clear()
        .env("HOME", env.home())
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run bash");
    assert!(
        status.success(),
        "sourcing the completions defines `complete -p msal`"
    );
}

//! `msal kubeconfig`: a kubeconfig user entry that runs `msal` as kubectl's exec credential
//! plugin, written into the user's file without disturbing the rest, with a backup, atomically,
//! 0600, and never through a link someone else planted; and the plugin it writes, run as kubectl
//! runs it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::users::{CLIENT, SCOPE, UserFx};

const ORIGINAL: &str = "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://10.0.0.1:6443
  name: prod
contexts:
- context:
    cluster: prod
    user: prod-admin
  name: prod
- context:
    cluster: prod
    namespace: \"007\"
    user: someone-else
  name: other
current-context: prod
kind: Config
preferences: {}
users:
- name: prod-admin
  user:
    token: static-token-value
- name: someone-else
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `kubectl config view -o json` of a file, when kubectl is installed: an independent reader.
fn kubectl_view(path: &Path) -> Option<Value> {
    let output = Command::new("kubectl")
        .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
        .arg(path)
        .env("HOME", path.parent().unwrap())
        .output()
        .ok()?;
    assert!(
        output.status.success(),
        "kubectl cannot read the file msal wrote: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("kubectl prints JSON"))
}

/// The entry of a kubectl list (which kubectl sorts by name) with this name.
fn by_name<'a>(view: &'a Value, list: &str, name: &str) -> &'a Value {
    view[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}: {view:#}"))
}

fn backups(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".bak-"))
        .collect();
    found.sort();
    found
}

/// The `args` kubectl would pass to the plugin, read back from the file.
fn plugin_args(path: &Path, user: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let start = text
        .find(&format!("- name: {user}\n"))
        .unwrap_or_else(|| panic!("no user {user} in:\n{text}"));
    let args: Vec<String> = text[start..]
        .lines()
        .skip_while(|l| l.trim() != "args:")
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| {
            let word = l.trim_start().trim_start_matches("- ");
            match word.strip_prefix('"') {
                Some(quoted) => serde_json::from_str(&format!("\"{quoted}")).unwrap(),
                None => word.to_owned(),
            }
        })
        .collect();
    assert!(!args.is_empty(), "no args in:\n{text}");
    args
}

#[test]
fn a_person_gets_an_entry_that_runs_silent_and_everything_else_stays() {
    let fx = UserFx::new();
    let kube = fx.env.home().join(".kube");
    std::fs::create_dir(&kube).unwrap();
    let config = kube.join("config");
    crate::support::write_private(&config, ORIGINAL.as_bytes());
    let run = fx.msal("kubeconfig").args(["--scope", SCOPE]).run();
    run.assert_success()
        .assert_stderr_has("converted user prod-admin")
        .assert_stderr_has("msal login");
    assert!(run.stdout.is_empty());

    let written = std::fs::read_to_string(&config).unwrap();
    assert_eq!(mode(&config), 0o600);
    assert!(
        !written.contains("static-token-value"),
        "the old credential is replaced"
    );
    for kept in [
        "Y2VydA==",
        "a2V5",
        "https://10.0.0.1:6443",
        "current-context: prod",
    ] {
        assert!(written.contains(kept), "{kept} kept in:\n{written}");
    }
    assert!(
        written.contains("namespace: \"007\""),
        "a string stays a string:\n{written}"
    );
    let backup = backups(&kube);
    assert_eq!(backup.len(), 1, "{backup:?}");
    assert_eq!(std::fs::read_to_string(&backup[0]).unwrap(), ORIGINAL);
    assert_eq!(mode(&backup[0]), 0o600);
    let expected_args = [
        "silent",
        "--scope",
        SCOPE,
        "--authority",
        &fx.authority(),
        "--client-id",
        CLIENT,
        "-o",
        "exec-credential",
    ];
    assert_eq!(plugin_args(&config, "prod-admin"), expected_args);
    assert!(
        written.contains("interactiveMode: IfAvailable"),
        "{written}"
    );

    if let Some(view) = kubectl_view(&config) {
        assert_eq!(view["users"].as_array().unwrap().len(), 2);
        let exec = &by_name(&view, "users", "prod-admin")["user"]["exec"];
        assert_eq!(exec["apiVersion"], "client.authentication.k8s.io/v1");
        assert_eq!(exec["command"], "msal");
        assert_eq!(exec["args"], serde_json::json!(expected_args));
        assert_eq!(exec["interactiveMode"], "IfAvailable");
        assert!(exec["installHint"].as_str().unwrap().contains("msal login"));
        let other = by_name(&view, "users", "someone-else");
        assert_eq!(other["user"]["client-key-data"], "a2V5");
        assert_eq!(
            by_name(&view, "contexts", "other")["context"]["namespace"],
            "007"
        );
    } else {
        eprintln!("kubectl is not installed: its reading of the file was not checked");
    }

    // The plugin as kubectl runs it on a terminal, before any sign-in: it signs the user in
    // (the fake browser plays the person) and hands kubectl the credential.
    let exec_info = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":true}}"#;
    let plugin = |interactive: bool| {
        let info = if interactive {
            exec_info.to_owned()
        } else {
            exec_info.replace("true", "false")
        };
        fx.with_browser(fx.env.msal(), crate::support::users::Browser::Complete)
            .args(plugin_args(&config, "prod-admin"))
            .env("KUBERNETES_EXEC_INFO", info)
    };
    let run = plugin(false).run();
    run.assert_code(3).assert_stderr_has("msal login");
    assert!(
        fx.idp.token_requests().is_empty(),
        "no terminal, no sign-in"
    );
    let run = plugin(true).run();
    run.assert_success().assert_stderr_has("signed in as");
    fx.browser_finished();
    let credential = run.stdout_json();
    assert_eq!(credential["kind"], "ExecCredential");
    assert!(credential["status"]["token"] == fx.last_issued().access_token.as_str());
    // Then from the cache, without interaction.
    fx.idp.clear_requests();
    let run = plugin(false).run();
    run.assert_success();
    assert!(run.stdout_json()["status"]["token"] == fx.last_issued().access_token.as_str());
    assert_eq!(fx.idp.request_count(), 0);

    // Again: the file already says this; nothing is written, no new backup.
    let run = fx.msal("kubeconfig").args(["--scope", SCOPE]).run();
    run.assert_success().assert_stderr_has("nothing changed");
    assert_eq!(backups(&kube).len(), 1);
}

#[test]
fn a_pipeline_entry_runs_client_credentials_in_a_new_file() {
    let fx = UserFx::new();
    let config = fx.env.root().join("files").join("new").join("kubeconfig");
    let run = fx
        .env
        .msal()
        .args(["kubeconfig", "--client-credentials", "--user", "ci"])
        .args(["--scope", "api://aks/.default", "--kubeconfig"])
        .arg(&config)
        .run();
    run.assert_success().assert_stderr_has("added user ci");
    assert!(!run.stderr.contains("msal login"), "{}", run.stderr);
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(config.parent().unwrap()), 0o700);
    assert!(
        backups(config.parent().unwrap()).is_empty(),
        "nothing to back up"
    );
    assert_eq!(
        plugin_args(&config, "ci"),
        [
            "client-credentials",
            "--scope",
            "api://aks/.default",
            "-o",
            "exec-credential"
        ]
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with("apiVersion: v1\nkind: Config\n"), "{text}");
    assert!(text.contains("interactiveMode: Never"), "{text}");
    if let Some(view) = kubectl_view(&config) {
        assert_eq!(view["users"][0]["user"]["exec"]["interactiveMode"], "Never");
    }
}

#[test]
fn a_user_for_a_context_is_added_and_the_context_pointed_at_it_via_kubeconfig() {
    let fx = UserFx::new();
    let config = fx.env.write_file("kubeconfig", ORIGINAL);
    let run = fx
        .msal("kubeconfig")
        .args(["--scope", SCOPE, "--user", "msal", "--context", "other"])
        .env(
            "KUBECONFIG",
            format!("{}:/nonexistent/second", config.display()),
        )
        .run();
    run.assert_success()
        .assert_stderr_has("added user msal, used by context other");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("static-token-value"), "other users stay");
    assert!(text.contains("    user: msal\n  name: other"), "{text}");
    if let Some(view) = kubectl_view(&config) {
        assert_eq!(
            by_name(&view, "contexts", "other")["context"]["user"],
            "msal"
        );
        assert_eq!(
            by_name(&view, "contexts", "prod")["context"]["user"],
            "prod-admin"
        );
        assert_eq!(view["users"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn files_it_cannot_rewrite_safely_are_left_alone() {
    let fx = UserFx::new();
    let kubeconfig = |path: &Path| {
        fx.msal("kubeconfig")
            .args(["--scope", SCOPE, "--kubeconfig"])
            .arg(path)
            .run()
    };
    // Anchors and aliases (a "billion laughs" file is made of them).
    let anchors = fx.env.write_file(
        "anchors",
        "users:\n- &u\n  name: a\n  user: {token: t}\n- *u\ncurrent-context: x\n",
    );
    let run = kubeconfig(&anchors);
    run.assert_code(1).assert_stderr_has("anchors");
    // Not YAML; the message quotes nothing from the file.
    let broken = fx
        .env
        .write_file("broken", "users: [\n  token: secret-in-file\n");
    let run = kubeconfig(&broken);
    run.assert_code(1).assert_stderr_has("not valid YAML");
    assert!(!run.stderr.contains("secret-in-file"), "{}", run.stderr);
    // No current context and no --user: a usage error that says what to pass.
    let bare = fx.env.write_file("bare", "apiVersion: v1\nkind: Config\n");
    kubeconfig(&bare).assert_code(2).assert_stderr_has("--user");
    // Writable by others: its content may not be the user's.
    let shared = fx.env.write_file("shared", ORIGINAL);
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o666)).unwrap();
    kubeconfig(&shared)
        .assert_code(1)
        .assert_stderr_has("other users can write");
    // A link in a directory anyone can write to, pointing at the user's real file.
    let victim = fx.env.write_file("victim", ORIGINAL);
    let open_dir = fx.env.root().join("files").join("open");
    std::fs::create_dir(&open_dir).unwrap();
    std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let link = open_dir.join("config");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    kubeconfig(&link)
        .assert_code(1)
        .assert_stderr_has("symbolic link");
    for (path, original) in [
        (&anchors, None),
        (&broken, None),
        (&shared, Some(ORIGINAL)),
        (&victim, Some(ORIGINAL)),
    ] {
        if let Some(original) = original {
            assert_eq!(std::fs::read_to_string(path).unwrap(), original);
        }
    }
    assert!(backups(&fx.env.root().join("files")).is_empty());
    assert!(backups(&open_dir).is_empty());
}

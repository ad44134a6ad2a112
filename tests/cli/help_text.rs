//! What `--help` shows and what `-o` each command takes, as a user meets them: the real binary.

use crate::support::TestEnv;
use crate::support::idp::{CONTOSO_DOMAIN, TestIdp};
use crate::support::users::{ALICE, CLIENT, SCOPE, UserFx};

/// The subcommands `msal --help` lists (aliases and `help` aside).
fn subcommands(env: &TestEnv) -> Vec<String> {
    let run = env.msal().arg("--help").run();
    run.assert_success();
    let mut names = Vec::new();
    let mut in_commands = false;
    for line in run.stdout.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            if !line.starts_with("  ") {
                break;
            }
            // A command's line starts at two spaces; its wrapped description is indented more.
            if let Some(name) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
                let name = name.split_whitespace().next().unwrap_or_default();
                if name != "help" {
                    names.push(name.to_owned());
                }
            }
        }
    }
    assert!(
        names.len() >= 10,
        "commands found: {names:?}\n{}",
        run.stdout
    );
    names
}

/// Descriptions of global options, which `msal --help` shows in full.
const GLOBAL_DESCRIPTIONS: &[&str] = &[
    "Use this profile of the config file",
    "shorthand for --authority",
    "Do not validate unfamiliar Entra hosts",
    "Extra trusted CA certificates",
    "Use of the OS keyring",
];

#[test]
fn a_commands_help_shows_its_own_options_and_points_to_the_global_ones() {
    let env = TestEnv::new();
    let top = env.msal().arg("--help").run();
    top.assert_success();
    for description in GLOBAL_DESCRIPTIONS {
        assert!(
            top.stdout.contains(description),
            "msal --help lacks {description:?}:\n{}",
            top.stdout
        );
    }
    for command in subcommands(&env) {
        for flag in ["--help", "-h"] {
            let run = env.msal().args([command.as_str(), flag]).run();
            run.assert_success();
            let help = &run.stdout;
            for description in GLOBAL_DESCRIPTIONS {
                assert!(
                    !help.contains(description),
                    "msal {command} {flag} repeats the global option {description:?}:\n{help}"
                );
            }
            assert!(
                help.contains("Global options") && help.contains("msal --help"),
                "msal {command} {flag} does not point to the global options:\n{help}"
            );
            // The pointer names them, so a reader knows they apply here too.
            for option in ["--tenant", "--client-id", "--cache", "--profile"] {
                assert!(
                    help.contains(option),
                    "msal {command} {flag} omits {option}:\n{help}"
                );
            }
            // What fills a screen for a command with a dozen options, not five (the commands
            // that take the client-credential options have more).
            let lines = help.lines().count();
            let limit = if flag == "-h" { 45 } else { 90 };
            assert!(
                lines <= limit
                    || [
                        "client-credentials",
                        "device-code",
                        "login",
                        "logout",
                        "obo",
                        "serve",
                        "silent",
                    ]
                    .contains(&command.as_str()),
                "msal {command} {flag} is {lines} lines:\n{help}"
            );
        }
    }
    // The global options still work after the command, and are still completed there.
    let run = env
        .msal()
        .args(["doctor", "--client-id", "from-flag", "-o", "json"])
        .run();
    run.assert_success();
    assert!(run.stdout.contains("from-flag"), "{}", run.stdout);
    let bash = env.msal().args(["completions", "bash"]).run();
    assert!(bash.stdout.contains("--tenant"));
}

#[test]
fn the_timeout_help_shows_its_default() {
    let env = TestEnv::new();
    let run = env.msal().arg("--help").run();
    run.assert_success();
    let text = &run.stdout;
    let at = text.find("--timeout <SECS>").expect("--timeout is listed");
    let entry: String = text[at..].lines().take(4).collect::<Vec<_>>().join(" ");
    assert!(entry.contains("[default: 30]"), "{entry}");
}

#[test]
fn each_command_lists_only_the_output_formats_it_can_print() {
    let env = TestEnv::new();
    let accounts = env.msal().args(["accounts", "--help"]).run();
    accounts.assert_success();
    assert!(
        accounts.stdout.contains("-o, --output"),
        "{}",
        accounts.stdout
    );
    assert!(accounts.stdout.contains("json"), "{}", accounts.stdout);
    assert!(
        !accounts.stdout.contains("exec-credential"),
        "{}",
        accounts.stdout
    );
    let silent = env.msal().args(["silent", "--help"]).run();
    assert!(
        silent.stdout.contains("exec-credential"),
        "{}",
        silent.stdout
    );
}

#[test]
fn an_output_format_a_command_cannot_print_is_refused() {
    let env = TestEnv::new();
    for (args, can) in [
        (&["accounts", "-o", "exec-credential"][..], "json"),
        (&["-o", "exec-credential", "accounts"][..], "json"),
        (&["logout", "--all", "-o", "token"][..], "json"),
        (&["doctor", "-o", "az"][..], "json"),
        (&["completions", "bash", "-o", "json"][..], "completions"),
    ] {
        let run = env.msal().args(args).run();
        run.assert_code(2).assert_stderr_has(can);
        assert!(run.stdout.is_empty(), "{args:?} printed on stdout");
    }
    // What they can print, they print.
    let run = env.msal().args(["accounts", "-o", "json"]).run();
    run.assert_success();
    assert_eq!(run.stdout_json(), serde_json::json!([]));
}

#[test]
fn a_profile_format_that_does_not_apply_falls_back_to_the_commands_own() {
    let fx = UserFx::new();
    fx.sign_in();
    // A kubectl profile: every token comes out as an ExecCredential.
    let config = fx.env.write_file(
        "config.toml",
        format!(
            "default_profile = \"kube\"\n[profiles.kube]\noutput = \"exec-credential\"\n\
             authority = \"{}\"\nclient_id = \"{CLIENT}\"\nscopes = [\"{SCOPE}\"]\n",
            fx.authority()
        ),
    );
    let with_profile = |args: &[&str]| fx.env.msal().args(args).env("MSAL_CONFIG", &config).run();
    let silent = with_profile(&["silent"]);
    silent.assert_success();
    assert_eq!(silent.stdout_json()["kind"], "ExecCredential");
    let accounts = with_profile(&["accounts"]);
    accounts.assert_success();
    assert!(
        accounts.stdout.contains(ALICE),
        "a table: {}",
        accounts.stdout
    );
    let doctor = with_profile(&["doctor"]);
    doctor.assert_success();
    assert!(
        doctor.stdout.contains("exec-credential"),
        "doctor shows the profile's format"
    );
    let completions = with_profile(&["completions", "bash"]);
    completions.assert_success();
    assert!(completions.stdout.contains("complete"), "the script");
    let logout = with_profile(&["logout", "--all"]);
    logout.assert_success();
    assert!(logout.stdout.is_empty(), "logout prints nothing by default");
}

#[test]
fn token_and_get_access_token_point_to_silent() {
    let env = TestEnv::new();
    for name in ["token", "get-access-token", "get-token"] {
        let run = env.msal().args([name, "--scope", SCOPE]).run();
        run.assert_code(2).assert_stderr_has("msal silent");
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn resource_stands_for_its_default_scope_as_az_takes_it() {
    // An application's token, by resource.
    let idp = TestIdp::start();
    let app = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    idp.register_secret_client(app, "Res0urce~secret.value-0123456789");
    let env = TestEnv::new();
    let secret = env.write_file("secret", "Res0urce~secret.value-0123456789\n");
    let run = env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            &idp.authority(CONTOSO_DOMAIN),
        ])
        .args([
            "--client-id",
            app,
            "--resource",
            "api://my-api",
            "--client-secret-file",
        ])
        .arg(&secret)
        .run();
    run.assert_success();
    let request = idp.token_requests().pop().expect("a token request");
    assert_eq!(request.form("scope"), Some("api://my-api/.default"));
    // As `az` turns a resource into a scope: `/.default` appended, a trailing slash kept.
    let run = env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            &idp.authority(CONTOSO_DOMAIN),
        ])
        .args([
            "--client-id",
            app,
            "--resource",
            "https://management.core.windows.net/",
        ])
        .arg("--client-secret-file")
        .arg(&secret)
        .run();
    run.assert_success();
    let request = idp.token_requests().pop().expect("a token request");
    assert_eq!(
        request.form("scope"),
        Some("https://management.core.windows.net//.default")
    );

    // A user's: signed in by resource, then silently by resource.
    let fx = UserFx::new();
    let run = fx
        .msal("login")
        .args([
            "--resource",
            "https://graph.microsoft.com",
            "--username",
            ALICE,
        ])
        .arg("--password-stdin")
        .stdin(format!("{}\n", fx.alice.password))
        .args(["-o", "token"])
        .run();
    run.assert_success();
    let scope = fx
        .last_token_request()
        .form("scope")
        .unwrap_or_default()
        .to_owned();
    assert!(
        scope
            .split(' ')
            .any(|s| s == "https://graph.microsoft.com/.default"),
        "{scope}"
    );
    fx.idp.clear_requests();
    let run = fx
        .msal("silent")
        .args(["--resource", "https://graph.microsoft.com", "-o", "json"])
        .run();
    run.assert_success();
    assert_eq!(
        run.stdout_json()["scope"]
            .as_str()
            .map(|s| s.contains(".default")),
        Some(true)
    );
    assert_eq!(fx.idp.token_requests().len(), 0, "served from the cache");
    let mut running = fx
        .msal("device-code")
        .args(["--resource", "https://graph.microsoft.com"])
        .spawn();
    running.wait_for_stderr("enter the code", std::time::Duration::from_secs(20));
    let asked = fx.idp.requests_to("/devicecode");
    running.kill();
    let scope = asked[0].form("scope").unwrap_or_default().to_owned();
    assert!(
        scope
            .split(' ')
            .any(|s| s == "https://graph.microsoft.com/.default"),
        "{scope}"
    );
    let run = fx
        .msal("device-code")
        .args([
            "--resource",
            "https://graph.microsoft.com",
            "--scope",
            SCOPE,
        ])
        .run();
    run.assert_code(2).assert_stderr_has("--scope");
    // Only Entra ID knows `<resource>/.default`.
    let run = env
        .msal()
        .args([
            "silent",
            "--oidc-authority",
            "https://id.example.com",
            "--resource",
            "api://x",
        ])
        .run();
    run.assert_code(2).assert_stderr_has("--scope");
}

//! The config file's profiles and `msal doctor`: precedence flags > environment > profile >
//! defaults, tried with the real binary against the test identity provider.

use std::path::PathBuf;

use crate::support::fixture::{CLIENT, Fixture, SECRET};

const OTHER_CLIENT: &str = "a1b2c3d4-e5f6-4789-8abc-def012345678";

/// The shared fixture, with a second application that uses the same secret.
fn fixture() -> Fixture {
    let fx = Fixture::new();
    fx.idp.register_secret_client(OTHER_CLIENT, SECRET);
    fx
}

/// Writes the config file with two profiles, `work` (the default) and `other`.
fn write_config(fx: &Fixture, extra_work: &str) -> PathBuf {
    let secret = fx.secret_file();
    let text = format!(
        "default_profile = \"work\"\n\n\
         [profiles.work]\nauthority = \"{authority}\"\nclient_id = \"{CLIENT}\"\n\
         scopes = [\"api://work/.default\"]\nclient_secret_file = \"{secret}\"\noutput = \"json\"\n{extra_work}\n\
         [profiles.other]\nauthority = \"{authority}\"\nclient_id = \"{OTHER_CLIENT}\"\n\
         scopes = [\"api://other/.default\"]\nclient_secret_file = \"{secret}\"\n",
        authority = fx.authority(),
        secret = secret.display(),
    );
    let path = fx.env.config_dir().join("msal").join("config.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn last_token_request_client(fx: &Fixture) -> String {
    last_token_request_form(fx, "client_id")
}

fn last_token_request_scope(fx: &Fixture) -> String {
    last_token_request_form(fx, "scope")
}

/// A form field of the last token request ("" when there is none).
fn last_token_request_form(fx: &Fixture, name: &str) -> String {
    let requests = fx.idp.token_requests();
    requests
        .last()
        .and_then(|r| r.form(name).map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn the_default_profile_supplies_everything() {
    let fx = fixture();
    write_config(&fx, "");
    let run = fx.env.msal().args(["client-credentials"]).run();
    run.assert_success();
    let json = run.stdout_json();
    assert_eq!(
        json["token_source"], "identity_provider",
        "the profile's output format (json) applies"
    );
    assert_eq!(last_token_request_client(&fx), CLIENT);
    assert_eq!(last_token_request_scope(&fx), "api://work/.default");
}

#[test]
fn the_profile_output_format_applies_to_errors_too() {
    // A script that reads JSON tokens from a profile's `output = "json"` reads JSON errors.
    let fx = Fixture::new();
    write_config(&fx, "");
    let run = fx.env.msal().args(["silent"]).run();
    run.assert_code(3);
    let error: serde_json::Value = serde_json::from_str(run.stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}):\n{}", run.stderr));
    assert_eq!(error["error"], "interaction_required");
    assert_eq!(error["exit_code"], 3);
    // The flag still wins.
    let run = fx.env.msal().args(["silent", "-o", "token"]).run();
    run.assert_code(3).assert_stderr_has("error: ");
}

#[test]
fn profile_choice_flag_over_environment_over_default() {
    let fx = fixture();
    write_config(&fx, "");
    fx.env
        .msal()
        .args(["client-credentials"])
        .env("MSAL_PROFILE", "other")
        .run()
        .assert_success();
    assert_eq!(last_token_request_client(&fx), OTHER_CLIENT);
    fx.env
        .msal()
        .args(["client-credentials", "--profile", "work", "--force-refresh"])
        .env("MSAL_PROFILE", "other")
        .run()
        .assert_success();
    assert_eq!(last_token_request_client(&fx), CLIENT);
}

#[test]
fn flags_beat_environment_beats_profile() {
    let fx = fixture();
    write_config(&fx, "");
    // The environment beats the profile's client id…
    let run = fx
        .env
        .msal()
        .args(["client-credentials", "-o", "token"])
        .env("AZURE_CLIENT_ID", OTHER_CLIENT)
        .run();
    run.assert_success();
    assert_eq!(last_token_request_client(&fx), OTHER_CLIENT);
    assert!(
        !run.stdout.trim_start().starts_with('{'),
        "-o token beats the profile's json"
    );
    // …and a flag beats the environment; --scope beats the profile's scopes.
    fx.env
        .msal()
        .args([
            "client-credentials",
            "--client-id",
            CLIENT,
            "--scope",
            "api://flag/.default",
        ])
        .env("AZURE_CLIENT_ID", OTHER_CLIENT)
        .run()
        .assert_success();
    assert_eq!(last_token_request_client(&fx), CLIENT);
    assert_eq!(last_token_request_scope(&fx), "api://flag/.default");
}

#[test]
fn an_unknown_profile_is_a_usage_error_listing_the_known_ones() {
    let fx = fixture();
    write_config(&fx, "");
    let run = fx
        .env
        .msal()
        .args(["client-credentials", "--profile", "nope"])
        .run();
    run.assert_code(2);
    run.assert_stderr_has("profiles: other, work")
        .assert_stderr_has("nope");
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn a_broken_config_file_names_its_line_and_never_echoes_a_secret() {
    let fx = fixture();
    let path = write_config(&fx, "client_secret = hunter2-inline\n");
    let run = fx.env.msal().args(["client-credentials"]).run();
    run.assert_code(1);
    run.assert_stderr_has(&path.display().to_string())
        .assert_stderr_has("line");
    run.assert_not_leaked("hunter2-inline", "a secret typed into the config file");

    write_config(&fx, "client_secret = \"hunter2-inline\"\n");
    let run = fx.env.msal().args(["client-credentials"]).run();
    run.assert_code(1);
    run.assert_stderr_has("client_secret_file");
    run.assert_not_leaked("hunter2-inline", "a secret typed into the config file");
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn msal_config_env_points_at_another_file() {
    let fx = fixture();
    let path = write_config(&fx, "");
    let moved = fx.env.root().join("elsewhere.toml");
    std::fs::rename(&path, &moved).unwrap();
    fx.env
        .msal()
        .args(["client-credentials"])
        .env("MSAL_CONFIG", &moved)
        .run()
        .assert_success();
    assert_eq!(last_token_request_client(&fx), CLIENT);
}

#[test]
fn doctor_masks_credentials_in_every_url_it_prints() {
    let fx = fixture();
    let proxies = [
        ("HTTP_PROXY", "alice:hunter2-a@proxy.example:3128"),
        ("http_proxy", "bob:hunter2-b@proxy.example"),
        ("HTTPS_PROXY", "http://carol:hunter2-c@[::1]:3128/"),
        ("https_proxy", "https://tok3n-hunter2-d@proxy.example"),
        ("ALL_PROXY", "socks5h://dave:hunter2-e@proxy.example:1080"),
        ("all_proxy", "erin:hunter2:f@proxy.example:8080"),
    ];
    for output in ["json", "table"] {
        let mut msal = fx.env.msal().args(["doctor", "-o", output]);
        for (name, value) in proxies {
            msal = msal.env(name, value);
        }
        let run = msal.run();
        run.assert_success();
        for secret in ["hunter2", "tok3n"] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "-o {output}: a proxy credential is shown:\n{}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("proxy.example:3128"), "{}", run.stdout);
        assert!(run.stdout.contains("alice:***@"), "{}", run.stdout);
    }
    // An authority given with credentials is refused without repeating them.
    let run = fx
        .env
        .msal()
        .args([
            "doctor",
            "--authority",
            "https://alice:hunter2@login.example.com/contoso.example",
        ])
        .run();
    assert_ne!(run.code, 0);
    run.assert_stderr_has("credentials");
    run.assert_not_leaked("hunter2", "the password in the authority URL");
}

#[test]
fn doctor_shows_sources_and_masks_secrets() {
    let fx = fixture();
    write_config(&fx, "");
    let run = fx
        .env
        .msal()
        .args(["doctor", "-o", "json"])
        .env("AZURE_CLIENT_SECRET", "env-secret-value-xyz")
        .env("HTTPS_PROXY", "http://user:proxy-password-xyz@127.0.0.1:9")
        .run();
    run.assert_success();
    let report = run.stdout_json();
    assert_eq!(report["profile"]["value"], "work");
    assert_eq!(report["profile"]["source"], "default_profile");
    assert_eq!(report["client_id"]["source"], "profile");
    assert_eq!(report["authority"]["source"], "profile");
    assert_eq!(report["client_credential"], "client secret");
    assert!(
        !run.stdout.contains("env-secret-value-xyz") && !run.stdout.contains("proxy-password-xyz")
    );
    assert!(
        !run.stdout.contains(SECRET),
        "the profile's secret file content is not shown"
    );
    run.assert_not_leaked("env-secret-value-xyz", "the client secret");
    let table = fx
        .env
        .msal()
        .args(["config", "-o", "table", "--client-id", OTHER_CLIENT])
        .run();
    table.assert_success();
    assert!(
        table
            .stdout
            .contains(&format!("{OTHER_CLIENT} (from --client-id)")),
        "{}",
        table.stdout
    );
    assert_eq!(fx.idp.request_count(), 0, "doctor makes no request");
}

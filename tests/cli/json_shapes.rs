//! Machine-readable output: every JSON shape of msal's own is snake_case, stable (a key is
//! always there, `null` when it has no value) and the one the README's "JSON output" section
//! shows; errors are JSON under `-o json`, argument errors included, with their hints.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::TestEnv;
use crate::support::users::{ALICE, CLIENT, SCOPE, UserFx};

/// The fenced block after `<!-- json: NAME -->` in the README, parsed.
fn documented(name: &str) -> Value {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let marker = format!("<!-- json: {name} -->");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("the README documents no JSON shape {name:?} ({marker})"));
    let rest = &readme[start + marker.len()..];
    let open = rest
        .find("```json\n")
        .expect("a ```json block after the marker")
        + 8;
    let close = open + rest[open..].find("```").unwrap();
    serde_json::from_str(&rest[open..close])
        .unwrap_or_else(|e| panic!("the README's {name} example is not JSON: {e}"))
}

/// Every key of every object in `value`, with its path.
fn keys(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(format!("{path}.{key}"));
                keys(inner, &format!("{path}.{key}"), out);
            }
        }
        Value::Array(items) => {
            for item in items {
                keys(item, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

fn is_snake_case(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `actual` has exactly the keys of `example` (arrays: each item those of the example's first),
/// and where both have a value, of the same JSON type.
fn assert_same_shape(name: &str, example: &Value, actual: &Value, path: &str) {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    match (example, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(doc), Value::Object(got)) => {
            let doc_keys: Vec<&String> = doc.keys().collect();
            let got_keys: Vec<&String> = got.keys().collect();
            assert_eq!(
                doc_keys, got_keys,
                "{name}: the keys of {path} differ from the README's"
            );
            for (key, value) in doc {
                assert_same_shape(name, value, &got[key], &format!("{path}.{key}"));
            }
        }
        (Value::Array(doc), Value::Array(got)) => {
            if let Some(first) = doc.first() {
                for item in got {
                    assert_same_shape(name, first, item, &format!("{path}[]"));
                }
            }
        }
        (doc, got) => assert_eq!(
            kind(doc),
            kind(got),
            "{name}: {path} is a {} in the README and a {} in the output",
            kind(doc),
            kind(got)
        ),
    }
}

#[track_caller]
fn assert_documented(name: &str, actual: &Value) {
    let mut all = Vec::new();
    keys(actual, "", &mut all);
    for key in &all {
        let last = key.rsplit(['.', '[']).next().unwrap_or_default();
        assert!(is_snake_case(last), "{name}: key {key:?} is not snake_case");
    }
    assert_same_shape(name, &documented(name), actual, name);
}

#[test]
fn every_json_output_is_the_shape_the_readme_documents() {
    let fx = UserFx::new();
    let login = fx
        .msal("login")
        .args([
            "--scope",
            SCOPE,
            "--username",
            ALICE,
            "--password-stdin",
            "-o",
            "json",
        ])
        .stdin(format!("{}\n", fx.alice.password))
        .run();
    login.assert_success();
    assert_documented("token", &login.stdout_json());
    let silent = fx
        .msal("silent")
        .args(["--scope", SCOPE, "-o", "json"])
        .run();
    silent.assert_success();
    assert_documented("token", &silent.stdout_json());

    let accounts = fx.msal("accounts").args(["-o", "json"]).run();
    accounts.assert_success();
    assert_documented("accounts", &accounts.stdout_json());
    // Keys are there even without a value: an ID token without `name` and `email`.
    for account in accounts.stdout_json().as_array().unwrap() {
        for key in ["name", "email", "account_source"] {
            assert!(account.get(key).is_some(), "accounts: {key} is left out");
        }
    }

    let doctor = fx.msal("doctor").args(["-o", "json"]).run();
    doctor.assert_success();
    assert_documented("doctor", &doctor.stdout_json());

    let logout = fx.msal("logout").args(["--all", "-o", "json"]).run();
    logout.assert_success();
    let removed = logout.stdout_json();
    assert_eq!(
        removed.as_array().map(Vec::len),
        Some(1),
        "the removed account"
    );
    assert_documented("logout", &removed);

    let error = fx
        .msal("silent")
        .args(["--scope", SCOPE, "-o", "json"])
        .run();
    error.assert_code(3);
    let error: Value =
        serde_json::from_str(error.stderr.trim()).expect("one JSON object on stderr");
    assert_documented("error", &error);
}

#[test]
fn json_errors_carry_the_hints() {
    let fx = UserFx::new();
    let run = fx
        .msal("silent")
        .args(["--scope", SCOPE, "-o", "json"])
        .run();
    run.assert_code(3);
    let error: Value = serde_json::from_str(run.stderr.trim()).expect("JSON on stderr");
    assert_eq!(error["error"], "interaction_required");
    assert_eq!(error["exit_code"], 3);
    let hints = error["hints"].as_array().expect("a hints array");
    assert!(
        hints
            .iter()
            .any(|h| h.as_str().unwrap_or_default().contains("msal login")),
        "{error:#}"
    );
}

#[test]
fn argument_errors_under_json_are_json() {
    let env = TestEnv::new();
    for args in [
        &["silent", "-o", "json", "--no-such-option"][..],
        &["--output=json", "silent", "--min-validity"][..],
        &["-ojson", "token", "--scope", SCOPE][..],
        &["login", "--port", "not-a-port", "--output", "json"][..],
        &["-qo", "json", "silent", "--username", "a", "--account", "b"][..],
    ] {
        let run = env.msal().args(args).run();
        run.assert_code(2);
        assert!(run.stdout.is_empty(), "{args:?}: stdout");
        let error: Value = serde_json::from_str(run.stderr.trim()).unwrap_or_else(|e| {
            panic!(
                "{args:?}: stderr is not one JSON object ({e}):\n{}",
                run.stderr
            )
        });
        assert_eq!(error["error"], "usage_error", "{args:?}");
        assert_eq!(error["exit_code"], 2, "{args:?}");
        let description = error["error_description"].as_str().unwrap_or_default();
        assert!(
            !description.is_empty() && !description.starts_with("error:"),
            "{error:#}"
        );
        assert_documented("error", &error);
    }
    // The suggestion is a hint.
    let run = env.msal().args(["-o", "json", "token"]).run();
    let error: Value = serde_json::from_str(run.stderr.trim()).unwrap();
    let hints = error["hints"].to_string();
    assert!(hints.contains("msal silent"), "{error:#}");
    // Help and version are not errors; without -o json, errors stay text.
    let run = env.msal().args(["-o", "json", "silent", "--help"]).run();
    run.assert_success();
    assert!(run.stdout.contains("Usage:"));
    let run = env.msal().args(["silent", "--no-such-option"]).run();
    run.assert_code(2).assert_stderr_has("error:");
    assert!(serde_json::from_str::<Value>(run.stderr.trim()).is_err());
    // A value that only looks like the option is not one.
    let run = env
        .msal()
        .args(["silent", "--scope", "-o", "json", "--bogus"])
        .run();
    run.assert_code(2);
}

#[test]
fn doctor_json_separates_each_value_from_where_it_came_from() {
    let fx = UserFx::new();
    let config = fx.env.write_file(
        "config.toml",
        format!(
            "default_profile = \"work\"\n[profiles.work]\nclient_id = \"{CLIENT}\"\ntimeout = 12\n"
        ),
    );
    let run = fx
        .env
        .msal()
        .args(["doctor", "-o", "json", "--cache"])
        .arg(fx.env.root().join("cache.json"))
        .env("MSAL_CONFIG", &config)
        .env("AZURE_TENANT_ID", "contoso.example")
        .run();
    run.assert_success();
    let doctor = run.stdout_json();
    assert_eq!(
        doctor["client_id"],
        serde_json::json!({"value": CLIENT, "source": "profile"})
    );
    assert_eq!(
        doctor["timeout"],
        serde_json::json!({"value": 12, "source": "profile"})
    );
    assert_eq!(
        doctor["output"],
        serde_json::json!({"value": "json", "source": "--output"})
    );
    assert_eq!(doctor["cache"]["source"], "--cache");
    assert_eq!(doctor["authority"]["source"], "AZURE_TENANT_ID");
    assert_eq!(
        doctor["authority"]["value"],
        "https://login.microsoftonline.com/contoso.example"
    );
    assert_eq!(doctor["profile"]["value"], "work");
    assert_eq!(doctor["profile"]["source"], "default_profile");
    assert_eq!(
        doctor["instance_discovery"],
        serde_json::json!({"value": true, "source": "default"})
    );
    // Nothing mixes a value with its source any more.
    let text = doctor.to_string();
    assert!(!text.contains("(from "), "{doctor:#}");
}

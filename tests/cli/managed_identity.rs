//! `msal managed-identity` end to end: the real binary against a stand-in for each platform's
//! endpoint (`support::managed_identity`), and MSAL Python's `ManagedIdentityClient` on the same
//! cache file. Token values are never printed; secrets are checked to stay out of all output.

use serde_json::{Value, json};

use crate::support::idp::{CONTOSO_DOMAIN, Fault, TestIdp};
use crate::support::managed_identity::{Identity, MI_TENANT_ID, MiEndpoint, Platform};
use crate::support::msal_python::{MsalPython, token_sha256};
use crate::support::{Msal, Run, TestEnv, write_private};

const RESOURCE: &str = "https://management.azure.com";
const SCOPE: &str = "https://management.azure.com/.default";
const SYSTEM_KEY: &str = "-localhost-accesstoken--managed_identity-https://management.azure.com";

const ALL: [Platform; 6] = [
    Platform::Imds,
    Platform::AppService,
    Platform::Arc,
    Platform::CloudShell,
    Platform::ServiceFabric,
    Platform::MachineLearning,
];

/// `msal managed-identity` with `endpoint`'s platform variables.
fn mi<'a>(env: &'a TestEnv, endpoint: &MiEndpoint) -> Msal<'a> {
    env.msal().arg("managed-identity").envs(endpoint.env())
}

/// Requests that carried a token request (Arc's challenge round counts once).
fn token_requests(endpoint: &MiEndpoint) -> usize {
    let requests = endpoint.requests();
    if endpoint.platform == Platform::Arc {
        requests
            .iter()
            .filter(|r| r.header("authorization").is_some())
            .count()
    } else {
        requests.len()
    }
}

fn cache_entry(env: &TestEnv, key: &str) -> Value {
    env.read_cache_json()["AccessToken"][key].clone()
}

#[test]
fn every_platform_end_to_end_then_from_the_cache() {
    for platform in ALL {
        let env = TestEnv::new();
        let endpoint = MiEndpoint::start(platform);
        let run = mi(&env, &endpoint)
            .args(["--scope", SCOPE, "-o", "json"])
            .run();
        run.assert_success();
        let out = run.stdout_json();
        assert!(out["access_token"] == endpoint.last_token(), "{platform:?}");
        assert_eq!(out["token_source"], "identity_provider", "{platform:?}");
        assert_eq!(out["tenant_id"], MI_TENANT_ID, "{platform:?}");
        assert_eq!(out["scope"], RESOURCE, "{platform:?}");
        let expires_in = out["expires_in"].as_u64().unwrap();
        assert!(
            (86_000..=86_399).contains(&expires_in),
            "{platform:?}: {expires_in}"
        );
        assert_eq!(token_requests(&endpoint), 1, "{platform:?}");
        let issued = endpoint.issued();
        assert!(issued[0].system_assigned && issued[0].resource == RESOURCE);

        // Cached as MSAL Python caches it, refreshed at half its life.
        let entry = cache_entry(&env, SYSTEM_KEY);
        assert_eq!(entry["client_id"], Value::Null, "{platform:?}");
        assert_eq!(entry["home_account_id"], Value::Null);
        assert_eq!(entry["environment"], "localhost");
        assert_eq!(entry["realm"], "managed_identity");
        assert_eq!(entry["target"], RESOURCE);
        let at = |name: &str| entry[name].as_str().unwrap().parse::<u64>().unwrap();
        assert_eq!(
            at("refresh_on") - at("cached_at"),
            86_399 / 2,
            "{platform:?}"
        );
        assert!(entry.get("origin").is_none());

        let again = mi(&env, &endpoint)
            .args(["--resource", RESOURCE, "-o", "json"])
            .run();
        again.assert_success();
        assert_eq!(again.stdout_json()["token_source"], "cache", "{platform:?}");
        assert!(
            again.stdout_json()["access_token"] == endpoint.last_token(),
            "the token is not the one expected (not printed)"
        );
        assert_eq!(
            token_requests(&endpoint),
            1,
            "{platform:?}: the cache answered"
        );
    }
}

#[test]
fn user_assigned_identities_by_client_object_and_resource_id() {
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    let identity = Identity::user_assigned("ci-runner");
    imds.assign(&identity);
    for (flag, id) in [
        ("--mi-client-id", &identity.client_id),
        ("--mi-object-id", &identity.object_id),
        ("--mi-resource-id", &identity.resource_id),
    ] {
        let run = mi(&env, &imds)
            .args(["--scope", SCOPE, flag, id.as_str()])
            .run();
        run.assert_success();
        let issued = imds.issued();
        let last = issued.last().unwrap();
        assert_eq!(last.client_id, identity.client_id, "{flag}");
        run.assert_stdout_eq(
            &format!("{}\n", last.access_token),
            "the issued token and a newline",
        );
        // MSAL Python keys a user-assigned identity by the id as given, whatever its kind.
        let key = format!(
            "-localhost-accesstoken-{}-managed_identity-{RESOURCE}",
            id.to_lowercase()
        );
        assert_eq!(cache_entry(&env, &key)["client_id"], id.as_str(), "{flag}");
    }
    assert_eq!(imds.requests().len(), 3);

    // AZURE_CLIENT_ID chooses the identity, as DefaultAzureCredential reads it; the global
    // --client-id never does; --system-assigned overrides the variable.
    let fresh = TestEnv::new();
    mi(&fresh, &imds)
        .args(["--scope", SCOPE])
        .env("AZURE_CLIENT_ID", &identity.client_id)
        .run()
        .assert_success();
    assert_eq!(
        imds.requests().last().unwrap().query("client_id"),
        Some(identity.client_id.as_str())
    );
    let fresh = TestEnv::new();
    mi(&fresh, &imds)
        .args(["--scope", SCOPE, "--client-id", &identity.client_id])
        .run()
        .assert_success();
    assert_eq!(imds.requests().last().unwrap().query("client_id"), None);
    let fresh = TestEnv::new();
    mi(&fresh, &imds)
        .args(["--scope", SCOPE, "--system-assigned"])
        .env("AZURE_CLIENT_ID", &identity.client_id)
        .run()
        .assert_success();
    assert_eq!(imds.requests().last().unwrap().query("client_id"), None);
    assert!(imds.issued().last().unwrap().system_assigned);

    // App Service names a resource id `mi_res_id` (its stand-in refuses IMDS's `msi_res_id`).
    let app = MiEndpoint::start(Platform::AppService);
    app.assign(&identity);
    mi(&env, &app)
        .args([
            "--scope",
            SCOPE,
            "--mi-resource-id",
            &identity.resource_id,
            "--no-cache",
        ])
        .run()
        .assert_success();
    assert_eq!(app.issued()[0].client_id, identity.client_id);
    let machine_learning = MiEndpoint::start(Platform::MachineLearning);
    machine_learning.assign(&identity);
    mi(&env, &machine_learning)
        .args([
            "--scope",
            SCOPE,
            "--mi-client-id",
            &identity.client_id,
            "--no-cache",
        ])
        .run()
        .assert_success();
    assert_eq!(
        machine_learning.requests()[0].query("clientid"),
        Some(identity.client_id.as_str())
    );
}

#[test]
fn a_missing_identity_is_refused_with_the_platforms_own_message() {
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    let run = mi(&env, &imds)
        .args([
            "--scope",
            SCOPE,
            "--mi-client-id",
            "00000000-0000-0000-0000-000000000001",
        ])
        .run();
    run.assert_code(4)
        .assert_stderr_has("IMDS")
        .assert_stderr_has("HTTP 400")
        .assert_stderr_has("invalid_request: Identity not found")
        .assert_stderr_has("hint:");
    assert_eq!(imds.requests().len(), 1, "a refusal is not retried");
    assert!(run.stdout.is_empty());

    let app = MiEndpoint::start(Platform::AppService);
    app.without_system_assigned();
    let run = mi(&env, &app).args(["--scope", SCOPE, "-o", "json"]).run();
    run.assert_code(4)
        .assert_stderr_has("App Service")
        .assert_stderr_has("Unable to load the proper Managed Identity.");
    let report: Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(report["exit_code"], 4);

    // Platforms that choose the identity themselves: refused before any request.
    for platform in [Platform::ServiceFabric, Platform::CloudShell] {
        let endpoint = MiEndpoint::start(platform);
        let run = mi(&env, &endpoint)
            .args(["--scope", SCOPE, "--mi-client-id", "some-id"])
            .run();
        run.assert_code(1).assert_stderr_has("does not support");
        assert!(endpoint.all_requests().is_empty(), "{platform:?}");
    }
}

#[test]
fn imds_backs_off_and_other_platforms_retry_once() {
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    imds.fail_next(404, 1);
    imds.fail_next(503, 1);
    let run = mi(&env, &imds).args(["--scope", SCOPE, "-v"]).run();
    run.assert_success().assert_stderr_has("asking again");
    assert_eq!(imds.requests().len(), 3);

    let fresh = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    imds.fail_next(500, 4);
    let started = std::time::Instant::now();
    let run = mi(&fresh, &imds).args(["--scope", SCOPE]).run();
    run.assert_code(1)
        .assert_stderr_has("unavailable (HTTP 500 after 4 attempts)")
        .assert_stderr_has("injected by the test");
    assert_eq!(imds.requests().len(), 4);
    assert!(started.elapsed().as_secs() >= 7, "1 + 2 + 4 s of back-off");
    assert!(!fresh.cache_path().exists());

    let app = MiEndpoint::start(Platform::AppService);
    app.fail_next(502, 1);
    mi(&env, &app)
        .args(["--scope", SCOPE, "--no-cache"])
        .run()
        .assert_success();
    assert_eq!(app.requests().len(), 2);
    let app = MiEndpoint::start(Platform::AppService);
    app.fail_next(500, 2);
    mi(&env, &app)
        .args(["--scope", SCOPE, "--no-cache"])
        .run()
        .assert_code(1)
        .assert_stderr_has("App Service managed identity endpoint")
        .assert_stderr_has("after 2 attempts");
    assert_eq!(app.requests().len(), 2);
    // A connection closed without an answer is retried once too.
    let app = MiEndpoint::start(Platform::AppService);
    app.inject(Fault::CloseWithoutResponse, 1);
    mi(&env, &app)
        .args(["--scope", SCOPE, "--no-cache"])
        .run()
        .assert_success();
    assert_eq!(app.requests().len(), 2);
}

/// Sets `refresh_on` of the system-assigned entry in the past, as if half its life had gone.
fn make_refresh_due(env: &TestEnv) {
    let mut cache = env.read_cache_json();
    let entry = &mut cache["AccessToken"][SYSTEM_KEY];
    let cached_at: u64 = entry["cached_at"].as_str().unwrap().parse().unwrap();
    entry["refresh_on"] = json!((cached_at - 10).to_string());
    write_private(&env.cache_path(), cache.to_string().as_bytes());
}

#[test]
fn a_token_due_for_refresh_falls_back_to_the_cached_one_when_the_endpoint_is_down() {
    let env = TestEnv::new();
    let app = MiEndpoint::start(Platform::AppService);
    mi(&env, &app)
        .args(["--scope", SCOPE])
        .run()
        .assert_success();
    let first = app.last_token();
    make_refresh_due(&env);

    app.fail_next(500, 2);
    let run = mi(&env, &app).args(["--scope", SCOPE, "-o", "json"]).run();
    run.assert_success()
        .assert_stderr_has("using the cached one");
    assert!(
        run.stdout_json()["access_token"] == first.as_str(),
        "the token is not the one expected (not printed)"
    );
    assert_eq!(run.stdout_json()["token_source"], "cache");

    let run = mi(&env, &app).args(["--scope", SCOPE]).run();
    run.assert_success();
    let second = app.last_token();
    assert!(first != second, "the same token twice (not printed)");
    run.assert_stdout_eq(&format!("{second}\n"), "the issued token and a newline");
    assert!(
        cache_entry(&env, SYSTEM_KEY)["secret"] == second.as_str(),
        "the token is not the one expected (not printed)"
    );

    // A refusal is reported, not papered over with the old token.
    make_refresh_due(&env);
    app.without_system_assigned();
    mi(&env, &app).args(["--scope", SCOPE]).run().assert_code(4);

    // Short-lived tokens have no proactive refresh, as in MSAL Python.
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    imds.set_lifetime(3600);
    mi(&env, &imds)
        .args(["--scope", SCOPE])
        .run()
        .assert_success();
    assert!(cache_entry(&env, SYSTEM_KEY).get("refresh_on").is_none());
}

#[test]
fn claims_replace_the_revoked_token_and_service_fabric_is_told_which() {
    const CLAIMS: &str = r#"{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}"#;
    for platform in [Platform::ServiceFabric, Platform::Imds] {
        let env = TestEnv::new();
        let endpoint = MiEndpoint::start(platform);
        mi(&env, &endpoint)
            .args(["--scope", SCOPE])
            .run()
            .assert_success();
        let revoked = endpoint.last_token();
        let run = mi(&env, &endpoint)
            .args(["--scope", SCOPE, "--claims", CLAIMS])
            .run();
        run.assert_success();
        let fresh = endpoint.last_token();
        assert!(revoked != fresh, "{platform:?}");
        run.assert_stdout_eq(&format!("{fresh}\n"), "the issued token and a newline");
        assert!(
            cache_entry(&env, SYSTEM_KEY)["secret"] == fresh.as_str(),
            "the token is not the one expected (not printed)"
        );
        if platform == Platform::ServiceFabric {
            assert_eq!(endpoint.refresh_hashes(), [token_sha256(&revoked)]);
        }
    }
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    mi(&env, &imds)
        .args(["--scope", SCOPE, "--claims", "not json"])
        .run()
        .assert_code(2);
    assert!(imds.requests().is_empty());
}

#[test]
fn service_fabric_sends_its_secret_only_to_the_pinned_certificate() {
    let env = TestEnv::new();
    let fabric = MiEndpoint::start(Platform::ServiceFabric);
    let other = "00112233445566778899aabbccddeeff00112233";
    let run = mi(&env, &fabric)
        .args(["--scope", SCOPE, "-vv"])
        .env("IDENTITY_SERVER_THUMBPRINT", other)
        .run();
    run.assert_code(1)
        .assert_stderr_has("thumbprint")
        .assert_not_leaked(fabric.secret(), "Service Fabric's IDENTITY_HEADER");
    assert!(
        fabric.all_requests().is_empty(),
        "the TLS handshake failed first"
    );

    // A plain-http endpoint is refused outright.
    let run = mi(&env, &fabric)
        .args(["--scope", SCOPE])
        .env(
            "IDENTITY_ENDPOINT",
            fabric.base_url().replace("https:", "http:"),
        )
        .run();
    run.assert_code(1)
        .assert_stderr_has("IDENTITY_ENDPOINT must be an https URL");
    assert!(fabric.all_requests().is_empty());
}

#[test]
fn platform_secrets_never_reach_any_output() {
    for platform in [
        Platform::AppService,
        Platform::ServiceFabric,
        Platform::MachineLearning,
        Platform::Arc,
    ] {
        let env = TestEnv::new();
        let endpoint = MiEndpoint::start(platform);
        let mut runs: Vec<Run> = Vec::new();
        for verbosity in ["-v", "-vv"] {
            runs.push(
                mi(&env, &endpoint)
                    .args(["--scope", SCOPE, verbosity, "--force-refresh", "-o", "json"])
                    .run(),
            );
        }
        // Failures print more: a refusal, and an endpoint that stays down.
        endpoint.without_system_assigned();
        runs.push(
            mi(&env, &endpoint)
                .args(["--scope", SCOPE, "-vv", "--force-refresh"])
                .run(),
        );
        endpoint.fail_next(500, 4);
        runs.push(
            mi(&env, &endpoint)
                .args(["--scope", SCOPE, "-vv", "--force-refresh"])
                .run(),
        );
        runs.push(
            env.msal()
                .args(["doctor", "-o", "json"])
                .envs(endpoint.env())
                .run(),
        );
        // Each run got as far as it should, so its silence about the secret means something.
        for (i, run) in runs.iter().enumerate() {
            match i {
                2 | 3 => assert!(run.code > 0, "{platform:?} run {i}: {}", run.stderr),
                _ => {
                    run.assert_success();
                }
            }
        }
        assert!(
            !endpoint.issued().is_empty(),
            "{platform:?}: nothing issued"
        );
        let keys: Vec<String> = match platform {
            Platform::Arc => std::fs::read_dir(endpoint.arc_key_dir())
                .unwrap()
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect(),
            _ => Vec::new(),
        };
        assert!(
            platform != Platform::Arc || keys.len() >= 3,
            "{}",
            keys.len()
        );
        for run in &runs {
            if platform != Platform::Arc {
                run.assert_not_leaked(endpoint.secret(), "the platform's secret");
            }
            for key in &keys {
                run.assert_not_leaked(key, "an Arc key");
            }
            for issued in endpoint.issued() {
                assert!(
                    !run.stderr.contains(&issued.access_token),
                    "a token on stderr"
                );
            }
        }
    }
}

#[test]
fn arc_reads_keys_only_from_its_directory_and_only_small_regular_files() {
    let env = TestEnv::new();
    let arc = MiEndpoint::start(Platform::Arc);
    let outside = env.write_file("stolen.key", "secret-outside-the-key-directory");
    arc.arc_challenge_realm(&outside.display().to_string());
    let run = mi(&env, &arc).args(["--scope", SCOPE, "-vv"]).run();
    run.assert_code(1)
        .assert_stderr_has("outside")
        .assert_not_leaked(
            "secret-outside-the-key-directory",
            "a file outside the directory",
        );
    let escaping = format!("{}/../files/stolen.key", arc.arc_key_dir().display());
    arc.arc_challenge_realm(&escaping);
    mi(&env, &arc)
        .args(["--scope", SCOPE])
        .run()
        .assert_code(1)
        .assert_stderr_has("outside");

    let link = arc.arc_key_dir().join("link.key");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    arc.arc_challenge_realm(&link.display().to_string());
    mi(&env, &arc)
        .args(["--scope", SCOPE])
        .run()
        .assert_code(1)
        .assert_stderr_has("not a regular file");

    let big = arc.arc_key_dir().join("big.key");
    write_private(&big, &vec![b'k'; 4097]);
    arc.arc_challenge_realm(&big.display().to_string());
    mi(&env, &arc)
        .args(["--scope", SCOPE])
        .run()
        .assert_code(1)
        .assert_stderr_has("larger than 4096 bytes");
    assert!(
        arc.requests()
            .iter()
            .all(|r| r.header("authorization").is_none()),
        "no key was ever sent"
    );
}

#[test]
fn arc_refuses_a_token_for_another_identity_than_the_one_asked_for() {
    let env = TestEnv::new();
    let arc = MiEndpoint::start(Platform::Arc);
    let identity = Identity::user_assigned("arc-user");
    arc.assign(&identity);
    mi(&env, &arc)
        .args(["--scope", SCOPE, "--mi-object-id", &identity.object_id])
        .run()
        .assert_success();
    assert_eq!(arc.issued()[0].client_id, identity.client_id);

    arc.arc_ignores_user_assigned();
    let run = mi(&env, &arc)
        .args([
            "--scope",
            SCOPE,
            "--mi-client-id",
            &identity.client_id,
            "-o",
            "json",
        ])
        .run();
    run.assert_code(1).assert_stderr_has("did not confirm");
    assert!(run.stdout.is_empty());
    let key = format!(
        "-localhost-accesstoken-{}-managed_identity-{RESOURCE}",
        identity.client_id
    );
    assert!(
        cache_entry(&env, &key).is_null(),
        "the machine's token was not cached as the user's"
    );
}

#[test]
fn unusable_platform_variables_are_reported_before_any_request() {
    let env = TestEnv::new();
    let app = MiEndpoint::start(Platform::AppService);
    for (value, message) in [
        (
            "http://example.com/msi/token",
            "http to a loopback or link-local address",
        ),
        ("not a url", "is not a URL"),
    ] {
        let run = mi(&env, &app)
            .args(["--scope", SCOPE])
            .env("IDENTITY_ENDPOINT", value)
            .run();
        run.assert_code(1)
            .assert_stderr_has("IDENTITY_ENDPOINT")
            .assert_stderr_has(message)
            .assert_not_leaked(app.secret(), "IDENTITY_HEADER");
    }
    let fabric = MiEndpoint::start(Platform::ServiceFabric);
    mi(&env, &fabric)
        .args(["--scope", SCOPE])
        .env("IDENTITY_SERVER_THUMBPRINT", "zz")
        .run()
        .assert_code(1)
        .assert_stderr_has("IDENTITY_SERVER_THUMBPRINT is not a SHA-1 certificate thumbprint");
    assert!(app.all_requests().is_empty() && fabric.all_requests().is_empty());
}

#[test]
fn usage_errors_exit_2_before_any_request() {
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    for args in [
        vec!["--scope", "https://graph.microsoft.com/User.Read"],
        vec![
            "--scope",
            SCOPE,
            "--scope",
            "https://vault.azure.net/.default",
        ],
        vec!["--scope", SCOPE, "--resource", RESOURCE],
        vec![],
        vec!["--resource", "a b"],
        vec![
            "--scope",
            SCOPE,
            "--mi-client-id",
            "a",
            "--mi-object-id",
            "b",
        ],
        vec!["--scope", SCOPE, "--mi-client-id", "a", "--system-assigned"],
    ] {
        mi(&env, &imds).args(&args).run().assert_code(2);
    }
    assert!(imds.requests().is_empty());
}

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    for _ in 0..2 {
        mi(&env, &imds)
            .args(["--scope", SCOPE, "--no-cache"])
            .run()
            .assert_success();
    }
    assert_eq!(imds.requests().len(), 2);
    assert!(!env.cache_path().exists());
}

#[test]
fn doctor_shows_the_source_detected_and_why() {
    let env = TestEnv::new();
    let app = MiEndpoint::start(Platform::AppService);
    let run = env
        .msal()
        .args(["doctor", "-o", "json"])
        .envs(app.env())
        .run();
    run.assert_success()
        .assert_not_leaked(app.secret(), "IDENTITY_HEADER");
    let doctor = run.stdout_json();
    let source = &doctor["managed_identity"];
    assert_eq!(source["platform"], "app_service", "{source}");
    assert!(
        source["endpoint"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{source}"
    );
    assert_eq!(
        source["reason"], "IDENTITY_ENDPOINT and IDENTITY_HEADER are set",
        "{source}"
    );
    assert_eq!(
        doctor["managed_identity_client_id"],
        serde_json::json!({"value": null, "source": "default"}),
        "system-assigned: {doctor:#}"
    );

    let run = env
        .msal()
        .args(["doctor", "-o", "json"])
        .env("AZURE_CLIENT_ID", "cid-1")
        .run();
    let doctor = run.stdout_json();
    let source = &doctor["managed_identity"];
    assert_eq!(source["platform"], "imds", "{source}");
    assert!(
        source["endpoint"]
            .as_str()
            .unwrap()
            .starts_with("http://169.254.169.254/"),
        "{source}"
    );
    let reason = source["reason"].as_str().unwrap();
    assert!(reason.contains("no platform variable is set"), "{source}");
    assert_eq!(
        doctor["managed_identity_client_id"],
        serde_json::json!({"value": "cid-1", "source": "AZURE_CLIENT_ID"})
    );

    let arc = MiEndpoint::start(Platform::Arc);
    let run = env.msal().args(["doctor"]).envs(arc.env()).run();
    run.assert_success();
    assert!(run.stdout.contains(&format!(
        "keys read only from {}",
        arc.arc_key_dir().display()
    )));
    assert!(arc.all_requests().is_empty(), "doctor sends nothing");
}

/// MSAL Python's `ManagedIdentityClient` and `msal` on one cache file: each serves the other's
/// tokens with no request, system- and user-assigned, in both directions.
#[test]
fn msal_python_and_msal_read_each_others_managed_identity_tokens() {
    const VAULT: &str = "https://vault.azure.net";
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    let identity = Identity::user_assigned("shared");
    imds.assign(&identity);
    let python = MsalPython::managed_identity(&env, &imds.env());
    let py = |args: &[&str]| {
        let mut all = vec!["--resource"];
        all.extend(args);
        python.run("managed-identity", &all)["result"].clone()
    };
    let msal_token = |args: &[&str]| {
        let run = mi(&env, &imds).args(args).args(["-o", "json"]).run();
        run.assert_success();
        run.stdout_json()
    };

    // MSAL Python first (system-assigned), msal reads it.
    let result = py(&[RESOURCE]);
    assert_eq!(result["token_source"], "identity_provider", "{result}");
    assert_eq!(
        result["access_token_sha256"],
        token_sha256(&imds.last_token())
    );
    let out = msal_token(&["--resource", RESOURCE]);
    assert_eq!(out["token_source"], "cache");
    assert!(
        out["access_token"] == imds.last_token(),
        "the token is not the one expected (not printed)"
    );
    assert_eq!(imds.requests().len(), 1);

    // msal first (system-assigned, another resource), MSAL Python reads it: its lookup asks
    // for client_id null, so msal must have written null.
    let out = msal_token(&["--resource", VAULT]);
    assert_eq!(out["token_source"], "identity_provider");
    let result = py(&[VAULT]);
    assert_eq!(result["token_source"], "cache", "{result}");
    assert_eq!(
        result["access_token_sha256"],
        token_sha256(out["access_token"].as_str().unwrap())
    );
    assert_eq!(imds.requests().len(), 2);

    // User-assigned, both ways.
    let out = msal_token(&[
        "--resource",
        RESOURCE,
        "--mi-client-id",
        &identity.client_id,
    ]);
    assert_eq!(out["token_source"], "identity_provider");
    let result = py(&[RESOURCE, "--mi-client-id", &identity.client_id]);
    assert_eq!(result["token_source"], "cache", "{result}");
    assert_eq!(
        result["access_token_sha256"],
        token_sha256(out["access_token"].as_str().unwrap())
    );
    let result = py(&[VAULT, "--mi-object-id", &identity.object_id]);
    assert_eq!(result["token_source"], "identity_provider", "{result}");
    let out = msal_token(&["--resource", VAULT, "--mi-object-id", &identity.object_id]);
    assert_eq!(out["token_source"], "cache");
    assert_eq!(
        result["access_token_sha256"],
        token_sha256(out["access_token"].as_str().unwrap())
    );
    assert_eq!(imds.requests().len(), 4);

    // msal rewrote the file meanwhile: MSAL Python's own system-assigned entry still serves it.
    let result = py(&[RESOURCE]);
    assert_eq!(result["token_source"], "cache", "{result}");
    assert_eq!(imds.requests().len(), 4);
    let cache = env.read_cache_json();
    assert_eq!(cache["AccessToken"][SYSTEM_KEY]["client_id"], Value::Null);
    assert_eq!(
        cache["AppMetadata"]["appmetadata-localhost-"]["client_id"],
        Value::Null
    );
}

/// `client-credentials --managed-identity-assertion`: the identity's token for
/// api://AzureADTokenExchange is the app's client assertion, taken from the cache while valid.
#[test]
fn a_managed_identity_token_is_the_client_assertion_of_an_app_that_trusts_it() {
    const APP: &str = "0d4c3b2a-1908-4776-a5b4-c3d2e1f0a9b8";
    const EXCHANGE: &str = "api://AzureADTokenExchange";
    let env = TestEnv::new();
    let imds = MiEndpoint::start(Platform::Imds);
    let identity = Identity::user_assigned("federated");
    imds.assign(&identity);
    let idp = TestIdp::start();

    // The identity's token is cached first, then registered as what the app trusts.
    mi(&env, &imds)
        .args([
            "--resource",
            EXCHANGE,
            "--mi-client-id",
            &identity.client_id,
        ])
        .run()
        .assert_success();
    let assertion = imds.last_token();
    idp.register_federated_client(APP, &assertion);

    let cc = |scope: &str| {
        let msal = env.msal().args([
            "client-credentials",
            "--authority",
            &idp.authority(CONTOSO_DOMAIN),
            "--scope",
            scope,
            "--managed-identity-assertion",
            "--mi-client-id",
            &identity.client_id,
        ]);
        // The application's id; never taken for the identity's.
        msal.envs(imds.env()).env("AZURE_CLIENT_ID", APP).run()
    };
    for scope in ["api://x/.default", "api://y/.default"] {
        let run = cc(scope);
        run.assert_success()
            .assert_not_leaked(&assertion, "the assertion");
        let request = idp.token_requests().pop().unwrap();
        assert!(
            request.form("client_assertion") == Some(assertion.as_str()),
            "the managed identity's token is the client assertion (not printed)"
        );
        assert_eq!(request.form("client_id"), Some(APP));
    }
    assert_eq!(
        imds.requests().len(),
        1,
        "the assertion came from the cache both times"
    );

    // Without a flag naming it, the identity is system-assigned, whatever AZURE_CLIENT_ID says.
    let fresh = TestEnv::new();
    fresh
        .msal()
        .args([
            "client-credentials",
            "--authority",
            &idp.authority(CONTOSO_DOMAIN),
            "--scope",
            "api://x/.default",
            "--managed-identity-assertion",
        ])
        .envs(imds.env())
        .env("AZURE_CLIENT_ID", APP)
        .run()
        .assert_code(4);
    let request = imds.requests().pop().unwrap();
    assert_eq!(request.query("resource"), Some(EXCHANGE));
    assert_eq!(request.query("client_id"), None);

    // The identity flags belong to --managed-identity-assertion.
    env.msal()
        .args([
            "client-credentials",
            "--tenant",
            "t",
            "--client-id",
            APP,
            "--scope",
            "api://x/.default",
        ])
        .args(["--mi-client-id", "x", "--client-secret", "s"])
        .run()
        .assert_code(2);
}

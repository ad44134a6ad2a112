//! The README's recipes, run as written: each test takes the command from the README block
//! marked `<!-- recipe: NAME -->`, so the documentation cannot drift from what works.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::TestEnv;
use crate::support::certs::fake_jwt;
use crate::support::idp::{CONTOSO_DOMAIN, Response, TestIdp};

const CLIENT: &str = "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b";
const SECRET: &str = "R3c1pe~secret.value-abcdef987654";

/// The fenced block that follows `<!-- recipe: NAME`.
pub(crate) fn recipe(name: &str) -> String {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let marker = format!("<!-- recipe: {name} ");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README has no recipe {name}"));
    let rest = &readme[start..];
    let open = rest.find("```").unwrap();
    let body_start = open + rest[open..].find('\n').unwrap() + 1;
    let close = body_start + rest[body_start..].find("```").unwrap();
    rest[body_start..close].to_owned()
}

/// The `args:` of a kubeconfig exec recipe (a JSON flow sequence, which is also YAML).
fn kubeconfig_args(block: &str) -> Vec<String> {
    let line = block
        .lines()
        .find(|l| l.trim_start().starts_with("args:"))
        .expect("an args: line");
    let json = line.trim_start().trim_start_matches("args:").trim();
    serde_json::from_str(json).expect("args is a JSON array")
}

/// Checks an ExecCredential as kubectl reads it.
fn assert_exec_credential(stdout: &str, token: &str) {
    let value: Value = serde_json::from_str(stdout).expect("an ExecCredential on stdout");
    assert_eq!(value["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(value["kind"], "ExecCredential");
    assert!(
        value["status"]["token"] == token,
        "the token the identity provider issued"
    );
    let expiry = value["status"]["expirationTimestamp"].as_str().unwrap();
    assert!(
        expiry.ends_with('Z') && expiry.len() == 20,
        "RFC 3339 UTC: {expiry}"
    );
}

#[test]
fn kubeconfig_ci_recipe_gives_kubectl_an_exec_credential() {
    let idp = TestIdp::start();
    idp.register_secret_client(CLIENT, SECRET);
    let env = TestEnv::new();
    let args = kubeconfig_args(&recipe("kubeconfig-ci"));
    let run = env
        .msal()
        .args(&args)
        // What kubectl passes: its own environment, plus KUBERNETES_EXEC_INFO.
        .env("AZURE_TENANT_ID", CONTOSO_DOMAIN)
        .env("AZURE_AUTHORITY_HOST", idp.base_url())
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env("KUBERNETES_EXEC_INFO", r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#)
        .run();
    run.assert_success();
    let token = idp.issued_access_tokens().last().cloned().unwrap();
    assert_exec_credential(&run.stdout, &token);
    // kubectl calls the plugin again and again: the next call is served from the cache.
    let again = env
        .msal()
        .args(&args)
        .env("AZURE_TENANT_ID", CONTOSO_DOMAIN)
        .env("AZURE_AUTHORITY_HOST", idp.base_url())
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .run();
    again.assert_success();
    assert_exec_credential(&again.stdout, &token);
    assert_eq!(idp.token_requests().len(), 1);
}

#[test]
fn github_actions_recipe_runs_as_written() {
    let idp = TestIdp::start();
    let github_token = fake_jwt(&json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:octo/app:ref:refs/heads/main",
        "aud": "api://AzureADTokenExchange",
    }));
    idp.register_federated_client(CLIENT, &github_token);
    let value = github_token.clone();
    idp.add_route("GET", "/_apis/pipelines/idtoken", move |_| {
        Response::json(200, &json!({"value": value}))
    });
    let block = recipe("github-actions");
    let command = block
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("- run:"))
        .expect("a run: step")
        .trim()
        .to_owned();
    assert!(command.starts_with("msal "), "{command}");

    let env = TestEnv::new();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_msal"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The step's shell, with the variables the workflow and the runner provide.
    let output = Command::new("sh")
        .args(["-c", &command])
        .env_clear()
        .env("PATH", path)
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.config_dir())
        .env("XDG_CACHE_HOME", env.cache_dir())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("AZURE_TENANT_ID", CONTOSO_DOMAIN)
        .env("AZURE_AUTHORITY_HOST", idp.base_url())
        .env("AZURE_CLIENT_ID", CLIENT)
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            format!("{}/_apis/pipelines/idtoken?api-version=2.0", idp.base_url()),
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runtime-request-token")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the step failed: {stderr}");
    assert!(output.stdout.is_empty(), "-o none prints nothing");
    let requests = idp.token_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].form("client_assertion"),
        Some(github_token.as_str())
    );
    assert!(!stderr.contains(&github_token) && !stderr.contains("runtime-request-token"));
}

#[test]
fn kubeconfig_user_recipe_serves_the_signed_in_users_token() {
    use crate::support::users::{ALICE, ALICE_PASSWORD, CLIENT, UserFx};
    let fx = UserFx::new();
    let args = kubeconfig_args(&recipe("kubeconfig-user"));
    let scope_at = args
        .iter()
        .position(|a| a == "--scope")
        .expect("the recipe names a scope")
        + 1;
    // "Sign in once with msal login --scope <the recipe's scope>".
    fx.msal("login")
        .args([
            "--scope",
            &args[scope_at],
            "--username",
            ALICE,
            "--password-stdin",
            "-o",
            "none",
        ])
        .stdin(format!("{ALICE_PASSWORD}\n"))
        .run()
        .assert_success();
    let token = fx.last_issued().access_token;
    fx.idp.clear_requests();
    // kubectl runs the plugin with its own environment, which names the authority and client.
    let run = fx
        .env
        .msal()
        .args(&args)
        .env("MSAL_AUTHORITY", fx.authority())
        .env("MSAL_CLIENT_ID", CLIENT)
        .env("KUBERNETES_EXEC_INFO", r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#)
        .run();
    run.assert_success();
    assert_exec_credential(&run.stdout, &token);
    assert_eq!(fx.idp.request_count(), 0, "served from the cache");
}

#[test]
fn managed_identity_recipe_runs_as_written_in_app_service() {
    use crate::support::managed_identity::{Identity, MiEndpoint, Platform};
    let app = MiEndpoint::start(Platform::AppService);
    let identity = Identity::user_assigned("recipe");
    app.assign(&identity);
    let env = TestEnv::new();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_msal"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .args(["-ec", &recipe("managed-identity")])
        .env_clear()
        .env("PATH", path)
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.config_dir())
        .env("XDG_CACHE_HOME", env.cache_dir())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .envs(app.env())
        .env("ID", &identity.client_id)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the recipe failed: {stderr}");
    let issued = app.issued();
    assert_eq!(issued.len(), 2);
    assert!(issued[0].system_assigned && issued[0].resource == "https://management.azure.com");
    assert_eq!(issued[1].client_id, identity.client_id);
    assert_eq!(issued[1].resource, "https://vault.azure.net");
    assert!(
        output.stdout == format!("Authorization: Bearer {}\n", issued[1].access_token).as_bytes(),
        "the second command prints the header"
    );
    assert!(!stderr.contains(app.secret()));
}

//! `msal serve` end to end: the real binary, the test identity provider, and the real clients of
//! the App Service managed-identity protocol — azure-identity (PyPI), MSAL Python, and
//! `@azure/identity` (npm) — run under `msal serve -- python3 tests/cli/serve_client.py …` or
//! `msal serve -- node tests/serve-js/client.mjs …`, which report SHA-256 digests of the tokens
//! they got (never the tokens) and write the secret they were given to a file, for the tests to
//! look for in msal's output.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::support::http::{HttpRequest, HttpResponse};
use crate::support::idp::{Fault, FaultRule};
use crate::support::msal_python::token_sha256;
use crate::support::python::{INSTALL_COMMAND, interpreter};
use crate::support::users::{ALICE, CLIENT, UserFx};
use crate::support::{Msal, Run, Running};

/// The resource the SDKs ask for (as `https://graph.microsoft.com/.default`).
const RESOURCE: &str = "https://graph.microsoft.com";
/// The scope `msal silent` asks for to get the same token.
const RESOURCE_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The programs that use managed identity: `tests/cli/serve_client.py` (azure-identity and
/// MSAL Python) and `tests/serve-js/client.mjs` (`@azure/identity` for JavaScript).
#[derive(Clone, Copy, Debug)]
enum Program {
    Python,
    JavaScript,
}

/// What `.ci/run` does to install the JavaScript client.
const JS_INSTALL_COMMAND: &str = "npm ci --prefix tests/serve-js";

/// `msal serve … -- PROGRAM RESOURCE SECRET_FILE CLIENTS…`; returns the run, the program's
/// report, and the secret the program was given.
fn serve_program(
    fx: &UserFx,
    serve: Msal<'_>,
    program: Program,
    clients: &[&str],
) -> (Run, Value, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let secret_file = fx.env.root().join("files/identity-header");
    let serve = match program {
        Program::Python => serve
            .arg("--")
            .arg(interpreter())
            .arg(root.join("tests/cli/serve_client.py")),
        Program::JavaScript => {
            let dir = root.join("tests/serve-js");
            assert!(
                dir.join("node_modules/@azure/identity/package.json")
                    .is_file(),
                "@azure/identity is not installed: run `{JS_INSTALL_COMMAND}` in {} (.ci/run \
                 does this); it needs Node.js 20 or later",
                root.display()
            );
            serve.arg("--").arg("node").arg(dir.join("client.mjs"))
        }
    };
    let run = serve.arg(RESOURCE).arg(&secret_file).args(clients).run();
    run.assert_success();
    let report = run.stdout_json();
    let missing = report["results"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, result)| result["type"] == "ModuleNotFoundError");
    assert!(
        !missing,
        "{} lacks azure-identity or MSAL Python: install tests/requirements.txt (`{INSTALL_COMMAND}`); {report}",
        interpreter().display()
    );
    let secret = std::fs::read_to_string(&secret_file).expect("the program wrote its secret");
    assert_eq!(secret.len(), 43, "a 32-byte secret, base64url");
    (run, report, secret)
}

/// [`serve_program`] with Python.
fn serve_python(fx: &UserFx, serve: Msal<'_>, clients: &[&str]) -> (Run, Value, String) {
    serve_program(fx, serve, Program::Python, clients)
}

/// The secret and every token stay out of what msal printed (the program's report on stdout
/// holds digests only).
#[track_caller]
fn assert_nothing_leaked(fx: &UserFx, run: &Run, secret: &str) {
    run.assert_not_leaked(secret, "the IDENTITY_HEADER secret");
    fx.assert_no_secret_in(&run.stderr, "stderr");
    fx.assert_no_secret_in(&run.stdout, "stdout");
}

/// `msal silent --scope RESOURCE/.default`'s token, as a digest.
fn silent_digest(fx: &UserFx) -> String {
    let run = fx
        .msal("silent")
        .args(["--scope", RESOURCE_SCOPE, "-o", "token"])
        .run();
    run.assert_success();
    token_sha256(run.stdout.trim_end())
}

#[test]
fn azure_identity_python_and_javascript_and_msal_python_get_the_token_msal_silent_returns() {
    let fx = UserFx::new();
    fx.sign_in();
    fx.idp.clear_requests();
    let serve = fx
        .msal("serve")
        .arg("-vv")
        // Only loopback bypasses the sinkhole proxy, and only if msal serve says so: without
        // NO_PROXY, Python's requests sends loopback requests to HTTP_PROXY too.
        .env("NO_PROXY", "")
        .env("no_proxy", "")
        // Each would make an SDK ask another managed-identity source.
        .env("MSI_ENDPOINT", "http://127.0.0.1:9/msi")
        .env("MSI_SECRET", "s")
        .env("IDENTITY_SERVER_THUMBPRINT", "ab12")
        .env("IMDS_ENDPOINT", "http://127.0.0.1:9")
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9")
        // DefaultAzureCredential then asks for this user-assigned identity: served anyway.
        .env("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555");
    let (run, report, secret) = serve_python(&fx, serve, &["azure-mi", "azure-default", "msal-mi"]);

    let env = &report["env"];
    let endpoint = env["endpoint"].as_str().unwrap();
    assert!(
        endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with("/msi/token"),
        "{endpoint}"
    );
    assert_eq!(env["NO_PROXY"], "127.0.0.1,localhost");
    assert_eq!(env["no_proxy"], "127.0.0.1,localhost");
    assert_eq!(env["present"], serde_json::json!([]));

    let expected = silent_digest(&fx);
    for client in ["azure-mi", "azure-default", "msal-mi"] {
        let result = &report["results"][client];
        assert_eq!(result["ok"], true, "{client}: {result}");
        assert_eq!(result["sha256"], expected.as_str(), "{client}");
    }
    run.assert_stderr_has("token for https://graph.microsoft.com")
        .assert_stderr_has("client_id=11111111-2222-3333-4444-555555555555");
    assert_nothing_leaked(&fx, &run, &secret);

    // The JavaScript SDK, through the same sinkhole proxy.
    let serve = fx
        .msal("serve")
        .arg("-vv")
        .env("NO_PROXY", "")
        .env("no_proxy", "")
        .env("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555");
    let (run, report, secret) = serve_program(
        &fx,
        serve,
        Program::JavaScript,
        &["azure-mi", "azure-default"],
    );
    for client in ["azure-mi", "azure-default"] {
        let result = &report["results"][client];
        assert_eq!(result["ok"], true, "JavaScript {client}: {result}");
        assert_eq!(result["sha256"], expected.as_str(), "JavaScript {client}");
    }
    assert_nothing_leaked(&fx, &run, &secret);
    assert_eq!(
        fx.idp.token_requests().len(),
        1,
        "one refresh for the resource; the other clients and msal silent are served from the cache"
    );
}

#[test]
fn a_token_that_needs_a_new_sign_in_tells_the_program_to_run_msal_login() {
    let fx = UserFx::new();
    fx.sign_in();
    assert!(fx.idp.revoke_refresh_tokens(ALICE) > 0);
    let (run, report, secret) = serve_python(
        &fx,
        fx.msal("serve").arg("-v"),
        &["azure-mi", "azure-default", "msal-mi"],
    );
    for client in ["azure-mi", "azure-default", "msal-mi"] {
        let result = &report["results"][client];
        assert_eq!(result["ok"], false, "{client}: {result}");
        let message = result["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("msal login --scope https://graph.microsoft.com/.default")
                && message.contains("400"),
            "{client}: {message}"
        );
    }
    assert_nothing_leaked(&fx, &run, &secret);

    let (run, report, secret) = serve_program(
        &fx,
        fx.msal("serve"),
        Program::JavaScript,
        &["azure-mi", "azure-default"],
    );
    for client in ["azure-mi", "azure-default"] {
        let result = &report["results"][client];
        assert_eq!(result["ok"], false, "JavaScript {client}: {result}");
        let message = result["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("msal login --scope https://graph.microsoft.com/.default"),
            "JavaScript {client}: {message}"
        );
    }
    assert_nothing_leaked(&fx, &run, &secret);
}

#[test]
fn the_application_s_own_token_with_a_client_credential() {
    const APP: &str = "3a9c5e7f-1b2d-4c6e-8f0a-1b2c3d4e5f60";
    const APP_SECRET: &str = "Serve~app.SeCrEt_0123456789";
    let fx = UserFx::new();
    fx.idp.register_secret_client(APP, APP_SECRET);
    let secret_file = fx.env.write_file("client-secret", APP_SECRET);
    let app = |command: &str| {
        fx.env
            .msal()
            .args([command, "--authority", &fx.authority(), "--client-id", APP])
            .arg("--client-secret-file")
            .arg(&secret_file)
    };
    let (run, report, secret) = serve_python(&fx, app("serve"), &["azure-mi", "msal-mi"]);
    let cc = app("client-credentials")
        .args(["--scope", RESOURCE_SCOPE, "-o", "token"])
        .run();
    cc.assert_success();
    let expected = token_sha256(cc.stdout.trim_end());
    for client in ["azure-mi", "msal-mi"] {
        assert_eq!(
            report["results"][client]["sha256"],
            expected.as_str(),
            "{client}"
        );
    }
    assert_eq!(fx.idp.token_requests().len(), 1);
    run.assert_not_leaked(APP_SECRET, "the client secret");
    assert_nothing_leaked(&fx, &run, &secret);
}

/// A running `msal serve` without a command, and what it printed.
struct Daemon {
    running: Running,
    endpoint: String,
    secret: String,
    port: u16,
}

impl Daemon {
    fn start(serve: Msal<'_>) -> Self {
        let mut running = serve.spawn();
        let stdout = running.stdout_once_closed(Duration::from_secs(30));
        let lines: Vec<&str> = stdout.lines().collect();
        let value = |line: Option<&&str>, name: &str| -> String {
            let line = line.unwrap_or_else(|| panic!("no {name} line"));
            line.strip_prefix(&format!("export {name}='"))
                .and_then(|rest| rest.strip_suffix('\''))
                .unwrap_or_else(|| panic!("not an export line of {name}"))
                .to_owned()
        };
        assert_eq!(lines.len(), 2, "exactly two lines on stdout");
        let endpoint = value(lines.first(), "IDENTITY_ENDPOINT");
        let secret = value(lines.get(1), "IDENTITY_HEADER");
        let port = endpoint
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix("/msi/token"))
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("{endpoint} is not on 127.0.0.1"));
        assert!(
            secret.len() == 43
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "a 32-byte secret, base64url"
        );
        Self {
            running,
            endpoint,
            secret,
            port,
        }
    }

    fn get(&self, query: &str, header: Option<&str>) -> HttpResponse {
        let mut request = HttpRequest::get(&format!("{}?{query}", self.endpoint));
        if let Some(header) = header {
            request = request.header("X-IDENTITY-HEADER", header);
        }
        request.send().expect("msal serve answers")
    }

    fn token(&self, resource: &str) -> HttpResponse {
        self.get(
            &format!("api-version=2019-08-01&resource={resource}"),
            Some(&self.secret),
        )
    }
}

#[test]
fn the_daemon_prints_two_lines_refuses_a_wrong_header_and_stops_cleanly_on_sigterm() {
    let fx = UserFx::new();
    fx.sign_in();
    let daemon = Daemon::start(fx.msal("serve").args([
        "-v",
        "--allow-resource",
        "https://graph.microsoft.com/",
    ]));
    let good = daemon.token(RESOURCE);
    assert_eq!(good.status, 200, "{}", good.text());
    let body = good.json();
    assert_eq!(
        token_sha256(body["access_token"].as_str().unwrap()),
        silent_digest(&fx)
    );
    assert!(
        body["expires_on"]
            .as_str()
            .is_some_and(|s| s.parse::<u64>().is_ok()),
        "expires_on is epoch seconds as a string"
    );
    assert_eq!(body["resource"], RESOURCE);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["client_id"], CLIENT);
    assert_eq!(good.header("cache-control"), Some("no-store"));

    let query = format!("api-version=2019-08-01&resource={RESOURCE}");
    let wrong = daemon.get(&query, Some(&daemon.secret[1..]));
    let missing = daemon.get(&query, None);
    let elsewhere = daemon.token("https://vault.azure.net");
    let no_version = daemon.get(&format!("resource={RESOURCE}"), Some(&daemon.secret));
    for (answer, status) in [
        (&wrong, 401),
        (&missing, 401),
        (&elsewhere, 403),
        (&no_version, 400),
    ] {
        assert_eq!(answer.status, status, "{}", answer.text());
        assert_eq!(answer.json()["statusCode"], status);
        assert!(
            answer.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    assert!(
        std::net::TcpStream::connect(("::1", daemon.port)).is_err(),
        "127.0.0.1 only"
    );

    let port = daemon.port;
    daemon.running.signal("TERM");
    let run = daemon.running.wait();
    run.assert_success();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the port is closed"
    );
    run.assert_stderr_has("200").assert_stderr_has("401");
    run.assert_not_leaked(&daemon.secret, "the IDENTITY_HEADER secret");
    fx.assert_no_secret_in(&run.stderr, "stderr");
}

#[test]
fn ctrl_c_stops_the_daemon_with_130() {
    let fx = UserFx::new();
    let daemon = Daemon::start(fx.msal("serve"));
    daemon.running.signal("INT");
    let run = daemon.running.wait();
    run.assert_code(130);
    assert!(!run.stderr_has("error:"), "{}", run.stderr);
}

#[test]
fn fifty_concurrent_requests_make_one_refresh() {
    let fx = UserFx::new();
    fx.sign_in();
    fx.idp.clear_requests();
    // The refresh takes long enough that all fifty requests arrive while it is under way.
    fx.idp.inject(FaultRule::new(
        "/oauth2/v2.0/token",
        Fault::Delay(Duration::from_millis(700)),
    ));
    let daemon = Daemon::start(fx.msal("serve"));
    let answers: Vec<HttpResponse> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..50)
            .map(|_| scope.spawn(|| daemon.token(RESOURCE)))
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let digests: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 200, "{}", a.text());
            token_sha256(a.json()["access_token"].as_str().unwrap())
        })
        .collect();
    assert_eq!(fx.idp.token_requests().len(), 1, "one refresh");
    assert_eq!(digests.len(), 1, "one token for all");
    assert_eq!(digests.first(), Some(&silent_digest(&fx)));
    assert_eq!(fx.idp.token_requests().len(), 1);
    daemon.running.signal("TERM");
    daemon.running.wait().assert_success();
}

/// `msal serve -- sh -c SCRIPT`.
fn serve_sh<'a>(fx: &'a UserFx, script: &str) -> Msal<'a> {
    fx.msal("serve").args(["--", "sh", "-c", script])
}

#[test]
fn the_command_s_exit_status_is_passed_on() {
    let fx = UserFx::new();
    serve_sh(&fx, "exit 7").run().assert_code(7);
    serve_sh(&fx, "kill -KILL $$").run().assert_code(128 + 9);
    serve_sh(&fx, "kill -TERM $$").run().assert_code(128 + 15);
    serve_sh(
        &fx,
        "test -n \"$IDENTITY_ENDPOINT\" && test -n \"$IDENTITY_HEADER\"",
    )
    .run()
    .assert_success();
    let missing = fx.msal("serve").args(["--", "/nonexistent/program"]).run();
    missing.assert_code(127).assert_stderr_has("cannot run");
}

#[test]
fn sigterm_and_sighup_reach_the_command_and_sigint_alone_does_not_stop_msal() {
    let fx = UserFx::new();
    for (signal, code) in [("TERM", 42), ("HUP", 43)] {
        let mut running = serve_sh(
            &fx,
            "trap 'exit 42' TERM; trap 'exit 43' HUP; trap 'exit 44' INT; echo ready >&2; \
             while :; do sleep 0.05; done",
        )
        .spawn();
        running.wait_for_stderr("ready", Duration::from_secs(30));
        // A SIGINT sent to msal alone (a terminal's reaches the whole group): msal waits on.
        running.signal("INT");
        std::thread::sleep(Duration::from_millis(300));
        assert!(!running.has_exited(), "SIGINT to msal alone stops neither");
        running.signal(signal);
        running.wait().assert_code(code);
    }
}

#[test]
fn the_host_s_managed_identity_is_relayed() {
    use crate::support::managed_identity::{MiEndpoint, Platform};
    let fx = UserFx::new();
    let imds = MiEndpoint::start(Platform::Imds);
    let mut serve = fx.env.msal().args(["serve", "--managed-identity"]);
    for (name, value) in imds.env() {
        serve = serve.env(name, value);
    }
    let daemon = Daemon::start(serve);
    for _ in 0..2 {
        let answer = daemon.token("https://vault.azure.net");
        assert_eq!(answer.status, 200);
        let json: Value = serde_json::from_slice(&answer.body).expect("JSON");
        assert!(json["access_token"] == imds.last_token().as_str());
        assert_eq!(json["resource"], "https://vault.azure.net");
    }
    assert_eq!(
        imds.requests().len(),
        1,
        "the second answer came from the cache"
    );
    let run = daemon.running.kill();
    run.assert_not_leaked(&imds.last_token(), "the managed identity's token");
}

//! `msal client-credentials` end to end: the real binary against the test identity provider.
//! Assertions are about what a user sees: exit code, stdout, stderr, files, and what the
//! identity provider received. Token values are never printed.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::support::certs::{TestCert, fake_jwt, jwt_parts};
use crate::support::fixture::{CLIENT, Fixture, SCOPE, SECRET};
use crate::support::idp::{
    CONTOSO_DOMAIN, CONTOSO_TENANT_ID, Fault, FaultRule, JWT_BEARER_ASSERTION_TYPE, Response,
    TestIdp, now_secs,
};
use crate::support::{Run, TestEnv};

const LIFETIME: u64 = 3599;

#[track_caller]
fn assert_token_stdout(run: &Run, token: &str) {
    run.assert_success()
        .assert_stdout_eq(&format!("{token}\n"), "the issued token and a newline");
}

/// The assertion (header, claims) the IdP received in the last token request.
fn received_assertion(fx: &Fixture) -> (Value, Value) {
    let req = fx.last_token_request();
    assert_eq!(
        req.form("client_assertion_type"),
        Some(JWT_BEARER_ASSERTION_TYPE)
    );
    assert!(
        req.form("client_secret").is_none(),
        "no secret with an assertion"
    );
    jwt_parts(req.form("client_assertion").expect("a client_assertion"))
}

// ----- credentials -----------------------------------------------------------------------------

#[test]
fn secret_from_file() {
    let fx = Fixture::new();
    let run = fx.cc().args(["-o", "token"]).run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(SECRET, "the client secret");
    assert_eq!(fx.idp.issued_access_tokens().len(), 1);
    let req = fx.last_token_request();
    assert_eq!(
        req.path,
        format!("/{CONTOSO_TENANT_ID}/oauth2/v2.0/token"),
        "the discovered (GUID) token endpoint is used"
    );
    assert_eq!(req.form("grant_type"), Some("client_credentials"));
    assert_eq!(req.form("client_id"), Some(CLIENT));
    assert_eq!(req.form("scope"), Some(SCOPE));
    assert!(
        req.form("client_secret") == Some(SECRET),
        "the secret from the file (trailing newline removed) is sent"
    );
}

#[test]
fn secret_from_stdin() {
    let fx = Fixture::new();
    let run = fx
        .cc_without_credential()
        .args(["--client-secret-file", "-", "-o", "token"])
        .stdin(format!("{SECRET}\n"))
        .run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(SECRET, "the client secret");
    assert!(fx.last_token_request().form("client_secret") == Some(SECRET));
}

#[test]
fn secret_from_environment() {
    let fx = Fixture::new();
    let run = fx
        .cc_without_credential()
        .args(["-o", "token"])
        .env("AZURE_CLIENT_SECRET", SECRET)
        .run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(SECRET, "the client secret");
    assert!(fx.last_token_request().form("client_secret") == Some(SECRET));
}

#[test]
fn secret_flag_works_but_warns_about_the_process_list() {
    let fx = Fixture::new();
    let run = fx
        .cc_without_credential()
        .args(["--client-secret", SECRET, "-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(SECRET, "the client secret");
    run.assert_stderr_has("process");
    assert!(fx.last_token_request().form("client_secret") == Some(SECRET));
}

#[test]
fn verbose_output_never_shows_the_secret_or_the_token() {
    let fx = Fixture::new();
    let run = fx
        .cc_without_credential()
        .args(["-v", "-o", "token"])
        .env("AZURE_CLIENT_SECRET", SECRET)
        .run();
    run.assert_success();
    let token = fx.last_token();
    run.assert_not_leaked(SECRET, "the client secret");
    assert!(
        !run.stderr.contains(&token),
        "the access token appears on stderr with -v"
    );
}

#[test]
fn pem_certificate_signs_a_ps256_assertion_with_x5t_s256() {
    let fx = Fixture::new();
    let cert = TestCert::shared();
    fx.idp
        .register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let pem = fx.env.write_file("client.pem", cert.pem_bundle());
    let run = fx
        .cc_without_credential()
        .arg("--certificate")
        .arg(&pem)
        .args(["-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());
    let (header, claims) = received_assertion(&fx);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(
        header["x5t#S256"].as_str().map(|t| t.trim_end_matches('=')),
        Some(cert.x5t_s256().as_str())
    );
    assert!(header.get("x5c").is_none(), "no x5c unless asked for");
    assert_eq!(claims["aud"], fx.token_endpoint());
    assert_eq!(claims["iss"], CLIENT);
    assert_eq!(claims["sub"], CLIENT);
    run.assert_not_leaked(&cert.key_pem[40..120], "the private key");
}

#[test]
fn pfx_certificate_with_password_file() {
    let fx = Fixture::new();
    let cert = TestCert::shared();
    fx.idp
        .register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let password = "pfx-Pa55word!";
    let pfx = fx.env.write_file("client.pfx", cert.pfx(password));
    let pw = fx.env.write_file("pfx-password", format!("{password}\n"));
    let run = fx
        .cc_without_credential()
        .arg("--certificate")
        .arg(&pfx)
        .arg("--certificate-password-file")
        .arg(&pw)
        .args(["-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(password, "the PFX password");
    let (header, _) = received_assertion(&fx);
    assert_eq!(header["alg"], "PS256");
}

#[test]
fn pfx_certificate_from_environment() {
    let fx = Fixture::new();
    let cert = TestCert::shared();
    fx.idp
        .register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let password = "env-pfx-pass";
    let pfx = fx.env.write_file("client.pfx", cert.pfx(password));
    let run = fx
        .cc_without_credential()
        .args(["-o", "token"])
        .env("AZURE_CLIENT_CERTIFICATE_PATH", &pfx)
        .env("AZURE_CLIENT_CERTIFICATE_PASSWORD", password)
        .run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(password, "the PFX password");
    received_assertion(&fx);
}

#[test]
fn wrong_pfx_password_fails_without_a_request() {
    let fx = Fixture::new();
    let cert = TestCert::shared();
    fx.idp
        .register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let pfx = fx.env.write_file("client.pfx", cert.pfx("right-password"));
    let pw = fx.env.write_file("pfx-password", "wrong-password");
    fx.cc().run().assert_success(); // control: the fixture itself works
    let run = fx
        .cc_without_credential()
        .arg("--certificate")
        .arg(&pfx)
        .arg("--certificate-password-file")
        .arg(&pw)
        .args(["--force-refresh", "-o", "token"])
        .run();
    run.assert_code(1);
    run.assert_not_leaked("wrong-password", "the PFX password");
    assert_eq!(
        fx.idp.token_requests().len(),
        1,
        "only the control run's request"
    );
}

#[test]
fn send_certificate_chain_puts_x5c_in_the_assertion() {
    let fx = Fixture::new();
    let cert = TestCert::shared();
    fx.idp
        .register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let pem = fx.env.write_file("client.pem", cert.pem_bundle());

    let run = fx
        .cc_without_credential()
        .arg("--certificate")
        .arg(&pem)
        .args(["--send-certificate-chain", "-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());
    let (header, _) = received_assertion(&fx);
    assert_eq!(header["x5c"][0].as_str(), Some(cert.x5c_entry().as_str()));

    let run = fx
        .cc_without_credential()
        .arg("--certificate")
        .arg(&pem)
        .args(["--force-refresh", "-o", "token"])
        .env("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true")
        .run();
    assert_token_stdout(&run, &fx.last_token());
    let (header, _) = received_assertion(&fx);
    assert_eq!(header["x5c"][0].as_str(), Some(cert.x5c_entry().as_str()));
}

#[test]
fn client_assertion_file() {
    let fx = Fixture::new();
    let assertion = fake_jwt(
        &json!({"sub": "system:serviceaccount:ns:sa", "aud": "api://AzureADTokenExchange"}),
    );
    fx.idp.register_federated_client(CLIENT, &assertion);
    let file = fx.env.write_file("assertion.jwt", &assertion);
    let run = fx
        .cc_without_credential()
        .arg("--client-assertion-file")
        .arg(&file)
        .args(["-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(&assertion, "the client assertion");
    let req = fx.last_token_request();
    assert_eq!(
        req.form("client_assertion_type"),
        Some(JWT_BEARER_ASSERTION_TYPE)
    );
    assert!(req.form("client_assertion") == Some(assertion.as_str()));
}

#[test]
fn federated_token_file_is_reread_on_every_request() {
    let fx = Fixture::new();
    let first = fake_jwt(&json!({"sub": "workload", "n": 1}));
    let second = fake_jwt(&json!({"sub": "workload", "n": 2}));
    let file = fx.env.write_file("federated-token", &first);
    fx.idp.register_federated_client(CLIENT, &first);
    let run = fx
        .cc_without_credential()
        .arg("--federated-token-file")
        .arg(&file)
        .args(["--force-refresh", "-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());

    // The platform rotates the projected token; the IdP now accepts only the new one.
    crate::support::write_private(&file, second.as_bytes());
    fx.idp.register_federated_client(CLIENT, &second);
    let run = fx
        .cc_without_credential()
        .arg("--federated-token-file")
        .arg(&file)
        .args(["--force-refresh", "-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());
    let reqs = fx.idp.token_requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[0].form("client_assertion") == Some(first.as_str()));
    assert!(
        reqs[1].form("client_assertion") == Some(second.as_str()),
        "the second request carries the rotated token"
    );
}

#[test]
fn workload_identity_environment_variables() {
    // What AKS workload identity injects: client id, tenant, authority host, token file.
    let fx = Fixture::new();
    let assertion = fake_jwt(&json!({"sub": "system:serviceaccount:default:app"}));
    fx.idp.register_federated_client(CLIENT, &assertion);
    let file = fx.env.write_file("azure-identity-token", &assertion);
    let run = fx
        .env
        .msal()
        .args(["client-credentials", "--scope", SCOPE, "-o", "token"])
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_TENANT_ID", CONTOSO_DOMAIN)
        .env("AZURE_AUTHORITY_HOST", format!("{}/", fx.idp.base_url()))
        .env("AZURE_FEDERATED_TOKEN_FILE", &file)
        .run();
    assert_token_stdout(&run, &fx.last_token());
    let req = fx.last_token_request();
    assert_eq!(req.path, format!("/{CONTOSO_TENANT_ID}/oauth2/v2.0/token"));
    assert!(req.form("client_assertion") == Some(assertion.as_str()));
}

#[test]
fn github_oidc_token_is_fetched_and_used_as_the_assertion() {
    let fx = Fixture::new();
    let gh_jwt = fake_jwt(&json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:octo/app:ref:refs/heads/main",
        "aud": "api://AzureADTokenExchange",
    }));
    fx.idp.register_federated_client(CLIENT, &gh_jwt);
    let value = gh_jwt.clone();
    fx.idp
        .add_route("GET", "/_apis/pipelines/idtoken", move |_| {
            Response::json(200, &json!({"count": 1, "value": value}))
        });
    let request_token = "gh-runtime-request-token-1234";
    let run = fx
        .cc_without_credential()
        .args(["--github-oidc", "-o", "token"])
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            format!(
                "{}/_apis/pipelines/idtoken?api-version=2.0",
                fx.idp.base_url()
            ),
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)
        .run();
    assert_token_stdout(&run, &fx.last_token());
    run.assert_not_leaked(request_token, "the GitHub request token");
    run.assert_not_leaked(&gh_jwt, "the GitHub OIDC token");

    let gh = fx.idp.requests_to("/_apis/pipelines/idtoken");
    assert_eq!(gh.len(), 1, "one OIDC token request");
    assert_eq!(gh[0].method, "GET");
    assert_eq!(gh[0].query("audience"), Some("api://AzureADTokenExchange"));
    assert_eq!(
        gh[0].query("api-version"),
        Some("2.0"),
        "the URL's own query is kept"
    );
    assert!(
        gh[0].header("authorization") == Some(&format!("Bearer {request_token}")),
        "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN"
    );
    let req = fx.last_token_request();
    assert_eq!(
        req.form("client_assertion_type"),
        Some(JWT_BEARER_ASSERTION_TYPE)
    );
    assert!(req.form("client_assertion") == Some(gh_jwt.as_str()));
}

#[test]
fn claims_are_forwarded() {
    let fx = Fixture::new();
    let claims = r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#;
    let run = fx.cc().args(["--claims", claims, "-o", "token"]).run();
    assert_token_stdout(&run, &fx.last_token());
    assert_eq!(fx.last_token_request().form("claims"), Some(claims));
}

#[test]
fn global_options_before_the_subcommand() {
    let fx = Fixture::new();
    let secret = fx.secret_file();
    let run = fx
        .env
        .msal()
        .args([
            "--authority",
            &fx.authority(),
            "--client-id",
            CLIENT,
            "-o",
            "token",
            "client-credentials",
            "--scope",
            SCOPE,
            "--client-secret-file",
        ])
        .arg(&secret)
        .run();
    assert_token_stdout(&run, &fx.last_token());
}

#[test]
fn client_id_and_authority_from_msal_environment_variables() {
    let fx = Fixture::new();
    let secret = fx.secret_file();
    let run = fx
        .env
        .msal()
        .args(["client-credentials", "--scope", SCOPE, "-o", "token"])
        .arg("--client-secret-file")
        .arg(&secret)
        .env("MSAL_CLIENT_ID", CLIENT)
        .env("MSAL_AUTHORITY", fx.authority())
        .run();
    assert_token_stdout(&run, &fx.last_token());
}

#[test]
fn tls_authority_with_ca_cert() {
    let idp = TestIdp::start_tls();
    idp.register_secret_client(CLIENT, SECRET);
    let env = TestEnv::new();
    let secret = env.write_file("client-secret", SECRET);
    let args = || {
        env.msal()
            .args([
                "client-credentials",
                "--authority",
                &idp.authority(CONTOSO_DOMAIN),
                "--client-id",
                CLIENT,
                "--scope",
                SCOPE,
                "-o",
                "token",
            ])
            .arg("--client-secret-file")
            .arg(&secret)
    };
    // Not trusted without the CA: no HTTP request gets through the handshake.
    let run = args().run();
    run.assert_code(1);
    assert_eq!(idp.request_count(), 0);
    assert!(run.stdout.is_empty());
    // The hint names the host and the fix, not the network in general.
    let host = idp
        .base_url()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    let hint = run
        .stderr
        .lines()
        .find(|l| l.starts_with("hint:"))
        .unwrap_or_else(|| panic!("a hint: {}", run.stderr));
    assert!(
        hint.contains(&format!(
            "{host} presented a certificate this machine does not trust"
        )) && hint.contains("--ca-cert")
            && hint.contains("SSL_CERT_FILE"),
        "{hint}"
    );
    assert!(!run.stderr.contains("HTTPS_PROXY"), "{}", run.stderr);

    // Both fixes the hint offers work.
    let run = args().arg("--ca-cert").arg(idp.ca_cert_path()).run();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", idp.issued_access_tokens()[0]),
        "the issued token",
    );
    let run = args()
        .args(["--force-refresh"])
        .env("SSL_CERT_FILE", idp.ca_cert_path())
        .run();
    run.assert_success();
}

// ----- outputs ---------------------------------------------------------------------------------

/// Run with `-o fmt` against a fresh IdP; returns (run, issued token, time window of the run).
fn fresh_run(fmt: &str, extra_env: &[(&str, &str)]) -> (Fixture, Run, String, u64, u64) {
    let fx = Fixture::new();
    let before = now_secs();
    let mut cmd = fx.cc().args(["-o", fmt]);
    for (k, v) in extra_env {
        cmd = cmd.env(k, v);
    }
    let run = cmd.run();
    let after = now_secs();
    run.assert_success();
    let token = fx.last_token();
    assert_eq!(fx.idp.issued_access_tokens().len(), 1);
    (fx, run, token, before, after)
}

#[track_caller]
fn assert_expiry(expires_on: u64, before: u64, after: u64) {
    assert!(
        expires_on + 5 >= before + LIFETIME && expires_on <= after + LIFETIME + 5,
        "expires_on {expires_on} is not now + {LIFETIME} (run between {before} and {after})"
    );
}

#[test]
fn output_token() {
    let (_fx, run, token, ..) = fresh_run("token", &[]);
    assert_token_stdout(&run, &token);
}

#[test]
fn output_header() {
    let (_fx, run, token, ..) = fresh_run("header", &[]);
    run.assert_stdout_eq(
        &format!("Authorization: Bearer {token}\n"),
        "an Authorization header line",
    );
}

#[test]
fn output_json() {
    let (fx, run, token, before, after) = fresh_run("json", &[]);
    let out = run.stdout_json();
    assert!(
        out["access_token"] == token.as_str(),
        "json access_token is the issued token"
    );
    assert_eq!(out["token_type"], "Bearer");
    assert_eq!(out["scope"], SCOPE);
    assert_eq!(out["token_source"], "identity_provider");
    let expires_on = out["expires_on"]
        .as_u64()
        .expect("expires_on is an integer");
    assert_expiry(expires_on, before, after);
    let expires_in = out["expires_in"]
        .as_u64()
        .expect("expires_in is an integer");
    assert!(
        expires_in <= LIFETIME && expires_in + 60 >= LIFETIME,
        "expires_in {expires_in}"
    );

    // The same token from the cache says so, with no request at all.
    fx.idp.clear_requests();
    let run = fx.cc().args(["-o", "json"]).run();
    run.assert_success();
    let out = run.stdout_json();
    assert!(
        out["access_token"] == token.as_str(),
        "cached token is the issued token"
    );
    assert_eq!(out["token_source"], "cache");
    assert_eq!(out["expires_on"].as_u64(), Some(expires_on));
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn output_env() {
    let (_fx, run, token, before, after) = fresh_run("env", &[]);
    run.assert_success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "three export lines");
    assert!(
        lines.contains(&format!("export MSAL_ACCESS_TOKEN='{token}'").as_str()),
        "export MSAL_ACCESS_TOKEN='<the issued token>'"
    );
    assert!(lines.contains(&"export MSAL_TOKEN_TYPE='Bearer'"));
    let expires_on: u64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("export MSAL_EXPIRES_ON='"))
        .and_then(|v| v.strip_suffix('\''))
        .and_then(|v| v.parse().ok())
        .expect("export MSAL_EXPIRES_ON='<epoch>'");
    assert_expiry(expires_on, before, after);
}

#[test]
fn output_az() {
    let (_fx, run, token, before, after) = fresh_run("az", &[("TZ", "UTC")]);
    let out = run.stdout_json();
    assert!(
        out["accessToken"] == token.as_str(),
        "accessToken is the issued token"
    );
    assert_eq!(out["tokenType"], "Bearer");
    assert_eq!(out["tenant"], CONTOSO_TENANT_ID);
    let expires_on = out["expires_on"]
        .as_u64()
        .expect("expires_on is an integer");
    assert_expiry(expires_on, before, after);
    // "YYYY-MM-DD HH:MM:SS.ffffff" in local time (UTC here).
    let expected = OffsetDateTime::from_unix_timestamp(i64::try_from(expires_on).unwrap())
        .unwrap()
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]."
        ))
        .unwrap();
    let shown = out["expiresOn"].as_str().expect("expiresOn is a string");
    assert!(
        shown.starts_with(&expected)
            && shown.len() == expected.len() + 6
            && shown[expected.len()..].bytes().all(|b| b.is_ascii_digit()),
        "expiresOn {shown:?} is not {expected}ffffff"
    );
}

#[test]
fn output_exec_credential() {
    let (_fx, run, token, before, after) = fresh_run("exec-credential", &[]);
    let out = run.stdout_json();
    assert_eq!(out["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(out["kind"], "ExecCredential");
    assert!(
        out["status"]["token"] == token.as_str(),
        "status.token is the issued token"
    );
    let ts = out["status"]["expirationTimestamp"]
        .as_str()
        .expect("status.expirationTimestamp");
    let epoch = parse_rfc3339_utc(ts).unwrap_or_else(|| panic!("not RFC 3339 UTC: {ts}"));
    assert_expiry(epoch, before, after);
}

#[test]
fn output_none() {
    let (fx, run, token, ..) = fresh_run("none", &[]);
    assert!(run.stdout.is_empty(), "-o none prints nothing on stdout");
    // The token was still acquired and cached.
    let cache = fx.env.read_cache_json();
    let found = cache["AccessToken"]
        .as_object()
        .is_some_and(|m| m.values().any(|e| e["secret"] == token.as_str()));
    assert!(found, "the token is in the cache");
}

/// `YYYY-MM-DDTHH:MM:SSZ` (optional fraction) to epoch seconds: RFC 3339 in UTC, else `None`.
fn parse_rfc3339_utc(s: &str) -> Option<u64> {
    let at = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    if !s.ends_with('Z') {
        return None;
    }
    u64::try_from(at.unix_timestamp()).ok()
}

// ----- cache -----------------------------------------------------------------------------------

#[test]
fn second_call_is_served_from_the_cache_without_any_request() {
    let fx = Fixture::new();
    fx.warm_cache();
    let token = fx.last_token();
    let run = fx.cc().args(["-o", "token"]).run();
    assert_token_stdout(&run, &token);
    assert_eq!(
        fx.idp.request_count(),
        0,
        "a warm run needs no discovery and no token request"
    );
    assert_eq!(fx.idp.issued_access_tokens().len(), 1);
}

#[test]
fn force_refresh_makes_exactly_one_request() {
    let fx = Fixture::new();
    fx.warm_cache();
    let old = fx.last_token();
    let run = fx.cc().args(["--force-refresh", "-o", "token"]).run();
    let new = fx.last_token();
    assert!(old != new, "a new token was issued");
    assert_token_stdout(&run, &new);
    let reqs = fx.idp.requests();
    assert_eq!(
        reqs.len(),
        1,
        "discovery is cached: only the token request ({reqs:?})"
    );
    assert!(reqs[0].is_token_request());
    // The cache now serves the new token.
    fx.idp.clear_requests();
    assert_token_stdout(&fx.cc().args(["-o", "token"]).run(), &new);
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn a_token_with_less_than_five_minutes_left_is_not_served_from_the_cache() {
    let fx = Fixture::new();
    fx.idp.set_access_token_lifetime(240);
    fx.warm_cache();
    let old = fx.last_token();
    fx.idp.set_access_token_lifetime(LIFETIME);
    let run = fx.cc().args(["-o", "token"]).run();
    let new = fx.last_token();
    assert!(old != new, "a new token was issued");
    assert_token_stdout(&run, &new);
    assert_eq!(fx.idp.token_requests().len(), 1);
}

#[test]
fn no_cache_neither_writes_nor_reads_the_cache() {
    let fx = Fixture::new();
    let run = fx.cc().args(["--no-cache", "-o", "token"]).run();
    assert_token_stdout(&run, &fx.last_token());
    assert!(
        !fx.env.cache_path().exists(),
        "--no-cache leaves no cache file"
    );

    let before = fx.warm_cache();
    let run = fx.cc().args(["--no-cache", "-o", "token"]).run();
    assert_token_stdout(&run, &fx.last_token());
    assert_eq!(
        fx.idp.token_requests().len(),
        1,
        "--no-cache asks the IdP even with a cached token"
    );
    assert!(
        fx.env.cache_bytes() == before,
        "--no-cache leaves the existing cache untouched"
    );
}

#[test]
fn cache_file_is_private_and_msal_shaped() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let before = now_secs();
    fx.warm_cache();
    let after = now_secs();
    let token = fx.last_token();
    let mode = std::fs::metadata(fx.env.cache_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "cache file mode {:o}", mode & 0o777);

    let cache = fx.env.read_cache_json();
    let ats = cache["AccessToken"]
        .as_object()
        .expect("an AccessToken section");
    assert_eq!(ats.len(), 1);
    let key = format!("-127.0.0.1-accesstoken-{CLIENT}-{CONTOSO_TENANT_ID}-{SCOPE}").to_lowercase();
    let entry = ats
        .get(&key)
        .unwrap_or_else(|| panic!("no AccessToken entry {key}; keys: {:?}", ats.keys()));
    assert!(
        entry["secret"] == token.as_str(),
        "the entry's secret is the issued token"
    );
    assert_eq!(entry["credential_type"], "AccessToken");
    assert_eq!(entry.get("home_account_id"), Some(&Value::Null));
    assert_eq!(entry["environment"], "127.0.0.1");
    assert_eq!(entry["realm"], CONTOSO_TENANT_ID);
    assert_eq!(entry["client_id"], CLIENT);
    assert_eq!(entry["target"], SCOPE);
    let num = |field: &str| -> u64 {
        entry[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} is a string"))
            .parse()
            .unwrap_or_else(|_| panic!("{field} is epoch seconds"))
    };
    assert_expiry(num("expires_on"), before, after);
    let cached_at = num("cached_at");
    assert!(
        cached_at >= before && cached_at <= after + 1,
        "cached_at {cached_at}"
    );
    assert!(num("extended_expires_on") >= num("expires_on"));
    for section in ["RefreshToken", "IdToken", "Account"] {
        assert!(
            cache[section].as_object().is_none_or(|m| m.is_empty()),
            "no {section} entries for an app token"
        );
    }
}

#[test]
fn cache_option_and_environment_choose_the_file() {
    let fx = Fixture::new();
    let custom = fx.env.root().join("files").join("custom-cache.json");
    let run = fx
        .cc()
        .arg("--cache")
        .arg(&custom)
        .args(["-o", "token"])
        .run();
    assert_token_stdout(&run, &fx.last_token());
    assert!(custom.exists(), "--cache PATH is written");
    assert!(!fx.env.cache_path().exists(), "the default cache is not");

    let from_env = fx.env.root().join("files").join("env-cache.json");
    let run = fx
        .cc()
        .args(["-o", "token"])
        .env("MSAL_CACHE", &from_env)
        .run();
    run.assert_success();
    assert!(from_env.exists(), "MSAL_CACHE is written");
    assert!(!fx.env.cache_path().exists(), "the default cache is not");
}

#[test]
fn concurrent_processes_lose_no_token() {
    const N: usize = 24;
    let fx = Fixture::new();
    let scopes: Vec<String> = (0..N)
        .map(|i| format!("api://app-{i:02}/.default"))
        .collect();
    let running: Vec<_> = scopes
        .iter()
        .map(|s| fx.cc_scope(s).args(["-o", "token"]).spawn())
        .collect();
    let runs: Vec<Run> = running.into_iter().map(|r| r.wait()).collect();
    let issued = fx.idp.issued_tokens();
    for (scope, run) in scopes.iter().zip(&runs) {
        run.assert_success();
        let token = issued
            .iter()
            .find(|t| &t.scope == scope)
            .unwrap_or_else(|| panic!("no token issued for {scope}"));
        run.assert_stdout_eq(&format!("{}\n", token.access_token), "its scope's token");
    }
    let cache = fx.env.read_cache_json();
    let ats = cache["AccessToken"]
        .as_object()
        .expect("AccessToken section");
    assert_eq!(ats.len(), N, "one AccessToken entry per process");
    let mut targets: Vec<&str> = ats.values().filter_map(|e| e["target"].as_str()).collect();
    targets.sort_unstable();
    assert_eq!(
        targets,
        scopes.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

// ----- OAuth errors ----------------------------------------------------------------------------

#[test]
fn wrong_secret_exits_4_naming_the_error_code_and_correlation_id() {
    let fx = Fixture::new();
    let wrong = "Wr0ng~secret.value-for-this-test";
    let file = fx.env.write_file("wrong-secret", wrong);
    let run = fx
        .cc_without_credential()
        .arg("--client-secret-file")
        .arg(&file)
        .args(["-o", "token"])
        .run();
    run.assert_code(4)
        .assert_stderr_has("invalid_client")
        .assert_stderr_has("AADSTS7000215");
    let errors = fx.idp.issued_errors();
    assert_eq!(errors.len(), 1);
    run.assert_stderr_has(&errors[0].correlation_id);
    run.assert_not_leaked(wrong, "the wrong secret");
    run.assert_not_leaked(SECRET, "the registered secret");
    assert!(run.stdout.is_empty());
    assert!(
        !fx.env.cache_path().exists()
            || fx.env.read_cache_json()["AccessToken"]
                .as_object()
                .is_none_or(|m| m.is_empty())
    );
}

#[test]
fn invalid_scope_exits_4() {
    let fx = Fixture::new();
    let run = fx.cc_scope("api://x/read").args(["-o", "token"]).run();
    run.assert_code(4)
        .assert_stderr_has("invalid_scope")
        .assert_stderr_has("AADSTS1002012");
    assert!(run.stdout.is_empty());
    assert_eq!(
        fx.idp.token_requests().len(),
        1,
        "an OAuth error is not retried"
    );
}

#[test]
fn unknown_client_exits_4() {
    let fx = Fixture::new();
    let file = fx.secret_file();
    let run = fx
        .env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            &fx.authority(),
            "--client-id",
            "00000000-1111-4222-8333-444444444444",
            "--scope",
            SCOPE,
            "--client-secret-file",
        ])
        .arg(&file)
        .run();
    run.assert_code(4)
        .assert_stderr_has("unauthorized_client")
        .assert_stderr_has("AADSTS700016");
    run.assert_not_leaked(SECRET, "the client secret");
}

// ----- faults ----------------------------------------------------------------------------------

const TOKEN_PATH: &str = "/oauth2/v2.0/token";
const OTHER_SCOPE: &str = "api://other/.default";

/// Warm the cache, inject `rules`, ask for another scope; return the run and the cache bytes from
/// before.
fn run_with_faults(fx: &Fixture, rules: Vec<FaultRule>, extra: &[&str]) -> (Run, Vec<u8>) {
    let before = fx.warm_cache();
    for rule in rules {
        fx.idp.inject(rule);
    }
    let run = fx
        .cc_scope(OTHER_SCOPE)
        .args(["-o", "token"])
        .args(extra.iter().copied())
        .run();
    (run, before)
}

#[track_caller]
fn assert_failed_untouched(fx: &Fixture, run: &Run, cache_before: &[u8]) {
    run.assert_code(1);
    assert!(run.stdout.is_empty(), "nothing on stdout on failure");
    assert!(
        fx.env.cache_bytes() == cache_before,
        "the cache file is byte-identical after the failure"
    );
    run.assert_not_leaked(SECRET, "the client secret");
}

#[test]
fn one_503_is_retried() {
    let fx = Fixture::new();
    let (run, _) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Status(503))],
        &[],
    );
    assert_token_stdout(&run, &fx.last_token());
    assert_eq!(fx.idp.token_requests().len(), 2);
}

#[test]
fn two_503s_fail_after_one_retry() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Status(503)).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert_eq!(fx.idp.token_requests().len(), 2, "exactly one retry");
}

#[test]
fn short_retry_after_429_is_waited_for() {
    let fx = Fixture::new();
    let (run, _) = run_with_faults(
        &fx,
        vec![FaultRule::new(
            TOKEN_PATH,
            Fault::TooManyRequests {
                retry_after: Some(1),
            },
        )],
        &[],
    );
    assert_token_stdout(&run, &fx.last_token());
    assert_eq!(fx.idp.token_requests().len(), 2);
}

#[test]
fn long_retry_after_429_fails_at_once() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(
            TOKEN_PATH,
            Fault::TooManyRequests {
                retry_after: Some(3600),
            },
        )],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert_eq!(fx.idp.token_requests().len(), 1, "no retry");
    assert!(
        run.stderr_has("retry-after") || run.stderr_has("retry after") || run.stderr_has("3600"),
        "stderr says the server asked to retry much later:\n{}",
        run.stderr
    );
}

#[test]
fn html_page_fails() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Html).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
}

#[test]
fn malformed_json_fails() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::MalformedJson).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
}

#[test]
fn oversized_response_fails() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Oversized(50 * 1024 * 1024)).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
}

#[test]
fn reset_mid_body_fails_after_a_retry() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::ResetMidBody).times(2)],
        &[],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert_eq!(fx.idp.token_requests().len(), 2, "one retry");
}

#[test]
fn slow_server_hits_the_timeout() {
    let fx = Fixture::new();
    let (run, before) = run_with_faults(
        &fx,
        vec![FaultRule::new(TOKEN_PATH, Fault::Delay(Duration::from_secs(30))).times(2)],
        &["--timeout", "2"],
    );
    assert_failed_untouched(&fx, &run, &before);
    assert!(
        run.stderr_has("timeout") || run.stderr_has("timed out"),
        "stderr mentions the timeout:\n{}",
        run.stderr
    );
}

// ----- authority validation and usage ----------------------------------------------------------

#[test]
fn plain_http_authority_on_a_non_loopback_host_is_refused() {
    let fx = Fixture::new();
    let file = fx.secret_file();
    // Route anything non-loopback through the test IdP as a proxy: if msal sent the request, the
    // IdP would record it.
    let proxy = fx.idp.base_url();
    let run = fx
        .env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            "http://login.example.com/contoso.example",
            "--client-id",
            CLIENT,
            "--scope",
            SCOPE,
            "--client-secret-file",
        ])
        .arg(&file)
        .env("HTTP_PROXY", &proxy)
        .env("http_proxy", &proxy)
        .env("HTTPS_PROXY", &proxy)
        .env("https_proxy", &proxy)
        .env("ALL_PROXY", &proxy)
        .run();
    run.assert_code_in(&[1, 2]);
    assert!(run.stdout.is_empty());
    assert_eq!(fx.idp.request_count(), 0, "no request was sent");
}

#[test]
fn non_loopback_hosts_are_reached_only_through_the_proxy() {
    // The harness points every proxy variable at a dead port so no test can reach the internet;
    // here the proxy is the IdP, which shows that msal does go through it (and so the test above
    // would see a request if msal sent one).
    let fx = Fixture::new();
    let file = fx.secret_file();
    let proxy = fx.idp.base_url();
    let run = fx
        .env
        .msal()
        .args([
            "client-credentials",
            "--authority",
            "https://login.example.com/contoso.example",
            "--client-id",
            CLIENT,
            "--scope",
            SCOPE,
            "--client-secret-file",
        ])
        .arg(&file)
        .env("HTTPS_PROXY", &proxy)
        .env("https_proxy", &proxy)
        .run();
    run.assert_code(1);
    run.assert_not_leaked(SECRET, "the client secret");
    let reqs = fx.idp.requests();
    assert!(!reqs.is_empty(), "the request went to the proxy");
    // Instance discovery of an unknown host asks login.microsoftonline.com first, as MSAL does.
    assert!(
        reqs.iter().all(|r| r.method == "CONNECT"
            && ["login.example.com:443", "login.microsoftonline.com:443"]
                .contains(&r.target.as_str())),
        "only CONNECT tunnels to the authority or instance discovery: {reqs:?}"
    );
}

/// The stored discovery documents (`$XDG_CACHE_HOME/msal/metadata-*.json`).
fn metadata_files(env: &TestEnv) -> Vec<PathBuf> {
    let dir = env.cache_dir().join("msal");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("metadata-") && name.ends_with(".json")
        })
        .collect();
    found.sort();
    found
}

fn stored_token_endpoints(env: &TestEnv) -> Vec<String> {
    metadata_files(env)
        .iter()
        .map(|p| crate::support::read_json(p)["endpoints"]["token_endpoint"].to_string())
        .map(|t| t.trim_matches('"').to_owned())
        .collect()
}

/// Rewrites `endpoints.token_endpoint` in every stored discovery document, as another program
/// that can write the user's files would; returns how many it changed.
fn plant_token_endpoint(env: &TestEnv, token_endpoint: &str) -> usize {
    let files = metadata_files(env);
    for path in &files {
        let mut doc: Value = crate::support::read_json(path);
        doc["endpoints"]["token_endpoint"] = json!(token_endpoint);
        // Same owner, same permissions: only the content is hostile.
        std::fs::write(path, doc.to_string()).unwrap();
    }
    files.len()
}

#[test]
fn a_planted_discovery_document_cannot_send_the_secret_elsewhere() {
    let fx = Fixture::new();
    fx.cc().run().assert_success();
    // A listener on the authority's host, another port, and a cached document that names it.
    let attacker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    attacker.set_nonblocking(true).unwrap();
    let planted = format!(
        "http://127.0.0.1:{}/{CONTOSO_TENANT_ID}/oauth2/v2.0/token",
        attacker.local_addr().unwrap().port()
    );
    assert_eq!(plant_token_endpoint(&fx.env, &planted), 1);
    fx.idp.clear_requests();

    // A scope with no cached token: the secret must be sent, and only to the real endpoint.
    let run = fx
        .cc_scope("api://other/.default")
        .args(["--timeout", "5", "-o", "json"])
        .run();
    run.assert_success();
    run.assert_not_leaked(SECRET, "the client secret");
    assert!(
        attacker.accept().is_err(),
        "nothing reached the planted token endpoint"
    );
    let tokens = fx.idp.token_requests();
    assert_eq!(tokens.len(), 1, "the token request went to the authority");
    assert!(
        tokens[0].form("client_secret") == Some(SECRET),
        "with the secret"
    );
    run.assert_stderr_has("ignoring the discovery metadata cached");
    // Rediscovered, and the planted document replaced.
    assert_eq!(stored_token_endpoints(&fx.env), [fx.token_endpoint()]);
}

#[test]
fn an_authority_given_without_scheme_or_with_an_endpoint_path_names_the_authority_meant() {
    let fx = Fixture::new();
    let authority = fx.authority(); // http://127.0.0.1:PORT/contoso.example
    let bare = authority.trim_start_matches("http://").to_owned();
    for given in [
        bare.clone(),
        format!("{authority}/v2.0"),
        format!("{authority}/v2.0/.well-known/openid-configuration"),
        format!("{authority}/.well-known/openid-configuration"),
        format!("{authority}/oauth2/v2.0/token"),
        format!("{bare}/oauth2/v2.0/token"),
    ] {
        let file = fx.secret_file();
        let run = fx
            .env
            .msal()
            .args(["client-credentials", "--authority", &given])
            .args([
                "--client-id",
                CLIENT,
                "--scope",
                SCOPE,
                "--client-secret-file",
            ])
            .arg(file)
            .run();
        run.assert_code(2)
            .assert_stderr_has(&format!("the authority is {authority}\n"));
    }
    assert_eq!(fx.idp.request_count(), 0, "nothing was sent");
    // A generic provider's discovery address given as its issuer.
    let run = fx
        .env
        .msal()
        .args([
            "client-credentials",
            "--client-id",
            CLIENT,
            "--scope",
            SCOPE,
        ])
        .args([
            "--oidc-authority",
            "https://id.example.com/realms/x/.well-known/openid-configuration",
        ])
        .run();
    run.assert_code(2)
        .assert_stderr_has("the authority is https://id.example.com/realms/x\n");
    // The suggestion works.
    fx.cc().run().assert_success();
}

#[test]
fn an_unknown_tenant_exits_4_naming_aadsts90002() {
    let fx = Fixture::new();
    let authority = fx.idp.authority("no-such-tenant.example");
    for json in [false, true] {
        let file = fx.secret_file();
        let mut msal = fx
            .env
            .msal()
            .args(["client-credentials", "--authority", &authority])
            .args([
                "--client-id",
                CLIENT,
                "--scope",
                SCOPE,
                "--client-secret-file",
            ])
            .arg(file);
        if json {
            msal = msal.args(["-o", "json"]);
        }
        let run = msal.run();
        run.assert_code(4);
        run.assert_not_leaked(SECRET, "the client secret");
        assert!(run.stdout.is_empty());
        if json {
            let error: Value = serde_json::from_str(run.stderr.trim()).unwrap();
            assert_eq!(error["error"], "invalid_tenant");
            assert_eq!(error["error_codes"], json!([90002]));
            assert_eq!(error["exit_code"], 4);
        } else {
            run.assert_stderr_has("invalid_tenant")
                .assert_stderr_has("AADSTS90002")
                .assert_stderr_has("correlation id:")
                .assert_stderr_has("hint: no such tenant");
        }
    }
    assert!(fx.idp.token_requests().is_empty(), "no secret was sent");
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    for args in [
        vec!["frobnicate"],
        vec!["client-credentials", "--no-such-flag"],
        vec![
            "client-credentials",
            "--scope",
            SCOPE,
            "-o",
            "no-such-format",
        ],
    ] {
        let run = env.msal().args(&args).run();
        assert_eq!(run.code, 2, "msal {args:?}: stderr:\n{}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "msal {args:?} prints nothing on stdout"
        );
        assert!(!run.stderr.is_empty(), "msal {args:?} explains on stderr");
    }
}

#[test]
fn version() {
    let run = TestEnv::new().msal().arg("--version").run();
    run.assert_success();
    assert_eq!(
        run.stdout.trim(),
        format!("msal {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_every_subcommand() {
    let run = TestEnv::new().msal().arg("--help").run();
    run.assert_success();
    for cmd in [
        "login",
        "device-code",
        "client-credentials",
        "obo",
        "silent",
        "accounts",
        "logout",
    ] {
        assert!(
            run.stdout.lines().any(|l| {
                let l = l.trim_start();
                l.strip_prefix(cmd)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
            }),
            "--help lists {cmd}:\n{}",
            run.stdout
        );
    }
}

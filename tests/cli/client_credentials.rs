//! `msal client-credentials` end to end: every way to give the application's credential (a
//! secret, a certificate, a client assertion, a federated token, GitHub's OIDC token), the
//! options around it, and the OAuth errors that come back. Assertions are about what a user
//! sees: exit code, stdout, stderr, files, and what the identity provider received. Token
//! values are never printed.

use serde_json::{Value, json};

use crate::support::certs::{TestCert, fake_jwt, jwt_parts};
use crate::support::fixture::{CLIENT, Fixture, SCOPE, SECRET};
use crate::support::idp::{CONTOSO_DOMAIN, CONTOSO_TENANT_ID, JWT_BEARER_ASSERTION_TYPE, Response};

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

// ----- credentials -------------------------------------------------------------------------------

#[test]
fn secret_from_file() {
    let fx = Fixture::new();
    let run = fx.cc().args(["-o", "token"]).run();
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
    run.assert_not_leaked(password, "the PFX password");
    let (header, _) = received_assertion(&fx);
    assert_eq!(header["alg"], "PS256");
}

#[test]
fn a_profile_certificate_takes_its_pfx_password_from_any_password_option() {
    // The options settle a certificate's password whichever source named the certificate:
    // --certificate-password (like --certificate-password-file) applies to the profile's too.
    let fx = Fixture::new();
    let cert = TestCert::shared();
    fx.idp
        .register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let password = "profile-pfx-pass";
    let pfx = fx.env.write_file("client.pfx", cert.pfx(password));
    let config = fx.env.write_file(
        "config.toml",
        format!("[profiles.app]\ncertificate = \"{}\"\n", pfx.display()),
    );
    let run = fx
        .cc_without_credential()
        .env("MSAL_CONFIG", &config)
        .args(["--profile", "app", "--certificate-password", password])
        .args(["-o", "token"])
        .run();
    run.assert_token(&fx.last_token());
    run.assert_stderr_has("--certificate-password makes the password visible");
    received_assertion(&fx);
}

#[test]
fn stdin_is_read_by_one_input_only() {
    let fx = Fixture::new();
    let run = fx
        .cc_without_credential()
        .args([
            "--client-secret-file",
            "-",
            "--certificate-password-file",
            "-",
        ])
        .stdin(SECRET)
        .run();
    run.assert_code(2)
        .assert_stderr_has("only one input can be read from stdin")
        .assert_stderr_has("--client-secret-file and --certificate-password-file");
    assert_eq!(fx.idp.request_count(), 0);
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
    let (header, _) = received_assertion(&fx);
    assert_eq!(header["x5c"][0].as_str(), Some(cert.x5c_entry().as_str()));

    let run = fx
        .cc_without_credential()
        .arg("--certificate")
        .arg(&pem)
        .args(["--force-refresh", "-o", "token"])
        .env("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true")
        .run();
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());

    // The platform rotates the projected token; the IdP now accepts only the new one.
    crate::support::write_private(&file, second.as_bytes());
    fx.idp.register_federated_client(CLIENT, &second);
    let run = fx
        .cc_without_credential()
        .arg("--federated-token-file")
        .arg(&file)
        .args(["--force-refresh", "-o", "token"])
        .run();
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
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
    run.assert_token(&fx.last_token());
}

// ----- OAuth errors ------------------------------------------------------------------------------

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

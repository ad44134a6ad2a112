//! Which authority `msal` talks to, and how: an authority given without a scheme or with an
//! endpoint path names the one meant; an unknown tenant is Entra's AADSTS90002; plain http only
//! to loopback; non-loopback hosts only through the proxy; https trusted through `--ca-cert` or
//! `SSL_CERT_FILE`; and a discovery document planted in the cache cannot send the secret
//! elsewhere.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::TestEnv;
use crate::support::fixture::{CLIENT, Fixture, SCOPE, SECRET};
use crate::support::idp::{CONTOSO_DOMAIN, CONTOSO_TENANT_ID, TestIdp};

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

#[test]
fn plain_http_authority_on_a_non_loopback_host_is_refused() {
    let fx = Fixture::new();
    // Route anything non-loopback through the test IdP as a proxy: if msal sent the request, the
    // IdP would record it.
    let proxy = fx.idp.base_url();
    let run = fx
        .cc_at("http://login.example.com/contoso.example")
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
    let proxy = fx.idp.base_url();
    let run = fx
        .cc_at("https://login.example.com/contoso.example")
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
        let run = fx.cc_at(&given).run();
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
        let mut msal = fx.cc_at(&authority);
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

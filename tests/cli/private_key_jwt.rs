//! `private_key_jwt` as a user registers it at a provider (RFC 7523, OpenID Connect Core §9), from
//! the command line: `--key-id` for a key the provider named itself, `--signing-alg` for a client
//! registered for one algorithm, `--assertion-audience issuer`, and the same from the environment
//! (`MSAL_KEY_ID`, `MSAL_SIGNING_ALG`, `MSAL_ASSERTION_AUDIENCE`) and the profile. Against
//! `oidc-provider`, which finds the key by `kid` and enforces the registered algorithm.

use serde_json::{Value, json};

use crate::oidc::assert_token_stdout;
use crate::support::certs::TestCert;
use crate::support::oidc::{OidcConfig, OidcProvider};
use crate::support::{Msal, TestEnv};

/// Registered with a key the provider named `signing-key-2024` (as Keycloak and Okta let an
/// administrator name keys), RS256.
const NAMED_KEY: &str = "named-key-client";
const KID: &str = "signing-key-2024";
/// Registered for PS256 only.
const PS256_ONLY: &str = "ps256-only";

fn client(client_id: &str, alg: &str, kid: Option<&str>) -> Value {
    let mut client = json!({
        "client_id": client_id,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": alg,
        "certificate_pem": TestCert::shared().cert_pem,
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
    });
    if let Some(kid) = kid {
        client["certificate_kid"] = json!(kid);
    }
    client
}

struct Fx {
    env: TestEnv,
    op: OidcProvider,
}

impl Fx {
    fn new() -> Self {
        Self {
            env: TestEnv::new(),
            op: OidcProvider::start(
                &OidcConfig::new()
                    .client(client(NAMED_KEY, "RS256", Some(KID)))
                    .client(client(PS256_ONLY, "PS256", None)),
            ),
        }
    }

    /// `msal client-credentials` for `client` with the shared certificate.
    fn cc(&self, client: &str) -> Msal<'_> {
        let pem = self
            .env
            .write_file("client.pem", TestCert::shared().pem_bundle());
        self.env
            .msal()
            .args(["--oidc-authority", self.op.issuer()])
            .args([
                "client-credentials",
                "--client-id",
                client,
                "--scope",
                "api",
            ])
            .args(["--no-cache", "-o", "token", "--certificate"])
            .arg(pem)
    }

    fn last_assertion(&self) -> Value {
        self.op.last_token_exchange()["client_assertion"].clone()
    }

    fn last_issued(&self) -> Value {
        let exchange = self.op.last_token_exchange();
        assert_eq!(exchange["status"], 200, "{}", exchange["response"]);
        exchange["response"].clone()
    }
}

#[test]
fn key_id_names_the_key_as_the_provider_registered_it() {
    let fx = Fx::new();
    // The default, the key's thumbprint, is not the name this provider knows it by.
    let refused = fx.cc(NAMED_KEY).run();
    refused.assert_code(4).assert_stderr_has("invalid_client");
    assert_ne!(fx.last_assertion()["header"]["kid"], KID);

    let run = fx.cc(NAMED_KEY).args(["--key-id", KID]).run();
    assert_token_stdout(&run, &fx.last_issued());
    assert_eq!(fx.last_assertion()["header"]["kid"], KID);

    let run = fx.cc(NAMED_KEY).env("MSAL_KEY_ID", KID).run();
    assert_token_stdout(&run, &fx.last_issued());
    assert_eq!(fx.last_assertion()["header"]["kid"], KID);
}

#[test]
fn signing_alg_meets_a_client_registered_for_one_algorithm() {
    let fx = Fx::new();
    // RS256 is the default for an RSA key; this client takes PS256 only.
    let refused = fx.cc(PS256_ONLY).run();
    refused.assert_code(4);
    assert_eq!(fx.last_assertion()["header"]["alg"], "RS256");

    for msal in [
        fx.cc(PS256_ONLY).args(["--signing-alg", "PS256"]),
        fx.cc(PS256_ONLY).args(["--signing-alg", "ps256"]),
        fx.cc(PS256_ONLY).env("MSAL_SIGNING_ALG", "PS256"),
    ] {
        let run = msal.run();
        assert_token_stdout(&run, &fx.last_issued());
        assert_eq!(fx.last_assertion()["header"]["alg"], "PS256");
    }

    // An algorithm the key cannot make is refused before anything is sent.
    let before = fx.op.token_exchanges().len();
    let run = fx.cc(PS256_ONLY).args(["--signing-alg", "ES256"]).run();
    run.assert_code(1).assert_stderr_has("ES256");
    assert_eq!(fx.op.token_exchanges().len(), before);
}

#[test]
fn the_assertion_is_addressed_to_the_token_endpoint_or_the_issuer() {
    let fx = Fx::new();
    let run = fx.cc(PS256_ONLY).args(["--signing-alg", "PS256"]).run();
    assert_token_stdout(&run, &fx.last_issued());
    assert_eq!(fx.last_assertion()["claims"]["aud"], fx.op.token_endpoint());

    let run = fx
        .cc(PS256_ONLY)
        .args(["--signing-alg", "PS256", "--assertion-audience", "issuer"])
        .run();
    assert_token_stdout(&run, &fx.last_issued());
    assert_eq!(fx.last_assertion()["claims"]["aud"], fx.op.issuer());
}

#[test]
fn the_profile_sets_all_three() {
    let fx = Fx::new();
    let config = fx.env.write_file(
        "config.toml",
        format!(
            "[profiles.svc]\nkey_id = \"{KID}\"\nsigning_alg = \"RS256\"\n\
             assertion_audience = \"issuer\"\n"
        ),
    );
    let run = fx
        .cc(NAMED_KEY)
        .env("MSAL_CONFIG", &config)
        .args(["--profile", "svc"])
        .run();
    assert_token_stdout(&run, &fx.last_issued());
    let assertion = fx.last_assertion();
    assert_eq!(assertion["header"]["kid"], KID);
    assert_eq!(assertion["header"]["alg"], "RS256");
    assert_eq!(assertion["claims"]["aud"], fx.op.issuer());
}

#[test]
fn assertion_options_are_checked_before_anything_is_sent() {
    let env = TestEnv::new();
    let secret = env.write_file("secret", "s3cret\n");
    let cc = || {
        env.msal()
            .args(["--oidc-authority", "http://127.0.0.1:9/idp"])
            .args(["client-credentials", "--client-id", "c", "--scope", "api"])
    };
    for (msal, expected) in [
        (
            cc().args(["--key-id", "k", "--client-secret-file"])
                .arg(&secret),
            "--key-id applies to certificates only",
        ),
        (
            cc().args(["--assertion-audience", "issuer", "--client-secret-file"])
                .arg(&secret),
            "--assertion-audience applies to certificates only",
        ),
        (
            cc().env("MSAL_SIGNING_ALG", "HS256")
                .arg("--client-secret-file")
                .arg(&secret),
            "MSAL_SIGNING_ALG: \"HS256\" is not a signing algorithm (RS256, PS256, ES256)",
        ),
        (
            cc().args(["--signing-alg", "none", "--client-secret-file"])
                .arg(&secret),
            "invalid value 'none'",
        ),
    ] {
        let run = msal.run();
        run.assert_code(2).assert_stderr_has(expected);
    }
}

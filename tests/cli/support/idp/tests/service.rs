//! Discovery, application tokens and client authentication are strict where Entra ID is strict,
//! and faults, request limits, custom routes and TLS do what they say. Checked with the tiny client in `support::http` (and rustls for TLS).

use std::io::{ErrorKind, Write};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::certs::{Alg, TestCert, assertion_claims, jwt_parts};
use crate::support::http::{self, HttpRequest, HttpResponse};
use crate::support::idp::{
    CONTOSO_DOMAIN, CONTOSO_TENANT_ID, Fault, FaultRule, JWT_BEARER_ASSERTION_TYPE, TestIdp,
};

const CLIENT: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const SECRET: &str = "s3cr3t~value.for-tests";
const SCOPE: &str = "api://resource/.default";

fn idp_with_secret_client() -> TestIdp {
    let idp = TestIdp::start();
    idp.register_secret_client(CLIENT, SECRET);
    idp
}

fn token_url(idp: &TestIdp) -> String {
    idp.token_endpoint(CONTOSO_TENANT_ID)
}

fn secret_request(idp: &TestIdp, secret: &str, scope: &str) -> HttpRequest {
    HttpRequest::post_form(
        &token_url(idp),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", secret),
            ("scope", scope),
        ],
    )
}

#[track_caller]
fn assert_entra_error(resp: &HttpResponse, status: u16, error: &str, code: u64) -> Value {
    assert_eq!(resp.status, status, "status; body: {}", resp.text());
    let body = resp.json();
    assert_eq!(body["error"], error, "error; body: {body}");
    assert_eq!(
        body["error_codes"],
        json!([code]),
        "error_codes; body: {body}"
    );
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "description: {description}"
    );
    let trace = body["trace_id"].as_str().unwrap();
    let correlation = body["correlation_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(trace).is_ok(), "trace_id is a uuid");
    assert!(description.contains(&format!("\r\nTrace ID: {trace}\r\n")));
    assert!(description.contains(&format!("\r\nCorrelation ID: {correlation}\r\n")));
    let timestamp = body["timestamp"].as_str().unwrap();
    assert!(description.ends_with(&format!("\r\nTimestamp: {timestamp}")));
    assert_eq!(timestamp.len(), "2026-11-26 14:23:11Z".len(), "{timestamp}");
    assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b' ');
    assert!(
        body["error_uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("?code={code}"))
    );
    body
}

// ----- discovery --------------------------------------------------------------------------------

#[test]
fn discovery_by_domain_returns_guid_endpoints() {
    let idp = TestIdp::start();
    let base = idp.base_url();
    for tenant in [CONTOSO_DOMAIN, "CONTOSO.example", CONTOSO_TENANT_ID] {
        let resp = http::get(&format!(
            "{}/v2.0/.well-known/openid-configuration",
            idp.authority(tenant)
        ))
        .unwrap();
        assert_eq!(resp.status, 200);
        assert!(
            resp.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let doc = resp.json();
        let t = CONTOSO_TENANT_ID;
        assert_eq!(doc["issuer"], format!("{base}/{t}/v2.0"));
        assert_eq!(
            doc["token_endpoint"],
            format!("{base}/{t}/oauth2/v2.0/token")
        );
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{base}/{t}/oauth2/v2.0/authorize")
        );
        assert_eq!(
            doc["device_authorization_endpoint"],
            format!("{base}/{t}/oauth2/v2.0/devicecode")
        );
        assert_eq!(doc["jwks_uri"], format!("{base}/{t}/discovery/v2.0/keys"));
        assert_eq!(
            doc["response_modes_supported"],
            json!(["query", "fragment", "form_post"])
        );
        assert!(
            doc["token_endpoint_auth_methods_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("private_key_jwt"))
        );
    }
}

#[test]
fn discovery_of_multi_tenant_authorities_uses_the_tenantid_placeholder() {
    let idp = TestIdp::start();
    let base = idp.base_url();
    for tenant in ["organizations", "common", "consumers"] {
        let doc = http::get(&format!(
            "{base}/{tenant}/v2.0/.well-known/openid-configuration"
        ))
        .unwrap()
        .json();
        assert_eq!(doc["issuer"], format!("{base}/{{tenantid}}/v2.0"));
        assert_eq!(
            doc["token_endpoint"],
            format!("{base}/{tenant}/oauth2/v2.0/token")
        );
    }
}

#[test]
fn added_tenants_get_their_own_guid_and_unknown_tenants_are_refused() {
    let idp = TestIdp::start();
    let guid = idp.add_tenant("fabrikam.example");
    assert!(uuid::Uuid::parse_str(&guid).is_ok());
    assert_ne!(guid, CONTOSO_TENANT_ID);
    let doc = http::get(&format!(
        "{}/v2.0/.well-known/openid-configuration",
        idp.authority("fabrikam.example")
    ))
    .unwrap()
    .json();
    assert_eq!(
        doc["token_endpoint"],
        format!("{}/{guid}/oauth2/v2.0/token", idp.base_url())
    );

    let resp = http::get(&format!(
        "{}/v2.0/.well-known/openid-configuration",
        idp.authority("nowhere.example")
    ))
    .unwrap();
    assert_entra_error(&resp, 400, "invalid_tenant", 90002);
}

#[test]
fn instance_discovery_and_unknown_paths() {
    let idp = TestIdp::start();
    let base = idp.base_url();
    let auth = format!("{base}/{CONTOSO_DOMAIN}/oauth2/v2.0/authorize");
    let doc = HttpRequest::get(&format!(
        "{base}/common/discovery/instance?api-version=1.1&authorization_endpoint={}",
        url::form_urlencoded::byte_serialize(auth.as_bytes()).collect::<String>()
    ))
    .send()
    .unwrap()
    .json();
    assert_eq!(doc["api-version"], "1.1");
    assert_eq!(
        doc["tenant_discovery_endpoint"],
        format!("{base}/{CONTOSO_DOMAIN}/v2.0/.well-known/openid-configuration")
    );
    assert_eq!(doc["metadata"][0]["aliases"], json!(["127.0.0.1"]));

    let resp = http::get(&format!("{base}/nothing/here")).unwrap();
    assert_eq!(resp.status, 404);
    assert_eq!(resp.json()["error"], "not_found");

    // The token endpoint only takes POST.
    let resp = http::get(&token_url(&idp)).unwrap();
    assert_eq!(resp.status, 405);
}

// ----- client credentials with a secret --------------------------------------------------------

#[test]
fn client_secret_gets_unique_tokens_and_everything_is_recorded() {
    let idp = idp_with_secret_client();
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let resp = secret_request(&idp, SECRET, SCOPE)
            .header("client-request-id", "11111111-2222-3333-4444-555555555555")
            .send()
            .unwrap();
        assert_eq!(resp.status, 200, "body: {}", resp.text());
        assert_eq!(resp.header("connection"), Some("close"));
        let body = resp.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3599);
        assert_eq!(body["ext_expires_in"], 3599);
        assert!(body.get("refresh_token").is_none());
        let at = body["access_token"].as_str().unwrap().to_owned();
        let (_, claims) = jwt_parts(&at);
        assert_eq!(claims["aud"], "api://resource");
        assert_eq!(claims["tid"], CONTOSO_TENANT_ID);
        assert_eq!(claims["appid"], CLIENT);
        tokens.push(at);
    }
    assert_ne!(tokens[0], tokens[1], "each issue is a new token");
    assert_eq!(idp.issued_access_tokens(), tokens);
    let issued = idp.issued_tokens();
    assert_eq!(issued[0].scope, SCOPE);
    assert_eq!(issued[0].tenant_id, CONTOSO_TENANT_ID);

    let reqs = idp.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(idp.request_count(), 2);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("/{CONTOSO_TENANT_ID}/oauth2/v2.0/token"));
    assert!(r.is_token_request());
    assert_eq!(r.form("grant_type"), Some("client_credentials"));
    assert_eq!(r.form("scope"), Some(SCOPE));
    assert_eq!(
        r.header("Client-Request-Id"),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    idp.clear_requests();
    assert_eq!(idp.request_count(), 0);
    assert_eq!(idp.issued_access_tokens().len(), 2);
}

#[test]
fn access_token_lifetime_is_settable() {
    let idp = idp_with_secret_client();
    idp.set_access_token_lifetime(120);
    let body = secret_request(&idp, SECRET, SCOPE).send().unwrap().json();
    assert_eq!(body["expires_in"], 120);
    assert_eq!(body["ext_expires_in"], 120);
}

#[test]
fn client_secret_basic_is_accepted() {
    use base64::Engine as _;
    let idp = idp_with_secret_client();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{CLIENT}:{}",
        url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect::<String>()
    ));
    let resp = HttpRequest::post_form(
        &token_url(&idp),
        &[("grant_type", "client_credentials"), ("scope", SCOPE)],
    )
    .header("Authorization", &format!("Basic {basic}"))
    .send()
    .unwrap();
    assert_eq!(resp.status, 200, "body: {}", resp.text());

    let wrong = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:nope"));
    let resp = HttpRequest::post_form(
        &token_url(&idp),
        &[("grant_type", "client_credentials"), ("scope", SCOPE)],
    )
    .header("Authorization", &format!("Basic {wrong}"))
    .send()
    .unwrap();
    assert_entra_error(&resp, 401, "invalid_client", 7000215);
}

#[test]
fn wrong_secret_is_invalid_client_7000215_with_echoed_correlation_id() {
    let idp = idp_with_secret_client();
    let correlation = "0a1b2c3d-0000-4000-8000-00000000abcd";
    let resp = secret_request(&idp, "wrong-secret", SCOPE)
        .header("client-request-id", correlation)
        .send()
        .unwrap();
    let body = assert_entra_error(&resp, 401, "invalid_client", 7000215);
    assert_eq!(body["correlation_id"], correlation);
    assert!(
        !resp.text().contains("wrong-secret"),
        "the error does not echo the secret"
    );
    let errors = idp.issued_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].correlation_id, correlation);
    assert_eq!(errors[0].code, 7000215);
    assert!(idp.issued_access_tokens().is_empty());

    // Without client-request-id a fresh correlation id is made.
    let resp = secret_request(&idp, "wrong-secret", SCOPE).send().unwrap();
    let body = assert_entra_error(&resp, 401, "invalid_client", 7000215);
    assert!(uuid::Uuid::parse_str(body["correlation_id"].as_str().unwrap()).is_ok());
}

#[test]
fn missing_credentials_unknown_clients_and_missing_client_id_are_refused() {
    let idp = idp_with_secret_client();
    let url = token_url(&idp);
    let resp = http::post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", SCOPE),
        ],
    )
    .unwrap();
    assert_entra_error(&resp, 401, "invalid_client", 7000218);

    let resp = http::post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "ffffffff-0000-0000-0000-000000000000"),
            ("client_secret", SECRET),
            ("scope", SCOPE),
        ],
    )
    .unwrap();
    assert_entra_error(&resp, 400, "unauthorized_client", 700016);

    let resp = http::post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", SECRET),
            ("scope", SCOPE),
        ],
    )
    .unwrap();
    assert_entra_error(&resp, 400, "invalid_request", 900144);

    let resp = http::post_form(
        &url,
        &[
            ("grant_type", "urn:example:unknown"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ],
    )
    .unwrap();
    assert_entra_error(&resp, 400, "unsupported_grant_type", 70003);

    // Client credentials need a tenant.
    let resp = http::post_form(
        &format!("{}/organizations/oauth2/v2.0/token", idp.base_url()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", SCOPE),
        ],
    )
    .unwrap();
    assert_entra_error(&resp, 400, "invalid_request", 50059);

    let resp = http::post_form(
        &format!("{}/nowhere.example/oauth2/v2.0/token", idp.base_url()),
        &[("grant_type", "client_credentials")],
    )
    .unwrap();
    assert_entra_error(&resp, 400, "invalid_tenant", 90002);
}

#[test]
fn scope_must_be_exactly_one_dot_default_scope() {
    let idp = idp_with_secret_client();
    let resp = secret_request(&idp, SECRET, "api://resource/read")
        .send()
        .unwrap();
    assert_entra_error(&resp, 400, "invalid_scope", 1002012);
    let resp = secret_request(&idp, SECRET, "api://a/.default api://b/.default")
        .send()
        .unwrap();
    assert_entra_error(&resp, 400, "invalid_scope", 70011);
    let resp = http::post_form(
        &token_url(&idp),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ],
    )
    .unwrap();
    assert_entra_error(&resp, 400, "invalid_request", 900144);
    assert!(idp.issued_access_tokens().is_empty());
}

#[test]
fn claims_form_field_is_accepted_and_recorded() {
    let idp = idp_with_secret_client();
    let claims = r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#;
    let resp = HttpRequest::post_form(
        &token_url(&idp),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", SCOPE),
            ("claims", claims),
        ],
    )
    .send()
    .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(idp.requests()[0].form("claims"), Some(claims));
}

// ----- certificate and federated clients -------------------------------------------------------

fn assertion_request(idp: &TestIdp, client: &str, assertion: &str) -> HttpResponse {
    http::post_form(
        &token_url(idp),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", assertion),
            ("scope", SCOPE),
        ],
    )
    .unwrap()
}

#[test]
fn certificate_assertions_are_verified_strictly() {
    let cert = TestCert::shared();
    let idp = TestIdp::start();
    idp.register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let url = token_url(&idp);

    // PS256 + x5t#S256 and RS256 + x5t both work.
    for alg in [Alg::Ps256, Alg::Rs256] {
        let resp = assertion_request(&idp, CLIENT, &cert.client_assertion(alg, CLIENT, &url));
        assert_eq!(resp.status, 200, "{alg:?}: {}", resp.text());
    }
    // MSAL Python keeps base64 padding in x5t: accepted.
    let padded = format!("{}=", cert.x5t_sha1());
    let jwt = cert.sign_jwt(
        Alg::Rs256,
        &json!({"x5t": padded}),
        &assertion_claims(CLIENT, &url),
    );
    assert_eq!(assertion_request(&idp, CLIENT, &jwt).status, 200);
    // x5c naming the registered certificate: accepted.
    let jwt = cert.sign_jwt(
        Alg::Ps256,
        &json!({"x5c": [cert.x5c_entry()]}),
        &assertion_claims(CLIENT, &url),
    );
    assert_eq!(assertion_request(&idp, CLIENT, &jwt).status, 200);

    // A replayed assertion (same jti) is refused.
    let resp = assertion_request(&idp, CLIENT, &jwt);
    assert_entra_error(&resp, 401, "invalid_client", 700024);

    // PS256 with only the SHA-1 thumbprint: refused.
    let header = json!({"alg": "PS256", "typ": "JWT", "x5t": cert.x5t_sha1()});
    let jwt = cert.sign_with_header(Alg::Ps256, &header, &assertion_claims(CLIENT, &url));
    assert_entra_error(
        &assertion_request(&idp, CLIENT, &jwt),
        401,
        "invalid_client",
        700027,
    );

    // Signed by another key under the registered thumbprint: refused.
    let other = TestCert::shared_other();
    let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": cert.x5t_s256()});
    let jwt = other.sign_with_header(Alg::Ps256, &header, &assertion_claims(CLIENT, &url));
    assert_entra_error(
        &assertion_request(&idp, CLIENT, &jwt),
        401,
        "invalid_client",
        700027,
    );

    // An unregistered certificate: refused.
    let jwt = other.client_assertion(Alg::Ps256, CLIENT, &url);
    assert_entra_error(
        &assertion_request(&idp, CLIENT, &jwt),
        401,
        "invalid_client",
        700027,
    );

    // Tampered claims: refused.
    let good = cert.client_assertion(Alg::Ps256, CLIENT, &url);
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims = assertion_claims(CLIENT, &url);
    claims["sub"] = json!("someone-else");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            claims.to_string()
        ),
        parts[2]
    );
    assert_entra_error(
        &assertion_request(&idp, CLIENT, &forged),
        401,
        "invalid_client",
        700027,
    );

    // Wrong audience (the domain form of the endpoint is not the discovered one).
    let wrong_aud = format!("{}/{CONTOSO_DOMAIN}/oauth2/v2.0/token", idp.base_url());
    let jwt = cert.client_assertion(Alg::Ps256, CLIENT, &wrong_aud);
    assert_entra_error(
        &assertion_request(&idp, CLIENT, &jwt),
        401,
        "invalid_client",
        700023,
    );

    // iss/sub not the client.
    let mut claims = assertion_claims(CLIENT, &url);
    claims["iss"] = json!("another-app");
    let jwt = cert.sign_jwt(Alg::Ps256, &json!({}), &claims);
    assert_entra_error(
        &assertion_request(&idp, CLIENT, &jwt),
        401,
        "invalid_client",
        700021,
    );

    // Expired, and not yet valid.
    let now = crate::support::idp::now_secs();
    for (field, value) in [
        ("exp", now - 3600),
        ("nbf", now + 3600),
        ("iat", now + 3600),
    ] {
        let mut claims = assertion_claims(CLIENT, &url);
        claims[field] = json!(value);
        let jwt = cert.sign_jwt(Alg::Ps256, &json!({}), &claims);
        assert_entra_error(
            &assertion_request(&idp, CLIENT, &jwt),
            401,
            "invalid_client",
            700024,
        );
    }

    // No jti.
    let mut claims = assertion_claims(CLIENT, &url);
    claims.as_object_mut().unwrap().remove("jti");
    let jwt = cert.sign_jwt(Alg::Ps256, &json!({}), &claims);
    assert_entra_error(
        &assertion_request(&idp, CLIENT, &jwt),
        401,
        "invalid_client",
        700027,
    );

    // Wrong client_assertion_type.
    let jwt = cert.client_assertion(Alg::Ps256, CLIENT, &url);
    let resp = http::post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_assertion_type", "urn:example:other"),
            ("client_assertion", &jwt),
            ("scope", SCOPE),
        ],
    )
    .unwrap();
    assert_entra_error(&resp, 400, "invalid_request", 90014);

    assert_eq!(idp.issued_access_tokens().len(), 4);
}

#[test]
fn federated_client_accepts_exactly_the_registered_assertion() {
    let idp = TestIdp::start();
    idp.register_federated_client(CLIENT, "federated-token-one");
    assert_eq!(
        assertion_request(&idp, CLIENT, "federated-token-one").status,
        200
    );
    let resp = assertion_request(&idp, CLIENT, "federated-token-two");
    assert_entra_error(&resp, 401, "invalid_client", 700213);
    // Re-registering replaces the expected assertion.
    idp.register_federated_client(CLIENT, "federated-token-two");
    assert_eq!(
        assertion_request(&idp, CLIENT, "federated-token-two").status,
        200
    );
    assert_entra_error(
        &assertion_request(&idp, CLIENT, "federated-token-one"),
        401,
        "invalid_client",
        700213,
    );
}

// ----- faults ----------------------------------------------------------------------------------

#[test]
fn status_faults_apply_in_order_for_the_given_count_and_path_only() {
    let idp = idp_with_secret_client();
    idp.inject(FaultRule::new("/oauth2/v2.0/token", Fault::Status(503)).times(2));
    idp.inject(FaultRule::new(
        "/oauth2/v2.0/token",
        Fault::TooManyRequests {
            retry_after: Some(7),
        },
    ));
    // Discovery is not affected by a token-endpoint fault.
    let disco = http::get(&format!(
        "{}/v2.0/.well-known/openid-configuration",
        idp.authority(CONTOSO_DOMAIN)
    ))
    .unwrap();
    assert_eq!(disco.status, 200);

    let correlation = "99999999-8888-4777-8666-555555555555";
    for _ in 0..2 {
        let resp = secret_request(&idp, SECRET, SCOPE)
            .header("client-request-id", correlation)
            .send()
            .unwrap();
        let body = assert_entra_error(&resp, 503, "temporarily_unavailable", 90033);
        assert_eq!(body["correlation_id"], correlation);
    }
    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), Some("7"));
    assert_eq!(resp.json()["error"], "temporarily_unavailable");
    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 200);
    // Faulted requests are recorded too.
    assert_eq!(idp.request_count(), 5);
    assert_eq!(idp.token_requests().len(), 4);
    assert_eq!(idp.issued_access_tokens().len(), 1);

    idp.inject(FaultRule::new(
        "/oauth2/v2.0/token",
        Fault::TooManyRequests { retry_after: None },
    ));
    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), None);
}

#[test]
fn html_and_malformed_json_faults() {
    let idp = idp_with_secret_client();
    idp.inject(FaultRule::new("/token", Fault::Html));
    idp.inject(FaultRule::new("/token", Fault::HtmlError(502)));
    idp.inject(FaultRule::new("/token", Fault::MalformedJson));

    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(resp.text().starts_with("<!DOCTYPE html>"));

    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 502);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );

    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(serde_json::from_slice::<Value>(&resp.body).is_err());
    assert!(idp.issued_access_tokens().is_empty());
    assert_eq!(idp.request_count(), 3);
}

#[test]
fn empty_body_fault_sends_the_status_and_nothing_else() {
    let idp = idp_with_secret_client();
    idp.inject(FaultRule::new("/token", Fault::EmptyBody(403)));
    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 403);
    assert_eq!(resp.header("content-length"), Some("0"));
    assert_eq!(resp.header("content-type"), None);
    assert!(resp.body.is_empty());
    assert!(idp.issued_access_tokens().is_empty());
}

#[test]
fn oversized_fault_streams_exactly_that_many_bytes() {
    let idp = idp_with_secret_client();
    idp.inject(FaultRule::new("/token", Fault::Oversized(3_000_000)));
    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-length"), Some("3000000"));
    assert_eq!(resp.body.len(), 3_000_000);
    assert!(resp.body.starts_with(br#"{"token_type":"Bearer""#));
}

#[test]
fn connection_faults_cut_the_response() {
    let idp = idp_with_secret_client();
    idp.inject(FaultRule::new("/token", Fault::ResetMidBody));
    idp.inject(FaultRule::new("/token", Fault::CloseWithoutResponse));

    let err = secret_request(&idp, SECRET, SCOPE)
        .send()
        .err()
        .expect("a half body is an error");
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{err}");
    let err = secret_request(&idp, SECRET, SCOPE)
        .send()
        .err()
        .expect("no response is an error");
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{err}");
    // The half-sent answer was a real token response that never arrived in full.
    assert_eq!(idp.issued_access_tokens().len(), 1);
    assert_eq!(idp.request_count(), 2);
    assert_eq!(
        secret_request(&idp, SECRET, SCOPE).send().unwrap().status,
        200
    );
}

#[test]
fn delay_fault_delays_and_slow_body_dribbles() {
    let idp = idp_with_secret_client();
    idp.inject(FaultRule::new(
        "/token",
        Fault::Delay(Duration::from_secs(20)),
    ));
    let err = secret_request(&idp, SECRET, SCOPE)
        .timeout(Duration::from_millis(200))
        .send()
        .err()
        .expect("the client times out while the IdP delays");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );

    idp.inject(FaultRule::new(
        "/token",
        Fault::Delay(Duration::from_millis(100)),
    ));
    assert_eq!(
        secret_request(&idp, SECRET, SCOPE).send().unwrap().status,
        200
    );

    idp.inject(FaultRule::new(
        "/token",
        Fault::SlowBody(Duration::from_millis(400)),
    ));
    let resp = secret_request(&idp, SECRET, SCOPE).send().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["token_type"], "Bearer");
    // Dropping the IdP interrupts the 20 s delay still pending (the test would hang otherwise).
}

#[test]
fn drop_stops_a_server_with_requests_in_flight() {
    let idp = idp_with_secret_client();
    idp.inject(FaultRule::new(
        "/token",
        Fault::Delay(Duration::from_secs(600)),
    ));
    let url = token_url(&idp);
    let client = std::thread::spawn(move || {
        HttpRequest::post_form(
            &url,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
                ("scope", SCOPE),
            ],
        )
        .timeout(Duration::from_secs(120))
        .send()
    });
    // Bounded wait until the IdP has the request.
    for _ in 0..500 {
        if idp.request_count() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(idp.request_count(), 1);
    let addr = idp.addr();
    drop(idp);
    let result = client.join().unwrap();
    assert!(result.is_err(), "the delayed request was cut, not answered");
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "nothing listens after drop"
    );
}

#[test]
fn request_limits() {
    let idp = idp_with_secret_client();
    let big = vec![b'a'; 1024 * 1024 + 1];
    let resp = HttpRequest::post_raw(&token_url(&idp), "application/x-www-form-urlencoded", big)
        .send()
        .unwrap();
    assert_eq!(resp.status, 413);
}

#[test]
fn custom_routes_take_precedence_and_are_recorded() {
    let idp = TestIdp::start();
    idp.add_route("GET", "/github/idtoken", |req| {
        crate::support::idp::Response::json(
            200,
            &json!({"value": req.query("audience").unwrap_or("none")}),
        )
    });
    let resp = http::get(&format!(
        "{}/github/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange",
        idp.base_url()
    ))
    .unwrap();
    assert_eq!(resp.json()["value"], "api://AzureADTokenExchange");
    let r = &idp.requests()[0];
    assert_eq!(r.query("api-version"), Some("2.0"));
    assert_eq!(r.path, "/github/idtoken");
}

#[test]
fn requests_are_recorded_with_their_raw_body_and_a_form_only_for_forms() {
    let idp = TestIdp::start();
    idp.add_route("POST", "/echo", |_| {
        crate::support::idp::Response::json(200, &json!({}))
    });
    let json_body = br#"{"resource":"https://vault.azure.net"}"#.to_vec();
    let resp = HttpRequest::post_raw(
        &format!("{}/echo", idp.base_url()),
        "application/json",
        json_body.clone(),
    )
    .send()
    .unwrap();
    assert_eq!(resp.status, 200);
    let resp = http::post_form(
        &format!("{}/echo", idp.base_url()),
        &[("resource", "https://vault.azure.net")],
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    let [json_req, form_req] = &idp.requests()[..] else {
        panic!("two requests recorded: {:?}", idp.requests());
    };
    assert_eq!(json_req.body, json_body);
    assert!(json_req.form.is_empty(), "a JSON body is not a form");
    assert_eq!(form_req.body, b"resource=https%3A%2F%2Fvault.azure.net");
    assert_eq!(form_req.form("resource"), Some("https://vault.azure.net"));
}

// ----- TLS -------------------------------------------------------------------------------------

/// GET `path` over TLS, trusting `ca`; the answer and the certificate the server presented.
fn tls_get(
    idp: &TestIdp,
    ca: Option<&std::path::Path>,
    path: &str,
) -> std::io::Result<(HttpResponse, Vec<u8>)> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        for cert in CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("127.0.0.1").unwrap())
            .unwrap();
    let sock = std::net::TcpStream::connect(idp.addr())?;
    sock.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    tls.flush()?;
    let response = http::read_response(&mut tls, 1 << 20)?;
    let presented = tls
        .conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|cert| cert.to_vec())
        .unwrap_or_default();
    Ok((response, presented))
}

#[test]
fn tls_idp_answers_with_its_test_ca() {
    let idp = TestIdp::start_tls();
    assert!(idp.base_url().starts_with("https://127.0.0.1:"));
    let ca = idp.ca_cert_path();
    assert!(
        std::fs::read_to_string(&ca)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let (resp, presented) = tls_get(
        &idp,
        Some(&ca),
        &format!("/{CONTOSO_DOMAIN}/v2.0/.well-known/openid-configuration"),
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.json()["token_endpoint"],
        format!("{}/{CONTOSO_TENANT_ID}/oauth2/v2.0/token", idp.base_url())
    );
    assert_eq!(idp.request_count(), 1);
    // Its thumbprint names the certificate it presents (lowercase hex SHA-1).
    let thumbprint: String =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &presented)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    assert_eq!(idp.server_cert_sha1(), thumbprint);

    // Without the CA the handshake fails and nothing is received.
    idp.clear_requests();
    assert!(tls_get(&idp, None, "/common/v2.0/.well-known/openid-configuration").is_err());
    assert_eq!(idp.request_count(), 0);
}

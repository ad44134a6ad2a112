//! The test identity provider's user flows are strict where Entra ID is strict: PKCE, redirect
//! URI, single-use codes, refresh-token rotation, public clients, device code polling. Checked
//! with the tiny client in `support::http`, without `msal`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::support::certs::jwt_parts;
use crate::support::http::{self, HttpRequest, HttpResponse};
use crate::support::idp::{
    AuthorizeOutcome, CONTOSO_DOMAIN, CONTOSO_TENANT_ID, DevicePlan, TestIdp, TestUser,
};

const CLIENT: &str = "7d2e1f0a-3b4c-4d5e-8f60-718293a4b5c6";
const PASSWORD: &str = "correct horse battery staple";
const SCOPES: &str = "https://graph.microsoft.com/User.Read openid profile offline_access";
const REDIRECT: &str = "http://localhost:53117";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

struct Fx {
    idp: TestIdp,
    alice: TestUser,
}

fn fx() -> Fx {
    let idp = TestIdp::start();
    idp.register_public_client(CLIENT);
    let alice = idp.add_user("alice@contoso.example", PASSWORD);
    Fx { idp, alice }
}

fn sha256_b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        text.as_bytes(),
    ))
}

/// (verifier, S256 challenge).
fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = sha256_b64(&verifier);
    (verifier, challenge)
}

/// An authorize request with good defaults; `changes` replace (or with "" remove) parameters.
fn authorize(fx: &Fx, challenge: &str, changes: &[(&str, &str)]) -> HttpResponse {
    let mut params: Vec<(String, String)> = [
        ("client_id", CLIENT),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPES),
        ("state", "st-123"),
        ("nonce", "nonce-abc"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("response_mode", "query"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in changes {
        params.retain(|(name, _)| name != k);
        if !v.is_empty() {
            params.push((k.to_string(), v.to_string()));
        }
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    http::get(&format!(
        "{}/{CONTOSO_DOMAIN}/oauth2/v2.0/authorize?{query}",
        fx.idp.base_url()
    ))
    .unwrap()
}

/// The query of the 302 Location.
fn redirect_params(resp: &HttpResponse) -> Vec<(String, String)> {
    assert_eq!(resp.status, 302, "a redirect; body: {}", resp.text());
    let location = resp.header("location").expect("Location");
    let url = url::Url::parse(location).unwrap();
    assert_eq!(
        format!("{}://{}", url.scheme(), url.host_str().unwrap()),
        "http://localhost"
    );
    assert_eq!(url.port(), Some(53117));
    assert_eq!(url.path(), "/");
    url.query_pairs().into_owned().collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A fresh code (query mode) and its verifier.
fn code(fx: &Fx) -> (String, String) {
    let (verifier, challenge) = pkce();
    let params = redirect_params(&authorize(fx, &challenge, &[]));
    assert_eq!(param(&params, "state"), Some("st-123"));
    (param(&params, "code").expect("code").to_owned(), verifier)
}

fn token_url(fx: &Fx) -> String {
    fx.idp.token_endpoint(CONTOSO_TENANT_ID)
}

fn redeem(fx: &Fx, code: &str, verifier: &str, redirect: &str) -> HttpResponse {
    http::post_form(
        &token_url(fx),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("scope", SCOPES),
            ("client_info", "1"),
        ],
    )
    .unwrap()
}

fn refresh(fx: &Fx, rt: &str) -> HttpResponse {
    http::post_form(
        &token_url(fx),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", rt),
            ("scope", SCOPES),
            ("client_info", "1"),
        ],
    )
    .unwrap()
}

#[track_caller]
fn assert_oauth_error(resp: &HttpResponse, error: &str, code: u64) -> Value {
    assert_eq!(
        resp.status / 100,
        4,
        "an error status; body: {}",
        resp.text()
    );
    let body = resp.json();
    assert_eq!(body["error"], error, "body: {body}");
    assert_eq!(body["error_codes"], json!([code]), "body: {body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("AADSTS{code}: ")),
        "body: {body}"
    );
    body
}

/// Verify an RS256 JWT against the JWKS the keys endpoint serves; returns its claims.
fn verify_with_jwks(fx: &Fx, jwt: &str) -> Value {
    let keys = http::get(&format!(
        "{}/{CONTOSO_TENANT_ID}/discovery/v2.0/keys",
        fx.idp.base_url()
    ))
    .unwrap()
    .json();
    let (header, claims) = jwt_parts(jwt);
    assert_eq!(header["alg"], "RS256");
    let key = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the ID token's kid is in the JWKS");
    assert_eq!(key["kty"], "RSA");
    let b64 = |v: &Value| URL_SAFE_NO_PAD.decode(v.as_str().unwrap()).unwrap();
    let (n, e) = (b64(&key["n"]), b64(&key["e"]));
    let (signed, sig) = jwt.rsplit_once('.').unwrap();
    aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &URL_SAFE_NO_PAD.decode(sig).unwrap(),
        )
        .expect("the ID token signature verifies with the JWKS key");
    claims
}

// ----- authorize --------------------------------------------------------------------------------

#[test]
fn authorize_query_mode_redirects_to_the_loopback_with_code_and_state() {
    let fx = fx();
    let (_, challenge) = pkce();
    let params = redirect_params(&authorize(&fx, &challenge, &[]));
    assert!(param(&params, "code").is_some_and(|c| c.len() > 40));
    assert_eq!(param(&params, "state"), Some("st-123"));
    assert!(param(&params, "session_state").is_some());
    assert!(param(&params, "client_info").is_none(), "not asked for");
    // Absent response_mode means query too.
    let params = redirect_params(&authorize(&fx, &challenge, &[("response_mode", "")]));
    assert!(param(&params, "code").is_some());
}

#[test]
fn authorize_form_post_page_auto_submits_the_code_and_state() {
    let fx = fx();
    let (_, challenge) = pkce();
    let resp = authorize(&fx, &challenge, &[("response_mode", "form_post")]);
    assert_eq!(resp.status, 200);
    assert!(resp.header("location").is_none());
    let page = resp.text();
    assert!(
        page.contains(&format!(
            "<form method=\"POST\" name=\"hiddenform\" action=\"{REDIRECT}\">"
        )),
        "{page}"
    );
    assert!(page.contains("<input type=\"hidden\" name=\"code\" value=\""));
    assert!(page.contains("<input type=\"hidden\" name=\"state\" value=\"st-123\" />"));
    assert!(page.contains("document.forms[0].submit()"));
}

#[test]
fn authorize_accepts_only_loopback_redirects_on_any_port() {
    let fx = fx();
    let (_, challenge) = pkce();
    for ok in [
        "http://127.0.0.1:1",
        "http://localhost:65535/",
        "http://localhost",
    ] {
        let resp = authorize(&fx, &challenge, &[("redirect_uri", ok)]);
        assert_eq!(resp.status, 302, "{ok}: {}", resp.text());
        assert!(resp.header("location").unwrap().contains("code="));
    }
    for bad in [
        "https://localhost:1234",
        "http://evil.example:1234",
        "http://localhost:1234/callback",
        "http://localhost:1234/?x=1",
        "http://[::1]:1234",
        "http://user@localhost:1234",
    ] {
        let resp = authorize(&fx, &challenge, &[("redirect_uri", bad)]);
        assert_eq!(resp.status, 400, "{bad}");
        assert!(resp.header("location").is_none(), "{bad}: never redirected");
        assert!(resp.text().contains("AADSTS50011"), "{bad}");
    }
}

#[test]
fn authorize_rejects_unknown_clients_without_redirecting() {
    let fx = fx();
    let (_, challenge) = pkce();
    let resp = authorize(&fx, &challenge, &[("client_id", "not-registered")]);
    assert_eq!(resp.status, 400);
    assert!(resp.header("location").is_none());
    assert!(resp.text().contains("AADSTS700016"));
}

#[test]
fn authorize_requires_pkce_s256_state_nonce_and_openid() {
    let fx = fx();
    let (_, challenge) = pkce();
    // (parameter changes, expected error, expected AADSTS code)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case<'_>; 7] = [
        (&[("code_challenge", "")], "invalid_request", "9002325"),
        (
            &[("code_challenge_method", "plain")],
            "invalid_request",
            "9002326",
        ),
        (
            &[("code_challenge_method", "")],
            "invalid_request",
            "9002326",
        ),
        (&[("code_challenge", "short")], "invalid_request", "9002327"),
        (&[("nonce", "")], "invalid_request", "900144"),
        (
            &[("scope", "https://graph.microsoft.com/User.Read")],
            "invalid_scope",
            "70011",
        ),
        (
            &[("response_type", "token")],
            "unsupported_response_type",
            "70005",
        ),
    ];
    for (changes, error, code) in cases {
        let params = redirect_params(&authorize(&fx, &challenge, changes));
        assert_eq!(param(&params, "error"), Some(error), "{changes:?}");
        assert!(
            param(&params, "error_description")
                .is_some_and(|d| d.starts_with(&format!("AADSTS{code}:"))),
            "{changes:?}: {params:?}"
        );
        assert_eq!(param(&params, "state"), Some("st-123"), "{changes:?}");
        assert!(param(&params, "code").is_none(), "{changes:?}");
    }
    // Without state, the error comes back without one.
    let params = redirect_params(&authorize(&fx, &challenge, &[("state", "")]));
    assert_eq!(param(&params, "error"), Some("invalid_request"));
    assert!(param(&params, "state").is_none());
}

#[test]
fn authorize_can_deny_consent_and_sends_state_back() {
    let fx = fx();
    fx.idp.set_authorize_outcome(AuthorizeOutcome::declined());
    let (_, challenge) = pkce();
    let params = redirect_params(&authorize(&fx, &challenge, &[]));
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert!(
        param(&params, "error_description")
            .unwrap()
            .starts_with("AADSTS65004")
    );
    assert_eq!(param(&params, "state"), Some("st-123"));
    assert!(param(&params, "code").is_none());
}

#[test]
fn login_hint_picks_the_user_and_other_tenants_users_are_refused() {
    let fx = fx();
    let bob = fx.idp.add_user("bob@contoso.example", "pw-bob");
    let fabrikam = fx.idp.add_tenant("fabrikam.example");
    let carol = fx
        .idp
        .add_user_in("fabrikam.example", "carol@fabrikam.example", "pw");
    assert_eq!(carol.tid, fabrikam);
    let (verifier, challenge) = pkce();
    let params = redirect_params(&authorize(
        &fx,
        &challenge,
        &[("login_hint", "BOB@contoso.example")],
    ));
    let resp = redeem(&fx, param(&params, "code").unwrap(), &verifier, REDIRECT);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let id = jwt_parts(resp.json()["id_token"].as_str().unwrap()).1;
    assert_eq!(id["preferred_username"], bob.username);
    assert_eq!(id["oid"], bob.oid);

    let params = redirect_params(&authorize(
        &fx,
        &challenge,
        &[("login_hint", "nobody@contoso.example")],
    ));
    assert_eq!(param(&params, "error"), Some("invalid_request"));
    assert!(
        param(&params, "error_description")
            .unwrap()
            .starts_with("AADSTS50034")
    );

    // Carol (fabrikam) cannot sign in through contoso's authority…
    let params = redirect_params(&authorize(
        &fx,
        &challenge,
        &[("login_hint", &carol.username)],
    ));
    assert!(
        param(&params, "error_description")
            .unwrap()
            .starts_with("AADSTS50020")
    );
    // …but can through `organizations`, and gets her home tenant in the tokens.
    let url = format!(
        "{}/organizations/oauth2/v2.0/authorize?client_id={CLIENT}&response_type=code&redirect_uri={REDIRECT}&scope=openid&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256&login_hint={}&client_info=1",
        fx.idp.base_url(),
        carol.username
    );
    let params = redirect_params(&http::get(&url).unwrap());
    let info = URL_SAFE_NO_PAD
        .decode(param(&params, "client_info").expect("client_info when asked"))
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&info).unwrap(),
        json!({"uid": carol.oid, "utid": fabrikam})
    );
}

// ----- authorization_code -----------------------------------------------------------------------

#[test]
fn code_redemption_returns_entra_shaped_user_tokens() {
    let fx = fx();
    let (code, verifier) = code(&fx);
    let resp = redeem(&fx, &code, &verifier, REDIRECT);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let body = resp.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert_eq!(
        body["scope"], "https://graph.microsoft.com/User.Read openid profile",
        "granted scopes without offline_access"
    );
    let at = body["access_token"].as_str().unwrap();
    let rt = body["refresh_token"].as_str().unwrap();
    assert!(rt.len() > 100);
    assert_eq!(fx.idp.issued_access_tokens(), vec![at.to_owned()]);
    assert_eq!(fx.idp.issued_refresh_tokens(), vec![rt.to_owned()]);

    let claims = verify_with_jwks(&fx, body["id_token"].as_str().unwrap());
    assert_eq!(claims["aud"], CLIENT);
    assert_eq!(claims["nonce"], "nonce-abc");
    assert_eq!(claims["oid"], fx.alice.oid);
    assert_eq!(claims["tid"], CONTOSO_TENANT_ID);
    assert_eq!(claims["preferred_username"], "alice@contoso.example");
    assert!(claims["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        claims["iss"],
        format!("{}/{CONTOSO_TENANT_ID}/v2.0", fx.idp.base_url())
    );
    let now = crate::support::idp::now_secs() as i64;
    assert!(claims["iat"].as_i64().unwrap() <= now);
    assert!(claims["exp"].as_i64().unwrap() > now);

    let info = URL_SAFE_NO_PAD
        .decode(body["client_info"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&info).unwrap(),
        json!({"uid": fx.alice.oid, "utid": fx.alice.tid})
    );
    assert_eq!(
        fx.alice.home_account_id(),
        format!("{}.{}", fx.alice.oid, CONTOSO_TENANT_ID)
    );
}

#[test]
fn pkce_mismatch_is_invalid_grant_and_does_not_spend_the_code() {
    let fx = fx();
    let (code, verifier) = code(&fx);
    let (other, _) = pkce();
    assert_oauth_error(
        &redeem(&fx, &code, &other, REDIRECT),
        "invalid_grant",
        501481,
    );
    assert_oauth_error(&redeem(&fx, &code, "", REDIRECT), "invalid_grant", 501481);
    assert!(fx.idp.issued_access_tokens().is_empty());
    assert_eq!(redeem(&fx, &code, &verifier, REDIRECT).status, 200);
}

#[test]
fn redirect_uri_must_match_the_authorize_request() {
    let fx = fx();
    let (code, verifier) = code(&fx);
    for other in [
        "http://localhost:53118",
        "http://127.0.0.1:53117",
        "http://localhost:53117/",
    ] {
        assert_oauth_error(
            &redeem(&fx, &code, &verifier, other),
            "invalid_grant",
            500112,
        );
    }
    assert!(fx.idp.issued_access_tokens().is_empty());
}

#[test]
fn codes_are_single_use() {
    let fx = fx();
    let (code, verifier) = code(&fx);
    assert_eq!(redeem(&fx, &code, &verifier, REDIRECT).status, 200);
    assert_oauth_error(
        &redeem(&fx, &code, &verifier, REDIRECT),
        "invalid_grant",
        54005,
    );
    assert_oauth_error(
        &redeem(&fx, "0.Aforged", &verifier, REDIRECT),
        "invalid_grant",
        9002313,
    );
    assert_eq!(fx.idp.issued_access_tokens().len(), 1);
}

#[test]
fn codes_expire_and_are_bound_to_the_client() {
    let fx = fx();
    fx.idp.register_public_client("other-client");
    let (code1, verifier1) = code(&fx);
    let resp = http::post_form(
        &token_url(&fx),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "other-client"),
            ("code", &code1),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier1),
        ],
    )
    .unwrap();
    assert_oauth_error(&resp, "invalid_grant", 70000);
    fx.idp.set_code_lifetime(std::time::Duration::ZERO);
    let (code2, verifier2) = code(&fx);
    assert_oauth_error(
        &redeem(&fx, &code2, &verifier2, REDIRECT),
        "invalid_grant",
        70008,
    );
}

// ----- public clients -----------------------------------------------------------------------------

#[test]
fn public_clients_must_not_send_a_secret_and_get_no_app_tokens() {
    let fx = fx();
    let (code, verifier) = code(&fx);
    let resp = http::post_form(
        &token_url(&fx),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("client_secret", "anything"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .unwrap();
    assert_oauth_error(&resp, "invalid_client", 700025);
    let resp = http::post_form(
        &token_url(&fx),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", "api://x/.default"),
        ],
    )
    .unwrap();
    assert_oauth_error(&resp, "invalid_client", 7000218);
}

// ----- refresh_token ----------------------------------------------------------------------------------

fn first_rt(fx: &Fx) -> String {
    let (code, verifier) = code(fx);
    redeem(fx, &code, &verifier, REDIRECT).json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn refresh_tokens_rotate_and_a_used_one_is_spent() {
    let fx = fx();
    let rt1 = first_rt(&fx);
    let resp = refresh(&fx, &rt1);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let body = resp.json();
    let rt2 = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2, "a new refresh token");
    assert!(body["id_token"].is_string() && body["client_info"].is_string());
    assert!(
        jwt_parts(body["id_token"].as_str().unwrap())
            .1
            .get("nonce")
            .is_none()
    );
    assert!(!fx.idp.refresh_token_is_active(&rt1));
    assert!(fx.idp.refresh_token_is_active(&rt2));
    let reuse = assert_oauth_error(&refresh(&fx, &rt1), "invalid_grant", 70000);
    assert!(
        reuse["error_description"]
            .as_str()
            .unwrap()
            .contains("rotate")
    );
    assert_eq!(refresh(&fx, &rt2).status, 200, "the rotated one works");
    assert_oauth_error(&refresh(&fx, "1.AXYAgarbage"), "invalid_grant", 9002313);
}

#[test]
fn revoked_refresh_tokens_and_claims_challenges() {
    let fx = fx();
    let rt = first_rt(&fx);
    let challenge = r#"{"access_token":{"capolids":{"essential":true,"values":["c1"]}}}"#;
    fx.idp.set_claims_challenge(Some(challenge));
    let body = assert_oauth_error(&refresh(&fx, &rt), "interaction_required", 50076);
    assert_eq!(body["suberror"], "basic_action");
    assert_eq!(body["claims"], challenge);
    assert!(
        fx.idp.refresh_token_is_active(&rt),
        "a refused refresh spends nothing"
    );
    fx.idp.set_claims_challenge(None);
    assert_eq!(fx.idp.revoke_refresh_tokens("alice@contoso.example"), 1);
    assert_oauth_error(&refresh(&fx, &rt), "invalid_grant", 50173);
}

// ----- password -----------------------------------------------------------------------------------

#[test]
fn password_grant_checks_the_password() {
    let fx = fx();
    let form = |password: &'static str| {
        HttpRequest::post_form(
            &token_url(&fx),
            &[
                ("grant_type", "password"),
                ("client_id", CLIENT),
                ("username", "alice@contoso.example"),
                ("password", password),
                ("scope", SCOPES),
            ],
        )
        .send()
        .unwrap()
    };
    assert_oauth_error(&form("wrong"), "invalid_grant", 50126);
    let resp = form(PASSWORD);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let body = resp.json();
    assert!(body["refresh_token"].is_string());
    assert!(body.get("client_info").is_none(), "only when asked for");
    assert_eq!(
        jwt_parts(body["id_token"].as_str().unwrap()).1["preferred_username"],
        "alice@contoso.example"
    );
}

// ----- device code ------------------------------------------------------------------------------------

fn device_code(fx: &Fx) -> Value {
    let resp = http::post_form(
        &format!(
            "{}/{CONTOSO_DOMAIN}/oauth2/v2.0/devicecode",
            fx.idp.base_url()
        ),
        &[("client_id", CLIENT), ("scope", SCOPES)],
    )
    .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

fn poll(fx: &Fx, device_code: &str) -> HttpResponse {
    http::post_form(
        &token_url(fx),
        &[
            ("grant_type", DEVICE_CODE_GRANT),
            ("client_id", CLIENT),
            ("device_code", device_code),
            ("client_info", "1"),
        ],
    )
    .unwrap()
}

#[test]
fn device_authorization_answers_like_entra() {
    let fx = fx();
    let body = device_code(&fx);
    let user_code = body["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert!(body["device_code"].as_str().unwrap().len() > 40);
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["interval"], 5);
    let uri = body["verification_uri"].as_str().unwrap();
    assert!(
        uri.starts_with(&fx.idp.base_url()),
        "nothing points off this machine"
    );
    assert!(
        body.get("verification_uri_complete").is_none(),
        "Entra sends none"
    );
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(uri) && message.contains(user_code),
        "{message}"
    );
    assert_eq!(fx.idp.device_user_codes(), vec![user_code.to_owned()]);
    // Confidential or unknown clients are refused.
    let resp = http::post_form(
        &format!(
            "{}/{CONTOSO_DOMAIN}/oauth2/v2.0/devicecode",
            fx.idp.base_url()
        ),
        &[("client_id", "nope"), ("scope", SCOPES)],
    )
    .unwrap();
    assert_oauth_error(&resp, "unauthorized_client", 700016);
}

#[test]
fn device_code_polls_pending_then_tokens_once_approved() {
    let fx = fx();
    fx.idp.set_device_code_timing(0, 900);
    let dc = device_code(&fx)["device_code"].as_str().unwrap().to_owned();
    assert_oauth_error(&poll(&fx, &dc), "authorization_pending", 70016);
    assert_oauth_error(&poll(&fx, &dc), "authorization_pending", 70016);
    assert!(fx.idp.approve_device_code("alice@contoso.example"));
    let resp = poll(&fx, &dc);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.json()["refresh_token"].is_string());
    assert_eq!(fx.idp.device_code_polls(), 3);
    assert_oauth_error(&poll(&fx, &dc), "invalid_grant", 54005);
    assert_oauth_error(&poll(&fx, "forged"), "invalid_grant", 70018);
}

#[test]
fn device_code_plans_decline_expire_and_approve() {
    let fx = fx();
    fx.idp.set_device_code_timing(0, 900);
    fx.idp
        .set_device_plan(DevicePlan::DeclineAfter { polls: 2 });
    let dc = device_code(&fx)["device_code"].as_str().unwrap().to_owned();
    assert_oauth_error(&poll(&fx, &dc), "authorization_pending", 70016);
    assert_oauth_error(&poll(&fx, &dc), "authorization_declined", 70025);
    fx.idp.set_device_plan(DevicePlan::ExpireAfter { polls: 1 });
    let dc = device_code(&fx)["device_code"].as_str().unwrap().to_owned();
    assert_oauth_error(&poll(&fx, &dc), "expired_token", 70019);
    fx.idp.set_device_plan(DevicePlan::ApproveAfter {
        polls: 2,
        username: "alice@contoso.example".into(),
    });
    let dc = device_code(&fx)["device_code"].as_str().unwrap().to_owned();
    assert_oauth_error(&poll(&fx, &dc), "authorization_pending", 70016);
    assert_eq!(poll(&fx, &dc).status, 200);
}

#[test]
fn device_code_polled_faster_than_the_interval_gets_slow_down() {
    let fx = fx();
    fx.idp.set_device_code_timing(1, 900);
    let dc = device_code(&fx)["device_code"].as_str().unwrap().to_owned();
    // Polled at once, before a second has passed.
    assert_oauth_error(&poll(&fx, &dc), "slow_down", 70024);
    assert_oauth_error(&poll(&fx, &dc), "slow_down", 70024);
    // A forced slow_down comes however politely the client polls.
    fx.idp.set_device_code_timing(0, 900);
    fx.idp.force_slow_down_on_poll(2);
    let dc = device_code(&fx)["device_code"].as_str().unwrap().to_owned();
    assert_oauth_error(&poll(&fx, &dc), "authorization_pending", 70016);
    assert_oauth_error(&poll(&fx, &dc), "slow_down", 70024);
}

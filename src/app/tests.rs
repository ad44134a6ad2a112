//! The app layer in process: a scripted identity provider behind the [`Transport`] seam, a real
//! cache file in a temporary directory, no socket. The end-to-end tests in `tests/cli/` cover
//! the same paths through the real binary; these pin the policies themselves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use super::*;
use crate::authority::Authority;
use crate::cache::CacheFile;
use crate::http::{BoxFuture, Exchange, Failure, HttpError, HttpExchange, HttpResponse, Transport};
use crate::secret::Assertion;

const TENANT: &str = "contoso.example";
const TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const CLIENT: &str = "2f8c6a1e-5b3d-4e7f-9a0b-c1d2e3f4a5b6";
const HOST: &str = "https://login.microsoftonline.com";

/// What the scripted provider answers, in order, after discovery (answered every time).
#[derive(Debug, Default)]
struct Script {
    answers: Mutex<VecDeque<Exchange>>,
    /// Every token request's form, as `name=value` pairs (secrets included: test-only).
    token_requests: Mutex<Vec<Vec<(String, String)>>>,
}

impl Script {
    fn then(&self, exchange: Exchange) -> &Self {
        self.answers.lock().unwrap().push_back(exchange);
        self
    }

    fn token_requests(&self) -> Vec<Vec<(String, String)>> {
        self.token_requests.lock().unwrap().clone()
    }
}

fn json_answer(status: u16, body: &Value) -> Exchange {
    json_answer_after(status, body, None)
}

fn json_answer_after(status: u16, body: &Value, retry_after: Option<u64>) -> Exchange {
    Ok(HttpExchange {
        response: HttpResponse {
            status,
            content_type: Some("application/json".into()),
            body: body.to_string().into_bytes(),
        },
        retry_after,
        www_authenticate: None,
    })
}

fn broken() -> Exchange {
    Err(Failure {
        error: HttpError::Connect {
            endpoint: format!("{HOST}/{TID}/oauth2/v2.0/token"),
            reason: "connection reset".into(),
        },
        retryable: true,
    })
}

impl Transport for Script {
    fn exchange<'a>(
        &'a self,
        request: &'a HttpRequest,
        _headers: &'a [(&'static str, String)],
    ) -> BoxFuture<'a, Exchange> {
        Box::pin(async move {
            if request
                .url
                .path()
                .ends_with("/.well-known/openid-configuration")
            {
                return json_answer(
                    200,
                    &json!({
                        "issuer": format!("{HOST}/{TID}/v2.0"),
                        "token_endpoint": format!("{HOST}/{TID}/oauth2/v2.0/token"),
                        "authorization_endpoint": format!("{HOST}/{TID}/oauth2/v2.0/authorize"),
                    }),
                );
            }
            self.token_requests.lock().unwrap().push(
                request
                    .form
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value().to_owned()))
                    .collect(),
            );
            self.answers
                .lock()
                .unwrap()
                .pop_front()
                .expect("an answer scripted for every token request")
        })
    }
}

fn form<'a>(request: &'a [(String, String)], name: &str) -> Option<&'a str> {
    request
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A client of the scripted provider, on a cache file in `dir`.
fn app(dir: &tempfile::TempDir, script: &Arc<Script>) -> ClientApplication {
    let config = ClientConfig {
        client_id: CLIENT.into(),
        authority: Authority::parse(&format!("{HOST}/{TENANT}")).unwrap(),
        http: HttpConfig::new(Duration::from_secs(5)),
        token_cache: Some(CacheFile::new(dir.path().join("cache.json"))),
        metadata_cache: None,
        instance_discovery: false,
    };
    let transport: Arc<dyn Transport> = script.clone();
    ClientApplication::new(config).with_transport(transport)
}

fn client_info(uid: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"uid": uid, "utid": TID}).to_string())
}

fn id_token(uid: &str) -> String {
    let claims = json!({
        "iss": format!("{HOST}/{TID}/v2.0"), "tid": TID, "aud": CLIENT, "sub": format!("sub-{uid}"),
        "oid": uid, "preferred_username": format!("{uid}@contoso.example"),
    });
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("e30.{payload}.sig")
}

/// A user token answer: access token `at`, refresh token `rt`, lifetime `expires_in`.
fn user_answer(at: &str, rt: &str, expires_in: u64, uid: &str) -> Exchange {
    json_answer(
        200,
        &json!({
            "token_type": "Bearer", "access_token": at, "refresh_token": rt,
            "expires_in": expires_in, "scope": "User.Read openid profile offline_access",
            "id_token": id_token(uid), "client_info": client_info(uid),
        }),
    )
}

fn scopes() -> Vec<String> {
    vec!["User.Read".to_owned()]
}

fn silent() -> SilentParameters {
    SilentParameters {
        scopes: scopes(),
        account: None,
        force_refresh: false,
        claims: None,
        min_validity: Duration::from_secs(MIN_VALIDITY_SECS),
    }
}

/// Signs a user in by importing a refresh token (the simplest user grant to script).
async fn sign_in(client: &PublicClient, script: &Script, at: &str, expires_in: u64) {
    script.then(user_answer(at, "rt-1", expires_in, "u1"));
    client
        .acquire_token_by_refresh_token(&crate::secret::RefreshToken::new("imported"), &scopes())
        .await
        .unwrap();
}

#[tokio::test]
async fn silent_serves_a_fresh_token_and_refreshes_a_stale_one_with_the_rotated_token_kept() {
    let dir = tempfile::tempdir().unwrap();
    let script = Arc::new(Script::default());
    let client = PublicClient::new(app(&dir, &script));
    // 200 s: under the 5 minutes a served token must have left.
    sign_in(&client, &script, "at-1", 200).await;

    script.then(user_answer("at-2", "rt-2", 3600, "u1"));
    let refreshed = client.acquire_token_silent(&silent()).await.unwrap();
    assert_eq!(refreshed.access_token.secret(), "at-2");
    assert_eq!(refreshed.source, TokenSource::IdentityProvider);
    let request = script.token_requests().pop().unwrap();
    assert_eq!(form(&request, "grant_type"), Some("refresh_token"));
    assert_eq!(form(&request, "refresh_token"), Some("rt-1"));

    // Now fresh: served with no request.
    let before = script.token_requests().len();
    let cached = client.acquire_token_silent(&silent()).await.unwrap();
    assert_eq!(cached.access_token.secret(), "at-2");
    assert_eq!(cached.source, TokenSource::Cache);
    assert_eq!(script.token_requests().len(), before);

    // The spent refresh token is gone from the file; the rotated one is there.
    let text = std::fs::read_to_string(dir.path().join("cache.json")).unwrap();
    assert!(text.contains("\"rt-2\"") && !text.contains("\"rt-1\""));
}

#[tokio::test]
async fn a_refresh_due_token_is_served_when_renewing_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let script = Arc::new(Script::default());
    let client = PublicClient::new(app(&dir, &script));
    // An hour-long token the server asks to renew at once (`refresh_in` 0).
    script.then(json_answer(
        200,
        &json!({
            "token_type": "Bearer", "access_token": "at-1", "refresh_token": "rt-1",
            "expires_in": 3600, "refresh_in": 0, "scope": "User.Read",
            "id_token": id_token("u1"), "client_info": client_info("u1"),
        }),
    ));
    client
        .acquire_token_by_refresh_token(&crate::secret::RefreshToken::new("imported"), &scopes())
        .await
        .unwrap();

    // Down twice (the request and its one retry): the still-valid token is served.
    script.then(broken()).then(broken());
    let served = client.acquire_token_silent(&silent()).await.unwrap();
    assert_eq!(served.access_token.secret(), "at-1");
    assert_eq!(served.source, TokenSource::Cache);

    // Refused: the same (MSAL's policy), and the refresh token is kept.
    script.then(json_answer(
        400,
        &json!({"error": "invalid_grant", "error_description": "AADSTS70000: revoked"}),
    ));
    let served = client.acquire_token_silent(&silent()).await.unwrap();
    assert_eq!(served.access_token.secret(), "at-1");
    let text = std::fs::read_to_string(dir.path().join("cache.json")).unwrap();
    assert!(text.contains("\"rt-1\""));
}

#[tokio::test]
async fn a_refresh_answer_naming_another_account_is_refused_and_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let script = Arc::new(Script::default());
    let client = PublicClient::new(app(&dir, &script));
    sign_in(&client, &script, "at-1", 200).await;
    let before = std::fs::read(dir.path().join("cache.json")).unwrap();

    script.then(user_answer("at-evil", "rt-evil", 3600, "u2"));
    let error = client.acquire_token_silent(&silent()).await.unwrap_err();
    assert!(error.to_string().contains("another account"), "{error}");
    assert_eq!(
        std::fs::read(dir.path().join("cache.json")).unwrap(),
        before
    );
}

fn obo(assertion: &str) -> OnBehalfOfParameters {
    OnBehalfOfParameters {
        user_assertion: Assertion::new(assertion),
        scopes: vec!["api://downstream/.default".to_owned()],
        claims: None,
        force_refresh: false,
        exchange: Default::default(),
    }
}

fn confidential(app: ClientApplication) -> ConfidentialClient {
    ConfidentialClient::new(
        app,
        crate::credential::ClientCredential::Secret(crate::secret::ClientSecret::new("s3cret")),
    )
}

#[tokio::test]
async fn on_behalf_of_tokens_are_cached_per_assertion_and_never_as_the_apps_own() {
    let dir = tempfile::tempdir().unwrap();
    let script = Arc::new(Script::default());
    let client = confidential(app(&dir, &script));
    // Answers that name nobody.
    let anonymous = |at: &str| {
        json_answer(
            200,
            &json!({"token_type": "Bearer", "access_token": at, "expires_in": 3600,
                    "scope": "api://downstream/.default"}),
        )
    };

    script.then(anonymous("obo-alice"));
    let first = client
        .acquire_token_on_behalf_of(&obo("alice-token"))
        .await
        .unwrap();
    assert_eq!(first.access_token.secret(), "obo-alice");
    let again = client
        .acquire_token_on_behalf_of(&obo("alice-token"))
        .await
        .unwrap();
    assert_eq!(again.source, TokenSource::Cache);
    assert_eq!(again.access_token.secret(), "obo-alice");
    assert_eq!(script.token_requests().len(), 1);

    // Another assertion, then the app's own token: each asked for, none served another's.
    script.then(anonymous("obo-bob"));
    let bob = client
        .acquire_token_on_behalf_of(&obo("bob-token"))
        .await
        .unwrap();
    assert_eq!(bob.access_token.secret(), "obo-bob");
    script.then(anonymous("app-token"));
    let own = client
        .acquire_token_for_client(&ClientCredentialsParameters {
            scopes: vec!["api://downstream/.default".to_owned()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(own.access_token.secret(), "app-token");
    assert_eq!(script.token_requests().len(), 3);
    let alice = client
        .acquire_token_on_behalf_of(&obo("alice-token"))
        .await
        .unwrap();
    assert_eq!(alice.access_token.secret(), "obo-alice");
}

#[tokio::test]
async fn a_server_error_is_retried_once_and_a_long_retry_after_is_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let script = Arc::new(Script::default());
    let client = confidential(app(&dir, &script));
    let params = ClientCredentialsParameters {
        scopes: vec!["api://x/.default".to_owned()],
        force_refresh: true,
        ..Default::default()
    };
    let token = json!({"token_type": "Bearer", "access_token": "at", "expires_in": 3600});

    script
        .then(json_answer(503, &json!({})))
        .then(json_answer(200, &token));
    assert_eq!(
        client
            .acquire_token_for_client(&params)
            .await
            .unwrap()
            .access_token
            .secret(),
        "at"
    );
    assert_eq!(script.token_requests().len(), 2);

    script.then(json_answer_after(429, &json!({}), Some(3600)));
    let error = client.acquire_token_for_client(&params).await.unwrap_err();
    assert!(error.to_string().contains("3600 s"), "{error}");
    assert_eq!(script.token_requests().len(), 3, "no retry");

    // An OAuth refusal is an answer, never retried.
    script.then(json_answer(
        401,
        &json!({"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"}),
    ));
    let error = client.acquire_token_for_client(&params).await.unwrap_err();
    assert!(matches!(error, Error::OAuth(_)), "{error}");
    assert_eq!(script.token_requests().len(), 4);
}

//! Fuzzing on stable Rust: property tests that mutate a committed seed corpus
//! (`tests/fuzz/seeds/`) and generate arbitrary input for every parser that reads what a server,
//! a file or a user hands us. Each property says what must hold for *any* input: no panic, and
//! the invariant the parser exists for (round trips, no secret echoed, no plain-http remote
//! endpoint accepted, no code without the right state).
//!
//! CI runs the default bounded number of cases (`PROPTEST_CASES`, 256 unless set). A longer run:
//! `PROPTEST_CASES=100000 cargo test --release --test cli properties`. A failure is shrunk and
//! its seed saved under `tests/cli/properties.proptest-regressions`; commit that file with the fix.

use std::path::PathBuf;
use std::sync::OnceLock;

use msal::Error;
use msal::authority::{Authority, build_discovery_request, parse_discovery_response};
use msal::cache::{
    AccessTokenFilter, AccessTokenQuery, CacheSnapshot, TokenCache, TokenEvent, TokenIssuer,
};
use msal::credential::Certificate;
use msal::flow::auth_code::{Redirect, parse_redirect};
use msal::flow::device_code;
use msal::flow::token_endpoint::{MAX_LIFETIME_SECS, parse_token_response};
use msal::http::{HttpRequest, HttpResponse};
use msal::secret::{CertificatePassword, IdToken};
use msal::token::{ClientInfo, IdTokenClaims};
use proptest::prelude::*;
use serde_json::json;
use url::Url;

use crate::support::certs::TestCert;

/// The marker every secret in the seeds contains.
const SECRET_MARKER: &str = "SECRET-4f1e";

fn seed(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/seeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("seed {}: {e}", path.display()))
}

/// One edit of a mutation fuzzer.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, bit)| Edit::Flip(p, 1 << bit)),
        (
            any::<usize>(),
            prop::sample::select(b"{}[]\":,\\0-9aZ \x00\xff<>&=%".to_vec())
        )
            .prop_map(|(p, b)| Edit::Set(p, b)),
        (any::<usize>(), 1usize..16).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Duplicate(p, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match edit {
            Edit::Flip(p, mask) if !bytes.is_empty() => bytes[p % len] ^= mask,
            Edit::Set(p, b) if !bytes.is_empty() => bytes[p % len] = *b,
            Edit::Delete(p, n) if !bytes.is_empty() => {
                let start = p % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Edit::Insert(p, b) => {
                let at = p % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Duplicate(p, n) if !bytes.is_empty() => {
                let start = p % len;
                let end = (start + n).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Edit::Truncate(p) => bytes.truncate(p % (bytes.len() + 1)),
            _ => {}
        }
    }
    bytes
}

/// A seed from `names`, mutated by up to 8 edits (sometimes none: the seed itself must pass).
fn mutated(names: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(names),
        prop::collection::vec(edit(), 0..8),
    )
        .prop_map(|(name, edits)| apply(seed(name), &edits))
}

/// Arbitrary JSON of bounded depth: shapes a cache file or a server might have.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[ -~]{0,12}".prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "AccessToken",
            "RefreshToken",
            "IdToken",
            "Account",
            "secret",
            "1790000000"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "AccessToken",
                    "RefreshToken",
                    "IdToken",
                    "Account",
                    "AppMetadata",
                    "k",
                    "secret",
                    "home_account_id",
                    "environment",
                    "client_id",
                    "realm",
                    "target",
                    "expires_on",
                    "cached_at",
                    "credential_type",
                    "token_type",
                    "access_token",
                    "error",
                    "expires_in",
                ])
                .prop_map(str::to_owned),
                inner,
                0..6,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[allow(clippy::result_large_err)] // the library's own error type, as it returns it
fn token_exchange(status: u16, body: Vec<u8>) -> Result<msal::token::TokenResponse, Error> {
    let request = HttpRequest::post_form(
        Url::parse("https://login.example.com/t/oauth2/v2.0/token").unwrap(),
    );
    parse_token_response(
        &request,
        &HttpResponse {
            status,
            content_type: None,
            body,
        },
    )
}

/// A number as a server might send one where seconds are expected: any integer, any float, the
/// edges of the integer types, or any of those as a string.
fn clock_number() -> impl Strategy<Value = serde_json::Value> {
    let number = prop_oneof![
        any::<u64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        prop::sample::select(vec![0u64, 1, u64::MAX, u64::MAX - 1, i64::MAX as u64])
            .prop_map(serde_json::Value::from),
    ];
    prop_oneof![
        number.clone(),
        number.prop_map(|n| serde_json::Value::String(n.to_string())),
        Just(json!("18446744073709551616")),
        Just(json!("1e400")),
    ]
}

fn certificate_seeds() -> &'static (Vec<u8>, Vec<u8>) {
    static SEEDS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let cert = TestCert::shared();
        (cert.pem_bundle().into_bytes(), cert.pfx("pw"))
    })
}

proptest! {
    #[test]
    fn cache_files_never_panic_and_what_parses_round_trips(
        bytes in mutated(&["cache-user-and-app.json", "cache-empty.json"]),
    ) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(cache) = TokenCache::from_json(&text) {
            let written = cache.to_json();
            let again = TokenCache::from_json(&written);
            prop_assert!(again.is_ok(), "what we write must parse again");
            let again = again.unwrap();
            prop_assert_eq!(&again, &cache);
            prop_assert_eq!(again.to_json(), written);
        }
    }

    #[test]
    fn cache_snapshots_find_what_the_whole_cache_finds(
        bytes in mutated(&["cache-user-and-app.json", "cache-empty.json"]),
        client_id in prop::sample::select(vec!["c1", "C1", "c2"]),
        environment in prop::sample::select(vec!["login.microsoftonline.com", "LOGIN.microsoftonline.com", "login.example.com"]),
        scope in prop::sample::select(vec!["User.Read", "user.read", "api://x/.default", "Mail.Read"]),
        more in prop::collection::vec(prop::sample::select(vec!["user.read", "openid", "Mail.Read"]), 0..2),
    ) {
        // The fast path of `msal silent`: a snapshot that keeps only the access tokens a lookup
        // can use must be refused exactly when the whole cache is, and find exactly what it finds.
        let text = String::from_utf8_lossy(&bytes);
        let scopes = vec![scope.to_owned()];
        let filter = AccessTokenFilter { client_id, environment, scopes: &scopes };
        let issuer = TokenIssuer::entra("https://login.microsoftonline.com", environment);
        match (TokenCache::from_json(&text), CacheSnapshot::from_json(&text, &filter)) {
            (Ok(cache), Ok(snapshot)) => {
                let mut asked = scopes.clone();
                asked.extend(more.iter().map(|s| (*s).to_owned()));
                for realm in ["t1", "T1", "t2"] {
                    for home_account_id in [None, Some("u1.t1"), Some("u2.t1")] {
                        for now in [0, 1_790_000_000, 1_790_003_600] {
                            let query = AccessTokenQuery {
                                client_id, issuer: &issuer, realm, home_account_id, scopes: &asked,
                            };
                            prop_assert_eq!(
                                snapshot.find_access_token(&query, now),
                                cache.find_access_token(&query, now)
                            );
                        }
                    }
                }
                prop_assert_eq!(snapshot.accounts(), cache.accounts());
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "cache {:?}, snapshot {:?}", a.map(|_| ()), b.map(|_| ())),
        }
    }

    #[test]
    fn cache_of_any_json_shape_never_panics(value in json()) {
        let text = value.to_string();
        if let Ok(cache) = TokenCache::from_json(&text) {
            prop_assert!(TokenCache::from_json(&cache.to_json()).is_ok());
        }
    }

    #[test]
    fn token_answers_never_panic_and_never_echo_a_token(
        status in prop::sample::select(vec![200u16, 201, 400, 401, 429, 500, 503]),
        bytes in mutated(&["token-success.json", "token-error.json", "token-html.html"]),
    ) {
        if let Err(Error::UnexpectedResponse { detail, endpoint, .. }) = token_exchange(status, bytes) {
            prop_assert!(!detail.contains(SECRET_MARKER), "a malformed answer's error echoed a token");
            prop_assert!(!endpoint.contains(SECRET_MARKER));
        }
    }

    #[test]
    fn token_answers_of_any_json_shape_never_panic(status in 100u16..600, value in json()) {
        let _ = token_exchange(status, value.to_string().into_bytes());
    }

    #[test]
    fn token_lifetimes_of_any_number_are_bounded_and_meet_any_clock(
        numbers in prop::collection::vec(clock_number(), 3),
        now in prop_oneof![any::<u64>(), Just(u64::MAX), Just(0u64)],
    ) {
        // A number from the server meets the clock when the cache computes `expires_on`,
        // `extended_expires_on` and `refresh_on`: whatever it says, the parser keeps it within a
        // year or refuses it, and filing the answer at any time never panics.
        let mut body = json!({"access_token": "at", "token_type": "Bearer"});
        for (field, number) in ["expires_in", "ext_expires_in", "refresh_in"].iter().zip(numbers) {
            body[*field] = number;
        }
        if let Ok(response) = token_exchange(200, body.to_string().into_bytes()) {
            for lifetime in [response.expires_in, response.ext_expires_in, response.refresh_in] {
                prop_assert!(lifetime.is_none_or(|s| s <= MAX_LIFETIME_SECS));
            }
            let scopes = vec!["api://x/.default".to_owned()];
            let mut cache = TokenCache::default();
            let issuer =
                TokenIssuer::entra("https://login.microsoftonline.com", "login.microsoftonline.com");
            cache.add(&TokenEvent {
                client_id: "c1",
                issuer: &issuer,
                realm: "t1",
                scopes: &scopes,
                grant_type: "client_credentials",
                response: &response,
                home_account_id: None,
                id_token_claims: None,
                username_hint: None,
                user_assertion_hash: None,
            }, now);
            prop_assert!(TokenCache::from_json(&cache.to_json()).is_ok());
            cache.remove_expired_access_tokens(now);
        }
    }

    #[test]
    fn device_code_numbers_of_any_size_give_a_bounded_wait(
        expires_in in clock_number(),
        interval in clock_number(),
    ) {
        let body = json!({"device_code": "d", "user_code": "U", "verification_uri": "https://x",
                          "expires_in": expires_in, "interval": interval});
        let request = HttpRequest::post_form(Url::parse("https://h/t/oauth2/v2.0/devicecode").unwrap());
        let response = HttpResponse { status: 200, content_type: None, body: body.to_string().into_bytes() };
        if let Ok(authorization) = device_code::parse_authorization_response(&request, &response) {
            prop_assert!(authorization.lifetime().as_secs() <= device_code::MAX_LIFETIME);
            prop_assert!(authorization.interval().as_secs() <= device_code::MAX_INTERVAL);
            let _ = authorization.deadline(std::time::Instant::now());
        }
    }

    #[test]
    fn id_tokens_and_client_info_never_panic(
        bytes in mutated(&["id-token.jwt"]),
        text in "[A-Za-z0-9._=-]{0,200}",
    ) {
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        for candidate in [mutated, text] {
            if let Some(claims) = IdTokenClaims::decode_unverified(&IdToken::new(candidate.clone())) {
                let _ = claims.username();
                let _ = claims.has_audience("c1");
            }
            let _ = ClientInfo::decode(&candidate);
        }
    }

    #[test]
    fn redirects_yield_a_code_only_with_the_right_state(
        bytes in mutated(&["redirect-code.query", "redirect-error.query"]),
        extra in prop::collection::vec(("[a-z_]{1,8}", "[ -~]{0,12}"), 0..4),
    ) {
        let mut params: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        params.extend(extra);
        let has_state = params.iter().any(|(k, v)| k == "state" && v == "expected-state");
        match parse_redirect(&params, "expected-state") {
            Redirect::Code(_) | Redirect::Error(_) => prop_assert!(has_state),
            Redirect::Foreign => {}
        }
    }

    #[test]
    fn authorities_never_panic_and_never_allow_remote_plain_http(
        bytes in mutated(&["authorities.txt"]),
        text in "[ -~]{0,80}",
    ) {
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        for line in mutated.lines().map(str::to_owned).chain([text]) {
            for authority in [Authority::parse(&line), Authority::oidc(&line)].into_iter().flatten() {
                let url = Url::parse(authority.url()).unwrap();
                let loopback = url.host_str().is_some_and(msal::authority::is_loopback_host);
                prop_assert!(url.scheme() == "https" || (url.scheme() == "http" && loopback), "accepted {line:?}");
                let _ = authority.discovery_url();
                let _ = authority.environment();
            }
        }
    }

    #[test]
    fn discovery_documents_never_panic_and_never_yield_remote_plain_http(
        bytes in mutated(&["discovery-entra.json"]),
        status in prop::sample::select(vec![200u16, 400, 404, 500]),
    ) {
        let authority = Authority::parse("https://login.microsoftonline.com/contoso.example").unwrap();
        let request = build_discovery_request(&authority, None);
        let response = HttpResponse { status, content_type: None, body: bytes };
        if let Ok(discovered) = parse_discovery_response(&authority, &request, &response, &[]) {
            let endpoints = discovered.endpoints;
            let token = endpoints.token_url().unwrap();
            prop_assert!(
                token.scheme() == "https" || token.host_str().is_some_and(msal::authority::is_loopback_host),
            );
            prop_assert!(
                authority.well_known_aliases().contains(&token.host_str().unwrap_or_default()),
                "a token endpoint off the authority's cloud: {token}"
            );
            let _ = endpoints.realm();
        }
    }

    #[test]
    fn device_code_answers_never_panic(
        bytes in mutated(&["devicecode.json", "token-error.json"]),
        status in prop::sample::select(vec![200u16, 400, 500]),
    ) {
        let request = HttpRequest::post_form(Url::parse("https://h/t/oauth2/v2.0/devicecode").unwrap());
        let response = HttpResponse { status, content_type: None, body: bytes };
        if let Ok(authorization) = device_code::parse_authorization_response(&request, &response) {
            let instructions = authorization.instructions();
            prop_assert!(!instructions.chars().any(char::is_control));
            let _ = authorization.interval();
        }
    }

    #[test]
    fn certificate_files_never_panic(
        edits in prop::collection::vec(edit(), 1..6),
        pick_pfx in any::<bool>(),
    ) {
        let (pem, pfx) = certificate_seeds();
        let password = CertificatePassword::new("pw");
        if pick_pfx {
            let _ = Certificate::from_pfx(&apply(pfx.clone(), &edits), Some(&password));
        } else {
            let _ = Certificate::from_pem(&apply(pem.clone(), &edits));
        }
    }
}

#[test]
fn every_seed_parses_as_intended() {
    // The corpus is only useful if the unmutated seeds reach the deep paths.
    let cache = String::from_utf8_lossy(&seed("cache-user-and-app.json")).into_owned();
    assert!(TokenCache::from_json(&cache).is_ok());
    let scopes = vec!["user.read".to_owned()];
    let filter = AccessTokenFilter {
        client_id: "c1",
        environment: "login.microsoftonline.com",
        scopes: &scopes,
    };
    let issuer = TokenIssuer::entra(
        "https://login.microsoftonline.com",
        "login.microsoftonline.com",
    );
    let query = AccessTokenQuery {
        client_id: "c1",
        issuer: &issuer,
        realm: "t1",
        home_account_id: Some("u1.t1"),
        scopes: &scopes,
    };
    let snapshot = CacheSnapshot::from_json(&cache, &filter).unwrap();
    assert!(snapshot.find_access_token(&query, 1_790_000_000).is_some());
    assert!(token_exchange(200, seed("token-success.json")).is_ok());
    assert!(matches!(
        token_exchange(400, seed("token-error.json")),
        Err(Error::OAuth(_))
    ));
    assert!(
        IdTokenClaims::decode_unverified(&IdToken::new(String::from_utf8_lossy(&seed(
            "id-token.jwt"
        ))))
        .is_some()
    );
    let params: Vec<(String, String)> = form_urlencoded::parse(&seed("redirect-code.query"))
        .into_owned()
        .collect();
    assert!(matches!(
        parse_redirect(&params, "expected-state"),
        Redirect::Code(_)
    ));
    for line in String::from_utf8_lossy(&seed("authorities.txt")).lines() {
        assert!(Authority::parse(line).is_ok(), "{line}");
    }
    let (pem, pfx) = certificate_seeds();
    assert!(Certificate::from_pem(pem).is_ok());
    assert!(Certificate::from_pfx(pfx, Some(&CertificatePassword::new("pw"))).is_ok());
}

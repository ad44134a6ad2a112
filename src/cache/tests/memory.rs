//! The in-memory cache: MSAL Python's schema, `add`, lookups and removal.

use serde_json::{Value, json};

use super::*;
use crate::cache::TokenIssuer;
use crate::cache::{AccessTokenQuery, RefreshTokenQuery, TokenCache, TokenEvent};
use crate::secret::RefreshToken;

fn user_query<'a>(scopes: &'a [String]) -> AccessTokenQuery<'a> {
    AccessTokenQuery {
        client_id: CLIENT,
        issuer: entra(),
        realm: TENANT,
        home_account_id: Some("uid-1.utid-1"),
        scopes,
    }
}

fn json_of(cache: &TokenCache) -> Value {
    serde_json::from_str(&cache.to_json()).unwrap()
}

/// Adds a user's tokens as the authorization code grant returns them.
fn add_user(cache: &mut TokenCache, uid: &str, client_id: &str, foci: Option<&str>, now: u64) {
    let mut body = json!({
        "access_token": format!("at-{uid}-{client_id}"),
        "refresh_token": format!("rt-{uid}-{client_id}"),
        "id_token": "h.p.s",
        "client_info": client_info(uid, "utid"),
        "expires_in": 3600,
    });
    if let Some(foci) = foci {
        body["foci"] = json!(foci);
    }
    let response = response(body);
    let claims = claims(json!({ "sub": "sub", "oid": uid, "preferred_username": uid }));
    let granted = scopes(&["User.Read"]);
    cache.add(
        &TokenEvent {
            client_id,
            issuer: entra(),
            realm: TENANT,
            scopes: &granted,
            grant_type: "authorization_code",
            response: &response,
            home_account_id: home(&response, Some(&claims)),
            id_token_claims: Some(&claims),
            username_hint: None,
            user_assertion_hash: None,
        },
        now,
    );
}

#[test]
fn reads_msal_python_cache_and_writes_it_back_byte_for_byte() {
    let cache = TokenCache::from_json(MSAL_PYTHON_CACHE).unwrap();

    // The file's keys are what this version computes for the entries.
    for (key, entry) in &cache.sections.access_tokens {
        assert_eq!(*key, entry.key());
    }
    for (key, entry) in &cache.sections.refresh_tokens {
        assert_eq!(*key, entry.key());
    }
    for (key, entry) in &cache.sections.id_tokens {
        assert_eq!(*key, entry.key());
    }
    for (key, entry) in &cache.sections.accounts {
        assert_eq!(*key, entry.key());
    }
    for (key, entry) in &cache.sections.app_metadata {
        assert_eq!(*key, entry.key());
    }

    // Lookups work on what MSAL Python wrote.
    let wanted = scopes(&["user.read", "Profile"]);
    let at = cache.find_access_token(&user_query(&wanted), NOW).unwrap();
    assert_eq!(at.secret.secret(), "user-access-token");
    assert_eq!(at.expires_on(), 1_700_003_599);
    assert_eq!(at.extended_expires_on(), 1_700_007_199);
    assert_eq!(at.refresh_on(), Some(1_700_001_800));
    assert_eq!(at.cached_at(), NOW);
    let app_scopes = scopes(&["https://graph.microsoft.com/.default"]);
    let app = AccessTokenQuery {
        home_account_id: None,
        scopes: &app_scopes,
        ..user_query(&[])
    };
    assert_eq!(
        cache.find_access_token(&app, NOW).unwrap().secret.secret(),
        "app-only-access-token"
    );
    let rts = cache.find_refresh_tokens(&RefreshTokenQuery {
        client_id: CLIENT,
        issuer: entra(),
        home_account_id: "uid-1.utid-1",
        family_id: None,
    });
    assert_eq!(rts.len(), 1);
    assert_eq!(rts[0].last_modification_time(), Some(NOW));
    assert_eq!(rts[0].family_id.as_deref(), Some("1"));
    let idt = cache
        .find_id_token("uid-1.utid-1", entra(), "TENANT-1", CLIENT)
        .unwrap();
    assert_eq!(idt.secret.secret(), "header.payload.signature");
    let accounts = cache.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].username, "Jürgen@contoso.example");
    assert_eq!(accounts[0].local_account_id.as_deref(), Some("oid-1"));
    assert_eq!(
        cache
            .find_app_metadata(ENV, CLIENT)
            .unwrap()
            .family_id
            .as_deref(),
        Some("1")
    );
    assert!(at.extra.contains_key("x_other_sdk_field"));

    // Unknown fields and sections survive, and the text is what Python's json.dumps(indent=4)
    // writes (with sorted keys), non-ASCII escaped included.
    assert_eq!(cache.to_json(), MSAL_PYTHON_CACHE.trim_end());
}

#[test]
fn debug_output_shows_no_secrets() {
    let cache = TokenCache::from_json(MSAL_PYTHON_CACHE).unwrap();
    let wanted = scopes(&["User.Read"]);
    let at = cache.find_access_token(&user_query(&wanted), NOW).unwrap();
    let shown = format!("{cache:?} {at:?} {:?}", cache.accounts());
    assert!(!shown.contains("user-access-token"), "{shown}");
    assert!(
        !shown.contains("two"),
        "values of unknown fields could be secrets: {shown}"
    );
    assert!(shown.contains("x_other_sdk_field"));
}

#[test]
fn add_app_only_response() {
    let mut cache = TokenCache::new();
    let response = response(json!({
        "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
        "access_token": "app-token",
    }));
    let granted = scopes(&["https://graph.microsoft.com/.default"]);
    cache.add(
        &TokenEvent {
            client_id: CLIENT,
            issuer: entra(),
            realm: TENANT,
            scopes: &granted,
            grant_type: "client_credentials",
            response: &response,
            home_account_id: home(&response, None),
            id_token_claims: None,
            username_hint: None,
            user_assertion_hash: None,
        },
        NOW,
    );
    assert_eq!(
        json_of(&cache),
        json!({
            "AccessToken": {
                "-login.microsoftonline.com-accesstoken-client-1-tenant-1-https://graph.microsoft.com/.default": {
                    "credential_type": "AccessToken",
                    "secret": "app-token",
                    "home_account_id": null,
                    "environment": ENV,
                    "client_id": CLIENT,
                    "target": "https://graph.microsoft.com/.default",
                    "realm": TENANT,
                    "token_type": "Bearer",
                    "cached_at": "1700000000",
                    "expires_on": "1700003599",
                    "extended_expires_on": "1700003599",
                }
            },
            "AppMetadata": {
                "appmetadata-login.microsoftonline.com-client-1": {
                    "client_id": CLIENT, "environment": ENV,
                }
            }
        })
    );
}

#[test]
fn add_user_response_with_client_info_and_id_token() {
    let mut cache = TokenCache::new();
    let response = response(json!({
        "token_type": "Bearer", "expires_in": "3599", "refresh_in": 1800,
        "scope": "profile openid email User.Read",
        "access_token": "user-at", "refresh_token": "user-rt", "id_token": "h.p.s",
        "client_info": client_info("Uid-1", "utid-1"), "foci": "1",
    }));
    let claims = claims(json!({
        "sub": "sub-1", "oid": "oid-1", "preferred_username": "alice@contoso.example",
    }));
    // Granted scopes in server order, mixed case: sorted with case kept, key lowercased.
    let granted = scopes(&["profile", "openid", "email", "User.Read"]);
    cache.add(
        &TokenEvent {
            client_id: CLIENT,
            issuer: entra(),
            realm: TENANT,
            scopes: &granted,
            grant_type: "authorization_code",
            response: &response,
            home_account_id: home(&response, Some(&claims)),
            id_token_claims: Some(&claims),
            username_hint: None,
            user_assertion_hash: None,
        },
        NOW,
    );
    let target = "User.Read email openid profile";
    assert_eq!(
        json_of(&cache),
        json!({
            "AccessToken": {
                "uid-1.utid-1-login.microsoftonline.com-accesstoken-client-1-tenant-1-user.read email openid profile": {
                    "credential_type": "AccessToken",
                    "secret": "user-at",
                    "home_account_id": "Uid-1.utid-1",
                    "environment": ENV,
                    "client_id": CLIENT,
                    "target": target,
                    "realm": TENANT,
                    "token_type": "Bearer",
                    "cached_at": "1700000000",
                    "expires_on": "1700003599",
                    "extended_expires_on": "1700003599",
                    "refresh_on": "1700001800",
                }
            },
            "RefreshToken": {
                "uid-1.utid-1-login.microsoftonline.com-refreshtoken-client-1--user.read email openid profile": {
                    "credential_type": "RefreshToken",
                    "secret": "user-rt",
                    "home_account_id": "Uid-1.utid-1",
                    "environment": ENV,
                    "client_id": CLIENT,
                    "target": target,
                    "last_modification_time": "1700000000",
                    "family_id": "1",
                }
            },
            "IdToken": {
                "uid-1.utid-1-login.microsoftonline.com-idtoken-client-1-tenant-1-": {
                    "credential_type": "IdToken",
                    "secret": "h.p.s",
                    "home_account_id": "Uid-1.utid-1",
                    "environment": ENV,
                    "realm": TENANT,
                    "client_id": CLIENT,
                }
            },
            "Account": {
                "uid-1.utid-1-login.microsoftonline.com-tenant-1": {
                    "home_account_id": "Uid-1.utid-1",
                    "environment": ENV,
                    "realm": TENANT,
                    "local_account_id": "oid-1",
                    "username": "alice@contoso.example",
                    "authority_type": "MSSTS",
                    "account_source": "authorization_code",
                }
            },
            "AppMetadata": {
                "appmetadata-login.microsoftonline.com-client-1": {
                    "client_id": CLIENT, "environment": ENV, "family_id": "1",
                }
            }
        })
    );
}

#[test]
fn add_derives_account_fields_like_msal_python() {
    // ADFS: no client_info, so the account is the ID token's subject; upn is the username;
    // a refresh does not set account_source; expires_in defaults to 600.
    let mut cache = TokenCache::new();
    let adfs_response = response(json!({ "access_token": "at", "id_token": "h.p.s" }));
    let claims = claims(json!({ "sub": "adfs-sub", "upn": "bob@fabrikam.example" }));
    let granted = scopes(&["openid"]);
    let event = TokenEvent {
        client_id: CLIENT,
        issuer: &TokenIssuer::entra("", "adfs.fabrikam.example"),
        realm: "adfs",
        scopes: &granted,
        grant_type: "refresh_token",
        response: &adfs_response,
        home_account_id: home(&adfs_response, Some(&claims)),
        id_token_claims: Some(&claims),
        username_hint: None,
        user_assertion_hash: None,
    };
    cache.add(&event, NOW);
    let value = json_of(&cache);
    let account = &value["Account"]["adfs-sub-adfs.fabrikam.example-adfs"];
    assert_eq!(account["authority_type"], "ADFS");
    assert_eq!(account["local_account_id"], "adfs-sub");
    assert_eq!(account["username"], "bob@fabrikam.example");
    assert!(account.get("account_source").is_none());
    let at =
        &value["AccessToken"]["adfs-sub-adfs.fabrikam.example-accesstoken-client-1-adfs-openid"];
    assert_eq!(at["expires_on"], "1700000600");
    assert_eq!(at["extended_expires_on"], "1700000600");
    assert!(at.get("refresh_on").is_none());
    assert!(
        value["IdToken"]
            .get("adfs-sub-adfs.fabrikam.example-idtoken-client-1-adfs-")
            .is_some()
    );

    // Password grant: the typed username when the ID token has none; no ID token, so a null
    // local_account_id, as MSAL Python writes it.
    let mut cache = TokenCache::new();
    let ropc_response = response(json!({
        "access_token": "at", "client_info": client_info("u", "t"),
    }));
    cache.add(
        &TokenEvent {
            grant_type: "password",
            username_hint: Some("carol@contoso.example"),
            id_token_claims: None,
            response: &ropc_response,
            home_account_id: home(&ropc_response, None),
            issuer: entra(),
            realm: TENANT,
            ..event
        },
        NOW,
    );
    let value = json_of(&cache);
    let account = &value["Account"]["u.t-login.microsoftonline.com-tenant-1"];
    assert_eq!(account["username"], "carol@contoso.example");
    assert_eq!(account["local_account_id"], Value::Null);
    assert_eq!(account["account_source"], "password");
    assert!(value.get("IdToken").is_none());
}

#[test]
fn add_replaces_entries_with_the_same_key() {
    let mut cache = TokenCache::new();
    add_app_token_expiring(&mut cache, "first", &["a"], 100);
    add_app_token_expiring(&mut cache, "second", &["a"], 200);
    assert_eq!(cache.access_token_count(), 1);
    let wanted = scopes(&["a"]);
    let query = AccessTokenQuery {
        home_account_id: None,
        scopes: &wanted,
        ..user_query(&[])
    };
    assert_eq!(
        cache
            .find_access_token(&query, NOW)
            .unwrap()
            .secret
            .secret(),
        "second"
    );
}

#[test]
fn access_token_lookup() {
    let mut cache = TokenCache::new();
    add_app_token_expiring(&mut cache, "short", &["Scope.A", "scope.b", "scope.c"], 100);
    add_app_token_expiring(&mut cache, "long", &["scope.a", "scope.b"], 300);
    add_app_token_expiring(&mut cache, "expired", &["scope.a", "scope.b", "scope.d"], 0);
    fn app(wanted: &[String]) -> AccessTokenQuery<'_> {
        AccessTokenQuery {
            home_account_id: None,
            scopes: wanted,
            ..user_query(&[])
        }
    }
    let find = |wanted: &[&str], now| {
        let wanted = scopes(wanted);
        cache
            .find_access_token(&app(&wanted), now)
            .map(|at| at.secret.secret().to_owned())
    };

    // Subset, case-insensitive, latest expiry preferred.
    assert_eq!(find(&["SCOPE.B", "scope.A"], NOW).as_deref(), Some("long"));
    assert_eq!(find(&["scope.c"], NOW).as_deref(), Some("short"));
    assert_eq!(
        find(&["scope.a", "scope.b", "scope.c"], NOW).as_deref(),
        Some("short")
    );
    // Not a subset of anything; expired never matches.
    assert_eq!(find(&["scope.a", "scope.e"], NOW), None);
    assert_eq!(find(&["scope.d"], NOW), None);
    // expires_on <= now is expired.
    assert_eq!(find(&["scope.c"], NOW + 100), None);
    assert_eq!(find(&["scope.a"], NOW + 100).as_deref(), Some("long"));
    assert_eq!(find(&[], NOW), None, "no scopes asks for nothing");

    // Other client, realm, environment or account: no match. Environment and realm compare
    // case-insensitively, client ids exactly.
    let wanted = scopes(&["scope.a"]);
    let base = app(&wanted);
    let miss = [
        AccessTokenQuery {
            client_id: "client-2",
            ..base
        },
        AccessTokenQuery {
            client_id: "CLIENT-1",
            ..base
        },
        AccessTokenQuery {
            realm: "tenant-2",
            ..base
        },
        AccessTokenQuery {
            issuer: &TokenIssuer::entra("", "login.microsoftonline.us"),
            ..base
        },
        AccessTokenQuery {
            home_account_id: Some("uid-1.utid-1"),
            ..base
        },
    ];
    for query in miss {
        assert!(cache.find_access_token(&query, NOW).is_none(), "{query:?}");
    }
    let loud = AccessTokenQuery {
        realm: "TENANT-1",
        issuer: &TokenIssuer::entra("", "Login.MicrosoftOnline.com"),
        ..base
    };
    assert!(cache.find_access_token(&loud, NOW).is_some());

    // A user's token is not an app-only token, and the other way round.
    add_user(&mut cache, "uid-1", CLIENT, None, NOW);
    let wanted = scopes(&["user.read"]);
    let user = AccessTokenQuery {
        home_account_id: Some("uid-1.utid"),
        ..app(&wanted)
    };
    assert!(cache.find_access_token(&user, NOW).is_some());
    assert!(cache.find_access_token(&app(&wanted), NOW).is_none());
    let other_user = AccessTokenQuery {
        home_account_id: Some("uid-2.utid"),
        ..user
    };
    assert!(cache.find_access_token(&other_user, NOW).is_none());
}

#[test]
fn access_token_lookup_skips_tokens_bound_to_a_key() {
    let text = MSAL_PYTHON_CACHE.replace(
        "\"token_type\": \"Bearer\",\n            \"x_other_sdk_field\"",
        "\"token_type\": \"pop\",\n            \"x_other_sdk_field\"",
    );
    let cache = TokenCache::from_json(&text).unwrap();
    let wanted = scopes(&["User.Read"]);
    assert!(cache.find_access_token(&user_query(&wanted), NOW).is_none());
}

#[test]
fn refresh_token_lookup_newest_first_and_family() {
    let mut cache = TokenCache::new();
    add_user(&mut cache, "uid-1", CLIENT, Some("1"), NOW);
    add_user(&mut cache, "uid-1", "client-2", Some("1"), NOW + 10);
    add_user(&mut cache, "uid-1", "client-3", None, NOW + 20);
    add_user(&mut cache, "uid-2", CLIENT, Some("1"), NOW + 30);
    let query = RefreshTokenQuery {
        client_id: CLIENT,
        issuer: &TokenIssuer::entra("", "LOGIN.microsoftonline.com"),
        home_account_id: "uid-1.utid",
        family_id: None,
    };
    let secrets = |query| {
        cache
            .find_refresh_tokens(&query)
            .iter()
            .map(|rt| rt.secret.secret().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(secrets(query), ["rt-uid-1-client-1"]);
    // FOCI: the family's tokens too, newest first; not client-3 (no family).
    assert_eq!(
        secrets(RefreshTokenQuery {
            family_id: Some("1"),
            ..query
        }),
        ["rt-uid-1-client-2", "rt-uid-1-client-1"]
    );
    // Realm plays no part: refresh tokens are cross-tenant.
    assert_eq!(
        secrets(RefreshTokenQuery {
            home_account_id: "uid-3.utid",
            ..query
        })
        .len(),
        0
    );
    assert_eq!(
        secrets(RefreshTokenQuery {
            issuer: &TokenIssuer::entra("", "login.windows.net"),
            ..query
        })
        .len(),
        0
    );
}

#[test]
fn rotated_refresh_token_replaces_the_old_one() {
    let mut cache = TokenCache::from_json(MSAL_PYTHON_CACHE).unwrap();
    let query = RefreshTokenQuery {
        client_id: CLIENT,
        issuer: entra(),
        home_account_id: "uid-1.utid-1",
        family_id: None,
    };
    let old = cache.find_refresh_tokens(&query)[0].clone();
    cache.replace_refresh_token(&old, RefreshToken::new("rotated"), NOW + 5);
    let found = cache.find_refresh_tokens(&query);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].secret.secret(), "rotated");
    assert_eq!(found[0].last_modification_time(), Some(NOW + 5));
    assert_eq!(found[0].family_id.as_deref(), Some("1"));
    assert_eq!(found[0].key(), old.key());

    // Removed meanwhile (say, by another process): the rotated token is kept, not lost.
    cache.remove_account("uid-1.utid-1", None);
    cache.replace_refresh_token(&old, RefreshToken::new("rotated-again"), NOW + 6);
    assert_eq!(
        cache.find_refresh_tokens(&query)[0].secret.secret(),
        "rotated-again"
    );
}

#[test]
fn remove_account_removes_only_that_account() {
    let mut cache = TokenCache::from_json(MSAL_PYTHON_CACHE).unwrap();
    add_user(&mut cache, "uid-2", CLIENT, None, NOW);
    assert_eq!(
        cache.remove_account(
            "uid-1.utid-1",
            Some(&TokenIssuer::entra("", "login.windows.net"))
        ),
        0
    );
    assert_eq!(
        cache.remove_account(
            "uid-1.utid-1",
            Some(&TokenIssuer::entra("", "LOGIN.microsoftonline.com"))
        ),
        4
    );
    let value = json_of(&cache);
    // The app-only token, the other user, app metadata and the unknown section remain.
    let at_keys: Vec<&String> = value["AccessToken"].as_object().unwrap().keys().collect();
    assert_eq!(
        at_keys,
        [
            "-login.microsoftonline.com-accesstoken-client-1-tenant-1-https://graph.microsoft.com/.default",
            "uid-2.utid-login.microsoftonline.com-accesstoken-client-1-tenant-1-user.read",
        ]
    );
    assert_eq!(value["RefreshToken"].as_object().unwrap().len(), 1);
    assert_eq!(value["IdToken"].as_object().unwrap().len(), 1);
    assert_eq!(cache.accounts().len(), 1);
    assert_eq!(cache.accounts()[0].username, "uid-2");
    assert!(value.get("AppMetadata").is_some());
    assert!(value.get("ZFutureSection").is_some());
    assert_eq!(cache.remove_account("uid-2.utid", None), 4);
    assert_eq!(cache.remove_account("uid-2.utid", None), 0);
}

#[test]
fn accounts_sorted_by_username_then_environment_then_realm() {
    let mut cache = TokenCache::new();
    for (uid, realm) in [
        ("zoe", "t2"),
        ("Bob", "t1"),
        ("alice", "t2"),
        ("alice", "t1"),
    ] {
        let response =
            response(json!({ "access_token": "at", "client_info": client_info(uid, "u") }));
        let claims = claims(json!({ "sub": uid, "preferred_username": uid }));
        let granted = scopes(&["s"]);
        cache.add(
            &TokenEvent {
                client_id: CLIENT,
                issuer: entra(),
                realm,
                scopes: &granted,
                grant_type: "authorization_code",
                response: &response,
                home_account_id: home(&response, Some(&claims)),
                id_token_claims: Some(&claims),
                username_hint: None,
                user_assertion_hash: None,
            },
            NOW,
        );
    }
    let order: Vec<(&str, &str)> = cache
        .accounts()
        .iter()
        .map(|a| (a.username.as_str(), a.realm.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("alice", "t1"),
            ("alice", "t2"),
            ("Bob", "t1"),
            ("zoe", "t2")
        ]
    );
}

#[test]
fn remove_expired_access_tokens() {
    let mut cache = TokenCache::new();
    add_app_token_expiring(&mut cache, "a", &["a"], 10);
    add_app_token_expiring(&mut cache, "b", &["b"], 20);
    assert_eq!(cache.remove_expired_access_tokens(NOW + 10), 1);
    assert_eq!(cache.access_token_count(), 1);
    assert!(!cache.is_empty());
}

#[test]
fn tolerates_what_other_sdks_write() {
    // Numbers for timestamps, a null target, missing optional fields, an RT without target.
    let text = r#"{
        "AccessToken": { "k": {
            "credential_type": "AccessToken", "secret": "s", "home_account_id": null,
            "environment": "login.microsoftonline.com", "client_id": "client-1",
            "realm": "tenant-1", "target": "a b", "cached_at": 1700000000,
            "expires_on": 1700003600.0, "extended_expires_on": "1700003600"
        }},
        "RefreshToken": { "r": {
            "credential_type": "RefreshToken", "secret": "rs", "home_account_id": "h",
            "environment": "login.microsoftonline.com", "client_id": "client-1", "target": null
        }},
        "Account": null
    }"#;
    let cache = TokenCache::from_json(text).unwrap();
    let wanted = scopes(&["a"]);
    let query = AccessTokenQuery {
        home_account_id: None,
        scopes: &wanted,
        ..user_query(&[])
    };
    let at = cache.find_access_token(&query, NOW).unwrap();
    assert_eq!(at.expires_on(), 1_700_003_600);
    assert_eq!(at.token_type, "Bearer");
    let value = json_of(&cache);
    // Written back as strings.
    assert_eq!(value["AccessToken"]["k"]["cached_at"], "1700000000");
    assert_eq!(value["AccessToken"]["k"]["expires_on"], "1700003600");
    let rt = &value["RefreshToken"]["r"];
    assert_eq!(rt["target"], "");
    assert!(rt.get("last_modification_time").is_none());
    let rts = cache.find_refresh_tokens(&RefreshTokenQuery {
        client_id: CLIENT,
        issuer: entra(),
        home_account_id: "h",
        family_id: None,
    });
    assert_eq!(rts.len(), 1);

    for blank in ["", "  \n"] {
        assert!(TokenCache::from_json(blank).unwrap().is_empty());
    }
    assert_eq!(TokenCache::new().to_json(), "{}");
}

#[test]
fn rejects_shapes_it_does_not_understand_without_quoting_them() {
    for (text, corrupt) in [
        ("not json", true),
        ("[1, 2]", true),
        (r#"{"AccessToken": []}"#, false),
        (r#"{"AccessToken": {"k": "secret-string"}}"#, false),
        (r#"{"RefreshToken": {"k": {"secret": 987654321}}}"#, false),
        (
            r#"{"Account": {"k": {"username": ["secret-in-array"]}}}"#,
            false,
        ),
    ] {
        let err = TokenCache::parse(text.as_bytes()).unwrap_err();
        assert_eq!(
            matches!(err, crate::cache::parse::ParseError::Corrupt(_)),
            corrupt,
            "{text}"
        );
        let shown = TokenCache::from_json(text).unwrap_err().to_string();
        for leak in ["secret-string", "987654321", "secret-in-array", "not json"] {
            assert!(!shown.contains(leak), "{shown}");
        }
    }
}

/// Managed-identity tokens exactly as MSAL Python's `ManagedIdentityClient` 1.39 writes them
/// (seen in a run): a system-assigned identity has `client_id: null`, and MSAL Python's lookup
/// asks for `null`, so the value must survive `msal` rewriting the file.
const MSAL_PYTHON_MANAGED_IDENTITY: &str = r#"{
    "AccessToken": {
        "-localhost-accesstoken--managed_identity-https://management.azure.com": {
            "credential_type": "AccessToken", "secret": "system-assigned-token",
            "home_account_id": null, "environment": "localhost", "client_id": null,
            "target": "https://management.azure.com", "realm": "managed_identity",
            "token_type": "Bearer", "cached_at": "1700000000", "expires_on": "1700086399",
            "extended_expires_on": "1700086399", "refresh_on": "1700043199"
        },
        "-localhost-accesstoken-cid-1-managed_identity-https://management.azure.com": {
            "credential_type": "AccessToken", "secret": "user-assigned-token",
            "home_account_id": null, "environment": "localhost", "client_id": "cid-1",
            "target": "https://management.azure.com", "realm": "managed_identity",
            "token_type": "Bearer", "cached_at": "1700000000", "expires_on": "1700086399",
            "extended_expires_on": "1700086399", "refresh_on": "1700043199"
        }
    },
    "AppMetadata": {
        "appmetadata-localhost-": { "client_id": null, "environment": "localhost" },
        "appmetadata-localhost-cid-1": { "client_id": "cid-1", "environment": "localhost" }
    }
}"#;

fn managed_identity_query<'a>(client_id: &'a str, resource: &'a [String]) -> AccessTokenQuery<'a> {
    static MI: std::sync::OnceLock<TokenIssuer> = std::sync::OnceLock::new();
    AccessTokenQuery {
        client_id,
        issuer: MI.get_or_init(TokenIssuer::managed_identity),
        realm: "",
        home_account_id: None,
        scopes: resource,
    }
}

#[test]
fn system_assigned_managed_identity_entries_keep_their_null_client_id() {
    let mut cache = TokenCache::from_json(MSAL_PYTHON_MANAGED_IDENTITY).unwrap();
    let resource = scopes(&["https://management.azure.com"]);
    let system = cache
        .find_access_token(&managed_identity_query("", &resource), NOW)
        .unwrap();
    assert_eq!(system.secret.secret(), "system-assigned-token");
    let user = cache
        .find_access_token(&managed_identity_query("cid-1", &resource), NOW)
        .unwrap();
    assert_eq!(user.secret.secret(), "user-assigned-token");

    // Another token written into the same file leaves MSAL Python's entries as they were.
    add_app_token_expiring(&mut cache, "app-token", &["api://x/.default"], 3600);
    let value = json_of(&cache);
    let key = "-localhost-accesstoken--managed_identity-https://management.azure.com";
    assert_eq!(value["AccessToken"][key]["client_id"], Value::Null);
    assert_eq!(
        value["AppMetadata"]["appmetadata-localhost-"]["client_id"],
        Value::Null
    );

    // msal's own system-assigned token is written as MSAL Python writes it: same key, null id.
    let mut cache = TokenCache::new();
    let response =
        response(json!({ "access_token": "mine", "expires_in": 86399, "refresh_in": 43199 }));
    cache.add(
        &TokenEvent {
            client_id: "",
            issuer: managed_identity_query("", &[]).issuer,
            realm: "",
            scopes: &resource,
            grant_type: "managed_identity",
            response: &response,
            home_account_id: None,
            id_token_claims: None,
            username_hint: None,
            user_assertion_hash: None,
        },
        NOW,
    );
    let value = json_of(&cache);
    let entry = &value["AccessToken"][key];
    assert_eq!(entry["client_id"], Value::Null, "{value:#}");
    assert_eq!(entry["home_account_id"], Value::Null);
    assert_eq!(entry["realm"], "managed_identity");
    assert_eq!(entry["environment"], "localhost");
    assert_eq!(entry["refresh_on"], "1700043199");
    assert!(entry.get(crate::cache::ORIGIN).is_none());
    assert_eq!(
        value["AppMetadata"]["appmetadata-localhost-"],
        json!({ "client_id": null, "environment": "localhost" })
    );
}

#[test]
fn the_active_account_is_per_client_and_outlives_another_clients_sign_in() {
    let mut cache = TokenCache::new();
    add_user(&mut cache, "uid-1", CLIENT, None, 1000);
    add_user(&mut cache, "uid-2", CLIENT, None, 1000);
    assert_eq!(cache.active_account(CLIENT, entra()), None);
    assert!(cache.set_active_account("uid-1.utid", CLIENT, entra()));
    assert!(cache.set_active_account("uid-2.utid", "other-client", entra()));
    assert_eq!(cache.active_account(CLIENT, entra()), Some("uid-1.utid"));
    // A sign-in of uid-1 with another client replaces its entry, and keeps CLIENT's mark.
    add_user(&mut cache, "uid-1", "other-client", None, 2000);
    assert_eq!(cache.active_account(CLIENT, entra()), Some("uid-1.utid"));
    assert_eq!(
        cache.active_account("other-client", entra()),
        Some("uid-2.utid")
    );
    cache.set_active_account("uid-1.utid", "other-client", entra());
    assert_eq!(
        cache.active_account("other-client", entra()),
        Some("uid-1.utid")
    );
    assert_eq!(cache.active_account(CLIENT, entra()), Some("uid-1.utid"));
    // Whose accounts they are, from their tokens.
    assert_eq!(
        cache.clients_of_account("uid-2.utid", entra()),
        Some(vec![CLIENT])
    );
    assert_eq!(
        cache
            .clients_of_account("uid-1.utid", entra())
            .map(|c| c.len()),
        Some(2)
    );
    assert_eq!(cache.clients_of_account("nobody", entra()), None);
    // Removing the account removes its marks with it.
    cache.remove_account("uid-1.utid", None);
    assert_eq!(cache.active_account(CLIENT, entra()), None);
}

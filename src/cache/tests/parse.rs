//! Reading cache text (`parse.rs`): it must agree with the parser it replaced
//! (`reference.rs`) on every input, and a snapshot must answer every lookup it covers as the
//! whole cache does.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::reference;
use super::{MSAL_PYTHON_CACHE, NOW};
use crate::cache::TokenIssuer;
use crate::cache::parse::{self, Keep, ParseError};
use crate::cache::schema::{AccessTokenView, Sections};
use crate::cache::stream;
use crate::cache::{AccessTokenFilter, AccessTokenQuery, CacheSnapshot, TokenCache};

const SEED: &str = include_str!("../../../tests/fuzz/seeds/cache-user-and-app.json");

/// A document's verdict, readable in a failure: the JSON it would be written back as, or the
/// error.
fn verdict(result: &Result<Sections, ParseError>) -> Result<String, ParseError> {
    result.as_ref().map(Sections::to_json).map_err(Clone::clone)
}

fn full(bytes: &[u8]) -> Result<Sections, ParseError> {
    parse::parse(bytes, &Keep::All)
}

fn snapshot(bytes: &[u8], filter: &AccessTokenFilter<'_>) -> Result<Sections, ParseError> {
    let keep = |at: &AccessTokenView<'_>| filter.keeps(at);
    parse::parse(bytes, &Keep::AccessTokens(&keep))
}

/// The new parser says what the old one says, to the entry and to the error message.
fn agrees_with_reference(bytes: &[u8]) -> Result<(), TestCaseError> {
    let new = full(bytes);
    let old = reference::parse_bytes(bytes);
    prop_assert_eq!(verdict(&new), verdict(&old));
    prop_assert!(new == old, "same JSON, different entries");
    Ok(())
}

/// A file that hands out its bytes a few at a time, so that chunk boundaries fall everywhere.
struct Trickle<'a> {
    bytes: &'a [u8],
    sizes: std::iter::Cycle<std::slice::Iter<'a, usize>>,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes.next().copied().unwrap_or(1).max(1);
        let n = size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// The piecewise reader (`stream.rs`), reading `bytes` in pieces of `sizes` bytes (in turn)
/// into a buffer of `chunk` bytes, vouches for nothing, or for what the whole-document parser
/// says. Returns whether it vouched.
fn stream_agrees(
    bytes: &[u8],
    keep: &Keep<'_>,
    chunk: usize,
    sizes: &[usize],
) -> Result<bool, TestCaseError> {
    let mut file = Trickle {
        bytes,
        sizes: sizes.iter().cycle(),
    };
    let Some(sections) = stream::parse_from(&mut file, keep, chunk).unwrap() else {
        return Ok(false);
    };
    let whole = parse::parse(bytes, keep);
    prop_assert_eq!(Ok(sections.to_json()), verdict(&whole), "chunk {}", chunk);
    prop_assert!(Ok(sections) == whole);
    Ok(true)
}

/// Reads of a whole buffer, or of a few bytes at a time.
fn read_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        Just(vec![usize::MAX]),
        prop::collection::vec(1usize..5, 1..4),
    ]
}

fn chunks() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..80, Just(stream::CHUNK)]
}

/// Lookups the tests ask: every combination of these.
const CLIENTS: [&str; 3] = ["c1", "client-1", "C1"];
const ENVIRONMENTS: [&str; 3] = [
    "login.microsoftonline.com",
    "LOGIN.microsoftonline.COM",
    "login.example.com",
];
const REALMS: [&str; 3] = ["t1", "tenant-1", "T1"];
const ACCOUNTS: [Option<&str>; 4] = [None, Some("u1.t1"), Some("uid-1.utid-1"), Some("")];
const TIMES: [u64; 3] = [0, NOW, 1_790_000_000];
const SCOPES: [&str; 8] = [
    "User.Read",
    "user.read",
    "email",
    "https://graph.microsoft.com/.default",
    "api://x/.default",
    "\u{212a}elvin",
    "kelvin",
    "\u{3a3}\u{391}\u{3a3}",
];

/// A snapshot taken with `filter` answers every query it covers as the whole cache does, keeps
/// exactly the access tokens the filter accepts, and is refused exactly when the cache is.
fn snapshot_agrees(
    bytes: &[u8],
    filter: &AccessTokenFilter<'_>,
    more_scopes: &[String],
) -> Result<(), TestCaseError> {
    let whole = full(bytes);
    let part = snapshot(bytes, filter);
    let (whole, part) = match (whole, part) {
        (Err(a), Err(b)) => {
            prop_assert_eq!(a, b);
            return Ok(());
        }
        (Ok(whole), Ok(part)) => (whole, part),
        (whole, part) => {
            return Err(TestCaseError::fail(format!(
                "cache {:?}, snapshot {:?}",
                verdict(&whole),
                verdict(&part)
            )));
        }
    };
    prop_assert!(part.other.is_empty());
    prop_assert!(part.refresh_tokens == whole.refresh_tokens);
    prop_assert!(part.id_tokens == whole.id_tokens);
    prop_assert!(part.accounts == whole.accounts);
    prop_assert!(part.app_metadata == whole.app_metadata);
    let expected: BTreeMap<_, _> = whole
        .access_tokens
        .iter()
        .filter(|(_, at)| filter.keeps(&at.view()))
        .map(|(k, at)| (k.clone(), at.clone()))
        .collect();
    prop_assert!(part.access_tokens == expected, "kept other access tokens");

    let cache = TokenCache { sections: whole };
    let snapshot = CacheSnapshot::new(part, filter);
    let mut scopes: Vec<String> = filter.scopes.to_vec();
    scopes.extend_from_slice(more_scopes);
    for realm in REALMS {
        for home_account_id in ACCOUNTS {
            let query = AccessTokenQuery {
                client_id: filter.client_id,
                issuer: &TokenIssuer::entra("", filter.environment),
                realm,
                home_account_id,
                scopes: &scopes,
            };
            for now in TIMES {
                let found = snapshot.find_access_token(&query, now);
                if filter.scopes.is_empty() {
                    // A snapshot for no scopes covers no query.
                    prop_assert!(found.is_none());
                    continue;
                }
                prop_assert!(
                    found == cache.find_access_token(&query, now),
                    "{query:?} at {now}"
                );
                for hash in ["h1", "h2"] {
                    prop_assert!(
                        snapshot.find_access_token_on_behalf_of(&query, hash, now)
                            == cache.find_access_token_on_behalf_of(&query, hash, now)
                    );
                }
            }
        }
    }
    prop_assert!(snapshot.accounts() == cache.accounts());
    Ok(())
}

/// JSON as text, so that it can have what a `Value` cannot: duplicate keys, escapes, numbers
/// out of range.
#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool(bool),
    /// The number as written.
    Number(&'static str),
    Str(String),
    /// A string written with every character `\u`-escaped.
    Escaped(String),
    Array(Vec<Json>),
    Object(Vec<(Json, Json)>),
}

impl Json {
    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            Json::Escaped(s) => {
                out.push('"');
                for unit in s.encode_utf16() {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
                out.push('"');
            }
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    key.write(out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

fn string(values: &'static [&'static str]) -> impl Strategy<Value = Json> + Clone {
    (prop::sample::select(values), prop::bool::weighted(0.1)).prop_map(|(s, escaped)| {
        if escaped {
            Json::Escaped(s.to_owned())
        } else {
            Json::Str(s.to_owned())
        }
    })
}

fn leaf() -> impl Strategy<Value = Json> + Clone {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        prop::sample::select(vec![
            "0",
            "-0",
            "7",
            "-5",
            "1790003600",
            "1790003600.9",
            "1.5e9",
            "-2.5e-3",
            "1e400",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
        ])
        .prop_map(Json::Number),
        string(&[
            "",
            "x",
            "AccessToken",
            "1790003600",
            "J\u{fc}rgen",
            "a\"b\\c\n"
        ]),
        "[ -~]{0,6}".prop_map(Json::Str),
    ]
}

fn any_json() -> impl Strategy<Value = Json> + Clone {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((string(&["k", "x", "key_id", "AccessToken"]), inner), 0..4)
                .prop_map(Json::Object),
        ]
    })
}

/// A plausible value for an entry's field, or (sometimes) anything.
fn field() -> impl Strategy<Value = (Json, Json)> + Clone {
    let value = |values: &'static [&'static str]| prop_oneof![6 => string(values), 1 => leaf()];
    prop_oneof![
        (
            string(&["credential_type"]),
            value(&[
                "AccessToken",
                "accesstoken",
                "AccessToken_With_AuthScheme",
                "RefreshToken"
            ])
        ),
        (string(&["secret"]), value(&["s", "", "rt"])),
        (
            string(&["home_account_id"]),
            value(&["u1.t1", "uid-1.utid-1", ""])
        ),
        (
            string(&["environment"]),
            value(&[
                "login.microsoftonline.com",
                "Login.MicrosoftOnline.com",
                "login.example.com"
            ])
        ),
        (string(&["client_id"]), value(&["c1", "client-1", "C1"])),
        (string(&["realm"]), value(&["t1", "T1", "tenant-1"])),
        (
            string(&["target"]),
            value(&[
                "User.Read",
                "user.read email",
                "api://x/.default openid",
                "",
                "\u{212a}elvin",
                "\u{3c3}\u{3b1}\u{3c2}"
            ])
        ),
        (string(&["token_type"]), value(&["Bearer", "bearer", "pop"])),
        (
            string(&[
                "cached_at",
                "expires_on",
                "extended_expires_on",
                "refresh_on",
                "last_modification_time"
            ]),
            value(&["1790003600", "1700003599", "0", "x"])
        ),
        (
            string(&[
                "family_id",
                "username",
                "local_account_id",
                "authority_type",
                "account_source"
            ]),
            value(&["1", "ada@contoso.example"])
        ),
        (
            string(&["key_id", "user_assertion_hash"]),
            value(&["k", "h1", "h2"])
        ),
        (string(&["x_other", "k"]), any_json()),
    ]
}

/// An access token entry that lookups may well find: every field, plausible values, any order,
/// and then a few more fields of any kind (which may repeat one).
fn plausible_access_token() -> impl Strategy<Value = Json> + Clone {
    let value = |values: &'static [&'static str]| prop_oneof![12 => string(values), 1 => leaf()];
    let named = |name: &'static str, values| {
        value(values).prop_map(move |v| (Json::Str(name.to_owned()), v))
    };
    (
        (
            named(
                "credential_type",
                &[
                    "AccessToken",
                    "AccessToken",
                    "accesstoken",
                    "AccessToken_With_AuthScheme",
                ],
            ),
            named("secret", &["s", "s", "s", ""]),
            prop_oneof![
                Just((Json::Str("home_account_id".to_owned()), Json::Null)),
                named("home_account_id", &["u1.t1", "uid-1.utid-1", ""])
            ],
            named(
                "environment",
                &[
                    "login.microsoftonline.com",
                    "login.microsoftonline.com",
                    "Login.MicrosoftOnline.com",
                    "login.example.com",
                ],
            ),
            named("client_id", &["c1", "c1", "c1", "client-1", "C1"]),
            named("realm", &["t1", "T1", "tenant-1"]),
        ),
        (
            named(
                "target",
                &[
                    "User.Read",
                    "user.read email \u{212a}elvin",
                    "api://x/.default openid User.Read",
                    "",
                    "kelvin",
                    "\u{3c3}\u{3b1}\u{3c2} email",
                    "https://graph.microsoft.com/.default",
                ],
            ),
            named("token_type", &["Bearer", "bearer", "Bearer", "pop"]),
            named("expires_on", &["1790003600", "1700003599", "1800000000"]),
            prop::collection::vec(field(), 0..3),
        ),
    )
        .prop_map(|((a, b, c, d, e, f), (g, h, i, more))| {
            let mut members = vec![a, b, c, d, e, f, g, h, i];
            members.extend(more);
            members
        })
        .prop_shuffle()
        .prop_map(Json::Object)
}

fn entry() -> impl Strategy<Value = Json> + Clone {
    prop_oneof![
        6 => plausible_access_token(),
        6 => prop::collection::vec(field(), 0..14).prop_map(Json::Object),
        1 => any_json(),
    ]
}

fn section() -> impl Strategy<Value = Json> + Clone {
    prop_oneof![
        8 => prop::collection::vec((string(&["a", "b", "c", "-k"]), entry()), 0..5).prop_map(Json::Object),
        1 => any_json(),
    ]
}

/// A cache document: mostly sections of mostly entries, with anything anywhere.
fn document() -> impl Strategy<Value = Json> {
    let name = string(&[
        "AccessToken",
        "RefreshToken",
        "IdToken",
        "Account",
        "AppMetadata",
        "Unknown",
    ]);
    prop_oneof![
        10 => prop::collection::vec((name, section()), 0..7).prop_map(Json::Object),
        1 => any_json(),
    ]
}

/// Byte edits that JSON text does not make by itself: broken UTF-8, a byte-order mark,
/// truncation, stray structure.
fn damaged(text: String) -> impl Strategy<Value = Vec<u8>> {
    let len = text.len();
    let byte = prop::sample::select(b"\x80\xff\xc3\xed\"\\{}[],:;= \x0b\x0c\r0".to_vec());
    // (where, what, whether it replaces the byte there rather than going before it)
    let edit = prop_oneof![
        4 => Just(None),
        1 => (0..=len, byte, any::<bool>()).prop_map(Some),
    ];
    let tail = prop::option::weighted(
        0.05,
        prop::sample::select(vec![&b" x"[..], b"}", b",", b"\n\t ", b"{}", b"\xff"]),
    );
    (
        prop::collection::vec(edit, 0..3),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.1, 0..=len),
        tail,
    )
        .prop_map(move |(edits, bom, cut, tail)| {
            let mut bytes = text.clone().into_bytes();
            for (at, byte, replace) in edits.into_iter().flatten() {
                match bytes.get_mut(at) {
                    Some(old) if replace => *old = byte,
                    _ => bytes.insert(at.min(bytes.len()), byte),
                }
            }
            bytes.extend_from_slice(tail.unwrap_or_default());
            if let Some(cut) = cut {
                bytes.truncate(cut);
            }
            if bom {
                bytes.splice(0..0, *b"\xef\xbb\xbf");
            }
            bytes
        })
}

fn documents() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        document().prop_map(|doc| doc.text()),
        Just(MSAL_PYTHON_CACHE.to_owned()),
        Just(SEED.to_owned()),
    ]
    .prop_flat_map(damaged)
}

fn filters() -> impl Strategy<Value = (&'static str, &'static str, Vec<String>, Vec<String>)> {
    let scopes = |min| {
        prop::collection::vec(prop::sample::select(&SCOPES[..]), min..3)
            .prop_map(|s| s.into_iter().map(str::to_owned).collect::<Vec<_>>())
    };
    let likely = || {
        prop::sample::select(&["User.Read", "user.read", "email"][..])
            .prop_map(|s| vec![s.to_owned()])
    };
    (
        prop_oneof![3 => Just(CLIENTS[0]), 1 => prop::sample::select(&CLIENTS[..])],
        prop_oneof![3 => Just(ENVIRONMENTS[0]), 1 => prop::sample::select(&ENVIRONMENTS[..])],
        prop_oneof![1 => scopes(0), 4 => scopes(1), 4 => likely()],
        scopes(0),
    )
}

/// Documents without duplicate keys, in MSAL Python's layout or on one line: what cache writers
/// write.
fn written_documents() -> impl Strategy<Value = Vec<u8>> {
    (document(), any::<bool>(), prop::bool::weighted(0.1)).prop_filter_map(
        "not a JSON value",
        |(doc, pretty, bom)| {
            let value: serde_json::Value = serde_json::from_str(&doc.text()).ok()?;
            let text = if pretty {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            };
            let bom = if bom { "\u{feff}" } else { "" };
            text.ok().map(|text| format!("{bom}{text}").into_bytes())
        },
    )
}

proptest! {
    #[test]
    fn parser_agrees_with_the_value_tree_parser(bytes in documents()) {
        agrees_with_reference(&bytes)?;
    }

    #[test]
    fn piecewise_reading_agrees_with_the_whole_document_parser(
        bytes in documents(),
        chunk in chunks(),
        sizes in read_sizes(),
        (client_id, environment, scopes, _more) in filters(),
    ) {
        stream_agrees(&bytes, &Keep::All, chunk, &sizes)?;
        let filter = AccessTokenFilter { client_id, environment, scopes: &scopes };
        let keep = |at: &AccessTokenView<'_>| filter.keeps(at);
        stream_agrees(&bytes, &Keep::AccessTokens(&keep), chunk, &sizes)?;
    }

    #[test]
    fn piecewise_reading_vouches_for_what_cache_writers_write(
        bytes in written_documents(),
        chunk in chunks(),
        sizes in read_sizes(),
    ) {
        // Without duplicate keys (where an early mistake can be overwritten by a later value),
        // every document that parses is read piecewise: the fast path is not a dead branch.
        let vouched = stream_agrees(&bytes, &Keep::All, chunk, &sizes)?;
        let whole = parse::parse(&bytes, &Keep::All);
        let blank = bytes.trim_ascii().is_empty();
        prop_assert_eq!(vouched, whole.is_ok() && !blank);
    }

    #[test]
    fn snapshots_answer_as_the_whole_cache(
        bytes in documents(),
        (client_id, environment, scopes, more) in filters(),
    ) {
        let filter = AccessTokenFilter { client_id, environment, scopes: &scopes };
        snapshot_agrees(&bytes, &filter, &more)?;
    }
}

#[test]
fn seeds_agree_and_their_tokens_are_found_through_snapshots() {
    for text in [MSAL_PYTHON_CACHE, SEED] {
        agrees_with_reference(text.as_bytes()).unwrap();
        for chunk in (1..300).chain([stream::CHUNK]) {
            assert!(stream_agrees(text.as_bytes(), &Keep::All, chunk, &[usize::MAX]).unwrap());
        }
        for sizes in [&[1][..], &[2], &[3, 1], &[5, 2, 1]] {
            assert!(stream_agrees(text.as_bytes(), &Keep::All, 16, sizes).unwrap());
        }
    }
    let scopes = vec!["user.read".to_owned()];
    let filter = AccessTokenFilter {
        client_id: "client-1",
        environment: "login.microsoftonline.com",
        scopes: &scopes,
    };
    let snapshot = CacheSnapshot::from_json(MSAL_PYTHON_CACHE, &filter).unwrap();
    let query = AccessTokenQuery {
        client_id: "client-1",
        issuer: &TokenIssuer::entra("", "login.microsoftonline.com"),
        realm: "tenant-1",
        home_account_id: Some("uid-1.utid-1"),
        scopes: &scopes,
    };
    let at = snapshot.find_access_token(&query, NOW).unwrap();
    assert_eq!(at.secret.secret(), "user-access-token");
    // The unknown field came along: a kept entry is the whole entry.
    assert!(at.extra.contains_key("x_other_sdk_field"));
    assert_eq!(snapshot.accounts().len(), 1);
    let sections = &snapshot_sections(MSAL_PYTHON_CACHE.as_bytes(), &filter);
    assert_eq!(
        sections.access_tokens.len(),
        1,
        "the app-only token is not kept"
    );
    snapshot_agrees(MSAL_PYTHON_CACHE.as_bytes(), &filter, &[]).unwrap();

    // A query the snapshot was not taken for finds nothing rather than something wrong.
    let email = vec!["email".to_owned()];
    let other = AccessTokenQuery {
        scopes: &email,
        ..query
    };
    assert!(snapshot.find_access_token(&other, NOW).is_none());
    assert!(
        TokenCache::from_json(MSAL_PYTHON_CACHE)
            .unwrap()
            .find_access_token(&other, NOW)
            .is_some()
    );
    let none = CacheSnapshot::from_json(MSAL_PYTHON_CACHE, &AccessTokenFilter::NONE).unwrap();
    assert!(none.find_access_token(&query, NOW).is_none());
    assert_eq!(none.accounts().len(), 1);
    assert!(!format!("{none:?}").contains("access-token"));
}

fn snapshot_sections(bytes: &[u8], filter: &AccessTokenFilter<'_>) -> Sections {
    snapshot(bytes, filter).unwrap()
}

/// Every filter of the proptest pool, on one input.
fn every_filter_agrees(bytes: &[u8]) {
    agrees_with_reference(bytes).unwrap();
    for chunk in [1, 7, 64, stream::CHUNK] {
        stream_agrees(bytes, &Keep::All, chunk, &[usize::MAX]).unwrap();
    }
    for sizes in [&[1][..], &[2], &[3, 1]] {
        stream_agrees(bytes, &Keep::All, 8, sizes).unwrap();
    }
    for client_id in CLIENTS {
        for environment in ENVIRONMENTS {
            for scope in SCOPES {
                let scopes = vec![scope.to_owned()];
                let filter = AccessTokenFilter {
                    client_id,
                    environment,
                    scopes: &scopes,
                };
                snapshot_agrees(bytes, &filter, &[]).unwrap();
            }
        }
    }
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn what_a_snapshot_skips_is_still_checked() {
    let entry = |extra: &str| {
        format!(
            r#"{{"AccessToken": {{"skipped": {{"client_id": "other", "target": "x", {extra}}}}},
                "Unknown": {{"k": [1, {{"y": null}}]}}}}"#
        )
    };
    let scopes = vec!["User.Read".to_owned()];
    let filter = AccessTokenFilter {
        client_id: "c1",
        environment: "login.microsoftonline.com",
        scopes: &scopes,
    };
    // Nesting: serde_json refuses a 128th level, also in what a lookup does not keep (the entry
    // is at level 3).
    for (depth, ok) in [(124, true), (125, false), (400, false)] {
        let text = entry(&format!(r#""x": {}"#, nested(depth)));
        assert_eq!(full(text.as_bytes()).is_ok(), ok, "{depth}");
        assert_eq!(snapshot(text.as_bytes(), &filter).is_ok(), ok, "{depth}");
        every_filter_agrees(text.as_bytes());
        let unknown = format!(r#"{{"Unknown": {}}}"#, nested(depth + 2));
        assert_eq!(snapshot(unknown.as_bytes(), &filter).is_ok(), ok, "{depth}");
        every_filter_agrees(unknown.as_bytes());
    }
    // Broken UTF-8 in a secret, a key, an unknown field or an unknown section that a snapshot
    // does not keep: the file is as corrupt as for a full read. (`\0` marks where the bad byte
    // goes.)
    for template in [
        entry("\"secret\": \"ab\0cd\""),
        entry("\"x\": [\"\0\"]"),
        entry("\"\0\": 1"),
        "{\"Unknown\": {\"k\": \"a\0\"}}".to_owned(),
    ] {
        for bad in [0xffu8, 0xc3, 0x80] {
            let bytes: Vec<u8> = template
                .bytes()
                .map(|b| if b == 0 { bad } else { b })
                .collect();
            assert_eq!(
                snapshot(&bytes, &filter).err(),
                Some(ParseError::Corrupt("not UTF-8 text".into()))
            );
            every_filter_agrees(&bytes);
        }
    }
    // A wrong type in an entry a lookup does not keep is still an unknown format.
    let text = entry(r#""realm": 5"#);
    assert!(matches!(
        snapshot(text.as_bytes(), &filter),
        Err(ParseError::UnknownFormat(_))
    ));
    every_filter_agrees(text.as_bytes());
}

#[test]
fn duplicates_blanks_and_precedence_as_before() {
    for text in [
        // The last of duplicate keys wins, at every level, whatever the first was.
        r#"{"AccessToken": [], "AccessToken": {}}"#,
        r#"{"AccessToken": {}, "AccessToken": 5}"#,
        r#"{"AccessToken": {"a": 1, "a": {"client_id": "c1"}}}"#,
        r#"{"AccessToken": {"a": {"client_id": "c1"}, "a": 1}}"#,
        r#"{"AccessToken": {"a": {"client_id": "c1", "target": "User.Read", "secret": "s"}, "a": {"client_id": "c2"}}}"#,
        r#"{"AccessToken": {"a": {"client_id": 5, "client_id": "c1"}}}"#,
        r#"{"AccessToken": {"a": {"x": 1, "x": [2]}}}"#,
        r#"{"Unknown": 1, "Unknown": {"x": 2}}"#,
        // The first bad entry in key order, the first bad field in the schema's order, the first
        // bad section in the schema's order.
        r#"{"AccessToken": {"b": {"realm": 1}, "a": {"secret": true, "client_id": []}}}"#,
        r#"{"Account": {"a": 1}, "RefreshToken": {"a": {"secret": 1}}}"#,
        // A JSON error anywhere outranks a wrong shape; a wrong shape is not corrupt.
        r#"{"AccessToken": [], "x": tru}"#,
        r#"{"AccessToken": [], "x": 1} x"#,
        r#"{"x": 1} x"#,
        "{}}",
        "{} \n{}",
        r#"{"AccessToken": {}},"#,
        r#"{"AccessToken": {"a": {}},}"#,
        r#"{"AccessToken": {"a": {},}}"#,
        r#"{"AccessToken": {,}}"#,
        r#"{,}"#,
        r#"{"AccessToken": {"a": {}}, "x": 1790003600, "y": -1.5e3, "z": true, "n": null}"#,
        r#"{"AccessToken": {"a": {}}, "b": 1,}"#,
        r#"{"AccessToken": {"a": {}} "b": 1}"#,
        r#"{"AccessToken": {"a": {}, "b": {} "c": {}}}"#,
        r#"{"AccessToken": {"a" {}}}"#,
        r#"{"AccessToken": {"a": {"x": 1}"b": {}}}"#,
        r#"{"x": 1"y": 2}"#,
        r#"{"x": 12"#,
        r#"{"x": 12}"#,
        r#"{"x": 1.}"#,
        r#"{"x": -}"#,
        r#"{"AccessToken": {"a": null}}"#,
        "[1, 2]",
        "\"text\"",
        "null",
        // Blank, in any Unicode sense, with or without a byte-order mark, is an empty cache.
        "",
        " \n\t",
        "\u{feff}",
        "\u{feff} \u{a0}\u{3000}",
        "\u{b}",
        "{\u{b}}",
        "{}\u{c}",
        "{\"x\":\u{b}1}",
        "{\r\n\t}",
        "\u{feff}{}",
        "{}\u{a0}",
        // Timestamps as numbers of every kind; escaped keys and values.
        r#"{"AccessToken": {"a": {"expires_on": -0, "cached_at": 1.9e9, "refresh_on": -7, "extended_expires_on": 18446744073709551615}}}"#,
        r#"{"AccessToken": {"a": {"expires_on": 1e400}}}"#,
        r#"{"\u0041ccessToken": {"\u0061": {"client_\u0069d": "c\u0031", "\u0078": "\ud83d\ude00"}}}"#,
        r#"{"AccessToken": {"a": {"x": "\ud800"}}}"#,
    ] {
        every_filter_agrees(text.as_bytes());
    }
}

#[test]
fn every_one_byte_edit_of_a_cache_is_read_alike() {
    // Structure is where the piecewise reader does its own work: change every byte of a real
    // cache to each structural byte (or delete it) and compare the two readers.
    let value: serde_json::Value = serde_json::from_str(SEED).unwrap();
    let text = serde_json::to_string(&value).unwrap();
    let bytes = text.as_bytes();
    for at in 0..bytes.len() {
        for edit in b"{}[]:,;=\" \x0b0n".iter().copied().map(Some).chain([None]) {
            let mut edited = bytes.to_vec();
            match edit {
                Some(byte) => edited[at] = byte,
                None => {
                    edited.remove(at);
                }
            }
            stream_agrees(&edited, &Keep::All, 64, &[usize::MAX]).unwrap();
        }
    }
}

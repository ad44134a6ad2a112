//! The token cache: MSAL's unified schema in memory ([`TokenCache`]), read-only snapshots of it
//! for lookups ([`CacheSnapshot`]), and its file on disk ([`CacheFile`]).
//!
//! The in-memory part is pure: it never reads a clock (callers pass `now`, epoch seconds) and
//! never touches a file. The JSON it reads and writes is what MSAL Python's
//! `SerializableTokenCache` reads and writes, so MSAL Python and the Azure CLI can share a cache
//! with `msal` (DESIGN §4).

mod encryption;
mod file;
mod parse;
mod schema;
mod snapshot;
mod stream;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::path::PathBuf;
use std::time::Duration;

pub use encryption::{
    CacheEncryption, CacheKey, CacheKeyError, CacheKeySource, EncryptionPolicy, KeyFormatError,
};
pub use file::{CacheFile, LockedCacheFile, MAX_CACHE_BYTES};
pub use schema::{
    AccessTokenEntry, AccountEntry, AppMetadataEntry, IdTokenEntry, RefreshTokenEntry,
};

pub use snapshot::{AccessTokenFilter, CacheSnapshot};

use parse::{Keep, ParseError};
use schema::{AccessTokenView, Sections, Timestamp};

use crate::secret::RefreshToken;
use crate::token::{ClientInfo, IdTokenClaims, TokenResponse};

/// Why the cache could not be used. Messages name the file but never quote its content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// Reading or writing the file failed.
    #[error("token cache {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Another process held the cache's lock for longer than the deadline.
    #[error(
        "token cache {path}: gave up waiting for the lock after {waited:?}; another process is \
         updating the cache (its lock file is the same path with `.lock` appended)"
    )]
    LockTimeout {
        /// The cache file.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// The file is a JSON object whose sections this version does not understand (written by a
    /// newer or foreign program); it has been left untouched.
    #[error(
        "token cache {path} has a format this version of msal does not understand ({detail}); \
         the file was left untouched"
    )]
    UnknownFormat {
        /// The cache file.
        path: PathBuf,
        /// What was not understood (section and field names only).
        detail: String,
    },
    /// The file at the cache path is not one `msal` may use: not a regular file (a directory, a
    /// device, a FIFO), another user's, writable by others, reached through a symbolic link
    /// another user could have planted, or larger than any token cache
    /// ([`MAX_CACHE_BYTES`](file::MAX_CACHE_BYTES)). It was not opened or, if opened, not changed.
    #[error("token cache {path} was not used: {reason}; nothing was changed")]
    Refused {
        /// The cache file as given, or where its link led.
        path: PathBuf,
        /// Why.
        reason: crate::private_file::Refusal,
    },
    /// The file is not a token cache (not a JSON object, or not JSON at all). Reading leaves it
    /// as it is; a write moves it aside (`<file>.corrupt-<time>`) and starts an empty cache.
    #[error(
        "token cache {path} is not a token cache ({detail}); it was left untouched, and is \
         moved aside when a token is next saved to it"
    )]
    Corrupt {
        /// The cache file.
        path: PathBuf,
        /// What the parser said (never the content itself).
        detail: String,
    },
    /// The file is encrypted ([`EncryptionPolicy`]) and no key for it was found.
    #[error(
        "token cache {path} is encrypted, and its key is not in {looked_in}; the file was left \
         untouched. If the key is gone for good (another machine or user, a keyring that was \
         reset), move the file aside and sign in again"
    )]
    KeyMissing {
        /// The cache file.
        path: PathBuf,
        /// Where the key was looked for.
        looked_in: String,
    },
    /// The key for an encrypted cache could not be read or stored: the keyring was unreachable,
    /// locked, or did not answer in time.
    #[error(
        "token cache {path}{}: {source}",
        if *encrypted {
            " is encrypted, and its key could not be read (the file was left untouched)"
        } else {
            ": the key to encrypt it could not be read or stored"
        }
    )]
    Key {
        /// The cache file.
        path: PathBuf,
        /// Whether the file is encrypted already (else the key was wanted to encrypt it).
        encrypted: bool,
        /// What the keyring said (never the key).
        #[source]
        source: CacheKeyError,
    },
    /// The file is encrypted but does not decrypt with the key found.
    #[error(
        "token cache {path} could not be decrypted: {}; the file was left untouched",
        if file_kid == key_kid {
            "it was altered after it was written".to_owned()
        } else {
            format!("it was encrypted with key {file_kid}, and the keyring holds key {key_kid}")
        }
    )]
    Decrypt {
        /// The cache file.
        path: PathBuf,
        /// The id of the key the file names.
        file_kid: String,
        /// The id of the key in the keyring.
        key_kid: String,
    },
    /// Text given to [`TokenCache::from_json`] is not a cache: not a JSON object, or an object
    /// with sections of an unknown shape.
    #[error("token cache text is not usable: {detail}")]
    Invalid {
        /// What was wrong (never the content itself).
        detail: String,
    },
}

/// A token endpoint's successful answer, with what the cache needs to file it (MSAL Python's
/// `TokenCache.add` event).
#[derive(Debug, Clone, Copy)]
pub struct TokenEvent<'a> {
    /// The application (client) id.
    pub client_id: &'a str,
    /// The authority host, lowercase, without port, e.g. `login.microsoftonline.com`.
    pub environment: &'a str,
    /// The tenant segment of the discovered token endpoint.
    pub realm: &'a str,
    /// The granted scopes (the response's `scope` split, else the request's); the cache sorts
    /// and joins them.
    pub scopes: &'a [String],
    /// The grant that produced the response, e.g. `authorization_code`, `refresh_token`.
    pub grant_type: &'a str,
    /// The response itself.
    pub response: &'a TokenResponse,
    /// The ID token's claims, already decoded by the caller.
    pub id_token_claims: Option<&'a IdTokenClaims>,
    /// The username typed for the password grant, used when the ID token names none.
    pub username_hint: Option<&'a str>,
}

/// What an access token must match (DESIGN §4).
#[derive(Debug, Clone, Copy)]
pub struct AccessTokenQuery<'a> {
    /// The application (client) id; compared exactly.
    pub client_id: &'a str,
    /// The authority host; compared case-insensitively.
    pub environment: &'a str,
    /// The tenant; compared case-insensitively.
    pub realm: &'a str,
    /// The account; `None` asks for an app-only token.
    pub home_account_id: Option<&'a str>,
    /// The scopes wanted; they must all be in the token's target (case-insensitively).
    pub scopes: &'a [String],
}

/// What a refresh token must match (DESIGN §4): environment and account, not realm.
#[derive(Debug, Clone, Copy)]
pub struct RefreshTokenQuery<'a> {
    /// The application (client) id.
    pub client_id: &'a str,
    /// The authority host; compared case-insensitively.
    pub environment: &'a str,
    /// The account.
    pub home_account_id: &'a str,
    /// Also match tokens of this family of client ids (FOCI), whatever their client id.
    pub family_id: Option<&'a str>,
}

/// The extra entry field that ties on-behalf-of tokens to the incoming assertion (MSAL.NET).
pub const USER_ASSERTION_HASH: &str = "user_assertion_hash";

/// MSAL's default lifetime when a response has no `expires_in` (MSAL Python `TokenCache.__add`).
const DEFAULT_EXPIRES_IN: u64 = 600;

/// Grants after which MSAL Python records `account_source` on the account.
const ACCOUNT_SOURCES: &[&str] = &[
    "authorization_code",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
];

/// The token cache in memory, in MSAL's unified schema.
///
/// Entries keep every field they were read with, and unknown top-level sections are kept too, so
/// a cache shared with other MSAL libraries loses nothing when `msal` writes it back.
#[derive(Clone, Default, PartialEq)]
pub struct TokenCache {
    sections: Sections,
}

impl std::fmt::Debug for TokenCache {
    /// Counts only: entries are secrets or personal data, and unknown sections may be either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.sections;
        f.debug_struct("TokenCache")
            .field("access_tokens", &s.access_tokens.len())
            .field("refresh_tokens", &s.refresh_tokens.len())
            .field("id_tokens", &s.id_tokens.len())
            .field("accounts", &s.accounts.len())
            .field("app_metadata", &s.app_metadata.len())
            .field("other_sections", &s.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a cache from MSAL's JSON. Empty or blank text is an empty cache.
    pub fn from_json(text: &str) -> Result<Self, CacheError> {
        Self::parse(text.as_bytes()).map_err(|e| CacheError::Invalid {
            detail: e.detail().to_owned(),
        })
    }

    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        parse::parse(bytes, &Keep::All).map(|sections| Self { sections })
    }

    /// The cache as MSAL Python writes it: JSON with a 4-space indent, ASCII only.
    pub fn to_json(&self) -> String {
        self.sections.to_json()
    }

    /// Whether the cache holds nothing at all (no entries and no unknown sections).
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Records a token response, as MSAL Python's `TokenCache.add` does: an access token, an
    /// account and ID token when the response identifies a user, a refresh token when one came,
    /// and the app's metadata. Entries with the same key are replaced.
    pub fn add(&mut self, event: &TokenEvent<'_>, now: u64) {
        self.add_tagged(event, None, now);
    }

    /// Records an on-behalf-of response like [`Self::add`], tagging its access and refresh
    /// tokens with `user_assertion_hash` (the field MSAL.NET uses) so that
    /// [`Self::find_access_token_on_behalf_of`] serves them only for the same incoming assertion.
    pub fn add_on_behalf_of(
        &mut self,
        event: &TokenEvent<'_>,
        user_assertion_hash: &str,
        now: u64,
    ) {
        self.add_tagged(event, Some(user_assertion_hash), now);
    }

    fn add_tagged(&mut self, event: &TokenEvent<'_>, user_assertion_hash: Option<&str>, now: u64) {
        let tag = || {
            let mut extra = serde_json::Map::new();
            if let Some(hash) = user_assertion_hash {
                extra.insert(
                    USER_ASSERTION_HASH.to_owned(),
                    serde_json::Value::String(hash.to_owned()),
                );
            }
            extra
        };
        let response = event.response;
        let claims = event.id_token_claims;
        // MSAL Python `__parse_account`: client_info first, then the ID token's subject (ADFS
        // and other providers without client_info); neither means an app-only token.
        let home_account_id = response
            .client_info
            .as_deref()
            .and_then(ClientInfo::decode)
            .map(|info| info.home_account_id())
            .or_else(|| claims.and_then(|c| c.sub.clone()));
        let mut scopes: Vec<&str> = event.scopes.iter().map(String::as_str).collect();
        scopes.sort_unstable();
        let target = scopes.join(" ");

        if !response.access_token.secret().is_empty() {
            let expires_in = response.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
            let ext_expires_in = response.ext_expires_in.unwrap_or(expires_in);
            let entry = AccessTokenEntry {
                credential_type: schema::ACCESS_TOKEN.to_owned(),
                secret: response.access_token.clone(),
                home_account_id: home_account_id.clone(),
                environment: event.environment.to_owned(),
                client_id: event.client_id.to_owned(),
                realm: event.realm.to_owned(),
                target: target.clone(),
                token_type: response.token_type.clone(),
                cached_at: Some(Timestamp::from_secs(now)),
                expires_on: Some(Timestamp::from_secs(now.saturating_add(expires_in))),
                extended_expires_on: Some(Timestamp::from_secs(now.saturating_add(ext_expires_in))),
                refresh_on: response
                    .refresh_in
                    .map(|refresh_in| Timestamp::from_secs(now.saturating_add(refresh_in))),
                extra: tag(),
            };
            self.sections.access_tokens.insert(entry.key(), entry);
        }

        if let Some(home_account_id) = &home_account_id {
            let username = claims
                .and_then(IdTokenClaims::username)
                .or(event.username_hint)
                .unwrap_or_default();
            let authority_type = if event.realm.eq_ignore_ascii_case("adfs") {
                "ADFS"
            } else {
                "MSSTS"
            };
            let entry = AccountEntry {
                home_account_id: Some(home_account_id.clone()),
                environment: event.environment.to_owned(),
                realm: event.realm.to_owned(),
                local_account_id: claims.and_then(|c| c.oid.clone().or_else(|| c.sub.clone())),
                username: username.to_owned(),
                authority_type: authority_type.to_owned(),
                account_source: ACCOUNT_SOURCES
                    .contains(&event.grant_type)
                    .then(|| event.grant_type.to_owned()),
                extra: Default::default(),
            };
            self.sections.accounts.insert(entry.key(), entry);

            if let Some(id_token) = response
                .id_token
                .as_ref()
                .filter(|t| !t.secret().is_empty())
            {
                let entry = IdTokenEntry {
                    credential_type: schema::ID_TOKEN.to_owned(),
                    secret: id_token.clone(),
                    home_account_id: Some(home_account_id.clone()),
                    environment: event.environment.to_owned(),
                    realm: event.realm.to_owned(),
                    client_id: event.client_id.to_owned(),
                    extra: Default::default(),
                };
                self.sections.id_tokens.insert(entry.key(), entry);
            }
        }

        if let Some(refresh_token) = response
            .refresh_token
            .as_ref()
            .filter(|t| !t.secret().is_empty())
        {
            let entry = RefreshTokenEntry {
                credential_type: schema::REFRESH_TOKEN.to_owned(),
                secret: refresh_token.clone(),
                home_account_id: home_account_id.clone(),
                environment: event.environment.to_owned(),
                client_id: event.client_id.to_owned(),
                target,
                family_id: response.foci.clone(),
                last_modification_time: Some(Timestamp::from_secs(now)),
                extra: tag(),
            };
            self.sections.refresh_tokens.insert(entry.key(), entry);
        }

        let entry = AppMetadataEntry {
            client_id: event.client_id.to_owned(),
            environment: event.environment.to_owned(),
            family_id: response.foci.clone(),
            extra: Default::default(),
        };
        self.sections.app_metadata.insert(entry.key(), entry);
    }

    /// The usable access token with the latest expiry that matches `query` (DESIGN §4).
    ///
    /// Tokens with `expires_on <= now` never match; the caller applies the 5-minute margin and
    /// `refresh_on` itself. Only bearer tokens match: entries bound to a key (another SDK's
    /// proof-of-possession or SSH certificate tokens) are skipped. An empty scope list matches
    /// nothing rather than any token.
    pub fn find_access_token(
        &self,
        query: &AccessTokenQuery<'_>,
        now: u64,
    ) -> Option<&AccessTokenEntry> {
        self.find_access_token_where(query, now, |at| {
            account_matches(at.home_account_id.as_deref(), query.home_account_id)
        })
    }

    /// The usable access token obtained on behalf of the user whose assertion hashes to
    /// `user_assertion_hash`, whatever the account (it is not known before the exchange);
    /// `query.home_account_id` is ignored.
    pub fn find_access_token_on_behalf_of(
        &self,
        query: &AccessTokenQuery<'_>,
        user_assertion_hash: &str,
        now: u64,
    ) -> Option<&AccessTokenEntry> {
        self.find_access_token_where(query, now, |at| {
            at.home_account_id.is_some()
                && at
                    .extra
                    .get(USER_ASSERTION_HASH)
                    .and_then(serde_json::Value::as_str)
                    == Some(user_assertion_hash)
        })
    }

    fn find_access_token_where(
        &self,
        query: &AccessTokenQuery<'_>,
        now: u64,
        account: impl Fn(&AccessTokenEntry) -> bool,
    ) -> Option<&AccessTokenEntry> {
        if query.scopes.is_empty() {
            return None;
        }
        self.sections
            .access_tokens
            .values()
            .filter(|at| {
                can_answer(&at.view(), query.client_id, query.environment, query.scopes)
                    && at.realm.eq_ignore_ascii_case(query.realm)
                    && account(at)
                    && at.expires_on() > now
            })
            .max_by_key(|at| at.expires_on())
    }

    /// Refresh tokens usable for `query`, newest (`last_modification_time`) first; at equal
    /// times the app's own tokens come before its family's.
    pub fn find_refresh_tokens(&self, query: &RefreshTokenQuery<'_>) -> Vec<&RefreshTokenEntry> {
        let mut found: Vec<&RefreshTokenEntry> = self
            .sections
            .refresh_tokens
            .values()
            .filter(|rt| {
                rt.credential_type
                    .eq_ignore_ascii_case(schema::REFRESH_TOKEN)
                    && !rt.secret.secret().is_empty()
                    && rt.environment.eq_ignore_ascii_case(query.environment)
                    && rt.home_account_id.as_deref() == Some(query.home_account_id)
                    && (rt.client_id == query.client_id
                        || query
                            .family_id
                            .is_some_and(|family| rt.family_id.as_deref() == Some(family)))
            })
            .collect();
        found.sort_by_key(|rt| {
            (
                Reverse(rt.last_modification_time().unwrap_or(0)),
                rt.client_id != query.client_id,
            )
        });
        found
    }

    /// The ID token of an account for a client in a tenant.
    pub fn find_id_token(
        &self,
        home_account_id: &str,
        environment: &str,
        realm: &str,
        client_id: &str,
    ) -> Option<&IdTokenEntry> {
        self.sections.id_tokens.values().find(|idt| {
            idt.credential_type.eq_ignore_ascii_case(schema::ID_TOKEN)
                && idt.home_account_id.as_deref() == Some(home_account_id)
                && idt.environment.eq_ignore_ascii_case(environment)
                && idt.realm.eq_ignore_ascii_case(realm)
                && idt.client_id == client_id
        })
    }

    /// What the cache knows about a client app, notably its FOCI `family_id`.
    pub fn find_app_metadata(
        &self,
        environment: &str,
        client_id: &str,
    ) -> Option<&AppMetadataEntry> {
        self.sections.app_metadata.values().find(|meta| {
            meta.environment.eq_ignore_ascii_case(environment) && meta.client_id == client_id
        })
    }

    /// All accounts, sorted by username (case-insensitively), then environment, then realm.
    pub fn accounts(&self) -> Vec<&AccountEntry> {
        let mut accounts: Vec<&AccountEntry> = self.sections.accounts.values().collect();
        accounts.sort_by(|a, b| {
            (
                a.username.to_lowercase(),
                &a.username,
                &a.environment,
                &a.realm,
                &a.home_account_id,
            )
                .cmp(&(
                    b.username.to_lowercase(),
                    &b.username,
                    &b.environment,
                    &b.realm,
                    &b.home_account_id,
                ))
        });
        accounts
    }

    /// Stores a rotated refresh token in place of `old`, with a new `last_modification_time`
    /// (MSAL Python `update_rt`). Losing a rotated token logs the user out (DESIGN §4), so when
    /// `old` is no longer in the cache (another process changed it meanwhile) the token is added
    /// under `old`'s key rather than dropped.
    pub fn replace_refresh_token(
        &mut self,
        old: &RefreshTokenEntry,
        new_secret: RefreshToken,
        now: u64,
    ) {
        let tokens = &mut self.sections.refresh_tokens;
        // Prefer the key `old` is stored under: an entry another SDK wrote may be keyed
        // differently from what this version computes (MSAL changed scope ordering once).
        let key = tokens
            .iter()
            .find(|(_, entry)| *entry == old)
            .map(|(key, _)| key.clone())
            .unwrap_or_else(|| old.key());
        let entry = tokens.entry(key).or_insert_with(|| old.clone());
        entry.secret = new_secret;
        entry.last_modification_time = Some(Timestamp::from_secs(now));
    }

    /// Removes every access token, refresh token, ID token and account entry of an account, in
    /// one environment or (`None`) all. App metadata stays: it describes the app, not the user.
    /// Returns how many entries went.
    pub fn remove_account(&mut self, home_account_id: &str, environment: Option<&str>) -> usize {
        let mine = |entry_account: Option<&str>, entry_environment: &str| {
            entry_account == Some(home_account_id)
                && environment.is_none_or(|env| env.eq_ignore_ascii_case(entry_environment))
        };
        let s = &mut self.sections;
        let before =
            s.access_tokens.len() + s.refresh_tokens.len() + s.id_tokens.len() + s.accounts.len();
        s.access_tokens
            .retain(|_, e| !mine(e.home_account_id.as_deref(), &e.environment));
        s.refresh_tokens
            .retain(|_, e| !mine(e.home_account_id.as_deref(), &e.environment));
        s.id_tokens
            .retain(|_, e| !mine(e.home_account_id.as_deref(), &e.environment));
        s.accounts
            .retain(|_, e| !mine(e.home_account_id.as_deref(), &e.environment));
        let after =
            s.access_tokens.len() + s.refresh_tokens.len() + s.id_tokens.len() + s.accounts.len();
        before - after
    }

    /// Removes access tokens with `expires_on <= now` (and those whose expiry cannot be read),
    /// as MSAL Python's search does. Returns how many went.
    pub fn remove_expired_access_tokens(&mut self, now: u64) -> usize {
        let before = self.sections.access_tokens.len();
        self.sections
            .access_tokens
            .retain(|_, at| at.expires_on() > now);
        before - self.sections.access_tokens.len()
    }

    /// How many access tokens the cache holds, expired or not.
    pub fn access_token_count(&self) -> usize {
        self.sections.access_tokens.len()
    }
}

/// Whether an access token can answer lookups of `client_id` in `environment` for `scopes`,
/// whatever the realm, account and time: a bearer token with a secret (not another SDK's token
/// bound to a key), for this client and environment, granted every scope asked for. Lookups and
/// [`CacheSnapshot`]s both decide with this, so a snapshot keeps every token a lookup may find.
fn can_answer(
    at: &AccessTokenView<'_>,
    client_id: &str,
    environment: &str,
    scopes: &[String],
) -> bool {
    at.credential_type
        .eq_ignore_ascii_case(schema::ACCESS_TOKEN)
        && at.token_type.eq_ignore_ascii_case("bearer")
        && !at.bound_to_key
        && at.has_secret
        && at.client_id == client_id
        && at.environment.eq_ignore_ascii_case(environment)
        && scopes.iter().all(|wanted| {
            at.target
                .split_whitespace()
                .any(|granted| same_scope(granted, wanted))
        })
}

/// Scopes compare case-insensitively, by their Unicode lowercase; without allocating when both
/// are ASCII, as they nearly always are.
fn same_scope(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// MSAL compares `home_account_id` exactly; app-only tokens carry `null`, which some SDKs write
/// as `""`.
fn account_matches(entry: Option<&str>, wanted: Option<&str>) -> bool {
    entry.filter(|id| !id.is_empty()) == wanted
}

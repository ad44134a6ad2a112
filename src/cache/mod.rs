//! The token cache: MSAL's unified schema in memory ([`TokenCache`]), read-only snapshots of it
//! for lookups ([`CacheSnapshot`]), and its file on disk ([`CacheFile`]).
//!
//! The in-memory part is pure: it never reads a clock (callers pass `now`, epoch seconds) and
//! never touches a file. The JSON it reads and writes is what MSAL Python's
//! `SerializableTokenCache` reads and writes, so MSAL Python and the Azure CLI can share a cache
//! with `msal`.
//!
//! The cache is read by hand-written visitors (`parse.rs`), in pieces (`stream.rs`), straight into
//! typed entries, keeping only the access tokens a lookup can use (`snapshot.rs`), rather than
//! through a `serde_json::Value` tree: a cache hit is the common case, and measured on a cache of
//! 10,000 tokens (23 MB, `bench/`) this keeps `msal silent` under 20 ms and 6 MB of memory where a
//! `Value` tree cost several times both. Each entry type's fields are declared once
//! (`schema.rs`, `cache_entry!`), and the reader and writer are built from that declaration.

mod accounts;
mod encryption;
mod file;
mod issuer;
mod parse;
mod peer_lock;
mod schema;
mod snapshot;
mod stream;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::path::PathBuf;
use std::time::Duration;

pub use accounts::{ACTIVE_FOR, TENANT_ID, plausible_tenant, token_tenant};
pub use encryption::{
    CacheEncryption, CacheKey, CacheKeyError, CacheKeySource, EncryptionPolicy, KeyFormatError,
};
pub use file::{CacheFile, LockedCacheFile, MAX_CACHE_BYTES};
pub use issuer::{ORIGIN, TokenIssuer};
pub use schema::{
    AccessTokenEntry, AccountEntry, AppMetadataEntry, IdTokenEntry, RefreshTokenEntry,
};

pub use snapshot::{AccessTokenFilter, CacheSnapshot};

/// Why a cache file was refused ([`CacheError::Refused`]).
pub use crate::private_file::Refusal;

use parse::{Keep, ParseError};
use schema::{AccessTokenView, Sections, Timestamp};

use crate::secret::RefreshToken;
use crate::token::{IdTokenClaims, TokenResponse};

/// Why the cache could not be used. Messages name the file but never quote its content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// Reading or writing the file failed.
    #[error("token cache {path}: {source}")]
    Io {
        /// The cache file, or its lock file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Another process held the cache's lock for longer than the deadline.
    #[error(
        "token cache {path}: gave up waiting for the lock after {} s; another process is \
         updating the cache (its lock file is the same path with `.lock` appended)",
        waited.as_secs_f64().round()
    )]
    LockTimeout {
        /// The cache file.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// A wait for one of the cache's locks was ended early ([`CacheFile::with_interrupt`]).
    #[error("token cache {path}: stopped waiting for the lock")]
    Interrupted {
        /// The cache file, or its lock file.
        path: PathBuf,
    },
    /// A program using msal-extensions (the Azure CLI, azure-identity) held the cache's
    /// `<cache>.lockfile` for longer than the deadline.
    #[error(
        "{path}: gave up waiting for this lock file after {} s; another program (the Azure CLI, \
         azure-identity or another MSAL app) is updating the token cache, or left the file \
         behind: if none is running, delete it",
        waited.as_secs()
    )]
    PeerLockTimeout {
        /// The lock file.
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
    /// ([`MAX_CACHE_BYTES`]). It was not opened or, if opened, not changed.
    #[error("token cache {path} was not used: {reason}; nothing was changed")]
    Refused {
        /// The cache file as given, or where its link led.
        path: PathBuf,
        /// What about the file (or the way to it) makes it unsafe.
        reason: Refusal,
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
    /// The file is plain JSON, but msal encrypted this cache and its key is still in the keyring:
    /// another program replaced it, or it was decrypted outside msal. Choosing a policy other
    /// than [`EncryptionPolicy::Keep`], or removing the key, settles it.
    #[error(
        "token cache {path} is plain JSON, but msal keeps it encrypted and its key is still in \
         {looked_in}: another program replaced the file, or it was decrypted outside msal. It \
         was left untouched"
    )]
    PlainWhereEncrypted {
        /// The cache file.
        path: PathBuf,
        /// Where the key is.
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
    /// The application (client) id. Empty for a system-assigned managed identity, which has
    /// none: its access token and app metadata are written with `client_id: null`, as MSAL
    /// Python writes them (its key maker reads `null` as empty, so the keys agree too).
    pub client_id: &'a str,
    /// The identity provider that answered.
    pub issuer: &'a TokenIssuer,
    /// The tenant segment of the discovered token endpoint (Entra-shaped authorities); generic
    /// providers and managed identity use [`TokenIssuer::fixed_realm`] instead.
    pub realm: &'a str,
    /// The granted scopes (the response's `scope` split, else the request's); the cache sorts
    /// and joins them.
    pub scopes: &'a [String],
    /// The grant that produced the response, e.g. `authorization_code`, `refresh_token`.
    pub grant_type: &'a str,
    /// The response itself.
    pub response: &'a TokenResponse,
    /// Whose tokens these are: the signed-in account's `home_account_id` (decided by the caller:
    /// a refresh answer belongs to the account whose refresh token was spent, whatever it
    /// contains), `None` for the application's own tokens.
    pub home_account_id: Option<&'a str>,
    /// The ID token's claims, already decoded and checked by the caller.
    pub id_token_claims: Option<&'a IdTokenClaims>,
    /// The username typed for the password grant, used when the ID token names none.
    pub username_hint: Option<&'a str>,
    /// For on-behalf-of answers, the hash of the incoming assertion
    /// ([`USER_ASSERTION_HASH`]): such tokens are served only to the same assertion, never as
    /// the app's own or a signed-in user's.
    pub user_assertion_hash: Option<&'a str>,
}

impl TokenEvent<'_> {
    fn realm(&self) -> &str {
        self.issuer.fixed_realm().unwrap_or(self.realm)
    }

    /// The `client_id` of access tokens and app metadata: `None` only for an empty id.
    fn nullable_client_id(&self) -> Option<String> {
        (!self.client_id.is_empty()).then(|| self.client_id.to_owned())
    }
}

/// What an access token must match.
#[derive(Debug, Clone, Copy)]
pub struct AccessTokenQuery<'a> {
    /// The application (client) id; compared exactly.
    pub client_id: &'a str,
    /// The identity provider.
    pub issuer: &'a TokenIssuer,
    /// The tenant; compared case-insensitively (ignored where the issuer fixes the realm).
    pub realm: &'a str,
    /// The account; `None` asks for an app-only token.
    pub home_account_id: Option<&'a str>,
    /// The scopes wanted; they must all be in the token's target (case-insensitively).
    pub scopes: &'a [String],
}

impl AccessTokenQuery<'_> {
    fn realm(&self) -> &str {
        self.issuer.fixed_realm().unwrap_or(self.realm)
    }
}

/// What a refresh token must match: issuer and account, not realm (Entra refresh tokens work in
/// every tenant of their cloud).
#[derive(Debug, Clone, Copy)]
pub struct RefreshTokenQuery<'a> {
    /// The application (client) id.
    pub client_id: &'a str,
    /// The identity provider.
    pub issuer: &'a TokenIssuer,
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
    /// and the app's metadata. Entries with the same key are replaced; every entry records the
    /// issuer's origin ([`ORIGIN`]), and on-behalf-of entries the assertion hash.
    ///
    /// An answer without an ID token (a refresh, OpenID Connect Core §12.2) leaves the account
    /// entry as it was: it would otherwise lose the username.
    pub fn add(&mut self, event: &TokenEvent<'_>, now: u64) {
        let tag = |with_assertion: bool| {
            let mut extra = serde_json::Map::new();
            if !event.issuer.origin().is_empty() {
                extra.insert(
                    ORIGIN.to_owned(),
                    serde_json::Value::String(event.issuer.origin().to_owned()),
                );
            }
            if let Some(hash) = event.user_assertion_hash.filter(|_| with_assertion) {
                extra.insert(
                    USER_ASSERTION_HASH.to_owned(),
                    serde_json::Value::String(hash.to_owned()),
                );
            }
            extra
        };
        let response = event.response;
        let claims = event.id_token_claims;
        let environment = event.issuer.environment();
        let realm = event.realm();
        let home_account_id = event.home_account_id.map(str::to_owned);
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
                environment: environment.to_owned(),
                client_id: event.nullable_client_id(),
                realm: realm.to_owned(),
                target: target.clone(),
                token_type: response.token_type.clone(),
                cached_at: Some(Timestamp::from_secs(now)),
                expires_on: Some(Timestamp::from_secs(now.saturating_add(expires_in))),
                extended_expires_on: Some(Timestamp::from_secs(now.saturating_add(ext_expires_in))),
                refresh_on: response
                    .refresh_in
                    .map(|refresh_in| Timestamp::from_secs(now.saturating_add(refresh_in))),
                extra: tag(true),
            };
            self.sections.access_tokens.insert(entry.key(), entry);
        }

        // An account needs something that names the user: an ID token, Entra's client_info or
        // the username typed. An on-behalf-of answer with none of them is keyed by its
        // assertion, not by a user.
        let identified = claims.is_some()
            || event.username_hint.is_some()
            || (response.client_info.is_some() && event.user_assertion_hash.is_none());
        if let Some(home_account_id) = home_account_id.as_ref().filter(|_| identified) {
            // MSAL's rule for Entra, shared with MSAL Python; any name a person knows for other
            // providers, whose ID tokens need carry only `sub`.
            let named: fn(&IdTokenClaims) -> Option<&str> = if event.issuer.fixed_realm().is_some()
            {
                IdTokenClaims::person
            } else {
                IdTokenClaims::username
            };
            let username = claims
                .and_then(named)
                .or(event.username_hint)
                .unwrap_or_default();
            // Other names `--username` may choose the account by (MSAL Node keeps `name` too).
            let mut account_extra = tag(false);
            // The tenant the token was issued in, where the realm does not say it
            // (`organizations`, `common`); Entra's claim, meaningless at other providers.
            let tenant = claims
                .and_then(|c| c.tid.as_deref())
                .filter(|t| event.issuer.fixed_realm().is_none() && plausible_tenant(t));
            for (field, value) in [
                ("name", claims.and_then(|c| c.name.as_deref())),
                ("email", claims.and_then(|c| c.email.as_deref())),
                (TENANT_ID, tenant),
            ] {
                if let Some(value) = value {
                    account_extra.insert(field.to_owned(), value.into());
                }
            }
            let authority_type = if realm.eq_ignore_ascii_case("adfs") {
                "ADFS"
            } else {
                "MSSTS"
            };
            let mut entry = AccountEntry {
                home_account_id: Some(home_account_id.clone()),
                environment: environment.to_owned(),
                realm: realm.to_owned(),
                local_account_id: claims.and_then(|c| c.oid.clone().or_else(|| c.sub.clone())),
                username: username.to_owned(),
                authority_type: authority_type.to_owned(),
                account_source: ACCOUNT_SOURCES
                    .contains(&event.grant_type)
                    .then(|| event.grant_type.to_owned()),
                extra: account_extra,
            };
            let key = entry.key();
            let existing = self.sections.accounts.get(&key);
            if let Some(old) = existing {
                accounts::carry_over(old, &mut entry);
            }
            if claims.is_some() || existing.is_none() {
                self.sections.accounts.insert(key, entry);
            }

            if let Some(id_token) = response
                .id_token
                .as_ref()
                .filter(|t| !t.secret().is_empty())
            {
                let entry = IdTokenEntry {
                    credential_type: schema::ID_TOKEN.to_owned(),
                    secret: id_token.clone(),
                    home_account_id: Some(home_account_id.clone()),
                    environment: environment.to_owned(),
                    realm: realm.to_owned(),
                    client_id: event.client_id.to_owned(),
                    // An ID token got on behalf of an assertion is not a sign-in of this
                    // client (see `clients_of_account`).
                    extra: tag(true),
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
                environment: environment.to_owned(),
                client_id: event.client_id.to_owned(),
                target,
                family_id: response.foci.clone(),
                last_modification_time: Some(Timestamp::from_secs(now)),
                extra: tag(true),
            };
            self.sections.refresh_tokens.insert(entry.key(), entry);
        }

        let entry = AppMetadataEntry {
            client_id: event.nullable_client_id(),
            environment: environment.to_owned(),
            family_id: response.foci.clone(),
            extra: tag(false),
        };
        self.sections.app_metadata.insert(entry.key(), entry);
    }

    /// The usable access token with the latest expiry that matches `query`: same client,
    /// issuer, realm, account and scopes (a subset of its target).
    ///
    /// Tokens with `expires_on <= now` never match; the caller applies the 5-minute margin and
    /// `refresh_on` itself. Only bearer tokens match: entries bound to a key (another SDK's
    /// proof-of-possession or SSH certificate tokens) are skipped, and so are on-behalf-of
    /// tokens, which only [`Self::find_access_token_on_behalf_of`] serves. An empty scope list
    /// matches nothing rather than any token.
    pub fn find_access_token(
        &self,
        query: &AccessTokenQuery<'_>,
        now: u64,
    ) -> Option<&AccessTokenEntry> {
        self.find_access_token_where(query, now, |at| {
            !at.extra.contains_key(USER_ASSERTION_HASH)
                && account_matches(at.home_account_id.as_deref(), query.home_account_id)
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
            at.extra
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
        let realm = query.realm();
        self.sections
            .access_tokens
            .values()
            .filter(|at| {
                can_answer(
                    &at.view(),
                    query.client_id,
                    query.issuer.environment(),
                    query.scopes,
                ) && query
                    .issuer
                    .owns(&at.environment, Some(&at.realm), origin_of(&at.extra))
                    && at.realm.eq_ignore_ascii_case(realm)
                    && account(at)
                    && at.expires_on() > now
            })
            .max_by_key(|at| at.expires_on())
    }

    /// Refresh tokens usable for `query`, newest (`last_modification_time`) first; at equal
    /// times the app's own tokens come before its family's. On-behalf-of refresh tokens belong
    /// to their assertion and are never offered.
    pub fn find_refresh_tokens(&self, query: &RefreshTokenQuery<'_>) -> Vec<&RefreshTokenEntry> {
        let mut found: Vec<&RefreshTokenEntry> = self
            .sections
            .refresh_tokens
            .values()
            .filter(|rt| {
                rt.credential_type
                    .eq_ignore_ascii_case(schema::REFRESH_TOKEN)
                    && !rt.secret.secret().is_empty()
                    && query
                        .issuer
                        .owns(&rt.environment, None, origin_of(&rt.extra))
                    && !rt.extra.contains_key(USER_ASSERTION_HASH)
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

    /// The ID token of an account for a client in a tenant of `issuer`.
    pub fn find_id_token(
        &self,
        home_account_id: &str,
        issuer: &TokenIssuer,
        realm: &str,
        client_id: &str,
    ) -> Option<&IdTokenEntry> {
        let realm = issuer.fixed_realm().unwrap_or(realm);
        self.sections.id_tokens.values().find(|idt| {
            idt.credential_type.eq_ignore_ascii_case(schema::ID_TOKEN)
                && idt.home_account_id.as_deref() == Some(home_account_id)
                && issuer.owns(&idt.environment, Some(&idt.realm), origin_of(&idt.extra))
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
            meta.environment.eq_ignore_ascii_case(environment)
                && meta.client_id.as_deref().unwrap_or("") == client_id
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
    /// (MSAL Python `update_rt`). Losing a rotated token logs the user out, so when
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

    /// Removes every access token, refresh token, ID token and account entry of an account at
    /// `issuer` (or, with `None`, at every issuer). App metadata stays: it describes the app, not
    /// the user. Returns how many entries went.
    pub fn remove_account(&mut self, home_account_id: &str, issuer: Option<&TokenIssuer>) -> usize {
        let mine = |account: Option<&str>, environment: &str, realm: Option<&str>, extra: &Map| {
            account == Some(home_account_id)
                && issuer.is_none_or(|i| i.owns(environment, realm, origin_of(extra)))
        };
        let s = &mut self.sections;
        let before =
            s.access_tokens.len() + s.refresh_tokens.len() + s.id_tokens.len() + s.accounts.len();
        s.access_tokens.retain(|_, e| {
            !mine(
                e.home_account_id.as_deref(),
                &e.environment,
                Some(&e.realm),
                &e.extra,
            )
        });
        s.refresh_tokens
            .retain(|_, e| !mine(e.home_account_id.as_deref(), &e.environment, None, &e.extra));
        s.id_tokens.retain(|_, e| {
            !mine(
                e.home_account_id.as_deref(),
                &e.environment,
                Some(&e.realm),
                &e.extra,
            )
        });
        s.accounts.retain(|_, e| {
            !mine(
                e.home_account_id.as_deref(),
                &e.environment,
                Some(&e.realm),
                &e.extra,
            )
        });
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
/// bound to a key), for this client and environment, granted every scope asked for.
/// Lookups and [`CacheSnapshot`]s both decide with this, so a snapshot keeps every token a lookup
/// may find; lookups then check the issuer and realm exactly ([`TokenIssuer::owns`]).
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

/// The issuer origin an entry recorded ([`ORIGIN`]), if it is a string.
fn origin_of(extra: &Map) -> Option<&str> {
    extra.get(ORIGIN).and_then(serde_json::Value::as_str)
}

type Map = serde_json::Map<String, serde_json::Value>;

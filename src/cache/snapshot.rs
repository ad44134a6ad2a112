//! Read-only snapshots of the cache for lookups ([`CacheSnapshot`]): the cache as read, except
//! that of the access tokens only those that can answer one application's lookups are kept.
//!
//! A cache hit is the common case, and a cache shared by many apps and accounts can hold
//! thousands of access tokens. A snapshot reads and checks the whole document exactly as
//! [`TokenCache`] does (same errors, same refusal of shapes it does not understand), but owns
//! only the few access tokens it may return; the rest are read in place and dropped. It is never
//! written back, so nothing is lost by not keeping the others: changes go through
//! [`CacheFile::update`](super::CacheFile::update), which reads the whole cache again under the
//! lock.

use super::parse::{self, Keep, ParseError};
use super::schema::{AccessTokenView, Sections};
use super::{
    AccessTokenEntry, AccessTokenQuery, AccountEntry, CacheError, TokenCache, can_answer,
    same_scope,
};

/// Which access tokens a [`CacheSnapshot`] keeps: those that can answer an
/// [`AccessTokenQuery`] with this client id, environment and these scopes (or more), in any
/// realm, for any account, at any time. An empty scope list keeps no access token, which suits
/// a snapshot taken for its accounts, or only to check that the cache can be read.
#[derive(Debug, Clone, Copy)]
pub struct AccessTokenFilter<'a> {
    /// The application (client) id; compared exactly.
    pub client_id: &'a str,
    /// The authority host; compared case-insensitively.
    pub environment: &'a str,
    /// The scopes every query will ask for (at least).
    pub scopes: &'a [String],
}

impl AccessTokenFilter<'static> {
    /// Keeps no access token.
    pub const NONE: Self = Self {
        client_id: "",
        environment: "",
        scopes: &[],
    };
}

impl AccessTokenFilter<'_> {
    pub(crate) fn keeps(&self, at: &AccessTokenView<'_>) -> bool {
        !self.scopes.is_empty() && can_answer(at, self.client_id, self.environment, self.scopes)
    }
}

/// A read-only view of the token cache for lookups, from [`CacheFile::snapshot`] or
/// [`CacheSnapshot::from_json`]: every account, and the access tokens its
/// [`AccessTokenFilter`] keeps.
///
/// Lookups answer as the same lookups on the whole [`TokenCache`] would, for every query the
/// filter covers: same client id, same environment, and every scope of the filter among the
/// query's. A query it does not cover finds nothing (a cache miss, never a wrong token).
///
/// [`CacheFile::snapshot`]: super::CacheFile::snapshot
#[derive(Clone, Default, PartialEq)]
pub struct CacheSnapshot {
    cache: TokenCache,
    client_id: String,
    environment: String,
    scopes: Vec<String>,
}

impl std::fmt::Debug for CacheSnapshot {
    /// Counts only, like [`TokenCache`]'s.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.cache.sections;
        f.debug_struct("CacheSnapshot")
            .field("client_id", &self.client_id)
            .field("environment", &self.environment)
            .field("scopes", &self.scopes)
            .field("access_tokens_kept", &s.access_tokens.len())
            .field("accounts", &s.accounts.len())
            .finish_non_exhaustive()
    }
}

impl CacheSnapshot {
    /// Reads a snapshot from MSAL's JSON; the same text is refused, with the same error, as by
    /// [`TokenCache::from_json`]. Empty or blank text is an empty cache.
    pub fn from_json(text: &str, filter: &AccessTokenFilter<'_>) -> Result<Self, CacheError> {
        Self::parse(text.as_bytes(), filter).map_err(|e| CacheError::Invalid {
            detail: e.detail().to_owned(),
        })
    }

    pub(crate) fn parse(bytes: &[u8], filter: &AccessTokenFilter<'_>) -> Result<Self, ParseError> {
        let keep = |at: &AccessTokenView<'_>| filter.keeps(at);
        parse::parse(bytes, &Keep::AccessTokens(&keep)).map(|sections| Self::new(sections, filter))
    }

    pub(crate) fn new(sections: Sections, filter: &AccessTokenFilter<'_>) -> Self {
        Self {
            cache: TokenCache { sections },
            client_id: filter.client_id.to_owned(),
            environment: filter.environment.to_owned(),
            scopes: filter.scopes.to_vec(),
        }
    }

    /// See [`TokenCache::find_access_token`]; `None` too for a query the filter does not cover.
    pub fn find_access_token(
        &self,
        query: &AccessTokenQuery<'_>,
        now: u64,
    ) -> Option<&AccessTokenEntry> {
        self.covers(query)
            .then(|| self.cache.find_access_token(query, now))
            .flatten()
    }

    /// See [`TokenCache::find_access_token_on_behalf_of`]; `None` too for a query the filter
    /// does not cover.
    pub fn find_access_token_on_behalf_of(
        &self,
        query: &AccessTokenQuery<'_>,
        user_assertion_hash: &str,
        now: u64,
    ) -> Option<&AccessTokenEntry> {
        self.covers(query)
            .then(|| {
                self.cache
                    .find_access_token_on_behalf_of(query, user_assertion_hash, now)
            })
            .flatten()
    }

    /// All accounts; see [`TokenCache::accounts`].
    pub fn accounts(&self) -> Vec<&AccountEntry> {
        self.cache.accounts()
    }

    /// The cache as read, but for the access tokens the filter dropped: every account, refresh
    /// token and ID token is there, for questions about accounts.
    pub fn without_other_access_tokens(&self) -> &TokenCache {
        &self.cache
    }

    /// Whether every access token `query` can match was kept.
    fn covers(&self, query: &AccessTokenQuery<'_>) -> bool {
        let covered = query.client_id == self.client_id
            && query
                .issuer
                .environment()
                .eq_ignore_ascii_case(&self.environment)
            && !self.scopes.is_empty()
            && self
                .scopes
                .iter()
                .all(|kept| query.scopes.iter().any(|asked| same_scope(kept, asked)));
        if !covered {
            log::debug!("the cache snapshot was not taken for this lookup; treating it as a miss");
        }
        covered
    }
}

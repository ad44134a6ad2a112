//! The one decision every flow makes about a cached access token (serve it, serve it only if
//! asking again fails, or ask), and what a failed request falls back to.

use super::AuthenticationResult;
use crate::cache::AccessTokenEntry;
use crate::error::{Error, Result};
use crate::token::{canonical_token_type, is_b64token};

/// What to do with the cached access token a lookup found (or did not).
#[derive(Debug)]
pub(crate) enum CacheLookup {
    /// Serve it.
    Hit(AuthenticationResult),
    /// Ask the identity provider, because the server's `refresh_in` has passed; the token is
    /// still valid, so it is what a failed request falls back to ([`fall_back`]).
    Fallback(AuthenticationResult),
    /// Nothing to serve: ask.
    Miss,
}

impl CacheLookup {
    /// The decision for `entry` at `now`, for a caller that needs more than `min_validity`
    /// seconds left. A cached token that could not have come from a checked answer (the file
    /// was edited, or an older tool wrote it) is never served: it counts as a miss, so a fresh
    /// one replaces it.
    pub(crate) fn of(entry: Option<&AccessTokenEntry>, now: u64, min_validity: u64) -> Self {
        let Some(entry) = entry else {
            return Self::Miss;
        };
        let usable =
            is_b64token(entry.secret.secret()) && canonical_token_type(&entry.token_type).is_some();
        if !usable || entry.expires_on() <= now.saturating_add(min_validity) {
            Self::Miss
        } else if entry.refresh_on().is_some_and(|at| at <= now) {
            Self::Fallback(AuthenticationResult::from_cache(entry))
        } else {
            Self::Hit(AuthenticationResult::from_cache(entry))
        }
    }

    /// The token to fall back to, if any.
    pub(crate) fn fallback(self) -> Option<AuthenticationResult> {
        match self {
            Self::Fallback(result) => Some(result),
            Self::Hit(_) | Self::Miss => None,
        }
    }
}

/// A request meant to replace a still-valid cached token failed: serve the cached one, with a
/// warning, whatever the failure (MSAL's policy: an outage or a refusal must not take away a
/// token that is still good for minutes); without one, the failure.
pub(crate) fn fall_back(
    error: Error,
    fallback: Option<AuthenticationResult>,
) -> Result<AuthenticationResult> {
    match fallback {
        Some(cached) => {
            log::warn!("getting a new token failed ({error}); using the cached one, still valid");
            Ok(cached)
        }
        None => Err(error),
    }
}

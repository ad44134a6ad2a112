//! A token without user interaction (MSAL's `acquire_token_silent_with_error`): the cached access
//! token while it is good enough, else a refresh with the account's refresh tokens, under the
//! cache lock so no two processes spend one refresh token.

use std::time::Duration;

use super::accounts::{AccountSelector, Listing, accounts_in, choose_account, interaction};
use super::lookup::{CacheLookup, fall_back};
use super::scopes::resource_scopes;
use super::store::{Filing, Owner, no_check};
use super::{AuthenticationResult, PublicClient, now};
use crate::cache::{AccessTokenQuery, RefreshTokenEntry, RefreshTokenQuery};
use crate::error::{Error, Result};
use crate::flow::refresh;
use crate::flow::token_endpoint::Grant;

/// What to ask for in a silent request.
#[derive(Debug, Clone)]
pub struct SilentParameters {
    /// Scopes.
    pub scopes: Vec<String>,
    /// Which account; without one, the application's active account, else its only one.
    pub account: Option<AccountSelector>,
    /// Refresh even if the access token is valid.
    pub force_refresh: bool,
    /// A claims challenge: bypasses the cached access token.
    pub claims: Option<String>,
    /// Refresh when less than this is left.
    pub min_validity: Duration,
}

impl PublicClient {
    /// The cached access token while it has more than `min_validity` left, else a refresh with
    /// the newest matching refresh token. [`Error::InteractionRequired`] when only the user can
    /// help.
    pub async fn acquire_token_silent(
        &self,
        params: &SilentParameters,
    ) -> Result<AuthenticationResult> {
        let app = self.app();
        let config = app.config();
        let Some(cache) = &config.token_cache else {
            return Err(interaction(
                "the token cache is disabled, so there is no signed-in account",
            ));
        };
        let scopes = resource_scopes(&params.scopes);
        let snapshot = cache.snapshot(&app.filter(&scopes))?;
        let (account, chosen) = choose_account(
            accounts_in(snapshot.without_other_access_tokens(), app, Listing::OWN),
            params.account.as_ref(),
        )?;
        if chosen == super::ChosenBy::Active {
            log::info!("using the active account, {}", account.display_name());
        }
        let endpoints = app.endpoints().await?;
        let realm = app.realm(&endpoints);
        // The tenant the account's tokens in this realm were issued in, as the cache recorded it.
        let tenant = snapshot
            .without_other_access_tokens()
            .find_account(&account.home_account_id, app.issuer(), &realm)
            .and_then(|entry| snapshot.without_other_access_tokens().account_tenant(entry));
        let now = now();
        let min_validity = params.min_validity.as_secs();

        let query = AccessTokenQuery {
            client_id: &config.client_id,
            issuer: app.issuer(),
            realm: &realm,
            home_account_id: Some(&account.home_account_id),
            scopes: &scopes,
        };
        let use_cache = !params.force_refresh && params.claims.is_none() && !scopes.is_empty();
        let lookup = if use_cache {
            CacheLookup::of(snapshot.find_access_token(&query, now), now, min_validity)
        } else {
            CacheLookup::Miss
        };
        let fallback = match lookup {
            CacheLookup::Hit(cached) => {
                log::info!("serving the access token from the cache");
                return Ok(cached.with_account(account).in_tenant(tenant));
            }
            other => other
                .fallback()
                .map(|f| f.with_account(account.clone()).in_tenant(tenant.clone())),
        };

        // Refresh under the cache lock, so no other msal process spends the same refresh token
        // meanwhile (see `CacheFile::lock_exclusive`); re-read, since one may just have
        // refreshed while this one waited.
        let locked = cache.lock_exclusive()?;
        let current = locked.read()?;
        if use_cache
            && let CacheLookup::Hit(cached) =
                CacheLookup::of(current.find_access_token(&query, now), now, min_validity)
        {
            log::info!("another msal process refreshed the token meanwhile; using it");
            return Ok(cached.with_account(account).in_tenant(tenant));
        }
        let refresh_tokens: Vec<RefreshTokenEntry> = current
            .find_refresh_tokens(&RefreshTokenQuery {
                client_id: &config.client_id,
                issuer: app.issuer(),
                home_account_id: &account.home_account_id,
                family_id: None,
            })
            .into_iter()
            .cloned()
            .collect();
        if refresh_tokens.is_empty() {
            return fallback.ok_or_else(|| {
                interaction(&format!(
                    "no refresh token for {} in the cache",
                    account.username
                ))
            });
        }

        let decorated = self.user_scopes(&scopes, &endpoints);
        let anchor = account
            .home_account_id
            .split_once('.')
            .filter(|_| self.client_info());
        let mut refused = None;
        for used in &refresh_tokens {
            let request = self
                .user_request(
                    &endpoints,
                    &decorated,
                    params.claims.as_deref(),
                    Grant::RefreshToken {
                        refresh_token: &used.secret,
                        anchor,
                    },
                )
                .await;
            // A credential that cannot be had (an unreadable key, a federated token source
            // that fails) is no reason to drop a still-valid cached token.
            let request = match request {
                Ok(request) => request,
                Err(e) => return fall_back(e, fallback),
            };
            match app.request_token(&request).await {
                Ok(response) => {
                    let filing = Filing {
                        grant_type: refresh::GRANT_TYPE,
                        scopes: &scopes,
                        owner: Owner::Refreshed {
                            locked: &locked,
                            used,
                        },
                        username_hint: None,
                    };
                    let result = app.store(&endpoints, &response, &filing, no_check)?;
                    return Ok(result.with_account(account));
                }
                // Another refresh token of the same account may still work (MSAL tries them in
                // turn); the failed one is kept: it may be valid for other scopes.
                Err(Error::OAuth(e)) if e.needs_interaction() => refused = Some(e),
                Err(e) => return fall_back(e, fallback),
            }
        }
        let error = match refused {
            Some(e) => Error::InteractionRequired {
                reason: format!(
                    "the refresh token of {} was refused ({e})",
                    account.username
                ),
                server: Some(e),
            },
            None => interaction("no usable refresh token"),
        };
        fall_back(error, fallback)
    }
}

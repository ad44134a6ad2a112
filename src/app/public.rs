//! Public clients: applications that sign users in and cannot keep a secret (MSAL Python's
//! `PublicClientApplication`): interactive sign-in, device code, silent refresh, accounts.

use std::time::{Duration, Instant};

use url::Url;

use super::{
    AuthenticationResult, ClientApplication, Freshness, checked_id_token_claims, freshness, now,
    split_scopes,
};
use crate::authority::{Authority, Endpoints};
use crate::cache::{
    AccessTokenFilter, AccessTokenQuery, AccountEntry, LockedCacheFile, ORIGIN, RefreshTokenEntry,
    RefreshTokenQuery, TokenCache, TokenEvent,
};
use crate::error::{Endpoint, Error, Result};
use crate::flow::auth_code::{
    self, AuthorizationFlow, AuthorizationParameters, Redirect, ResponseMode,
};
use crate::flow::device_code::{self, DeviceAuthorization};
use crate::flow::loopback::{LoopbackError, LoopbackListener};
use crate::flow::{password, refresh};
use crate::secret::{Password, RefreshToken};
use crate::token::{IdTokenClaims, TokenResponse};

/// Scopes every user sign-in adds: an ID token, the profile claims, and a refresh token.
pub const RESERVED_SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];

/// The requested scopes plus [`RESERVED_SCOPES`], without duplicates (MSAL's "decorated"
/// scopes).
pub fn decorate_scopes(scopes: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for scope in scopes.iter().map(String::as_str).chain(RESERVED_SCOPES) {
        if !all.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
            all.push(scope.to_owned());
        }
    }
    all
}

/// The requested scopes without the reserved ones: what an access token is looked up by.
pub(crate) fn resource_scopes(scopes: &[String]) -> Vec<String> {
    scopes
        .iter()
        .filter(|s| !RESERVED_SCOPES.iter().any(|r| r.eq_ignore_ascii_case(s)))
        .cloned()
        .collect()
}

/// A signed-in account, as `get_accounts` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// The sign-in name.
    pub username: String,
    /// `{uid}.{utid}` for Entra, the ID token `sub` elsewhere.
    pub home_account_id: String,
    /// The authority host.
    pub environment: String,
    /// The tenant (cache realm).
    pub tenant: String,
    /// `https://{environment}/{tenant}` (with the configured scheme and port when the account
    /// lives at the configured authority's host).
    pub authority: String,
    /// How the account was first signed in (`authorization_code`, device code, `password`).
    pub account_source: Option<String>,
}

impl Account {
    fn from_entry(entry: &AccountEntry, configured: &Authority) -> Option<Self> {
        let origin = entry.extra.get(ORIGIN).and_then(serde_json::Value::as_str);
        Some(Self {
            username: entry.username.clone(),
            home_account_id: entry.home_account_id.clone().filter(|id| !id.is_empty())?,
            environment: entry.environment.clone(),
            tenant: entry.realm.clone(),
            authority: account_authority(configured, origin, &entry.environment, &entry.realm),
            account_source: entry.account_source.clone(),
        })
    }
}

/// Which account a silent request or a removal is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSelector {
    /// By sign-in name (case-insensitive).
    Username(String),
    /// By home account id.
    HomeAccountId(String),
}

impl AccountSelector {
    fn matches(&self, account: &Account) -> bool {
        match self {
            AccountSelector::Username(u) => account.username.eq_ignore_ascii_case(u),
            AccountSelector::HomeAccountId(id) => account.home_account_id.eq_ignore_ascii_case(id),
        }
    }
}

/// What to ask for in an interactive sign-in.
#[derive(Debug, Clone, Default)]
pub struct InteractiveParameters {
    /// Scopes for the access token.
    pub scopes: Vec<String>,
    /// Scopes of other resources to consent to now.
    pub extra_scopes: Vec<String>,
    /// `login_hint`.
    pub login_hint: Option<String>,
    /// `domain_hint`.
    pub domain_hint: Option<String>,
    /// `prompt`.
    pub prompt: Option<String>,
    /// A claims challenge.
    pub claims: Option<String>,
    /// Loopback port, or any free one.
    pub port: Option<u16>,
    /// The browser runs on another machine: ask for the query response mode so the final URL,
    /// pasted back, carries the code.
    pub remote_browser: bool,
}

/// A started interactive sign-in: open [`Self::url`], then wait for the redirect.
#[derive(Debug)]
pub struct InteractiveFlow {
    authorization: AuthorizationFlow,
    listener: LoopbackListener,
    redirect_uri: String,
    scopes: Vec<String>,
}

impl InteractiveFlow {
    /// The URL for the browser.
    pub fn url(&self) -> &Url {
        &self.authorization.url
    }

    /// Waits until the loopback listener receives this flow's redirect or `deadline` passes.
    /// Dropping the future stops listening for now (the port stays bound until the flow is
    /// dropped).
    pub async fn wait_for_redirect(&self, deadline: Instant) -> Result<Redirect, LoopbackError> {
        self.listener
            .wait(&self.authorization.state, deadline)
            .await
    }

    /// Reads a final redirect URL the user pasted (when the browser could not reach this
    /// machine's loopback address).
    pub fn parse_pasted(&self, text: &str) -> Redirect {
        let text = text.trim();
        let Ok(url) = Url::parse(text) else {
            return Redirect::Foreign;
        };
        let mut params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        if let Some(fragment) = url.fragment() {
            params.extend(form_urlencoded::parse(fragment.as_bytes()).into_owned());
        }
        auth_code::parse_redirect(&params, &self.authorization.state)
    }
}

/// A started device code sign-in.
#[derive(Debug)]
pub struct DeviceFlow {
    /// What the server said (show [`DeviceAuthorization::instructions`] to the user).
    pub authorization: DeviceAuthorization,
    scopes: Vec<String>,
}

/// What to ask for in a silent request.
#[derive(Debug, Clone)]
pub struct SilentParameters {
    /// Scopes.
    pub scopes: Vec<String>,
    /// Which account; required only when the cache holds several.
    pub account: Option<AccountSelector>,
    /// Refresh even if the access token is valid.
    pub force_refresh: bool,
    /// A claims challenge: bypasses the cached access token.
    pub claims: Option<String>,
    /// Refresh when less than this is left.
    pub min_validity: Duration,
}

/// An application that signs users in.
#[derive(Debug)]
pub struct PublicClient {
    app: ClientApplication,
}

impl PublicClient {
    /// A public client.
    pub fn new(app: ClientApplication) -> Self {
        Self { app }
    }

    /// The shared client application.
    pub fn app(&self) -> &ClientApplication {
        &self.app
    }

    fn client_info(&self) -> bool {
        self.app.config().authority.is_entra_family()
    }

    /// Starts an interactive sign-in (MSAL's `initiate_auth_code_flow`): binds the loopback
    /// listener and builds the authorization URL.
    pub async fn initiate_interactive(
        &self,
        params: &InteractiveParameters,
    ) -> Result<InteractiveFlow> {
        self.app.check_cache(&AccessTokenFilter::NONE)?;
        let endpoints = self.app.endpoints().await?;
        let authorization_endpoint = endpoints
            .authorization_url()?
            .ok_or(Error::NoEndpoint(Endpoint::Authorization))?;
        let listener = LoopbackListener::bind(params.port)?;
        let redirect_uri = listener.redirect_uri();
        let mut requested = params.scopes.clone();
        requested.extend(params.extra_scopes.iter().cloned());
        let decorated = decorate_scopes(&requested);
        let authorization = auth_code::start(&AuthorizationParameters {
            authorization_endpoint: &authorization_endpoint,
            client_id: &self.app.config().client_id,
            redirect_uri: &redirect_uri,
            scopes: &decorated,
            response_mode: if params.remote_browser {
                ResponseMode::Query
            } else {
                ResponseMode::FormPost
            },
            login_hint: params.login_hint.as_deref(),
            domain_hint: params.domain_hint.as_deref(),
            prompt: params.prompt.as_deref(),
            claims: params.claims.as_deref(),
        })?;
        Ok(InteractiveFlow {
            authorization,
            listener,
            redirect_uri,
            scopes: params.scopes.clone(),
        })
    }

    /// Finishes an interactive sign-in with the redirect (MSAL's
    /// `acquire_token_by_auth_code_flow`): redeems the code, checks the ID token, fills the cache.
    pub async fn complete_interactive(
        &self,
        flow: &InteractiveFlow,
        redirect: Redirect,
    ) -> Result<AuthenticationResult> {
        let code = match redirect {
            Redirect::Code(code) => code,
            Redirect::Error(error) => return Err(Error::OAuth(error)),
            Redirect::Foreign => {
                return Err(Error::InvalidArgument(
                    "that URL is not the answer to this sign-in (no code with the right state)"
                        .into(),
                ));
            }
        };
        let endpoints = self.app.endpoints().await?;
        let token_url = endpoints.token_url()?;
        let decorated = decorate_scopes(&flow.scopes);
        let request = flow.authorization.token_request(
            &token_url,
            &self.app.config().client_id,
            &flow.redirect_uri,
            &code,
            &decorated,
            self.client_info(),
            None,
        );
        let response = self.app.request_token(&request).await?;
        let claims = checked_id_token_claims(&response, &endpoints, &self.app.config().client_id)?;
        if let Some(claims) = &claims {
            flow.authorization
                .check_id_token(claims, &self.app.config().client_id)?;
        }
        self.store_user_tokens(
            &endpoints,
            &flow.scopes,
            auth_code::GRANT_TYPE,
            &response,
            claims.as_ref(),
            None,
            None,
        )
    }

    /// Starts a device code sign-in (MSAL's `initiate_device_flow`).
    pub async fn initiate_device_flow(&self, scopes: &[String]) -> Result<DeviceFlow> {
        self.app.check_cache(&AccessTokenFilter::NONE)?;
        let endpoints = self.app.endpoints().await?;
        let endpoint = endpoints
            .device_authorization_url()?
            .ok_or(Error::NoEndpoint(Endpoint::DeviceAuthorization))?;
        let request = device_code::build_authorization_request(
            &endpoint,
            &self.app.config().client_id,
            &decorate_scopes(scopes),
        );
        let response = self.app.http()?.send(&request).await?;
        let authorization = device_code::parse_authorization_response(&request, &response)?;
        Ok(DeviceFlow {
            authorization,
            scopes: scopes.to_vec(),
        })
    }

    /// Polls until the user finishes the device code sign-in (MSAL's
    /// `acquire_token_by_device_flow`). Drop the future to cancel.
    pub async fn complete_device_flow(&self, flow: &DeviceFlow) -> Result<AuthenticationResult> {
        let endpoints = self.app.endpoints().await?;
        let token_url = endpoints.token_url()?;
        let client_id = &self.app.config().client_id;
        let request = device_code::build_poll_request(
            &token_url,
            client_id,
            &flow.authorization.device_code,
            self.client_info(),
        );
        let response = device_code::poll(
            &flow.authorization,
            || self.app.request_token(&request),
            tokio::time::sleep,
        )
        .await?;
        let claims = checked_id_token_claims(&response, &endpoints, &self.app.config().client_id)?;
        self.store_user_tokens(
            &endpoints,
            &flow.scopes,
            device_code::GRANT_TYPE,
            &response,
            claims.as_ref(),
            None,
            None,
        )
    }

    /// Legacy username/password sign-in (MSAL's `acquire_token_by_username_password`).
    pub async fn acquire_token_by_username_password(
        &self,
        username: &str,
        password: &Password,
        scopes: &[String],
    ) -> Result<AuthenticationResult> {
        self.app.check_cache(&AccessTokenFilter::NONE)?;
        let endpoints = self.app.endpoints().await?;
        let token_url = endpoints.token_url()?;
        let request = password::build_request(
            &token_url,
            &self.app.config().client_id,
            username,
            password,
            &decorate_scopes(scopes),
            self.client_info(),
        );
        let response = self.app.request_token(&request).await?;
        let claims = checked_id_token_claims(&response, &endpoints, &self.app.config().client_id)?;
        self.store_user_tokens(
            &endpoints,
            scopes,
            password::GRANT_TYPE,
            &response,
            claims.as_ref(),
            Some(username),
            None,
        )
    }

    /// Imports a refresh token obtained elsewhere (MSAL's `acquire_token_by_refresh_token`):
    /// redeems it once and keeps what comes back.
    pub async fn acquire_token_by_refresh_token(
        &self,
        refresh_token: &RefreshToken,
        scopes: &[String],
    ) -> Result<AuthenticationResult> {
        self.app.check_cache(&AccessTokenFilter::NONE)?;
        let endpoints = self.app.endpoints().await?;
        let token_url = endpoints.token_url()?;
        let decorated = decorate_scopes(scopes);
        let request = refresh::RefreshRequest {
            token_endpoint: &token_url,
            client_id: &self.app.config().client_id,
            refresh_token,
            scopes: &decorated,
            client_info: self.client_info(),
            claims: None,
            anchor: None,
            client_auth: None,
        }
        .build();
        let response = self.app.request_token(&request).await?;
        let claims = checked_id_token_claims(&response, &endpoints, &self.app.config().client_id)?;
        self.store_user_tokens(
            &endpoints,
            scopes,
            refresh::GRANT_TYPE,
            &response,
            claims.as_ref(),
            None,
            None,
        )
    }

    /// The accounts in the cache, one per home account id (MSAL's `get_accounts`): those at this
    /// authority's host, or at every host with `every_host`.
    pub fn accounts(&self, every_host: bool) -> Result<Vec<Account>> {
        let Some(cache) = &self.app.config().token_cache else {
            return Ok(Vec::new());
        };
        Ok(accounts_in(
            &cache.snapshot(&AccessTokenFilter::NONE)?.accounts(),
            &self.app,
            every_host,
        ))
    }

    /// Removes accounts' tokens (MSAL's `remove_account`): those `selector` picks (all when
    /// `None`) at this authority's host, or at every host with `every_host`. Returns the
    /// accounts removed.
    pub fn remove_accounts(
        &self,
        selector: Option<&AccountSelector>,
        every_host: bool,
    ) -> Result<Vec<Account>> {
        let Some(cache) = &self.app.config().token_cache else {
            return Ok(Vec::new());
        };
        // At this authority: its issuer's entries only. At every host: every entry of the
        // accounts chosen, wherever it was issued.
        let issuer = (!every_host).then(|| self.app.issuer());
        let removed = cache.update(|c| {
            let chosen: Vec<Account> = accounts_in(&c.accounts(), &self.app, every_host)
                .into_iter()
                .filter(|a| selector.is_none_or(|s| s.matches(a)))
                .collect();
            for account in &chosen {
                c.remove_account(&account.home_account_id, issuer);
            }
            chosen
        })?;
        Ok(removed)
    }

    /// A token without user interaction (MSAL's `acquire_token_silent_with_error`): the cached
    /// access token while it has more than `min_validity` left, else a refresh with the newest
    /// matching refresh token. [`Error::InteractionRequired`] when only the user can help.
    pub async fn acquire_token_silent(
        &self,
        params: &SilentParameters,
    ) -> Result<AuthenticationResult> {
        let config = self.app.config();
        let Some(cache) = &config.token_cache else {
            return Err(interaction(
                "the token cache is disabled, so there is no signed-in account",
            ));
        };
        let scopes = resource_scopes(&params.scopes);
        let snapshot = cache.snapshot(&self.app.filter(&scopes))?;
        let account = choose_account(
            accounts_in(&snapshot.accounts(), &self.app, false),
            params.account.as_ref(),
        )?;
        let endpoints = self.app.endpoints().await?;
        let realm = self.app.realm(&endpoints);
        let now = now();

        let query = AccessTokenQuery {
            client_id: &config.client_id,
            issuer: self.app.issuer(),
            realm: &realm,
            home_account_id: Some(&account.home_account_id),
            scopes: &scopes,
        };
        let mut fallback = None;
        if !params.force_refresh
            && params.claims.is_none()
            && !scopes.is_empty()
            && let Some(entry) = snapshot.find_access_token(&query, now)
        {
            match freshness(entry, now, params.min_validity.as_secs()) {
                Freshness::Fresh => {
                    log::info!("serving the access token from the cache");
                    return Ok(AuthenticationResult::from_cache(entry).with_account(account));
                }
                Freshness::RefreshDue => {
                    fallback =
                        Some(AuthenticationResult::from_cache(entry).with_account(account.clone()))
                }
                Freshness::Stale => {}
            }
        }

        // Refresh under the cache lock, so no other msal process spends the same refresh token
        // meanwhile (see `CacheFile::lock_exclusive`); re-read, since one may just have
        // refreshed while this one waited.
        let token_url = endpoints.token_url()?;
        let locked = cache.lock_exclusive()?;
        let current = locked.read()?;
        if !params.force_refresh
            && params.claims.is_none()
            && let Some(entry) = current.find_access_token(&query, now)
            && freshness(entry, now, params.min_validity.as_secs()) == Freshness::Fresh
        {
            log::info!("another msal process refreshed the token meanwhile; using it");
            return Ok(AuthenticationResult::from_cache(entry).with_account(account));
        }
        let refresh_tokens: Vec<RefreshTokenEntry> = current
            .find_refresh_tokens(&RefreshTokenQuery {
                client_id: &config.client_id,
                issuer: self.app.issuer(),
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

        let decorated = decorate_scopes(&scopes);
        let anchor = account
            .home_account_id
            .split_once('.')
            .filter(|_| self.client_info());
        let mut last_error = None;
        for used in &refresh_tokens {
            let request = refresh::RefreshRequest {
                token_endpoint: &token_url,
                client_id: &config.client_id,
                refresh_token: &used.secret,
                scopes: &decorated,
                client_info: self.client_info(),
                claims: params.claims.as_deref(),
                anchor,
                client_auth: None,
            }
            .build();
            match self.app.request_token(&request).await {
                Ok(response) => {
                    let claims = checked_id_token_claims(
                        &response,
                        &endpoints,
                        &self.app.config().client_id,
                    )?;
                    let result = self.store_user_tokens(
                        &endpoints,
                        &scopes,
                        refresh::GRANT_TYPE,
                        &response,
                        claims.as_ref(),
                        None,
                        Some((&locked, used)),
                    )?;
                    return Ok(result.with_account(account));
                }
                // Another refresh token of the same account may still work (MSAL tries them in
                // turn); the failed one is kept: it may be valid for other scopes.
                Err(Error::OAuth(e)) if e.needs_interaction() => last_error = Some(Error::OAuth(e)),
                Err(e) => {
                    if let Some(old) = fallback {
                        log::warn!("refreshing failed ({e}); using the cached token, still valid");
                        return Ok(old);
                    }
                    return Err(e);
                }
            }
        }
        if let Some(old) = fallback {
            return Ok(old);
        }
        match last_error {
            Some(Error::OAuth(e)) => Err(Error::InteractionRequired {
                reason: format!(
                    "the refresh token of {} was refused ({e})",
                    account.username
                ),
                server: Some(e),
            }),
            _ => Err(interaction("no usable refresh token")),
        }
    }

    /// Stores a user token response and describes the result. `refreshed` is the held cache
    /// lock and the refresh token that was spent, when this answers a refresh: the answer then
    /// belongs to that token's account whether or not it names one (OpenID Connect Core §12.2
    /// lets a refresh answer omit the ID token), and one that names another account is refused.
    #[allow(clippy::too_many_arguments)] // each is one fact about the answer being stored
    fn store_user_tokens(
        &self,
        endpoints: &Endpoints,
        scopes: &[String],
        grant_type: &str,
        response: &TokenResponse,
        claims: Option<&IdTokenClaims>,
        username_hint: Option<&str>,
        refreshed: Option<(&LockedCacheFile<'_>, &RefreshTokenEntry)>,
    ) -> Result<AuthenticationResult> {
        let config = self.app.config();
        let realm = self.app.realm(endpoints);
        let now = now();
        let named = response.home_account_id(claims);
        let home_account_id = match refreshed.and_then(|(_, used)| used.home_account_id.clone()) {
            Some(spent) if named.as_ref().is_some_and(|named| *named != spent) => {
                return Err(Error::UnexpectedResponse {
                    endpoint: endpoint_of_token(endpoints),
                    status: 200,
                    detail: "the answer to a refresh names another account than the one whose \
                             refresh token was spent; nothing was stored"
                        .into(),
                });
            }
            Some(spent) => Some(spent),
            None => named,
        };
        let granted = response
            .scope
            .as_deref()
            .map(split_scopes)
            .unwrap_or_else(|| scopes.to_vec());
        let granted = resource_scopes(&granted);
        let event = TokenEvent {
            client_id: &config.client_id,
            issuer: self.app.issuer(),
            realm: &realm,
            scopes: &granted,
            grant_type,
            response,
            home_account_id: home_account_id.as_deref(),
            id_token_claims: claims,
            username_hint,
            user_assertion_hash: None,
        };
        let write = |cache: &mut TokenCache| {
            cache.add(&event, now);
            // A rotated refresh token replaces the one used (MSAL's `update_rt`), so a spent
            // token is never tried again; `add` also keyed it by the granted scopes.
            if let (Some((_, used)), Some(rotated)) = (refreshed, &response.refresh_token) {
                cache.replace_refresh_token(used, rotated.clone(), now);
            }
            cache.remove_expired_access_tokens(now);
        };
        match refreshed {
            Some((locked, _)) => {
                if let Err(e) = locked.update(write) {
                    log::warn!("the refreshed token was not saved in the cache: {e}");
                }
            }
            None => {
                self.app.save(write);
            }
        }
        let issuer = self.app.issuer();
        let account = home_account_id.map(|home_account_id| Account {
            username: claims
                .and_then(IdTokenClaims::username)
                .or(username_hint)
                .unwrap_or_default()
                .to_owned(),
            authority: account_authority(
                &config.authority,
                Some(issuer.origin()),
                issuer.environment(),
                &realm,
            ),
            home_account_id,
            environment: issuer.environment().to_owned(),
            tenant: realm.clone(),
            account_source: None,
        });
        let mut result = AuthenticationResult::from_response(response, granted, realm, now);
        result.account = account;
        Ok(result)
    }
}

/// The token endpoint without query or fragment, for error messages.
fn endpoint_of_token(endpoints: &Endpoints) -> String {
    endpoints
        .token_endpoint
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn interaction(reason: &str) -> Error {
    Error::InteractionRequired {
        reason: reason.to_owned(),
        server: None,
    }
}

/// Where an account lives, as a URL: a generic provider's issuer (its `environment`), else the
/// origin the entry recorded and its tenant; for entries other clients wrote, the configured
/// authority's scheme and port when it is the same host, else https.
fn account_authority(
    configured: &Authority,
    origin: Option<&str>,
    environment: &str,
    realm: &str,
) -> String {
    if environment.contains("://") {
        environment.to_owned()
    } else if let Some(origin) = origin.filter(|o| !o.is_empty()) {
        format!("{origin}/{realm}")
    } else if configured.environment().eq_ignore_ascii_case(environment) {
        format!("{}/{realm}", configured.origin())
    } else {
        format!("https://{environment}/{realm}")
    }
}

/// The accounts among `entries` (a cache's, in the order `accounts()` sorts them) at `app`'s
/// issuer (or every issuer), one per home account id (an account signed in to several tenants
/// appears once, with the realm it was first seen in).
fn accounts_in(
    entries: &[&AccountEntry],
    app: &ClientApplication,
    every_host: bool,
) -> Vec<Account> {
    let issuer = app.issuer();
    let mut accounts: Vec<Account> = Vec::new();
    for entry in entries {
        let origin = entry.extra.get(ORIGIN).and_then(serde_json::Value::as_str);
        if !every_host && !issuer.owns(&entry.environment, Some(&entry.realm), origin) {
            continue;
        }
        let Some(account) = Account::from_entry(entry, &app.config().authority) else {
            continue;
        };
        if !accounts
            .iter()
            .any(|a| a.home_account_id == account.home_account_id)
        {
            accounts.push(account);
        }
    }
    accounts
}

fn choose_account(accounts: Vec<Account>, selector: Option<&AccountSelector>) -> Result<Account> {
    let mut matching: Vec<Account> = accounts
        .into_iter()
        .filter(|a| selector.is_none_or(|s| s.matches(a)))
        .collect();
    match (matching.len(), selector) {
        (1, _) => Ok(matching.remove(0)),
        (0, None) => Err(interaction("no signed-in account in the cache")),
        (0, Some(AccountSelector::Username(u))) => {
            Err(interaction(&format!("no account {u} in the cache")))
        }
        (0, Some(AccountSelector::HomeAccountId(id))) => Err(interaction(&format!(
            "no account with id {id} in the cache"
        ))),
        _ => {
            let names: Vec<String> = matching
                .iter()
                .map(|a| format!("{} ({})", a.username, a.home_account_id))
                .collect();
            Err(Error::AccountChoiceRequired { accounts: names })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decorates_scopes_once() {
        let scopes = decorate_scopes(&["User.Read".into(), "OpenID".into()]);
        assert_eq!(
            scopes,
            vec!["User.Read", "OpenID", "profile", "offline_access"]
        );
        assert_eq!(resource_scopes(&scopes), vec!["User.Read"]);
    }
}

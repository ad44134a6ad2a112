//! Public clients: applications that sign users in and cannot keep a secret (MSAL Python's
//! `PublicClientApplication`): interactive sign-in, device code, the legacy grants, accounts.
//! The silent path is in `silent.rs`.

use std::sync::OnceLock;
use std::time::Instant;

use url::Url;

use super::accounts::{
    Account, AccountSelector, ChosenBy, Listing, accounts_in, choose_account, interaction,
};
use super::confidential::{AuthSettings, check_key, client_auth};
use super::scopes::{OfflineAccess, decorate_scopes_with, wants_offline_access};
use super::store::{Filing, Owner, no_check};
use super::{AssertionSettings, AuthenticationResult, ClientApplication, ConfidentialClient, now};
use crate::authority::Endpoints;
use crate::cache::{AccessTokenFilter, RefreshTokenQuery, TokenCache, TokenIssuer};
use crate::credential::{ClientAuth, ClientCredential, CredentialError, SecretAuthMethod};
use crate::error::{Endpoint, Error, Result};
use crate::flow::auth_code::{
    self, AuthorizationFlow, AuthorizationParameters, Redirect, ResponseMode,
};
use crate::flow::device_code::{self, DeviceAuthorization};
use crate::flow::loopback::{LoopbackError, LoopbackListener};
use crate::flow::redirect_uri::RedirectUri;
use crate::flow::token_endpoint::{Grant, TokenRequest};
use crate::flow::{password, refresh};
use crate::http::HttpRequest;
use crate::secret::{Password, RefreshToken};

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
    /// Loopback port of the default redirect URI, or any free one; not with `redirect_uri`.
    pub port: Option<u16>,
    /// The redirect URI; `None` is the provider's default ([`RedirectUri::default_for`]). One
    /// that is not loopback `http` is not listened on: the final URL must be pasted
    /// ([`InteractiveFlow::parse_pasted`]).
    pub redirect_uri: Option<RedirectUri>,
    /// The browser runs on another machine: ask for the query response mode so the final URL,
    /// pasted back, carries the code.
    pub remote_browser: bool,
    /// More authorization request parameters, which some providers need (Google's
    /// `access_type=offline` for a refresh token); none may repeat one msal sends.
    pub extra_parameters: Vec<(String, String)>,
}

/// A started interactive sign-in: open [`Self::url`], then wait for the redirect.
#[derive(Debug)]
pub struct InteractiveFlow {
    authorization: AuthorizationFlow,
    /// `None` when the redirect URI is not loopback `http`: the answer can only be pasted.
    listener: Option<LoopbackListener>,
    redirect_uri: String,
    scopes: Vec<String>,
}

impl InteractiveFlow {
    /// The URL for the browser.
    pub fn url(&self) -> &Url {
        &self.authorization.url
    }

    /// The redirect URI sent (the one the application must have registered).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Whether a loopback listener waits for the browser; when not, only a pasted final URL
    /// completes the sign-in.
    pub fn is_listening(&self) -> bool {
        self.listener.is_some()
    }

    /// Waits until the loopback listener receives this flow's redirect or `deadline` passes
    /// (without a listener, just until the deadline). Dropping the future stops listening for
    /// now (the port stays bound until the flow is dropped).
    pub async fn wait_for_redirect(&self, deadline: Instant) -> Result<Redirect, LoopbackError> {
        match &self.listener {
            Some(listener) => listener.wait(&self.authorization.state, deadline).await,
            None => {
                let started = Instant::now();
                tokio::time::sleep_until(deadline.into()).await;
                let waited = deadline.saturating_duration_since(started);
                Err(LoopbackError::TimedOut {
                    seconds: (waited.as_millis() as u64 + 500) / 1000,
                    redirect_uri: self.redirect_uri.clone(),
                })
            }
        }
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

/// Loads a confidential client's credential when a request first needs it: `Ok(None)` when the
/// client has none (it is then a public client). See [`PublicClient::with_credential_loader`].
pub type CredentialLoader =
    Box<dyn Fn() -> Result<Option<ClientCredential>, CredentialError> + Send + Sync>;

/// The credential user sign-ins authenticate the client with, if any.
enum Credential {
    /// A public client.
    None,
    /// A confidential client's.
    Ready(ClientCredential),
    /// Loaded once, when a request first needs it.
    Deferred {
        load: CredentialLoader,
        loaded: OnceLock<Option<ClientCredential>>,
    },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Ready(credential) => f.debug_tuple("Ready").field(credential).finish(),
            Self::Deferred { loaded, .. } => f
                .debug_struct("Deferred")
                .field("loaded", loaded)
                .finish_non_exhaustive(),
        }
    }
}

/// An application that signs users in: a public client (MSAL Python's
/// `PublicClientApplication`), or, given a credential, the user sign-ins of a confidential client
/// (`ConfidentialClientApplication`'s auth code, refresh token and silent methods), whose every
/// token request, and device authorization request (RFC 8628 §3.1), authenticates the client.
/// PKCE stays on either way.
#[derive(Debug)]
pub struct PublicClient {
    app: ClientApplication,
    credential: Credential,
    settings: AuthSettings,
    offline_access: OfflineAccess,
}

impl PublicClient {
    /// A public client.
    pub fn new(app: ClientApplication) -> Self {
        Self {
            app,
            credential: Credential::None,
            settings: AuthSettings::default(),
            offline_access: OfflineAccess::Auto,
        }
    }

    /// The user sign-ins of a confidential client, with its credential and settings. Its tokens
    /// are cached under its client id, apart from any public client's.
    pub fn confidential(client: ConfidentialClient) -> Self {
        let (app, credential, settings) = client.into_parts();
        Self {
            app,
            credential: Credential::Ready(credential),
            settings,
            offline_access: OfflineAccess::Auto,
        }
    }

    /// A client whose credential, if it has one, is loaded only when a request needs it (a
    /// token served from the cache does not): for credentials whose lookup has a cost, such as
    /// one kept in the OS keyring.
    pub fn with_credential_loader(mut self, load: CredentialLoader) -> Self {
        self.credential = Credential::Deferred {
            load,
            loaded: OnceLock::new(),
        };
        self
    }

    /// How a client secret is sent, as [`ConfidentialClient::with_secret_auth_method`].
    pub fn with_secret_auth_method(mut self, method: Option<SecretAuthMethod>) -> Self {
        self.settings.secret_auth_method = method;
        self
    }

    /// How certificate assertions are made, as [`ConfidentialClient::with_assertion_settings`].
    pub fn with_assertion_settings(mut self, settings: AssertionSettings) -> Self {
        self.settings.assertion = settings;
        self
    }

    /// Whether sign-ins and refreshes ask for `offline_access` ([`OfflineAccess::Auto`]: when
    /// the provider supports it).
    pub fn with_offline_access(mut self, offline_access: OfflineAccess) -> Self {
        self.offline_access = offline_access;
        self
    }

    /// The shared client application.
    pub fn app(&self) -> &ClientApplication {
        &self.app
    }

    /// The scopes a user grant asks for at the provider of `endpoints`: `scopes`, `openid`,
    /// `profile`, and `offline_access` where [`wants_offline_access`] says so.
    pub(crate) fn user_scopes(&self, scopes: &[String], endpoints: &Endpoints) -> Vec<String> {
        let offline = wants_offline_access(
            self.offline_access,
            self.app.config().authority.is_entra_family(),
            endpoints.scopes_supported.as_deref(),
        );
        decorate_scopes_with(scopes, offline)
    }

    /// The client's credential: `None` for a public client; a deferred one is loaded now.
    fn credential(&self) -> Result<Option<&ClientCredential>> {
        match &self.credential {
            Credential::None => Ok(None),
            Credential::Ready(credential) => Ok(Some(credential)),
            Credential::Deferred { load, loaded } => {
                if loaded.get().is_none() {
                    let credential = load()?;
                    if let Some(credential) = &credential {
                        log::info!(
                            "authenticating {} with {}",
                            self.app.config().client_id,
                            credential.describe()
                        );
                    }
                    // Only this thread sets it (the client is used from one task at a time);
                    // were it set meanwhile, that value is as good as this one.
                    let _ = loaded.set(credential);
                }
                Ok(loaded.get().and_then(Option::as_ref))
            }
        }
    }

    /// Refuses, before the user is bothered, a credential the authority cannot take.
    fn check_credential(&self) -> Result<()> {
        match &self.credential {
            Credential::Ready(credential) => check_key(&self.app, credential),
            _ => Ok(()),
        }
    }

    /// How the client authenticates a request to the provider of `endpoints`; `None` for a
    /// public client.
    async fn client_auth(&self, endpoints: &Endpoints) -> Result<Option<ClientAuth>> {
        let Some(credential) = self.credential()? else {
            return Ok(None);
        };
        check_key(&self.app, credential)?;
        let token_url = endpoints.token_url()?;
        let auth = client_auth(
            &self.app,
            credential,
            &self.settings,
            endpoints,
            token_url.as_str(),
            now(),
        )
        .await?;
        Ok(Some(auth))
    }

    /// A token request of this client for a user grant: Entra's `client_info` where it applies,
    /// and the client's authentication when it has a credential.
    pub(crate) async fn user_request(
        &self,
        endpoints: &Endpoints,
        scopes: &[String],
        claims: Option<&str>,
        grant: Grant<'_>,
    ) -> Result<HttpRequest> {
        let token_endpoint = endpoints.token_url()?;
        let client_auth = self.client_auth(endpoints).await?;
        Ok(TokenRequest {
            token_endpoint: &token_endpoint,
            client_id: &self.app.config().client_id,
            scopes,
            client_info: self.client_info(),
            claims,
            client_auth: client_auth.as_ref(),
            grant,
        }
        .build())
    }

    pub(crate) fn client_info(&self) -> bool {
        self.app.config().authority.is_entra_family()
    }

    /// Starts an interactive sign-in (MSAL's `initiate_auth_code_flow`): binds the loopback
    /// listener and builds the authorization URL.
    pub async fn initiate_interactive(
        &self,
        params: &InteractiveParameters,
    ) -> Result<InteractiveFlow> {
        self.check_credential()?;
        self.app.check_cache(&AccessTokenFilter::NONE)?;
        let endpoints = self.app.endpoints().await?;
        let authorization_endpoint = endpoints
            .authorization_url()?
            .ok_or(Error::NoEndpoint(Endpoint::Authorization))?;
        let redirect = match (&params.redirect_uri, params.port) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidArgument(
                    "give the port in the redirect URI, not both".into(),
                ));
            }
            (Some(redirect), None) => redirect.clone(),
            (None, port) => RedirectUri::default_for(self.client_info(), port),
        };
        let (listener, redirect_uri) = match &redirect {
            RedirectUri::Loopback(loopback) => {
                let listener = LoopbackListener::bind_for(loopback)?;
                let uri = listener.redirect_uri().to_owned();
                (Some(listener), uri)
            }
            RedirectUri::Pasted(url) => (None, url.as_str().to_owned()),
        };
        let mut requested = params.scopes.clone();
        requested.extend(params.extra_scopes.iter().cloned());
        let decorated = self.user_scopes(&requested, &endpoints);
        let authorization = auth_code::start(&AuthorizationParameters {
            authorization_endpoint: &authorization_endpoint,
            client_id: &self.app.config().client_id,
            redirect_uri: &redirect_uri,
            scopes: &decorated,
            // A pasted final URL must carry the code.
            response_mode: if params.remote_browser || listener.is_none() {
                ResponseMode::Query
            } else {
                ResponseMode::FormPost
            },
            login_hint: params.login_hint.as_deref(),
            domain_hint: params.domain_hint.as_deref(),
            prompt: params.prompt.as_deref(),
            claims: params.claims.as_deref(),
            extra: &params.extra_parameters,
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
        let decorated = self.user_scopes(&flow.scopes, &endpoints);
        let request = self
            .user_request(
                &endpoints,
                &decorated,
                None,
                flow.authorization.grant(&code, &flow.redirect_uri),
            )
            .await?;
        let filing = Filing {
            grant_type: auth_code::GRANT_TYPE,
            scopes: &flow.scopes,
            owner: Owner::NamedUser,
            username_hint: None,
        };
        self.app
            .redeem(&endpoints, &request, &filing, |claims| {
                flow.authorization
                    .check_id_token(claims, &self.app.config().client_id)
            })
            .await
    }

    /// Starts a device code sign-in (MSAL's `initiate_device_flow`).
    pub async fn initiate_device_flow(&self, scopes: &[String]) -> Result<DeviceFlow> {
        self.check_credential()?;
        self.app.check_cache(&AccessTokenFilter::NONE)?;
        let endpoints = self.app.endpoints().await?;
        let endpoint = endpoints
            .device_authorization_url()?
            .ok_or(Error::NoEndpoint(Endpoint::DeviceAuthorization))?;
        let client_auth = self.client_auth(&endpoints).await?;
        let request = device_code::build_authorization_request(
            &endpoint,
            &self.app.config().client_id,
            &self.user_scopes(scopes, &endpoints),
            client_auth.as_ref(),
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
        // Built for each poll: a client assertion is short-lived, and the polling may last
        // longer than it does.
        let poll_once = || async {
            let request = self
                .user_request(
                    &endpoints,
                    &[],
                    None,
                    Grant::DeviceCode(&flow.authorization.device_code),
                )
                .await?;
            self.app.request_token(&request).await
        };
        let response =
            device_code::poll(&flow.authorization, poll_once, tokio::time::sleep).await?;
        let filing = Filing {
            grant_type: device_code::GRANT_TYPE,
            scopes: &flow.scopes,
            owner: Owner::NamedUser,
            username_hint: None,
        };
        self.app.store(&endpoints, &response, &filing, no_check)
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
        let request = self
            .user_request(
                &endpoints,
                &self.user_scopes(scopes, &endpoints),
                None,
                Grant::Password { username, password },
            )
            .await?;
        let filing = Filing {
            grant_type: password::GRANT_TYPE,
            scopes,
            owner: Owner::NamedUser,
            username_hint: Some(username),
        };
        self.app
            .redeem(&endpoints, &request, &filing, no_check)
            .await
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
        let decorated = self.user_scopes(scopes, &endpoints);
        let request = self
            .user_request(
                &endpoints,
                &decorated,
                None,
                Grant::RefreshToken {
                    refresh_token,
                    anchor: None,
                },
            )
            .await?;
        let filing = Filing {
            grant_type: refresh::GRANT_TYPE,
            scopes,
            owner: Owner::NamedUser,
            username_hint: None,
        };
        self.app
            .redeem(&endpoints, &request, &filing, no_check)
            .await
    }

    /// The accounts in the cache, one per home account id (MSAL's `get_accounts`): those any
    /// application signed in at this authority's host, or at every host with `every_host`. Each
    /// says whether it is this application's active account.
    pub fn accounts(&self, every_host: bool) -> Result<Vec<Account>> {
        self.list(Listing {
            every_host,
            every_client: true,
        })
    }

    /// The accounts this application signed in (MSAL.NET's `GetAccounts`: those it holds a
    /// refresh token or ID token for), at this authority's host or at every host: the accounts
    /// [`Self::acquire_token_silent`] chooses among.
    pub fn signed_in_accounts(&self, every_host: bool) -> Result<Vec<Account>> {
        self.list(Listing {
            every_host,
            every_client: false,
        })
    }

    fn list(&self, listing: Listing) -> Result<Vec<Account>> {
        let Some(cache) = &self.app.config().token_cache else {
            return Ok(Vec::new());
        };
        Ok(accounts_in(&cache.load()?, &self.app, listing))
    }

    /// Makes the account `selector` picks among this application's (at this authority's host,
    /// or at every host) its active account at the account's issuer: the one
    /// [`Self::acquire_token_silent`] uses when several exist and none is named. Returns it.
    pub fn set_active_account(
        &self,
        selector: &AccountSelector,
        every_host: bool,
    ) -> Result<Account> {
        let Some(cache) = &self.app.config().token_cache else {
            return Err(interaction(
                "the token cache is disabled, so there is no signed-in account",
            ));
        };
        let listing = Listing {
            every_host,
            every_client: false,
        };
        let client_id = &self.app.config().client_id;
        cache.update(|c| {
            let (mut account, _) =
                choose_account(accounts_in(c, &self.app, listing), Some(selector))?;
            let issuer = if self.app.issuer().owns(
                &account.environment,
                Some(&account.realm),
                origin_of_account(c, &account).as_deref(),
            ) {
                self.app.issuer().clone()
            } else {
                TokenIssuer::of_entry(
                    &account.environment,
                    origin_of_account(c, &account).as_deref(),
                )
            };
            c.set_active_account(&account.home_account_id, client_id, &issuer);
            account.active = true;
            Ok(account)
        })?
    }

    /// What a silent request would work with, without making one: the account it would use
    /// (`selector`'s, else the active one, else the only one), the access tokens cached for it
    /// and whether a refresh token is held. Reads the cache only.
    pub fn sign_in_status(&self, selector: Option<&AccountSelector>) -> Result<SignInStatus> {
        let Some(cache) = &self.app.config().token_cache else {
            return Err(interaction(
                "the token cache is disabled, so there is no signed-in account",
            ));
        };
        let all = cache.load()?;
        let (account, chosen_by) =
            choose_account(accounts_in(&all, &self.app, Listing::OWN), selector)?;
        let client_id = &self.app.config().client_id;
        let issuer = self.app.issuer();
        let refresh_token = !all
            .find_refresh_tokens(&RefreshTokenQuery {
                client_id,
                issuer,
                home_account_id: &account.home_account_id,
                family_id: None,
            })
            .is_empty();
        let now = super::now();
        let mut access_tokens: Vec<CachedToken> = all
            .access_tokens_of(&account.home_account_id, client_id, issuer)
            .into_iter()
            .map(|at| {
                let tenant_id = all
                    .find_account(&account.home_account_id, issuer, &at.realm)
                    .and_then(|entry| all.account_tenant(entry))
                    .unwrap_or_else(|| AuthenticationResult::from_cache(at).tenant_id);
                CachedToken {
                    scopes: at.scopes().map(str::to_owned).collect(),
                    realm: at.realm.clone(),
                    tenant_id,
                    expires_on: at.expires_on(),
                    expired: at.expires_on() <= now,
                }
            })
            .collect();
        access_tokens.sort_by(|a, b| (&a.scopes, a.expires_on).cmp(&(&b.scopes, b.expires_on)));
        Ok(SignInStatus {
            account,
            chosen_by,
            access_tokens,
            refresh_token,
        })
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
        let listing = Listing {
            every_host,
            every_client: true,
        };
        let removed = cache.update(|c| {
            let chosen: Vec<Account> = accounts_in(c, &self.app, listing)
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
}

/// The origin recorded in the entry `account` was listed from.
fn origin_of_account(cache: &TokenCache, account: &Account) -> Option<String> {
    cache
        .accounts()
        .into_iter()
        .find(|e| {
            e.home_account_id.as_deref() == Some(account.home_account_id.as_str())
                && e.environment == account.environment
                && e.realm == account.realm
        })
        .and_then(|e| e.origin().map(str::to_owned))
}

/// An access token the cache holds for an account, as [`PublicClient::sign_in_status`] reports
/// it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CachedToken {
    /// The scopes it was granted for.
    pub scopes: Vec<String>,
    /// The cache realm it was issued at.
    pub realm: String,
    /// The tenant it was issued in (see [`AuthenticationResult::tenant_id`]).
    pub tenant_id: String,
    /// Expiry, epoch seconds.
    pub expires_on: u64,
    /// Whether it had expired when the cache was read.
    pub expired: bool,
}

/// What [`PublicClient::sign_in_status`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInStatus {
    /// The account a silent request would use.
    pub account: Account,
    /// Why that one.
    pub chosen_by: ChosenBy,
    /// The application's access tokens for it at this issuer, in every realm.
    pub access_tokens: Vec<CachedToken>,
    /// Whether the cache holds a refresh token of the application for it.
    pub refresh_token: bool,
}

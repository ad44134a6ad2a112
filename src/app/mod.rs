//! The MSAL API surface: client applications that acquire tokens, consult and fill the token
//! cache, and find their authority's endpoints. Named after MSAL Python's
//! `ConfidentialClientApplication` / `PublicClientApplication` methods.

mod accounts;
mod confidential;
mod lookup;
mod managed_identity;
mod public;
mod scopes;
mod silent;
mod store;

pub use accounts::{Account, AccountChoice, AccountSelector, ChosenBy};
pub use confidential::{
    AssertionAudience, AssertionSettings, ClientCredentialsParameters, ConfidentialClient,
    OnBehalfOfParameters, TokenExchangeParameters,
};
pub use managed_identity::{
    ManagedIdentityClient, ManagedIdentityConfig, ManagedIdentityParameters,
};
pub use public::{
    CachedToken, CredentialLoader, DeviceFlow, InteractiveFlow, InteractiveParameters,
    PublicClient, SignInStatus,
};
pub use scopes::{
    OfflineAccess, RESERVED_SCOPES, decorate_scopes, decorate_scopes_with, split_scopes,
};
pub use silent::SilentParameters;

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::authority::{
    Authority, Discovered, Endpoints, MetadataCache, build_discovery_request,
    build_instance_discovery_request, check_discovered, parse_discovery_response,
    parse_instance_discovery_response,
};
use crate::cache::{
    AccessTokenEntry, AccessTokenFilter, CacheFile, CacheSnapshot, TokenIssuer, token_tenant,
};
use crate::error::{Error, Result};
use crate::flow::token_endpoint::parse_token_response;
use crate::http::{HttpClient, HttpConfig, HttpRequest, Transport};
use crate::secret::AccessToken;
use crate::token::{TokenResponse, canonical_token_type};

/// An access token is served from the cache only with more than this many seconds left, so a
/// caller never gets a token that expires in flight (MSAL uses the same 5 minutes).
pub const MIN_VALIDITY_SECS: u64 = 300;

/// What a client application is: who it is, which authority it talks to, and where it keeps
/// tokens and discovery metadata.
#[derive(Debug)]
pub struct ClientConfig {
    /// The application (client) id.
    pub client_id: String,
    /// The authority.
    pub authority: Authority,
    /// Network behaviour.
    pub http: HttpConfig,
    /// The token cache file; `None` keeps nothing between runs.
    pub token_cache: Option<CacheFile>,
    /// Where discovery metadata is kept between runs; `None` discovers on every run.
    pub metadata_cache: Option<MetadataCache>,
    /// Whether unfamiliar Entra hosts are validated through instance discovery.
    pub instance_discovery: bool,
}

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// The token cache; no request was made.
    Cache,
    /// A fresh answer from the identity provider.
    IdentityProvider,
}

/// A token and what a caller needs to know about it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthenticationResult {
    /// The access token.
    pub access_token: AccessToken,
    /// Usually `Bearer`.
    pub token_type: String,
    /// Expiry, epoch seconds.
    pub expires_on: u64,
    /// The scopes the token was granted for.
    pub scopes: Vec<String>,
    /// The tenant that issued it: for Entra the token's `tid` (the tenant GUID, also after a
    /// sign-in at `organizations` or `common`), else the cache `realm`.
    pub tenant_id: String,
    /// Cache or network.
    pub source: TokenSource,
    /// The signed-in user; `None` for application tokens.
    pub account: Option<Account>,
}

impl AuthenticationResult {
    pub(crate) fn from_cache(entry: &AccessTokenEntry) -> Self {
        Self {
            access_token: entry.secret.clone(),
            token_type: canonical_token_type(&entry.token_type)
                .unwrap_or("Bearer")
                .to_owned(),
            expires_on: entry.expires_on(),
            scopes: entry.scopes().map(str::to_owned).collect(),
            // An empty realm is a generic provider's, whose tokens' claims are its own business.
            tenant_id: Some(&entry.realm)
                .filter(|realm| !realm.is_empty())
                .and_then(|_| token_tenant(entry.secret.secret()))
                .unwrap_or_else(|| entry.realm.clone()),
            source: TokenSource::Cache,
            account: None,
        }
    }

    /// Seconds of validity left now.
    pub fn expires_in(&self) -> u64 {
        self.expires_on.saturating_sub(now())
    }

    pub(crate) fn with_account(mut self, account: Account) -> Self {
        self.account = Some(account);
        self
    }

    /// The tenant the cache recorded for the account in this token's realm, when it did.
    pub(crate) fn in_tenant(mut self, tenant: Option<String>) -> Self {
        if let Some(tenant) = tenant {
            self.tenant_id = tenant;
        }
        self
    }

    pub(crate) fn from_response(
        response: &TokenResponse,
        scopes: Vec<String>,
        tenant_id: String,
        now: u64,
    ) -> Self {
        Self {
            access_token: response.access_token.clone(),
            token_type: response.token_type.clone(),
            expires_on: now.saturating_add(response.expires_in.unwrap_or(DEFAULT_EXPIRES_IN)),
            scopes,
            tenant_id,
            source: TokenSource::IdentityProvider,
            account: None,
        }
    }
}

/// MSAL's lifetime for a token response without `expires_in`.
const DEFAULT_EXPIRES_IN: u64 = 600;

/// The issuer cache entries of `authority` are bound to: a generic OpenID provider by its exact
/// issuer, an Entra-shaped authority by its cloud host (MSAL's `environment`) and origin.
pub fn token_issuer(authority: &Authority) -> TokenIssuer {
    match authority.expected_issuer() {
        Some(issuer) => TokenIssuer::openid(issuer, &authority.origin()),
        None => TokenIssuer::entra(&authority.origin(), &authority.environment()),
    }
}

/// Seconds since the epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// What every client application shares: configuration, a lazily built HTTP client (a cache
/// hit never pays for TLS set-up) and the discovered endpoints.
#[derive(Debug)]
pub struct ClientApplication {
    config: ClientConfig,
    issuer: TokenIssuer,
    transport: Option<Arc<dyn Transport>>,
    http: OnceLock<HttpClient>,
    endpoints: OnceLock<Endpoints>,
}

impl ClientApplication {
    /// A client application.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            issuer: token_issuer(&config.authority),
            transport: None,
            config,
            http: OnceLock::new(),
            endpoints: OnceLock::new(),
        }
    }

    /// Sends its requests through `transport` instead of the network (an in-process identity
    /// provider, a recorder); the retry policy and the https-or-loopback rule still apply.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Its configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The issuer its cache entries are bound to.
    pub fn issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    /// The cache `realm` of this client's entries: the tenant segment of the discovered token
    /// endpoint for Entra-shaped authorities (as MSAL derives it); fixed for generic providers,
    /// whose issuer the `environment` names.
    pub(crate) fn realm(&self, endpoints: &Endpoints) -> String {
        match self.issuer.fixed_realm() {
            Some(realm) => realm.to_owned(),
            None => endpoints.realm(),
        }
    }

    /// The filter for a snapshot of the cache that can answer this client's lookups for
    /// `scopes`.
    pub(crate) fn filter<'a>(&'a self, scopes: &'a [String]) -> AccessTokenFilter<'a> {
        AccessTokenFilter {
            client_id: &self.config.client_id,
            environment: self.issuer.environment(),
            scopes,
        }
    }

    pub(crate) fn http(&self) -> Result<&HttpClient> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = match &self.transport {
            Some(transport) => {
                HttpClient::with_transport(self.config.http.clone(), Arc::clone(transport))
            }
            None => HttpClient::new(self.config.http.clone())?,
        };
        Ok(self.http.get_or_init(|| client))
    }

    /// The authority's endpoints: from memory, from the metadata cache, or discovered (after
    /// instance discovery for unfamiliar Entra hosts). A cached document is held to the same
    /// rule as a fresh one ([`check_discovered`]); one that fails it is ignored and replaced.
    pub async fn endpoints(&self) -> Result<Endpoints> {
        if let Some(endpoints) = self.endpoints.get() {
            return Ok(endpoints.clone());
        }
        let authority = &self.config.authority;
        let key = authority.url();
        let now = now();
        let cache = self.config.metadata_cache.as_ref();
        let usable = |discovered: &Discovered| match check_discovered(authority, discovered) {
            Ok(()) => true,
            Err(reason) => {
                log::warn!("ignoring the discovery metadata cached for {key}: {reason}");
                false
            }
        };
        if let Some(discovered) = cache.and_then(|c| c.get(key, now)).filter(usable) {
            log::debug!("endpoints of {key} from the metadata cache");
            return Ok(self.endpoints.get_or_init(|| discovered.endpoints).clone());
        }
        let discovered = match self.discover().await {
            Ok(discovered) => discovered,
            // Offline, or the provider is down: endpoints rarely move, so a document older than
            // a day still lets a cached token be served; a request that needs the network will
            // fail on its own.
            Err(error @ Error::Http(_)) => {
                let stale = cache
                    .and_then(|c| c.get_any_age(key))
                    .filter(|(d, _)| usable(d));
                match stale {
                    Some((discovered, _)) => {
                        log::warn!(
                            "discovery failed ({error}); using the endpoints cached earlier"
                        );
                        return Ok(self.endpoints.get_or_init(|| discovered.endpoints).clone());
                    }
                    None => return Err(error),
                }
            }
            Err(error) => return Err(error),
        };
        if let Some(cache) = cache {
            cache.put(key, &discovered, now);
        }
        Ok(self.endpoints.get_or_init(|| discovered.endpoints).clone())
    }

    /// Instance discovery when needed, then OpenID Connect discovery.
    async fn discover(&self) -> Result<Discovered> {
        let authority = &self.config.authority;
        let mut discovery_url = None;
        let mut aliases = Vec::new();
        if self.config.instance_discovery && authority.needs_instance_discovery() {
            let request = build_instance_discovery_request(authority)?;
            let response = self.http()?.send(&request).await?;
            let instance = parse_instance_discovery_response(authority, &response)?;
            discovery_url = Some(instance.tenant_discovery_endpoint);
            aliases = instance.aliases;
        }
        let request = build_discovery_request(authority, discovery_url);
        let response = self.http()?.send(&request).await?;
        Ok(parse_discovery_response(
            authority, &request, &response, &aliases,
        )?)
    }

    /// Sends a token request and parses the answer.
    pub(crate) async fn request_token(&self, request: &HttpRequest) -> Result<TokenResponse> {
        let response = self.http()?.send(request).await?;
        parse_token_response(request, &response)
    }

    /// Reads the cache once before any sign-in or request, so that a cache this version cannot
    /// use (an unknown format, an unreadable or refused file) stops the run before the user or
    /// the network is bothered, instead of a token being fetched and then lost. The snapshot
    /// keeps the access tokens `filter` accepts, for a lookup before the request. The run saves
    /// what it gets, so a file that is not a cache at all reads as empty and is moved aside then.
    pub(crate) fn check_cache(
        &self,
        filter: &AccessTokenFilter<'_>,
    ) -> Result<Option<CacheSnapshot>> {
        match &self.config.token_cache {
            Some(cache) => Ok(Some(cache.snapshot_for_update(filter)?)),
            None => Ok(None),
        }
    }

    /// Runs `f` on the cache file under its lock; a failure to save is reported and not fatal,
    /// because the caller already holds a good token.
    pub(crate) fn save<R>(&self, f: impl FnOnce(&mut crate::cache::TokenCache) -> R) -> Option<R> {
        let cache = self.config.token_cache.as_ref()?;
        match cache.update(f) {
            Ok(r) => Some(r),
            Err(e) => {
                log::warn!("the token was not saved in the cache: {e}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;

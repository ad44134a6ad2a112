//! The MSAL API surface: client applications that acquire tokens, consult and fill the token
//! cache, and find their authority's endpoints. Named after MSAL Python's
//! `ConfidentialClientApplication` / `PublicClientApplication` methods.

mod confidential;
mod managed_identity;
mod public;

pub use confidential::{ClientCredentialsParameters, ConfidentialClient, OnBehalfOfParameters};
pub use managed_identity::{
    ManagedIdentityClient, ManagedIdentityConfig, ManagedIdentityParameters,
};
pub use public::{
    Account, AccountSelector, DeviceFlow, InteractiveFlow, InteractiveParameters, PublicClient,
    RESERVED_SCOPES, RedirectWaiter, SilentParameters, decorate_scopes,
};

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::authority::{
    Authority, Endpoints, MetadataCache, build_discovery_request, build_instance_discovery_request,
    parse_discovery_response, parse_instance_discovery_response,
};
use crate::cache::{AccessTokenEntry, AccessTokenFilter, CacheFile, CacheSnapshot, TokenIssuer};
use crate::error::{Error, Result};
use crate::flow::token::parse_token_response;
use crate::http::{HttpClient, HttpConfig, HttpRequest};
use crate::secret::AccessToken;
use crate::token::{IdTokenClaims, TokenResponse};

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
    /// The tenant that issued it (the cache `realm`).
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
            token_type: entry.token_type.clone(),
            expires_on: entry.expires_on(),
            scopes: entry.scopes().map(str::to_owned).collect(),
            tenant_id: entry.realm.clone(),
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

/// How usable a cached access token is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Serve it.
    Fresh,
    /// Still valid, but the server's `refresh_in` has passed: refresh, and fall back to it.
    RefreshDue,
    /// Too close to expiry to hand out.
    Stale,
}

pub(crate) fn freshness(entry: &AccessTokenEntry, now: u64, min_validity: u64) -> Freshness {
    if entry.expires_on() <= now.saturating_add(min_validity) {
        Freshness::Stale
    } else if entry.refresh_on().is_some_and(|at| at <= now) {
        Freshness::RefreshDue
    } else {
        Freshness::Fresh
    }
}

/// Decodes the ID token of a token response, when there is one, and checks it as OpenID Connect
/// Core §3.1.3.7 asks of a token received straight from the token endpoint over TLS: the issuer
/// is the one discovery named (Entra's multi-tenant issuer has a `{tenantid}` placeholder, filled
/// from the token's `tid`, as MSAL does), and this client is in the audience. The signature is
/// not checked: TLS to the discovered token endpoint already vouches for the sender (ibid.,
/// item 6).
pub(crate) fn checked_id_token_claims(
    response: &TokenResponse,
    endpoints: &Endpoints,
    client_id: &str,
) -> Result<Option<IdTokenClaims>> {
    let Some(token) = &response.id_token else {
        return Ok(None);
    };
    let refuse = |detail: String| Error::UnexpectedResponse {
        endpoint: endpoints
            .token_endpoint
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned(),
        status: 200,
        detail,
    };
    let claims = IdTokenClaims::decode_unverified(token)
        .ok_or_else(|| refuse("the ID token is not a readable JWT".into()))?;
    if !claims.has_audience(client_id) {
        return Err(refuse(format!(
            "the ID token was issued to another application, not {client_id}"
        )));
    }
    if let Some(expected) = &endpoints.issuer {
        let expected = match &claims.tid {
            Some(tid) => expected.replace("{tenantid}", tid),
            None => expected.clone(),
        };
        if claims.iss.as_deref() != Some(expected.as_str()) {
            return Err(refuse(format!(
                "the ID token's issuer {:?} is not the authority's ({expected:?})",
                claims.iss.as_deref().unwrap_or_default()
            )));
        }
    }
    Ok(Some(claims))
}

/// The issuer cache entries of `authority` are bound to: a generic OpenID provider by its exact
/// issuer, an Entra-shaped authority by its cloud host (MSAL's `environment`) and origin.
pub fn token_issuer(authority: &Authority) -> TokenIssuer {
    match authority.expected_issuer() {
        Some(issuer) => TokenIssuer::openid(issuer, &authority.origin()),
        None => TokenIssuer::entra(&authority.origin(), &authority.environment()),
    }
}

/// Scopes from a space-separated string (RFC 6749 §3.3).
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
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
    http: OnceLock<HttpClient>,
    endpoints: OnceLock<Endpoints>,
}

impl ClientApplication {
    /// A client application.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            issuer: token_issuer(&config.authority),
            config,
            http: OnceLock::new(),
            endpoints: OnceLock::new(),
        }
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
        let client = HttpClient::new(self.config.http.clone())?;
        Ok(self.http.get_or_init(|| client))
    }

    /// The authority's endpoints: from memory, from the metadata cache, or discovered (after
    /// instance discovery for unfamiliar Entra hosts).
    pub async fn endpoints(&self) -> Result<Endpoints> {
        if let Some(endpoints) = self.endpoints.get() {
            return Ok(endpoints.clone());
        }
        let authority = &self.config.authority;
        let key = authority.url();
        let now = now();
        // A cached document passed the issuer check for the authority it was stored under; the
        // key ignores a trailing slash, so check again against the authority given this time.
        if let Some(endpoints) = self
            .config
            .metadata_cache
            .as_ref()
            .and_then(|c| c.get(key, now))
            .filter(|e| authority.check_issuer(e.issuer.as_deref()).is_ok())
        {
            log::debug!("endpoints of {key} from the metadata cache");
            return Ok(self.endpoints.get_or_init(|| endpoints).clone());
        }
        let endpoints = match self.discover().await {
            Ok(endpoints) => endpoints,
            // Offline, or the provider is down: endpoints rarely move, so a document older than
            // a day still lets a cached token be served; a request that needs the network will
            // fail on its own.
            Err(error @ Error::Http(_)) => {
                let stale = self
                    .config
                    .metadata_cache
                    .as_ref()
                    .and_then(|c| c.get_any_age(key))
                    .filter(|(e, _)| authority.check_issuer(e.issuer.as_deref()).is_ok());
                match stale {
                    Some((endpoints, _)) => {
                        log::warn!(
                            "discovery failed ({error}); using the endpoints cached earlier"
                        );
                        return Ok(self.endpoints.get_or_init(|| endpoints).clone());
                    }
                    None => return Err(error),
                }
            }
            Err(error) => return Err(error),
        };
        if let Some(cache) = &self.config.metadata_cache {
            cache.put(key, &endpoints, now);
        }
        Ok(self.endpoints.get_or_init(|| endpoints).clone())
    }

    /// Instance discovery when needed, then OpenID Connect discovery.
    async fn discover(&self) -> Result<Endpoints> {
        let authority = &self.config.authority;
        let mut discovery_url = None;
        if self.config.instance_discovery && authority.needs_instance_discovery() {
            let request = build_instance_discovery_request(authority)?;
            let response = self.http()?.send(&request).await?;
            discovery_url = Some(parse_instance_discovery_response(authority, &response)?);
        }
        let request = build_discovery_request(authority, discovery_url);
        let response = self.http()?.send(&request).await?;
        Ok(parse_discovery_response(authority, &request, &response)?)
    }

    /// Sends a token request and parses the answer.
    pub(crate) async fn request_token(&self, request: &HttpRequest) -> Result<TokenResponse> {
        let response = self.http()?.send(request).await?;
        parse_token_response(request, &response)
    }

    /// Reads the cache once before any sign-in or request, so that a cache this version cannot
    /// use (an unknown format, an unreadable file) stops the run before the user or the network
    /// is bothered, instead of a token being fetched and then lost. The snapshot keeps the
    /// access tokens `filter` accepts, for a lookup before the request.
    pub(crate) fn check_cache(
        &self,
        filter: &AccessTokenFilter<'_>,
    ) -> Result<Option<CacheSnapshot>> {
        match &self.config.token_cache {
            Some(cache) => Ok(Some(cache.snapshot(filter)?)),
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
mod tests {
    use base64::Engine as _;

    use super::*;

    fn response_with_id_token(claims: serde_json::Value) -> TokenResponse {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
        serde_json::from_value(
            serde_json::json!({"access_token": "a", "id_token": format!("e30.{payload}.sig")}),
        )
        .unwrap()
    }

    fn endpoints(issuer: &str) -> Endpoints {
        Endpoints {
            issuer: Some(issuer.into()),
            token_endpoint: "https://login.example.com/t/oauth2/v2.0/token?x=1".into(),
            authorization_endpoint: None,
            device_authorization_endpoint: None,
            token_endpoint_auth_methods_supported: None,
        }
    }

    #[test]
    fn id_tokens_must_come_from_the_issuer_for_this_client() {
        let multi = endpoints("https://login.example.com/{tenantid}/v2.0");
        let good = response_with_id_token(serde_json::json!({
            "iss": "https://login.example.com/t1/v2.0", "tid": "t1", "aud": "c1", "sub": "s"
        }));
        assert!(
            checked_id_token_claims(&good, &multi, "c1")
                .unwrap()
                .is_some()
        );
        let err = checked_id_token_claims(&good, &multi, "c2")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another application") && !err.contains("x=1"),
            "{err}"
        );
        let forged = response_with_id_token(serde_json::json!({
            "iss": "https://evil.example.com/t1/v2.0", "tid": "t1", "aud": "c1"
        }));
        assert!(checked_id_token_claims(&forged, &multi, "c1").is_err());
        let other_tenant = response_with_id_token(serde_json::json!({
            "iss": "https://login.example.com/t2/v2.0", "tid": "t1", "aud": "c1"
        }));
        assert!(checked_id_token_claims(&other_tenant, &multi, "c1").is_err());
        let none: TokenResponse = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert!(
            checked_id_token_claims(&none, &multi, "c1")
                .unwrap()
                .is_none()
        );
    }
}

//! The platform's managed identity as a client application (MSAL Python's
//! `ManagedIdentityClient.acquire_token_for_client`): the token cache first, then the platform's
//! endpoint with its own retry policy, then the cache again.
//!
//! Tokens are cached exactly as MSAL Python caches them (environment `localhost`, realm
//! `managed_identity`, `client_id` the user-assigned identifier or `null`, the resource as the
//! target, `refresh_on` at half the lifetime of tokens that live two hours or more), so the two
//! read each other's tokens from one file. Those entries answer managed-identity lookups only.

use std::path::PathBuf;
use std::sync::OnceLock;

use aws_lc_rs::digest;

use super::lookup::CacheLookup;
use super::{AuthenticationResult, MIN_VALIDITY_SECS, TokenSource, now};
use crate::cache::{AccessTokenFilter, AccessTokenQuery, CacheFile, TokenEvent, TokenIssuer};
use crate::error::{Error, Result};
use crate::http::{HttpClient, HttpConfig, HttpError, HttpExchange, HttpRequest};
use crate::managed_identity::{
    ManagedIdentity, ManagedIdentityError, ManagedIdentityToken, Outcome, Source, SourceKind, arc,
    parse_token_answer, platform_error, retry_delay,
};
use crate::secret::AccessToken;
use crate::token::TokenResponse;

/// Tokens living at least this long are refreshed at half their lifetime, as MSAL Python
/// does (`refresh_in`): the platform's endpoint can be down for a while without a caller ever
/// holding a token about to expire.
const PROACTIVE_REFRESH_FROM_SECS: u64 = 2 * 3600;

/// The `grant_type` recorded for the cache event (no account is made from it).
const GRANT_TYPE: &str = "managed_identity";

/// A managed-identity client: which identity, from which source, and where tokens are kept.
#[derive(Debug, Clone)]
pub struct ManagedIdentityConfig {
    /// The identity.
    pub identity: ManagedIdentity,
    /// The platform's endpoint ([`crate::managed_identity::detect`]).
    pub source: Source,
    /// The only directory an Azure Arc key may be read from; `None` is the agent's own
    /// ([`arc::platform_key_dir`]).
    pub arc_key_dir: Option<PathBuf>,
    /// Network behaviour (the source's certificate pin is added).
    pub http: HttpConfig,
    /// The token cache file; `None` keeps nothing between runs.
    pub token_cache: Option<CacheFile>,
}

/// What to ask for in [`ManagedIdentityClient::acquire_token_for_client`].
#[derive(Debug, Clone, Default)]
pub struct ManagedIdentityParameters {
    /// The resource (not a scope: `https://management.azure.com`, not `…/.default`).
    pub resource: String,
    /// A claims challenge from a resource that revoked the cached token: the token is replaced
    /// (never served again), and the platforms that take it are told which one.
    pub claims: Option<String>,
    /// Skip the cached token.
    pub force_refresh: bool,
}

/// Tokens of the platform's managed identity.
#[derive(Debug)]
pub struct ManagedIdentityClient {
    config: ManagedIdentityConfig,
    http: OnceLock<HttpClient>,
}

impl ManagedIdentityClient {
    /// A client; nothing is sent before the first token request, and a cache hit sends nothing.
    pub fn new(config: ManagedIdentityConfig) -> Self {
        Self {
            config,
            http: OnceLock::new(),
        }
    }

    /// Its configuration.
    pub fn config(&self) -> &ManagedIdentityConfig {
        &self.config
    }

    /// A token for the resource: from the cache while it has more than five minutes left and
    /// its `refresh_on` has not passed; else from the platform, falling back to the cached
    /// token (still valid) when the endpoint is unreachable or failing.
    pub async fn acquire_token_for_client(
        &self,
        params: &ManagedIdentityParameters,
    ) -> Result<AuthenticationResult> {
        let resource = params.resource.trim();
        if resource.is_empty() {
            return Err(Error::InvalidArgument(
                "no resource given: pass --resource or --scope <resource>/.default".into(),
            ));
        }
        let config = &self.config;
        config.source.check_identity(&config.identity)?;
        let scopes = vec![resource.to_owned()];
        let issuer = TokenIssuer::managed_identity();
        let client_id = config.identity.cache_id();
        let snapshot = match &config.token_cache {
            Some(cache) => Some(cache.snapshot(&AccessTokenFilter {
                client_id,
                environment: issuer.environment(),
                scopes: &scopes,
            })?),
            None => None,
        };
        let now = now();

        let mut fallback = None;
        let mut replaced = None;
        // With a claims challenge the cached token is looked up anyway: it is the one revoked.
        let lookup = !params.force_refresh || params.claims.is_some();
        if let Some(snapshot) = snapshot.filter(|_| lookup) {
            let query = AccessTokenQuery {
                client_id,
                issuer: &issuer,
                realm: "",
                home_account_id: None,
                scopes: &scopes,
            };
            if let Some(entry) = snapshot.find_access_token(&query, now) {
                match CacheLookup::of(Some(entry), now, MIN_VALIDITY_SECS) {
                    CacheLookup::Miss => {}
                    _ if params.claims.is_some() => replaced = Some(sha256_hex(&entry.secret)),
                    CacheLookup::Hit(cached) => {
                        log::info!("serving the managed identity's token from the cache");
                        return Ok(from_cache(cached));
                    }
                    CacheLookup::Fallback(cached) => fallback = Some(from_cache(cached)),
                }
            }
        }

        let token = match (self.request(resource, replaced.as_deref()).await, fallback) {
            (Ok(token), _) => token,
            (Err(e), Some(old)) if endpoint_down(&e) => {
                log::warn!("refreshing the token failed ({e}); using the cached one, still valid");
                return Ok(old);
            }
            (Err(e), _) => return Err(e),
        };

        let response = TokenResponse {
            access_token: token.access_token,
            token_type: token.token_type,
            expires_in: Some(token.expires_in),
            ext_expires_in: None,
            refresh_in: (token.expires_in >= PROACTIVE_REFRESH_FROM_SECS)
                .then_some(token.expires_in / 2),
            scope: None,
            refresh_token: None,
            id_token: None,
            client_info: None,
            foci: None,
        };
        if let Some(cache) = &config.token_cache {
            let saved = cache.update(|cache| {
                cache.add(
                    &TokenEvent {
                        client_id,
                        issuer: &issuer,
                        realm: "",
                        scopes: &scopes,
                        grant_type: GRANT_TYPE,
                        response: &response,
                        home_account_id: None,
                        id_token_claims: None,
                        username_hint: None,
                        user_assertion_hash: None,
                    },
                    now,
                );
                cache.remove_expired_access_tokens(now);
            });
            if let Err(e) = saved {
                log::warn!("the token was not saved in the cache: {e}");
            }
        }
        Ok(AuthenticationResult {
            tenant_id: token_tenant(&response.access_token),
            access_token: response.access_token,
            token_type: response.token_type,
            expires_on: now.saturating_add(token.expires_in),
            scopes,
            source: TokenSource::IdentityProvider,
            account: None,
        })
    }

    fn http(&self) -> Result<&HttpClient> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let mut http = self.config.http.clone();
        http.pin = self.config.source.pin().cloned();
        let client = HttpClient::new(http)?;
        Ok(self.http.get_or_init(|| client))
    }

    /// One token from the platform, after the retries its policy allows.
    async fn request(
        &self,
        resource: &str,
        replaced: Option<&str>,
    ) -> Result<ManagedIdentityToken> {
        let config = &self.config;
        let kind = config.source.kind();
        let http = self.http()?;
        log::info!(
            "asking {kind} at {} for a token of the {} identity",
            config.source.endpoint(),
            config.identity.describe()
        );
        let first = config
            .source
            .token_request(&config.identity, resource, replaced);
        if kind != SourceKind::Arc {
            let exchange = exchange(http, kind, &first).await?;
            return parse_token_answer(kind, &first, &exchange, now());
        }

        // Azure Arc: the first answer is a challenge naming a key file.
        let challenge = exchange(http, kind, &first).await?;
        if challenge.response.status != 401 {
            // An error answer is reported with the platform's message; a token without the
            // challenge is not what the Arc agent sends.
            parse_token_answer(kind, &first, &challenge, now())?;
            return Err(ManagedIdentityError::Arc(
                "the endpoint answered without its key challenge; is IDENTITY_ENDPOINT the Arc \
                 agent's?"
                    .into(),
            )
            .into());
        }
        let key_dir = match &config.arc_key_dir {
            Some(dir) => dir.clone(),
            None => arc::platform_key_dir().ok_or(ManagedIdentityError::Unsupported {
                source_kind: kind,
                what: format!("this operating system ({})", std::env::consts::OS),
            })?,
        };
        let path = arc::key_path(challenge.www_authenticate.as_deref(), &key_dir)?;
        let key = arc::read_key(&path)?;
        let second = arc::authorized_request(&first, &key);
        let exchange = exchange(http, kind, &second).await?;
        let token = parse_token_answer(kind, &second, &exchange, now())?;
        if !token.confirms(&config.identity) {
            return Err(ManagedIdentityError::ArcIdentityNotConfirmed {
                identity: config.identity.clone(),
            }
            .into());
        }
        Ok(token)
    }
}

/// Sends `request`, retrying as the source's policy says; an answer still failing when the
/// policy gives up is [`ManagedIdentityError::Unavailable`].
async fn exchange(
    http: &HttpClient,
    kind: SourceKind,
    request: &HttpRequest,
) -> Result<HttpExchange> {
    let mut retries = 0;
    loop {
        let sent = http.send_once(request).await;
        let outcome = match &sent {
            Ok(exchange) => Outcome::Status {
                status: exchange.response.status,
                retry_after: exchange.retry_after,
            },
            Err(HttpError::Connect { .. }) => Outcome::ConnectionFailed,
            Err(_) => return sent.map_err(Error::from),
        };
        let Some(pause) = retry_delay(kind, retries, outcome) else {
            let exchange = sent?;
            check_available(kind, request, &exchange, retries)?;
            return Ok(exchange);
        };
        match &sent {
            Ok(exchange) => log::info!(
                "{kind} answered HTTP {}; asking again in {} s",
                exchange.response.status,
                pause.as_secs_f32()
            ),
            Err(e) => log::info!("{e}; trying again in {} s", pause.as_secs_f32()),
        }
        tokio::time::sleep(pause).await;
        retries += 1;
    }
}

/// An answer whose status the source's policy retries, once retrying stopped, means the
/// endpoint is unavailable rather than refusing.
fn check_available(
    kind: SourceKind,
    request: &HttpRequest,
    exchange: &HttpExchange,
    retries: u32,
) -> Result<()> {
    let status = exchange.response.status;
    let probe = Outcome::Status {
        status,
        retry_after: None,
    };
    if retry_delay(kind, 0, probe).is_none() {
        return Ok(());
    }
    let (_, message) = platform_error(exchange);
    Err(ManagedIdentityError::Unavailable {
        source_kind: kind,
        endpoint: request.endpoint(),
        status,
        attempts: retries + 1,
        message,
    }
    .into())
}

/// Failures that leave a cached token worth serving: the endpoint did not answer, kept failing,
/// or answered nonsense. A refusal (the identity is gone) is reported instead.
fn endpoint_down(error: &Error) -> bool {
    matches!(
        error,
        Error::Http(_)
            | Error::UnexpectedResponse { .. }
            | Error::ManagedIdentity(ManagedIdentityError::Unavailable { .. })
    )
}

/// A cached managed-identity token: its tenant is the token's, not the cache's `realm`.
fn from_cache(mut result: AuthenticationResult) -> AuthenticationResult {
    result.tenant_id = token_tenant(&result.access_token);
    result
}

/// The tenant an Entra access token names (`tid`), read without verification for display
/// (`-o json`, `-o az`); empty when the token is not a readable JWT or its `tid` is not a
/// plausible tenant (the endpoint's text reaches a terminal).
fn token_tenant(token: &AccessToken) -> String {
    crate::cache::token_tenant(token.secret()).unwrap_or_default()
}

/// Lowercase hex SHA-256 of a token, as MSAL Python sends `token_sha256_to_refresh`.
fn sha256_hex(token: &AccessToken) -> String {
    digest::digest(&digest::SHA256, token.secret().as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

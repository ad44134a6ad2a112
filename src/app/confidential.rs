//! Confidential clients: applications that can keep a credential (MSAL Python's
//! `ConfidentialClientApplication`).

use url::Url;

use super::lookup::{CacheLookup, fall_back};
use super::scopes::{decorate_scopes, resource_scopes};
use super::store::{Filing, Owner, no_check};
use super::{
    AuthenticationResult, ClientApplication, MIN_VALIDITY_SECS, ManagedIdentityClient,
    ManagedIdentityConfig, ManagedIdentityParameters, now,
};
use crate::authority::Endpoints;
use crate::cache::{AccessTokenEntry, AccessTokenQuery, CacheSnapshot};
use crate::credential::{
    AssertionOptions, ClientAuth, ClientCredential, CredentialError, KeyType, SecretAuthMethod,
    SigningAlgorithm, github,
};
use crate::error::{Error, Result};
use crate::flow::token_endpoint::{Grant, TokenRequest};
use crate::flow::{client_credentials, on_behalf_of, token_exchange};
use crate::http::HttpRequest;
use crate::managed_identity::TOKEN_EXCHANGE_RESOURCE;
use crate::secret::Assertion;

/// What to ask for in [`ConfidentialClient::acquire_token_for_client`].
#[derive(Debug, Clone, Default)]
pub struct ClientCredentialsParameters {
    /// The scopes; Entra wants exactly one `{resource}/.default`; other providers take none for
    /// the client's default scopes (RFC 6749 §4.4.2).
    pub scopes: Vec<String>,
    /// A claims challenge to satisfy; bypasses the cached token.
    pub claims: Option<String>,
    /// Skip the cached token and ask the identity provider.
    pub force_refresh: bool,
}

/// What a token exchange (RFC 8693) asks for besides scopes: how `msal obo` works with OpenID
/// providers other than Entra ID. Ignored for Entra ID.
#[derive(Debug, Clone, Default)]
pub struct TokenExchangeParameters {
    /// The type of the token being exchanged; `None` is an access token
    /// (`urn:ietf:params:oauth:token-type:access_token`).
    pub subject_token_type: Option<String>,
    /// The type of token wanted, when not the provider's default.
    pub requested_token_type: Option<String>,
    /// The logical name of the target service.
    pub audience: Option<String>,
    /// The URI of the target service.
    pub resource: Option<String>,
}

/// What to ask for in [`ConfidentialClient::acquire_token_on_behalf_of`].
#[derive(Debug, Clone)]
pub struct OnBehalfOfParameters {
    /// The token the calling user sent to this API.
    pub user_assertion: Assertion,
    /// Scopes of the downstream API.
    pub scopes: Vec<String>,
    /// A claims challenge to satisfy; bypasses the cached token.
    pub claims: Option<String>,
    /// Skip the cached token.
    pub force_refresh: bool,
    /// For OpenID providers other than Entra ID: the token exchange's other parameters.
    pub exchange: TokenExchangeParameters,
}

/// What a `private_key_jwt` assertion (RFC 7523, OpenID Connect Core §9) is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssertionAudience {
    /// The token endpoint, what most providers document (and Entra ID requires).
    #[default]
    TokenEndpoint,
    /// The issuer, what the 2025 errata of OpenID Connect Core §9 ask for.
    Issuer,
}

/// How certificate assertions are made, beyond the key itself.
#[derive(Debug, Clone, Default)]
pub struct AssertionSettings {
    /// The signing algorithm; `None` chooses from the key and the provider's discovery document
    /// ([`SigningAlgorithm::choose`]).
    pub algorithm: Option<SigningAlgorithm>,
    /// The `kid` header; `None` gives the key's RFC 7638 JWK thumbprint for generic providers and
    /// no `kid` for Entra ID, which finds the key by `x5t#S256`.
    pub key_id: Option<String>,
    /// The `aud` claim.
    pub audience: AssertionAudience,
}

/// How a client proves itself besides the credential: how a secret is sent, how an assertion is
/// made. Shared by [`ConfidentialClient`] and the user sign-ins of a [`super::PublicClient`]
/// given a credential.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthSettings {
    pub(crate) secret_auth_method: Option<SecretAuthMethod>,
    pub(crate) assertion: AssertionSettings,
}

/// An application with a credential of its own.
#[derive(Debug)]
pub struct ConfidentialClient {
    app: ClientApplication,
    credential: ClientCredential,
    settings: AuthSettings,
}

impl ConfidentialClient {
    /// A confidential client.
    pub fn new(app: ClientApplication, credential: ClientCredential) -> Self {
        Self {
            app,
            credential,
            settings: AuthSettings::default(),
        }
    }

    /// Sends a client secret the way `method` says (`client_secret_basic` or
    /// `client_secret_post`); `None`, the default, chooses from the provider's discovery document
    /// ([`SecretAuthMethod::choose`]). No effect on other credentials.
    pub fn with_secret_auth_method(mut self, method: Option<SecretAuthMethod>) -> Self {
        self.settings.secret_auth_method = method;
        self
    }

    /// Makes certificate assertions as `settings` say. No effect on other credentials.
    pub fn with_assertion_settings(mut self, settings: AssertionSettings) -> Self {
        self.settings.assertion = settings;
        self
    }

    /// Its parts, for the user sign-ins of the same client ([`super::PublicClient::confidential`]).
    pub(crate) fn into_parts(self) -> (ClientApplication, ClientCredential, AuthSettings) {
        (self.app, self.credential, self.settings)
    }

    /// The shared client application.
    pub fn app(&self) -> &ClientApplication {
        &self.app
    }

    /// The application's own token (RFC 6749 §4.4; MSAL's `acquire_token_for_client`): from the
    /// cache while it has more than five minutes left, else from the token endpoint.
    pub async fn acquire_token_for_client(
        &self,
        params: &ClientCredentialsParameters,
    ) -> Result<AuthenticationResult> {
        let config = self.app.config();
        // RFC 6749 §4.4.2 makes the scope optional (the provider's default applies); Entra ID
        // wants exactly one `{resource}/.default`.
        if params.scopes.is_empty() && config.authority.is_entra_family() {
            return Err(Error::InvalidArgument(
                "no scope given; client credentials need one `{resource}/.default` scope".into(),
            ));
        }
        let filing = Filing {
            grant_type: client_credentials::GRANT_TYPE,
            scopes: &params.scopes,
            owner: Owner::App,
            username_hint: None,
        };
        // Without scopes any cached token of this client would match, whatever it was granted
        // for: ask the provider.
        let use_cache =
            !params.force_refresh && params.claims.is_none() && !params.scopes.is_empty();
        self.cached_or_granted(
            use_cache,
            &filing,
            |snapshot, query, now| snapshot.find_access_token(query, now),
            |token_url, auth| {
                TokenRequest {
                    token_endpoint: token_url,
                    client_id: &config.client_id,
                    scopes: &params.scopes,
                    client_info: false,
                    claims: params.claims.as_deref(),
                    client_auth: Some(auth),
                    grant: Grant::ClientCredentials,
                }
                .build()
            },
        )
        .await
    }

    /// A downstream token for the user behind `user_assertion` (MSAL's
    /// `acquire_token_on_behalf_of`): Entra ID's on-behalf-of grant, or RFC 8693 token exchange
    /// with other OpenID providers. Unlike MSAL Python, a repeated exchange with the same
    /// assertion and scopes is served from the cache while the token is valid; the cache keys
    /// these tokens by a hash of the assertion, so another assertion never gets them.
    pub async fn acquire_token_on_behalf_of(
        &self,
        params: &OnBehalfOfParameters,
    ) -> Result<AuthenticationResult> {
        let config = self.app.config();
        let entra = config.authority.is_entra_family();
        // A token exchange may name its target by audience or resource alone.
        let targeted = params.exchange.audience.is_some() || params.exchange.resource.is_some();
        if params.scopes.is_empty() && (entra || !targeted) {
            return Err(Error::InvalidArgument(
                "no scope given for the downstream API".into(),
            ));
        }
        let scopes = resource_scopes(&params.scopes);
        let hash = on_behalf_of::assertion_hash(&params.user_assertion);
        let filing = Filing {
            grant_type: if entra {
                on_behalf_of::GRANT_TYPE
            } else {
                token_exchange::GRANT_TYPE
            },
            scopes: &scopes,
            owner: Owner::Assertion(&hash),
            username_hint: None,
        };
        let use_cache = !params.force_refresh && params.claims.is_none();
        self.cached_or_granted(
            use_cache,
            &filing,
            |snapshot, query, now| snapshot.find_access_token_on_behalf_of(query, &hash, now),
            |token_url, auth| {
                // Entra's on-behalf-of grant signs the user in again (decorated scopes,
                // client_info); a token exchange asks for just what it names.
                let decorated = decorate_scopes(&scopes);
                let exchange = &params.exchange;
                TokenRequest {
                    token_endpoint: token_url,
                    client_id: &config.client_id,
                    scopes: if entra { &decorated } else { &scopes },
                    client_info: entra,
                    claims: params.claims.as_deref(),
                    client_auth: Some(auth),
                    grant: if entra {
                        Grant::OnBehalfOf(&params.user_assertion)
                    } else {
                        Grant::TokenExchange(token_exchange::Exchange {
                            subject_token: &params.user_assertion,
                            subject_token_type: exchange
                                .subject_token_type
                                .as_deref()
                                .unwrap_or(token_exchange::ACCESS_TOKEN_TYPE),
                            requested_token_type: exchange.requested_token_type.as_deref(),
                            audience: exchange.audience.as_deref(),
                            resource: exchange.resource.as_deref(),
                        })
                    },
                }
                .build()
            },
        )
        .await
    }

    /// The course of the grants made with the client's own credential: the cached token `find`
    /// picks while it is good enough ([`CacheLookup`]), else the request `build` makes, redeemed
    /// and filed as `filing` says, falling back to a still-valid cached token if that fails.
    async fn cached_or_granted(
        &self,
        use_cache: bool,
        filing: &Filing<'_>,
        find: impl for<'s> FnOnce(
            &'s CacheSnapshot,
            &AccessTokenQuery<'_>,
            u64,
        ) -> Option<&'s AccessTokenEntry>,
        build: impl FnOnce(&Url, &ClientAuth) -> HttpRequest,
    ) -> Result<AuthenticationResult> {
        let config = self.app.config();
        check_key(&self.app, &self.credential)?;
        let snapshot = self.app.check_cache(&self.app.filter(filing.scopes))?;
        let endpoints = self.app.endpoints().await?;
        let realm = self.app.realm(&endpoints);
        let now = now();
        let query = AccessTokenQuery {
            client_id: &config.client_id,
            issuer: self.app.issuer(),
            realm: &realm,
            home_account_id: None,
            scopes: filing.scopes,
        };
        let lookup = match snapshot.as_ref().filter(|_| use_cache) {
            Some(snapshot) => CacheLookup::of(find(snapshot, &query, now), now, MIN_VALIDITY_SECS),
            None => CacheLookup::Miss,
        };
        let fallback = match lookup {
            CacheLookup::Hit(cached) => {
                log::info!("serving the access token from the cache");
                return Ok(cached);
            }
            other => other.fallback(),
        };
        let result = async {
            let token_url = endpoints.token_url()?;
            let auth = client_auth(
                &self.app,
                &self.credential,
                &self.settings,
                &endpoints,
                token_url.as_str(),
                now,
            )
            .await?;
            let request = build(&token_url, &auth);
            self.app
                .redeem(&endpoints, &request, filing, no_check)
                .await
        }
        .await;
        result.or_else(|e| fall_back(e, fallback))
    }
}

/// Entra ID certificate credentials are RSA: another key is refused before any request.
pub(crate) fn check_key(app: &ClientApplication, credential: &ClientCredential) -> Result<()> {
    if let ClientCredential::Certificate { certificate, .. } = credential
        && app.config().authority.is_entra_family()
        && certificate.key_type() != KeyType::Rsa
    {
        return Err(CredentialError::UnsupportedKeyType {
            path: None,
            algorithm: "a P-256 EC",
        }
        .into());
    }
    Ok(())
}

/// How `app` proves itself with `credential` for a request to `audience` (the token endpoint of
/// `endpoints`, whose discovery document also decides how a secret is sent and which algorithm
/// signs an assertion).
pub(crate) async fn client_auth(
    app: &ClientApplication,
    credential: &ClientCredential,
    settings: &AuthSettings,
    endpoints: &Endpoints,
    audience: &str,
    now: u64,
) -> Result<ClientAuth> {
    let config = app.config();
    match credential {
        ClientCredential::GitHubActions(oidc) => {
            let request = github::token_request(oidc, github::DEFAULT_AUDIENCE)?;
            let response = app.http()?.send(&request).await?;
            Ok(ClientAuth::Assertion(github::parse_token_response(
                &response,
            )?))
        }
        ClientCredential::ManagedIdentity {
            identity,
            source,
            arc_key_dir,
        } => {
            let client = ManagedIdentityClient::new(ManagedIdentityConfig {
                identity: identity.clone(),
                source: source.clone(),
                arc_key_dir: arc_key_dir.clone(),
                http: config.http.clone(),
                token_cache: config.token_cache.clone(),
            });
            let params = ManagedIdentityParameters {
                resource: TOKEN_EXCHANGE_RESOURCE.to_owned(),
                ..ManagedIdentityParameters::default()
            };
            let token = client.acquire_token_for_client(&params).await?;
            Ok(ClientAuth::Assertion(Assertion::new(
                token.access_token.secret(),
            )))
        }
        ClientCredential::Secret(_) => {
            let method = SecretAuthMethod::choose(
                settings.secret_auth_method,
                endpoints.token_endpoint_auth_methods_supported.as_deref(),
                config.authority.is_entra_family(),
            );
            log::debug!("sending the client secret with {}", method.name());
            let auth = credential.client_auth(&config.client_id, audience, now)?;
            Ok(auth.with_secret_method(method))
        }
        ClientCredential::Certificate {
            certificate,
            send_chain,
        } => {
            let entra = config.authority.is_entra_family();
            let supported = endpoints
                .token_endpoint_auth_signing_alg_values_supported
                .as_deref();
            let key = certificate.key_type();
            let algorithm = match settings.assertion.algorithm {
                Some(algorithm) => algorithm,
                None => SigningAlgorithm::choose(key, supported, entra).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "the provider accepts client assertions signed with {}, none of \
                         which this certificate's key can make",
                        supported.unwrap_or_default().join(", ")
                    ))
                })?,
            };
            let key_id = match &settings.assertion.key_id {
                Some(kid) => Some(kid.clone()),
                None if !entra => Some(certificate.jwk_thumbprint()),
                None => None,
            };
            let audience = match (settings.assertion.audience, &endpoints.issuer) {
                (AssertionAudience::Issuer, Some(issuer)) => issuer.as_str(),
                _ => audience,
            };
            log::debug!(
                "signing the client assertion with {}{}",
                algorithm.name(),
                key_id
                    .as_deref()
                    .map(|kid| format!(", kid {kid}"))
                    .unwrap_or_default()
            );
            certificate.warn_if_expired(now);
            let assertion = certificate.sign_assertion(
                &config.client_id,
                audience,
                now,
                &AssertionOptions {
                    algorithm,
                    key_id,
                    send_chain: *send_chain,
                },
            )?;
            Ok(ClientAuth::Assertion(assertion))
        }
        other => Ok(other.client_auth(&config.client_id, audience, now)?),
    }
}

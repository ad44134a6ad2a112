//! Confidential clients: applications that can keep a credential (MSAL Python's
//! `ConfidentialClientApplication`).

use super::public::{decorate_scopes, resource_scopes};
use super::{
    AuthenticationResult, ClientApplication, Freshness, MIN_VALIDITY_SECS, checked_id_token_claims,
    freshness, now, split_scopes,
};
use crate::authority::Endpoints;
use crate::cache::{AccessTokenQuery, TokenEvent};
use crate::credential::{ClientAuth, ClientCredential, SecretAuthMethod, github};
use crate::error::{Error, Result};
use crate::flow::{client_credentials, on_behalf_of};
use crate::secret::Assertion;

/// What to ask for in [`ConfidentialClient::acquire_token_for_client`].
#[derive(Debug, Clone, Default)]
pub struct ClientCredentialsParameters {
    /// The scopes; Entra wants exactly one `{resource}/.default`.
    pub scopes: Vec<String>,
    /// A claims challenge to satisfy; bypasses the cached token.
    pub claims: Option<String>,
    /// Skip the cached token and ask the identity provider.
    pub force_refresh: bool,
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
}

/// An application with a credential of its own.
#[derive(Debug)]
pub struct ConfidentialClient {
    app: ClientApplication,
    credential: ClientCredential,
    secret_auth_method: Option<SecretAuthMethod>,
}

impl ConfidentialClient {
    /// A confidential client.
    pub fn new(app: ClientApplication, credential: ClientCredential) -> Self {
        Self {
            app,
            credential,
            secret_auth_method: None,
        }
    }

    /// Sends a client secret the way `method` says (`client_secret_basic` or
    /// `client_secret_post`); `None`, the default, chooses from the provider's discovery document
    /// ([`SecretAuthMethod::choose`]). No effect on other credentials.
    pub fn with_secret_auth_method(mut self, method: Option<SecretAuthMethod>) -> Self {
        self.secret_auth_method = method;
        self
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
        if params.scopes.is_empty() {
            return Err(Error::InvalidArgument(
                "no scope given; client credentials need one `{resource}/.default` scope".into(),
            ));
        }
        let config = self.app.config();
        let snapshot = self.app.check_cache(&self.app.filter(&params.scopes))?;
        let endpoints = self.app.endpoints().await?;
        let realm = self.app.realm(&endpoints);
        let now = now();

        let mut fallback = None;
        if let Some(snapshot) =
            snapshot.filter(|_| !params.force_refresh && params.claims.is_none())
        {
            let query = AccessTokenQuery {
                client_id: &config.client_id,
                issuer: self.app.issuer(),
                realm: &realm,
                home_account_id: None,
                scopes: &params.scopes,
            };
            if let Some(entry) = snapshot.find_access_token(&query, now) {
                match freshness(entry, now, MIN_VALIDITY_SECS) {
                    Freshness::Fresh => {
                        log::info!("serving the access token from the cache");
                        return Ok(AuthenticationResult::from_cache(entry));
                    }
                    Freshness::RefreshDue => {
                        fallback = Some(AuthenticationResult::from_cache(entry))
                    }
                    Freshness::Stale => {}
                }
            }
        }

        let token_url = endpoints.token_url()?;
        let result = async {
            let auth = self
                .client_auth(&endpoints, token_url.as_str(), now)
                .await?;
            let request = client_credentials::build_request(
                &token_url,
                &config.client_id,
                &params.scopes,
                params.claims.as_deref(),
                &auth,
            );
            self.app.request_token(&request).await
        }
        .await;
        let response = match (result, fallback) {
            (Ok(response), _) => response,
            (Err(e), Some(old)) if !matches!(e, Error::OAuth(_)) => {
                log::warn!("refreshing the token failed ({e}); using the cached one, still valid");
                return Ok(old);
            }
            (Err(e), _) => return Err(e),
        };

        let scopes = response
            .scope
            .as_deref()
            .map(split_scopes)
            .unwrap_or_else(|| params.scopes.clone());
        self.app.save(|cache| {
            cache.add(
                &TokenEvent {
                    client_id: &config.client_id,
                    issuer: self.app.issuer(),
                    realm: &realm,
                    scopes: &scopes,
                    grant_type: client_credentials::GRANT_TYPE,
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
        Ok(AuthenticationResult::from_response(
            &response, scopes, realm, now,
        ))
    }

    /// A downstream token for the user behind `user_assertion` (MSAL's
    /// `acquire_token_on_behalf_of`). Unlike MSAL Python, a repeated exchange with the same
    /// assertion and scopes is served from the cache while the token is valid; the cache keys
    /// these tokens by a hash of the assertion, so another assertion never gets them.
    pub async fn acquire_token_on_behalf_of(
        &self,
        params: &OnBehalfOfParameters,
    ) -> Result<AuthenticationResult> {
        if params.scopes.is_empty() {
            return Err(Error::InvalidArgument(
                "no scope given for the downstream API".into(),
            ));
        }
        let config = self.app.config();
        let scopes = resource_scopes(&params.scopes);
        let snapshot = self.app.check_cache(&self.app.filter(&scopes))?;
        let endpoints = self.app.endpoints().await?;
        let realm = self.app.realm(&endpoints);
        let hash = on_behalf_of::assertion_hash(&params.user_assertion);
        let now = now();

        if let Some(snapshot) =
            snapshot.filter(|_| !params.force_refresh && params.claims.is_none())
        {
            let query = AccessTokenQuery {
                client_id: &config.client_id,
                issuer: self.app.issuer(),
                realm: &realm,
                home_account_id: None,
                scopes: &scopes,
            };
            if let Some(entry) = snapshot.find_access_token_on_behalf_of(&query, &hash, now)
                && freshness(entry, now, MIN_VALIDITY_SECS) == Freshness::Fresh
            {
                log::info!("serving the on-behalf-of token from the cache");
                return Ok(AuthenticationResult::from_cache(entry));
            }
        }

        let token_url = endpoints.token_url()?;
        let auth = self
            .client_auth(&endpoints, token_url.as_str(), now)
            .await?;
        let request = on_behalf_of::build_request(
            &token_url,
            &config.client_id,
            &params.user_assertion,
            &decorate_scopes(&scopes),
            config.authority.is_entra_family(),
            params.claims.as_deref(),
            &auth,
        );
        let response = self.app.request_token(&request).await?;
        let claims = checked_id_token_claims(&response, &endpoints, &config.client_id)?;
        let granted = resource_scopes(
            &response
                .scope
                .as_deref()
                .map(split_scopes)
                .unwrap_or_else(|| scopes.clone()),
        );
        // Keyed by the user the answer names or, when it names none, by the assertion: never
        // as the app's own token, which has no account.
        let home_account_id = response
            .home_account_id(claims.as_ref())
            .unwrap_or_else(|| hash.clone());
        self.app.save(|cache| {
            let event = TokenEvent {
                client_id: &config.client_id,
                issuer: self.app.issuer(),
                realm: &realm,
                scopes: &granted,
                grant_type: on_behalf_of::GRANT_TYPE,
                response: &response,
                home_account_id: Some(&home_account_id),
                id_token_claims: claims.as_ref(),
                username_hint: None,
                user_assertion_hash: Some(&hash),
            };
            cache.add(&event, now);
            cache.remove_expired_access_tokens(now);
        });
        Ok(AuthenticationResult::from_response(
            &response, granted, realm, now,
        ))
    }

    /// How the client proves itself for a request to `audience` (the token endpoint of
    /// `endpoints`, whose discovery document also decides how a secret is sent).
    async fn client_auth(
        &self,
        endpoints: &Endpoints,
        audience: &str,
        now: u64,
    ) -> Result<ClientAuth> {
        let config = self.app.config();
        match &self.credential {
            ClientCredential::GitHubActions(oidc) => {
                let request = github::token_request(oidc, github::DEFAULT_AUDIENCE)?;
                let response = self.app.http()?.send(&request).await?;
                Ok(ClientAuth::Assertion(github::parse_token_response(
                    &response,
                )?))
            }
            ClientCredential::Secret(_) => {
                let method = SecretAuthMethod::choose(
                    self.secret_auth_method,
                    endpoints.token_endpoint_auth_methods_supported.as_deref(),
                    config.authority.is_entra_family(),
                );
                log::debug!("sending the client secret with {}", method.name());
                let auth = self
                    .credential
                    .client_auth(&config.client_id, audience, now)?;
                Ok(auth.with_secret_method(method))
            }
            other => Ok(other.client_auth(&config.client_id, audience, now)?),
        }
    }
}

//! Where `msal serve` gets its tokens: the signed-in user's (the silent path, so `msal serve` and
//! `msal silent` answer from the same cache entries), the application's own, or the host's
//! managed identity relayed.

use std::time::Duration;

use super::protocol::default_scope;
use crate::app::{
    AccountSelector, AuthenticationResult, ClientCredentialsParameters, ConfidentialClient,
    MIN_VALIDITY_SECS, ManagedIdentityClient, ManagedIdentityParameters, PublicClient,
    SilentParameters,
};
use crate::error::Result;
use crate::http::BoxFuture;
use crate::managed_identity::ManagedIdentity;

/// A source of tokens for a resource.
pub trait TokenProvider: Send + Sync + 'static {
    /// The application id answers name (`client_id`).
    fn client_id(&self) -> &str;

    /// A token for `resource` (for Entra, the scope [`default_scope`] of it), from the cache
    /// while it has more than [`MIN_VALIDITY_SECS`] left, else a fresh one.
    fn token<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<AuthenticationResult>>;
}

/// The signed-in user's tokens: [`PublicClient::acquire_token_silent`] for the account chosen
/// as `msal silent` chooses it.
#[derive(Debug)]
pub struct UserTokens {
    client: PublicClient,
    account: Option<AccountSelector>,
}

impl UserTokens {
    /// Serves `account` (or the one `silent` would pick) through `client`.
    pub fn new(client: PublicClient, account: Option<AccountSelector>) -> Self {
        Self { client, account }
    }
}

impl TokenProvider for UserTokens {
    fn client_id(&self) -> &str {
        &self.client.app().config().client_id
    }

    fn token<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<AuthenticationResult>> {
        Box::pin(async move {
            let params = SilentParameters {
                scopes: vec![default_scope(resource)],
                account: self.account.clone(),
                force_refresh: false,
                claims: None,
                min_validity: Duration::from_secs(MIN_VALIDITY_SECS),
            };
            self.client.acquire_token_silent(&params).await
        })
    }
}

/// The application's own tokens: [`ConfidentialClient::acquire_token_for_client`].
#[derive(Debug)]
pub struct AppTokens {
    client: ConfidentialClient,
}

impl AppTokens {
    /// Serves `client`'s own tokens.
    pub fn new(client: ConfidentialClient) -> Self {
        Self { client }
    }
}

impl TokenProvider for AppTokens {
    fn client_id(&self) -> &str {
        &self.client.app().config().client_id
    }

    fn token<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<AuthenticationResult>> {
        Box::pin(async move {
            let params = ClientCredentialsParameters {
                scopes: vec![default_scope(resource)],
                claims: None,
                force_refresh: false,
            };
            self.client.acquire_token_for_client(&params).await
        })
    }
}

/// The host's managed identity, relayed: [`ManagedIdentityClient::acquire_token_for_client`]
/// (cached as MSAL Python caches it), for a program that cannot reach the platform's endpoint
/// itself (a container, another user) or should not hold its secret.
#[derive(Debug)]
pub struct ManagedIdentityTokens {
    client: ManagedIdentityClient,
    client_id: String,
}

impl ManagedIdentityTokens {
    /// Relays `client`'s identity; answers name its client id when it is a user-assigned one
    /// chosen by client id, and nothing for the others (as the platform's own endpoint leaves
    /// the caller to know it).
    pub fn new(client: ManagedIdentityClient) -> Self {
        let client_id = match &client.config().identity {
            ManagedIdentity::ClientId(id) => id.clone(),
            _ => String::new(),
        };
        Self { client, client_id }
    }
}

impl TokenProvider for ManagedIdentityTokens {
    fn client_id(&self) -> &str {
        &self.client_id
    }

    fn token<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<AuthenticationResult>> {
        Box::pin(async move {
            let params = ManagedIdentityParameters {
                resource: resource.to_owned(),
                claims: None,
                force_refresh: false,
            };
            self.client.acquire_token_for_client(&params).await
        })
    }
}

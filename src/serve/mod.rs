//! `msal serve`: the App Service managed-identity protocol on loopback, answered from msal's
//! token cache, so that every Azure SDK's `ManagedIdentityCredential` (and
//! `DefaultAzureCredential`) gets the signed-in user's tokens, or an application's, without a
//! secret of its own.
//!
//! [`protocol`] decides what a request asks for and shapes the answers (pure functions);
//! [`Server`] listens on 127.0.0.1 and runs the connections; [`TokenProvider`]s get the tokens
//! through the same app-layer paths as `msal silent` and `msal client-credentials`;
//! [`child_environment`] prepares a program's environment to use the endpoint.

mod environment;
pub mod protocol;
mod server;
mod source;

pub use environment::{ChildEnvironment, OTHER_SOURCES, child_environment};
pub use protocol::{IdentityHeader, Policy};
pub use server::{ServeError, Server};
pub use source::{AppTokens, ManagedIdentityTokens, TokenProvider, UserTokens};

#[cfg(test)]
mod tests;

//! `msal`: acquire OAuth 2.0 / OpenID Connect tokens from Microsoft Entra ID and any standard
//! OpenID Connect provider, with a token cache MSAL Python can read.
//!
//! The library does no printing and never exits the process; the `msal` binary is a thin
//! command-line layer over it. Warnings (a corrupt cache moved aside, permissions tightened) go
//! through the `log` facade.
//!
//! Where to start: [`app`] holds the client applications (`PublicClient`, `ConfidentialClient`)
//! and their `acquire_token_*` methods, named after MSAL Python's. They build on [`authority`]
//! (which provider, where its endpoints are), [`flow`] (each grant's requests and responses as
//! pure functions), [`http`] (the values those functions build and the client that sends them),
//! [`credential`] (how a confidential client proves itself), [`cache`] (MSAL's token cache, in
//! memory and on disk) and [`secret_store`] (the OS keyring). [`secret`] wraps every secret in a
//! type that redacts and zeroizes it; [`text`] makes what servers and files say safe to show;
//! [`input_file`] reads the files a user names; [`token`] is what a token endpoint returns.
//! Every fallible call returns [`Error`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `Error` carries the server's whole error answer (codes, ids, claims) for the user; errors are
// rare, so boxing it would cost readability and buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod authority;
pub mod cache;
pub mod credential;
mod error;
pub mod flow;
pub mod http;
pub mod input_file;
pub mod kubeconfig;
pub mod managed_identity;
pub(crate) mod private_file;
pub mod secret;
pub mod secret_store;
pub mod serve;
pub mod text;
pub mod token;

pub use error::{Endpoint, Error, Result, ServerError};

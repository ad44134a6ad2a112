//! `msal`: acquire OAuth 2.0 / OpenID Connect tokens from Microsoft Entra ID and any standard
//! OpenID Connect provider, with a token cache MSAL Python can read.
//!
//! The library does no printing and never exits the process; the `msal` binary is a thin
//! command-line layer over it. Warnings (a corrupt cache moved aside, permissions tightened) go
//! through the `log` facade.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `Error` carries the server's whole error answer (codes, ids, claims) for the user; errors are
// rare, so boxing it would cost readability and buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod authority;
pub mod cache;
pub mod credential;
pub mod error;
pub mod flow;
pub mod http;
pub mod input_file;
pub mod private_file;
pub mod secret;
pub mod secret_store;
pub mod serve;
pub mod text;
pub mod token;

pub use error::{Error, Result, ServerError};

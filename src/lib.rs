//! `msal`: acquire OAuth 2.0 / OpenID Connect tokens from Microsoft Entra ID and any standard
//! OpenID Connect provider, with a token cache MSAL Python can read.
//!
//! The library does no printing and never exits the process; the `msal` binary is a thin
//! command-line layer over it. Warnings (a corrupt cache moved aside, permissions tightened) go
//! through the `log` facade.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod authority;
pub mod cache;
pub mod credential;
pub mod error;
pub mod flow;
pub mod http;
pub mod secret;
pub mod token;

pub use error::{Error, Result, ServerError};

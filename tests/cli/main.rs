//! End-to-end tests of the `msal` binary against an in-process, Entra-shaped test identity
//! provider (`support::idp`), plus self-tests of that identity provider.
//!
//! One test binary (`cargo test --test cli`).

// Tests fail by panicking, and the harness prints stderr of failed runs on purpose (never stdout,
// which carries tokens): the crate-wide lints that forbid this in product code do not apply here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod support;

mod client_credentials;
mod completions;
mod idp_selftest;
mod keyring;
mod properties;
mod resilience;

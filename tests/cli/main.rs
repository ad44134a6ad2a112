//! End-to-end tests of the `msal` binary against an in-process, Entra-shaped test identity
//! provider (`support::idp`), plus self-tests of that identity provider.
//!
//! One test binary (`cargo test --test cli`). The `msal login` tests play the browser with
//! `tests/cli/fake_browser.py` (set as `$BROWSER`), so they need `python3` on `PATH`; the
//! `interop` tests also need MSAL Python in it (`.venv/`, see `support/python.rs`).

// Tests fail by panicking, and the harness prints stderr of failed runs on purpose (never stdout,
// which carries tokens): the crate-wide lints that forbid this in product code do not apply here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod support;

mod accounts_logout;
mod active_account;
mod client_credentials;
mod completions;
mod concurrency;
mod config;
mod device_code;
mod files;
mod hostile;
mod idp_selftest;
mod idp_user_selftest;
mod interop;
mod keyring;
mod kubeconfig;
mod login;
mod managed_identity;
mod min_validity;
mod obo;
mod oidc;
mod properties;
mod recipes;
mod resilience;
mod secrets;
mod shared_cache;
mod silent;
mod status;
mod tenant;
mod terminal;
mod token_identity;

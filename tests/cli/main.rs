//! End-to-end tests of the `msal` binary: the real binary, real HTTP exchanges with identity
//! providers on 127.0.0.1, real files. One test binary (`cargo test --test cli`), one module for
//! each thing a user does or relies on:
//!
//! - the commands: `login`, `device_code`, `client_credentials`, `obo`, `silent`,
//!   `accounts_logout`, `config` (profiles and `msal doctor`), `help` (`--help`, `--version`,
//!   usage errors), `completions`;
//! - what the commands share: `output` (`-o`), `authority`, `cache`, `keyring`, `terminal`;
//! - trust: `secrets` (no secret on screen or in logs), `token_identity` (never the wrong token),
//!   `hostile` (a hostile identity provider), `files` (hostile file systems), `resilience`
//!   (crashes, locks, broken servers), `concurrency`, `properties` (fuzzing);
//! - other clients and providers: `interop` (MSAL Python), `shared_cache` (msal-extensions),
//!   `oidc` (a certified OpenID provider), `recipes` (the README's commands).
//!
//! `support/` is the harness: `TestEnv` and the builder that runs `msal` (`mod.rs`), the
//! Entra-shaped test identity provider (`idp/`, with its own tests in `idp/tests/`), the shared
//! fixtures for applications (`fixture.rs`) and users (`users.rs`), and helpers for
//! certificates, HTTP, a browser, Python peers and `oidc-provider`.
//!
//! The `msal login` tests play the browser with `tests/cli/fake_browser.py` (set as `$BROWSER`),
//! so they need `python3` on `PATH`; the `interop` tests also need MSAL Python in it (`.venv/`,
//! see `support/python.rs`).

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
mod authority;
mod cache;
mod client_credentials;
mod completions;
mod concurrency;
mod confidential_sign_in;
mod config;
mod device_code;
mod files;
mod help;
mod help_text;
mod hostile;
mod interop;
mod json_shapes;
mod keyring;
mod kubeconfig;
mod login;
mod managed_identity;
mod min_validity;
mod obo;
mod offline_access;
mod oidc;
mod oidc_recipes;
mod output;
mod private_key_jwt;
mod properties;
mod provider_words;
mod readme_setup;
mod recipes;
mod redirect_uri;
mod resilience;
mod secrets;
mod serve;
mod shared_cache;
mod silent;
mod status;
mod tenant;
mod terminal;
mod token_exchange;
mod token_identity;

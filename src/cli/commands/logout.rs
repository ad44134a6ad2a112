//! `msal logout`: remove an account's tokens from the cache.

use clap::Args;

use super::super::Context;

/// Arguments of `msal logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The account's username
    #[arg(long, value_name = "USERNAME", conflicts_with_all = ["account", "all"])]
    pub username: Option<String>,
    /// The account's home account id
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    pub account: Option<String>,
    /// Every account
    #[arg(long)]
    pub all: bool,
}

/// Runs `msal logout`.
pub async fn run(_args: LogoutArgs, _context: &Context) -> anyhow::Result<()> {
    Err(super::not_yet("logout"))
}

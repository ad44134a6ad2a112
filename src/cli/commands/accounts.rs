//! `msal accounts`: the accounts in the token cache.

use clap::Args;

use super::super::Context;

/// Arguments of `msal accounts`.
#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Only accounts with this username
    #[arg(long, value_name = "USERNAME")]
    pub username: Option<String>,
}

/// Runs `msal accounts`.
pub async fn run(_args: AccountsArgs, _context: &Context) -> anyhow::Result<()> {
    Err(super::not_yet("accounts"))
}

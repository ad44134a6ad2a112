//! `msal silent`: a user's token from the cache, refreshed when needed, never interactive.

use clap::Args;

use super::super::Context;

/// Arguments of `msal silent`.
#[derive(Debug, Args)]
pub struct SilentArgs {
    /// Scope to request (repeatable)
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Pick the account by username (needed only when the cache holds several)
    #[arg(long, value_name = "USERNAME", conflicts_with = "account")]
    pub username: Option<String>,
    /// Pick the account by home account id
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Refresh even if the cached access token is valid
    #[arg(long)]
    pub force_refresh: bool,
    /// A claims challenge (JSON) to satisfy; bypasses the cached access token
    #[arg(long, value_name = "JSON")]
    pub claims: Option<String>,
    /// Refresh when less than this is left, e.g. 10m, 1h, 600 (seconds) [default: 5m]
    #[arg(long, value_name = "DURATION")]
    pub min_validity: Option<String>,
}

/// Runs `msal silent`.
pub async fn run(_args: SilentArgs, _context: &Context) -> anyhow::Result<()> {
    Err(super::not_yet("silent"))
}

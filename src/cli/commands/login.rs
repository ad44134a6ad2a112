//! `msal login`: interactive sign-in (authorization code + PKCE on a loopback redirect), plus
//! the legacy username/password and refresh-token import.

use std::path::PathBuf;

use clap::Args;

use super::super::Context;

/// Arguments of `msal login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Scope to request (repeatable); `openid profile offline_access` are always added
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Scopes of other resources to consent to now, without a token for them
    #[arg(long, value_name = "SCOPE")]
    pub extra_scope: Vec<String>,
    /// Print the sign-in URL instead of opening a browser; paste the final URL on stdin
    #[arg(long)]
    pub no_browser: bool,
    /// Loopback port for the redirect (default: any free port)
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Pre-fill the username on the sign-in page
    #[arg(long, value_name = "USERNAME")]
    pub login_hint: Option<String>,
    /// Skip home-realm discovery: `consumers`, `organizations` or a federated domain
    #[arg(long, value_name = "DOMAIN")]
    pub domain_hint: Option<String>,
    /// `select_account`, `login`, `consent` or `none`
    #[arg(long, value_name = "PROMPT")]
    pub prompt: Option<String>,
    /// A claims challenge (JSON) to satisfy
    #[arg(long, value_name = "JSON")]
    pub claims: Option<String>,
    /// Legacy: sign in with this username and a password read from stdin (no MFA; avoid)
    #[arg(long, value_name = "USERNAME", requires = "password_stdin")]
    pub username: Option<String>,
    /// Legacy: read the password for --username from stdin
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Legacy: import a refresh token from FILE into the cache
    #[arg(long, value_name = "FILE")]
    pub refresh_token_file: Option<PathBuf>,
}

/// Runs `msal login`.
pub async fn run(_args: LoginArgs, _context: &Context) -> anyhow::Result<()> {
    Err(super::not_yet("login"))
}

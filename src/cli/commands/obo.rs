//! `msal obo`: the on-behalf-of exchange of a user's token for a downstream API's token.

use std::path::PathBuf;

use clap::Args;

use super::super::Context;
use super::super::args::CredentialArgs;

/// Arguments of `msal obo`.
#[derive(Debug, Args)]
pub struct OboArgs {
    /// Scope of the downstream API (repeatable)
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The incoming user token, from FILE or stdin with `-`
    #[arg(long, value_name = "FILE")]
    pub assertion_file: Option<PathBuf>,
    /// How the application proves its identity.
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// Runs `msal obo`.
pub async fn run(_args: OboArgs, _context: &Context) -> anyhow::Result<()> {
    Err(super::not_yet("obo"))
}

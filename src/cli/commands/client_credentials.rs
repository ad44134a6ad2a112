//! `msal client-credentials`: an application's own token (MSAL's `acquire_token_for_client`).

use clap::Args;
use msal::app::ClientCredentialsParameters;

use super::confidential::{self, Confidential};
use crate::cli::Context;
use crate::cli::args::CredentialArgs;
use crate::cli::exit::UsageError;
use crate::cli::keyring::forget_secret;

/// Arguments of `msal client-credentials`.
#[derive(Debug, Args)]
pub struct ClientCredentialsArgs {
    /// Scope to request; Entra wants one `<resource>/.default`, e.g. https://graph.microsoft.com/.default
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,

    /// Ask the identity provider even if the cache holds a valid token
    #[arg(long)]
    pub force_refresh: bool,

    /// A claims challenge (JSON) to satisfy; implies --force-refresh
    #[arg(long, value_name = "JSON")]
    pub claims: Option<String>,

    /// Neither read nor write the token cache
    #[arg(long)]
    pub no_cache: bool,

    /// How the application proves its identity.
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// Runs `msal client-credentials`.
pub async fn run(args: ClientCredentialsArgs, context: &Context) -> anyhow::Result<()> {
    let settings = &context.settings;
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    let scopes = settings.scopes(&args.scopes);
    if scopes.is_empty() {
        return Err(UsageError("no scope: pass --scope <resource>/.default".into()).into());
    }
    super::check_claims(args.claims.as_deref())?;
    let Confidential { client, saved } = confidential::client(
        context,
        &args.credential,
        args.no_cache,
        "client credentials",
    )?;
    let params = ClientCredentialsParameters {
        scopes,
        claims: args.claims,
        // A credential is saved only once the identity provider has accepted it, which a token
        // served from the cache does not show.
        force_refresh: args.force_refresh || saved.saving(),
    };
    let result = client.acquire_token_for_client(&params).await?;
    saved.commit(&result)?;
    context.printer.token(&result)?;
    Ok(())
}

//! `msal obo`: the on-behalf-of exchange of a user's token for a downstream API's token.

use std::path::{Path, PathBuf};

use clap::Args;
use msal::app::OnBehalfOfParameters;
use msal::secret::Assertion;

use super::confidential::{self, Confidential};
use crate::cli::Context;
use crate::cli::args::CredentialArgs;
use crate::cli::exit::UsageError;
use crate::cli::keyring::forget_secret;
use crate::cli::settings::read_secret;

/// Arguments of `msal obo`.
#[derive(Debug, Args)]
pub struct OboArgs {
    /// Scope of the downstream API (repeatable)
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The incoming user token, from FILE or stdin with `-`
    #[arg(long, value_name = "FILE")]
    pub assertion_file: Option<PathBuf>,
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

/// Runs `msal obo`.
pub async fn run(args: OboArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    let scopes = context.settings.scopes(&args.scopes);
    if scopes.is_empty() {
        return Err(UsageError("no scope: pass --scope for the downstream API, e.g. https://graph.microsoft.com/.default".into()).into());
    }
    let Some(assertion_file) = &args.assertion_file else {
        return Err(UsageError(
            "pass the incoming user token with --assertion-file FILE (or - for stdin)".into(),
        )
        .into());
    };
    let stdin = Path::new("-");
    if assertion_file == stdin
        && (args.credential.client_secret_file.as_deref() == Some(stdin)
            || args.credential.certificate_password_file.as_deref() == Some(stdin))
    {
        return Err(UsageError("only one input can be read from stdin".into()).into());
    }
    super::check_claims(args.claims.as_deref())?;
    let user_assertion = Assertion::new(read_secret(assertion_file, "user assertion")?);
    let Confidential { client, saved } = confidential::client(
        context,
        &args.credential,
        args.no_cache,
        "on-behalf-of tokens",
    )?;
    let params = OnBehalfOfParameters {
        user_assertion,
        scopes,
        claims: args.claims,
        // As for client credentials: the credential to save must meet the identity provider.
        force_refresh: args.force_refresh || saved.saving(),
    };
    let result = client.acquire_token_on_behalf_of(&params).await?;
    saved.commit(&result)?;
    context.printer.token(&result)?;
    Ok(())
}

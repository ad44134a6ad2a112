//! `msal obo`: the on-behalf-of exchange of a user's token for a downstream API's token.

use std::path::PathBuf;

use clap::Args;
use msal::app::OnBehalfOfParameters;
use msal::secret::Assertion;

use crate::cli::Context;
use crate::cli::args::{CredentialArgs, NoCacheArgs, TokenArgs};
use crate::cli::commands::confidential::{self, Confidential};
use crate::cli::credential::{check_stdin, read_secret};
use crate::cli::exit::UsageError;
use crate::cli::keyring::forget_secret;

/// Arguments of `msal obo`.
#[derive(Debug, Args)]
#[command(mut_arg("scopes", |a| a.help("Scope of the downstream API (repeatable)")))]
pub struct OboArgs {
    /// The token asked for.
    #[command(flatten)]
    pub token: TokenArgs,

    /// The incoming user token, from FILE or stdin with `-`
    #[arg(long, value_name = "FILE")]
    pub assertion_file: Option<PathBuf>,

    /// Whether the cache is used.
    #[command(flatten)]
    pub cache: NoCacheArgs,

    /// How the application proves its identity.
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// Runs `msal obo`.
pub async fn run(args: OboArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    let scopes = super::required_scopes(
        &context.settings,
        args.token.resource.as_deref(),
        &args.token.scopes,
        " for the downstream API, e.g. https://graph.microsoft.com/.default",
    )?;
    let Some(assertion_file) = &args.assertion_file else {
        return Err(UsageError(
            "pass the incoming user token with --assertion-file FILE (or - for stdin)".into(),
        )
        .into());
    };
    check_stdin(
        args.credential
            .stdin_inputs()
            .into_iter()
            .chain([("--assertion-file", Some(assertion_file.as_path()))]),
    )?;
    super::check_claims(args.token.claims.as_deref())?;
    let user_assertion = Assertion::new(read_secret(assertion_file, "user assertion")?);
    let Confidential { client, save } = confidential::client(
        context,
        &args.credential,
        args.cache.no_cache,
        "on-behalf-of tokens",
    )?;
    let params = OnBehalfOfParameters {
        user_assertion,
        scopes,
        claims: args.token.claims,
        // As for client credentials: the credential to save must meet the identity provider.
        force_refresh: args.token.force_refresh || save.is_some(),
        exchange: Default::default(),
    };
    let result = client.acquire_token_on_behalf_of(&params).await?;
    if let Some(save) = save {
        save.commit(&result)?;
    }
    context.printer.token(&result)?;
    Ok(())
}

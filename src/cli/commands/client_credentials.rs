//! `msal client-credentials`: an application's own token (MSAL's `acquire_token_for_client`).

use clap::Args;
use msal::app::ClientCredentialsParameters;

use crate::cli::Context;
use crate::cli::args::{CredentialArgs, NoCacheArgs, TokenArgs};
use crate::cli::commands::confidential::{self, Confidential};
use crate::cli::keyring::forget_secret;

/// Arguments of `msal client-credentials`.
#[derive(Debug, Args)]
#[command(mut_arg("scopes", |a| a.help(
    "Scope to request; Entra wants one `<resource>/.default`, e.g. https://graph.microsoft.com/.default; other providers take any (or none, for the client's default scopes)"
)))]
pub struct ClientCredentialsArgs {
    /// The token asked for.
    #[command(flatten)]
    pub token: TokenArgs,

    /// Whether the cache is used.
    #[command(flatten)]
    pub cache: NoCacheArgs,

    /// How the application proves its identity.
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// Runs `msal client-credentials`.
pub async fn run(args: ClientCredentialsArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    // Other providers grant the client's default scopes when none is asked for (RFC 6749
    // §4.4.2); Entra ID needs its `<resource>/.default`.
    let scopes = if context.settings.authority.is_entra_family() || args.token.resource.is_some() {
        super::required_scopes(
            &context.settings,
            args.token.resource.as_deref(),
            &args.token.scopes,
            " <resource>/.default",
        )?
    } else {
        context.settings.scopes(&args.token.scopes)
    };
    super::check_claims(args.token.claims.as_deref())?;
    let Confidential { client, save } = confidential::client(
        context,
        &args.credential,
        args.cache.no_cache,
        "client credentials",
    )?;
    let params = ClientCredentialsParameters {
        scopes,
        claims: args.token.claims,
        // A credential is saved only once the identity provider has accepted it, which a token
        // served from the cache does not show.
        force_refresh: args.token.force_refresh || save.is_some(),
    };
    let result = client.acquire_token_for_client(&params).await?;
    if let Some(save) = save {
        save.commit(&result)?;
    }
    context.printer.token(&result)?;
    Ok(())
}

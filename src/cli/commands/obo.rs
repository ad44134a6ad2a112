//! `msal obo`: the on-behalf-of exchange of a user's token for a downstream API's token.

use std::path::{Path, PathBuf};

use clap::Args;
use msal::app::{ClientApplication, ConfidentialClient, OnBehalfOfParameters};
use msal::secret::Assertion;

use super::super::Context;
use super::super::args::CredentialArgs;
use super::super::exit::UsageError;
use super::super::keyring::{SavedSecrets, forget_secret};
use super::super::settings::{read_secret, resolve_credential};

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
    let settings = &context.settings;
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
    if !settings.authority_given {
        return Err(UsageError(
            "on-behalf-of needs the API's tenant: pass --tenant or --authority, or set AZURE_TENANT_ID".into(),
        )
        .into());
    }
    if let Some(claims) = &args.claims {
        serde_json::from_str::<serde_json::Value>(claims)
            .map_err(|e| UsageError(format!("--claims is not JSON: {e}")))?;
    }
    let client_id = settings.required_client_id()?;
    let user_assertion = Assertion::new(read_secret(assertion_file, "user assertion")?);
    let saved = SavedSecrets::new(context, &args.credential.keyring, &client_id);
    let credential = resolve_credential(
        &args.credential,
        &context.env,
        &settings.config.profile,
        &saved,
    )?;
    saved.check(&credential)?;
    let app = ClientApplication::new(settings.client_config(client_id, !args.no_cache));
    let client = ConfidentialClient::new(app, credential)
        .with_secret_auth_method(args.credential.client_auth_method.map(Into::into));
    let params = OnBehalfOfParameters {
        user_assertion,
        scopes,
        claims: args.claims,
        force_refresh: args.force_refresh,
    };
    let result = client.acquire_token_on_behalf_of(&params).await?;
    saved.commit()?;
    context.printer.token(&result)?;
    Ok(())
}

//! `msal client-credentials`: an application's own token (MSAL's `acquire_token_for_client`).

use clap::Args;
use msal::app::{ClientApplication, ClientCredentialsParameters, ConfidentialClient};

use super::super::Context;
use super::super::args::CredentialArgs;
use super::super::exit::UsageError;
use super::super::keyring::{SavedSecrets, forget_secret};
use super::super::settings::resolve_credential;

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
    if !settings.authority_given {
        return Err(UsageError(
            "client credentials need the application's tenant: pass --tenant or --authority, or set AZURE_TENANT_ID".into(),
        )
        .into());
    }
    if let Some(claims) = &args.claims {
        serde_json::from_str::<serde_json::Value>(claims)
            .map_err(|e| UsageError(format!("--claims is not JSON: {e}")))?;
    }
    let client_id = settings.required_client_id()?;
    let saved = SavedSecrets::new(context, &args.credential.keyring, &client_id);
    let credential = resolve_credential(
        &args.credential,
        &context.env,
        &settings.config.profile,
        &saved,
    )?;
    saved.check(&credential)?;
    log::info!(
        "authenticating as {client_id} with {}",
        credential.describe()
    );
    let app = ClientApplication::new(settings.client_config(client_id, !args.no_cache));
    let client = ConfidentialClient::new(app, credential)
        .with_secret_auth_method(args.credential.client_auth_method.map(Into::into));
    let params = ClientCredentialsParameters {
        scopes,
        claims: args.claims,
        force_refresh: args.force_refresh,
    };
    let result = client.acquire_token_for_client(&params).await?;
    saved.commit()?;
    context.printer.token(&result)?;
    Ok(())
}

//! `msal managed-identity`: a token of the platform's managed identity (MSAL Python's
//! `ManagedIdentityClient.acquire_token_for_client`).

use clap::Args;
use msal::app::{ManagedIdentityClient, ManagedIdentityConfig, ManagedIdentityParameters};

use super::super::Context;
use super::super::args::IdentityArgs;
use super::super::env;
use super::super::exit::UsageError;
use super::super::settings::{arc_key_dir, detect_source, managed_identity};

/// What `--scope` must end with: a managed identity's token is for a whole resource.
const DEFAULT_SUFFIX: &str = "/.default";

/// Arguments of `msal managed-identity`.
#[derive(Debug, Args)]
#[command(
    after_help = "The source is detected from the variables the platform sets \
    (`msal doctor` shows which one and why): Service Fabric, App Service / Functions, Azure \
    Machine Learning, Azure Arc, Cloud Shell, else the Azure VM's IMDS. Tokens are cached \
    where MSAL Python's ManagedIdentityClient finds them, and the other way round.

Examples:
  msal managed-identity --scope https://management.azure.com/.default
  msal managed-identity --resource https://vault.azure.net --mi-client-id $ID -o header"
)]
pub struct ManagedIdentityArgs {
    /// The scope, `<resource>/.default`, e.g. https://management.azure.com/.default
    #[arg(
        short,
        long = "scope",
        value_name = "SCOPE",
        conflicts_with = "resource"
    )]
    pub scopes: Vec<String>,

    /// The resource itself, e.g. https://management.azure.com
    #[arg(long, value_name = "RESOURCE")]
    pub resource: Option<String>,

    /// Ask the platform even if the cache holds a valid token
    #[arg(long)]
    pub force_refresh: bool,

    /// A claims challenge (JSON) from a resource that revoked the token: get a new one
    #[arg(long, value_name = "JSON")]
    pub claims: Option<String>,

    /// Neither read nor write the token cache
    #[arg(long)]
    pub no_cache: bool,

    /// Which identity.
    #[command(flatten)]
    pub identity: IdentityArgs,
}

/// Runs `msal managed-identity`.
pub async fn run(args: ManagedIdentityArgs, context: &Context) -> anyhow::Result<()> {
    let settings = &context.settings;
    let resource = resource(&args, &settings.scopes(&args.scopes))?;
    super::check_claims(args.claims.as_deref())?;
    let identity = managed_identity(&args.identity, context.env.get(env::AZURE_CLIENT_ID));
    let detection = detect_source(&context.env)?;
    log::info!("using the {} managed identity", identity.describe());
    let client = ManagedIdentityClient::new(ManagedIdentityConfig {
        identity,
        source: detection.source,
        arc_key_dir: arc_key_dir(&context.env),
        http: settings.http_config(),
        token_cache: (!args.no_cache).then(|| settings.cache_file()),
    });
    let params = ManagedIdentityParameters {
        resource,
        claims: args.claims,
        force_refresh: args.force_refresh,
    };
    let result = client.acquire_token_for_client(&params).await?;
    context.printer.token(&result)?;
    Ok(())
}

/// The one resource asked for: `--resource`, or the one `--scope` ending in `/.default`.
fn resource(args: &ManagedIdentityArgs, scopes: &[String]) -> anyhow::Result<String> {
    if let Some(resource) = args.resource.as_deref().map(str::trim) {
        if resource.is_empty() || resource.contains(char::is_whitespace) {
            return Err(UsageError(
                "--resource takes one resource, e.g. https://management.azure.com".into(),
            )
            .into());
        }
        return Ok(resource.to_owned());
    }
    match scopes {
        [] => Err(UsageError(
            "no resource: pass --scope <resource>/.default or --resource <resource>".into(),
        )
        .into()),
        [scope] => match scope.strip_suffix(DEFAULT_SUFFIX) {
            Some(resource) if !resource.is_empty() => Ok(resource.to_owned()),
            _ => Err(UsageError(format!(
                "a managed identity's token is for a whole resource: pass --scope \
                 <resource>/.default (or --resource <resource>), not {scope:?}"
            ))
            .into()),
        },
        _ => Err(UsageError(
            "a managed identity's token is for one resource: pass one --scope".into(),
        )
        .into()),
    }
}

//! What `client-credentials` and `obo` share: a tenant, a client id, a credential
//! ([`crate::cli::credential`]), and the confidential client built from them.

use msal::app::{AssertionSettings, ClientApplication, ConfidentialClient, PublicClient};

use crate::cli::Context;
use crate::cli::args::CredentialArgs;
use crate::cli::credential;
use crate::cli::exit::UsageError;
use crate::cli::keyring::{SaveSecret, SavedCredentials};

/// A confidential client for this run, and the credential to keep with `--save-secret` once a
/// token has been had ([`SaveSecret::commit`]).
pub struct Confidential {
    /// The client.
    pub client: ConfidentialClient,
    /// What `--save-secret` keeps; `None` without it.
    pub save: Option<SaveSecret>,
}

/// Builds the confidential client; `needs_tenant` completes "… need the tenant" in the usage
/// error shown when no authority was chosen (an app-only or OBO token has no `organizations`).
pub fn client(
    context: &Context,
    credential_args: &CredentialArgs,
    no_cache: bool,
    needs_tenant: &str,
) -> anyhow::Result<Confidential> {
    let settings = &context.settings;
    if !settings.authority_given {
        return Err(UsageError(format!(
            "{needs_tenant} need the tenant: pass --tenant or --authority, or set AZURE_TENANT_ID"
        ))
        .into());
    }
    let client_id = settings.required_client_id()?;
    let saved = SavedCredentials::new(context, &client_id);
    let resolved = credential::resolve(
        credential_args,
        &context.env,
        &settings.config.profile,
        &saved,
    )?;
    let save = SaveSecret::plan(&credential_args.keyring, &saved, &resolved)?;
    log::info!(
        "authenticating as {client_id} with {}",
        resolved.credential.describe()
    );
    let app = ClientApplication::new(settings.client_config(client_id, !no_cache));
    let client = configure(
        ConfidentialClient::new(app, resolved.credential),
        credential_args,
        context,
    )?;
    Ok(Confidential { client, save })
}

/// The credential options beyond the credential itself: how a secret is sent and how an
/// assertion is made.
pub fn configure(
    client: ConfidentialClient,
    args: &CredentialArgs,
    context: &Context,
) -> anyhow::Result<ConfidentialClient> {
    Ok(client
        .with_secret_auth_method(args.client_auth_method.map(Into::into))
        .with_assertion_settings(assertion_settings(args, context)?))
}

/// [`configure`], for a client whose credential is loaded later.
pub fn configure_public(
    client: PublicClient,
    args: &CredentialArgs,
    context: &Context,
) -> anyhow::Result<PublicClient> {
    Ok(client
        .with_secret_auth_method(args.client_auth_method.map(Into::into))
        .with_assertion_settings(assertion_settings(args, context)?))
}

fn assertion_settings(
    args: &CredentialArgs,
    context: &Context,
) -> anyhow::Result<AssertionSettings> {
    credential::assertion_settings(args, &context.env, &context.settings.config.profile)
}

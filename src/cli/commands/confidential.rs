//! What `client-credentials` and `obo` share: a tenant, a client id, a credential (flags >
//! environment > profile > a saved one), and the confidential client built from them.

use msal::app::{ClientApplication, ConfidentialClient};

use crate::cli::Context;
use crate::cli::args::CredentialArgs;
use crate::cli::exit::UsageError;
use crate::cli::keyring::SavedSecrets;
use crate::cli::settings::resolve_credential;

/// A confidential client for this run, and the credential to keep with `--save-secret` once a
/// token has been had ([`SavedSecrets::commit`]).
pub struct Confidential<'a> {
    /// The client.
    pub client: ConfidentialClient,
    /// The saved-credential bookkeeping of this run.
    pub saved: SavedSecrets<'a>,
}

/// Builds the confidential client; `needs_tenant` completes "… need the tenant" in the usage
/// error shown when no authority was chosen (an app-only or OBO token has no `organizations`).
pub fn client<'a>(
    context: &'a Context,
    credential_args: &CredentialArgs,
    no_cache: bool,
    needs_tenant: &str,
) -> anyhow::Result<Confidential<'a>> {
    let settings = &context.settings;
    if !settings.authority_given {
        return Err(UsageError(format!(
            "{needs_tenant} need the tenant: pass --tenant or --authority, or set AZURE_TENANT_ID"
        ))
        .into());
    }
    let client_id = settings.required_client_id()?;
    let saved = SavedSecrets::new(context, &credential_args.keyring, &client_id);
    let credential = resolve_credential(
        credential_args,
        &context.env,
        &settings.config.profile,
        &saved,
    )?;
    saved.check(&credential)?;
    log::info!(
        "authenticating as {client_id} with {}",
        credential.describe()
    );
    let app = ClientApplication::new(settings.client_config(client_id, !no_cache));
    let client = ConfidentialClient::new(app, credential)
        .with_secret_auth_method(credential_args.client_auth_method.map(Into::into));
    Ok(Confidential { client, saved })
}

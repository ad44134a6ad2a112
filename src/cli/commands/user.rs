//! What the user sign-in commands share: building the public client and printing the result.

use std::io::IsTerminal as _;

use clap::Args;
use msal::app::{
    AuthenticationResult, ClientApplication, ConfidentialClient, OfflineAccess, PublicClient,
};
use msal::text::printable;

use super::confidential;
use crate::cli::Context;
use crate::cli::args::{CredentialArgs, OutputFormat};
use crate::cli::credential;
use crate::cli::env;
use crate::cli::exit::UsageError;
use crate::cli::keyring::{SaveSecret, SavedCredentials};
use crate::cli::settings::DEFAULT_PUBLIC_CLIENT_ID;
use crate::cli::status::status;

/// The public client for this run: `--client-id` or the Azure CLI's public client id.
pub fn public_client(context: &Context) -> PublicClient {
    let client_id = context
        .settings
        .client_id
        .clone()
        .unwrap_or_else(|| DEFAULT_PUBLIC_CLIENT_ID.to_owned());
    PublicClient::new(ClientApplication::new(
        context.settings.client_config(client_id, true),
    ))
}

/// `--no-offline-access`, for the commands that sign a user in or refresh.
#[derive(Debug, Args, Default)]
pub struct OfflineAccessArgs {
    /// Do not ask for offline_access (a refresh token) [env: MSAL_OFFLINE_ACCESS=false]
    /// [default: ask at Entra ID, and at other providers whose discovery document lists it or
    /// lists no scopes]
    #[arg(long)]
    pub no_offline_access: bool,
}

impl OfflineAccessArgs {
    /// The flag, else `MSAL_OFFLINE_ACCESS`, else the profile's `offline_access`.
    fn resolve(&self, context: &Context) -> OfflineAccess {
        let off = self.no_offline_access
            || context.env.flag(env::MSAL_OFFLINE_ACCESS).or(context
                .settings
                .config
                .profile
                .offline_access)
                == Some(false);
        if off {
            OfflineAccess::Never
        } else {
            OfflineAccess::Auto
        }
    }
}

/// The client that signs a user in, and what `--save-secret` keeps once it has.
pub struct UserClient {
    /// The client.
    pub client: PublicClient,
    /// What `--save-secret` keeps; `None` without it.
    pub save: Option<SaveSecret>,
}

/// The client of a user command. A confidential client's user sign-ins (MSAL Python's
/// `ConfidentialClientApplication`) when a credential option is given, or when the client id is
/// chosen and the environment (azure-identity's variables) or the profile names a credential;
/// otherwise a public client, which with a chosen client id still looks for a credential kept
/// with `--save-secret`, but only once a request needs one (a cached token needs none, and a
/// keyring lookup has a cost). The Azure CLI's public client, the default, never has one.
pub fn client(
    context: &Context,
    args: &CredentialArgs,
    offline: &OfflineAccessArgs,
) -> anyhow::Result<UserClient> {
    let mut built = client_for(context, args)?;
    built.client = built.client.with_offline_access(offline.resolve(context));
    Ok(built)
}

fn client_for(context: &Context, args: &CredentialArgs) -> anyhow::Result<UserClient> {
    let settings = &context.settings;
    let Some(client_id) = settings.client_id.clone() else {
        if credential::flag_given(args)? {
            return Err(UsageError(
                "a client credential belongs to an application: pass its --client-id".into(),
            )
            .into());
        }
        return Ok(UserClient {
            client: public_client(context),
            save: None,
        });
    };
    let saved = SavedCredentials::new(context, &client_id);
    let named = credential::named(args, &context.env, &settings.config.profile, &saved, true)?;
    let app = ClientApplication::new(settings.client_config(client_id, true));
    let Some(resolved) = named else {
        if args.keyring.save_secret {
            return Err(UsageError(
                "--save-secret needs a credential option or variable: this run found none".into(),
            )
            .into());
        }
        let send_chain = credential::send_chain_asked(args, &context.env);
        let client = confidential::configure_public(PublicClient::new(app), args, context)?
            .with_credential_loader(Box::new(move || {
                credential::saved_credential(&saved, send_chain)
            }));
        return Ok(UserClient { client, save: None });
    };
    let save = SaveSecret::plan(&args.keyring, &saved, &resolved)?;
    log::info!(
        "signing in as a confidential client with {}",
        resolved.credential.describe()
    );
    let client = confidential::configure(
        ConfidentialClient::new(app, resolved.credential),
        args,
        context,
    )?;
    Ok(UserClient {
        client: PublicClient::confidential(client),
        save,
    })
}

/// Reports a sign-in on stderr and prints the token on stdout, except to a terminal when no
/// `--output` was asked for: a person who signs in does not want a token on the screen.
pub fn finish_sign_in(result: &AuthenticationResult, context: &Context) -> anyhow::Result<()> {
    if let Some(account) = &result.account {
        let name = if account.username.is_empty() {
            &account.home_account_id
        } else {
            &account.username
        };
        if account.tenant.is_empty() {
            status!(
                "signed in as {} at {}",
                printable(name),
                printable(&account.authority)
            );
        } else {
            status!(
                "signed in as {} (tenant {})",
                printable(name),
                printable(&account.tenant)
            );
        }
    }
    let to_terminal = std::io::stdout().is_terminal();
    if context.settings.output_given
        || !to_terminal
        || context.settings.output == OutputFormat::None
    {
        context.printer.token(result)?;
    }
    Ok(())
}

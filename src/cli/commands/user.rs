//! What the user sign-in commands share: building the public client and printing the result.

use std::io::IsTerminal as _;

use msal::app::{AuthenticationResult, ClientApplication, PublicClient};
use msal::text::printable;

use crate::cli::Context;
use crate::cli::args::OutputFormat;
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

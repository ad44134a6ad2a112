//! `msal logout`: remove an account's tokens from the cache.

use clap::Args;
use msal::text::printable;

use crate::cli::Context;
use msal::app::AccountSelector;

use super::{accounts, silent, user};
use crate::cli::args::{CredentialArgs, OutputFormat};
use crate::cli::credential;
use crate::cli::exit::{NoSuchAccount, UsageError};
use crate::cli::keyring::forget_secret;
use crate::cli::output::{json_text, write_stdout};
use crate::cli::status::status;
use serde_json::Value;

/// Arguments of `msal logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The account's username
    #[arg(long, value_name = "USERNAME", conflicts_with_all = ["account", "all"])]
    pub username: Option<String>,
    /// The account's home account id
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    pub account: Option<String>,
    /// Every account
    #[arg(long)]
    pub all: bool,

    /// A confidential client's credential: accepted, so that its sign-in options (or profile)
    /// work here too, but not needed to remove tokens from the cache; --forget-secret forgets
    /// the saved one.
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// Runs `msal logout`. Without a choice it removes the only account, and refuses when there
/// are several. With `-o json`, the accounts removed are a JSON array on stdout.
pub async fn run(args: LogoutArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    if context.settings.client_id.is_none() && credential::flag_given(&args.credential)? {
        return Err(UsageError(
            "a client credential belongs to an application: pass its --client-id".into(),
        )
        .into());
    }
    let client = user::public_client(context);
    let selector = silent::selector(args.username, args.account);
    // Without a chosen authority, every host's accounts count, as `msal accounts` shows them.
    let every_host = !context.settings.authority_given;
    if selector.is_none() && !args.all {
        let accounts = client.accounts(every_host)?;
        if accounts.len() > 1 {
            let names: Vec<String> = accounts
                .iter()
                .map(|a| printable(&a.username).into_owned())
                .collect();
            return Err(UsageError(format!(
                "the cache holds several accounts ({}); choose with --username, --account or --all",
                names.join(", ")
            ))
            .into());
        }
    }
    let removed = client.remove_accounts(selector.as_ref(), every_host)?;
    if removed.is_empty() {
        let cache = context.settings.cache_path.display();
        // Naming an account that is not there is a mistake worth stopping a script for (a
        // typo leaves the real account signed in); with nothing named, nothing signed in is
        // the state asked for.
        if let Some(selector) = &selector {
            let named = match selector {
                AccountSelector::Username(name) => format!("--username {name}"),
                AccountSelector::HomeAccountId(id) => format!("--account {id}"),
                AccountSelector::UsernameOrId(text) => text.clone(),
            };
            let place = if every_host {
                String::new()
            } else {
                format!(" at {}", context.settings.authority.url())
            };
            return Err(NoSuchAccount(format!(
                "no account matches {named}{place} in {cache}; nothing was removed"
            ))
            .into());
        }
        status!("no matching account in {cache}");
    }
    for account in &removed {
        status!(
            "removed {} ({})",
            printable(&account.username),
            printable(&account.home_account_id)
        );
    }
    if context.settings.output == OutputFormat::Json {
        let json = Value::Array(removed.iter().map(accounts::account_json).collect());
        write_stdout(&json_text(&json))?;
    }
    Ok(())
}

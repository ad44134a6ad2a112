//! `msal accounts`: the accounts in the token cache, which one is the application's active
//! account, and `--use` to choose it.

use clap::Args;
use msal::app::{Account, AccountSelector};
use msal::text::printable;
use serde_json::{Value, json};

use super::user;
use crate::cli::Context;
use crate::cli::args::OutputFormat;
use crate::cli::output::{json_text, non_empty, write_stdout};
use crate::cli::status::status;

/// Arguments of `msal accounts`.
#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Only accounts with this username
    #[arg(long, value_name = "USERNAME")]
    pub username: Option<String>,
    /// Make this account (a username or home account id) the application's active account,
    /// which `silent` and `status` use when none is named
    #[arg(long = "use", value_name = "USERNAME|ID", conflicts_with = "username")]
    pub use_account: Option<String>,
}

/// Runs `msal accounts`: a table, a JSON array with `-o json`, or nothing with `-o none`. Every
/// host's accounts, unless an authority was chosen; those of the application when a client id was
/// chosen, else every application's. The active account of the application (the one given, else
/// the default) is marked.
pub async fn run(args: AccountsArgs, context: &Context) -> anyhow::Result<()> {
    let client = user::public_client(context);
    let every_host = !context.settings.authority_given;
    if let Some(chosen) = args.use_account {
        let account =
            client.set_active_account(&AccountSelector::UsernameOrId(chosen), every_host)?;
        status!(
            "{} is now the active account of {} at {}",
            printable(account.display_name()),
            printable(&client.app().config().client_id),
            printable(&account.authority)
        );
        return Ok(());
    }
    let listed = if context.settings.client_id.is_some() {
        client.signed_in_accounts(every_host)?
    } else {
        client.accounts(every_host)?
    };
    let accounts: Vec<Account> = listed
        .into_iter()
        .filter(|a| {
            args.username
                .as_deref()
                .is_none_or(|u| a.username.eq_ignore_ascii_case(u))
        })
        .collect();
    let text = if context.settings.output == OutputFormat::Json {
        json_text(&Value::Array(accounts.iter().map(account_json).collect()))
    } else if context.settings.output == OutputFormat::None {
        String::new()
    } else if accounts.is_empty() {
        status!("no accounts in {}", context.settings.cache_path.display());
        String::new()
    } else {
        table(&accounts)
    };
    write_stdout(&text)?;
    Ok(())
}

/// An account under `-o json` (`accounts`, `logout`): every key always there, `null` when the
/// cache has no value, so scripts can rely on the shape the README shows.
pub fn account_json(account: &Account) -> Value {
    json!({
        "username": non_empty(&account.username),
        "home_account_id": account.home_account_id,
        "environment": account.environment,
        "tenant": non_empty(&account.tenant),
        "realm": non_empty(&account.realm),
        "authority": account.authority,
        "account_source": account.account_source,
        "name": account.name,
        "email": account.email,
        "active": account.active,
    })
}

fn table(accounts: &[Account]) -> String {
    let rows: Vec<[String; 5]> = std::iter::once([
        "ACTIVE".into(),
        "USERNAME".into(),
        "TENANT".into(),
        "ENVIRONMENT".into(),
        "HOME ACCOUNT ID".into(),
    ])
    // Every cell comes from the cache file and, before it, from a server.
    .chain(accounts.iter().map(|a| {
        [
            if a.active { "*" } else { "" }.into(),
            if a.username.is_empty() {
                "-".into()
            } else {
                printable(&a.username).into_owned()
            },
            if a.tenant.is_empty() {
                "-".into()
            } else {
                printable(&a.tenant).into_owned()
            },
            printable(&a.environment).into_owned(),
            printable(&a.home_account_id).into_owned(),
        ]
    }))
    .collect();
    let widths: Vec<usize> = (0..5)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

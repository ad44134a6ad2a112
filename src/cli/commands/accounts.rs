//! `msal accounts`: the accounts in the token cache.

use clap::Args;
use msal::app::Account;
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
}

/// Runs `msal accounts`: a table, a JSON array with `-o json`, or nothing with `-o none`. Every host's accounts, unless
/// an authority was chosen.
pub async fn run(args: AccountsArgs, context: &Context) -> anyhow::Result<()> {
    let client = user::public_client(context);
    let accounts: Vec<Account> = client
        .accounts(!context.settings.authority_given)?
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
        "authority": account.authority,
        "account_source": account.account_source,
        "name": account.name,
        "email": account.email,
    })
}

fn table(accounts: &[Account]) -> String {
    let rows: Vec<[String; 4]> = std::iter::once([
        "USERNAME".into(),
        "TENANT".into(),
        "ENVIRONMENT".into(),
        "HOME ACCOUNT ID".into(),
    ])
    // Every cell comes from the cache file and, before it, from a server.
    .chain(accounts.iter().map(|a| {
        [
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
    let widths: Vec<usize> = (0..4)
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

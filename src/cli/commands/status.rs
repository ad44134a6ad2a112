//! `msal status`: what `msal silent` would work with, without asking anyone (as `gh auth status`
//! and `az account show` tell): the account it would use and why, its tenant, the authority and
//! client, the access tokens cached for it with their expiry, whether a refresh token is held,
//! and where the cache is. Exit 3 when there is no usable sign-in, so a script can test for one.

use clap::Args;
use msal::app::{ChosenBy, SignInStatus};
use msal::text::printable;
use serde_json::json;

use super::silent::{human_duration, profile_account, selector};
use super::user;
use crate::cli::Context;
use crate::cli::args::OutputFormat;
use crate::cli::output::{json_text, rfc3339, write_stdout};

/// Arguments of `msal status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The account to show, by username (without it: the profile's `account`, else the active
    /// account, else the only one)
    #[arg(long, value_name = "USERNAME", conflicts_with = "account")]
    pub username: Option<String>,
    /// The account to show, by home account id
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
}

/// Runs `msal status`: text, or one JSON object with `-o json`, on stdout. Reads the cache only.
pub async fn run(args: StatusArgs, context: &Context) -> anyhow::Result<()> {
    let client = user::public_client(context);
    let chosen =
        selector(args.username, args.account).or_else(|| profile_account(&context.settings));
    let status = client.sign_in_status(chosen.as_ref())?;
    let now = now();
    // A silent request can go on while a refresh token is held or an access token is valid.
    let usable = status.refresh_token || status.access_tokens.iter().any(|t| t.expires_on > now);
    let client_id = &client.app().config().client_id;
    let authority = context.settings.authority.url();
    let cache = context.settings.cache_path.display().to_string();
    let text = if context.settings.output == OutputFormat::Json {
        json_text(&json!({
            "account": status.account,
            "chosen_by": status.chosen_by,
            "tenant_id": status.account.tenant,
            "authority": authority,
            "client_id": client_id,
            "refresh_token": status.refresh_token,
            "access_tokens": status.access_tokens.iter().map(|t| json!({
                "scope": t.scopes.join(" "),
                "tenant_id": t.tenant_id,
                "realm": t.realm,
                "expires_on": t.expires_on,
                "expires_in": t.expires_on.saturating_sub(now),
                "expired": t.expires_on <= now,
            })).collect::<Vec<_>>(),
            "usable": usable,
            "cache": cache,
        }))
    } else {
        text(&status, client_id, authority, &cache, now)
    };
    write_stdout(&text)?;
    if usable {
        Ok(())
    } else {
        Err(msal::Error::InteractionRequired {
            reason: format!(
                "{} has neither a refresh token nor a valid access token in the cache",
                status.account.display_name()
            ),
            server: None,
        }
        .into())
    }
}

fn text(status: &SignInStatus, client_id: &str, authority: &str, cache: &str, now: u64) -> String {
    let account = &status.account;
    let why = match status.chosen_by {
        ChosenBy::Active => " (the active account)",
        ChosenBy::Only => " (the only account)",
        ChosenBy::Selector => "",
    };
    // Every value but the clock's comes from the cache file and, before it, from a server.
    let mut rows: Vec<(&str, String)> = vec![(
        "account",
        format!("{}{why}", printable(account.display_name())),
    )];
    if let Some(name) = &account.name {
        rows.push(("name", printable(name).into_owned()));
    }
    rows.push((
        "account id",
        printable(&account.home_account_id).into_owned(),
    ));
    if !account.tenant.is_empty() {
        rows.push(("tenant", printable(&account.tenant).into_owned()));
    }
    rows.push(("authority", printable(authority).into_owned()));
    rows.push(("client id", printable(client_id).into_owned()));
    rows.push((
        "refresh token",
        if status.refresh_token { "held" } else { "none" }.into(),
    ));
    rows.push((
        "access tokens",
        if status.access_tokens.is_empty() {
            "none".into()
        } else {
            status.access_tokens.len().to_string()
        },
    ));
    let mut out = String::new();
    for (label, value) in &rows {
        out.push_str(&format!("{:<15}{value}\n", format!("{label}:")));
    }
    for token in &status.access_tokens {
        let left = if token.expires_on > now {
            format!("in {}", human_duration(token.expires_on - now))
        } else {
            "expired".into()
        };
        out.push_str(&format!(
            "  {}  expires {} ({left})\n",
            printable(&token.scopes.join(" ")),
            rfc3339(token.expires_on)
        ));
    }
    out.push_str(&format!("{:<15}{}\n", "token cache:", printable(cache)));
    out
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

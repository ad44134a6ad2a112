//! `msal silent`: a user's token from the cache, refreshed when needed, never interactive.

use std::time::Duration;

use clap::Args;
use msal::app::{AccountSelector, MIN_VALIDITY_SECS, SilentParameters};

use super::user::{self, OfflineAccessArgs, UserClient};
use crate::cli::Context;
use crate::cli::args::{CredentialArgs, TokenArgs};
use crate::cli::exit::UsageError;
use crate::cli::keyring::forget_secret;

/// Arguments of `msal silent`.
#[derive(Debug, Args)]
pub struct SilentArgs {
    /// The token asked for.
    #[command(flatten)]
    pub token: TokenArgs,
    /// Pick the account by username (needed only when the cache holds several)
    #[arg(long, value_name = "USERNAME", conflicts_with = "account")]
    pub username: Option<String>,
    /// Pick the account by home account id
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Refresh when less than this is left, e.g. 10m, 1h, 600 (seconds) [default: 5m]
    #[arg(long, value_name = "DURATION")]
    pub min_validity: Option<String>,

    /// Whether a refresh token is asked for.
    #[command(flatten)]
    pub offline_access: OfflineAccessArgs,

    /// A confidential client's credential (its refreshes authenticate the client).
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// Runs `msal silent`.
pub async fn run(args: SilentArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    let scopes = super::required_scopes(&context.settings, &args.token.scopes, super::USER_SCOPE)?;
    let min_validity = match &args.min_validity {
        Some(text) => {
            parse_duration(text).map_err(|e| UsageError(format!("--min-validity: {e}")))?
        }
        None => Duration::from_secs(MIN_VALIDITY_SECS),
    };
    super::check_claims(args.token.claims.as_deref())?;
    let UserClient { client, save } =
        user::client(context, &args.credential, &args.offline_access)?;
    let params = SilentParameters {
        scopes,
        account: selector(args.username, args.account),
        force_refresh: args.token.force_refresh,
        claims: args.token.claims,
        min_validity,
    };
    let result = client.acquire_token_silent(&params).await?;
    if let Some(save) = save {
        save.commit(&result)?;
    }
    context.printer.token(&result)?;
    Ok(())
}

/// `--username` or `--account` as a selector.
pub fn selector(username: Option<String>, account: Option<String>) -> Option<AccountSelector> {
    username
        .map(AccountSelector::Username)
        .or(account.map(AccountSelector::HomeAccountId))
}

/// `600`, `90s`, `10m`, `1h`, `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(format!("{text:?} is not a duration (try 600, 10m or 1h)")),
        };
        let value: u64 = number
            .parse()
            .map_err(|_| format!("{text:?} is not a duration (try 600, 10m or 1h)"))?;
        total = total.saturating_add(value.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || text.is_empty() {
        return Err(format!("{text:?} is not a duration (try 600, 10m or 1h)"));
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("600"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("10m5").is_err());
    }
}

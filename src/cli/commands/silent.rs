//! `msal silent`: a user's token from the cache, refreshed when needed, never interactive.

use std::time::Duration;

use clap::Args;
use msal::app::{AccountSelector, MIN_VALIDITY_SECS, SilentParameters, TokenSource};

use super::user::{self, OfflineAccessArgs, UserClient};
use crate::cli::Context;
use crate::cli::args::{CredentialArgs, OutputFormat, TokenArgs};
use crate::cli::env;
use crate::cli::exit::UsageError;
use crate::cli::keyring::forget_secret;
use crate::cli::status::status;

/// Arguments of `msal silent`.
#[derive(Debug, Args)]
pub struct SilentArgs {
    /// The token asked for.
    #[command(flatten)]
    pub token: TokenArgs,
    /// Pick the account by username (without it: the profile's `account`, else the active
    /// account, else the only one)
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
    let scopes = super::required_scopes(
        &context.settings,
        args.token.resource.as_deref(),
        &args.token.scopes,
        super::USER_SCOPE,
    )?;
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
        scopes: scopes.clone(),
        account: selector(args.username, args.account)
            .or_else(|| profile_account(&context.settings)),
        // As for client credentials: the credential to save must meet the identity provider.
        force_refresh: args.token.force_refresh || save.is_some(),
        claims: args.token.claims,
        min_validity,
    };
    let result = match client.acquire_token_silent(&params).await {
        // kubectl on a terminal lets its exec plugin sign the user in (`interactiveMode:
        // IfAvailable`, and `spec.interactive` in KUBERNETES_EXEC_INFO): do that rather than
        // fail, as kubelogin does. A choice among accounts still needs the user's word.
        Err(error @ msal::Error::InteractionRequired { .. })
            if kubectl_lets_us_interact(context) =>
        {
            status!("{error}; signing in for kubectl");
            let result = super::login::sign_in_interactively(&client, scopes, context).await?;
            if let Some(save) = save {
                save.commit(&result)?;
            }
            return super::user::finish_sign_in(&result, context);
        }
        other => other?,
    };
    if let Some(save) = save {
        save.commit(&result)?;
    }
    // A token that is fresh from the provider and still too short-lived for --min-validity will
    // be refreshed again by every run: say so once, rather than hammer the provider silently.
    if let Some(asked) = &args.min_validity
        && result.source == TokenSource::IdentityProvider
        && result.expires_in() <= min_validity.as_secs()
    {
        log::warn!(
            "the identity provider issued a token valid for {}, which cannot meet \
             --min-validity {}: every run will ask it for a new token; choose a --min-validity \
             shorter than the tokens it issues",
            human_duration(result.expires_in()),
            asked.trim()
        );
    }
    context.printer.token(&result)?;
    Ok(())
}

/// Whether this run is kubectl's exec credential plugin, and kubectl said it may interact with
/// the user (it runs on a terminal and the kubeconfig allows it).
fn kubectl_lets_us_interact(context: &Context) -> bool {
    context.settings.output == OutputFormat::ExecCredential
        && context
            .env
            .get(env::KUBERNETES_EXEC_INFO)
            .and_then(|info| serde_json::from_str::<serde_json::Value>(info).ok())
            .is_some_and(|info| info["spec"]["interactive"] == true)
}

/// `--username` or `--account` as a selector.
pub fn selector(username: Option<String>, account: Option<String>) -> Option<AccountSelector> {
    username
        .map(AccountSelector::Username)
        .or(account.map(AccountSelector::HomeAccountId))
}

/// The profile's `account`, a username or a home account id.
pub fn profile_account(settings: &crate::cli::settings::Settings) -> Option<AccountSelector> {
    settings
        .config
        .profile
        .account
        .clone()
        .map(AccountSelector::UsernameOrId)
}

/// `3600` seconds as `1h`, `5400` as `1h30m`, `59` as `59s`.
pub fn human_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut text = String::new();
    if h > 0 {
        text.push_str(&format!("{h}h"));
    }
    if m > 0 {
        text.push_str(&format!("{m}m"));
    }
    if s > 0 && h == 0 || text.is_empty() {
        text.push_str(&format!("{s}s"));
    }
    text
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

    #[test]
    fn shows_durations() {
        assert_eq!(human_duration(3600), "1h");
        assert_eq!(human_duration(5400), "1h30m");
        assert_eq!(human_duration(3599), "59m59s");
        assert_eq!(human_duration(3661), "1h1m");
        assert_eq!(human_duration(0), "0s");
    }
}

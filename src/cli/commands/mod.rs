//! One module per subcommand: its arguments, and a `run` that unpacks them, calls the library
//! and hands the result to the printer.

pub mod accounts;
pub mod client_credentials;
pub mod completions;
mod confidential;
pub mod device_code;
pub mod doctor;
pub mod kubeconfig;
pub mod login;
pub mod logout;
pub mod managed_identity;
pub mod obo;
pub mod silent;
pub mod status;
mod user;

use crate::cli::exit::UsageError;
use crate::cli::settings::Settings;

/// The usage example of the commands that sign a user in.
const USER_SCOPE: &str = ", e.g. --scope https://graph.microsoft.com/User.Read";

/// The scopes of a command (its `--scope` options, else the profile's), which it cannot do
/// without; `usage` completes "no scope: pass --scope…" with an example.
pub fn required_scopes(
    settings: &Settings,
    scopes: &[String],
    usage: &str,
) -> anyhow::Result<Vec<String>> {
    let scopes = settings.scopes(scopes);
    if scopes.is_empty() {
        return Err(UsageError(format!("no scope: pass --scope{usage}")).into());
    }
    Ok(scopes)
}

/// `--claims` must be JSON (OpenID Connect Core §5.5); checked before anything is sent.
pub fn check_claims(claims: Option<&str>) -> anyhow::Result<()> {
    if let Some(claims) = claims {
        serde_json::from_str::<serde_json::Value>(claims)
            .map_err(|e| UsageError(format!("--claims is not JSON: {e}")))?;
    }
    Ok(())
}

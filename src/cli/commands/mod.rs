//! One module per subcommand: its arguments, and a `run` that unpacks them, calls the library
//! and hands the result to the printer.

pub mod accounts;
pub mod client_credentials;
pub mod completions;
mod confidential;
pub mod device_code;
pub mod doctor;
pub mod login;
pub mod logout;
pub mod obo;
pub mod serve;
pub mod silent;
mod user;

/// `--claims` must be JSON (OpenID Connect Core §5.5); checked before anything is sent.
pub fn check_claims(claims: Option<&str>) -> anyhow::Result<()> {
    if let Some(claims) = claims {
        serde_json::from_str::<serde_json::Value>(claims)
            .map_err(|e| super::exit::UsageError(format!("--claims is not JSON: {e}")))?;
    }
    Ok(())
}

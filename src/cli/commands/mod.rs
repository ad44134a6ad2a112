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
pub mod serve;
pub mod silent;
pub mod status;
mod user;

use msal::authority::AuthorityKind;

use crate::cli::exit::UsageError;
use crate::cli::settings::Settings;

/// The usage example of the commands that sign a user in.
const USER_SCOPE: &str = ", e.g. --scope https://graph.microsoft.com/User.Read";

/// The scopes of a command (`--resource`, its `--scope` options, else the profile's), which it
/// cannot do without; `usage` completes "no scope: pass --scope…" with an example.
pub fn required_scopes(
    settings: &Settings,
    resource: Option<&str>,
    scopes: &[String],
    usage: &str,
) -> anyhow::Result<Vec<String>> {
    if let Some(resource) = resource {
        return Ok(vec![resource_scope(settings, resource)?]);
    }
    let scopes = settings.scopes(scopes);
    if scopes.is_empty() {
        return Err(UsageError(format!("no scope: pass --scope{usage}")).into());
    }
    Ok(scopes)
}

/// `--resource R` is the scope `R/.default`, made as the Azure CLI makes it from a resource:
/// `/.default` appended to the resource exactly as given, so an App ID URI registered with a
/// trailing slash (`https://management.core.windows.net/`) keeps it
/// (`https://management.core.windows.net//.default`). Only Entra ID knows `.default`.
fn resource_scope(settings: &Settings, resource: &str) -> anyhow::Result<String> {
    let resource = resource.trim();
    if resource.is_empty() || resource.contains(char::is_whitespace) {
        return Err(UsageError(
            "--resource takes one resource, e.g. https://management.azure.com".into(),
        )
        .into());
    }
    if *settings.authority.kind() == AuthorityKind::Oidc {
        return Err(UsageError(
            "--resource stands for Entra ID's `<resource>/.default` scope; an OpenID provider \
             needs the scopes it defines: pass --scope"
                .into(),
        )
        .into());
    }
    Ok(format!("{resource}/.default"))
}

/// `--claims` must be JSON (OpenID Connect Core §5.5); checked before anything is sent.
pub fn check_claims(claims: Option<&str>) -> anyhow::Result<()> {
    if let Some(claims) = claims {
        serde_json::from_str::<serde_json::Value>(claims)
            .map_err(|e| UsageError(format!("--claims is not JSON: {e}")))?;
    }
    Ok(())
}

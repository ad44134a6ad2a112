//! The one place that knows the exit codes, and the one place that prints an error.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | failure: network, I/O, configuration, unexpected server reply |
//! | 2 | usage error |
//! | 3 | interaction required: sign in again (`msal login`) |
//! | 4 | the authority refused: an OAuth error response |

use std::io::Write as _;

use msal::Error;
use msal::ServerError;
use msal::managed_identity::ManagedIdentityError;

use super::args::OutputFormat;
use super::style;

/// Success.
pub const SUCCESS: u8 = 0;
/// Any failure not classified below.
pub const FAILURE: u8 = 1;
/// Bad arguments (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// The user must sign in interactively.
pub const INTERACTION_REQUIRED: u8 = 3;
/// The authority answered with an OAuth error.
pub const REFUSED: u8 = 4;

/// A usage error found after parsing (conflicting options, a missing client id).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The exit code for an error, decided by the first classifiable error in its chain.
pub fn code(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if cause.is::<UsageError>() {
            return USAGE;
        }
        if let Some(e) = cause.downcast_ref::<Error>() {
            return match e {
                Error::InvalidArgument(_) => USAGE,
                Error::InteractionRequired { .. } | Error::AccountChoiceRequired { .. } => {
                    INTERACTION_REQUIRED
                }
                Error::OAuth(_) => REFUSED,
                Error::ManagedIdentity(e) if e.is_refusal() => REFUSED,
                _ => FAILURE,
            };
        }
        if cause.is::<ServerError>() {
            return REFUSED;
        }
    }
    FAILURE
}

fn server_error(error: &anyhow::Error) -> Option<&ServerError> {
    error
        .chain()
        .find_map(|cause| match cause.downcast_ref::<Error>() {
            Some(Error::OAuth(e)) => Some(e),
            Some(Error::InteractionRequired {
                server: Some(e), ..
            }) => Some(e),
            _ => cause.downcast_ref::<ServerError>(),
        })
}

/// Prints the error on stderr: human-readable, or one JSON object with `-o json`.
pub fn report(error: &anyhow::Error, output: OutputFormat) {
    let mut stderr = std::io::stderr().lock();
    let code = code(error);
    let server = server_error(error);
    // A failed write to stderr leaves nothing better to do than exit with the code.
    let _ = if output == OutputFormat::Json {
        writeln!(stderr, "{}", json_report(error, server, code))
    } else {
        write!(stderr, "{}", human_report(error, server, code))
    };
}

fn human_report(error: &anyhow::Error, server: Option<&ServerError>, code: u8) -> String {
    let mut text = format!("{} {error}\n", style::error("error:"));
    let mut last = error.to_string();
    for cause in error.chain().skip(1) {
        let line = cause.to_string();
        if !last.contains(&line) {
            text.push_str(&format!("  caused by: {line}\n"));
        }
        last = line;
    }
    if let Some(e) = server {
        if !e.error_codes.is_empty() {
            let codes: Vec<String> = e.error_codes.iter().map(|c| format!("AADSTS{c}")).collect();
            text.push_str(&format!("  error codes: {}\n", codes.join(", ")));
        }
        if let Some(suberror) = &e.suberror {
            text.push_str(&format!("  suberror: {}\n", clean(suberror)));
        }
        if let Some(id) = &e.correlation_id {
            text.push_str(&format!("  correlation id: {}\n", clean(id)));
        }
        if let Some(id) = &e.trace_id {
            text.push_str(&format!("  trace id: {}\n", clean(id)));
        }
    }
    for hint in hints(error, server, code) {
        text.push_str(&format!("{} {hint}\n", style::hint("hint:")));
    }
    text
}

fn json_report(error: &anyhow::Error, server: Option<&ServerError>, code: u8) -> String {
    let value = serde_json::json!({
        "error": server.map(|e| e.error.clone()).unwrap_or_else(|| match code {
            USAGE => "usage_error".to_owned(),
            INTERACTION_REQUIRED => "interaction_required".to_owned(),
            _ => "failure".to_owned(),
        }),
        "error_description": server.and_then(ServerError::summary).unwrap_or_else(|| format!("{error:#}")),
        "error_codes": server.map(|e| e.error_codes.clone()).unwrap_or_default(),
        "suberror": server.and_then(|e| e.suberror.clone()),
        "claims": server.and_then(|e| e.claims.clone()),
        "correlation_id": server.and_then(|e| e.correlation_id.clone()),
        "trace_id": server.and_then(|e| e.trace_id.clone()),
        "exit_code": code,
    });
    value.to_string()
}

/// Server-supplied identifiers are printed without control characters.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// What to do about a managed identity the platform refused or could not serve.
fn managed_identity_hint(error: &ManagedIdentityError) -> Option<String> {
    match error {
        ManagedIdentityError::Refused { status, .. } if (400..500).contains(status) => Some(
            "check that the identity is assigned to this resource: --mi-client-id, \
             --mi-object-id or --mi-resource-id (or AZURE_CLIENT_ID) must name one of its \
             user-assigned identities, and without them it must have a system-assigned one; \
             `msal doctor` shows the source detected"
                .into(),
        ),
        ManagedIdentityError::Unsupported { what, .. } if what.contains("user-assigned") => Some(
            "if AZURE_CLIENT_ID named the identity (DefaultAzureCredential's convention), pass \
             --system-assigned"
                .into(),
        ),
        ManagedIdentityError::BadVariable { .. } => Some(
            "the platform sets these variables for its workloads; `msal doctor` shows the \
             ones msal read"
                .into(),
        ),
        _ => None,
    }
}

/// What the user can do next.
fn hints(error: &anyhow::Error, server: Option<&ServerError>, code: u8) -> Vec<String> {
    let mut hints = Vec::new();
    let choice = error.chain().any(|c| {
        matches!(
            c.downcast_ref::<Error>(),
            Some(Error::AccountChoiceRequired { .. })
        )
    });
    if choice {
        hints.push("choose one with --username or --account (`msal accounts` lists them)".into());
    } else if code == INTERACTION_REQUIRED {
        hints.push(
            "sign in with `msal login` (or `msal device-code`) using the same --scope".into(),
        );
    }
    if let Some(e) = server {
        if let Some(claims) = &e.claims {
            hints.push(format!(
                "the authority asks for more: retry with --claims '{}'",
                clean(claims)
            ));
        }
        let has = |code: i64| e.error_codes.contains(&code);
        match e.error.as_str() {
            "invalid_client" if has(7000215) || has(7000222) => {
                hints.push("the client secret is wrong or expired; check the application's certificates & secrets".into())
            }
            "invalid_client" => hints.push("check the client id and its credential (secret, certificate or federated credential)".into()),
            "invalid_scope" => hints.push(
                "client credentials and on-behalf-of need one `<resource>/.default` scope, e.g. https://graph.microsoft.com/.default".into(),
            ),
            "unauthorized_client" if has(700016) => {
                hints.push("no application with this client id exists in the tenant; check --client-id and --tenant".into())
            }
            _ => {}
        }
    }
    if let Some(e) = error.chain().find_map(|c| match c.downcast_ref::<Error>() {
        Some(Error::ManagedIdentity(e)) => Some(e),
        _ => None,
    }) {
        hints.extend(managed_identity_hint(e));
    }
    let text = format!("{error:#}");
    if text.contains("does not understand") {
        hints.push("move the file aside, point --cache elsewhere, or run with --no-cache".into());
    }
    let unreachable = text.contains("--timeout") || text.contains("could not reach");
    if unreachable && text.contains(msal::managed_identity::detect::IMDS_DEFAULT_BASE) {
        hints.push(
            "no managed identity endpoint answered: outside an Azure VM no platform variable is \
             set, and IMDS is the default; `msal doctor` shows what was detected"
                .into(),
        );
    } else if unreachable {
        hints.push(
            "check the network, HTTPS_PROXY/NO_PROXY, and that the authority URL is right".into(),
        );
    }
    hints
}

//! The one place that knows the exit codes, and the one place that prints an error.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | failure: network, I/O, configuration, unexpected server reply |
//! | 2 | usage error |
//! | 3 | interaction required: sign in again (`msal login`); no such account |
//! | 4 | the authority refused: an OAuth error response |
//! | 128 + n | ended by signal n while waiting for a sign-in: 130 for Ctrl-C, 143 for SIGTERM |
//! | any | `msal serve -- COMMAND`: COMMAND's exit status (126/127 when it cannot be run) |

use std::io::Write as _;

use msal::Error;
use msal::ServerError;
use msal::authority::AuthorityError;
use msal::cache::CacheError;
use msal::http::HttpError;

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

/// A signal ended the command: it exits 128 + the signal's number, as shells expect of a
/// process a signal stopped, so that a calling script stops too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted(u8);

impl Interrupted {
    /// Ctrl-C.
    pub const SIGINT: Self = Self(2);
    /// A request to stop (`kill`, a service manager).
    pub const SIGTERM: Self = Self(15);

    /// 128 + the signal's number.
    pub fn exit_code(self) -> u8 {
        128 + self.0
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::SIGINT => f.write_str("sign-in cancelled (Ctrl-C)"),
            Self::SIGTERM => f.write_str("sign-in stopped (SIGTERM)"),
            Self(n) => write!(f, "sign-in stopped by signal {n}"),
        }
    }
}

impl std::error::Error for Interrupted {}

/// The account a command named (`--username`, `--account`) is not in the cache: exit 3, as
/// `msal silent` exits when it has no account, so a script can tell "nothing signed in under
/// that name" from a failure.
#[derive(Debug)]
pub struct NoSuchAccount(pub String);

impl std::fmt::Display for NoSuchAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoSuchAccount {}

/// The command ends with this exit code and nothing more to say: `msal serve -- COMMAND`
/// passes on COMMAND's status (128 + the signal's number when a signal ended it), and a server
/// stopped with Ctrl-C exits 130.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus(pub u8);

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for ExitStatus {}

/// The program `msal serve -- COMMAND` was to run could not be started: 127 when it was not
/// found, 126 when it could not be executed, as shells report it.
#[derive(Debug)]
pub struct CannotRun {
    /// 126 or 127.
    pub code: u8,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for CannotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CannotRun {}

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
        if let Some(signal) = cause.downcast_ref::<Interrupted>() {
            return signal.exit_code();
        }
        if cause.is::<NoSuchAccount>() {
            return INTERACTION_REQUIRED;
        }
        if let Some(status) = cause.downcast_ref::<ExitStatus>() {
            return status.0;
        }
        if let Some(failed) = cause.downcast_ref::<CannotRun>() {
            return failed.code;
        }
        if let Some(e) = cause.downcast_ref::<Error>() {
            return match e {
                Error::InvalidArgument(_) => USAGE,
                Error::InteractionRequired { .. } | Error::AccountChoiceRequired { .. } => {
                    INTERACTION_REQUIRED
                }
                Error::OAuth(_) | Error::Authority(AuthorityError::Refused { .. }) => REFUSED,
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
            Some(Error::Authority(AuthorityError::Refused { error, .. })) => Some(error),
            _ => cause.downcast_ref::<ServerError>(),
        })
}

/// Prints the error on stderr: human-readable, or one JSON object with `-o json`.
pub fn report(error: &anyhow::Error, output: OutputFormat) {
    if error.is::<ExitStatus>() {
        return;
    }
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

/// The error for a person: every line quotes what servers and files said, so each passes
/// through [`clean`] before the labels (which may be coloured) are added.
fn human_report(error: &anyhow::Error, server: Option<&ServerError>, code: u8) -> String {
    let mut text = format!("{} {}\n", style::error("error:"), clean(&error.to_string()));
    let mut last = error.to_string();
    for cause in error.chain().skip(1) {
        let line = cause.to_string();
        if !last.contains(&line) {
            text.push_str(&format!("  caused by: {}\n", clean(&line)));
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
        text.push_str(&format!("{} {}\n", style::hint("hint:"), clean(&hint)));
    }
    text
}

fn json_report(error: &anyhow::Error, server: Option<&ServerError>, code: u8) -> String {
    let value = serde_json::json!({
        "error": server.map(|e| e.error.clone()).unwrap_or_else(|| match code {
            USAGE => "usage_error".to_owned(),
            INTERACTION_REQUIRED => "interaction_required".to_owned(),
            128.. => "interrupted".to_owned(),
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
    // Faithful to the server's words, yet shown by a terminal as text.
    msal::text::escape_json_controls(&value.to_string()).into_owned()
}

/// Text from servers and files on one line, without anything a terminal would interpret.
fn clean(text: &str) -> String {
    msal::text::printable(text).into_owned()
}

/// A value quoted for a POSIX shell, for hints the user may paste.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// A TLS certificate the server presented was refused: which host, and the likely fix. The
/// transport names the reason as rustls's `CertificateError` variant.
fn certificate_hint(error: &anyhow::Error) -> Option<String> {
    let (endpoint, reason) =
        error
            .chain()
            .find_map(|cause| match cause.downcast_ref::<Error>() {
                Some(Error::Http(HttpError::Connect { endpoint, reason })) => {
                    Some((endpoint, reason))
                }
                _ => match cause.downcast_ref::<HttpError>() {
                    Some(HttpError::Connect { endpoint, reason }) => Some((endpoint, reason)),
                    _ => None,
                },
            })?;
    let (_, problem) = reason.split_once("invalid peer certificate")?;
    let host = url::Url::parse(endpoint)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| endpoint.clone());
    let host = clean(&host);
    Some(if problem.contains("NotValidForName") {
        format!(
            "the certificate {host} presented is for another name: check the authority URL, or \
             whether a proxy intercepts TLS"
        )
    } else if problem.contains("Expired") || problem.contains("NotValidYet") {
        format!(
            "the certificate {host} presented is outside its validity period: check this \
             machine's clock"
        )
    } else {
        format!(
            "{host} presented a certificate this machine does not trust; if a TLS-inspecting \
             proxy or a private CA signs it, trust that CA's PEM file with --ca-cert FILE or \
             SSL_CERT_FILE=FILE"
        )
    })
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
    } else if error.chain().any(|c| c.is::<NoSuchAccount>()) {
        hints.push("`msal accounts` lists the accounts in the cache".into());
    } else if code == INTERACTION_REQUIRED {
        hints.push(
            "sign in with `msal login` (or `msal device-code`) using the same --scope".into(),
        );
    }
    if let Some(e) = server {
        if let Some(claims) = &e.claims {
            hints.push(format!(
                "the authority asks for more: retry with --claims {}",
                shell_quote(&clean(claims))
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
            "invalid_tenant" => hints.push(
                "no such tenant at this authority: check the tenant (a domain such as contoso.onmicrosoft.com, or the tenant id) and the cloud".into(),
            ),
            "unauthorized_client" if has(700016) => {
                hints.push("no application with this client id exists in the tenant; check --client-id and --tenant".into())
            }
            _ => {}
        }
    }
    let cache_error = error.chain().find_map(|cause| {
        cause
            .downcast_ref::<CacheError>()
            .or_else(|| match cause.downcast_ref::<Error>() {
                Some(Error::Cache(e)) => Some(e),
                _ => None,
            })
    });
    match cache_error {
        Some(CacheError::Corrupt { .. }) => hints.push(
            "--cache, MSAL_CACHE or the profile's `cache` names this file; if it is the cache, \
             a command that saves a token (msal login, …) moves it aside and starts a new one"
                .into(),
        ),
        Some(CacheError::Refused { .. }) => hints.push(
            "point --cache (or MSAL_CACHE, or the profile's `cache`) at a file of your own in a \
             directory only you can write to, or run with --no-cache"
                .into(),
        ),
        _ => {}
    }
    let text = format!("{error:#}");
    if text.contains("does not understand") {
        hints.push("move the file aside, point --cache elsewhere, or run with --no-cache".into());
    }
    if text.contains("is already in use on") {
        hints.push(
            "choose another --port (one the application's redirect URI allows), or leave --port out and msal picks a free one"
                .into(),
        );
    }
    if let Some(hint) = certificate_hint(error) {
        hints.push(hint);
    } else if text.contains("--timeout") || text.contains("could not reach") {
        hints.push(
            "check the network, HTTPS_PROXY/NO_PROXY, and that the authority URL is right".into(),
        );
    }
    hints
}

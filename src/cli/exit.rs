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

use std::ffi::OsString;
use std::io::Write as _;

use msal::app::AccountSelector;
use msal::authority::AuthorityError;
use msal::cache::CacheError;
use msal::flow::loopback::LoopbackError;
use msal::http::{CertificateProblem, HttpError};
use msal::kubeconfig::KubeconfigError;
use msal::managed_identity::ManagedIdentityError;
use msal::secret_store::KeyringError;
use msal::{Endpoint, Error, ServerError};

use crate::cli::args::OutputFormat;
use crate::cli::output::{shell_quote, shell_word};
use crate::cli::style;

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
        if let Some(KubeconfigError::NoTarget { .. }) = cause.downcast_ref() {
            return USAGE;
        }
        if let Some(e) = cause.downcast_ref::<Error>() {
            return match e {
                Error::InvalidArgument(_)
                | Error::NoEndpoint(_)
                | Error::Loopback(LoopbackError::PortInUse { .. } | LoopbackError::Bind { .. }) => {
                    USAGE
                }
                Error::InteractionRequired { .. } | Error::AccountChoiceRequired { .. } => {
                    INTERACTION_REQUIRED
                }
                Error::OAuth(_) | Error::Authority(AuthorityError::Refused { .. }) => REFUSED,
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
    let hints = hints(error, server, code);
    // A failed write to stderr leaves nothing better to do than exit with the code.
    let _ = if output == OutputFormat::Json {
        writeln!(stderr, "{}", json_report(error, server, code, &hints))
    } else {
        write!(stderr, "{}", human_report(error, server, &hints))
    };
}

/// Reports an error clap found in the arguments (or prints the help or version it was asked
/// for) and returns the exit code: as JSON on stderr when the command line asks for `-o json`,
/// so that a script reading JSON errors gets one for a mistyped option too.
pub fn usage(mut error: clap::Error, args: &[OsString]) -> std::process::ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() == ErrorKind::InvalidSubcommand
        && let Some(ContextValue::String(name)) = error.get(ContextKind::InvalidSubcommand)
        && let Some(tip) = command_tip(name)
    {
        error.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![tip.into()]),
        );
    }
    let code = u8::try_from(error.exit_code()).unwrap_or(USAGE);
    let is_help = matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if is_help || !json_requested(args) {
        // clap prints help and version on stdout (exit 0), usage errors on stderr (exit 2).
        let _ = error.print();
        return std::process::ExitCode::from(code);
    }
    let text = error.render().to_string();
    let value = usage_json(&text, code);
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        msal::text::escape_json_controls(&value.to_string())
    );
    std::process::ExitCode::from(code)
}

/// What people coming from `az`, `gh` or kubelogin type for a token, and where it is.
fn command_tip(name: &str) -> Option<String> {
    matches!(
        name,
        "token" | "get-token" | "get-access-token" | "access-token" | "acquire-token"
    )
    .then(|| {
        "`msal silent --scope …` gets a signed-in user's token (sign in once with `msal login`); \
         an application's own comes from `msal client-credentials` or `msal managed-identity`"
            .to_owned()
    })
}

/// Whether the command line asks for `-o json` (the last `-o` wins, as it does for clap), read
/// without clap since this is for when clap could not parse it.
fn json_requested(args: &[OsString]) -> bool {
    let mut json = false;
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        let value = if word == "--" {
            break;
        } else if word == "--output" {
            words.next().map(|v| v.into_owned())
        } else if let Some(value) = word.strip_prefix("--output=") {
            Some(value.to_owned())
        } else if word.starts_with("--") {
            None
        } else if let Some(cluster) = word.strip_prefix('-') {
            // Short flags may share a dash (`-qo json`); `-s` takes the rest as its value.
            let mut value = None;
            for (at, c) in cluster.char_indices() {
                match c {
                    'o' => {
                        let rest = cluster[at + 1..].trim_start_matches('=');
                        value = if rest.is_empty() {
                            words.next().map(|v| v.into_owned())
                        } else {
                            Some(rest.to_owned())
                        };
                        break;
                    }
                    's' => break,
                    _ => {}
                }
            }
            value
        } else {
            None
        };
        if let Some(value) = value {
            json = value.eq_ignore_ascii_case("json");
        }
    }
    json
}

/// clap's message as the JSON error object every other error is: the message, its tips and
/// where to read more as hints.
fn usage_json(text: &str, code: u8) -> serde_json::Value {
    let mut paragraphs = text.split("\n\n");
    let message = paragraphs.next().unwrap_or_default();
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let mut hints: Vec<String> = Vec::new();
    let mut help = None;
    for paragraph in paragraphs {
        for line in paragraph.lines().map(str::trim) {
            if let Some(tip) = line.strip_prefix("tip: ") {
                hints.push(tip.to_owned());
            } else if let Some(usage) = line.strip_prefix("Usage: ") {
                let path: Vec<&str> = usage
                    .split_whitespace()
                    .take_while(|w| !w.starts_with(['[', '<', '-']))
                    .collect();
                help = Some(format!("`{} --help` lists the options", path.join(" ")));
            }
        }
    }
    hints.extend(help);
    let description = message.split_whitespace().collect::<Vec<_>>().join(" ");
    error_json("usage_error".into(), description, None, code, &hints)
}

/// The error for a person: every line quotes what servers and files said, so each passes
/// through [`clean`] before the labels (which may be coloured) are added.
fn human_report(error: &anyhow::Error, server: Option<&ServerError>, hints: &[String]) -> String {
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
    for hint in hints {
        text.push_str(&format!("{} {}\n", style::hint("hint:"), clean(hint)));
    }
    text
}

fn json_report(
    error: &anyhow::Error,
    server: Option<&ServerError>,
    code: u8,
    hints: &[String],
) -> String {
    let name = server.map(|e| e.error.clone()).unwrap_or_else(|| {
        match code {
            USAGE => "usage_error",
            INTERACTION_REQUIRED => "interaction_required",
            128.. => "interrupted",
            _ => "failure",
        }
        .to_owned()
    });
    let description = server
        .and_then(ServerError::summary)
        .unwrap_or_else(|| format!("{error:#}"));
    // Faithful to the server's words, yet shown by a terminal as text.
    msal::text::escape_json_controls(
        &error_json(name, description, server, code, hints).to_string(),
    )
    .into_owned()
}

/// The one shape of an error under `-o json` (the README's "JSON output" shows it).
fn error_json(
    name: String,
    description: String,
    server: Option<&ServerError>,
    code: u8,
    hints: &[String],
) -> serde_json::Value {
    serde_json::json!({
        "error": name,
        "error_description": description,
        "error_codes": server.map(|e| e.error_codes.clone()).unwrap_or_default(),
        "suberror": server.and_then(|e| e.suberror.clone()),
        "claims": server.and_then(|e| e.claims.clone()),
        "correlation_id": server.and_then(|e| e.correlation_id.clone()),
        "trace_id": server.and_then(|e| e.trace_id.clone()),
        "hints": hints,
        "exit_code": code,
    })
}

/// Text from servers and files on one line, without anything a terminal would interpret.
fn clean(text: &str) -> String {
    msal::text::printable(text).into_owned()
}

/// The first `T` in the error's chain: standing alone, or inside the `msal::Error` variant that
/// `inside` picks (the library's transparent variants hide their inner error from the chain).
fn find<T: std::error::Error + 'static>(
    error: &anyhow::Error,
    inside: fn(&Error) -> Option<&T>,
) -> Option<&T> {
    error.chain().find_map(|cause| {
        cause
            .downcast_ref::<T>()
            .or_else(|| cause.downcast_ref::<Error>().and_then(inside))
    })
}

/// The first error of a library type in the chain, alone or inside the `msal::Error` variant
/// that wraps it: `found!(error, Http)` is the first `HttpError`.
macro_rules! found {
    ($error:expr, $variant:ident) => {
        find($error, |e| match e {
            Error::$variant(inner) => Some(inner),
            _ => None,
        })
    };
}

/// `host[:port]` of an endpoint URL, for hints.
fn host_of(endpoint: &str) -> String {
    url::Url::parse(endpoint)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| endpoint.to_owned())
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

/// The command-line option that picks an account as `selector` does.
fn selector_option(selector: &AccountSelector) -> String {
    match selector {
        AccountSelector::Username(name) | AccountSelector::UsernameOrId(name) => {
            format!("--username {}", shell_word(name))
        }
        AccountSelector::HomeAccountId(id) => format!("--account {}", shell_word(id)),
    }
}

/// The name or id a selector picks by, as `msal accounts --use` takes it.
fn selector_value(selector: &AccountSelector) -> String {
    match selector {
        AccountSelector::Username(text)
        | AccountSelector::UsernameOrId(text)
        | AccountSelector::HomeAccountId(text) => text.clone(),
    }
}

/// What the user can do next: each hint comes from a typed error (or the server's error
/// fields), and names the command-line options that fix it, which the library does not know.
fn hints(error: &anyhow::Error, server: Option<&ServerError>, code: u8) -> Vec<String> {
    let mut hints = Vec::new();
    let library = find(error, |_| None::<&Error>);
    if let Some(Error::AccountChoiceRequired { accounts }) = library {
        // Each option shown picks its account alone (a username two accounts answer to is
        // replaced by the account id), so any of them resolves the choice.
        let options: Vec<String> = accounts
            .iter()
            .map(|c| selector_option(&c.selector))
            .collect();
        hints.push(format!("choose one with {}", options.join(" or ")));
        if let Some(first) = accounts.first() {
            hints.push(format!(
                "or make one this application's active account, used when none is named: \
                 `msal accounts --use {}`",
                shell_word(&selector_value(&first.selector))
            ));
        }
    } else if error.chain().any(|c| c.is::<NoSuchAccount>()) {
        hints.push("`msal accounts` lists the accounts in the cache".into());
    } else if code == INTERACTION_REQUIRED {
        hints.push(
            "sign in with `msal login` (or `msal device-code`) using the same --scope".into(),
        );
    }
    if let Some(KubeconfigError::NoTarget { .. }) = find(error, |_| None::<&KubeconfigError>) {
        hints.push(
            "name the user entry with --user NAME (with --context NAME to point a context at it)"
                .into(),
        );
    }
    match library {
        Some(Error::NoEndpoint(Endpoint::Authorization)) => {
            hints.push("sign in with `msal device-code` instead".into())
        }
        Some(Error::NoEndpoint(Endpoint::DeviceAuthorization)) => {
            hints.push("sign in with `msal login` instead".into())
        }
        _ => {}
    }
    if let Some(e) = server {
        hints.extend(server_hints(e));
    }
    if let Some(e) = found!(error, ManagedIdentity) {
        hints.extend(managed_identity_hint(e));
    }
    match found!(error, Authority) {
        Some(AuthorityError::UnknownInstance { host, .. }) => hints.push(format!(
            "if you trust {host}, pass --no-instance-discovery (or set MSAL_INSTANCE_DISCOVERY=false)"
        )),
        Some(AuthorityError::IssuerMismatch { named, .. }) => hints.push(format!(
            "if that provider is the one you mean, give its issuer exactly: --oidc-authority {}",
            shell_word(named)
        )),
        _ => {}
    }
    hints.extend(found!(error, Cache).and_then(cache_hint));
    match find(error, |_| None::<&KeyringError>) {
        Some(KeyringError::SavedCredentialFormat) => {
            hints.push("save it again with --save-secret".into())
        }
        Some(KeyringError::Off) => {
            hints.push("--keyring off or MSAL_KEYRING=off turns it off".into())
        }
        _ => {}
    }
    match found!(error, Loopback) {
        Some(LoopbackError::PortInUse { .. }) => hints.push(
            "choose another --port (one the application's redirect URI allows), or leave --port out and msal picks a free one"
                .into(),
        ),
        // A provider that refuses the redirect URI shows its error in the browser and never
        // sends the browser back: all msal sees is the wait running out.
        Some(LoopbackError::TimedOut { redirect_uri, .. }) => hints.push(format!(
            "if the browser showed an error instead of coming back, the provider may not accept \
             the redirect URI {}: register it for the application exactly, or pass \
             --redirect-uri with a fixed port (e.g. --redirect-uri \
             http://127.0.0.1:8400/callback) and register that",
            clean(redirect_uri)
        )),
        _ => {}
    }
    match found!(error, Http) {
        // Outside Azure no platform variable is set and the default, IMDS, does not answer.
        Some(HttpError::Connect { endpoint, .. } | HttpError::Timeout { endpoint, .. })
            if endpoint.starts_with(msal::managed_identity::detect::IMDS_DEFAULT_BASE) =>
        {
            hints.push(
                "no managed identity endpoint answered: outside an Azure VM no platform variable \
                 is set, and IMDS is the default; `msal doctor` shows what was detected"
                    .into(),
            )
        }
        other => hints.extend(other.and_then(network_hint)),
    }
    hints
}

/// Hints from an OAuth error answer: a claims challenge to pass back, and the usual causes of
/// Entra's most common refusals.
fn server_hints(e: &ServerError) -> Vec<String> {
    let mut hints = Vec::new();
    if let Some(claims) = &e.claims {
        hints.push(format!(
            "the authority asks for more: retry with --claims {}",
            shell_quote(&clean(claims))
        ));
    }
    let has = |code: i64| e.error_codes.contains(&code);
    match e.error.as_str() {
        "invalid_client" if has(7000215) || has(7000222) => hints.push(
            "the client secret is wrong or expired; check the application's certificates & secrets"
                .into(),
        ),
        "invalid_client" => hints.push(
            "check the client id and its credential (secret, certificate or federated credential)"
                .into(),
        ),
        // Entra's answers carry AADSTS codes; other providers' scopes are their own.
        "invalid_scope" if !e.error_codes.is_empty() => hints.push(
            "client credentials and on-behalf-of need one `<resource>/.default` scope, e.g. https://graph.microsoft.com/.default".into(),
        ),
        "invalid_scope" => hints.push(
            "ask only for scopes the provider offers this client (its discovery document lists scopes_supported)".into(),
        ),
        "invalid_tenant" => hints.push(
            "no such tenant at this authority: check the tenant (a domain such as contoso.onmicrosoft.com, or the tenant id) and the cloud".into(),
        ),
        "unauthorized_client" if has(700016) => hints.push(
            "no application with this client id exists in the tenant; check --client-id and --tenant".into(),
        ),
        _ => {}
    }
    hints
}

/// How to get past a cache file msal will not use.
fn cache_hint(error: &CacheError) -> Option<String> {
    Some(match error {
        CacheError::Corrupt { .. } => {
            "--cache, MSAL_CACHE or the profile's `cache` names this file; if it is the cache, \
             a command that saves a token (msal login, …) moves it aside and starts a new one"
        }
        CacheError::Refused { .. } => {
            "point --cache (or MSAL_CACHE, or the profile's `cache`) at a file of your own in a \
             directory only you can write to, or run with --no-cache"
        }
        CacheError::UnknownFormat { .. } => {
            "move the file aside, point --cache elsewhere, or run with --no-cache"
        }
        CacheError::PlainWhereEncrypted { .. } => {
            "to keep it as plain JSON from now on, run once with --encrypt-cache=0 \
             (MSAL_ENCRYPT_CACHE=0); to encrypt it again, with --encrypt-cache; or remove that \
             key from the keyring"
        }
        _ => return None,
    }
    .to_owned())
}

/// A request that got no answer: a refused certificate names the host and the likely fix;
/// anything else points at the network (and the wait, when it ran out).
fn network_hint(error: &HttpError) -> Option<String> {
    const NETWORK: &str =
        "check the network, HTTPS_PROXY/NO_PROXY, and that the authority URL is right";
    Some(match error {
        HttpError::Certificate {
            endpoint, problem, ..
        } => {
            let host = host_of(endpoint);
            match problem {
                CertificateProblem::OtherName => format!(
                    "the certificate {host} presented is for another name: check the authority \
                     URL, or whether a proxy intercepts TLS"
                ),
                CertificateProblem::OutsideValidity => format!(
                    "the certificate {host} presented is outside its validity period: check \
                     this machine's clock"
                ),
                _ => format!(
                    "{host} presented a certificate this machine does not trust; if a \
                     TLS-inspecting proxy or a private CA signs it, trust that CA's PEM file \
                     with --ca-cert FILE or SSL_CERT_FILE=FILE"
                ),
            }
        }
        HttpError::Timeout { .. } => {
            format!("raise the wait with --timeout SECS if the server is slow; {NETWORK}")
        }
        HttpError::Connect { .. } => NETWORK.to_owned(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use msal::cache::Refusal;

    use super::*;

    fn choice(username: &str, selector: AccountSelector) -> msal::app::AccountChoice {
        msal::app::AccountChoice {
            account: msal::app::Account {
                username: username.into(),
                home_account_id: "id".into(),
                environment: "login.microsoftonline.com".into(),
                tenant: "t".into(),
                realm: "organizations".into(),
                authority: "https://login.microsoftonline.com/organizations".into(),
                account_source: None,
                name: None,
                email: None,
                active: false,
            },
            selector,
        }
    }

    fn server(value: serde_json::Value) -> ServerError {
        let mut error: ServerError = serde_json::from_value(value).unwrap();
        error.status = 400;
        error
    }

    fn http(error: HttpError) -> anyhow::Error {
        Error::Http(error).into()
    }

    fn certificate(problem: CertificateProblem) -> anyhow::Error {
        http(HttpError::Certificate {
            endpoint: "https://login.example.com:8443/t/oauth2/v2.0/token".into(),
            problem,
            reason: "invalid peer certificate".into(),
        })
    }

    /// Every error a user can meet, its exit code, and a word of each hint it gets (in order).
    fn table() -> Vec<(&'static str, anyhow::Error, u8, Vec<&'static str>)> {
        let path = PathBuf::from("/home/u/.config/msal/token_cache.json");
        vec![
            ("usage", UsageError("--x".into()).into(), USAGE, vec![]),
            ("ctrl-c", Interrupted::SIGINT.into(), 130, vec![]),
            ("sigterm", Interrupted::SIGTERM.into(), 143, vec![]),
            (
                "no such account",
                NoSuchAccount("no account matches".into()).into(),
                INTERACTION_REQUIRED,
                vec!["`msal accounts` lists"],
            ),
            (
                "invalid argument",
                Error::InvalidArgument("bad".into()).into(),
                USAGE,
                vec![],
            ),
            (
                "no authorization endpoint",
                Error::NoEndpoint(Endpoint::Authorization).into(),
                USAGE,
                vec!["`msal device-code`"],
            ),
            (
                "no device code endpoint",
                Error::NoEndpoint(Endpoint::DeviceAuthorization).into(),
                USAGE,
                vec!["`msal login`"],
            ),
            (
                "busy port",
                Error::Loopback(LoopbackError::PortInUse {
                    port: 8400,
                    address: "127.0.0.1",
                })
                .into(),
                USAGE,
                vec!["choose another --port"],
            ),
            (
                "port that cannot be bound",
                Error::Loopback(LoopbackError::Bind {
                    port: 80,
                    reason: "permission denied".into(),
                })
                .into(),
                USAGE,
                vec![],
            ),
            (
                "no redirect in time",
                LoopbackError::TimedOut {
                    seconds: 300,
                    redirect_uri: "http://127.0.0.1:5000/".into(),
                }
                .into(),
                FAILURE,
                vec!["the redirect URI http://127.0.0.1:5000/: register it"],
            ),
            (
                "interaction required",
                Error::InteractionRequired {
                    reason: "no refresh token".into(),
                    server: None,
                }
                .into(),
                INTERACTION_REQUIRED,
                vec!["sign in with `msal login`"],
            ),
            (
                "several accounts",
                Error::AccountChoiceRequired {
                    accounts: vec![
                        choice("ada@x", AccountSelector::Username("ada@x".into())),
                        choice("ada@x", AccountSelector::HomeAccountId("2.t".into())),
                    ],
                }
                .into(),
                INTERACTION_REQUIRED,
                vec![
                    "choose one with --username ada@x or --account 2.t",
                    "`msal accounts --use ada@x`",
                ],
            ),
            (
                "wrong client secret",
                Error::OAuth(server(serde_json::json!({
                    "error": "invalid_client", "error_codes": [7000215]
                })))
                .into(),
                REFUSED,
                vec!["client secret is wrong"],
            ),
            (
                "claims challenge, with context",
                anyhow::Error::new(Error::OAuth(server(serde_json::json!({
                    "error": "invalid_grant", "claims": "{\"access_token\":{}}"
                }))))
                .context("refreshing"),
                REFUSED,
                vec!["--claims '{\"access_token\":{}}'"],
            ),
            (
                "a scope another provider refused",
                Error::OAuth(server(serde_json::json!({"error": "invalid_scope"}))).into(),
                REFUSED,
                vec!["scopes the provider offers this client"],
            ),
            (
                "unknown tenant at discovery",
                Error::Authority(AuthorityError::Refused {
                    url: "https://login.example.com/x/v2.0/.well-known/openid-configuration".into(),
                    error: server(serde_json::json!({
                        "error": "invalid_tenant", "error_codes": [90002]
                    })),
                })
                .into(),
                REFUSED,
                vec!["no such tenant"],
            ),
            (
                "unknown Entra host",
                Error::Authority(AuthorityError::UnknownInstance {
                    host: "login.contoso.net".into(),
                    reason: "invalid_instance".into(),
                })
                .into(),
                FAILURE,
                vec!["if you trust login.contoso.net, pass --no-instance-discovery"],
            ),
            (
                "another issuer",
                Error::Authority(AuthorityError::IssuerMismatch {
                    url: "https://id.example.com/.well-known/openid-configuration".into(),
                    expected: "https://id.example.com".into(),
                    named: "https://id.example.com/".into(),
                })
                .into(),
                FAILURE,
                vec!["--oidc-authority https://id.example.com/"],
            ),
            (
                "another issuer a shell would split",
                Error::Authority(AuthorityError::IssuerMismatch {
                    url: "https://id.example.com/.well-known/openid-configuration".into(),
                    expected: "https://id.example.com".into(),
                    named: "https://id.example.com/$(rm -rf ~)".into(),
                })
                .into(),
                FAILURE,
                vec!["--oidc-authority 'https://id.example.com/$(rm -rf ~)'"],
            ),
            (
                "timeout",
                http(HttpError::Timeout {
                    endpoint: "https://login.example.com/t".into(),
                    seconds: 30,
                }),
                FAILURE,
                vec!["--timeout SECS"],
            ),
            (
                "unreachable",
                http(HttpError::Connect {
                    endpoint: "https://login.example.com/t".into(),
                    reason: "connection refused".into(),
                }),
                FAILURE,
                vec!["HTTPS_PROXY"],
            ),
            (
                "untrusted certificate",
                certificate(CertificateProblem::Untrusted),
                FAILURE,
                vec!["login.example.com:8443 presented a certificate this machine does not trust"],
            ),
            (
                "certificate for another name",
                certificate(CertificateProblem::OtherName),
                FAILURE,
                vec!["is for another name"],
            ),
            (
                "expired certificate",
                certificate(CertificateProblem::OutsideValidity),
                FAILURE,
                vec!["this machine's clock"],
            ),
            (
                "unavailable server",
                http(HttpError::Unavailable {
                    endpoint: "https://login.example.com/t".into(),
                    status: 503,
                    retry_after: Some(60),
                }),
                FAILURE,
                vec![],
            ),
            (
                "cache of an unknown format",
                Error::Cache(CacheError::UnknownFormat {
                    path: path.clone(),
                    detail: "AccessToken".into(),
                })
                .into(),
                FAILURE,
                vec!["move the file aside"],
            ),
            (
                "not a cache",
                CacheError::Corrupt {
                    path: path.clone(),
                    detail: "not JSON".into(),
                }
                .into(),
                FAILURE,
                vec!["moves it aside"],
            ),
            (
                "refused cache",
                Error::Cache(CacheError::Refused {
                    path: path.clone(),
                    reason: Refusal::WritableByOthers { mode: 0o666 },
                })
                .into(),
                FAILURE,
                vec!["--no-cache"],
            ),
            (
                "plain where encrypted",
                Error::Cache(CacheError::PlainWhereEncrypted {
                    path: path.clone(),
                    looked_in: "the Secret Service (D-Bus)".into(),
                })
                .into(),
                FAILURE,
                vec!["--encrypt-cache=0"],
            ),
            (
                "lock timeout",
                Error::Cache(CacheError::LockTimeout {
                    path,
                    waited: Duration::from_secs(30),
                })
                .into(),
                FAILURE,
                vec![],
            ),
            (
                "keyring turned off",
                anyhow::Error::new(KeyringError::Off).context("--save-secret"),
                FAILURE,
                vec!["--keyring off or MSAL_KEYRING=off"],
            ),
            (
                "saved credential of another version",
                anyhow::Error::new(KeyringError::SavedCredentialFormat)
                    .context("could not look for a saved client credential"),
                FAILURE,
                vec!["--save-secret"],
            ),
        ]
    }

    #[test]
    fn exit_codes_and_hints_come_from_the_error_types() {
        for (name, error, expected_code, expected_hints) in table() {
            let code = code(&error);
            assert_eq!(code, expected_code, "{name}: exit code");
            let hints = hints(&error, server_error(&error), code);
            assert_eq!(hints.len(), expected_hints.len(), "{name}: hints {hints:?}");
            for (hint, needle) in hints.iter().zip(expected_hints) {
                assert!(hint.contains(needle), "{name}: {hint:?} lacks {needle:?}");
            }
        }
    }

    #[test]
    fn library_messages_name_no_command_line_option() {
        for (name, error, ..) in table() {
            if error
                .chain()
                .any(|c| c.is::<UsageError>() || c.is::<NoSuchAccount>())
            {
                continue;
            }
            let text = format!("{error:#}");
            for word in [" --", "msal login", "msal device-code", "MSAL_"] {
                assert!(!text.contains(word), "{name}: {text:?} names {word:?}");
            }
        }
    }

    #[test]
    fn finds_json_asked_for_on_a_command_line_clap_could_not_parse() {
        let asks = |words: &[&str]| {
            let args: Vec<OsString> = std::iter::once("msal")
                .chain(words.iter().copied())
                .map(OsString::from)
                .collect();
            json_requested(&args)
        };
        assert!(asks(&["-o", "json", "silent"]));
        assert!(asks(&["silent", "--output=json"]));
        assert!(asks(&["silent", "--output", "JSON"]));
        assert!(asks(&["-ojson"]));
        assert!(asks(&["-vqo", "json"]));
        assert!(asks(&["-o=json"]));
        assert!(!asks(&["silent"]));
        assert!(!asks(&["-o", "json", "-o", "token"]), "the last one wins");
        assert!(!asks(&["-so", "json"]), "-s takes `o` as its value");
        assert!(!asks(&["--", "-o", "json"]), "after --, words are values");
        assert!(!asks(&["--scope", "json"]));
    }

    #[test]
    fn clap_messages_become_the_error_shape() {
        let text = "error: unexpected argument '--x' found\n\n  tip: to pass '--x' as a value, \
                    use '-- --x'\n\nUsage: msal silent [OPTIONS]\n\nFor more information, try \
                    '--help'.\n";
        let value = usage_json(text, 2);
        assert_eq!(value["error"], "usage_error");
        assert_eq!(
            value["error_description"],
            "unexpected argument '--x' found"
        );
        assert_eq!(
            value["hints"],
            serde_json::json!([
                "to pass '--x' as a value, use '-- --x'",
                "`msal silent --help` lists the options"
            ])
        );
        assert_eq!(value["exit_code"], 2);
    }

    #[test]
    fn json_errors_carry_the_hints() {
        let error: anyhow::Error = Error::NoEndpoint(Endpoint::DeviceAuthorization).into();
        let code = code(&error);
        let hints = hints(&error, None, code);
        let value: serde_json::Value =
            serde_json::from_str(&json_report(&error, None, code, &hints)).unwrap();
        assert_eq!(value["error"], "usage_error");
        assert_eq!(value["exit_code"], 2);
        assert_eq!(
            value["hints"],
            serde_json::json!(["sign in with `msal login` instead"])
        );
    }
}

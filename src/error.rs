//! The library's typed errors. Each variant says what a caller can do about it; the CLI maps each
//! to one exit code (see `cli/exit.rs`).

use std::fmt;

use crate::authority::AuthorityError;
use crate::cache::CacheError;
use crate::credential::CredentialError;
use crate::flow::loopback::LoopbackError;
use crate::http::HttpError;
use crate::managed_identity::ManagedIdentityError;

/// Everything that can go wrong while acquiring, caching or removing tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed something unusable (a malformed scope, conflicting options).
    #[error("{0}")]
    InvalidArgument(String),
    /// The authority could not be parsed, validated or discovered.
    #[error(transparent)]
    Authority(#[from] AuthorityError),
    /// The request never got a usable HTTP answer (connection, TLS, timeout, oversized body).
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The authority answered with an OAuth error response (RFC 6749 §5.2).
    #[error(transparent)]
    OAuth(#[from] ServerError),
    /// No token can be had without the user signing in again.
    #[error("{reason}")]
    InteractionRequired {
        /// Why the user must sign in.
        reason: String,
        /// The server's answer when it was the server that asked for interaction.
        server: Option<ServerError>,
    },
    /// Several signed-in accounts of the application could serve the request, and none was
    /// chosen or active.
    #[error(
        "the cache holds several accounts of this application ({}); choose one",
        accounts
            .iter()
            .map(|c| format!("{} ({})", c.account.username, c.account.home_account_id))
            .collect::<Vec<_>>()
            .join(", ")
    )]
    AccountChoiceRequired {
        /// The candidates, each with a selector that picks it alone.
        accounts: Vec<crate::app::AccountChoice>,
    },
    /// The server answered, but not in a shape this tool understands.
    #[error("unexpected response from {endpoint} (HTTP {status}): {detail}")]
    UnexpectedResponse {
        /// Which endpoint answered (URL without query).
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong, with at most a short excerpt of the body.
        detail: String,
    },
    /// The token cache could not be read or written.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The client credential (secret, certificate, assertion) could not be loaded or used.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The platform's managed identity could not be used: unusable platform variables, a
    /// refusal, an endpoint that stayed unavailable.
    #[error(transparent)]
    ManagedIdentity(#[from] ManagedIdentityError),
    /// The loopback listener for the browser's redirect could not listen on the port asked for.
    #[error(transparent)]
    Loopback(#[from] LoopbackError),
    /// The authority's metadata names no endpoint for the sign-in asked for: another flow is
    /// needed.
    #[error("{}", match .0 {
        Endpoint::Authorization => "this authority has no authorization endpoint",
        Endpoint::DeviceAuthorization => "this authority offers no device code sign-in",
    })]
    NoEndpoint(Endpoint),
    /// A state the code believes impossible; worth a bug report.
    #[error("internal error: {0} (please report this)")]
    Internal(&'static str),
}

/// An endpoint a sign-in needs from the authority's metadata (OpenID Connect Discovery §3,
/// RFC 8628 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `authorization_endpoint`: sign-in in a browser.
    Authorization,
    /// `device_authorization_endpoint`: sign-in with a code on another device.
    DeviceAuthorization,
}

/// Shorthand for results of this library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An OAuth 2.0 error response (RFC 6749 §5.2) with Entra ID's extra fields.
///
/// See <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[non_exhaustive]
pub struct ServerError {
    /// The HTTP status the error came with.
    #[serde(skip)]
    pub status: u16,
    /// The OAuth `error` code, e.g. `invalid_client`.
    pub error: String,
    /// The human-readable description; Entra's starts with `AADSTSnnnn:`.
    #[serde(default)]
    pub error_description: Option<String>,
    /// Entra's numeric AADSTS codes.
    #[serde(default)]
    pub error_codes: Vec<i64>,
    /// Entra's finer classification, e.g. `consent_required`, `basic_action`.
    #[serde(default)]
    pub suberror: Option<String>,
    /// A claims challenge to pass back with `--claims`.
    #[serde(default)]
    pub claims: Option<String>,
    /// Entra's request trace id.
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Entra's correlation id (echoes our `client-request-id`).
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl ServerError {
    /// The description without the "Trace ID / Correlation ID / Timestamp" lines Entra appends
    /// (they are shown from their own fields) and without anything a terminal would interpret
    /// ([`crate::text::printable`]): a hostile server must not rewrite the user's screen.
    pub fn summary(&self) -> Option<String> {
        let description = self.error_description.as_deref()?;
        let first = description
            .split("\r\n")
            .flat_map(|line| line.split('\n'))
            .take_while(|line| !line.starts_with("Trace ID:"))
            .collect::<Vec<_>>()
            .join(" ");
        let cleaned = crate::text::printable(&first).trim().to_owned();
        (!cleaned.is_empty()).then_some(cleaned)
    }

    /// Whether the server says only the user can fix this (RFC 6749 `invalid_grant`, OpenID
    /// Connect `interaction_required`, `login_required`, `consent_required`).
    pub fn needs_interaction(&self) -> bool {
        matches!(
            self.error.as_str(),
            "invalid_grant" | "interaction_required" | "login_required" | "consent_required"
        )
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::text::printable(&self.error))?;
        if let Some(summary) = self.summary() {
            write!(f, ": {summary}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_drops_entra_trailer_and_control_characters() {
        let err = ServerError {
            error: "invalid_client".into(),
            error_description: Some(
                "AADSTS7000215: Invalid client secret provided.\x1b[2J\r\nTrace ID: abc\r\nCorrelation ID: def\r\nTimestamp: 2026"
                    .into(),
            ),
            ..ServerError::default()
        };
        assert_eq!(
            err.to_string(),
            "invalid_client: AADSTS7000215: Invalid client secret provided."
        );
        let bidi = ServerError {
            error: "invalid_client\u{1b}[5m".into(),
            error_description: Some("AADSTS1: a \u{202e}exe.txt\u{2066} b".into()),
            ..ServerError::default()
        };
        assert_eq!(bidi.to_string(), "invalid_client: AADSTS1: a exe.txt b");
    }
}

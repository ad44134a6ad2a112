//! Client credentials for confidential clients (RFC 6749 §2.3, RFC 7523 §2.2).

/// Why a credential could not be loaded or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// Reading a credential file failed.
    #[error("could not read {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

use crate::secret::{Assertion, ClientSecret};

/// How the client authenticates in one token request (placeholder until the credential work
/// lands).
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// `client_secret` (RFC 6749 §2.3.1).
    Secret(ClientSecret),
    /// `client_assertion` (RFC 7523 §2.2).
    Assertion(Assertion),
}

impl ClientAuth {
    /// The form fields: (name, value, is_secret).
    pub fn form_fields(&self) -> Vec<(&'static str, &str, bool)> {
        match self {
            ClientAuth::Secret(s) => vec![("client_secret", s.secret(), true)],
            ClientAuth::Assertion(a) => vec![
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    false,
                ),
                ("client_assertion", a.secret(), true),
            ],
        }
    }
}

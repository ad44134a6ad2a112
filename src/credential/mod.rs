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

//! Authorities: which identity provider, which tenant, and where its endpoints are.

/// Why an authority is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorityError {
    /// The URL does not parse or has the wrong shape.
    #[error("invalid authority {url}: {reason}")]
    Invalid {
        /// What was given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

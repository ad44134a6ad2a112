//! Which identity provider a cache entry belongs to ([`TokenIssuer`]), so that a token is only
//! ever served for, or sent to, the issuer that minted it.
//!
//! MSAL's own fields cannot say this for every provider. `environment` is the host without its
//! port and `realm` the first path segment of the token endpoint: exact for Entra ID (one cloud
//! per host, the tenant in the path), but every Keycloak realm on a host has the realm `realms`,
//! every Okta authorization server `oauth2`, and two providers on one host and different ports
//! share everything. So the entries `msal` writes say more:
//!
//! - every entry carries [`ORIGIN`], the authority's `scheme://host[:port]`, and is served only to
//!   an authority with the same origin;
//! - for a generic OpenID provider, `environment` is the issuer URL itself (case-sensitive, path
//!   included) and `realm` is empty, so that keys, and therefore entries, of two issuers on one
//!   host never collide.
//!
//! Entries other MSAL clients wrote have no origin. Entra-shaped ones (host and tenant) are
//! matched as MSAL matches them, which is unambiguous for real Entra clouds; generic-provider
//! ones are never served, since their MSAL fields cannot tell issuers apart. Managed-identity
//! entries (MSAL Python writes `environment` `localhost` and `realm` `managed_identity`) are a
//! namespace of their own, served only to managed-identity lookups.

/// The extra entry field in which `msal` records the origin of the authority that issued it.
pub const ORIGIN: &str = "origin";

/// MSAL Python's managed-identity entries: this environment…
const MANAGED_IDENTITY_ENVIRONMENT: &str = "localhost";
/// …and this realm.
const MANAGED_IDENTITY_REALM: &str = "managed_identity";

/// How a [`TokenIssuer`] decides which entries are its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matching {
    /// Entra-shaped (Entra ID, sovereign clouds, B2C, CIAM, AD FS): MSAL's fields plus the
    /// origin when an entry has one; entries without an origin match as in MSAL.
    Entra,
    /// A generic OpenID Connect provider: only entries `msal` wrote, by exact issuer.
    Exact,
    /// The platform's managed identity: only the managed-identity namespace.
    ManagedIdentity,
}

/// The identity provider (and, for Entra, the cloud host) cache entries are bound to. Built once
/// from the authority; the tenant (`realm`) is matched separately where MSAL matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIssuer {
    environment: String,
    origin: String,
    matching: Matching,
}

impl TokenIssuer {
    /// An Entra-shaped authority at `origin` (`scheme://host[:port]`, as
    /// [`url::Origin::ascii_serialization`] writes it), whose MSAL `environment` is its host in
    /// lowercase.
    pub fn entra(origin: &str, host: &str) -> Self {
        Self {
            environment: host.to_ascii_lowercase(),
            origin: origin.to_owned(),
            matching: Matching::Entra,
        }
    }

    /// A generic OpenID Connect provider with this exact `issuer` (its discovery document names
    /// the same string), at `origin`.
    pub fn openid(issuer: &str, origin: &str) -> Self {
        Self {
            environment: issuer.to_owned(),
            origin: origin.to_owned(),
            matching: Matching::Exact,
        }
    }

    /// The platform's managed identity, in MSAL Python's namespace.
    pub fn managed_identity() -> Self {
        Self {
            environment: MANAGED_IDENTITY_ENVIRONMENT.to_owned(),
            origin: String::new(),
            matching: Matching::ManagedIdentity,
        }
    }

    /// The issuer of an entry with this `environment` and recorded `origin`, for entries found
    /// outside the configured authority: a generic provider's `environment` is its issuer URL;
    /// anything else is Entra-shaped.
    pub fn of_entry(environment: &str, origin: Option<&str>) -> Self {
        let origin = origin.unwrap_or_default();
        if environment.contains("://") {
            Self::openid(environment, origin)
        } else {
            Self::entra(origin, environment)
        }
    }

    /// The `environment` entries of this issuer are written with.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// The origin recorded in entries ([`ORIGIN`]); empty for managed identity, whose entries
    /// are written exactly as MSAL Python writes them.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The `realm` every entry of a generic provider has (its issuer is in `environment`);
    /// `None` for Entra-shaped authorities, whose realm is the tenant.
    pub fn fixed_realm(&self) -> Option<&'static str> {
        match self.matching {
            Matching::Exact => Some(""),
            Matching::ManagedIdentity => Some(MANAGED_IDENTITY_REALM),
            Matching::Entra => None,
        }
    }

    /// Whether an entry with this `environment`, `realm` (`None` for sections without one:
    /// refresh tokens, app metadata) and recorded `origin` belongs to this issuer.
    pub(crate) fn owns(
        &self,
        environment: &str,
        realm: Option<&str>,
        origin: Option<&str>,
    ) -> bool {
        let managed_identity = environment.eq_ignore_ascii_case(MANAGED_IDENTITY_ENVIRONMENT)
            && realm.is_some_and(|r| r.eq_ignore_ascii_case(MANAGED_IDENTITY_REALM));
        match self.matching {
            Matching::ManagedIdentity => managed_identity,
            Matching::Exact => environment == self.environment && origin == Some(&self.origin),
            Matching::Entra => {
                !managed_identity
                    && environment.eq_ignore_ascii_case(&self.environment)
                    && origin.is_none_or(|o| o.eq_ignore_ascii_case(&self.origin))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_issuers_match_msal_fields_and_their_own_origin() {
        let a = TokenIssuer::entra("http://127.0.0.1:4000", "127.0.0.1");
        assert!(a.owns("127.0.0.1", Some("t"), Some("http://127.0.0.1:4000")));
        // Another port on the same host: MSAL's fields are the same, the origin is not.
        assert!(!a.owns("127.0.0.1", Some("t"), Some("http://127.0.0.1:4001")));
        assert!(!a.owns("127.0.0.1", Some("t"), Some("https://127.0.0.1:4000")));
        // Written by MSAL Python or the Azure CLI: matched as MSAL matches it.
        assert!(a.owns("127.0.0.1", Some("t"), None));
        assert!(a.owns("127.0.0.1", None, None));
        assert!(!a.owns("login.microsoftonline.com", Some("t"), None));
    }

    #[test]
    fn generic_issuers_match_only_entries_msal_wrote_for_exactly_that_issuer() {
        let dev = TokenIssuer::openid("https://kc.example/realms/dev", "https://kc.example");
        let origin = Some("https://kc.example");
        assert!(dev.owns("https://kc.example/realms/dev", Some(""), origin));
        assert!(!dev.owns("https://kc.example/realms/prod", Some(""), origin));
        assert!(!dev.owns("https://kc.example/realms/Dev", Some(""), origin));
        // MSAL's lossy fields for the same provider, as another client (or an older msal) wrote
        // them: never served.
        assert!(!dev.owns("kc.example", Some("realms"), None));
        assert!(!dev.owns("https://kc.example/realms/dev", Some(""), None));
        assert_eq!(dev.fixed_realm(), Some(""));
    }

    #[test]
    fn managed_identity_entries_are_a_namespace_of_their_own() {
        let mi = TokenIssuer::managed_identity();
        assert!(mi.owns("localhost", Some("managed_identity"), None));
        assert!(!mi.owns("localhost", Some("tenant"), None));
        let local = TokenIssuer::entra("http://localhost:8080", "localhost");
        assert!(!local.owns("localhost", Some("managed_identity"), None));
        assert!(local.owns("localhost", Some("tenant"), None));
    }
}

//! Secret newtypes: values that must never reach a log, an error message or `Debug` output.
//!
//! Each type prints as `Name([redacted])`, has no `Display`, and gives its value up only through
//! [`secret()`](ClientSecret::secret), the one place where the value stops being hidden. They are
//! `serde`-transparent so the token cache stays plain MSAL-shaped strings, and their memory is
//! zeroed when they are dropped.

use zeroize::Zeroizing;

/// `parts` joined in one buffer sized for them, zeroed when dropped: building a secret header
/// value (`Bearer …`, `Basic …`) this way leaves no copy behind in freed memory, as growing a
/// `String` would.
pub(crate) fn concat(parts: &[&str]) -> Zeroizing<String> {
    let mut joined = Zeroizing::new(String::with_capacity(parts.iter().map(|p| p.len()).sum()));
    for part in parts {
        joined.push_str(part);
    }
    joined
}

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself.
            ///
            /// Security: the returned string must not be logged, printed or put in an error.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Unwraps the secret value. The same warning as [`Self::secret`] applies; the
            /// caller now owns the only copy and should let it go soon.
            pub fn into_secret(mut self) -> String {
                std::mem::take(&mut self.0)
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                // Overwrite the bytes before the allocator reuses them, so the secret does not
                // linger in freed memory (or a core dump) longer than it is needed.
                zeroize::Zeroize::zeroize(&mut self.0);
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// A confidential client's secret (RFC 6749 §2.3.1).
    ClientSecret
);
secret_type!(
    /// An access token (RFC 6749 §1.4).
    AccessToken
);
secret_type!(
    /// A refresh token (RFC 6749 §1.5).
    RefreshToken
);
secret_type!(
    /// An OpenID Connect ID token (a JWT; OpenID Connect Core §2).
    IdToken
);
secret_type!(
    /// A signed JWT used as a client assertion or an on-behalf-of user assertion (RFC 7523).
    Assertion
);
secret_type!(
    /// An authorization code (RFC 6749 §4.1.2).
    AuthorizationCode
);
secret_type!(
    /// A device code (RFC 8628 §3.2).
    DeviceCode
);
secret_type!(
    /// A user's password (legacy resource owner password grant, RFC 6749 §4.3).
    Password
);
secret_type!(
    /// The password protecting a PKCS#12 (PFX) certificate file.
    CertificatePassword
);
secret_type!(
    /// A secret a platform hands its workloads for its managed-identity endpoint: App Service's
    /// and Service Fabric's `IDENTITY_HEADER`, Azure Machine Learning's `MSI_SECRET`, the key
    /// the Azure Arc agent writes for one challenge.
    PlatformSecret
);
secret_type!(
    /// A value kept in the OS keyring or its 0600 file fallback (a saved client credential, a
    /// cache encryption key): see [`crate::secret_store`].
    KeyringSecret
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        let secret = ClientSecret::new("hunter2-very-secret");
        let shown = format!("{secret:?} {:?}", Some(AccessToken::new("eyJ.abc.def")));
        assert_eq!(
            shown,
            "ClientSecret([redacted]) Some(AccessToken([redacted]))"
        );
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn serializes_as_a_plain_string() {
        let token = RefreshToken::new("rt-value");
        assert_eq!(
            serde_json::to_string(&token).ok().as_deref(),
            Some("\"rt-value\"")
        );
    }
}

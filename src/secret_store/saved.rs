//! A confidential client's credential kept between runs (`msal client-credentials
//! --save-secret`): its client secret, or its certificate file and that file's password.
//!
//! Keyed by client id and authority URL, so one secret per application and tenant; stored as a
//! small JSON record, so a later run given no credential option knows what kind of credential it
//! found. The record holds the secret, so it only ever travels inside [`KeyringSecret`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Backend, KeyringError, SecretId, SecretStore};
use crate::secret::{CertificatePassword, ClientSecret, KeyringSecret};

/// A credential worth keeping between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SavedCredential {
    /// A client secret.
    ClientSecret {
        /// The secret.
        secret: ClientSecret,
    },
    /// A certificate file (PEM or PFX) and, for a PFX, its password.
    Certificate {
        /// The certificate file, as an absolute path.
        path: PathBuf,
        /// The PFX password.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<CertificatePassword>,
    },
}

/// The record as stored: versioned, so a later format can be told apart.
#[derive(Serialize, Deserialize)]
struct Record {
    msal_saved_credential: u32,
    #[serde(flatten)]
    credential: SavedCredential,
}

/// The keyring entry of the credential of `client_id` at `authority` (the authority's URL).
pub fn saved_credential_id(client_id: &str, authority: &str) -> SecretId {
    SecretId::new(
        format!("client-credential:{client_id}@{authority}"),
        format!("msal: credential of client {client_id} at {authority}"),
    )
}

impl SavedCredential {
    fn to_secret(&self) -> Result<KeyringSecret, KeyringError> {
        let record = Record {
            msal_saved_credential: 1,
            credential: self.clone(),
        };
        serde_json::to_string(&record)
            .map(KeyringSecret::new)
            .map_err(|_| KeyringError::Format("the credential could not be encoded"))
    }

    fn from_secret(value: &KeyringSecret) -> Result<Self, KeyringError> {
        // serde_json's message could quote the value: only say that it did not parse.
        match serde_json::from_str::<Record>(value.secret()) {
            Ok(record) if record.msal_saved_credential == 1 => Ok(record.credential),
            _ => Err(KeyringError::SavedCredentialFormat),
        }
    }
}

impl SecretStore {
    /// Keeps `credential` for `client_id` at `authority`; returns where.
    pub fn save_credential(
        &self,
        client_id: &str,
        authority: &str,
        credential: &SavedCredential,
    ) -> Result<Backend, KeyringError> {
        self.set(
            &saved_credential_id(client_id, authority),
            &credential.to_secret()?,
        )
    }

    /// The credential kept for `client_id` at `authority`, and where it was found.
    pub fn saved_credential(
        &self,
        client_id: &str,
        authority: &str,
    ) -> Result<Option<(SavedCredential, Backend)>, KeyringError> {
        match self.get(&saved_credential_id(client_id, authority))? {
            Some(found) => Ok(Some((
                SavedCredential::from_secret(&found.value)?,
                found.backend,
            ))),
            None => Ok(None),
        }
    }

    /// Forgets the credential kept for `client_id` at `authority`, wherever it is; returns the
    /// backends it was removed from (empty when there was none).
    pub fn forget_credential(
        &self,
        client_id: &str,
        authority: &str,
    ) -> Result<Vec<Backend>, KeyringError> {
        self.delete(&saved_credential_id(client_id, authority))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_debug_hides_secrets() {
        for credential in [
            SavedCredential::ClientSecret {
                secret: ClientSecret::new("s3cret~value"),
            },
            SavedCredential::Certificate {
                path: PathBuf::from("/etc/cert.pfx"),
                password: Some(CertificatePassword::new("pfx-pass")),
            },
            SavedCredential::Certificate {
                path: PathBuf::from("/etc/cert.pem"),
                password: None,
            },
        ] {
            let secret = credential.to_secret().unwrap();
            assert_eq!(SavedCredential::from_secret(&secret).unwrap(), credential);
            let shown = format!("{credential:?}");
            assert!(
                !shown.contains("s3cret") && !shown.contains("pfx-pass"),
                "{shown}"
            );
        }
    }

    #[test]
    fn a_foreign_value_is_refused_without_being_quoted() {
        let error = SavedCredential::from_secret(&KeyringSecret::new("plain-secret-text"))
            .unwrap_err()
            .to_string();
        assert!(!error.contains("plain-secret-text"), "{error}");
    }
}

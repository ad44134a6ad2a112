//! The command line's side of the OS keyring: its options, and the wiring of `--save-secret` /
//! `--forget-secret` to [`msal::secret_store`]. Everything that talks to a keyring lives in the
//! library; this file only turns options into calls and messages.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use msal::app::{AuthenticationResult, TokenSource};
use msal::cache::{CacheEncryption, EncryptionPolicy};
use msal::secret::CertificatePassword;
use msal::secret_store::{
    Backend, KeyringCacheKeys, KeyringMode, SavedCredential, SecretStore, SecretStoreConfig,
};

use crate::cli::Context;
use crate::cli::credential::{Origin, Resolved};
use crate::cli::env::{self, Env};
use crate::cli::exit::UsageError;
use crate::cli::status::status;

/// Global keyring options (valid with every subcommand).
#[derive(Debug, Args, Default)]
pub struct KeyringArgs {
    /// Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail
    /// without a keyring), off (never) [env: MSAL_KEYRING]
    #[arg(long, global = true, value_enum, value_name = "MODE")]
    pub keyring: Option<KeyringModeArg>,

    /// Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the
    /// Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]
    #[arg(long, global = true)]
    pub encrypt_cache: bool,
}

/// `--keyring` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyringModeArg {
    /// The OS keyring when one works, else a 0600 file in the config directory
    Auto,
    /// The OS keyring or a clear failure
    Require,
    /// Never the OS keyring
    Off,
}

/// Keeping a confidential client's credential between runs.
#[derive(Debug, Args, Default)]
pub struct SaveSecretArgs {
    /// Keep the client secret (or certificate and its password) in the OS keyring for later runs
    /// with this client id and authority, which then need no credential option
    ///
    /// It is kept only once the identity provider has accepted it, so this run asks for a token
    /// even when a valid one is cached.
    #[arg(long, conflicts_with_all = ["client_assertion_file", "federated_token_file", "github_oidc"])]
    pub save_secret: bool,

    /// Forget the credential kept by --save-secret for this client id and authority, and exit
    #[arg(long, conflicts_with_all = [
        "save_secret", "client_secret_file", "client_secret", "certificate",
        "certificate_password_file", "certificate_password", "client_assertion_file",
        "federated_token_file", "github_oidc",
    ])]
    pub forget_secret: bool,
}

/// The keyring settings of a run: the store (probed only when used) and the cache policy.
pub struct KeyringSettings {
    /// The tiered secret store, shared by saved credentials and the cache key.
    pub store: Arc<SecretStore>,
    /// What to do with the cache file's encryption.
    pub policy: EncryptionPolicy,
}

impl KeyringSettings {
    /// Resolves `--keyring`/`MSAL_KEYRING`, `--encrypt-cache`/`MSAL_ENCRYPT_CACHE` and
    /// `MSAL_KEYRING_TIMEOUT`. `config_dir` is `<config dir>/msal`, home of the 0600 files.
    pub fn resolve(args: &KeyringArgs, env: &Env, config_dir: Option<&Path>) -> Result<Self> {
        let mode = match (args.keyring, env.get(env::MSAL_KEYRING)) {
            (Some(KeyringModeArg::Auto), _) => KeyringMode::Auto,
            (Some(KeyringModeArg::Require), _) => KeyringMode::Require,
            (Some(KeyringModeArg::Off), _) => KeyringMode::Off,
            (None, Some(text)) => text
                .parse()
                .map_err(|e| UsageError(format!("MSAL_KEYRING: {e}")))?,
            (None, None) => KeyringMode::Auto,
        };
        let timeout = match env.get(env::MSAL_KEYRING_TIMEOUT) {
            Some(text) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|secs| *secs > 0.0 && *secs <= 60.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    UsageError(format!(
                        "MSAL_KEYRING_TIMEOUT must be a number of seconds up to 60, not {text:?}"
                    ))
                })?,
            None => msal::secret_store::DEFAULT_TIMEOUT,
        };
        let policy = if args.encrypt_cache {
            EncryptionPolicy::Encrypt
        } else {
            match env.flag(env::MSAL_ENCRYPT_CACHE) {
                Some(true) => EncryptionPolicy::Encrypt,
                Some(false) => EncryptionPolicy::Decrypt,
                None => EncryptionPolicy::Keep,
            }
        };
        if policy == EncryptionPolicy::Encrypt && mode == KeyringMode::Off {
            return Err(UsageError(
                "cache encryption keeps its key in the OS keyring, which --keyring off / \
                 MSAL_KEYRING=off turns off (a key kept next to the file it encrypts would \
                 protect nothing)"
                    .into(),
            )
            .into());
        }
        let store = SecretStore::new(SecretStoreConfig {
            mode,
            timeout,
            file_dir: config_dir.map(|dir| dir.join("secrets")),
        });
        Ok(Self {
            store: Arc::new(store),
            policy,
        })
    }

    /// How the cache file handles encryption: keys from the keyring, the resolved policy.
    pub fn cache_encryption(&self) -> CacheEncryption {
        CacheEncryption::new(
            Arc::new(KeyringCacheKeys::new(self.store.clone())),
            self.policy,
        )
    }
}

impl std::fmt::Debug for KeyringSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringSettings")
            .field("mode", &self.store.mode())
            .field("policy", &self.policy)
            .finish()
    }
}

/// The credential `--save-secret` kept for one client id at the run's authority: the last
/// source of a credential, and where a PFX given without its password looks for it.
#[derive(Clone)]
pub struct SavedCredentials {
    store: Arc<SecretStore>,
    client_id: String,
    authority: String,
}

impl SavedCredentials {
    /// For `client_id` at the run's authority.
    pub fn new(context: &Context, client_id: &str) -> Self {
        Self {
            store: context.settings.keyring.store.clone(),
            client_id: client_id.to_owned(),
            authority: context.settings.authority.url().to_owned(),
        }
    }

    /// The client id it is kept for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The authority it is kept for.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The saved credential and where it was found, if any.
    pub fn lookup(&self) -> Result<Option<(SavedCredential, Backend)>> {
        self.store
            .saved_credential(&self.client_id, &self.authority)
            .context("could not look for a saved client credential")
    }

    /// The saved password of a certificate, for a PFX given without one.
    pub fn certificate_password(&self) -> Result<Option<CertificatePassword>> {
        match self.lookup()? {
            Some((SavedCredential::Certificate { password, .. }, _)) => Ok(password),
            _ => Ok(None),
        }
    }
}

/// `--save-secret`: the credential to keep once the identity provider has accepted it.
pub struct SaveSecret {
    saved: SavedCredentials,
    credential: SavedCredential,
}

impl SaveSecret {
    /// Decides, before any request, what this run keeps: nothing without `--save-secret`; with
    /// it, the secret or certificate that an option, a variable or the profile gave (a run
    /// that found only the saved one has nothing new to keep), and with `--keyring require` a
    /// keyring that works.
    pub fn plan(
        args: &SaveSecretArgs,
        saved: &SavedCredentials,
        resolved: &Resolved,
    ) -> Result<Option<Self>> {
        if !args.save_secret {
            return Ok(None);
        }
        if resolved.origin == Origin::Keyring {
            return Err(UsageError(
                "--save-secret needs a credential option or variable: this run found none, and \
                 would only keep the credential that is already saved"
                    .into(),
            )
            .into());
        }
        let Some(credential) = resolved.keepable.clone() else {
            return Err(UsageError(format!(
                "--save-secret keeps a client secret or a certificate given on the command line \
                 or in the environment; {} is not one",
                resolved.credential.describe()
            ))
            .into());
        };
        if saved.store.mode() == KeyringMode::Require {
            saved
                .store
                .keyring()
                .context("--save-secret with --keyring require")?;
        }
        Ok(Some(Self {
            saved: saved.clone(),
            credential,
        }))
    }

    /// After a successful run: keeps the credential, but only when `result` came from the
    /// identity provider, which has then accepted it; a token from the cache (a fallback after
    /// a failed refresh, say) proves nothing about it.
    pub fn commit(self, result: &AuthenticationResult) -> Result<()> {
        let saved = &self.saved;
        if result.source != TokenSource::IdentityProvider {
            log::warn!(
                "the credential was not saved: the token came from the cache, so the identity \
                 provider did not check it in this run (run again with --save-secret)"
            );
            return Ok(());
        }
        let backend = saved
            .store
            .save_credential(&saved.client_id, &saved.authority, &self.credential)
            .context("could not keep the client credential (--save-secret)")?;
        // The file fallback has already said where it went.
        if backend != Backend::File {
            status!(
                "saved the credential of {} at {} in {backend}",
                saved.client_id,
                saved.authority
            );
        }
        Ok(())
    }
}

/// `--forget-secret`: removes the saved credential of the run's client id and authority.
pub fn forget_secret(context: &Context) -> Result<()> {
    let settings = &context.settings;
    if !settings.authority_given {
        return Err(UsageError(
            "--forget-secret needs the authority the secret was saved for: pass --tenant or \
             --authority, or set AZURE_TENANT_ID"
                .into(),
        )
        .into());
    }
    let client_id = settings.required_client_id()?;
    let authority = settings.authority.url();
    let removed = settings
        .keyring
        .store
        .forget_credential(&client_id, authority)
        .context("could not forget the saved client credential")?;
    if removed.is_empty() {
        status!("no saved credential for {client_id} at {authority}");
    } else {
        let places: Vec<String> = removed.iter().map(ToString::to_string).collect();
        status!(
            "forgot the credential of {client_id} at {authority} ({})",
            places.join(", ")
        );
    }
    Ok(())
}

//! Secrets kept between runs: the OS keyring, tiered, with a 0600 file as the last resort.
//!
//! Two things live here: a confidential client's credential that the user chose to keep
//! ([`SavedCredential`], `--save-secret`), and, when the user opts in, the key that encrypts the
//! token cache file ([`KeyringCacheKeys`]).
//!
//! # Tiers
//!
//! [`SecretStore`] tries the platform's OS keyrings in order (on Linux the Secret Service, then
//! kernel keyutils once a canary write/read/delete has worked), then, for secrets that allow it,
//! a 0600 file in the config directory. A tier that fails or does not answer is
//! not asked again in the same run. Reads look in every tier, so a secret saved while no keyring
//! was reachable is still found once one is. [`KeyringMode`] narrows this: `require` never uses
//! the file and fails when no keyring works; `off` never touches a keyring.
//!
//! # Bounded
//!
//! Every keyring call runs on a helper thread with a deadline ([`DEFAULT_TIMEOUT`] unless set): a
//! keyring that hangs (a D-Bus bus that accepts and never answers) costs one deadline, then the
//! next tier is tried. No keyring call can hang a run or a CI job.
//!
//! Nothing here logs or returns a secret: values travel as [`KeyringSecret`], and error messages
//! are built from the keyring's error kind, never from stored bytes.

mod bounded;
mod cache_key;
mod file;
mod os;
mod saved;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use keyring_core::api::CredentialStore;

pub use cache_key::{KeyringCacheKeys, cache_key_id};
pub use saved::{SavedCredential, saved_credential_id};

use crate::secret::KeyringSecret;
use bounded::{Unanswered, bounded};
use file::FileStore;

/// The keyring service name of every `msal` entry.
pub const SERVICE: &str = "msal";

/// How long one keyring call may take by default. A healthy keyring answers in milliseconds,
/// an absent one fails in under 20 ms (`notes/dependencies.md`); 3 s leaves room for a slow
/// first D-Bus activation of a keyring daemon while still bounding a hung bus.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether, and how insistently, the OS keyring is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyringMode {
    /// The OS keyring when one works, else the 0600 file (with a notice).
    #[default]
    Auto,
    /// The OS keyring or nothing: fail when none works.
    Require,
    /// Never the OS keyring: only the 0600 file (and no cache encryption).
    Off,
}

impl FromStr for KeyringMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "require" | "required" => Ok(Self::Require),
            "off" | "never" | "file" => Ok(Self::Off),
            _ => Err(format!(
                "unknown keyring mode {text:?}: expected auto, require or off"
            )),
        }
    }
}

/// Where a secret is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The freedesktop.org Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC).
    SecretService,
    /// The Linux kernel's key retention service (persistent and session keyrings).
    Keyutils,
    /// The macOS login Keychain.
    MacosKeychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
    /// A 0600 file in the config directory: no OS keyring.
    File,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SecretService => "the Secret Service (D-Bus)",
            Self::Keyutils => "the kernel keyring (keyutils)",
            Self::MacosKeychain => "the macOS Keychain",
            Self::WindowsCredentialManager => "the Windows Credential Manager",
            Self::File => "a 0600 file",
        })
    }
}

/// Why a secret could not be read, kept or forgotten. No variant holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// No OS keyring works, and the secret may not (or, with `--keyring require`, must not)
    /// go to the 0600 file.
    #[error(
        "no OS keyring is usable ({tried}); start a Secret Service (e.g. gnome-keyring-daemon) \
         in a D-Bus session, or run inside a session keyring (`keyctl session`)"
    )]
    Unavailable {
        /// Each keyring tried and why it failed.
        tried: String,
    },
    /// The store was configured with [`KeyringMode::Off`] and the secret needs an OS keyring.
    #[error("the OS keyring is turned off")]
    Off,
    /// A keyring that works refused this entry (too long, ambiguous, unreadable value).
    #[error("{backend}: {reason}")]
    Refused {
        /// The keyring that refused.
        backend: Backend,
        /// The keyring's own error message (it never holds the secret).
        reason: String,
    },
    /// Reading or writing the 0600 file failed.
    #[error("secret file {path}: {source}")]
    File {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A secret file that is not what `msal` writes.
    #[error("secret file {path} is not a file msal wrote; move it away")]
    FileFormat {
        /// The secret file.
        path: PathBuf,
    },
    /// No OS keyring works, and there is no config directory for the 0600 file.
    #[error("no OS keyring is usable ({tried}), and there is no config directory for a file")]
    NoFileLocation {
        /// Each keyring tried and why it failed.
        tried: String,
    },
    /// A stored value is not in the expected format.
    #[error("{0}")]
    Format(&'static str),
    /// A saved credential is in a format this version does not read (another version saved
    /// it); saving it again replaces it.
    #[error("the saved credential is not in a format this version of msal reads")]
    SavedCredentialFormat,
}

/// One secret's name in the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretId {
    /// The keyring service: [`SERVICE`].
    pub service: String,
    /// The keyring account (user): what the secret belongs to.
    pub account: String,
    /// A description for people: keyring managers show it, and so do `msal`'s messages.
    pub label: String,
    /// Whether the 0600 file may hold it when no OS keyring works.
    pub file_fallback: bool,
}

impl SecretId {
    /// An `msal` secret named `account`, described by `label`, allowed in the 0600 file.
    pub fn new(account: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            service: SERVICE.to_owned(),
            account: account.into(),
            label: label.into(),
            file_fallback: true,
        }
    }

    /// What it is, for messages: the label without its `msal: ` prefix.
    pub fn what(&self) -> String {
        format!(
            "the {}",
            self.label.strip_prefix("msal: ").unwrap_or(&self.label)
        )
    }

    /// Kept only in an OS keyring, never in the 0600 file.
    pub fn keyring_only(mut self) -> Self {
        self.file_fallback = false;
        self
    }
}

/// A secret found, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The secret itself, redacted in `Debug`.
    pub value: KeyringSecret,
    /// The keyring (or the 0600 file) that held it.
    pub backend: Backend,
}

/// How a [`SecretStore`] behaves.
#[derive(Debug, Clone)]
pub struct SecretStoreConfig {
    /// Keyring or file, or both.
    pub mode: KeyringMode,
    /// The deadline of each keyring call.
    pub timeout: Duration,
    /// The directory of the 0600 files (`<config dir>/msal/secrets`); `None` without a home.
    pub file_dir: Option<PathBuf>,
}

impl Default for SecretStoreConfig {
    fn default() -> Self {
        Self {
            mode: KeyringMode::Auto,
            timeout: DEFAULT_TIMEOUT,
            file_dir: None,
        }
    }
}

/// The tiered secret store. Cheap to create: nothing is probed until a secret is asked for.
#[derive(Debug)]
pub struct SecretStore {
    config: SecretStoreConfig,
    tiers: Vec<Tier>,
    file: Option<FileStore>,
    /// Set once the "no keyring reachable" notice has been given.
    noticed: AtomicBool,
}

/// One OS keyring and what this run knows about it.
struct Tier {
    backend: Backend,
    state: Mutex<TierState>,
}

impl fmt::Debug for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Tier").field(&self.backend).finish()
    }
}

enum TierState {
    Untried,
    Ready(Arc<CredentialStore>),
    Failed(String),
}

/// What one call to one OS keyring came to.
enum Outcome<T> {
    Done(T),
    /// The keyring works and has no such entry.
    Missing,
    /// The keyring does not work (unreachable, locked, no answer): try the next.
    Unusable(String),
    /// The keyring works and refused this call: trying another would hide the problem.
    Refused(String),
}

/// Collects the reasons of the keyrings that failed, for one message.
#[derive(Default)]
struct Tried(Vec<(Backend, String)>);

impl Tried {
    fn add(&mut self, backend: Backend, reason: String) {
        self.0.push((backend, reason));
    }

    fn text(&self) -> String {
        if self.0.is_empty() {
            return "this system has no OS keyring msal can use".to_owned();
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(backend, reason)| format!("{backend}: {reason}"))
            .collect();
        format!("tried {}", parts.join("; "))
    }
}

impl SecretStore {
    /// A store for this system's OS keyrings, configured by `config`.
    pub fn new(config: SecretStoreConfig) -> Self {
        let tiers = match config.mode {
            KeyringMode::Off => Vec::new(),
            KeyringMode::Auto | KeyringMode::Require => os::tiers()
                .iter()
                .map(|&backend| Tier {
                    backend,
                    state: Mutex::new(TierState::Untried),
                })
                .collect(),
        };
        let file = config.file_dir.clone().map(FileStore::new);
        Self {
            config,
            tiers,
            file,
            noticed: AtomicBool::new(false),
        }
    }

    /// The mode it was configured with.
    pub fn mode(&self) -> KeyringMode {
        self.config.mode
    }

    /// The first OS keyring that works, probing as needed: for `--keyring require` checks
    /// before any network traffic, and for diagnostics.
    pub fn keyring(&self) -> Result<Backend, KeyringError> {
        if self.config.mode == KeyringMode::Off {
            return Err(KeyringError::Off);
        }
        let mut tried = Tried::default();
        for tier in &self.tiers {
            match self.ready(tier) {
                Ok(_) => return Ok(tier.backend),
                Err(reason) => tried.add(tier.backend, reason),
            }
        }
        Err(KeyringError::Unavailable {
            tried: tried.text(),
        })
    }

    /// Reads `id`: from the first OS keyring that has it, else from the 0600 file.
    /// `Ok(None)` when nobody has it.
    pub fn get(&self, id: &SecretId) -> Result<Option<Found>, KeyringError> {
        let mut tried = Tried::default();
        let mut answered = false;
        for tier in &self.tiers {
            let (service, account, label) =
                (id.service.clone(), id.account.clone(), id.label.clone());
            match self.call(tier, &mut tried, move |store, backend| {
                os::entry(backend, &store, &service, &account, &label)?.get_password()
            }) {
                Some(Outcome::Done(value)) => {
                    log::info!("keyring: found {} in {}", id.what(), tier.backend);
                    return Ok(Some(Found {
                        value: KeyringSecret::new(value),
                        backend: tier.backend,
                    }));
                }
                Some(Outcome::Missing) => answered = true,
                Some(Outcome::Refused(reason)) => {
                    return Err(KeyringError::Refused {
                        backend: tier.backend,
                        reason,
                    });
                }
                Some(Outcome::Unusable(_)) | None => {}
            }
        }
        if !answered {
            self.unavailable(id, &tried)?;
        }
        let file = self
            .file
            .as_ref()
            .filter(|_| id.file_fallback && self.config.mode != KeyringMode::Require);
        if let Some(file) = file
            && let Some(value) = file.get(id)?
        {
            log::info!(
                "keyring: found {} in {} (mode 0600)",
                id.what(),
                file.path(id).display()
            );
            return Ok(Some(Found {
                value,
                backend: Backend::File,
            }));
        }
        Ok(None)
    }

    /// Keeps `value` as `id` in the first OS keyring that takes it, else (when `id` allows it
    /// and the mode is not `require`) in the 0600 file, saying so once on stderr. Returns where.
    pub fn set(&self, id: &SecretId, value: &KeyringSecret) -> Result<Backend, KeyringError> {
        let mut tried = Tried::default();
        for tier in &self.tiers {
            let (service, account, label) =
                (id.service.clone(), id.account.clone(), id.label.clone());
            let secret = value.secret().to_owned();
            match self.call(tier, &mut tried, move |store, backend| {
                os::entry(backend, &store, &service, &account, &label)?.set_password(&secret)
            }) {
                Some(Outcome::Done(())) => {
                    log::info!("keyring: kept {} in {}", id.what(), tier.backend);
                    return Ok(tier.backend);
                }
                Some(Outcome::Refused(reason)) => {
                    return Err(KeyringError::Refused {
                        backend: tier.backend,
                        reason,
                    });
                }
                Some(Outcome::Missing | Outcome::Unusable(_)) | None => {}
            }
        }
        self.unavailable(id, &tried)?;
        let Some(file) = &self.file else {
            return Err(KeyringError::NoFileLocation {
                tried: tried.text(),
            });
        };
        let path = file.set(id, value)?;
        if self.config.mode == KeyringMode::Auto {
            if !self.noticed.swap(true, Ordering::Relaxed) {
                log::warn!(
                    "no keyring reachable; keeping {} in {} (mode 0600)",
                    id.what(),
                    path.display()
                );
            }
        } else {
            log::info!(
                "keyring: off; kept {} in {} (mode 0600)",
                id.what(),
                path.display()
            );
        }
        Ok(Backend::File)
    }

    /// Removes `id` from every OS keyring that has it and from the 0600 file; returns where it
    /// was (empty when nowhere).
    pub fn delete(&self, id: &SecretId) -> Result<Vec<Backend>, KeyringError> {
        let mut tried = Tried::default();
        let mut answered = false;
        let mut removed = Vec::new();
        for tier in &self.tiers {
            let (service, account, label) =
                (id.service.clone(), id.account.clone(), id.label.clone());
            match self.call(tier, &mut tried, move |store, backend| {
                os::entry(backend, &store, &service, &account, &label)?.delete_credential()
            }) {
                Some(Outcome::Done(())) => {
                    answered = true;
                    removed.push(tier.backend);
                }
                Some(Outcome::Missing) => answered = true,
                Some(Outcome::Refused(reason)) => {
                    return Err(KeyringError::Refused {
                        backend: tier.backend,
                        reason,
                    });
                }
                Some(Outcome::Unusable(_)) | None => {}
            }
        }
        // The file is cleaned in every mode: forgetting must not leave a copy behind.
        if let Some(file) = self.file.as_ref().filter(|_| id.file_fallback)
            && file.delete(id)?
        {
            removed.push(Backend::File);
        }
        if !answered && removed.is_empty() && self.config.mode == KeyringMode::Require {
            return Err(KeyringError::Unavailable {
                tried: tried.text(),
            });
        }
        Ok(removed)
    }

    /// `Err` when no OS keyring answered and `id` may not fall back to the file in this mode.
    fn unavailable(&self, id: &SecretId, tried: &Tried) -> Result<(), KeyringError> {
        match self.config.mode {
            KeyringMode::Require => Err(KeyringError::Unavailable {
                tried: tried.text(),
            }),
            KeyringMode::Off if !id.file_fallback => Err(KeyringError::Off),
            KeyringMode::Auto if !id.file_fallback => Err(KeyringError::Unavailable {
                tried: tried.text(),
            }),
            _ => Ok(()),
        }
    }

    /// Runs `op` against `tier` within the deadline. `None` when the tier is already known not
    /// to work; a tier that fails now is remembered as failed and its reason added to `tried`.
    fn call<T, F>(&self, tier: &Tier, tried: &mut Tried, op: F) -> Option<Outcome<T>>
    where
        T: Send + 'static,
        F: FnOnce(Arc<CredentialStore>, Backend) -> keyring_core::Result<T> + Send + 'static,
    {
        let store = match self.ready(tier) {
            Ok(store) => store,
            Err(reason) => {
                tried.add(tier.backend, reason);
                return None;
            }
        };
        let backend = tier.backend;
        let outcome = match bounded(self.config.timeout, move || op(store, backend)) {
            Ok(Ok(value)) => Outcome::Done(value),
            Ok(Err(keyring_core::Error::NoEntry)) => Outcome::Missing,
            Ok(Err(e)) => classify(&e),
            Err(unanswered) => Outcome::Unusable(unanswered.to_string()),
        };
        if let Outcome::Unusable(reason) = &outcome {
            log::info!("keyring: {backend} stopped working: {reason}");
            tried.add(backend, reason.clone());
            *lock(&tier.state) = TierState::Failed(reason.clone());
        }
        Some(outcome)
    }

    /// The tier's store, opening (and for keyutils, testing) it on first use.
    fn ready(&self, tier: &Tier) -> Result<Arc<CredentialStore>, String> {
        let mut state = lock(&tier.state);
        match &*state {
            TierState::Ready(store) => return Ok(store.clone()),
            TierState::Failed(reason) => return Err(reason.clone()),
            TierState::Untried => {}
        }
        let backend = tier.backend;
        let opened = match bounded(self.config.timeout, move || os::open(backend)) {
            Ok(opened) => opened,
            Err(Unanswered::TimedOut(t)) => Err(format!(
                "no answer within {} s (a hung D-Bus session bus?)",
                t.as_secs_f64()
            )),
            Err(other) => Err(other.to_string()),
        };
        match opened {
            Ok(store) => {
                log::info!("keyring: using {backend}");
                *state = TierState::Ready(store.clone());
                Ok(store)
            }
            Err(reason) => {
                log::info!("keyring: {backend} is not usable: {reason}");
                *state = TierState::Failed(reason.clone());
                Err(reason)
            }
        }
    }
}

/// Sorts a keyring error: does the keyring not work at all, or did it refuse this call?
fn classify<T>(error: &keyring_core::Error) -> Outcome<T> {
    use keyring_core::Error as E;
    match error {
        E::NoEntry => Outcome::Missing,
        E::PlatformFailure(_)
        | E::NoStorageAccess(_)
        | E::NoDefaultStore
        | E::NotSupportedByStore(_) => Outcome::Unusable(os::reason(error)),
        _ => Outcome::Refused(os::reason(error)),
    }
}

/// The tier state, even if a thread panicked while holding it (the state is a plain value).
fn lock(state: &Mutex<TierState>) -> MutexGuard<'_, TierState> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_only(dir: &std::path::Path) -> SecretStore {
        SecretStore::new(SecretStoreConfig {
            mode: KeyringMode::Off,
            timeout: DEFAULT_TIMEOUT,
            file_dir: Some(dir.to_owned()),
        })
    }

    #[test]
    fn modes_parse() {
        assert_eq!("auto".parse(), Ok(KeyringMode::Auto));
        assert_eq!("REQUIRE".parse(), Ok(KeyringMode::Require));
        assert_eq!("off".parse(), Ok(KeyringMode::Off));
        assert!("sometimes".parse::<KeyringMode>().is_err());
    }

    #[test]
    fn off_keeps_secrets_in_the_file_and_refuses_keyring_only_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_only(dir.path());
        let id = SecretId::new("acct", "a test secret");
        assert_eq!(store.get(&id).unwrap(), None);
        assert_eq!(
            store.set(&id, &KeyringSecret::new("v")).unwrap(),
            Backend::File
        );
        assert_eq!(store.get(&id).unwrap().unwrap().backend, Backend::File);
        assert_eq!(store.delete(&id).unwrap(), vec![Backend::File]);
        assert_eq!(store.delete(&id).unwrap(), Vec::<Backend>::new());

        let key = SecretId::new("key", "a key").keyring_only();
        assert!(matches!(store.get(&key), Err(KeyringError::Off)));
        assert!(matches!(
            store.set(&key, &KeyringSecret::new("k")),
            Err(KeyringError::Off)
        ));
        assert!(matches!(store.keyring(), Err(KeyringError::Off)));
    }

    #[test]
    fn saved_credentials_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_only(dir.path());
        let credential = SavedCredential::ClientSecret {
            secret: crate::secret::ClientSecret::new("s"),
        };
        store
            .save_credential("c", "https://a/t", &credential)
            .unwrap();
        assert_eq!(
            store.saved_credential("c", "https://a/t").unwrap(),
            Some((credential, Backend::File))
        );
        assert_eq!(store.saved_credential("c", "https://a/u").unwrap(), None);
        assert_eq!(
            store.forget_credential("c", "https://a/t").unwrap(),
            vec![Backend::File]
        );
    }
}

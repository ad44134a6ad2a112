//! Cache encryption keys in the OS keyring: the [`CacheKeySource`] `msal` gives its
//! [`crate::cache::CacheFile`].
//!
//! One key per cache file (the account is the file's absolute path), so that a key is only ever
//! created under that file's lock. Never in the 0600 file fallback: a key kept next to the file
//! it encrypts protects nothing, so without an OS keyring encryption is refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{SERVICE, SecretId, SecretStore};
use crate::cache::{CacheKey, CacheKeyError, CacheKeySource};
use crate::secret::KeyringSecret;

/// Cache keys kept in the OS keyring through a [`SecretStore`], remembered for the run.
#[derive(Debug)]
pub struct KeyringCacheKeys {
    store: Arc<SecretStore>,
    /// Keys already read or created in this run: the cache is read and written several times
    /// per run, and each keyring call is a D-Bus round trip.
    known: Mutex<HashMap<PathBuf, CacheKey>>,
}

impl KeyringCacheKeys {
    /// Keys in `store`'s OS keyrings.
    pub fn new(store: Arc<SecretStore>) -> Self {
        Self {
            store,
            known: Mutex::new(HashMap::new()),
        }
    }

    fn remember(&self, cache: &Path, key: &CacheKey) {
        // A poisoned map only loses the memo; the keyring still has the key.
        if let Ok(mut known) = self.known.lock() {
            known.insert(cache.to_owned(), key.clone());
        }
    }
}

/// The keyring entry of the key for `cache`.
pub fn cache_key_id(cache: &Path) -> SecretId {
    let path = std::path::absolute(cache).unwrap_or_else(|_| cache.to_owned());
    SecretId::new(
        format!("token-cache-key:{}", path.display()),
        format!("msal: encryption key of the token cache {}", path.display()),
    )
    .keyring_only()
}

impl CacheKeySource for KeyringCacheKeys {
    fn get(&self, cache: &Path) -> Result<Option<CacheKey>, CacheKeyError> {
        if let Some(key) = self.known.lock().ok().and_then(|k| k.get(cache).cloned()) {
            return Ok(Some(key));
        }
        let Some(found) = self.store.get(&cache_key_id(cache))? else {
            return Ok(None);
        };
        let key = CacheKey::from_text(found.value.secret())?;
        self.remember(cache, &key);
        Ok(Some(key))
    }

    fn create(&self, cache: &Path) -> Result<CacheKey, CacheKeyError> {
        let key = CacheKey::generate()?;
        let backend = self
            .store
            .set(&cache_key_id(cache), &KeyringSecret::new(key.to_text()))?;
        log::info!(
            "created a key for the encrypted token cache {} in {backend}",
            cache.display()
        );
        self.remember(cache, &key);
        Ok(key)
    }

    fn describe(&self, cache: &Path) -> String {
        format!(
            "the OS keyring (service {SERVICE:?}, account {:?})",
            cache_key_id(cache).account
        )
    }
}

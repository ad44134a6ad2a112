//! Discovery metadata kept on disk, so that a warm run needs no discovery request: one small file
//! per authority under the user's cache directory, trusted for a day.
//!
//! It is only an optimisation: any problem reading or writing it is logged at debug level and
//! the metadata is fetched again. Writers replace files atomically, so concurrent runs at worst
//! fetch twice.

use std::io::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Discovered;

/// How long discovered metadata is trusted.
pub const METADATA_TTL_SECS: u64 = 24 * 60 * 60;

/// A directory of discovery documents, one file per authority.
#[derive(Debug, Clone)]
pub struct MetadataCache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    authority: String,
    fetched_at: u64,
    #[serde(flatten)]
    discovered: Discovered,
}

impl MetadataCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn file_for(&self, key: &str) -> PathBuf {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
        let name: String = digest.as_ref()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("metadata-{name}.json"))
    }

    /// What was discovered for `key` (the authority URL), if fetched less than a day ago. The
    /// file may have been written by someone else: check it before use.
    pub fn get(&self, key: &str, now: u64) -> Option<Discovered> {
        let (discovered, fetched_at) = self.get_any_age(key)?;
        let fresh = fetched_at <= now && now - fetched_at < METADATA_TTL_SECS;
        fresh.then_some(discovered)
    }

    /// The endpoints stored for `key` however old, for when discovering them again failed:
    /// endpoints rarely move, and a cached token can still be served with them.
    pub fn get_any_age(&self, key: &str) -> Option<(Discovered, u64)> {
        let text = std::fs::read(self.file_for(key)).ok()?;
        let entry: Entry = serde_json::from_slice(&text).ok()?;
        (entry.authority == key).then_some((entry.discovered, entry.fetched_at))
    }

    /// Stores what was discovered for `key`.
    pub fn put(&self, key: &str, discovered: &Discovered, now: u64) {
        let entry = Entry {
            authority: key.to_owned(),
            fetched_at: now,
            discovered: discovered.clone(),
        };
        if let Err(e) = self.write(key, &entry) {
            log::debug!(
                "could not keep discovery metadata in {}: {e}",
                self.dir.display()
            );
        }
    }

    fn write(&self, key: &str, entry: &Entry) -> std::io::Result<()> {
        let json = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(&self.dir)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        file.write_all(&json)?;
        file.persist(self.file_for(key)).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_expires_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MetadataCache::new(dir.path().join("msal"));
        let discovered = Discovered {
            endpoints: super::super::Endpoints {
                issuer: None,
                token_endpoint: "https://h/t/oauth2/v2.0/token".into(),
                authorization_endpoint: None,
                device_authorization_endpoint: None,
                token_endpoint_auth_methods_supported: None,
            },
            aliases: vec!["h2".into()],
        };
        assert!(cache.get("https://h/t", 1000).is_none());
        cache.put("https://h/t", &discovered, 1000);
        assert_eq!(cache.get("https://h/t", 1000 + 60), Some(discovered));
        assert!(cache.get("https://h/other", 1000).is_none());
        assert!(cache.get("https://h/t", 1000 + METADATA_TTL_SECS).is_none());
        assert_eq!(
            cache.get_any_age("https://h/t").map(|(_, at)| at),
            Some(1000)
        );
    }
}

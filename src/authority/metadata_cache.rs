//! Discovery metadata kept on disk, so that a warm run needs no discovery request: one small file
//! per authority under the user's cache directory, trusted for a day.
//!
//! It is only an optimisation: any problem reading or writing it is logged and the metadata is
//! fetched again. Writers replace files atomically, so concurrent runs at worst fetch twice.
//!
//! The document decides where the client secret is posted, so a file is used only as
//! [`crate::private_file`] allows (a regular file of the user's that no one else can write, not
//! behind a link someone else could have planted); any other is ignored, and replaced by the next
//! write. Missing directories are created 0700.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Discovered;

/// How long discovered metadata is trusted.
pub const METADATA_TTL_SECS: u64 = 24 * 60 * 60;

/// The largest metadata file read: a few hundred bytes are written.
const MAX_METADATA_BYTES: u64 = 1024 * 1024;

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
        let path = self.file_for(key);
        let read = crate::private_file::locate(&path).and_then(|located| {
            let Some(located) = located else {
                return Ok(None);
            };
            match located.dir.open(&located.name, &located.path)? {
                Some(file) => file.read_all(MAX_METADATA_BYTES, &located.path).map(Some),
                None => Ok(None),
            }
        });
        let text = match read {
            Ok(text) => text?,
            Err(e) => {
                log::warn!("ignoring cached discovery metadata {e}");
                return None;
            }
        };
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

    fn write(&self, key: &str, entry: &Entry) -> Result<(), String> {
        let json = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        let located = crate::private_file::locate_or_create(&self.file_for(key))
            .map_err(|e| e.to_string())?;
        // The directory is msal's own: nobody else has any business in it. One an older version
        // left open to others under umask 000 is closed now.
        match located.dir.make_private() {
            Ok(Some(mode)) => log::warn!(
                "{} was accessible to other users (mode {mode:o}); changed it to 700",
                located.dir.path().display()
            ),
            Ok(None) => {}
            Err(e) => return Err(format!("{}: {e}", located.dir.path().display())),
        }
        located
            .dir
            .write(&located.name, &json, &located.path)
            .map_err(|e| e.to_string())
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
            endpoints: crate::authority::Endpoints {
                issuer: None,
                token_endpoint: "https://h/t/oauth2/v2.0/token".into(),
                authorization_endpoint: None,
                device_authorization_endpoint: None,
                token_endpoint_auth_methods_supported: None,
                token_endpoint_auth_signing_alg_values_supported: None,
                scopes_supported: None,
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

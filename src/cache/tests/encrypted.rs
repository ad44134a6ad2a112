//! The cache file encrypted with a key from a key source (here in memory; the OS keyring in
//! `msal`): the same lock, atomic write and "write only when changed" as a plain file.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::file::{add_app_token, has_app_token};
use crate::cache::{
    CacheEncryption, CacheError, CacheFile, CacheKey, CacheKeyError, CacheKeySource,
    EncryptionPolicy,
};

/// Keys in memory, with a switch that makes the "keyring" unreachable.
#[derive(Debug, Default)]
struct MemoryKeys {
    keys: Mutex<HashMap<PathBuf, CacheKey>>,
    unreachable: AtomicBool,
    created: AtomicUsize,
}

impl CacheKeySource for MemoryKeys {
    fn get(&self, cache: &Path) -> Result<Option<CacheKey>, CacheKeyError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err("the test keyring is unreachable".into());
        }
        Ok(self.keys.lock().unwrap().get(cache).cloned())
    }

    fn create(&self, cache: &Path) -> Result<CacheKey, CacheKeyError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err("the test keyring is unreachable".into());
        }
        self.created.fetch_add(1, Ordering::SeqCst);
        let key = CacheKey::generate()?;
        self.keys
            .lock()
            .unwrap()
            .insert(cache.to_owned(), key.clone());
        Ok(key)
    }

    fn describe(&self, _cache: &Path) -> String {
        "the test keyring".to_owned()
    }
}

fn file(path: &Path, keys: &Arc<MemoryKeys>, policy: EncryptionPolicy) -> CacheFile {
    let keys: Arc<dyn CacheKeySource> = keys.clone();
    CacheFile::new(path.to_owned()).with_encryption(CacheEncryption::new(keys, policy))
}

fn is_encrypted(path: &Path) -> bool {
    fs::read(path)
        .unwrap()
        .starts_with(b"#msal-encrypted-cache v1 ")
}

#[test]
fn opting_in_encrypts_and_later_runs_decrypt_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let keys = Arc::new(MemoryKeys::default());
    file(&path, &keys, EncryptionPolicy::Encrypt)
        .update(|cache| add_app_token(cache, "s1"))
        .unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(is_encrypted(&path));
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
    assert!(!text.contains("at-s1"), "the token is in the clear");
    assert!(!text.contains("AccessToken"));

    // A later run that says nothing about encryption reads it, and keeps it encrypted.
    let later = file(&path, &keys, EncryptionPolicy::Keep);
    assert!(has_app_token(&later.load().unwrap(), "s1"));
    later.update(|cache| add_app_token(cache, "s2")).unwrap();
    assert!(is_encrypted(&path));
    let cache = later.load().unwrap();
    assert!(has_app_token(&cache, "s1") && has_app_token(&cache, "s2"));
    assert_eq!(keys.created.load(Ordering::SeqCst), 1);
}

#[test]
fn a_plain_cache_is_encrypted_when_opted_in_and_decrypted_when_opted_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let keys = Arc::new(MemoryKeys::default());
    CacheFile::new(path.clone())
        .update(|cache| add_app_token(cache, "s1"))
        .unwrap();
    let plain = fs::read_to_string(&path).unwrap();

    // Opting in converts at once, on a read alone.
    let cache = file(&path, &keys, EncryptionPolicy::Encrypt)
        .load()
        .unwrap();
    assert!(has_app_token(&cache, "s1"));
    assert!(is_encrypted(&path));

    // Opting out writes the same JSON back.
    file(&path, &keys, EncryptionPolicy::Decrypt)
        .load()
        .unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), plain);
}

#[test]
fn an_unchanged_encrypted_cache_is_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let keys = Arc::new(MemoryKeys::default());
    let cache_file = file(&path, &keys, EncryptionPolicy::Encrypt);
    cache_file
        .update(|cache| add_app_token(cache, "s1"))
        .unwrap();
    let before = fs::metadata(&path).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    cache_file.load().unwrap();
    cache_file
        .update(|cache| cache.access_token_count())
        .unwrap();
    let after = fs::metadata(&path).unwrap();
    assert_eq!(before.ino(), after.ino());
    assert_eq!(before.mtime_nsec(), after.mtime_nsec());
}

#[test]
fn a_missing_or_wrong_key_is_an_error_and_the_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let keys = Arc::new(MemoryKeys::default());
    file(&path, &keys, EncryptionPolicy::Encrypt)
        .update(|cache| add_app_token(cache, "s1"))
        .unwrap();
    let bytes = fs::read(&path).unwrap();

    let empty = Arc::new(MemoryKeys::default());
    for policy in [EncryptionPolicy::Keep, EncryptionPolicy::Encrypt] {
        let error = file(&path, &empty, policy).load().unwrap_err();
        assert!(matches!(error, CacheError::KeyMissing { .. }), "{error}");
        let error = file(&path, &empty, policy)
            .update(|cache| add_app_token(cache, "s2"))
            .unwrap_err();
        assert!(matches!(error, CacheError::KeyMissing { .. }), "{error}");
    }
    // No key source at all (a program that never heard of encryption).
    let error = CacheFile::new(path.clone()).load().unwrap_err();
    assert!(error.to_string().contains("encrypted"), "{error}");

    // Another key for the same path.
    empty.create(&path).unwrap();
    let error = file(&path, &empty, EncryptionPolicy::Keep)
        .load()
        .unwrap_err();
    assert!(matches!(error, CacheError::Decrypt { .. }), "{error}");
    assert!(error.to_string().contains("encrypted with key"), "{error}");

    // An unreachable keyring.
    keys.unreachable.store(true, Ordering::SeqCst);
    let error = file(&path, &keys, EncryptionPolicy::Keep)
        .load()
        .unwrap_err();
    assert!(matches!(error, CacheError::Key { .. }), "{error}");

    assert_eq!(fs::read(&path).unwrap(), bytes, "the file was changed");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // The cache, its lock file, and the marker that says it is kept encrypted.
    assert_eq!(names.len(), 3, "something was moved aside: {names:?}");
}

#[test]
fn opting_in_without_a_reachable_keyring_stops_before_anything_is_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let keys = Arc::new(MemoryKeys::default());
    keys.unreachable.store(true, Ordering::SeqCst);
    let error = file(&path, &keys, EncryptionPolicy::Encrypt)
        .load()
        .unwrap_err();
    assert!(matches!(error, CacheError::Key { .. }), "{error}");
    assert!(!path.exists());
}

#[test]
fn a_damaged_envelope_is_moved_aside_like_any_corrupt_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    fs::write(&path, "#msal-encrypted-cache v1 (cut short").unwrap();
    let keys = Arc::new(MemoryKeys::default());
    let error = file(&path, &keys, EncryptionPolicy::Keep)
        .load()
        .unwrap_err();
    assert!(matches!(error, CacheError::Corrupt { .. }), "{error}");
    assert!(path.exists(), "reading moves nothing");
    file(&path, &keys, EncryptionPolicy::Keep)
        .update(|_| ())
        .unwrap();
    assert!(!path.exists());
    // A newer format is never clobbered.
    fs::write(&path, "#msal-encrypted-cache v2 future\n{}").unwrap();
    let error = file(&path, &keys, EncryptionPolicy::Encrypt)
        .update(|cache| add_app_token(cache, "s1"))
        .unwrap_err();
    assert!(matches!(error, CacheError::UnknownFormat { .. }), "{error}");
}

#[test]
fn concurrent_encrypted_updates_lose_nothing_and_agree_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path: Arc<PathBuf> = Arc::new(dir.path().join("cache.json"));
    let keys = Arc::new(MemoryKeys::default());
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let path = Arc::clone(&path);
            let keys = Arc::clone(&keys);
            std::thread::spawn(move || {
                let cache_file = file(&path, &keys, EncryptionPolicy::Encrypt);
                cache_file.load().unwrap();
                cache_file
                    .update(|cache| add_app_token(cache, &format!("scope-{i}")))
                    .unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(keys.created.load(Ordering::SeqCst), 1);
    assert!(is_encrypted(&path));
    let cache = file(&path, &keys, EncryptionPolicy::Keep).load().unwrap();
    assert_eq!(cache.access_token_count(), 16);
}

#[test]
fn a_plain_file_in_place_of_an_encrypted_cache_is_refused_while_its_key_exists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let keys = Arc::new(MemoryKeys::default());
    file(&path, &keys, EncryptionPolicy::Encrypt)
        .update(|cache| add_app_token(cache, "s1"))
        .unwrap();

    // Another program replaces it with plain JSON.
    fs::write(&path, "{}").unwrap();
    let keep = file(&path, &keys, EncryptionPolicy::Keep);
    for result in [
        keep.load().map(|_| ()),
        keep.update(|cache| add_app_token(cache, "s2")),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(err, CacheError::PlainWhereEncrypted { .. }),
            "{err}"
        );
        // The remedy names command-line options, which the CLI adds as a hint.
        assert!(err.to_string().contains("left untouched"), "{err}");
        assert!(!err.to_string().contains("--"), "{err}");
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), "{}", "left untouched");

    // Deleted instead: the next write is encrypted again, with the same key.
    fs::remove_file(&path).unwrap();
    keep.update(|cache| add_app_token(cache, "s3")).unwrap();
    assert!(is_encrypted(&path));
    assert_eq!(keys.created.load(Ordering::SeqCst), 1, "no second key");

    // Decrypting deliberately makes it plain for good, and plain runs then leave it so.
    file(&path, &keys, EncryptionPolicy::Decrypt)
        .update(|_| ())
        .unwrap();
    assert!(!is_encrypted(&path));
    keep.update(|cache| add_app_token(cache, "s4")).unwrap();
    assert!(!is_encrypted(&path));
    assert!(has_app_token(&keep.load().unwrap(), "s4"));
}

#[test]
fn a_plain_cache_that_was_never_encrypted_never_asks_the_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let keys = Arc::new(MemoryKeys::default());
    keys.unreachable.store(true, Ordering::SeqCst);
    let keep = file(&path, &keys, EncryptionPolicy::Keep);
    keep.update(|cache| add_app_token(cache, "s1")).unwrap();
    assert!(has_app_token(&keep.load().unwrap(), "s1"));
}

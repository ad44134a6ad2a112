//! The cache file: real files in a temporary directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::cache::{AccessTokenFilter, AccessTokenQuery, CacheError, CacheFile, TokenCache};

/// Adds an app-only token for `scope`, valid for an hour.
pub(super) fn add_app_token(cache: &mut TokenCache, scope: &str) {
    add_app_token_expiring(cache, &format!("at-{scope}"), &[scope], 3600);
}

pub(super) fn has_app_token(cache: &TokenCache, scope: &str) -> bool {
    let wanted = scopes(&[scope]);
    let query = AccessTokenQuery {
        client_id: CLIENT,
        issuer: entra(),
        realm: TENANT,
        home_account_id: None,
        scopes: &wanted,
    };
    cache.find_access_token(&query, NOW).is_some()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn missing_file_is_an_empty_cache_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = CacheFile::new(dir.path().join("sub/cache.json"));
    assert!(file.load().unwrap().is_empty());
    let answer = file.update(|cache| cache.access_token_count()).unwrap();
    assert_eq!(answer, 0);
    assert!(
        !dir.path().join("sub/cache.json").exists(),
        "an empty cache is not written"
    );
}

#[test]
fn update_writes_a_private_file_in_private_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/cache.json");
    let file = CacheFile::new(path.clone());
    file.update(|cache| add_app_token(cache, "s1")).unwrap();
    assert!(has_app_token(&file.load().unwrap(), "s1"));
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("{\n    \"AccessToken\": {\n        \""),
        "{text}"
    );
    // The lock file stays (deleting lock files races); no temporary file is left behind.
    assert_eq!(
        entries(&dir.path().join("a/b")),
        ["cache.json", "cache.json.lock"]
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    }
}

#[cfg(unix)]
#[test]
fn update_that_changes_nothing_does_not_rewrite() {
    use std::os::unix::fs::MetadataExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    // Written by MSAL Python: other formatting is not a reason to rewrite either.
    let python_text = MSAL_PYTHON_CACHE.replace("    ", "  ");
    fs::write(&path, &python_text).unwrap();
    let file = CacheFile::new(path.clone());
    let before = fs::metadata(&path).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let count = file.update(|cache| cache.access_token_count()).unwrap();
    assert_eq!(count, 2);
    // Removing nothing is no change either.
    file.update(|cache| cache.remove_account("nobody", None))
        .unwrap();
    let after = fs::metadata(&path).unwrap();
    assert_eq!(before.ino(), after.ino());
    assert_eq!(before.mtime_nsec(), after.mtime_nsec());
    assert_eq!(fs::read_to_string(&path).unwrap(), python_text);

    // A real change replaces the file (a new inode: written aside, then renamed).
    file.update(|cache| add_app_token(cache, "s2")).unwrap();
    assert_ne!(fs::metadata(&path).unwrap().ino(), before.ino());
}

#[test]
fn corrupt_file_is_moved_aside_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    fs::write(&path, "{\"AccessToken\": {tru").unwrap();
    let file = CacheFile::new(path.clone());
    file.update(|cache| add_app_token(cache, "s1")).unwrap();
    assert!(has_app_token(&file.load().unwrap(), "s1"));
    let names = entries(dir.path());
    let aside: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("cache.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{names:?}");
    assert_eq!(
        fs::read_to_string(dir.path().join(aside[0])).unwrap(),
        "{\"AccessToken\": {tru"
    );

    // Reading reports it and changes nothing; the next write moves it aside, and two
    // corruptions in one second keep both.
    fs::write(&path, "[\"not an object\"]").unwrap();
    let err = file.load().unwrap_err();
    assert!(
        matches!(&err, CacheError::Corrupt { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("array"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "[\"not an object\"]");
    file.update(|cache| add_app_token(cache, "s2")).unwrap();
    assert!(has_app_token(&file.load().unwrap(), "s2"));
    let names = entries(dir.path());
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("cache.json.corrupt-"))
            .count(),
        2,
        "{names:?}"
    );
}

#[test]
fn unknown_format_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    // Valid JSON nested deeper than the parser follows, in an unknown section and in an entry.
    let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for text in [
        r#"{"AccessToken": [], "Version": 2}"#.to_owned(),
        r#"{"RefreshToken": {"k": {"secret": 1234567890}}}"#.to_owned(),
        r#"{"IdToken": {"k": "not-an-entry"}}"#.to_owned(),
        format!(r#"{{"Unknown": {}}}"#, deep(200)),
        format!(r#"{{"AccessToken": {{"k": {{"x": {}}}}}}}"#, deep(10_000)),
    ] {
        fs::write(&path, &text).unwrap();
        let file = CacheFile::new(path.clone());
        let err = file.load().unwrap_err();
        assert!(
            matches!(&err, CacheError::UnknownFormat { path: p, .. } if *p == path),
            "{err:?}"
        );
        let shown = err.to_string();
        assert!(shown.contains(&path.display().to_string()), "{shown}");
        assert!(
            !shown.contains("1234567890") && !shown.contains("not-an-entry"),
            "{shown}"
        );
        let mut called = false;
        let err = file.update(|_| called = true).unwrap_err();
        assert!(matches!(err, CacheError::UnknownFormat { .. }));
        assert!(!called);
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }
    assert_eq!(entries(dir.path()), ["cache.json", "cache.json.lock"]);
}

#[cfg(unix)]
#[test]
fn loose_permissions_are_tightened_by_a_write_not_a_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    fs::write(&path, MSAL_PYTHON_CACHE).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let file = CacheFile::new(path.clone());
    assert!(!file.load().unwrap().is_empty());
    assert_eq!(mode(&path), 0o644, "reading changes nothing");
    // A write that changes nothing still makes the file private, without rewriting it.
    file.update(|_| ()).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(fs::read_to_string(&path).unwrap(), MSAL_PYTHON_CACHE);
}

#[cfg(unix)]
#[test]
fn files_others_can_write_and_special_files_are_refused_untouched() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    fs::write(&path, MSAL_PYTHON_CACHE).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
    let file = CacheFile::new(path.clone());
    for err in [file.load().unwrap_err(), file.update(|_| ()).unwrap_err()] {
        assert!(matches!(err, CacheError::Refused { .. }), "{err:?}");
        assert!(err.to_string().contains("mode 666"), "{err}");
    }
    assert_eq!(mode(&path), 0o666);
    assert_eq!(entries(dir.path()), ["cache.json"], "no lock file either");

    for special in [Path::new("/dev/null"), dir.path()] {
        let file = CacheFile::new(special.to_owned());
        for err in [file.load().unwrap_err(), file.update(|_| ()).unwrap_err()] {
            assert!(matches!(err, CacheError::Refused { .. }), "{err:?}");
        }
    }
    assert_eq!(entries(dir.path()), ["cache.json"]);
}

#[cfg(unix)]
#[test]
fn symlinked_cache_stays_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("dotfiles");
    fs::create_dir(&real_dir).unwrap();
    let link = dir.path().join("cache.json");
    // Relative and dangling at first: the first write creates the target.
    std::os::unix::fs::symlink("dotfiles/msal.json", &link).unwrap();
    let file = CacheFile::new(link.clone());
    file.update(|cache| add_app_token(cache, "s1")).unwrap();
    file.update(|cache| add_app_token(cache, "s2")).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let cache = CacheFile::new(real_dir.join("msal.json")).load().unwrap();
    assert!(has_app_token(&cache, "s1") && has_app_token(&cache, "s2"));
    assert_eq!(entries(&real_dir), ["msal.json", "msal.json.lock"]);
    assert_eq!(entries(dir.path()), ["cache.json", "dotfiles"]);
}

#[test]
fn lock_timeout_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let holder = fs::File::create(dir.path().join("cache.json.lock")).unwrap();
    holder.lock().unwrap();
    let file = CacheFile::new(path.clone()).with_lock_timeout(Duration::from_millis(200));
    let start = Instant::now();
    let err = file.update(|cache| add_app_token(cache, "s1")).unwrap_err();
    let elapsed = start.elapsed();
    match &err {
        CacheError::LockTimeout { path: p, waited } => {
            assert_eq!(*p, path);
            assert!(*waited >= Duration::from_millis(200), "{waited:?}");
        }
        other => panic!("expected LockTimeout, got {other:?}"),
    }
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert!(err.to_string().contains(&path.display().to_string()));
    // Once released, the update goes through.
    holder.unlock().unwrap();
    file.update(|cache| add_app_token(cache, "s1")).unwrap();
    assert!(has_app_token(&file.load().unwrap(), "s1"));
}

#[test]
fn a_lock_wait_ends_when_interrupted_not_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let interrupt = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let file = CacheFile::new(path.clone())
        .with_lock_timeout(Duration::from_secs(60))
        .with_interrupt(interrupt.clone());
    let setter = {
        let interrupt = interrupt.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            interrupt.store(true, std::sync::atomic::Ordering::Relaxed);
        })
    };
    // Our own lock (`.lock`), then msal-extensions' lock file (`.lockfile`).
    let holder = fs::File::create(dir.path().join("cache.json.lock")).unwrap();
    holder.lock().unwrap();
    let start = Instant::now();
    let err = file.update(|cache| add_app_token(cache, "s1")).unwrap_err();
    assert!(
        matches!(&err, CacheError::Interrupted { path: p } if *p == path),
        "{err:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    setter.join().unwrap();
    holder.unlock().unwrap();
    fs::write(dir.path().join("cache.json.lockfile"), "4242 az").unwrap();
    let start = Instant::now();
    let err = file.update(|cache| add_app_token(cache, "s1")).unwrap_err();
    assert!(matches!(err, CacheError::Interrupted { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(!path.exists(), "nothing was written");
}

#[test]
fn concurrent_updates_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path: Arc<PathBuf> = Arc::new(dir.path().join("cache.json"));
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let path = Arc::clone(&path);
            std::thread::spawn(move || {
                // Each thread is its own "process": its own CacheFile and lock descriptor.
                let file = CacheFile::new(path.to_path_buf());
                file.update(|cache| add_app_token(cache, &format!("scope-{i}")))
                    .unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let cache = CacheFile::new(path.to_path_buf()).load().unwrap();
    assert_eq!(cache.access_token_count(), 16);
    for i in 0..16 {
        assert!(
            has_app_token(&cache, &format!("scope-{i}")),
            "scope-{i} lost"
        );
    }
}

#[test]
fn snapshots_read_files_as_load_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let file = CacheFile::new(path.clone());
    // Enough tokens that the file is read in several pieces.
    file.update(|cache| {
        for i in 0..300 {
            add_app_token(cache, &format!("scope-{i}"));
        }
    })
    .unwrap();
    assert!(fs::metadata(&path).unwrap().len() > crate::cache::stream::CHUNK as u64);
    let wanted = scopes(&["SCOPE-7"]);
    let filter = AccessTokenFilter {
        client_id: CLIENT,
        environment: ENV,
        scopes: &wanted,
    };
    let query = AccessTokenQuery {
        client_id: CLIENT,
        issuer: entra(),
        realm: TENANT,
        home_account_id: None,
        scopes: &wanted,
    };
    let snapshot = file.snapshot(&filter).unwrap();
    let cache = file.load().unwrap();
    let found = snapshot.find_access_token(&query, NOW).unwrap();
    assert_eq!(found.secret.secret(), "at-scope-7");
    assert_eq!(Some(found), cache.find_access_token(&query, NOW));
    assert!(format!("{snapshot:?}").contains("access_tokens_kept: 1"));

    // What the piecewise reader leaves to the whole-file parser (a duplicate section whose
    // first copy is not understood) reads the same way too.
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("{{\"AccessToken\": 1, {}", &text[1..])).unwrap();
    let snapshot = file.snapshot(&filter).unwrap();
    assert_eq!(
        Some(snapshot.find_access_token(&query, NOW).unwrap()),
        file.load().unwrap().find_access_token(&query, NOW)
    );

    // A missing file is an empty snapshot; a corrupt one is an error, or an empty snapshot for a
    // run that saves, and left alone either way; an unknown format is an error and left alone.
    fs::remove_file(&path).unwrap();
    assert!(file.snapshot(&filter).unwrap().accounts().is_empty());
    fs::write(&path, "{\"AccessToken\": {tru").unwrap();
    let err = file.snapshot(&filter).unwrap_err();
    assert!(matches!(err, CacheError::Corrupt { .. }), "{err:?}");
    assert!(
        file.snapshot_for_update(&filter)
            .unwrap()
            .find_access_token(&query, NOW)
            .is_none()
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "{\"AccessToken\": {tru");
    fs::remove_file(&path).unwrap();
    let text = r#"{"AccessToken": {"k": {"client_id": "client-1", "secret": 5}}}"#;
    fs::write(&path, text).unwrap();
    let err = file.snapshot(&filter).unwrap_err();
    assert!(matches!(err, CacheError::UnknownFormat { .. }), "{err:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

//! The lock other MSAL clients take on a shared cache file: msal-extensions' `<cache>.lockfile`
//! (the Azure CLI, azure-identity and every app that persists its cache with msal-extensions).
//!
//! Its protocol (msal-extensions `filelock.py` and `cache_lock.py`): create the lock file with
//! `O_EXCL`, retrying every 0.25 s; with portalocker installed, also `flock` it; write
//! `"<pid> <argv0>"`; delete it when done. Without portalocker a writer gives up after 5 s, with
//! it a writer carries on unlocked after 5 s. A holder keeps it only around reading, changing and
//! rewriting the file (which it truncates and rewrites in place), so `msal` takes it around its
//! own read–merge–write, and never across a network request. `msal`'s own `<cache>.lock` is
//! always taken first, so the two locks cannot deadlock.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::CacheError;

/// A lock file untouched for this long belongs to a writer that died holding it (holders keep
/// it for milliseconds), so it is removed rather than waited for.
const STALE_AFTER: Duration = Duration::from_secs(10);
/// Polling starts fast and backs off to this (msal-extensions polls every 0.25 s).
const MAX_POLL: Duration = Duration::from_millis(50);

/// msal-extensions' lock on a cache file, held until dropped.
#[derive(Debug)]
pub(super) struct PeerLock {
    path: PathBuf,
    file: File,
}

/// `<cache>.lockfile`.
pub(super) fn path_for(cache: &Path) -> PathBuf {
    let mut name = cache.as_os_str().to_owned();
    name.push(".lockfile");
    PathBuf::from(name)
}

impl PeerLock {
    /// Creates `<cache>.lockfile` exclusively, waiting until `deadline` for another holder to
    /// delete it; a stale one (its writer died) is removed with a warning.
    pub(super) fn acquire(cache: &Path, deadline: Instant) -> Result<Self, CacheError> {
        let path = path_for(cache);
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match create_exclusive(&path) {
                Ok(file) => return Self::flock(path, file, start, deadline),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if remove_if_stale(&path) {
                        continue;
                    }
                }
                Err(source) => return Err(CacheError::Io { path, source }),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CacheError::PeerLockTimeout {
                    path,
                    waited: now.duration_since(start),
                });
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(MAX_POLL);
        }
    }
}

impl PeerLock {
    /// Takes the `flock` portalocker writers also take on the file, polling until `deadline`: we
    /// created the file, so only a portalocker writer that gave up on the `O_EXCL` step and
    /// opened it by name meanwhile can hold it, and only briefly.
    fn flock(
        path: PathBuf,
        file: File,
        start: Instant,
        deadline: Instant,
    ) -> Result<Self, CacheError> {
        let lock = Self { path, file };
        let mut pause = Duration::from_millis(1);
        loop {
            match lock.file.try_lock() {
                Ok(()) => return Ok(lock),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => {
                    return Err(CacheError::Io {
                        path: lock.path.clone(),
                        source,
                    });
                }
            }
            let now = Instant::now();
            if now >= deadline {
                // Dropping the guard deletes the file we created.
                return Err(CacheError::PeerLockTimeout {
                    path: lock.path.clone(),
                    waited: now.duration_since(start),
                });
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(MAX_POLL);
        }
    }
}

impl Drop for PeerLock {
    fn drop(&mut self) {
        // Delete only our own file: if ours was taken for stale and replaced, the new one is
        // someone else's lock.
        if same_file(&self.file, &self.path) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// `O_CREAT | O_EXCL` (which never follows a symbolic link), mode 0600, holding
/// `"<pid> <argv0>"` as msal-extensions writes it.
fn create_exclusive(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let _ = write!(file, "{} msal", std::process::id());
    Ok(file)
}

/// Removes a lock file nobody has touched for [`STALE_AFTER`]; true when it was removed.
fn remove_if_stale(path: &Path) -> bool {
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return false;
    };
    let age = metadata
        .modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or_default();
    // Only a regular file: a symbolic link or anything else planted there is not a lock to
    // remove, and the wait ends in a timeout that names the path.
    if !metadata.is_file() || age < STALE_AFTER {
        return false;
    }
    match fs::remove_file(path) {
        Ok(()) => {
            log::warn!(
                "removed {}, a lock file left {} s ago by a process that did not finish",
                path.display(),
                age.as_secs()
            );
            true
        }
        Err(_) => false,
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn excludes_a_second_holder_and_deletes_its_file_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache.json");
        let held = PeerLock::acquire(&cache, Instant::now()).unwrap();
        assert!(path_for(&cache).is_file());
        let waited = PeerLock::acquire(&cache, Instant::now() + Duration::from_millis(50));
        assert!(matches!(waited, Err(CacheError::PeerLockTimeout { .. })));
        drop(held);
        assert!(!path_for(&cache).exists());
        PeerLock::acquire(&cache, Instant::now()).unwrap();
    }

    #[test]
    fn a_stale_lock_file_is_taken_over_and_a_fresh_one_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache.json");
        let lock = path_for(&cache);
        fs::write(&lock, "4242 az").unwrap();
        let fresh = PeerLock::acquire(&cache, Instant::now() + Duration::from_millis(30));
        assert!(fresh.is_err(), "a live holder is waited for");
        let old = SystemTime::now() - Duration::from_secs(60);
        File::options()
            .write(true)
            .open(&lock)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let _taken = PeerLock::acquire(&cache, Instant::now()).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_at_the_lock_path_is_neither_followed_nor_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache.json");
        let target = dir.path().join("target");
        fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, path_for(&cache)).unwrap();
        let result = PeerLock::acquire(&cache, Instant::now() + Duration::from_millis(20));
        assert!(result.is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert!(fs::symlink_metadata(path_for(&cache)).unwrap().is_symlink());
    }
}

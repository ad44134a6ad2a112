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

use std::ffi::OsString;
use std::fs::{File, TryLockError};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use super::CacheError;
use super::file::LockWait;
use crate::private_file::{Dir, Located};

/// A lock file untouched for this long belongs to a writer that died holding it (holders keep
/// it for milliseconds), so it is removed rather than waited for.
const STALE_AFTER: Duration = Duration::from_secs(10);
/// Polling starts fast and backs off to this (msal-extensions polls every 0.25 s).
const MAX_POLL: Duration = Duration::from_millis(50);

/// msal-extensions' lock on a cache file, held until dropped.
#[derive(Debug)]
pub(super) struct PeerLock<'a> {
    dir: &'a Dir,
    name: OsString,
    path: PathBuf,
    file: File,
}

impl<'a> PeerLock<'a> {
    /// Creates `<cache>.lockfile` exclusively (mode 0600, never through a link), waiting until
    /// `deadline` for another holder to delete it; a stale one (its writer died) is removed with
    /// a warning. Then takes the `flock` portalocker writers take on it too.
    pub(super) fn acquire(cache: &'a Located, wait: &LockWait<'_>) -> Result<Self, CacheError> {
        let deadline = wait.deadline();
        let name = cache.sibling(".lockfile");
        let path = cache.sibling_path(&name);
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(mut file) = cache.dir.create_new(&name, &path)? {
                // What msal-extensions writes: "<pid> <argv0>".
                let _ = write!(file, "{} msal", std::process::id());
                let lock = Self {
                    dir: &cache.dir,
                    name,
                    path,
                    file,
                };
                return lock.flock(start, wait);
            }
            if remove_if_stale(&cache.dir, &name, &path) {
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CacheError::PeerLockTimeout {
                    path,
                    waited: now.duration_since(start),
                });
            }
            wait.pause(pause, &path)?;
            pause = (pause * 2).min(MAX_POLL);
        }
    }

    /// Waits, without creating anything, until no other program holds `<cache>.lockfile` (or
    /// it is stale): for a reader that only looks, and wants a file no writer is in the middle
    /// of rewriting.
    pub(super) fn wait_until_free(cache: &Located, wait: &LockWait<'_>) -> Result<(), CacheError> {
        let deadline = wait.deadline();
        let name = cache.sibling(".lockfile");
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let fresh = cache
                .dir
                .regular_file_modified(&name)
                .is_some_and(|modified| {
                    SystemTime::now()
                        .duration_since(modified)
                        .unwrap_or_default()
                        < STALE_AFTER
                });
            if !fresh {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CacheError::PeerLockTimeout {
                    path: cache.sibling_path(&name),
                    waited: now.duration_since(start),
                });
            }
            wait.pause(pause, &cache.sibling_path(&name))?;
            pause = (pause * 2).min(MAX_POLL);
        }
    }

    /// Polls for the `flock` until the wait's deadline: we created the file, so only a portalocker writer
    /// that gave up on the `O_EXCL` step and opened it by name meanwhile can hold it, briefly.
    fn flock(self, start: Instant, wait: &LockWait<'_>) -> Result<Self, CacheError> {
        let deadline = wait.deadline();
        let mut pause = Duration::from_millis(1);
        loop {
            match self.file.try_lock() {
                Ok(()) => return Ok(self),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => {
                    return Err(CacheError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
            let now = Instant::now();
            if now >= deadline {
                // Dropping `self` deletes the file we created.
                return Err(CacheError::PeerLockTimeout {
                    path: self.path.clone(),
                    waited: now.duration_since(start),
                });
            }
            // Dropping `self` on an interruption deletes the file we created.
            wait.pause(pause, &self.path)?;
            pause = (pause * 2).min(MAX_POLL);
        }
    }
}

impl Drop for PeerLock<'_> {
    fn drop(&mut self) {
        // Delete only our own file: if ours was taken for stale and replaced, the new one is
        // someone else's lock.
        if self.dir.is_same_file(&self.name, &self.file) {
            let _ = self.dir.remove(&self.name);
        }
        let _ = self.file.unlock();
    }
}

/// Removes a lock file nobody has touched for [`STALE_AFTER`]; true when it was removed. Only a
/// regular file: a link or anything else planted there is not a lock to remove, and the wait ends
/// in a timeout that names the path.
fn remove_if_stale(dir: &Dir, name: &OsString, path: &std::path::Path) -> bool {
    let Some(modified) = dir.regular_file_modified(name) else {
        return false;
    };
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    if age < STALE_AFTER || dir.remove(name).is_err() {
        return false;
    }
    log::warn!(
        "removed {}, a lock file left {} s ago by a process that did not finish",
        path.display(),
        age.as_secs()
    );
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::fs;

    use super::*;
    use crate::private_file;

    fn located(dir: &std::path::Path) -> Located {
        private_file::locate_or_create(&dir.join("cache.json")).unwrap()
    }

    #[test]
    fn excludes_a_second_holder_and_deletes_its_file_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let cache = located(dir.path());
        let lock_path = dir.path().join("cache.json.lockfile");
        let held = PeerLock::acquire(&cache, &LockWait::until(Instant::now())).unwrap();
        assert!(lock_path.is_file());
        let waited = PeerLock::acquire(
            &cache,
            &LockWait::until(Instant::now() + Duration::from_millis(50)),
        );
        assert!(matches!(waited, Err(CacheError::PeerLockTimeout { .. })));
        drop(held);
        assert!(!lock_path.exists());
        PeerLock::acquire(&cache, &LockWait::until(Instant::now())).unwrap();
    }

    #[test]
    fn a_stale_lock_file_is_taken_over_and_a_fresh_one_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let cache = located(dir.path());
        let lock_path = dir.path().join("cache.json.lockfile");
        fs::write(&lock_path, "4242 az").unwrap();
        let fresh = PeerLock::acquire(
            &cache,
            &LockWait::until(Instant::now() + Duration::from_millis(30)),
        );
        assert!(fresh.is_err(), "a live holder is waited for");
        let old = SystemTime::now() - Duration::from_secs(60);
        File::options()
            .write(true)
            .open(&lock_path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let _taken = PeerLock::acquire(&cache, &LockWait::until(Instant::now())).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_at_the_lock_path_is_neither_followed_nor_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = located(dir.path());
        let lock_path = dir.path().join("cache.json.lockfile");
        let target = dir.path().join("target");
        fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, &lock_path).unwrap();
        let result = PeerLock::acquire(
            &cache,
            &LockWait::until(Instant::now() + Duration::from_millis(20)),
        );
        assert!(result.is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert!(fs::symlink_metadata(&lock_path).unwrap().is_symlink());
    }
}

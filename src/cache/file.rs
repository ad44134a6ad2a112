//! The cache file on disk: lock-free snapshots for lookups, and read–modify–write under an
//! exclusive cross-process lock for changes.
//!
//! Many `msal` processes may run at once (`xargs -P 16`); none may lose another's update. Every
//! change therefore happens under the lock on the sidecar `<cache>.lock`, re-reads the file, and
//! replaces it atomically (temporary file in the same directory, fsync, rename, fsync of the
//! directory), so a reader without the lock always sees a whole file, old or new.
//!
//! The file, its lock file and its directory are used only as [`crate::private_file`] allows:
//! regular files of the user's that no one else can write, reached without following a link
//! another user could have planted. Anything else is refused ([`CacheError::Refused`]) before it
//! is opened, and nothing is changed. Reading never changes a file: a file that is not a token
//! cache is reported ([`CacheError::Corrupt`]) and only moved aside by a write.

use std::fs::{File, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::encryption::{self, CacheEncryption, EncryptionPolicy, Opened};
use super::parse::{self, Keep, ParseError};
use super::peer_lock::PeerLock;
use super::schema::{AccessTokenView, Sections};
use super::stream;
use super::{AccessTokenFilter, CacheError, CacheSnapshot, TokenCache};
use crate::private_file::{self, FileError, Located, Refusal};

/// How long [`CacheFile::update`] waits for another process to release the lock by default.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// The suffix of the marker file that says msal keeps the cache beside it encrypted.
const ENCRYPTED_MARKER: &str = ".encrypted";
/// Polling for the lock starts fast (updates take milliseconds) and backs off to this.
const MAX_LOCK_POLL: Duration = Duration::from_millis(50);
/// The largest token cache read: 64 MiB, about 27,000 access tokens of a typical size (10,000
/// of MSAL Python's own entries make 24 MB). Entries are replaced, not accumulated, so real caches
/// stay far below this; the bound keeps a file named by mistake (a disk image, a log) from
/// being read whole into memory.
pub const MAX_CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl From<FileError> for CacheError {
    fn from(error: FileError) -> Self {
        match error {
            FileError::Io { path, source } => Self::Io { path, source },
            FileError::Refused { path, reason } => Self::Refused { path, reason },
        }
    }
}

/// The token cache file, shared by every `msal` process (and MSAL Python) that uses it.
///
/// # Locking
///
/// Changes are made under an exclusive `flock` ([`File::try_lock`]) on `<cache file>.lock`,
/// polled with short sleeps until a deadline (30 s by default), after which
/// [`CacheError::LockTimeout`] is returned: no run ever waits forever. The lock file is never
/// deleted, since deleting a lock file lets two processes lock two different files. The kernel
/// releases a `flock` when the process holding it exits, however it exits, so a killed `msal`
/// leaves no stale lock behind.
///
/// On network file systems: Linux NFS clients emulate `flock` with POSIX byte-range locks, which
/// the server arbitrates (NLM for NFSv3, built into NFSv4), so the lock works between machines
/// when the server supports locking. A server that refuses locks (`ENOLCK`, e.g. an NFSv3 export
/// without a lock manager) makes [`update`](Self::update) fail with [`CacheError::Io`] naming the
/// lock file, rather than risk losing updates; a volume mounted with `nolock` only locks between
/// processes of one machine. The deadline bounds waiting for a lock someone else holds; it cannot
/// bound a hard-mounted NFS server that stops answering, which stalls every file operation. Keep
/// the cache on a local disk where possible.
#[derive(Debug)]
pub struct CacheFile {
    path: PathBuf,
    lock_timeout: Duration,
    /// Set once the loose-permissions warning has been logged, so it is logged once.
    warned_permissions: AtomicBool,
    /// Opt-in encryption with a key in the OS keyring ([`encryption`]); `None` reads and
    /// writes plain JSON only, and reports an encrypted file as unreadable.
    encryption: Option<CacheEncryption>,
    /// Set (by another thread) to end lock waits at once ([`CacheFile::with_interrupt`]).
    interrupt: Option<Arc<AtomicBool>>,
}

impl Clone for CacheFile {
    fn clone(&self) -> Self {
        Self {
            path: self.path.clone(),
            lock_timeout: self.lock_timeout,
            warned_permissions: AtomicBool::new(self.warned_permissions.load(Ordering::Relaxed)),
            encryption: self.encryption.clone(),
            interrupt: self.interrupt.clone(),
        }
    }
}

/// What was found at the cache path.
enum Contents {
    Missing,
    /// A file of 0 bytes: an empty cache, or another MSAL client's in-place rewrite caught
    /// between its truncation and its write.
    Blank,
    /// The sections kept, and whether the file was encrypted.
    Parsed(Sections, bool),
    Corrupt(String),
}

impl CacheFile {
    /// The cache at `path`, with a 30-second lock timeout.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            warned_permissions: AtomicBool::new(false),
            encryption: None,
            interrupt: None,
        }
    }

    /// Reads encrypted files with keys from `encryption`, and writes the file encrypted or not as
    /// its policy says ([`EncryptionPolicy`]). The lock, the atomic write and "write only when changed"
    /// are the same either way: encryption happens only at the edge, on the bytes.
    pub fn with_encryption(mut self, encryption: CacheEncryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Sets how long [`update`](Self::update) waits for the lock.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Ends every wait for a lock as soon as `flag` is set, with [`CacheError::Interrupted`]. The
    /// waits are blocking sleeps on the calling thread, which an async runtime on that thread
    /// cannot cancel; a thread that handles Ctrl-C sets the flag so the user is not kept
    /// waiting for the lock timeout.
    pub fn with_interrupt(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// The path as given (before following symbolic links).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole cache, to look at. Takes no lock: writers replace the file atomically, so a read
    /// sees a whole file. A missing file is an empty cache.
    ///
    /// A file that is not a JSON object is [`CacheError::Corrupt`], left as it is; a JSON object
    /// of an unknown shape is [`CacheError::UnknownFormat`]. A file `msal` must not use (not a
    /// regular file, another user's, writable by others, behind an untrusted link, larger than
    /// [`MAX_CACHE_BYTES`]) is [`CacheError::Refused`]. A file others can read is reported in a
    /// warning and left as it is: the next write makes it 0600.
    ///
    /// With [`EncryptionPolicy::Encrypt`](super::EncryptionPolicy::Encrypt), a plain file is
    /// encrypted now (under the lock), and a missing one is checked to have a reachable keyring,
    /// so that a run that cannot keep its cache encrypted stops before any request;
    /// [`EncryptionPolicy::Decrypt`](super::EncryptionPolicy::Decrypt) turns an encrypted file
    /// back into plain JSON.
    ///
    /// For lookups, [`snapshot`](Self::snapshot) is much cheaper on a large cache; to change the
    /// cache, use [`update`](Self::update).
    pub fn load(&self) -> Result<TokenCache, CacheError> {
        self.load_sections(&Keep::All, false)
            .map(|sections| TokenCache { sections })
    }

    /// A read-only snapshot for lookups: like [`load`](Self::load) (no lock, same errors), but
    /// of the access tokens it keeps only those `filter` accepts, so that a cache of thousands of
    /// tokens costs little more than reading the file.
    pub fn snapshot(&self, filter: &AccessTokenFilter<'_>) -> Result<CacheSnapshot, CacheError> {
        self.snapshot_checking(filter, false)
    }

    /// A snapshot; with `check_lock`, a lock file that an update would refuse is refused now.
    fn snapshot_checking(
        &self,
        filter: &AccessTokenFilter<'_>,
        check_lock: bool,
    ) -> Result<CacheSnapshot, CacheError> {
        let keep = |at: &AccessTokenView<'_>| filter.keeps(at);
        self.load_sections(&Keep::AccessTokens(&keep), check_lock)
            .map(|sections| CacheSnapshot::new(sections, filter))
    }

    /// Like [`snapshot`](Self::snapshot), for a run that goes on to save the token it gets: a
    /// file that is not a token cache ([`CacheError::Corrupt`]) is an empty snapshot here, left
    /// as it is, and moved aside by the [`update`](Self::update) that saves, under the lock. A
    /// lock file that would be refused then is refused now, before anything is fetched.
    pub fn snapshot_for_update(
        &self,
        filter: &AccessTokenFilter<'_>,
    ) -> Result<CacheSnapshot, CacheError> {
        match self.snapshot_checking(filter, true) {
            Err(CacheError::Corrupt { path, detail }) => {
                log::debug!(
                    "token cache {} could not be read ({detail}); it is moved aside when a token \
                     is saved",
                    path.display()
                );
                Ok(CacheSnapshot::new(Sections::default(), filter))
            }
            other => other,
        }
    }

    fn load_sections(&self, keep: &Keep<'_>, check_lock: bool) -> Result<Sections, CacheError> {
        let Some(located) = private_file::locate(&self.path)? else {
            return self.missing(&self.path).map(|()| Sections::default());
        };
        if check_lock {
            let name = located.sibling(".lock");
            located
                .dir
                .check_lock(&name, &located.sibling_path(&name))?;
        }
        let (contents, open_to_others) = self.read(&located, keep)?;
        if let Some(mode) = open_to_others
            && !self.warned_permissions.swap(true, Ordering::Relaxed)
        {
            log::warn!(
                "token cache {} is accessible to other users (mode {mode:o}); it is made 600 \
                 the next time msal saves it",
                located.path.display()
            );
        }
        let target = &located.path;
        // An empty or unparsable file may be another MSAL client's in-place rewrite caught
        // half-way (msal-extensions truncates and rewrites under its lock file): wait for that
        // lock, then look again.
        let contents = match contents {
            Contents::Blank | Contents::Corrupt(_) => {
                // Waits without taking the lock: looking creates no file.
                PeerLock::wait_until_free(&located, &self.wait())?;
                self.read(&located, keep)?.0
            }
            other => other,
        };
        match contents {
            Contents::Missing | Contents::Blank => {
                self.missing(target).map(|()| Sections::default())
            }
            Contents::Parsed(sections, encrypted) => {
                if !encrypted {
                    self.check_plain_allowed(&located)?;
                }
                if self.wants_encrypted(encrypted) != encrypted && !sections.is_empty() {
                    // Re-reads and rewrites under the lock; nothing else changes.
                    self.update(|_| ())?;
                }
                Ok(sections)
            }
            // Moving the file aside is a change, left to a command that writes.
            Contents::Corrupt(detail) => Err(CacheError::Corrupt {
                path: target.clone(),
                detail,
            }),
        }
    }

    /// There is no file at `target`: with encryption wanted, checks that the keyring answers,
    /// so that a run that cannot keep its cache encrypted stops before any request.
    fn missing(&self, target: &Path) -> Result<(), CacheError> {
        if let Some(encryption) = self
            .encryption
            .as_ref()
            .filter(|_| self.wants_encrypted(false))
        {
            // Only whether the keyring answers: the key is created with the first write.
            encryption
                .keys
                .get(target)
                .map_err(|source| CacheError::Key {
                    path: target.to_owned(),
                    encrypted: false,
                    source,
                })?;
        }
        Ok(())
    }

    /// Read–modify–write under the exclusive cross-process lock: lock, re-read the file, apply
    /// `f`, and write only if the JSON changed. Returns `f`'s result.
    ///
    /// Missing parent directories are created (mode 0700); the file is written with mode 0600.
    /// `f` is not called when the file has an unknown format, and nothing is written then.
    ///
    /// The lock is not reentrant: calling `update` again from inside `f` (on any `CacheFile` for
    /// the same file) waits for itself and ends in [`CacheError::LockTimeout`].
    pub fn update<R>(&self, f: impl FnOnce(&mut TokenCache) -> R) -> Result<R, CacheError> {
        self.lock_exclusive()?.update(f)
    }

    /// Takes the exclusive lock and keeps it until the returned guard is dropped, so that a
    /// caller can read, talk to the network, and write without another process interleaving:
    /// `msal silent` refreshes this way, so two processes never spend the same refresh token
    /// (a provider that rotates refresh tokens strictly, or detects reuse, would otherwise
    /// refuse one of them, or revoke them all). Waits at most the lock timeout.
    pub fn lock_exclusive(&self) -> Result<LockedCacheFile<'_>, CacheError> {
        let located = private_file::locate_or_create(&self.path)?;
        // Nothing is created next to a file that will be refused.
        located.dir.check(&located.name, &located.path)?;
        let lock = self.lock(&located)?;
        Ok(LockedCacheFile {
            file: self,
            located,
            _lock: lock,
        })
    }

    /// Refuses a plain-JSON file where msal keeps an encrypted cache whose key is still in the
    /// keyring: something replaced the file (another program, a mistaken copy), and writing
    /// tokens into it would turn an encrypted cache into plaintext without anyone asking. Only
    /// when the file is to stay as it is ([`EncryptionPolicy::Keep`]); a marker file beside the
    /// cache ([`ENCRYPTED_MARKER`]) says msal encrypted it, so plain caches never pay for a
    /// keyring call.
    fn check_plain_allowed(&self, located: &Located) -> Result<(), CacheError> {
        let Some(encryption) = self
            .encryption
            .as_ref()
            .filter(|e| e.policy == EncryptionPolicy::Keep)
        else {
            return Ok(());
        };
        if !self.was_encrypted(located) {
            return Ok(());
        }
        let target = &located.path;
        match encryption.keys.get(target) {
            Ok(Some(_)) => Err(CacheError::PlainWhereEncrypted {
                path: target.clone(),
                looked_in: encryption.keys.describe(target),
            }),
            // The key was removed on purpose: the cache is plain from now on.
            Ok(None) => {
                let _ = located.dir.remove(&located.sibling(ENCRYPTED_MARKER));
                Ok(())
            }
            Err(source) => Err(CacheError::Key {
                path: target.clone(),
                encrypted: true,
                source,
            }),
        }
    }

    /// Whether msal last wrote this cache encrypted (its marker file exists).
    fn was_encrypted(&self, located: &Located) -> bool {
        self.encryption.is_some() && located.dir.exists(&located.sibling(ENCRYPTED_MARKER))
    }

    /// Records (or forgets) that the cache was written encrypted. Best effort: without the
    /// marker, only the refusal of a replaced file is lost.
    fn mark_encrypted(&self, located: &Located, encrypted: bool) {
        let name = located.sibling(ENCRYPTED_MARKER);
        if located.dir.exists(&name) == encrypted {
            return;
        }
        let result = if encrypted {
            located
                .dir
                .write(
                    &name,
                    b"msal keeps the token cache beside this file encrypted, its key in the OS \
                      keyring\n",
                    &located.sibling_path(&name),
                )
                .map_err(|e| e.to_string())
        } else {
            located.dir.remove(&name).map_err(|e| e.to_string())
        };
        if let Err(e) = result {
            log::debug!("{}: {e}", located.sibling_path(&name).display());
        }
    }

    /// A wait for a lock that starts now.
    fn wait(&self) -> LockWait<'_> {
        let now = Instant::now();
        LockWait {
            // A timeout too far off to add is as good as none.
            deadline: now
                .checked_add(self.lock_timeout)
                .unwrap_or(now + Duration::from_secs(86_400 * 365)),
            interrupt: self.interrupt.as_deref(),
        }
    }

    /// Whether a file that is (or is not) `encrypted` should be written encrypted.
    fn wants_encrypted(&self, encrypted: bool) -> bool {
        match &self.encryption {
            Some(encryption) => encryption.wants_encrypted(encrypted),
            None => encrypted,
        }
    }

    /// The key for `target` from the key source; with `create`, a new one is stored when there
    /// is none (only ever with the lock held).
    fn key(&self, target: &Path, create: bool) -> Result<encryption::CacheKey, CacheError> {
        let Some(encryption) = &self.encryption else {
            return Err(CacheError::KeyMissing {
                path: target.to_owned(),
                looked_in: "nowhere (this program was not given a keyring)".to_owned(),
            });
        };
        let key_error = |source| CacheError::Key {
            path: target.to_owned(),
            encrypted: false,
            source,
        };
        match encryption.keys.get(target).map_err(key_error)? {
            Some(key) => Ok(key),
            None if create => encryption.keys.create(target).map_err(key_error),
            None => Err(CacheError::KeyMissing {
                path: target.to_owned(),
                looked_in: encryption.keys.describe(target),
            }),
        }
    }

    /// Decrypts an encrypted file's bytes: an error when the key is missing, unreachable or
    /// wrong, never [`Contents::Corrupt`], so an encrypted cache is never moved aside or
    /// replaced just because its key cannot be had right now.
    fn decrypt(
        &self,
        target: &Path,
        bytes: &[u8],
        keep: &Keep<'_>,
    ) -> Result<Contents, CacheError> {
        let sealed = match encryption::parse(bytes) {
            Opened::Sealed(sealed) => sealed,
            Opened::Corrupt(detail) => return Ok(Contents::Corrupt(detail.to_owned())),
            Opened::UnknownVersion(detail) => {
                return Err(CacheError::UnknownFormat {
                    path: target.to_owned(),
                    detail,
                });
            }
        };
        // Reading needs an existing key: one created now could not decrypt anything.
        let key = self.key(target, false).map_err(|e| match e {
            CacheError::Key { path, source, .. } => CacheError::Key {
                path,
                encrypted: true,
                source,
            },
            other => other,
        })?;
        let file_kid = sealed.kid().to_owned();
        let Some(plain) = encryption::open(sealed, &key) else {
            return Err(CacheError::Decrypt {
                path: target.to_owned(),
                file_kid,
                key_kid: key.kid(),
            });
        };
        Self::parsed(target, &plain, keep, true)
    }

    /// Parses the JSON bytes of the cache.
    fn parsed(
        target: &Path,
        bytes: &[u8],
        keep: &Keep<'_>,
        encrypted: bool,
    ) -> Result<Contents, CacheError> {
        match parse::parse(bytes, keep) {
            Ok(sections) => Ok(Contents::Parsed(sections, encrypted)),
            Err(ParseError::Corrupt(detail)) => Ok(Contents::Corrupt(detail)),
            Err(ParseError::UnknownFormat(detail)) => Err(CacheError::UnknownFormat {
                path: target.to_owned(),
                detail,
            }),
        }
    }

    /// Reads and parses the file; also says whether others have access to it (its mode if so).
    /// An encrypted file is not JSON, so the piecewise reader declines it and the whole-file
    /// path decrypts it.
    fn read(
        &self,
        located: &Located,
        keep: &Keep<'_>,
    ) -> Result<(Contents, Option<u32>), CacheError> {
        let target = &located.path;
        let Some(mut file) = located.dir.open(&located.name, target)? else {
            return Ok((Contents::Missing, None));
        };
        let open_to_others = file.open_to_others();
        if file.len() == 0 {
            return Ok((Contents::Blank, open_to_others));
        }
        if file.len() > MAX_CACHE_BYTES {
            return Err(CacheError::Refused {
                path: target.clone(),
                reason: Refusal::TooLarge {
                    limit: MAX_CACHE_BYTES,
                },
            });
        }
        let io_error = |source| CacheError::Io {
            path: target.clone(),
            source,
        };
        // In pieces first: no buffer the size of the file, whose page faults would cost more than
        // parsing it. A document the piecewise reader does not vouch for (not one this version
        // understands, or not well-formed, or cut at the size bound) is read again whole for the
        // verdict.
        let mut bounded = file.file().take(MAX_CACHE_BYTES + 1);
        if let Some(sections) =
            stream::parse_from(&mut bounded, keep, stream::CHUNK).map_err(io_error)?
        {
            return Ok((Contents::Parsed(sections, false), open_to_others));
        }
        file.file().seek(SeekFrom::Start(0)).map_err(io_error)?;
        // One allocation of the file's size. No UTF-8 pass either: the parser checks every
        // string it reads, and anything else that is not ASCII is not JSON.
        let bytes = file.read_all(MAX_CACHE_BYTES, target)?;
        let contents = if encryption::is_encrypted(&bytes) {
            self.decrypt(target, &bytes, keep)?
        } else {
            Self::parsed(target, &bytes, keep, false)?
        };
        Ok((contents, open_to_others))
    }

    /// Makes the file 0600 when others have access to it (`open_to_others` is its mode), with
    /// the lock held, in a run that writes the cache anyway.
    fn make_private(&self, located: &Located, open_to_others: Option<u32>) {
        let Some(mode) = open_to_others else {
            return;
        };
        let result = located
            .dir
            .open(&located.name, &located.path)
            .map_err(|e| e.to_string())
            .and_then(|file| match file {
                Some(file) => file.make_private().map_err(|e| e.to_string()),
                None => Ok(()),
            });
        match result {
            Ok(()) => log::warn!(
                "token cache {} was accessible to other users (mode {mode:o}); changed it to 600",
                located.path.display()
            ),
            Err(e) => log::warn!(
                "token cache {} is accessible to other users (mode {mode:o}) and could not be \
                 changed to 600: {e}",
                located.path.display()
            ),
        }
    }

    /// Takes the exclusive lock on `<target>.lock`, polling until the deadline.
    fn lock(&self, located: &Located) -> Result<LockGuard, CacheError> {
        let name = located.sibling(".lock");
        let lock_path = located.sibling_path(&name);
        let file = located.dir.open_lock(&name, &lock_path)?;
        let start = Instant::now();
        let wait = self.wait();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(LockGuard(file)),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => {
                    return Err(CacheError::Io {
                        path: lock_path,
                        source,
                    });
                }
            }
            let waited = start.elapsed();
            if waited >= self.lock_timeout {
                return Err(CacheError::LockTimeout {
                    path: located.path.clone(),
                    waited,
                });
            }
            wait.pause(pause, &located.path)?;
            pause = (pause * 2).min(MAX_LOCK_POLL);
        }
    }
}

/// How long a wait for a lock may last, and the flag that ends it early.
pub(super) struct LockWait<'a> {
    deadline: Instant,
    interrupt: Option<&'a AtomicBool>,
}

impl LockWait<'_> {
    /// A wait that only the deadline ends.
    #[cfg(test)]
    pub(super) fn until(deadline: Instant) -> Self {
        Self {
            deadline,
            interrupt: None,
        }
    }

    /// When the wait must end.
    pub(super) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Sleeps `pause` (never past the deadline) between two tries for the lock of `path`;
    /// [`CacheError::Interrupted`] once the interrupt flag is set.
    pub(super) fn pause(&self, pause: Duration, path: &Path) -> Result<(), CacheError> {
        let interrupted = || {
            self.interrupt
                .is_some_and(|flag| flag.load(Ordering::Relaxed))
        };
        if interrupted() {
            return Err(CacheError::Interrupted {
                path: path.to_owned(),
            });
        }
        std::thread::sleep(pause.min(self.deadline.saturating_duration_since(Instant::now())));
        if interrupted() {
            return Err(CacheError::Interrupted {
                path: path.to_owned(),
            });
        }
        Ok(())
    }
}

/// Holds the lock; closing the file on drop releases it.
struct LockGuard(File);

/// The cache file under its exclusive lock (see [`CacheFile::lock_exclusive`]); the lock is
/// released when this is dropped.
pub struct LockedCacheFile<'a> {
    file: &'a CacheFile,
    located: Located,
    _lock: LockGuard,
}

impl std::fmt::Debug for LockedCacheFile<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockedCacheFile")
            .field("path", &self.located.path)
            .finish_non_exhaustive()
    }
}

impl LockedCacheFile<'_> {
    /// The cache as it is now on disk; a corrupt file is moved aside and reported (an empty
    /// cache is returned), an unknown format is an error.
    pub fn read(&self) -> Result<TokenCache, CacheError> {
        let _peer = PeerLock::acquire(&self.located, &self.file.wait())?;
        let (contents, open_to_others) = self.file.read(&self.located, &Keep::All)?;
        match contents {
            Contents::Parsed(sections, _) => {
                self.file.make_private(&self.located, open_to_others);
                Ok(TokenCache { sections })
            }
            Contents::Missing | Contents::Blank => Ok(TokenCache::new()),
            Contents::Corrupt(detail) => {
                move_aside(&self.located, &detail)?;
                Ok(TokenCache::new())
            }
        }
    }

    /// Read–modify–write without re-locking: re-read the file, apply `f`, and write only if
    /// the JSON changed (or its encryption should). Returns `f`'s result.
    pub fn update<R>(&self, f: impl FnOnce(&mut TokenCache) -> R) -> Result<R, CacheError> {
        let target = &self.located.path;
        // Other MSAL clients' lock too, from the read to the rename: they rewrite the file in
        // place, so without it the read could catch a half-written file, and our write could
        // land between their read and their write and be lost.
        let _peer = PeerLock::acquire(&self.located, &self.file.wait())?;
        let (contents, open_to_others) = self.file.read(&self.located, &Keep::All)?;
        let (mut cache, before, encrypted) = match contents {
            Contents::Parsed(sections, encrypted) => {
                if !encrypted {
                    self.file.check_plain_allowed(&self.located)?;
                }
                let cache = TokenCache { sections };
                let before = cache.to_json();
                (cache, Some(before), encrypted)
            }
            // A cache msal encrypted that is gone (deleted, moved) starts again encrypted.
            Contents::Missing | Contents::Blank => (
                TokenCache::new(),
                None,
                self.file.was_encrypted(&self.located),
            ),
            Contents::Corrupt(detail) => {
                move_aside(&self.located, &detail)?;
                (TokenCache::new(), None, false)
            }
        };
        let result = f(&mut cache);
        let after = cache.to_json();
        let encrypt = self.file.wants_encrypted(encrypted);
        // Compared with what we would have written for the file as read, not with its bytes, so
        // a file MSAL Python wrote (other key order) is not rewritten just to reformat it. A
        // change of format (encrypting, decrypting) is a change.
        let changed = match &before {
            Some(before) => *before != after || encrypt != encrypted,
            None => !cache.is_empty(),
        };
        if changed {
            let bytes = if encrypt {
                // The lock is held: creating the key here cannot race another process.
                let key = self.file.key(target, true)?;
                encryption::seal(after.as_bytes(), &key).map_err(|e| CacheError::Key {
                    path: target.clone(),
                    encrypted,
                    source: Box::new(e),
                })?
            } else {
                after.into_bytes()
            };
            remove_orphaned_temp_files(&self.located);
            let located = &self.located;
            located.dir.write(&located.name, &bytes, target)?;
            self.file.mark_encrypted(located, encrypt);
        } else {
            // The new file of a write is 0600 anyway.
            self.file.make_private(&self.located, open_to_others);
        }
        Ok(result)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the descriptor would release the lock anyway; unlocking first just makes it
        // explicit. Nothing useful can be done about an error here.
        let _ = self.0.unlock();
    }
}

/// Renames a corrupt cache to `<file>.corrupt-<unix seconds>` in its directory and says so: a
/// cache is never silently discarded. Called with the lock held, by a run that is
/// about to write the cache, on a file [`crate::private_file`] accepted.
fn move_aside(located: &Located, detail: &str) -> Result<(), CacheError> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let base = located.sibling(&format!(".corrupt-{secs}"));
    // Two corrupt caches within one second must not overwrite each other's evidence.
    let mut aside = base.clone();
    let mut n = 1;
    while located.dir.exists(&aside) {
        aside = base.clone();
        aside.push(format!("-{n}"));
        n += 1;
    }
    located.dir.rename(&located.name, &aside, &located.path)?;
    log::warn!(
        "token cache {} could not be read ({detail}); moved it to {} and started an empty cache",
        located.path.display(),
        located.sibling_path(&aside).display()
    );
    Ok(())
}

/// Deletes temporary files a killed writer left behind. Writers create them only while holding
/// the lock, which the caller holds now, so every one that exists is an orphan. Best effort.
fn remove_orphaned_temp_files(located: &Located) {
    let prefix = private_file::temp_prefix(&located.name);
    let Some(prefix) = prefix.to_str() else {
        return;
    };
    let Ok(names) = located.dir.names() else {
        return;
    };
    for name in names {
        let Some(text) = name.to_str() else { continue };
        if text.starts_with(prefix) && text.ends_with(".tmp") {
            match located.dir.remove(&name) {
                Ok(()) => log::debug!("removed {text}, left by an interrupted writer"),
                Err(e) => log::debug!("could not remove {text}: {e}"),
            }
        }
    }
}

//! The cache file on disk: lock-free snapshots for lookups, and read–modify–write under an
//! exclusive cross-process lock for changes (DESIGN §4).
//!
//! Many `msal` processes may run at once (`xargs -P 16`); none may lose another's update. Every
//! change therefore happens under the lock on the sidecar `<cache>.lock`, re-reads the file, and
//! replaces it atomically (temporary file in the same directory, fsync, rename, fsync of the
//! directory), so a reader without the lock always sees a whole file, old or new.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::encryption::{self, CacheEncryption, EncryptionPolicy, Opened};
use super::parse::{self, Keep, ParseError};
use super::peer_lock::PeerLock;
use super::schema::{AccessTokenView, Sections};
use super::stream;
use super::{AccessTokenFilter, CacheError, CacheSnapshot, TokenCache};

/// How long [`CacheFile::update`] waits for another process to release the lock by default.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// Polling for the lock starts fast (updates take milliseconds) and backs off to this.
const MAX_LOCK_POLL: Duration = Duration::from_millis(50);
/// The suffix of the marker file that says msal keeps the cache beside it encrypted.
const ENCRYPTED_MARKER: &str = ".encrypted";
/// Symbolic links followed at most, like the kernel's `ELOOP` limit.
const MAX_SYMLINKS: usize = 40;

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
}

impl Clone for CacheFile {
    fn clone(&self) -> Self {
        Self {
            path: self.path.clone(),
            lock_timeout: self.lock_timeout,
            warned_permissions: AtomicBool::new(self.warned_permissions.load(Ordering::Relaxed)),
            encryption: self.encryption.clone(),
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
        }
    }

    /// Reads encrypted files with keys from `encryption`, and writes the file encrypted or not as
    /// its policy says ([`encryption`]). The lock, the atomic write and "write only when changed"
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

    /// The path as given (before following symbolic links).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole cache, to look at. Takes no lock: writers replace the file atomically, so a read
    /// sees a whole file. A missing file is an empty cache.
    ///
    /// A file that is not a JSON object is moved aside (under the lock) and reported, and an empty
    /// cache returned; a JSON object of an unknown shape is [`CacheError::UnknownFormat`].
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
        self.load_sections(&Keep::All)
            .map(|sections| TokenCache { sections })
    }

    /// A read-only snapshot for lookups: like [`load`](Self::load) (no lock, same errors, a
    /// corrupt file moved aside), but of the access tokens it keeps only those `filter` accepts,
    /// so that a cache of thousands of tokens costs little more than reading the file.
    pub fn snapshot(&self, filter: &AccessTokenFilter<'_>) -> Result<CacheSnapshot, CacheError> {
        let keep = |at: &AccessTokenView<'_>| filter.keeps(at);
        self.load_sections(&Keep::AccessTokens(&keep))
            .map(|sections| CacheSnapshot::new(sections, filter))
    }

    fn load_sections(&self, keep: &Keep<'_>) -> Result<Sections, CacheError> {
        let target = resolve(&self.path)?;
        match self.read(&target, keep)? {
            Contents::Missing => {
                if let Some(encryption) = self
                    .encryption
                    .as_ref()
                    .filter(|_| self.wants_encrypted(false))
                {
                    // Only whether the keyring answers: the key is created with the first write.
                    encryption
                        .keys
                        .get(&target)
                        .map_err(|source| CacheError::Key {
                            path: target.clone(),
                            encrypted: false,
                            source,
                        })?;
                }
                Ok(Sections::default())
            }
            Contents::Parsed(sections, encrypted) => {
                if !encrypted {
                    self.check_plain_allowed(&target)?;
                }
                if self.wants_encrypted(encrypted) != encrypted && !sections.is_empty() {
                    // Re-reads and rewrites under the lock; nothing else changes.
                    self.update(|_| ())?;
                }
                Ok(sections)
            }
            // Possibly a torn read: msal-extensions truncates and rewrites the file in place,
            // under its lock file. Wait for that lock, then look again.
            Contents::Blank => {
                let peer = PeerLock::acquire(&target, self.deadline())?;
                match self.read(&target, keep)? {
                    Contents::Parsed(sections, _) => Ok(sections),
                    Contents::Missing | Contents::Blank => Ok(Sections::default()),
                    Contents::Corrupt(_) => {
                        // Our own lock comes first, always: never wait for it holding theirs.
                        drop(peer);
                        self.load_corrupt(&target, keep)
                    }
                }
            }
            Contents::Corrupt(_) => self.load_corrupt(&target, keep),
        }
    }

    /// A file that did not parse: perhaps another MSAL client's rewrite caught half-way, so look
    /// again under both locks; a file still corrupt then is moved aside.
    fn load_corrupt(&self, target: &Path, keep: &Keep<'_>) -> Result<Sections, CacheError> {
        // Moving a file aside is a change: do it under the lock, and only if it is still
        // corrupt once we hold it.
        let _lock = self.lock(target)?;
        let _peer = PeerLock::acquire(target, self.deadline())?;
        match self.read(target, keep)? {
            Contents::Missing | Contents::Blank => Ok(Sections::default()),
            Contents::Parsed(sections, _) => Ok(sections),
            Contents::Corrupt(detail) => {
                move_aside(target, &detail)?;
                Ok(Sections::default())
            }
        }
    }

    /// Refuses a plain-JSON file where msal keeps an encrypted cache whose key is still in the
    /// keyring: something replaced the file (another program, a mistaken copy), and writing
    /// tokens into it would turn an encrypted cache into plaintext without anyone asking. Only
    /// when the file is to stay as it is ([`EncryptionPolicy::Keep`]); a marker file beside the
    /// cache ([`ENCRYPTED_MARKER`]) says msal encrypted it, so plain caches never pay for a
    /// keyring call.
    fn check_plain_allowed(&self, target: &Path) -> Result<(), CacheError> {
        let Some(encryption) = self
            .encryption
            .as_ref()
            .filter(|e| e.policy == EncryptionPolicy::Keep)
        else {
            return Ok(());
        };
        if !self.was_encrypted(target) {
            return Ok(());
        }
        match encryption.keys.get(target) {
            Ok(Some(_)) => Err(CacheError::PlainWhereEncrypted {
                path: target.to_owned(),
                looked_in: encryption.keys.describe(target),
            }),
            // The key was removed on purpose: the cache is plain from now on.
            Ok(None) => {
                let _ = fs::remove_file(with_suffix(target, ENCRYPTED_MARKER));
                Ok(())
            }
            Err(source) => Err(CacheError::Key {
                path: target.to_owned(),
                encrypted: true,
                source,
            }),
        }
    }

    /// Whether msal last wrote the cache at `target` encrypted (its marker file exists).
    fn was_encrypted(&self, target: &Path) -> bool {
        self.encryption.is_some()
            && fs::symlink_metadata(with_suffix(target, ENCRYPTED_MARKER)).is_ok()
    }

    /// Records (or forgets) that the cache at `target` was written encrypted. Best effort: without
    /// the marker, only the refusal of a replaced file is lost.
    fn mark_encrypted(&self, target: &Path, encrypted: bool) {
        let marker = with_suffix(target, ENCRYPTED_MARKER);
        if fs::symlink_metadata(&marker).is_ok() == encrypted {
            return;
        }
        let result = if encrypted {
            write_atomically(
                &marker,
                b"msal keeps this token cache encrypted, with its key in the OS keyring\n",
            )
        } else {
            match fs::remove_file(&marker) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(CacheError::Io {
                    path: marker.clone(),
                    source: e,
                }),
                _ => Ok(()),
            }
        };
        if let Err(e) = result {
            log::debug!("{e}");
        }
    }

    /// When a wait for a lock that starts now must end.
    fn deadline(&self) -> Instant {
        Instant::now() + self.lock_timeout
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
        let target = resolve(&self.path)?;
        create_parent_dirs(&target)?;
        let lock = self.lock(&target)?;
        Ok(LockedCacheFile {
            file: self,
            target,
            _lock: lock,
        })
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

    /// Reads and parses the file, tightening loose permissions on the way. An encrypted file is
    /// not JSON, so the piecewise reader declines it and the whole-file path decrypts it.
    fn read(&self, target: &Path, keep: &Keep<'_>) -> Result<Contents, CacheError> {
        let io_error = |source| CacheError::Io {
            path: target.to_owned(),
            source,
        };
        let mut file = match File::open(target) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Contents::Missing),
            Err(e) => return Err(io_error(e)),
        };
        self.tighten_permissions(&file, target);
        if file.metadata().map_err(io_error)?.len() == 0 {
            return Ok(Contents::Blank);
        }
        // In pieces first: no buffer the size of the file, whose page faults would cost more than
        // parsing it. A document the piecewise reader does not vouch for (not one this version
        // understands, or not well-formed) is read again whole for the verdict.
        if let Some(sections) =
            stream::parse_from(&mut file, keep, stream::CHUNK).map_err(io_error)?
        {
            return Ok(Contents::Parsed(sections, false));
        }
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        // `File::read_to_end` reserves the rest of the file's size first: one allocation. No
        // UTF-8 pass either: the parser checks every string it reads, and anything else that is
        // not ASCII is not JSON.
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error)?;
        if encryption::is_encrypted(&bytes) {
            return self.decrypt(target, &bytes, keep);
        }
        Self::parsed(target, &bytes, keep, false)
    }

    /// Tokens must be readable by their owner only (DESIGN §4). A cache another tool created
    /// with a looser mode is tightened to 0600, with one warning.
    #[cfg(unix)]
    fn tighten_permissions(&self, file: &File, target: &Path) {
        use std::os::unix::fs::PermissionsExt as _;
        let Ok(metadata) = file.metadata() else {
            return;
        };
        let mode = metadata.permissions().mode();
        if mode & 0o077 == 0 {
            return;
        }
        let result = file.set_permissions(fs::Permissions::from_mode(0o600));
        if self.warned_permissions.swap(true, Ordering::Relaxed) {
            return;
        }
        match result {
            Ok(()) => log::warn!(
                "token cache {} was accessible to other users (mode {:o}); changed it to 600",
                target.display(),
                mode & 0o777
            ),
            Err(e) => log::warn!(
                "token cache {} is accessible to other users (mode {:o}) and could not be \
                 changed to 600: {e}",
                target.display(),
                mode & 0o777
            ),
        }
    }

    #[cfg(not(unix))]
    fn tighten_permissions(&self, _file: &File, _target: &Path) {}

    /// Takes the exclusive lock on `<target>.lock`, polling until the deadline.
    fn lock(&self, target: &Path) -> Result<LockGuard, CacheError> {
        let lock_path = with_suffix(target, ".lock");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(&lock_path).map_err(|source| CacheError::Io {
            path: lock_path.clone(),
            source,
        })?;
        let start = Instant::now();
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
                    path: target.to_owned(),
                    waited,
                });
            }
            std::thread::sleep(pause.min(self.lock_timeout - waited));
            pause = (pause * 2).min(MAX_LOCK_POLL);
        }
    }
}

/// Holds the lock; closing the file on drop releases it.
struct LockGuard(File);

/// The cache file under its exclusive lock (see [`CacheFile::lock_exclusive`]); the lock is
/// released when this is dropped.
pub struct LockedCacheFile<'a> {
    file: &'a CacheFile,
    target: PathBuf,
    _lock: LockGuard,
}

impl std::fmt::Debug for LockedCacheFile<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockedCacheFile")
            .field("path", &self.target)
            .finish_non_exhaustive()
    }
}

impl LockedCacheFile<'_> {
    /// The cache as it is now on disk; a corrupt file is moved aside and reported (an empty
    /// cache is returned), an unknown format is an error.
    pub fn read(&self) -> Result<TokenCache, CacheError> {
        let _peer = PeerLock::acquire(&self.target, self.file.deadline())?;
        match self.file.read(&self.target, &Keep::All)? {
            Contents::Parsed(sections, _) => Ok(TokenCache { sections }),
            Contents::Missing | Contents::Blank => Ok(TokenCache::new()),
            Contents::Corrupt(detail) => {
                move_aside(&self.target, &detail)?;
                Ok(TokenCache::new())
            }
        }
    }

    /// Read–modify–write without re-locking: re-read the file, apply `f`, and write only if
    /// the JSON changed (or its encryption should). Returns `f`'s result.
    pub fn update<R>(&self, f: impl FnOnce(&mut TokenCache) -> R) -> Result<R, CacheError> {
        let target = &self.target;
        // Other MSAL clients' lock too, from the read to the rename: they rewrite the file in
        // place, so without it the read could catch a half-written file, and our write could
        // land between their read and their write and be lost.
        let _peer = PeerLock::acquire(target, self.file.deadline())?;
        let (mut cache, before, encrypted) = match self.file.read(target, &Keep::All)? {
            Contents::Parsed(sections, encrypted) => {
                if !encrypted {
                    self.file.check_plain_allowed(target)?;
                }
                let cache = TokenCache { sections };
                let before = cache.to_json();
                (cache, Some(before), encrypted)
            }
            // A cache msal encrypted that is gone (deleted, moved) starts again encrypted.
            Contents::Missing | Contents::Blank => {
                (TokenCache::new(), None, self.file.was_encrypted(target))
            }
            Contents::Corrupt(detail) => {
                move_aside(target, &detail)?;
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
            remove_orphaned_temp_files(target);
            write_atomically(target, &bytes)?;
            self.file.mark_encrypted(target, encrypt);
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

/// Follows symbolic links at `path` so that writing replaces the link's target, not the link:
/// a cache symlinked into a dotfiles repository must stay a symlink.
fn resolve(path: &Path) -> Result<PathBuf, CacheError> {
    let io_error = |source| CacheError::Io {
        path: path.to_owned(),
        source,
    };
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {}
        _ => return Ok(path.to_owned()),
    }
    if let Ok(canonical) = fs::canonicalize(path) {
        return Ok(canonical);
    }
    // A dangling link (its target not created yet): follow it by hand, so the first write
    // creates the target rather than replacing the link.
    let mut current = path.to_owned();
    for _ in 0..MAX_SYMLINKS {
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = fs::read_link(&current).map_err(io_error)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io_error(io::Error::other(
        "too many levels of symbolic links",
    )))
}

/// The directory holding `target` (`.` for a bare file name).
fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Creates missing parent directories, private to the user (0700) since they hold tokens.
/// Existing directories are left as they are.
fn create_parent_dirs(target: &Path) -> Result<(), CacheError> {
    let dir = parent_dir(target);
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| CacheError::Io {
        path: dir.to_owned(),
        source,
    })
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// Renames a corrupt cache to `<file>.corrupt-<unix seconds>` and says so: a cache is never
/// silently discarded (DESIGN §4). Called with the lock held.
fn move_aside(target: &Path, detail: &str) -> Result<(), CacheError> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let base = with_suffix(target, &format!(".corrupt-{secs}"));
    // Two corrupt caches within one second must not overwrite each other's evidence.
    let mut aside = base.clone();
    let mut n = 1;
    while fs::symlink_metadata(&aside).is_ok() {
        aside = with_suffix(&base, &format!("-{n}"));
        n += 1;
    }
    fs::rename(target, &aside).map_err(|source| CacheError::Io {
        path: target.to_owned(),
        source,
    })?;
    log::warn!(
        "token cache {} could not be read ({detail}); moved it to {} and started an empty cache",
        target.display(),
        aside.display()
    );
    Ok(())
}

/// The name prefix of `target`'s temporary files: `.{file name}.`.
fn temp_prefix(target: &Path) -> OsString {
    match target.file_name() {
        Some(name) => {
            let mut prefix = OsString::from(".");
            prefix.push(name);
            prefix.push(".");
            prefix
        }
        None => OsString::from(".msal-cache."),
    }
}

/// Deletes temporary files a killed writer left behind. Writers create them only while holding
/// the lock, which the caller holds now, so every one that exists is an orphan. Best effort.
fn remove_orphaned_temp_files(target: &Path) {
    let prefix = temp_prefix(target);
    let Some(prefix) = prefix.to_str() else {
        return;
    };
    let Ok(entries) = fs::read_dir(parent_dir(target)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with(prefix) && name.ends_with(".tmp") {
            match fs::remove_file(entry.path()) {
                Ok(()) => log::debug!("removed {name}, left by an interrupted writer"),
                Err(e) => log::debug!("could not remove {name}: {e}"),
            }
        }
    }
}

/// Replaces `target` atomically: a temporary file in the same directory (a rename cannot cross
/// file systems), written, fsynced, renamed over the target, then the directory fsynced so the
/// rename itself survives a crash.
fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let dir = parent_dir(target);
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| CacheError::Io { path, source }
    };
    let prefix = temp_prefix(target);
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_error(dir))?;
    #[cfg(unix)]
    {
        // tempfile already creates 0600 files; set it anyway, it is the one mode that matters.
        use std::os::unix::fs::PermissionsExt as _;
        temp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(io_error(temp.path()))?;
    }
    temp.write_all(bytes).map_err(io_error(temp.path()))?;
    temp.as_file().sync_all().map_err(io_error(temp.path()))?;
    let file = temp.persist(target).map_err(|e| CacheError::Io {
        path: target.to_owned(),
        source: e.error,
    })?;
    // A rename keeps the temporary file's mtime, from before the rename; msal-extensions reloads
    // only a file modified after its last load, so stamp the time the new content took effect.
    if let Err(e) = file.set_modified(SystemTime::now()) {
        log::debug!(
            "could not set the modification time of {}: {e}",
            target.display()
        );
    }
    #[cfg(unix)]
    {
        // Best effort: some file systems refuse fsync on a directory. The new file is in place
        // either way; only its durability across a power cut is at stake.
        if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
            log::debug!("could not fsync directory {}: {e}", dir.display());
        }
    }
    Ok(())
}

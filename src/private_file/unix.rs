//! Unix: every step relative to an open directory (`openat`, `statat`, `renameat`, …), so what
//! was checked is what is used.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read as _, Write as _};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt as _;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, CWD, Mode, OFlags, Stat};
use rustix::io::Errno;

use super::{FileError, Located, Refusal, kind_of};

/// Symbolic links followed at most, like the kernel's `ELOOP` limit.
const MAX_SYMLINKS: usize = 40;
const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;
const S_ISVTX: u32 = 0o1000;
/// Write permission for the group or for others.
const WRITABLE_BY_OTHERS: u32 = 0o022;
/// Any permission for the group or for others.
const OPEN_TO_OTHERS: u32 = 0o077;

/// Directories on the way are opened only to look up names in them (`O_PATH` where there is
/// one, which needs no read permission), never through a link.
#[cfg(any(target_os = "linux", target_os = "android"))]
const WALK: OFlags = OFlags::PATH
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const WALK: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Opening a file never follows a link, never waits (a FIFO without a writer would block an
/// ordinary `open` forever) and never makes a terminal the controlling one.
const OPEN: OFlags = OFlags::NOFOLLOW
    .union(OFlags::NONBLOCK)
    .union(OFlags::NOCTTY)
    .union(OFlags::CLOEXEC);

/// What `statat`/`fstat` said, in the same types on every platform.
#[derive(Debug, Clone, Copy)]
struct Info {
    uid: u32,
    mode: u32,
    size: u64,
}

impl Info {
    // `struct stat`'s field types differ between platforms: some of these casts are no-ops.
    #[allow(clippy::unnecessary_cast)]
    fn of(st: &Stat) -> Self {
        Self {
            uid: st.st_uid as u32,
            mode: st.st_mode as u32,
            size: u64::try_from(st.st_size).unwrap_or(0),
        }
    }

    fn file_type(&self) -> u32 {
        self.mode & S_IFMT
    }
}

/// This process's effective uid: whose files these are.
fn user() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The user and root are the only owners whose directories and links are trusted.
fn trusted_owner(uid: u32, user: u32) -> bool {
    uid == user || uid == 0
}

/// A directory on the way, open.
struct Level {
    fd: OwnedFd,
    info: Info,
    /// Its path with every link resolved.
    path: PathBuf,
    /// Why another user could have changed what this directory is, if one could.
    doubt: Option<String>,
}

/// Another user's power over `dir` itself, if any: owning it, or being able to write to it.
fn dir_problem(dir: &Level, user: u32) -> Option<String> {
    if !trusted_owner(dir.info.uid, user) {
        return Some(format!(
            "{}, which belongs to uid {}",
            dir.path.display(),
            dir.info.uid
        ));
    }
    if dir.info.mode & WRITABLE_BY_OTHERS != 0 {
        return Some(format!(
            "{}, which others can write to (mode {:o})",
            dir.path.display(),
            dir.info.mode & 0o7777
        ));
    }
    None
}

/// Why an entry owned by `owner` in `dir` may not be what the user left there. A sticky
/// directory (`/tmp`) lets only an entry's owner, the directory's owner and root rename or
/// remove it, so the user's own entries there are safe.
fn entry_doubt(dir: &Level, owner: u32, user: u32) -> Option<String> {
    if let Some(doubt) = &dir.doubt {
        return Some(doubt.clone());
    }
    let sticky_and_ours = dir.info.mode & S_ISVTX != 0
        && trusted_owner(dir.info.uid, user)
        && trusted_owner(owner, user);
    if sticky_and_ours {
        return None;
    }
    dir_problem(dir, user)
}

/// Why the link `link` in `dir` must not be followed, if it must not. Unlike other entries, a
/// link in a directory others can write to is never followed, sticky or not: that is where
/// links are planted.
fn link_doubt(dir: &Level, link: &Info, user: u32) -> Option<String> {
    if let Some(doubt) = &dir.doubt {
        return Some(format!("reached through {doubt}"));
    }
    if let Some(problem) = dir_problem(dir, user) {
        return Some(format!("in {problem}"));
    }
    if !trusted_owner(link.uid, user) {
        return Some(format!("that belongs to uid {}", link.uid));
    }
    None
}

/// A component still to resolve.
enum Part {
    Name(OsString),
    Up,
}

/// Puts `path`'s components at the front of `queue`, in order.
fn push_front(queue: &mut VecDeque<Part>, path: &Path) {
    let parts: Vec<Part> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(Part::Name(name.to_owned())),
            Component::ParentDir => Some(Part::Up),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect();
    for part in parts.into_iter().rev() {
        queue.push_front(part);
    }
}

/// Where `path` leads, following only trusted links; `None` when a directory on the way does not
/// exist. The file itself may not exist; nothing is checked about it yet.
pub(crate) fn locate(path: &Path) -> Result<Option<Located>, FileError> {
    walk(path, false)
}

/// Like [`locate`], creating missing directories on the way, each 0700.
pub(crate) fn locate_or_create(path: &Path) -> Result<Located, FileError> {
    walk(path, true)?
        .ok_or_else(|| FileError::io(path, io::Error::other("its directory could not be created")))
}

fn walk(given: &Path, create: bool) -> Result<Option<Located>, FileError> {
    let user = user();
    let absolute = std::path::absolute(given).map_err(|e| FileError::io(given, e))?;
    let mut queue = VecDeque::new();
    push_front(&mut queue, &absolute);
    let mut stack = vec![root(user)?];
    let mut links = 0;
    let mut made = 0;
    let mut through_link = false;
    while let Some(part) = queue.pop_front() {
        let name = match part {
            Part::Name(name) => name,
            Part::Up => {
                // Physically, as the kernel does: the parent of where a link led.
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
        };
        let last = queue.is_empty();
        let Some(top) = stack.last() else {
            return Err(FileError::io(given, io::Error::other("lost the root")));
        };
        let entry = top.path.join(&name);
        let info = match rustix::fs::statat(&top.fd, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Info::of(&st),
            Err(Errno::NOENT) if last => {
                return finish(stack, name, given, through_link, user).map(Some);
            }
            Err(Errno::NOENT) if create => {
                made += 1;
                if made > MAX_SYMLINKS {
                    return Err(FileError::io(
                        &entry,
                        io::Error::other("the directory keeps disappearing"),
                    ));
                }
                make_private_dir(top, &name, &entry)?;
                queue.push_front(Part::Name(name));
                continue;
            }
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(FileError::io(&entry, e.into())),
        };
        if info.file_type() == S_IFLNK {
            links += 1;
            if links > MAX_SYMLINKS {
                return Err(FileError::io(given, Errno::LOOP.into()));
            }
            if let Some(why) = link_doubt(top, &info, user) {
                return Err(FileError::refused(
                    given,
                    Refusal::UntrustedSymlink { link: entry, why },
                ));
            }
            let target = rustix::fs::readlinkat(&top.fd, name.as_os_str(), Vec::new())
                .map_err(|e| FileError::io(&entry, e.into()))?;
            let target = PathBuf::from(OsString::from_vec(target.into_bytes()));
            if target.has_root() {
                stack.truncate(1);
            }
            push_front(&mut queue, &target);
            // Writing replaces the link's target, not the link: a cache symlinked into a
            // dotfiles repository stays a symlink.
            through_link |= last;
            continue;
        }
        if last {
            return finish(stack, name, given, through_link, user).map(Some);
        }
        if info.file_type() != S_IFDIR {
            return Err(FileError::io(&entry, Errno::NOTDIR.into()));
        }
        // What was opened is what is judged: the name may have changed since `statat`.
        let fd = rustix::fs::openat(&top.fd, name.as_os_str(), WALK, Mode::empty())
            .map_err(|e| FileError::io(&entry, e.into()))?;
        let info = rustix::fs::fstat(&fd)
            .map(|st| Info::of(&st))
            .map_err(|e| FileError::io(&entry, e.into()))?;
        let doubt = entry_doubt(top, info.uid, user);
        stack.push(Level {
            fd,
            info,
            path: entry,
            doubt,
        });
    }
    // Every component was a directory: the path names one.
    Err(FileError::refused(
        given,
        Refusal::NotRegular {
            kind: "a directory",
        },
    ))
}

fn root(user: u32) -> Result<Level, FileError> {
    let path = PathBuf::from("/");
    let fd = rustix::fs::openat(CWD, "/", WALK, Mode::empty())
        .map_err(|e| FileError::io(&path, e.into()))?;
    let info = rustix::fs::fstat(&fd)
        .map(|st| Info::of(&st))
        .map_err(|e| FileError::io(&path, e.into()))?;
    let mut root = Level {
        fd,
        info,
        path,
        doubt: None,
    };
    root.doubt = dir_problem(&root, user);
    Ok(root)
}

/// The directory at the top of `stack` holds the file `name`.
fn finish(
    mut stack: Vec<Level>,
    name: OsString,
    given: &Path,
    through_link: bool,
    user: u32,
) -> Result<Located, FileError> {
    let Some(dir) = stack.pop() else {
        return Err(FileError::io(given, io::Error::other("lost the root")));
    };
    let path = if through_link {
        dir.path.join(&name)
    } else {
        given.to_owned()
    };
    // Whoever owns the directory can replace the file in it at will.
    if !trusted_owner(dir.info.uid, user) {
        return Err(FileError::refused(
            &path,
            Refusal::ForeignDirectory {
                dir: dir.path,
                owner: dir.info.uid,
                user,
            },
        ));
    }
    Ok(Located {
        dir: Dir {
            fd: dir.fd,
            path: dir.path,
            info: dir.info,
        },
        name,
        path,
    })
}

/// Creates the directory `name` in `parent`, 0700. One that appeared meanwhile is left to be
/// judged like any other.
fn make_private_dir(parent: &Level, name: &OsStr, path: &Path) -> Result<(), FileError> {
    let io_error = |e: Errno| FileError::io(path, e.into());
    match rustix::fs::mkdirat(&parent.fd, name, Mode::RWXU) {
        Ok(()) => {}
        Err(Errno::EXIST) => return Ok(()),
        Err(e) => return Err(io_error(e)),
    }
    // The umask only takes permissions away, so the directory is 0700 unless the umask took
    // some of the owner's; give them back.
    let info = rustix::fs::statat(&parent.fd, name, AtFlags::SYMLINK_NOFOLLOW)
        .map(|st| Info::of(&st))
        .map_err(io_error)?;
    if info.mode & 0o7777 != 0o700 {
        let fd = rustix::fs::openat(
            &parent.fd,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io_error)?;
        rustix::fs::fchmod(&fd, Mode::RWXU).map_err(io_error)?;
    }
    Ok(())
}

/// A regular file of the user's.
fn owned_regular(info: &Info, user: u32) -> Result<(), Refusal> {
    if info.file_type() != S_IFREG {
        return Err(Refusal::NotRegular {
            kind: kind_of(info.mode),
        });
    }
    if info.uid != user {
        return Err(Refusal::NotOwned {
            owner: info.uid,
            user,
        });
    }
    Ok(())
}

/// A regular file of the user's that no one else can write.
fn kept(info: &Info, user: u32) -> Result<(), Refusal> {
    owned_regular(info, user)?;
    if info.mode & WRITABLE_BY_OTHERS != 0 {
        return Err(Refusal::WritableByOthers { mode: info.mode });
    }
    Ok(())
}

/// `O_NOFOLLOW` refuses a link with `ELOOP`: a link put in place since the name was looked at.
fn open_error(shown: &Path, e: Errno) -> FileError {
    if e == Errno::LOOP {
        FileError::refused(
            shown,
            Refusal::NotRegular {
                kind: "a symbolic link",
            },
        )
    } else {
        FileError::io(shown, e.into())
    }
}

/// The open directory that holds a kept file.
#[derive(Debug)]
pub(crate) struct Dir {
    fd: OwnedFd,
    path: PathBuf,
    info: Info,
}

impl Dir {
    /// The directory's path, links resolved.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn stat(&self, name: &OsStr, shown: &Path) -> Result<Option<Info>, FileError> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(Info::of(&st))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(FileError::io(shown, e.into())),
        }
    }

    /// Whether `name` exists, and if it does, that it is a file `msal` may use (a regular file of
    /// the user's that no one else can write), without opening it.
    pub(crate) fn check(&self, name: &OsStr, shown: &Path) -> Result<bool, FileError> {
        match self.stat(name, shown)? {
            None => Ok(false),
            Some(info) => {
                kept(&info, user()).map_err(|reason| FileError::refused(shown, reason))?;
                Ok(true)
            }
        }
    }

    /// Opens `name` to read it, if it exists and is a file `msal` may use. Its type is looked at
    /// before it is opened, so no device or FIFO is ever opened, and checked again on what was
    /// opened.
    pub(crate) fn open(&self, name: &OsStr, shown: &Path) -> Result<Option<KeptFile>, FileError> {
        if !self.check(name, shown)? {
            return Ok(None);
        }
        let fd = match rustix::fs::openat(&self.fd, name, OFlags::RDONLY | OPEN, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(open_error(shown, e)),
        };
        let info = rustix::fs::fstat(&fd)
            .map(|st| Info::of(&st))
            .map_err(|e| FileError::io(shown, e.into()))?;
        kept(&info, user()).map_err(|reason| FileError::refused(shown, reason))?;
        Ok(Some(KeptFile {
            file: File::from(fd),
            info,
        }))
    }

    /// Opens `name` to lock it, creating it (0600) when missing. A lock file holds nothing, so
    /// one of the user's that others can open is made 0600 rather than refused: anyone who can
    /// open it can hold its lock.
    pub(crate) fn open_lock(&self, name: &OsStr, shown: &Path) -> Result<File, FileError> {
        let user = user();
        if let Some(info) = self.stat(name, shown)? {
            owned_regular(&info, user).map_err(|reason| FileError::refused(shown, reason))?;
        }
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDWR | OFlags::CREATE | OPEN,
            Mode::RUSR | Mode::WUSR,
        )
        .map_err(|e| open_error(shown, e))?;
        let info = rustix::fs::fstat(&fd)
            .map(|st| Info::of(&st))
            .map_err(|e| FileError::io(shown, e.into()))?;
        owned_regular(&info, user).map_err(|reason| FileError::refused(shown, reason))?;
        if info.mode & 0o7777 != 0o600 {
            rustix::fs::fchmod(&fd, Mode::RUSR | Mode::WUSR)
                .map_err(|e| FileError::io(shown, e.into()))?;
        }
        Ok(File::from(fd))
    }

    /// Checks, without opening or creating it, that the lock file `name` is missing or one
    /// [`open_lock`](Self::open_lock) would take.
    pub(crate) fn check_lock(&self, name: &OsStr, shown: &Path) -> Result<(), FileError> {
        match self.stat(name, shown)? {
            Some(info) => owned_regular(&info, user()).map_err(|r| FileError::refused(shown, r)),
            None => Ok(()),
        }
    }

    /// Replaces `name` with `bytes` atomically: a new 0600 file `.<name>.<random>.tmp` in this
    /// directory (a rename cannot cross file systems), written, fsynced, renamed over `name`,
    /// then the directory fsynced so that the rename survives a crash.
    pub(crate) fn write(&self, name: &OsStr, bytes: &[u8], shown: &Path) -> Result<(), FileError> {
        let (temp, mut file) = self.create_temp(name)?;
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| {
                rustix::fs::renameat(&self.fd, &temp, &self.fd, name).map_err(io::Error::from)
            });
        if let Err(e) = written {
            // Best effort: an orphan is removed by the next writer anyway.
            let _ = rustix::fs::unlinkat(&self.fd, &temp, AtFlags::empty());
            return Err(FileError::io(shown, e));
        }
        // A rename keeps the temporary file's mtime, from before the rename; readers that reload
        // only a file modified after their last load (msal-extensions) must see this write.
        if let Err(e) = file.set_modified(std::time::SystemTime::now()) {
            log::debug!(
                "could not set the modification time of {}: {e}",
                shown.display()
            );
        }
        // Best effort: some file systems refuse fsync on a directory. The new file is in place
        // either way; only its durability across a power cut is at stake.
        if let Err(e) = self.sync() {
            log::debug!("could not fsync directory {}: {e}", self.path.display());
        }
        Ok(())
    }

    fn create_temp(&self, name: &OsStr) -> Result<(OsString, File), FileError> {
        for _ in 0..8 {
            let mut temp = temp_prefix(name);
            temp.push(uuid::Uuid::new_v4().simple().to_string());
            temp.push(".tmp");
            match rustix::fs::openat(
                &self.fd,
                &temp,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OPEN,
                Mode::RUSR | Mode::WUSR,
            ) {
                Ok(fd) => {
                    // The umask may have taken the owner's write permission away; 0600 is the
                    // one mode that matters.
                    rustix::fs::fchmod(&fd, Mode::RUSR | Mode::WUSR)
                        .map_err(|e| FileError::io(&self.path, e.into()))?;
                    return Ok((temp, File::from(fd)));
                }
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(FileError::io(&self.path, e.into())),
            }
        }
        Err(FileError::io(
            &self.path,
            io::Error::from(io::ErrorKind::AlreadyExists),
        ))
    }

    /// Creates `name` (0600) only if nothing of that name exists, never following a link:
    /// `None` when something does. For lock files whose existence is the lock.
    pub(crate) fn create_new(&self, name: &OsStr, shown: &Path) -> Result<Option<File>, FileError> {
        match rustix::fs::openat(
            &self.fd,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OPEN,
            Mode::RUSR | Mode::WUSR,
        ) {
            Ok(fd) => Ok(Some(File::from(fd))),
            Err(Errno::EXIST) => Ok(None),
            Err(e) => Err(open_error(shown, e)),
        }
    }

    /// When `name` was last modified, if it is a regular file (not a link, not anything else).
    pub(crate) fn regular_file_modified(&self, name: &OsStr) -> Option<std::time::SystemTime> {
        let st = rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        if Info::of(&st).file_type() != S_IFREG {
            return None;
        }
        let secs = u64::try_from(st.st_mtime).ok()?;
        let nanos = u32::try_from(st.st_mtime_nsec).unwrap_or(0);
        std::time::UNIX_EPOCH.checked_add(std::time::Duration::new(secs, nanos))
    }

    /// Whether `name` is the very file `file` has open (same device and inode).
    pub(crate) fn is_same_file(&self, name: &OsStr, file: &File) -> bool {
        match (
            rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW),
            rustix::fs::fstat(file),
        ) {
            (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
            _ => false,
        }
    }

    /// Whether anything named `name` exists (a dangling link counts).
    pub(crate) fn exists(&self, name: &OsStr) -> bool {
        !matches!(
            rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW),
            Err(Errno::NOENT)
        )
    }

    /// Renames `from` to `to` in this directory; whatever `from` is, it stays in this directory.
    pub(crate) fn rename(&self, from: &OsStr, to: &OsStr, shown: &Path) -> Result<(), FileError> {
        rustix::fs::renameat(&self.fd, from, &self.fd, to)
            .map_err(|e| FileError::io(shown, e.into()))
    }

    /// Removes the entry `name` (never what a link points to).
    pub(crate) fn remove(&self, name: &OsStr) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()).map_err(io::Error::from)
    }

    /// The names in this directory.
    pub(crate) fn names(&self) -> io::Result<Vec<OsString>> {
        let fd = self.reopen()?;
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&fd)? {
            let name = entry?.file_name().to_bytes().to_vec();
            if name != b"." && name != b".." {
                names.push(OsString::from_vec(name));
            }
        }
        Ok(names)
    }

    /// Makes this directory 0700 if it is the user's and others have any access to it: for the
    /// directories `msal` creates for itself and keeps nothing but its own files in. Returns the
    /// mode it had when it changed it.
    pub(crate) fn make_private(&self) -> io::Result<Option<u32>> {
        if self.info.uid != user() || self.info.mode & OPEN_TO_OTHERS == 0 {
            return Ok(None);
        }
        rustix::fs::fchmod(&self.reopen()?, Mode::RWXU)?;
        Ok(Some(self.info.mode & 0o7777))
    }

    /// Flushes the directory's entries to disk.
    pub(crate) fn sync(&self) -> io::Result<()> {
        Ok(rustix::fs::fsync(&self.reopen()?)?)
    }

    /// The directory opened for reading (the walk's descriptor may be `O_PATH`).
    fn reopen(&self) -> io::Result<OwnedFd> {
        Ok(rustix::fs::openat(
            &self.fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?)
    }
}

/// The name prefix of `name`'s temporary files: `.<name>.`.
pub(crate) fn temp_prefix(name: &OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    prefix
}

/// An open kept file: a regular file of the user's that no one else can write.
#[derive(Debug)]
pub(crate) struct KeptFile {
    file: File,
    info: Info,
}

impl KeptFile {
    /// Its size when opened.
    pub(crate) fn len(&self) -> u64 {
        self.info.size
    }

    /// Its permission bits when opened, if the group or others have any access to it.
    pub(crate) fn open_to_others(&self) -> Option<u32> {
        (self.info.mode & OPEN_TO_OTHERS != 0).then_some(self.info.mode & 0o7777)
    }

    /// Makes it 0600 (through the open file: whatever the name now points to is not touched).
    pub(crate) fn make_private(&self) -> io::Result<()> {
        Ok(rustix::fs::fchmod(&self.file, Mode::RUSR | Mode::WUSR)?)
    }

    /// The open file, to read.
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The whole file, refused when larger than `limit` bytes (when opened, or by the time it
    /// has been read).
    pub(crate) fn read_all(mut self, limit: u64, shown: &Path) -> Result<Vec<u8>, FileError> {
        let too_large = || FileError::refused(shown, Refusal::TooLarge { limit });
        if self.info.size > limit {
            return Err(too_large());
        }
        let mut bytes = Vec::with_capacity(usize::try_from(self.info.size).unwrap_or(0));
        (&mut self.file)
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| FileError::io(shown, e))?;
        if bytes.len() as u64 > limit {
            return Err(too_large());
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{PermissionsExt as _, symlink};

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }

    #[test]
    fn creates_missing_directories_0700_and_finds_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file.json");
        assert!(locate(&path).unwrap().is_none());
        let located = locate_or_create(&path).unwrap();
        assert_eq!(located.path, path);
        assert_eq!(located.name, "file.json");
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        assert!(!located.dir.check(&located.name, &path).unwrap());
        located.dir.write(&located.name, b"{}", &path).unwrap();
        assert_eq!(mode(&path), 0o600);
        let file = located.dir.open(&located.name, &path).unwrap().unwrap();
        assert_eq!(file.read_all(10, &path).unwrap(), b"{}");
        let file = located.dir.open(&located.name, &path).unwrap().unwrap();
        assert!(matches!(
            file.read_all(1, &path),
            Err(FileError::Refused {
                reason: Refusal::TooLarge { limit: 1 },
                ..
            })
        ));
    }

    #[test]
    fn special_files_and_directories_are_refused_unopened() {
        let dir = tempfile::tempdir().unwrap();
        for (path, kind) in [
            (PathBuf::from("/dev/null"), "a character device"),
            (dir.path().to_owned(), "a directory"),
            (dir.path().join("."), "a directory"),
        ] {
            let refusal = match locate(&path).and_then(|l| {
                let l = l.unwrap();
                l.dir.open(&l.name, &l.path)
            }) {
                Err(FileError::Refused { reason, .. }) => reason,
                other => panic!("{path:?}: {other:?}"),
            };
            assert_eq!(refusal, Refusal::NotRegular { kind }, "{path:?}");
        }
    }

    #[test]
    fn links_in_the_users_own_directories_are_followed_relative_or_dangling() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dotfiles")).unwrap();
        let link = dir.path().join("cache.json");
        symlink("dotfiles/../dotfiles/real.json", &link).unwrap();
        let located = locate(&link).unwrap().unwrap();
        assert_eq!(located.path, dir.path().join("dotfiles/real.json"));
        assert_eq!(located.dir.path(), dir.path().join("dotfiles"));
    }

    #[test]
    fn a_link_in_a_directory_others_can_write_to_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let link = shared.join("cache.json");
        symlink(dir.path().join("victim"), &link).unwrap();
        match locate(&link) {
            Err(FileError::Refused {
                reason: Refusal::UntrustedSymlink { link: l, why },
                ..
            }) => {
                assert_eq!(l, link);
                assert!(why.contains("others can write to (mode 1777)"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        // A plain file of the user's in the same directory is fine: the sticky bit protects it.
        std::fs::write(shared.join("plain.json"), "{}").unwrap();
        let located = locate(&shared.join("plain.json")).unwrap().unwrap();
        assert!(located.dir.check(&located.name, &located.path).unwrap());
    }

    #[test]
    fn group_or_other_writable_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o620)).unwrap();
        let located = locate(&path).unwrap().unwrap();
        assert!(matches!(
            located.dir.open(&located.name, &path),
            Err(FileError::Refused {
                reason: Refusal::WritableByOthers { mode: _ },
                ..
            })
        ));
        assert_eq!(mode(&path), 0o620, "nothing changed");
    }
}

//! The files `msal` keeps for the user (the token cache and its lock file, discovery metadata,
//! the keyring's fallback files): read, locked, chmod-ed, renamed or written only when they are
//! regular files that belong to the user and that no one else can write, in a directory that
//! belongs to the user or root; never through a symbolic link another user could have planted;
//! never by opening a device or a FIFO. Directories are created 0700 whatever the umask.
//!
//! The rule for symbolic links is modelled on OpenSSH's `StrictModes` (`safe_path` in its
//! `misc.c`: every directory up the path owned by the user or root and not group- or
//! world-writable), applied to each link on the way: a link is followed only when it belongs to
//! the user or root, the directory holding it belongs to the user or root and no one else can
//! write to it, and the directories leading there could not have been changed by anyone else
//! either. A sticky directory such as `/tmp` protects each entry for
//! its owner, so a directory of the user's inside `/tmp` is still the user's; a link directly in
//! `/tmp` is not followed, whoever made it. A link the user made in their own directories (a
//! dotfiles repository) keeps working. This does in user space what the kernel's
//! `fs.protected_symlinks` does only for sticky directories, and only where it is switched on.
//!
//! Paths are resolved one component at a time, each directory opened without following links
//! (`openat` with `O_NOFOLLOW`) and checked with `fstat` on what was opened, and every file is
//! then opened, renamed or created relative to the directory found, so a path swapped meanwhile
//! cannot send an operation elsewhere. Nothing here prints; callers log or report.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

#[cfg(not(unix))]
mod other;
#[cfg(unix)]
mod unix;

#[cfg(not(unix))]
pub(crate) use other::{Dir, locate, locate_or_create, temp_prefix};
#[cfg(unix)]
pub(crate) use unix::{Dir, locate, locate_or_create, temp_prefix};

/// A kept file's place: the directory that holds it (open), its name there, and the path to show
/// in messages: the path as given, or where a symbolic link at that path led.
#[derive(Debug)]
pub(crate) struct Located {
    /// The directory holding the file.
    pub(crate) dir: Dir,
    /// The file's name in `dir`.
    pub(crate) name: OsString,
    /// The path to show: as given, or the link's target when the last component was a link.
    pub(crate) path: PathBuf,
}

impl Located {
    /// `name` with `suffix` appended: a sibling such as `<cache>.lock`.
    pub(crate) fn sibling(&self, suffix: &str) -> OsString {
        let mut name = self.name.clone();
        name.push(suffix);
        name
    }

    /// The path to show for a sibling `name` in the same directory.
    pub(crate) fn sibling_path(&self, name: &std::ffi::OsStr) -> PathBuf {
        match self.path.parent() {
            Some(parent) => parent.join(name),
            None => PathBuf::from(name),
        }
    }
}

/// Why a kept file or a directory leading to it could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The operating system refused or failed an operation.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not one `msal` may use; nothing was changed.
    #[error("{path}: {reason}")]
    Refused {
        /// The file, or the link or directory that made it unsafe.
        path: PathBuf,
        /// What makes it unsafe.
        reason: Refusal,
    },
}

impl FileError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn refused(path: &Path, reason: Refusal) -> Self {
        Self::Refused {
            path: path.to_owned(),
            reason,
        }
    }

    /// The path and an I/O error saying why, for callers whose errors carry an `io::Error`.
    pub(crate) fn into_io(self) -> (PathBuf, std::io::Error) {
        match self {
            Self::Io { path, source } => (path, source),
            Self::Refused { path, reason } => (
                path,
                std::io::Error::new(std::io::ErrorKind::PermissionDenied, reason.to_string()),
            ),
        }
    }
}

/// Why `msal` will not use a file it keeps. Displayed after the path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A directory, device, FIFO, socket or link where a regular file belongs.
    NotRegular {
        /// What it is ("a directory", "a FIFO (named pipe)", …).
        kind: &'static str,
    },
    /// The file belongs to another user.
    NotOwned {
        /// Its owner's uid.
        owner: u32,
        /// This process's effective uid.
        user: u32,
    },
    /// Others can write to the file, so its content may not be the user's.
    WritableByOthers {
        /// Its permission bits.
        mode: u32,
    },
    /// The directory holding the file belongs to another user, who can replace it at will.
    ForeignDirectory {
        /// The directory.
        dir: PathBuf,
        /// Its owner's uid.
        owner: u32,
        /// This process's effective uid.
        user: u32,
    },
    /// A symbolic link on the way that another user could have made or changed.
    UntrustedSymlink {
        /// The link.
        link: PathBuf,
        /// Why it is not trusted.
        why: String,
    },
    /// The file is larger than any file of its kind.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRegular { kind } => write!(f, "it is {kind}, not a regular file"),
            Self::NotOwned { owner, user } => write!(
                f,
                "it belongs to uid {owner}, not to this user (uid {user})"
            ),
            Self::WritableByOthers { mode } => write!(
                f,
                "other users can write to it (mode {:o}), so its content may not be yours",
                mode & 0o7777
            ),
            Self::ForeignDirectory { dir, owner, user } => write!(
                f,
                "the directory holding it, {}, belongs to uid {owner}, neither this user \
                 (uid {user}) nor root",
                dir.display()
            ),
            Self::UntrustedSymlink { link, why } => write!(
                f,
                "{} is a symbolic link {why}, so another user could have made it; msal follows \
                 a link only where no one but you or root can have made or changed it",
                link.display()
            ),
            Self::TooLarge { limit } => write!(f, "it is larger than {}", size(*limit)),
        }
    }
}

/// `limit` bytes for a message: in MiB when whole.
pub(crate) fn size(limit: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if limit >= MIB && limit.is_multiple_of(MIB) {
        format!("{} MiB", limit / MIB)
    } else {
        format!("{limit} bytes")
    }
}

/// What a `st_mode` says a file is, for messages. The `S_IFMT` values are the same on every
/// Unix.
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) fn kind_of(mode: u32) -> &'static str {
    match mode & 0o170_000 {
        0o100_000 => "a regular file",
        0o040_000 => "a directory",
        0o120_000 => "a symbolic link",
        0o010_000 => "a FIFO (named pipe)",
        0o020_000 => "a character device",
        0o060_000 => "a block device",
        0o140_000 => "a socket",
        _ => "a special file",
    }
}

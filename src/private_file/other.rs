//! Elsewhere (Windows): no owner or mode bits to judge, so only the file's type and size are
//! checked; a symbolic link at the path is followed, as the file system would.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use super::{FileError, Located, Refusal};

/// Where `path` leads; `None` when its directory does not exist.
pub(crate) fn locate(path: &Path) -> Result<Option<Located>, FileError> {
    place(path, false)
}

/// Like [`locate`], creating missing directories.
pub(crate) fn locate_or_create(path: &Path) -> Result<Located, FileError> {
    place(path, true)?
        .ok_or_else(|| FileError::io(path, io::Error::other("its directory could not be created")))
}

fn place(given: &Path, create: bool) -> Result<Option<Located>, FileError> {
    let is_link = fs::symlink_metadata(given).is_ok_and(|m| m.file_type().is_symlink());
    let path = if is_link {
        fs::canonicalize(given).unwrap_or_else(|_| given.to_owned())
    } else {
        given.to_owned()
    };
    let Some(name) = path.file_name().map(OsStr::to_owned) else {
        return Err(FileError::refused(
            given,
            Refusal::NotRegular {
                kind: "a directory",
            },
        ));
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        if !create {
            return Ok(None);
        }
        fs::create_dir_all(&dir).map_err(|e| FileError::io(&dir, e))?;
    }
    Ok(Some(Located {
        dir: Dir { path: dir },
        name,
        path,
    }))
}

/// The directory that holds a kept file.
#[derive(Debug)]
pub(crate) struct Dir {
    path: PathBuf,
}

impl Dir {
    /// The directory's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `name` exists, and if it does, that it is a regular file.
    pub(crate) fn check(&self, name: &OsStr, shown: &Path) -> Result<bool, FileError> {
        match fs::symlink_metadata(self.path.join(name)) {
            Ok(m) if m.is_file() => Ok(true),
            Ok(m) => Err(FileError::refused(
                shown,
                Refusal::NotRegular {
                    kind: if m.is_dir() {
                        "a directory"
                    } else if m.file_type().is_symlink() {
                        "a symbolic link"
                    } else {
                        "a special file"
                    },
                },
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(FileError::io(shown, e)),
        }
    }

    /// Opens `name` to read it, if it exists and is a regular file.
    pub(crate) fn open(&self, name: &OsStr, shown: &Path) -> Result<Option<KeptFile>, FileError> {
        if !self.check(name, shown)? {
            return Ok(None);
        }
        match File::open(self.path.join(name)) {
            Ok(file) => {
                let len = file.metadata().map_err(|e| FileError::io(shown, e))?.len();
                Ok(Some(KeptFile { file, len }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FileError::io(shown, e)),
        }
    }

    /// Opens `name` to lock it, creating it when missing.
    pub(crate) fn open_lock(&self, name: &OsStr, shown: &Path) -> Result<File, FileError> {
        self.check(name, shown)?;
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.path.join(name))
            .map_err(|e| FileError::io(shown, e))
    }

    /// Checks that the lock file `name` is missing or a regular file.
    pub(crate) fn check_lock(&self, name: &OsStr, shown: &Path) -> Result<(), FileError> {
        self.check(name, shown).map(|_| ())
    }

    /// Replaces `name` with `bytes` atomically (temporary file, sync, rename).
    pub(crate) fn write(&self, name: &OsStr, bytes: &[u8], shown: &Path) -> Result<(), FileError> {
        let mut temp = temp_prefix(name);
        temp.push(uuid::Uuid::new_v4().simple().to_string());
        temp.push(".tmp");
        let temp = self.path.join(temp);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .and_then(|mut file| {
                file.write_all(bytes)?;
                file.sync_all()
            })
            .and_then(|()| fs::rename(&temp, self.path.join(name)));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(FileError::io(shown, e));
        }
        // See the Unix version: readers compare modification times.
        if let Ok(file) = OpenOptions::new().write(true).open(self.path.join(name)) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        Ok(())
    }

    /// Creates `name` only if nothing of that name exists: `None` when something does.
    pub(crate) fn create_new(&self, name: &OsStr, shown: &Path) -> Result<Option<File>, FileError> {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.path.join(name))
        {
            Ok(file) => Ok(Some(file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(FileError::io(shown, e)),
        }
    }

    /// When `name` was last modified, if it is a regular file.
    pub(crate) fn regular_file_modified(&self, name: &OsStr) -> Option<std::time::SystemTime> {
        let metadata = fs::symlink_metadata(self.path.join(name)).ok()?;
        metadata
            .is_file()
            .then(|| metadata.modified().ok())
            .flatten()
    }

    /// Whether `name` is the file `file` has open (not knowable here: assumed).
    pub(crate) fn is_same_file(&self, _name: &OsStr, _file: &File) -> bool {
        true
    }

    /// Whether anything named `name` exists.
    pub(crate) fn exists(&self, name: &OsStr) -> bool {
        fs::symlink_metadata(self.path.join(name)).is_ok()
    }

    /// Renames `from` to `to` in this directory.
    pub(crate) fn rename(&self, from: &OsStr, to: &OsStr, shown: &Path) -> Result<(), FileError> {
        fs::rename(self.path.join(from), self.path.join(to)).map_err(|e| FileError::io(shown, e))
    }

    /// Removes the entry `name`.
    pub(crate) fn remove(&self, name: &OsStr) -> io::Result<()> {
        fs::remove_file(self.path.join(name))
    }

    /// The names in this directory.
    pub(crate) fn names(&self) -> io::Result<Vec<OsString>> {
        fs::read_dir(&self.path)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect()
    }

    /// Nothing to tighten without mode bits.
    pub(crate) fn make_private(&self) -> io::Result<Option<u32>> {
        Ok(None)
    }

    /// Nothing to flush: directories cannot be opened to sync here.
    pub(crate) fn sync(&self) -> io::Result<()> {
        Ok(())
    }
}

/// The name prefix of `name`'s temporary files: `.<name>.`.
pub(crate) fn temp_prefix(name: &OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    prefix
}

/// An open kept file.
#[derive(Debug)]
pub(crate) struct KeptFile {
    file: File,
    len: u64,
}

impl KeptFile {
    /// Its size when opened.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// No mode bits here.
    pub(crate) fn open_to_others(&self) -> Option<u32> {
        None
    }

    /// No mode bits here.
    pub(crate) fn make_private(&self) -> io::Result<()> {
        Ok(())
    }

    /// The open file, to read.
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The whole file, refused when larger than `limit` bytes.
    pub(crate) fn read_all(mut self, limit: u64, shown: &Path) -> Result<Vec<u8>, FileError> {
        let too_large = || FileError::refused(shown, Refusal::TooLarge { limit });
        if self.len > limit {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
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

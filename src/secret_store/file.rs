//! The last resort when no OS keyring is reachable (headless Linux, containers, CI): one small
//! JSON file per secret, mode 0600, in a 0700 directory under the config directory.
//!
//! This protects a secret exactly as well as `~/.azure` or `~/.config/gh/hosts.yml` protect
//! theirs: from other users, not from the user's own processes. The caller says so once on
//! stderr when it falls back here. Files are named by a hash of service and account (accounts
//! contain URLs and paths) and replaced atomically (temporary file, fsync, rename), so a reader
//! never sees half a file and concurrent writers never interleave.
//!
//! Files and directories are used only as [`crate::private_file`] allows: a secret file that is
//! not a regular file of the user's that no one else can write, or that is reached through a link
//! another user could have planted, is an error and left as it is.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{KeyringError, SecretId};
use crate::private_file::{self, FileError, Located};
use crate::secret::KeyringSecret;

/// The largest secret file read: a record is a few hundred bytes.
const MAX_SECRET_FILE_BYTES: u64 = 1024 * 1024;

fn file_error(error: FileError) -> KeyringError {
    let (path, source) = error.into_io();
    KeyringError::File { path, source }
}

/// Secrets as 0600 files in one directory.
#[derive(Debug, Clone)]
pub(crate) struct FileStore {
    dir: PathBuf,
}

/// One file's content.
#[derive(Serialize, Deserialize)]
struct Record {
    service: String,
    account: String,
    /// What it is, for a person who looks into the directory.
    label: String,
    secret: KeyringSecret,
}

impl FileStore {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The file that holds `id`.
    pub(crate) fn path(&self, id: &SecretId) -> PathBuf {
        let digest = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            format!("{}\n{}", id.service, id.account).as_bytes(),
        );
        let name: String = digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("{name}.json"))
    }

    pub(crate) fn get(&self, id: &SecretId) -> Result<Option<KeyringSecret>, KeyringError> {
        match private_file::locate(&self.path(id)).map_err(file_error)? {
            Some(located) => Self::read(&located, id),
            None => Ok(None),
        }
    }

    fn read(located: &Located, id: &SecretId) -> Result<Option<KeyringSecret>, KeyringError> {
        let path = &located.path;
        let Some(file) = located.dir.open(&located.name, path).map_err(file_error)? else {
            return Ok(None);
        };
        // A secret file others can read (copied in by hand, restored from a backup) is the
        // user's own file in msal's own directory: made 0600, with a warning.
        if let Some(mode) = file.open_to_others() {
            match file.make_private() {
                Ok(()) => log::warn!(
                    "secret file {} was accessible to other users (mode {mode:o}); changed it \
                     to 600",
                    path.display()
                ),
                Err(e) => log::warn!(
                    "secret file {} is accessible to other users (mode {mode:o}) and could not \
                     be changed: {e}",
                    path.display()
                ),
            }
        }
        let text = file
            .read_all(MAX_SECRET_FILE_BYTES, path)
            .map_err(file_error)?;
        let record: Record = serde_json::from_slice(&text)
            .map_err(|_| KeyringError::FileFormat { path: path.clone() })?;
        // A hash collision (or a file copied by hand) must not hand out another entry's secret.
        if record.service != id.service || record.account != id.account {
            return Ok(None);
        }
        Ok(Some(record.secret))
    }

    /// Writes `value` for `id` and returns the file's path.
    pub(crate) fn set(
        &self,
        id: &SecretId,
        value: &KeyringSecret,
    ) -> Result<PathBuf, KeyringError> {
        let located = private_file::locate_or_create(&self.path(id)).map_err(file_error)?;
        // The directory is msal's own and holds secrets: nobody else has any business in it.
        match located.dir.make_private() {
            Ok(Some(mode)) => log::warn!(
                "{} was accessible to other users (mode {mode:o}); changed it to 700",
                located.dir.path().display()
            ),
            Ok(None) => {}
            Err(source) => {
                return Err(KeyringError::File {
                    path: located.dir.path().to_owned(),
                    source,
                });
            }
        }
        // Nothing is replaced that msal would refuse to read.
        located
            .dir
            .check(&located.name, &located.path)
            .map_err(file_error)?;
        let path = &located.path;
        let record = Record {
            service: id.service.clone(),
            account: id.account.clone(),
            label: id.label.clone(),
            secret: value.clone(),
        };
        let mut json = serde_json::to_string_pretty(&record)
            .map_err(|_| KeyringError::FileFormat { path: path.clone() })?;
        json.push('\n');
        located
            .dir
            .write(&located.name, json.as_bytes(), path)
            .map_err(file_error)?;
        Ok(path.clone())
    }

    /// Removes `id`'s file; `false` when there was none.
    pub(crate) fn delete(&self, id: &SecretId) -> Result<bool, KeyringError> {
        let Some(located) = private_file::locate(&self.path(id)).map_err(file_error)? else {
            return Ok(false);
        };
        if Self::read(&located, id)?.is_none() {
            return Ok(false);
        }
        match located.dir.remove(&located.name) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(KeyringError::File {
                path: located.path,
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;

    fn id(account: &str) -> SecretId {
        SecretId::new(account, "a test secret")
    }

    #[test]
    fn set_get_delete_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("msal/secrets"));
        assert_eq!(store.get(&id("a")).unwrap(), None);
        let path = store.set(&id("a"), &KeyringSecret::new("s3cret")).unwrap();
        assert_eq!(
            store.get(&id("a")).unwrap(),
            Some(KeyringSecret::new("s3cret"))
        );
        assert_eq!(store.get(&id("b")).unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.path().join("msal/secrets")), 0o700);
        }
        store.set(&id("a"), &KeyringSecret::new("other")).unwrap();
        assert_eq!(
            store.get(&id("a")).unwrap(),
            Some(KeyringSecret::new("other"))
        );
        assert!(store.delete(&id("a")).unwrap());
        assert!(!store.delete(&id("a")).unwrap());
        assert_eq!(store.get(&id("a")).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn another_users_file_or_a_link_is_refused_and_left_alone() {
        use std::os::unix::fs::{PermissionsExt as _, chown, symlink};
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("secrets"));
        let path = store.set(&id("a"), &KeyringSecret::new("mine")).unwrap();
        // Another user's record (as root here, the test can make one).
        chown(&path, Some(65534), Some(65534)).unwrap();
        let error = store.get(&id("a")).unwrap_err().to_string();
        assert!(error.contains("belongs to uid 65534"), "{error}");
        assert!(store.delete(&id("a")).is_err());
        assert!(store.set(&id("a"), &KeyringSecret::new("new")).is_err());
        assert!(path.exists());
        // A link in its place, in a directory others could write to, is not followed, and the
        // file it points to is not touched.
        fs::remove_file(&path).unwrap();
        fs::set_permissions(
            dir.path().join("secrets"),
            fs::Permissions::from_mode(0o1777),
        )
        .unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        fs::write(&elsewhere, "{}").unwrap();
        fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o644)).unwrap();
        symlink(&elsewhere, &path).unwrap();
        let error = store.get(&id("a")).unwrap_err().to_string();
        assert!(error.contains("symbolic link"), "{error}");
        assert_eq!(
            fs::metadata(&elsewhere).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }

    #[test]
    fn a_file_that_is_not_a_record_is_an_error_that_quotes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_owned());
        fs::write(store.path(&id("a")), "hunter2").unwrap();
        let error = store.get(&id("a")).unwrap_err().to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }
}

//! The last resort when no OS keyring is reachable (headless Linux, containers, CI): one small
//! JSON file per secret, mode 0600, in a 0700 directory under the config directory.
//!
//! This protects a secret exactly as well as `~/.azure` or `~/.config/gh/hosts.yml` protect
//! theirs: from other users, not from the user's own processes. The caller says so once on
//! stderr when it falls back here. Files are named by a hash of service and account (accounts
//! contain URLs and paths) and replaced atomically (temporary file, fsync, rename), so a reader
//! never sees half a file and concurrent writers never interleave.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{KeyringError, SecretId};
use crate::secret::KeyringSecret;

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
        let path = self.path(id);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(KeyringError::File { path, source }),
        };
        tighten_permissions(&path);
        let record: Record = serde_json::from_str(&text)
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
        let path = self.path(id);
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |source| KeyringError::File { path, source }
        };
        create_private_dir(&self.dir).map_err(io_error(&self.dir))?;
        let record = Record {
            service: id.service.clone(),
            account: id.account.clone(),
            label: id.label.clone(),
            secret: value.clone(),
        };
        let json = serde_json::to_string_pretty(&record)
            .map_err(|_| KeyringError::FileFormat { path: path.clone() })?;
        // tempfile creates the file with mode 0600 on Unix.
        let mut temp = tempfile::Builder::new()
            .prefix(".secret.")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(io_error(&self.dir))?;
        temp.write_all(json.as_bytes())
            .and_then(|()| temp.write_all(b"\n"))
            .and_then(|()| temp.as_file().sync_all())
            .map_err(io_error(&path))?;
        temp.persist(&path).map_err(|e| KeyringError::File {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(path)
    }

    /// Removes `id`'s file; `false` when there was none.
    pub(crate) fn delete(&self, id: &SecretId) -> Result<bool, KeyringError> {
        let path = self.path(id);
        if self.get(id)?.is_none() {
            return Ok(false);
        }
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(KeyringError::File { path, source }),
        }
    }
}

/// Creates `dir` (and its parents) private to the user: 0700.
fn create_private_dir(dir: &Path) -> io::Result<()> {
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
    builder.create(dir)
}

/// A secret file that others can read (copied in by hand, restored from a backup) is made 0600,
/// with a warning.
#[cfg(unix)]
fn tighten_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(metadata) = fs::metadata(path) else {
        return;
    };
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        match fs::set_permissions(path, fs::Permissions::from_mode(0o600)) {
            Ok(()) => log::warn!(
                "secret file {} was accessible to other users (mode {:o}); changed it to 600",
                path.display(),
                mode & 0o777
            ),
            Err(e) => log::warn!(
                "secret file {} is accessible to other users (mode {:o}) and could not be changed: {e}",
                path.display(),
                mode & 0o777
            ),
        }
    }
}

#[cfg(not(unix))]
fn tighten_permissions(_path: &Path) {}

#[cfg(test)]
mod tests {
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

    #[test]
    fn a_file_that_is_not_a_record_is_an_error_that_quotes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_owned());
        fs::write(store.path(&id("a")), "hunter2").unwrap();
        let error = store.get(&id("a")).unwrap_err().to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }
}

//! Azure Arc-enabled servers: the Connected Machine agent's local endpoint.
//!
//! `GET $IDENTITY_ENDPOINT?api-version=2020-06-01&resource=R` with `Metadata: true` is answered
//! with 401 and `WWW-Authenticate: Basic realm=<path>`, naming a key file the agent just wrote.
//! Reading it proves the caller may use the machine's identity (the directory is readable only
//! by root and the `himds` group); the same request is then sent again with
//! `Authorization: Basic <key>`. The answer is shaped like IMDS's. Newer agents take a
//! user-assigned identity by `client_id`, `object_id` or `msi_res_id` and echo it; an older one
//! ignores it and answers for the machine's own identity, so the echo is checked.
//! See <https://learn.microsoft.com/azure/azure-arc/servers/managed-identity-authentication>.
//!
//! The key file is the one thing here that reads the disk on a server's say-so, so the realm is
//! distrusted: only a file directly in the agent's directory ([`platform_key_dir`], or the one
//! the caller names), called `*.key`, a regular file and not a link, at most
//! [`MAX_KEY_BYTES`] (checked before reading, as MSAL Python does), is ever read; the path is
//! rebuilt from the directory and the file name, never taken from the realm.

use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use url::Url;

use super::{ManagedIdentity, ManagedIdentityError, with_query};
use crate::http::HttpRequest;
use crate::secret::PlatformSecret;

/// The API version.
pub const API_VERSION: &str = "2020-06-01";

/// The largest key file read: the agent's keys are a few dozen bytes.
pub const MAX_KEY_BYTES: u64 = 4096;

/// Where the agent writes its keys on this platform: `/var/opt/azcmagent/tokens` on Linux,
/// `%ProgramData%\AzureConnectedMachineAgent\Tokens` on Windows; `None` elsewhere (Arc runs on
/// neither macOS nor the BSDs).
pub fn platform_key_dir() -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        Some(PathBuf::from("/var/opt/azcmagent/tokens"))
    }
    #[cfg(windows)]
    {
        std::env::var_os("ProgramData")
            .map(|dir| PathBuf::from(dir).join(r"AzureConnectedMachineAgent\Tokens"))
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        None
    }
}

/// The first request, which the agent answers with the challenge.
pub fn token_request(endpoint: &Url, identity: &ManagedIdentity, resource: &str) -> HttpRequest {
    let mut query = vec![("api-version", API_VERSION), ("resource", resource)];
    query.extend(identity.parameter(["client_id", "object_id", "msi_res_id"]));
    HttpRequest::get(with_query(endpoint, &query)).header("Metadata", "true")
}

/// The same request, answering the challenge with the key.
pub fn authorized_request(first: &HttpRequest, key: &PlatformSecret) -> HttpRequest {
    first
        .clone()
        .secret_authorization(crate::secret::concat(&["Basic ", key.secret()]))
}

/// The key file a challenge names, in `key_dir`: the realm of `Basic realm=<path>` (RFC 7617
/// §2; quoted or not) must be `key_dir/<name>.key` exactly.
pub fn key_path(
    www_authenticate: Option<&str>,
    key_dir: &Path,
) -> Result<PathBuf, ManagedIdentityError> {
    let refuse = |why: &str| ManagedIdentityError::Arc(why.to_owned());
    let header = www_authenticate
        .ok_or_else(|| refuse("the agent answered 401 without a WWW-Authenticate challenge"))?;
    let realm = parse_basic_realm(header).ok_or_else(|| {
        refuse("the agent's WWW-Authenticate header is not `Basic realm=<key file>`")
    })?;
    let realm_path = Path::new(realm);
    let name = realm_path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| n.len() > ".key".len() && n.ends_with(".key") && !n.starts_with('.'));
    let plain = realm_path.components().all(|c| {
        matches!(
            c,
            Component::RootDir | Component::Prefix(_) | Component::Normal(_)
        )
    });
    match name {
        Some(name) if plain && realm_path.parent() == Some(key_dir) => Ok(key_dir.join(name)),
        _ => Err(ManagedIdentityError::Arc(format!(
            "the agent's challenge names a key file outside {} (or not a .key file); it was not \
             read",
            key_dir.display()
        ))),
    }
}

/// The realm of a `Basic` challenge.
fn parse_basic_realm(header: &str) -> Option<&str> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let (name, value) = rest.trim_start().split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("realm") {
        return None;
    }
    let value = value.trim();
    let value = match value.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None => value,
    };
    // A path the agent wrote has no quotes and no control characters; a realm with them is not
    // read, nor ever shown.
    (!value.is_empty() && !value.contains(|c: char| c == '"' || c.is_control())).then_some(value)
}

/// Reads the key: a regular file, not a link, at most [`MAX_KEY_BYTES`]; its surrounding
/// whitespace is not part of the key. The size and type are checked on the opened file, and
/// the opened file must be the one checked, so a file swapped in between is not read.
pub fn read_key(path: &Path) -> Result<PlatformSecret, ManagedIdentityError> {
    let fail =
        |what: String| ManagedIdentityError::Arc(format!("key file {}: {what}", path.display()));
    let io = |e: std::io::Error| {
        fail(match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                "permission denied; on Linux the user must be in the `himds` group (sudo usermod \
                 -a -G himds $USER, then sign in again)"
                    .to_owned()
            }
            std::io::ErrorKind::NotFound => "does not exist".to_owned(),
            _ => e.to_string(),
        })
    };
    let before = std::fs::symlink_metadata(path).map_err(io)?;
    if !before.file_type().is_file() {
        return Err(fail("is not a regular file; it was not read".into()));
    }
    if before.len() > MAX_KEY_BYTES {
        return Err(fail(format!(
            "is larger than {MAX_KEY_BYTES} bytes; it was not read"
        )));
    }
    let file = open_without_waiting(path).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    if !opened.is_file() || !same_file(&before, &opened) {
        return Err(fail("changed while it was opened; it was not read".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_BYTES {
        return Err(fail(format!(
            "is larger than {MAX_KEY_BYTES} bytes; it was not read"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| fail("is not text".into()))?;
    let key = text.trim();
    if key.is_empty() || key.contains(|c: char| c.is_control()) {
        return Err(fail("does not hold a key".into()));
    }
    Ok(PlatformSecret::new(key))
}

/// Opens the key file without following a link and without blocking: a FIFO swapped in after
/// it was looked at (by whoever can write to the key directory) would otherwise hold the open
/// forever, before the check that refuses it.
#[cfg(unix)]
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok(std::fs::File::from(fd))
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_name_a_key_file_only_in_the_key_directory() {
        let dir = Path::new("/var/opt/azcmagent/tokens");
        let ok = |header: &str| key_path(Some(header), dir).unwrap();
        let expected = dir.join("0a1b.key");
        assert_eq!(
            ok("Basic realm=/var/opt/azcmagent/tokens/0a1b.key"),
            expected
        );
        assert_eq!(
            ok("basic  Realm=\"/var/opt/azcmagent/tokens/0a1b.key\""),
            expected
        );
        assert_eq!(
            ok("Basic realm=/var/opt/azcmagent/tokens//0a1b.key"),
            expected
        );
        for bad in [
            "Basic realm=/etc/shadow",
            "Basic realm=/etc/x.key",
            "Basic realm=/var/opt/azcmagent/tokens/../../../etc/x.key",
            "Basic realm=/var/opt/azcmagent/tokens/sub/x.key",
            "Basic realm=/var/opt/azcmagent/tokens/x.pem",
            "Basic realm=/var/opt/azcmagent/tokens/.key",
            "Basic realm=/var/opt/azcmagent/tokens/.hidden.key",
            "Basic realm=x.key",
            "Bearer realm=/var/opt/azcmagent/tokens/x.key",
            "Basic realm=",
            "Basic",
            "Basic realm=\"/var/opt/azcmagent/tokens/x.key",
            "Basic realm=/var/opt/azcmagent/tokens/\u{1b}[2J.key",
        ] {
            assert!(key_path(Some(bad), dir).is_err(), "{bad}");
        }
        assert!(key_path(None, dir).is_err());
    }

    #[test]
    fn keys_are_read_only_from_small_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("good.key");
        std::fs::write(&key, "c2VjcmV0LWtleQ==\n").unwrap();
        assert_eq!(read_key(&key).unwrap().secret(), "c2VjcmV0LWtleQ==");

        let big = dir.path().join("big.key");
        std::fs::write(&big, vec![b'a'; MAX_KEY_BYTES as usize + 1]).unwrap();
        assert!(read_key(&big).unwrap_err().to_string().contains("larger"));
        let edge = dir.path().join("edge.key");
        std::fs::write(&edge, vec![b'a'; MAX_KEY_BYTES as usize]).unwrap();
        assert!(read_key(&edge).is_ok());

        #[cfg(unix)]
        {
            let link = dir.path().join("link.key");
            std::os::unix::fs::symlink(&key, &link).unwrap();
            assert!(read_key(&link).unwrap_err().to_string().contains("regular"));
            let fifo_like = dir.path().join("dir.key");
            std::fs::create_dir(&fifo_like).unwrap();
            assert!(read_key(&fifo_like).is_err());
        }
        let err = read_key(&dir.path().join("missing.key")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let empty = dir.path().join("empty.key");
        std::fs::write(&empty, "  \n").unwrap();
        assert!(read_key(&empty).is_err());
    }
}

//! The operating system's keyrings, through `keyring-core` and one store crate per OS (the
//! keyring README's advice for applications), in the order they are tried.
//!
//! - Linux: the Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC), then the kernel's
//!   keyutils, but only once a canary set/get/delete has worked: without a real session keyring
//!   keyutils fails (AccessDenied) or, in older versions, "succeeds" and then finds nothing
//!   (`notes/dependencies.md`). Keyutils keys live in kernel memory: they survive logouts for a
//!   few days (the persistent keyring) but not a reboot.
//! - macOS: the login Keychain. Windows: the Credential Manager (at most 1,280 characters a
//!   value). Other systems: none, so the 0600 file.
//!
//! Every function here blocks, and is only ever called through [`super::bounded`].

use std::collections::HashMap;
use std::sync::Arc;

use keyring_core::api::CredentialStore;
use keyring_core::{Entry, Error};

use super::Backend;

/// The OS keyrings of this system, best first.
pub(crate) fn tiers() -> &'static [Backend] {
    #[cfg(target_os = "linux")]
    {
        &[Backend::SecretService, Backend::Keyutils]
    }
    #[cfg(target_os = "macos")]
    {
        &[Backend::MacosKeychain]
    }
    #[cfg(target_os = "windows")]
    {
        &[Backend::WindowsCredentialManager]
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        &[]
    }
}

/// Opens `backend`'s store, and proves it usable where merely opening it proves nothing.
pub(crate) fn open(backend: Backend) -> Result<Arc<CredentialStore>, String> {
    match backend {
        #[cfg(target_os = "linux")]
        Backend::SecretService => {
            // Connects to the session bus and opens a session with the Secret Service: fails
            // fast without a bus or a provider.
            let store: Arc<CredentialStore> =
                zbus_secret_service_keyring_store::Store::new().map_err(|e| reason(&e))?;
            Ok(store)
        }
        #[cfg(target_os = "linux")]
        Backend::Keyutils => {
            let store: Arc<CredentialStore> =
                linux_keyutils_keyring_store::Store::new().map_err(|e| reason(&e))?;
            canary()?;
            Ok(store)
        }
        #[cfg(target_os = "macos")]
        Backend::MacosKeychain => {
            let store: Arc<CredentialStore> =
                apple_native_keyring_store::keychain::Store::new().map_err(|e| reason(&e))?;
            Ok(store)
        }
        #[cfg(target_os = "windows")]
        Backend::WindowsCredentialManager => {
            let store: Arc<CredentialStore> =
                windows_native_keyring_store::Store::new().map_err(|e| reason(&e))?;
            Ok(store)
        }
        #[allow(unreachable_patterns)]
        _ => Err("not available on this system".to_owned()),
    }
}

/// The entry for `service`/`account` in `store`. The Secret Service also gets a label, which
/// is what keyring managers (Seahorse, KWallet) show.
pub(crate) fn entry(
    backend: Backend,
    store: &Arc<CredentialStore>,
    service: &str,
    account: &str,
    label: &str,
) -> keyring_core::Result<Entry> {
    if backend == Backend::SecretService {
        let modifiers = HashMap::from([("label", label)]);
        store.build(service, account, Some(&modifiers))
    } else {
        store.build(service, account, None)
    }
}

/// Does what the keyutils store does with a throw-away key (add it to the session keyring, link
/// it to the persistent keyring, find it by description, read it back), then removes it by its
/// id. Without a real session keyring one of these steps fails (which one depends on the kernel
/// and the crate version: AccessDenied on the link here, "not found" on the search elsewhere).
///
/// This uses `linux-keyutils` directly rather than the store, because the store cannot remove a
/// key it failed to finish writing: a failed link leaves the key in the user-session keyring,
/// and every run would leave one more behind, against the per-user quota.
#[cfg(target_os = "linux")]
fn canary() -> Result<(), String> {
    use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

    let failed = |step: &str, e: KeyError| format!("no usable session keyring ({step}: {e})");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let description = format!("msal-canary:{}-{nanos}", std::process::id());
    let value = b"msal keyring canary";
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
        .map_err(|e| failed("open", e))?;
    let persistent = KeyRing::get_persistent(KeyRingIdentifier::Session).ok();
    let key = session
        .add_key(&description, value)
        .map_err(|e| failed("write", e))?;
    let result = (|| {
        if let Some(persistent) = persistent {
            persistent
                .link_key(key)
                .map_err(|e| failed("link to the persistent keyring", e))?;
        }
        let found = session
            .search(&description)
            .map_err(|e| failed("find again", e))?;
        let read = found.read_to_vec().map_err(|e| failed("read back", e))?;
        if read != value {
            return Err("no usable session keyring (read back a different value)".to_owned());
        }
        Ok(())
    })();
    // Remove it whatever happened, by id: unlinked from everything, the kernel collects it.
    if let Some(persistent) = persistent {
        let _ = persistent.unlink_key(key);
    }
    let _ = session.unlink_key(key);
    let _ = key.invalidate();
    result
}

/// A one-line description of a keyring error that cannot contain a secret: the variants that
/// carry stored bytes or matching entries are described, not displayed.
pub(crate) fn reason(error: &Error) -> String {
    let text = match error {
        Error::BadEncoding(_) => "the stored value is not UTF-8 text".to_owned(),
        Error::BadDataFormat(..) => "the stored value is not in the expected format".to_owned(),
        Error::Ambiguous(entries) => format!("{} entries match", entries.len()),
        Error::PlatformFailure(e) => e.to_string(),
        Error::NoStorageAccess(e) => format!("locked or not accessible: {e}"),
        other => other.to_string(),
    };
    // One line, bounded: these reasons end up in a one-line notice.
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect();
    line
}

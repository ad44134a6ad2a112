//! Opt-in encryption of the cache file with a key kept in the OS keyring.
//!
//! The file stays where it is; only its bytes change. An encrypted cache is two lines:
//!
//! ```text
//! #msal-encrypted-cache v1 (AES-256-GCM, key in the OS keyring): only msal can read this file; MSAL Python and the Azure CLI cannot
//! {"msal_encrypted":1,"alg":"A256GCM","kid":"…","nonce":"…","ciphertext":"…"}
//! ```
//!
//! The first line is not JSON on purpose: a plain-JSON reader such as MSAL Python's
//! `SerializableTokenCache.deserialize` (`json.loads`) then fails at line 1 instead of taking the
//! envelope for an empty cache and writing tokens in the clear next to it, and a person who opens
//! the file reads what it is. The second line carries the AES-256-GCM nonce and ciphertext
//! (base64url) of the plain cache JSON; the header fields are bound to it as associated data, so
//! they cannot be altered without decryption failing.
//!
//! Crypto is aws-lc-rs's AEAD ([`RandomizedNonceKey`]: a fresh random 96-bit nonce per seal,
//! chosen by the library, never by this code). The key is 256 random bits from aws-lc-rs's CSPRNG,
//! stored in the keyring as base64url text by a [`CacheKeySource`].

use std::fmt;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The first bytes of every encrypted cache file.
pub(crate) const MAGIC: &[u8] = b"#msal-encrypted-cache ";

/// The whole first line of the current format.
const HEADER_LINE: &str = "#msal-encrypted-cache v1 (AES-256-GCM, key in the OS keyring): only msal \
     can read this file; MSAL Python and the Azure CLI cannot";

/// The format version this code writes and reads.
const VERSION: u32 = 1;
/// The JOSE name of the algorithm (RFC 7518 §5.3), for readers of the envelope.
const ALG: &str = "A256GCM";
/// The key length: AES-256.
const KEY_LEN: usize = 32;

/// A 256-bit cache encryption key. Its `Debug` shows only its id.
#[derive(Clone, PartialEq, Eq)]
pub struct CacheKey([u8; KEY_LEN]);

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey(kid {})", self.kid())
    }
}

impl CacheKey {
    /// A new key from the operating system's CSPRNG (through aws-lc-rs).
    pub fn generate() -> Result<Self, KeyFormatError> {
        let mut bytes = [0u8; KEY_LEN];
        aws_lc_rs::rand::fill(&mut bytes)
            .map_err(|_| KeyFormatError("the random generator failed"))?;
        Ok(Self(bytes))
    }

    /// The key from its text form ([`Self::to_text`]).
    pub fn from_text(text: &str) -> Result<Self, KeyFormatError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| KeyFormatError("not base64url"))?;
        let bytes: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| KeyFormatError("not 256 bits long"))?;
        Ok(Self(bytes))
    }

    /// The key as base64url text, the form kept in the keyring.
    ///
    /// Security: the returned string is the key itself; it must not be logged or printed.
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// A public identifier of the key (the first 8 bytes of its SHA-256, hex), written in the
    /// envelope so that "wrong key" can be told apart from "altered file". It reveals nothing
    /// usable about a 256-bit random key.
    pub fn kid(&self) -> String {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.0);
        digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn aead_key(&self) -> Result<RandomizedNonceKey, KeyFormatError> {
        RandomizedNonceKey::new(&AES_256_GCM, &self.0)
            .map_err(|_| KeyFormatError("rejected by AES-256-GCM"))
    }
}

/// A stored key that is not a key (wrong length or encoding). Names the problem, never the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the cache key is unusable: {0}")]
pub struct KeyFormatError(pub &'static str);

/// Where the key that encrypts a cache file is kept: the OS keyring in `msal`
/// ([`crate::secret_store::KeyringCacheKeys`]); tests use an in-memory map.
///
/// Keys are per cache file (`cache` is the resolved path of the file), so that creating one
/// happens under that file's lock and two processes can never each create a different key for
/// the same file.
pub trait CacheKeySource: fmt::Debug + Send + Sync {
    /// The key for `cache`, or `None` when there is none. An error means the keyring could not
    /// be asked (unreachable, locked, timed out).
    fn get(&self, cache: &Path) -> Result<Option<CacheKey>, CacheKeyError>;

    /// Stores a new key for `cache`. Called with the cache lock held.
    fn create(&self, cache: &Path) -> Result<CacheKey, CacheKeyError>;

    /// Where keys are looked for, for messages (e.g. "the OS keyring (Secret Service), entry
    /// msal/token-cache-key:/home/u/.config/msal/token_cache.json").
    fn describe(&self, cache: &Path) -> String;
}

/// Why a [`CacheKeySource`] failed. Its message never contains a key.
pub type CacheKeyError = Box<dyn std::error::Error + Send + Sync>;

/// Whether the cache file should be encrypted when it is next written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncryptionPolicy {
    /// Keep the file as it is: an encrypted file stays encrypted, a plain one stays plain.
    #[default]
    Keep,
    /// Encrypt (the user opted in): a plain file is encrypted at once.
    Encrypt,
    /// Decrypt (the user opted out): an encrypted file is written back as plain JSON.
    Decrypt,
}

/// How a [`super::CacheFile`] handles encryption: the key source and the policy.
#[derive(Debug, Clone)]
pub struct CacheEncryption {
    pub(crate) keys: std::sync::Arc<dyn CacheKeySource>,
    pub(crate) policy: EncryptionPolicy,
}

impl CacheEncryption {
    /// Keys from `keys`, files handled by `policy`.
    pub fn new(keys: std::sync::Arc<dyn CacheKeySource>, policy: EncryptionPolicy) -> Self {
        Self { keys, policy }
    }

    /// Whether a file that is (`encrypted`) or is not encrypted should be written encrypted.
    pub(crate) fn wants_encrypted(&self, encrypted: bool) -> bool {
        match self.policy {
            EncryptionPolicy::Keep => encrypted,
            EncryptionPolicy::Encrypt => true,
            EncryptionPolicy::Decrypt => false,
        }
    }
}

/// The second line of an encrypted file.
#[derive(Serialize, Deserialize)]
struct Envelope {
    msal_encrypted: u32,
    alg: String,
    kid: String,
    nonce: String,
    ciphertext: String,
}

/// An encrypted file, parsed but not decrypted.
#[derive(Debug)]
pub(crate) struct Sealed {
    kid: String,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

/// What the bytes of a file that starts with [`MAGIC`] turned out to be.
#[derive(Debug)]
pub(crate) enum Opened {
    /// A well-formed envelope of this version.
    Sealed(Sealed),
    /// A newer version of the format: leave it alone.
    UnknownVersion(String),
    /// Damaged (cut short, edited by hand).
    Corrupt(&'static str),
}

impl Sealed {
    /// The id of the key it was sealed with.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }
}

/// Whether `bytes` is an encrypted cache (by its first bytes).
pub(crate) fn is_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Parses an encrypted file's bytes (which start with [`MAGIC`]).
pub(crate) fn parse(bytes: &[u8]) -> Opened {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => return Opened::Corrupt("the encrypted cache is not text"),
    };
    let Some((header, rest)) = text.split_once('\n') else {
        return Opened::Corrupt("the encrypted cache has no envelope line");
    };
    let version = header
        .strip_prefix("#msal-encrypted-cache ")
        .and_then(|h| h.split_whitespace().next())
        .unwrap_or("");
    if version != "v1" {
        return Opened::UnknownVersion(format!(
            "an encrypted cache of format {version:?}, newer than this version's v1"
        ));
    }
    let Ok(envelope) = serde_json::from_str::<Envelope>(rest.trim()) else {
        return Opened::Corrupt("the envelope of the encrypted cache is not valid");
    };
    if envelope.msal_encrypted != VERSION || envelope.alg != ALG {
        return Opened::UnknownVersion(format!(
            "an encrypted cache with msal_encrypted={} alg={:?}",
            envelope.msal_encrypted,
            envelope.alg.chars().take(20).collect::<String>()
        ));
    }
    let nonce = URL_SAFE_NO_PAD
        .decode(&envelope.nonce)
        .ok()
        .and_then(|n| <[u8; NONCE_LEN]>::try_from(n).ok());
    let ciphertext = URL_SAFE_NO_PAD.decode(&envelope.ciphertext).ok();
    match (nonce, ciphertext) {
        (Some(nonce), Some(ciphertext)) => Opened::Sealed(Sealed {
            kid: envelope.kid,
            nonce,
            ciphertext,
        }),
        _ => Opened::Corrupt("the nonce or ciphertext of the encrypted cache is not valid"),
    }
}

/// The associated data: everything in the envelope that is not the nonce or the ciphertext.
fn aad(kid: &str) -> Vec<u8> {
    format!("msal-encrypted-cache v{VERSION} {ALG} {kid}").into_bytes()
}

/// Decrypts `sealed` with `key`; `None` when the key is wrong or the file was altered (AES-GCM
/// cannot tell which; the caller compares key ids to say which is likely).
pub(crate) fn open(sealed: Sealed, key: &CacheKey) -> Option<Vec<u8>> {
    let aead = key.aead_key().ok()?;
    let mut in_out = sealed.ciphertext;
    let plain_len = aead
        .open_in_place(
            Nonce::assume_unique_for_key(sealed.nonce),
            Aad::from(aad(&sealed.kid)),
            &mut in_out,
        )
        .ok()?
        .len();
    in_out.truncate(plain_len);
    Some(in_out)
}

/// Encrypts `plain` (the cache JSON) with `key`: the whole file's bytes.
pub(crate) fn seal(plain: &[u8], key: &CacheKey) -> Result<Vec<u8>, KeyFormatError> {
    let aead = key.aead_key()?;
    let kid = key.kid();
    let mut in_out = plain.to_vec();
    let nonce = aead
        .seal_in_place_append_tag(Aad::from(aad(&kid)), &mut in_out)
        .map_err(|_| KeyFormatError("AES-256-GCM refused to encrypt"))?;
    let envelope = Envelope {
        msal_encrypted: VERSION,
        alg: ALG.to_owned(),
        kid,
        nonce: URL_SAFE_NO_PAD.encode(nonce.as_ref()),
        ciphertext: URL_SAFE_NO_PAD.encode(&in_out),
    };
    let json = serde_json::to_string(&envelope)
        .map_err(|_| KeyFormatError("the envelope could not be written"))?;
    Ok(format!("{HEADER_LINE}\n{json}\n").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips_and_hides_the_text() {
        let key = CacheKey::generate().unwrap();
        let plain = br#"{"AccessToken":{"k":{"secret":"eyJ-very-secret-token"}}}"#;
        let bytes = seal(plain, &key).unwrap();
        assert!(is_encrypted(&bytes));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("very-secret"));
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
        let Opened::Sealed(sealed) = parse(&bytes) else {
            panic!("not parsed")
        };
        assert_eq!(sealed.kid(), key.kid());
        assert_eq!(open(sealed, &key).unwrap(), plain);
    }

    #[test]
    fn a_fresh_nonce_every_time() {
        let key = CacheKey::generate().unwrap();
        assert_ne!(seal(b"{}", &key).unwrap(), seal(b"{}", &key).unwrap());
    }

    #[test]
    fn wrong_key_or_altered_bytes_do_not_open() {
        let key = CacheKey::generate().unwrap();
        let other = CacheKey::generate().unwrap();
        let bytes = seal(b"{}", &key).unwrap();
        let Opened::Sealed(sealed) = parse(&bytes) else {
            panic!()
        };
        assert!(open(sealed, &other).is_none());
        // Change the key id in the envelope: the associated data no longer matches.
        let text = String::from_utf8(bytes).unwrap();
        let altered = text.replace(&key.kid(), &other.kid());
        let Opened::Sealed(sealed) = parse(altered.as_bytes()) else {
            panic!()
        };
        assert!(open(sealed, &key).is_none());
    }

    #[test]
    fn damaged_and_newer_files_are_told_apart() {
        assert!(matches!(
            parse(b"#msal-encrypted-cache v1 x"),
            Opened::Corrupt(_)
        ));
        assert!(matches!(
            parse(b"#msal-encrypted-cache v1 x\n{\"msal_encrypted\":1"),
            Opened::Corrupt(_)
        ));
        assert!(matches!(
            parse(b"#msal-encrypted-cache v2 x\n{}"),
            Opened::UnknownVersion(_)
        ));
    }

    #[test]
    fn keys_round_trip_as_text_and_never_debug_print() {
        let key = CacheKey::generate().unwrap();
        assert_eq!(CacheKey::from_text(&key.to_text()).unwrap(), key);
        assert!(!format!("{key:?}").contains(&key.to_text()));
        assert!(CacheKey::from_text("abc").is_err());
        assert!(CacheKey::from_text("!!").is_err());
    }
}

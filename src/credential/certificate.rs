//! Certificate credentials: an RSA or P-256 EC key and its X.509 certificate, loaded from PEM or
//! PKCS#12 (PFX), signing JWT client assertions (RFC 7523 §3; `private_key_jwt`, OpenID Connect
//! Core §9).
//!
//! For Entra ID the assertion follows the "certificate credentials" page
//! (<https://learn.microsoft.com/entra/identity-platform/certificate-credentials>): header `alg`,
//! `typ`, the thumbprint (`x5t#S256` for PS256, `x5t` for RS256) and optionally `x5c`; claims
//! `aud`, `iss`, `sub`, `jti`, `iat`, `nbf`, `exp`. Other providers look the key up in the
//! client's registered JWKS by `kid` (by default the key's RFC 7638 JWK thumbprint).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rustls_pki_types::pem::{self, PemObject, SectionKind};

use super::{CredentialError, der, origin, read_capped};
use crate::secret::{Assertion, CertificatePassword};

/// How long a signed assertion is valid: `exp` = `iat` + 10 minutes, as MSAL does. Each request
/// signs a new one, so a short life costs nothing and limits replay.
pub const ASSERTION_LIFETIME_SECS: u64 = 600;

/// The JWS algorithm of a client assertion (RFC 7518 §3.3 RS256, §3.4 ES256, §3.5 PS256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningAlgorithm {
    /// RSASSA-PSS with SHA-256, identified by `x5t#S256`: what Entra ID recommends.
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, identified by the SHA-1 `x5t`: for services that only know
    /// the SHA-1 thumbprint or do not accept PS256 (ADFS, older providers), and what most
    /// OpenID providers register clients for.
    Rs256,
    /// ECDSA on P-256 with SHA-256, for EC keys.
    Es256,
}

/// What kind of key a certificate holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// RSA, 2048 to 8192 bits.
    Rsa,
    /// EC on the P-256 curve.
    EcP256,
}

impl SigningAlgorithm {
    /// The JOSE `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            SigningAlgorithm::Ps256 => "PS256",
            SigningAlgorithm::Rs256 => "RS256",
            SigningAlgorithm::Es256 => "ES256",
        }
    }

    /// The algorithm a JOSE `alg` name stands for, among those supported.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "PS256" => Some(SigningAlgorithm::Ps256),
            "RS256" => Some(SigningAlgorithm::Rs256),
            "ES256" => Some(SigningAlgorithm::Es256),
            _ => None,
        }
    }

    /// Whether a key of this type can sign with this algorithm.
    pub fn fits(self, key: KeyType) -> bool {
        match self {
            SigningAlgorithm::Ps256 | SigningAlgorithm::Rs256 => key == KeyType::Rsa,
            SigningAlgorithm::Es256 => key == KeyType::EcP256,
        }
    }

    /// The algorithm for a key of type `key` at a provider whose discovery document lists
    /// `supported` (`token_endpoint_auth_signing_alg_values_supported`, OpenID Connect Discovery
    /// §3). Entra ID: PS256 for RSA, as it recommends. Other providers: RS256 for RSA (the
    /// registration default of OpenID Connect Dynamic Client Registration §2 and most providers)
    /// unless the provider lists PS256 and not RS256, ES256 for P-256 keys. `None` when the
    /// provider lists no algorithm this key can make.
    pub fn choose(key: KeyType, supported: Option<&[String]>, entra: bool) -> Option<Self> {
        let listed = |alg: Self| supported.is_none_or(|s| s.iter().any(|n| n == alg.name()));
        let preference: &[Self] = match (key, entra) {
            (KeyType::Rsa, true) => &[SigningAlgorithm::Ps256, SigningAlgorithm::Rs256],
            (KeyType::Rsa, false) => &[SigningAlgorithm::Rs256, SigningAlgorithm::Ps256],
            (KeyType::EcP256, _) => &[SigningAlgorithm::Es256],
        };
        preference.iter().copied().find(|alg| listed(*alg))
    }
}

/// A private key that signs assertions.
enum SigningKey {
    Rsa(RsaKeyPair),
    EcP256(EcdsaKeyPair),
}

impl SigningKey {
    /// The public key as a certificate's `subjectPublicKey` holds it: the `RSAPublicKey` DER, or
    /// the uncompressed EC point.
    fn public_key(&self) -> &[u8] {
        match self {
            SigningKey::Rsa(key) => key.public_key().as_ref(),
            SigningKey::EcP256(key) => key.public_key().as_ref(),
        }
    }
}

/// How to sign one assertion.
#[derive(Debug, Clone, Default)]
pub struct AssertionOptions {
    /// The algorithm; it must fit the key ([`SigningAlgorithm::fits`]).
    pub algorithm: SigningAlgorithm,
    /// A `kid` header naming the key in the client's registered JWKS (RFC 7515 §4.1.4); `None`
    /// names it by certificate thumbprint only, as Entra ID expects.
    pub key_id: Option<String>,
    /// Send the chain in the `x5c` header, for subject-name/issuer ("SNI") authentication.
    pub send_chain: bool,
}

/// A private key (RSA or P-256 EC) with its certificate (the leaf) and any further certificates
/// (the chain).
///
/// Cheap to clone (the key is shared). `Debug` shows only public values: the thumbprints, the
/// chain length and the expiry.
#[derive(Clone)]
pub struct Certificate {
    key: Arc<SigningKey>,
    leaf: Vec<u8>,
    chain: Vec<Vec<u8>>,
    x5t_s256: String,
    x5t: String,
    sha1_hex: String,
    not_after: Option<u64>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("sha1_thumbprint", &self.sha1_hex)
            .field("x5t#S256", &self.x5t_s256)
            .field("chain_len", &self.chain.len())
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// A private key as found in a file, before it is loaded.
enum KeyDer<'a> {
    /// PKCS#8 `PrivateKeyInfo` (PEM "PRIVATE KEY", and every PFX key).
    Pkcs8(&'a [u8]),
    /// PKCS#1 `RSAPrivateKey` (PEM "RSA PRIVATE KEY").
    Pkcs1(&'a [u8]),
    /// SEC1 `ECPrivateKey` (PEM "EC PRIVATE KEY").
    Sec1(&'a [u8]),
}

impl Certificate {
    /// Loads PEM text holding one private key (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE
    /// KEY") and one or more "CERTIFICATE" blocks, in any order. The leaf is the certificate
    /// whose public key matches the private key (else the first, with a warning); the others
    /// form the chain, in file order. Only the first private key is used.
    ///
    /// Encrypted keys are refused with a hint ([`CredentialError::EncryptedPemKey`]), as are
    /// keys other than RSA: Entra ID certificate credentials are RSA.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CredentialError> {
        parse_pem(pem, &None)
    }

    /// Loads a PKCS#12 (PFX) file's first private key and its certificates (RFC 7292). Without a
    /// password, the empty password is tried, which is how password-less PFX files are written.
    pub fn from_pfx(
        der: &[u8],
        password: Option<&CertificatePassword>,
    ) -> Result<Self, CredentialError> {
        parse_pfx(der, password, &None)
    }

    /// Loads a certificate file: PEM if it contains a `-----BEGIN ` line, PKCS#12 (PFX)
    /// otherwise. `password` only applies to PFX. Errors name the file.
    pub fn from_file(
        path: &Path,
        password: Option<&CertificatePassword>,
    ) -> Result<Self, CredentialError> {
        let bytes = read_capped(path)?;
        let path = Some(path.to_owned());
        if looks_like_pem(&bytes) {
            parse_pem(&bytes, &path)
        } else if bytes.first() == Some(&0x30) {
            parse_pfx(&bytes, password, &path)
        } else {
            Err(CredentialError::Unrecognized {
                path,
                expected: "PEM or PKCS#12 (PFX)",
            })
        }
    }

    /// The `x5t#S256` thumbprint: base64url (no padding) of the SHA-256 of the leaf's DER
    /// (RFC 7515 §4.1.8).
    pub fn thumbprint_sha256(&self) -> String {
        self.x5t_s256.clone()
    }

    /// The SHA-1 thumbprint of the leaf in uppercase hex, as the Azure portal shows it.
    pub fn thumbprint_sha1_hex(&self) -> String {
        self.sha1_hex.clone()
    }

    /// The leaf certificate's `notAfter`, in seconds since the Unix epoch, when it parses.
    pub fn not_after(&self) -> Option<u64> {
        self.not_after
    }

    /// The number of certificates besides the leaf (what `x5c` adds after the leaf).
    pub fn chain_len(&self) -> usize {
        self.chain.len()
    }

    /// Signs a client assertion for `client_id` to the token endpoint `audience` at `now`
    /// (seconds since the Unix epoch): a compact JWS (RFC 7515 §7.1) carrying the RFC 7523 §3
    /// claims `aud`, `iss` = `sub` = client id, a random `jti`, `iat` = `nbf` = `now` and
    /// `exp` = `now` + [`ASSERTION_LIFETIME_SECS`].
    ///
    /// The header names the certificate by `x5t#S256` (PS256) or `x5t` (RS256), as the Entra
    /// certificate-credentials page specifies; with `send_chain` it adds `x5c`, the leaf and the
    /// chain in standard base64 DER (RFC 7515 §4.1.6), which subject-name/issuer authentication
    /// needs.
    pub fn sign_assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: u64,
        options: &AssertionOptions,
    ) -> Result<Assertion, CredentialError> {
        let algorithm = options.algorithm;
        if !algorithm.fits(self.key_type()) {
            return Err(CredentialError::AlgorithmMismatch {
                algorithm: algorithm.name(),
                key: self.key_type(),
            });
        }
        let rng = SystemRandom::new();
        let mut header = serde_json::Map::new();
        header.insert("alg".into(), algorithm.name().into());
        header.insert("typ".into(), "JWT".into());
        if let Some(kid) = &options.key_id {
            header.insert("kid".into(), kid.clone().into());
        }
        match algorithm {
            SigningAlgorithm::Rs256 => header.insert("x5t".into(), self.x5t.clone().into()),
            SigningAlgorithm::Ps256 | SigningAlgorithm::Es256 => {
                header.insert("x5t#S256".into(), self.x5t_s256.clone().into())
            }
        };
        if options.send_chain {
            let x5c = std::iter::once(&self.leaf)
                .chain(&self.chain)
                .map(|der| serde_json::Value::from(STANDARD.encode(der)))
                .collect();
            header.insert("x5c".into(), serde_json::Value::Array(x5c));
        }

        // jti from the same CSPRNG as the signature; `Uuid::new_v4` would panic if its own
        // randomness source failed.
        let mut random = [0u8; 16];
        rng.fill(&mut random)
            .map_err(|_| CredentialError::Signing("the system random generator failed"))?;
        let jti = uuid::Builder::from_random_bytes(random).into_uuid();
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": jti.to_string(),
            "iat": now,
            "nbf": now,
            "exp": now.saturating_add(ASSERTION_LIFETIME_SECS),
        });

        let encode = |value: &serde_json::Value| {
            serde_json::to_vec(value)
                .map(|json| URL_SAFE_NO_PAD.encode(json))
                .map_err(|_| CredentialError::Signing("could not encode the JWT"))
        };
        let signing_input = format!(
            "{}.{}",
            encode(&serde_json::Value::Object(header))?,
            encode(&claims)?
        );
        let sig = match (&*self.key, algorithm) {
            (SigningKey::Rsa(key), SigningAlgorithm::Ps256 | SigningAlgorithm::Rs256) => {
                let padding: &'static dyn signature::RsaEncoding = match algorithm {
                    SigningAlgorithm::Ps256 => &signature::RSA_PSS_SHA256,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0u8; key.public_modulus_len()];
                key.sign(padding, &rng, signing_input.as_bytes(), &mut sig)
                    .map_err(|_| CredentialError::Signing("the RSA signature failed"))?;
                sig
            }
            // The fixed-size r‖s form RFC 7518 §3.4 asks for.
            (SigningKey::EcP256(key), SigningAlgorithm::Es256) => key
                .sign(&rng, signing_input.as_bytes())
                .map_err(|_| CredentialError::Signing("the ECDSA signature failed"))?
                .as_ref()
                .to_vec(),
            _ => {
                return Err(CredentialError::Signing(
                    "the key cannot make this signature",
                ));
            }
        };
        Ok(Assertion::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(sig)
        )))
    }

    /// The kind of key.
    pub fn key_type(&self) -> KeyType {
        match &*self.key {
            SigningKey::Rsa(_) => KeyType::Rsa,
            SigningKey::EcP256(_) => KeyType::EcP256,
        }
    }

    /// The RFC 7638 JWK thumbprint of the public key (base64url SHA-256 of the JWK's required
    /// members in lexicographic order): the `kid` most providers' JWKS tooling gives a key.
    pub fn jwk_thumbprint(&self) -> String {
        let jwk = match &*self.key {
            SigningKey::Rsa(key) => {
                let public = key.public_key();
                format!(
                    r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                    URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
                    URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                )
            }
            SigningKey::EcP256(key) => {
                // The uncompressed point: 0x04, then x and y, 32 bytes each.
                let point = key.public_key().as_ref();
                let (x, y) = point
                    .get(1..)
                    .unwrap_or_default()
                    .split_at(point.len().saturating_sub(1) / 2);
                format!(
                    r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                    URL_SAFE_NO_PAD.encode(x),
                    URL_SAFE_NO_PAD.encode(y),
                )
            }
        };
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, jwk.as_bytes()).as_ref())
    }

    /// Warns (through `log`) when the certificate has expired at `now`: Entra ID then rejects
    /// the assertion with a less obvious error.
    pub(crate) fn warn_if_expired(&self, now: u64) {
        if let Some(not_after) = self.not_after.filter(|&t| t < now) {
            log::warn!(
                "the certificate with thumbprint {} expired on {}",
                self.sha1_hex,
                der::format_utc(not_after)
            );
        }
    }

    /// The leaf's DER.
    #[cfg(test)]
    pub(crate) fn leaf_der(&self) -> &[u8] {
        &self.leaf
    }
}

/// PEM detection for [`Certificate::from_file`]: a PFX is binary DER and never contains this.
fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn parse_pem(pem: &[u8], path: &Option<PathBuf>) -> Result<Certificate, CredentialError> {
    // The PEM reader skips labels it does not know, so encrypted keys are detected here:
    // PKCS#8 "ENCRYPTED PRIVATE KEY" (RFC 5958 §3) and OpenSSL's legacy encrypted PKCS#1.
    if contains(pem, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(pem, b"Proc-Type: 4,ENCRYPTED")
    {
        return Err(CredentialError::EncryptedPemKey { path: path.clone() });
    }

    let mut sections = 0usize;
    let mut certs = Vec::new();
    let mut keys: Vec<(SectionKind, Vec<u8>)> = Vec::new();
    for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
        let (kind, der) = section.map_err(|e| CredentialError::MalformedPem {
            path: path.clone(),
            reason: pem_error_reason(&e),
        })?;
        sections += 1;
        match kind {
            SectionKind::Certificate => certs.push(der),
            SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey => {
                keys.push((kind, der));
            }
            _ => {}
        }
    }
    if sections == 0 {
        return Err(CredentialError::Unrecognized {
            path: path.clone(),
            expected: "PEM",
        });
    }
    let Some((kind, key)) = keys.first() else {
        return Err(CredentialError::PemMissingKey { path: path.clone() });
    };
    if certs.is_empty() {
        return Err(CredentialError::PemMissingCertificate { path: path.clone() });
    }
    let key = match kind {
        SectionKind::RsaPrivateKey => KeyDer::Pkcs1(key),
        SectionKind::EcPrivateKey => KeyDer::Sec1(key),
        _ => KeyDer::Pkcs8(key),
    };
    assemble(load_key(key, path)?, certs, path)
}

/// A reason for a PEM syntax error that never quotes the input (a line may be key material).
fn pem_error_reason(error: &pem::Error) -> &'static str {
    match error {
        pem::Error::MissingSectionEnd { .. } => "a section has no -----END …----- line",
        pem::Error::IllegalSectionStart { .. } => "a -----BEGIN …----- line is malformed",
        pem::Error::Base64Decode(_) => "a section is not valid base64",
        pem::Error::SectionTooLarge => "a section is too large",
        _ => "it could not be parsed",
    }
}

fn parse_pfx(
    der: &[u8],
    password: Option<&CertificatePassword>,
    path: &Option<PathBuf>,
) -> Result<Certificate, CredentialError> {
    use p12_keystore::error::Error as P12Error;

    // A PFX is one DER SEQUENCE (RFC 7292 §4). Data that does not even start like one gets the
    // clearer "not a certificate file" error; the decoder judges the rest.
    if der.first() != Some(&0x30) {
        return Err(CredentialError::Unrecognized {
            path: path.clone(),
            expected: "PKCS#12 (PFX)",
        });
    }
    let secret = password.map_or("", CertificatePassword::secret);
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, secret).map_err(|e| match e {
        // The MAC check fails on a wrong password; without a MAC, decryption fails instead
        // (bad padding or a PBES2 error).
        P12Error::MacError(_) | P12Error::UnpadError | P12Error::Pkcs5Error(_) => {
            CredentialError::PfxWrongPassword {
                path: path.clone(),
                password_given: password.is_some(),
            }
        }
        other => CredentialError::PfxMalformed {
            path: path.clone(),
            reason: other.to_string(),
        },
    })?;
    let Some(key) = archive.keys.first() else {
        return Err(CredentialError::PfxMissingKey { path: path.clone() });
    };
    if archive.certs.is_empty() {
        return Err(CredentialError::PfxMissingCertificate { path: path.clone() });
    }
    let certs = archive
        .certs
        .iter()
        .map(|bag| bag.cert.as_der().to_vec())
        .collect();
    assemble(
        load_key(KeyDer::Pkcs8(key.key.as_der()), path)?,
        certs,
        path,
    )
}

/// Parses the private key, refusing anything but RSA and P-256 EC with a message naming the key
/// type.
fn load_key(key: KeyDer<'_>, path: &Option<PathBuf>) -> Result<SigningKey, CredentialError> {
    let unsupported = |algorithm| CredentialError::UnsupportedKeyType {
        path: path.clone(),
        algorithm,
    };
    let rejected = |e: aws_lc_rs::error::KeyRejected| CredentialError::InvalidKey {
        path: path.clone(),
        reason: e.description_(),
    };
    // Only P-256 is accepted; the library says "wrong algorithm" for other curves.
    let ec = |e: aws_lc_rs::error::KeyRejected| match e.description_() {
        "WrongAlgorithm" | "UnsupportedCurve" => unsupported("an EC key not on P-256, or"),
        _ => rejected(e),
    };
    match key {
        KeyDer::Sec1(der) => {
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                .map(SigningKey::EcP256)
                .map_err(ec)
        }
        KeyDer::Pkcs1(der) => RsaKeyPair::from_der(der)
            .map(SigningKey::Rsa)
            .map_err(rejected),
        KeyDer::Pkcs8(der) => {
            let Some(oid) = der::pkcs8_algorithm(der) else {
                return Err(CredentialError::InvalidKey {
                    path: path.clone(),
                    reason: "not a PKCS#8 structure",
                });
            };
            match oid {
                der::OID_RSA_ENCRYPTION => RsaKeyPair::from_pkcs8(der)
                    .map(SigningKey::Rsa)
                    .map_err(rejected),
                der::OID_RSASSA_PSS => Err(unsupported("an RSA-PSS-only (RSASSA-PSS)")),
                der::OID_EC_PUBLIC_KEY => {
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                        .map(SigningKey::EcP256)
                        .map_err(ec)
                }
                der::OID_ED25519 => Err(unsupported("an Ed25519")),
                der::OID_ED448 => Err(unsupported("an Ed448")),
                der::OID_DSA => Err(unsupported("a DSA")),
                _ => Err(unsupported("a non-RSA")),
            }
        }
    }
}

/// Picks the leaf (the certificate holding the key's public key), orders the rest as the chain
/// and computes the thumbprints once.
fn assemble(
    key: SigningKey,
    mut certs: Vec<Vec<u8>>,
    path: &Option<PathBuf>,
) -> Result<Certificate, CredentialError> {
    let public_key = key.public_key();
    let matching = certs
        .iter()
        .position(|cert| der::cert_info(cert).is_some_and(|info| info.public_key == public_key));
    let leaf_index = matching.unwrap_or_else(|| {
        log::warn!(
            "no certificate in {} matches its private key; using the first one, which Entra ID \
             will reject unless it is the key's certificate",
            origin(path)
        );
        0
    });
    if leaf_index >= certs.len() {
        return Err(CredentialError::PemMissingCertificate { path: path.clone() });
    }
    let leaf = certs.remove(leaf_index);
    let Some(info) = der::cert_info(&leaf) else {
        return Err(CredentialError::InvalidCertificate { path: path.clone() });
    };
    let not_after = info.not_after;
    // A PFX often lists a certificate twice (once per bag); x5c should not.
    let mut chain: Vec<Vec<u8>> = Vec::with_capacity(certs.len());
    for cert in certs {
        if cert != leaf && !chain.contains(&cert) {
            chain.push(cert);
        }
    }

    let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &leaf);
    let sha256 = digest::digest(&digest::SHA256, &leaf);
    Ok(Certificate {
        key: Arc::new(key),
        x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
        // RFC 7515 §4.1.7: base64url without padding. (MSAL Python keeps the padding, MSAL.NET does
        // not.)
        x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
        sha1_hex: sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect(),
        leaf,
        chain,
        not_after,
    })
}

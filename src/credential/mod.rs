//! Client credentials for confidential clients (RFC 6749 §2.3, RFC 7521 §4.2, RFC 7523 §2.2).
//!
//! A [`ClientCredential`] is what the user configured; [`ClientCredential::client_auth`] turns
//! it into the [`ClientAuth`] of one token request. Certificates sign a fresh assertion per
//! request ([`Certificate::sign_assertion`]); assertion and federated token files are re-read
//! per request because platforms rotate them; GitHub Actions tokens need an HTTP call, which the
//! app layer makes before each token request.

pub(crate) mod certificate;
mod der;
pub(crate) mod github;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use zeroize::Zeroizing;

pub use certificate::{
    ASSERTION_LIFETIME_SECS, AssertionOptions, Certificate, KeyType, SigningAlgorithm,
};
pub use github::GitHubOidc;

use crate::managed_identity::{ManagedIdentity, Source};
use crate::secret::{Assertion, ClientSecret};

/// The `client_assertion_type` for a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The largest credential file read (token, assertion, PEM or PFX); real ones are a few KB, and
/// the cap keeps a mistaken path such as `/dev/zero` from exhausting memory.
pub const MAX_CREDENTIAL_FILE_BYTES: u64 = 1024 * 1024;

/// How a confidential client proves its identity to the token endpoint.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientCredential {
    /// A client secret, sent as `client_secret` (RFC 6749 §2.3.1, `client_secret_post`).
    Secret(ClientSecret),
    /// A certificate whose key signs a fresh JWT assertion for every request (RFC 7523 §3; the
    /// Entra "certificate credentials" page), so that `jti`, `iat` and `exp` are always new.
    Certificate {
        /// The key and its certificate chain.
        certificate: Certificate,
        /// Send the chain in the `x5c` header, for subject-name/issuer ("SNI") authentication.
        send_chain: bool,
    },
    /// A client assertion given literally; sent as is (RFC 7521 §4.2).
    Assertion(Assertion),
    /// A client assertion in a file, read (and trimmed) on every request.
    AssertionFile(PathBuf),
    /// A federated token file such as `AZURE_FEDERATED_TOKEN_FILE` (Kubernetes workload
    /// identity), used as the client assertion. Re-read on every request, because the platform
    /// rotates it and a copy kept in memory expires.
    FederatedTokenFile(PathBuf),
    /// GitHub Actions' OIDC token, fetched fresh by the app layer for every request (the token
    /// lives minutes and each fetch is cheap).
    GitHubActions(GitHubOidc),
    /// A token of the platform's managed identity for
    /// [`TOKEN_EXCHANGE_RESOURCE`](crate::managed_identity::TOKEN_EXCHANGE_RESOURCE), used as
    /// the client assertion of an app registration that trusts the identity (Entra's "managed
    /// identity as a federated identity credential"). The caller gets it through the managed
    /// identity's own cache entry, so it is fetched again only when it nears expiry.
    /// See <https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity>.
    ManagedIdentity {
        /// The identity.
        identity: ManagedIdentity,
        /// Where its tokens come from.
        source: Source,
        /// The directory Azure Arc keys may be read from (`None`: the agent's own).
        arc_key_dir: Option<PathBuf>,
    },
}

/// How the client authenticates in one token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_secret` in the body (RFC 6749 §2.3.1, `client_secret_post`).
    Secret(ClientSecret),
    /// The client id and secret as HTTP Basic credentials (RFC 6749 §2.3.1,
    /// `client_secret_basic`).
    SecretBasic(ClientSecret),
    /// A JWT client assertion (RFC 7521 §4.2, RFC 7523 §2.2).
    Assertion(Assertion),
}

impl ClientAuth {
    /// The form fields to add to the token request, as `(name, value, is_secret)` so the caller
    /// can keep secrets wrapped: `client_secret` (RFC 6749 §2.3.1), or `client_assertion_type` =
    /// [`JWT_BEARER_ASSERTION_TYPE`] plus `client_assertion` (RFC 7521 §4.2, RFC 7523 §2.2).
    /// None for [`ClientAuth::SecretBasic`], which travels in [`Self::authorization_header`].
    pub fn form_fields(&self) -> Vec<(&'static str, &str, bool)> {
        match self {
            ClientAuth::Secret(secret) => vec![("client_secret", secret.secret(), true)],
            ClientAuth::SecretBasic(_) => Vec::new(),
            ClientAuth::Assertion(assertion) => vec![
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE, false),
                ("client_assertion", assertion.secret(), true),
            ],
        }
    }

    /// The `Authorization` header value for [`ClientAuth::SecretBasic`]: `Basic` and the base64
    /// of `{client_id}:{secret}`, each first encoded with `application/x-www-form-urlencoded` as
    /// RFC 6749 §2.3.1 requires (so a `:` in the id or secret cannot split them). A secret: keep
    /// it out of logs; it and every step of its making are zeroed when dropped. `None` for the
    /// other methods.
    pub fn authorization_header(&self, client_id: &str) -> Option<Zeroizing<String>> {
        let ClientAuth::SecretBasic(secret) = self else {
            return None;
        };
        // The encoder's pieces borrow from the input (or are static escapes): no copy yet.
        let mut pieces: Vec<&str> = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
        pieces.push(":");
        pieces.extend(form_urlencoded::byte_serialize(secret.secret().as_bytes()));
        let credentials = crate::secret::concat(&pieces);
        const PREFIX: &str = "Basic ";
        let encoded = base64::encoded_len(credentials.len(), true)?;
        let mut header = Zeroizing::new(vec![0u8; PREFIX.len() + encoded]);
        header[..PREFIX.len()].copy_from_slice(PREFIX.as_bytes());
        base64::engine::general_purpose::STANDARD
            .encode_slice(credentials.as_bytes(), &mut header[PREFIX.len()..])
            .ok()?;
        // Moves the bytes (base64 is ASCII), leaving an empty vector behind.
        String::from_utf8(std::mem::take(&mut *header))
            .ok()
            .map(Zeroizing::new)
    }

    /// This authentication with a client secret sent the way `method` says; assertions are
    /// unchanged.
    pub fn with_secret_method(self, method: SecretAuthMethod) -> Self {
        match (self, method) {
            (ClientAuth::Secret(s) | ClientAuth::SecretBasic(s), SecretAuthMethod::Post) => {
                ClientAuth::Secret(s)
            }
            (ClientAuth::Secret(s) | ClientAuth::SecretBasic(s), SecretAuthMethod::Basic) => {
                ClientAuth::SecretBasic(s)
            }
            (other, _) => other,
        }
    }
}

/// How a client secret travels to the token endpoint (RFC 6749 §2.3.1), by its OpenID Connect
/// Core §9 name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretAuthMethod {
    /// `client_secret_post`: `client_secret` in the form body, as Entra ID and MSAL send it.
    Post,
    /// `client_secret_basic`: HTTP Basic authentication, which RFC 6749 §2.3.1 requires every
    /// server to support.
    Basic,
}

impl SecretAuthMethod {
    /// The OpenID Connect name (`client_secret_post`, `client_secret_basic`).
    pub fn name(self) -> &'static str {
        match self {
            SecretAuthMethod::Post => "client_secret_post",
            SecretAuthMethod::Basic => "client_secret_basic",
        }
    }

    /// The method to use: the one `requested`, else for Entra ID `client_secret_post` (as MSAL
    /// does) unless its discovery document lists only `client_secret_basic`; for other OpenID
    /// Connect providers `client_secret_basic` (the registration default of OpenID Connect
    /// Dynamic Client Registration §2, and the method a provider that enforces the registered
    /// one expects of a client registered without one) unless discovery lists only
    /// `client_secret_post`. `supported` is the provider's `token_endpoint_auth_methods_supported`.
    pub fn choose(
        requested: Option<Self>,
        supported: Option<&[String]>,
        entra_family: bool,
    ) -> Self {
        if let Some(method) = requested {
            return method;
        }
        let lists = |method: Self| supported.is_some_and(|s| s.iter().any(|m| m == method.name()));
        let only = |method: Self, other: Self| lists(method) && !lists(other);
        if entra_family {
            if only(SecretAuthMethod::Basic, SecretAuthMethod::Post) {
                SecretAuthMethod::Basic
            } else {
                SecretAuthMethod::Post
            }
        } else if only(SecretAuthMethod::Post, SecretAuthMethod::Basic) {
            SecretAuthMethod::Post
        } else {
            SecretAuthMethod::Basic
        }
    }
}

impl ClientCredential {
    /// The [`ClientAuth`] for one request to the token endpoint `audience` at `now` (seconds since
    /// the Unix epoch). Certificates sign a new assertion with PS256 ([`SigningAlgorithm`]'s
    /// default) whose `aud` is `audience`; files are read now.
    ///
    /// [`ClientCredential::GitHubActions`] and [`ClientCredential::ManagedIdentity`] need HTTP,
    /// which this crate keeps out of credential code: they return
    /// [`CredentialError::FetchRequired`], and the app layer fetches the token and sends it as a
    /// `ClientAuth::Assertion`.
    pub fn client_auth(
        &self,
        client_id: &str,
        audience: &str,
        now: u64,
    ) -> Result<ClientAuth, CredentialError> {
        match self {
            ClientCredential::Secret(secret) => Ok(ClientAuth::Secret(secret.clone())),
            ClientCredential::Certificate {
                certificate,
                send_chain,
            } => {
                certificate.warn_if_expired(now);
                certificate
                    .sign_assertion(
                        client_id,
                        audience,
                        now,
                        &AssertionOptions {
                            send_chain: *send_chain,
                            ..AssertionOptions::default()
                        },
                    )
                    .map(ClientAuth::Assertion)
            }
            ClientCredential::Assertion(assertion) => Ok(ClientAuth::Assertion(assertion.clone())),
            ClientCredential::AssertionFile(path) => {
                read_token_file(path, EMPTY_ASSERTION_HINT).map(ClientAuth::Assertion)
            }
            ClientCredential::FederatedTokenFile(path) => {
                read_token_file(path, EMPTY_FEDERATED_HINT).map(ClientAuth::Assertion)
            }
            ClientCredential::GitHubActions(_) | ClientCredential::ManagedIdentity { .. } => {
                Err(CredentialError::FetchRequired)
            }
        }
    }

    /// A short description for diagnostics, with no secret in it: the kind, and the file or the
    /// certificate thumbprints (public values) where there is one.
    pub fn describe(&self) -> String {
        match self {
            ClientCredential::Secret(_) => "client secret".to_owned(),
            ClientCredential::Certificate {
                certificate,
                send_chain,
            } => format!(
                "certificate (SHA-1 thumbprint {}, x5t#S256 {}{})",
                certificate.thumbprint_sha1_hex(),
                certificate.thumbprint_sha256(),
                if *send_chain { ", sending x5c" } else { "" }
            ),
            ClientCredential::Assertion(_) => "client assertion".to_owned(),
            ClientCredential::AssertionFile(path) => {
                format!("client assertion file {}", path.display())
            }
            ClientCredential::FederatedTokenFile(path) => {
                format!("federated token file {}", path.display())
            }
            ClientCredential::GitHubActions(oidc) => {
                format!("GitHub Actions OIDC token from {}", oidc.endpoint())
            }
            ClientCredential::ManagedIdentity {
                identity, source, ..
            } => format!(
                "token of the {} managed identity from {}",
                identity.describe(),
                source.kind()
            ),
        }
    }
}

const EMPTY_ASSERTION_HINT: &str = "it should hold a signed JWT client assertion";
const EMPTY_FEDERATED_HINT: &str = "the platform writes the token there (AZURE_FEDERATED_TOKEN_FILE \
     for Kubernetes workload identity); check that the service account token is projected";

/// Reads a token or assertion file in full, trimmed. An empty file is an error, since sending
/// an empty assertion only earns a less helpful error from the server.
fn read_token_file(path: &Path, empty_hint: &'static str) -> Result<Assertion, CredentialError> {
    let bytes = read_capped(path)?;
    let text = String::from_utf8(bytes).map_err(|_| CredentialError::NotText {
        path: path.to_owned(),
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(CredentialError::EmptyFile {
            path: path.to_owned(),
            hint: empty_hint,
        });
    }
    Ok(Assertion::new(token))
}

/// Reads a whole file, refusing files over [`MAX_CREDENTIAL_FILE_BYTES`] and anything that is
/// neither a regular file nor a pipe ([`crate::input_file`]).
fn read_capped(path: &Path) -> Result<Vec<u8>, CredentialError> {
    crate::input_file::read(path, MAX_CREDENTIAL_FILE_BYTES).map_err(|source| {
        if source.kind() == std::io::ErrorKind::FileTooLarge {
            CredentialError::TooLarge {
                path: path.to_owned(),
                limit: MAX_CREDENTIAL_FILE_BYTES,
            }
        } else {
            CredentialError::Read {
                path: path.to_owned(),
                source,
            }
        }
    })
}

/// Names the certificate's origin in messages: its file when known.
fn origin(path: &Option<PathBuf>) -> String {
    match path {
        Some(path) => format!("certificate file {}", path.display()),
        None => "the certificate data".to_owned(),
    }
}

/// Why a credential could not be loaded or used. No variant carries key material, a password,
/// a token or file contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// Reading a credential file failed.
    #[error("could not read {path}: {source}")]
    Read {
        /// The credential file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A credential file is larger than any real one.
    #[error("{path} is larger than {limit} bytes; is it the right file?")]
    TooLarge {
        /// The credential file.
        path: PathBuf,
        /// The most bytes read ([`MAX_CREDENTIAL_FILE_BYTES`]).
        limit: u64,
    },
    /// A token or assertion file is not UTF-8 text.
    #[error("{path} is not a text file; expected a token (a JWT)")]
    NotText {
        /// The token or assertion file.
        path: PathBuf,
    },
    /// A token or assertion file is empty (or only whitespace).
    #[error("{path} is empty; {hint}")]
    EmptyFile {
        /// The token or assertion file.
        path: PathBuf,
        /// Where the content should come from.
        hint: &'static str,
    },
    /// The data is neither of the certificate formats expected.
    #[error(
        "{} is not {expected}: expected PEM text holding the private key and the certificate, or a \
         PKCS#12 (.pfx/.p12) file",
        origin(path)
    )]
    Unrecognized {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
        /// The format(s) tried: `"PEM"`, `"PKCS#12 (PFX)"` or `"PEM or PKCS#12 (PFX)"`.
        expected: &'static str,
    },
    /// PEM text that does not parse.
    #[error("{} is not valid PEM: {reason}", origin(path))]
    MalformedPem {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
        /// What is wrong (never the offending line, which may hold key material).
        reason: &'static str,
    },
    /// A "CERTIFICATE" block that is not an X.509 certificate.
    #[error("{} holds a certificate that is not valid X.509 DER", origin(path))]
    InvalidCertificate {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
    },
    /// A PEM file without a private key.
    #[error(
        "{} has no private key: put the \"PRIVATE KEY\" (or \"RSA PRIVATE KEY\") block in the same \
         file as the certificate, or use a PFX file",
        origin(path)
    )]
    PemMissingKey {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
    },
    /// A PEM file without a certificate.
    #[error(
        "{} has no \"CERTIFICATE\" block: Entra ID identifies the key by its certificate's \
         thumbprint, so the certificate must be in the same file as the private key",
        origin(path)
    )]
    PemMissingCertificate {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
    },
    /// An encrypted PEM private key, which this tool does not decrypt.
    #[error(
        "{} holds an encrypted private key, which is not supported: use a PFX file with its \
         password, or decrypt the key with `openssl pkey -in KEY.pem -out DECRYPTED.pem` (and \
         protect that file)",
        origin(path)
    )]
    EncryptedPemKey {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
    },
    /// A private key that is neither RSA nor P-256 EC.
    #[error(
        "{} holds {algorithm} private key; certificate credentials need an RSA key (or a P-256 EC \
         key, for providers other than Entra ID)",
        origin(path)
    )]
    UnsupportedKeyType {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
        /// The key's algorithm, with its article ("an EC", "an Ed25519", …).
        algorithm: &'static str,
    },
    /// The signing algorithm asked for cannot be made with the certificate's key.
    #[error("{algorithm} cannot be signed with {} key", match key {
        certificate::KeyType::Rsa => "an RSA",
        certificate::KeyType::EcP256 => "a P-256 EC",
    })]
    AlgorithmMismatch {
        /// The algorithm asked for.
        algorithm: &'static str,
        /// The key's type.
        key: certificate::KeyType,
    },
    /// An RSA private key the crypto library refused (malformed, or outside 2048–8192 bits).
    #[error(
        "the RSA private key in {} was rejected ({reason}); keys of 2048 to 8192 bits are supported",
        origin(path)
    )]
    InvalidKey {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
        /// The crypto library's reason code.
        reason: &'static str,
    },
    /// The PFX password is wrong, or a password is needed and none was given.
    #[error("{}", if *password_given {
        format!("wrong password for {} (the PKCS#12 integrity check failed)", origin(path))
    } else {
        format!("{} is password-protected: give its password", origin(path))
    })]
    PfxWrongPassword {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
        /// Whether a password was given at all.
        password_given: bool,
    },
    /// A PFX that does not decode.
    #[error("{} could not be read as PKCS#12 (PFX): {reason}", origin(path))]
    PfxMalformed {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
        /// The decoder's reason.
        reason: String,
    },
    /// A PFX without a private key.
    #[error(
        "{} contains no private key; export the certificate together with its private key",
        origin(path)
    )]
    PfxMissingKey {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
    },
    /// A PFX without a certificate.
    #[error("{} contains a private key but no certificate", origin(path))]
    PfxMissingCertificate {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
    },
    /// Signing the client assertion failed.
    #[error("could not sign the client assertion: {0}")]
    Signing(&'static str),
    /// [`ClientCredential::client_auth`] was asked for a GitHub Actions or managed-identity
    /// assertion, which needs an HTTP request first (a caller bug, not a user error).
    #[error(
        "a GitHub Actions or managed-identity credential must be fetched with an HTTP request \
         before use"
    )]
    FetchRequired,
    /// GitHub Actions' OIDC variables are missing.
    #[error(
        "GitHub Actions OIDC is not available: {missing} not set; outside GitHub Actions use \
         another credential, inside it give the job `permissions: id-token: write`"
    )]
    GitHubOidcUnavailable {
        /// Which variables are missing, e.g. "ACTIONS_ID_TOKEN_REQUEST_URL is".
        missing: &'static str,
    },
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` is not a URL.
    #[error("ACTIONS_ID_TOKEN_REQUEST_URL is not a valid URL: {0}")]
    GitHubOidcUrl(url::ParseError),
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` would carry the request token in clear.
    #[error(
        "ACTIONS_ID_TOKEN_REQUEST_URL must use https (plain http only to a loopback host), since \
         the request carries a bearer token: {0}"
    )]
    GitHubOidcInsecureUrl(String),
    /// GitHub refused to issue an OIDC token.
    #[error("GitHub refused the OIDC token request (HTTP {status}){}{}",
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default(),
        if matches!(status, 401 | 403) {
            "; check `permissions: id-token: write` and that the request token has not expired"
        } else { "" })]
    GitHubOidcRefused {
        /// The HTTP status.
        status: u16,
        /// GitHub's `message`, when the body had one.
        message: Option<String>,
    },
    /// GitHub answered 2xx without a usable token.
    #[error("unexpected answer from GitHub's OIDC token endpoint (HTTP {status}): {reason}")]
    GitHubOidcResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong.
        reason: &'static str,
    },
}

#[cfg(test)]
mod tests;

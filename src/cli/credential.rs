//! A confidential client's credential: the first source that names one, loaded once, with where
//! it came from. Sources, in order: the credential options, the azure-identity environment
//! variables (secret, certificate, federated token file), the profile, and last the credential
//! kept with `--save-secret` for this client id and authority. Where it came from decides what
//! `--save-secret` may keep ([`crate::cli::keyring::SaveSecret`]).

use std::io::Read as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use msal::app::AssertionSettings;
use msal::credential::{Certificate, ClientCredential, CredentialError, GitHubOidc};
use msal::secret::{CertificatePassword, ClientSecret};
use msal::secret_store::SavedCredential;
use zeroize::Zeroizing;

use crate::cli::args::{AssertionAudienceArg, CredentialArgs, SigningAlg};
use crate::cli::config::Profile;
use crate::cli::env::{self, Env};
use crate::cli::exit::UsageError;
use crate::cli::keyring::SavedCredentials;

/// Where a credential came from, in the order the sources are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A credential option.
    Flag,
    /// An azure-identity environment variable.
    Environment,
    /// The profile of the configuration file.
    Profile,
    /// The OS keyring (or its file), where `--save-secret` kept it.
    Keyring,
}

/// A run's credential, where it came from, and the form `--save-secret` would keep it in (a
/// client secret, or a certificate file with its password; `None` for the other kinds).
pub struct Resolved {
    /// The credential, loaded.
    pub credential: ClientCredential,
    /// Which source named it.
    pub origin: Origin,
    /// What `--save-secret` would keep.
    pub keepable: Option<SavedCredential>,
}

/// A credential as a source names it, before anything is read.
enum Spec<'a> {
    /// A client secret in a file, or on stdin (`-`).
    SecretFile(&'a Path),
    /// A client secret given as a value.
    Secret(&'a str),
    /// A certificate file (PEM or PFX); its password and `x5c` choice are settled on loading.
    Certificate(&'a Path),
    /// A client assertion file, read on every request.
    AssertionFile(&'a Path),
    /// A federated token file, read on every request.
    FederatedTokenFile(&'a Path),
    /// GitHub Actions' OIDC token.
    GitHubOidc,
    /// The platform's managed identity, for `api://AzureADTokenExchange`.
    ManagedIdentity,
    /// What `--save-secret` kept.
    Saved(SavedCredential, msal::secret_store::Backend),
}

/// Resolves the run's credential from the first source that names one (see the module
/// documentation). `--client-auth-method` is accepted only with a client secret.
pub fn resolve(
    args: &CredentialArgs,
    env: &Env,
    profile: &Profile,
    saved: &SavedCredentials,
) -> Result<Resolved> {
    if let Some(resolved) = named(args, env, profile, saved, true)? {
        return Ok(resolved);
    }
    match saved.lookup()? {
        Some((credential, backend)) => {
            let loader = Loader {
                args,
                env,
                profile,
                saved,
                origin: Origin::Keyring,
            };
            checked(args, loader.load(Spec::Saved(credential, backend))?)
        }
        None => Err(UsageError(NO_CREDENTIAL.into()).into()),
    }
}

/// The credential the options, the environment (when `environment`) or the profile name, loaded;
/// `None` when none does. The keyring is not asked.
pub fn named(
    args: &CredentialArgs,
    env: &Env,
    profile: &Profile,
    saved: &SavedCredentials,
    environment: bool,
) -> Result<Option<Resolved>> {
    check_stdin(args.stdin_inputs())?;
    let named = [
        (Origin::Flag, from_flags(args)?),
        (
            Origin::Environment,
            from_environment(env).filter(|_| environment),
        ),
        (Origin::Profile, from_profile(profile)),
    ]
    .into_iter()
    .find_map(|(origin, spec)| spec.map(|spec| (origin, spec)));
    let Some((origin, spec)) = named else {
        return Ok(None);
    };
    let loader = Loader {
        args,
        env,
        profile,
        saved,
        origin,
    };
    checked(args, loader.load(spec)?).map(Some)
}

/// Whether a credential option was given (not the environment, the profile or the keyring).
pub fn flag_given(args: &CredentialArgs) -> Result<bool> {
    Ok(from_flags(args)?.is_some())
}

/// The credential kept with `--save-secret` for `saved`'s client id and authority, loaded; for
/// commands that do without one, so a keyring that cannot be read counts as none. `send_chain`
/// applies to a certificate.
pub fn saved_credential(
    saved: &SavedCredentials,
    send_chain: bool,
) -> Result<Option<ClientCredential>, CredentialError> {
    let found = match saved.lookup() {
        Ok(found) => found,
        Err(e) => {
            log::info!("no saved client credential: {e:#}");
            return Ok(None);
        }
    };
    let Some((credential, backend)) = found else {
        return Ok(None);
    };
    log::info!(
        "using the credential saved for {} at {} in {backend}",
        saved.client_id(),
        saved.authority()
    );
    Ok(match credential {
        SavedCredential::ClientSecret { secret } => Some(ClientCredential::Secret(secret)),
        SavedCredential::Certificate { path, password } => Some(ClientCredential::Certificate {
            certificate: Certificate::from_file(&path, password.as_ref())?,
            send_chain,
        }),
        _ => None,
    })
}

/// `--send-certificate-chain` or `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN`.
pub fn send_chain_asked(args: &CredentialArgs, env: &Env) -> bool {
    args.send_certificate_chain || env.flag(env::AZURE_CLIENT_SEND_CERTIFICATE_CHAIN) == Some(true)
}

/// `--client-auth-method` is for client secrets only; `--key-id`, `--signing-alg` and
/// `--assertion-audience` for certificates.
fn checked(args: &CredentialArgs, resolved: Resolved) -> Result<Resolved> {
    let credential = &resolved.credential;
    let misplaced = if args.client_auth_method.is_some()
        && !matches!(credential, ClientCredential::Secret(_))
    {
        Some(("--client-auth-method", "client secrets"))
    } else if !matches!(credential, ClientCredential::Certificate { .. }) {
        [
            ("--key-id", args.key_id.is_some()),
            ("--signing-alg", args.signing_alg.is_some()),
            ("--assertion-audience", args.assertion_audience.is_some()),
        ]
        .into_iter()
        .find(|(_, given)| *given)
        .map(|(flag, _)| (flag, "certificates"))
    } else {
        None
    };
    if let Some((flag, kind)) = misplaced {
        return Err(UsageError(format!(
            "{flag} applies to {kind} only, not to a {}",
            credential.describe()
        ))
        .into());
    }
    Ok(resolved)
}

/// How certificate assertions are made: `--key-id`, `--signing-alg` and `--assertion-audience`,
/// else `MSAL_KEY_ID`, `MSAL_SIGNING_ALG` and `MSAL_ASSERTION_AUDIENCE`, else the profile's
/// `key_id`, `signing_alg` and `assertion_audience`.
pub fn assertion_settings(
    args: &CredentialArgs,
    env: &Env,
    profile: &Profile,
) -> Result<AssertionSettings> {
    fn parse<T: clap::ValueEnum>(value: Option<(&str, &str)>, what: &str) -> Result<Option<T>> {
        let Some((text, source)) = value else {
            return Ok(None);
        };
        T::from_str(text.trim(), true).map(Some).map_err(|_| {
            let names: Vec<String> = T::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
                .collect();
            UsageError(format!(
                "{source}: {text:?} is not {what} ({})",
                names.join(", ")
            ))
            .into()
        })
    }
    let key_id = args
        .key_id
        .clone()
        .or_else(|| env.get(env::MSAL_KEY_ID).map(str::to_owned))
        .or_else(|| profile.key_id.clone());
    let algorithm = match args.signing_alg {
        Some(alg) => Some(alg),
        None => parse::<SigningAlg>(
            env.get(env::MSAL_SIGNING_ALG)
                .map(|v| (v, env::MSAL_SIGNING_ALG))
                .or(profile
                    .signing_alg
                    .as_deref()
                    .map(|v| (v, "the profile's signing_alg"))),
            "a signing algorithm",
        )?,
    };
    let audience = match args.assertion_audience {
        Some(audience) => Some(audience),
        None => parse::<AssertionAudienceArg>(
            env.get(env::MSAL_ASSERTION_AUDIENCE)
                .map(|v| (v, env::MSAL_ASSERTION_AUDIENCE))
                .or(profile
                    .assertion_audience
                    .as_deref()
                    .map(|v| (v, "the profile's assertion_audience"))),
            "an assertion audience",
        )?,
    };
    Ok(AssertionSettings {
        algorithm: algorithm.map(Into::into),
        key_id,
        audience: audience.map(Into::into).unwrap_or_default(),
    })
}

const NO_CREDENTIAL: &str = "no client credential: pass --client-secret-file, --certificate, \
     --client-assertion-file, --federated-token-file, --github-oidc or \
     --managed-identity-assertion, or set \
     AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE \
     (--save-secret keeps one for later runs)";

/// At most one credential option.
fn from_flags(args: &CredentialArgs) -> Result<Option<Spec<'_>>> {
    let mut given = [
        args.client_secret_file.as_deref().map(Spec::SecretFile),
        args.client_secret.as_deref().map(Spec::Secret),
        args.certificate.as_deref().map(Spec::Certificate),
        args.client_assertion_file
            .as_deref()
            .map(Spec::AssertionFile),
        args.federated_token_file
            .as_deref()
            .map(Spec::FederatedTokenFile),
        args.github_oidc.then_some(Spec::GitHubOidc),
        args.managed_identity_assertion
            .then_some(Spec::ManagedIdentity),
    ]
    .into_iter()
    .flatten();
    let first = given.next();
    if given.next().is_some() {
        return Err(UsageError(
            "give only one of --client-secret-file, --client-secret, --certificate, \
             --client-assertion-file, --federated-token-file, --github-oidc, \
             --managed-identity-assertion"
                .into(),
        )
        .into());
    }
    let identity = &args.identity;
    let identity_named = identity.mi_client_id.is_some()
        || identity.mi_object_id.is_some()
        || identity.mi_resource_id.is_some()
        || identity.system_assigned;
    if identity_named && !args.managed_identity_assertion {
        return Err(UsageError(
            "--mi-client-id, --mi-object-id, --mi-resource-id and --system-assigned choose the \
             identity of --managed-identity-assertion; add it"
                .into(),
        )
        .into());
    }
    Ok(first)
}

/// azure-identity's `EnvironmentCredential` variables, in its order.
fn from_environment(env: &Env) -> Option<Spec<'_>> {
    [
        env.get(env::AZURE_CLIENT_SECRET).map(Spec::Secret),
        env.get(env::AZURE_CLIENT_CERTIFICATE_PATH)
            .map(|path| Spec::Certificate(Path::new(path))),
        env.get(env::AZURE_FEDERATED_TOKEN_FILE)
            .map(|path| Spec::FederatedTokenFile(Path::new(path))),
    ]
    .into_iter()
    .flatten()
    .next()
}

/// The profile's credential keys; the config file holds no secret, only where to find one.
fn from_profile(profile: &Profile) -> Option<Spec<'_>> {
    [
        profile.client_secret_file.as_deref().map(Spec::SecretFile),
        profile.certificate.as_deref().map(Spec::Certificate),
        profile
            .client_assertion_file
            .as_deref()
            .map(Spec::AssertionFile),
        profile
            .federated_token_file
            .as_deref()
            .map(Spec::FederatedTokenFile),
        (profile.github_oidc == Some(true)).then_some(Spec::GitHubOidc),
    ]
    .into_iter()
    .flatten()
    .next()
}

/// Loads what one source named; the settings that go with a credential (a PFX password, `x5c`)
/// come from the options, then that source, then the environment.
struct Loader<'a> {
    args: &'a CredentialArgs,
    env: &'a Env,
    profile: &'a Profile,
    saved: &'a SavedCredentials,
    origin: Origin,
}

impl Loader<'_> {
    fn load(&self, spec: Spec<'_>) -> Result<Resolved> {
        match spec {
            Spec::SecretFile(path) => {
                let secret = read_secret(path, "client secret")?;
                Ok(self.resolved_secret(ClientSecret::new(secret)))
            }
            Spec::Secret(value) => {
                if self.origin == Origin::Flag {
                    log::warn!(
                        "--client-secret makes the secret visible to every user of this machine \
                         in the process list; use --client-secret-file or AZURE_CLIENT_SECRET \
                         instead"
                    );
                }
                Ok(self.resolved_secret(ClientSecret::new(value)))
            }
            Spec::Certificate(path) => {
                let password = self.certificate_password()?;
                self.certificate(path, password)
            }
            Spec::AssertionFile(path) => {
                Ok(self.resolved(ClientCredential::AssertionFile(path.to_owned()), None))
            }
            Spec::FederatedTokenFile(path) => {
                Ok(self.resolved(ClientCredential::FederatedTokenFile(path.to_owned()), None))
            }
            Spec::GitHubOidc => {
                let oidc = GitHubOidc::from_env_values(
                    self.env
                        .get(env::ACTIONS_ID_TOKEN_REQUEST_URL)
                        .map(str::to_owned),
                    self.env
                        .get(env::ACTIONS_ID_TOKEN_REQUEST_TOKEN)
                        .map(str::to_owned),
                )?;
                Ok(self.resolved(ClientCredential::GitHubActions(oidc), None))
            }
            Spec::ManagedIdentity => {
                // AZURE_CLIENT_ID names the application here, never the identity.
                let identity = crate::cli::settings::managed_identity(&self.args.identity, None);
                let detection = crate::cli::settings::detect_source(self.env)?;
                Ok(self.resolved(
                    ClientCredential::ManagedIdentity {
                        identity,
                        source: detection.source,
                        arc_key_dir: crate::cli::settings::arc_key_dir(self.env),
                    },
                    None,
                ))
            }
            Spec::Saved(credential, backend) => {
                log::info!(
                    "using the credential saved for {} at {} in {backend}",
                    self.saved.client_id(),
                    self.saved.authority()
                );
                match credential {
                    SavedCredential::ClientSecret { secret } => Ok(self.resolved_secret(secret)),
                    SavedCredential::Certificate { path, password } => {
                        self.certificate(&path, password).with_context(|| {
                            format!("the certificate saved with --save-secret ({backend})")
                        })
                    }
                    _ => Err(UsageError(NO_CREDENTIAL.into()).into()),
                }
            }
        }
    }

    fn resolved(
        &self,
        credential: ClientCredential,
        keepable: Option<SavedCredential>,
    ) -> Resolved {
        Resolved {
            credential,
            origin: self.origin,
            keepable,
        }
    }

    fn resolved_secret(&self, secret: ClientSecret) -> Resolved {
        let keepable = SavedCredential::ClientSecret {
            secret: secret.clone(),
        };
        self.resolved(ClientCredential::Secret(secret), Some(keepable))
    }

    /// Loads a certificate; a PFX given without its password tries the password kept with
    /// `--save-secret`.
    fn certificate(&self, path: &Path, password: Option<CertificatePassword>) -> Result<Resolved> {
        let (certificate, password) = match Certificate::from_file(path, password.as_ref()) {
            Err(error @ CredentialError::PfxWrongPassword { .. }) if password.is_none() => {
                match self.saved.certificate_password()? {
                    Some(saved) => (Certificate::from_file(path, Some(&saved))?, Some(saved)),
                    None => return Err(error.into()),
                }
            }
            result => (result?, password),
        };
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let credential = ClientCredential::Certificate {
            certificate,
            send_chain: self.send_chain(),
        };
        Ok(self.resolved(
            credential,
            Some(SavedCredential::Certificate { path, password }),
        ))
    }

    /// A PFX password: an option, else the profile's file for the profile's certificate, else
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`.
    fn certificate_password(&self) -> Result<Option<CertificatePassword>> {
        let args = self.args;
        let profile_file = self
            .profile
            .certificate_password_file
            .as_deref()
            .filter(|_| self.origin == Origin::Profile);
        let password = if let Some(file) =
            args.certificate_password_file.as_deref().or(profile_file)
        {
            Some(read_secret(file, "certificate password")?)
        } else if let Some(password) = &args.certificate_password {
            log::warn!(
                "--certificate-password makes the password visible to every user of this machine \
                 in the process list; use --certificate-password-file or \
                 AZURE_CLIENT_CERTIFICATE_PASSWORD instead"
            );
            Some(password.clone())
        } else {
            self.env
                .get(env::AZURE_CLIENT_CERTIFICATE_PASSWORD)
                .map(str::to_owned)
        };
        Ok(password.map(CertificatePassword::new))
    }

    /// `--send-certificate-chain`, `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN`, or the profile's
    /// `send_certificate_chain` for the profile's certificate.
    fn send_chain(&self) -> bool {
        send_chain_asked(self.args, self.env)
            || (self.origin == Origin::Profile && self.profile.send_certificate_chain == Some(true))
    }
}

/// Stdin can be read once: at most one input may name `-`.
pub fn check_stdin<'a>(
    inputs: impl IntoIterator<Item = (&'static str, Option<&'a Path>)>,
) -> Result<()> {
    let stdin = Path::new("-");
    let mut readers = inputs
        .into_iter()
        .filter(|(_, path)| *path == Some(stdin))
        .map(|(name, _)| name);
    if let (Some(first), Some(second)) = (readers.next(), readers.next()) {
        return Err(UsageError(format!(
            "only one input can be read from stdin, and both {first} and {second} name -"
        ))
        .into());
    }
    Ok(())
}

/// Reads a secret from a file, or from stdin when the path is `-`; trailing whitespace (the
/// newline editors and `echo` add) is not part of it. Either is bounded like a credential file;
/// a file that is neither a regular file nor a pipe is refused ([`msal::input_file`]). The text
/// is trimmed in place and handed over without a copy (the caller wraps it in its secret type);
/// on an error it is zeroed.
pub fn read_secret(path: &Path, what: &str) -> Result<String> {
    let limit = msal::credential::MAX_CREDENTIAL_FILE_BYTES;
    // Room for any real secret up front, so that reading does not grow (and copy) the buffer.
    let mut text = Zeroizing::new(String::with_capacity(8 * 1024));
    if path == Path::new("-") {
        std::io::stdin()
            .take(limit + 1)
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read the {what} from stdin"))?;
        if text.len() as u64 > limit {
            anyhow::bail!(
                "cannot read the {what} from stdin: it is longer than {limit} bytes; is it the \
                 right input?"
            );
        }
    } else {
        text = Zeroizing::new(
            msal::input_file::read_to_string(path, limit)
                .with_context(|| format!("cannot read the {what} from {}", path.display()))?,
        );
    }
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    if text.is_empty() {
        let source = if path == Path::new("-") {
            "stdin".to_owned()
        } else {
            path.display().to_string()
        };
        anyhow::bail!("the {what} read from {source} is empty");
    }
    Ok(std::mem::take(&mut *text))
}

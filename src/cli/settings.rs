//! Turns arguments, environment and the config file into settings, once, before any network
//! traffic: flags win over environment variables, which win over the profile, which wins over
//! defaults.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use msal::app::ClientConfig;
use msal::authority::{Authority, DEFAULT_AUTHORITY, MetadataCache};
use msal::cache::CacheFile;
use msal::credential::{Certificate, ClientCredential, CredentialError, GitHubOidc};
use msal::http::HttpConfig;
use msal::secret::{CertificatePassword, ClientSecret};

use crate::cli::args::{CredentialArgs, GlobalArgs, OutputFormat};
use crate::cli::config::{Config, Profile};
use crate::cli::env::{self, Env};
use crate::cli::exit::UsageError;
use crate::cli::keyring::{KeyringSettings, SavedSecrets};

/// The Azure CLI's public client id: the default for user sign-ins, as in azure-identity.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// Network timeout when `--timeout` is not given.
const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// The longest `--timeout` (and profile `timeout`) accepted, as `--timeout`'s parser says.
const MAX_TIMEOUT_SECS: u64 = 3600;

/// Settings every subcommand shares.
#[derive(Debug)]
pub struct Settings {
    /// `--client-id`, `MSAL_CLIENT_ID` or `AZURE_CLIENT_ID`, or the profile's.
    pub client_id: Option<String>,
    /// The authority.
    pub authority: Authority,
    /// Whether the authority was chosen (rather than the `organizations` default).
    pub authority_given: bool,
    /// The token cache file.
    pub cache_path: PathBuf,
    /// How long to wait for the cache lock.
    pub cache_lock_timeout: Option<Duration>,
    /// Where discovery metadata is kept.
    pub metadata_dir: Option<PathBuf>,
    /// Network settings.
    pub timeout: Duration,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// Whether instance discovery is on.
    pub instance_discovery: bool,
    /// What goes to stdout.
    pub output: OutputFormat,
    /// Whether an output format was chosen (sign-in commands print nothing to a terminal by
    /// default).
    pub output_given: bool,
    /// `-q`: only errors on stderr.
    pub quiet: bool,
    /// `--timeout`, when given (it also bounds how long a sign-in waits for the user).
    pub timeout_given: Option<Duration>,
    /// The configuration file and the chosen profile.
    pub config: Config,
    /// Where each setting came from, for `msal doctor`: (setting, source).
    pub sources: Vec<(&'static str, &'static str)>,
    /// The OS keyring (saved secrets, the cache key) and the cache encryption policy.
    pub keyring: KeyringSettings,
}

/// The first of several candidates that is set, with the name of where it came from.
fn first<T>(
    candidates: impl IntoIterator<Item = (Option<T>, &'static str)>,
) -> Option<(T, &'static str)> {
    candidates
        .into_iter()
        .find_map(|(value, source)| value.map(|v| (v, source)))
}

impl Settings {
    /// Resolves the global options: flags, then environment variables, then the profile, then
    /// defaults.
    pub fn resolve(global: &GlobalArgs, env: &Env) -> Result<Self> {
        let dirs = directories::ProjectDirs::from("", "", "msal");
        let config_path = env
            .get(env::MSAL_CONFIG)
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().join("config.toml")));
        let config = Config::load(
            config_path,
            global.profile.as_deref(),
            env.get(env::MSAL_PROFILE),
        )?;
        let profile = &config.profile;
        let mut sources = Vec::new();

        let host = env
            .get(env::AZURE_AUTHORITY_HOST)
            .or(profile.authority_host.as_deref());
        let usage =
            |e: msal::authority::AuthorityError| anyhow::Error::new(UsageError(e.to_string()));
        enum Source<'a> {
            Oidc(&'a str),
            Url(&'a str),
            Tenant(&'a str),
        }
        let chosen = first([
            (
                global.oidc_authority.as_deref().map(Source::Oidc),
                "--oidc-authority",
            ),
            (global.authority.as_deref().map(Source::Url), "--authority"),
            (global.tenant.as_deref().map(Source::Tenant), "--tenant"),
            (
                env.get(env::MSAL_OIDC_AUTHORITY).map(Source::Oidc),
                env::MSAL_OIDC_AUTHORITY,
            ),
            (
                env.get(env::MSAL_AUTHORITY).map(Source::Url),
                env::MSAL_AUTHORITY,
            ),
            (
                env.get(env::AZURE_TENANT_ID).map(Source::Tenant),
                env::AZURE_TENANT_ID,
            ),
            (
                profile.oidc_authority.as_deref().map(Source::Oidc),
                "profile",
            ),
            (profile.authority.as_deref().map(Source::Url), "profile"),
            (profile.tenant.as_deref().map(Source::Tenant), "profile"),
        ]);
        let (authority, authority_given) = match chosen {
            Some((value, source)) => {
                sources.push(("authority", source));
                let parsed = match value {
                    Source::Oidc(url) => Authority::oidc(url),
                    Source::Url(url) => Authority::parse(url),
                    Source::Tenant(tenant) => Authority::from_tenant(host, tenant),
                };
                let authority = if source.starts_with("--") {
                    parsed.map_err(usage)?
                } else {
                    parsed.with_context(|| format!("the authority from {source}"))?
                };
                (authority, true)
            }
            None => {
                sources.push(("authority", "default"));
                (Authority::parse(DEFAULT_AUTHORITY)?, false)
            }
        };

        let client_id = first([
            (global.client_id.clone(), "--client-id"),
            (
                env.get(env::MSAL_CLIENT_ID).map(str::to_owned),
                env::MSAL_CLIENT_ID,
            ),
            (
                env.get(env::AZURE_CLIENT_ID).map(str::to_owned),
                env::AZURE_CLIENT_ID,
            ),
            (profile.client_id.clone(), "profile"),
        ]);
        sources.push(("client_id", client_id.as_ref().map_or("default", |c| c.1)));
        let client_id = client_id.map(|c| c.0);

        let default_cache = dirs
            .as_ref()
            .map(|d| d.config_dir().join("token_cache.json"));
        let (cache_path, source) = first([
            (global.cache.clone(), "--cache"),
            (env.get(env::MSAL_CACHE).map(PathBuf::from), env::MSAL_CACHE),
            (profile.cache.clone(), "profile"),
            (default_cache, "default"),
        ])
        .ok_or_else(|| {
            anyhow::anyhow!("cannot find a home directory for the token cache: pass --cache PATH or set MSAL_CACHE")
        })?;
        sources.push(("cache", source));
        let metadata_dir = dirs.as_ref().map(|d| d.cache_dir().to_path_buf());
        let cache_lock_timeout = match env.get(env::MSAL_CACHE_LOCK_TIMEOUT) {
            Some(text) => Some(Duration::from_secs(text.trim().parse().map_err(|_| {
                UsageError(format!(
                    "MSAL_CACHE_LOCK_TIMEOUT must be a number of seconds, not {text:?}"
                ))
            })?)),
            None => None,
        };

        let instance_discovery = !global.no_instance_discovery
            && env
                .flag(env::MSAL_INSTANCE_DISCOVERY)
                .or(profile.instance_discovery)
                != Some(false);

        let profile_output = profile.output_format()?;
        let output = first([(global.output, "--output"), (profile_output, "profile")]);
        sources.push(("output", output.map_or("default", |o| o.1)));
        // The flag's range is checked by clap; the profile's is checked here, since a wait the
        // user cannot sit through is a mistake, and one beyond the clock's range would overflow.
        if let Some(secs) = profile.timeout
            && !(1..=MAX_TIMEOUT_SECS).contains(&secs)
        {
            return Err(UsageError(format!(
                "the profile's timeout must be 1 to {MAX_TIMEOUT_SECS} seconds, not {secs}"
            ))
            .into());
        }
        let timeout = first([(global.timeout, "--timeout"), (profile.timeout, "profile")]);
        sources.push(("timeout", timeout.map_or("default", |t| t.1)));
        let ca_cert = first([
            (global.ca_cert.clone(), "--ca-cert"),
            (profile.ca_cert.clone(), "profile"),
        ]);
        let keyring =
            KeyringSettings::resolve(&global.keyring, env, dirs.as_ref().map(|d| d.config_dir()))?;

        Ok(Self {
            client_id,
            authority,
            authority_given,
            cache_path,
            cache_lock_timeout,
            metadata_dir,
            timeout: Duration::from_secs(timeout.map_or(DEFAULT_TIMEOUT_SECS, |t| t.0)),
            ca_cert: ca_cert.map(|c| c.0),
            instance_discovery,
            output: output.map_or(OutputFormat::Token, |o| o.0),
            output_given: output.is_some(),
            quiet: global.quiet,
            timeout_given: timeout.map(|t| Duration::from_secs(t.0)),
            config,
            sources,
            keyring,
        })
    }

    /// The scopes of a command: its `--scope` options, else the profile's `scopes`.
    pub fn scopes(&self, args: &[String]) -> Vec<String> {
        let given = flatten_scopes(args);
        if given.is_empty() {
            self.config.profile.scopes.clone().unwrap_or_default()
        } else {
            given
        }
    }

    /// The client configuration for `client_id`; `use_cache: false` keeps nothing on disk.
    pub fn client_config(&self, client_id: String, use_cache: bool) -> ClientConfig {
        let mut http = HttpConfig::new(self.timeout);
        http.ca_cert = self.ca_cert.clone();
        ClientConfig {
            client_id,
            authority: self.authority.clone(),
            http,
            token_cache: use_cache.then(|| {
                let file = CacheFile::new(self.cache_path.clone())
                    .with_encryption(self.keyring.cache_encryption());
                match self.cache_lock_timeout {
                    Some(timeout) => file.with_lock_timeout(timeout),
                    None => file,
                }
            }),
            metadata_cache: self.metadata_dir.clone().map(MetadataCache::new),
            instance_discovery: self.instance_discovery,
        }
    }

    /// The client id a confidential client must have.
    pub fn required_client_id(&self) -> Result<String> {
        self.client_id.clone().ok_or_else(|| {
            UsageError("this command needs the application's client id: pass --client-id or set AZURE_CLIENT_ID".into())
                .into()
        })
    }
}

/// Scope arguments are repeatable and each may hold several: `--scope "a b" --scope c` is
/// `[a, b, c]`.
pub fn flatten_scopes(args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_owned)
        .collect()
}

/// Resolves a confidential client's credential: at most one flag; else the azure-identity
/// environment variables in their order (secret, certificate, federated token file); else the
/// profile's credential source; else a credential saved with `--save-secret` for this client id
/// and authority (`saved`). `--client-auth-method` is accepted only with a client secret.
pub fn resolve_credential(
    args: &CredentialArgs,
    env: &Env,
    profile: &Profile,
    saved: &SavedSecrets<'_>,
) -> Result<ClientCredential> {
    let credential = resolve_credential_source(args, env, profile, saved)?;
    if args.client_auth_method.is_some() && !matches!(credential, ClientCredential::Secret(_)) {
        return Err(UsageError(format!(
            "--client-auth-method applies to client secrets only, not to a {}",
            credential.describe()
        ))
        .into());
    }
    Ok(credential)
}

fn resolve_credential_source(
    args: &CredentialArgs,
    env: &Env,
    profile: &Profile,
    saved: &SavedSecrets<'_>,
) -> Result<ClientCredential> {
    let given = [
        args.client_secret_file.is_some(),
        args.client_secret.is_some(),
        args.certificate.is_some(),
        args.client_assertion_file.is_some(),
        args.federated_token_file.is_some(),
        args.github_oidc,
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(UsageError(
            "give only one of --client-secret-file, --client-secret, --certificate, \
             --client-assertion-file, --federated-token-file, --github-oidc"
                .into(),
        )
        .into());
    }
    if args.client_secret_file.as_deref() == Some(Path::new("-"))
        && args.certificate_password_file.as_deref() == Some(Path::new("-"))
    {
        return Err(UsageError("only one secret can be read from stdin".into()).into());
    }

    if let Some(path) = &args.client_secret_file {
        return Ok(saved.secret(ClientSecret::new(read_secret(path, "client secret")?)));
    }
    if let Some(secret) = &args.client_secret {
        log::warn!(
            "--client-secret makes the secret visible to every user of this machine in the process list; \
             use --client-secret-file or AZURE_CLIENT_SECRET instead"
        );
        return Ok(saved.secret(ClientSecret::new(secret.clone())));
    }
    if let Some(path) = &args.certificate {
        return certificate(path, args, env, saved);
    }
    if let Some(path) = &args.client_assertion_file {
        return Ok(ClientCredential::AssertionFile(path.clone()));
    }
    if let Some(path) = &args.federated_token_file {
        return Ok(ClientCredential::FederatedTokenFile(path.clone()));
    }
    if args.github_oidc {
        let oidc = GitHubOidc::from_env_values(
            env.get(env::ACTIONS_ID_TOKEN_REQUEST_URL)
                .map(str::to_owned),
            env.get(env::ACTIONS_ID_TOKEN_REQUEST_TOKEN)
                .map(str::to_owned),
        )?;
        return Ok(ClientCredential::GitHubActions(oidc));
    }
    if let Some(secret) = env.get(env::AZURE_CLIENT_SECRET) {
        return Ok(saved.secret(ClientSecret::new(secret.to_owned())));
    }
    if let Some(path) = env.get(env::AZURE_CLIENT_CERTIFICATE_PATH) {
        return certificate(Path::new(path), args, env, saved);
    }
    if let Some(path) = env.get(env::AZURE_FEDERATED_TOKEN_FILE) {
        return Ok(ClientCredential::FederatedTokenFile(PathBuf::from(path)));
    }
    if let Some(path) = &profile.client_secret_file {
        return Ok(saved.secret(ClientSecret::new(read_secret(path, "client secret")?)));
    }
    if let Some(path) = &profile.certificate {
        let with_profile = CredentialArgs {
            certificate_password_file: args
                .certificate_password_file
                .clone()
                .or_else(|| profile.certificate_password_file.clone()),
            send_certificate_chain: args.send_certificate_chain
                || profile.send_certificate_chain == Some(true),
            ..CredentialArgs::default()
        };
        return certificate(path, &with_profile, env, saved);
    }
    if let Some(path) = &profile.client_assertion_file {
        return Ok(ClientCredential::AssertionFile(path.clone()));
    }
    if let Some(path) = &profile.federated_token_file {
        return Ok(ClientCredential::FederatedTokenFile(path.clone()));
    }
    if profile.github_oidc == Some(true) {
        let oidc = GitHubOidc::from_env_values(
            env.get(env::ACTIONS_ID_TOKEN_REQUEST_URL)
                .map(str::to_owned),
            env.get(env::ACTIONS_ID_TOKEN_REQUEST_TOKEN)
                .map(str::to_owned),
        )?;
        return Ok(ClientCredential::GitHubActions(oidc));
    }
    if let Some(credential) = saved.credential(send_chain(args, env))? {
        return Ok(credential);
    }
    Err(UsageError(
        "no client credential: pass --client-secret-file, --certificate, --client-assertion-file, \
         --federated-token-file or --github-oidc, or set AZURE_CLIENT_SECRET, \
         AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE (--save-secret keeps one for \
         later runs)"
            .into(),
    )
    .into())
}

fn certificate(
    path: &Path,
    args: &CredentialArgs,
    env: &Env,
    saved: &SavedSecrets<'_>,
) -> Result<ClientCredential> {
    let password = if let Some(file) = &args.certificate_password_file {
        Some(read_secret(file, "certificate password")?)
    } else if let Some(password) = &args.certificate_password {
        log::warn!(
            "--certificate-password makes the password visible to every user of this machine in the \
             process list; use --certificate-password-file or AZURE_CLIENT_CERTIFICATE_PASSWORD instead"
        );
        Some(password.clone())
    } else {
        env.get(env::AZURE_CLIENT_CERTIFICATE_PASSWORD)
            .map(str::to_owned)
    };
    let mut password = password.map(CertificatePassword::new);
    let certificate = match Certificate::from_file(path, password.as_ref()) {
        // A PFX given without its password: the one kept with --save-secret, if any.
        Err(error @ CredentialError::PfxWrongPassword { .. }) if password.is_none() => {
            password = saved.certificate_password()?;
            match &password {
                Some(p) => Certificate::from_file(path, Some(p))?,
                None => return Err(error.into()),
            }
        }
        result => result?,
    };
    saved.certificate(path, password.as_ref());
    Ok(ClientCredential::Certificate {
        certificate,
        send_chain: send_chain(args, env),
    })
}

/// `--send-certificate-chain` or `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN`.
fn send_chain(args: &CredentialArgs, env: &Env) -> bool {
    args.send_certificate_chain || env.flag(env::AZURE_CLIENT_SEND_CERTIFICATE_CHAIN) == Some(true)
}

/// Reads a secret from a file, or from stdin when the path is `-`; trailing whitespace (the
/// newline editors and `echo` add) is not part of it. Either is bounded like a credential file;
/// a file that is neither a regular file nor a pipe is refused ([`msal::input_file`]).
pub fn read_secret(path: &Path, what: &str) -> Result<String> {
    let limit = msal::credential::MAX_CREDENTIAL_FILE_BYTES;
    let mut text = String::new();
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
        text = msal::input_file::read_to_string(path, limit)
            .with_context(|| format!("cannot read the {what} from {}", path.display()))?;
    }
    let trimmed = text.trim_end();
    if trimmed.is_empty() {
        let source = if path == Path::new("-") {
            "stdin".to_owned()
        } else {
            path.display().to_string()
        };
        anyhow::bail!("the {what} read from {source} is empty");
    }
    Ok(trimmed.to_owned())
}

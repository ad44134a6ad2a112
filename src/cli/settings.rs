//! Turns arguments, environment and the config file into settings, once, before any network
//! traffic: flags win over environment variables, which win over the profile, which wins over
//! defaults.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use msal::app::ClientConfig;
use msal::authority::{Authority, DEFAULT_AUTHORITY, MetadataCache};
use msal::cache::CacheFile;
use msal::http::HttpConfig;

use crate::cli::args::{GlobalArgs, OutputFormat};
use crate::cli::config::Config;
use crate::cli::env::{self, Env};
use crate::cli::exit::UsageError;
use crate::cli::keyring::KeyringSettings;
use msal::managed_identity::{Detection, ManagedIdentity};

use crate::cli::args::IdentityArgs;

/// The Azure CLI's public client id: the default for user sign-ins, as in azure-identity.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// Network timeout when `--timeout` is not given (its help says so).
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

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
    /// The format the flag or the profile chose (or the default), before a command that
    /// cannot print it fell back to its own default: what `msal doctor` reports.
    pub configured_output: OutputFormat,
    /// `-q`: only errors on stderr.
    pub quiet: bool,
    /// `--timeout`, when given (it also bounds how long a sign-in waits for the user).
    pub timeout_given: Option<Duration>,
    /// The configuration file and the chosen profile.
    pub config: Config,
    /// Where each setting came from, for `msal doctor`: (setting, source), the source a flag,
    /// an environment variable, `profile` or `default`.
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
            Some(text) => match text.trim().parse::<u64>() {
                Ok(secs) if secs <= MAX_TIMEOUT_SECS => Some(Duration::from_secs(secs)),
                _ => {
                    return Err(UsageError(format!(
                        "MSAL_CACHE_LOCK_TIMEOUT must be 0 to {MAX_TIMEOUT_SECS} seconds, not \
                         {text:?}"
                    ))
                    .into());
                }
            },
            None => None,
        };

        let discovery = first([
            (
                global.no_instance_discovery.then_some(false),
                "--no-instance-discovery",
            ),
            (
                env.flag(env::MSAL_INSTANCE_DISCOVERY),
                env::MSAL_INSTANCE_DISCOVERY,
            ),
            (profile.instance_discovery, "profile"),
        ]);
        sources.push(("instance_discovery", discovery.map_or("default", |d| d.1)));
        let instance_discovery = discovery.is_none_or(|d| d.0);

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
        sources.push(("ca_cert", ca_cert.as_ref().map_or("default", |c| c.1)));
        let keyring =
            KeyringSettings::resolve(&global.keyring, env, dirs.as_ref().map(|d| d.config_dir()))?;
        sources.push((
            "keyring",
            match (global.keyring.keyring, env.get(env::MSAL_KEYRING)) {
                (Some(_), _) => "--keyring",
                (None, Some(_)) => env::MSAL_KEYRING,
                (None, None) => "default",
            },
        ));
        sources.push((
            "cache_encryption",
            if global.keyring.encrypt_cache {
                "--encrypt-cache"
            } else if env.flag(env::MSAL_ENCRYPT_CACHE).is_some() {
                env::MSAL_ENCRYPT_CACHE
            } else {
                "default"
            },
        ));

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
            configured_output: output.map_or(OutputFormat::Token, |o| o.0),
            quiet: global.quiet,
            timeout_given: timeout.map(|t| Duration::from_secs(t.0)),
            config,
            sources,
            keyring,
        })
    }

    /// Keeps the output format only if the command can print it (`formats`): a profile's
    /// (a kubectl profile's `exec-credential`) gives way to the command's own `default`, where
    /// an explicit `-o` would have been refused.
    pub fn restrict_output(&mut self, formats: &[OutputFormat], default: OutputFormat) {
        if !self.output_given {
            self.output = default;
        } else if !formats.contains(&self.output) {
            self.output = default;
            self.output_given = false;
        }
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
        ClientConfig {
            client_id,
            authority: self.authority.clone(),
            http: self.http_config(),
            token_cache: use_cache.then(|| self.cache_file()),
            metadata_cache: self.metadata_dir.clone().map(MetadataCache::new),
            instance_discovery: self.instance_discovery,
        }
    }

    /// Network behaviour: `--timeout` and `--ca-cert`.
    pub fn http_config(&self) -> HttpConfig {
        let mut http = HttpConfig::new(self.timeout);
        http.ca_cert = self.ca_cert.clone();
        http
    }

    /// The token cache file, with its encryption and lock timeout; a signal ends a wait for its
    /// lock (see `cli/signal.rs`).
    pub fn cache_file(&self) -> CacheFile {
        let file = CacheFile::new(self.cache_path.clone())
            .with_encryption(self.keyring.cache_encryption())
            .with_interrupt(crate::cli::signal::stop_flag());
        match self.cache_lock_timeout {
            Some(timeout) => file.with_lock_timeout(timeout),
            None => file,
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

/// The managed identity the flags name; else the user-assigned one whose client id is
/// `default_client_id` (`msal managed-identity` passes AZURE_CLIENT_ID, as azure-identity's
/// `DefaultAzureCredential` reads it); else the system-assigned one.
pub fn managed_identity(args: &IdentityArgs, default_client_id: Option<&str>) -> ManagedIdentity {
    if let Some(id) = &args.mi_client_id {
        ManagedIdentity::ClientId(id.clone())
    } else if let Some(id) = &args.mi_object_id {
        ManagedIdentity::ObjectId(id.clone())
    } else if let Some(id) = &args.mi_resource_id {
        ManagedIdentity::ResourceId(id.clone())
    } else {
        match default_client_id.filter(|_| !args.system_assigned) {
            Some(id) => ManagedIdentity::ClientId(id.to_owned()),
            None => ManagedIdentity::SystemAssigned,
        }
    }
}

/// This machine's managed-identity source, from the platform variables.
pub fn detect_source(env: &Env) -> Result<Detection> {
    let detection = msal::managed_identity::detect(&env.platform())?;
    log::info!(
        "managed identity source: {} at {} ({})",
        detection.source.kind(),
        detection.source.endpoint(),
        detection.reason
    );
    Ok(detection)
}

/// `MSAL_ARC_KEY_DIR`, when set.
pub fn arc_key_dir(env: &Env) -> Option<PathBuf> {
    env.get(env::MSAL_ARC_KEY_DIR).map(PathBuf::from)
}

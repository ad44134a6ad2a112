//! The optional configuration file (`<config dir>/msal/config.toml`, or `MSAL_CONFIG`): named
//! profiles of settings, so a user types `msal silent --profile work` instead of six options.
//!
//! Precedence, everywhere: flags > environment variables > the profile > built-in defaults.
//! Secrets never go in this file: it names files that hold them (`client_secret_file`), and a
//! `client_secret` key is refused with a message saying so.
//!
//! ```toml
//! default_profile = "work"
//!
//! [profiles.work]
//! tenant = "contoso.onmicrosoft.com"
//! client_id = "00000000-0000-0000-0000-000000000000"
//! scopes = ["https://graph.microsoft.com/.default"]
//! account = "alice@contoso.com"
//! client_secret_file = "/run/secrets/msal"
//! output = "json"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::Deserialize;

use crate::cli::args::OutputFormat;
use crate::cli::exit::UsageError;

/// The file's top level.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The profile used when neither `--profile` nor `MSAL_PROFILE` names one.
    #[serde(default)]
    pub default_profile: Option<String>,
    /// The profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One named set of settings. Every key is optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Application (client) id.
    pub client_id: Option<String>,
    /// Authority URL.
    pub authority: Option<String>,
    /// Tenant id or domain.
    pub tenant: Option<String>,
    /// Host for `tenant` (sovereign clouds).
    pub authority_host: Option<String>,
    /// A generic OpenID Connect issuer.
    pub oidc_authority: Option<String>,
    /// Whether unfamiliar Entra hosts are checked through instance discovery.
    pub instance_discovery: Option<bool>,
    /// Scopes used when a command gets no `--scope`.
    pub scopes: Option<Vec<String>>,
    /// The account `silent` and `status` use when none is named (a username or home account
    /// id), before the application's active account.
    pub account: Option<String>,
    /// Output format.
    pub output: Option<String>,
    /// Token cache file.
    pub cache: Option<PathBuf>,
    /// Network timeout, seconds.
    pub timeout: Option<u64>,
    /// Extra trusted CA certificates.
    pub ca_cert: Option<PathBuf>,
    /// A file holding the client secret.
    pub client_secret_file: Option<PathBuf>,
    /// A certificate (PEM or PFX).
    pub certificate: Option<PathBuf>,
    /// A file holding the PFX password.
    pub certificate_password_file: Option<PathBuf>,
    /// Send the certificate chain (`x5c`).
    pub send_certificate_chain: Option<bool>,
    /// A file holding a client assertion.
    pub client_assertion_file: Option<PathBuf>,
    /// A federated token file.
    pub federated_token_file: Option<PathBuf>,
    /// Use GitHub Actions OIDC.
    pub github_oidc: Option<bool>,
    /// The `kid` of certificate assertions.
    pub key_id: Option<String>,
    /// The algorithm of certificate assertions (`RS256`, `PS256`, `ES256`).
    pub signing_alg: Option<String>,
    /// The audience of certificate assertions (`token-endpoint` or `issuer`).
    pub assertion_audience: Option<String>,
    /// The redirect URI of `msal login`.
    pub redirect_uri: Option<String>,
    /// More authorization request parameters of `msal login` (Google's `access_type`).
    pub auth_params: Option<BTreeMap<String, String>>,
    /// `false`: sign-ins do not ask for `offline_access`.
    pub offline_access: Option<bool>,
    /// Refused: secrets do not belong in the config file.
    pub client_secret: Option<toml::Value>,
    /// Refused: secrets do not belong in the config file.
    pub certificate_password: Option<toml::Value>,
}

impl Profile {
    /// The profile's output format, checked.
    pub fn output_format(&self) -> Result<Option<OutputFormat>> {
        use clap::ValueEnum as _;
        self.output
            .as_deref()
            .map(|name| {
                OutputFormat::from_str(name, true).map_err(|_| {
                    anyhow::anyhow!(
                        "output = {name:?} is not a format (token, json, env, header, az, exec-credential, none, table)"
                    )
                })
            })
            .transpose()
    }
}

/// A loaded configuration and the profile chosen from it.
#[derive(Debug, Default)]
pub struct Config {
    /// Where the file is (whether or not it exists).
    pub path: Option<PathBuf>,
    /// Whether the file exists.
    pub exists: bool,
    /// The chosen profile's name and how it was chosen.
    pub profile_name: Option<(String, &'static str)>,
    /// The chosen profile (empty when none).
    pub profile: Profile,
    /// All profile names, for messages.
    pub names: Vec<String>,
}

/// The largest config file read: a hand-written file of profiles is a few kilobytes.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

impl Config {
    /// Loads `path` (absent is fine unless a profile is asked for) and picks the profile named by
    /// `--profile`, else `MSAL_PROFILE`, else `default_profile`.
    pub fn load(path: Option<PathBuf>, flag: Option<&str>, env: Option<&str>) -> Result<Self> {
        let text = match &path {
            Some(p) => match msal::input_file::read_to_string(p, MAX_CONFIG_BYTES) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot read the config file {}", p.display()));
                }
            },
            None => None,
        };
        let exists = text.is_some();
        let file: ConfigFile = match (&text, &path) {
            (Some(text), Some(p)) => parse(text, p)?,
            _ => ConfigFile::default(),
        };
        let names: Vec<String> = file.profiles.keys().cloned().collect();
        let chosen = flag
            .map(|n| (n.to_owned(), "--profile"))
            .or_else(|| env.map(|n| (n.to_owned(), "MSAL_PROFILE")))
            .or_else(|| file.default_profile.clone().map(|n| (n, "default_profile")));
        let profile = match &chosen {
            None => Profile::default(),
            Some((name, source)) => match file.profiles.get(name) {
                Some(profile) => profile.clone(),
                None => {
                    let place = path
                        .as_deref()
                        .map(Path::display)
                        .map(|d| d.to_string())
                        .unwrap_or_default();
                    let known = if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    };
                    return Err(UsageError(format!(
                        "profile {name:?} (from {source}) is not in the config file {place} (profiles: {known})"
                    ))
                    .into());
                }
            },
        };
        if profile.client_secret.is_some() || profile.certificate_password.is_some() {
            anyhow::bail!(
                "the config file holds a secret in profile {:?}; secrets do not belong there: \
                 use client_secret_file / certificate_password_file, AZURE_CLIENT_SECRET, or the keyring",
                chosen.as_ref().map(|c| c.0.as_str()).unwrap_or_default()
            );
        }
        profile.output_format().with_context(|| {
            format!(
                "in profile {:?}",
                chosen.as_ref().map(|c| c.0.as_str()).unwrap_or_default()
            )
        })?;
        Ok(Self {
            path,
            exists,
            profile_name: chosen,
            profile,
            names,
        })
    }
}

fn parse(text: &str, path: &Path) -> Result<ConfigFile> {
    toml::from_str(text).map_err(|e| {
        // Only the message and the line: toml's full text quotes the offending line, which
        // could be a mistyped secret.
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        anyhow::anyhow!(
            "the config file {} is not valid{at}: {}",
            path.display(),
            e.message().trim()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn picks_the_profile_by_flag_then_env_then_default() {
        let (_d, path) = write(
            "default_profile = \"a\"\n[profiles.a]\nclient_id = \"ca\"\n[profiles.b]\nclient_id = \"cb\"\n[profiles.c]\nclient_id = \"cc\"\n",
        );
        let pick = |flag, env| {
            Config::load(Some(path.clone()), flag, env)
                .unwrap()
                .profile
                .client_id
        };
        assert_eq!(pick(None, None).as_deref(), Some("ca"));
        assert_eq!(pick(None, Some("b")).as_deref(), Some("cb"));
        assert_eq!(pick(Some("c"), Some("b")).as_deref(), Some("cc"));
    }

    #[test]
    fn refuses_unknown_keys_missing_profiles_and_inline_secrets() {
        let (_d, path) = write("[profiles.a]\nclient_idd = \"x\"\n");
        let err = Config::load(Some(path), Some("a"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("client_idd"), "{err}");
        let (_d, path) = write("[profiles.a]\n");
        let err = Config::load(Some(path), Some("zzz"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("zzz") && err.contains("profiles: a"), "{err}");
        let (_d, path) = write("[profiles.a]\nclient_secret = \"hunter2\"\n");
        let err = format!(
            "{:#}",
            Config::load(Some(path), Some("a"), None).unwrap_err()
        );
        assert!(
            err.contains("client_secret_file") && !err.contains("hunter2"),
            "{err}"
        );
        let (_d, path) = write("[profiles.a]\noutput = \"yaml\"\n");
        assert!(Config::load(Some(path), Some("a"), None).is_err());
        let (_d, path) = write("[profiles.a]\nclient_id = \"x\"\nclient_secret = hunter2\n");
        let err = Config::load(Some(path), Some("a"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_missing_file_is_fine_without_a_profile() {
        let config = Config::load(
            Some(PathBuf::from("/nonexistent/msal/config.toml")),
            None,
            None,
        )
        .unwrap();
        assert!(!config.exists);
        assert!(
            Config::load(
                Some(PathBuf::from("/nonexistent/config.toml")),
                Some("x"),
                None
            )
            .is_err()
        );
    }
}

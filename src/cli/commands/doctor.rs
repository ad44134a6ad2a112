//! `msal doctor`: the effective settings and where each came from, where the cache and
//! secrets live, and whether the cache is readable. Secrets are never shown.

use std::collections::BTreeMap;

use clap::Args;
use msal::cache::CacheFile;
use msal::text::{printable, without_credentials};
use serde_json::{Value, json};

use crate::cli::Context;
use crate::cli::args::{CredentialArgs, OutputFormat};
use crate::cli::credential;
use crate::cli::env;
use crate::cli::keyring::SavedCredentials;
use crate::cli::output::{json_text, write_stdout};
use crate::cli::settings::{DEFAULT_PUBLIC_CLIENT_ID, arc_key_dir};
use msal::managed_identity::SourceKind;

/// Arguments of `msal doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {}

/// Runs `msal doctor`: a table, or one JSON object with `-o json`. A cache file `msal` cannot
/// use at all (not a cache, or refused) is shown, left as it is, and makes the exit code 1.
pub async fn run(_args: DoctorArgs, context: &Context) -> anyhow::Result<()> {
    let (state, problem) = cache_state(context);
    let mut report = report(context);
    report.insert("token cache state", json!(state));
    let text = if context.settings.output == OutputFormat::Json {
        json_text(&Value::Object(
            report.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ))
    } else {
        let width = report.keys().map(|k| k.len()).max().unwrap_or(0);
        report
            .iter()
            .map(|(key, value)| {
                // Paths, variables and the cache's state hold what others may have written.
                let shown = match value {
                    Value::String(s) => printable(s).into_owned(),
                    other => printable(&other.to_string()).into_owned(),
                };
                format!("{key:<width$}  {shown}\n")
            })
            .collect()
    };
    write_stdout(&text)?;
    match problem {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

fn report(context: &Context) -> BTreeMap<&'static str, Value> {
    let settings = &context.settings;
    let source = |name: &str| {
        settings
            .sources
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("default", |(_, s)| *s)
    };
    let mut out = BTreeMap::new();
    let config = &settings.config;
    out.insert(
        "config file",
        json!(match &config.path {
            Some(path) if config.exists => path.display().to_string(),
            Some(path) => format!("{} (not present)", path.display()),
            None => "(no home directory)".to_owned(),
        }),
    );
    out.insert(
        "profile",
        json!(match &config.profile_name {
            Some((name, from)) => format!("{name} (from {from})"),
            None if config.names.is_empty() => "(none)".to_owned(),
            None => format!("(none; defined: {})", config.names.join(", ")),
        }),
    );
    out.insert(
        "client id",
        json!(match &settings.client_id {
            Some(id) => format!("{id} (from {})", source("client_id")),
            None => format!(
                "{DEFAULT_PUBLIC_CLIENT_ID} (default for sign-ins; confidential commands need one)"
            ),
        }),
    );
    out.insert(
        "authority",
        json!(format!(
            "{} ({:?}, from {})",
            without_credentials(settings.authority.url()),
            settings.authority.kind(),
            source("authority")
        )),
    );
    out.insert("instance discovery", json!(settings.instance_discovery));
    out.insert(
        "token cache",
        json!(format!(
            "{} (from {})",
            settings.cache_path.display(),
            source("cache")
        )),
    );
    out.insert(
        "metadata cache",
        json!(
            settings
                .metadata_dir
                .as_ref()
                .map_or("(none)".to_owned(), |d| d.display().to_string())
        ),
    );
    out.insert(
        "output",
        json!(format!("{:?} (from {})", settings.output, source("output")).to_lowercase()),
    );
    out.insert(
        "timeout",
        json!(format!(
            "{} s (from {})",
            settings.timeout.as_secs(),
            source("timeout")
        )),
    );
    out.insert(
        "extra CA certificates",
        json!(
            settings
                .ca_cert
                .as_ref()
                .map_or("(none)".to_owned(), |p| p.display().to_string())
        ),
    );
    let network: Vec<String> = env::NETWORK
        .iter()
        .filter_map(|name| {
            context
                .env
                .get(name)
                .map(|v| format!("{name}={}", without_credentials(v)))
        })
        .collect();
    out.insert(
        "network environment",
        json!(if network.is_empty() {
            "(none)".to_owned()
        } else {
            network.join(" ")
        }),
    );
    let resolved = settings.client_id.as_deref().map(|id| {
        credential::resolve(
            &CredentialArgs::default(),
            &context.env,
            &config.profile,
            &SavedCredentials::new(context, id),
        )
    });
    out.insert(
        "client credential",
        json!(match resolved {
            Some(Ok(resolved)) => resolved.credential.describe(),
            Some(Err(_)) | None => "(none configured)".to_owned(),
        }),
    );
    out.insert("managed identity", json!(managed_identity_source(context)));
    out.insert(
        "managed identity id",
        json!(match context.env.get(env::AZURE_CLIENT_ID) {
            Some(id) => format!(
                "user-assigned, client id {id} (from {}; --system-assigned overrides it)",
                env::AZURE_CLIENT_ID
            ),
            None => {
                "system-assigned (unless --mi-client-id, --mi-object-id or --mi-resource-id)"
                    .to_owned()
            }
        }),
    );
    out.insert(
        "keyring",
        json!(match settings.keyring.store.keyring() {
            Ok(backend) => format!(
                "{backend} (mode {})",
                format!("{:?}", settings.keyring.store.mode()).to_lowercase()
            ),
            Err(e) => format!("none usable: {e}"),
        }),
    );
    out.insert(
        "cache encryption",
        json!(format!("{:?}", settings.keyring.policy).to_lowercase()),
    );
    out
}

/// The managed-identity source `msal managed-identity` would use, and why; never a secret (the
/// platform's header and secret are not shown).
fn managed_identity_source(context: &Context) -> String {
    let detection = match msal::managed_identity::detect(&context.env.platform()) {
        Ok(detection) => detection,
        Err(e) => return format!("unusable: {e}"),
    };
    let source = &detection.source;
    let mut text = format!(
        "{} at {} ({})",
        source.kind(),
        source.endpoint(),
        detection.reason
    );
    if let Some(pin) = source.pin() {
        text.push_str(&format!("; certificate pinned to SHA-1 {}", pin.hex()));
    }
    if source.kind() == SourceKind::Arc {
        let dir = arc_key_dir(&context.env).or_else(msal::managed_identity::arc::platform_key_dir);
        text.push_str(&match dir {
            Some(dir) => format!("; keys read only from {}", dir.display()),
            None => "; not supported on this operating system".to_owned(),
        });
    }
    text
}

/// What the cache file holds, and the error when it cannot be used at all.
fn cache_state(context: &Context) -> (String, Option<msal::cache::CacheError>) {
    use msal::cache::CacheError;
    let path = &context.settings.cache_path;
    if std::fs::symlink_metadata(path).is_err() {
        return ("not created yet".to_owned(), None);
    }
    let mode = {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::metadata(path)
                .map(|m| format!("mode {:o}, ", m.permissions().mode() & 0o777))
                .unwrap_or_default()
        }
        #[cfg(not(unix))]
        {
            String::new()
        }
    };
    match CacheFile::new(path.clone()).load() {
        Ok(cache) => (
            format!(
                "{mode}{} accounts, {} access tokens",
                cache.accounts().len(),
                cache.access_token_count()
            ),
            None,
        ),
        Err(e @ (CacheError::Refused { .. } | CacheError::Corrupt { .. })) => {
            (format!("{mode}unusable: {e}"), Some(e))
        }
        Err(e) => (format!("{mode}unreadable: {e}"), None),
    }
}

//! `msal doctor`: the effective settings and where each came from, where the cache and
//! secrets live, and whether the cache is readable. Secrets are never shown.

use clap::{Args, ValueEnum as _};
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

/// One line of the report: its JSON key (snake_case, stable), the label a person reads, the
/// value as JSON (a setting is `{"value": …, "source": …}`), and as text.
struct Entry {
    key: &'static str,
    label: &'static str,
    json: Value,
    text: String,
}

/// Runs `msal doctor`: a table, or one JSON object with `-o json`. A cache file `msal` cannot
/// use at all (not a cache, or refused) is shown, left as it is, and makes the exit code 1.
pub async fn run(_args: DoctorArgs, context: &Context) -> anyhow::Result<()> {
    let (entries, problem) = report(context);
    let text = match context.settings.output {
        OutputFormat::Json => json_text(&Value::Object(
            entries
                .into_iter()
                .map(|e| (e.key.to_owned(), e.json))
                .collect(),
        )),
        OutputFormat::None => String::new(),
        _ => {
            let width = entries.iter().map(|e| e.label.len()).max().unwrap_or(0);
            entries
                .iter()
                // Paths, variables and the cache's state hold what others may have written.
                .map(|e| format!("{:<width$}  {}\n", e.label, printable(&e.text)))
                .collect()
        }
    };
    write_stdout(&text)?;
    match problem {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// A setting: its value and where it came from, apart in JSON, together in the table.
fn setting(
    key: &'static str,
    label: &'static str,
    value: Value,
    shown: String,
    source: &str,
) -> Entry {
    Entry {
        key,
        label,
        json: json!({ "value": value, "source": source }),
        text: format!("{shown} (from {source})"),
    }
}

/// A fact about this machine (no source: nothing chose it).
fn fact(key: &'static str, label: &'static str, json: Value, text: String) -> Entry {
    Entry {
        key,
        label,
        json,
        text,
    }
}

fn report(context: &Context) -> (Vec<Entry>, Option<msal::cache::CacheError>) {
    let settings = &context.settings;
    let source = |name: &str| {
        settings
            .sources
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("default", |(_, s)| *s)
    };
    let path_text = |path: &Option<std::path::PathBuf>| {
        path.as_ref()
            .map_or("(none)".to_owned(), |p| p.display().to_string())
    };
    let path_json = |path: &Option<std::path::PathBuf>| {
        path.as_ref()
            .map_or(Value::Null, |p| json!(p.display().to_string()))
    };
    let mut out = Vec::new();
    let config = &settings.config;
    out.push(fact(
        "config_file",
        "config file",
        json!({ "path": path_json(&config.path), "exists": config.exists }),
        match &config.path {
            Some(path) if config.exists => path.display().to_string(),
            Some(path) => format!("{} (not present)", path.display()),
            None => "(no home directory)".to_owned(),
        },
    ));
    out.push(Entry {
        key: "profile",
        label: "profile",
        json: json!({
            "value": config.profile_name.as_ref().map(|(name, _)| name),
            "source": config.profile_name.as_ref().map_or("default", |(_, from)| from),
            "defined": config.names,
        }),
        text: match &config.profile_name {
            Some((name, from)) => format!("{name} (from {from})"),
            None if config.names.is_empty() => "(none)".to_owned(),
            None => format!("(none; defined: {})", config.names.join(", ")),
        },
    });
    out.push(match &settings.client_id {
        Some(id) => setting(
            "client_id",
            "client id",
            json!(id),
            id.clone(),
            source("client_id"),
        ),
        None => Entry {
            key: "client_id",
            label: "client id",
            json: json!({ "value": DEFAULT_PUBLIC_CLIENT_ID, "source": "default" }),
            text: format!(
                "{DEFAULT_PUBLIC_CLIENT_ID} (default for sign-ins; confidential commands need one)"
            ),
        },
    });
    let authority = without_credentials(settings.authority.url()).into_owned();
    let kind = snake_case(&format!("{:?}", settings.authority.kind()));
    let mut entry = setting(
        "authority",
        "authority",
        json!(authority),
        format!("{authority} ({kind})"),
        source("authority"),
    );
    entry.json["kind"] = json!(kind);
    out.push(entry);
    out.push(setting(
        "instance_discovery",
        "instance discovery",
        json!(settings.instance_discovery),
        settings.instance_discovery.to_string(),
        source("instance_discovery"),
    ));
    let cache = settings.cache_path.display().to_string();
    out.push(setting(
        "cache",
        "token cache",
        json!(cache),
        cache.clone(),
        source("cache"),
    ));
    let (state, problem) = cache_state(context);
    out.push(fact(
        "cache_state",
        "token cache state",
        state.json(),
        state.text(),
    ));
    out.push(fact(
        "metadata_cache",
        "metadata cache",
        path_json(&settings.metadata_dir),
        path_text(&settings.metadata_dir),
    ));
    let output = settings
        .configured_output
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    out.push(setting(
        "output",
        "output",
        json!(output),
        output.clone(),
        source("output"),
    ));
    out.push(setting(
        "timeout",
        "timeout",
        json!(settings.timeout.as_secs()),
        format!("{} s", settings.timeout.as_secs()),
        source("timeout"),
    ));
    out.push(setting(
        "ca_cert",
        "extra CA certificates",
        path_json(&settings.ca_cert),
        path_text(&settings.ca_cert),
        source("ca_cert"),
    ));
    let network: Vec<(&str, String)> = env::NETWORK
        .iter()
        .filter_map(|name| {
            context
                .env
                .get(name)
                .map(|v| (*name, without_credentials(v).into_owned()))
        })
        .collect();
    out.push(fact(
        "network_environment",
        "network environment",
        Value::Array(
            network
                .iter()
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect(),
        ),
        if network.is_empty() {
            "(none)".to_owned()
        } else {
            let pairs: Vec<String> = network.iter().map(|(n, v)| format!("{n}={v}")).collect();
            pairs.join(" ")
        },
    ));
    let resolved = settings.client_id.as_deref().map(|id| {
        credential::resolve(
            &CredentialArgs::default(),
            &context.env,
            &config.profile,
            &SavedCredentials::new(context, id),
        )
    });
    let credential = match resolved {
        Some(Ok(resolved)) => Some(resolved.credential.describe()),
        Some(Err(_)) | None => None,
    };
    out.push(fact(
        "client_credential",
        "client credential",
        json!(credential),
        credential
            .clone()
            .unwrap_or_else(|| "(none configured)".to_owned()),
    ));
    let (json, text) = managed_identity_source(context);
    out.push(fact("managed_identity", "managed identity", json, text));
    let mi_client_id = context.env.get(env::AZURE_CLIENT_ID);
    out.push(Entry {
        key: "managed_identity_client_id",
        label: "managed identity id",
        json: json!({
            "value": mi_client_id,
            "source": if mi_client_id.is_some() { env::AZURE_CLIENT_ID } else { "default" },
        }),
        text: match mi_client_id {
            Some(id) => format!(
                "user-assigned, client id {id} (from {}; --system-assigned overrides it)",
                env::AZURE_CLIENT_ID
            ),
            None => "system-assigned (unless --mi-client-id, --mi-object-id or --mi-resource-id)"
                .to_owned(),
        },
    });
    let mode = format!("{:?}", settings.keyring.store.mode()).to_lowercase();
    let backend = settings.keyring.store.keyring();
    out.push(Entry {
        key: "keyring",
        label: "keyring",
        json: json!({
            "value": mode,
            "source": source("keyring"),
            "backend": backend.as_ref().ok().map(|b| snake_case(&format!("{b:?}"))),
            "error": backend.as_ref().err().map(ToString::to_string),
        }),
        text: match &backend {
            Ok(backend) => format!("{backend} (mode {mode}, from {})", source("keyring")),
            Err(e) => format!("none usable: {e}"),
        },
    });
    let policy = format!("{:?}", settings.keyring.policy).to_lowercase();
    out.push(setting(
        "cache_encryption",
        "cache encryption",
        json!(policy),
        policy.clone(),
        source("cache_encryption"),
    ));
    (out, problem)
}

/// The managed-identity source `msal managed-identity` would use, and why; never a secret (the
/// platform's header and secret are not shown).
fn managed_identity_source(context: &Context) -> (Value, String) {
    let detection = match msal::managed_identity::detect(&context.env.platform()) {
        Ok(detection) => detection,
        Err(e) => {
            let json = json!({
                "platform": null, "endpoint": null, "reason": null,
                "certificate_sha1": null, "arc_key_dir": null, "error": e.to_string(),
            });
            return (json, format!("unusable: {e}"));
        }
    };
    let source = &detection.source;
    let mut text = format!(
        "{} at {} ({})",
        source.kind(),
        source.endpoint(),
        detection.reason
    );
    let pin = source.pin().map(|pin| pin.hex());
    if let Some(pin) = &pin {
        text.push_str(&format!("; certificate pinned to SHA-1 {pin}"));
    }
    let mut key_dir = None;
    if source.kind() == SourceKind::Arc {
        let dir = arc_key_dir(&context.env).or_else(msal::managed_identity::arc::platform_key_dir);
        text.push_str(&match &dir {
            Some(dir) => format!("; keys read only from {}", dir.display()),
            None => "; not supported on this operating system".to_owned(),
        });
        key_dir = dir.map(|d| d.display().to_string());
    }
    let json = json!({
        "platform": snake_case(&format!("{:?}", source.kind())),
        "endpoint": source.endpoint().to_string(),
        "reason": detection.reason.to_string(),
        "certificate_sha1": pin,
        "arc_key_dir": key_dir,
        "error": null,
    });
    (json, text)
}

/// A Rust variant name (`AppService`) as a JSON value (`app_service`): the stable identifiers
/// of `-o json`, where the table shows names for people.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// What the cache file holds: whether it exists, its mode, how many accounts and access tokens,
/// or why it cannot be read.
#[derive(Default)]
struct CacheState {
    exists: bool,
    mode: Option<String>,
    counts: Option<(usize, usize)>,
    error: Option<String>,
    unusable: bool,
}

impl CacheState {
    fn json(&self) -> Value {
        json!({
            "exists": self.exists,
            "mode": self.mode,
            "accounts": self.counts.map(|c| c.0),
            "access_tokens": self.counts.map(|c| c.1),
            "error": self.error,
        })
    }

    fn text(&self) -> String {
        if !self.exists {
            return "not created yet".to_owned();
        }
        let mode = self
            .mode
            .as_ref()
            .map(|m| format!("mode {m}, "))
            .unwrap_or_default();
        match (&self.counts, &self.error) {
            (Some((accounts, tokens)), _) => {
                format!("{mode}{accounts} accounts, {tokens} access tokens")
            }
            (None, Some(e)) if self.unusable => format!("{mode}unusable: {e}"),
            (None, Some(e)) => format!("{mode}unreadable: {e}"),
            (None, None) => mode,
        }
    }
}

/// What the cache file holds, and the error when it cannot be used at all.
fn cache_state(context: &Context) -> (CacheState, Option<msal::cache::CacheError>) {
    use msal::cache::CacheError;
    let path = &context.settings.cache_path;
    if std::fs::symlink_metadata(path).is_err() {
        return (CacheState::default(), None);
    }
    let mut state = CacheState {
        exists: true,
        ..CacheState::default()
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        state.mode = std::fs::metadata(path)
            .ok()
            .map(|m| format!("{:o}", m.permissions().mode() & 0o777));
    }
    match context.settings.cache_file().load() {
        Ok(cache) => {
            state.counts = Some((cache.accounts().len(), cache.access_token_count()));
            (state, None)
        }
        Err(e @ (CacheError::Refused { .. } | CacheError::Corrupt { .. })) => {
            state.error = Some(e.to_string());
            state.unusable = true;
            (state, Some(e))
        }
        Err(e) => {
            state.error = Some(e.to_string());
            (state, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_become_snake_case() {
        assert_eq!(snake_case("AppService"), "app_service");
        assert_eq!(snake_case("Imds"), "imds");
        assert_eq!(snake_case("B2c"), "b2c");
        assert_eq!(
            snake_case("WindowsCredentialManager"),
            "windows_credential_manager"
        );
    }
}

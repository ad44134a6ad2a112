//! The parser as it was before `parse.rs`: the text into a `serde_json::Value` tree, then into
//! typed entries. Kept as the reference that `parse.rs` must agree with on every input, verdicts
//! and error messages included.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::cache::parse::ParseError;
use crate::cache::schema::*;
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// What `CacheFile` did with the bytes of a file: not UTF-8 is corrupt; then [`parse`].
pub(super) fn parse_bytes(bytes: &[u8]) -> Result<Sections, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(_) => Err(ParseError::Corrupt("not UTF-8 text".to_owned())),
    }
}

pub(super) fn parse(text: &str) -> Result<Sections, ParseError> {
    // A byte-order mark is not JSON, but some Windows editors add one; it is not a reason to
    // call the file corrupt.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(Sections::default());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            return ParseError::UnknownFormat(format!(
                "JSON nested deeper than 128 levels, at line {} column {}",
                e.line(),
                e.column()
            ));
        }
        // Built from the position only: serde_json's messages are fixed strings today, but a
        // cache is full of tokens and an error message must never quote one.
        ParseError::Corrupt(format!(
            "not JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(mut root) = value else {
        return Err(ParseError::Corrupt(format!(
            "the JSON document is {}, not an object",
            kind(&value)
        )));
    };
    let unknown = ParseError::UnknownFormat;
    Ok(Sections {
        access_tokens: section(&mut root, ACCESS_TOKEN, parse_access_token).map_err(unknown)?,
        refresh_tokens: section(&mut root, REFRESH_TOKEN, parse_refresh_token).map_err(unknown)?,
        id_tokens: section(&mut root, ID_TOKEN, parse_id_token).map_err(unknown)?,
        accounts: section(&mut root, ACCOUNT, parse_account).map_err(unknown)?,
        app_metadata: section(&mut root, APP_METADATA, parse_app_metadata).map_err(unknown)?,
        other: root,
    })
}

fn parse_access_token(fields: &mut Fields) -> Result<AccessTokenEntry, String> {
    Ok(AccessTokenEntry {
        credential_type: fields.string_or("credential_type", ACCESS_TOKEN)?,
        secret: AccessToken::new(fields.string("secret")?),
        home_account_id: fields.opt_string("home_account_id")?,
        environment: fields.string("environment")?,
        client_id: fields.opt_string("client_id")?,
        realm: fields.string("realm")?,
        target: fields.string("target")?,
        token_type: fields.string_or("token_type", "Bearer")?,
        cached_at: fields.timestamp("cached_at")?,
        expires_on: fields.timestamp("expires_on")?,
        extended_expires_on: fields.timestamp("extended_expires_on")?,
        refresh_on: fields.timestamp("refresh_on")?,
        extra: fields.rest(),
    })
}

fn parse_refresh_token(fields: &mut Fields) -> Result<RefreshTokenEntry, String> {
    Ok(RefreshTokenEntry {
        credential_type: fields.string_or("credential_type", REFRESH_TOKEN)?,
        secret: RefreshToken::new(fields.string("secret")?),
        home_account_id: fields.opt_string("home_account_id")?,
        environment: fields.string("environment")?,
        client_id: fields.string("client_id")?,
        target: fields.string("target")?,
        family_id: fields.opt_string("family_id")?,
        last_modification_time: fields.timestamp("last_modification_time")?,
        extra: fields.rest(),
    })
}

fn parse_id_token(fields: &mut Fields) -> Result<IdTokenEntry, String> {
    Ok(IdTokenEntry {
        credential_type: fields.string_or("credential_type", ID_TOKEN)?,
        secret: IdToken::new(fields.string("secret")?),
        home_account_id: fields.opt_string("home_account_id")?,
        environment: fields.string("environment")?,
        realm: fields.string("realm")?,
        client_id: fields.string("client_id")?,
        extra: fields.rest(),
    })
}

fn parse_account(fields: &mut Fields) -> Result<AccountEntry, String> {
    Ok(AccountEntry {
        home_account_id: fields.opt_string("home_account_id")?,
        environment: fields.string("environment")?,
        realm: fields.string("realm")?,
        local_account_id: fields.opt_string("local_account_id")?,
        username: fields.string("username")?,
        authority_type: fields.string("authority_type")?,
        account_source: fields.opt_string("account_source")?,
        extra: fields.rest(),
    })
}

fn parse_app_metadata(fields: &mut Fields) -> Result<AppMetadataEntry, String> {
    Ok(AppMetadataEntry {
        client_id: fields.opt_string("client_id")?,
        environment: fields.string("environment")?,
        family_id: fields.opt_string("family_id")?,
        extra: fields.rest(),
    })
}

fn section<T>(
    root: &mut Map<String, Value>,
    name: &'static str,
    parse: fn(&mut Fields) -> Result<T, String>,
) -> Result<BTreeMap<String, T>, String> {
    let entries = match root.remove(name) {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(entries)) => entries,
        Some(other) => {
            return Err(format!(
                "section `{name}` is {}, expected an object",
                kind(&other)
            ));
        }
    };
    let mut parsed = BTreeMap::new();
    for (key, entry) in entries {
        let Value::Object(map) = entry else {
            return Err(format!(
                "an entry of `{name}` is {}, expected an object",
                kind(&entry)
            ));
        };
        let mut fields = Fields { map, section: name };
        parsed.insert(key, parse(&mut fields)?);
    }
    Ok(parsed)
}

/// An entry's fields, taken out one by one; what is left is kept as unknown fields.
struct Fields {
    map: Map<String, Value>,
    section: &'static str,
}

impl Fields {
    /// A string field; missing or `null` reads as `""` (MSAL Python's key makers do the same).
    fn string(&mut self, name: &'static str) -> Result<String, String> {
        self.string_or(name, "")
    }

    fn string_or(&mut self, name: &'static str, default: &str) -> Result<String, String> {
        Ok(self.opt_string(name)?.unwrap_or_else(|| default.to_owned()))
    }

    fn opt_string(&mut self, name: &'static str) -> Result<Option<String>, String> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.wrong_type(name, &other, "a string")),
        }
    }

    /// A timestamp: MSAL writes strings, but numbers are accepted and written back as strings.
    fn timestamp(&mut self, name: &'static str) -> Result<Option<Timestamp>, String> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(Timestamp(text))),
            Some(Value::Number(number)) => {
                let text = if let Some(n) = number.as_u64() {
                    n.to_string()
                } else if let Some(n) = number.as_i64() {
                    n.to_string()
                } else {
                    // Finite by construction (JSON has no NaN); the cast saturates.
                    (number.as_f64().unwrap_or(0.0).trunc() as i64).to_string()
                };
                Ok(Some(Timestamp(text)))
            }
            Some(other) => Err(self.wrong_type(name, &other, "a string or a number")),
        }
    }

    fn wrong_type(&self, name: &str, value: &Value, expected: &str) -> String {
        format!(
            "field `{name}` of an entry of `{}` is {}, expected {expected}",
            self.section,
            kind(value)
        )
    }

    fn rest(&mut self) -> Map<String, Value> {
        std::mem::take(&mut self.map)
    }
}

/// The JSON type of a value, for error messages that must not quote the value itself.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

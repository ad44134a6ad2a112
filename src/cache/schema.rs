//! MSAL's unified token cache schema: the five entry types, their keys, and the JSON text MSAL
//! Python's `SerializableTokenCache` reads and writes. Reading the text is `parse.rs`.
//!
//! Each entry type is declared once, with [`cache_entry!`], which writes its struct, its
//! redacting `Debug`, its JSON writer and its reader's field list.
//!
//! Entries are typed by hand rather than with `serde` derive for three reasons: a missing field
//! and a `null` must be told apart from a field of the wrong type (the first is tolerated, the
//! second means "a format we do not understand"); error messages must name the field without
//! quoting the value (it may be a token); and every field we do not know is kept verbatim, because
//! other MSAL libraries add their own (MSAL .NET, Node and Java share the file through the
//! Azure CLI and msal-extensions).

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use super::parse::{Entry, FieldType, Raw, text_or};
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// Section and `credential_type` names of the schema.
pub(crate) const ACCESS_TOKEN: &str = "AccessToken";
pub(crate) const REFRESH_TOKEN: &str = "RefreshToken";
pub(crate) const ID_TOKEN: &str = "IdToken";
pub(crate) const ACCOUNT: &str = "Account";
pub(crate) const APP_METADATA: &str = "AppMetadata";

/// A timestamp as the schema stores it: a string of epoch seconds.
///
/// The text read is kept as is (numbers become their decimal text), so a value some other SDK
/// wrote in a shape we cannot parse is written back unchanged instead of being replaced.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Timestamp(pub(super) String);

impl Timestamp {
    pub(crate) fn from_secs(secs: u64) -> Self {
        Self(secs.to_string())
    }

    /// The epoch seconds, when the text is a non-negative number.
    pub(crate) fn secs(&self) -> Option<u64> {
        let text = self.0.trim();
        if let Ok(secs) = text.parse::<u64>() {
            return Some(secs);
        }
        // Not written by any MSAL we know of, but harmless to accept: "1700000000.0".
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() && f >= 0.0 => Some(f as u64),
            _ => None,
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

fn secs_or_zero(timestamp: Option<&Timestamp>) -> u64 {
    timestamp.and_then(Timestamp::secs).unwrap_or(0)
}

/// MSAL's key maker: fields joined by `-`, lowercased (MSAL Python `TokenCache.key_makers`).
fn join_key(parts: &[&str]) -> String {
    parts.join("-").to_lowercase()
}

/// Declares a schema entry type once: the struct, its redacting `Debug`, how it is written
/// (`to_value`) and how it is read ([`Entry`]: the known fields in the order they are checked,
/// and `build`). A field forgotten in any of these would be dropped silently from a file other
/// MSAL clients share; declared here, it cannot be.
///
/// Each field names its codec:
/// - `text(DEFAULT)`: a string; missing or `null` reads as `DEFAULT` (MSAL Python's key makers
///   read them as `""`), always written;
/// - `secret`: a string held in a secret type (its `Debug` redacts), always written;
/// - `nullable`: `Option<String>`, written as `null` when `None` (as MSAL Python writes it);
/// - `optional`: `Option<String>`, left out when `None`;
/// - `time`: an [`Option<Timestamp>`], left out when `None`; numbers are read too.
macro_rules! cache_entry {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $vis:vis $field:ident: $ty:ty = $codec:ident $(($arg:expr))?,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                $vis $field: $ty,
            )*
            /// Fields this version does not know, kept so that writing the cache back loses
            /// nothing.
            pub extra: Map<String, Value>,
        }

        impl $name {
            fn to_value(&self) -> Value {
                let mut map = self.extra.clone();
                $( write_field!(map, stringify!($field), self.$field, $codec); )*
                Value::Object(map)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    $( .field(stringify!($field), &self.$field) )*
                    .field("extra", &ExtraKeys(&self.extra))
                    .finish()
            }
        }

        impl Entry<{ [$(stringify!($field)),*].len() }> for $name {
            const FIELDS: [(&'static str, FieldType); [$(stringify!($field)),*].len()] =
                [$( (stringify!($field), field_type!($codec)) ),*];

            fn build(
                fields: [Raw<'_>; [$(stringify!($field)),*].len()],
                extra: Map<String, Value>,
            ) -> Self {
                let [$($field),*] = fields;
                Self {
                    $( $field: read_field!($field, $ty, $codec $(($arg))?), )*
                    extra,
                }
            }
        }
    };
}

macro_rules! field_type {
    (time) => {
        FieldType::Timestamp
    };
    ($other:ident) => {
        FieldType::String
    };
}

macro_rules! read_field {
    ($raw:ident, $ty:ty, text($default:expr)) => {
        text_or($raw, $default)
    };
    ($raw:ident, $ty:ty, secret) => {
        <$ty>::new(text_or($raw, ""))
    };
    ($raw:ident, $ty:ty, nullable) => {
        $raw.into_string()
    };
    ($raw:ident, $ty:ty, optional) => {
        $raw.into_string()
    };
    ($raw:ident, $ty:ty, time) => {
        $raw.into_timestamp()
    };
}

macro_rules! write_field {
    ($map:ident, $name:expr, $value:expr, text) => {
        put(&mut $map, $name, &$value)
    };
    ($map:ident, $name:expr, $value:expr, secret) => {
        put(&mut $map, $name, $value.secret())
    };
    ($map:ident, $name:expr, $value:expr, nullable) => {
        put_nullable(&mut $map, $name, $value.as_deref())
    };
    ($map:ident, $name:expr, $value:expr, optional) => {
        if let Some(value) = &$value {
            put(&mut $map, $name, value);
        }
    };
    ($map:ident, $name:expr, $value:expr, time) => {
        put_timestamp(&mut $map, $name, $value.as_ref())
    };
}

cache_entry! {
    /// A cached access token (schema section `AccessToken`).
    pub struct AccessTokenEntry {
        /// `AccessToken` for bearer tokens. Other SDKs store key-bound tokens in the same section
        /// under other names (MSAL Node's `AccessToken_With_AuthScheme`); lookups skip those.
        pub credential_type: String = text(ACCESS_TOKEN),
        /// The access token.
        pub secret: AccessToken = secret,
        /// `{uid}.{utid}` of the user; `None` (JSON `null`) for app-only tokens.
        pub home_account_id: Option<String> = nullable,
        /// The authority host, e.g. `login.microsoftonline.com` (a generic provider's issuer).
        pub environment: String = text(""),
        /// The application (client) id; `None` (JSON `null`) for a system-assigned managed
        /// identity, as MSAL Python writes it and its lookup asks.
        pub client_id: Option<String> = nullable,
        /// The tenant segment of the token endpoint.
        pub realm: String = text(""),
        /// The granted scopes, sorted and space-joined (case preserved).
        pub target: String = text(""),
        /// Usually `Bearer`.
        pub token_type: String = text("Bearer"),
        pub(crate) cached_at: Option<Timestamp> = time,
        pub(crate) expires_on: Option<Timestamp> = time,
        pub(crate) extended_expires_on: Option<Timestamp> = time,
        pub(crate) refresh_on: Option<Timestamp> = time,
    }
}

impl AccessTokenEntry {
    /// When the token was cached, epoch seconds (0 when unknown).
    pub fn cached_at(&self) -> u64 {
        secs_or_zero(self.cached_at.as_ref())
    }

    /// When the token expires, epoch seconds (0, i.e. long expired, when unknown).
    pub fn expires_on(&self) -> u64 {
        secs_or_zero(self.expires_on.as_ref())
    }

    /// Entra's extended expiry (usable while the service is degraded), epoch seconds.
    pub fn extended_expires_on(&self) -> u64 {
        secs_or_zero(self.extended_expires_on.as_ref())
    }

    /// When Entra suggests refreshing proactively (`refresh_in` of the response), epoch seconds.
    pub fn refresh_on(&self) -> Option<u64> {
        self.refresh_on.as_ref().and_then(Timestamp::secs)
    }

    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.target.split_whitespace()
    }

    /// The entry's key in the `AccessToken` section.
    pub fn key(&self) -> String {
        join_key(&[
            self.home_account_id.as_deref().unwrap_or(""),
            &self.environment,
            ACCESS_TOKEN,
            self.client_id.as_deref().unwrap_or(""),
            &self.realm,
            &self.target,
        ])
    }
}

/// The fields of an access token that decide whether it can answer a lookup, borrowed: from an
/// [`AccessTokenEntry`], or straight from the cache text while it is read (`parse.rs`), so that
/// both are judged by the same code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AccessTokenView<'a> {
    pub(crate) credential_type: &'a str,
    pub(crate) token_type: &'a str,
    /// The secret is not empty (the view never holds the secret itself).
    pub(crate) has_secret: bool,
    pub(crate) client_id: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) target: &'a str,
    /// The entry has a `key_id`: another SDK's token bound to a key (proof of possession).
    pub(crate) bound_to_key: bool,
}

impl AccessTokenEntry {
    pub(crate) fn view(&self) -> AccessTokenView<'_> {
        AccessTokenView {
            credential_type: &self.credential_type,
            token_type: &self.token_type,
            has_secret: !self.secret.secret().is_empty(),
            client_id: self.client_id.as_deref().unwrap_or(""),
            environment: &self.environment,
            target: &self.target,
            bound_to_key: self.extra.contains_key("key_id"),
        }
    }
}

cache_entry! {
    /// A cached refresh token (schema section `RefreshToken`). Refresh tokens are cross-tenant in
    /// Entra ID, so they have no realm.
    pub struct RefreshTokenEntry {
        /// `RefreshToken`.
        pub credential_type: String = text(REFRESH_TOKEN),
        /// The refresh token.
        pub secret: RefreshToken = secret,
        /// `{uid}.{utid}` of the user (`None` only in entries other SDKs wrote that way).
        pub home_account_id: Option<String> = nullable,
        /// The authority host.
        pub environment: String = text(""),
        /// The application (client) id that obtained it.
        pub client_id: String = text(""),
        /// The scopes granted with it (informational: Entra refresh tokens are scope-independent).
        pub target: String = text(""),
        /// The family of client ids (FOCI) that may use it, e.g. `"1"`.
        pub family_id: Option<String> = optional,
        pub(crate) last_modification_time: Option<Timestamp> = time,
    }
}

impl RefreshTokenEntry {
    /// When the token was stored or last rotated, epoch seconds.
    pub fn last_modification_time(&self) -> Option<u64> {
        self.last_modification_time
            .as_ref()
            .and_then(Timestamp::secs)
    }

    /// The entry's key in the `RefreshToken` section (empty realm: refresh tokens are
    /// cross-tenant).
    pub fn key(&self) -> String {
        join_key(&[
            self.home_account_id.as_deref().unwrap_or(""),
            &self.environment,
            REFRESH_TOKEN,
            &self.client_id,
            "",
            &self.target,
        ])
    }
}

cache_entry! {
    /// A cached ID token (schema section `IdToken`).
    pub struct IdTokenEntry {
        /// `IdToken`.
        pub credential_type: String = text(ID_TOKEN),
        /// The ID token (a JWT).
        pub secret: IdToken = secret,
        /// `{uid}.{utid}` of the user.
        pub home_account_id: Option<String> = nullable,
        /// The authority host.
        pub environment: String = text(""),
        /// The tenant segment of the token endpoint.
        pub realm: String = text(""),
        /// The application (client) id.
        pub client_id: String = text(""),
    }
}

impl IdTokenEntry {
    /// The entry's key in the `IdToken` section (the schema requires an empty target at the end).
    pub fn key(&self) -> String {
        join_key(&[
            self.home_account_id.as_deref().unwrap_or(""),
            &self.environment,
            ID_TOKEN,
            &self.client_id,
            &self.realm,
            "",
        ])
    }
}

cache_entry! {
    /// A signed-in account (schema section `Account`).
    pub struct AccountEntry {
        /// `{uid}.{utid}` of the user.
        pub home_account_id: Option<String> = nullable,
        /// The authority host.
        pub environment: String = text(""),
        /// The tenant segment of the token endpoint.
        pub realm: String = text(""),
        /// The ID token's `oid`, else its `sub`; `None` (JSON `null`) when there was no ID token,
        /// as MSAL Python writes it.
        pub local_account_id: Option<String> = nullable,
        /// The sign-in name, or `""` when unknown (the schema does not allow `null`).
        pub username: String = text(""),
        /// `MSSTS` (Entra ID and Microsoft accounts) or `ADFS`.
        pub authority_type: String = text(""),
        /// The grant that established the account (`authorization_code`, `password`, device
        /// code).
        pub account_source: Option<String> = optional,
    }
}

impl AccountEntry {
    /// The entry's key in the `Account` section.
    pub fn key(&self) -> String {
        join_key(&[
            self.home_account_id.as_deref().unwrap_or(""),
            &self.environment,
            &self.realm,
        ])
    }

    /// The authority origin msal recorded when it wrote the entry ([`super::ORIGIN`]); `None`
    /// for entries other clients wrote.
    pub fn origin(&self) -> Option<&str> {
        self.extra.get(super::ORIGIN).and_then(Value::as_str)
    }
}

cache_entry! {
    /// What is known about a client application (schema section `AppMetadata`).
    pub struct AppMetadataEntry {
        /// The application (client) id; `None` for a system-assigned managed identity, as for
        /// [`AccessTokenEntry::client_id`].
        pub client_id: Option<String> = nullable,
        /// The authority host.
        pub environment: String = text(""),
        /// The family of client ids (FOCI) the app belongs to, when the server said so.
        pub family_id: Option<String> = optional,
    }
}

impl AppMetadataEntry {
    /// The entry's key in the `AppMetadata` section. Unlike the other keys it is not lowercased
    /// (MSAL Python's key maker does not lowercase it).
    pub fn key(&self) -> String {
        format!(
            "appmetadata-{}-{}",
            self.environment,
            self.client_id.as_deref().unwrap_or("")
        )
    }
}

/// The position of a known field in its entry type's [`Entry::FIELDS`], at compile time (a
/// name that is not there stops the build).
pub(super) const fn field_index(fields: &[(&str, FieldType)], name: &str) -> usize {
    let mut i = 0;
    while i < fields.len() {
        let (field, _) = fields[i];
        if field.len() == name.len() {
            let (a, b) = (field.as_bytes(), name.as_bytes());
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such field")
}

/// Shows only the names of unknown fields: their values could be secrets some other SDK stores.
struct ExtraKeys<'a>(&'a Map<String, Value>);

impl fmt::Debug for ExtraKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// The parsed sections of a cache document.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Sections {
    pub(crate) access_tokens: BTreeMap<String, AccessTokenEntry>,
    pub(crate) refresh_tokens: BTreeMap<String, RefreshTokenEntry>,
    pub(crate) id_tokens: BTreeMap<String, IdTokenEntry>,
    pub(crate) accounts: BTreeMap<String, AccountEntry>,
    pub(crate) app_metadata: BTreeMap<String, AppMetadataEntry>,
    /// Top-level sections this version does not know, kept verbatim.
    pub(crate) other: Map<String, Value>,
}

impl Sections {
    pub(crate) fn is_empty(&self) -> bool {
        self.access_tokens.is_empty()
            && self.refresh_tokens.is_empty()
            && self.id_tokens.is_empty()
            && self.accounts.is_empty()
            && self.app_metadata.is_empty()
            && self.other.is_empty()
    }

    /// The document as MSAL Python's `json.dumps(cache, indent=4)` would write it. Empty known
    /// sections are left out; MSAL Python reads a missing section as empty.
    pub(crate) fn to_json(&self) -> String {
        let mut root = self.other.clone();
        insert_section(
            &mut root,
            ACCESS_TOKEN,
            &self.access_tokens,
            AccessTokenEntry::to_value,
        );
        insert_section(
            &mut root,
            REFRESH_TOKEN,
            &self.refresh_tokens,
            RefreshTokenEntry::to_value,
        );
        insert_section(&mut root, ID_TOKEN, &self.id_tokens, IdTokenEntry::to_value);
        insert_section(&mut root, ACCOUNT, &self.accounts, AccountEntry::to_value);
        insert_section(
            &mut root,
            APP_METADATA,
            &self.app_metadata,
            AppMetadataEntry::to_value,
        );
        let mut out = String::new();
        write_json(&mut out, &Value::Object(root), 0);
        out
    }
}

fn insert_section<T>(
    root: &mut Map<String, Value>,
    name: &str,
    entries: &BTreeMap<String, T>,
    to_value: fn(&T) -> Value,
) {
    if entries.is_empty() {
        root.remove(name);
        return;
    }
    let section = entries
        .iter()
        .map(|(key, entry)| (key.clone(), to_value(entry)))
        .collect();
    root.insert(name.to_owned(), Value::Object(section));
}

fn put(map: &mut Map<String, Value>, name: &str, value: &str) {
    map.insert(name.to_owned(), Value::String(value.to_owned()));
}

fn put_nullable(map: &mut Map<String, Value>, name: &str, value: Option<&str>) {
    let value = value.map_or(Value::Null, |v| Value::String(v.to_owned()));
    map.insert(name.to_owned(), value);
}

fn put_timestamp(map: &mut Map<String, Value>, name: &str, value: Option<&Timestamp>) {
    if let Some(timestamp) = value {
        put(map, name, &timestamp.0);
    }
}

/// Writes JSON the way Python's `json.dumps(value, indent=4)` does: four-space indent, `": "`
/// between key and value, `","` at line ends, and `ensure_ascii` (everything outside printable
/// ASCII as `\uXXXX`), so the file is plain ASCII whatever encoding its reader assumes.
///
/// Infallible by construction, unlike `serde_json`'s writer, so a serialization error can never
/// turn into an empty cache written over a good one. Recursion is bounded: values come from
/// `serde_json`, whose parser stops at 128 levels, or from this module.
fn write_json(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                push_indent(out, indent + 1);
                write_json(out, item, indent + 1);
            }
            out.push('\n');
            push_indent(out, indent);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                push_indent(out, indent + 1);
                write_json_string(out, key);
                out.push_str(": ");
                write_json(out, item, indent + 1);
            }
            out.push('\n');
            push_indent(out, indent);
            out.push('}');
        }
    }
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_json_string(out: &mut String, text: &str) {
    use fmt::Write as _;
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

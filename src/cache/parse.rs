//! Reading a cache document: JSON bytes straight into the typed entries of [`Sections`], with no
//! `serde_json::Value` tree in between, and optionally keeping only the access tokens a lookup
//! can use.
//!
//! Entries are read by hand-written `serde` visitors rather than derived ones, for the reasons
//! given at the top of `schema.rs`: a missing field or `null` is tolerated but a field of the
//! wrong type means "a format we do not understand", errors name fields but never quote values,
//! and unknown fields are kept. The visitors themselves never fail: a shape they do not accept is
//! noted and reading goes on, so that what a document is called depends on the whole of it,
//! exactly as when it was first parsed into a `Value` and then checked:
//!
//! 1. not JSON (anywhere), or not UTF-8: [`ParseError::Corrupt`];
//! 2. JSON but not an object: [`ParseError::Corrupt`];
//! 3. a known section of the wrong shape, in the order access tokens, refresh tokens, ID tokens,
//!    accounts, app metadata, and within a section the entry with the smallest key:
//!    [`ParseError::UnknownFormat`].
//!
//! Duplicate keys behave as in a `Value`: the last one wins, at every level.
//!
//! Strings are borrowed from the input where they have no escapes, so an entry a lookup does not
//! keep costs no allocation. Values that are skipped still go through `deserialize_any` (see
//! [`Skip`]): serde_json checks a value it is asked to ignore neither for UTF-8 nor against its
//! nesting limit, and a document must not parse here yet fail when read in full.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::schema::{
    ACCESS_TOKEN, ACCOUNT, APP_METADATA, AccessTokenEntry, AccessTokenView, AccountEntry,
    AppMetadataEntry, ID_TOKEN, IdTokenEntry, REFRESH_TOKEN, RefreshTokenEntry, Sections,
    Timestamp,
};
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// The UTF-8 byte-order mark. Not JSON, but some Windows editors add one; it is not a reason to
/// call the file corrupt.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Why a text could not be read as a cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Not UTF-8, not JSON at all, or JSON but not an object: the file is corrupt.
    Corrupt(String),
    /// A JSON object whose known sections have a shape this version does not understand, e.g.
    /// written by a newer schema: it must not be overwritten.
    UnknownFormat(String),
}

impl ParseError {
    pub(crate) fn detail(&self) -> &str {
        match self {
            Self::Corrupt(detail) | Self::UnknownFormat(detail) => detail,
        }
    }
}

/// What to keep of a document.
pub(crate) enum Keep<'a> {
    /// Everything, unknown sections too: the cache as a whole, to be changed and written back.
    All,
    /// Only the access tokens `wanted` accepts, and no unknown sections; everything else is read
    /// and checked as for [`Keep::All`]. For lookups that never write the cache back.
    AccessTokens(&'a dyn Fn(&AccessTokenView<'_>) -> bool),
}

impl Keep<'_> {
    /// Whether to keep an access token that passed its check.
    pub(super) fn access_token(&self, raw: &RawEntry<'_, AT_FIELDS>) -> bool {
        match self {
            Keep::All => true,
            Keep::AccessTokens(wanted) => wanted(&access_token_view(raw)),
        }
    }
}

/// Parses a cache document. Empty or blank text is an empty cache, as MSAL Python's
/// `deserialize` treats it.
pub(crate) fn parse(bytes: &[u8], keep: &Keep<'_>) -> Result<Sections, ParseError> {
    let json = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(json);
    let read = Object(RootReader { keep }).deserialize(&mut de);
    let root = match read.and_then(|root| de.end().map(|()| root)) {
        Ok(root) => root,
        Err(e) => return not_json(bytes, &e),
    };
    // Success means every string was validated (nothing outside strings can be anything but
    // ASCII), so the whole document is UTF-8 without a pass of its own.
    root.map_err(|kind| ParseError::Corrupt(format!("the JSON document is {kind}, not an object")))?
        .finish()
}

/// How deep `serde_json` follows nested arrays and objects.
const MAX_NESTING: usize = 128;

/// What a document that failed to parse is: blank (an empty cache), not UTF-8, nested too deep
/// to read, or not JSON.
fn not_json(bytes: &[u8], error: &serde_json::Error) -> Result<Sections, ParseError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(ParseError::Corrupt("not UTF-8 text".to_owned()));
    };
    if text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .trim()
        .is_empty()
    {
        return Ok(Sections::default());
    }
    // Valid JSON may nest deeper than the parser follows (128 levels): not a cache any MSAL
    // writes, but not proof of damage either, so it is left alone like any unknown format
    // rather than moved aside. (A damaged file that deep is left alone too: the safe side.)
    if error.to_string().starts_with("recursion limit exceeded") {
        return Err(ParseError::UnknownFormat(format!(
            "JSON nested deeper than {MAX_NESTING} levels, at line {} column {}",
            error.line(),
            error.column()
        )));
    }
    // Built from the position only: serde_json's messages are fixed strings today, but a cache
    // is full of tokens and an error message must never quote one.
    Err(ParseError::Corrupt(format!(
        "not JSON ({:?} error at line {} column {})",
        error.classify(),
        error.line(),
        error.column()
    )))
}

/// The JSON type of a value, for error messages that must not quote the value itself.
pub(super) type Kind = &'static str;

pub(super) const NULL: Kind = "null";
const BOOLEAN: Kind = "a boolean";
const NUMBER: Kind = "a number";
const STRING: Kind = "a string";
const ARRAY: Kind = "an array";
const OBJECT: Kind = "an object";

/// Reads the members of a JSON object.
pub(super) trait ReadObject<'de> {
    type Value;
    fn read<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error>;
}

/// A JSON object read by `R`; any other value is read to its end and reported by its type.
pub(super) struct Object<R>(pub(super) R);

impl<'de, R: ReadObject<'de>> DeserializeSeed<'de> for Object<R> {
    type Value = Result<R::Value, Kind>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, R: ReadObject<'de>> Visitor<'de> for Object<R> {
    type Value = Result<R::Value, Kind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.read(map).map(Ok)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(NULL))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(BOOLEAN))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(NUMBER))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(NUMBER))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(NUMBER))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(STRING))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq)?;
        Ok(Err(ARRAY))
    }
}

/// Any JSON value, read and dropped.
///
/// Unlike `serde::de::IgnoredAny`, it goes through `deserialize_any`, so serde_json checks it as
/// it checks a value that is kept: strings must be UTF-8, and nesting counts toward the limit.
struct Skip;

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Object(SkipMembers)).map(|_| Skip)
    }
}

pub(super) struct SkipMembers;

impl<'de> ReadObject<'de> for SkipMembers {
    type Value = ();

    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(())
    }
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Skip>()?.is_some() {}
    Ok(())
}

/// An object key, borrowed from the input unless it has escapes.
pub(super) struct Key<'de>(pub(super) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(s.to_owned())))
    }
}

/// The value of a known field as read, before its entry is checked.
#[derive(Debug, Default)]
pub(super) enum Raw<'de> {
    #[default]
    Missing,
    Null,
    Str(Cow<'de, str>),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    /// A boolean, an array or an object: only its type is kept.
    Other(Kind),
}

impl<'de> Raw<'de> {
    fn kind(&self) -> Kind {
        match self {
            Raw::Missing | Raw::Null => NULL,
            Raw::Str(_) => STRING,
            Raw::Unsigned(_) | Raw::Signed(_) | Raw::Float(_) => NUMBER,
            Raw::Other(kind) => kind,
        }
    }

    /// The text of a string; `None` for anything else (missing, `null`, or a type the entry's
    /// check has already refused).
    fn as_str(&self) -> Option<&str> {
        match self {
            Raw::Str(text) => Some(text),
            _ => None,
        }
    }

    fn into_string(self) -> Option<String> {
        match self {
            Raw::Str(text) => Some(text.into_owned()),
            _ => None,
        }
    }

    /// A timestamp: strings are kept as they are; numbers become their decimal text (floats
    /// truncated, the cast saturating), to be written back as strings.
    fn into_timestamp(self) -> Option<Timestamp> {
        let text = match self {
            Raw::Str(text) => text.into_owned(),
            Raw::Unsigned(n) => n.to_string(),
            Raw::Signed(n) => n.to_string(),
            Raw::Float(f) => (f.trunc() as i64).to_string(),
            Raw::Missing | Raw::Null | Raw::Other(_) => return None,
        };
        Some(Timestamp(text))
    }
}

impl<'de> de::Deserialize<'de> for Raw<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Raw<'de>, E> {
        Ok(Raw::Other(BOOLEAN))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Raw<'de>, E> {
        Ok(Raw::Unsigned(n))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Raw<'de>, E> {
        Ok(Raw::Signed(n))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Raw<'de>, E> {
        Ok(Raw::Float(f))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Raw<'de>, A::Error> {
        skip_seq(seq)?;
        Ok(Raw::Other(ARRAY))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Raw<'de>, A::Error> {
        SkipMembers.read(map)?;
        Ok(Raw::Other(OBJECT))
    }
}

/// What a known field may hold besides `null`.
#[derive(Clone, Copy)]
pub(super) enum FieldType {
    String,
    /// MSAL writes strings; numbers are accepted too.
    Timestamp,
}

/// An entry type of the schema, read from `N` known fields.
pub(super) trait Entry<const N: usize>: Sized {
    /// The known fields, in the order they are checked (which decides the error reported when
    /// several are wrong).
    const FIELDS: [(&'static str, FieldType); N];

    /// The entry from fields that passed [`RawEntry::check`], and the unknown ones.
    fn build(fields: [Raw<'_>; N], extra: Map<String, Value>) -> Self;
}

/// An entry as read: its known fields (in the order of [`Entry::FIELDS`]) and the others.
pub(super) struct RawEntry<'de, const N: usize> {
    fields: [Raw<'de>; N],
    pub(super) extra: Vec<(Cow<'de, str>, Value)>,
}

impl<'de, const N: usize> RawEntry<'de, N> {
    /// The first field (in [`Entry::FIELDS`] order) of the wrong type, as an error message.
    fn check<T: Entry<N>>(&self, section: &str) -> Result<(), String> {
        for ((name, ty), value) in T::FIELDS.iter().zip(&self.fields) {
            let (ok, expected) = match ty {
                FieldType::String => (
                    matches!(value, Raw::Missing | Raw::Null | Raw::Str(_)),
                    "a string",
                ),
                FieldType::Timestamp => (!matches!(value, Raw::Other(_)), "a string or a number"),
            };
            if !ok {
                return Err(format!(
                    "field `{name}` of an entry of `{section}` is {}, expected {expected}",
                    value.kind()
                ));
            }
        }
        Ok(())
    }

    fn has_extra(&self, name: &str) -> bool {
        self.extra.iter().any(|(key, _)| key == name)
    }

    fn build<T: Entry<N>>(self) -> T {
        // Inserted in order, so a duplicate key keeps its last value, as in a `Value`.
        let extra = self
            .extra
            .into_iter()
            .map(|(key, value)| (key.into_owned(), value))
            .collect();
        T::build(self.fields, extra)
    }
}

/// Reads an entry's members into a [`RawEntry`].
pub(super) struct EntryReader<T, const N: usize>(std::marker::PhantomData<T>);

impl<T, const N: usize> EntryReader<T, N> {
    pub(super) fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, T: Entry<N>, const N: usize> ReadObject<'de> for EntryReader<T, N> {
    type Value = RawEntry<'de, N>;

    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry<'de, N>, A::Error> {
        let mut entry = RawEntry {
            fields: std::array::from_fn(|_| Raw::Missing),
            extra: Vec::new(),
        };
        while let Some(Key(name)) = map.next_key()? {
            match T::FIELDS.iter().position(|(known, _)| *known == name) {
                Some(i) => entry.fields[i] = map.next_value()?,
                None => {
                    let value: Value = map.next_value()?;
                    entry.extra.push((name, value));
                }
            }
        }
        Ok(entry)
    }
}

/// A known section as read so far.
pub(super) struct Section<T> {
    entries: BTreeMap<String, T>,
    /// Entries that are not understood, by key, with why; the first in key order is the error
    /// reported for the section.
    errors: BTreeMap<String, String>,
    /// The section is not an object: its JSON type.
    not_an_object: Option<Kind>,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Self {
            entries: BTreeMap::new(),
            errors: BTreeMap::new(),
            not_an_object: None,
        }
    }
}

impl<T> Section<T> {
    /// Files the entry read under `key`: `Ok(None)` is an entry that is understood but not kept.
    /// A later entry with the same key replaces an earlier one, whatever either was.
    pub(super) fn file(&mut self, key: Cow<'_, str>, entry: Result<Option<T>, String>) {
        match entry {
            Ok(Some(entry)) => {
                if !self.errors.is_empty() {
                    self.errors.remove(key.as_ref());
                }
                self.entries.insert(key.into_owned(), entry);
            }
            Ok(None) => {
                if !self.errors.is_empty() {
                    self.errors.remove(key.as_ref());
                }
                if !self.entries.is_empty() {
                    self.entries.remove(key.as_ref());
                }
            }
            Err(why) => {
                self.entries.remove(key.as_ref());
                self.errors.insert(key.into_owned(), why);
            }
        }
    }

    fn finish(self, name: &str) -> Result<BTreeMap<String, T>, String> {
        if let Some(kind) = self.not_an_object {
            return Err(format!("section `{name}` is {kind}, expected an object"));
        }
        match self.errors.into_values().next() {
            Some(why) => Err(why),
            None => Ok(self.entries),
        }
    }
}

/// Reads a known section. `keep` decides, for an entry that is understood, whether it is kept.
struct SectionReader<'a, T, const N: usize> {
    name: &'static str,
    keep: &'a dyn Fn(&RawEntry<'_, N>) -> bool,
    entry: std::marker::PhantomData<T>,
}

impl<'a, T: Entry<N>, const N: usize> SectionReader<'a, T, N> {
    fn new(name: &'static str, keep: &'a dyn Fn(&RawEntry<'_, N>) -> bool) -> Self {
        Self {
            name,
            keep,
            entry: std::marker::PhantomData,
        }
    }
}

impl<'de, T: Entry<N>, const N: usize> ReadObject<'de> for SectionReader<'_, T, N> {
    type Value = Section<T>;

    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<Section<T>, A::Error> {
        let mut section = Section::default();
        while let Some(Key(key)) = map.next_key()? {
            let read = map.next_value_seed(Object(EntryReader::<T, N>::new()))?;
            section.file(key, outcome(read, self.name, self.keep));
        }
        Ok(section)
    }
}

/// What becomes of an entry as read: an error when it is not understood, else whether `keep`
/// keeps it.
pub(super) fn outcome<T: Entry<N>, const N: usize>(
    read: Result<RawEntry<'_, N>, Kind>,
    section: &str,
    keep: &dyn Fn(&RawEntry<'_, N>) -> bool,
) -> Result<Option<T>, String> {
    match read {
        Err(kind) => Err(format!(
            "an entry of `{section}` is {kind}, expected an object"
        )),
        Ok(raw) => raw
            .check::<T>(section)
            .map(|()| keep(&raw).then(|| raw.build())),
    }
}

/// Keeps every entry of a section that is understood.
pub(super) fn every_entry<const N: usize>(_: &RawEntry<'_, N>) -> bool {
    true
}

/// Reads a known section's value: `null` is an empty section.
fn read_section<'de, A: MapAccess<'de>, T: Entry<N>, const N: usize>(
    map: &mut A,
    reader: SectionReader<'_, T, N>,
) -> Result<Section<T>, A::Error> {
    Ok(match map.next_value_seed(Object(reader))? {
        Ok(section) => section,
        Err(NULL) => Section::default(),
        Err(kind) => Section {
            not_an_object: Some(kind),
            ..Section::default()
        },
    })
}

/// The document's sections as read.
#[derive(Default)]
pub(super) struct Root {
    pub(super) access_tokens: Section<AccessTokenEntry>,
    pub(super) refresh_tokens: Section<RefreshTokenEntry>,
    pub(super) id_tokens: Section<IdTokenEntry>,
    pub(super) accounts: Section<AccountEntry>,
    pub(super) app_metadata: Section<AppMetadataEntry>,
    pub(super) other: Map<String, Value>,
}

impl Root {
    /// The sections, or the first section not understood, in the schema's order.
    pub(super) fn finish(self) -> Result<Sections, ParseError> {
        let unknown = ParseError::UnknownFormat;
        Ok(Sections {
            access_tokens: self.access_tokens.finish(ACCESS_TOKEN).map_err(unknown)?,
            refresh_tokens: self.refresh_tokens.finish(REFRESH_TOKEN).map_err(unknown)?,
            id_tokens: self.id_tokens.finish(ID_TOKEN).map_err(unknown)?,
            accounts: self.accounts.finish(ACCOUNT).map_err(unknown)?,
            app_metadata: self.app_metadata.finish(APP_METADATA).map_err(unknown)?,
            other: self.other,
        })
    }
}

struct RootReader<'a> {
    keep: &'a Keep<'a>,
}

impl<'de> ReadObject<'de> for RootReader<'_> {
    type Value = Root;

    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<Root, A::Error> {
        let access_token = |raw: &RawEntry<'_, AT_FIELDS>| self.keep.access_token(raw);
        let mut root = Root::default();
        // A section that appears twice is read twice; the last one stands, as in a `Value`.
        while let Some(Key(name)) = map.next_key()? {
            match name.as_ref() {
                ACCESS_TOKEN => {
                    root.access_tokens =
                        read_section(&mut map, SectionReader::new(ACCESS_TOKEN, &access_token))?;
                }
                REFRESH_TOKEN => {
                    root.refresh_tokens =
                        read_section(&mut map, SectionReader::new(REFRESH_TOKEN, &every_entry))?;
                }
                ID_TOKEN => {
                    root.id_tokens =
                        read_section(&mut map, SectionReader::new(ID_TOKEN, &every_entry))?;
                }
                ACCOUNT => {
                    root.accounts =
                        read_section(&mut map, SectionReader::new(ACCOUNT, &every_entry))?;
                }
                APP_METADATA => {
                    root.app_metadata =
                        read_section(&mut map, SectionReader::new(APP_METADATA, &every_entry))?;
                }
                _ => match self.keep {
                    Keep::All => {
                        let value: Value = map.next_value()?;
                        root.other.insert(name.into_owned(), value);
                    }
                    Keep::AccessTokens(_) => {
                        map.next_value::<Skip>()?;
                    }
                },
            }
        }
        Ok(root)
    }
}

pub(super) const AT_FIELDS: usize = 12;

/// The fields of an access token a lookup decides on, borrowed from one that passed its check.
fn access_token_view<'a>(raw: &'a RawEntry<'_, AT_FIELDS>) -> AccessTokenView<'a> {
    let [
        credential_type,
        secret,
        _home_account_id,
        environment,
        client_id,
        _realm,
        target,
        token_type,
        ..,
    ] = &raw.fields;
    AccessTokenView {
        credential_type: credential_type.as_str().unwrap_or(ACCESS_TOKEN),
        token_type: token_type.as_str().unwrap_or("Bearer"),
        has_secret: secret.as_str().is_some_and(|s| !s.is_empty()),
        client_id: client_id.as_str().unwrap_or(""),
        environment: environment.as_str().unwrap_or(""),
        target: target.as_str().unwrap_or(""),
        bound_to_key: raw.has_extra("key_id"),
    }
}

/// A string field: missing or `null` reads as `default` (MSAL Python's key makers read them as
/// `""`).
fn text_or(raw: Raw<'_>, default: &str) -> String {
    raw.into_string().unwrap_or_else(|| default.to_owned())
}

impl Entry<AT_FIELDS> for AccessTokenEntry {
    const FIELDS: [(&'static str, FieldType); AT_FIELDS] = [
        ("credential_type", FieldType::String),
        ("secret", FieldType::String),
        ("home_account_id", FieldType::String),
        ("environment", FieldType::String),
        ("client_id", FieldType::String),
        ("realm", FieldType::String),
        ("target", FieldType::String),
        ("token_type", FieldType::String),
        ("cached_at", FieldType::Timestamp),
        ("expires_on", FieldType::Timestamp),
        ("extended_expires_on", FieldType::Timestamp),
        ("refresh_on", FieldType::Timestamp),
    ];

    fn build(fields: [Raw<'_>; AT_FIELDS], extra: Map<String, Value>) -> Self {
        let [
            credential_type,
            secret,
            home_account_id,
            environment,
            client_id,
            realm,
            target,
            token_type,
            cached_at,
            expires_on,
            extended_expires_on,
            refresh_on,
        ] = fields;
        Self {
            credential_type: text_or(credential_type, ACCESS_TOKEN),
            secret: AccessToken::new(text_or(secret, "")),
            home_account_id: home_account_id.into_string(),
            environment: text_or(environment, ""),
            client_id: client_id.into_string(),
            realm: text_or(realm, ""),
            target: text_or(target, ""),
            token_type: text_or(token_type, "Bearer"),
            cached_at: cached_at.into_timestamp(),
            expires_on: expires_on.into_timestamp(),
            extended_expires_on: extended_expires_on.into_timestamp(),
            refresh_on: refresh_on.into_timestamp(),
            extra,
        }
    }
}

impl Entry<8> for RefreshTokenEntry {
    const FIELDS: [(&'static str, FieldType); 8] = [
        ("credential_type", FieldType::String),
        ("secret", FieldType::String),
        ("home_account_id", FieldType::String),
        ("environment", FieldType::String),
        ("client_id", FieldType::String),
        ("target", FieldType::String),
        ("family_id", FieldType::String),
        ("last_modification_time", FieldType::Timestamp),
    ];

    fn build(fields: [Raw<'_>; 8], extra: Map<String, Value>) -> Self {
        let [
            credential_type,
            secret,
            home_account_id,
            environment,
            client_id,
            target,
            family_id,
            last_modification_time,
        ] = fields;
        Self {
            credential_type: text_or(credential_type, REFRESH_TOKEN),
            secret: RefreshToken::new(text_or(secret, "")),
            home_account_id: home_account_id.into_string(),
            environment: text_or(environment, ""),
            client_id: text_or(client_id, ""),
            target: text_or(target, ""),
            family_id: family_id.into_string(),
            last_modification_time: last_modification_time.into_timestamp(),
            extra,
        }
    }
}

impl Entry<6> for IdTokenEntry {
    const FIELDS: [(&'static str, FieldType); 6] = [
        ("credential_type", FieldType::String),
        ("secret", FieldType::String),
        ("home_account_id", FieldType::String),
        ("environment", FieldType::String),
        ("realm", FieldType::String),
        ("client_id", FieldType::String),
    ];

    fn build(fields: [Raw<'_>; 6], extra: Map<String, Value>) -> Self {
        let [
            credential_type,
            secret,
            home_account_id,
            environment,
            realm,
            client_id,
        ] = fields;
        Self {
            credential_type: text_or(credential_type, ID_TOKEN),
            secret: IdToken::new(text_or(secret, "")),
            home_account_id: home_account_id.into_string(),
            environment: text_or(environment, ""),
            realm: text_or(realm, ""),
            client_id: text_or(client_id, ""),
            extra,
        }
    }
}

impl Entry<7> for AccountEntry {
    const FIELDS: [(&'static str, FieldType); 7] = [
        ("home_account_id", FieldType::String),
        ("environment", FieldType::String),
        ("realm", FieldType::String),
        ("local_account_id", FieldType::String),
        ("username", FieldType::String),
        ("authority_type", FieldType::String),
        ("account_source", FieldType::String),
    ];

    fn build(fields: [Raw<'_>; 7], extra: Map<String, Value>) -> Self {
        let [
            home_account_id,
            environment,
            realm,
            local_account_id,
            username,
            authority_type,
            account_source,
        ] = fields;
        Self {
            home_account_id: home_account_id.into_string(),
            environment: text_or(environment, ""),
            realm: text_or(realm, ""),
            local_account_id: local_account_id.into_string(),
            username: text_or(username, ""),
            authority_type: text_or(authority_type, ""),
            account_source: account_source.into_string(),
            extra,
        }
    }
}

impl Entry<3> for AppMetadataEntry {
    const FIELDS: [(&'static str, FieldType); 3] = [
        ("client_id", FieldType::String),
        ("environment", FieldType::String),
        ("family_id", FieldType::String),
    ];

    fn build(fields: [Raw<'_>; 3], extra: Map<String, Value>) -> Self {
        let [client_id, environment, family_id] = fields;
        Self {
            client_id: client_id.into_string(),
            environment: text_or(environment, ""),
            family_id: family_id.into_string(),
            extra,
        }
    }
}

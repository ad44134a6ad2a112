//! Reading a cache file in small pieces, for speed and memory: a cache of 10,000 access tokens
//! is a 24 MB file, and reading it whole costs more in page faults for the fresh buffer than
//! parsing it does, and peaks at the file's size in memory.
//!
//! The top two levels of the document (the root object and the objects of the known sections)
//! are framed here by hand; every key, entry and other value is parsed by serde_json from a
//! buffer of about [`CHUNK`] bytes with the same visitors as in `parse.rs`, and filed in the
//! same way. Only a document that is well-formed and fully understood is vouched for; anything
//! else (not JSON, a shape not understood, nesting deep enough to come near serde_json's limit,
//! an I/O read returning something odd) makes [`parse_from`] answer `None`, and the caller reads
//! the file whole with `parse::parse`, which gives the verdict. So the result is always
//! `parse::parse`'s, and errors are reported exactly as before.

use std::io::{self, Read};

use serde::de;
use serde_json::Value;

use super::parse::{
    AT_FIELDS, Entry, EntryReader, Keep, Key, Kind, NULL, Object, RawEntry, Root, Section,
    SkipMembers, every_entry, outcome,
};
use super::schema::{ACCESS_TOKEN, ACCOUNT, APP_METADATA, ID_TOKEN, REFRESH_TOKEN, Sections};

/// How much is read at a time (the buffer grows when a single entry or unknown section is
/// larger). Small enough to stay in the CPU cache, large enough that system calls do not count.
pub(crate) const CHUNK: usize = 64 * 1024;

/// Nesting accepted inside a value parsed here. serde_json counts levels from the root and
/// stops at 128, but here it sees each value on its own, so a value nested deeper than this is
/// left to the whole-document parser (no cache writer nests anything this deep).
const MAX_DEPTH: usize = 100;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads the cache document from `reader`, `chunk` bytes at a time, keeping what `keep` says:
/// `Some` with what `parse::parse` would return for the whole document, or `None` when this
/// reader does not vouch for the document (see the module documentation); `reader` has then been
/// read partly or wholly.
pub(crate) fn parse_from(
    reader: &mut impl Read,
    keep: &Keep<'_>,
    chunk: usize,
) -> io::Result<Option<Sections>> {
    let mut input = Chunks {
        reader,
        buf: vec![0; chunk.max(1)],
        start: 0,
        end: 0,
        eof: false,
    };
    Ok(read_document(&mut input, keep)?.and_then(|root| root.finish().ok()))
}

fn read_document<R: Read>(input: &mut Chunks<'_, R>, keep: &Keep<'_>) -> io::Result<Option<Root>> {
    input.skip_bom()?;
    if !input.eat(b'{')? {
        return Ok(None);
    }
    let mut root = Root::default();
    if input.eat(b'}')? {
        return Ok(input.at_end()?.then_some(root));
    }
    let access_token = |raw: &RawEntry<'_, AT_FIELDS>| keep.access_token(raw);
    loop {
        if input.peek()? != Some(b'"') {
            return Ok(None);
        }
        let Some(name) = input.step(|window| match value::<Key>(window) {
            Some((Key(name), used)) => Step::Done(used, name.into_owned()),
            None => Step::More,
        })?
        else {
            return Ok(None);
        };
        if !input.eat(b':')? {
            return Ok(None);
        }
        // A section that appears twice is read twice; the last one stands, as in `parse.rs`.
        let read = match name.as_str() {
            ACCESS_TOKEN => input
                .section(ACCESS_TOKEN, &access_token)?
                .map(|section| root.access_tokens = section),
            REFRESH_TOKEN => input
                .section(REFRESH_TOKEN, &every_entry)?
                .map(|section| root.refresh_tokens = section),
            ID_TOKEN => input
                .section(ID_TOKEN, &every_entry)?
                .map(|section| root.id_tokens = section),
            ACCOUNT => input
                .section(ACCOUNT, &every_entry)?
                .map(|section| root.accounts = section),
            APP_METADATA => input
                .section(APP_METADATA, &every_entry)?
                .map(|section| root.app_metadata = section),
            _ => input
                .step(|window| match value::<Value>(window) {
                    Some((value, used)) if depth(&value) <= MAX_DEPTH => Step::Done(used, value),
                    Some(_) => Step::GiveUp,
                    None => Step::More,
                })?
                .map(|value| {
                    if let Keep::All = keep {
                        root.other.insert(name, value);
                    }
                }),
        };
        if read.is_none() {
            return Ok(None);
        }
        match input.peek()? {
            Some(b',') => input.start += 1,
            Some(b'}') => {
                input.start += 1;
                return Ok(input.at_end()?.then_some(root));
            }
            _ => return Ok(None),
        }
    }
}

/// What a parsing step made of the bytes at hand.
enum Step<T> {
    /// Read, taking this many bytes.
    Done(usize, T),
    /// Cannot tell yet: more bytes, please (at the end of the file: give up).
    More,
    /// Not a document this reader vouches for.
    GiveUp,
}

/// The file, read a chunk at a time into `buf`; `buf[start..end]` is read but not yet parsed.
struct Chunks<'r, R> {
    reader: &'r mut R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> Chunks<'_, R> {
    /// Reads more: what is not parsed yet moves to the front, and the buffer doubles when that
    /// fills it. `false` at the end of the file.
    fn more(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let read = loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.end += read;
        self.eof = read == 0;
        Ok(!self.eof)
    }

    fn skip_bom(&mut self) -> io::Result<()> {
        while self.end - self.start < BOM.len() && self.more()? {}
        if self.buf[self.start..self.end].starts_with(BOM) {
            self.start += BOM.len();
        }
        Ok(())
    }

    /// The next byte that is not JSON whitespace, without taking it; `None` at the end.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            while self.start < self.end {
                match self.buf[self.start] {
                    b' ' | b'\n' | b'\t' | b'\r' => self.start += 1,
                    byte => return Ok(Some(byte)),
                }
            }
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// Takes the next byte that is not whitespace if it is `byte`.
    fn eat(&mut self, byte: u8) -> io::Result<bool> {
        let found = self.peek()? == Some(byte);
        if found {
            self.start += 1;
        }
        Ok(found)
    }

    /// Nothing but whitespace is left.
    fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.peek()?.is_none())
    }

    /// Runs `read` on the bytes at hand, with more of them each time it asks, until it decides.
    /// `read` must change nothing unless it answers [`Step::Done`].
    fn step<T>(&mut self, mut read: impl FnMut(&[u8]) -> Step<T>) -> io::Result<Option<T>> {
        loop {
            match read(&self.buf[self.start..self.end]) {
                Step::Done(used, value) => {
                    self.start += used;
                    return Ok(Some(value));
                }
                Step::GiveUp => return Ok(None),
                Step::More => {
                    if !self.more()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// A known section: an object of entries, each parsed and filed as `parse.rs` does, or
    /// `null`.
    fn section<T: Entry<N>, const N: usize>(
        &mut self,
        name: &'static str,
        keep: &dyn Fn(&RawEntry<'_, N>) -> bool,
    ) -> io::Result<Option<Section<T>>> {
        let mut section = Section::default();
        match self.peek()? {
            Some(b'{') => self.start += 1,
            Some(_) => {
                let null = self.step(|window| match value::<Shape>(window) {
                    Some((Shape(Err(NULL)), used)) => Step::Done(used, ()),
                    Some(_) => Step::GiveUp,
                    None => Step::More,
                })?;
                return Ok(null.map(|()| section));
            }
            None => return Ok(None),
        }
        if self.eat(b'}')? {
            return Ok(Some(section));
        }
        loop {
            if self.peek()? != Some(b'"') {
                return Ok(None);
            }
            let filed = self.step(|window| {
                // The key and the entry in one step: the key borrows from the buffer.
                let Some((Key(key), mut at)) = value::<Key>(window) else {
                    return Step::More;
                };
                while window
                    .get(at)
                    .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
                {
                    at += 1;
                }
                match window.get(at) {
                    Some(b':') => at += 1,
                    Some(_) => return Step::GiveUp,
                    None => return Step::More,
                }
                let Some((EntryValue(read, _), used)) = value::<EntryValue<T, N>>(&window[at..])
                else {
                    return Step::More;
                };
                match read {
                    Ok(raw) if raw.extra_depth() <= MAX_DEPTH => {
                        match outcome(Ok(raw), name, keep) {
                            Ok(entry) => {
                                section.file(key, Ok(entry));
                                Step::Done(at + used, ())
                            }
                            Err(_) => Step::GiveUp,
                        }
                    }
                    _ => Step::GiveUp,
                }
            })?;
            if filed.is_none() {
                return Ok(None);
            }
            match self.peek()? {
                Some(b',') => self.start += 1,
                Some(b'}') => {
                    self.start += 1;
                    return Ok(Some(section));
                }
                _ => return Ok(None),
            }
        }
    }
}

/// One JSON value at the start of `window` (after whitespace), and the bytes it took; `None`
/// when the window holds no whole valid value followed by at least one more byte (a number at
/// the end of the window may go on in the next chunk). Whether more bytes would help or the
/// value is wrong, the caller cannot tell, and need not: at the end of the file it gives up.
fn value<'de, T: de::Deserialize<'de>>(window: &'de [u8]) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_slice(window).into_iter::<T>();
    let value = values.next()?.ok()?;
    let used = values.byte_offset();
    (used < window.len()).then_some((value, used))
}

/// An entry, read by `parse.rs`'s visitor.
struct EntryValue<'de, T, const N: usize>(
    Result<RawEntry<'de, N>, Kind>,
    std::marker::PhantomData<T>,
);

impl<'de, T: Entry<N>, const N: usize> de::Deserialize<'de> for EntryValue<'de, T, N> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::DeserializeSeed::deserialize(Object(EntryReader::<T, N>::new()), d)
            .map(|read| Self(read, std::marker::PhantomData))
    }
}

/// Any value, read for its JSON type only.
struct Shape(Result<(), Kind>);

impl<'de> de::Deserialize<'de> for Shape {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::DeserializeSeed::deserialize(Object(SkipMembers), d).map(Shape)
    }
}

/// How deeply a value nests arrays and objects.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

impl<const N: usize> RawEntry<'_, N> {
    /// How deeply the entry's unknown fields nest.
    fn extra_depth(&self) -> usize {
        self.extra
            .iter()
            .map(|(_, value)| depth(value))
            .max()
            .unwrap_or(0)
    }
}

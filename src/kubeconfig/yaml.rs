//! Just enough YAML to edit a kubeconfig: a tree of mappings, sequences and scalars read from
//! [`saphyr_parser`]'s events, and a block-style writer that reads back as the same values.
//!
//! What is refused rather than guessed at: several documents, anchors and aliases (an alias
//! would have to be expanded, which is how "billion laughs" files blow up; kubectl never writes
//! them), tags, mapping keys that are not scalars, and nesting deeper than [`MAX_DEPTH`].
//! Comments are not kept (neither does kubectl when it writes the file).
//!
//! Scalars keep what decides their value: a plain scalar (`true`, `6443`, `null`, `abc`) is
//! written back plain, exactly as read, so it resolves to the same type whichever YAML schema the
//! reader uses; a quoted or block scalar is a string and is written plain only when no schema
//! could read it as anything else, else double-quoted.

use saphyr_parser::{Event, Parser, ScalarStyle};

/// How deep mappings and sequences may nest; kubeconfigs need about six levels.
pub(crate) const MAX_DEPTH: usize = 64;

/// A YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A scalar: its value, and whether it was (or is to be) plain, i.e. typed by its text.
    Scalar { value: String, plain: bool },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with scalar keys, in file order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A string.
    pub(crate) fn string(value: impl Into<String>) -> Self {
        Node::Scalar {
            value: value.into(),
            plain: false,
        }
    }

    /// A plain scalar (a boolean, a number), written as given.
    pub(crate) fn plain(value: impl Into<String>) -> Self {
        Node::Scalar {
            value: value.into(),
            plain: true,
        }
    }

    /// The string value of a scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Whether this is a null (an empty plain scalar, `null` or `~`).
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { value, plain: true } if ["", "~", "null", "Null", "NULL"].contains(&value.as_str()))
    }

    /// The value of `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value of `key` in a mapping, to change it.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` in a mapping: in place when it is there, else at the end. No-op on others.
    pub(crate) fn set(&mut self, key: &str, value: Node) {
        if let Node::Map(entries) = self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => entries.push((key.to_owned(), value)),
            }
        }
    }
}

/// Why a text could not be read as an editable YAML document. Never quotes the text: a
/// kubeconfig holds credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum YamlError {
    /// Not YAML.
    #[error("it is not valid YAML (line {line}, column {column})")]
    Syntax { line: usize, column: usize },
    /// YAML that this editor does not rewrite.
    #[error("it uses {0}, which msal does not rewrite")]
    Unsupported(&'static str),
}

/// Reads one YAML document; an empty text (or one with only comments) is `None`.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, _span) = event.map_err(|e| YamlError::Syntax {
            line: e.marker().line(),
            column: e.marker().col() + 1,
        })?;
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {
                continue;
            }
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError::Unsupported("several YAML documents"));
                }
                continue;
            }
            Event::Alias(_) => return Err(YamlError::Unsupported("YAML aliases")),
            Event::Scalar(value, style, anchor, tag) => {
                refuse_anchor_or_tag(anchor, tag.is_some())?;
                Node::Scalar {
                    value: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                }
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                refuse_anchor_or_tag(anchor, tag.is_some())?;
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::Unsupported("nesting deeper than msal reads"));
                }
                let is_map = matches!(event, Event::MappingStart(..));
                stack.push(if is_map {
                    Frame::Map(Vec::new(), None)
                } else {
                    Frame::Seq(Vec::new())
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Node::Seq(items),
                Some(Frame::Map(entries, None)) => Node::Map(entries),
                // The parser never ends a mapping between a key and its value.
                Some(Frame::Map(_, Some(_))) | None => {
                    return Err(YamlError::Unsupported("an unbalanced document"));
                }
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map(entries, key)) => match key.take() {
                Some(key) => entries.push((key, node)),
                None => match node {
                    Node::Scalar { value, .. } => *key = Some(value),
                    _ => return Err(YamlError::Unsupported("mapping keys that are not scalars")),
                },
            },
        }
    }
    Ok(root.filter(|node| !node.is_null()))
}

enum Frame {
    Seq(Vec<Node>),
    /// The entries so far, and a key waiting for its value.
    Map(Vec<(String, Node)>, Option<String>),
}

fn refuse_anchor_or_tag(anchor: usize, tagged: bool) -> Result<(), YamlError> {
    if anchor != 0 {
        return Err(YamlError::Unsupported("YAML anchors"));
    }
    if tagged {
        return Err(YamlError::Unsupported("YAML tags"));
    }
    Ok(())
}

/// Writes a document in block style, kubectl's layout (two spaces, sequences of mappings as
/// `- key: value`).
pub(crate) fn write(root: &Node) -> String {
    let mut out = String::new();
    match root {
        Node::Map(entries) if !entries.is_empty() => write_map(entries, 0, &mut out),
        Node::Seq(items) if !items.is_empty() => write_seq(items, 0, &mut out),
        other => {
            out.push_str(&inline(other).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// A scalar or an empty collection on one line; `None` for a collection with content.
fn inline(node: &Node) -> Option<String> {
    match node {
        Node::Scalar { value, plain } => Some(scalar(value, *plain)),
        Node::Seq(items) if items.is_empty() => Some("[]".into()),
        Node::Map(entries) if entries.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn write_map(entries: &[(String, Node)], indent: usize, out: &mut String) {
    for (key, value) in entries {
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar(key, false));
        out.push(':');
        match (inline(value), value) {
            (Some(text), _) => {
                out.push(' ');
                out.push_str(&text);
                out.push('\n');
            }
            (None, Node::Map(inner)) => {
                out.push('\n');
                write_map(inner, indent + 2, out);
            }
            (None, Node::Seq(items)) => {
                out.push('\n');
                write_seq(items, indent, out);
            }
            (None, Node::Scalar { .. }) => {}
        }
    }
}

fn write_seq(items: &[Node], indent: usize, out: &mut String) {
    let dash = format!("{}- ", " ".repeat(indent));
    for item in items {
        match (inline(item), item) {
            (Some(text), _) => {
                out.push_str(&dash);
                out.push_str(&text);
                out.push('\n');
            }
            (None, Node::Map(entries)) => {
                // The first entry goes on the dash's line.
                let mut inner = String::new();
                write_map(entries, indent + 2, &mut inner);
                out.push_str(&dash);
                out.push_str(&inner[indent + 2..]);
            }
            (None, Node::Seq(inner)) => {
                out.push_str(&" ".repeat(indent));
                out.push_str("-\n");
                write_seq(inner, indent + 2, out);
            }
            (None, Node::Scalar { .. }) => {}
        }
    }
}

/// A scalar as text: a plain one as it was read when it can stand plain where it is written,
/// a string plain when nothing could read it as another type, else double-quoted.
fn scalar(value: &str, plain: bool) -> String {
    if plain && value.is_empty() {
        return "null".into();
    }
    if (plain && plain_safe(value)) || plain_string(value) {
        value.to_owned()
    } else {
        double_quoted(value)
    }
}

/// Whether `text`, read plain, is a valid plain scalar after `key: ` or `- ` in block context:
/// not empty, no leading or trailing space, no line break or control character, no comment or
/// mapping indicator inside, no indicator first.
fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let second_is_space = text.chars().nth(1).is_none_or(|c| c == ' ' || c == '\t');
    // Tabs may separate words inside a plain scalar (a YAML 1.1 timestamp's date and time);
    // other control characters cannot be in one.
    !text.starts_with([' ', '\t'])
        && !text.ends_with([' ', '\t'])
        && !text.ends_with(':')
        && !text.contains(": ")
        && !text.contains(":\t")
        && !text.contains(" #")
        && !text.contains("\t#")
        && !text
            .chars()
            .any(|c| (c.is_control() && c != '\t') || is_yaml_break(c))
        && !",[]{}#&*!|>'\"%@`".contains(first)
        && !("-?:".contains(first) && second_is_space)
}

/// Whether a string can be written plain and read back as the same string by YAML 1.1 and 1.2
/// readers alike: it starts with a letter or `/` (so it is no number, date or indicator), holds
/// only characters that are never special there, and is none of the words that mean a boolean
/// or null.
fn plain_string(text: &str) -> bool {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_./-+=:@".contains(c))
        && !text.ends_with(':')
        && !text.contains("://-")
        && !WORDS.contains(&text.to_ascii_lowercase().as_str())
}

/// YAML 1.1 line breaks besides `\n` and `\r`.
fn is_yaml_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// A double-quoted scalar: `"` and `\` escaped, control characters and YAML's other line breaks
/// as escapes, everything else as it is.
fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_yaml_break(c) || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether some YAML schema could read this plain text as other than a string: a null, a
    /// boolean, a number, a date.
    fn could_be_typed(text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        let mut chars = text.chars();
        let first = chars.next();
        let second = chars.next();
        !text.contains('\n')
            && (["y", "n", "yes", "no", "on", "off", "true", "false"].contains(&lower.as_str())
                || first.is_some_and(|c| c.is_ascii_digit())
                || (first.is_some_and(|c| "+-.".contains(c))
                    && second.is_some_and(|c| c.is_ascii_digit() || ".iInN".contains(c))))
    }

    /// The value a reader sees: a plain scalar that can only be a string is a string.
    fn meaning(node: &Node) -> Node {
        match node {
            Node::Scalar { .. } if node.is_null() => Node::plain("null"),
            Node::Scalar { value, plain } => Node::Scalar {
                value: value.clone(),
                plain: *plain && could_be_typed(value),
            },
            Node::Seq(items) => Node::Seq(items.iter().map(meaning).collect()),
            Node::Map(entries) => Node::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), meaning(v)))
                    .collect(),
            ),
        }
    }

    fn round_trip(text: &str) -> Node {
        let node = parse(text).unwrap().unwrap();
        let written = write(&node);
        let again = parse(&written).unwrap().unwrap();
        assert_eq!(meaning(&again), meaning(&node), "{written}");
        again
    }

    #[test]
    fn a_kubeconfig_reads_back_the_same_after_writing() {
        let text = r#"apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://10.0.0.1:6443
    insecure-skip-tls-verify: true
  name: "prod"
contexts: [{context: {cluster: prod, user: 'me'}, name: prod}]
current-context: prod
kind: Config
preferences: {}
users:
  - name: me
    user:
      token: "yes"
      port: 6443
      empty:
      quoted: '0755'
      multi: |
        line one
        line "two"
      odd: "a: b # c\u2028\u0007"
"#;
        let node = round_trip(text);
        let me = &node.get("users").unwrap();
        let Node::Seq(users) = me else { panic!() };
        let user = users[0].get("user").unwrap();
        assert_eq!(user.get("token").unwrap(), &Node::string("yes"));
        assert_eq!(user.get("port").unwrap(), &Node::plain("6443"));
        assert!(user.get("empty").unwrap().is_null());
        assert_eq!(user.get("quoted").unwrap(), &Node::string("0755"));
        let written = write(&node);
        // Strings that another schema could read as something else stay quoted.
        assert!(written.contains("token: \"yes\""), "{written}");
        assert!(written.contains("quoted: \"0755\""), "{written}");
        assert!(
            written.contains("insecure-skip-tls-verify: true"),
            "{written}"
        );
        assert!(
            written.contains("- cluster:\n    certificate-authority-data: LS0t"),
            "{written}"
        );
        assert!(written.contains("name: prod\n"), "{written}");
    }

    #[test]
    fn what_cannot_be_rewritten_faithfully_is_refused() {
        for (text, what) in [
            ("a: &x 1\nb: *x\n", "anchors"),
            ("a: !!str 1\n", "tags"),
            ("a: 1\n---\nb: 2\n", "several"),
            ("? [a]\n: 1\n", "keys"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(what), "{text:?}: {err}");
        }
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&deep).is_err());
        let err = parse("a: [1\ntoken: hunter2\n").unwrap_err().to_string();
        assert!(err.contains("line") && !err.contains("hunter2"), "{err}");
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }

    #[test]
    fn every_string_reads_back_as_itself() {
        for value in [
            "",
            " a",
            "a ",
            "-",
            "- a",
            "?",
            ":",
            "a:",
            "#",
            "a #b",
            "true",
            "True",
            "NO",
            "~",
            "null",
            "1",
            "1.5",
            "0x1F",
            ".inf",
            "2001-12-14",
            "é",
            "a\u{2028}b",
            "\u{feff}x",
            "tab\there",
            "quote\"back\\slash",
            "https://h:443/p?q=1",
            "LS0t+/=",
            "@x",
            "`x",
        ] {
            let node = Node::Map(vec![("k".into(), Node::string(value))]);
            let written = write(&node);
            let read = parse(&written).unwrap().map(|n| meaning(&n));
            assert_eq!(read, Some(node), "{value:?} as {written:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Whatever a file holds, reading it ends in a tree or an error, never a panic; and a
        /// tree read is written back so that it reads as the same values.
        #[test]
        fn any_text_is_read_or_refused_and_what_is_read_writes_back_the_same(
            text in "[-:a-zA-Z0-9 \\n\\t\\[\\]{}#&*!|>'\"%@`?,.~\\\\]{0,160}"
        ) {
            if let Ok(Some(node)) = parse(&text) {
                let written = write(&node);
                let again = parse(&written);
                proptest::prop_assert!(again.is_ok(), "{:?} wrote {:?}: {:?}", text, written, again);
                proptest::prop_assert_eq!(again.unwrap().map(|n| meaning(&n)), Some(meaning(&node)), "{:?} wrote {:?}", text, written);
            }
        }
    }
}

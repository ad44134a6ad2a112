//! Text from a server or a file, made safe to show on a terminal.
//!
//! A terminal interprets more than printable characters: C0 and C1 control characters, escape
//! sequences (ECMA-48: CSI `ESC [`, OSC `ESC ]` which can set the window title or write the
//! clipboard, DCS/SOS/PM/APC strings, and their 8-bit C1 forms), and bidirectional controls that
//! reorder what is shown (Unicode TR #9; the "Trojan Source" set: U+202A–U+202E, U+2066–U+2069,
//! U+200E, U+200F, U+061C). A name, an error description or an identifier from a server must
//! reach the user as the characters it holds, never as instructions to the terminal, so every
//! such string passes through [`printable`] (one line) or [`printable_lines`] before it is shown.
//! JSON output keeps the value faithful and escapes the same characters instead
//! ([`escape_json_controls`]).

use std::borrow::Cow;

/// `text` on one line without anything a terminal would interpret: escape sequences removed
/// whole, other control characters and bidirectional controls dropped, line breaks and tabs
/// turned into spaces.
pub fn printable(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// Like [`printable`], but line breaks (`\n`) are kept; a carriage return is dropped, since it
/// would let a later part of a line overwrite an earlier one.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// At most `max_chars` characters of `text` for a message: [`printable`], runs of white space
/// made one space, and `…` where it was cut.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let cleaned: String = printable(text).chars().take(max_chars).collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max_chars {
        format!("{cleaned}…")
    } else {
        cleaned
    }
}

/// Serialized JSON with every character a terminal could interpret written as a `\uXXXX`
/// escape: serde_json escapes C0 controls already, but writes DEL, C1 controls and bidirectional
/// controls as they are. They can only occur inside JSON strings, so the document means exactly
/// what it meant.
pub fn escape_json_controls(json: &str) -> Cow<'_, str> {
    if !json.chars().any(needs_json_escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_json_escape(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON's own whitespace between tokens stays; serde_json never writes it raw inside a string.
fn needs_json_escape(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | ' '))
        || is_bidi_control(c)
        || is_line_separator(c)
}

/// A URL-ish value with its credentials masked: `http://user:pass@proxy:8080` shows as
/// `http://user:***@proxy:8080`, and a lone user name (some proxies take a token there) as
/// `***`. It does not rely on the value parsing as a URL, since proxy variables are often
/// written without a scheme (`user:pass@proxy:3128`, which a URL parser reads as the scheme
/// `user`), nor on the password being encoded (a raw `/`, `?` or `#` in it would end a URL's
/// authority early): whatever precedes the last `@` counts as credentials. An `@` in a path or
/// query masks too much, which only costs a little of what is shown.
pub fn without_credentials(value: &str) -> Cow<'_, str> {
    let start = value.find("://").map_or(0, |i| i + 3);
    let Some(at) = value[start..].rfind('@').map(|i| start + i) else {
        return Cow::Borrowed(value);
    };
    let userinfo = &value[start..at];
    let masked = match userinfo.split_once(':') {
        Some((user, _)) if !user.is_empty() && !user.contains('/') => format!("{user}:***"),
        _ => "***".to_owned(),
    };
    Cow::Owned(format!("{}{masked}{}", &value[..start], &value[at..]))
}

/// Bidirectional formatting characters (Unicode TR #9): embeddings and overrides, isolates,
/// and the implicit marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
/// The 8-bit String Terminator.
const ST: char = '\u{9c}';

fn clean(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let harmless = |c: char| {
        (!c.is_control() || (keep_newlines && c == '\n'))
            && !is_bidi_control(c)
            && !is_line_separator(c)
    };
    if text.chars().all(harmless) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                // nF escapes: intermediates, then one final byte.
                Some(' '..='/') => {
                    while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
                    chars.next_if(|c| matches!(c, '0'..='~'));
                }
                // Fp, Fe and Fs escapes are ESC and one byte; anything else ends it.
                Some(other) if !matches!(other, '0'..='~') && harmless(other) => out.push(other),
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' if keep_newlines => out.push('\n'),
            '\n' | '\t' | '\u{2028}' | '\u{2029}' => push_space(&mut out),
            '\r' if keep_newlines => {}
            '\r' => push_space(&mut out),
            c if harmless(c) => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// One space where a line break or tab was, never two in a row.
fn push_space(out: &mut String) {
    if !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Skips a control sequence after its introducer: parameter and intermediate bytes, then the
/// final byte. A character outside those ranges ends a malformed sequence and is kept for the
/// main loop to judge.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars
        .next_if(|c| matches!(c, '0'..='?' | ' '..='/'))
        .is_some()
    {}
    chars.next_if(|c| matches!(c, '@'..='~'));
}

/// Skips a control string (OSC, DCS, SOS, PM, APC) up to and including its terminator: BEL
/// (which xterm accepts for OSC), `ESC \` or the 8-bit ST. An unterminated string runs to the
/// end of the text, as a terminal would swallow it.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | ST => return,
            ESC => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn escape_sequences_go_whole() {
        assert_eq!(
            printable("mallory\u{1b}]0;evil\u{7}\u{1b}[2J\u{202e}@contoso"),
            "mallory@contoso"
        );
        assert_eq!(printable("a\u{1b}[1;31mred\u{1b}[0m b"), "ared b");
        assert_eq!(printable("a\u{1b}]52;c;ZXZpbA==\u{1b}\\b"), "ab");
        assert_eq!(printable("a\u{1b}Pq#0;2;0;0;0\u{1b}\\b"), "ab");
        assert_eq!(printable("a\u{9b}2Jb\u{9d}0;t\u{9c}c"), "abc");
        assert_eq!(printable("a\u{1b}(Bb\u{1b}7c\u{1b}"), "abc");
        assert_eq!(printable("a\u{1b}]0;unterminated"), "a");
        assert_eq!(printable("a\u{1b}\u{e9}"), "a\u{e9}");
    }

    #[test]
    fn controls_and_bidi_go_and_lines_fold() {
        assert_eq!(printable("a\r\nb\tc\u{7f}\u{85}d"), "a b cd");
        assert_eq!(printable_lines("a\r\nb\rc\n"), "a\nbc\n");
        for bidi in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
        ] {
            assert_eq!(printable(&format!("x{bidi}y")), "xy");
        }
        assert!(matches!(
            printable("plain ünïcødé ▀▄ text"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn credentials_are_masked_with_or_without_a_scheme() {
        for (given, shown) in [
            ("http://u:hunter2@proxy:8080", "http://u:***@proxy:8080"),
            ("http://tok3n@proxy:8080/", "http://***@proxy:8080/"),
            ("alice:hunter2@proxy:3128", "alice:***@proxy:3128"),
            ("alice:hun:ter@2@proxy:3128", "alice:***@proxy:3128"),
            ("socks5h://d:p@[::1]:1080", "socks5h://d:***@[::1]:1080"),
            ("http://u:p/w?x#y@proxy", "http://u:***@proxy"),
            ("https://h/p?next=a@b", "https://***@b"),
            ("proxy:8080", "proxy:8080"),
            ("", ""),
            ("@", "***@"),
        ] {
            assert_eq!(without_credentials(given), shown, "{given}");
        }
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({"name": "m\u{1b}]0;t\u{7}\u{202e}\u{9b}x\u{7f}"});
        for json in [value.to_string(), format!("{value:#}\n")] {
            let text = escape_json_controls(&json).into_owned();
            assert!(text.is_ascii(), "{text}");
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&text).unwrap(),
                value
            );
        }
    }

    proptest! {
        #[test]
        fn a_password_never_survives_masking(
            scheme in prop_oneof![Just(""), Just("http://"), Just("socks5://")],
            user in "[a-z0-9]{0,8}",
            password in "[!-~]{1,16}",
            host in "[a-z.]{1,12}(:[0-9]{1,5})?",
        ) {
            let value = format!("{scheme}{user}:SECRET{password}@{host}");
            prop_assert!(!without_credentials(&value).contains("SECRET"));
        }

        #[test]
        fn nothing_a_terminal_interprets_survives(text in any::<String>()) {
            for shown in [printable(&text), printable_lines(&text)] {
                prop_assert!(shown.chars().all(|c| (!c.is_control() || c == '\n')
                    && !is_bidi_control(c) && !is_line_separator(c)));
            }
            prop_assert!(!printable(&text).contains('\n'));
            let json = serde_json::Value::String(text.clone()).to_string();
            let escaped = escape_json_controls(&json);
            prop_assert_eq!(
                serde_json::from_str::<serde_json::Value>(&escaped).unwrap(),
                serde_json::Value::String(text)
            );
        }
    }
}

//! The only writer of stdout: prints a token in the format `--output` asked for.

use std::io::Write as _;

use msal::app::{AuthenticationResult, TokenSource};
use time::{
    OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339, macros::format_description,
};

use crate::cli::args::OutputFormat;

/// Prints tokens. Built before the async runtime starts: reading the local UTC offset is only
/// sound while the process has one thread (the `az` format shows local time, as `az` does).
#[derive(Debug)]
pub struct Printer {
    format: OutputFormat,
    local_offset: UtcOffset,
}

impl Printer {
    /// A printer for `format`.
    pub fn new(format: OutputFormat) -> Self {
        let local_offset = if format == OutputFormat::Az {
            UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC)
        } else {
            UtcOffset::UTC
        };
        Self {
            format,
            local_offset,
        }
    }

    /// Writes the token to stdout. A closed pipe (`msal … | head -c0`) is not an error.
    pub fn token(&self, result: &AuthenticationResult) -> std::io::Result<()> {
        let text = self.render(result);
        write_stdout(&text)
    }

    fn render(&self, result: &AuthenticationResult) -> String {
        let token = result.access_token.secret();
        match self.format {
            // No command that prints a token offers a table.
            OutputFormat::Token | OutputFormat::Table => format!("{token}\n"),
            OutputFormat::Header => format!("Authorization: {} {token}\n", result.token_type),
            OutputFormat::Env => format!(
                "export MSAL_ACCESS_TOKEN={}\nexport MSAL_TOKEN_TYPE={}\nexport MSAL_EXPIRES_ON={}\n",
                shell_quote(token),
                shell_quote(&result.token_type),
                shell_quote(&result.expires_on.to_string()),
            ),
            OutputFormat::Json => {
                let value = serde_json::json!({
                    "access_token": token,
                    "token_type": result.token_type,
                    "expires_on": result.expires_on,
                    "expires_in": result.expires_in(),
                    "scope": result.scopes.join(" "),
                    "tenant_id": non_empty(&result.tenant_id),
                    "token_source": match result.source {
                        TokenSource::Cache => "cache",
                        TokenSource::IdentityProvider => "identity_provider",
                    },
                });
                json_text(&value)
            }
            OutputFormat::Az => {
                let value = serde_json::json!({
                    "accessToken": token,
                    "expiresOn": self.local_time(result.expires_on),
                    "expires_on": result.expires_on,
                    "subscription": serde_json::Value::Null,
                    "tenant": result.tenant_id,
                    "tokenType": result.token_type,
                });
                json_text(&value)
            }
            OutputFormat::ExecCredential => {
                let value = serde_json::json!({
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "kind": "ExecCredential",
                    "spec": { "interactive": false },
                    "status": {
                        "token": token,
                        "expirationTimestamp": rfc3339(result.expires_on),
                    },
                });
                json_text(&value)
            }
            OutputFormat::None => String::new(),
        }
    }

    /// `az`'s `expiresOn`: local time, `YYYY-MM-DD HH:MM:SS.ffffff`.
    fn local_time(&self, epoch: u64) -> String {
        let format = format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]"
        );
        let utc = datetime(epoch);
        // Near the end of the representable range an offset would overflow (and `to_offset`
        // panic): a hand-edited cache can hold any number.
        utc.checked_to_offset(self.local_offset)
            .unwrap_or(utc)
            .format(&format)
            .unwrap_or_default()
    }
}

/// A text value for `-o json`: `null` when there is none, never an empty string, so a script
/// tests one thing.
pub fn non_empty(text: &str) -> serde_json::Value {
    if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::Value::from(text)
    }
}

/// Pretty JSON and a newline, with what a terminal would interpret escaped (the value is kept).
pub fn json_text(value: &serde_json::Value) -> String {
    msal::text::escape_json_controls(&format!("{value:#}\n")).into_owned()
}

/// Writes to stdout; a reader that went away is not an error for us.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The instant `epoch` seconds name, or the last one `time` can represent (the end of year 9999)
/// for anything later: a far-future expiry stays far in the future, never wraps to 1970.
fn datetime(epoch: u64) -> OffsetDateTime {
    const LAST: i64 = 253_402_300_799;
    let secs = i64::try_from(epoch).unwrap_or(LAST).min(LAST);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// RFC 3339 in UTC, as Kubernetes expects for `expirationTimestamp`.
pub fn rfc3339(epoch: u64) -> String {
    datetime(epoch).format(&Rfc3339).unwrap_or_default()
}

/// Single-quotes a value for POSIX shells.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// A value as one word for a POSIX shell: as it is when nothing in it is special, else quoted.
pub fn shell_word(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        value.to_owned()
    } else {
        shell_quote(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_expiry_a_cache_file_can_hold_formats_without_panicking() {
        for offset in [UtcOffset::UTC, UtcOffset::from_hms(14, 0, 0).unwrap()] {
            let printer = Printer {
                format: OutputFormat::Az,
                local_offset: offset,
            };
            for epoch in [
                0,
                253_402_300_799,
                253_402_300_800,
                i64::MAX as u64,
                u64::MAX,
            ] {
                assert!(printer.local_time(epoch).starts_with(if epoch == 0 {
                    "1970"
                } else {
                    "9999"
                }));
                assert!(rfc3339(epoch).starts_with(if epoch == 0 { "1970" } else { "9999" }));
            }
        }
    }

    #[test]
    fn formats_timestamps_and_quotes() {
        assert_eq!(rfc3339(1_790_000_000), "2026-09-21T14:13:20Z");
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        let printer = Printer {
            format: OutputFormat::Az,
            local_offset: UtcOffset::UTC,
        };
        assert_eq!(
            printer.local_time(1_790_000_000),
            "2026-09-21 14:13:20.000000"
        );
    }
}
